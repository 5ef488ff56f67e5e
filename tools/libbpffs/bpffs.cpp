// The C API of bpffs.h over the control socket.
#include "tools/libbpffs/bpffs.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/object.h"
#include "core/wire/messages.h"
#include "tools/libbpffs/client_path.h"
#include "tools/libbpffs/connection.h"
#include "tools/libbpffs/link_info.h"  // link
#include "tools/libbpffs/map_elem.h"
#include "tools/libbpffs/prog_info.h"  // prog
#include "tools/libbpffs/request.h"

using namespace bpffs;
using bpffs::client::Connection;
using wire::Bytes;
using wire::Command;
using namespace bpffs::client;

namespace {

thread_local std::string last_error;

int efault(const char *what) {
    return failure(EFAULT, std::string(what) + " is NULL");
}

// One single-element command, one round trip (map_elem.h shares the request
// and reply with bpffs_map_ops).
int single_elem(__u32 cmd, int fd, const void *key, const void *in, void *out, __u64 flags) {
    auto req = client::elem_request(cmd, fd, key, in, out, flags);
    if (!req) return failure(req.error());
    auto reply = Connection::instance().call(req->command, req->payload);
    if (!reply) return failure(reply.error());
    if (auto done = client::elem_reply(*req, *reply, out); !done) return failure(done.error());
    return 0;
}

// The two lookup batches: keys and values come back into the caller's
// buffers, also when the daemon reports an error with them (ENOENT at the end).
int lookup_batch(Command command, int fd, void *in_batch, void *out_batch, void *keys, void *values,
                 __u32 *count, const struct bpffs_map_batch_opts *opts) {
    if (count == nullptr) return efault("count");
    auto sizes = Connection::instance().map_sizes(fd);
    if (!sizes) return failure(sizes.error());
    wire::MapBatchRequest req;
    req.fd = static_cast<uint32_t>(fd);
    if (in_batch != nullptr) req.in_batch = bytes_of(in_batch, 4);
    req.count = *count;
    req.elem_flags = opt(opts, &bpffs_map_batch_opts::elem_flags);
    req.flags = opt(opts, &bpffs_map_batch_opts::flags);
    if (*count != 0 && (out_batch == nullptr || keys == nullptr || values == nullptr))
        return efault("out_batch, keys or values");
    Bytes error_body;
    auto r = call<wire::MapBatchReply>(command, wire::encode(req), nullptr, &error_body);
    wire::MapBatchReply body;
    if (r) {
        body = std::move(*r);
    } else {
        // Errors found before the map was walked come without a batch and
        // leave the caller's buffers and count alone.
        auto partial = wire::decode<wire::MapBatchReply>(error_body, "batch reply");
        if (!partial) return failure(r.error());
        body = std::move(*partial);
    }
    if (body.count > *count || body.keys.size() != size_t{body.count} * sizes->key_size ||
        body.values.size() != size_t{body.count} * sizes->value_size) {
        if (!r) return failure(r.error());
        return failure(EPROTO, "bpffsd returned a malformed batch");
    }
    if (!body.keys.empty()) memcpy(keys, body.keys.data(), body.keys.size());
    if (!body.values.empty()) memcpy(values, body.values.data(), body.values.size());
    if (out_batch != nullptr && body.out_batch.size() == 4)
        memcpy(out_batch, body.out_batch.data(), 4);
    *count = body.count;
    if (!r) return failure(r.error());
    return 0;
}

// Update and delete batches: only count comes back.
int change_batch(Command command, int fd, const void *keys, const void *values, __u32 *count,
                 const struct bpffs_map_batch_opts *opts) {
    if (count == nullptr) return efault("count");
    auto sizes = Connection::instance().map_sizes(fd);
    if (!sizes) return failure(sizes.error());
    if (*count != 0 && keys == nullptr) return efault("keys");
    if (*count != 0 && command == Command::map_update_batch && values == nullptr)
        return efault("values");
    uint64_t key_bytes = uint64_t{*count} * sizes->key_size;
    uint64_t value_bytes =
        command == Command::map_update_batch ? uint64_t{*count} * sizes->value_size : 0;
    if (key_bytes + value_bytes > wire::kMaxPayload - 64)
        return failure(E2BIG, "a batch of " + std::to_string(*count) +
                                  " elements is larger than one protocol frame; split it");
    wire::MapBatchRequest req;
    req.fd = static_cast<uint32_t>(fd);
    req.keys = bytes_of(keys, key_bytes);
    req.values = bytes_of(values, value_bytes);
    req.count = *count;
    req.elem_flags = opt(opts, &bpffs_map_batch_opts::elem_flags);
    req.flags = opt(opts, &bpffs_map_batch_opts::flags);
    Bytes error_body;
    auto r = call<wire::MapBatchReply>(command, wire::encode(req), nullptr, &error_body);
    if (r) {
        *count = r->count;
        return 0;
    }
    if (auto partial = wire::decode<wire::MapBatchReply>(error_body, "batch reply"))
        *count = partial->count;
    return failure(r.error());
}

Result<std::string> path_arg(const char *pathname) {
    if (pathname == nullptr) return fail(EFAULT, "pathname is NULL");
    return client::canonical_path(pathname);
}

void fill_map_info(const wire::MapInfo &in, struct bpf_map_info &out) {
    out.type = in.type;
    out.id = in.id;
    out.key_size = in.key_size;
    out.value_size = in.value_size;
    out.max_entries = in.max_entries;
    out.map_flags = in.map_flags;
    strncpy(out.name, in.name.c_str(), sizeof(out.name) - 1);
    out.ifindex = in.ifindex;
    out.btf_vmlinux_value_type_id = in.btf_vmlinux_value_type_id;
    out.netns_dev = in.netns_dev;
    out.netns_ino = in.netns_ino;
    out.btf_id = in.btf_id;
    out.btf_key_type_id = in.btf_key_type_id;
    out.btf_value_type_id = in.btf_value_type_id;
    out.map_extra = in.map_extra;
}

}  // namespace

