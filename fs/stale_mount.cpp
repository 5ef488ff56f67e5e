#include "fs/stale_mount.h"

#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace bpffs {

namespace {

// Undoes the octal escapes of /proc/self/mountinfo ("\040" for a space).
std::string unescape(const std::string &field) {
    std::string out;
    for (size_t i = 0; i < field.size(); i++) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            out.push_back(static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8)));
            i += 3;
        } else {
            out.push_back(field[i]);
        }
    }
    return out;
}

// The filesystem type of the topmost mount at path ("" if none).
std::string mount_type_at(const std::string &path) {
    std::ifstream mountinfo("/proc/self/mountinfo");
    std::string line, type;
    while (std::getline(mountinfo, line)) {
        // id parent major:minor root mountpoint options [optional...] - type source super
        std::istringstream fields(line);
        std::string id, parent, dev, root, point, field;
        fields >> id >> parent >> dev >> root >> point;
        if (unescape(point) != path) continue;
        while (fields >> field && field != "-") {
        }
        fields >> type;  // later lines are mounted on top of earlier ones
    }
    return type;
}

bool run_fusermount_lazy(const std::string &mountpoint) {
    const char *argv[] = {"fusermount3", "-uz", mountpoint.c_str(), nullptr};
    pid_t pid = 0;
    if (posix_spawnp(&pid, "fusermount3", nullptr, nullptr, const_cast<char **>(argv), environ) !=
        0)
        return false;
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

Status detach(const std::string &mountpoint) {
    spdlog::warn("fs: {} is a stale mount of a daemon that is gone; detaching it", mountpoint);
    if (umount2(mountpoint.c_str(), MNT_DETACH) == 0) return ok();
    int umount_errno = errno;
    if (run_fusermount_lazy(mountpoint)) return ok();
    return fail(umount_errno, "cannot detach the stale mount at " + mountpoint + ": " +
                                  std::strerror(umount_errno));
}

// statfs always asks the filesystem (stat may be answered from the
// kernel's attribute cache), so it tells a dead FUSE daemon reliably.
bool probe(const std::string &mountpoint, struct stat &st) {
    struct statfs fs {};
    return statfs(mountpoint.c_str(), &fs) == 0 && stat(mountpoint.c_str(), &st) == 0;
}

}  // namespace

Status clear_stale_mount(const std::string &mountpoint) {
    struct stat st {};
    if (!probe(mountpoint, st)) {
        int err = errno;
        if (err != ENOTCONN && err != ECONNABORTED)
            return fail(err, "mount point " + mountpoint + ": " + std::strerror(err));
        if (auto detached = detach(mountpoint); !detached) return detached;
        if (stat(mountpoint.c_str(), &st) != 0)
            return fail(errno,
                        "mount point " + mountpoint + " after detaching: " + std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return fail(ENOTDIR, "mount point " + mountpoint + " is not a directory");
    if (mount_type_at(mountpoint) == "fuse.bpffs")
        return fail(EBUSY, mountpoint + " is already served by a running bpffsd");
    return ok();
}

}  // namespace bpffs
