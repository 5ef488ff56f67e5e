// What the verifier needs to know about an iterator target: its context
// struct (meta, then the target's fields with their kinds) as a
// vm::verifier::ProgramEnv for programs of that target.
#pragma once

#include "core/vm/verifier/verifier.h"
#include "iter/target.h"

namespace bpffs {

// The environment of programs for target (helpers, privilege and log are
// left for the loader to set).
vm::verifier::ProgramEnv iter_program_env(const IterTarget &target);

}  // namespace bpffs
