// Naming maps on the command line: `id N`, `pinned PATH`, `name NAME`
// (a name may match several maps). Errors are reported through the Cli with
// bpftool's sentences; functions return -1 (or a negative errno) after that.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "tools/bpffsctl/obj_select.h"

namespace bpffsctl {

// Every map the selector names (fds appended); -1 on error.
int map_parse_fds(Cli &cli, Args &args, std::vector<int> &fds);
// Exactly one map ("several maps match this handle" otherwise).
int map_parse_fd(Cli &cli, Args &args);
int map_parse_fd_and_info(Cli &cli, Args &args, bpf_map_info &info);
// Exactly one program (defined in prog_select.cpp, which has the selectors).
int prog_parse_fd(Cli &cli, Args &args);

int map_info(int fd, bpf_map_info &info);

}  // namespace bpffsctl
