#include "core/elf/core_relo.h"

#include <cerrno>
#include <charconv>
#include <climits>
#include <optional>
#include <string>
#include <vector>

namespace bpffs::elf {

namespace {

// libbpf's bound on the depth of an access string.
constexpr size_t kMaxAccessLen = 64;

enum class RelocClass { field, type, enumval };

RelocClass class_of(uint32_t kind) {
    if (kind <= BPF_CORE_FIELD_RSHIFT_U64) return RelocClass::field;
    if (kind == BPF_CORE_ENUMVAL_EXISTS || kind == BPF_CORE_ENUMVAL_VALUE)
        return RelocClass::enumval;
    return RelocClass::type;
}

// One step of an access path: a member (named or not), an array element,
// or the root. type_id is the containing struct/enum for members and
// enumerators, the element type for array elements, the root type for [0].
struct Accessor {
    uint32_t type_id = 0;
    uint32_t idx = 0;
    std::string_view name;  // empty for array elements and the root
};

// A resolved access path in one BTF (libbpf's bpf_core_spec).
struct Spec {
    const btf::Btf *btf = nullptr;
    uint32_t root_type_id = 0;
    std::vector<Accessor> named;  // the accessors that matter for matching
    std::vector<uint32_t> raw;    // every index, anonymous members included
    uint64_t bit_offset = 0;
};

bool is_composite(const btf::Type &t) {
    return t.kind == BTF_KIND_STRUCT || t.kind == BTF_KIND_UNION;
}
bool is_any_enum(const btf::Type &t) {
    return t.kind == BTF_KIND_ENUM || t.kind == BTF_KIND_ENUM64;
}

// Same kind, where ENUM and ENUM64 count as one.
bool kinds_compatible(const btf::Type &a, const btf::Type &b) {
    return a.kind == b.kind || (is_any_enum(a) && is_any_enum(b));
}

const btf::Type &skip_mods(const btf::Btf &btf, uint32_t &id) {
    id = btf.skip_modifiers(id);
    return btf.type(id);
}

tl::unexpected<Error> bad_relo(const CoreRelo &relo, const std::string &what) {
    return fail(EINVAL, "CO-RE relocation at byte " + std::to_string(relo.insn_off) + " (kind " +
                            std::to_string(relo.kind) + ", access \"" + relo.access +
                            "\"): " + what);
}

Result<std::vector<uint32_t>> parse_access(const CoreRelo &relo) {
    std::vector<uint32_t> out;
    std::string_view s = relo.access;
    while (!s.empty()) {
        uint32_t v = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || end == s.data()) return bad_relo(relo, "malformed access string");
        out.push_back(v);
        s.remove_prefix(static_cast<size_t>(end - s.data()));
        if (s.empty()) break;
        if (s.front() != ':' || s.size() == 1) return bad_relo(relo, "malformed access string");
        s.remove_prefix(1);
    }
    if (out.empty() || out.size() > kMaxAccessLen)
        return bad_relo(relo, "bad access string length");
    return out;
}

Result<uint64_t> size_of(const btf::Btf &btf, uint32_t id, const CoreRelo &relo) {
    auto sz = btf.resolve_size(id);
    if (!sz) return bad_relo(relo, "a type on the access path has no size");
    return *sz;
}

// Builds the local spec from the relocation's type and access string.
Result<Spec> parse_local_spec(const btf::Btf &btf, const CoreRelo &relo) {
    auto raw = parse_access(relo);
    if (!raw) return tl::unexpected(raw.error());
    Spec spec;
    spec.btf = &btf;
    spec.root_type_id = relo.type_id;
    spec.raw = *raw;
    uint32_t id = relo.type_id;
    const btf::Type *t = &skip_mods(btf, id);
    spec.named.push_back({id, spec.raw[0], {}});

    switch (class_of(relo.kind)) {
        case RelocClass::type:
            if (spec.raw.size() != 1 || spec.raw[0] != 0)
                return bad_relo(relo, "a type relocation must have access \"0\"");
            return spec;
        case RelocClass::enumval:
            if (!is_any_enum(*t) || spec.raw.size() != 1 || spec.raw[0] >= t->enumerators.size())
                return bad_relo(relo, "the enum value does not exist locally");
            spec.named[0].name = t->enumerators[spec.raw[0]].name;
            return spec;
        case RelocClass::field:
            break;
    }
    auto root_size = size_of(btf, id, relo);
    if (!root_size) return tl::unexpected(root_size.error());
    spec.bit_offset = uint64_t{spec.raw[0]} * *root_size * 8;
    for (size_t i = 1; i < spec.raw.size(); i++) {
        t = &skip_mods(btf, id);
        uint32_t idx = spec.raw[i];
        if (is_composite(*t)) {
            if (idx >= t->members.size()) return bad_relo(relo, "member index out of range");
            const btf::Member &m = t->members[idx];
            spec.bit_offset += m.bit_offset;
            if (!m.name.empty()) spec.named.push_back({id, idx, m.name});
            id = m.type;
        } else if (t->kind == BTF_KIND_ARRAY) {
            id = t->array_elem;
            skip_mods(btf, id);
            // A trailing flexible array (zero elements) may be indexed freely.
            if (t->array_nelems != 0 && idx >= t->array_nelems)
                return bad_relo(relo, "array index out of range");
            spec.named.push_back({id, idx, {}});
            auto elem = size_of(btf, id, relo);
            if (!elem) return tl::unexpected(elem.error());
            spec.bit_offset += uint64_t{idx} * *elem * 8;
        } else {
            return bad_relo(relo,
                            "the access path walks into a " + std::string(btf::kind_name(t->kind)));
        }
    }
    return spec;
}

bool int_is_plain(const btf::Type &t) {
    return t.int_offset == 0;
}

// libbpf's bpf_core_fields_are_compat: may a local field be read as this
// target field?
bool fields_compatible(const btf::Btf &lb, uint32_t lid, const btf::Btf &tb, uint32_t tid) {
    for (int depth = 0; depth < 32; depth++) {
        const btf::Type &l = skip_mods(lb, lid);
        const btf::Type &t = skip_mods(tb, tid);
        if (is_composite(l) && is_composite(t)) return true;
        if (!kinds_compatible(l, t)) return false;
        switch (l.kind) {
            case BTF_KIND_PTR:
            case BTF_KIND_FLOAT:
                return true;
            case BTF_KIND_FWD:
            case BTF_KIND_ENUM:
            case BTF_KIND_ENUM64: {
                auto ln = core_essential_name(l.name), tn = core_essential_name(t.name);
                return ln.empty() || tn.empty() || ln == tn;
            }
            case BTF_KIND_INT:
                return int_is_plain(l) && int_is_plain(t);
            case BTF_KIND_ARRAY:
                lid = l.array_elem;
                tid = t.array_elem;
                continue;
            default:
                return false;
        }
    }
    return false;
}

// libbpf's bpf_core_types_are_compat, for type-based relocations.
bool types_compatible(const btf::Btf &lb, uint32_t lid, const btf::Btf &tb, uint32_t tid,
                      int depth = 0) {
    if (depth > 32) return false;
    const btf::Type &l = skip_mods(lb, lid);
    const btf::Type &t = skip_mods(tb, tid);
    if (!kinds_compatible(l, t)) return false;
    switch (l.kind) {
        case BTF_KIND_UNKN:
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
        case BTF_KIND_FWD:
        case BTF_KIND_FLOAT:
            return true;
        case BTF_KIND_INT:
            return int_is_plain(l) && int_is_plain(t);
        case BTF_KIND_PTR:
            return types_compatible(lb, l.type, tb, t.type, depth + 1);
        case BTF_KIND_ARRAY:
            return types_compatible(lb, l.array_elem, tb, t.array_elem, depth + 1);
        case BTF_KIND_FUNC_PROTO:
            if (l.params.size() != t.params.size()) return false;
            for (size_t i = 0; i < l.params.size(); i++)
                if (!types_compatible(lb, l.params[i].type, tb, t.params[i].type, depth + 1))
                    return false;
            return types_compatible(lb, l.type, tb, t.type, depth + 1);
        default:
            return false;
    }
}

// TYPE_MATCHES, a simplification of libbpf's bpf_core_types_match: the types
// are compatible and every local member or enumerator exists in the target
// with a compatible type.
bool types_match(const btf::Btf &lb, uint32_t lid, const btf::Btf &tb, uint32_t tid) {
    if (!types_compatible(lb, lid, tb, tid)) return false;
    const btf::Type &l = skip_mods(lb, lid);
    const btf::Type &t = skip_mods(tb, tid);
    if (is_composite(l)) {
        for (const btf::Member &lm : l.members) {
            bool found = false;
            for (const btf::Member &tm : t.members)
                if (tm.name == lm.name && fields_compatible(lb, lm.type, tb, tm.type)) found = true;
            if (!found) return false;
        }
    } else if (is_any_enum(l)) {
        for (const btf::EnumValue &le : l.enumerators) {
            bool found = false;
            for (const btf::EnumValue &te : t.enumerators)
                found = found || te.name == le.name;
            if (!found) return false;
        }
    }
    return true;
}

// libbpf's bpf_core_match_member: finds a local member by name in a target
// composite, looking through anonymous members, and extends targ.
int match_member(const btf::Btf &lb, const Accessor &local_acc, const btf::Btf &tb, uint32_t tid,
                 Spec &targ, uint32_t &next_tid, int depth = 0) {
    if (depth > 32 || targ.raw.size() >= kMaxAccessLen) return -1;
    const btf::Type &local_type = lb.type(local_acc.type_id);
    const btf::Member &local_member = local_type.members[local_acc.idx];
    const btf::Type &t = skip_mods(tb, tid);
    if (!is_composite(t)) return 0;
    for (uint32_t i = 0; i < t.members.size(); i++) {
        const btf::Member &m = t.members[i];
        targ.bit_offset += m.bit_offset;
        targ.raw.push_back(i);
        if (m.name.empty()) {
            int found = match_member(lb, local_acc, tb, m.type, targ, next_tid, depth + 1);
            if (found) return found;
        } else if (m.name == local_member.name) {
            if (!fields_compatible(lb, local_member.type, tb, m.type)) return 0;
            targ.named.push_back({tid, i, m.name});
            next_tid = m.type;
            return 1;
        }
        targ.bit_offset -= m.bit_offset;
        targ.raw.pop_back();
    }
    return 0;
}

// libbpf's bpf_core_spec_match: 1 if the candidate target type matches the
// local spec (filling targ), 0 if not, -1 on a malformed target.
int match_spec(const Spec &local, const btf::Btf &tb, uint32_t cand, uint32_t kind, Spec &targ) {
    targ = Spec{};
    targ.btf = &tb;
    targ.root_type_id = cand;
    switch (class_of(kind)) {
        case RelocClass::type:
            if (kind == BPF_CORE_TYPE_MATCHES)
                return types_match(*local.btf, local.root_type_id, tb, cand);
            return types_compatible(*local.btf, local.root_type_id, tb, cand);
        case RelocClass::enumval: {
            uint32_t id = cand;
            const btf::Type &t = skip_mods(tb, id);
            if (!is_any_enum(t)) return 0;
            auto want = core_essential_name(local.named[0].name);
            for (uint32_t i = 0; i < t.enumerators.size(); i++) {
                if (core_essential_name(t.enumerators[i].name) != want) continue;
                targ.named.push_back({id, i, t.enumerators[i].name});
                targ.raw.push_back(i);
                return 1;
            }
            return 0;
        }
        case RelocClass::field:
            break;
    }
    uint32_t tid = cand;
    for (size_t i = 0; i < local.named.size(); i++) {
        const Accessor &la = local.named[i];
        if (i > 0) {
            uint32_t next = 0;
            if (!la.name.empty()) {
                int matched = match_member(*local.btf, la, tb, tid, targ, next);
                if (matched <= 0) return matched;
            } else {
                const btf::Type &t = skip_mods(tb, tid);
                if (t.kind != BTF_KIND_ARRAY) return 0;
                if (t.array_nelems != 0 && la.idx >= t.array_nelems) return 0;
                next = t.array_elem;
                skip_mods(tb, next);
            }
            tid = next;
        }
        if (la.name.empty()) {
            if (targ.raw.size() >= kMaxAccessLen) return -1;
            targ.named.push_back({tid, la.idx, {}});
            targ.raw.push_back(la.idx);
            auto sz = tb.resolve_size(tid);
            if (!sz) return -1;
            targ.bit_offset += uint64_t{la.idx} * *sz * 8;
        }
    }
    return 1;
}

// Value of a field relocation from a spec (null: no target found).
Result<std::optional<uint64_t>> field_value(const Spec *spec, const CoreRelo &relo,
                                            uint32_t &mem_size, uint32_t &mem_type,
                                            bool *validate) {
    mem_size = 0;
    mem_type = 0;
    if (relo.kind == BPF_CORE_FIELD_EXISTS) return std::optional<uint64_t>(spec ? 1 : 0);
    if (!spec) return std::optional<uint64_t>();  // poison
    const btf::Btf &btf = *spec->btf;
    const Accessor &acc = spec->named.back();
    if (acc.name.empty()) {
        // The root or an array element: only its offset and size make sense.
        auto sz = size_of(btf, acc.type_id, relo);
        if (!sz) return tl::unexpected(sz.error());
        if (validate) *validate = true;
        if (relo.kind == BPF_CORE_FIELD_BYTE_OFFSET) {
            mem_size = static_cast<uint32_t>(*sz);
            mem_type = acc.type_id;
            return std::optional<uint64_t>(spec->bit_offset / 8);
        }
        if (relo.kind == BPF_CORE_FIELD_BYTE_SIZE) return std::optional<uint64_t>(*sz);
        return bad_relo(relo, "this kind does not apply to an array element or the root");
    }
    const btf::Type &parent = btf.type(acc.type_id);
    const btf::Member &m = parent.members[acc.idx];
    uint32_t field_type = m.type;
    const btf::Type &mt = skip_mods(btf, field_type);
    uint64_t bit_off = spec->bit_offset;
    uint64_t bit_sz = m.bitfield_size;
    uint64_t byte_sz = 0, byte_off = 0;
    bool bitfield = bit_sz > 0;
    if (bitfield) {
        // The smallest aligned load that covers the bitfield.
        byte_sz = mt.size;
        if (byte_sz == 0) return bad_relo(relo, "a bitfield of a sizeless type");
        byte_off = bit_off / 8 / byte_sz * byte_sz;
        while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
            if (byte_sz >= 8)
                return fail(E2BIG, "CO-RE: bitfield cannot be read with one 64-bit load");
            byte_sz *= 2;
            byte_off = bit_off / 8 / byte_sz * byte_sz;
        }
    } else {
        auto sz = size_of(btf, field_type, relo);
        if (!sz) return tl::unexpected(sz.error());
        byte_sz = *sz;
        byte_off = bit_off / 8;
        bit_sz = byte_sz * 8;
    }
    // The compiler's view of bitfields may differ from ours: do not insist.
    if (validate) *validate = !bitfield;
    switch (relo.kind) {
        case BPF_CORE_FIELD_BYTE_OFFSET:
            if (!bitfield) {
                mem_size = static_cast<uint32_t>(byte_sz);
                mem_type = field_type;
            }
            return std::optional<uint64_t>(byte_off);
        case BPF_CORE_FIELD_BYTE_SIZE:
            return std::optional<uint64_t>(byte_sz);
        case BPF_CORE_FIELD_SIGNED:
            if (validate) *validate = true;
            return std::optional<uint64_t>(
                (is_any_enum(mt) && mt.kflag) ||
                (mt.kind == BTF_KIND_INT && (mt.int_encoding & BTF_INT_SIGNED)));
        case BPF_CORE_FIELD_LSHIFT_U64:
            return std::optional<uint64_t>(64 - (bit_off + bit_sz - byte_off * 8));
        case BPF_CORE_FIELD_RSHIFT_U64:
            if (validate) *validate = true;
            return std::optional<uint64_t>(64 - bit_sz);
        default:
            return bad_relo(relo, "unknown field relocation kind");
    }
}

