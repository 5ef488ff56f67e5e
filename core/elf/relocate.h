// Relocation and flattening, as libbpf does them: each entry program gets
// its own instruction stream, the program followed by the transitive
// closure of the `.text` sub-programs it calls (BPF_PSEUDO_CALL) or takes
// the address of (ldimm64 BPF_PSEUDO_FUNC), with relative offsets patched;
// ldimm64 references to maps become BPF_PSEUDO_MAP_FD (imm = the map's fd)
// and references to global data BPF_PSEUDO_MAP_VALUE (imm = fd, second imm
// = offset of the variable in the section's map value).
#pragma once

#include <linux/bpf.h>

#include <map>
#include <string>
#include <vector>

#include "core/elf/btf_ext.h"
#include "core/elf/maps.h"
#include "core/elf/object_file.h"
#include "core/elf/program.h"
#include "core/result.h"

namespace bpffs::elf {

// The code sections' instructions (after CO-RE), by section index.
using SectionCode = std::map<size_t, std::vector<bpf_insn>>;

struct RelocationInputs {
    const ObjectFile &obj;
    const SectionCode &code;
    const std::vector<MapDef> &maps;
    const std::vector<int> &map_fds;  // one per map, in the same order
    const BtfExt *ext = nullptr;      // for func_info/line_info; may be null
};

// Fills prog.insns, prog.map_indexes, prog.func_info and prog.line_info.
Status relocate_program(ProgramSpec &prog, const RelocationInputs &in);

}  // namespace bpffs::elf
