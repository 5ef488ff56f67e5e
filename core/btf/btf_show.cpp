#include "core/btf/btf_show.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <string_view>

namespace bpffs::btf {
namespace {

constexpr size_t kNameBytes = 80;     // the kernel's name buffer, NUL included
constexpr int kNameChain = 10;        // typedef/array/pointer levels a name can show
constexpr int kIndentMax = 32;        // spaces of indentation at most
constexpr int kNestingMax = 64;       // recursion guard (the kernel relies on BTF checks)
constexpr size_t kSafeChunk = 32;     // bytes the kernel copies per safe read
constexpr uint64_t kMaxErrno = 4095;  // values above -4096 are error pointers
// Values shown at most per rendering: arrays of empty structs can have 2^32
// elements, and the silent pass (no BTF_F_ZERO) produces no output to stop at.
constexpr uint64_t kMaxSteps = uint64_t{1} << 24;

// The kernel's ctype table (lib/ctype.c): printable are ASCII 0x20-0x7e and
// Latin-1 0xa0-0xff.
bool kernel_isprint(uint8_t c) {
    return (c >= 0x20 && c <= 0x7e) || c >= 0xa0;
}

bool is_modifier(uint32_t kind) {
    return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE || kind == BTF_KIND_CONST ||
           kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPE_TAG;
}

// Kinds whose btf_type carries a size (the stride of array elements).
bool has_size(uint32_t kind) {
    switch (kind) {
        case BTF_KIND_INT:
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
        case BTF_KIND_ENUM:
        case BTF_KIND_DATASEC:
        case BTF_KIND_FLOAT:
        case BTF_KIND_ENUM64:
            return true;
        default:
            return false;
    }
}

template <class... Args>
std::string format(const char *fmt, Args... args) {
    char buf[64];
    int n = std::snprintf(buf, sizeof(buf), fmt, args...);
    return std::string(buf, n > 0 ? std::min<size_t>(n, sizeof(buf) - 1) : 0);
}

// 0x followed by 16 lowercase hex digits, as %px prints a pointer.
std::string pointer_text(uint64_t v) {
    return format("0x%016llx", static_cast<unsigned long long>(v));
}

// One rendering: the state the kernel keeps in struct btf_show while it
// walks a type. Members, arrays and the "is anything non-zero below"
// pre-pass all depend on this shared state, so it is kept as the kernel
// keeps it rather than passed down.
class Shower {
  public:
    Shower(const Btf &btf, uint64_t flags, std::string &out, const ReadableFn &readable,
           size_t limit)
        : btf_(btf), flags_(flags), out_(out), readable_(readable), limit_(limit) {}

    int run(uint32_t type_id, const uint8_t *obj) {
        if (type_id > btf_.type_count()) return -EINVAL;
        if (auto size = btf_.resolve_size(type_id)) {
            obj_head_ = obj;
            obj_size_ = *size;
        }
        show(btf_.type(type_id), type_id, obj, 0);
        return status_;
    }

  private:
    bool flag(uint64_t f) const { return (flags_ & f) != 0; }
    bool stopped() const { return out_.size() > limit_ || steps_ > kMaxSteps; }

    // ---- output ----

    void emit(std::string_view s) {
        if (depth_check_ == 0 && !stopped()) out_.append(s);
    }

    std::string indent() const {
        if (flag(kShowCompact)) return "";
        return std::string(std::min(depth_, kIndentMax), ' ');
    }
    const char *newline() const { return flag(kShowCompact) ? "" : "\n"; }
    const char *delim() const {
        if (depth_ == 0) return "";
        if (flag(kShowCompact) && type_ != nullptr && type_->kind == BTF_KIND_UNION) return "|";
        return ",";
    }

    // A scalar: left out when zero inside an aggregate, unless kShowZero.
    void value(const std::string &text, bool zero) {
        if (zero && !flag(kShowZero) && depth_ != 0) return;
        values(text);
    }
    void values(const std::string &text) {
        emit(indent() + name() + text + delim() + newline());
        depth_to_show_ = std::max(depth_to_show_, depth_);
    }

