#include "core/btf/btf.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace bpffs::btf {

namespace {

constexpr uint32_t kMaxTypes = 1u << 20;  // far above any real object, keeps hostile input bounded
constexpr size_t kMaxNameLen = 512;

// Reads little structs from the type section with bounds checks.
class Reader {
  public:
    explicit Reader(std::span<const uint8_t> data) : data_(data) {}
    template <class T>
    bool read(T &out) {
        if (data_.size() - pos_ < sizeof(T)) return false;
        std::memcpy(&out, data_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return true;
    }
    bool done() const { return pos_ == data_.size(); }

  private:
    std::span<const uint8_t> data_;
    size_t pos_ = 0;
};

bool is_identifier(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLen) return false;
    auto alpha = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    if (!alpha(name[0])) return false;
    for (char c : name)
        if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
    return true;
}

// VAR names may also hold dots, as the kernel allows (__btf_name_valid with
// dot_ok): clang names function-local statics "func.___fmt".
bool is_var_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLen) return false;
    std::string dotless(name);
    for (char &c : dotless)
        if (c == '.') c = '_';
    return is_identifier(dotless);
}

// Section names (".data", ".rodata.str1.1", ".maps") allow dots and other
// printable characters.
bool is_section_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLen) return false;
    for (char c : name)
        if (c <= ' ' || c > '~') return false;
    return true;
}

bool is_power_of_two_size(uint32_t size, uint32_t max) {
    return size != 0 && size <= max && (size & (size - 1)) == 0;
}

Error invalid(uint32_t id, const std::string &what) {
    return Error{EINVAL, "BTF type [" + std::to_string(id) + "]: " + what};
}

}  // namespace

const char *kind_name(uint32_t kind) {
    static const char *const names[] = {
        "UNKNOWN", "INT",     "PTR",      "ARRAY",    "STRUCT",   "UNION",  "ENUM",
        "FWD",     "TYPEDEF", "VOLATILE", "CONST",    "RESTRICT", "FUNC",   "FUNC_PROTO",
        "VAR",     "DATASEC", "FLOAT",    "DECL_TAG", "TYPE_TAG", "ENUM64",
    };
    return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "UNKNOWN";
}

std::optional<std::string_view> Btf::string_at(uint32_t offset) const {
    if (offset >= strings_.size()) return std::nullopt;
    // The section ends with a NUL (checked at parse), so find() succeeds.
    size_t end = strings_.find('\0', offset);
    return strings_.substr(offset, end - offset);
}

Result<Btf> Btf::parse(std::span<const uint8_t> raw) {
    Btf btf;
    btf.raw_.assign(raw.begin(), raw.end());
    const auto &bytes = btf.raw_;

    btf_header hdr{};
    if (bytes.size() < sizeof(hdr)) return fail(EINVAL, "BTF is shorter than its header");
    std::memcpy(&hdr, bytes.data(), sizeof(hdr));
    if (hdr.magic != BTF_MAGIC)
        return fail(EINVAL, "BTF magic is not 0xeB9F (big-endian BTF is not supported)");
    if (hdr.version != BTF_VERSION) return fail(EINVAL, "unsupported BTF version");
    if (hdr.flags != 0) return fail(EINVAL, "BTF header flags must be 0");
    if (hdr.hdr_len < sizeof(hdr) || hdr.hdr_len > bytes.size())
        return fail(EINVAL, "BTF header length is out of range");
    // A longer header than ours is accepted when its extra bytes are zero.
    for (size_t i = sizeof(hdr); i < hdr.hdr_len; i++)
        if (bytes[i] != 0) return fail(EINVAL, "unknown non-zero bytes in the BTF header");

    uint64_t body = bytes.size() - hdr.hdr_len;
    uint64_t type_end = uint64_t{hdr.type_off} + hdr.type_len;
    uint64_t str_end = uint64_t{hdr.str_off} + hdr.str_len;
    if (type_end > body || str_end > body) return fail(EINVAL, "BTF sections exceed the data");
    if (hdr.type_off % 4 != 0) return fail(EINVAL, "BTF type section is not 4-byte aligned");
    if (hdr.type_off < str_end && hdr.str_off < type_end && hdr.type_len && hdr.str_len)
        return fail(EINVAL, "BTF type and string sections overlap");
    if (hdr.str_len == 0 || bytes[hdr.hdr_len + hdr.str_off] != '\0' ||
        bytes[hdr.hdr_len + str_end - 1] != '\0')
        return fail(EINVAL, "BTF string section must start and end with a NUL byte");

    btf.strings_ = std::string_view(
        reinterpret_cast<const char *>(bytes.data()) + hdr.hdr_len + hdr.str_off, hdr.str_len);
    std::span<const uint8_t> types(bytes.data() + hdr.hdr_len + hdr.type_off, hdr.type_len);
    if (auto st = btf.decode_types(types); !st) return tl::unexpected(st.error());
    if (auto st = btf.check_references(); !st) return tl::unexpected(st.error());
    if (auto st = btf.check_sizes(); !st) return tl::unexpected(st.error());
    return btf;
}

