// Calls: helpers checked against their prototypes (argument kinds, memory
// sized by the map or by the next argument, GPL-only helpers), and
// bpf-to-bpf calls entering a new frame.
#include <cerrno>

#include "core/map.h"
#include "core/vm/verifier/btf_struct.h"
#include "core/vm/verifier/verifier_env.h"

namespace bpffs::vm::verifier {
Status Verifier::check_helper_arg(VState &st, const HelperProto &proto, int arg, const Map *&map) {
    const int regno = arg + 1;
    const ArgKind kind = proto.args[size_t(arg)];
    FuncState &f = st.cur();
    if (auto s = reg_readable(f, regno); !s) return s;
    const RegState reg = f.regs[regno];
    auto wrong = [&](const char *expected) {
        return tl::unexpected(err(
            EACCES,
            R(regno) + " type=" + reg_type_name(reg.type, reg.rdonly) + " expected=" + expected));
    };
    switch (kind) {
        case ArgKind::none:
            return ok();
        case ArgKind::anything:
            if (reg.is_pointer() && !leaks_allowed())
                return tl::unexpected(err(EACCES, R(regno) + " leaks addr into helper function"));
            return ok();
        case ArgKind::const_map_ptr:
            if (reg.type != RegType::const_ptr_to_map) return wrong("map_ptr");
            map = reg.map;
            return ok();
        case ArgKind::map_key:
        case ArgKind::map_value: {
            if (map == nullptr)
                return tl::unexpected(err(EACCES, "invalid map_ptr to access map->key"));
            if (reg.is_scalar() || reg.is_nullable()) return wrong("fp, map_value, buf");
            uint32_t size = kind == ArgKind::map_key ? map->key_size() : map->value_size();
            return check_helper_mem(st, regno, size, false, false);
        }
        case ArgKind::mem_rdonly:
        case ArgKind::mem_rdonly_or_null:
        case ArgKind::mem_uninit: {
            const ArgKind size_kind = proto.args[size_t(arg) + 1];
            const bool zero_ok = size_kind == ArgKind::const_size_or_zero;
            if (auto s = reg_readable(f, regno + 1); !s) return s;
            const RegState size = f.regs[regno + 1];
            if (!size.is_scalar())
                return tl::unexpected(
                    err(EACCES, R(regno + 1) + " type=" + reg_type_name(size.type, size.rdonly) +
                                    " expected=scalar"));
            if (size.smin < 0)
                return tl::unexpected(err(EACCES, R(regno + 1) + " min value is negative, either "
                                                                 "use unsigned or 'var &= const'"));
            if (kind == ArgKind::mem_rdonly_or_null && reg.is_scalar() && reg.is_const() &&
                reg.const_value() == 0)
                return ok();
            if (reg.is_scalar() || reg.is_nullable()) return wrong("fp, map_value, buf");
            if (size.umin == 0 && !zero_ok)
                return tl::unexpected(err(EACCES, R(regno + 1) + " invalid zero-sized read"));
            return check_helper_mem(st, regno, size.umax, zero_ok, kind == ArgKind::mem_uninit);
        }
        case ArgKind::const_size:
        case ArgKind::const_size_or_zero:
            return ok();  // checked with its memory argument
        case ArgKind::func:
            if (reg.type != RegType::ptr_to_func) return wrong("func");
            return ok();
        case ArgKind::stack_or_null:
            if (reg.is_scalar() && reg.is_const() && reg.const_value() == 0) return ok();
            if (reg.type != RegType::ptr_to_stack) return wrong("fp");
            return ok();
        case ArgKind::btf_seq_file:
            if (reg.type != RegType::ptr_to_btf_id || reg.btf == nullptr ||
                reg.btf->name != "seq_file" || reg.off != 0 || !reg.has_fixed_offset())
                return wrong("ptr_seq_file");
            return ok();
    }
    return ok();
}

Status Verifier::check_helper_call(VState &st, const Insn &in, uint32_t idx) {
    (void)idx;
    const HelperInfo *info = env_.helpers != nullptr ? env_.helpers->find(in.imm) : nullptr;
    const HelperProto *proto = find_helper_proto(in.imm);
    if (info == nullptr)
        return tl::unexpected(err(EINVAL, std::string("program of this type cannot use helper ") +
                                              (proto ? proto->name : "unknown") + "#" +
                                              std::to_string(in.imm)));
    // Without a prototype a helper cannot be checked; this is also how the
    // call libbpf leaves for a failed CO-RE relocation ("unknown") is refused
    // when a path reaches it.
    if (proto == nullptr)
        return tl::unexpected(
            err(EINVAL, "invalid func " + info->name + "#" + std::to_string(in.imm)));
    if (proto->gpl_only && !env_.gpl_compatible)
        return tl::unexpected(
            err(EINVAL, "cannot call GPL-restricted function from non-GPL compatible program"));
    const Map *map = nullptr;
    for (int a = 0; a < 5; ++a) {
        if (proto->args[size_t(a)] == ArgKind::none) break;
        if (auto s = check_helper_arg(st, *proto, a, map); !s) return s;
    }
    if (proto->callback != CallbackKind::none)
        if (auto s = push_callback(st, *proto, idx); !s) return s;
    FuncState &f = st.cur();
    // The helper returned: the next callback loop starts counting afresh.
    f.callback_iters = 0;
    for (int r = 1; r <= 5; ++r)
        f.regs[r] = RegState{};
    switch (proto->ret) {
        case RetKind::map_value_or_null:
            f.regs[0] = RegState::pointer(RegType::ptr_to_map_value_or_null);
            f.regs[0].map = map;
            f.regs[0].id = new_id();
            break;
        case RetKind::integer:
            f.regs[0] = RegState::unknown_scalar();
            break;
        case RetKind::void_:
            f.regs[0] = RegState{};
            break;
    }
    return ok();
}

Status Verifier::check_local_call(VState &st, uint32_t idx) {
    const uint32_t target = uint32_t(int64_t(idx) + 1 + insns_[idx].imm);
    if (st.frames.size() >= size_t(kMaxFrames))
        return tl::unexpected(err(
            E2BIG,
            "the call stack of " + std::to_string(st.frames.size() + 1) + " frames is too deep"));
    FuncState callee;
    const FuncState &caller = st.cur();
    for (int r = 1; r <= 5; ++r)
        callee.regs[r] = caller.regs[r];
    callee.frameno = uint32_t(st.frames.size());
    callee.regs[kFrameRegister] = RegState::pointer(RegType::ptr_to_stack);
    callee.regs[kFrameRegister].frameno = uint8_t(callee.frameno);
    callee.callsite = int32_t(idx);
    callee.subprog = subprog_of(target);
    st.frames.push_back(std::move(callee));
    st.insn = target;
    if (log_.level1())
        log("caller:\n"), log_state(st.frames[st.frames.size() - 2], " "), log("callee:\n"),
            log_state(st.cur(), " ");
    return ok();
}

// The kernel's push_callback_call with set_loop_callback_state and
// set_map_elem_callback_state: the callback is entered on a new frame with
// the arguments the helper gives it, from the caller's state at the call
// (its r1..r5 still set, since the callback returns to the call itself).
Status Verifier::push_callback(VState &st, const HelperProto &proto, uint32_t idx) {
    if (st.frames.size() >= size_t(kMaxFrames))
        return tl::unexpected(err(
            E2BIG,
            "the call stack of " + std::to_string(st.frames.size() + 1) + " frames is too deep"));
    const FuncState &caller = st.cur();
    const RegState &fn = caller.regs[2];
    VState cb = st;
    FuncState callee;
    callee.frameno = uint32_t(st.frames.size());
    callee.regs[kFrameRegister] = RegState::pointer(RegType::ptr_to_stack);
    callee.regs[kFrameRegister].frameno = uint8_t(callee.frameno);
    callee.callsite = int32_t(idx);
    callee.subprog = subprog_of(fn.func);
    callee.in_callback = true;
    switch (proto.callback) {
        case CallbackKind::loop:
            callee.regs[1] = RegState::unknown_scalar();  // the index
            callee.regs[2] = caller.regs[3];              // ctx
            break;
        case CallbackKind::map_elem: {
            const Map *map = caller.regs[1].map;
            callee.regs[1] = caller.regs[1];
            callee.regs[2] = RegState::pointer(RegType::ptr_to_map_key);
            callee.regs[2].map = map;
            callee.regs[3] = RegState::pointer(RegType::ptr_to_map_value);
            callee.regs[3].map = map;
            callee.regs[4] = caller.regs[3];
            break;
        }
        case CallbackKind::none:
            break;
    }
    cb.frames.push_back(std::move(callee));
    if (log_.level1())
        log("caller:\n"), log_state(cb.frames[cb.frames.size() - 2], " "), log("callee:\n"),
            log_state(cb.cur(), " ");
    push_branch(cb, fn.func);
    return ok();
}

}  // namespace bpffs::vm::verifier
