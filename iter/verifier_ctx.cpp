#include "iter/verifier_ctx.h"

#include <string_view>

#include "core/vm/verifier/btf_struct.h"

namespace bpffs {
namespace {

// "struct bpf_map *" → the verifier's description of struct bpf_map; an
// object type it does not know stays opaque (no field can be read).
const vm::verifier::BtfStruct *object_of(const std::string &c_type) {
    std::string_view t = c_type;
    constexpr std::string_view prefix = "struct ";
    if (t.starts_with(prefix)) t.remove_prefix(prefix.size());
    while (!t.empty() && (t.back() == '*' || t.back() == ' '))
        t.remove_suffix(1);
    if (const auto *s = vm::verifier::find_btf_struct(t)) return s;
    static const vm::verifier::BtfStruct opaque{"opaque", 0, {}};
    return &opaque;
}

vm::verifier::CtxSlotKind slot_kind(CtxFieldKind kind) {
    switch (kind) {
        case CtxFieldKind::object_ptr:
            return vm::verifier::CtxSlotKind::btf_object;
        case CtxFieldKind::rdonly_buf:
            return vm::verifier::CtxSlotKind::rdonly_buf;
        case CtxFieldKind::rdwr_buf:
            return vm::verifier::CtxSlotKind::rdwr_buf;
        case CtxFieldKind::scalar:
            break;
    }
    return vm::verifier::CtxSlotKind::scalar;
}

}  // namespace

vm::verifier::ProgramEnv iter_program_env(const IterTarget &target) {
    vm::verifier::ProgramEnv env = vm::verifier::iterator_env_base();
    env.ctx_name = target.ctx.struct_name;
    for (size_t i = 0; i < target.ctx.fields.size(); ++i) {
        const CtxField &f = target.ctx.fields[i];
        vm::verifier::CtxSlot slot;
        slot.name = f.name;
        slot.offset = target.ctx.offset_of(i);
        slot.size = f.size;
        slot.kind = slot_kind(f.kind);
        slot.nullable = f.nullable;
        if (slot.kind == vm::verifier::CtxSlotKind::btf_object) slot.object = object_of(f.type);
        env.ctx.push_back(slot);
    }
    env.ctx_size = target.ctx.size();
    return env;
}

}  // namespace bpffs
