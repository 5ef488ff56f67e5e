// `bpffsctl prog ...`: bpftool 7.1's program commands over libbpffs (show,
// list, dump xlated, pin, load, loadall; the others say they are not
// provided).
#pragma once

#include "tools/bpffsctl/args.h"

namespace bpffsctl {

class Cli;

// args is positioned on the subcommand word (after "prog").
int do_prog(Cli &cli, Args args);

}  // namespace bpffsctl
