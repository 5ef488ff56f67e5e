#include "tools/bpffsctl/btf_print.h"

#include <string>

#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/json_writer.h"

namespace bpffsctl {

namespace {

using bpffs::btf::Btf;
using bpffs::btf::Type;

const char *kind_str(uint32_t kind) {
    static const char *const kNames[] = {
        "UNKNOWN", "INT",     "PTR",      "ARRAY",    "STRUCT",   "UNION",  "ENUM",
        "FWD",     "TYPEDEF", "VOLATILE", "CONST",    "RESTRICT", "FUNC",   "FUNC_PROTO",
        "VAR",     "DATASEC", "FLOAT",    "DECL_TAG", "TYPE_TAG", "ENUM64",
    };
    return kind < sizeof(kNames) / sizeof(kNames[0]) ? kNames[kind] : "UNKNOWN";
}

const char *int_encoding(uint32_t enc) {
    switch (enc) {
        case 0:
            return "(none)";
        case BTF_INT_SIGNED:
            return "SIGNED";
        case BTF_INT_CHAR:
            return "CHAR";
        case BTF_INT_BOOL:
            return "BOOL";
        default:
            return "UNKN";
    }
}

const char *var_linkage(uint32_t l) {
    switch (l) {
        case BTF_VAR_STATIC:
            return "static";
        case BTF_VAR_GLOBAL_ALLOCATED:
            return "global";
        case BTF_VAR_GLOBAL_EXTERN:
            return "extern";
        default:
            return "(unknown)";
    }
}

const char *func_linkage(uint32_t l) {
    switch (l) {
        case BTF_FUNC_STATIC:
            return "static";
        case BTF_FUNC_GLOBAL:
            return "global";
        case BTF_FUNC_EXTERN:
            return "extern";
        default:
            return "(unknown)";
    }
}

std::string name_or_anon(std::string_view name) {
    return name.empty() ? "(anon)" : std::string(name);
}

// Bit offset and bitfield size as the type's encoding stores them: with
// kflag, the member's offset word packs both.
void member_bits(const Type &t, const bpffs::btf::Member &m, uint32_t &off, uint32_t &size) {
    off = m.bit_offset;
    size = t.kflag ? m.bitfield_size : 0;
}

void type_plain(FILE *out, const Btf &btf, uint32_t id) {
    const Type &t = btf.type(id);
    fprintf(out, "[%u] %s '%s'", id, kind_str(t.kind), name_or_anon(t.name).c_str());
    switch (t.kind) {
        case BTF_KIND_INT:
            fprintf(out, " size=%u bits_offset=%u nr_bits=%u encoding=%s", t.size, t.int_offset,
                    t.int_bits, int_encoding(t.int_encoding));
            break;
        case BTF_KIND_PTR:
        case BTF_KIND_CONST:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_TYPE_TAG:
            fprintf(out, " type_id=%u", t.type);
            break;
        case BTF_KIND_ARRAY:
            fprintf(out, " type_id=%u index_type_id=%u nr_elems=%u", t.array_elem, t.array_index,
                    t.array_nelems);
            break;
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
            fprintf(out, " size=%u vlen=%u", t.size, t.vlen);
            for (const auto &m : t.members) {
                uint32_t off, size;
                member_bits(t, m, off, size);
                fprintf(out, "\n\t'%s' type_id=%u bits_offset=%u", name_or_anon(m.name).c_str(),
                        m.type, off);
                if (size) fprintf(out, " bitfield_size=%u", size);
            }
            break;
        case BTF_KIND_ENUM:
            fprintf(out, " encoding=%s size=%u vlen=%u", t.kflag ? "SIGNED" : "UNSIGNED", t.size,
                    t.vlen);
            for (const auto &e : t.enumerators) {
                if (t.kflag)
                    fprintf(out, "\n\t'%s' val=%d", name_or_anon(e.name).c_str(),
                            static_cast<int32_t>(e.value));
                else
                    fprintf(out, "\n\t'%s' val=%u", name_or_anon(e.name).c_str(),
                            static_cast<uint32_t>(e.value));
            }
            break;
        case BTF_KIND_ENUM64:
            fprintf(out, " encoding=%s size=%u vlen=%u", t.kflag ? "SIGNED" : "UNSIGNED", t.size,
                    t.vlen);
            for (const auto &e : t.enumerators) {
                if (t.kflag)
                    fprintf(out, "\n\t'%s' val=%lldLL", name_or_anon(e.name).c_str(),
                            static_cast<long long>(e.value));
                else
                    fprintf(out, "\n\t'%s' val=%lluULL", name_or_anon(e.name).c_str(),
                            static_cast<unsigned long long>(e.value));
            }
            break;
        case BTF_KIND_FWD:
            fprintf(out, " fwd_kind=%s", t.kflag ? "union" : "struct");
            break;
        case BTF_KIND_FUNC:
            fprintf(out, " type_id=%u linkage=%s", t.type, func_linkage(t.linkage));
            break;
        case BTF_KIND_FUNC_PROTO:
            fprintf(out, " ret_type_id=%u vlen=%u", t.type, t.vlen);
            for (const auto &p : t.params)
                fprintf(out, "\n\t'%s' type_id=%u", name_or_anon(p.name).c_str(), p.type);
            break;
        case BTF_KIND_VAR:
            fprintf(out, " type_id=%u, linkage=%s", t.type, var_linkage(t.linkage));
            break;
        case BTF_KIND_DATASEC:
            fprintf(out, " size=%u vlen=%u", t.size, t.vlen);
            for (const auto &v : t.secinfos) {
                fprintf(out, "\n\ttype_id=%u offset=%u size=%u", v.type, v.offset, v.size);
                if (v.type <= btf.type_count()) {
                    const Type &vt = btf.type(v.type);
                    fprintf(out, " (%s '%s')", kind_str(vt.kind), name_or_anon(vt.name).c_str());
                }
            }
            break;
        case BTF_KIND_FLOAT:
            fprintf(out, " size=%u", t.size);
            break;
        case BTF_KIND_DECL_TAG:
            fprintf(out, " type_id=%u component_idx=%d", t.type, t.decl_component_idx);
            break;
        default:
            break;
    }
    fputs("\n", out);
}

void type_json(JsonWriter &w, const Btf &btf, uint32_t id) {
    const Type &t = btf.type(id);
    w.start_object();
    w.uint_field("id", id);
    w.string_field("kind", kind_str(t.kind));
    w.string_field("name", name_or_anon(t.name));
    switch (t.kind) {
        case BTF_KIND_INT:
            w.uint_field("size", t.size);
            w.uint_field("bits_offset", t.int_offset);
            w.uint_field("nr_bits", t.int_bits);
            w.string_field("encoding", int_encoding(t.int_encoding));
            break;
        case BTF_KIND_PTR:
        case BTF_KIND_CONST:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_TYPE_TAG:
            w.uint_field("type_id", t.type);
            break;
        case BTF_KIND_ARRAY:
            w.uint_field("type_id", t.array_elem);
            w.uint_field("index_type_id", t.array_index);
            w.uint_field("nr_elems", t.array_nelems);
            break;
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
            w.uint_field("size", t.size);
            w.uint_field("vlen", t.vlen);
            w.name("members");
            w.start_array();
            for (const auto &m : t.members) {
                uint32_t off, size;
                member_bits(t, m, off, size);
                w.start_object();
                w.string_field("name", name_or_anon(m.name));
                w.uint_field("type_id", m.type);
                w.uint_field("bits_offset", off);
                if (size) w.uint_field("bitfield_size", size);
                w.end_object();
            }
            w.end_array();
            break;
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
            w.string_field("encoding", t.kflag ? "SIGNED" : "UNSIGNED");
            w.uint_field("size", t.size);
            w.uint_field("vlen", t.vlen);
            w.name("values");
            w.start_array();
            for (const auto &e : t.enumerators) {
                w.start_object();
                w.string_field("name", name_or_anon(e.name));
                if (t.kflag)
                    w.int_field("val",
                                t.kind == BTF_KIND_ENUM ? static_cast<int32_t>(e.value) : e.value);
                else
                    w.uint_field("val", t.kind == BTF_KIND_ENUM ? static_cast<uint32_t>(e.value)
                                                                : static_cast<uint64_t>(e.value));
                w.end_object();
            }
            w.end_array();
            break;
        case BTF_KIND_FWD:
            w.string_field("fwd_kind", t.kflag ? "union" : "struct");
            break;
        case BTF_KIND_FUNC:
            w.uint_field("type_id", t.type);
            w.string_field("linkage", func_linkage(t.linkage));
            break;
        case BTF_KIND_FUNC_PROTO:
            w.uint_field("ret_type_id", t.type);
            w.uint_field("vlen", t.vlen);
            w.name("params");
            w.start_array();
            for (const auto &p : t.params) {
                w.start_object();
                w.string_field("name", name_or_anon(p.name));
                w.uint_field("type_id", p.type);
                w.end_object();
            }
            w.end_array();
            break;
        case BTF_KIND_VAR:
            w.uint_field("type_id", t.type);
            w.string_field("linkage", var_linkage(t.linkage));
            break;
        case BTF_KIND_DATASEC:
            w.uint_field("size", t.size);
            w.uint_field("vlen", t.vlen);
            w.name("vars");
            w.start_array();
            for (const auto &v : t.secinfos) {
                w.start_object();
                w.uint_field("type_id", v.type);
                w.uint_field("offset", v.offset);
                w.uint_field("size", v.size);
                w.end_object();
            }
            w.end_array();
            break;
        case BTF_KIND_FLOAT:
            w.uint_field("size", t.size);
            break;
        case BTF_KIND_DECL_TAG:
            w.uint_field("type_id", t.type);
            w.int_field("component_idx", t.decl_component_idx);
            break;
        default:
            break;
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
