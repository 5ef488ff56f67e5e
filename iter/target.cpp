#include "iter/target.h"

#include <algorithm>

#include "core/map.h"
#include "iter/session.h"

namespace bpffs {

namespace {

uint32_t align_up(uint32_t value, uint32_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

// Natural alignment of a field, as the C compiler lays out the kernel's
// context structs (u32 fd after a pointer sits at 16, the next pointer at 24).
uint32_t field_alignment(const CtxField &field) {
    return std::clamp<uint32_t>(field.size, 1, 8);
}

// The kernel's enum bpf_cgroup_iter_order: SELF_ONLY 1 .. ANCESTORS_UP 4.
constexpr uint32_t kCgroupOrderFirst = 1;
constexpr uint32_t kCgroupOrderLast = 4;

Status check_map_param(const IterTarget &target, const IterAux &aux) {
    if (!aux.map)
        return fail(EBADF, "iterator target " + target.name + " needs a map (iter_info map_fd)");
    const auto &allowed = target.allowed_map_types;
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), aux.map->type()) == allowed.end())
        return fail(EINVAL, "iterator target " + target.name + " does not support map type " +
                                std::to_string(aux.map->type()));
    return ok();
}

Status check_task_param(const IterTarget &target, const IterAux &aux) {
    if (aux.tid != 0 && aux.pid != 0)
        return fail(EINVAL,
                    "iterator target " + target.name + " takes at most one of tid, pid and pid_fd");
    return ok();
}

Status check_cgroup_param(const IterTarget &target, const IterAux &aux) {
    if (aux.cgroup_order < kCgroupOrderFirst || aux.cgroup_order > kCgroupOrderLast)
        return fail(EINVAL, "iterator target " + target.name + ": cgroup order " +
                                std::to_string(aux.cgroup_order) + " is not a valid walk order");
    return ok();
}

Status check_param(const IterTarget &target, const IterAux &aux) {
    switch (target.param) {
        case IterParam::none:
            return ok();
        case IterParam::map:
            if (!target.param_required && !aux.map) return ok();
            return check_map_param(target, aux);
        case IterParam::task:
            return check_task_param(target, aux);
        case IterParam::cgroup:
            return check_cgroup_param(target, aux);
    }
    return ok();
}

}  // namespace

uint32_t CtxDescription::offset_of(size_t i) const {
    uint32_t offset = 8;  // struct bpf_iter_meta *meta
    for (size_t k = 0; k < fields.size(); ++k) {
        offset = align_up(offset, field_alignment(fields[k]));
        if (k == i) return offset;
        offset += fields[k].size;
    }
    return offset;
}

uint32_t CtxDescription::size() const {
    return align_up(offset_of(fields.size()), 8);
}

int ShowContext::run_program(const void *ctx) const {
    return session.run_program(ctx);
}

int ShowContext::run_program(const void *ctx, std::span<const IterMemory> memory) const {
    return session.run_program(ctx, memory);
}

Status IterTarget::validate() const {
    if (name.empty()) return fail(EINVAL, "an iterator target needs a name");
    if (!start || !next || !show)
        return fail(EINVAL, "iterator target " + name + " lacks a start, next or show callback");
    return ok();
}

Status IterTarget::check_attach(const IterAux &aux, const IterProgram &prog) const {
    if (prog.sleepable() && !supports_resched())
        return fail(EINVAL, "iterator target " + name + " does not accept sleepable programs");
    if (auto st = check_param(*this, aux); !st) return st;
    if (attach) return attach(aux, prog);
    return ok();
}

Status TargetRegistry::add(std::shared_ptr<const IterTarget> target) {
    if (!target) return fail(EINVAL, "no iterator target given");
    if (auto st = target->validate(); !st) return st;
    std::lock_guard lock(mutex_);
    auto [it, inserted] = targets_.emplace(target->name, target);
    if (!inserted)
        return fail(EEXIST, "iterator target " + target->name + " is already registered");
    return ok();
}

Status TargetRegistry::remove(std::string_view name) {
    std::lock_guard lock(mutex_);
    auto it = targets_.find(name);
    if (it == targets_.end()) return fail(ENOENT, "no iterator target named " + std::string(name));
    targets_.erase(it);
    return ok();
}

std::shared_ptr<const IterTarget> TargetRegistry::find(std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = targets_.find(name);
    return it == targets_.end() ? nullptr : it->second;
}

std::vector<std::string> TargetRegistry::names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto &entry : targets_)
        out.push_back(entry.first);
    return out;
}

TargetRegistry &TargetRegistry::global() {
    static TargetRegistry registry;
    return registry;
}

}  // namespace bpffs
