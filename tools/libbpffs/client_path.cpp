#include "tools/libbpffs/client_path.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tools/libbpffs/bpffs.h"
#include "tools/libbpffs/dir_name_cache.h"

namespace bpffs::client {

namespace {

Result<std::string> real(const std::string &path) {
    char buf[PATH_MAX];
    if (realpath(path.c_str(), buf) == nullptr)
        return fail(errno, "cannot resolve " + path + ": " + strerror(errno));
    return std::string(buf);
}

}  // namespace

Result<std::string> canonical_path(const std::string &path) {
    if (path.empty()) return fail(ENOENT, "the path is empty");
    std::string p = path;
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    size_t slash = p.rfind('/');
    std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : p.substr(0, slash);
    std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
    // "x/..", "x/." and "/" have no last component of their own.
    if (name == "." || name == ".." || name.empty() || p == "/") return real(p);
    std::optional<std::string> remembered = remembered_dir_name(dir);
    Result<std::string> parent =
        remembered ? Result<std::string>(std::move(*remembered)) : real(dir);
    if (!parent) return parent;
    if (!remembered) remember_dir_name(dir, *parent);
    return (*parent == "/" ? "" : *parent) + "/" + name;
}

namespace {

struct MountRoot {
    std::string root;
    std::string socket;
};

Result<MountRoot> walk_to_mount_root(const std::string &path) {
    auto abs = canonical_path(path);
    if (!abs) return tl::unexpected(abs.error());
    std::string p = *abs;
    char buf[PATH_MAX];
    for (;;) {
        ssize_t n = getxattr(p.c_str(), BPFFS_SOCKET_XATTR, buf, sizeof(buf) - 1);
        if (n > 0) return MountRoot{p, std::string(buf, static_cast<size_t>(n))};
        if (p == "/") break;
        size_t slash = p.rfind('/');
        p = slash == 0 ? "/" : p.substr(0, slash);
    }
    return fail(ENODATA, "no bpffsd mount holds " + *abs + " (no ancestor has the " +
                             BPFFS_SOCKET_XATTR + " attribute)");
}

}  // namespace

Result<std::string> find_socket(const std::string &path) {
    auto found = walk_to_mount_root(path);
    if (!found) return tl::unexpected(found.error());
    return found->socket;
}

Result<std::string> find_mount_root(const std::string &path) {
    auto found = walk_to_mount_root(path);
    if (!found) return tl::unexpected(found.error());
    return found->root;
}

}  // namespace bpffs::client
