// systemd's readiness protocol (sd_notify(3)), written here so bpffsd needs
// no libsystemd: one datagram of "KEY=VALUE\n" lines sent to the Unix socket
// named by $NOTIFY_SOCKET. A name starting with '@' is in the abstract
// namespace. Without $NOTIFY_SOCKET (not started by systemd with Type=notify)
// there is nobody to tell and nothing is sent.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace bpffs {

// Sends state (e.g. "READY=1\nSTATUS=serving") to $NOTIFY_SOCKET. ok() when
// sent or when $NOTIFY_SOCKET is unset; an error when the variable is
// malformed or the datagram cannot be delivered.
Status sd_notify_send(std::string_view state);

// READY=1 with our pid (so systemd accepts it even from a forked child) and
// a one-line status for `systemctl status`. Failures are logged, not fatal:
// the daemon works without systemd's bookkeeping.
void notify_systemd_ready(const std::string &status);

}  // namespace bpffs