Result<std::optional<uint64_t>> type_value(const Spec *spec, const CoreRelo &relo, bool *validate) {
    if (validate) *validate = true;
    if (!spec) return std::optional<uint64_t>(0);  // type relocations never poison
    switch (relo.kind) {
        case BPF_CORE_TYPE_ID_TARGET:
            if (validate) *validate = false;  // ids change with linking
            return std::optional<uint64_t>(spec->root_type_id);
        case BPF_CORE_TYPE_EXISTS:
        case BPF_CORE_TYPE_MATCHES:
            return std::optional<uint64_t>(1);
        case BPF_CORE_TYPE_SIZE: {
            auto sz = size_of(*spec->btf, spec->root_type_id, relo);
            if (!sz) return tl::unexpected(sz.error());
            return std::optional<uint64_t>(*sz);
        }
        default:
            return bad_relo(relo, "unknown relocation kind");
    }
}

Result<std::optional<uint64_t>> enum_value(const Spec *spec, const CoreRelo &relo) {
    if (relo.kind == BPF_CORE_ENUMVAL_EXISTS) return std::optional<uint64_t>(spec ? 1 : 0);
    if (!spec) return std::optional<uint64_t>();  // poison
    const btf::Type &t = spec->btf->type(spec->named[0].type_id);
    return std::optional<uint64_t>(static_cast<uint64_t>(t.enumerators[spec->named[0].idx].value));
}