void bpffs::client::set_last_error(std::string message) {  // prog
    last_error = std::move(message);
}

extern "C" {

int bpffs_set_socket(const char *socket_path) {
    Connection::instance().set_socket(socket_path != nullptr ? socket_path : "");
    return 0;
}

int bpffs_find_socket(const char *path, char *buf, size_t len) {
    if (path == nullptr || buf == nullptr) return efault("path or buf");
    auto found = client::find_socket(path);
    if (!found) return failure(found.error());
    if (found->size() + 1 > len)
        return failure(ERANGE, "the socket path " + *found + " does not fit in " +
                                   std::to_string(len) + " bytes");
    memcpy(buf, found->c_str(), found->size() + 1);
    return 0;
}

void bpffs_disconnect(void) {
    Connection::instance().disconnect();
}

const char *bpffs_last_error(void) {
    return last_error.c_str();
}

int bpffs_map_create(enum bpf_map_type map_type, const char *map_name, __u32 key_size,
                     __u32 value_size, __u32 max_entries,
                     const struct bpffs_map_create_opts *opts) {
    wire::MapCreateRequest req;
    req.map_type = map_type;
    req.key_size = key_size;
    req.value_size = value_size;
    req.max_entries = max_entries;
    req.name = map_name != nullptr ? map_name : "";
    using O = bpffs_map_create_opts;
    req.map_flags = opt(opts, &O::map_flags);
    req.numa_node = opt(opts, &O::numa_node);
    req.map_extra = opt(opts, &O::map_extra);
    req.btf_fd = opt(opts, &O::btf_fd);
    req.btf_key_type_id = opt(opts, &O::btf_key_type_id);
    req.btf_value_type_id = opt(opts, &O::btf_value_type_id);
    req.btf_vmlinux_value_type_id = opt(opts, &O::btf_vmlinux_value_type_id);
    req.inner_map_fd = opt(opts, &O::inner_map_fd);
    req.map_ifindex = opt(opts, &O::map_ifindex);
    return new_fd(Command::map_create, wire::encode(req));
}

int bpffs_map_update_elem(int fd, const void *key, const void *value, __u64 flags) {
    return single_elem(BPF_MAP_UPDATE_ELEM, fd, key, value, nullptr, flags);
}

int bpffs_map_lookup_elem(int fd, const void *key, void *value) {
    return single_elem(BPF_MAP_LOOKUP_ELEM, fd, key, nullptr, value, 0);
}

int bpffs_map_lookup_elem_flags(int fd, const void *key, void *value, __u64 flags) {
    return single_elem(BPF_MAP_LOOKUP_ELEM, fd, key, nullptr, value, flags);
}

int bpffs_map_lookup_and_delete_elem(int fd, const void *key, void *value) {
    return single_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, nullptr, value, 0);
}

int bpffs_map_lookup_and_delete_elem_flags(int fd, const void *key, void *value, __u64 flags) {
    return single_elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, nullptr, value, flags);
}

int bpffs_map_delete_elem(int fd, const void *key) {
    return single_elem(BPF_MAP_DELETE_ELEM, fd, key, nullptr, nullptr, 0);
}

int bpffs_map_get_next_key(int fd, const void *key, void *next_key) {
    return single_elem(BPF_MAP_GET_NEXT_KEY, fd, key, nullptr, next_key, 0);
}

int bpffs_map_freeze(int fd) {
    return simple(Command::map_freeze, wire::encode(wire::MapFdRequest{static_cast<uint32_t>(fd)}));
}

int bpffs_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
                           __u32 *count, const struct bpffs_map_batch_opts *opts) {
    return lookup_batch(Command::map_lookup_batch, fd, in_batch, out_batch, keys, values, count,
                        opts);
}

