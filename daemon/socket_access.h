// Who may connect to the control socket: bpffsd binds it open to everyone
// (each command checks the caller's credentials), and --socket-group /
// --socket-mode narrow that, e.g. to the members of the `bpffs` group with
// mode 0660 as the Debian package's service does.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/result.h"

namespace bpffs {

struct SocketAccess {
    std::string group;      // name or number; empty: leave the group alone
    std::string mode_text;  // octal; empty: leave the mode alone
};

// The mode --socket-mode asked for: octal permission bits only (no file
// type, no setuid/setgid/sticky, which mean nothing on a socket).
Result<mode_t> parse_socket_mode(std::string_view text);

// The group id of a group name, or of a decimal number.
Result<gid_t> resolve_group(const std::string &group);

// Checks both settings without touching anything, so a typo fails before
// the daemon creates its socket or mount.
Status check_socket_access(const SocketAccess &access);

// Applies the group and mode to the socket file at path.
Status apply_socket_access(const std::string &path, const SocketAccess &access);

}  // namespace bpffs
