#include "core/vm/verifier/stack_state.h"

namespace bpffs::vm::verifier {

bool FuncState::is_spill(int32_t off) const {
    if (off % 8 != 0) return false;
    int b = byte_index(off);
    for (int i = 0; i < 8; ++i)
        if (stack[b + i] != StackByte::spill) return false;
    return true;
}

namespace {

// Writing into part of a spill slot turns the rest of it into plain bytes.
void break_spills(FuncState &f, int32_t off, int size) {
    for (int32_t o = off; o < off + size; ++o) {
        int slot = FuncState::slot_of(o);
        int base = FuncState::byte_index(-8 * (slot + 1));
        if (f.stack[base] != StackByte::spill) continue;
        for (int i = 0; i < 8; ++i)
            f.stack[base + i] = StackByte::misc;
        f.spilled[slot] = RegState{};
    }
}

}  // namespace

void FuncState::write_misc(int32_t off, int size) {
    break_spills(*this, off, size);
    for (int i = 0; i < size; ++i)
        stack[byte_index(off) + i] = StackByte::misc;
}

void FuncState::write_zero(int32_t off, int size) {
    break_spills(*this, off, size);
    for (int i = 0; i < size; ++i)
        stack[byte_index(off) + i] = StackByte::zero;
}

void FuncState::spill(int32_t off, const RegState &reg) {
    break_spills(*this, off, 8);
    int b = byte_index(off);
    for (int i = 0; i < 8; ++i)
        stack[b + i] = StackByte::spill;
    spilled[slot_of(off)] = reg;
}

bool FuncState::initialised(int32_t off, int size) const {
    int b = byte_index(off);
    for (int i = 0; i < size; ++i)
        if (stack[b + i] == StackByte::invalid) return false;
    return true;
}

bool FuncState::all_zero(int32_t off, int size) const {
    int b = byte_index(off);
    for (int i = 0; i < size; ++i) {
        StackByte s = stack[b + i];
        if (s == StackByte::zero) continue;
        if (s == StackByte::spill) {
            const RegState &r = spilled[slot_of(off + i)];
            if (r.is_scalar() && r.is_const() && r.const_value() == 0) continue;
        }
        return false;
    }
    return true;
}

bool FuncState::overlaps_pointer_spill(int32_t off, int size) const {
    int b = byte_index(off);
    for (int i = 0; i < size; ++i)
        if (stack[b + i] == StackByte::spill && spilled[slot_of(off + i)].is_pointer()) return true;
    return false;
}

}  // namespace bpffs::vm::verifier
