// Fuzz target: the VM's checked interpreter (core/vm). The input is taken as
// instructions, loaded with vm::Program::load (structure checks, pre-decode)
// and, when that accepts them, run in checked mode with a small instruction
// budget. With no verifier yet, a program that touches memory it was not
// given must end with a clean fault; it must never crash or trip ASan.
//
// The program may use one real array map (fd 3, LDDW map fd / map value) so
// that the map helpers run too, and gets a 64-byte context in r1.
#include <cstring>

#include "core/map.h"
#include "core/vm/interpreter.h"
#include "core/vm/isa.h"
#include "core/vm/ops.h"
#include "core/vm/program.h"
#include "tests/fuzz/fuzz_map.h"
#include "tests/fuzz/fuzz_target.h"

using namespace bpffs;
using namespace bpffs::vm;

namespace {

constexpr uint64_t kBudget = 20000;  // enough for loops to matter, short enough to fuzz fast

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static std::shared_ptr<Map> map = fuzz::make_map("fuzz_vm");
    static RunContext *ctx = new RunContext();  // large (the stacks): made once
    std::vector<Insn> insns(size / sizeof(Insn));
    if (insns.empty()) return 0;
    memcpy(insns.data(), data, insns.size() * sizeof(Insn));
    LoadOptions opts;
    opts.checked = true;
    opts.resolver = [](const PseudoImm &p) { return fuzz::resolve(map, p); };
    auto prog = Program::load(insns, opts);
    if (!prog) return 0;
    alignas(8) uint8_t context[64] = {};
    ctx->clear_regions();
    ctx->add_region(context, sizeof(context), true);
    ctx->budget = kBudget;
    RunArgs args;
    args.r[0] = reinterpret_cast<uint64_t>(context);
    args.r[1] = sizeof(context);
    (void)Interpreter::instance().run(*prog, *ctx, args);
    return 0;
}
