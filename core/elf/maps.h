// The maps a BPF object declares, turned into MAP_CREATE specifications:
//  - BTF-defined maps of the `.maps` section (a DATASEC of anonymous
//    structs whose members encode the attributes, libbpf's __uint/__type);
//  - legacy `struct bpf_map_def` records of the `maps` section;
//  - global data: `.data*`, `.rodata*` (incl. the compiler's string
//    sections) and `.bss`, each a single-element array map named as libbpf
//    names it ("<object prefix>.rodata", or the section itself when the
//    section name has a second dot).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/btf/btf.h"
#include "core/elf/object_file.h"
#include "core/map.h"
#include "core/result.h"

namespace bpffs::elf {

enum class MapOrigin { btf_defined, legacy, global_data };

// libbpf's pinning attribute values.
inline constexpr uint32_t kPinNone = 0;
inline constexpr uint32_t kPinByName = 1;

struct MapDef {
    MapSpec spec;          // btf_key/value_type_id refer to the object's BTF
    std::string var_name;  // the C variable (".rodata" etc. for global data)
    MapOrigin origin = MapOrigin::btf_defined;
    size_t section_index = 0;
    uint64_t section_offset = 0;  // where the definition starts in its section
    uint64_t definition_size = 0;
    std::vector<uint8_t> initial_value;  // global data: the section's bytes
    bool freeze = false;                 // freeze after the value is written
    uint32_t pinning = kPinNone;
};

// Reads every map of the object. object_name is libbpf's object name (the
// file name up to its first dot); btf may be null for objects without .BTF,
// which then cannot hold BTF-defined maps.
Result<std::vector<MapDef>> find_maps(const ObjectFile &obj, const btf::Btf *btf,
                                      std::string_view object_name);

// libbpf's name for the map of a global data section.
std::string global_data_map_name(std::string_view object_name, std::string_view section_name);

// Whether a section holds global data that becomes a map.
bool is_global_data_section(const Section &sec);

}  // namespace bpffs::elf
