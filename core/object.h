// BPF objects (maps, programs, links, BTF) and their ids.
//
// References are std::shared_ptr<Object>: an fd in a client's table is one
// reference, a pin in the tree is another, a program using a map or a link
// holding a program is another. The object is freed, and its id released,
// when the last reference goes, as in the kernel.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace bpffs {

enum class ObjectKind { map, prog, link, btf };

const char *kind_name(ObjectKind kind);

class IdRegistry;

class Object {
  public:
    explicit Object(ObjectKind kind) : kind_(kind) {}
    virtual ~Object();
    Object(const Object &) = delete;
    Object &operator=(const Object &) = delete;

    ObjectKind kind() const { return kind_; }
    // 0 until the object is published in a registry.
    uint32_t id() const { return id_; }

  private:
    friend class IdRegistry;
    ObjectKind kind_;
    uint32_t id_ = 0;
    IdRegistry *registry_ = nullptr;
};

// Ids of one kind: allocated cyclically from 1 like the kernel's idr (a
// freed id is not reused until the counter wraps), looked up by id, and
// walked in increasing order (MAP_GET_NEXT_ID and friends).
class IdRegistry {
  public:
    // Gives obj the next free id and makes it findable. Call once.
    void publish(const std::shared_ptr<Object> &obj);
    // Uses up the next free id with no object behind it: the kernel
    // allocates a link's id (bpf_link_prime) before the target's attach
    // check, and an attach that fails there still consumes the id.
    void spend();
    std::shared_ptr<Object> get(uint32_t id) const;
    // The smallest live id greater than start.
    std::optional<uint32_t> next_id(uint32_t start) const;
    // Live objects in increasing id order.
    std::vector<std::shared_ptr<Object>> snapshot() const;
    size_t size() const;

  private:
    friend class Object;
    void release(uint32_t id);
    // The next free id, the counter moved past it (mutex_ held).
    uint32_t take_id();

    mutable std::mutex mutex_;
    std::map<uint32_t, std::weak_ptr<Object>> objects_;
    uint32_t next_ = 1;
};

// One registry per object kind; the daemon's id spaces.
class Registries {
  public:
    IdRegistry &of(ObjectKind kind) { return registries_[static_cast<int>(kind)]; }

    // The process-wide id spaces used by the daemon.
    static Registries &global();

  private:
    IdRegistry registries_[4];
};

// Publishes obj in the global registry of its kind and returns it.
template <class T>
std::shared_ptr<T> publish(std::shared_ptr<T> obj) {
    Registries::global().of(obj->kind()).publish(obj);
    return obj;
}

}  // namespace bpffs
