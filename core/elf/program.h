// Programs of a BPF object, found by libbpf's section-name conventions
// ("section names are an API"): every global function in a code section is
// one entry program; `.text` holds sub-programs. bpffsd supports iterator
// programs (`iter/<target>`, sleepable `iter.s/<target>`); every other
// known libbpf prefix is refused with "not supported yet", and an unknown
// code section is refused by name.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/elf/object_file.h"
#include "core/result.h"

namespace bpffs::elf {

// What a section name says about the programs in it.
struct SectionKind {
    uint32_t prog_type = 0;             // enum bpf_prog_type
    uint32_t expected_attach_type = 0;  // enum bpf_attach_type
    std::string attach_target;          // "bpf_map" for "iter/bpf_map"
    bool sleepable = false;
};

// Classifies a code section: iterator sections give their kind, other known
// libbpf prefixes give EOPNOTSUPP, unknown names EINVAL.
Result<SectionKind> classify_section(std::string_view section_name);

struct ProgramSpec {
    std::string name;         // the function's symbol name
    std::string kernel_name;  // the name PROG_LOAD takes (BPF_OBJ_NAME_LEN - 1 chars)
    std::string section_name;
    SectionKind kind;
    size_t section_index = 0;
    size_t insn_offset = 0;  // in instructions, within the section
    size_t insn_count = 0;

    // After relocate(): the flattened, relocated instructions, the indexes
    // (into ObjectSpec::maps) of the maps they reference, and func/line
    // info rebased onto the flattened program (instruction units).
    std::vector<bpf_insn> insns;
    std::vector<size_t> map_indexes;
    std::vector<bpf_func_info> func_info;
    std::vector<bpf_line_info> line_info;
};

// The entry programs of every code section other than `.text`, in section
// then address order.
Result<std::vector<ProgramSpec>> find_programs(const ObjectFile &obj);

// The name the kernel keeps for a program or map: at most 15 characters.
std::string kernel_object_name(std::string_view name);

}  // namespace bpffs::elf
