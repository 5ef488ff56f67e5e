// Loads, stores, sign-extending loads, 64-bit immediates and atomics.
#include "vm_test_util.h"

using namespace vmtest;

TEST_CASE("loads of every size from the input memory, unaligned") {
    std::vector<uint8_t> mem = {0xaa, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99};
    CHECK(run_asm("ldxb %r0, [%r1+1]\nexit", &mem).value() == 0x11);
    CHECK(run_asm("ldxh %r0, [%r1+1]\nexit", &mem).value() == 0x2211);
    CHECK(run_asm("ldxw %r0, [%r1+1]\nexit", &mem).value() == 0x44332211);
    CHECK(run_asm("ldxdw %r0, [%r1+1]\nexit", &mem).value() == 0x8877665544332211ull);
    CHECK(run_asm("mov %r0, %r2\nexit", &mem).value() == mem.size());
}

TEST_CASE("sign-extending loads") {
    std::vector<uint8_t> mem = {0x80, 0x80, 0xff, 0xff, 0x80};
    CHECK(run_asm("ldxsb %r0, [%r1]\nexit", &mem).value() == 0xffffffffffffff80ull);
    CHECK(run_asm("ldxsh %r0, [%r1]\nexit", &mem).value() == 0xffffffffffff8080ull);
    CHECK(run_asm("ldxsw %r0, [%r1+1]\nexit", &mem).value() == 0xffffffff80ffff80ull);
}

TEST_CASE("stores of every size, immediate and register") {
    std::vector<uint8_t> mem(16, 0);
    REQUIRE(run_asm("stb [%r1], 0x11\nsth [%r1+2], 0x2233\nstw [%r1+4], 0x44556677\n"
                    "lddw %r3, 0x8899aabbccddeeff\nstxdw [%r1+8], %r3\nmov %r0, 0\nexit",
                    &mem)
                .has_value());
    CHECK(mem == std::vector<uint8_t>{0x11, 0, 0x33, 0x22, 0x77, 0x66, 0x55, 0x44, 0xff, 0xee, 0xdd,
                                      0xcc, 0xbb, 0xaa, 0x99, 0x88});
    REQUIRE(run_asm("mov %r3, 0x1234\nstxb [%r1], %r3\nstxh [%r1+2], %r3\nstxw [%r1+4], %r3\n"
                    "stdw [%r1+8], -1\nexit",
                    &mem)
                .has_value());
    CHECK(mem[0] == 0x34);
    CHECK(mem[2] == 0x34);
    CHECK(mem[3] == 0x12);
    CHECK(mem[4] == 0x34);
    CHECK(mem[7] == 0);
    CHECK(mem[15] == 0xff);
}

TEST_CASE("the stack is 512 bytes below r10 and zeroed before each run") {
    CHECK(r0_of("stdw [%r10-512], 7\nldxdw %r0, [%r10-512]\nexit") == 7);
    // A second run must not see the first run's data.
    LoadOptions opts;
    Program writer = load_asm("stdw [%r10-8], 99\nmov %r0, 0\nexit", opts);
    Program reader = load_asm("ldxdw %r0, [%r10-8]\nexit", opts);
    RunContext ctx;
    REQUIRE(Interpreter::instance().run(writer, ctx, {}).has_value());
    CHECK(Interpreter::instance().run(reader, ctx, {}).value() == 0);
}

TEST_CASE("lddw loads 64 bits") {
    CHECK(r0_of("lddw %r0, 0x1122334455667788\nexit") == 0x1122334455667788ull);
    CHECK(r0_of("lddw %r0, -2\nexit") == uint64_t(-2));
}

TEST_CASE("atomics without fetch") {
    const std::string setup = "lddw %r1, 0x1111111122222222\nstxdw [%r10-8], %r1\n";
    CHECK(r0_of(setup + "mov %r2, 1\nlock add [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit") ==
          0x1111111122222223ull);
    CHECK(r0_of(setup + "mov %r2, 0xf0\nlock or [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit") ==
          0x11111111222222f2ull);
    CHECK(r0_of(setup + "mov %r2, 0x0f\nlock and [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit") == 2);
    CHECK(r0_of(setup + "mov %r2, 0x3\nlock xor [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit") ==
          0x1111111122222221ull);
    // 32-bit forms touch only the low word.
    CHECK(r0_of(setup + "mov %r2, 1\nlock add32 [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit") ==
          0x1111111122222223ull);
    CHECK(r0_of(setup + "mov %r2, -1\nlock add32 [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit") ==
          0x1111111122222221ull);
}

TEST_CASE("atomics with fetch return the old value in src") {
    const std::string setup = "lddw %r1, 0x1111111122222222\nstxdw [%r10-8], %r1\n";
    CHECK(r0_of(setup + "mov %r0, 1\nlock fetch add [%r10-8], %r0\nexit") == 0x1111111122222222ull);
    CHECK(r0_of(setup + "mov %r0, 1\nlock fetch or [%r10-8], %r0\nexit") == 0x1111111122222222ull);
    CHECK(r0_of(setup + "mov %r0, 1\nlock fetch and [%r10-8], %r0\nexit") == 0x1111111122222222ull);
    CHECK(r0_of(setup + "mov %r0, 1\nlock fetch xor [%r10-8], %r0\nexit") == 0x1111111122222222ull);
    // 32-bit fetch zero-extends into src.
    CHECK(r0_of(setup + "lddw %r0, -1\nlock fetch add32 [%r10-8], %r0\nexit") == 0x22222222);
    CHECK(r0_of(setup + "mov %r0, 5\nlock xchg [%r10-8], %r0\nexit") == 0x1111111122222222ull);
    CHECK(r0_of(setup + "mov %r0, 5\nlock xchg [%r10-8], %r0\nldxdw %r0, [%r10-8]\nexit") == 5);
    CHECK(r0_of(setup + "lddw %r0, -1\nlock xchg32 [%r10-8], %r0\nexit") == 0x22222222);
}

TEST_CASE("cmpxchg compares with r0 and returns the old value in r0") {
    const std::string setup = "lddw %r1, 0x1111111122222222\nstxdw [%r10-8], %r1\nmov %r2, 7\n";
    // Match: memory takes src, r0 gets the old value.
    CHECK(r0_of(setup + "mov %r0, %r1\nlock cmpxchg [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit") ==
          7);
    CHECK(r0_of(setup + "mov %r0, %r1\nlock cmpxchg [%r10-8], %r2\nexit") == 0x1111111122222222ull);
    // No match: memory unchanged, r0 still gets the old value.
    CHECK(r0_of(setup + "mov %r0, 1\nlock cmpxchg [%r10-8], %r2\nldxdw %r0, [%r10-8]\nexit") ==
          0x1111111122222222ull);
    // 32-bit: compares the low words, r0 zero-extended.
    CHECK(r0_of(setup + "lddw %r0, 0xffffffff22222222\nlock cmpxchg32 [%r10-8], %r2\nexit") ==
          0x22222222);
    CHECK(r0_of(setup + "lddw %r0, 0xffffffff22222222\nlock cmpxchg32 [%r10-8], %r2\n"
                        "ldxdw %r0, [%r10-8]\nexit") == 0x1111111100000007ull);
}
