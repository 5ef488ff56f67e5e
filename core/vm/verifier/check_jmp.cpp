// Conditional jumps: decided branches are followed alone (which is what
// makes bounded loops terminate), undecided ones are explored both ways
// with the registers refined by what each side implies (NULL checks,
// bounds from comparisons).
#include <algorithm>
#include <cerrno>

#include "core/vm/verifier/verifier_env.h"

namespace bpffs::vm::verifier {
namespace {

struct Range {
    uint64_t umin, umax;
    int64_t smin, smax;
    Tnum t;
};

Range range_of(const RegState &r, bool is32) {
    if (is32) return {r.u32min, r.u32max, r.s32min, r.s32max, r.var_off.subreg()};
    return {r.umin, r.umax, r.smin, r.smax, r.var_off};
}

void put_range(RegState &r, const Range &x, bool is32) {
    if (is32) {
        r.u32min = uint32_t(x.umin);
        r.u32max = uint32_t(x.umax);
        r.s32min = int32_t(x.smin);
        r.s32max = int32_t(x.smax);
        Tnum low = tnum_intersect(r.var_off.subreg(), x.t.subreg());
        r.var_off = Tnum{(r.var_off.value & ~uint64_t(0xffffffff)) | low.value,
                         (r.var_off.mask & ~uint64_t(0xffffffff)) | low.mask};
    } else {
        r.umin = x.umin;
        r.umax = x.umax;
        r.smin = x.smin;
        r.smax = x.smax;
        r.var_off = tnum_intersect(r.var_off, x.t);
    }
    r.sync_bounds();
}

uint8_t negate(uint8_t jop) {
    switch (jop) {
        case op::kJeq:
            return op::kJne;
        case op::kJne:
            return op::kJeq;
        case op::kJgt:
            return op::kJle;
        case op::kJle:
            return op::kJgt;
        case op::kJge:
            return op::kJlt;
        case op::kJlt:
            return op::kJge;
        case op::kJsgt:
            return op::kJsle;
        case op::kJsle:
            return op::kJsgt;
        case op::kJsge:
            return op::kJslt;
        case op::kJslt:
            return op::kJsge;
        default:
            return 0xff;  // JSET's negation: "no bit in common"
    }
}

// 1: always taken, 0: never, -1: unknown.
int branch_taken(const Range &a, const Range &b, uint8_t jop) {
    switch (jop) {
        case op::kJeq:
        case op::kJne: {
            int eq = -1;
            if (a.t.is_const() && b.t.is_const())
                eq = a.t.value == b.t.value;
            else if (a.umin > b.umax || a.umax < b.umin || a.smin > b.smax || a.smax < b.smin ||
                     ((a.t.value ^ b.t.value) & ~(a.t.mask | b.t.mask)) != 0)
                eq = 0;
            if (eq < 0) return -1;
            return jop == op::kJeq ? eq : !eq;
        }
        case op::kJset:
            if (b.t.is_const()) {
                if (a.t.value & b.t.value) return 1;
                if (((a.t.value | a.t.mask) & b.t.value) == 0) return 0;
            }
            return -1;
        case op::kJgt:
            return a.umin > b.umax ? 1 : a.umax <= b.umin ? 0 : -1;
        case op::kJge:
            return a.umin >= b.umax ? 1 : a.umax < b.umin ? 0 : -1;
        case op::kJlt:
            return a.umax < b.umin ? 1 : a.umin >= b.umax ? 0 : -1;
        case op::kJle:
            return a.umax <= b.umin ? 1 : a.umin > b.umax ? 0 : -1;
        case op::kJsgt:
            return a.smin > b.smax ? 1 : a.smax <= b.smin ? 0 : -1;
        case op::kJsge:
            return a.smin >= b.smax ? 1 : a.smax < b.smin ? 0 : -1;
        case op::kJslt:
            return a.smax < b.smin ? 1 : a.smin >= b.smax ? 0 : -1;
        case op::kJsle:
            return a.smax <= b.smin ? 1 : a.smin > b.smax ? 0 : -1;
        default:
            return -1;
    }
}

// What "a jop b" being true tells about both.
void refine(Range &a, Range &b, uint8_t jop) {
    switch (jop) {
        case op::kJeq: {
            Range m{std::max(a.umin, b.umin), std::min(a.umax, b.umax), std::max(a.smin, b.smin),
                    std::min(a.smax, b.smax), tnum_intersect(a.t, b.t)};
            a = b = m;
            break;
        }
        case op::kJne:
            if (b.t.is_const()) {
                uint64_t c = b.t.value;
                if (a.umin == c && a.umin < a.umax) ++a.umin;
                if (a.umax == c && a.umax > a.umin) --a.umax;
                if (a.smin == int64_t(c) && a.smin < a.smax) ++a.smin;
                if (a.smax == int64_t(c) && a.smax > a.smin) --a.smax;
            }
            break;
        case op::kJgt:
            if (b.umin != UINT64_MAX) a.umin = std::max(a.umin, b.umin + 1);
            if (a.umax != 0) b.umax = std::min(b.umax, a.umax - 1);
            break;
        case op::kJge:
            a.umin = std::max(a.umin, b.umin);
            b.umax = std::min(b.umax, a.umax);
            break;
        case op::kJlt:
            if (b.umax != 0) a.umax = std::min(a.umax, b.umax - 1);
            if (a.umin != UINT64_MAX) b.umin = std::max(b.umin, a.umin + 1);
            break;
        case op::kJle:
            a.umax = std::min(a.umax, b.umax);
            b.umin = std::max(b.umin, a.umin);
            break;
        case op::kJsgt:
            if (b.smin != INT64_MAX) a.smin = std::max(a.smin, b.smin + 1);
            if (a.smax != INT64_MIN) b.smax = std::min(b.smax, a.smax - 1);
            break;
        case op::kJsge:
            a.smin = std::max(a.smin, b.smin);
            b.smax = std::min(b.smax, a.smax);
            break;
        case op::kJslt:
            if (b.smax != INT64_MIN) a.smax = std::min(a.smax, b.smax - 1);
            if (a.smin != INT64_MAX) b.smin = std::max(b.smin, a.smin + 1);
            break;
        case op::kJsle:
            a.smax = std::min(a.smax, b.smax);
            b.smin = std::max(b.smin, a.smin);
            break;
        case 0xff:  // JSET false: the tested bits are clear
            if (b.t.is_const()) {
                a.t.value &= ~b.t.value;
                a.t.mask &= ~b.t.value;
            }
            break;
        default:
            break;
    }
}

bool is_range_sane(const Range &r, bool is32) {
    if (r.umin > r.umax || r.smin > r.smax) return false;
    (void)is32;
    return true;
}

// Bounds learnt on reg apply to every copy of it (same scalar id).
void propagate_to_copies(VState &st, const RegState &reg) {
    if (!reg.is_scalar() || reg.id == 0) return;
    for (FuncState &f : st.frames) {
        for (RegState &r : f.regs)
            if (r.is_scalar() && r.id == reg.id) r = reg;
        for (int slot = 0; slot < kStackSize / 8; ++slot)
            if (f.is_spill(-8 * (slot + 1)) && f.spilled[slot].is_scalar() &&
                f.spilled[slot].id == reg.id)
                f.spilled[slot] = reg;
    }
}

}  // namespace

Status Verifier::check_cond_jmp(VState &st, const Insn &in, uint32_t idx, bool &fallthrough_only,
                                bool &jump_only) {
    FuncState &f = st.cur();
    const uint8_t jop = jmp_op(in.code);
    const bool is32 = insn_class(in.code) == op::kJmp32;
    const bool x = uses_reg_source(in.code);
    const uint32_t target = uint32_t(int64_t(idx) + 1 + in.off);
    if (auto s = reg_readable(f, in.dst); !s) return s;
    if (x) {
        if (auto s = reg_readable(f, in.src); !s) return s;
    }
    RegState dst = f.regs[in.dst];
    RegState src =
        x ? f.regs[in.src]
          : RegState::const_scalar(is32 ? uint64_t(uint32_t(in.imm)) : uint64_t(int64_t(in.imm)));
    if (is32 && !x) {
        src = RegState::const_scalar(uint64_t(uint32_t(in.imm)));
    }

    auto follow = [&](bool taken) {
        st.insn = taken ? target : idx + 1;
        (taken ? jump_only : fallthrough_only) = true;
    };

    // NULL checks of maybe-NULL pointers.
    const bool src_zero = src.is_scalar() && src.is_const() &&
                          (is32 ? uint32_t(src.const_value()) == 0 : src.const_value() == 0);
    if (dst.is_pointer() || src.is_pointer()) {
        if (!is32 && (jop == op::kJeq || jop == op::kJne) && dst.is_pointer() && src_zero) {
            if (dst.is_nullable()) {
                VState other = st;
                const uint32_t id = dst.id;
                // Jump side: JEQ → NULL, JNE → not NULL.
                mark_ptr_or_null(other, id, jop == op::kJeq);
                mark_ptr_or_null(st, id, jop != op::kJeq);
                push_branch(other, target);
                st.insn = idx + 1;
                return ok();
            }
            // A pointer that cannot be NULL: the branch is decided.
            follow(jop == op::kJne);
            return ok();
        }
        if (!leaks_allowed())
            return tl::unexpected(
                err(EACCES, "R" + std::to_string(dst.is_pointer() ? in.dst : in.src) +
                                " pointer comparison prohibited"));
        VState other = st;
        push_branch(other, target);
        st.insn = idx + 1;
        return ok();
    }

    Range a = range_of(dst, is32), b = range_of(src, is32);
    const int taken = branch_taken(a, b, jop);
    if (taken >= 0) {
        follow(taken == 1);
        return ok();
    }
    // Both ways: refine a copy for the jump, this state for the fall-through.
    VState other = st;
    {
        Range ta = a, tb = b;
        refine(ta, tb, jop);
        if (is_range_sane(ta, is32) && is_range_sane(tb, is32)) {
            put_range(other.cur().regs[in.dst], ta, is32);
            if (x) put_range(other.cur().regs[in.src], tb, is32);
            propagate_to_copies(other, other.cur().regs[in.dst]);
            if (x) propagate_to_copies(other, other.cur().regs[in.src]);
        }
    }
    {
        Range fa = a, fb = b;
        refine(fa, fb, negate(jop));
        if (is_range_sane(fa, is32) && is_range_sane(fb, is32)) {
            put_range(f.regs[in.dst], fa, is32);
            if (x) put_range(f.regs[in.src], fb, is32);
            RegState d = f.regs[in.dst];
            propagate_to_copies(st, d);
            if (x) {
                RegState sr = st.cur().regs[in.src];
                propagate_to_copies(st, sr);
            }
        }
    }
    push_branch(other, target);
    st.insn = idx + 1;
    return ok();
}

}  // namespace bpffs::vm::verifier
