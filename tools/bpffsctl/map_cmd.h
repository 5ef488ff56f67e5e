// `bpffsctl map ...`: bpftool 7.1's map commands over libbpffs.
#pragma once

#include "tools/bpffsctl/args.h"

namespace bpffsctl {

class Cli;

// args is positioned on the subcommand word (after "map"). Returns what
// bpftool's command returns: 0, -1 or a negative errno (the exit status is
// its low byte).
int do_map(Cli &cli, Args args);

}  // namespace bpffsctl
