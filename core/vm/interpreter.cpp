#include "core/vm/interpreter.h"

#include <bit>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

namespace bpffs::vm {

static_assert(std::endian::native == std::endian::little,
              "LE/BE byte swaps assume a little-endian host");

namespace {

// What a bpf-to-bpf call saves: where to return, the callee-saved r6..r9,
// and the caller's frame pointer.
struct Frame {
    const Slot *ret;
    uint64_t saved[4];
    uint64_t fp;
};

struct Access {
    uint64_t addr = 0;
    uint32_t size = 0;
    bool write = false;
};

uint64_t sdiv64(uint64_t a, uint64_t b) {
    auto x = int64_t(a), y = int64_t(b);
    if (y == 0) return 0;
    if (y == -1) return 0 - a;  // INT64_MIN / -1 wraps to INT64_MIN
    return uint64_t(x / y);
}

uint64_t smod64(uint64_t a, uint64_t b) {
    auto x = int64_t(a), y = int64_t(b);
    if (y == 0) return a;  // modulo by zero leaves dst unchanged
    if (y == -1) return 0;
    return uint64_t(x % y);
}

uint32_t sdiv32(uint32_t a, uint32_t b) {
    auto x = int32_t(a), y = int32_t(b);
    if (y == 0) return 0;
    if (y == -1) return 0u - a;
    return uint32_t(x / y);
}

uint32_t smod32(uint32_t a, uint32_t b) {
    auto x = int32_t(a), y = int32_t(b);
    if (y == 0) return a;
    if (y == -1) return 0;
    return uint32_t(x % y);
}

std::string at(const Slot *code, const Slot *ip) {
    return "instruction " + std::to_string(ip - code) + ": ";
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

// What one run shares between the dispatch loop of the program and those
// of the callbacks it has helpers call (RunContext::call_function): the
// instruction budget, the frames in use and the stack they occupy. The loops
// keep these in locals and publish them around helper calls.
struct Run {
    const Program &prog;
    RunContext &ctx;
    uint64_t left = 0;        // instructions left, plus one
    uint64_t start_left = 0;  // left when the run began
    int depth = 0;            // index of the innermost active frame
    uintptr_t stack_low = 0;  // lowest byte of the innermost frame
    uintptr_t stack_top = 0;  // one past frame 0
    // The stack from here up was zeroed in this run. A frame is zeroed when
    // the run first reaches it, not at every call: a callback called 8M
    // times by bpf_loop would spend most of its time in memset. Only this
    // run's own data can be seen in a frame used again, never another
    // run's, which is what zeroing is for.
    uintptr_t zeroed_low = 0;
};

// Zeroes the frame starting at low unless this run did already.
inline void enter_frame(Run &run, uintptr_t low) {
    if (low >= run.zeroed_low) return;
    std::memset(reinterpret_cast<void *>(low), 0, run.zeroed_low - low);
    run.zeroed_low = low;
}

template <bool kChecked>
uint64_t call_function(void *run, uint64_t fn, const uint64_t *args);

// The dispatch loop. kChecked selects the bounds-checked variant at compile
// time so the unchecked one carries no checks at all. It runs from entry on
// the frame run.depth (whose stack run.stack_low starts) until that frame
// exits: the whole program from frame 0, or one call of a callback.
template <bool kChecked>
Result<uint64_t> execute(Run &run, const Slot *entry, const uint64_t *args) {
#define BPFFS_VM_LABEL(name) &&op_##name,
    static const void *const kLabels[] = {BPFFS_VM_OPS(BPFFS_VM_LABEL)};
#undef BPFFS_VM_LABEL
    static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == size_t(Op::kCount));

    RunContext &ctx = run.ctx;
    const Slot *const code = run.prog.slots();
    const Slot *ip = entry;
    uint64_t r[kRegisterCount];
    Frame frames[kMaxFrames];
    const int base_depth = run.depth;
    int depth = base_depth;
    Access access;

    // Frame 0 is the top 512 bytes; each call goes 512 bytes lower, so an
    // overflow of the current frame lands in inactive (disallowed) stack.
    const uintptr_t stack_top = run.stack_top;
    uintptr_t stack_low = run.stack_low;
    enter_frame(run, stack_low);
    ctx.set_stack_bounds(stack_low, stack_top);

    r[0] = 0;
    for (int i = 0; i < 5; ++i)
        r[i + 1] = args[i];
    r[6] = r[7] = r[8] = r[9] = 0;
    r[10] = stack_low + kStackSize;
    uint64_t left = run.left;

    auto allowed = [&](uint64_t a, uint32_t n, bool w) {
        return (a >= stack_low && a <= stack_top - n) || ctx.regions().allows(a, n, w);
    };

#define DISPATCH()                                                \
    do {                                                          \
        if (__builtin_expect(--left == 0, 0)) goto out_of_budget; \
        goto *kLabels[size_t(ip->op)];                            \
    } while (0)
#define NEXT()      \
    do {            \
        ++ip;       \
        DISPATCH(); \
    } while (0)
#define JUMP()               \
    do {                     \
        ip = code + ip->off; \
        DISPATCH();          \
    } while (0)
#define DST r[ip->dst]
#define SRC r[ip->src]
#define UIMM uint64_t(ip->imm)
#define CHECK_ACCESS(a, n, w)         \
    if constexpr (kChecked) {         \
        if (!allowed(a, n, w)) {      \
            access = Access{a, n, w}; \
            goto memory_fault;        \
        }                             \
    }

    DISPATCH();

    // ---- ALU64 ----
#define ALU64(NAME, EXPR_K, EXPR_X) \
    op_##NAME##64_K : EXPR_K;       \
    NEXT();                         \
    op_##NAME##64_X : EXPR_X;       \
    NEXT();
    ALU64(ADD, DST += UIMM, DST += SRC)
    ALU64(SUB, DST -= UIMM, DST -= SRC)
    ALU64(MUL, DST *= UIMM, DST *= SRC)
    ALU64(DIV, DST = UIMM ? DST / UIMM : 0, DST = SRC ? DST / SRC : 0)
    ALU64(SDIV, DST = sdiv64(DST, UIMM), DST = sdiv64(DST, SRC))
    ALU64(OR, DST |= UIMM, DST |= SRC)
    ALU64(AND, DST &= UIMM, DST &= SRC)
    ALU64(LSH, DST <<= (UIMM & 63), DST <<= (SRC & 63))
    ALU64(RSH, DST >>= (UIMM & 63), DST >>= (SRC & 63))
    ALU64(MOD, if (UIMM) DST %= UIMM, if (SRC) DST %= SRC)
    ALU64(SMOD, DST = smod64(DST, UIMM), DST = smod64(DST, SRC))
    ALU64(XOR, DST ^= UIMM, DST ^= SRC)
    ALU64(MOV, DST = UIMM, DST = SRC)
    ALU64(ARSH, DST = uint64_t(int64_t(DST) >> (UIMM & 63)),
          DST = uint64_t(int64_t(DST) >> (SRC & 63)))
#undef ALU64
op_NEG64:
    DST = 0 - DST;
    NEXT();
op_MOVSX8_64:
    DST = uint64_t(int64_t(int8_t(SRC)));
    NEXT();
op_MOVSX16_64:
    DST = uint64_t(int64_t(int16_t(SRC)));
    NEXT();
op_MOVSX32_64:
    DST = uint64_t(int64_t(int32_t(SRC)));
    NEXT();

    // ---- ALU (32-bit): operate on the low halves, zero-extend the result ----
#define D32 uint32_t(DST)
#define S32 uint32_t(SRC)
#define I32 uint32_t(ip->imm)
#define ALU32(NAME, EXPR_K, EXPR_X) \
    op_##NAME##32_K : DST = EXPR_K; \
    NEXT();                         \
    op_##NAME##32_X : DST = EXPR_X; \
    NEXT();
    ALU32(ADD, uint32_t(D32 + I32), uint32_t(D32 + S32))
    ALU32(SUB, uint32_t(D32 - I32), uint32_t(D32 - S32))
    ALU32(MUL, uint32_t(D32 * I32), uint32_t(D32 * S32))
    ALU32(DIV, I32 ? D32 / I32 : 0u, S32 ? D32 / S32 : 0u)
    ALU32(SDIV, sdiv32(D32, I32), sdiv32(D32, S32))
    ALU32(OR, D32 | I32, D32 | S32)
    ALU32(AND, D32 & I32, D32 & S32)
    ALU32(LSH, uint32_t(D32 << (I32 & 31)), uint32_t(D32 << (S32 & 31)))
    ALU32(RSH, D32 >> (I32 & 31), D32 >> (S32 & 31))
    ALU32(MOD, I32 ? D32 % I32 : D32, S32 ? D32 % S32 : D32)
    ALU32(SMOD, smod32(D32, I32), smod32(D32, S32))
    ALU32(XOR, D32 ^ I32, D32 ^ S32)
    ALU32(MOV, I32, S32)
    ALU32(ARSH, uint32_t(int32_t(D32) >> (I32 & 31)), uint32_t(int32_t(D32) >> (S32 & 31)))
#undef ALU32
op_NEG32:
    DST = uint32_t(0u - D32);
    NEXT();
op_MOVSX8_32:
    DST = uint32_t(int32_t(int8_t(SRC)));
    NEXT();
op_MOVSX16_32:
    DST = uint32_t(int32_t(int16_t(SRC)));
    NEXT();

    // ---- byte order ----
op_LE16:
    DST = uint16_t(DST);
    NEXT();
op_LE32:
    DST = uint32_t(DST);
    NEXT();
op_LE64:
    NEXT();
op_BE16:
op_BSWAP16:
    DST = __builtin_bswap16(uint16_t(DST));
    NEXT();
op_BE32:
op_BSWAP32:
    DST = __builtin_bswap32(uint32_t(DST));
    NEXT();
op_BE64:
op_BSWAP64:
    DST = __builtin_bswap64(DST);
    NEXT();

    // ---- jumps ----
op_JA:
    JUMP();
#define COND(NAME, W, T, LHS, RHS_K, RHS_X, CMP)        \
    op_##NAME##W##_K : if (T(LHS) CMP T(RHS_K)) JUMP(); \
    NEXT();                                             \
    op_##NAME##W##_X : if (T(LHS) CMP T(RHS_X)) JUMP(); \
    NEXT();
#define COND64(NAME, T, CMP) COND(NAME, 64, T, DST, UIMM, SRC, CMP)
#define COND32(NAME, T, CMP) COND(NAME, 32, T, D32, I32, S32, CMP)
    COND64(JEQ, uint64_t, ==)
    COND64(JNE, uint64_t, !=)
    COND64(JGT, uint64_t, >)
    COND64(JGE, uint64_t, >=)
    COND64(JLT, uint64_t, <)
    COND64(JLE, uint64_t, <=)
    COND64(JSGT, int64_t, >)
    COND64(JSGE, int64_t, >=)
    COND64(JSLT, int64_t, <)
    COND64(JSLE, int64_t, <=)
    COND32(JEQ, uint32_t, ==)
    COND32(JNE, uint32_t, !=)
    COND32(JGT, uint32_t, >)
    COND32(JGE, uint32_t, >=)
    COND32(JLT, uint32_t, <)
    COND32(JLE, uint32_t, <=)
    COND32(JSGT, int32_t, >)
    COND32(JSGE, int32_t, >=)
    COND32(JSLT, int32_t, <)
    COND32(JSLE, int32_t, <=)
#undef COND64
#undef COND32
#undef COND
op_JSET64_K:
    if (DST & UIMM) JUMP();
    NEXT();
op_JSET64_X:
    if (DST & SRC) JUMP();
    NEXT();
op_JSET32_K:
    if (D32 & I32) JUMP();
    NEXT();
op_JSET32_X:
    if (D32 & S32) JUMP();
    NEXT();

    // ---- calls ----
op_CALL_HELPER : {
    auto fn = reinterpret_cast<HelperFn>(static_cast<uintptr_t>(ip->imm));
    // A helper may call back into the program (bpf_loop...): it continues
    // below this frame and spends from the same budget.
    run.left = left;
    run.depth = depth;
    run.stack_low = stack_low;
    r[0] = fn(r[1], r[2], r[3], r[4], r[5], ctx);
    left = run.left;
    if (__builtin_expect(ctx.faulted(), 0)) goto helper_fault;
    NEXT();
}
op_CALL_LOCAL : {
    if (depth + 1 >= kMaxFrames) goto too_deep;
    Frame &f = frames[depth++];
    f.ret = ip + 1;
    std::memcpy(f.saved, &r[6], sizeof f.saved);
    f.fp = r[10];
    r[10] -= kStackSize;
    stack_low -= kStackSize;
    enter_frame(run, stack_low);
    ctx.set_stack_bounds(stack_low, stack_top);
    JUMP();
}
op_EXIT : {
    if (depth == base_depth) {
        run.left = left;
        return r[0];
    }
    const Frame &f = frames[--depth];
    std::memcpy(&r[6], f.saved, sizeof f.saved);
    r[10] = f.fp;
    stack_low += kStackSize;
    ctx.set_stack_bounds(stack_low, stack_top);
    ip = f.ret;
    DISPATCH();
}

    // ---- loads and stores ----
op_LDDW:
    DST = UIMM;
    ip += 2;
    DISPATCH();
op_LDDW_HI:
    return fail(EINVAL, at(code, ip) + "executed the second half of an LDDW");

#define LOAD(T, WIDEN)                                                 \
    {                                                                  \
        uint64_t a = SRC + uint64_t(int64_t(ip->off));                 \
        CHECK_ACCESS(a, sizeof(T), false);                             \
        T v;                                                           \
        std::memcpy(&v, reinterpret_cast<const void *>(a), sizeof(T)); \
        DST = uint64_t(WIDEN(v));                                      \
        NEXT();                                                        \
    }
op_LDXB:
    LOAD(uint8_t, uint64_t)
op_LDXH:
    LOAD(uint16_t, uint64_t)
op_LDXW:
    LOAD(uint32_t, uint64_t)
op_LDXDW:
    LOAD(uint64_t, uint64_t)
op_LDXSB:
    LOAD(int8_t, int64_t)
op_LDXSH:
    LOAD(int16_t, int64_t)
op_LDXSW:
    LOAD(int32_t, int64_t)
#undef LOAD

    // Probe loads (the kernel's PROBE_MEM): reads through BTF object
    // pointers the program need not NULL-check. Checked in every mode; an
    // address outside the run's memory reads as 0 instead of faulting.
#define PROBE_LOAD(T, WIDEN)                                               \
    {                                                                      \
        uint64_t a = SRC + uint64_t(int64_t(ip->off));                     \
        if (allowed(a, sizeof(T), false)) {                                \
            T v;                                                           \
            std::memcpy(&v, reinterpret_cast<const void *>(a), sizeof(T)); \
            DST = uint64_t(WIDEN(v));                                      \
        } else {                                                           \
            DST = 0;                                                       \
        }                                                                  \
        NEXT();                                                            \
    }
op_PROBE_LDXB:
    PROBE_LOAD(uint8_t, uint64_t)
op_PROBE_LDXH:
    PROBE_LOAD(uint16_t, uint64_t)
op_PROBE_LDXW:
    PROBE_LOAD(uint32_t, uint64_t)
op_PROBE_LDXDW:
    PROBE_LOAD(uint64_t, uint64_t)
op_PROBE_LDXSB:
    PROBE_LOAD(int8_t, int64_t)
op_PROBE_LDXSH:
    PROBE_LOAD(int16_t, int64_t)
op_PROBE_LDXSW:
    PROBE_LOAD(int32_t, int64_t)
#undef PROBE_LOAD

#define STORE(T, VALUE)                                          \
    {                                                            \
        uint64_t a = DST + uint64_t(int64_t(ip->off));           \
        CHECK_ACCESS(a, sizeof(T), true);                        \
        T v = T(VALUE);                                          \
        std::memcpy(reinterpret_cast<void *>(a), &v, sizeof(T)); \
        NEXT();                                                  \
    }
op_STB:
    STORE(uint8_t, UIMM)
op_STH:
    STORE(uint16_t, UIMM)
op_STW:
    STORE(uint32_t, UIMM)
op_STDW:
    STORE(uint64_t, UIMM)
op_STXB:
    STORE(uint8_t, SRC)
op_STXH:
    STORE(uint16_t, SRC)
op_STXW:
    STORE(uint32_t, SRC)
op_STXDW:
    STORE(uint64_t, SRC)
#undef STORE

    // ---- atomics: sequentially consistent, like the kernel's fully ordered ones ----
#define ATOMIC(NAME, T, BODY)                          \
    op_##NAME : {                                      \
        uint64_t a = DST + uint64_t(int64_t(ip->off)); \
        CHECK_ACCESS(a, sizeof(T), true);              \
        if constexpr (kChecked) {                      \
            if (a % sizeof(T) != 0) {                  \
                access = Access{a, sizeof(T), true};   \
                goto misaligned;                       \
            }                                          \
        }                                              \
        T *p = reinterpret_cast<T *>(a);               \
        BODY;                                          \
        NEXT();                                        \
    }
#define ATOMICS(W, T)                                                              \
    ATOMIC(AADD##W, T, __atomic_fetch_add(p, T(SRC), __ATOMIC_SEQ_CST))            \
    ATOMIC(AOR##W, T, __atomic_fetch_or(p, T(SRC), __ATOMIC_SEQ_CST))              \
    ATOMIC(AAND##W, T, __atomic_fetch_and(p, T(SRC), __ATOMIC_SEQ_CST))            \
    ATOMIC(AXOR##W, T, __atomic_fetch_xor(p, T(SRC), __ATOMIC_SEQ_CST))            \
    ATOMIC(AFADD##W, T, SRC = __atomic_fetch_add(p, T(SRC), __ATOMIC_SEQ_CST))     \
    ATOMIC(AFOR##W, T, SRC = __atomic_fetch_or(p, T(SRC), __ATOMIC_SEQ_CST))       \
    ATOMIC(AFAND##W, T, SRC = __atomic_fetch_and(p, T(SRC), __ATOMIC_SEQ_CST))     \
    ATOMIC(AFXOR##W, T, SRC = __atomic_fetch_xor(p, T(SRC), __ATOMIC_SEQ_CST))     \
    ATOMIC(AXCHG##W, T, SRC = __atomic_exchange_n(p, T(SRC), __ATOMIC_SEQ_CST))    \
    ATOMIC(ACMPXCHG##W, T, {                                                       \
        T expected = T(r[0]);                                                      \
        __atomic_compare_exchange_n(p, &expected, T(SRC), false, __ATOMIC_SEQ_CST, \
                                    __ATOMIC_SEQ_CST);                             \
        r[0] = expected; /* the old value, whether or not it matched */            \
    })
    ATOMICS(32, uint32_t)
    ATOMICS(64, uint64_t)
#undef ATOMICS
#undef ATOMIC

    // ---- how runs end early ----
memory_fault:
    __attribute__((unused));
    return fail(EFAULT, at(code, ip) + (access.write ? "write of " : "read of ") +
                            std::to_string(access.size) + " bytes at " + hex(access.addr) +
                            " is outside the memory the program was given");
misaligned:
    __attribute__((unused));
    return fail(EFAULT, at(code, ip) + "atomic access of " + std::to_string(access.size) +
                            " bytes at " + hex(access.addr) + " is not aligned");
helper_fault : {
    Error e = ctx.take_fault();
    return fail(e.code, at(code, ip) + e.message);
}
too_deep:
    return fail(E2BIG, at(code, ip) + "bpf-to-bpf call would exceed " + std::to_string(kMaxFrames) +
                           " stack frames");
out_of_budget:
    return fail(ELOOP, at(code, ip) + "the run's instruction budget of " +
                           std::to_string(ctx.budget) + " instructions is exhausted");

#undef DISPATCH
#undef NEXT
#undef JUMP
#undef DST
#undef SRC
#undef UIMM
#undef D32
#undef S32
#undef I32
#undef CHECK_ACCESS
}

// A callback's call (RunContext::call_function): a new frame below the
// caller's, entered at fn, counted against the same frame limit as
// bpf-to-bpf calls. Errors become the run's fault.
template <bool kChecked>
uint64_t call_function(void *opaque, uint64_t fn, const uint64_t *args) {
    Run &run = *static_cast<Run *>(opaque);
    RunContext &ctx = run.ctx;
    if (!run.prog.is_function(fn)) {
        ctx.fault(EFAULT, "the callback " + hex(fn) + " is not a function of the program");
        return 0;
    }
    if (run.depth + 1 >= kMaxFrames) {
        ctx.fault(E2BIG,
                  "a callback call would exceed " + std::to_string(kMaxFrames) + " stack frames");
        return 0;
    }
    const int caller_depth = run.depth;
    const uintptr_t caller_low = run.stack_low;
    run.depth = caller_depth + 1;
    run.stack_low = caller_low - kStackSize;
    auto result = execute<kChecked>(run, run.prog.slots() + fn, args);
    run.depth = caller_depth;
    run.stack_low = caller_low;
    ctx.set_stack_bounds(caller_low, run.stack_top);
    if (!result) {
        ctx.fault(result.error().code, "in the callback at instruction " + std::to_string(fn) +
                                           ": " + result.error().message);
        return 0;
    }
    return *result;
}

template <bool kChecked>
Result<uint64_t> run_program(const Program &prog, RunContext &ctx, const RunArgs &args) {
    Run run{prog, ctx};
    run.left = ctx.budget == std::numeric_limits<uint64_t>::max() ? ctx.budget : ctx.budget + 1;
    run.start_left = run.left;
    run.stack_top = reinterpret_cast<uintptr_t>(ctx.stack_base()) + kMaxFrames * kStackSize;
    run.stack_low = run.stack_top - kStackSize;
    run.zeroed_low = run.stack_top;
    ctx.set_function_caller(&call_function<kChecked>, &run);
    auto result = execute<kChecked>(run, prog.slots(), args.r);
    if (result) ctx.set_instructions_executed(run.start_left - run.left);
    return result;
}

}  // namespace

Result<uint64_t> Interpreter::run(const Program &prog, RunContext &ctx, const RunArgs &args) {
    ctx.begin_run(prog, prog.checked());
    for (const auto &region : prog.static_regions())
        ctx.add_region(region.ptr, region.len, region.writable);
    auto result =
        prog.checked() ? run_program<true>(prog, ctx, args) : run_program<false>(prog, ctx, args);
    ctx.end_run();
    return result;
}

Interpreter &Interpreter::instance() {
    static Interpreter interpreter;
    return interpreter;
}

}  // namespace bpffs::vm
