// The interpreter's operation set: every (opcode, src, off, imm) form the
// decoder accepts becomes exactly one of these, so the dispatch loop never
// looks at instruction fields to find out what to do. The list is an
// X-macro because two places must agree on it: the decoder (which names the
// operation) and the interpreter (which builds its jump table in this order).
#pragma once

#include <cstdint>

#define BPFFS_VM_ALU_OPS(X, W)                                                              \
    X(ADD##W##_K)                                                                           \
    X(ADD##W##_X)                                                                           \
    X(SUB##W##_K) X(SUB##W##_X) X(MUL##W##_K) X(MUL##W##_X) X(DIV##W##_K) X(DIV##W##_X)     \
        X(SDIV##W##_K) X(SDIV##W##_X) X(OR##W##_K) X(OR##W##_X) X(AND##W##_K) X(AND##W##_X) \
            X(LSH##W##_K) X(LSH##W##_X) X(RSH##W##_K) X(RSH##W##_X) X(NEG##W) X(MOD##W##_K) \
                X(MOD##W##_X) X(SMOD##W##_K) X(SMOD##W##_X) X(XOR##W##_K) X(XOR##W##_X)     \
                    X(MOV##W##_K) X(MOV##W##_X) X(MOVSX8_##W) X(MOVSX16_##W) X(ARSH##W##_K) \
                        X(ARSH##W##_X)

#define BPFFS_VM_JMP_OPS(X, W)                                                                    \
    X(JEQ##W##_K)                                                                                 \
    X(JEQ##W##_X)                                                                                 \
    X(JGT##W##_K) X(JGT##W##_X) X(JGE##W##_K) X(JGE##W##_X) X(JSET##W##_K) X(JSET##W##_X)         \
        X(JNE##W##_K) X(JNE##W##_X) X(JSGT##W##_K) X(JSGT##W##_X) X(JSGE##W##_K) X(JSGE##W##_X)   \
            X(JLT##W##_K) X(JLT##W##_X) X(JLE##W##_K) X(JLE##W##_X) X(JSLT##W##_K) X(JSLT##W##_X) \
                X(JSLE##W##_K) X(JSLE##W##_X)

#define BPFFS_VM_ATOMIC_OPS(X, W)                                                    \
    X(AADD##W)                                                                       \
    X(AOR##W)                                                                        \
    X(AAND##W) X(AXOR##W) X(AFADD##W) X(AFOR##W) X(AFAND##W) X(AFXOR##W) X(AXCHG##W) \
        X(ACMPXCHG##W)

#define BPFFS_VM_OPS(X)                                                                            \
    BPFFS_VM_ALU_OPS(X, 64)                                                                        \
    X(MOVSX32_64)                                                                                  \
    BPFFS_VM_ALU_OPS(X, 32)                                                                        \
    X(LE16)                                                                                        \
    X(LE32)                                                                                        \
    X(LE64) X(BE16) X(BE32) X(BE64) X(BSWAP16) X(BSWAP32) X(BSWAP64) X(JA) BPFFS_VM_JMP_OPS(X, 64) \
        BPFFS_VM_JMP_OPS(X, 32) X(CALL_HELPER) X(CALL_LOCAL) X(EXIT) X(LDDW) X(LDDW_HI) X(LDXB)    \
            X(LDXH) X(LDXW) X(LDXDW) X(LDXSB) X(LDXSH) X(LDXSW) X(PROBE_LDXB) X(PROBE_LDXH) X(PROBE_LDXW) X(PROBE_LDXDW) X(PROBE_LDXSB)             \
                X(PROBE_LDXSH) X(PROBE_LDXSW) X(STB) X(STH) X(STW) X(STDW)       \
                X(STXB) X(STXH) X(STXW) X(STXDW) BPFFS_VM_ATOMIC_OPS(X, 32)                        \
                    BPFFS_VM_ATOMIC_OPS(X, 64)

namespace bpffs::vm {

#define BPFFS_VM_ENUM(name) name,
enum class Op : uint16_t { BPFFS_VM_OPS(BPFFS_VM_ENUM) kCount };
#undef BPFFS_VM_ENUM

}  // namespace bpffs::vm
