// Fuzz target: the verifier (core/vm/verifier). The input is taken as
// instructions for an iterator program of the bpf_map_elem target; each is
// verified with the privileged and the strict rules, and every program the
// verifier accepts is run in the checked interpreter on a real context
// (meta, map view, key and value buffers as large as the verifier recorded).
// A checked-mode memory fault after acceptance means the verifier let an
// unsafe program through: the target aborts, which is a crash to libFuzzer.
//
// The program may use one real array map (fd 3: LDDW map fd / map value).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/map.h"
#include "core/vm/interpreter.h"
#include "core/vm/program.h"
#include "core/vm/verifier/verifier.h"
#include "iter/builtin_targets.h"
#include "iter/meta.h"
#include "iter/seq_helpers.h"
#include "iter/verifier_ctx.h"
#include "tests/fuzz/fuzz_map.h"
#include "tests/fuzz/fuzz_target.h"

using namespace bpffs;
using namespace bpffs::vm;

namespace {

constexpr uint64_t kBudget = 20000;

const verifier::ProgramEnv &base_env() {
    static const verifier::ProgramEnv env = [] {
        auto e = iter_program_env(*make_bpf_map_elem_target());
        e.helpers = &iter_helper_table();
        e.gpl_compatible = true;
        return e;
    }();
    return env;
}

void run_accepted(const std::vector<Insn> &insns, const std::shared_ptr<Map> &map,
                  const verifier::Verdict &verdict) {
    static RunContext *ctx = new RunContext();
    LoadOptions opts;
    opts.helpers = &iter_helper_table();
    opts.resolver = [&map](const PseudoImm &p) { return fuzz::resolve(map, p); };
    auto prog = Program::load(insns, opts);
    if (!prog) {
        // The verifier accepted what the loader refuses: a mismatch, not unsafe.
        return;
    }
    prog->mark_probe_loads(verdict.probe_loads);
    prog->set_checked(true);
    // The context: meta, a map view, key and value buffers as large as the
    // program may touch (the attach-time check guarantees no more).
    alignas(8) static IterMeta meta{};
    alignas(8) static kview::bpf_map view{};
    std::vector<uint8_t> key(std::max<uint32_t>(verdict.max_rdonly_access, 1));
    std::vector<uint8_t> value(std::max<uint32_t>(verdict.max_rdwr_access, 1));
    alignas(8) kview::bpf_iter__bpf_map_elem c{};
    c.meta = reinterpret_cast<kview::bpf_iter_meta *>(&meta);
    c.map = &view;
    c.key = key.data();
    c.value = value.data();
    ctx->clear_regions();
    ctx->add_region(&c, sizeof c, false);
    ctx->add_region(&meta, sizeof meta, false);
    ctx->add_region(&view, sizeof view, false);
    ctx->add_region(key.data(), key.size(), false);
    ctx->add_region(value.data(), value.size(), true);
    ctx->budget = kBudget;
    RunArgs args;
    args.r[0] = reinterpret_cast<uint64_t>(&c);
    auto r0 = Interpreter::instance().run(*prog, *ctx, args);
    ctx->clear_regions();
    // Helpers outside a session fail with EINVAL and budgets end with ELOOP:
    // both are fine. A memory fault (EFAULT) is the verifier's mistake.
    if (!r0 && r0.error().code == EFAULT &&
        r0.error().message.find("outside the memory") != std::string::npos) {
        std::fprintf(stderr, "fuzz_verifier: accepted program faulted: %s\n",
                     r0.error().message.c_str());
        std::abort();
    }
    if (r0 && *r0 > 1) {
        std::fprintf(stderr, "fuzz_verifier: accepted program returned %llu\n",
                     static_cast<unsigned long long>(*r0));
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static std::shared_ptr<Map> map = fuzz::make_map("fuzz_verifier");
    std::vector<Insn> insns(size / sizeof(Insn));
    if (insns.empty() || insns.size() > 4096) return 0;
    std::memcpy(insns.data(), data, insns.size() * sizeof(Insn));
    // The verifier runs after the loader's structural checks, as in PROG_LOAD.
    LoadOptions opts;
    opts.helpers = &iter_helper_table();
    opts.resolver = [](const PseudoImm &p) { return fuzz::resolve(map, p); };
    if (!Program::load(insns, opts)) return 0;
    for (bool privileged : {true, false}) {
        verifier::ProgramEnv env = base_env();
        env.privileged = privileged;
        for (size_t i = 0; i + 1 < insns.size(); ++i) {
            if (insns[i].code != op::kLddw) continue;
            if (insns[i].src == op::kPseudoMapFd || insns[i].src == op::kPseudoMapValue)
                env.maps.push_back({i, map.get(), insns[i].src == op::kPseudoMapValue,
                                    uint32_t(insns[i + 1].imm)});
            ++i;
        }
        auto verdict = verifier::verify(insns, env);
        if (verdict.status) run_accepted(insns, map, verdict);
    }
    return 0;
}