    const Type &skip_qualifiers(uint32_t id) const {
        for (uint32_t steps = 0; steps <= btf_.type_count(); steps++) {
            const Type &t = btf_.type(id);
            if (!is_modifier(t.kind) || t.kind == BTF_KIND_TYPEDEF) return t;
            id = t.type;
            if (id > btf_.type_count()) break;
        }
        return btf_.type(0);
    }

    // "[.member = ](type name)" and the opening brace, or just the brace
    // with kShowNoname; nothing for array elements.
    std::string name() const {
        if (array_member_) return "";
        uint32_t id = type_id_;
        std::string_view member;
        if (member_ != nullptr) {
            member = member_->name;
            id = member_->type;
        }
        if (id > btf_.type_count()) return "";
        const Type *t = &btf_.type(id);
        std::optional<std::string_view> type_name;
        bool seen_typedef = false, seen_array = false, seen_ptr = false;
        int arrays = 0, pointers = 0;
        std::string parens;
        int i = 0;
        for (; i < kNameChain; i++) {
            switch (t->kind) {
                case BTF_KIND_TYPEDEF:
                    if (!type_name) type_name = t->name;
                    seen_typedef = true;
                    id = t->type;
                    break;
                case BTF_KIND_ARRAY:
                    seen_array = true;
                    parens = "[";
                    arrays = std::min(arrays + 1, kNameChain);
                    id = t->array_elem;
                    break;
                case BTF_KIND_PTR:
                    seen_ptr = true;
                    pointers = std::min(pointers + 1, kNameChain);
                    id = t->type;
                    break;
                default:
                    id = 0;
                    break;
            }
            if (id == 0 || id > btf_.type_count()) break;
            t = &skip_qualifiers(id);
        }
        if (i == kNameChain) return "";
        if (!type_name) type_name = t->name;
        std::string_view prefix;
        if (t->kind == BTF_KIND_STRUCT || t->kind == BTF_KIND_UNION) {
            prefix = t->kind == BTF_KIND_STRUCT ? "struct" : "union";
            if (!seen_array) parens = "{";
        } else if (t->kind == BTF_KIND_ENUM || t->kind == BTF_KIND_ENUM64) {
            prefix = "enum";
        }
        if (seen_ptr) parens.clear();
        if (seen_typedef) prefix = {};
        if (flag(kShowNoname)) return parens;

        std::string s;
        if (!member.empty()) s.append(".").append(member).append(" = ");
        s.append("(").append(prefix);
        if (!prefix.empty() && !type_name->empty()) s.append(" ");
        s.append(*type_name);
        if (pointers > 0) s.append(" ").append(std::string(pointers, '*'));
        for (int a = 0; a < arrays; a++)
            s.append("[]");
        s.append(")").append(parens);
        if (s.size() > kNameBytes - 1) s.resize(kNameBytes - 1);
        return s;
    }

    // ---- data access ----

    // The data of a type being started, or nullptr when it may not be read
    // (status -EFAULT) or has no size (status -EINVAL).
    const uint8_t *start_type(const Type &t, uint32_t type_id, const uint8_t *data) {
        type_ = &t;
        type_id_ = type_id;
        if (flag(kShowUnsafe)) return data;
        auto size = btf_.resolve_size(type_id);
        if (!size) {
            status_ = -EINVAL;
            return nullptr;
        }
        size_t want = std::min<uint64_t>(*size, kSafeChunk);
        if (data >= obj_head_ && data < obj_head_ + obj_size_)
            want = std::min<size_t>(want, obj_head_ + obj_size_ - data);
        if (want != 0 && readable_ && !readable_(data, want)) {
            status_ = -EFAULT;
            return nullptr;
        }
        status_ = 0;
        return data;
    }
    void end_type() {
        type_ = nullptr;
        type_id_ = 0;
    }

    // Up to len bytes at data, zero-extended, never past the object's end
    // (the kernel reads an enum as 4 bytes whatever its size).
    uint64_t load(const uint8_t *data, size_t len) const {
        uint64_t v = 0;
        read_bytes(&v, data, std::min<size_t>(len, sizeof(v)));
        return v;
    }

