// The bpf_map_elem target: the elements of the link's map (spec 3.2).
// Hash maps bucket by bucket, arrays index by index, through
// Map::next_elem. A plain map's value is its real storage (program writes
// persist, whatever the map's flags); a per-CPU map's value is this
// session's copy of every CPU's value (writes are lost).
#include <linux/bpf.h>

#include <cerrno>
#include <vector>

#include "core/btf/kernel_types.h"
#include "core/map.h"
#include "iter/builtin_targets.h"
#include "iter/object_views.h"
#include "iter/session.h"

namespace bpffs {
namespace {

struct ElemWalk : IterState {
    std::shared_ptr<Map> map;
    MapCursor resume;  // where the current element is fetched from again
    MapCursor after;   // just past the current element
    std::vector<uint8_t> key;
    std::vector<uint8_t> percpu_value;  // user_value_size() bytes for per-CPU maps
    void *value = nullptr;              // the current element's value
    kview::bpf_map view{};
};

void *fetch(ElemWalk &walk) {
    walk.after = walk.resume;
    walk.value = walk.map->next_elem(walk.after, walk.key.data(), walk.percpu_value.data());
    // At the end the walk stays at the end, as the kernel's (its hash
    // cursor rests past the last bucket): a later read of the session must
    // not find elements inserted meanwhile behind the final call.
    if (walk.value == nullptr) walk.resume = walk.after;
    return walk.value;
}

size_t value_bytes(const Map &map) {
    return map.percpu() ? map.user_value_size() : map.value_size();
}

int show_elem(const ShowContext &sc) {
    auto &walk = sc.session.state_as<ElemWalk>();
    kview::bpf_iter__bpf_map_elem ctx{};
    ctx.meta = reinterpret_cast<kview::bpf_iter_meta *>(&sc.meta);
    fill_map_view(*walk.map, walk.view);
    ctx.map = &walk.view;
    IterMemory memory[3] = {{&walk.view, sizeof walk.view, false}};
    size_t n = 1;
    if (sc.object != nullptr) {
        ctx.key = walk.key.data();
        ctx.value = walk.value;
        memory[n++] = {walk.key.data(), walk.key.size(), false};
        memory[n++] = {walk.value, value_bytes(*walk.map), true};
    }
    return sc.run_program(&ctx, std::span<const IterMemory>(memory, n));
}

// The EACCES rule of attach: the program may not reach past the key or
// the value (per-CPU: all CPUs' copies). Needs the verifier's recorded
// accesses; programs without them are not checked yet.
Status check_elem_access(const IterAux &aux, const IterProgram &prog) {
    auto access = prog.buffer_access();
    if (!access) return ok();
    const Map &map = *aux.map;
    if (access->max_rdonly > map.key_size() || access->max_rdwr > value_bytes(map))
        return fail(EACCES, "the program accesses " + std::to_string(access->max_rdonly) +
                                " key bytes and " + std::to_string(access->max_rdwr) +
                                " value bytes; map " + std::to_string(map.id()) + " has " +
                                std::to_string(map.key_size()) + " and " +
                                std::to_string(value_bytes(map)));
    return ok();
}

}  // namespace

std::shared_ptr<const IterTarget> make_bpf_map_elem_target() {
    auto t = std::make_shared<IterTarget>();
    t->name = "bpf_map_elem";
    t->ctx.struct_name = "bpf_iter__bpf_map_elem";
    // map is set in every call, the final one too: the kernel's verifier
    // lets programs use it without a NULL check (only key and value are
    // PTR_MAYBE_NULL in its ctx_arg_info).
    t->ctx.fields = {{"map", "struct bpf_map *", CtxFieldKind::object_ptr, 8, false},
                     {"key", "void *", CtxFieldKind::rdonly_buf, 8, true},
                     {"value", "void *", CtxFieldKind::rdwr_buf, 8, true}};
    t->param = IterParam::map;
    t->param_required = true;
    t->allowed_map_types = {
        BPF_MAP_TYPE_HASH,        BPF_MAP_TYPE_LRU_HASH,        BPF_MAP_TYPE_ARRAY,
        BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY};
    t->init = [](const IterAux &aux) -> Result<std::unique_ptr<IterState>> {
        if (!aux.map) return fail(EBADF, "the bpf_map_elem iterator needs a map");
        auto walk = std::make_unique<ElemWalk>();
        walk->map = aux.map;
        walk->key.resize(aux.map->key_size());
        if (aux.map->percpu()) walk->percpu_value.resize(aux.map->user_value_size());
        return walk;
    };
    t->start = [](IterSession &s, uint64_t &index) -> Result<void *> {
        void *elem = fetch(s.state_as<ElemWalk>());
        if (elem != nullptr && index == 0) ++index;
        return elem;
    };
    t->next = [](IterSession &s, void *, uint64_t &index) -> Result<void *> {
        auto &walk = s.state_as<ElemWalk>();
        ++index;
        walk.resume = walk.after;
        return fetch(walk);
    };
    t->show = show_elem;
    t->attach = check_elem_access;
    return t;
}

}  // namespace bpffs
