// Helpers that call back into the program (the kernel's kernel/bpf/bpf_iter.c):
// bpf_loop (181) and bpf_for_each_map_elem (164). The callback is a function
// of the same program whose address the program took (LDDW src 4); each call
// runs on a new stack frame through RunContext::call_function and returns 0
// to go on or 1 to stop (the verifier proves that range).
#include <cerrno>
#include <cstdio>

#include "core/map.h"
#include "core/vm/helpers.h"
#include "core/vm/program.h"
#include "core/vm/run_context.h"

namespace bpffs::vm {
namespace {

// The kernel's BPF_MAX_LOOPS.
constexpr uint64_t kMaxLoops = uint64_t(1) << 23;

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// bpf_loop(nr_loops, callback, ctx, flags): callback(i, ctx) for i from 0
// while it returns 0; the number of calls made.
uint64_t loop(uint64_t nr_loops, uint64_t callback, uint64_t cb_ctx, uint64_t flags, uint64_t,
              RunContext &ctx) {
    if (flags != 0) return uint64_t(-EINVAL);
    // nr_loops is a u32 in the kernel's prototype.
    const uint64_t n = uint32_t(nr_loops);
    if (n > kMaxLoops) return uint64_t(-E2BIG);
    for (uint64_t i = 0; i < n; ++i) {
        const size_t mark = ctx.region_count();
        const uint64_t args[5] = {i, cb_ctx, 0, 0, 0};
        const uint64_t ret = ctx.call_function(callback, args);
        if (ctx.faulted()) return 0;
        ctx.drop_unreachable_regions(mark);
        if (ret != 0) return i + 1;
    }
    return n;
}

struct ForEach {
    RunContext &ctx;
    Map *map;
    uint64_t callback;
    uint64_t cb_ctx;
    bool writable;
};

bool visit_elem(void *arg, const void *key, void *value) {
    auto &fe = *static_cast<ForEach *>(arg);
    RunContext &ctx = fe.ctx;
    const size_t mark = ctx.region_count();
    // The element is memory the callback may use: the key read-only, the
    // value as the program may use the map's values.
    ctx.add_region(key, fe.map->key_size(), false);
    ctx.add_region(value, fe.map->value_size(), fe.writable);
    const uint64_t args[5] = {reinterpret_cast<uint64_t>(fe.map), reinterpret_cast<uint64_t>(key),
                              reinterpret_cast<uint64_t>(value), fe.cb_ctx, 0};
    const uint64_t ret = ctx.call_function(fe.callback, args);
    if (ctx.faulted()) return true;
    ctx.drop_unreachable_regions(mark);
    return ret != 0;
}

// bpf_for_each_map_elem(map, callback, ctx, flags): callback(map, key,
// value, ctx) for each element while it returns 0; the number of elements
// visited.
uint64_t for_each_map_elem(uint64_t r1, uint64_t callback, uint64_t cb_ctx, uint64_t flags,
                           uint64_t, RunContext &ctx) {
    auto *map = reinterpret_cast<Map *>(r1);
    if (ctx.checked() && (ctx.program() == nullptr || !ctx.program()->uses_map(map))) {
        ctx.fault(EFAULT,
                  "bpf_for_each_map_elem: r1 (" + hex(r1) + ") is not a map used by the program");
        return 0;
    }
    if (flags != 0) return uint64_t(-EINVAL);
    ForEach fe{ctx, map, callback, cb_ctx, !(map->flags() & BPF_F_RDONLY_PROG)};
    // The array key buffer belongs to the callback's frame-to-be, so nested
    // walks do not share one.
    const auto depth = size_t((ctx.stack_high() - ctx.stack_low()) / kStackSize);
    const uint32_t visited = map->for_each_from_prog(ctx.cpu % (map->ncpus() ? map->ncpus() : 1),
                                                     ctx.frame_key(depth), visit_elem, &fe);
    if (ctx.faulted()) return 0;
    return visited;
}

}  // namespace

void register_callback_helpers(HelperTable &table) {
    table.set(helper_id::kForEachMapElem, "bpf_for_each_map_elem", for_each_map_elem);
    table.set(helper_id::kLoop, "bpf_loop", loop);
}

}  // namespace bpffs::vm
