// The request and reply bodies of the program and BTF commands (PROG_LOAD,
// BTF_LOAD, their ids, their OBJ_GET_INFO_BY_FD bodies, and DAEMON_BTF).
// Same rules as messages.h: fields() lists each field once, in wire order.
#pragma once

#include <cstdint>
#include <string>

#include "core/wire/messages.h"

namespace bpffs::wire {

// PROG_LOAD. Instructions are struct bpf_insn, 8 bytes each; LDDW map
// references carry the client's fds (of this connection). attach_target is
// bpffsd's stand-in for attach_btf_id: the iterator target's name
// ("bpf_map_elem"), which the kernel finds through the BTF type
// bpf_iter__<target>. attach_btf_id, when non-zero, names that type in the
// daemon's BTF instead.
struct ProgLoadRequest {
    uint32_t prog_type = 0;
    uint32_t expected_attach_type = 0;
    uint32_t prog_flags = 0;
    std::string name;
    std::string license;
    Bytes insns;
    std::string attach_target;
    uint32_t attach_btf_id = 0;
    uint32_t prog_btf_fd = 0;
    uint32_t func_info_rec_size = 0;
    Bytes func_info;
    uint32_t line_info_rec_size = 0;
    Bytes line_info;
    uint32_t log_level = 0;
    uint32_t log_size = 0;
    uint32_t kern_version = 0;
    static auto fields(auto &s) {
        return std::tie(s.prog_type, s.expected_attach_type, s.prog_flags, s.name, s.license,
                        s.insns, s.attach_target, s.attach_btf_id, s.prog_btf_fd,
                        s.func_info_rec_size, s.func_info, s.line_info_rec_size, s.line_info,
                        s.log_level, s.log_size, s.kern_version);
    }
};

// BTF_LOAD: the raw blob as the kernel takes it.
struct BtfLoadRequest {
    Bytes btf;
    uint32_t log_level = 0;
    uint32_t log_size = 0;
    static auto fields(auto &s) { return std::tie(s.btf, s.log_level, s.log_size); }
};

// PROG_LOAD and BTF_LOAD: the new fd and the load log (what the kernel
// writes to log_buf; at most log_size bytes were asked for). A failed load
// sends this body too, with fd 0, so the client can fill its log_buf.
struct LoadReply {
    uint32_t fd = 0;
    std::string log;
    static auto fields(auto &s) { return std::tie(s.fd, s.log); }
};

// The fields of struct bpf_prog_info that bpffsd fills. xlated_insns are
// the instructions with map references naming map ids (as the kernel dumps
// them); map_ids and func_info are arrays of u32 / struct bpf_func_info.
struct ProgInfo {
    uint32_t type = 0;
    uint32_t id = 0;
    Bytes tag;  // 8 bytes
    Bytes xlated_insns;
    uint64_t load_time = 0;  // CLOCK_BOOTTIME ns, as the kernel's
    uint32_t created_by_uid = 0;
    Bytes map_ids;
    std::string name;
    uint32_t gpl_compatible = 0;
    uint32_t btf_id = 0;
    uint32_t func_info_rec_size = 0;
    Bytes func_info;
    uint32_t line_info_rec_size = 0;
    Bytes line_info;
    uint32_t verified_insns = 0;
    uint32_t expected_attach_type = 0;
    std::string attach_target;
    uint64_t memlock = 0;
    static auto fields(auto &s) {
        return std::tie(s.type, s.id, s.tag, s.xlated_insns, s.load_time, s.created_by_uid,
                        s.map_ids, s.name, s.gpl_compatible, s.btf_id, s.func_info_rec_size,
                        s.func_info, s.line_info_rec_size, s.line_info, s.verified_insns,
                        s.expected_attach_type, s.attach_target, s.memlock);
    }
};

// The fields of struct bpf_btf_info.
struct BtfInfo {
    uint32_t id = 0;
    Bytes btf;
    std::string name;
    uint32_t kernel_btf = 0;
    static auto fields(auto &s) { return std::tie(s.id, s.btf, s.name, s.kernel_btf); }
};

// DAEMON_BTF (no request body): the daemon's own BTF, the analogue of
// /sys/kernel/btf/vmlinux.
struct DaemonBtfReply {
    Bytes btf;
    static auto fields(auto &s) { return std::tie(s.btf); }
};

}  // namespace bpffs::wire