Status Btf::decode_types(std::span<const uint8_t> data) {
    types_.clear();
    types_.emplace_back();  // [0] void
    Reader in(data);
    while (!in.done()) {
        uint32_t id = static_cast<uint32_t>(types_.size());
        if (id > kMaxTypes) return fail(E2BIG, "BTF has too many types");
        btf_type raw{};
        if (!in.read(raw)) return fail(EINVAL, invalid(id, "truncated type record").message);
        Type t;
        t.kind = BTF_INFO_KIND(raw.info);
        t.vlen = BTF_INFO_VLEN(raw.info);
        t.kflag = BTF_INFO_KFLAG(raw.info);
        t.size = raw.size;
        t.type = raw.type;
        auto name = string_at(raw.name_off);
        if (!name) return tl::unexpected(invalid(id, "name offset outside the string section"));
        t.name = *name;
        if (raw.info & ~(BTF_INFO_KIND(~0u) << 24 | 0xffffu | 1u << 31))
            return tl::unexpected(invalid(id, "unknown bits in the info word"));

        switch (t.kind) {
            case BTF_KIND_INT: {
                uint32_t word;
                if (!in.read(word)) return tl::unexpected(invalid(id, "truncated INT"));
                t.int_encoding = BTF_INT_ENCODING(word);
                t.int_offset = BTF_INT_OFFSET(word);
                t.int_bits = BTF_INT_BITS(word);
                break;
            }
            case BTF_KIND_ARRAY: {
                btf_array a;
                if (!in.read(a)) return tl::unexpected(invalid(id, "truncated ARRAY"));
                t.array_elem = a.type;
                t.array_index = a.index_type;
                t.array_nelems = a.nelems;
                break;
            }
            case BTF_KIND_STRUCT:
            case BTF_KIND_UNION:
                for (uint32_t i = 0; i < t.vlen; i++) {
                    btf_member m;
                    if (!in.read(m)) return tl::unexpected(invalid(id, "truncated member list"));
                    auto mname = string_at(m.name_off);
                    if (!mname) return tl::unexpected(invalid(id, "member name offset invalid"));
                    Member member{*mname, m.type, m.offset, 0};
                    if (t.kflag) {
                        member.bit_offset = BTF_MEMBER_BIT_OFFSET(m.offset);
                        member.bitfield_size = BTF_MEMBER_BITFIELD_SIZE(m.offset);
                    }
                    t.members.push_back(member);
                }
                break;
            case BTF_KIND_ENUM:
                for (uint32_t i = 0; i < t.vlen; i++) {
                    btf_enum e;
                    if (!in.read(e)) return tl::unexpected(invalid(id, "truncated ENUM"));
                    auto ename = string_at(e.name_off);
                    if (!ename) return tl::unexpected(invalid(id, "enumerator name invalid"));
                    int64_t v = t.kflag ? int64_t{e.val} : int64_t{static_cast<uint32_t>(e.val)};
                    t.enumerators.push_back({*ename, v});
                }
                break;
            case BTF_KIND_ENUM64:
                for (uint32_t i = 0; i < t.vlen; i++) {
                    btf_enum64 e;
                    if (!in.read(e)) return tl::unexpected(invalid(id, "truncated ENUM64"));
                    auto ename = string_at(e.name_off);
                    if (!ename) return tl::unexpected(invalid(id, "enumerator name invalid"));
                    uint64_t v = uint64_t{e.val_hi32} << 32 | e.val_lo32;
                    t.enumerators.push_back({*ename, static_cast<int64_t>(v)});
                }
                break;
            case BTF_KIND_FUNC_PROTO:
                for (uint32_t i = 0; i < t.vlen; i++) {
                    btf_param p;
                    if (!in.read(p)) return tl::unexpected(invalid(id, "truncated parameters"));
                    auto pname = string_at(p.name_off);
                    if (!pname) return tl::unexpected(invalid(id, "parameter name invalid"));
                    t.params.push_back({*pname, p.type});
                }
                break;
            case BTF_KIND_VAR: {
                btf_var v;
                if (!in.read(v)) return tl::unexpected(invalid(id, "truncated VAR"));
                t.linkage = v.linkage;
                break;
            }
            case BTF_KIND_DATASEC:
                for (uint32_t i = 0; i < t.vlen; i++) {
                    btf_var_secinfo s;
                    if (!in.read(s)) return tl::unexpected(invalid(id, "truncated DATASEC"));
                    t.secinfos.push_back({s.type, s.offset, s.size});
                }
                break;
            case BTF_KIND_DECL_TAG: {
                btf_decl_tag d;
                if (!in.read(d)) return tl::unexpected(invalid(id, "truncated DECL_TAG"));
                t.decl_component_idx = d.component_idx;
                break;
            }
            case BTF_KIND_FUNC:
                t.linkage = t.vlen;
                break;
            case BTF_KIND_PTR:
            case BTF_KIND_FWD:
            case BTF_KIND_TYPEDEF:
            case BTF_KIND_VOLATILE:
            case BTF_KIND_CONST:
            case BTF_KIND_RESTRICT:
            case BTF_KIND_FLOAT:
            case BTF_KIND_TYPE_TAG:
                break;
            default:
                return tl::unexpected(invalid(id, "unknown kind " + std::to_string(t.kind)));
        }
        types_.push_back(std::move(t));
    }
    return ok();
}

