// Structural validation at load: every rejected form names its instruction.
#include <cerrno>

#include "vm_test_util.h"

using namespace vmtest;

namespace {
Insn insn(uint8_t code, uint8_t dst = 0, uint8_t src = 0, int16_t off = 0, int32_t imm = 0) {
    Insn i{};
    i.code = code;
    i.dst = dst;
    i.src = src;
    i.off = off;
    i.imm = imm;
    return i;
}
const Insn kExit = insn(op::kJmp | op::kExit);

std::string load_error(std::vector<Insn> insns) {
    auto p = Program::load(insns);
    if (p) return "";
    CHECK(p.error().code != 0);
    return p.error().message;
}
}  // namespace

TEST_CASE("well-formed programs load") {
    CHECK(load_error({insn(op::kAlu64 | op::kMov, 0, 0, 0, 1), kExit}).empty());
}

TEST_CASE("malformed programs are rejected with the instruction index") {
    using Catch::Contains;
    CHECK_THAT(load_error({}), Contains("no instructions"));
    CHECK_THAT(load_error({insn(0xff), kExit}), Contains("instruction 0"));
    CHECK_THAT(load_error({insn(op::kAlu64 | op::kMov, 0, 0, 0, 1)}),
               Contains("must end with exit"));
    CHECK_THAT(load_error({insn(op::kAlu64 | op::kMov, 11, 0, 0, 1), kExit}),
               Contains("register number"));
    CHECK_THAT(load_error({insn(op::kAlu64 | op::kMov, 10, 0, 0, 1), kExit}),
               Contains("r10 is read-only"));
    CHECK_THAT(load_error({insn(op::kJmp | op::kJa, 0, 0, 5), kExit}),
               Contains("outside the program"));
    CHECK_THAT(load_error({insn(op::kJmp | op::kJa, 0, 0, -2), kExit}),
               Contains("outside the program"));
    // A jump into the middle of an LDDW.
    CHECK_THAT(load_error({insn(op::kJmp | op::kJa, 0, 0, 1), insn(op::kLddw, 0, 0, 0, 1), insn(0),
                           kExit}),
               Contains("second half of an LDDW"));
    CHECK_THAT(load_error({insn(op::kLddw, 0, 0, 0, 1)}), Contains("missing its second half"));
    CHECK_THAT(load_error({insn(op::kLddw, 0, 0, 0, 1), insn(0x07), kExit}),
               Contains("instruction 1"));
    CHECK_THAT(load_error({insn(op::kLddw, 0, 1, 0, 3), insn(0), kExit}),
               Contains("needs a loader"));
    CHECK_THAT(load_error({insn(op::kAlu64 | op::kNeg | op::kX, 0, 1), kExit}), Contains("NEG"));
    CHECK_THAT(load_error({insn(op::kAlu64 | op::kMov | op::kX, 0, 1, 4), kExit}),
               Contains("MOVSX"));
    CHECK_THAT(load_error({insn(op::kAlu | op::kMov | op::kX, 0, 1, 32), kExit}),
               Contains("MOVSX"));
    CHECK_THAT(load_error({insn(op::kAlu64 | op::kAdd, 0, 0, 1, 1), kExit}),
               Contains("offset must be zero"));
    CHECK_THAT(load_error({insn(op::kAlu | op::kEnd, 0, 0, 0, 8), kExit}),
               Contains("16, 32 or 64"));
    CHECK_THAT(load_error({insn(op::kStx | op::kAtomic | op::kB, 1, 2), kExit}),
               Contains("W and DW"));
    CHECK_THAT(load_error({insn(op::kStx | op::kAtomic | op::kDW, 1, 2, 0, 0x11), kExit}),
               Contains("unknown atomic"));
    CHECK_THAT(load_error({insn(op::kLdx | op::kMemsx | op::kDW, 0, 1), kExit}),
               Contains("no sign-extending 64-bit"));
    CHECK_THAT(load_error({insn(op::kLd | op::kAbs | op::kW), kExit}), Contains("LD ABS/IND"));
    CHECK_THAT(load_error({insn(op::kJmp | op::kCall | op::kX, 2), kExit}), Contains("callx"));
    CHECK_THAT(load_error({insn(op::kJmp | op::kCall, 0, 1, 0, 5), kExit}),
               Contains("outside the program"));
    CHECK_THAT(load_error({insn(op::kJmp | op::kExit, 0, 0, 0, 1)}), Contains("EXIT takes no"));
}

TEST_CASE("LDDW pseudo forms go through the resolver") {
    std::vector<Insn> prog = {insn(op::kLddw, 0, op::kPseudoMapValue, 0, 7), insn(0, 0, 0, 0, 16),
                              kExit};
    LoadOptions opts;
    PseudoImm seen;
    opts.resolver = [&](const PseudoImm &p) -> Result<ResolvedImm> {
        seen = p;
        if (p.imm != 7) return fail(EBADF, "no map with fd " + std::to_string(p.imm));
        ResolvedImm r;
        r.value = 0x1000 + uint64_t(p.next_imm);
        return r;
    };
    auto p = Program::load(prog, opts);
    REQUIRE(p);
    CHECK(seen.src == op::kPseudoMapValue);
    CHECK(seen.next_imm == 16);
    RunContext ctx;
    CHECK(Interpreter::instance().run(*p, ctx, {}).value() == 0x1010);
    prog[0].imm = 8;
    auto bad = Program::load(prog, opts);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == EBADF);
    CHECK_THAT(bad.error().message, Catch::Contains("instruction 0: no map with fd 8"));
}
