#include "tests/integration/fault_support.h"

#include <dirent.h>
#include <grp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string_view>
#include <thread>

#include "tools/libbpffs/bpffs.h"

namespace bpffs::test {

int process_fd_count(pid_t pid) {
    std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    DIR *d = opendir(dir.c_str());
    if (d == nullptr) return -1;
    int n = 0;
    while (dirent *e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        // /dev/fuse: each idle FUSE worker reads its own clone, and how many
        // idle workers the daemon keeps (up to its limit) follows the load.
        char target[32];
        ssize_t len = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);
        if (len > 0 && std::string_view(target, static_cast<size_t>(len)) == "/dev/fuse") continue;
        ++n;
    }
    closedir(d);
    return n;
}

long process_rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return strtol(line.c_str() + 6, nullptr, 10);
    return -1;
}

namespace {

std::set<uint32_t> walk_ids(int (*get_next)(uint32_t, uint32_t *)) {
    std::set<uint32_t> ids;
    uint32_t id = 0, next = 0;
    while (get_next(id, &next) == 0) {
        ids.insert(next);
        id = next;
    }
    return ids;
}

}  // namespace

std::set<uint32_t> live_map_ids() {
    return walk_ids(bpffs_map_get_next_id);
}

std::set<uint32_t> live_prog_ids() {
    return walk_ids(bpffs_prog_get_next_id);
}

std::set<uint32_t> live_btf_ids() {
    return walk_ids(bpffs_btf_get_next_id);
}

namespace {

template <class Visit>
void walk_pins(const std::string &dir, const Visit &visit) {
    DIR *d = opendir(dir.c_str());
    if (d == nullptr) return;
    while (dirent *e = readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        std::string path = dir + "/" + name;
        struct stat st;
        if (lstat(path.c_str(), &st) != 0) continue;
        if (S_ISDIR(st.st_mode))
            walk_pins(path, visit);
        else if (S_ISREG(st.st_mode))
            visit(path);
    }
    closedir(d);
}

}  // namespace

std::set<uint32_t> pinned_map_ids(const std::string &dir) {
    std::set<uint32_t> ids;
    walk_pins(dir, [&](const std::string &path) {
        int fd = bpffs_obj_get(path.c_str());
        if (fd < 0) return;
        bpffs_fdinfo info{};
        if (bpffs_obj_get_fdinfo(fd, &info) == 0 && info.kind == 0) ids.insert(info.id);
        bpffs_close(fd);
    });
    return ids;
}

size_t openable_pin_count(const std::string &dir) {
    size_t n = 0;
    walk_pins(dir, [&](const std::string &path) {
        int fd = bpffs_obj_get(path.c_str());
        if (fd < 0) return;
        ++n;
        bpffs_close(fd);
    });
    return n;
}

size_t pinned_file_count(const std::string &dir) {
    size_t n = 0;
    walk_pins(dir, [&](const std::string &) { ++n; });
    return n;
}

bool wait_live_equals_pinned(const std::string &mountpoint, const std::set<uint32_t> &also_held,
                             std::set<uint32_t> &live, std::set<uint32_t> &pinned, int timeout_ms) {
    for (int waited = 0;; waited += 50) {
        pinned = pinned_map_ids(mountpoint);
        std::set<uint32_t> expected = pinned;
        expected.insert(also_held.begin(), also_held.end());
        live = live_map_ids();
        if (live == expected) return true;
        if (waited >= timeout_ms) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

int in_child(const std::function<int()> &body) {
    pid_t pid = fork();
    if (pid == 0) _exit(body());
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

int as_user(uid_t uid, gid_t gid, const std::function<int()> &body) {
    return in_child([&] {
        if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 ||
            setresuid(uid, uid, uid) != 0)
            return 126;
        return body();
    });
}

int connect_unix(const std::string &socket_path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
    if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

}  // namespace bpffs::test