    // Copies len bytes at data; bytes outside the object being shown read
    // as zero. Members can lie past their type's declared size (clang's
    // DATASECs have size 0 until fixed up; hostile BTF), and the object is
    // all the caller's buffer holds.
    void read_bytes(void *dst, const uint8_t *data, size_t len) const {
        if (obj_head_ == nullptr) {
            std::memcpy(dst, data, len);
            return;
        }
        std::memset(dst, 0, len);
        auto begin = reinterpret_cast<uintptr_t>(data);
        auto head = reinterpret_cast<uintptr_t>(obj_head_);
        uintptr_t from = std::max(begin, head);
        uintptr_t to = std::min(begin + len, head + obj_size_);
        if (from < to)
            std::memcpy(static_cast<uint8_t *>(dst) + (from - begin), obj_head_ + (from - head),
                        to - from);
    }

    // ---- aggregates ----

    const uint8_t *start_aggregate(const Type &t, uint32_t type_id, const uint8_t *data) {
        const uint8_t *safe = start_type(t, type_id, data);
        if (safe == nullptr) return nullptr;
        emit(indent() + name() + newline());
        depth_++;
        return safe;
    }
    void end_aggregate(const char *suffix) {
        depth_--;
        emit(indent() + suffix + delim() + newline());
        end_type();
    }

    // Without kShowZero a nested aggregate is shown only when something in
    // it is non-zero: a silent first pass finds out (depth_to_show), then
    // the real pass prints. Only the outermost such aggregate runs the
    // pre-pass; nested ones print within it.
    template <class ShowFn>
    void show_if_nonzero(const ShowFn &show_fn) {
        const Member *member = member_;
        if (depth_ > 0 && !flag(kShowZero)) {
            if (depth_check_ == 0) {
                depth_check_ = depth_ + 1;
                depth_to_show_ = 0;
            }
            show_fn();
            member_ = member;
            if (depth_check_ != depth_ + 1) return;
            depth_check_ = 0;
            if (depth_to_show_ <= depth_) return;
        }
        show_fn();
    }

    void show_struct(const Type &t, uint32_t type_id, const uint8_t *data) {
        if (start_aggregate(t, type_id, data) == nullptr) return;
        for (const Member &m : t.members) {
            if (stopped()) break;
            member_ = &m;
            const uint8_t *at = data + m.bit_offset / 8;
            uint8_t bits = m.bit_offset % 8;
            if (m.type <= btf_.type_count()) {
                const Type &mt = btf_.type(m.type);
                if (m.bitfield_size != 0) {
                    if (const uint8_t *safe = start_type(mt, m.type, at))
                        show_bits(safe, bits, m.bitfield_size);
                    end_type();
                } else {
                    show(mt, m.type, at, bits);
                }
            }
            member_ = nullptr;
        }
        end_aggregate("}");
    }

    void show_array(const Type &t, uint32_t type_id, const uint8_t *data, uint8_t bits_offset) {
        uint32_t elem_id = t.array_elem;
        uint32_t elem_resolved = btf_.skip_modifiers(elem_id);
        const Type &elem = btf_.type(elem_resolved);
        size_t stride = has_size(elem.kind) ? elem.size : 0;
        uint32_t encoding = 0;
        if (elem.kind == BTF_KIND_INT) {
            encoding = elem.int_encoding;
            // clang never sets BTF_INT_CHAR: arrays of bytes count as text.
            if (stride == 1) encoding = BTF_INT_CHAR;
        }
        array_encoding_ = encoding;
        array_terminated_ = false;
        if (start_aggregate(t, type_id, data) == nullptr) return;
        if (elem_resolved != 0) {
            for (uint32_t i = 0; i < t.array_nelems && !stopped(); i++) {
                array_member_ = true;
                member_ = nullptr;
                show(elem, elem_id, data, bits_offset);
                data += stride;
                array_member_ = false;
                member_ = nullptr;
                if (array_terminated_) break;
            }
        }
        array_encoding_ = 0;
        array_terminated_ = false;
        end_aggregate("]");
    }

