// `bpffsctl btf ...`: bpftool 7.1's BTF commands over libbpffs: show/list
// (with the programs and maps using each BTF object) and dump (id, prog,
// map, file, and `daemon`: bpffsd's own BTF, the analogue of
// /sys/kernel/btf/vmlinux) in raw format, plain and JSON.
#pragma once

#include "tools/bpffsctl/args.h"

namespace bpffsctl {

class Cli;

int do_btf(Cli &cli, Args args);

}  // namespace bpffsctl
