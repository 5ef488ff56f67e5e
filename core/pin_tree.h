// The pin tree: bpffs's directory tree of pinned objects, with the kernel's
// rules (spec section 4): inode attributes, dotted names reserved, DAC
// permission checks with the caller's credentials, sticky directories,
// rename/link/symlink, reference counting of pinned objects.
//
// Two layers use it: the control socket (OBJ_PIN / OBJ_GET, path based,
// below) and the FUSE filesystem (inode based, see the rest of the class).
// Paths given to the path-based API are relative to the mount root
// ("dir/m"; "" is the root) and already stripped of the mount point; the
// daemon returns EPERM for paths outside the mount before calling here.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/cred.h"
#include "core/object.h"
#include "core/result.h"

namespace bpffs {

struct PinTreeOptions {
    mode_t root_mode = 0777;  // the sticky bit is always added, as the kernel does
    uid_t root_uid = 0;
    gid_t root_gid = 0;
};

class PinTree {
public:
    explicit PinTree(const PinTreeOptions &opts);
    ~PinTree();
    PinTree(const PinTree &) = delete;
    PinTree &operator=(const PinTree &) = delete;

    // BPF_OBJ_PIN: creates a regular file at path holding a reference to
    // obj, mode 0600 & ~cred.umask, owned by cred (spec 4.6).
    Status pin(const Cred &cred, std::string_view path, std::shared_ptr<Object> obj);

    // BPF_OBJ_GET: resolves path (following symlinks inside the mount) and
    // checks the access the caller asks for (R_OK, W_OK or both) against the
    // inode (spec 4.7). Touches atime.
    Result<std::shared_ptr<Object>> get(const Cred &cred, std::string_view path, int access);

    // The inode-level interface used by fs/ is declared in
    // core/pin_tree_inodes.h (owned by the filesystem layer).
    struct Impl;
    Impl &impl() { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace bpffs
