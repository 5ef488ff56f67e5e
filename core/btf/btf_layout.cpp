#include "core/btf/btf_layout.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <string_view>

namespace bpffs::btf {

namespace {

// libbpf gives up resolving a size after this many links in a chain.
constexpr int kMaxResolveDepth = 32;
// Struct embedding cycles pass the parser (sizes are declared, not derived);
// alignment recursion stops here instead of exhausting the stack.
constexpr uint32_t kMaxAlignDepth = 1024;

bool is_long_name(std::string_view name) {
    static constexpr std::array<std::string_view, 11> kLongNames = {
        "long",
        "long int",
        "int long",
        "unsigned long",
        "long unsigned",
        "unsigned long int",
        "unsigned int long",
        "long unsigned int",
        "long int unsigned",
        "int unsigned long",
        "int long unsigned",
    };
    return std::find(kLongNames.begin(), kLongNames.end(), name) != kLongNames.end();
}

}  // namespace

uint32_t Layout::guess_pointer_size(const Btf &btf) {
    for (uint32_t id = 1; id <= btf.type_count(); id++) {
        const Type &t = btf.type(id);
        if (t.kind == BTF_KIND_INT && (t.size == 4 || t.size == 8) && is_long_name(t.name))
            return t.size;
    }
    return sizeof(void *);
}

int64_t Layout::size_of(uint32_t id) const {
    uint64_t nelems = 1;
    int64_t size = -1;
    for (int depth = 0; depth < kMaxResolveDepth && id != 0 && size < 0; depth++) {
        const Type &t = btf_.type(id);
        switch (t.kind) {
            case BTF_KIND_INT:
            case BTF_KIND_STRUCT:
            case BTF_KIND_UNION:
            case BTF_KIND_ENUM:
            case BTF_KIND_ENUM64:
            case BTF_KIND_DATASEC:
            case BTF_KIND_FLOAT:
                size = t.size;
                break;
            case BTF_KIND_PTR:
                size = ptr_size_;
                break;
            case BTF_KIND_TYPEDEF:
            case BTF_KIND_VOLATILE:
            case BTF_KIND_CONST:
            case BTF_KIND_RESTRICT:
            case BTF_KIND_VAR:
            case BTF_KIND_DECL_TAG:
            case BTF_KIND_TYPE_TAG:
                id = t.type;
                break;
            case BTF_KIND_ARRAY:
                if (nelems && t.array_nelems > UINT32_MAX / nelems) return -E2BIG;
                nelems *= t.array_nelems;
                id = t.array_elem;
                break;
            default:
                return -EINVAL;
        }
    }
    if (size < 0) return -EINVAL;
    if (nelems && static_cast<uint64_t>(size) > UINT32_MAX / nelems) return -E2BIG;
    return static_cast<int64_t>(nelems * static_cast<uint64_t>(size));
}

uint32_t Layout::align_of(uint32_t id) const {
    return align_of(id, 0);
}

uint32_t Layout::align_of(uint32_t id, uint32_t depth) const {
    if (depth > kMaxAlignDepth) return 0;
    const Type &t = btf_.type(id);
    switch (t.kind) {
        case BTF_KIND_INT:
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
        case BTF_KIND_FLOAT:
            return std::min(ptr_size_, t.size);
        case BTF_KIND_PTR:
            return ptr_size_;
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
            return align_of(t.type, depth + 1);
        case BTF_KIND_ARRAY:
            return align_of(t.array_elem, depth + 1);
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION: {
            uint32_t max_align = 1;
            for (const Member &m : t.members) {
                uint32_t align = align_of(m.type, depth + 1);
                if (align == 0) return 0;
                max_align = std::max(max_align, align);
                // A member off its natural alignment: the struct was packed.
                if (m.bitfield_size == 0 && m.bit_offset % (8 * align) != 0) return 1;
            }
            return t.size % max_align != 0 ? 1 : max_align;
        }
        default:
            return 0;
    }
}

bool Layout::is_packed(uint32_t struct_id) const {
    const Type &t = btf_.type(struct_id);
    uint32_t max_align = 1;
    for (const Member &m : t.members) {
        uint32_t align = align_of(m.type);
        if (align != 0 && m.bitfield_size == 0 && m.bit_offset % (8 * align) != 0) return true;
        max_align = std::max(max_align, align);
    }
    return t.size % max_align != 0;
}

}  // namespace bpffs::btf
