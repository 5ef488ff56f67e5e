// vm_bench: nanoseconds per executed eBPF instruction for four program
// shapes (prime sieve, byte copy, branchy switch, helper-call loop), in
// checked and unchecked mode, timed in thread CPU time. Prints figures;
// asserts nothing.
//
//   vm_bench [seconds-per-case (default 0.5)]
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/vm/assembler.h"
#include "core/vm/interpreter.h"
#include "core/vm/program.h"

using namespace bpffs::vm;

namespace {

struct Case {
    const char *name;
    std::string text;
    size_t mem_size;
};

// Marks composites in an 8192-byte table at r1 and counts the primes.
const char *kSieve = R"(
    mov %r6, %r1
    mov %r0, 0
    mov %r2, 2
outer:
    jge %r2, 8192, done
    mov %r3, %r6
    add %r3, %r2
    ldxb %r4, [%r3]
    jne %r4, 0, next
    add %r0, 1
    mov %r5, %r2
    mul %r5, %r2
inner:
    jge %r5, 8192, next
    mov %r3, %r6
    add %r3, %r5
    stb [%r3], 1
    add %r5, %r2
    ja inner
next:
    add %r2, 1
    ja outer
done:
    exit
)";

// Copies the first 4096 bytes at r1 to the next 4096, one byte at a time.
const char *kCopy = R"(
    mov %r2, %r1
    add %r2, 4096
    mov %r3, 0
loop:
    mov %r4, %r1
    add %r4, %r3
    ldxb %r5, [%r4]
    mov %r4, %r2
    add %r4, %r3
    stxb [%r4], %r5
    add %r3, 1
    jlt %r3, 4096, loop
    mov %r0, %r3
    exit
)";

// A switch over i % 8 compiled as a compare chain, 10000 iterations.
const char *kSwitch = R"(
    mov %r0, 0
    mov %r6, 0
loop:
    mov %r2, %r6
    and %r2, 7
    jeq %r2, 0, c0
    jeq %r2, 1, c1
    jeq %r2, 2, c2
    jeq %r2, 3, c3
    jeq %r2, 4, c4
    jeq %r2, 5, c5
    jeq %r2, 6, c6
    xor %r0, %r6
    ja next
c0:
    add %r0, 1
    ja next
c1:
    sub %r0, 3
    ja next
c2:
    lsh %r0, 1
    ja next
c3:
    rsh %r0, 1
    ja next
c4:
    mul %r0, 3
    ja next
c5:
    or %r0, 5
    ja next
c6:
    add %r0, %r6
next:
    add %r6, 1
    jlt %r6, 10000, loop
    exit
)";

// 10000 calls of bpf_get_smp_processor_id.
const char *kHelper = R"(
    mov %r6, 0
    mov %r7, 0
loop:
    call 8
    add %r7, %r0
    add %r6, 1
    jlt %r6, 10000, loop
    mov %r0, %r7
    exit
)";

// This thread's CPU time: the machine may be shared, and wall time would
// count other processes' turns on the CPU.
struct ThreadClock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<ThreadClock>;
    static constexpr bool is_steady = true;
    static time_point now() {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return time_point(duration(int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec));
    }
};

double measure(const Program &prog, std::vector<uint8_t> &mem, double seconds, uint64_t &insns) {
    RunContext ctx;
    ctx.budget = ~0ull;
    ctx.add_region(mem.data(), mem.size(), true);
    RunArgs args;
    args.r[0] = reinterpret_cast<uint64_t>(mem.data());
    args.r[1] = mem.size();
    auto &vm = Interpreter::instance();
    // Warm up, and learn how many instructions one run executes.
    auto first = vm.run(prog, ctx, args);
    if (!first) {
        std::fprintf(stderr, "run failed: %s\n", first.error().message.c_str());
        std::exit(1);
    }
    insns = ctx.instructions_executed();
    using clock = ThreadClock;
    uint64_t runs = 0;
    auto start = clock::now();
    auto deadline = start + std::chrono::nanoseconds(int64_t(seconds * 1e9));
    clock::time_point now;
    do {
        for (int i = 0; i < 16; ++i) {
            std::fill(mem.begin(), mem.end(), 0);  // the sieve needs a clear table
            (void)vm.run(prog, ctx, args);
        }
        runs += 16;
        now = clock::now();
    } while (now < deadline);
    // Subtract the cost of clearing the memory, measured on its own.
    auto clear_start = clock::now();
    for (uint64_t i = 0; i < runs; ++i) {
        std::fill(mem.begin(), mem.end(), 0);
        asm volatile("" : : "r"(mem.data()) : "memory");
    }
    auto clear_ns = std::chrono::duration<double, std::nano>(clock::now() - clear_start).count();
    double ns = std::chrono::duration<double, std::nano>(now - start).count() - clear_ns;
    return ns / double(runs * insns);
}

}  // namespace

int main(int argc, char **argv) {
    double seconds = argc > 1 ? std::atof(argv[1]) : 0.5;
    const std::vector<Case> cases = {
        {"prime sieve", kSieve, 8192},
        {"byte copy", kCopy, 8192},
        {"branchy switch", kSwitch, 0},
        {"helper-call loop", kHelper, 0},
    };
    std::printf("%-18s %12s %14s %14s\n", "program", "insns/run", "checked ns/i", "unchecked ns/i");
    for (const Case &c : cases) {
        auto insns = assemble(c.text);
        if (!insns) {
            std::fprintf(stderr, "%s: %s\n", c.name, insns.error().message.c_str());
            return 1;
        }
        auto prog = Program::load(*insns);
        if (!prog) {
            std::fprintf(stderr, "%s: %s\n", c.name, prog.error().message.c_str());
            return 1;
        }
        std::vector<uint8_t> mem(c.mem_size);
        uint64_t n = 0;
        prog->set_checked(true);
        double checked = measure(*prog, mem, seconds, n);
        prog->set_checked(false);
        double unchecked = measure(*prog, mem, seconds, n);
        std::printf("%-18s %12llu %14.2f %14.2f\n", c.name, static_cast<unsigned long long>(n),
                    checked, unchecked);
    }
    return 0;
}
