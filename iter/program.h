// The program an iterator runs once per object (and once more at the end):
// a BPF program executed by the VM, or, in tests, a C++ function. The
// iterator layer only needs "run on this context, give me r0".
#pragma once

#include <cstdint>

namespace bpffs {

class IterProgram {
  public:
    virtual ~IterProgram() = default;

    // Runs the program on ctx, the target's context struct (it starts with
    // a struct bpf_iter_meta pointer, see IterMeta). Returns the program's
    // r0; the verifier guarantees 0 or 1 for BPF programs (spec 1.7).
    virtual uint64_t run(const void *ctx) = 0;

    // Sleepable programs (iter.s/...) may only attach to RESCHED targets.
    virtual bool sleepable() const { return false; }
};

}  // namespace bpffs
