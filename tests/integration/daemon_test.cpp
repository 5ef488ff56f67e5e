// bpffsd end to end: a real daemon, a real FUSE mount, real sockets, driven
// through libbpffs (and raw sockets for the protocol's error paths).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "core/wire/frame.h"
#include "core/wire/messages.h"
#include "tests/integration/daemon_harness.h"
#include "tools/libbpffs/bpffs.h"

using namespace bpffs;
using namespace bpffs::test;

namespace {

DaemonProcess g_daemon;

std::string in_mount(const std::string &name) {
    return g_daemon.mountpoint + "/" + name;
}

int create_hash(const char *name, uint32_t max = 64) {
    return bpffs_map_create(BPF_MAP_TYPE_HASH, name, 4, 8, max, nullptr);
}

// Whether a map id exists, waiting a little: a closed connection is
// released by the daemon's connection thread, after the client has gone.
bool map_id_alive(uint32_t id, bool expected) {
    for (int i = 0; i < 100; ++i) {
        int fd = bpffs_map_get_fd_by_id(id);
        if (fd >= 0) bpffs_close(fd);
        if ((fd >= 0) == expected) return expected;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return !expected;
}

uint32_t id_of(int fd) {
    bpffs_fdinfo info{};
    REQUIRE(bpffs_obj_get_fdinfo(fd, &info) == 0);
    return info.id;
}

// A raw control connection, for frames libbpffs would never send.
struct RawConn {
    int fd;
    RawConn() {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        strncpy(addr.sun_path, g_daemon.socket.c_str(), sizeof(addr.sun_path) - 1);
        REQUIRE(connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0);
        timeval tv{5, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    ~RawConn() { close(fd); }
    void send_bytes(const wire::Bytes &b) {
        REQUIRE(send(fd, b.data(), b.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(b.size()));
    }
    // The next reply, or nullopt when the daemon closed the connection.
    std::optional<std::pair<wire::ReplyHeader, wire::Reply>> reply() {
        wire::Bytes header(wire::kHeaderSize);
        if (recv(fd, header.data(), header.size(), MSG_WAITALL) !=
            static_cast<ssize_t>(header.size()))
            return std::nullopt;
        wire::ReplyHeader h;
        REQUIRE(wire::decode_header(header, h));
        wire::Bytes payload(h.payload_len);
        REQUIRE(recv(fd, payload.data(), payload.size(), MSG_WAITALL) ==
                static_cast<ssize_t>(payload.size()));
        auto r = wire::decode_reply_payload(h.error, payload);
        REQUIRE(r);
        return std::make_pair(h, *r);
    }
    bool closed_by_daemon() {
        char c;
        return recv(fd, &c, 1, 0) == 0;
    }
};

}  // namespace

TEST_CASE("maps of every implemented type work through libbpffs") {
    const bpf_map_type types[] = {BPF_MAP_TYPE_HASH,        BPF_MAP_TYPE_ARRAY,
                                  BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY,
                                  BPF_MAP_TYPE_LRU_HASH,    BPF_MAP_TYPE_LRU_PERCPU_HASH};
    for (auto type : types) {
        INFO("map type " << type);
        int fd = bpffs_map_create(type, "t", 4, 8, 16, nullptr);
        REQUIRE(fd >= 3);
        bpffs_fdinfo fi{};
        REQUIRE(bpffs_obj_get_fdinfo(fd, &fi) == 0);
        CHECK(fi.kind == 0);
        CHECK(fi.id > 0);
        CHECK(fi.memlock > 0);
        bool percpu = type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
                      type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
        bool array = type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
        size_t ncpus = percpu ? sysconf(_SC_NPROCESSORS_CONF) : 1;
        std::vector<uint64_t> value(ncpus * 4, 0), back(ncpus * 4, 0);
        for (size_t i = 0; i < ncpus; ++i)
            value[i] = 100 + i;
        uint32_t key = 3;
        REQUIRE(bpffs_map_update_elem(fd, &key, value.data(), BPF_ANY) == 0);
        REQUIRE(bpffs_map_lookup_elem(fd, &key, back.data()) == 0);
        for (size_t i = 0; i < ncpus; ++i)
            CHECK(back[i] == 100 + i);
        uint32_t next = 0;
        REQUIRE(bpffs_map_get_next_key(fd, nullptr, &next) == 0);
        CHECK(next == (array ? 0u : 3u));
        if (array) {
            CHECK(bpffs_map_delete_elem(fd, &key) == -EINVAL);
            uint32_t out_of_range = 16;
            CHECK(bpffs_map_update_elem(fd, &out_of_range, value.data(), BPF_ANY) == -E2BIG);
        } else {
            CHECK(bpffs_map_update_elem(fd, &key, value.data(), BPF_NOEXIST) == -EEXIST);
            CHECK(errno == EEXIST);
            CHECK(std::string(bpffs_last_error()) != "");
            REQUIRE(bpffs_map_delete_elem(fd, &key) == 0);
            CHECK(bpffs_map_lookup_elem(fd, &key, back.data()) == -ENOENT);
            CHECK(bpffs_map_get_next_key(fd, nullptr, &next) == -ENOENT);
        }
        CHECK(bpffs_close(fd) == 0);
        CHECK(bpffs_close(fd) == -EBADF);
    }
}

TEST_CASE("fds are numbered lowest free first, from 3") {
    int a = create_hash("a"), b = create_hash("b"), c = create_hash("c");
    CHECK(b == a + 1);
    CHECK(c == b + 1);
    REQUIRE(bpffs_close(b) == 0);
    int d = create_hash("d");
    CHECK(d == b);
    bpffs_close(a);
    bpffs_close(c);
    bpffs_close(d);
    CHECK(create_hash("e") == 3);
    bpffs_close(3);
}

// libbpffs does not wait for the reply to closing an fd it handed out (the
// reply is read with the next one); the close still takes effect before any
// later command, and other fds are closed with a wait, so EBADF is answered.
TEST_CASE("closes not waited for take effect in order") {
    std::vector<int> fds;
    std::vector<uint32_t> ids;
    for (int i = 0; i < 200; ++i) {  // more than the closes that may be in flight
        fds.push_back(create_hash("many"));
        REQUIRE(fds.back() >= 0);
        ids.push_back(id_of(fds.back()));
    }
    for (int fd : fds)
        CHECK(bpffs_close(fd) == 0);
    // Nothing else holds these maps: each is gone for the very next command.
    for (uint32_t id : ids)
        CHECK(bpffs_map_get_fd_by_id(id) == -ENOENT);
    CHECK(bpffs_close(fds.front()) == -EBADF);  // closed already
    CHECK(bpffs_close(4000) == -EBADF);         // never open
    // The lowest fds are free again, in order.
    int fd = create_hash("again");
    CHECK(fd == fds.front());
    uint32_t key = 1;
    uint64_t value = 2;
    CHECK(bpffs_map_update_elem(fd, &key, &value, 0) == 0);
    CHECK(bpffs_close(fd) == 0);
    // OBJ_GET and close in a loop (the benchmark's pattern) reuse one number.
    int pinned = create_hash("pinned");
    REQUIRE(bpffs_obj_pin(pinned, in_mount("closes_in_order").c_str()) == 0);
    int first = bpffs_obj_get(in_mount("closes_in_order").c_str());
    REQUIRE(first >= 0);
    CHECK(bpffs_close(first) == 0);
    for (int i = 0; i < 100; ++i) {
        int got = bpffs_obj_get(in_mount("closes_in_order").c_str());
        CHECK(got == first);
        CHECK(bpffs_close(got) == 0);
    }
    CHECK(bpffs_close(pinned) == 0);
    CHECK(unlink(in_mount("closes_in_order").c_str()) == 0);
}

TEST_CASE("bad fds and non-map fds give the kernel's errors") {
    uint32_t key = 0;
    uint64_t value = 0;
    CHECK(bpffs_map_lookup_elem(999, &key, &value) == -EBADF);
    CHECK(bpffs_map_update_elem(-1, &key, &value, 0) == -EBADF);
    CHECK(bpffs_obj_pin(999, in_mount("nope").c_str()) == -EINVAL);  // never EBADF (spec 4.6)
    int fd = create_hash("f");
    CHECK(bpffs_map_lookup_elem_flags(fd, &key, &value, 0x100) == -EINVAL);
    CHECK(bpffs_map_lookup_elem(fd, &key, &value) == -ENOENT);
    CHECK(bpffs_map_create(BPF_MAP_TYPE_HASH, "z", 0, 8, 4, nullptr) == -EINVAL);
    bpffs_close(fd);
}

TEST_CASE("batches through the socket") {
    int fd = create_hash("batch", 64);
    std::vector<uint32_t> keys(10);
    std::vector<uint64_t> values(10);
    for (uint32_t i = 0; i < 10; ++i) {
        keys[i] = i + 1;
        values[i] = 1000 + i;
    }
    uint32_t count = 10;
    REQUIRE(bpffs_map_update_batch(fd, keys.data(), values.data(), &count, nullptr) == 0);
    CHECK(count == 10);

    std::set<uint32_t> seen;
    uint32_t cursor = 0;
    bool first = true;
    for (int round = 0; round < 20; ++round) {
        uint32_t out_keys[3], n = 3, out_cursor = 0;
        uint64_t out_values[3];
        int rc = bpffs_map_lookup_batch(fd, first ? nullptr : &cursor, &out_cursor, out_keys,
                                        out_values, &n, nullptr);
        first = false;
        REQUIRE((rc == 0 || rc == -ENOENT));
        for (uint32_t i = 0; i < n; ++i) {
            CHECK(out_values[i] == 1000 + out_keys[i] - 1);
            seen.insert(out_keys[i]);
        }
        if (rc == -ENOENT) break;
        cursor = out_cursor;
    }
    CHECK(seen.size() == 10);

    uint32_t del[2] = {1, 2};
    count = 2;
    REQUIRE(bpffs_map_delete_batch(fd, del, &count, nullptr) == 0);
    CHECK(count == 2);
    count = 2;
    CHECK(bpffs_map_delete_batch(fd, del, &count, nullptr) == -ENOENT);
    CHECK(count == 0);

    int arr = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 5, nullptr);
    uint32_t akeys[6] = {0, 1, 2, 3, 4, 5};
    uint64_t avalues[6] = {};
    count = 6;
    CHECK(bpffs_map_update_batch(arr, akeys, avalues, &count, nullptr) == -E2BIG);
    CHECK(count == 5);
    bpffs_close(arr);
    bpffs_close(fd);
}

// libbpffs remembers the canonical names of the directories it pinned in;
// a directory renamed, replaced or reached through a re-pointed symlink is
// resolved afresh, so pins land where the kernel would put them.
TEST_CASE("pins follow directories renamed, replaced and re-pointed") {
    const std::string top = in_mount("dircache");
    REQUIRE(mkdir(top.c_str(), 0755) == 0);
    int fd = create_hash("dircache");
    auto exists = [](const std::string &p) {
        struct stat st;
        return lstat(p.c_str(), &st) == 0;
    };
    // The same spelling, another directory.
    REQUIRE(mkdir((top + "/a").c_str(), 0755) == 0);
    CHECK(bpffs_obj_pin(fd, (top + "/a/x").c_str()) == 0);
    REQUIRE(rename((top + "/a").c_str(), (top + "/a_old").c_str()) == 0);
    REQUIRE(mkdir((top + "/a").c_str(), 0755) == 0);
    CHECK(bpffs_obj_pin(fd, (top + "/a/y").c_str()) == 0);
    CHECK(exists(top + "/a/y"));
    CHECK_FALSE(exists(top + "/a_old/y"));
    // A symlink re-pointed: "cur" to v1, then v1 renamed to v2, a new v1,
    // and cur to v2. The name remembered for cur (v1) now names another
    // directory.
    REQUIRE(mkdir((top + "/v1").c_str(), 0755) == 0);
    REQUIRE(symlink("v1", (top + "/cur").c_str()) == 0);
    CHECK(bpffs_obj_pin(fd, (top + "/cur/p").c_str()) == 0);
    CHECK(exists(top + "/v1/p"));
    REQUIRE(rename((top + "/v1").c_str(), (top + "/v2").c_str()) == 0);
    REQUIRE(mkdir((top + "/v1").c_str(), 0755) == 0);
    REQUIRE(unlink((top + "/cur").c_str()) == 0);
    REQUIRE(symlink("v2", (top + "/cur").c_str()) == 0);
    CHECK(bpffs_obj_pin(fd, (top + "/cur/q").c_str()) == 0);
    CHECK(exists(top + "/v2/q"));
    CHECK_FALSE(exists(top + "/v1/q"));
    int got = bpffs_obj_get((top + "/cur/q").c_str());
    CHECK(got >= 0);
    if (got >= 0) bpffs_close(got);
    // A directory removed: the kernel's answer, not a remembered name.
    REQUIRE(unlink((top + "/a/y").c_str()) == 0);
    REQUIRE(rmdir((top + "/a").c_str()) == 0);
    CHECK(bpffs_obj_pin(fd, (top + "/a/z").c_str()) == -ENOENT);
    // Relative spellings follow the working directory.
    char cwd[PATH_MAX];
    REQUIRE(getcwd(cwd, sizeof(cwd)) != nullptr);
    REQUIRE(chdir((top + "/v1").c_str()) == 0);
    CHECK(bpffs_obj_pin(fd, "r") == 0);
    CHECK(exists(top + "/v1/r"));
    REQUIRE(chdir((top + "/v2").c_str()) == 0);
    CHECK(bpffs_obj_pin(fd, "r") == 0);
    CHECK(exists(top + "/v2/r"));
    REQUIRE(chdir(cwd) == 0);
    bpffs_close(fd);
    for (const char *pin : {"a_old/x", "v2/p", "v2/q", "v1/r", "v2/r", "cur"})
        CHECK(unlink((top + "/" + pin).c_str()) == 0);
    for (const char *dir : {"a_old", "v1", "v2", ""})
        CHECK(rmdir((top + "/" + dir).c_str()) == 0);
}

TEST_CASE("pin, get and the RDONLY/WRONLY rules") {
    int fd = create_hash("pinned");
    std::string path = in_mount("pinned");
    REQUIRE(bpffs_obj_pin(fd, path.c_str()) == 0);
    struct stat st;
    REQUIRE(stat(path.c_str(), &st) == 0);  // visible on the FUSE mount at once
    CHECK(S_ISREG(st.st_mode));
    CHECK(bpffs_obj_pin(fd, path.c_str()) == -EEXIST);
    CHECK(bpffs_obj_pin(fd, "/tmp/not-bpffs-pin") == -EPERM);
    CHECK(bpffs_obj_pin(fd, in_mount("no/such/dir").c_str()) == -ENOENT);
    CHECK(bpffs_obj_get(in_mount("missing").c_str()) == -ENOENT);
    CHECK(bpffs_obj_get(g_daemon.log.c_str()) == -EACCES);  // exists, not on bpffs

    uint32_t key = 1;
    uint64_t value = 7;
    REQUIRE(bpffs_map_update_elem(fd, &key, &value, 0) == 0);

    struct bpffs_obj_get_opts ro {
        sizeof(ro), BPF_F_RDONLY
    };
    int rfd = bpffs_obj_get_opts(path.c_str(), &ro);
    REQUIRE(rfd >= 3);
    bpffs_fdinfo fi{};
    REQUIRE(bpffs_obj_get_fdinfo(rfd, &fi) == 0);
    CHECK(fi.fd_flags == BPF_F_RDONLY);
    CHECK(fi.id == id_of(fd));
    CHECK(bpffs_map_lookup_elem(rfd, &key, &value) == 0);
    CHECK(value == 7);
    CHECK(bpffs_map_update_elem(rfd, &key, &value, 0) == -EPERM);
    CHECK(bpffs_map_delete_elem(rfd, &key) == -EPERM);
    CHECK(bpffs_map_freeze(rfd) == -EPERM);

    struct bpffs_obj_get_opts wo {
        sizeof(wo), BPF_F_WRONLY
    };
    int wfd = bpffs_obj_get_opts(path.c_str(), &wo);
    REQUIRE(wfd >= 3);
    uint32_t next;
    CHECK(bpffs_map_lookup_elem(wfd, &key, &value) == -EPERM);
    CHECK(bpffs_map_get_next_key(wfd, nullptr, &next) == -EPERM);
    CHECK(bpffs_map_update_elem(wfd, &key, &value, 0) == 0);

    struct bpffs_obj_get_opts both {
        sizeof(both), BPF_F_RDONLY | BPF_F_WRONLY
    };
    CHECK(bpffs_obj_get_opts(path.c_str(), &both) == -EINVAL);
    struct bpffs_obj_get_opts unknown {
        sizeof(unknown), 0x1
    };
    CHECK(bpffs_obj_get_opts(path.c_str(), &unknown) == -EINVAL);

    // Relative paths, "..", and the working directory are the client's.
    char cwd[4096];
    REQUIRE(getcwd(cwd, sizeof(cwd)) != nullptr);
    REQUIRE(mkdir(in_mount("sub").c_str(), 0755) == 0);
    REQUIRE(chdir(in_mount("sub").c_str()) == 0);
    int rel = bpffs_obj_get("../pinned");
    CHECK(rel >= 3);
    CHECK(bpffs_obj_pin(fd, "here") == 0);
    REQUIRE(chdir(cwd) == 0);
    CHECK(stat(in_mount("sub/here").c_str(), &st) == 0);
    CHECK(bpffs_obj_pin(fd, in_mount("sub/../dotted.name").c_str()) == -EPERM);

    char sock[256];
    REQUIRE(bpffs_find_socket(in_mount("sub/here").c_str(), sock, sizeof(sock)) == 0);
    CHECK(std::string(sock) == g_daemon.socket);

    for (int f : {fd, rfd, wfd, rel})
        bpffs_close(f);
}

TEST_CASE("freeze") {
    int fd = create_hash("frozen");
    uint32_t key = 1;
    uint64_t value = 1;
    REQUIRE(bpffs_map_update_elem(fd, &key, &value, 0) == 0);
    REQUIRE(bpffs_map_freeze(fd) == 0);
    CHECK(bpffs_map_update_elem(fd, &key, &value, 0) == -EPERM);
    CHECK(bpffs_map_delete_elem(fd, &key) == -EPERM);
    CHECK(bpffs_map_lookup_elem(fd, &key, &value) == 0);
    CHECK(bpffs_map_freeze(fd) == -EPERM);
    bpffs_fdinfo fi{};
    REQUIRE(bpffs_obj_get_fdinfo(fd, &fi) == 0);
    CHECK(fi.frozen == 1);
    bpffs_close(fd);
}

TEST_CASE("ids, fd by id and info by fd") {
    int fd = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "by_id", 4, 16, 8, nullptr);
    uint32_t id = id_of(fd);
    bool found = false;
    uint32_t cur = 0, next = 0;
    while (bpffs_map_get_next_id(cur, &next) == 0) {
        found = found || next == id;
        CHECK(next > cur);
        cur = next;
    }
    CHECK(errno == ENOENT);
    CHECK(found);
    int again = bpffs_map_get_fd_by_id(id);
    REQUIRE(again >= 3);
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    REQUIRE(bpffs_obj_get_info_by_fd(again, &info, &len) == 0);
    CHECK(len == sizeof(info));
    CHECK(info.id == id);
    CHECK(info.type == BPF_MAP_TYPE_ARRAY);
    CHECK(info.value_size == 16);
    CHECK(info.max_entries == 8);
    CHECK(std::string(info.name) == "by_id");
    CHECK(bpffs_map_get_fd_by_id(0x7ffffff0) == -ENOENT);
    // From INT_MAX up, start ids are EINVAL (as Linux 6.18).
    CHECK(bpffs_map_get_next_id(0x7ffffffe, &next) == -ENOENT);
    CHECK(bpffs_map_get_next_id(0x7fffffff, &next) == -EINVAL);
    CHECK(bpffs_map_get_next_id(0xffffffff, &next) == -EINVAL);
    // info_len: a page of zeros is fine (the struct's size comes back),
    // beyond a page is E2BIG whatever the bytes, a bad fd is EBADF first.
    std::vector<uint8_t> page(4096 + 1, 0);
    len = 4096;
    CHECK(bpffs_obj_get_info_by_fd(again, page.data(), &len) == 0);
    CHECK(len == sizeof(info));
    len = 4097;
    CHECK(bpffs_obj_get_info_by_fd(again, page.data(), &len) == -E2BIG);
    len = 0xffffffff;  // the buffer is never read that far
    CHECK(bpffs_obj_get_info_by_fd(again, page.data(), &len) == -E2BIG);
    CHECK(bpffs_obj_get_info_by_fd(999, page.data(), &len) == -EBADF);
    bpffs_close(again);
    bpffs_close(fd);
}

TEST_CASE("a closing connection releases its fds; pins keep objects alive") {
    int ids[2];
    REQUIRE(pipe(ids) == 0);
    pid_t child = fork();
    if (child == 0) {
        // A new process: libbpffs opens its own connection.
        int unpinned = create_hash("unpinned");
        int pinned = create_hash("kept");
        if (unpinned < 0 || pinned < 0 || bpffs_obj_pin(pinned, in_mount("kept").c_str()) != 0)
            _exit(1);
        uint32_t out[2] = {id_of(unpinned), id_of(pinned)};
        if (write(ids[1], out, sizeof(out)) != sizeof(out)) _exit(1);
        _exit(0);
    }
    close(ids[1]);
    uint32_t got[2] = {};
    REQUIRE(read(ids[0], got, sizeof(got)) == sizeof(got));
    close(ids[0]);
    int status;
    waitpid(child, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    CHECK_FALSE(map_id_alive(got[0], false));
    CHECK(map_id_alive(got[1], true));
    REQUIRE(unlink(in_mount("kept").c_str()) == 0);
    CHECK_FALSE(map_id_alive(got[1], false));
}

TEST_CASE("many clients at once") {
    constexpr int kClients = 8;
    std::vector<pid_t> children;
    for (int c = 0; c < kClients; ++c) {
        pid_t pid = fork();
        if (pid == 0) {
            int fd = create_hash("client", 512);
            if (fd < 0) _exit(2);
            for (uint32_t k = 0; k < 300; ++k) {
                uint64_t v = k * 7 + c;
                if (bpffs_map_update_elem(fd, &k, &v, 0) != 0) _exit(3);
            }
            for (uint32_t k = 0; k < 300; ++k) {
                uint64_t v = 0;
                if (bpffs_map_lookup_elem(fd, &k, &v) != 0 || v != k * 7 + c) _exit(4);
            }
            _exit(0);
        }
        children.push_back(pid);
    }
    // Threads of this process share one connection meanwhile.
    int shared = create_hash("shared", 1024);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (uint32_t t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (uint32_t k = t * 200; k < t * 200 + 200; ++k) {
                uint64_t v = k, back = 0;
                if (bpffs_map_update_elem(shared, &k, &v, 0) != 0 ||
                    bpffs_map_lookup_elem(shared, &k, &back) != 0 || back != k)
                    ++failures;
            }
        });
    for (auto &t : threads)
        t.join();
    CHECK(failures == 0);
    for (pid_t pid : children) {
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    bpffs_close(shared);
}

TEST_CASE("garbage, truncated and oversized frames do not hurt the daemon") {
    {
        RawConn raw;  // not the protocol at all
        raw.send_bytes(wire::Bytes(100, 0x5a));
        CHECK(raw.closed_by_daemon());
    }
    {
        RawConn raw;  // a header promising more than arrives, then hang up
        wire::Bytes frame = wire::encode_request(1, 1, wire::Bytes(100, 0));
        frame.resize(wire::kHeaderSize + 10);
        raw.send_bytes(frame);
    }
    {
        RawConn raw;  // half a header
        raw.send_bytes(wire::Bytes{0x42, 0x50});
    }
    {
        RawConn raw;  // an absurd length: E2BIG, then the daemon hangs up
        wire::Writer w;
        wire::RequestHeader h;
        h.command = 1;
        h.sequence = 9;
        h.payload_len = 0xfffffff0;
        wire::encode_header(w, h);
        raw.send_bytes(w.take());
        auto r = raw.reply();
        REQUIRE(r);
        CHECK(r->first.sequence == 9);
        CHECK(r->second.error == E2BIG);
        CHECK(raw.closed_by_daemon());
    }
    {
        RawConn raw;  // another protocol version: answered, then closed
        wire::Writer w;
        wire::RequestHeader h;
        h.version = wire::kProtocolVersion + 1;
        wire::encode_header(w, h);
        raw.send_bytes(w.take());
        auto r = raw.reply();
        REQUIRE(r);
        CHECK(r->second.error == EPROTONOSUPPORT);
        CHECK(raw.closed_by_daemon());
    }
    {
        RawConn raw;  // unknown command and a malformed payload: EINVAL, still connected
        raw.send_bytes(wire::encode_request(BPF_PROG_DETACH, 1, {}));  // not served by bpffsd
        auto r = raw.reply();
        REQUIRE(r);
        CHECK(r->second.error == EINVAL);
        CHECK(r->second.message.find("unknown command") != std::string::npos);
        raw.send_bytes(wire::encode_request(0, 2, wire::Bytes{1, 2, 3}));
        r = raw.reply();
        REQUIRE(r);
        CHECK(r->first.sequence == 2);
        CHECK(r->second.error == EINVAL);
        wire::MapCreateRequest create;
        create.map_type = BPF_MAP_TYPE_HASH;
        create.key_size = 4;
        create.value_size = 4;
        create.max_entries = 4;
        raw.send_bytes(wire::encode_request(0, 3, wire::encode(create)));
        r = raw.reply();
        REQUIRE(r);
        CHECK(r->second.error == 0);
        auto fd = wire::decode<wire::FdReply>(r->second.body, "fd");
        REQUIRE(fd);
        CHECK(fd->fd == 3);  // this connection's own fd table
    }
    {
        // Random payloads under valid headers, for every command but
        // MAP_CREATE (which could ask for a huge map): each gets a reply.
        RawConn raw;
        std::mt19937 rng(77);
        const uint32_t commands[] = {1,  2,  3,  4,  6,  7,  12,      14,      15,
                                     21, 22, 24, 25, 26, 27, 0x10000, 0x10001, 0x10002};
        uint32_t seq = 100;
        for (uint32_t command : commands) {
            for (int i = 0; i < 30; ++i) {
                wire::Bytes junk(rng() % 48);
                for (auto &b : junk)
                    b = static_cast<uint8_t>(rng() % 4 == 0 ? rng() : rng() % 8);
                raw.send_bytes(wire::encode_request(command, ++seq, junk));
                auto r = raw.reply();
                REQUIRE(r);
                CHECK(r->first.sequence == seq);
            }
        }
    }
    int fd = create_hash("after_garbage");
    CHECK(fd >= 3);
    bpffs_close(fd);
}

TEST_CASE("a second daemon on a live socket refuses to start") {
    std::string other = g_daemon.dir + "/mnt2";
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        const char *exe = getenv("BPFFSD");
        execl(exe, exe, "--socket", g_daemon.socket.c_str(), other.c_str(),
              static_cast<char *>(nullptr));
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(socket_answers(g_daemon.socket));
    CHECK_FALSE(is_mounted(other));
}

// Runs body in a child process (its own libbpffs connection); the child's
// exit status is body's return value.
template <class Body>
int in_child(Body body) {
    pid_t pid = fork();
    if (pid == 0) _exit(body());
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST_CASE("pinned files get 0600 minus the client's umask") {
    int fd = create_hash("masked");
    REQUIRE(fd >= 3);
    std::string path = in_mount("masked_0277");
    REQUIRE(bpffs_obj_pin(fd, in_mount("masked_src").c_str()) == 0);
    // The child's first command opens its connection; HELLO carries its umask.
    CHECK(in_child([&] {
              umask(0277);
              int f = bpffs_obj_get(in_mount("masked_src").c_str());
              if (f < 0) return 2;
              return bpffs_obj_pin(f, path.c_str()) == 0 ? 0 : 3;
          }) == 0);
    struct stat st;
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0400);
    REQUIRE(stat(in_mount("masked_src").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    bpffs_close(fd);
}

TEST_CASE("an unprivileged client gets the kernel's permission answers") {
    int fd = create_hash("private");
    REQUIRE(bpffs_obj_pin(fd, in_mount("private").c_str()) == 0);  // 0600 root
    REQUIRE(bpffs_obj_pin(fd, in_mount("readable").c_str()) == 0);
    REQUIRE(chmod(in_mount("readable").c_str(), 0644) == 0);
    std::string mine = in_mount("mine");
    int rc = in_child([&] {
        if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) return 10;
        uint32_t id;
        if (bpffs_map_get_next_id(0, &id) != -EPERM) return 11;
        if (bpffs_obj_get(in_mount("private").c_str()) != -EACCES) return 12;
        struct bpffs_obj_get_opts ro = {sizeof(ro), BPF_F_RDONLY};
        int r = bpffs_obj_get_opts(in_mount("readable").c_str(), &ro);
        if (r < 0) return 13;
        if (bpffs_obj_get(in_mount("readable").c_str()) != -EACCES) return 14;
        // The root directory is sticky and world-writable: users may pin.
        int own = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "own", 4, 4, 1, nullptr);
        if (own < 0) return 15;
        if (bpffs_obj_pin(own, mine.c_str()) != 0) return 16;
        return 0;
    });
    CHECK(rc == 0);
    struct stat st;
    REQUIRE(stat(mine.c_str(), &st) == 0);
    CHECK(st.st_uid == 65534);
    bpffs_close(fd);
}

TEST_CASE("a stale socket left by a killed daemon is replaced") {
    DaemonProcess other;
    char tmpl[] = "/tmp/bpffsd-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    other.dir = tmpl;
    other.mountpoint = other.dir + "/mnt";
    other.socket = other.dir + "/ctl.sock";
    other.log = other.dir + "/bpffsd.log";
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, other.socket.c_str(), sizeof(addr.sun_path) - 1);
    REQUIRE(bind(s, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0);
    close(s);  // bound, never listening: connect() gets ECONNREFUSED
    REQUIRE_FALSE(socket_answers(other.socket));
    std::string error;
    REQUIRE(start_daemon(other, error));
    CHECK(read_file(other.log).find("removing stale control socket") != std::string::npos);
    CHECK(stop_daemon(other) == 0);
    CHECK_FALSE(is_mounted(other.mountpoint));
    CHECK(access(other.socket.c_str(), F_OK) != 0);
    remove_daemon_files(other);
}

TEST_CASE("an unmount from outside stops the daemon cleanly") {
    DaemonProcess other;
    std::string error;
    REQUIRE(start_daemon(other, error));
    REQUIRE(umount2(other.mountpoint.c_str(), 0) == 0);
    int status = -1;
    for (int i = 0; i < 200 && waitpid(other.pid, &status, WNOHANG) != other.pid; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    INFO("bpffsd's log:\n" << read_file(other.log));
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    other.pid = -1;
    CHECK(access(other.socket.c_str(), F_OK) != 0);
    CHECK(read_file(other.log).find("was unmounted; stopping") != std::string::npos);
    remove_daemon_files(other);
}

TEST_CASE("when the daemon goes away, calls fail until a new connection is asked for") {
    DaemonProcess other;
    std::string error;
    REQUIRE(start_daemon(other, error));
    int rc = in_child([&] {
        bpffs_set_socket(other.socket.c_str());
        int fd = create_hash("doomed");
        if (fd != 3) return 1;
        // The daemon stops under the open connection.
        kill(other.pid, SIGTERM);
        for (int i = 0; i < 100 && socket_answers(other.socket); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        uint32_t key = 0;
        uint64_t value;
        if (bpffs_map_lookup_elem(fd, &key, &value) != -ENOTCONN) return 4;
        if (std::string(bpffs_last_error()).find("bpffs_disconnect") == std::string::npos) return 5;
        // Still ENOTCONN: no silent reconnect.
        if (create_hash("again") != -ENOTCONN) return 6;
        bpffs_disconnect();
        int r = create_hash("again");
        if (r != -ENOENT && r != -ECONNREFUSED) return 7;
        return 0;
    });
    CHECK(rc == 0);
    CHECK(stop_daemon(other) == 0);
    remove_daemon_files(other);
}

int main(int argc, char **argv) {
    return run_against_daemon(g_daemon, [&] { return Catch::Session().run(argc, argv); });
}
