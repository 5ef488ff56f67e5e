// The interpreter: a computed-goto dispatch loop over a program's
// pre-decoded slots. It allocates nothing per run. In checked mode (chosen
// per program) every load, store and atomic is validated against the run's
// active stack frames and memory regions; in unchecked mode it trusts the
// verifier and touches memory directly.
#pragma once

#include "core/vm/engine.h"

namespace bpffs::vm {

class Interpreter final : public Engine {
  public:
    Result<uint64_t> run(const Program &prog, RunContext &ctx, const RunArgs &args) override;

    // The process-wide interpreter (it has no state of its own).
    static Interpreter &instance();
};

}  // namespace bpffs::vm