// Computes the value for one spec into res (orig side when local is true).
Status calc_one(const Spec *spec, const CoreRelo &relo, bool local, CoreResult &res) {
    uint32_t mem_size = 0, mem_type = 0;
    bool validate = true;
    Result<std::optional<uint64_t>> v = std::optional<uint64_t>();
    switch (class_of(relo.kind)) {
        case RelocClass::field:
            v = field_value(spec, relo, mem_size, mem_type, local ? &validate : nullptr);
            break;
        case RelocClass::type:
            v = type_value(spec, relo, local ? &validate : nullptr);
            break;
        case RelocClass::enumval:
            v = enum_value(spec, relo);
            break;
    }
    if (!v) return tl::unexpected(v.error());
    if (local) {
        if (!*v) return bad_relo(relo, "cannot be computed against the object's own BTF");
        res.orig_val = **v;
        res.orig_size = mem_size;
        res.validate = validate;
        return ok();
    }
    if (!*v) {
        res.poison = true;
        return ok();
    }
    res.new_val = **v;
    res.new_size = mem_size;
    return ok();
}

bool unsigned_int_or_ptr_pair(const btf::Btf &lb, uint32_t lid, const btf::Btf &tb, uint32_t tid) {
    const btf::Type &l = lb.type(lid);
    const btf::Type &t = tb.type(tid);
    if (l.kind == BTF_KIND_PTR && t.kind == BTF_KIND_PTR) return true;
    return l.kind == BTF_KIND_INT && t.kind == BTF_KIND_INT && !(l.int_encoding & BTF_INT_SIGNED) &&
           !(t.int_encoding & BTF_INT_SIGNED);
}

