// The FUSE filesystem of bpffsd: mounts a PinTree at a directory with the
// low-level libfuse API and serves it from a multi-threaded session loop.
//
// Choices (see fuse_mount.cpp and fuse_ops.cpp):
// - default_permissions: the kernel's FUSE module runs the VFS's DAC checks
//   on our attributes, as the VFS does for the kernel's bpffs; the tree
//   checks again with each request's credentials.
// - Caches: entries and attributes are cached for cache_timeout seconds
//   (an hour by default). Only two parties change the tree: the kernel
//   through FUSE, which updates or drops its own caches for what it
//   changed, and the control socket (pins, OBJ_GET's atime), whose changes
//   invalidate them with fuse_lowlevel_notify_inval_entry/inval_inode
//   through the tree's change hook. So a cached entry is never stale, and
//   stat, unlink and path walks of cached names reach the daemon once per
//   timeout instead of every time (a LOOKUP before every UNLINK with 1 s).
// - statfs: FUSE reports its own f_type; the rest is bpffs's.
// - Root mode: the tree's (the kernel's bpffs root is 01777 by default).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/pin_tree.h"
#include "core/result.h"
#include "fs/open_handler.h"

namespace bpffs {

struct MountOptions {
    std::string mountpoint;    // absolute, canonical
    std::string socket_path;   // advertised as xattr user.bpffs.socket on the root
    bool allow_other = false;  // -o allow_other
    unsigned max_threads = 8;
    std::string log_tag = "fs";
    // What open(2) of a pinned object does, per object kind; null: EIO for all.
    std::shared_ptr<OpenHandlers> open_handlers;
    // How long the kernel may cache entries and attributes. Changes made
    // through the socket invalidate the caches explicitly; the bound only
    // limits how long a missed invalidation (a bug) could be seen.
    double cache_timeout = 3600.0;
};

class FuseMount {
  public:
    // Mounts tree at opts.mountpoint (clearing a stale mount left by a killed
    // daemon, with a logged message) and starts serving it in background
    // threads. Returns once the mount is ready to be used; ENOTCONN when it
    // was unmounted (from outside) before the kernel had initialised it.
    static Result<std::unique_ptr<FuseMount>> start(PinTree &tree, const MountOptions &opts);
    ~FuseMount();  // stop()s

    // Blocks until the session ends: stop() was called or the filesystem was
    // unmounted from outside (fusermount3 -u, umount).
    void wait();
    // Unmounts and joins the serving threads. Idempotent.
    void stop();

    struct Impl;

  private:
    explicit FuseMount(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace bpffs
