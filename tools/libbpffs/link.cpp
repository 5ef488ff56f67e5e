// The link and iterator functions of bpffs.h, and the link part of
// bpffs_obj_get_info_by_fd.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "core/wire/link_messages.h"
#include "tools/libbpffs/bpffs.h"
#include "tools/libbpffs/connection.h"
#include "tools/libbpffs/link_info.h"
#include "tools/libbpffs/prog_info.h"
#include "tools/libbpffs/request.h"

using namespace bpffs;
using bpffs::client::Connection;
using wire::Bytes;
using wire::Command;
using namespace bpffs::client;

namespace {

// Bytes past the struct that the caller offers must be zero (E2BIG).
int check_tail(const void *info, __u32 info_len) {
    auto user = static_cast<const uint8_t *>(info);
    for (size_t i = sizeof(bpf_link_info); i < info_len; ++i)
        if (user[i] != 0)
            return failure(E2BIG,
                           "info_len is larger than struct bpf_link_info and the extra bytes "
                           "are not zero");
    return 0;
}

// The kernel's bpf_iter_link_fill_link_info for the name: a buffer and a
// length come together (EINVAL otherwise); a short buffer gets what fits
// plus a NUL and the call fails with ENOSPC.
int fill_target_name(const std::string &name, bpf_link_info &out) {
    char *buf = reinterpret_cast<char *>(static_cast<uintptr_t>(out.iter.target_name));
    __u32 len = out.iter.target_name_len;
    if ((buf == nullptr) != (len == 0))
        return failure(EINVAL,
                       "iter.target_name and iter.target_name_len must be both set or "
                       "both zero");
    out.iter.target_name_len = static_cast<__u32>(name.size() + 1);
    if (buf == nullptr) return 0;
    if (len >= name.size() + 1) {
        memcpy(buf, name.c_str(), name.size() + 1);
        return 0;
    }
    memcpy(buf, name.data(), len - 1);
    buf[len - 1] = '\0';
    return failure(ENOSPC, "iter.target_name_len " + std::to_string(len) + " is too small for '" +
                               name + "' (" + std::to_string(name.size() + 1) + " bytes)");
}

}  // namespace

namespace bpffs::client {

int fill_link_info(const Bytes &body, void *info, __u32 *info_len) {
    auto li = wire::decode<wire::LinkInfo>(body, "link info");
    if (!li) return failure(li.error());
    if (int err = check_tail(info, *info_len)) return err;
    // As the kernel: start from what the caller passed (its buffer pointers
    // are inputs), fill in, and write back only on success.
    struct bpf_link_info out;
    memset(&out, 0, sizeof out);
    __u32 len = std::min<__u32>(*info_len, sizeof out);
    memcpy(&out, info, len);
    out.type = li->type;
    out.id = li->id;
    out.prog_id = li->prog_id;
    if (li->type == BPF_LINK_TYPE_ITER) {
        if (int err = fill_target_name(li->target_name, out)) return err;
        if (li->map_id != 0) out.iter.map.map_id = li->map_id;
    }
    memcpy(info, &out, len);
    *info_len = len;
    return 0;
}

}  // namespace bpffs::client

extern "C" {

int bpffs_link_create(int prog_fd, int target_fd, enum bpf_attach_type attach_type,
                      const struct bpffs_link_create_opts *opts) {
    wire::LinkCreateRequest req;
    req.prog_fd = static_cast<uint32_t>(prog_fd);
    req.target_fd = static_cast<uint32_t>(target_fd);
    req.attach_type = attach_type;
    req.flags = opt(opts, &bpffs_link_create_opts::flags);
    const union bpf_iter_link_info *iter_info = opt(opts, &bpffs_link_create_opts::iter_info);
    req.iter_info_len = opt(opts, &bpffs_link_create_opts::iter_info_len);
    if (iter_info != nullptr) {
        // More than a page is refused by the daemon without reading it.
        auto bytes = reinterpret_cast<const uint8_t *>(iter_info);
        size_t n = req.iter_info_len <= wire::kMaxIterInfoLen ? req.iter_info_len : 0;
        req.iter_info = Bytes(bytes, bytes + n);
    }
    return new_fd(Command::link_create, wire::encode(req));
}

int bpffs_link_update(int link_fd, int new_prog_fd, const struct bpffs_link_update_opts *opts) {
    wire::LinkUpdateRequest req;
    req.link_fd = static_cast<uint32_t>(link_fd);
    req.new_prog_fd = static_cast<uint32_t>(new_prog_fd);
    req.flags = opt(opts, &bpffs_link_update_opts::flags);
    req.old_prog_fd = opt(opts, &bpffs_link_update_opts::old_prog_fd);
    return simple(Command::link_update, wire::encode(req));
}

int bpffs_link_detach(int link_fd) {
    return simple(Command::link_detach,
                  wire::encode(wire::LinkDetachRequest{static_cast<uint32_t>(link_fd)}));
}

int bpffs_link_get_next_id(__u32 start_id, __u32 *next) {
    return next_id(Command::link_get_next_id, start_id, next);
}

int bpffs_link_get_fd_by_id(__u32 id) {
    return fd_by_id(Command::link_get_fd_by_id, id);
}

int bpffs_iter_create(int link_fd) {
    return new_fd(Command::iter_create,
                  wire::encode(wire::IterCreateRequest{static_cast<uint32_t>(link_fd), 0}));
}

ssize_t bpffs_iter_read(int iter_fd, void *buf, size_t size) {
    if (buf == nullptr && size != 0) return failure(EFAULT, "buf is NULL");
    auto r = call<wire::IterReadReply>(
        Command::iter_read, wire::encode(wire::IterReadRequest{static_cast<uint32_t>(iter_fd),
                                                               static_cast<uint64_t>(size)}));
    if (!r) return failure(r.error());
    if (r->data.size() > size)
        return failure(EPROTO, "the daemon returned more bytes than were asked for");
    if (!r->data.empty()) memcpy(buf, r->data.data(), r->data.size());
    return static_cast<ssize_t>(r->data.size());
}

}  // extern "C"
