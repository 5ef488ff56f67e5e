#include "tools/bpffsctl/btf_print.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/json_writer.h"

namespace bpffsctl {

namespace {

using bpffs::btf::Btf;
using bpffs::btf::Type;

// A field's value: JSON writes numbers as numbers, the plain format adds a
// suffix where bpftool does (ENUM64 values: LL, ULL).
struct Value {
    enum class Kind { kUnsigned, kSigned, kString } kind = Kind::kUnsigned;
    uint64_t u = 0;
    int64_t s = 0;
    std::string str;
    const char *plain_suffix = "";
    // bpftool's JSON reads an unsigned ENUM's value from the signed 32-bit
    // field and widens it: 0xffffffff is 18446744073709551615 there.
    std::optional<uint64_t> json_unsigned;
};

Value unsigned_value(uint64_t v, const char *suffix = "") {
    return {Value::Kind::kUnsigned, v, 0, {}, suffix, std::nullopt};
}
Value signed_value(int64_t v, const char *suffix = "") {
    return {Value::Kind::kSigned, 0, v, {}, suffix, std::nullopt};
}
Value string_value(std::string v) {
    return {Value::Kind::kString, 0, 0, std::move(v), "", std::nullopt};
}

struct Field {
    const char *key;
    Value value;
};

// One member, enumerator, parameter or DATASEC variable.
struct Entry {
    std::optional<std::string> name;  // DATASEC variables have none
    std::vector<Field> fields;
    std::string plain_note;  // plain format only: DATASEC's "(VAR 'x')"
};

// A type as bpftool's raw dump describes it, once for both formats: the
// fields after "[id] KIND 'name'", then its entries, which JSON lists under
// list_key.
struct Description {
    std::vector<Field> fields;
    const char *plain_separator = " ";  // VAR's plain line has "type_id=N, linkage=L"
    const char *list_key = nullptr;
    std::vector<Entry> entries;
};

// A name from a table indexed by value, or the fallback.
const char *table_name(uint32_t v, std::initializer_list<const char *> names,
                       const char *fallback) {
    return v < names.size() ? names.begin()[v] : fallback;
}

const char *int_encoding(uint32_t enc) {
    // BTF_INT_SIGNED 1, BTF_INT_CHAR 2, BTF_INT_BOOL 4.
    return table_name(enc, {"(none)", "SIGNED", "CHAR", "UNKN", "BOOL"}, "UNKN");
}

// VAR and FUNC linkages share their numbering: static, global, extern.
const char *linkage_name(uint32_t l) {
    return table_name(l, {"static", "global", "extern"}, "(unknown)");
}

std::string name_or_anon(std::string_view name) {
    return name.empty() ? "(anon)" : std::string(name);
}

Entry enumerator_entry(const Type &t, const bpffs::btf::EnumValue &e) {
    Value v;
    if (t.kind == BTF_KIND_ENUM && t.kflag) {
        v = signed_value(static_cast<int32_t>(e.value));
    } else if (t.kind == BTF_KIND_ENUM) {
        v = unsigned_value(static_cast<uint32_t>(e.value));
        v.json_unsigned = static_cast<uint64_t>(int64_t{static_cast<int32_t>(e.value)});
    } else {
        v = t.kflag ? signed_value(e.value, "LL")
                    : unsigned_value(static_cast<uint64_t>(e.value), "ULL");
    }
    return {name_or_anon(e.name), {{"val", v}}, {}};
}

Description describe(const Btf &btf, const Type &t) {
    Description d;
    auto add = [&](const char *key, Value v) { d.fields.push_back({key, std::move(v)}); };
    switch (t.kind) {
        case BTF_KIND_INT:
            add("size", unsigned_value(t.size));
            add("bits_offset", unsigned_value(t.int_offset));
            add("nr_bits", unsigned_value(t.int_bits));
            add("encoding", string_value(int_encoding(t.int_encoding)));
            break;
        case BTF_KIND_PTR:
        case BTF_KIND_CONST:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_TYPE_TAG:
            add("type_id", unsigned_value(t.type));
            break;
        case BTF_KIND_ARRAY:
            add("type_id", unsigned_value(t.array_elem));
            add("index_type_id", unsigned_value(t.array_index));
            add("nr_elems", unsigned_value(t.array_nelems));
            break;
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
            add("size", unsigned_value(t.size));
            add("vlen", unsigned_value(t.vlen));
            d.list_key = "members";
            for (const auto &m : t.members) {
                Entry e{name_or_anon(m.name),
                        {{"type_id", unsigned_value(m.type)},
                         {"bits_offset", unsigned_value(m.bit_offset)}},
                        {}};
                // With kflag, the member's offset word packs both.
                if (t.kflag && m.bitfield_size)
                    e.fields.push_back({"bitfield_size", unsigned_value(m.bitfield_size)});
                d.entries.push_back(std::move(e));
            }
            break;
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
            add("encoding", string_value(t.kflag ? "SIGNED" : "UNSIGNED"));
            add("size", unsigned_value(t.size));
            add("vlen", unsigned_value(t.vlen));
            d.list_key = "values";
            for (const auto &e : t.enumerators)
                d.entries.push_back(enumerator_entry(t, e));
            break;
        case BTF_KIND_FWD:
            add("fwd_kind", string_value(t.kflag ? "union" : "struct"));
            break;
        case BTF_KIND_FUNC:
            add("type_id", unsigned_value(t.type));
            add("linkage", string_value(linkage_name(t.linkage)));
            break;
        case BTF_KIND_FUNC_PROTO:
            add("ret_type_id", unsigned_value(t.type));
            add("vlen", unsigned_value(t.vlen));
            d.list_key = "params";
            for (const auto &p : t.params)
                d.entries.push_back(
                    {name_or_anon(p.name), {{"type_id", unsigned_value(p.type)}}, {}});
            break;
        case BTF_KIND_VAR:
            add("type_id", unsigned_value(t.type));
            add("linkage", string_value(linkage_name(t.linkage)));
            d.plain_separator = ", ";
            break;
        case BTF_KIND_DATASEC:
            add("size", unsigned_value(t.size));
            add("vlen", unsigned_value(t.vlen));
            d.list_key = "vars";
            for (const auto &v : t.secinfos) {
                Entry e{std::nullopt,
                        {{"type_id", unsigned_value(v.type)},
                         {"offset", unsigned_value(v.offset)},
                         {"size", unsigned_value(v.size)}},
                        {}};
                if (v.type <= btf.type_count()) {
                    const Type &vt = btf.type(v.type);
                    e.plain_note = std::string(" (") + bpffs::btf::kind_name(vt.kind) + " '" +
                                   name_or_anon(vt.name) + "')";
                }
                d.entries.push_back(std::move(e));
            }
            break;
        case BTF_KIND_FLOAT:
            add("size", unsigned_value(t.size));
            break;
        case BTF_KIND_DECL_TAG:
            add("type_id", unsigned_value(t.type));
            add("component_idx", signed_value(t.decl_component_idx));
            break;
        default:
            break;
    }
    return d;
}

void put_plain(FILE *out, const Field &f, const char *separator) {
    const Value &v = f.value;
    fprintf(out, "%s%s=", separator, f.key);
    switch (v.kind) {
        case Value::Kind::kUnsigned:
            fprintf(out, "%llu", static_cast<unsigned long long>(v.u));
            break;
        case Value::Kind::kSigned:
            fprintf(out, "%lld", static_cast<long long>(v.s));
            break;
        case Value::Kind::kString:
            fputs(v.str.c_str(), out);
            break;
    }
    fputs(v.plain_suffix, out);
}

void put_json(JsonWriter &w, const Field &f) {
    switch (f.value.kind) {
        case Value::Kind::kUnsigned:
            w.uint_field(f.key, f.value.json_unsigned.value_or(f.value.u));
            break;
        case Value::Kind::kSigned:
            w.int_field(f.key, f.value.s);
            break;
        case Value::Kind::kString:
            w.string_field(f.key, f.value.str);
            break;
    }
}

// "[3] STRUCT 'x' size=16 vlen=2", then a tab-indented line per entry.
void type_plain(FILE *out, const Btf &btf, uint32_t id) {
    const Type &t = btf.type(id);
    const Description d = describe(btf, t);
    fprintf(out, "[%u] %s '%s'", id, bpffs::btf::kind_name(t.kind), name_or_anon(t.name).c_str());
    for (size_t i = 0; i < d.fields.size(); i++)
        put_plain(out, d.fields[i], i == 0 ? " " : d.plain_separator);
    for (const Entry &e : d.entries) {
        fputs("\n\t", out);
        if (e.name) fprintf(out, "'%s'", e.name->c_str());
        for (size_t i = 0; i < e.fields.size(); i++)
            put_plain(out, e.fields[i], i == 0 && !e.name ? "" : " ");
        fputs(e.plain_note.c_str(), out);
    }
    fputs("\n", out);
}

void type_json(JsonWriter &w, const Btf &btf, uint32_t id) {
    const Type &t = btf.type(id);
    const Description d = describe(btf, t);
    w.start_object();
    w.uint_field("id", id);
    w.string_field("kind", bpffs::btf::kind_name(t.kind));
    w.string_field("name", name_or_anon(t.name));
    for (const Field &f : d.fields)
        put_json(w, f);
    if (d.list_key) {
        w.name(d.list_key);
        w.start_array();
        for (const Entry &e : d.entries) {
            w.start_object();
            if (e.name) w.string_field("name", *e.name);
            for (const Field &f : e.fields)
                put_json(w, f);
            w.end_object();
        }
        w.end_array();
    }
    w.end_object();
}

template <class F>
void each_root(const Btf &btf, std::span<const uint32_t> roots, F f) {
    if (roots.empty()) {
        for (uint32_t id = 1; id <= btf.type_count(); ++id)
            f(id);
        return;
    }
    for (uint32_t id : roots)
        if (id >= 1 && id <= btf.type_count()) f(id);
}

}  // namespace

void dump_btf_raw_plain(FILE *out, const Btf &btf, std::span<const uint32_t> roots) {
    each_root(btf, roots, [&](uint32_t id) { type_plain(out, btf, id); });
}

void dump_btf_raw_json(JsonWriter &jw, const Btf &btf, std::span<const uint32_t> roots) {
    jw.start_object();
    jw.name("types");
    jw.start_array();
    each_root(btf, roots, [&](uint32_t id) { type_json(jw, btf, id); });
    jw.end_array();
    jw.end_object();
}

}  // namespace bpffsctl
