// The client-side BPF object loader: from the bytes of a clang-compiled
// object to what the daemon's MAP_CREATE, BTF_LOAD and PROG_LOAD take.
//
//   auto spec = load_object(bytes, "it.bpf.o");        // parse, no fds yet
//   ... BTF_LOAD(spec->btf), MAP_CREATE each spec->maps[i].spec, write the
//       initial values, freeze where MapDef::freeze says ...
//   relocate(*spec, map_fds, &daemon_btf);              // CO-RE + fds
//   ... PROG_LOAD each spec->programs[i].insns ...
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/btf/btf.h"
#include "core/elf/btf_ext.h"
#include "core/elf/maps.h"
#include "core/elf/object_file.h"
#include "core/elf/program.h"
#include "core/result.h"

namespace bpffs::elf {

// The parsed object that relocate() works from; shared, never modified.
struct ParsedObject {
    ObjectFile file;
    std::optional<btf::Btf> btf;  // the fixed-up .BTF, if the object has one
    BtfExt ext;
};

struct ObjectSpec {
    std::string name;     // libbpf's object name: the file name up to its first '.'
    std::string license;  // the "license" section, "" when absent
    uint32_t kern_version = 0;
    std::vector<ProgramSpec> programs;
    std::vector<MapDef> maps;
    std::vector<uint8_t> btf;  // the object's .BTF with DATASECs completed; empty if none
    std::shared_ptr<const ParsedObject> parsed;
};

// libbpf's object name for a path: "dir/it.bpf.o" -> "it".
std::string object_name_from_path(std::string_view path);

// Parses an object; file_name (a path or a name) gives the object name.
Result<ObjectSpec> load_object(std::span<const uint8_t> bytes, std::string_view file_name);
Result<ObjectSpec> load_object_file(const std::string &path);

// Applies CO-RE against target_btf (required when the object has CO-RE
// relocations) and relocates every program with the maps' fds
// (map_fds[i] belongs to spec.maps[i]; unreferenced maps may have -1).
Status relocate(ObjectSpec &spec, const std::vector<int> &map_fds, const btf::Btf *target_btf);

}  // namespace bpffs::elf
