// Helpers without arguments: time, random numbers, CPU number.
#include <time.h>

#include <random>

#include "core/vm/helpers.h"
#include "core/vm/run_context.h"

namespace bpffs::vm {
namespace {

// bpf_ktime_get_ns: CLOCK_MONOTONIC in nanoseconds, as the kernel's.
uint64_t ktime_get_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, RunContext &) {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

// bpf_get_prandom_u32: a per-thread generator, seeded once from the OS, so
// that runs on different threads never share (or contend on) state.
uint64_t get_prandom_u32(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, RunContext &) {
    thread_local std::minstd_rand engine{std::random_device{}()};
    thread_local std::uniform_int_distribution<uint32_t> dist;
    return dist(engine);
}

uint64_t get_smp_processor_id(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, RunContext &ctx) {
    return ctx.cpu;
}

}  // namespace

void register_base_helpers(HelperTable &table) {
    table.set(helper_id::kKtimeGetNs, "bpf_ktime_get_ns", ktime_get_ns);
    table.set(helper_id::kGetPrandomU32, "bpf_get_prandom_u32", get_prandom_u32);
    table.set(helper_id::kGetSmpProcessorId, "bpf_get_smp_processor_id", get_smp_processor_id);
}

}  // namespace bpffs::vm
