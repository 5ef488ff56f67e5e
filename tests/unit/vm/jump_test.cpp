// JMP and JMP32: every condition, signedness, the 32-bit forms, gotol.
#include "vm_test_util.h"

using namespace vmtest;

namespace {
// 1 when "jCC a, b" is taken, else 0.
uint64_t taken(const std::string &jcc, const std::string &a, const std::string &b) {
    return r0_of("lddw %r1, " + a + "\nlddw %r2, " + b + "\nmov %r0, 1\n" + jcc +
                 " %r1, %r2, +1\nmov %r0, 0\nexit");
}
uint64_t taken_imm(const std::string &jcc, const std::string &a, const std::string &imm) {
    return r0_of("lddw %r1, " + a + "\nmov %r0, 1\n" + jcc + " %r1, " + imm +
                 ", +1\nmov %r0, 0\nexit");
}
}  // namespace

TEST_CASE("64-bit conditions, unsigned and signed") {
    CHECK(taken("jeq", "5", "5") == 1);
    CHECK(taken("jne", "5", "5") == 0);
    CHECK(taken("jgt", "-1", "1") == 1);   // unsigned: 0xfff... > 1
    CHECK(taken("jsgt", "-1", "1") == 0);  // signed: -1 < 1
    CHECK(taken("jge", "1", "1") == 1);
    CHECK(taken("jsge", "-2", "-1") == 0);
    CHECK(taken("jlt", "1", "-1") == 1);
    CHECK(taken("jslt", "1", "-1") == 0);
    CHECK(taken("jle", "2", "1") == 0);
    CHECK(taken("jsle", "-5", "-5") == 1);
    CHECK(taken("jset", "6", "2") == 1);
    CHECK(taken("jset", "4", "2") == 0);
}

TEST_CASE("JMP immediates are sign-extended to 64 bits") {
    CHECK(taken_imm("jeq", "0xffffffffffffffff", "-1") == 1);
    CHECK(taken_imm("jeq", "0xffffffff", "-1") == 0);
    CHECK(taken_imm("jsgt", "0", "-1") == 1);
}

TEST_CASE("JMP32 compares the low 32 bits only") {
    CHECK(taken("jeq32", "0x100000005", "5") == 1);
    CHECK(taken("jgt32", "0x100000000", "1") == 0);
    CHECK(taken("jsgt32", "0x7fffffff", "0x80000000") == 1);  // INT_MAX > INT_MIN
    CHECK(taken("jgt32", "0x7fffffff", "0x80000000") == 0);
    CHECK(taken_imm("jeq32", "0xffffffff", "-1") == 1);
    CHECK(taken_imm("jslt32", "0x80000000", "0") == 1);
    CHECK(taken_imm("jset32", "0x100000000", "-1") == 0);
    CHECK(taken("jne32", "0x100000005", "5") == 0);
    CHECK(taken("jle32", "0x100000005", "5") == 1);
    CHECK(taken("jlt32", "4", "5") == 1);
    CHECK(taken("jge32", "4", "5") == 0);
    CHECK(taken("jsge32", "0xffffffff", "0") == 0);
    CHECK(taken("jsle32", "0xffffffff", "0") == 1);
}

TEST_CASE("ja, backward jumps and gotol (JMP32|JA with imm)") {
    CHECK(r0_of("mov %r0, 0\nmov %r1, 10\nloop:\nadd %r0, 2\nsub %r1, 1\njne %r1, 0, loop\nexit") ==
          20);
    CHECK(r0_of("mov %r0, 1\nja32 done\nmov %r0, 2\ndone:\nexit") == 1);
    CHECK(r0_of("mov %r0, 1\nja +1\nmov %r0, 2\nexit") == 1);
}
