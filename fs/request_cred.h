// The credentials of the process behind a FUSE request.
#pragma once

#include <fuse_lowlevel.h>

#include "core/cred.h"

namespace bpffs {

// uid, gid, pid and umask from fuse_req_ctx, supplementary groups from
// fuse_req_getgroups (empty if the kernel or /proc cannot tell).
Cred request_cred(fuse_req_t req);

}  // namespace bpffs
