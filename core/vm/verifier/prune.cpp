// State pruning (the kernel's is_state_visited / states_equal): at prune
// points (jump targets and branch fall-throughs) the current state is
// compared with the states already explored there. If an explored,
// finished state contains it (every register and stack slot of the
// current state within the old one's range), the path is safe and stops.
// A containing state that is still being explored is an ancestor on a
// loop: the loop can repeat forever.
#include <algorithm>
#include <cerrno>
#include <utility>

#include "core/vm/verifier/verifier_env.h"

namespace bpffs::vm::verifier {
namespace {

// Maps the ids of maybe-NULL pointers of one state to the other's: two
// states are alike only if their copies pair up the same way.
class IdMap {
  public:
    bool check(uint32_t old_id, uint32_t cur_id) {
        if (old_id == 0 || cur_id == 0) return old_id == cur_id;
        for (auto &[o, c] : pairs_) {
            if (o == old_id) return c == cur_id;
            if (c == cur_id) return false;
        }
        pairs_.emplace_back(old_id, cur_id);
        return true;
    }

  private:
    std::vector<std::pair<uint32_t, uint32_t>> pairs_;
};

bool range_within(const RegState &old, const RegState &cur) {
    return old.umin <= cur.umin && cur.umax <= old.umax && old.smin <= cur.smin &&
           cur.smax <= old.smax && old.u32min <= cur.u32min && cur.u32max <= old.u32max &&
           old.s32min <= cur.s32min && cur.s32max <= old.s32max &&
           old.var_off.contains(cur.var_off);
}

bool regsafe(const RegState &old, const RegState &cur, IdMap &ids) {
    if (old.type == RegType::not_init) return true;
    if (old.type != cur.type) return false;
    if (old.type == RegType::scalar) {
        // Linked copies in the old state must be linked alike in this one.
        if (old.id != 0 && !ids.check(old.id, cur.id)) return false;
        return range_within(old, cur);
    }
    if (old.off != cur.off || old.map != cur.map || old.btf != cur.btf ||
        old.rdonly != cur.rdonly || old.frameno != cur.frameno || old.func != cur.func)
        return false;
    if (!range_within(old, cur)) return false;
    return ids.check(old.id, cur.id);
}

bool stacksafe(const FuncState &old, const FuncState &cur, IdMap &ids) {
    const uint32_t depth = std::max(old.depth, cur.depth);
    for (int b = kStackSize - int(depth); b < kStackSize; ++b) {
        const StackByte o = old.stack[b];
        const StackByte c = cur.stack[b];
        const int32_t off = b - kStackSize;
        switch (o) {
            case StackByte::invalid:
                continue;
            case StackByte::misc:
                if (c == StackByte::misc || c == StackByte::zero) continue;
                if (c == StackByte::spill && cur.spilled[FuncState::slot_of(off)].is_scalar())
                    continue;
                return false;
            case StackByte::zero:
                if (c == StackByte::zero) continue;
                if (c == StackByte::spill) {
                    const RegState &r = cur.spilled[FuncState::slot_of(off)];
                    if (r.is_scalar() && r.is_const() && r.const_value() == 0) continue;
                }
                return false;
            case StackByte::spill:
                if (c != StackByte::spill) return false;
                // Compare the spilled registers once per slot.
                if ((off + kStackSize) % 8 == 0 &&
                    !regsafe(old.spilled[FuncState::slot_of(off)],
                             cur.spilled[FuncState::slot_of(off)], ids))
                    return false;
                continue;
        }
    }
    return true;
}

}  // namespace

bool Verifier::states_equal(const VState &old_st, const VState &cur, bool exact) const {
    (void)exact;
    if (old_st.frames.size() != cur.frames.size()) return false;
    IdMap ids;
    const size_t n = cur.frames.size();
    for (size_t k = 0; k < n; ++k) {
        const FuncState &o = old_st.frames[k];
        const FuncState &c = cur.frames[k];
        if (o.callsite != c.callsite || o.in_callback != c.in_callback) return false;
        // The innermost frame by liveness; callers keep r6..r9 across the
        // call, and a callback's caller also r1..r5, for the helper call its
        // callback returns to.
        uint16_t live = k + 1 == n ? live_regs_[cur.insn] : uint16_t(0x3c0);
        if (k + 1 < n && cur.frames[k + 1].in_callback) live = 0x3fe;
        for (int r = 0; r < kFrameRegister; ++r) {
            if (!(live & (1u << r))) continue;
            if (!regsafe(o.regs[r], c.regs[r], ids)) return false;
        }
        if (!stacksafe(o, c, ids)) return false;
    }
    return true;
}

Result<bool> Verifier::is_state_visited(VState &cur, uint32_t idx) {
    auto &list = explored_[idx];
    cur.insn = idx;
    for (auto &old : list) {
        if (!states_equal(*old, cur, false)) continue;
        if (old->branches > 0) {
            // An unfinished state met again. At a helper call taking a
            // callback, this is the callback's next call, which the helper
            // bounds: what follows is covered by the exploration of the old
            // state (the kernel's calls_callback case). Elsewhere it is a
            // loop, infinite unless a callback returned in between (the
            // kernel's callback_unroll_depth): then explore on.
            if (is_callback_call(idx)) return true;
            if (old->callback_unroll != cur.callback_unroll) continue;
            return tl::unexpected(
                err(EINVAL, "infinite loop detected at insn " + std::to_string(idx)));
        }
        return true;
    }
    if (list.size() >= kMaxStatesPerInsn) return false;
    auto saved = std::make_unique<VState>(cur);
    saved->parent = cur.parent;
    saved->branches = 1;
    cur.parent = saved.get();
    list.push_back(std::move(saved));
    ++total_states_;
    return false;
}

}  // namespace bpffs::vm::verifier