// The type of the field a non-bitfield BYTE_OFFSET relocation accesses.
uint32_t accessed_type(const Spec &spec) {
    const Accessor &acc = spec.named.back();
    if (acc.name.empty()) return acc.type_id;
    uint32_t id = spec.btf->type(acc.type_id).members[acc.idx].type;
    return spec.btf->skip_modifiers(id);
}

Result<std::vector<uint32_t>> candidates(const btf::Btf &local, uint32_t local_id,
                                         const btf::Btf &target, const CoreRelo &relo) {
    const btf::Type &lt = local.type(local_id);
    auto name = core_essential_name(lt.name);
    if (name.empty()) return bad_relo(relo, "the relocated type has no name");
    std::vector<uint32_t> out;
    for (uint32_t id = 1; id <= target.type_count(); id++) {
        const btf::Type &t = target.type(id);
        if (kinds_compatible(lt, t) && core_essential_name(t.name) == name) out.push_back(id);
    }
    return out;
}

}  // namespace

std::string_view core_essential_name(std::string_view name) {
    // The last "x___y" separator: three underscores between non-underscores.
    if (name.size() < 5) return name;
    for (size_t i = name.size() - 5 + 1; i-- > 0;) {
        if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' && name[i + 3] == '_' &&
            name[i + 4] != '_')
            return name.substr(0, i + 1);
    }
    return name;
}

