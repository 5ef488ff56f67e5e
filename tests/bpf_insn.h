// One struct bpf_insn from its fields, for the tests that write programs
// instruction by instruction (no assembler between them and bpf(2)'s ABI).
#pragma once

#include <linux/bpf.h>

#include <cstdint>

namespace bpffs::test {

inline bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst;
    i.src_reg = src;
    i.off = off;
    i.imm = imm;
    return i;
}

}  // namespace bpffs::test
