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
#include "tests/fuzz/fuzz_target.h"

using namespace bpffs;
using namespace bpffs::vm;

namespace {

constexpr uint32_t kMapFd = 3;
constexpr uint64_t kBudget = 20000;  // enough for loops to matter, short enough to fuzz fast

std::shared_ptr<Map> make_map() {
    MapSpec spec;
    spec.map_type = 2;  // BPF_MAP_TYPE_ARRAY
    spec.key_size = 4;
    spec.value_size = 16;
    spec.max_entries = 4;
    spec.name = "fuzz_vm";
    auto m = Map::create(spec, 1);
    return m ? *m : nullptr;
}

Result<ResolvedImm> resolve(const std::shared_ptr<Map> &map, const PseudoImm &p) {
    if (!map || static_cast<uint32_t>(p.imm) != kMapFd) return fail(EBADF, "no such map fd");
    ResolvedImm r;
    r.hold = map;
    r.map = map.get();
    if (p.src == op::kPseudoMapFd) {
        r.value = reinterpret_cast<uint64_t>(map.get());
        return r;
    }
    if (p.src == op::kPseudoMapValue) {
        uint32_t key = 0;
        auto *value = static_cast<uint8_t *>(map->lookup_for_prog(&key, 0));
        if (value == nullptr || p.next_imm < 0 || p.next_imm >= 16)
            return fail(EINVAL, "bad map value offset");
        r.value = reinterpret_cast<uint64_t>(value + p.next_imm);
        r.region = value;
        r.region_len = 16;
        return r;
    }
    return fail(EINVAL, "unsupported pseudo immediate");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static std::shared_ptr<Map> map = make_map();
    static RunContext *ctx = new RunContext();  // large (the stacks): made once
    std::vector<Insn> insns(size / sizeof(Insn));
    if (insns.empty()) return 0;
    memcpy(insns.data(), data, insns.size() * sizeof(Insn));
    LoadOptions opts;
    opts.checked = true;
    opts.resolver = [](const PseudoImm &p) { return resolve(map, p); };
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
