// The link and iterator commands of bpffsd's bpf(2) surface: LINK_CREATE
// (iterator links), LINK_UPDATE, LINK_DETACH, LINK_GET_NEXT_ID,
// LINK_GET_FD_BY_ID, ITER_CREATE, the daemon's ITER_READ (one read(2) of
// an iterator fd), and the link body of OBJ_GET_INFO_BY_FD. syscall.cpp
// dispatches to them. Checks come in the kernel's order (syscall.c's
// link_create/link_update, bpf_iter.c's bpf_iter_link_attach), so the
// same mistakes give the same errno.
#pragma once

#include <cstdint>
#include <span>

#include "core/object.h"
#include "core/result.h"
#include "core/wire/codec.h"
#include "daemon/session.h"

namespace bpffs::link_cmds {

using Payload = std::span<const uint8_t>;

// What a command reports besides its reply: the fd it used or made.
struct CallState {
    Session &session;
    int64_t fd = -1;
};

Result<wire::Bytes> link_create(CallState &c, Payload p);
Result<wire::Bytes> link_update(CallState &c, Payload p);
Result<wire::Bytes> link_detach(CallState &c, Payload p);
Result<wire::Bytes> link_get_next_id(CallState &c, Payload p);
Result<wire::Bytes> link_get_fd_by_id(CallState &c, Payload p);
Result<wire::Bytes> iter_create(CallState &c, Payload p);
Result<wire::Bytes> iter_read(CallState &c, Payload p);

// OBJ_GET_INFO_BY_FD body of a link (wire::LinkInfo).
wire::Bytes link_info(const Object &link);

}  // namespace bpffs::link_cmds
