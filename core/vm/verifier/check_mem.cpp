// Memory accesses: loads, stores and atomics through every pointer kind,
// and memory handed to helpers. Each kind has its rule: the stack per
// byte, the context by the target's declared fields, map values within
// value_size, iterator buffers at constant non-negative offsets (their
// upper bound is checked at attach), BTF-described objects read-only.
#include <algorithm>
#include <cerrno>

#include <linux/bpf.h>

#include "core/map.h"
#include "core/vm/verifier/btf_struct.h"
#include "core/vm/verifier/verifier_env.h"

namespace bpffs::vm::verifier {
namespace {

// A value of size bytes read from memory: zero-extended, or sign-extended
// for the sign-extending loads.
RegState loaded_scalar(int size, bool sign_extend) {
    RegState r = RegState::unknown_scalar();
    if (size >= 8) return r;
    if (sign_extend) {
        int64_t lim = int64_t(1) << (size * 8 - 1);
        r.smin = -lim;
        r.smax = lim - 1;
    } else {
        r.umax = (uint64_t(1) << (size * 8)) - 1;
    }
    r.sync_bounds();
    return r;
}

// The bytes of a known value as a narrower load sees them (little endian).
RegState narrowed_const(uint64_t v, int byte_off, int size, bool sign_extend) {
    uint64_t x = v >> (byte_off * 8);
    if (size < 8) {
        uint64_t mask = (uint64_t(1) << (size * 8)) - 1;
        x &= mask;
        if (sign_extend && (x >> (size * 8 - 1)) & 1) x |= ~mask;
    }
    return RegState::const_scalar(x);
}

std::string tnum_text(const Tnum &t) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "(%#llx; %#llx)", (unsigned long long)t.value,
                  (unsigned long long)t.mask);
    return buf;
}

}  // namespace

Status Verifier::check_stack_access(VState &st, const RegState &ptr, int regno, int32_t off,
                                    int size, bool write, RegState *value_out,
                                    const RegState *stored) {
    FuncState &f = st.frames[ptr.frameno];
    const int64_t fixed = int64_t(ptr.off) + off;
    auto note_depth = [&](int64_t lowest) {
        uint32_t d = uint32_t(-lowest);
        f.depth = std::max(f.depth, d);
        Subprog &sp = subprogs_[f.subprog];
        sp.stack_depth = std::max(sp.stack_depth, d);
    };
    if (!ptr.has_fixed_offset()) {
        if (!leaks_allowed())
            return tl::unexpected(err(EACCES, R(regno) +
                                                  " variable stack access prohibited for "
                                                  "!root, var_off=" +
                                                  tnum_text(ptr.var_off) +
                                                  " off=" + std::to_string(fixed)));
        int64_t lo = fixed + ptr.smin, hi = fixed + ptr.smax;
        if (ptr.smin < -kStackSize || ptr.smax > kStackSize || lo < -kStackSize || hi + size > 0)
            return tl::unexpected(
                err(EACCES, std::string("invalid variable-offset ") + (write ? "write" : "read") +
                                " to stack R" + std::to_string(regno) +
                                " var_off=" + tnum_text(ptr.var_off) +
                                " off=" + std::to_string(fixed) + " size=" + std::to_string(size)));
        note_depth(lo);
        if (write) {
            f.write_misc(int32_t(lo), int(hi - lo) + size);
        } else if (value_out != nullptr) {
            *value_out = loaded_scalar(size, false);
        }
        return ok();
    }
    if (fixed < -kStackSize || fixed + size > 0)
        return tl::unexpected(
            err(EACCES, std::string("invalid ") + (write ? "write to" : "read from") + " stack R" +
                            std::to_string(regno) + " off=" + std::to_string(fixed) +
                            " size=" + std::to_string(size)));
    const int32_t o = int32_t(fixed);
    note_depth(o);
    if (write) {
        if (stored != nullptr && stored->is_pointer()) {
            if (size == 8 && o % 8 == 0) {
                f.spill(o, *stored);
                return ok();
            }
            if (!leaks_allowed())
                return tl::unexpected(err(EACCES, "invalid size of register spill"));
            f.write_misc(o, size);
            return ok();
        }
        if (stored != nullptr && size == 8 && o % 8 == 0) {
            f.spill(o, *stored);
            return ok();
        }
        if (stored != nullptr && stored->is_const() && stored->const_value() == 0)
            f.write_zero(o, size);
        else
            f.write_misc(o, size);
        return ok();
    }
    // Reads.
    const int slot_base = o - ((o % 8) + 8) % 8;  // the 8-aligned slot holding byte o
    if (f.is_spill(slot_base) && o + size <= slot_base + 8) {
        const RegState &sp = f.spilled[FuncState::slot_of(slot_base)];
        if (size == 8) {
            if (value_out != nullptr) *value_out = sp;
            return ok();
        }
        if (sp.is_pointer()) {
            if (!leaks_allowed())
                return tl::unexpected(err(EACCES, "invalid size of register fill"));
            if (value_out != nullptr) *value_out = loaded_scalar(size, false);
            return ok();
        }
        if (value_out != nullptr)
            *value_out = sp.is_const()
                             ? narrowed_const(sp.const_value(), o - slot_base, size, false)
                             : loaded_scalar(size, false);
        return ok();
    }
    if (f.overlaps_pointer_spill(o, size)) {
        if (!leaks_allowed()) return tl::unexpected(err(EACCES, "invalid size of register fill"));
    } else if (!f.initialised(o, size) && !leaks_allowed()) {
        int first = 0;
        while (f.stack[FuncState::byte_index(o) + first] != StackByte::invalid)
            ++first;
        return tl::unexpected(err(EACCES, "invalid read from stack R" + std::to_string(regno) +
                                              " off " + std::to_string(o) + "+" +
                                              std::to_string(first) + " size " +
                                              std::to_string(size)));
    }
    if (value_out != nullptr)
        *value_out = f.all_zero(o, size) ? RegState::const_scalar(0) : loaded_scalar(size, false);
    return ok();
}

