// Arithmetic: scalar operations through the bounds domain (reg_state.cpp),
// pointer arithmetic under the kernel's rules, and 64-bit immediate loads.
#include <cerrno>

#include "core/map.h"
#include "core/vm/verifier/disasm.h"
#include "core/vm/verifier/verifier_env.h"

namespace bpffs::vm::verifier {
namespace {

// Pointer offsets stay far from overflowing (the kernel's BPF_MAX_VAR_OFF).
constexpr int64_t kMaxVarOff = int64_t(1) << 29;

}  // namespace

Status Verifier::pointer_alu(VState &st, const Insn &in, RegState &dst, const RegState &src,
                             bool dst_is_ptr) {
    (void)st;
    const uint8_t aop = alu_op(in.code);
    const bool alu64 = insn_class(in.code) == op::kAlu64;
    if (dst_is_ptr && src.is_pointer()) {
        if (aop == op::kSub && alu64 && leaks_allowed()) {
            dst = RegState::unknown_scalar();
            return ok();
        }
        return tl::unexpected(
            err(EACCES, R(in.dst) + " pointer " + alu_symbol(aop) + " pointer prohibited"));
    }
    const RegState &ptr = dst_is_ptr ? dst : src;
    const RegState &scalar = dst_is_ptr ? src : dst;
    const int ptr_reg = dst_is_ptr ? in.dst : in.src;
    if (!alu64)
        return tl::unexpected(err(EACCES, R(in.dst) + " 32-bit pointer arithmetic prohibited"));
    if (aop != op::kAdd && aop != op::kSub)
        return tl::unexpected(err(
            EACCES, R(in.dst) + " bitwise operator " + alu_symbol(aop) + " on pointer prohibited"));
    if (!dst_is_ptr && aop == op::kSub)
        return tl::unexpected(err(EACCES, R(in.dst) + " tried to subtract pointer from scalar"));
    if (ptr.is_nullable())
        return tl::unexpected(err(EACCES, R(ptr_reg) + " pointer arithmetic on " +
                                              reg_type_name(ptr.type, ptr.rdonly) +
                                              " prohibited, null-check it first"));
    if (ptr.type == RegType::const_ptr_to_map || ptr.type == RegType::ptr_to_func)
        return tl::unexpected(err(EACCES, R(ptr_reg) + " pointer arithmetic on " +
                                              reg_type_name(ptr.type, false) + " prohibited"));
    if (scalar.smin < -kMaxVarOff || scalar.smax > kMaxVarOff)
        return tl::unexpected(err(EACCES, R(in.dst) + " unbounded memory access, make sure to "
                                                      "bounds check any such access"));
    RegState out = ptr;
    if (scalar.is_const()) {
        int64_t c = int64_t(scalar.const_value());
        int64_t off = aop == op::kAdd ? int64_t(out.off) + c : int64_t(out.off) - c;
        if (off < -kMaxVarOff || off > kMaxVarOff)
            return tl::unexpected(err(EACCES, "value " + std::to_string(c) + " makes " +
                                                  reg_type_name(ptr.type, ptr.rdonly) +
                                                  " pointer be out of bounds"));
        out.off = int32_t(off);
    } else {
        // The variable part: the pointer's own bounds fields hold it.
        RegState var = ptr;
        var.type = RegType::scalar;
        scalar_alu(aop, var, scalar, true);
        if (var.smin < -kMaxVarOff || var.smax > kMaxVarOff)
            return tl::unexpected(err(EACCES, R(in.dst) + " unbounded memory access, make sure "
                                                          "to bounds check any such access"));
        out.var_off = var.var_off;
        out.smin = var.smin;
        out.smax = var.smax;
        out.umin = var.umin;
        out.umax = var.umax;
        out.s32min = var.s32min;
        out.s32max = var.s32max;
        out.u32min = var.u32min;
        out.u32max = var.u32max;
    }
    dst = out;
    return ok();
}

Status Verifier::check_alu(VState &st, const Insn &in) {
    FuncState &f = st.cur();
    const uint8_t aop = alu_op(in.code);
    const bool alu64 = insn_class(in.code) == op::kAlu64;
    const bool x = uses_reg_source(in.code);
    if (auto s = reg_writable(in.dst); !s) return s;
    RegState &dst = f.regs[in.dst];

    if (aop == op::kEnd || aop == op::kNeg) {
        if (auto s = reg_readable(f, in.dst); !s) return s;
        if (dst.is_pointer()) {
            if (!leaks_allowed())
                return tl::unexpected(err(EACCES, R(in.dst) + " pointer arithmetic prohibited"));
            dst = RegState::unknown_scalar();
        }
        if (aop == op::kNeg) {
            RegState zero = RegState::const_scalar(0);
            RegState d = dst;
            scalar_alu(op::kSub, zero, d, alu64);
            dst = zero;
            return ok();
        }
        const int width = in.imm;
        if (dst.is_const()) {
            uint64_t v = dst.const_value();
            uint64_t out = v;
            bool do_swap = alu64 || x;  // bswap always, be on this little-endian host
            if (width == 16) out = do_swap ? __builtin_bswap16(uint16_t(v)) : uint16_t(v);
            if (width == 32) out = do_swap ? __builtin_bswap32(uint32_t(v)) : uint32_t(v);
            if (width == 64) out = do_swap ? __builtin_bswap64(v) : v;
            dst = RegState::const_scalar(out);
        } else if (width < 64) {
            dst = RegState::unknown_scalar();
            dst.umax = (uint64_t(1) << width) - 1;
            dst.sync_bounds();
        } else {
            dst = RegState::unknown_scalar();
        }
        return ok();
    }

    if (x) {
        if (auto s = reg_readable(f, in.src); !s) return s;
    }
    if ((aop == op::kDiv || aop == op::kMod) && !x && in.imm == 0)
        return tl::unexpected(err(EINVAL, "div by zero"));
    if ((aop == op::kLsh || aop == op::kRsh || aop == op::kArsh) && !x &&
        (in.imm < 0 || in.imm >= (alu64 ? 64 : 32)))
        return tl::unexpected(err(EINVAL, "invalid shift " + std::to_string(in.imm)));
    RegState src =
        x ? f.regs[in.src]
          : RegState::const_scalar(alu64 ? uint64_t(int64_t(in.imm)) : uint64_t(uint32_t(in.imm)));

    if (aop == op::kMov) {
        if (x && in.off != 0) {  // movsx
            if (src.is_pointer()) {
                if (!leaks_allowed())
                    return tl::unexpected(err(EACCES, R(in.src) + " sign-extension of pointer"));
                src = RegState::unknown_scalar();
            }
            if (src.is_const()) {
                uint64_t v = src.const_value();
                int64_t sv = in.off == 8 ? int8_t(v) : in.off == 16 ? int16_t(v) : int32_t(v);
                dst = RegState::const_scalar(alu64 ? uint64_t(sv) : uint64_t(uint32_t(sv)));
            } else {
                dst = RegState::unknown_scalar();
                int64_t lim = int64_t(1) << (in.off - 1);
                if (alu64) {
                    dst.smin = -lim;
                    dst.smax = lim - 1;
                    dst.sync_bounds();
                } else {
                    dst.umax = UINT32_MAX;
                    dst.sync_bounds();
                }
            }
            return ok();
        }
        if (alu64) {
            // Copies of an unknown scalar share an id, so that bounds learnt
            // on one (a comparison) apply to all (the kernel's find_equal_scalars).
            if (x && src.is_scalar() && !src.is_const()) {
                if (src.id == 0) {
                    src.id = new_id();
                    f.regs[in.src].id = src.id;
                }
            }
            f.regs[in.dst] = src;
            return ok();
        }
        if (src.is_pointer()) {
            if (!leaks_allowed())
                return tl::unexpected(err(EACCES, R(in.src) + " partial copy of pointer"));
            dst = RegState::unknown_scalar();
            dst.zero_extend_32();
            dst.sync_bounds();
            return ok();
        }
        RegState d = RegState::unknown_scalar();
        scalar_alu(op::kMov, d, src, false);
        dst = d;
        return ok();
    }

    if (auto s = reg_readable(f, in.dst); !s) return s;
    if (dst.is_pointer() || src.is_pointer()) {
        RegState d = dst;
        if (auto s = pointer_alu(st, in, d, src, dst.is_pointer()); !s) return s;
        dst = d;
        return ok();
    }
    scalar_alu(aop, dst, src, alu64);
    return ok();
}

Status Verifier::check_lddw(VState &st, uint32_t idx) {
    const Insn &in = insns_[idx];
    if (in.code != op::kLddw) return tl::unexpected(err(EINVAL, "invalid BPF_LD mode"));
    if (auto s = reg_writable(in.dst); !s) return s;
    RegState &dst = st.cur().regs[in.dst];
    if (in.src == 0) {
        uint64_t v = uint32_t(in.imm) | (uint64_t(uint32_t(insns_[idx + 1].imm)) << 32);
        dst = RegState::const_scalar(v);
        return ok();
    }
    if (in.src == op::kPseudoFunc) {
        // A callback's address; cfg.cpp made its target a sub-program.
        dst = RegState::pointer(RegType::ptr_to_func);
        dst.func = uint32_t(int64_t(idx) + 1 + in.imm);
        return ok();
    }
    const MapRef *m = map_at_[idx];
    if ((in.src != op::kPseudoMapFd && in.src != op::kPseudoMapValue) || m == nullptr ||
        m->map == nullptr)
        return tl::unexpected(
            err(EINVAL, "unsupported 64-bit immediate form (src " + std::to_string(in.src) + ")"));
    if (in.src == op::kPseudoMapFd) {
        dst = RegState::pointer(RegType::const_ptr_to_map);
        dst.map = m->map;
        return ok();
    }
    dst = RegState::pointer(RegType::ptr_to_map_value);
    dst.map = m->map;
    dst.off = int32_t(m->value_offset);
    return ok();
}

}  // namespace bpffs::vm::verifier
