// Helper calls (calling convention) and bpf-to-bpf calls (frames, depth).
#include <cerrno>

#include "vm_test_util.h"

using namespace vmtest;

namespace {
constexpr int32_t kSumHelper = 1000;
constexpr int32_t kFaultHelper = 1001;

uint64_t sum5(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, RunContext &) {
    return a + 10 * b + 100 * c + 1000 * d + 10000 * e;
}

uint64_t always_faults(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, RunContext &ctx) {
    ctx.fault(EINVAL, "test helper refused its arguments");
    return 0;
}

HelperTable test_helpers() {
    HelperTable t = HelperTable::standard();
    t.set(kSumHelper, "test_sum5", sum5);
    t.set(kFaultHelper, "test_fault", always_faults);
    return t;
}
}  // namespace

TEST_CASE("helpers get r1..r5, return r0, and r6..r9 survive") {
    HelperTable helpers = test_helpers();
    LoadOptions opts;
    opts.helpers = &helpers;
    Program prog = load_asm(
        "mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\nmov %r6, 6\nmov %r9, 9\n"
        "call 1000\njne %r6, 6, bad\njne %r9, 9, bad\nexit\nbad:\nmov %r0, -1\nexit",
        opts);
    RunContext ctx;
    CHECK(Interpreter::instance().run(prog, ctx, {}).value() == 54321);
}

TEST_CASE("a helper's fault ends the run with its error") {
    HelperTable helpers = test_helpers();
    LoadOptions opts;
    opts.helpers = &helpers;
    Program prog = load_asm("mov %r0, 0\ncall 1001\nmov %r0, 1\nexit", opts);
    RunContext ctx;
    auto r = Interpreter::instance().run(prog, ctx, {});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == EINVAL);
    CHECK_THAT(r.error().message,
               Catch::Contains("instruction 1") && Catch::Contains("test helper refused"));
    // The context is usable again afterwards.
    Program ok = load_asm("mov %r0, 3\nexit", opts);
    CHECK(Interpreter::instance().run(ok, ctx, {}).value() == 3);
}

TEST_CASE("unknown helper ids are rejected at load") {
    auto insns = assemble("call 999999\nexit");
    REQUIRE(insns);
    auto prog = Program::load(*insns);
    REQUIRE_FALSE(prog);
    CHECK_THAT(prog.error().message, Catch::Contains("unknown helper id 999999"));
}

TEST_CASE("standard helpers: ktime, prandom, smp_processor_id") {
    CHECK(r0_of("call 5\nmov %r6, %r0\ncall 5\nsub %r0, %r6\nrsh %r0, 63\nexit") == 0);
    CHECK(r0_of("call 7\nrsh %r0, 32\nexit") == 0);
    uint64_t cpu = r0_of("call 8\nexit");
    CHECK(cpu < 4096);
}

TEST_CASE("bpf-to-bpf calls: arguments, result, callee-saved registers, own stack") {
    CHECK(r0_of("mov %r1, 5\nmov %r6, 6\nstdw [%r10-8], 11\ncall local f\n"
                "jne %r6, 6, bad\nldxdw %r1, [%r10-8]\njne %r1, 11, bad\nexit\n"
                "bad:\nmov %r0, -1\nexit\n"
                "f:\nstdw [%r10-8], 22\nmov %r6, 0\nmov %r0, %r1\nmul %r0, 3\nexit") == 15);
    // A callee can use a pointer into its caller's frame.
    CHECK(r0_of("stdw [%r10-8], 40\nmov %r1, %r10\nadd %r1, -8\ncall local f\n"
                "ldxdw %r0, [%r10-8]\nexit\n"
                "f:\nldxdw %r2, [%r1]\nadd %r2, 2\nstxdw [%r1], %r2\nexit") == 42);
}

TEST_CASE("recursion up to 8 frames works, deeper ends the run") {
    // f(n) = n == 0 ? 0 : 1 + f(n - 1); main is frame 1, so n = 6 needs 8 frames.
    const std::string f =
        "f:\njeq %r1, 0, base\nsub %r1, 1\ncall local f\nadd %r0, 1\nexit\n"
        "base:\nmov %r0, 0\nexit\n";
    CHECK(r0_of("mov %r1, 6\ncall local f\nexit\n" + f) == 7 - 1);
    auto deep = run_asm("mov %r1, 7\ncall local f\nexit\n" + f);
    REQUIRE_FALSE(deep);
    CHECK(deep.error().code == E2BIG);
    CHECK_THAT(deep.error().message, Catch::Contains("8 stack frames"));
    auto deep_unchecked = run_asm("mov %r1, 100\ncall local f\nexit\n" + f, nullptr, false);
    REQUIRE_FALSE(deep_unchecked);
}
