// BTF: the BPF Type Format. A parser and validator for the raw .BTF blob that
// clang emits and that BTF_LOAD carries, in the kernel's encoding
// (linux/btf.h). Hostile input gives an Error, never a crash: every offset,
// count and type reference is checked before use.
#pragma once

#include <linux/btf.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace bpffs::btf {

struct Member {
    std::string_view name;
    uint32_t type = 0;
    uint32_t bit_offset = 0;     // from the start of the struct
    uint32_t bitfield_size = 0;  // 0: not a bitfield
};

struct Param {
    std::string_view name;
    uint32_t type = 0;  // 0 with an empty name: variadic "..."
};

struct EnumValue {
    std::string_view name;
    int64_t value = 0;  // ENUM64 values above INT64_MAX keep their bits
};

struct VarSecInfo {
    uint32_t type = 0;
    uint32_t offset = 0;
    uint32_t size = 0;
};

// One decoded type. Only the fields of its kind are meaningful.
struct Type {
    uint32_t kind = BTF_KIND_UNKN;
    std::string_view name;
    uint32_t vlen = 0;
    bool kflag = false;
    uint32_t size = 0;  // INT, ENUM, ENUM64, STRUCT, UNION, DATASEC, FLOAT
    uint32_t type = 0;  // PTR, TYPEDEF, modifiers, FUNC, FUNC_PROTO (return), VAR, DECL_TAG

    uint32_t int_encoding = 0;  // BTF_INT_SIGNED, BTF_INT_CHAR, BTF_INT_BOOL
    uint32_t int_offset = 0;
    uint32_t int_bits = 0;

    uint32_t array_elem = 0;
    uint32_t array_index = 0;
    uint32_t array_nelems = 0;

    uint32_t linkage = 0;             // VAR (btf_var.linkage), FUNC (vlen)
    int32_t decl_component_idx = -1;  // DECL_TAG

    std::vector<Member> members;         // STRUCT, UNION
    std::vector<Param> params;           // FUNC_PROTO
    std::vector<EnumValue> enumerators;  // ENUM, ENUM64
    std::vector<VarSecInfo> secinfos;    // DATASEC
};

const char *kind_name(uint32_t kind);

class Btf {
  public:
    Btf() = default;
    // Movable, not copyable: names are views into the owned raw bytes.
    Btf(Btf &&) = default;
    Btf &operator=(Btf &&) = default;
    Btf(const Btf &) = delete;
    Btf &operator=(const Btf &) = delete;

    // Parses and validates a raw BTF blob (header, types, strings).
    static Result<Btf> parse(std::span<const uint8_t> raw);

    // Type ids run from 1 to type_count(); id 0 is void.
    uint32_t type_count() const { return static_cast<uint32_t>(types_.size() - 1); }
    const Type &type(uint32_t id) const { return types_.at(id); }
    const std::vector<uint8_t> &raw() const { return raw_; }

    // Follows typedefs and const/volatile/restrict/type_tag modifiers.
    uint32_t skip_modifiers(uint32_t id) const;
    // Byte size of a type (arrays multiply, pointers are 8), or an error
    // for types without a size (void, functions, forward declarations).
    Result<uint64_t> resolve_size(uint32_t id) const;
    // The first type with this name and kind.
    std::optional<uint32_t> find(std::string_view name, uint32_t kind) const;

    // A string by its offset in the string section, if valid.
    std::optional<std::string_view> string_at(uint32_t offset) const;

  private:
    Status decode_types(std::span<const uint8_t> types);
    Status check_references() const;
    Status check_sizes() const;
    bool member_fits(const Type &s, const Member &m) const;

    std::vector<uint8_t> raw_;
    std::string_view strings_;  // into raw_
    std::vector<Type> types_;   // [0] is void
};

}  // namespace bpffs::btf
