// The bpf_map target: every live map in increasing id order, as the
// kernel's map_iter.c walks the map idr. The session holds a reference on
// the map being shown, so a map freed meanwhile is simply not reached again.
#include <cerrno>

#include "core/btf/kernel_types.h"
#include "core/map.h"
#include "core/object.h"
#include "iter/builtin_targets.h"
#include "iter/object_views.h"
#include "iter/session.h"

namespace bpffs {
namespace {

struct MapWalk : IterState {
    uint32_t map_id = 0;  // the current map's id, or where to look from
    std::shared_ptr<Map> current;
    kview::bpf_map view{};
};

// The map with id map_id, or the next live one; updates map_id.
void *map_at_or_after(MapWalk &walk) {
    IdRegistry &maps = Registries::global().of(ObjectKind::map);
    for (auto id = std::optional<uint32_t>(walk.map_id); id; id = maps.next_id(*id)) {
        if (*id == 0) continue;
        if (auto obj = maps.get(*id)) {
            walk.map_id = *id;
            walk.current = std::static_pointer_cast<Map>(obj);
            return walk.current.get();
        }
    }
    walk.current.reset();
    return nullptr;
}

int show_map(const ShowContext &sc) {
    auto &walk = sc.session.state_as<MapWalk>();
    kview::bpf_iter__bpf_map ctx{};
    ctx.meta = reinterpret_cast<kview::bpf_iter_meta *>(&sc.meta);
    IterMemory memory[1];
    size_t n = 0;
    if (sc.object != nullptr) {
        fill_map_view(*static_cast<Map *>(sc.object), walk.view);
        ctx.map = &walk.view;
        memory[n++] = {&walk.view, sizeof walk.view, false};
    }
    return sc.run_program(&ctx, std::span<const IterMemory>(memory, n));
}

}  // namespace

std::shared_ptr<const IterTarget> make_bpf_map_target() {
    auto t = std::make_shared<IterTarget>();
    t->name = "bpf_map";
    t->ctx.struct_name = "bpf_iter__bpf_map";
    t->ctx.fields = {{"map", "struct bpf_map *", CtxFieldKind::object_ptr, 8, true}};
    t->init = [](const IterAux &) -> Result<std::unique_ptr<IterState>> {
        return std::make_unique<MapWalk>();
    };
    t->start = [](IterSession &s, uint64_t &index) -> Result<void *> {
        void *map = map_at_or_after(s.state_as<MapWalk>());
        if (map != nullptr && index == 0) ++index;
        return map;
    };
    t->next = [](IterSession &s, void *, uint64_t &index) -> Result<void *> {
        auto &walk = s.state_as<MapWalk>();
        ++index;
        ++walk.map_id;
        return map_at_or_after(walk);
    };
    t->show = show_map;
    t->stop = [](IterSession &s, void *) { s.state_as<MapWalk>().current.reset(); };
    return t;
}

}  // namespace bpffs
