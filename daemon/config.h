// bpffsd's configuration: what the command line asked for.
#pragma once

#include <string>
#include <string_view>

#include "core/pin_tree.h"
#include "core/result.h"
#include "daemon/socket_access.h"

namespace bpffs {

struct Config {
    std::string mountpoint = "/run/bpffs";
    std::string socket_path = "/run/bpffsd.sock";
    SocketAccess socket_access;  // --socket-group, --socket-mode
    bool foreground = false;
    PinTreeOptions tree;  // root directory mode, uid, gid (-o mode=,uid=,gid=)
    bool allow_other = false;
    std::string log_level = "info";
    unsigned ncpus = 0;  // possible CPUs for per-CPU maps; 0: this machine's
    // Programs loaded by root or by members of this group are verified with
    // the kernel's privileged (CAP_PERFMON) rules; others with strict ones.
    std::string prog_group;
    bool checked_vm = false;  // run verified programs bounds-checked too
};

// Applies a bpffs-style option string ("mode=0755,uid=1000,allow_other") to
// cfg. Bad values fail with EINVAL and the kernel's wording ("Bad value for
// 'mode'"); unknown options are ignored as the kernel ignores them, but
// listed in ignored so the caller can log them.
Status parse_mount_options(std::string_view options, Config &cfg, std::string &ignored);

}  // namespace bpffs