Result<CoreResult> calc_core_relo(const btf::Btf &local, const btf::Btf &target,
                                  const CoreRelo &relo) {
    if (relo.kind > BPF_CORE_TYPE_MATCHES) return bad_relo(relo, "unknown relocation kind");
    if (relo.type_id == 0 || relo.type_id > local.type_count())
        return bad_relo(relo, "no such local type");
    auto local_spec = parse_local_spec(local, relo);
    if (!local_spec) return tl::unexpected(local_spec.error());

    CoreResult res;
    if (relo.kind == BPF_CORE_TYPE_ID_LOCAL) {
        res.orig_val = res.new_val = relo.type_id;
        return res;
    }
    if (auto st = calc_one(&*local_spec, relo, true, res); !st) return tl::unexpected(st.error());

    auto cands = candidates(local, relo.type_id, target, relo);
    if (!cands) return tl::unexpected(cands.error());
    bool found = false;
    CoreResult chosen = res;
    uint64_t chosen_bit_offset = 0;
    for (uint32_t cand : *cands) {
        Spec targ;
        int matched = match_spec(*local_spec, target, cand, relo.kind, targ);
        if (matched < 0) return bad_relo(relo, "the target BTF is malformed along the access path");
        if (matched == 0) continue;
        CoreResult r = res;
        if (auto st = calc_one(&targ, relo, false, r); !st) return tl::unexpected(st.error());
        // Changing a load's size is safe only for pointers and unsigned
        // integers (zero extension keeps the value), as in libbpf.
        if (r.orig_size != r.new_size && class_of(relo.kind) == RelocClass::field)
            r.fail_size_adjust = !unsigned_int_or_ptr_pair(local, accessed_type(*local_spec),
                                                           target, accessed_type(targ));
        if (found && (targ.bit_offset != chosen_bit_offset || r.poison != chosen.poison ||
                      r.new_val != chosen.new_val))
            return bad_relo(relo,
                            "candidate types in the target BTF disagree (ambiguous relocation)");
        if (!found) {
            chosen = r;
            chosen_bit_offset = targ.bit_offset;
            found = true;
        }
    }
    if (found) return chosen;
    // No candidate: existence checks say 0; reads are poisoned.
    if (auto st = calc_one(nullptr, relo, false, res); !st) return tl::unexpected(st.error());
    res.new_size = res.orig_size;
    return res;
}

