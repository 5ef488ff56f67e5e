// `bpffsctl link ...`: bpftool 7.1's link commands (show/list, pin,
// detach, help) over libbpffs.
#pragma once

#include "tools/bpffsctl/args.h"

namespace bpffsctl {

class Cli;

// args is positioned on the subcommand word (after "link"). Returns what
// bpftool's command returns (the exit status is its low byte).
int do_link(Cli &cli, Args args);

// bpftool's link_parse_fd: `id N` or `pinned PATH`; a link fd, or a
// negative value after reporting the error.
int link_parse_fd(Cli &cli, Args &args);

}  // namespace bpffsctl
