// One instruction as the kernel's verifier log prints it, e.g.
// "r1 = *(u64 *)(r1 +8)", "if r0 == 0x0 goto pc+3", "call bpf_map_lookup_elem#1".
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/vm/isa.h"

namespace bpffs::vm::verifier {

struct DisasmNames {
    // Helper names by id ("bpf_map_lookup_elem"); empty for unknown ids.
    std::function<std::string(int32_t)> helper;
    // How a 64-bit immediate load at index is shown ("map[id:3]"); empty: the value.
    std::function<std::string(size_t)> imm64;
};

// The assignment an ALU operation prints as: "+=", "s>>=", "=" for mov.
const char *alu_symbol(uint8_t aop);

// insn is at index; next is the second half of an LDDW (ignored otherwise).
std::string disasm(const Insn &insn, const Insn *next, size_t index, const DisasmNames &names);

}  // namespace bpffs::vm::verifier
