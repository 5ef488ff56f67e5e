// Checked mode: every memory fault, the budget and the call depth end the
// run with an error naming the instruction, and nothing crashes.
#include <cerrno>

#include "vm_test_util.h"

using namespace vmtest;

namespace {
Error run_error(const std::string &text, std::vector<uint8_t> *mem = nullptr) {
    auto r = run_asm(text, mem, true);
    INFO(text);
    REQUIRE_FALSE(r.has_value());
    return r.error();
}
}  // namespace

TEST_CASE("loads and stores outside the input memory fault") {
    std::vector<uint8_t> mem(8, 0);
    Error e = run_error("ldxdw %r0, [%r1+1]\nexit", &mem);
    CHECK(e.code == EFAULT);
    CHECK_THAT(e.message, Catch::Contains("instruction 0") && Catch::Contains("read of 8 bytes"));
    e = run_error("mov %r0, 0\nstb [%r1+8], 1\nexit", &mem);
    CHECK_THAT(e.message, Catch::Contains("instruction 1") && Catch::Contains("write of 1 bytes"));
    e = run_error("ldxb %r0, [%r1-1]\nexit", &mem);
    CHECK(e.code == EFAULT);
    CHECK(run_asm("ldxb %r0, [%r1+7]\nexit", &mem).has_value());
}

TEST_CASE("wild pointers fault instead of crashing") {
    CHECK(run_error("mov %r1, 0\nldxdw %r0, [%r1]\nexit").code == EFAULT);
    CHECK(run_error("lddw %r1, 0xdeadbeef000\nstxdw [%r1], %r1\nexit").code == EFAULT);
    CHECK(run_error("mov %r1, 16\nlock add [%r1], %r1\nexit").code == EFAULT);
}

TEST_CASE("the stack is 512 bytes: beyond it faults") {
    CHECK(run_error("ldxdw %r0, [%r10-520]\nexit").code == EFAULT);
    CHECK(run_error("stb [%r10-513], 1\nexit").code == EFAULT);
    CHECK(run_error("ldxb %r0, [%r10]\nexit").code == EFAULT);  // above frame 0
    CHECK(run_asm("stb [%r10-512], 1\nldxb %r0, [%r10-512]\nexit").value() == 1);
    // A callee overflowing its own frame faults too (it does not reach
    // other frames' memory below it).
    Error e = run_error("call local f\nexit\nf:\nstdw [%r10-520], 1\nexit");
    CHECK(e.code == EFAULT);
    CHECK_THAT(e.message, Catch::Contains("instruction 2"));
}

TEST_CASE("misaligned atomics fault in checked mode") {
    Error e = run_error("mov %r1, 1\nlock add [%r10-12], %r1\nexit");
    CHECK(e.code == EFAULT);
    CHECK_THAT(e.message, Catch::Contains("not aligned"));
}

TEST_CASE("regions added by the caller are honoured, read-only ones refuse writes") {
    uint64_t value = 41;
    Program prog = load_asm("ldxdw %r0, [%r1]\nadd %r0, 1\nstxdw [%r1], %r0\nexit");
    RunContext ctx;
    ctx.add_region(&value, sizeof value, false);
    RunArgs args;
    args.r[0] = reinterpret_cast<uint64_t>(&value);
    auto r = Interpreter::instance().run(prog, ctx, args);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("instruction 2") && Catch::Contains("write"));
    CHECK(value == 41);
    ctx.clear_regions();
    ctx.add_region(&value, sizeof value, true);
    CHECK(Interpreter::instance().run(prog, ctx, args).value() == 42);
    CHECK(value == 42);
}

TEST_CASE("the instruction budget ends endless loops") {
    Program prog = load_asm("mov %r0, 0\nloop:\nadd %r0, 1\nja loop");
    RunContext ctx;
    ctx.budget = 1000;
    auto r = Interpreter::instance().run(prog, ctx, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ELOOP);
    CHECK_THAT(r.error().message, Catch::Contains("budget of 1000"));
    // Unchecked mode counts too.
    prog.set_checked(false);
    CHECK_FALSE(Interpreter::instance().run(prog, ctx, {}).has_value());
    // Exactly the budget is enough.
    Program three = load_asm("mov %r0, 1\nadd %r0, 1\nexit");
    ctx.budget = 3;
    CHECK(Interpreter::instance().run(three, ctx, {}).value() == 2);
    ctx.budget = 2;
    CHECK_FALSE(Interpreter::instance().run(three, ctx, {}).has_value());
}
