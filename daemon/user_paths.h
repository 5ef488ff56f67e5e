// Where bpffsd mounts and listens by default. Root uses the system paths
// (/run/bpffs, /run/bpffsd.sock); any other user cannot write /run, so the
// defaults move to the user's runtime directory ($XDG_RUNTIME_DIR, e.g.
// /run/user/1000), which systemd-logind creates per user.
#pragma once

#include "daemon/config.h"

namespace bpffs {

// Changes cfg's default mount point and socket path to
// $XDG_RUNTIME_DIR/bpffs and $XDG_RUNTIME_DIR/bpffsd.sock when not running
// as root and the variable names an absolute path. Call before parsing the
// command line, so explicit options still win and --help shows the result.
void apply_user_defaults(Config &cfg);

}  // namespace bpffs
