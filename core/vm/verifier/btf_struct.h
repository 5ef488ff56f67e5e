// The BTF-described objects iterator programs may read (the kernel's
// PTR_TO_BTF_ID): struct bpf_iter_meta, seq_file, bpf_map, bpf_prog,
// bpf_prog_aux, bpf_link as bpffsd lays them out (core/btf/kernel_types.h,
// the same header its BTF is generated from). Reads are allowed anywhere
// inside the struct; an 8-byte read of a pointer field yields a pointer to
// the pointed-to struct (or a scalar for pointers to non-structs, such as
// strings), which is not NULL-checked, as in the kernel: such loads run as
// probe loads that yield 0 on a bad address.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bpffs::vm::verifier {

struct BtfStruct;

struct BtfPtrField {
    uint32_t offset = 0;
    const BtfStruct *target = nullptr;  // nullptr: a pointer to a non-struct (a scalar when read)
};

struct BtfStruct {
    std::string name;
    uint32_t size = 0;
    std::vector<BtfPtrField> pointers;

    const BtfPtrField *pointer_at(uint32_t offset) const {
        for (const auto &p : pointers)
            if (p.offset == offset) return &p;
        return nullptr;
    }
};

}  // namespace bpffs::vm::verifier