int bpffs_map_lookup_and_delete_batch(int fd, void *in_batch, void *out_batch, void *keys,
                                      void *values, __u32 *count,
                                      const struct bpffs_map_batch_opts *opts) {
    return lookup_batch(Command::map_lookup_and_delete_batch, fd, in_batch, out_batch, keys, values,
                        count, opts);
}

int bpffs_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
                           const struct bpffs_map_batch_opts *opts) {
    return change_batch(Command::map_update_batch, fd, keys, values, count, opts);
}

int bpffs_map_delete_batch(int fd, const void *keys, __u32 *count,
                           const struct bpffs_map_batch_opts *opts) {
    return change_batch(Command::map_delete_batch, fd, keys, nullptr, count, opts);
}

int bpffs_obj_pin(int fd, const char *pathname) {
    auto path = path_arg(pathname);
    if (!path) return failure(path.error());
    wire::ObjPinRequest req{static_cast<uint32_t>(fd), *path, 0};
    auto r = call<Bytes>(Command::obj_pin, wire::encode(req), &*path);
    if (!r) return failure(r.error());
    return 0;
}

int bpffs_obj_get(const char *pathname) {
    return bpffs_obj_get_opts(pathname, nullptr);
}

int bpffs_obj_get_opts(const char *pathname, const struct bpffs_obj_get_opts *opts) {
    auto path = path_arg(pathname);
    if (!path) return failure(path.error());
    wire::ObjGetRequest req{*path, opt(opts, &bpffs_obj_get_opts::file_flags)};
    return new_fd(Command::obj_get, wire::encode(req), &*path);
}

int bpffs_map_get_next_id(__u32 start_id, __u32 *next) {
    return next_id(Command::map_get_next_id, start_id, next);
}

int bpffs_map_get_fd_by_id(__u32 id) {
    return fd_by_id(Command::map_get_fd_by_id, id);
}

int bpffs_obj_get_info_by_fd(int bpf_fd, void *info, __u32 *info_len) {
    if (info == nullptr || info_len == nullptr) return efault("info or info_len");
    auto r = call<wire::InfoReply>(Command::obj_get_info_by_fd,
                                   wire::encode(wire::InfoRequest{static_cast<uint32_t>(bpf_fd)}));
    if (!r) return failure(r.error());
    // As the kernel's bpf_check_uarg_tail_zero: a bad fd first (EBADF from
    // the daemon), then more than a page is E2BIG without reading the buffer.
    if (*info_len > static_cast<__u32>(getpagesize()))
        return failure(E2BIG, "info_len " + std::to_string(*info_len) + " is larger than a page");
    if (r->kind == static_cast<uint32_t>(ObjectKind::prog))  // prog
        return client::fill_prog_info(r->body, info, info_len);
    if (r->kind == static_cast<uint32_t>(ObjectKind::btf))  // prog
        return client::fill_btf_info(r->body, info, info_len);
    if (r->kind == static_cast<uint32_t>(ObjectKind::link))  // link
        return client::fill_link_info(r->body, info, info_len);
    if (r->kind != static_cast<uint32_t>(ObjectKind::map))
        return failure(EOPNOTSUPP, "this libbpffs cannot decode information of a " +
                                       std::string(kind_name(static_cast<ObjectKind>(r->kind))));
    auto mi = wire::decode<wire::MapInfo>(r->body, "map info");
    if (!mi) return failure(mi.error());
    // As the kernel: bytes the caller offers beyond the struct must be zero.
    auto user = static_cast<const uint8_t *>(info);
    for (size_t i = sizeof(struct bpf_map_info); i < *info_len; ++i)
        if (user[i] != 0)
            return failure(E2BIG,
                           "info_len is larger than struct bpf_map_info and the extra "
                           "bytes are not zero");
    struct bpf_map_info out;
    memset(&out, 0, sizeof(out));
    fill_map_info(*mi, out);
    __u32 len = std::min<__u32>(*info_len, sizeof(out));
    memcpy(info, &out, len);
    *info_len = len;
    return 0;
}

int bpffs_obj_get_fdinfo(int fd, struct bpffs_fdinfo *info) {
    if (info == nullptr) return efault("info");
    auto r = call<wire::FdinfoReply>(Command::fdinfo,
                                     wire::encode(wire::FdinfoRequest{static_cast<uint32_t>(fd)}));
    if (!r) return failure(r.error());
    memset(info, 0, sizeof(*info));
    info->kind = r->kind;
    info->id = r->id;
    info->memlock = r->memlock;
    info->frozen = r->frozen;
    info->fd_flags = r->fd_flags;
    return 0;
}

int bpffs_close(int fd) {
    if (auto closed = Connection::instance().close_fd(fd); !closed) return failure(closed.error());
    return 0;
}

}  // extern "C"