    void show_datasec(const Type &t, uint32_t type_id, const uint8_t *data, uint8_t bits_offset) {
        if (start_type(t, type_id, data) == nullptr) return;
        std::string_view section = t.name.empty() ? std::string_view("(anon)") : t.name;
        value("section (\"" + std::string(section) + "\") = {", false);
        bool first = true;
        for (const VarSecInfo &v : t.secinfos) {
            if (!first) emit(",");
            first = false;
            if (v.type <= btf_.type_count())
                show(btf_.type(v.type), v.type, data + v.offset, bits_offset);
        }
        end_type();
    }

    // ---- scalars ----

    // nr_bits bits starting bits_offset bits into data, in hex.
    void show_bits(const uint8_t *data, uint8_t bits_offset, uint32_t nr_bits) {
        unsigned copy_bits = nr_bits + bits_offset;
        size_t copy_bytes = std::min<size_t>((copy_bits + 7) / 8, 16);
        unsigned __int128 v = 0;
        read_bytes(&v, data, copy_bytes);
        v >>= bits_offset;
        if (nr_bits < 128) v &= (static_cast<unsigned __int128>(1) << nr_bits) - 1;
        show_u128(v);
    }

    void show_u128(unsigned __int128 v) {
        auto upper = static_cast<unsigned long long>(v >> 64);
        auto lower = static_cast<unsigned long long>(v);
        if (upper == 0)
            value(format("0x%llx", lower), lower == 0);
        else
            values(format("0x%llx%016llx", upper, lower));
    }

    void show_int(const Type &t, uint32_t type_id, const uint8_t *data, uint8_t bits_offset) {
        const uint8_t *safe = start_type(t, type_id, data);
        if (safe == nullptr) return;
        bool sign = (t.int_encoding & BTF_INT_SIGNED) != 0;
        uint32_t bits = t.int_bits;
        if (bits_offset != 0 || t.int_offset != 0 || bits % 8 != 0) {
            show_int_bits(t, safe, bits_offset);
        } else {
            switch (bits) {
                case 128: {
                    unsigned __int128 v;
                    read_bytes(&v, safe, sizeof(v));
                    show_u128(v);
                    break;
                }
                case 64: {
                    uint64_t v = load(safe, 8);
                    value(sign ? format("%lld", static_cast<long long>(v))
                               : format("%llu", static_cast<unsigned long long>(v)),
                          v == 0);
                    break;
                }
                case 32: {
                    auto v = static_cast<uint32_t>(load(safe, 4));
                    value(sign ? format("%d", static_cast<int32_t>(v)) : format("%u", v), v == 0);
                    break;
                }
                case 16: {
                    auto v = static_cast<uint16_t>(load(safe, 2));
                    value(sign ? format("%d", static_cast<int16_t>(v)) : format("%u", unsigned{v}),
                          v == 0);
                    break;
                }
                case 8:
                    show_byte(static_cast<uint8_t>(load(safe, 1)), sign);
                    break;
                default:
                    show_int_bits(t, safe, bits_offset);
                    break;
            }
        }
        end_type();
    }

    void show_int_bits(const Type &t, const uint8_t *data, uint8_t bits_offset) {
        unsigned total = bits_offset + t.int_offset;
        show_bits(data + total / 8, total % 8, t.int_bits);
    }

    void show_byte(uint8_t c, bool sign) {
        if (array_encoding_ == BTF_INT_CHAR) {
            if (array_terminated_) return;
            if (c == 0) {
                array_terminated_ = true;
                return;
            }
            if (kernel_isprint(c)) {
                value(std::string("'") + static_cast<char>(c) + "'", false);
                return;
            }
        }
        value(sign ? format("%d", static_cast<int8_t>(c)) : format("%u", unsigned{c}), c == 0);
    }

    void show_ptr(const Type &t, uint32_t type_id, const uint8_t *data) {
        const uint8_t *safe = start_type(t, type_id, data);
        if (safe == nullptr) return;
        uint64_t p = load(safe, 8);
        bool raw = flag(kShowPtrRaw) || p == 0 || p >= ~kMaxErrno + 1;
        value(pointer_text(raw ? p : hashed_pointer(p)), p == 0);
        end_type();
    }

