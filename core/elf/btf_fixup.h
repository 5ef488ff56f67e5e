// Completing the object's .BTF before BTF_LOAD, as libbpf does: clang
// leaves DATASEC sizes and variable offsets at zero in relocatable objects;
// they are filled in from the ELF section sizes and symbol values.
#pragma once

#include <cstdint>
#include <vector>

#include "core/elf/object_file.h"
#include "core/result.h"

namespace bpffs::elf {

// Returns a copy of the raw BTF blob with every DATASEC that names an ELF
// section given that section's size and its variables' symbol offsets.
Result<std::vector<uint8_t>> fixup_datasecs(const std::vector<uint8_t> &raw, const ObjectFile &obj);

}  // namespace bpffs::elf
