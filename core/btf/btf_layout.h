// Layout questions about BTF types answered as libbpf answers them
// (btf__pointer_size, btf__resolve_size, btf__align_of), for code that must
// print what libbpf-based tools print: the C dumper decides padding and
// `__attribute__((packed))` from these figures, so they follow libbpf's
// rules, including its depth limit and its view of packed members.
#pragma once

#include <cstdint>

#include "core/btf/btf.h"

namespace bpffs::btf {

class Layout {
  public:
    // pointer_size: 8 for a 64-bit ELF's .BTF; for raw BTF, see
    // guess_pointer_size().
    Layout(const Btf &btf, uint32_t pointer_size) : btf_(btf), ptr_size_(pointer_size) {}

    // What libbpf assumes for BTF without an ELF around it: the size of its
    // `long` (under any of C's spellings) if it has one of 4 or 8 bytes,
    // else the host's pointer size.
    static uint32_t guess_pointer_size(const Btf &btf);

    uint32_t pointer_size() const { return ptr_size_; }
    // Byte size, or a negative errno: EINVAL for types without a size or
    // chains deeper than libbpf follows, E2BIG past UINT32_MAX.
    int64_t size_of(uint32_t id) const;
    // Natural alignment in bytes; 1 for a struct whose layout shows it was
    // packed; 0 for types without one (void, functions, forward declarations).
    uint32_t align_of(uint32_t id) const;
    // Whether a struct's member offsets or size contradict natural
    // alignment, so that C needs `__attribute__((packed))` to reproduce it.
    bool is_packed(uint32_t struct_id) const;

  private:
    uint32_t align_of(uint32_t id, uint32_t depth) const;

    const Btf &btf_;
    uint32_t ptr_size_;
};

}  // namespace bpffs::btf