Status Verifier::check_ctx_access(const RegState &ptr, int regno, int32_t off, int size, bool write,
                                  RegState *value_out) {
    auto denied = [&] {
        return tl::unexpected(err(EACCES, "invalid bpf_context access off=" + std::to_string(off) +
                                              " size=" + std::to_string(size)));
    };
    if (!ptr.has_fixed_offset() || ptr.off != 0)
        return tl::unexpected(err(EACCES, "dereference of modified ctx ptr " + R(regno) +
                                              " off=" + std::to_string(ptr.off) + " disallowed"));
    if (off < 0) return denied();
    if (env_.kind == ProgKind::socket_filter) {
        // struct __sk_buff: the u32 fields before data; cb[] also writable.
        constexpr int32_t kFieldsEnd = 76, kCbStart = 48, kCbEnd = 68;
        if (size != 4 || off % 4 != 0 || off >= kFieldsEnd) return denied();
        if (write && (off < kCbStart || off >= kCbEnd)) return denied();
        if (value_out != nullptr) *value_out = loaded_scalar(4, false);
        return ok();
    }
    if (write) return denied();
    for (const CtxSlot &slot : env_.ctx) {
        if (uint32_t(off) < slot.offset || uint32_t(off) >= slot.offset + slot.size) continue;
        if (slot.kind == CtxSlotKind::scalar) {
            if (uint32_t(off) + uint32_t(size) > slot.offset + slot.size) return denied();
            if (value_out != nullptr) *value_out = loaded_scalar(size, false);
            return ok();
        }
        if (uint32_t(off) != slot.offset || size != 8) return denied();
        if (value_out == nullptr) return ok();
        RegState r;
        switch (slot.kind) {
            case CtxSlotKind::btf_object:
                r = RegState::pointer(slot.nullable ? RegType::ptr_to_btf_id_or_null
                                                    : RegType::ptr_to_btf_id);
                r.btf = slot.object;
                break;
            case CtxSlotKind::rdonly_buf:
            case CtxSlotKind::rdwr_buf:
                r = RegState::pointer(slot.nullable ? RegType::ptr_to_buf_or_null
                                                    : RegType::ptr_to_buf);
                r.rdonly = slot.kind == CtxSlotKind::rdonly_buf;
                break;
            default:
                break;
        }
        if (slot.nullable) r.id = new_id();
        *value_out = r;
        return ok();
    }
    return denied();
}

