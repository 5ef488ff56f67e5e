#include "daemon/socket_access.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

namespace bpffs {

Result<mode_t> parse_socket_mode(std::string_view text) {
    unsigned mode = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || mode > 0777)
        return fail(EINVAL, "--socket-mode " + std::string(text) +
                                ": expected octal permission bits, 0 to 0777 (e.g. 0660)");
    return static_cast<mode_t>(mode);
}

Result<gid_t> resolve_group(const std::string &group) {
    unsigned number = 0;
    auto [end, ec] = std::from_chars(group.data(), group.data() + group.size(), number, 10);
    if (!group.empty() && ec == std::errc() && end == group.data() + group.size())
        return static_cast<gid_t>(number);
    long hint = sysconf(_SC_GETGR_R_SIZE_MAX);
    std::vector<char> buf(hint > 0 ? static_cast<size_t>(hint) : 16384);
    struct group entry {};
    struct group *found = nullptr;
    int rc;
    while ((rc = getgrnam_r(group.c_str(), &entry, buf.data(), buf.size(), &found)) == ERANGE)
        buf.resize(buf.size() * 2);
    if (rc != 0)
        return fail(rc, "--socket-group " + group + ": cannot look the group up: " + strerror(rc));
    if (found == nullptr)
        return fail(ENOENT, "--socket-group " + group +
                                ": no such group (create it with "
                                "`addgroup --system " +
                                group + "`)");
    return found->gr_gid;
}

Status check_socket_access(const SocketAccess &access) {
    if (!access.mode_text.empty()) {
        if (auto mode = parse_socket_mode(access.mode_text); !mode)
            return tl::unexpected(mode.error());
    }
    if (!access.group.empty()) {
        if (auto gid = resolve_group(access.group); !gid) return tl::unexpected(gid.error());
    }
    return ok();
}

Status apply_socket_access(const std::string &path, const SocketAccess &access) {
    if (!access.group.empty()) {
        auto gid = resolve_group(access.group);
        if (!gid) return tl::unexpected(gid.error());
        // A non-root owner may only give the socket to one of its own groups.
        if (chown(path.c_str(), static_cast<uid_t>(-1), *gid) != 0)
            return fail(errno, "cannot give " + path + " to group " + access.group + ": " +
                                   strerror(errno));
    }
    if (!access.mode_text.empty()) {
        auto mode = parse_socket_mode(access.mode_text);
        if (!mode) return tl::unexpected(mode.error());
        if (chmod(path.c_str(), *mode) != 0)
            return fail(errno, "cannot set mode " + access.mode_text + " on " + path + ": " +
                                   strerror(errno));
    }
    return ok();
}

}  // namespace bpffs
