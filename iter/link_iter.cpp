// The bpf_link target: every live link in increasing id order (the
// kernel's link_iter.c over the link idr). ctx->link is a per-session view
// with the link's id, type and program view.
#include <cerrno>

#include "core/btf/kernel_types.h"
#include "core/object.h"
#include "iter/builtin_targets.h"
#include "iter/object_views.h"
#include "iter/session.h"

namespace bpffs {
namespace {

struct LinkWalk : IterState {
    uint32_t link_id = 0;
    std::shared_ptr<Object> current;
    kview::bpf_link view{};
};

void *link_at_or_after(LinkWalk &walk) {
    IdRegistry &links = Registries::global().of(ObjectKind::link);
    for (auto id = std::optional<uint32_t>(walk.link_id); id; id = links.next_id(*id)) {
        if (*id == 0) continue;
        if (auto obj = links.get(*id)) {
            walk.link_id = *id;
            walk.current = std::move(obj);
            return walk.current.get();
        }
    }
    walk.current.reset();
    return nullptr;
}

int show_link(const ShowContext &sc) {
    auto &walk = sc.session.state_as<LinkWalk>();
    kview::bpf_iter__bpf_link ctx{};
    ctx.meta = reinterpret_cast<kview::bpf_iter_meta *>(&sc.meta);
    IterMemory memory[4];
    size_t n = 0;
    if (sc.object != nullptr) {
        walk.view = kview::bpf_link{};
        fill_link_view(*static_cast<Object *>(sc.object), walk.view);
        ctx.link = &walk.view;
        memory[n++] = {&walk.view, sizeof walk.view, false};
        n += prog_view_memory(walk.view.prog, memory + n);
    }
    return sc.run_program(&ctx, std::span<const IterMemory>(memory, n));
}

}  // namespace

std::shared_ptr<const IterTarget> make_bpf_link_target() {
    auto t = std::make_shared<IterTarget>();
    t->name = "bpf_link";
    t->ctx.struct_name = "bpf_iter__bpf_link";
    t->ctx.fields = {{"link", "struct bpf_link *", CtxFieldKind::object_ptr, 8, true}};
    t->init = [](const IterAux &) -> Result<std::unique_ptr<IterState>> {
        return std::make_unique<LinkWalk>();
    };
    t->start = [](IterSession &s, uint64_t &index) -> Result<void *> {
        void *link = link_at_or_after(s.state_as<LinkWalk>());
        if (link != nullptr && index == 0) ++index;
        return link;
    };
    t->next = [](IterSession &s, void *, uint64_t &index) -> Result<void *> {
        auto &walk = s.state_as<LinkWalk>();
        ++index;
        ++walk.link_id;
        return link_at_or_after(walk);
    };
    t->show = show_link;
    t->stop = [](IterSession &s, void *) { s.state_as<LinkWalk>().current.reset(); };
    return t;
}

}  // namespace bpffs
