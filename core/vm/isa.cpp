#include "core/vm/isa.h"

#include <cstdio>

namespace bpffs::vm {

const char *group_name(Group g) {
    switch (g) {
        case Group::base32:
            return "base32";
        case Group::base64:
            return "base64";
        case Group::atomic32:
            return "atomic32";
        case Group::atomic64:
            return "atomic64";
        case Group::divmul32:
            return "divmul32";
        case Group::divmul64:
            return "divmul64";
        case Group::packet:
            return "packet";
        case Group::callx:
            return "callx";
        case Group::unknown:
            break;
    }
    return "unknown";
}

namespace {

bool is_divmul(uint8_t code) {
    uint8_t o = alu_op(code);
    return o == op::kMul || o == op::kDiv || o == op::kMod;
}

Group alu_group(const Insn &insn) {
    bool wide = insn_class(insn.code) == op::kAlu64;
    if (alu_op(insn.code) == op::kEnd) return insn.imm == 64 ? Group::base64 : Group::base32;
    if (is_divmul(insn.code)) return wide ? Group::divmul64 : Group::divmul32;
    return wide ? Group::base64 : Group::base32;
}

Group jmp_group(const Insn &insn) {
    uint8_t o = jmp_op(insn.code);
    if (o == op::kCall) return uses_reg_source(insn.code) ? Group::callx : Group::base32;
    if (o == op::kJa || o == op::kExit) return Group::base32;
    return insn_class(insn.code) == op::kJmp ? Group::base64 : Group::base32;
}

Group memory_group(const Insn &insn) {
    bool dw = mem_size(insn.code) == op::kDW;
    if (mem_mode(insn.code) == op::kAtomic) return dw ? Group::atomic64 : Group::atomic32;
    return dw ? Group::base64 : Group::base32;
}

}  // namespace

Group insn_group(const Insn &insn) {
    switch (insn_class(insn.code)) {
        case op::kLd:
            if (insn.code == op::kLddw) return Group::base64;
            return Group::packet;
        case op::kLdx:
        case op::kSt:
        case op::kStx:
            return memory_group(insn);
        case op::kAlu:
        case op::kAlu64:
            return alu_group(insn);
        default:
            return jmp_group(insn);
    }
}

int insn_cpu_version(const Insn &insn) {
    uint8_t cls = insn_class(insn.code);
    if (is_alu(insn.code)) {
        uint8_t o = alu_op(insn.code);
        if ((o == op::kDiv || o == op::kMod) && insn.off != 0) return 4;  // sdiv/smod
        if (o == op::kMov && insn.off != 0) return 4;                     // movsx
        if (o == op::kEnd && cls == op::kAlu64) return 4;                 // bswap
        return 1;
    }
    if (cls == op::kLdx && mem_mode(insn.code) == op::kMemsx) return 4;
    if (cls == op::kStx && mem_mode(insn.code) == op::kAtomic) return 3;
    if (cls == op::kJmp32) return jmp_op(insn.code) == op::kJa ? 4 : 3;
    if (cls == op::kJmp) {
        uint8_t o = jmp_op(insn.code);
        if (o == op::kJlt || o == op::kJle || o == op::kJslt || o == op::kJsle) return 2;
    }
    return 1;
}

std::string describe(const Insn &insn) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "code 0x%02x dst r%u src r%u off %d imm %d", insn.code,
                  unsigned(insn.dst), unsigned(insn.src), insn.off, insn.imm);
    return buf;
}

}  // namespace bpffs::vm
