// The bpf_prog target: every live program in increasing id order (the
// kernel's prog_iter.c over the prog idr). ctx->prog is the Prog's own
// view (struct bpf_prog with its aux), read-only to the program.
#include <cerrno>
#include <cstring>

#include "core/btf/kernel_types.h"
#include "core/object.h"
#include "core/prog.h"
#include "iter/builtin_targets.h"
#include "iter/session.h"

namespace bpffs {
namespace {

struct ProgWalk : IterState {
    uint32_t prog_id = 0;
    std::shared_ptr<Prog> current;
};

void *prog_at_or_after(ProgWalk &walk) {
    IdRegistry &progs = Registries::global().of(ObjectKind::prog);
    for (auto id = std::optional<uint32_t>(walk.prog_id); id; id = progs.next_id(*id)) {
        if (*id == 0) continue;
        if (auto obj = progs.get(*id)) {
            walk.prog_id = *id;
            walk.current = std::static_pointer_cast<Prog>(obj);
            return walk.current.get();
        }
    }
    walk.current.reset();
    return nullptr;
}

}  // namespace

size_t prog_view_memory(const kview::bpf_prog *view, IterMemory *out) {
    if (view == nullptr) return 0;
    size_t n = 0;
    out[n++] = {view, sizeof *view, false};
    if (view->aux != nullptr) {
        out[n++] = {view->aux, sizeof *view->aux, false};
        if (const char *name = view->aux->attach_func_name)
            out[n++] = {name, std::strlen(name) + 1, false};
    }
    return n;
}

std::shared_ptr<const IterTarget> make_bpf_prog_target() {
    auto t = std::make_shared<IterTarget>();
    t->name = "bpf_prog";
    t->ctx.struct_name = "bpf_iter__bpf_prog";
    t->ctx.fields = {{"prog", "struct bpf_prog *", CtxFieldKind::object_ptr, 8, true}};
    t->init = [](const IterAux &) -> Result<std::unique_ptr<IterState>> {
        return std::make_unique<ProgWalk>();
    };
    t->start = [](IterSession &s, uint64_t &index) -> Result<void *> {
        void *prog = prog_at_or_after(s.state_as<ProgWalk>());
        if (prog != nullptr && index == 0) ++index;
        return prog;
    };
    t->next = [](IterSession &s, void *, uint64_t &index) -> Result<void *> {
        auto &walk = s.state_as<ProgWalk>();
        ++index;
        ++walk.prog_id;
        return prog_at_or_after(walk);
    };
    t->show = [](const ShowContext &sc) {
        kview::bpf_iter__bpf_prog ctx{};
        ctx.meta = reinterpret_cast<kview::bpf_iter_meta *>(&sc.meta);
        IterMemory memory[3];
        size_t n = 0;
        if (sc.object != nullptr) {
            const kview::bpf_prog *view = static_cast<Prog *>(sc.object)->view();
            ctx.prog = const_cast<kview::bpf_prog *>(view);
            n = prog_view_memory(view, memory);
        }
        return sc.run_program(&ctx, std::span<const IterMemory>(memory, n));
    };
    t->stop = [](IterSession &s, void *) { s.state_as<ProgWalk>().current.reset(); };
    return t;
}

}  // namespace bpffs
