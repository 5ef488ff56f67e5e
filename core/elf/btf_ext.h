// .BTF.ext: the per-instruction BTF annotations clang emits next to .BTF —
// func_info (which BTF FUNC starts where), line_info (source lines) and the
// CO-RE relocation records — grouped by code section. Every record size,
// count and string offset is checked; instruction offsets are kept in
// bytes, as in the ELF file.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/btf/btf.h"
#include "core/result.h"

namespace bpffs::elf {

// One CO-RE relocation record (struct bpf_core_relo in the kernel's UAPI).
struct CoreRelo {
    uint32_t insn_off = 0;  // bytes within the section
    uint32_t type_id = 0;   // local (object) BTF type the access starts from
    std::string access;     // "0:1:2": the access string
    uint32_t kind = 0;      // enum bpf_core_relo_kind
};

struct BtfExt {
    // Keyed by section name. insn_off fields are byte offsets here.
    std::map<std::string, std::vector<bpf_func_info>> func_info;
    std::map<std::string, std::vector<bpf_line_info>> line_info;
    std::map<std::string, std::vector<CoreRelo>> core_relos;
};

// Parses .BTF.ext; names are resolved in the object's BTF string table.
Result<BtfExt> parse_btf_ext(std::span<const uint8_t> raw, const btf::Btf &btf);

}  // namespace bpffs::elf
