#include "daemon/mount_path.h"

namespace bpffs {

std::optional<std::string> path_in_mount(std::string_view mountpoint, std::string_view path) {
    if (path.empty() || path.front() != '/') return std::nullopt;
    // "/" as the mount point: every absolute path is inside.
    std::string_view root = mountpoint == "/" ? std::string_view() : mountpoint;
    if (path.substr(0, root.size()) != root) return std::nullopt;
    std::string_view rest = path.substr(root.size());
    if (rest.empty()) return std::string();
    if (rest.front() != '/') return std::nullopt;  // "/run/bpffsX" is not under "/run/bpffs"
    while (!rest.empty() && rest.front() == '/')
        rest.remove_prefix(1);
    return std::string(rest);
}

}  // namespace bpffs