// Checks each type's own fields and that every referenced id exists.
Status Btf::check_references() const {
    const uint32_t count = type_count();
    auto valid_ref = [&](uint32_t ref) { return ref <= count; };
    for (uint32_t id = 1; id <= count; id++) {
        const Type &t = types_[id];
        auto bad = [&](const std::string &what) { return tl::unexpected(invalid(id, what)); };
        switch (t.kind) {
            case BTF_KIND_INT:
                if (t.vlen || t.kflag) return bad("INT with vlen or kflag");
                if (t.name.empty()) return bad("INT needs a name");  // "unsigned int" has a space
                if (!is_power_of_two_size(t.size, 16))
                    return bad("INT size must be 1, 2, 4, 8 or 16");
                if (t.int_bits == 0 || t.int_bits > 128 || t.int_offset + t.int_bits > t.size * 8)
                    return bad("INT bits do not fit its size");
                if (t.int_encoding & ~(BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL) ||
                    __builtin_popcount(t.int_encoding) > 1)
                    return bad("INT encoding is invalid");
                break;
            case BTF_KIND_PTR:
            case BTF_KIND_VOLATILE:
            case BTF_KIND_CONST:
            case BTF_KIND_RESTRICT:
            case BTF_KIND_TYPE_TAG:
            case BTF_KIND_TYPEDEF:
                if (t.vlen) return bad(std::string(kind_name(t.kind)) + " with vlen");
                if (!valid_ref(t.type)) return bad("refers to a type that does not exist");
                if (t.kind == BTF_KIND_TYPEDEF && !is_identifier(t.name))
                    return bad("TYPEDEF needs a valid name");
                if (t.kind == BTF_KIND_TYPE_TAG && t.name.empty())
                    return bad("TYPE_TAG needs a name");
                if ((t.kind == BTF_KIND_PTR || t.kind == BTF_KIND_VOLATILE ||
                     t.kind == BTF_KIND_CONST || t.kind == BTF_KIND_RESTRICT) &&
                    !t.name.empty())
                    return bad(std::string(kind_name(t.kind)) + " must not have a name");
                break;
            case BTF_KIND_ARRAY:
                if (t.vlen || t.kflag || t.size || !t.name.empty()) return bad("malformed ARRAY");
                if (!valid_ref(t.array_elem) || t.array_elem == 0 || !valid_ref(t.array_index) ||
                    t.array_index == 0)
                    return bad("ARRAY refers to a type that does not exist");
                break;
            case BTF_KIND_STRUCT:
            case BTF_KIND_UNION:
                if (!t.name.empty() && !is_identifier(t.name)) return bad("invalid struct name");
                for (const Member &m : t.members) {
                    if (!m.name.empty() && !is_identifier(m.name))
                        return bad("invalid member name");
                    if (!valid_ref(m.type) || m.type == 0) return bad("member type does not exist");
                    if (uint64_t{m.bit_offset} + m.bitfield_size > uint64_t{t.size} * 8)
                        return bad("member lies outside the struct");
                }
                break;
            case BTF_KIND_ENUM:
            case BTF_KIND_ENUM64:
                if (!t.name.empty() && !is_identifier(t.name)) return bad("invalid enum name");
                if (t.kind == BTF_KIND_ENUM ? !is_power_of_two_size(t.size, 8) : t.size != 8)
                    return bad("invalid enum size");
                for (const EnumValue &e : t.enumerators)
                    if (!is_identifier(e.name)) return bad("invalid enumerator name");
                break;
            case BTF_KIND_FWD:
                if (t.vlen || !is_identifier(t.name)) return bad("malformed FWD");
                break;
            case BTF_KIND_FUNC:
                if (!is_identifier(t.name)) return bad("FUNC needs a valid name");
                if (t.linkage > BTF_FUNC_EXTERN) return bad("FUNC linkage is invalid");
                if (!valid_ref(t.type) || types_[t.type].kind != BTF_KIND_FUNC_PROTO)
                    return bad("FUNC must refer to a FUNC_PROTO");
                break;
            case BTF_KIND_FUNC_PROTO:
                if (!t.name.empty()) return bad("FUNC_PROTO must not have a name");
                if (!valid_ref(t.type)) return bad("return type does not exist");
                for (size_t i = 0; i < t.params.size(); i++) {
                    const Param &p = t.params[i];
                    bool variadic = p.type == 0 && p.name.empty() && i + 1 == t.params.size();
                    if (!variadic && (p.type == 0 || !valid_ref(p.type)))
                        return bad("parameter type does not exist");
                    if (!p.name.empty() && !is_identifier(p.name))
                        return bad("invalid parameter name");
                }
                break;
            case BTF_KIND_VAR:
                if (t.vlen || !is_var_name(t.name)) return bad("malformed VAR");
                if (t.linkage > BTF_VAR_GLOBAL_EXTERN) return bad("VAR linkage is invalid");
                if (!valid_ref(t.type) || t.type == 0) return bad("VAR type does not exist");
                break;
            case BTF_KIND_DATASEC: {
                if (!is_section_name(t.name)) return bad("DATASEC needs a section name");
                uint64_t last_end = 0;
                for (const VarSecInfo &s : t.secinfos) {
                    if (!valid_ref(s.type) || (types_[s.type].kind != BTF_KIND_VAR &&
                                               types_[s.type].kind != BTF_KIND_FUNC))
                        return bad("DATASEC entry is not a VAR");
                    if (uint64_t{s.offset} + s.size > t.size && t.size != 0)
                        return bad("DATASEC entry lies outside the section");
                    if (s.offset < last_end && t.size != 0) return bad("DATASEC entries overlap");
                    last_end = uint64_t{s.offset} + s.size;
                }
                break;
            }
            case BTF_KIND_FLOAT:
                if (t.vlen || t.kflag || t.name.empty()) return bad("malformed FLOAT");
                if (t.size != 2 && t.size != 4 && t.size != 8 && t.size != 12 && t.size != 16)
                    return bad("FLOAT size must be 2, 4, 8, 12 or 16");
                break;
            case BTF_KIND_DECL_TAG:
                if (t.vlen || t.name.empty()) return bad("malformed DECL_TAG");
                if (!valid_ref(t.type) || t.type == 0) return bad("DECL_TAG target does not exist");
                if (t.decl_component_idx < -1) return bad("DECL_TAG component index is invalid");
                break;
        }
    }
    return ok();
}

