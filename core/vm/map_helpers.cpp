// bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem over the
// program side of core/map.h. r1 is a Map* placed by a resolved LDDW
// (src 1); keys and values are pointers into memory the program owns.
#include <cerrno>
#include <cstdio>

#include "core/map.h"
#include "core/vm/helpers.h"
#include "core/vm/program.h"
#include "core/vm/run_context.h"

namespace bpffs::vm {
namespace {

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// In checked mode: r1 must be one of the maps the program was loaded with,
// and the key/value must lie in memory the run may read.
Map *checked_map(uint64_t r1, RunContext &ctx, const char *helper) {
    auto *map = reinterpret_cast<Map *>(r1);
    if (!ctx.checked()) return map;
    if (ctx.program() == nullptr || !ctx.program()->uses_map(map)) {
        ctx.fault(EFAULT,
                  std::string(helper) + ": r1 (" + hex(r1) + ") is not a map used by the program");
        return nullptr;
    }
    return map;
}

bool readable(uint64_t ptr, size_t len, RunContext &ctx, const char *helper, const char *what) {
    if (!ctx.checked() || ctx.allows(ptr, len, false)) return true;
    ctx.fault(EFAULT, std::string(helper) + ": the " + what + " at " + hex(ptr) + " (" +
                          std::to_string(len) + " bytes) is outside the program's memory");
    return false;
}

uint64_t map_lookup_elem(uint64_t r1, uint64_t key, uint64_t, uint64_t, uint64_t, RunContext &ctx) {
    Map *map = checked_map(r1, ctx, "bpf_map_lookup_elem");
    if (map == nullptr || !readable(key, map->key_size(), ctx, "bpf_map_lookup_elem", "key"))
        return 0;
    void *value = map->lookup_for_prog(reinterpret_cast<const void *>(key),
                                       ctx.cpu % (map->ncpus() ? map->ncpus() : 1));
    // The value becomes memory the program may use for the rest of the run,
    // read-only when the map was created with BPF_F_RDONLY_PROG. Also in
    // unchecked runs: helpers reading strings (%s) and probe loads check
    // addresses against the run's memory in every mode.
    if (value != nullptr)
        ctx.add_region(value, map->value_size(), !(map->flags() & BPF_F_RDONLY_PROG));
    return reinterpret_cast<uint64_t>(value);
}

uint64_t map_update_elem(uint64_t r1, uint64_t key, uint64_t value, uint64_t flags, uint64_t,
                         RunContext &ctx) {
    Map *map = checked_map(r1, ctx, "bpf_map_update_elem");
    if (map == nullptr || !readable(key, map->key_size(), ctx, "bpf_map_update_elem", "key") ||
        !readable(value, map->value_size(), ctx, "bpf_map_update_elem", "value"))
        return uint64_t(-EFAULT);
    long ret = map->update_from_prog(reinterpret_cast<const void *>(key),
                                     reinterpret_cast<const void *>(value), flags,
                                     ctx.cpu % (map->ncpus() ? map->ncpus() : 1));
    return uint64_t(int64_t(ret));
}

uint64_t map_delete_elem(uint64_t r1, uint64_t key, uint64_t, uint64_t, uint64_t, RunContext &ctx) {
    Map *map = checked_map(r1, ctx, "bpf_map_delete_elem");
    if (map == nullptr || !readable(key, map->key_size(), ctx, "bpf_map_delete_elem", "key"))
        return uint64_t(-EFAULT);
    return uint64_t(int64_t(map->delete_from_prog(reinterpret_cast<const void *>(key))));
}

}  // namespace

void register_map_helpers(HelperTable &table) {
    table.set(helper_id::kMapLookupElem, "bpf_map_lookup_elem", map_lookup_elem);
    table.set(helper_id::kMapUpdateElem, "bpf_map_update_elem", map_update_elem);
    table.set(helper_id::kMapDeleteElem, "bpf_map_delete_elem", map_delete_elem);
}

}  // namespace bpffs::vm
