#include "core/vm/verifier/reg_state.h"

#include <algorithm>
#include <limits>

#include "core/map.h"
#include "core/vm/isa.h"
#include "core/vm/verifier/btf_struct.h"

namespace bpffs::vm::verifier {

const char *reg_type_name(RegType t, bool rdonly) {
    switch (t) {
        case RegType::not_init:
            return "?";
        case RegType::scalar:
            return "scalar";
        case RegType::ptr_to_ctx:
            return "ctx";
        case RegType::ptr_to_stack:
            return "fp";
        case RegType::const_ptr_to_map:
            return "map_ptr";
        case RegType::ptr_to_map_value:
            return "map_value";
        case RegType::ptr_to_map_value_or_null:
            return "map_value_or_null";
        case RegType::ptr_to_buf:
            return rdonly ? "rdonly_buf" : "rdwr_buf";
        case RegType::ptr_to_buf_or_null:
            return rdonly ? "rdonly_buf_or_null" : "rdwr_buf_or_null";
        case RegType::ptr_to_btf_id:
            return "ptr_";
        case RegType::ptr_to_btf_id_or_null:
            return "ptr_or_null_";
        case RegType::ptr_to_func:
            return "func";
        case RegType::ptr_to_map_key:
            return "map_key";
    }
    return "?";
}

RegState RegState::unknown_scalar() {
    RegState r;
    r.type = RegType::scalar;
    return r;
}

RegState RegState::const_scalar(uint64_t v) {
    RegState r;
    r.type = RegType::scalar;
    r.set_const(v);
    return r;
}

RegState RegState::pointer(RegType t) {
    RegState r;
    r.type = t;
    r.set_const(0);
    return r;
}

void RegState::mark_unknown_bounds() {
    var_off = Tnum::unknown();
    smin = INT64_MIN;
    smax = INT64_MAX;
    umin = 0;
    umax = UINT64_MAX;
    s32min = INT32_MIN;
    s32max = INT32_MAX;
    u32min = 0;
    u32max = UINT32_MAX;
}

void RegState::set_const(uint64_t v) {
    var_off = Tnum::constant(v);
    smin = smax = int64_t(v);
    umin = umax = v;
    s32min = s32max = int32_t(uint32_t(v));
    u32min = u32max = uint32_t(v);
}

void RegState::zero_extend_32() {
    var_off = var_off.subreg();
    bounds_from_32();
}

void RegState::bounds_from_32() {
    if ((var_off.mask >> 32) == 0) {
        uint64_t high = var_off.value & ~uint64_t(0xffffffff);
        umin = std::max(umin, high | u32min);
        umax = std::min(umax, high | u32max);
        if (umin > umax) {  // inconsistent: keep the 32-bit facts only
            umin = high | u32min;
            umax = high | u32max;
        }
        if (int64_t(umin) <= int64_t(umax)) {
            smin = int64_t(umin);
            smax = int64_t(umax);
        } else {
            smin = INT64_MIN;
            smax = INT64_MAX;
        }
    }
}

namespace {

// The 32-bit bounds implied by the 64-bit ones when they stay within one
// 4 GiB block (or one signed half).
void sync_32_from_64(RegState &r) {
    if ((r.umin >> 32) == (r.umax >> 32)) {
        r.u32min = std::max(r.u32min, uint32_t(r.umin));
        r.u32max = std::min(r.u32max, uint32_t(r.umax));
        if (int32_t(uint32_t(r.umin)) <= int32_t(uint32_t(r.umax))) {
            r.s32min = std::max(r.s32min, int32_t(uint32_t(r.umin)));
            r.s32max = std::min(r.s32max, int32_t(uint32_t(r.umax)));
        }
    }
    if ((uint64_t(r.smin) >> 32) == (uint64_t(r.smax) >> 32) &&
        int32_t(uint32_t(r.smin)) <= int32_t(uint32_t(r.smax))) {
        r.s32min = std::max(r.s32min, int32_t(uint32_t(r.smin)));
        r.s32max = std::min(r.s32max, int32_t(uint32_t(r.smax)));
    }
}

void sync_from_tnum(RegState &r) {
    const Tnum &t = r.var_off;
    r.umin = std::max(r.umin, t.value);
    r.umax = std::min(r.umax, t.value | t.mask);
    // The sign bit known: the signed bounds follow from the bits too.
    const uint64_t sign = uint64_t(1) << 63;
    if ((t.mask & sign) == 0) {
        r.smin = std::max(r.smin, int64_t(t.value | (t.mask & sign)));
        r.smax = std::min(r.smax, int64_t(t.value | (t.mask & ~sign)));
    }
    Tnum low = t.subreg();
    r.u32min = std::max(r.u32min, uint32_t(low.value));
    r.u32max = std::min(r.u32max, uint32_t(low.value | low.mask));
    const uint32_t sign32 = uint32_t(1) << 31;
    if ((low.mask & sign32) == 0) {
        r.s32min = std::max(r.s32min, int32_t(uint32_t(low.value)));
        r.s32max = std::min(r.s32max, int32_t(uint32_t(low.value | low.mask)));
    }
}

// Signed and unsigned bounds agree where the range does not cross the sign boundary.
void sync_signs(RegState &r) {
    if (r.smin >= 0 || r.smax < 0) {
        r.smin = r.umin = std::max(uint64_t(r.smin), r.umin);
        r.smax = r.umax = std::min(uint64_t(r.smax), r.umax);
    } else if (int64_t(r.umax) >= 0) {
        r.smin = int64_t(r.umin);
        r.umax = r.smax = std::min(uint64_t(r.smax), r.umax);
    } else if (int64_t(r.umin) < 0) {
        r.umin = uint64_t(r.smin = std::max(r.smin, int64_t(r.umin)));
        r.smax = int64_t(r.umax);
    }
    if (r.s32min >= 0 || r.s32max < 0) {
        r.s32min = int32_t(r.u32min = std::max(uint32_t(r.s32min), r.u32min));
        r.s32max = int32_t(r.u32max = std::min(uint32_t(r.s32max), r.u32max));
    } else if (int32_t(r.u32max) >= 0) {
        r.s32min = int32_t(r.u32min);
        r.u32max = uint32_t(r.s32max = int32_t(std::min(uint32_t(r.s32max), r.u32max)));
    } else if (int32_t(r.u32min) < 0) {
        r.u32min = uint32_t(r.s32min = std::max(r.s32min, int32_t(r.u32min)));
        r.s32max = int32_t(r.u32max);
    }
}

}  // namespace

void RegState::sync_bounds() {
    sync_from_tnum(*this);
    sync_32_from_64(*this);
    sync_signs(*this);
    bounds_from_32();
    sync_signs(*this);
    var_off = tnum_intersect(var_off, Tnum::range(umin, umax));
    Tnum low = tnum_intersect(var_off.subreg(), Tnum::range(u32min, u32max));
    var_off = Tnum{(var_off.value & ~uint64_t(0xffffffff)) | low.value,
                   (var_off.mask & ~uint64_t(0xffffffff)) | low.mask};
    sync_from_tnum(*this);
    // Inconsistent bounds mean an impossible state; keep them ordered.
    if (umin > umax || smin > smax || u32min > u32max || s32min > s32max) {
        mark_unknown_bounds();
    }
}

namespace {

bool add_overflows(int64_t a, int64_t b, int64_t &out) {
    return __builtin_add_overflow(a, b, &out);
}
bool sub_overflows(int64_t a, int64_t b, int64_t &out) {
    return __builtin_sub_overflow(a, b, &out);
}

// A scalar made of the 32-bit view of r, zero-extended, so the 64-bit
// arithmetic below serves 32-bit operations too.
RegState low_half(const RegState &r, bool sign_extend) {
    RegState t = RegState::unknown_scalar();
    if (sign_extend) {
        t.var_off = r.var_off.subreg();
        if (r.var_off.subreg().is_const()) {
            t.set_const(uint64_t(int64_t(int32_t(uint32_t(r.var_off.value)))));
            return t;
        }
        t.var_off = Tnum::unknown();
        t.smin = r.s32min;
        t.smax = r.s32max;
        t.umin = 0;
        t.umax = UINT64_MAX;
        t.sync_bounds();
        return t;
    }
    t.var_off = r.var_off.subreg();
    t.umin = r.u32min;
    t.umax = r.u32max;
    t.smin = r.u32min;
    t.smax = r.u32max;
    t.sync_bounds();
    return t;
}

// Keeps the low 32 bits of a 64-bit result as the subregister, upper half zero.
void truncate_to_32(RegState &r) {
    RegState t = RegState::unknown_scalar();
    t.var_off = r.var_off.subreg();
    if ((r.umin >> 32) == (r.umax >> 32)) {
        t.u32min = uint32_t(r.umin);
        t.u32max = uint32_t(r.umax);
    }
    if ((uint64_t(r.smin) >> 32) == (uint64_t(r.smax) >> 32) &&
        int32_t(uint32_t(r.smin)) <= int32_t(uint32_t(r.smax))) {
        t.s32min = int32_t(uint32_t(r.smin));
        t.s32max = int32_t(uint32_t(r.smax));
    }
    t.umin = 0;
    t.umax = UINT32_MAX;
    t.smin = 0;
    t.smax = UINT32_MAX;
    t.sync_bounds();
    r = t;
}

void alu_add(RegState &d, const RegState &s) {
    int64_t lo, hi;
    if (add_overflows(d.smin, s.smin, lo) || add_overflows(d.smax, s.smax, hi)) {
        d.smin = INT64_MIN;
        d.smax = INT64_MAX;
    } else {
        d.smin = lo;
        d.smax = hi;
    }
    uint64_t ulo = d.umin + s.umin, uhi = d.umax + s.umax;
    if (ulo < d.umin || uhi < d.umax) {
        d.umin = 0;
        d.umax = UINT64_MAX;
    } else {
        d.umin = ulo;
        d.umax = uhi;
    }
    d.var_off = tnum_add(d.var_off, s.var_off);
}

void alu_sub(RegState &d, const RegState &s) {
    int64_t lo, hi;
    if (sub_overflows(d.smin, s.smax, lo) || sub_overflows(d.smax, s.smin, hi)) {
        d.smin = INT64_MIN;
        d.smax = INT64_MAX;
    } else {
        d.smin = lo;
        d.smax = hi;
    }
    if (d.umin < s.umax) {
        d.umin = 0;
        d.umax = UINT64_MAX;
    } else {
        d.umin -= s.umax;
        d.umax -= s.umin;
    }
    d.var_off = tnum_sub(d.var_off, s.var_off);
}

void alu_mul(RegState &d, const RegState &s) {
    Tnum t = tnum_mul(d.var_off, s.var_off);
    uint64_t hi;
    if (d.smin < 0 || s.smin < 0 || __builtin_mul_overflow(d.umax, s.umax, &hi)) {
        d.mark_unknown_bounds();
    } else {
        d.umin = d.umin * s.umin;
        d.umax = hi;
        d.smin = int64_t(d.umax) < 0 ? INT64_MIN : int64_t(d.umin);
        d.smax = int64_t(d.umax) < 0 ? INT64_MAX : int64_t(d.umax);
        d.s32min = INT32_MIN, d.s32max = INT32_MAX, d.u32min = 0, d.u32max = UINT32_MAX;
    }
    d.var_off = t;
}

void reset_except_tnum(RegState &d, Tnum t) {
    d.mark_unknown_bounds();
    d.var_off = t;
}

void alu_shift(uint8_t op, RegState &d, const RegState &s, unsigned width) {
    if (!s.is_const() || s.const_value() >= width) {
        d.mark_unknown_bounds();
        return;
    }
    unsigned n = unsigned(s.const_value());
    if (op == op::kLsh) {
        if (n < 64 && d.umax <= (UINT64_MAX >> n)) {
            Tnum t = d.var_off.lshift(n);
            uint64_t lo = d.umin << n, hi = d.umax << n;
            reset_except_tnum(d, t);
            d.umin = lo;
            d.umax = hi;
        } else {
            reset_except_tnum(d, d.var_off.lshift(n));
        }
    } else if (op == op::kRsh) {
        Tnum t = d.var_off.rshift(n);
        uint64_t lo = d.umin >> n, hi = d.umax >> n;
        reset_except_tnum(d, t);
        d.umin = lo;
        d.umax = hi;
    } else {  // arsh
        Tnum t = d.var_off.arshift(n, false);
        int64_t lo = d.smin >> n, hi = d.smax >> n;
        reset_except_tnum(d, t);
        d.smin = lo;
        d.smax = hi;
    }
}

uint64_t const_alu(uint8_t op, uint64_t a, uint64_t b, bool alu64, bool &known) {
    known = true;
    if (!alu64) {
        uint32_t x = uint32_t(a), y = uint32_t(b);
        switch (op) {
            case op::kDiv:
                return y ? x / y : 0;
            case op::kMod:
                return y ? x % y : x;
            default:
                break;
        }
    } else {
        switch (op) {
            case op::kDiv:
                return b ? a / b : 0;
            case op::kMod:
                return b ? a % b : a;
            default:
                break;
        }
    }
    known = false;
    return 0;
}

}  // namespace

void scalar_alu(uint8_t op, RegState &dst, const RegState &src_in, bool alu64) {
    // 32-bit operations work on zero-extended (arsh: sign-extended) low halves.
    RegState d = alu64 ? dst : low_half(dst, op == op::kArsh);
    RegState s = alu64 ? src_in : low_half(src_in, false);
    const unsigned width = alu64 ? 64 : 32;
    switch (op) {
        case op::kAdd:
            alu_add(d, s);
            break;
        case op::kSub:
            alu_sub(d, s);
            break;
        case op::kMul:
            alu_mul(d, s);
            break;
        case op::kAnd: {
            Tnum t = tnum_and(d.var_off, s.var_off);
            uint64_t hi = std::min(d.umax, s.umax);
            reset_except_tnum(d, t);
            d.umax = hi;
            break;
        }
        case op::kOr: {
            Tnum t = tnum_or(d.var_off, s.var_off);
            uint64_t lo = std::max(d.umin, s.umin);
            reset_except_tnum(d, t);
            d.umin = lo;
            break;
        }
        case op::kXor:
            reset_except_tnum(d, tnum_xor(d.var_off, s.var_off));
            break;
        case op::kLsh:
        case op::kRsh:
        case op::kArsh:
            if (!alu64 && op == op::kArsh && s.is_const() && s.const_value() < 32) {
                // Sign-extended low half: shift as 64-bit, then keep 32 bits.
                alu_shift(op, d, s, 64);
            } else {
                alu_shift(op, d, s, width);
            }
            break;
        case op::kDiv:
        case op::kMod: {
            bool known = false;
            uint64_t v = 0;
            if (d.is_const() && s.is_const())
                v = const_alu(op, d.const_value(), s.const_value(), alu64, known);
            if (known) {
                d.set_const(v);
            } else if (op == op::kDiv && s.is_const() && s.const_value() != 0) {
                uint64_t lo = d.umin / s.const_value(), hi = d.umax / s.const_value();
                d.mark_unknown_bounds();
                d.umin = lo;
                d.umax = hi;
            } else if (op == op::kMod && s.is_const() && s.const_value() != 0) {
                uint64_t hi = std::min(d.umax, s.const_value() - 1);
                d.mark_unknown_bounds();
                d.umax = hi;
            } else if (op == op::kMod) {
                // x % 0 is x: the result is at most x.
                uint64_t hi = d.umax;
                d.mark_unknown_bounds();
                d.umax = hi;
            } else {
                d.mark_unknown_bounds();
            }
            break;
        }
        case op::kMov:
            d = s;
            break;
        case op::kNeg:
            if (d.is_const())
                d.set_const(0 - d.const_value());
            else
                d.mark_unknown_bounds();
            break;
        default:
            d.mark_unknown_bounds();
            break;
    }
    d.type = RegType::scalar;
    if (op != op::kMov) {
        // The operations above compute the 64-bit bounds; the 32-bit ones
        // follow from them and the known bits.
        d.s32min = INT32_MIN;
        d.s32max = INT32_MAX;
        d.u32min = 0;
        d.u32max = UINT32_MAX;
    }
    d.sync_bounds();
    if (!alu64) truncate_to_32(d);
    dst = d;
    dst.id = 0;
}

std::string RegState::describe() const {
    std::string out;
    auto bounds = [&](std::string &s) {
        if (is_const()) {
            s += std::to_string(int64_t(var_off.value));
            return;
        }
        std::string inner;
        auto add = [&](const char *k, const std::string &v) {
            if (!inner.empty()) inner += ",";
            inner += k;
            inner += "=";
            inner += v;
        };
        if (smin != INT64_MIN) add("smin", std::to_string(smin));
        if (smax != INT64_MAX) add("smax", std::to_string(smax));
        if (umin != 0) add("umin", std::to_string(umin));
        if (umax != UINT64_MAX) add("umax", std::to_string(umax));
        if (s32min != INT32_MIN) add("smin32", std::to_string(s32min));
        if (s32max != INT32_MAX) add("smax32", std::to_string(s32max));
        if (u32min != 0) add("umin32", std::to_string(u32min));
        if (u32max != UINT32_MAX) add("umax32", std::to_string(u32max));
        if (!var_off.is_unknown()) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "(%#llx; %#llx)", (unsigned long long)var_off.value,
                          (unsigned long long)var_off.mask);
            add("var_off", buf);
        }
        s += "scalar(" + inner + ")";
    };
    switch (type) {
        case RegType::not_init:
            return "?";
        case RegType::scalar:
            bounds(out);
            return out;
        default:
            break;
    }
    out = reg_type_name(type, rdonly);
    if (type == RegType::ptr_to_btf_id || type == RegType::ptr_to_btf_id_or_null)
        out += btf != nullptr ? btf->name : "?";
    std::string inner;
    if (id != 0) inner += "id=" + std::to_string(id);
    if (map != nullptr) {
        if (!inner.empty()) inner += ",";
        inner += "map=" + map->name() + ",ks=" + std::to_string(map->key_size()) +
                 ",vs=" + std::to_string(map->value_size());
    }
    if (off != 0 || type == RegType::ptr_to_stack) {
        if (!inner.empty()) inner += ",";
        inner += "off=" + std::to_string(off);
    }
    if (!has_fixed_offset()) {
        std::string s;
        bounds(s);
        if (!inner.empty()) inner += ",";
        inner += "var=" + s;
    }
    if (type == RegType::ptr_to_stack)
        return "fp" + std::to_string(off) +
               (inner.find("var") != std::string::npos ? "(" + inner + ")" : "");
    return out + (inner.empty() ? "" : "(" + inner + ")");
}

}  // namespace bpffs::vm::verifier
