// The first level of bpftool's grammar: objects (map, prog, ...), `batch`,
// `version`, `help`.
#pragma once

#include "tools/bpffsctl/args.h"

namespace bpffsctl {

class Cli;

// args positioned on the object word; returns the command's result.
int run_command(Cli &cli, Args args);
int do_version(Cli &cli);

}  // namespace bpffsctl
