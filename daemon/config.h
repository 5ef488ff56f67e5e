// bpffsd's configuration: what the command line asked for.
#pragma once

#include <string>
#include <string_view>

#include "core/pin_tree.h"
#include "core/result.h"
#include "daemon/socket_access.h"
#include "daemon/syscall.h"

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
    uint64_t max_memory = 0;  // --max-memory: bytes all maps may use; 0: no limit
    ClientLimits limits;      // --max-client-fds, --max-frame, --max-log-size
};

// A size as the command line gives it: bytes, or a number with a K, M, G or
// T suffix (powers of 1024; "KiB", "MB" and the like are accepted too).
// EINVAL with a sentence naming option when it is not one, ERANGE when it
// does not fit in 64 bits.
Result<uint64_t> parse_size(std::string_view text, std::string_view option);

// Applies a bpffs-style option string ("mode=0755,uid=1000,allow_other") to
// cfg. Bad values fail with EINVAL and the kernel's wording ("Bad value for
// 'mode'"); unknown options are ignored as the kernel ignores them, but
// listed in ignored so the caller can log them.
Status parse_mount_options(std::string_view options, Config &cfg, std::string &ignored);

}  // namespace bpffs
