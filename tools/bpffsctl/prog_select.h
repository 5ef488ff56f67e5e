// Naming programs on the command line as bpftool 7.1 does: `id N`,
// `tag HEX16`, `name NAME` (the full name; tag and name may match several
// programs) and
// `pinned PATH`. Errors are reported through the Cli with bpftool's
// sentences; the functions return -1 after that.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "tools/bpffsctl/map_select.h"

namespace bpffsctl {

class Cli;
struct Args;

// Every program the selector names (fds appended): their number, 0 when a
// tag or name matches none (bpftool then fails silently), -1 on error.
int prog_parse_fds(Cli &cli, Args &args, std::vector<int> &fds);

int prog_info(int fd, bpf_prog_info &info);

// bpftool's get_prog_full_name: a name cut at 15 characters is completed
// from the program's BTF (its first func_info).
std::string prog_full_name(const bpf_prog_info &info, int fd);

}  // namespace bpffsctl