Status Verifier::check_map_value_access(const RegState &ptr, int regno, int32_t off, int size,
                                        bool write) {
    const Map &map = *ptr.map;
    const int64_t vs = map.value_size();
    if (write && (map.flags() & BPF_F_RDONLY_PROG))
        return tl::unexpected(err(
            EACCES, "write into map forbidden, value_size=" + std::to_string(vs) +
                        " off=" + std::to_string(ptr.off + off) + " size=" + std::to_string(size)));
    const int64_t fixed = int64_t(ptr.off) + off;
    if (ptr.smin < 0 && !ptr.has_fixed_offset() && fixed + ptr.smin < 0)
        return tl::unexpected(err(EACCES, R(regno) + " min value is negative, either use unsigned "
                                                     "index or do a if (index >=0) check."));
    const int64_t lo = fixed + (ptr.has_fixed_offset() ? 0 : ptr.smin);
    const int64_t hi = fixed + (ptr.has_fixed_offset() ? 0 : ptr.smax);
    if (!ptr.has_fixed_offset() && ptr.umax >= uint64_t(1) << 29)
        return tl::unexpected(err(EACCES, R(regno) + " unbounded memory access, make sure to "
                                                     "bounds check any such access"));
    if (lo < 0 || hi + size > vs)
        return tl::unexpected(
            err(EACCES, "invalid access to map value, value_size=" + std::to_string(vs) + " off=" +
                            std::to_string(lo < 0 ? lo : hi) + " size=" + std::to_string(size)));
    return ok();
}

// A for_each callback's key: read-only, within the map's key_size.
Status Verifier::check_map_key_access(const RegState &ptr, int regno, int32_t off, int size,
                                      bool write) {
    if (write)
        return tl::unexpected(err(EACCES, "write to change key " + R(regno) + " not allowed"));
    const int64_t ks = ptr.map->key_size();
    const int64_t fixed = int64_t(ptr.off) + off;
    if (ptr.smin < 0 && !ptr.has_fixed_offset() && fixed + ptr.smin < 0)
        return tl::unexpected(err(EACCES, R(regno) + " min value is negative, either use unsigned "
                                                     "index or do a if (index >=0) check."));
    if (!ptr.has_fixed_offset() && ptr.umax >= uint64_t(1) << 29)
        return tl::unexpected(err(EACCES, R(regno) + " unbounded memory access, make sure to "
                                                     "bounds check any such access"));
    const int64_t lo = fixed + (ptr.has_fixed_offset() ? 0 : ptr.smin);
    const int64_t hi = fixed + (ptr.has_fixed_offset() ? 0 : ptr.smax);
    if (lo < 0 || hi + size > ks)
        return tl::unexpected(
            err(EACCES, "invalid access to map key, key_size=" + std::to_string(ks) + " off=" +
                            std::to_string(lo < 0 ? lo : hi) + " size=" + std::to_string(size)));
    return ok();
}

Status Verifier::check_buf_access(const RegState &ptr, int regno, int32_t off, int size,
                                  bool write) {
    const char *what = ptr.rdonly ? "rdonly" : "rdwr";
    if (write && ptr.rdonly)
        return tl::unexpected(err(EACCES, R(regno) + " cannot write into rdonly_buf"));
    if (!ptr.has_fixed_offset())
        return tl::unexpected(err(EACCES, R(regno) + " invalid variable buffer offset: off=" +
                                              std::to_string(ptr.off + off) +
                                              ", var_off=" + tnum_text(ptr.var_off)));
    const int64_t fixed = int64_t(ptr.off) + off;
    if (fixed < 0)
        return tl::unexpected(err(EACCES, R(regno) + " invalid " + what +
                                              " buffer access: off=" + std::to_string(fixed) +
                                              ", size=" + std::to_string(size)));
    uint32_t end = uint32_t(fixed + size);
    if (ptr.rdonly)
        max_rdonly_ = std::max(max_rdonly_, end);
    else
        max_rdwr_ = std::max(max_rdwr_, end);
    return ok();
}

Status Verifier::check_btf_access(const RegState &ptr, int regno, int32_t off, int size, bool write,
                                  RegState *value_out, uint32_t idx) {
    const BtfStruct *s = ptr.btf;
    // The kernel's structs are for GPL-compatible programs only, checked
    // before the access itself (check_ptr_to_btf_access).
    if (!env_.gpl_compatible)
        return tl::unexpected(err(EINVAL, "Cannot access kernel 'struct " +
                                              (s ? s->name : std::string("?")) +
                                              "' from non-GPL compatible program"));
    if (write)
        return tl::unexpected(err(EACCES, "only read is supported (" + R(regno) + " is ptr_" +
                                              (s ? s->name : std::string("?")) + ")"));
    if (!ptr.has_fixed_offset())
        return tl::unexpected(
            err(EACCES, R(regno) + " is ptr_" + (s ? s->name : std::string("?")) +
                            " invalid variable offset: off=" + std::to_string(ptr.off + off) +
                            ", var_off=" + tnum_text(ptr.var_off)));
    const int64_t fixed = int64_t(ptr.off) + off;
    if (s == nullptr || fixed < 0 || fixed + size > int64_t(s->size))
        return tl::unexpected(
            err(EACCES, "access beyond struct " + (s ? s->name : std::string("?")) + " at off " +
                            std::to_string(fixed) + " size " + std::to_string(size)));
    probe_[idx] = 1;
    if (value_out == nullptr) return ok();
    const BtfPtrField *field = size == 8 ? s->pointer_at(uint32_t(fixed)) : nullptr;
    if (field != nullptr && field->target != nullptr) {
        RegState r = RegState::pointer(RegType::ptr_to_btf_id);
        r.btf = field->target;
        *value_out = r;
        return ok();
    }
    *value_out = loaded_scalar(size, false);
    return ok();
}