namespace {

bool is_ldimm64(const bpf_insn &insn) {
    return insn.code == (BPF_LD | BPF_IMM | BPF_DW);
}

void poison(bpf_insn &insn) {
    insn.code = BPF_JMP | BPF_CALL;
    insn.dst_reg = 0;
    insn.src_reg = 0;
    insn.off = 0;
    insn.imm = kCorePoisonHelper;
}

Result<uint8_t> size_code(uint32_t bytes) {
    switch (bytes) {
        case 1:
            return uint8_t{BPF_B};
        case 2:
            return uint8_t{BPF_H};
        case 4:
            return uint8_t{BPF_W};
        case 8:
            return uint8_t{BPF_DW};
        default:
            return fail(EINVAL, "CO-RE: no load or store of " + std::to_string(bytes) + " bytes");
    }
}

uint32_t size_bytes(uint8_t code) {
    switch (BPF_SIZE(code)) {
        case BPF_B:
            return 1;
        case BPF_H:
            return 2;
        case BPF_W:
            return 4;
        default:
            return 8;
    }
}

}  // namespace

Status patch_core_insn(std::span<bpf_insn> insns, size_t index, const CoreResult &res,
                       const CoreRelo &relo) {
    if (index >= insns.size()) return bad_relo(relo, "the instruction lies outside its section");
    bpf_insn &insn = insns[index];
    bool wide = is_ldimm64(insn);
    if (wide && index + 1 >= insns.size()) return bad_relo(relo, "a truncated ldimm64");
    auto poison_insn = [&]() -> Status {
        if (wide) poison(insns[index + 1]);
        poison(insn);
        return ok();
    };
    if (res.poison) return poison_insn();
    switch (BPF_CLASS(insn.code)) {
        case BPF_ALU:
        case BPF_ALU64:
            if (BPF_SRC(insn.code) != BPF_K)
                return bad_relo(relo, "an ALU instruction without an immediate");
            if (res.validate &&
                static_cast<uint32_t>(insn.imm) != static_cast<uint32_t>(res.orig_val))
                return bad_relo(relo, "the instruction holds " + std::to_string(insn.imm) +
                                          ", expected " + std::to_string(res.orig_val));
            insn.imm = static_cast<int32_t>(res.new_val);
            return ok();
        case BPF_LDX:
        case BPF_ST:
        case BPF_STX: {
            if (res.validate && insn.off != static_cast<int64_t>(res.orig_val))
                return bad_relo(relo, "the instruction's offset is " + std::to_string(insn.off) +
                                          ", expected " + std::to_string(res.orig_val));
            if (res.new_val > SHRT_MAX)
                return bad_relo(relo, "the new offset does not fit in 16 bits");
            if (res.fail_size_adjust) return poison_insn();
            insn.off = static_cast<int16_t>(res.new_val);
            if (res.orig_size != res.new_size) {
                if (size_bytes(insn.code) != res.orig_size)
                    return bad_relo(relo, "the access size differs from the field's size");
                auto code = size_code(res.new_size);
                if (!code) return tl::unexpected(code.error());
                insn.code =
                    static_cast<uint8_t>(BPF_MODE(insn.code) | *code | BPF_CLASS(insn.code));
            }
            return ok();
        }
        case BPF_LD: {
            const bpf_insn &hi = insns[index + 1];
            if (!wide || insn.src_reg != 0 || insn.off != 0 || hi.code || hi.dst_reg ||
                hi.src_reg || hi.off)
                return bad_relo(relo, "an ldimm64 of an unexpected form");
            uint64_t imm =
                static_cast<uint32_t>(insn.imm) | (uint64_t{static_cast<uint32_t>(hi.imm)} << 32);
            if (res.validate && imm != res.orig_val)
                return bad_relo(relo, "the ldimm64 holds " + std::to_string(imm) + ", expected " +
                                          std::to_string(res.orig_val));
            insn.imm = static_cast<int32_t>(static_cast<uint32_t>(res.new_val));
            insns[index + 1].imm = static_cast<int32_t>(static_cast<uint32_t>(res.new_val >> 32));
            return ok();
        }
        default:
            return bad_relo(relo, "the instruction class cannot be relocated");
    }
}

Status apply_core_relos(std::span<bpf_insn> insns, std::span<const CoreRelo> relos,
                        const btf::Btf &local, const btf::Btf &target, std::string_view section) {
    for (const CoreRelo &relo : relos) {
        auto res = calc_core_relo(local, target, relo);
        if (!res) {
            res.error().message = "section '" + std::string(section) + "': " + res.error().message;
            return tl::unexpected(res.error());
        }
        if (auto st = patch_core_insn(insns, relo.insn_off / sizeof(bpf_insn), *res, relo); !st) {
            st.error().message = "section '" + std::string(section) + "': " + st.error().message;
            return st;
        }
    }
    return ok();
}

}  // namespace bpffs::elf
