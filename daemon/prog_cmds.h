// The program and BTF commands of bpffsd's bpf(2) surface: PROG_LOAD,
// BTF_LOAD, PROG/BTF_GET_NEXT_ID, PROG/BTF_GET_FD_BY_ID, their bodies of
// OBJ_GET_INFO_BY_FD, and DAEMON_BTF. syscall.cpp dispatches to them.
#pragma once

#include <cstdint>
#include <span>

#include "core/btf_object.h"
#include "core/prog.h"
#include "core/result.h"
#include "core/wire/codec.h"
#include "daemon/session.h"

namespace bpffs::prog_cmds {

using Payload = std::span<const uint8_t>;

// What a command reports besides its reply: the fd it used or made, and a
// body to send with an error (PROG_LOAD's log).
struct CallState {
    Session &session;
    int64_t fd = -1;
    wire::Bytes error_body;
    uint32_t max_log_size = UINT32_MAX;  // bpffsd --max-log-size
};

// How PROG_LOAD treats programs, from the daemon's configuration: which
// clients get the kernel's privileged verifier rules (root always, and the
// members of privileged_gid), and whether verified programs still run
// bounds-checked (--checked-vm).
struct LoadPolicy {
    bool has_privileged_gid = false;
    gid_t privileged_gid = 0;
    bool checked_vm = false;
};
void set_load_policy(const LoadPolicy &policy);
const LoadPolicy &load_policy();

Result<wire::Bytes> prog_load(CallState &c, Payload p);
Result<wire::Bytes> btf_load(CallState &c, Payload p);
Result<wire::Bytes> get_next_id(CallState &c, Payload p, ObjectKind kind);
Result<wire::Bytes> get_fd_by_id(CallState &c, Payload p, ObjectKind kind);
Result<wire::Bytes> daemon_btf(CallState &c, Payload p);

// OBJ_GET_INFO_BY_FD bodies.
wire::Bytes prog_info(const Prog &prog);
wire::Bytes btf_info(const BtfObject &btf);

}  // namespace bpffs::prog_cmds