Status Verifier::check_mem_access(VState &st, int regno, int32_t off, int size, bool write,
                                  RegState *value_out, const RegState *stored, bool sign_extend,
                                  uint32_t idx) {
    const RegState ptr = st.cur().regs[regno];
    RegState value = loaded_scalar(size, sign_extend);
    Status s = ok();
    switch (ptr.type) {
        case RegType::ptr_to_stack:
            s = check_stack_access(st, ptr, regno, off, size, write, &value, stored);
            if (s && sign_extend && value.is_scalar() && !value.is_const())
                value = loaded_scalar(size, true);
            else if (s && sign_extend && value.is_const())
                value = narrowed_const(value.const_value(), 0, size, true);
            break;
        case RegType::ptr_to_ctx:
            s = check_ctx_access(ptr, regno, off, size, write, &value);
            break;
        case RegType::ptr_to_map_value:
            s = check_map_value_access(ptr, regno, off, size, write);
            break;
        case RegType::ptr_to_buf:
            s = check_buf_access(ptr, regno, off, size, write);
            break;
        case RegType::ptr_to_map_key:
            s = check_map_key_access(ptr, regno, off, size, write);
            break;
        case RegType::ptr_to_btf_id:
            s = check_btf_access(ptr, regno, off, size, write, &value, idx);
            if (s && sign_extend && value.is_scalar()) value = loaded_scalar(size, true);
            break;
        default:
            return tl::unexpected(err(EACCES, R(regno) + " invalid mem access '" +
                                                  reg_type_name(ptr.type, ptr.rdonly) + "'"));
    }
    if (!s) return s;
    if (!write && value_out != nullptr) *value_out = value;
    return ok();
}

Status Verifier::check_load(VState &st, const Insn &in, uint32_t idx) {
    FuncState &f = st.cur();
    if (auto s = reg_readable(f, in.src); !s) return s;
    if (auto s = reg_writable(in.dst); !s) return s;
    RegState value;
    bool sx = mem_mode(in.code) == op::kMemsx;
    if (auto s = check_mem_access(st, in.src, in.off, size_bytes(in.code), false, &value, nullptr,
                                  sx, idx);
        !s)
        return s;
    st.cur().regs[in.dst] = value;
    return ok();
}

Status Verifier::check_store(VState &st, const Insn &in) {
    FuncState &f = st.cur();
    if (auto s = reg_readable(f, in.dst); !s) return s;
    RegState value;
    if (insn_class(in.code) == op::kStx) {
        if (auto s = reg_readable(f, in.src); !s) return s;
        value = f.regs[in.src];
        // The strict rules keep addresses out of memory other programs or
        // users can read back.
        const RegType target = f.regs[in.dst].type;
        if (value.is_pointer() && !leaks_allowed() &&
            (target == RegType::ptr_to_map_value || target == RegType::ptr_to_buf))
            return tl::unexpected(
                err(EACCES, R(in.src) + " leaks addr into " +
                                (target == RegType::ptr_to_buf ? "rdwr_buf" : "map")));
    } else {
        value = RegState::const_scalar(uint64_t(int64_t(in.imm)));
    }
    return check_mem_access(st, in.dst, in.off, size_bytes(in.code), true, nullptr, &value, false,
                            st.insn);
}

