// Structural validation and pre-decoding of a program (see program.h).
// This is not the verifier: it checks that every instruction is a known
// RFC 9669 form with valid registers and reserved fields, that jumps land on
// instructions, and that the program cannot run off its end. What values
// registers hold is the verifier's business (and checked mode's, at run time).
#include <algorithm>
#include <array>
#include <cerrno>
#include <string>

#include "core/vm/program.h"

namespace bpffs::vm {
namespace {

inline constexpr size_t kMaxInsns = 1'000'000;  // the kernel's BPF_COMPLEXITY_LIMIT_INSNS

tl::unexpected<Error> bad(size_t i, const Insn &in, const std::string &why) {
    return fail(EINVAL, "instruction " + std::to_string(i) + " (" + describe(in) + "): " + why);
}

// Operations indexed by alu_op >> 4, for ALU64 and ALU with K and X sources.
// LDDW_HI marks "no such operation".
constexpr Op kNone = Op::LDDW_HI;
constexpr Op kAlu64K[16] = {Op::ADD64_K,  Op::SUB64_K, Op::MUL64_K, Op::DIV64_K,
                            Op::OR64_K,   Op::AND64_K, Op::LSH64_K, Op::RSH64_K,
                            Op::NEG64,    Op::MOD64_K, Op::XOR64_K, Op::MOV64_K,
                            Op::ARSH64_K, kNone,       kNone,       kNone};
constexpr Op kAlu64X[16] = {Op::ADD64_X,  Op::SUB64_X, Op::MUL64_X, Op::DIV64_X,
                            Op::OR64_X,   Op::AND64_X, Op::LSH64_X, Op::RSH64_X,
                            kNone,        Op::MOD64_X, Op::XOR64_X, Op::MOV64_X,
                            Op::ARSH64_X, kNone,       kNone,       kNone};
constexpr Op kAlu32K[16] = {Op::ADD32_K,  Op::SUB32_K, Op::MUL32_K, Op::DIV32_K,
                            Op::OR32_K,   Op::AND32_K, Op::LSH32_K, Op::RSH32_K,
                            Op::NEG32,    Op::MOD32_K, Op::XOR32_K, Op::MOV32_K,
                            Op::ARSH32_K, kNone,       kNone,       kNone};
constexpr Op kAlu32X[16] = {Op::ADD32_X,  Op::SUB32_X, Op::MUL32_X, Op::DIV32_X,
                            Op::OR32_X,   Op::AND32_X, Op::LSH32_X, Op::RSH32_X,
                            kNone,        Op::MOD32_X, Op::XOR32_X, Op::MOV32_X,
                            Op::ARSH32_X, kNone,       kNone,       kNone};

// Conditional jumps indexed by jmp_op >> 4 (JA, CALL, EXIT handled apart).
constexpr Op kJmp64K[16] = {kNone,        Op::JEQ64_K,  Op::JGT64_K,  Op::JGE64_K,
                            Op::JSET64_K, Op::JNE64_K,  Op::JSGT64_K, Op::JSGE64_K,
                            kNone,        kNone,        Op::JLT64_K,  Op::JLE64_K,
                            Op::JSLT64_K, Op::JSLE64_K, kNone,        kNone};
constexpr Op kJmp64X[16] = {kNone,        Op::JEQ64_X,  Op::JGT64_X,  Op::JGE64_X,
                            Op::JSET64_X, Op::JNE64_X,  Op::JSGT64_X, Op::JSGE64_X,
                            kNone,        kNone,        Op::JLT64_X,  Op::JLE64_X,
                            Op::JSLT64_X, Op::JSLE64_X, kNone,        kNone};
constexpr Op kJmp32K[16] = {kNone,        Op::JEQ32_K,  Op::JGT32_K,  Op::JGE32_K,
                            Op::JSET32_K, Op::JNE32_K,  Op::JSGT32_K, Op::JSGE32_K,
                            kNone,        kNone,        Op::JLT32_K,  Op::JLE32_K,
                            Op::JSLT32_K, Op::JSLE32_K, kNone,        kNone};
constexpr Op kJmp32X[16] = {kNone,        Op::JEQ32_X,  Op::JGT32_X,  Op::JGE32_X,
                            Op::JSET32_X, Op::JNE32_X,  Op::JSGT32_X, Op::JSGE32_X,
                            kNone,        kNone,        Op::JLT32_X,  Op::JLE32_X,
                            Op::JSLT32_X, Op::JSLE32_X, kNone,        kNone};

// The signed variants (off == 1) of DIV and MOD.
Op signed_divmod(Op o) {
    switch (o) {
        case Op::DIV64_K:
            return Op::SDIV64_K;
        case Op::DIV64_X:
            return Op::SDIV64_X;
        case Op::MOD64_K:
            return Op::SMOD64_K;
        case Op::MOD64_X:
            return Op::SMOD64_X;
        case Op::DIV32_K:
            return Op::SDIV32_K;
        case Op::DIV32_X:
            return Op::SDIV32_X;
        case Op::MOD32_K:
            return Op::SMOD32_K;
        case Op::MOD32_X:
            return Op::SMOD32_X;
        default:
            return kNone;
    }
}

Result<Op> decode_end(size_t i, const Insn &in) {
    if (in.imm != 16 && in.imm != 32 && in.imm != 64)
        return bad(i, in, "byte swap width must be 16, 32 or 64");
    int w = in.imm == 16 ? 0 : in.imm == 32 ? 1 : 2;
    if (insn_class(in.code) == op::kAlu64) {
        if (uses_reg_source(in.code)) return bad(i, in, "unconditional byte swap takes no source");
        return std::array{Op::BSWAP16, Op::BSWAP32, Op::BSWAP64}[w];
    }
    if (uses_reg_source(in.code)) return std::array{Op::BE16, Op::BE32, Op::BE64}[w];
    return std::array{Op::LE16, Op::LE32, Op::LE64}[w];
}

Result<Op> decode_alu(size_t i, const Insn &in) {
    const bool wide = insn_class(in.code) == op::kAlu64;
    const bool reg = uses_reg_source(in.code);
    const uint8_t o = alu_op(in.code);
    if (in.dst == kFrameRegister) return bad(i, in, "r10 is read-only");
    if (o == op::kEnd) {
        if (in.src != 0 || in.off != 0) return bad(i, in, "reserved fields must be zero");
        return decode_end(i, in);
    }
    Op result = (wide ? (reg ? kAlu64X : kAlu64K) : (reg ? kAlu32X : kAlu32K))[o >> 4];
    if (result == kNone) {
        if (o == op::kNeg) return bad(i, in, "NEG takes no source register");
        return bad(i, in, "unknown ALU operation");
    }
    if (reg ? in.imm != 0 : in.src != 0)
        return bad(i, in, "reserved field (imm or src) must be zero");
    if (o == op::kNeg && in.imm != 0) return bad(i, in, "NEG takes no immediate");
    if (in.off == 0) return result;
    if ((o == op::kDiv || o == op::kMod) && in.off == 1) return signed_divmod(result);
    if (o == op::kMov && reg) {
        if (in.off == 8) return wide ? Op::MOVSX8_64 : Op::MOVSX8_32;
        if (in.off == 16) return wide ? Op::MOVSX16_64 : Op::MOVSX16_32;
        if (in.off == 32 && wide) return Op::MOVSX32_64;
        return bad(i, in, "MOVSX offset must be 8, 16 (or 32 for 64-bit)");
    }
    return bad(i, in, "offset must be zero for this ALU operation");
}

Result<Op> decode_ldx(size_t i, const Insn &in) {
    if (in.dst == kFrameRegister) return bad(i, in, "r10 is read-only");
    if (in.imm != 0) return bad(i, in, "reserved field imm must be zero");
    const uint8_t sz = mem_size(in.code);
    if (mem_mode(in.code) == op::kMem) {
        return sz == op::kB   ? Op::LDXB
               : sz == op::kH ? Op::LDXH
               : sz == op::kW ? Op::LDXW
                              : Op::LDXDW;
    }
    if (mem_mode(in.code) == op::kMemsx) {
        if (sz == op::kDW) return bad(i, in, "there is no sign-extending 64-bit load");
        return sz == op::kB ? Op::LDXSB : sz == op::kH ? Op::LDXSH : Op::LDXSW;
    }
    return bad(i, in, "unknown load mode");
}

Result<Op> decode_st(size_t i, const Insn &in) {
    if (mem_mode(in.code) != op::kMem) return bad(i, in, "unknown store mode");
    if (in.src != 0) return bad(i, in, "reserved field src must be zero");
    const uint8_t sz = mem_size(in.code);
    return sz == op::kB ? Op::STB : sz == op::kH ? Op::STH : sz == op::kW ? Op::STW : Op::STDW;
}

Result<Op> decode_atomic(size_t i, const Insn &in) {
    const uint8_t sz = mem_size(in.code);
    if (sz != op::kW && sz != op::kDW) return bad(i, in, "atomics exist only on W and DW");
    const bool dw = sz == op::kDW;
    if ((in.imm & op::kFetch) && in.imm != op::kCmpxchg && in.src == kFrameRegister)
        return bad(i, in, "r10 is read-only (a fetching atomic writes its source)");
    switch (in.imm) {
        case op::kAtomicAdd:
            return dw ? Op::AADD64 : Op::AADD32;
        case op::kAtomicOr:
            return dw ? Op::AOR64 : Op::AOR32;
        case op::kAtomicAnd:
            return dw ? Op::AAND64 : Op::AAND32;
        case op::kAtomicXor:
            return dw ? Op::AXOR64 : Op::AXOR32;
        case op::kAtomicAdd | op::kFetch:
            return dw ? Op::AFADD64 : Op::AFADD32;
        case op::kAtomicOr | op::kFetch:
            return dw ? Op::AFOR64 : Op::AFOR32;
        case op::kAtomicAnd | op::kFetch:
            return dw ? Op::AFAND64 : Op::AFAND32;
        case op::kAtomicXor | op::kFetch:
            return dw ? Op::AFXOR64 : Op::AFXOR32;
        case op::kXchg:
            return dw ? Op::AXCHG64 : Op::AXCHG32;
        case op::kCmpxchg:
            return dw ? Op::ACMPXCHG64 : Op::ACMPXCHG32;
        default:
            return bad(i, in, "unknown atomic operation");
    }
}

Result<Op> decode_stx(size_t i, const Insn &in) {
    if (mem_mode(in.code) == op::kAtomic) return decode_atomic(i, in);
    if (mem_mode(in.code) != op::kMem) return bad(i, in, "unknown store mode");
    if (in.imm != 0) return bad(i, in, "reserved field imm must be zero");
    const uint8_t sz = mem_size(in.code);
    return sz == op::kB ? Op::STXB : sz == op::kH ? Op::STXH : sz == op::kW ? Op::STXW : Op::STXDW;
}

bool ends_program(const Insn &in) {
    if (in.code == (op::kJmp | op::kExit)) return true;
    return jmp_op(in.code) == op::kJa && is_jmp(in.code) && !uses_reg_source(in.code);
}

}  // namespace

Result<Program> Program::load(std::span<const Insn> insns, const LoadOptions &options) {
    if (insns.empty()) return fail(EINVAL, "the program has no instructions");
    if (insns.size() > kMaxInsns)
        return fail(E2BIG, "the program has " + std::to_string(insns.size()) +
                               " instructions, more than the limit of " +
                               std::to_string(kMaxInsns));
    if (options.helpers == nullptr) return fail(EINVAL, "no helper table given");
    Program p;
    p.insns_.assign(insns.begin(), insns.end());
    p.slots_.resize(insns.size());
    p.checked_ = options.checked;
    if (auto st = p.decode(options); !st) return tl::unexpected(st.error());
    return p;
}

bool Program::uses_map(const Map *map) const {
    return std::find(maps_.begin(), maps_.end(), map) != maps_.end();
}

bool Program::is_function(uint64_t fn) const {
    return std::binary_search(functions_.begin(), functions_.end(), fn);
}

Status Program::decode(const LoadOptions &options) {
    for (size_t i = 0; i < insns_.size(); ++i) {
        const Insn &in = insns_[i];
        if (in.code == op::kLddw) {
            if (auto st = decode_lddw(i, options); !st) return st;
            ++i;  // the second half was consumed
            continue;
        }
        if (auto st = decode_one(i, options); !st) return st;
    }
    const size_t last = insns_.size() - 1;
    if (slots_[last].op == Op::LDDW_HI || !ends_program(insns_[last]))
        return fail(EINVAL, "instruction " + std::to_string(last) +
                                ": the program must end with exit or an unconditional jump");
    return check_targets();
}

Status Program::decode_one(size_t i, const LoadOptions &options) {
    const Insn &in = insns_[i];
    Slot &s = slots_[i];
    s.dst = in.dst;
    s.src = in.src;
    s.off = in.off;
    s.imm = in.imm;
    if (in.dst >= kRegisterCount || in.src >= kRegisterCount)
        return bad(i, in, "register number out of range (r0..r10)");
    Result<Op> decoded = kNone;
    switch (insn_class(in.code)) {
        case op::kLd:
            if (mem_mode(in.code) == op::kAbs || mem_mode(in.code) == op::kInd)
                return bad(i, in, "legacy packet loads (LD ABS/IND) are not supported");
            return bad(i, in, "unknown load instruction");
        case op::kLdx:
            decoded = decode_ldx(i, in);
            break;
        case op::kSt:
            decoded = decode_st(i, in);
            break;
        case op::kStx:
            decoded = decode_stx(i, in);
            break;
        case op::kAlu:
        case op::kAlu64:
            decoded = decode_alu(i, in);
            break;
        default:
            return decode_jmp(i, options);
    }
    if (!decoded) return tl::unexpected(decoded.error());
    s.op = *decoded;
    return ok();
}

Status Program::decode_lddw(size_t i, const LoadOptions &options) {
    const Insn &in = insns_[i];
    if (i + 1 >= insns_.size()) return bad(i, in, "LDDW is missing its second half");
    const Insn &hi = insns_[i + 1];
    if (hi.code != 0 || hi.dst != 0 || hi.src != 0 || hi.off != 0)
        return bad(i + 1, hi, "second half of LDDW must have only imm set");
    if (in.off != 0) return bad(i, in, "reserved field off must be zero");
    if (in.dst >= kFrameRegister) return bad(i, in, "destination must be r0..r9");
    if (in.src > op::kPseudoMapIdxValue) return bad(i, in, "unknown 64-bit immediate form");
    Slot &s = slots_[i];
    s.op = Op::LDDW;
    s.dst = in.dst;
    s.imm = int64_t(uint64_t(uint32_t(in.imm)) | uint64_t(uint32_t(hi.imm)) << 32);
    slots_[i + 1].op = Op::LDDW_HI;
    if (in.src == 0) return ok();
    if (in.src == op::kPseudoFunc) {
        // A callback's address: imm is relative to the next instruction, as
        // for a local call. The value is the entry's index, checked in
        // check_targets() and by the engine before any call through it.
        if (hi.imm != 0) return bad(i + 1, hi, "a function address has no upper half");
        const int64_t target = int64_t(i) + 1 + in.imm;
        s.imm = target;
        if (target >= 0) functions_.push_back(uint32_t(target));
        return ok();
    }
    if (!options.resolver)
        return bad(i, in,
                   "64-bit immediate with src " + std::to_string(in.src) +
                       " needs a loader to resolve it");
    auto resolved = options.resolver(PseudoImm{i, in.src, in.imm, hi.imm});
    if (!resolved) {
        return fail(resolved.error().code,
                    "instruction " + std::to_string(i) + ": " + resolved.error().message);
    }
    s.imm = int64_t(resolved->value);
    if (resolved->hold) held_.push_back(resolved->hold);
    if (resolved->map != nullptr && !uses_map(resolved->map)) maps_.push_back(resolved->map);
    if (resolved->region != nullptr && resolved->region_len > 0)
        static_regions_.push_back(
            {resolved->region, resolved->region_len, resolved->region_writable});
    return ok();
}

Status Program::decode_jmp(size_t i, const LoadOptions &options) {
    const Insn &in = insns_[i];
    Slot &s = slots_[i];
    const bool j32 = insn_class(in.code) == op::kJmp32;
    const bool reg = uses_reg_source(in.code);
    const uint8_t o = jmp_op(in.code);
    if (o == op::kJa) {
        if (reg || in.dst != 0 || in.src != 0) return bad(i, in, "reserved fields must be zero");
        // JMP|JA jumps by off; JMP32|JA ("gotol") by imm.
        if (j32 ? in.off != 0 : in.imm != 0) return bad(i, in, "reserved fields must be zero");
        s.op = Op::JA;
        s.off = int32_t(int64_t(i) + 1 + (j32 ? in.imm : in.off));
        return ok();
    }
    if (o == op::kCall) {
        if (j32) return bad(i, in, "CALL exists only in the JMP class");
        if (reg) return bad(i, in, "indirect calls (callx) are not supported");
        if (in.dst != 0 || in.off != 0) return bad(i, in, "reserved fields must be zero");
        if (in.src == op::kCallHelper) {
            const HelperInfo *h = options.helpers->find(in.imm);
            if (h == nullptr) return bad(i, in, "unknown helper id " + std::to_string(in.imm));
            s.op = Op::CALL_HELPER;
            s.imm = int64_t(reinterpret_cast<uintptr_t>(h->fn));
            return ok();
        }
        if (in.src == op::kCallLocal) {
            s.op = Op::CALL_LOCAL;
            s.off = int32_t(int64_t(i) + 1 + in.imm);
            return ok();
        }
        if (in.src == op::kCallKfunc) return bad(i, in, "kernel function calls are not supported");
        return bad(i, in, "unknown call form");
    }
    if (o == op::kExit) {
        if (j32 || reg || in.dst || in.src || in.off || in.imm)
            return bad(i, in, "EXIT takes no operands");
        s.op = Op::EXIT;
        return ok();
    }
    Op cond = (j32 ? (reg ? kJmp32X : kJmp32K) : (reg ? kJmp64X : kJmp64K))[o >> 4];
    if (cond == kNone) return bad(i, in, "unknown jump operation");
    if (reg ? in.imm != 0 : in.src != 0)
        return bad(i, in, "reserved field (imm or src) must be zero");
    s.op = cond;
    s.off = int32_t(int64_t(i) + 1 + in.off);
    return ok();
}

// Jump and call targets must be instructions of the program, never the
// second half of an LDDW.
Status Program::check_targets() {
    const int64_t n = int64_t(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) {
        const Slot &s = slots_[i];
        const bool jumps = s.op == Op::JA || s.op == Op::CALL_LOCAL ||
                           (s.op >= Op::JEQ64_K && s.op <= Op::JSLE32_X);
        if (!jumps) continue;
        if (s.off < 0 || s.off >= n)
            return bad(i, insns_[i], "target " + std::to_string(s.off) + " is outside the program");
        if (slots_[size_t(s.off)].op == Op::LDDW_HI)
            return bad(i, insns_[i], "target is the second half of an LDDW");
    }
    for (size_t i = 0; i < slots_.size(); ++i) {
        const Slot &s = slots_[i];
        if (s.op != Op::LDDW || insns_[i].src != op::kPseudoFunc) continue;
        if (s.imm < 0 || s.imm >= n)
            return bad(i, insns_[i],
                       "function " + std::to_string(s.imm) + " is outside the program");
        if (slots_[size_t(s.imm)].op == Op::LDDW_HI)
            return bad(i, insns_[i], "function entry is the second half of an LDDW");
    }
    std::sort(functions_.begin(), functions_.end());
    functions_.erase(std::unique(functions_.begin(), functions_.end()), functions_.end());
    return ok();
}

void Program::mark_probe_loads(std::span<const uint32_t> indexes) {
    for (uint32_t i : indexes) {
        if (i >= slots_.size()) continue;
        Op &o = slots_[i].op;
        switch (o) {
            case Op::LDXB:
                o = Op::PROBE_LDXB;
                break;
            case Op::LDXH:
                o = Op::PROBE_LDXH;
                break;
            case Op::LDXW:
                o = Op::PROBE_LDXW;
                break;
            case Op::LDXDW:
                o = Op::PROBE_LDXDW;
                break;
            case Op::LDXSB:
                o = Op::PROBE_LDXSB;
                break;
            case Op::LDXSH:
                o = Op::PROBE_LDXSH;
                break;
            case Op::LDXSW:
                o = Op::PROBE_LDXSW;
                break;
            default:
                break;
        }
    }
}

}  // namespace bpffs::vm
