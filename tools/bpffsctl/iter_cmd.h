// `bpffsctl iter ...`: bpftool 7.1's `iter pin OBJ PATH [map MAP]` and
// `iter help`, plus `iter run OBJ [map MAP]`, which reads an anonymous
// iterator (BPF_ITER_CREATE) to the end and prints what it produced.
#pragma once

#include "tools/bpffsctl/args.h"

namespace bpffsctl {

class Cli;

int do_iter(Cli &cli, Args args);

}  // namespace bpffsctl
