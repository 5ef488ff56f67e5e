// ALU and ALU64: every operation, and the edge cases RFC 9669 pins down.
#include "vm_test_util.h"

using namespace vmtest;

TEST_CASE("64-bit arithmetic and logic") {
    CHECK(r0_of("mov %r0, 5\nadd %r0, 7\nexit") == 12);
    CHECK(r0_of("mov %r0, 5\nmov %r1, 7\nsub %r0, %r1\nexit") == uint64_t(-2));
    CHECK(r0_of("mov %r0, 6\nmul %r0, 7\nexit") == 42);
    CHECK(r0_of("mov %r0, 0xf0\nor %r0, 0x0f\nexit") == 0xff);
    CHECK(r0_of("mov %r0, 0xff\nand %r0, 0x0f\nexit") == 0x0f);
    CHECK(r0_of("mov %r0, 0xff\nxor %r0, 0x0f\nexit") == 0xf0);
    CHECK(r0_of("mov %r0, 1\nneg %r0\nexit") == uint64_t(-1));
    CHECK(r0_of("lddw %r0, 0x8000000000000000\nneg %r0\nexit") == 0x8000000000000000ull);
}

TEST_CASE("ALU64 sign-extends its immediate, ALU32 zero-extends its result") {
    CHECK(r0_of("mov %r0, -1\nexit") == ~0ull);
    CHECK(r0_of("mov32 %r0, -1\nexit") == 0xffffffffull);
    CHECK(r0_of("mov %r0, 0\nadd %r0, -1\nexit") == ~0ull);
    CHECK(r0_of("lddw %r0, 0x1ffffffff\nadd32 %r0, 1\nexit") == 0);
    CHECK(r0_of("lddw %r0, 0xffffffff00000005\nmov32 %r0, %r0\nexit") == 5);
    CHECK(r0_of("mov %r0, 0\nsub32 %r0, 1\nexit") == 0xffffffffull);
    CHECK(r0_of("mov32 %r0, 0x80000000\nneg32 %r0\nexit") == 0x80000000ull);
    // An unsigned 64-bit division by imm uses the sign-extended imm.
    CHECK(r0_of("mov %r0, -1\ndiv %r0, -1\nexit") == 1);
}

TEST_CASE("shifts mask their count") {
    CHECK(r0_of("mov %r0, 1\nlsh %r0, 65\nexit") == 2);
    CHECK(r0_of("mov %r0, 1\nmov %r1, 33\nlsh32 %r0, %r1\nexit") == 2);
    CHECK(r0_of("mov %r0, 4\nrsh %r0, 66\nexit") == 1);
    CHECK(r0_of("mov32 %r0, 0x80000000\nrsh32 %r0, 31\nexit") == 1);
    CHECK(r0_of("mov %r0, -16\narsh %r0, 2\nexit") == uint64_t(-4));
    CHECK(r0_of("mov32 %r0, 0x80000000\narsh32 %r0, 4\nexit") == 0xf8000000ull);
    CHECK(r0_of("mov %r0, -16\nmov %r1, 0x42\narsh %r0, %r1\nexit") == uint64_t(-4));
}

TEST_CASE("division and modulo by zero") {
    CHECK(r0_of("mov %r0, 9\nmov %r1, 0\ndiv %r0, %r1\nexit") == 0);
    CHECK(r0_of("mov %r0, 9\nmov %r1, 0\ndiv32 %r0, %r1\nexit") == 0);
    CHECK(r0_of("mov %r0, 9\nmov %r1, 0\nsdiv %r0, %r1\nexit") == 0);
    // ALU64 modulo by zero leaves dst unchanged...
    CHECK(r0_of("lddw %r0, 0x100000009\nmov %r1, 0\nmod %r0, %r1\nexit") == 0x100000009ull);
    CHECK(r0_of("lddw %r0, 0x100000009\nmov %r1, 0\nsmod %r0, %r1\nexit") == 0x100000009ull);
    // ...ALU32 modulo by zero zero-extends it.
    CHECK(r0_of("lddw %r0, 0x100000009\nmov %r1, 0\nmod32 %r0, %r1\nexit") == 9);
    CHECK(r0_of("lddw %r0, 0x1fffffff7\nmov %r1, 0\nsmod32 %r0, %r1\nexit") == 0xfffffff7ull);
}

TEST_CASE("signed division and modulo") {
    CHECK(r0_of("mov %r0, -13\nsdiv %r0, 3\nexit") == uint64_t(-4));
    CHECK(r0_of("mov %r0, -13\nsmod %r0, 3\nexit") == uint64_t(-1));  // truncates
    CHECK(r0_of("mov %r0, 13\nsmod %r0, -3\nexit") == 1);
    CHECK(r0_of("mov32 %r0, -13\nsdiv32 %r0, 3\nexit") == 0xfffffffcull);
    CHECK(r0_of("mov32 %r0, -13\nsmod32 %r0, 3\nexit") == 0xffffffffull);
    // INT_MIN / -1 wraps instead of trapping; INT_MIN % -1 is 0.
    CHECK(r0_of("lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit") == 0x8000000000000000ull);
    CHECK(r0_of("lddw %r0, 0x8000000000000000\nsmod %r0, -1\nexit") == 0);
    CHECK(r0_of("mov32 %r0, 0x80000000\nsdiv32 %r0, -1\nexit") == 0x80000000ull);
    CHECK(r0_of("mov32 %r0, 0x80000000\nsmod32 %r0, -1\nexit") == 0);
    CHECK(r0_of("mov %r0, 100\nmov %r1, 7\nmod %r0, %r1\nexit") == 2);
}

TEST_CASE("MOVSX sign-extends 8, 16 and 32 bits") {
    CHECK(r0_of("mov %r1, 0x80\nmovsx864 %r0, %r1\nexit") == 0xffffffffffffff80ull);
    CHECK(r0_of("mov %r1, 0x8000\nmovsx1664 %r0, %r1\nexit") == 0xffffffffffff8000ull);
    CHECK(r0_of("mov32 %r1, 0x80000000\nmovsx3264 %r0, %r1\nexit") == 0xffffffff80000000ull);
    CHECK(r0_of("mov %r1, 0x80\nmovsx832 %r0, %r1\nexit") == 0xffffff80ull);
    CHECK(r0_of("mov %r1, 0x7fff\nmovsx1632 %r0, %r1\nexit") == 0x7fff);
}

TEST_CASE("byte swaps") {
    CHECK(r0_of("lddw %r0, 0x1122334455667788\nbe16 %r0\nexit") == 0x8877);
    CHECK(r0_of("lddw %r0, 0x1122334455667788\nbe32 %r0\nexit") == 0x88776655);
    CHECK(r0_of("lddw %r0, 0x1122334455667788\nbe64 %r0\nexit") == 0x8877665544332211ull);
    CHECK(r0_of("lddw %r0, 0x1122334455667788\nle16 %r0\nexit") == 0x7788);
    CHECK(r0_of("lddw %r0, 0x1122334455667788\nle32 %r0\nexit") == 0x55667788);
    CHECK(r0_of("lddw %r0, 0x1122334455667788\nle64 %r0\nexit") == 0x1122334455667788ull);
    CHECK(r0_of("lddw %r0, 0x1122334455667788\nbswap16 %r0\nexit") == 0x8877);
    CHECK(r0_of("lddw %r0, 0x1122334455667788\nbswap32 %r0\nexit") == 0x88776655);
    CHECK(r0_of("lddw %r0, 0x1122334455667788\nbswap64 %r0\nexit") == 0x8877665544332211ull);
}
