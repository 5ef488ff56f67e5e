// Who is at the other end of a Unix socket: SO_PEERCRED's uid, gid and pid,
// plus the supplementary groups of that process (from /proc/PID/status,
// since SO_PEERCRED carries none).
#pragma once

#include "core/cred.h"
#include "core/result.h"

namespace bpffs {

Result<Cred> peer_cred(int socket_fd);

// The "Groups:" line of /proc/PID/status; empty if the process is gone.
std::vector<gid_t> supplementary_groups(pid_t pid);

}  // namespace bpffs
