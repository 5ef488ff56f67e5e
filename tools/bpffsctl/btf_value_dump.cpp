#include "tools/bpffsctl/btf_value_dump.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>

#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/json_writer.h"

namespace bpffsctl {

namespace {

using bpffs::btf::Btf;
using bpffs::btf::Type;
using Bytes = std::span<const uint8_t>;

struct Dumper {
    JsonWriter &jw;
    const Btf &btf;
    bool plain;
    int depth = 0;

    int type(uint32_t id, uint8_t bit_offset, Bytes data);
};

template <class T>
bool read(Bytes data, T &out) {
    if (data.size() < sizeof(T)) return false;
    memcpy(&out, data.data(), sizeof(T));
    return true;
}

// btf_int128_print: the value as hex, quoted in JSON.
void int128_print(JsonWriter &jw, uint64_t lower, uint64_t upper, bool plain) {
    std::string s = upper == 0 ? format("0x%llx", static_cast<unsigned long long>(lower))
                               : format("0x%llx%016llx", static_cast<unsigned long long>(upper),
                                        static_cast<unsigned long long>(lower));
    jw.raw(plain ? s : "\"" + s + "\"");
}

// btf_dumper_bitfield: nr_bits bits starting bit_offset bits into data
// (little-endian bit order), printed as hex.
int bitfield(JsonWriter &jw, uint32_t nr_bits, uint32_t bit_offset, Bytes data, bool plain) {
    uint32_t bits = bit_offset + nr_bits;
    size_t bytes = (bits + 7) / 8;
    if (bytes > 16 || data.size() < bytes || nr_bits == 0) return -EINVAL;
    unsigned __int128 v = 0;
    memcpy(&v, data.data(), bytes);
    v <<= (128 - bits);
    v >>= (128 - nr_bits);
    int128_print(jw, static_cast<uint64_t>(v), static_cast<uint64_t>(v >> 64), plain);
    return 0;
}

int int_value(JsonWriter &jw, const Type &t, uint8_t bit_offset, Bytes data, bool plain) {
    const uint32_t nr_bits = t.int_bits;
    if (bit_offset || t.int_offset || nr_bits % 8) {
        // btf_dumper_int_bits: whole bytes of the offset move the data.
        const uint32_t total = bit_offset + t.int_offset;
        if (total / 8 > data.size()) return -EINVAL;
        return bitfield(jw, nr_bits, total % 8, data.subspan(total / 8), plain);
    }
    if (nr_bits == 128) {
        uint64_t lo, hi;
        if (!read(data, lo) || !read(data.subspan(std::min<size_t>(8, data.size())), hi))
            return -EINVAL;
        int128_print(jw, lo, hi, plain);
        return 0;
    }
    switch (t.int_encoding) {
        case 0:
        case BTF_INT_SIGNED: {
            const bool sign = t.int_encoding == BTF_INT_SIGNED;
            if (nr_bits == 64) {
                uint64_t v;
                if (!read(data, v)) return -EINVAL;
                jw.raw(sign ? format("%lld", static_cast<long long>(v))
                            : format("%llu", static_cast<unsigned long long>(v)));
            } else if (nr_bits == 32) {
                uint32_t v;
                if (!read(data, v)) return -EINVAL;
                jw.raw(sign ? format("%d", static_cast<int32_t>(v)) : format("%u", v));
            } else if (nr_bits == 16) {
                uint16_t v;
                if (!read(data, v)) return -EINVAL;
                jw.raw(sign ? format("%hd", static_cast<int16_t>(v)) : format("%hu", v));
            } else if (nr_bits == 8) {
                uint8_t v;
                if (!read(data, v)) return -EINVAL;
                jw.raw(sign ? format("%hhd", static_cast<int8_t>(v)) : format("%hhu", v));
            } else {
                return bitfield(jw, nr_bits, bit_offset, data, plain);
            }
            return 0;
        }
        case BTF_INT_CHAR: {
            char c;
            if (!read(data, c)) return -EINVAL;
            if (isprint(static_cast<unsigned char>(c)))
                jw.raw(format("\"%c\"", c));
            else
                jw.raw(plain ? format("0x%hhx", static_cast<unsigned char>(c))
                             : format("\"\\u00%02hhx\"", static_cast<unsigned char>(c)));
            return 0;
        }
        case BTF_INT_BOOL: {
            uint8_t b;
            if (!read(data, b)) return -EINVAL;
            jw.bool_value(b != 0);
            return 0;
        }
        default:
            return -EINVAL;
    }
}

// is_str_array: a char array (modifiers skipped, typedefs not) whose bytes
// are printable up to a NUL inside it.
bool is_str_array(const Btf &btf, const Type &arr, Bytes data) {
    if (arr.array_nelems == 0 || arr.array_elem > btf.type_count()) return false;
    uint32_t id = arr.array_elem;
    for (int guard = 0; guard < 32; ++guard) {
        const Type &e = btf.type(id);
        if (e.kind == BTF_KIND_CONST || e.kind == BTF_KIND_VOLATILE ||
            e.kind == BTF_KIND_RESTRICT || e.kind == BTF_KIND_TYPE_TAG) {
            id = e.type;
            if (id == 0 || id > btf.type_count()) return false;
            continue;
        }
        if (e.kind != BTF_KIND_INT || e.size != 1) return false;
        if (e.int_encoding != BTF_INT_CHAR && e.name != "char") return false;
        size_t n = std::min<size_t>(arr.array_nelems, data.size());
        for (size_t i = 0; i < n; ++i) {
            auto c = static_cast<signed char>(data[i]);
            if (c == 0) return true;
            if (c <= 0x1f || c >= 0x7f) return false;
        }
        return false;
    }
    return false;
}

int Dumper::type(uint32_t id, uint8_t bit_offset, Bytes data) {
    if (++depth > 64 || id == 0 || id > btf.type_count()) {
        --depth;
        return -EINVAL;
    }
    const Type &t = btf.type(id);
    int ret = 0;
    switch (t.kind) {
        case BTF_KIND_INT:
            ret = int_value(jw, t, bit_offset, data, plain);
            break;
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
            jw.start_object();
            for (const auto &m : t.members) {
                jw.name(m.name);
                size_t off = m.bit_offset / 8;
                if (off > data.size()) {
                    ret = -EINVAL;
                    break;
                }
                Bytes at = data.subspan(off);
                if (m.bitfield_size) {
                    ret = bitfield(jw, m.bitfield_size, m.bit_offset % 8, at, plain);
                } else {
                    ret = type(m.type, static_cast<uint8_t>(m.bit_offset % 8), at);
                }
                if (ret) break;
            }
            jw.end_object();
            break;
        case BTF_KIND_ARRAY: {
            if (is_str_array(btf, t, data)) {
                jw.string(reinterpret_cast<const char *>(data.data()));
                break;
            }
            auto elem = btf.resolve_size(t.array_elem);
            if (!elem) {
                ret = -EINVAL;
                break;
            }
            jw.start_array();
            for (uint32_t i = 0; i < t.array_nelems; ++i) {
                size_t off = static_cast<size_t>(i) * *elem;
                if (off > data.size()) {
                    ret = -EINVAL;
                    break;
                }
                ret = type(t.array_elem, 0, data.subspan(off));
                if (ret) break;
            }
            jw.end_array();
            break;
        }
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64: {
            int64_t v = 0;
            switch (t.size) {
                case 8: {
                    int64_t x;
                    if (!read(data, x)) return --depth, -EINVAL;
                    v = x;
                    break;
                }
                case 4: {
                    int32_t x;
                    if (!read(data, x)) return --depth, -EINVAL;
                    v = x;
                    break;
                }
                case 2: {
                    int16_t x;
                    if (!read(data, x)) return --depth, -EINVAL;
                    v = x;
                    break;
                }
                case 1: {
                    int8_t x;
                    if (!read(data, x)) return --depth, -EINVAL;
                    v = x;
                    break;
                }
                default:
                    ret = -EINVAL;
            }
            if (ret) break;
            bool named = false;
            for (const auto &e : t.enumerators) {
                // ENUM values compare as the kernel's 32-bit val field.
                int64_t ev = t.kind == BTF_KIND_ENUM ? static_cast<int32_t>(e.value) : e.value;
                if (ev == v) {
                    jw.string(e.name);
                    named = true;
                    break;
                }
            }
            if (!named) jw.int_value(v);
            break;
        }
        case BTF_KIND_PTR: {
            uint64_t p;
            if (!read(data, p)) {
                ret = -EINVAL;
                break;
            }
            if (plain)
                jw.raw(p == 0 ? std::string("(nil)")
                              : format("0x%llx", static_cast<unsigned long long>(p)));
            else
                jw.raw(format("%lu", static_cast<unsigned long>(p)));
            break;
        }
        case BTF_KIND_FWD:
            jw.raw("(fwd-kind-invalid)");
            ret = -EINVAL;
            break;
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
            ret = type(t.type, bit_offset, data);
            break;
        case BTF_KIND_VAR:
            jw.start_object();
            jw.name(t.name);
            ret = type(t.type, bit_offset, data);
            jw.end_object();
            break;
        case BTF_KIND_DATASEC:
            jw.start_object();
            jw.name(t.name);
            jw.start_array();
            for (const auto &v : t.secinfos) {
                if (v.offset > data.size()) {
                    ret = -EINVAL;
                    break;
                }
                ret = type(v.type, 0, data.subspan(v.offset));
                if (ret) break;
            }
            jw.end_array();
            jw.end_object();
            break;
        case BTF_KIND_FLOAT: {
            if (t.size == 4) {
                float f;
                if (!read(data, f)) return --depth, -EINVAL;
                jw.raw(format("%f", f));
            } else if (t.size == 8) {
                double d;
                if (!read(data, d)) return --depth, -EINVAL;
                jw.raw(format("%lf", d));
            } else {
                jw.raw("(unsupported-float-size)");
                ret = -EINVAL;
            }
            break;
        }
        default:
            jw.raw("(unsupported-kind)");
            ret = -EINVAL;
    }
    --depth;
    return ret;
}

}  // namespace

int btf_dump_type(JsonWriter &jw, const Btf &btf, uint32_t type_id, Bytes data, bool plain_text) {
    Dumper d{jw, btf, plain_text};
    return d.type(type_id, 0, data);
}

int btf_dump_kv(JsonWriter &jw, const Btf &btf, const bpf_map_info &info, Bytes key, Bytes value,
                bool plain_text, bool per_cpu, unsigned ncpus) {
    Dumper d{jw, btf, plain_text};
    int ret = 0;
    jw.start_object();
    if (info.btf_key_type_id) {
        jw.name("key");
        ret = d.type(info.btf_key_type_id, 0, key);
    }
    if (ret == 0) {
        const uint32_t value_id = info.btf_vmlinux_value_type_id ? info.btf_vmlinux_value_type_id
                                                                 : info.btf_value_type_id;
        if (!per_cpu) {
            jw.name("value");
            ret = d.type(value_id, 0, value);
        } else {
            const size_t step = (info.value_size + 7u) & ~size_t{7};
            jw.name("values");
            jw.start_array();
            for (unsigned i = 0; i < ncpus; ++i) {
                jw.start_object();
                jw.int_field("cpu", i);
                jw.name("value");
                size_t off = i * step;
                ret = off <= value.size() ? d.type(value_id, 0, value.subspan(off)) : -EINVAL;
                jw.end_object();
                if (ret) break;
            }
            jw.end_array();
        }
    }
    jw.end_object();
    return ret;
}

}  // namespace bpffsctl
