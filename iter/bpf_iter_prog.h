// An iterator program that is real eBPF: a vm::Program run by the
// interpreter once per object, with the seq helpers reachable.
//
// Each run gets a zeroed stack (the interpreter's), the context struct and
// its meta as read-only memory, and the memory the target says the
// context's pointer fields reach (object views read-only, a map element's
// key read-only and its value read-write). A run that the interpreter had
// to stop (a fault in bounds-checked mode, the instruction budget) is an
// EFAULT error for the session, never a crash; the first fault of each
// session is logged.
#pragma once

#include <memory>

#include "core/vm/program.h"
#include "iter/program.h"

namespace bpffs {

class BpfIterProgram final : public IterProgram {
  public:
    // program keeps what it runs alive: for a Prog object, the aliasing
    // shared_ptr(prog, &prog->program()) holds the Prog itself.
    explicit BpfIterProgram(std::shared_ptr<const vm::Program> program, bool sleepable = false);

    // Runs without a session: no seq helper may be called (they fault).
    uint64_t run(const void *ctx) override;
    Result<uint64_t> run_in(const void *ctx, IterSession &session,
                            std::span<const IterMemory> memory) override;
    bool sleepable() const override { return sleepable_; }
    // What the verifier recorded of the key/value buffer accesses
    // (nullopt for a program it did not verify, which runs checked).
    std::optional<IterBufferAccess> buffer_access() const override;

    const vm::Program &program() const { return *program_; }

  private:
    Result<uint64_t> execute(const void *ctx, size_t ctx_size, IterSession *session,
                             std::span<const IterMemory> memory);

    std::shared_ptr<const vm::Program> program_;
    bool sleepable_;
};

}  // namespace bpffs
