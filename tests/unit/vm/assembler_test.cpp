// The assembler's encoding of the corpus syntax.
#include "vm_test_util.h"

using namespace vmtest;

TEST_CASE("encodes instructions as RFC 9669 does") {
    auto p = assemble(
        "mov %r0, 1\nadd32 %r1, %r2\nldxh %r3, [%r4-2]\nstw [%r10-4], 0x10\n"
        "lddw %r5, 0x1122334455667788\njne %r1, 3, +1\nlock fetch add [%r1+8], %r2\n"
        "call local f\nexit\nf:\nexit");
    REQUIRE(p);
    auto &v = *p;
    REQUIRE(v.size() == 11);
    CHECK(v[0].code == 0xb7);
    CHECK(v[0].imm == 1);
    CHECK(v[1].code == 0x0c);
    CHECK(v[1].dst == 1);
    CHECK(v[1].src == 2);
    CHECK(v[2].code == 0x69);
    CHECK(v[2].off == -2);
    CHECK(v[3].code == 0x62);
    CHECK(v[3].dst == 10);
    CHECK(v[4].code == 0x18);
    CHECK(uint32_t(v[4].imm) == 0x55667788u);
    CHECK(uint32_t(v[5].imm) == 0x11223344u);
    CHECK(v[6].code == 0x55);
    CHECK(v[6].off == 1);
    CHECK(v[7].code == 0xdb);
    CHECK(v[7].imm == 0x01);
    CHECK(v[8].code == 0x85);
    CHECK(v[8].src == 1);
    CHECK(v[8].imm == 1);
}

TEST_CASE("labels, the implicit exit label, and errors with line numbers") {
    auto p = assemble("jeq %r1, 0, exit\nmov %r0, 1\nexit\nmov %r0, 2\nexit");
    REQUIRE(p);
    CHECK((*p)[0].off == 1);  // the first exit
    auto bad = assemble("mov %r0, 1\nfrob %r0\nexit");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message, Catch::Contains("line 2"));
    auto missing = assemble("ja nowhere\nexit");
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error().message, Catch::Contains("nowhere"));
    CHECK_FALSE(assemble("mov %r0, 0x123456789\nexit"));
}
