// The FUSE low-level operations of bpffs: each request becomes one pin tree
// call with the caller's credentials, and the tree's errno goes back to
// the kernel unchanged.
#pragma once

#include <fuse_lowlevel.h>

#include <functional>
#include <memory>
#include <string>

#include "core/pin_tree.h"
#include "fs/open_handler.h"

namespace bpffs {

// The state every request handler reaches through fuse_req_userdata.
struct FsContext {
    PinTree &tree;
    std::shared_ptr<OpenHandlers> open_handlers;  // may be null: every open is EIO
    std::string socket_path;                      // the value of user.bpffs.socket
    double cache_timeout = 3600.0;                // entry and attribute timeouts, seconds
    std::function<void()> on_init;                // the kernel's INIT was answered
};

// The name of the root's extended attribute that tells clients where the
// control socket of the daemon serving this mount is.
inline constexpr const char *kSocketXattr = "user.bpffs.socket";

const fuse_lowlevel_ops &bpffs_fuse_ops();

}  // namespace bpffs
