#include "core/object.h"

#include <climits>

namespace bpffs {

const char *kind_name(ObjectKind kind) {
    switch (kind) {
        case ObjectKind::map:
            return "map";
        case ObjectKind::prog:
            return "prog";
        case ObjectKind::link:
            return "link";
        case ObjectKind::btf:
            return "btf";
    }
    return "object";
}

Object::~Object() {
    if (registry_ != nullptr) registry_->release(id_);
}

uint32_t IdRegistry::take_id() {
    // Cyclic allocation in [1, INT_MAX], skipping ids still in use.
    while (objects_.count(next_) != 0)
        next_ = next_ >= INT_MAX ? 1 : next_ + 1;
    uint32_t id = next_;
    next_ = next_ >= INT_MAX ? 1 : next_ + 1;
    return id;
}

void IdRegistry::publish(const std::shared_ptr<Object> &obj) {
    std::lock_guard lock(mutex_);
    uint32_t id = take_id();
    obj->id_ = id;
    obj->registry_ = this;
    objects_[id] = obj;
}

void IdRegistry::spend() {
    std::lock_guard lock(mutex_);
    take_id();
}

std::shared_ptr<Object> IdRegistry::get(uint32_t id) const {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(id);
    return it == objects_.end() ? nullptr : it->second.lock();
}

std::optional<uint32_t> IdRegistry::next_id(uint32_t start) const {
    std::lock_guard lock(mutex_);
    for (auto it = objects_.upper_bound(start); it != objects_.end(); ++it)
        if (!it->second.expired()) return it->first;
    return std::nullopt;
}

std::vector<std::shared_ptr<Object>> IdRegistry::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Object>> out;
    for (auto &[id, weak] : objects_)
        if (auto obj = weak.lock()) out.push_back(std::move(obj));
    return out;
}

size_t IdRegistry::size() const {
    std::lock_guard lock(mutex_);
    return objects_.size();
}

void IdRegistry::release(uint32_t id) {
    std::lock_guard lock(mutex_);
    objects_.erase(id);
}

Registries &Registries::global() {
    static Registries registries;
    return registries;
}

}  // namespace bpffs