// Rejects reference cycles that never pass through a pointer (they would have
// no size) by resolving the size of every sized type once.
Status Btf::check_sizes() const {
    for (uint32_t id = 1; id <= type_count(); id++) {
        uint32_t k = types_[id].kind;
        if (k == BTF_KIND_STRUCT || k == BTF_KIND_UNION) {
            for (const Member &m : types_[id].members) {
                uint32_t base = skip_modifiers(m.type);
                if (base == 0 && m.type != 0)
                    return fail(EINVAL, invalid(id, "member type loops").message);
                uint32_t bk = types_[base].kind;
                if (bk == BTF_KIND_FUNC || bk == BTF_KIND_FUNC_PROTO || bk == BTF_KIND_VAR ||
                    bk == BTF_KIND_DATASEC)
                    return fail(EINVAL, invalid(id, "member has a type without storage").message);
                if (!member_fits(types_[id], m))
                    return fail(EINVAL, invalid(id, "member exceeds the struct's size").message);
            }
        }
        if (k == BTF_KIND_ARRAY || k == BTF_KIND_TYPEDEF || k == BTF_KIND_CONST ||
            k == BTF_KIND_VOLATILE || k == BTF_KIND_RESTRICT || k == BTF_KIND_TYPE_TAG) {
            auto size = resolve_size(id);
            if (!size && size.error().code == ELOOP) return tl::unexpected(size.error());
            // The kernel's "Array size overflows U32_MAX".
            if (k == BTF_KIND_ARRAY &&
                ((!size && size.error().code == E2BIG) || (size && *size > UINT32_MAX)))
                return fail(EINVAL, invalid(id, "array size overflows U32_MAX").message);
        }
    }
    return ok();
}

