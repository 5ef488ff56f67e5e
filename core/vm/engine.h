// The execution interface: the interpreter implements it today; a JIT could
// implement it later without changing callers.
#pragma once

#include <cstdint>

#include "core/result.h"
#include "core/vm/program.h"
#include "core/vm/run_context.h"

namespace bpffs::vm {

// Initial values of r1..r5 (r1 is usually the context pointer).
struct RunArgs {
    uint64_t r[5] = {};
};

class Engine {
  public:
    virtual ~Engine() = default;
    // Runs prog from its first instruction and returns r0 at its final exit,
    // or why the run was stopped (memory fault, budget, call depth, helper error).
    virtual Result<uint64_t> run(const Program &prog, RunContext &ctx, const RunArgs &args) = 0;
};

}  // namespace bpffs::vm
