// The abstract state of one function frame: its registers and its 512
// stack bytes, tracked per byte (never written, holding some scalar bytes,
// holding zero) with whole registers spilled into aligned 8-byte slots
// remembered as their abstract values.
#pragma once

#include <array>
#include <cstdint>

#include "core/vm/isa.h"
#include "core/vm/verifier/reg_state.h"

namespace bpffs::vm::verifier {

enum class StackByte : uint8_t { invalid, misc, zero, spill };

struct FuncState {
    std::array<RegState, kRegisterCount> regs;
    // byte b is at fp - kStackSize + b
    std::array<StackByte, kStackSize> stack{};
    std::array<RegState, kStackSize / 8> spilled;  // by slot (fp - 8 * (slot + 1) ... )
    int32_t callsite = -1;  // the call instruction in the caller (-1: main program)
    uint32_t subprog = 0;
    uint32_t frameno = 0;
    uint32_t depth = 0;  // deepest byte used below fp, for the stack size check
    // A callback called by a helper (bpf_loop...): its exit returns to the
    // helper call again, as the helper may call it once more.
    bool in_callback = false;
    // Calls of a callback that returned to this frame's pending helper call.
    uint32_t callback_iters = 0;

    static int byte_index(int32_t off) { return kStackSize + off; }  // off < 0
    static int slot_of(int32_t off) { return (-off - 1) / 8; }       // 8-byte aligned off
    // True when [off, off + size) is an 8-byte aligned spill slot holding a register.
    bool is_spill(int32_t off) const;
    void write_misc(int32_t off, int size);  // scalar bytes (a store or helper output)
    void write_zero(int32_t off, int size);
    void spill(int32_t off, const RegState &reg);
    // Whether every byte of [off, off + size) was written.
    bool initialised(int32_t off, int size) const;
    bool all_zero(int32_t off, int size) const;
    // A spilled pointer overlaps [off, off + size).
    bool overlaps_pointer_spill(int32_t off, int size) const;
};

}  // namespace bpffs::vm::verifier