// The kernel's check_member rules ("Member exceeds struct_size"): a
// member's storage ends inside its struct. An INT member without kflag
// needs only its bits (legacy bitfields); a kflag bitfield was checked with
// the references; a member whose type has no size is refused elsewhere.
bool Btf::member_fits(const Type &s, const Member &m) const {
    if (m.bitfield_size != 0) return true;
    uint32_t base = skip_modifiers(m.type);
    const Type &bt = types_[base];
    if (bt.kind == BTF_KIND_INT && !s.kflag) {
        uint64_t bit_offset = uint64_t{m.bit_offset} + bt.int_offset;
        uint64_t copy_bits = bt.int_bits + bit_offset % 8;
        return bit_offset / 8 + (copy_bits + 7) / 8 <= s.size;
    }
    auto size = resolve_size(m.type);
    if (!size) return true;
    return uint64_t{m.bit_offset} / 8 + *size <= s.size;
}

uint32_t Btf::skip_modifiers(uint32_t id) const {
    // Bounded by the number of types so that a cycle cannot loop forever;
    // a cycle resolves to 0 (void).
    for (uint32_t steps = 0; steps <= type_count(); steps++) {
        if (id == 0 || id > type_count()) return 0;
        switch (types_[id].kind) {
            case BTF_KIND_TYPEDEF:
            case BTF_KIND_VOLATILE:
            case BTF_KIND_CONST:
            case BTF_KIND_RESTRICT:
            case BTF_KIND_TYPE_TAG:
                id = types_[id].type;
                break;
            default:
                return id;
        }
    }
    return 0;
}

Result<uint64_t> Btf::resolve_size(uint32_t id) const {
    uint64_t multiplier = 1;
    for (uint32_t steps = 0; steps <= type_count(); steps++) {
        if (id == 0 || id > type_count()) return fail(EINVAL, "type has no size (void)");
        const Type &t = types_[id];
        switch (t.kind) {
            case BTF_KIND_INT:
            case BTF_KIND_ENUM:
            case BTF_KIND_ENUM64:
            case BTF_KIND_STRUCT:
            case BTF_KIND_UNION:
            case BTF_KIND_DATASEC:
            case BTF_KIND_FLOAT:
                return multiplier * t.size;
            case BTF_KIND_PTR:
                return multiplier * 8;
            case BTF_KIND_ARRAY:
                multiplier *= t.array_nelems;
                if (multiplier > (uint64_t{1} << 40)) return fail(E2BIG, "array is too large");
                id = t.array_elem;
                break;
            case BTF_KIND_TYPEDEF:
            case BTF_KIND_VOLATILE:
            case BTF_KIND_CONST:
            case BTF_KIND_RESTRICT:
            case BTF_KIND_TYPE_TAG:
            case BTF_KIND_VAR:
                id = t.type;
                break;
            default:
                return fail(EINVAL, std::string("a ") + kind_name(t.kind) + " has no size");
        }
    }
    return fail(ELOOP, "type references loop");
}

std::optional<uint32_t> Btf::find(std::string_view name, uint32_t kind) const {
    for (uint32_t id = 1; id <= type_count(); id++)
        if (types_[id].kind == kind && types_[id].name == name) return id;
    return std::nullopt;
}

}  // namespace bpffs::btf