    void show_enum(const Type &t, uint32_t type_id, const uint8_t *data) {
        const uint8_t *safe = start_type(t, type_id, data);
        if (safe == nullptr) return;
        auto v = static_cast<int32_t>(load(safe, 4));
        for (const EnumValue &e : t.enumerators) {
            if (static_cast<int32_t>(e.value) != v) continue;
            value(std::string(e.name), false);
            end_type();
            return;
        }
        value(t.kflag ? format("%d", v) : format("%u", static_cast<uint32_t>(v)), v == 0);
        end_type();
    }

    void show_enum64(const Type &t, uint32_t type_id, const uint8_t *data) {
        const uint8_t *safe = start_type(t, type_id, data);
        if (safe == nullptr) return;
        uint64_t v = load(safe, 8);
        for (const EnumValue &e : t.enumerators) {
            if (static_cast<uint64_t>(e.value) != v) continue;
            value(std::string(e.name), false);
            end_type();
            return;
        }
        value(t.kflag ? format("%lld", static_cast<long long>(v))
                      : format("%llu", static_cast<unsigned long long>(v)),
              v == 0);
        end_type();
    }

    // ---- dispatch ----

    void show(const Type &t, uint32_t type_id, const uint8_t *data, uint8_t bits_offset) {
        if (nesting_ >= kNestingMax || stopped()) return;
        nesting_++;
        steps_++;
        switch (t.kind) {
            case BTF_KIND_INT:
                show_int(t, type_id, data, bits_offset);
                break;
            case BTF_KIND_PTR:
                show_ptr(t, type_id, data);
                break;
            case BTF_KIND_ARRAY:
                show_if_nonzero([&] { show_array(t, type_id, data, bits_offset); });
                break;
            case BTF_KIND_STRUCT:
            case BTF_KIND_UNION:
                show_if_nonzero([&] { show_struct(t, type_id, data); });
                break;
            case BTF_KIND_ENUM:
                show_enum(t, type_id, data);
                break;
            case BTF_KIND_ENUM64:
                show_enum64(t, type_id, data);
                break;
            case BTF_KIND_TYPEDEF:
            case BTF_KIND_VOLATILE:
            case BTF_KIND_CONST:
            case BTF_KIND_RESTRICT:
            case BTF_KIND_TYPE_TAG:
            case BTF_KIND_VAR: {
                // Shown as the type it resolves to, under that type's id.
                uint32_t resolved = btf_.skip_modifiers(t.kind == BTF_KIND_VAR ? t.type : type_id);
                if (resolved != 0) show(btf_.type(resolved), resolved, data, bits_offset);
                break;
            }
            case BTF_KIND_DATASEC:
                show_datasec(t, type_id, data, bits_offset);
                break;
            case BTF_KIND_UNKN:
                break;  // void has no value to show
            default:
                // Kinds without a show operation print their number (FLOAT: 16).
                emit("<unsupported kind:" + std::to_string(t.kind) + ">");
                break;
        }
        nesting_--;
    }

    const Btf &btf_;
    uint64_t flags_;
    std::string &out_;
    const ReadableFn &readable_;
    size_t limit_;

    const uint8_t *obj_head_ = nullptr;
    uint64_t obj_size_ = 0;
    int depth_ = 0;
    int depth_check_ = 0;  // non-zero: silent pre-pass below this depth
    int depth_to_show_ = 0;
    const Type *type_ = nullptr;
    uint32_t type_id_ = 0;
    const Member *member_ = nullptr;
    bool array_member_ = false;
    uint32_t array_encoding_ = 0;
    bool array_terminated_ = false;
    int status_ = 0;
    int nesting_ = 0;
    uint64_t steps_ = 0;
};

uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

}  // namespace

int show_type(const Btf &btf, uint32_t type_id, const void *obj, uint64_t flags, std::string &out,
              const ReadableFn &readable, size_t limit) {
    Shower shower(btf, flags, out, readable, limit);
    return shower.run(type_id, static_cast<const uint8_t *>(obj));
}

uint64_t hashed_pointer(uint64_t value) {
    static const uint64_t key = [] {
        std::random_device rd;
        return (uint64_t{rd()} << 32) ^ rd();
    }();
    return mix64(value ^ key) & 0xffffffffULL;
}

}  // namespace bpffs::btf
