// The credentials of whoever asked for an operation: a socket peer
// (SO_PEERCRED) or a FUSE request. Every permission decision uses them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace bpffs {

struct Cred {
    uid_t uid = 0;
    gid_t gid = 0;
    pid_t pid = 0;
    mode_t umask = 022;
    std::vector<gid_t> groups;  // supplementary groups

    // root bypasses DAC checks, as CAP_DAC_OVERRIDE does in the kernel.
    bool dac_override() const { return uid == 0; }
    bool in_group(gid_t g) const;
};

}  // namespace bpffs
