// verifier_bench: how long the verifier takes on a program of about 4,000
// instructions made of 100 blocks, each a bounded loop (8 iterations)
// over the iterator's value buffer with a data-dependent branch inside,
// then straight-line arithmetic and stack spills. Prints figures (goal:
// under 50 ms per verification); asserts nothing.
//
//   verifier_bench [repetitions (default 20)]
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/vm/assembler.h"
#include "core/vm/verifier/verifier.h"
#include "iter/builtin_targets.h"
#include "iter/seq_helpers.h"
#include "iter/verifier_ctx.h"

using namespace bpffs;

namespace {

std::string block(int k) {
    std::string b = "mov %r7, 0\n";
    b += "loop" + std::to_string(k) + ":\n";
    b += "ldxdw %r2, [%r6+" + std::to_string(8 * (k % 8)) + "]\n";
    b += "and %r2, 255\n";
    b += "jgt %r2, 100, skip" + std::to_string(k) + "\n";
    b += "add %r8, %r2\n";
    b += "skip" + std::to_string(k) + ":\n";
    b += "add %r7, 1\n";
    b += "jlt %r7, 8, loop" + std::to_string(k) + "\n";
    for (int i = 0; i < 7; ++i) {
        b += "mov %r3, " + std::to_string(k + i) + "\n";
        b += "add %r3, %r7\n";
        b += "xor %r4, %r3\n";
        b += "stxdw [%r10-" + std::to_string(8 + 8 * (i % 4)) + "], %r3\n";
        b += "ldxdw %r5, [%r10-" + std::to_string(8 + 8 * (i % 4)) + "]\n";
    }
    return b;
}

std::string program() {
    std::string t = "ldxdw %r6, [%r1+24]\njeq %r6, 0, out\nmov %r8, 0\nmov %r4, 0\n";
    for (int k = 0; k < 100; ++k)
        t += block(k);
    t += "out:\nmov %r0, 0\nexit\n";
    return t;
}

double now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

}  // namespace

int main(int argc, char **argv) {
    int reps = argc > 1 ? std::atoi(argv[1]) : 20;
    if (reps <= 0) reps = 20;
    auto insns = vm::assemble(program());
    if (!insns) {
        std::fprintf(stderr, "verifier_bench: %s\n", insns.error().message.c_str());
        return 1;
    }
    auto env = iter_program_env(*make_bpf_map_elem_target());
    env.helpers = &iter_helper_table();
    env.gpl_compatible = true;
    std::vector<double> times;
    vm::verifier::Verdict last;
    for (int r = 0; r < reps; ++r) {
        double t0 = now_ms();
        last = vm::verifier::verify(*insns, env);
        times.push_back(now_ms() - t0);
        if (!last.status) {
            std::fprintf(stderr, "verifier_bench: refused: %s\n",
                         last.status.error().message.c_str());
            return 1;
        }
    }
    std::sort(times.begin(), times.end());
    std::printf("program: %zu instructions, 100 loops of 8 iterations\n", insns->size());
    std::printf("verifier: processed %u insns, %u states (peak %u, max per insn %u)\n",
                last.processed_insns, last.total_states, last.peak_states,
                last.max_states_per_insn);
    std::printf(
        "verification time: min %.2f ms, median %.2f ms, max %.2f ms over %d runs "
        "(goal < 50 ms)\n",
        times.front(), times[times.size() / 2], times.back(), reps);
    return 0;
}
