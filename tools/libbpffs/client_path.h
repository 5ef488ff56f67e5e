// Paths as libbpffs sends them: absolute, with the parent directory made
// canonical on the client's side (so "..", symlinked directories and paths
// relative to this process's working directory all work), and the last
// component left alone (the daemon resolves it inside the pin tree, where a
// pinned symlink may be followed).
#pragma once

#include <string>

#include "core/result.h"

namespace bpffs::client {

Result<std::string> canonical_path(const std::string &path);

// The control socket advertised by the bpffs mount holding path: walks up
// from path through its ancestors until one answers the extended attribute
// user.bpffs.socket.
Result<std::string> find_socket(const std::string &path);
// The root of that mount: the nearest ancestor of path (or path itself)
// answering user.bpffs.socket.
Result<std::string> find_mount_root(const std::string &path);

}  // namespace bpffs::client
