// The program an iterator runs once per object (and once more at the end):
// a BPF program executed by the VM, or, in tests, a C++ function. The
// iterator layer only needs "run on this context, give me r0".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/result.h"

namespace bpffs {

class IterSession;

// One piece of memory a context field points at (an object view, a map
// element's key or value): what a bounds-checked run may touch besides
// the context struct and its meta.
struct IterMemory {
    const void *ptr = nullptr;
    size_t len = 0;
    bool writable = false;
};

// The largest offset + size a program reads or writes through the
// context's read-only buffer (a map element's key) and its read-write
// buffer (the value), as the verifier records them.
struct IterBufferAccess {
    uint32_t max_rdonly = 0;
    uint32_t max_rdwr = 0;
};

class IterProgram {
  public:
    virtual ~IterProgram() = default;

    // Runs the program on ctx, the target's context struct (it starts with
    // a struct bpf_iter_meta pointer, see IterMeta). Returns the program's
    // r0; the verifier guarantees 0 or 1 for BPF programs (spec 1.7).
    virtual uint64_t run(const void *ctx) = 0;

    // Runs the program for one object of session, given the memory the
    // context's pointer fields reach. A run that had to be stopped (a
    // fault in bounds-checked mode, an exhausted budget) is an error.
    // Programs that cannot fail keep the default, which is run(ctx).
    virtual Result<uint64_t> run_in(const void *ctx, IterSession &session,
                                    std::span<const IterMemory> memory) {
        (void)session;
        (void)memory;
        return run(ctx);
    }

    // Sleepable programs (iter.s/...) may only attach to RESCHED targets.
    virtual bool sleepable() const { return false; }

    // The program's recorded buffer accesses, for the EACCES check of
    // map-element targets at attach; nullopt while no verifier recorded
    // them (the check is then skipped).
    virtual std::optional<IterBufferAccess> buffer_access() const { return std::nullopt; }
};

}  // namespace bpffs
