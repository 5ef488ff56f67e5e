#include "daemon/syscall.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/btf_object.h"
#include "core/map.h"
#include "core/map_check_btf.h"
#include "core/wire/messages.h"
#include "daemon/link_cmds.h"  // link
#include "daemon/mount_path.h"
#include "daemon/prog_cmds.h"  // prog

namespace bpffs {

namespace {

using wire::Bytes;
using Payload = std::span<const uint8_t>;

constexpr uint32_t kAccessFlags = BPF_F_RDONLY | BPF_F_WRONLY;
// Lookup batches hand back at most this much key+value data in one reply, so
// the reply stays well inside the frame limit; a larger capacity simply gets
// fewer elements, which bpf(2) callers must already expect.
constexpr uint64_t kMaxBatchBytes = wire::kMaxPayload / 2;

// What one command works with.
struct Call {
    Syscall &sys;
    Session &session;
    CommandOutcome &out;
    Bytes error_body;  // sent with a failure (batches report partial progress)
};

std::string fd_str(uint32_t fd) {
    return "fd " + std::to_string(static_cast<int32_t>(fd));
}

template <class T>
Result<T> decode(Payload p, wire::Command command) {
    return wire::decode<T>(p, wire::command_name(command));
}

// ---- fds and access modes ----

enum Need : unsigned { kNone = 0, kRead = 1, kWrite = 2 };

struct MapFd {
    std::shared_ptr<Map> map;
    uint32_t flags;
};

Result<FdEntry> any_fd(Call &c, uint32_t fd) {
    c.out.fd = static_cast<int32_t>(fd);
    return c.session.get(static_cast<int32_t>(fd));
}

// The kernel's map fd checks: EBADF, then EINVAL for another object kind,
// then EPERM when the fd's mode (or the map being frozen) forbids the access.
Result<MapFd> map_fd(Call &c, uint32_t fd, unsigned need) {
    auto entry = any_fd(c, fd);
    if (!entry) return tl::unexpected(entry.error());
    if (entry->obj->kind() != ObjectKind::map)
        return fail(EINVAL,
                    fd_str(fd) + " refers to a " + kind_name(entry->obj->kind()) + ", not a map");
    auto map = std::static_pointer_cast<Map>(entry->obj);
    if ((need & kRead) && (entry->flags & BPF_F_WRONLY))
        return fail(EPERM, fd_str(fd) +
                               " is write-only (BPF_F_WRONLY); reading the map needs a "
                               "readable fd");
    if ((need & kWrite) && (entry->flags & BPF_F_RDONLY))
        return fail(EPERM, fd_str(fd) +
                               " is read-only (BPF_F_RDONLY); changing the map needs a "
                               "writable fd");
    if ((need & kWrite) && map->frozen())
        return fail(EPERM, "map " + std::to_string(map->id()) +
                               " is frozen: the syscall side can no longer change it");
    return MapFd{std::move(map), entry->flags};
}

Status check_size(const Bytes &b, size_t want, const char *what, const Map &map) {
    if (b.size() == want) return ok();
    return fail(EINVAL, std::string(what) + " of " + std::to_string(b.size()) +
                            " bytes given; map " + std::to_string(map.id()) + " needs " +
                            std::to_string(want));
}

Result<Bytes> install(Call &c, std::shared_ptr<Object> obj, uint32_t flags) {
    auto fd = c.session.install(std::move(obj), flags);
    if (!fd) return tl::unexpected(fd.error());
    c.out.fd = *fd;
    return wire::encode(wire::FdReply{static_cast<uint32_t>(*fd)});
}

// ---- session commands ----

Result<Bytes> hello(Call &c, Payload p) {
    auto req = decode<wire::HelloRequest>(p, wire::Command::hello);
    if (!req) return tl::unexpected(req.error());
    if (req->protocol_version != wire::kProtocolVersion)
        return fail(EPROTONOSUPPORT,
                    "client speaks protocol version " + std::to_string(req->protocol_version) +
                        ", bpffsd speaks version " + std::to_string(wire::kProtocolVersion));
    c.session.set_umask(static_cast<mode_t>(req->umask));
    const auto &o = c.sys.options();
    return wire::encode(wire::HelloReply{wire::kProtocolVersion, o.server_version, o.mountpoint});
}

Result<Bytes> close_fd(Call &c, Payload p) {
    auto req = decode<wire::CloseRequest>(p, wire::Command::close);
    if (!req) return tl::unexpected(req.error());
    c.out.fd = static_cast<int32_t>(req->fd);
    auto st = c.session.close(static_cast<int32_t>(req->fd));
    if (!st) return tl::unexpected(st.error());
    return Bytes{};
}

Result<Bytes> fdinfo(Call &c, Payload p) {
    auto req = decode<wire::FdinfoRequest>(p, wire::Command::fdinfo);
    if (!req) return tl::unexpected(req.error());
    auto entry = any_fd(c, req->fd);
    if (!entry) return tl::unexpected(entry.error());
    wire::FdinfoReply r;
    r.kind = static_cast<uint32_t>(entry->obj->kind());
    r.id = entry->obj->id();
    r.fd_flags = entry->flags;
    if (entry->obj->kind() == ObjectKind::map) {
        auto &map = static_cast<Map &>(*entry->obj);
        r.memlock = map.memlock();
        r.frozen = map.frozen() ? 1 : 0;
        r.map_type = map.type();
        r.key_size = map.key_size();
        r.value_size = map.value_size();
        r.user_value_size = static_cast<uint32_t>(map.user_value_size());
        r.max_entries = map.max_entries();
        r.map_flags = map.flags();
        r.map_extra = map.spec().map_extra;
    }
    return wire::encode(r);
}

// ---- maps ----

Result<std::shared_ptr<BtfObject>> btf_of(Call &c, uint32_t btf_fd) {
    auto entry = c.session.get(static_cast<int32_t>(btf_fd));
    if (!entry) return tl::unexpected(entry.error());
    if (entry->obj->kind() != ObjectKind::btf)
        return fail(EINVAL, "btf_fd " + std::to_string(btf_fd) + " refers to a " +
                                kind_name(entry->obj->kind()) + ", not BTF");
    return std::static_pointer_cast<BtfObject>(entry->obj);
}

Result<Bytes> map_create(Call &c, Payload p) {
    auto req = decode<wire::MapCreateRequest>(p, wire::Command::map_create);
    if (!req) return tl::unexpected(req.error());
    if (req->map_ifindex != 0)
        return fail(EINVAL, "map_ifindex is set: bpffsd cannot offload maps to a device");
    if (req->btf_vmlinux_value_type_id != 0)
        return fail(EINVAL,
                    "btf_vmlinux_value_type_id is only for struct_ops maps, which "
                    "bpffsd does not implement");
    MapSpec spec;
    spec.map_type = req->map_type;
    spec.key_size = req->key_size;
    spec.value_size = req->value_size;
    spec.max_entries = req->max_entries;
    spec.map_flags = req->map_flags;
    spec.name = req->name;
    spec.numa_node = req->numa_node;
    spec.map_extra = req->map_extra;
    // As the kernel, btf_fd is looked at only when a type id is given.
    std::shared_ptr<BtfObject> btf;
    if (req->btf_key_type_id != 0 || req->btf_value_type_id != 0) {
        auto found = btf_of(c, req->btf_fd);
        if (!found) return tl::unexpected(found.error());
        btf = *found;
        spec.btf_id = btf->id();
        spec.btf_key_type_id = req->btf_key_type_id;
        spec.btf_value_type_id = req->btf_value_type_id;
        spec.btf = btf;
    }
    auto map = Map::create(spec, c.sys.options().ncpus);
    if (!map) return tl::unexpected(map.error());
    // The map's own checks come first, then its BTF's (the kernel's order).
    if (btf)
        if (auto st = map_check_btf((*map)->spec(), *btf); !st) return tl::unexpected(st.error());
    publish(*map);
    // BPF_F_RDONLY / BPF_F_WRONLY at creation restrict the creating fd (spec 5.6).
    return install(c, *map, req->map_flags & kAccessFlags);
}

Status check_lookup_flags(uint64_t flags) {
    if (flags & ~static_cast<uint64_t>(BPF_F_LOCK))
        return fail(EINVAL, "lookup flags may only contain BPF_F_LOCK");
    return ok();
}

Result<Bytes> map_lookup_elem(Call &c, Payload p, bool and_delete) {
    auto req = decode<wire::MapLookupRequest>(
        p, and_delete ? wire::Command::map_lookup_and_delete_elem : wire::Command::map_lookup_elem);
    if (!req) return tl::unexpected(req.error());
    // Lookup-and-delete needs both directions, as in the kernel.
    auto m = map_fd(c, req->fd, and_delete ? kRead | kWrite : kRead);
    if (!m) return tl::unexpected(m.error());
    if (auto st = check_lookup_flags(req->flags); !st) return tl::unexpected(st.error());
    if (auto st = check_size(req->key, m->map->key_size(), "key", *m->map); !st)
        return tl::unexpected(st.error());
    wire::ValueReply r;
    r.value.resize(m->map->user_value_size());
    Status st = and_delete ? m->map->lookup_and_delete(req->key.data(), r.value.data(), req->flags)
                           : m->map->lookup(req->key.data(), r.value.data(), req->flags);
    if (!st) return tl::unexpected(st.error());
    return wire::encode(r);
}

Result<Bytes> map_update_elem(Call &c, Payload p) {
    auto req = decode<wire::MapUpdateRequest>(p, wire::Command::map_update_elem);
    if (!req) return tl::unexpected(req.error());
    auto m = map_fd(c, req->fd, kWrite);
    if (!m) return tl::unexpected(m.error());
    if (auto st = check_size(req->key, m->map->key_size(), "key", *m->map); !st)
        return tl::unexpected(st.error());
    if (auto st = check_size(req->value, m->map->user_value_size(), "value", *m->map); !st)
        return tl::unexpected(st.error());
    auto st = m->map->update(req->key.data(), req->value.data(), req->flags);
    if (!st) return tl::unexpected(st.error());
    return Bytes{};
}

Result<Bytes> map_delete_elem(Call &c, Payload p) {
    auto req = decode<wire::MapDeleteRequest>(p, wire::Command::map_delete_elem);
    if (!req) return tl::unexpected(req.error());
    auto m = map_fd(c, req->fd, kWrite);
    if (!m) return tl::unexpected(m.error());
    if (auto st = check_size(req->key, m->map->key_size(), "key", *m->map); !st)
        return tl::unexpected(st.error());
    auto st = m->map->remove(req->key.data());
    if (!st) return tl::unexpected(st.error());
    return Bytes{};
}

Result<Bytes> map_get_next_key(Call &c, Payload p) {
    auto req = decode<wire::MapGetNextKeyRequest>(p, wire::Command::map_get_next_key);
    if (!req) return tl::unexpected(req.error());
    auto m = map_fd(c, req->fd, kRead);
    if (!m) return tl::unexpected(m.error());
    if (req->key) {
        if (auto st = check_size(*req->key, m->map->key_size(), "key", *m->map); !st)
            return tl::unexpected(st.error());
    }
    wire::KeyReply r;
    r.key.resize(m->map->key_size());
    auto st = m->map->get_next_key(req->key ? req->key->data() : nullptr, r.key.data());
    if (!st) return tl::unexpected(st.error());
    return wire::encode(r);
}

Result<Bytes> map_freeze(Call &c, Payload p) {
    auto req = decode<wire::MapFdRequest>(p, wire::Command::map_freeze);
    if (!req) return tl::unexpected(req.error());
    // A frozen map has lost its write permission, so a second freeze is
    // EPERM, as on 6.18 (spec 5.6).
    auto m = map_fd(c, req->fd, kWrite);
    if (!m) return tl::unexpected(m.error());
    auto st = m->map->freeze();
    if (!st) return tl::unexpected(st.error());
    return Bytes{};
}

// ---- batches (spec 5.7) ----

enum class BatchKind { lookup, lookup_and_delete, update, remove };

unsigned batch_needs(BatchKind kind) {
    switch (kind) {
        case BatchKind::lookup:
            return kRead;
        case BatchKind::lookup_and_delete:
            return kRead | kWrite;
        case BatchKind::update:
        case BatchKind::remove:
            return kWrite;
    }
    return kRead | kWrite;
}

// Checks the sizes of what the client sent and of what it may get back.
Status prepare_batch(const wire::MapBatchRequest &req, const Map &map, BatchKind kind,
                     uint32_t &count) {
    if (req.in_batch && req.in_batch->size() != Map::batch_cursor_size())
        return fail(EINVAL,
                    "in_batch must be " + std::to_string(Map::batch_cursor_size()) + " bytes");
    const uint64_t key = map.key_size(), value = map.user_value_size();
    count = req.count;
    switch (kind) {
        case BatchKind::lookup:
        case BatchKind::lookup_and_delete:
            if (count != 0 && count * (key + value) > kMaxBatchBytes)
                count =
                    static_cast<uint32_t>(std::max<uint64_t>(1, kMaxBatchBytes / (key + value)));
            return ok();
        case BatchKind::update:
            if (req.keys.size() != count * key || req.values.size() != count * value)
                return fail(EINVAL, "a batch of " + std::to_string(count) + " elements needs " +
                                        std::to_string(count * key) + " key bytes and " +
                                        std::to_string(count * value) + " value bytes");
            return ok();
        case BatchKind::remove:
            if (req.keys.size() != count * key)
                return fail(EINVAL, "a batch of " + std::to_string(count) + " keys needs " +
                                        std::to_string(count * key) + " key bytes");
            return ok();
    }
    return ok();
}

Result<Bytes> map_batch(Call &c, Payload p, wire::Command command, BatchKind kind) {
    auto req = decode<wire::MapBatchRequest>(p, command);
    if (!req) return tl::unexpected(req.error());
    auto m = map_fd(c, req->fd, batch_needs(kind));
    if (!m) return tl::unexpected(m.error());
    Map &map = *m->map;
    bool lookup = kind == BatchKind::lookup || kind == BatchKind::lookup_and_delete;
    if (lookup && (req->elem_flags & ~static_cast<uint64_t>(BPF_F_LOCK) || req->flags != 0))
        return fail(EINVAL, "lookup batches take elem_flags 0 or BPF_F_LOCK and flags 0");
    uint32_t count = 0;
    if (auto st = prepare_batch(*req, map, kind, count); !st) return tl::unexpected(st.error());

    wire::MapBatchReply r;
    Bytes in_batch = req->in_batch.value_or(Bytes{});
    r.out_batch.assign(Map::batch_cursor_size(), 0);
    if (lookup) {
        r.keys.assign(size_t{count} * map.key_size(), 0);
        r.values.assign(size_t{count} * map.user_value_size(), 0);
    } else {
        r.keys = std::move(req->keys);
        r.values = std::move(req->values);
    }
    MapBatch b;
    b.in_batch = req->in_batch ? in_batch.data() : nullptr;
    b.out_batch = r.out_batch.data();
    b.keys = r.keys.data();
    b.values = r.values.data();
    b.count = count;
    b.elem_flags = req->elem_flags;
    b.flags = req->flags;
    Status st = lookup ? map.lookup_batch(b, kind == BatchKind::lookup_and_delete)
                : kind == BatchKind::update ? map.update_batch(b)
                                            : map.delete_batch(b);
    r.count = std::min(b.count, count);
    if (lookup) {
        // Only the elements processed go back.
        r.keys.resize(size_t{r.count} * map.key_size());
        r.values.resize(size_t{r.count} * map.user_value_size());
    } else {
        r.keys.clear();
        r.values.clear();
    }
    if (!st) {
        c.error_body = wire::encode(r);
        return tl::unexpected(st.error());
    }
    return wire::encode(r);
}

// ---- pinning ----

Result<Bytes> obj_pin(Call &c, Payload p) {
    auto req = decode<wire::ObjPinRequest>(p, wire::Command::obj_pin);
    if (!req) return tl::unexpected(req.error());
    if (req->file_flags != 0)
        return fail(EINVAL,
                    "OBJ_PIN file_flags must be 0 (BPF_F_PATH_FD is not supported over "
                    "the control socket)");
    // Any fd that is not a BPF object is EINVAL here, never EBADF (spec 4.6).
    c.out.fd = static_cast<int32_t>(req->fd);
    auto entry = c.session.get(static_cast<int32_t>(req->fd));
    if (!entry) return fail(EINVAL, fd_str(req->fd) + " is not a BPF object fd");
    if (entry->obj->kind() == ObjectKind::btf)
        return fail(EINVAL, fd_str(req->fd) + " is BTF, which cannot be pinned");
    const auto &mnt = c.sys.options().mountpoint;
    auto rel = path_in_mount(mnt, req->path);
    if (!rel)
        return fail(EPERM,
                    "cannot pin at " + req->path + ": it is not inside the bpffs mount " + mnt);
    if (rel->empty()) return fail(EEXIST, "cannot pin at the mount point " + mnt + " itself");
    auto st = c.sys.tree().pin(c.session.cred(), *rel, entry->obj);
    if (!st) return tl::unexpected(st.error());
    return Bytes{};
}

// The kernel resolves any path for OBJ_GET and then finds no bpffs inode
// there: EACCES for something that exists, ENOENT otherwise.
tl::unexpected<Error> outside_mount(const std::string &path, const std::string &mnt) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        return fail(ENOENT, path + " does not exist (and is outside the bpffs mount " + mnt + ")");
    return fail(EACCES, path + " is not a pinned BPF object: it is outside the bpffs mount " + mnt);
}

Result<Bytes> obj_get(Call &c, Payload p) {
    auto req = decode<wire::ObjGetRequest>(p, wire::Command::obj_get);
    if (!req) return tl::unexpected(req.error());
    uint32_t flags = req->file_flags;
    if (flags & ~kAccessFlags)
        return fail(EINVAL, "OBJ_GET file_flags may only contain BPF_F_RDONLY and BPF_F_WRONLY");
    if ((flags & kAccessFlags) == kAccessFlags)
        return fail(EINVAL, "OBJ_GET file_flags cannot be both BPF_F_RDONLY and BPF_F_WRONLY");
    const auto &mnt = c.sys.options().mountpoint;
    auto rel = path_in_mount(mnt, req->path);
    if (!rel) return outside_mount(req->path, mnt);
    if (rel->empty())
        return fail(EACCES, "the mount point " + mnt + " is a directory, not a pinned object");
    // Neither flag asks for read and write, so it needs both permissions.
    int access = flags & BPF_F_RDONLY ? R_OK : flags & BPF_F_WRONLY ? W_OK : R_OK | W_OK;
    auto obj = c.sys.tree().get(c.session.cred(), *rel, access);
    if (!obj) return tl::unexpected(obj.error());
    switch ((*obj)->kind()) {
        case ObjectKind::map:
            return install(c, *obj, flags);
        case ObjectKind::prog:
            return install(c, *obj, 0);
        case ObjectKind::link:
            if (flags != 0)
                return fail(EINVAL, req->path +
                                        " is a link; links are only opened without "
                                        "BPF_F_RDONLY/BPF_F_WRONLY");
            return install(c, *obj, 0);
        case ObjectKind::btf:
            break;
    }
    return fail(EINVAL, req->path + " holds an object that cannot be opened by path");
}

// ---- ids and information ----

Status need_admin(const Call &c, const char *what) {
    if (c.session.cred().uid == 0) return ok();
    return fail(EPERM, std::string(what) + " needs CAP_SYS_ADMIN (root), as in the kernel");
}

Result<Bytes> map_get_next_id(Call &c, Payload p) {
    auto req = decode<wire::GetNextIdRequest>(p, wire::Command::map_get_next_id);
    if (!req) return tl::unexpected(req.error());
    // The kernel refuses start ids from INT_MAX up before the privilege check.
    if (req->start_id >= INT32_MAX)
        return fail(EINVAL, "start_id " + std::to_string(req->start_id) +
                                " is too large (ids stay below 2^31 - 1)");
    if (auto st = need_admin(c, "MAP_GET_NEXT_ID"); !st) return tl::unexpected(st.error());
    auto next = Registries::global().of(ObjectKind::map).next_id(req->start_id);
    if (!next) return fail(ENOENT, "no map has an id above " + std::to_string(req->start_id));
    return wire::encode(wire::IdReply{*next});
}

Result<Bytes> map_get_fd_by_id(Call &c, Payload p) {
    auto req = decode<wire::GetFdByIdRequest>(p, wire::Command::map_get_fd_by_id);
    if (!req) return tl::unexpected(req.error());
    if (req->open_flags & ~kAccessFlags)
        return fail(EINVAL, "open_flags may only contain BPF_F_RDONLY and BPF_F_WRONLY");
    if (auto st = need_admin(c, "MAP_GET_FD_BY_ID"); !st) return tl::unexpected(st.error());
    if ((req->open_flags & kAccessFlags) == kAccessFlags)
        return fail(EINVAL, "open_flags cannot be both BPF_F_RDONLY and BPF_F_WRONLY");
    auto obj = Registries::global().of(ObjectKind::map).get(req->id);
    if (!obj) return fail(ENOENT, "no map has id " + std::to_string(req->id));
    return install(c, std::move(obj), req->open_flags);
}

wire::MapInfo map_info(const Map &map) {
    wire::MapInfo i;
    i.type = map.type();
    i.id = map.id();
    i.key_size = map.key_size();
    i.value_size = map.value_size();
    i.max_entries = map.max_entries();
    i.map_flags = map.flags();
    i.name = map.name();
    i.btf_id = map.spec().btf_id;
    i.btf_key_type_id = map.spec().btf_key_type_id;
    i.btf_value_type_id = map.spec().btf_value_type_id;
    i.map_extra = map.spec().map_extra;
    return i;
}

Result<Bytes> obj_get_info_by_fd(Call &c, Payload p) {
    auto req = decode<wire::InfoRequest>(p, wire::Command::obj_get_info_by_fd);
    if (!req) return tl::unexpected(req.error());
    auto entry = any_fd(c, req->fd);
    if (!entry) return tl::unexpected(entry.error());
    wire::InfoReply r;
    r.kind = static_cast<uint32_t>(entry->obj->kind());
    switch (entry->obj->kind()) {
        case ObjectKind::map:
            r.body = wire::encode(map_info(static_cast<const Map &>(*entry->obj)));
            return wire::encode(r);
        case ObjectKind::prog:  // prog
            r.body = prog_cmds::prog_info(static_cast<const Prog &>(*entry->obj));
            return wire::encode(r);
        case ObjectKind::btf:  // prog
            r.body = prog_cmds::btf_info(static_cast<const BtfObject &>(*entry->obj));
            return wire::encode(r);
        case ObjectKind::link:  // link
            r.body = link_cmds::link_info(*entry->obj);
            return wire::encode(r);
    }
    return fail(EOPNOTSUPP, std::string("OBJ_GET_INFO_BY_FD is not implemented yet for ") +
                                kind_name(entry->obj->kind()) + " objects");
}

// The program and BTF commands live in prog_cmds.cpp.
Result<Bytes> prog_command(Call &c, Payload p,
                           Result<Bytes> (*run)(prog_cmds::CallState &, Payload)) {
    prog_cmds::CallState state{c.session, -1, {}};
    state.max_log_size = c.sys.limits().max_log_size;
    auto body = run(state, p);
    if (state.fd >= 0) c.out.fd = state.fd;
    c.error_body = std::move(state.error_body);
    return body;
}

Result<Bytes> prog_command(Call &c, Payload p, ObjectKind kind,
                           Result<Bytes> (*run)(prog_cmds::CallState &, Payload, ObjectKind)) {
    prog_cmds::CallState state{c.session, -1, {}};
    auto body = run(state, p, kind);
    if (state.fd >= 0) c.out.fd = state.fd;
    return body;
}

// The link and iterator commands live in link_cmds.cpp.
Result<Bytes> link_command(Call &c, Payload p,
                           Result<Bytes> (*run)(link_cmds::CallState &, Payload)) {
    link_cmds::CallState state{c.session, -1};
    auto body = run(state, p);
    if (state.fd >= 0) c.out.fd = state.fd;
    return body;
}

Result<Bytes> dispatch(Call &c, uint32_t command, Payload p) {
    using wire::Command;
    switch (static_cast<Command>(command)) {
        case Command::hello:
            return hello(c, p);
        case Command::close:
            return close_fd(c, p);
        case Command::fdinfo:
            return fdinfo(c, p);
        case Command::map_create:
            return map_create(c, p);
        case Command::map_lookup_elem:
            return map_lookup_elem(c, p, false);
        case Command::map_lookup_and_delete_elem:
            return map_lookup_elem(c, p, true);
        case Command::map_update_elem:
            return map_update_elem(c, p);
        case Command::map_delete_elem:
            return map_delete_elem(c, p);
        case Command::map_get_next_key:
            return map_get_next_key(c, p);
        case Command::map_freeze:
            return map_freeze(c, p);
        case Command::map_lookup_batch:
            return map_batch(c, p, Command::map_lookup_batch, BatchKind::lookup);
        case Command::map_lookup_and_delete_batch:
            return map_batch(c, p, Command::map_lookup_and_delete_batch,
                             BatchKind::lookup_and_delete);
        case Command::map_update_batch:
            return map_batch(c, p, Command::map_update_batch, BatchKind::update);
        case Command::map_delete_batch:
            return map_batch(c, p, Command::map_delete_batch, BatchKind::remove);
        case Command::obj_pin:
            return obj_pin(c, p);
        case Command::obj_get:
            return obj_get(c, p);
        case Command::map_get_next_id:
            return map_get_next_id(c, p);
        case Command::map_get_fd_by_id:
            return map_get_fd_by_id(c, p);
        case Command::obj_get_info_by_fd:
            return obj_get_info_by_fd(c, p);
        case Command::prog_load:  // prog
            return prog_command(c, p, prog_cmds::prog_load);
        case Command::btf_load:  // prog
            return prog_command(c, p, prog_cmds::btf_load);
        case Command::daemon_btf:  // prog
            return prog_command(c, p, prog_cmds::daemon_btf);
        case Command::prog_get_next_id:  // prog
            return prog_command(c, p, ObjectKind::prog, prog_cmds::get_next_id);
        case Command::btf_get_next_id:  // prog
            return prog_command(c, p, ObjectKind::btf, prog_cmds::get_next_id);
        case Command::prog_get_fd_by_id:  // prog
            return prog_command(c, p, ObjectKind::prog, prog_cmds::get_fd_by_id);
        case Command::btf_get_fd_by_id:  // prog
            return prog_command(c, p, ObjectKind::btf, prog_cmds::get_fd_by_id);
        case Command::link_create:  // link
            return link_command(c, p, link_cmds::link_create);
        case Command::link_update:  // link
            return link_command(c, p, link_cmds::link_update);
        case Command::link_detach:  // link
            return link_command(c, p, link_cmds::link_detach);
        case Command::link_get_next_id:  // link
            return link_command(c, p, link_cmds::link_get_next_id);
        case Command::link_get_fd_by_id:  // link
            return link_command(c, p, link_cmds::link_get_fd_by_id);
        case Command::iter_create:  // link
            return link_command(c, p, link_cmds::iter_create);
        case Command::iter_read:  // link
            return link_command(c, p, link_cmds::iter_read);
    }
    return fail(EINVAL, "unknown command " + std::to_string(command));
}

}  // namespace

CommandOutcome Syscall::handle(Session &session, uint32_t command, Payload payload) {
    CommandOutcome out;
    Call c{*this, session, out, {}};
    auto body = dispatch(c, command, payload);
    if (body) {
        out.reply.body = std::move(*body);
    } else {
        out.reply.error = body.error().code;
        out.reply.message = std::move(body.error().message);
        out.reply.body = std::move(c.error_body);
    }
    return out;
}

}  // namespace bpffs
