// A daemon killed while serving its mount leaves the mount behind: every
// access to the mount point then fails with ENOTCONN ("Transport endpoint
// is not connected"). Mounting again on top would hide it but not free it,
// so it is lazily unmounted first.
#pragma once

#include <string>

#include "core/result.h"

namespace bpffs {

// Makes mountpoint usable for a new mount: a dead FUSE mount there is
// detached (umount2 MNT_DETACH, or `fusermount3 -uz` without privilege),
// with a logged warning. Fails if mountpoint is not a directory, or if a
// live bpffs FUSE mount already serves it (EBUSY).
Status clear_stale_mount(const std::string &mountpoint);

}  // namespace bpffs
