#include "core/vm/verifier/disasm.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>

namespace bpffs::vm::verifier {
const char *alu_symbol(uint8_t aop) {
    switch (aop) {
        case op::kAdd:
            return "+=";
        case op::kSub:
            return "-=";
        case op::kMul:
            return "*=";
        case op::kDiv:
            return "/=";
        case op::kOr:
            return "|=";
        case op::kAnd:
            return "&=";
        case op::kLsh:
            return "<<=";
        case op::kRsh:
            return ">>=";
        case op::kMod:
            return "%=";
        case op::kXor:
            return "^=";
        case op::kMov:
            return "=";
        case op::kArsh:
            return "s>>=";
        default:
            return "?=";
    }
}

namespace {

const char *jmp_symbol(uint8_t jop) {
    switch (jop) {
        case op::kJeq:
            return "==";
        case op::kJgt:
            return ">";
        case op::kJge:
            return ">=";
        case op::kJset:
            return "&";
        case op::kJne:
            return "!=";
        case op::kJsgt:
            return "s>";
        case op::kJsge:
            return "s>=";
        case op::kJlt:
            return "<";
        case op::kJle:
            return "<=";
        case op::kJslt:
            return "s<";
        case op::kJsle:
            return "s<=";
        default:
            return "?";
    }
}

const char *size_name(uint8_t code, bool sign) {
    switch (mem_size(code)) {
        case op::kB:
            return sign ? "s8" : "u8";
        case op::kH:
            return sign ? "s16" : "u16";
        case op::kW:
            return sign ? "s32" : "u32";
        default:
            return sign ? "s64" : "u64";
    }
}

std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char *f, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

std::string alu(const Insn &in) {
    bool is64 = insn_class(in.code) == op::kAlu64;
    char r = is64 ? 'r' : 'w';
    uint8_t aop = alu_op(in.code);
    if (aop == op::kNeg) return fmt("%c%d = -%c%d", r, in.dst, r, in.dst);
    if (aop == op::kEnd) {
        if (is64) return fmt("r%d = bswap%d r%d", in.dst, in.imm, in.dst);
        return fmt("r%d = %s%d r%d", in.dst, uses_reg_source(in.code) ? "be" : "le", in.imm,
                   in.dst);
    }
    if (aop == op::kMov && in.off != 0 && uses_reg_source(in.code))
        return fmt("%c%d = (s%d)%c%d", r, in.dst, in.off, r, in.src);
    const char *sym = alu_symbol(aop);
    std::string s = (aop == op::kDiv || aop == op::kMod) && in.off == 1 ? "s" : "";
    if (uses_reg_source(in.code))
        return fmt("%c%d %s%s %c%d", r, in.dst, s.c_str(), sym, r, in.src);
    return fmt("%c%d %s%s %d", r, in.dst, s.c_str(), sym, in.imm);
}

std::string atomic(const Insn &in) {
    bool is64 = mem_size(in.code) == op::kDW;
    const char *sz = is64 ? "u64" : "u32";
    int n = is64 ? 64 : 32;
    const char *name = "?";
    switch (in.imm & ~op::kFetch) {
        case op::kAtomicAdd:
            name = "add";
            break;
        case op::kAtomicOr:
            name = "or";
            break;
        case op::kAtomicAnd:
            name = "and";
            break;
        case op::kAtomicXor:
            name = "xor";
            break;
        default:
            break;
    }
    if (in.imm == op::kXchg)
        return fmt("r%d = atomic%d_xchg((%s *)(r%d %+d), r%d)", in.src, n, sz, in.dst, in.off,
                   in.src);
    if (in.imm == op::kCmpxchg)
        return fmt("r0 = atomic%d_cmpxchg((%s *)(r%d %+d), r0, r%d)", n, sz, in.dst, in.off,
                   in.src);
    if (in.imm & op::kFetch)
        return fmt("r%d = atomic%d_fetch_%s((%s *)(r%d %+d), r%d)", in.src, n, name, sz, in.dst,
                   in.off, in.src);
    const char *sym = in.imm == op::kAtomicAdd   ? "+="
                      : in.imm == op::kAtomicOr  ? "|="
                      : in.imm == op::kAtomicAnd ? "&="
                                                 : "^=";
    return fmt("lock *(%s *)(r%d %+d) %s r%d", sz, in.dst, in.off, sym, in.src);
}

std::string jmp(const Insn &in, size_t index, const DisasmNames &names) {
    uint8_t jop = jmp_op(in.code);
    bool j32 = insn_class(in.code) == op::kJmp32;
    if (jop == op::kExit) return "exit";
    if (jop == op::kJa) return fmt("goto pc%+d", j32 ? in.imm : in.off);
    if (jop == op::kCall) {
        if (in.src == op::kCallLocal) return fmt("call pc%+d", in.imm);
        std::string name = names.helper ? names.helper(in.imm) : std::string();
        if (name.empty()) name = "unknown";
        return fmt("call %s#%d", name.c_str(), in.imm);
    }
    (void)index;
    char r = j32 ? 'w' : 'r';
    if (uses_reg_source(in.code))
        return fmt("if %c%d %s %c%d goto pc%+d", r, in.dst, jmp_symbol(jop), r, in.src, in.off);
    return fmt("if %c%d %s 0x%x goto pc%+d", r, in.dst, jmp_symbol(jop), uint32_t(in.imm), in.off);
}

}  // namespace

std::string disasm(const Insn &in, const Insn *next, size_t index, const DisasmNames &names) {
    switch (insn_class(in.code)) {
        case op::kAlu:
        case op::kAlu64:
            return alu(in);
        case op::kJmp:
        case op::kJmp32:
            return jmp(in, index, names);
        case op::kLdx:
            return fmt("r%d = *(%s *)(r%d %+d)", in.dst,
                       size_name(in.code, mem_mode(in.code) == op::kMemsx), in.src, in.off);
        case op::kSt:
            return fmt("*(%s *)(r%d %+d) = %d", size_name(in.code, false), in.dst, in.off, in.imm);
        case op::kStx:
            if (mem_mode(in.code) == op::kAtomic) return atomic(in);
            return fmt("*(%s *)(r%d %+d) = r%d", size_name(in.code, false), in.dst, in.off, in.src);
        case op::kLd:
            if (in.code == op::kLddw) {
                std::string shown = names.imm64 ? names.imm64(index) : std::string();
                if (!shown.empty()) return fmt("r%d = %s", in.dst, shown.c_str());
                uint64_t v = uint32_t(in.imm) | (uint64_t(next ? uint32_t(next->imm) : 0) << 32);
                return fmt("r%d = 0x%" PRIx64, in.dst, v);
            }
            return fmt("(%02x) unsupported load", in.code);
        default:
            return "?";
    }
}

}  // namespace bpffs::vm::verifier
