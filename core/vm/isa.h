// The eBPF instruction set (RFC 9669): the encoding of one instruction, the
// opcode fields, and how instructions are classified into conformance groups
// and clang -mcpu versions.
#pragma once

#include <cstdint>
#include <string>

namespace bpffs::vm {

// One 8-byte instruction slot. LDDW (64-bit immediate load) takes two slots:
// the second carries the upper 32 bits of the immediate in its imm.
// A trivial type (copied with memcpy from bytecode); write Insn{} for zero.
struct Insn {
    uint8_t code;
    uint8_t dst : 4;
    uint8_t src : 4;
    int16_t off;
    int32_t imm;
};
static_assert(sizeof(Insn) == 8, "an eBPF instruction is 8 bytes");

inline constexpr int kRegisterCount = 11;  // r0..r10
inline constexpr int kFrameRegister = 10;  // r10: read-only frame pointer
inline constexpr int kStackSize = 512;     // bytes per frame
inline constexpr int kMaxFrames = 8;       // main program + 7 nested bpf-to-bpf calls

namespace op {
// Instruction classes (low 3 bits of code).
inline constexpr uint8_t kLd = 0x00, kLdx = 0x01, kSt = 0x02, kStx = 0x03;
inline constexpr uint8_t kAlu = 0x04, kJmp = 0x05, kJmp32 = 0x06, kAlu64 = 0x07;

// Source operand bit of ALU and JMP classes.
inline constexpr uint8_t kK = 0x00, kX = 0x08;

// ALU operations (high 4 bits).
inline constexpr uint8_t kAdd = 0x00, kSub = 0x10, kMul = 0x20, kDiv = 0x30, kOr = 0x40,
                         kAnd = 0x50, kLsh = 0x60, kRsh = 0x70, kNeg = 0x80, kMod = 0x90,
                         kXor = 0xa0, kMov = 0xb0, kArsh = 0xc0, kEnd = 0xd0;

// Jump operations (high 4 bits).
inline constexpr uint8_t kJa = 0x00, kJeq = 0x10, kJgt = 0x20, kJge = 0x30, kJset = 0x40,
                         kJne = 0x50, kJsgt = 0x60, kJsge = 0x70, kCall = 0x80, kExit = 0x90,
                         kJlt = 0xa0, kJle = 0xb0, kJslt = 0xc0, kJsle = 0xd0;

// Load/store size (bits 3-4) and mode (bits 5-7).
inline constexpr uint8_t kW = 0x00, kH = 0x08, kB = 0x10, kDW = 0x18;
inline constexpr uint8_t kImm = 0x00, kAbs = 0x20, kInd = 0x40, kMem = 0x60, kMemsx = 0x80,
                         kAtomic = 0xc0;

// Byte-swap direction (the source bit of ALU|END).
inline constexpr uint8_t kToLe = 0x00, kToBe = 0x08;

// Atomic operations (in imm of STX|ATOMIC).
inline constexpr int32_t kFetch = 0x01;
inline constexpr int32_t kAtomicAdd = 0x00, kAtomicOr = 0x40, kAtomicAnd = 0x50, kAtomicXor = 0xa0,
                         kXchg = 0xe0 | kFetch, kCmpxchg = 0xf0 | kFetch;

// Source field of LDDW (64-bit immediate forms) and CALL.
inline constexpr uint8_t kPseudoMapFd = 1, kPseudoMapValue = 2, kPseudoBtfId = 3, kPseudoFunc = 4,
                         kPseudoMapIdx = 5, kPseudoMapIdxValue = 6;
inline constexpr uint8_t kCallHelper = 0, kCallLocal = 1, kCallKfunc = 2;

inline constexpr uint8_t kLddw = kLd | kImm | kDW;  // 0x18
}  // namespace op

inline constexpr uint8_t insn_class(uint8_t code) {
    return code & 0x07;
}
inline constexpr uint8_t alu_op(uint8_t code) {
    return code & 0xf0;
}
inline constexpr uint8_t jmp_op(uint8_t code) {
    return code & 0xf0;
}
inline constexpr uint8_t mem_size(uint8_t code) {
    return code & 0x18;
}
inline constexpr uint8_t mem_mode(uint8_t code) {
    return code & 0xe0;
}
inline constexpr bool uses_reg_source(uint8_t code) {
    return (code & op::kX) != 0;
}
inline constexpr bool is_alu(uint8_t code) {
    return insn_class(code) == op::kAlu || insn_class(code) == op::kAlu64;
}
inline constexpr bool is_jmp(uint8_t code) {
    return insn_class(code) == op::kJmp || insn_class(code) == op::kJmp32;
}
// Bytes moved by a load/store of this size field.
inline constexpr int size_bytes(uint8_t code) {
    switch (mem_size(code)) {
        case op::kB:
            return 1;
        case op::kH:
            return 2;
        case op::kW:
            return 4;
        default:
            return 8;
    }
}

// IANA "BPF Instruction Conformance Groups", plus the two groups
// bpf_conformance adds for instructions outside the RFC.
enum class Group { base32, base64, atomic32, atomic64, divmul32, divmul64, packet, callx, unknown };
const char *group_name(Group g);

// The conformance group an instruction belongs to (first slot of an LDDW).
Group insn_group(const Insn &insn);
// The lowest clang -mcpu version (1..4) that emits this instruction.
int insn_cpu_version(const Insn &insn);

// One-line human description of an instruction, for error messages.
std::string describe(const Insn &insn);

}  // namespace bpffs::vm
