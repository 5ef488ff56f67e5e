// The request and reply bodies of the link and iterator commands
// (LINK_CREATE, LINK_UPDATE, LINK_DETACH, ITER_CREATE, ITER_READ, the link
// body of OBJ_GET_INFO_BY_FD). LINK_GET_NEXT_ID and LINK_GET_FD_BY_ID use
// GetNextIdRequest / GetFdByIdRequest of messages.h. Same rules as
// messages.h: fields() lists each field once, in wire order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/wire/messages.h"

namespace bpffs::wire {

// The largest iter_info the kernel reads (bpf_check_uarg_tail_zero refuses
// anything longer than a page with E2BIG).
inline constexpr uint32_t kMaxIterInfoLen = 4096;

// LINK_CREATE (reply FdReply). iter_info is absent when the caller's
// pointer was NULL; when present it carries the caller's iter_info_len
// bytes (union bpf_iter_link_info, map_fd being this connection's fd), or
// nothing at all when iter_info_len is above kMaxIterInfoLen. The pointer
// and the length travel separately because the kernel judges them
// separately (one without the other is EINVAL).
struct LinkCreateRequest {
    uint32_t prog_fd = 0;
    uint32_t target_fd = 0;
    uint32_t attach_type = 0;
    uint32_t flags = 0;
    std::optional<Bytes> iter_info;
    uint32_t iter_info_len = 0;
    static auto fields(auto &s) {
        return std::tie(s.prog_fd, s.target_fd, s.attach_type, s.flags, s.iter_info,
                        s.iter_info_len);
    }
};

// LINK_UPDATE (empty reply). old_prog_fd counts only with BPF_F_REPLACE.
struct LinkUpdateRequest {
    uint32_t link_fd = 0;
    uint32_t new_prog_fd = 0;
    uint32_t flags = 0;
    uint32_t old_prog_fd = 0;
    static auto fields(auto &s) {
        return std::tie(s.link_fd, s.new_prog_fd, s.flags, s.old_prog_fd);
    }
};

// LINK_DETACH (empty reply).
struct LinkDetachRequest {
    uint32_t link_fd = 0;
    static auto fields(auto &s) { return std::tie(s.link_fd); }
};

// ITER_CREATE (reply FdReply): a new iterator fd with its own session.
struct IterCreateRequest {
    uint32_t link_fd = 0;
    uint32_t flags = 0;
    static auto fields(auto &s) { return std::tie(s.link_fd, s.flags); }
};

// ITER_READ: one read(2) of size bytes from an iterator fd, i.e. one
// bpf_seq_read(size). The reply holds at most size bytes; empty at the end.
struct IterReadRequest {
    uint32_t fd = 0;
    uint64_t size = 0;
    static auto fields(auto &s) { return std::tie(s.fd, s.size); }
};
struct IterReadReply {
    Bytes data;
    static auto fields(auto &s) { return std::tie(s.data); }
};

// The fields of struct bpf_link_info that bpffsd fills. The client applies
// the kernel's rules for the caller's target_name buffer (EINVAL for a
// pointer without a length or the reverse, ENOSPC when it is too small).
// map_id: map-element targets; tid/pid: task targets; cgroup_id/order:
// the cgroup target.
struct LinkInfo {
    uint32_t type = 0;  // enum bpf_link_type (BPF_LINK_TYPE_ITER)
    uint32_t id = 0;
    uint32_t prog_id = 0;
    std::string target_name;
    uint32_t map_id = 0;
    uint32_t tid = 0;
    uint32_t pid = 0;
    uint64_t cgroup_id = 0;
    uint32_t cgroup_order = 0;
    static auto fields(auto &s) {
        return std::tie(s.type, s.id, s.prog_id, s.target_name, s.map_id, s.tid, s.pid, s.cgroup_id,
                        s.cgroup_order);
    }
};

}  // namespace bpffs::wire