Status Verifier::check_atomic(VState &st, const Insn &in) {
    FuncState &f = st.cur();
    const int size = size_bytes(in.code);
    if (size != 4 && size != 8) return tl::unexpected(err(EINVAL, "invalid atomic operand size"));
    if (auto s = reg_readable(f, in.dst); !s) return s;
    if (auto s = reg_readable(f, in.src); !s) return s;
    if (in.imm == op::kCmpxchg) {
        if (auto s = reg_readable(f, 0); !s) return s;
        if (f.regs[0].is_pointer() && !leaks_allowed())
            return tl::unexpected(err(EACCES, "R0 leaks addr into mem"));
    }
    if (f.regs[in.src].is_pointer() && !leaks_allowed())
        return tl::unexpected(err(EACCES, R(in.src) + " leaks addr into mem"));
    const RegState ptr = f.regs[in.dst];
    if (ptr.type != RegType::ptr_to_stack && ptr.type != RegType::ptr_to_map_value &&
        !(ptr.type == RegType::ptr_to_buf && !ptr.rdonly))
        return tl::unexpected(err(EACCES, "BPF_ATOMIC stores into " + R(in.dst) + " " +
                                              reg_type_name(ptr.type, ptr.rdonly) +
                                              " is not allowed"));
    // Atomics need natural alignment; the base of stacks and values is 8-aligned.
    const int64_t fixed = int64_t(ptr.off) + in.off;
    if (fixed % size != 0 || (ptr.var_off.value | ptr.var_off.mask) % uint64_t(size) != 0)
        return tl::unexpected(err(EACCES, "misaligned access off " + std::to_string(fixed) +
                                              " size " + std::to_string(size)));
    RegState loaded;
    if (auto s =
            check_mem_access(st, in.dst, in.off, size, false, &loaded, nullptr, false, st.insn);
        !s)
        return s;
    RegState unknown = RegState::unknown_scalar();
    if (auto s =
            check_mem_access(st, in.dst, in.off, size, true, nullptr, &unknown, false, st.insn);
        !s)
        return s;
    RegState fetched = loaded_scalar(size, false);
    if (in.imm == op::kCmpxchg)
        st.cur().regs[0] = fetched;
    else if (in.imm & op::kFetch)
        st.cur().regs[in.src] = fetched;
    return ok();
}

Status Verifier::check_helper_mem(VState &st, int regno, uint64_t size, bool zero_ok, bool write) {
    const RegState ptr = st.cur().regs[regno];
    if (size == 0 && !zero_ok) return tl::unexpected(err(EACCES, "invalid zero-sized read"));
    if (size == 0) return ok();
    if (size > uint64_t(1) << 29)
        return tl::unexpected(err(EACCES, R(regno + 1) + " unbounded memory access, use 'var &= "
                                                         "const' or 'if (var < const)'"));
    const int n = int(size);
    switch (ptr.type) {
        case RegType::ptr_to_stack: {
            FuncState &f = st.frames[ptr.frameno];
            const int64_t fixed = int64_t(ptr.off);
            if (!ptr.has_fixed_offset() && !leaks_allowed())
                return tl::unexpected(err(EACCES, R(regno) + " variable stack access prohibited "
                                                             "for !root"));
            int64_t lo = fixed + (ptr.has_fixed_offset() ? 0 : ptr.smin);
            int64_t hi = fixed + (ptr.has_fixed_offset() ? 0 : ptr.smax);
            if (lo < -kStackSize || hi + n > 0)
                return tl::unexpected(err(EACCES, "invalid indirect access to stack " + R(regno) +
                                                      " off=" + std::to_string(lo) +
                                                      " size=" + std::to_string(n)));
            uint32_t d = uint32_t(-lo);
            f.depth = std::max(f.depth, d);
            subprogs_[f.subprog].stack_depth = std::max(subprogs_[f.subprog].stack_depth, d);
            const int span = int(hi - lo) + n;
            if (write) {
                f.write_misc(int32_t(lo), span);
                return ok();
            }
            if (!leaks_allowed()) {
                for (int i = 0; i < span; ++i) {
                    int32_t o = int32_t(lo) + i;
                    StackByte b = f.stack[FuncState::byte_index(o)];
                    if (b == StackByte::invalid)
                        return tl::unexpected(
                            err(EACCES, "invalid indirect read from stack " + R(regno) + " off " +
                                            std::to_string(lo) + "+" + std::to_string(i) +
                                            " size " + std::to_string(n)));
                    if (b == StackByte::spill && f.spilled[FuncState::slot_of(o)].is_pointer())
                        return tl::unexpected(
                            err(EACCES, "leaking pointer from stack off " + std::to_string(o)));
                }
            }
            return ok();
        }
        case RegType::ptr_to_map_value:
            return check_map_value_access(ptr, regno, 0, n, write);
        case RegType::ptr_to_buf:
            return check_buf_access(ptr, regno, 0, n, write);
        case RegType::ptr_to_map_key:
            return check_map_key_access(ptr, regno, 0, n, write);
        default:
            return tl::unexpected(err(EACCES, R(regno) +
                                                  " type=" + reg_type_name(ptr.type, ptr.rdonly) +
                                                  " expected=fp, map_value, buf"));
    }
}

}  // namespace bpffs::vm::verifier
