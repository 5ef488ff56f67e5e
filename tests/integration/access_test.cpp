// Access control against a real bpffsd, with two unprivileged users (what
// `setpriv --reuid=N --regid=N --clear-groups` does, in forked children):
// who may connect is the socket's mode; every pin-tree decision uses the
// caller's credentials; OBJ_GET honours BPF_F_RDONLY / BPF_F_WRONLY; and no
// pin path (.., symlinks, absolute paths elsewhere, raw frames that skip
// libbpffs's path handling) reaches outside the mount.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "core/wire/frame.h"
#include "core/wire/messages.h"
#include "tests/integration/daemon_harness.h"
#include "tests/integration/fault_support.h"
#include "tools/libbpffs/bpffs.h"

using namespace bpffs;
using namespace bpffs::test;
using wire::Command;

namespace {

DaemonProcess g_daemon;
constexpr uid_t kAlice = 65101, kBob = 65102;  // no such accounts needed: ids are enough

std::string in_mount(const std::string &name) {
    return g_daemon.mountpoint + "/" + name;
}

int create_hash(const char *name) {
    return bpffs_map_create(BPF_MAP_TYPE_HASH, name, 4, 8, 16, nullptr);
}

int obj_get_flags(const std::string &path, uint32_t flags) {
    struct bpffs_obj_get_opts opts = {};
    opts.sz = sizeof(opts);
    opts.file_flags = flags;
    return bpffs_obj_get_opts(path.c_str(), &opts);
}

// Alice pins a map holding key 1 -> 111 at path with the given mode.
void alice_pins(const std::string &path, mode_t mode) {
    REQUIRE(as_user(kAlice, kAlice, [&] {
                umask(077);
                int fd = create_hash("alice");
                if (fd < 0) return 1;
                uint32_t key = 1;
                uint64_t value = 111;
                if (bpffs_map_update_elem(fd, &key, &value, BPF_ANY) != 0) return 2;
                if (bpffs_obj_pin(fd, path.c_str()) != 0) return 3;
                return chmod(path.c_str(), mode) == 0 ? 0 : 4;
            }) == 0);
}

// A raw connection that sends frames libbpffs would not (paths it would
// have refused or canonicalised); replies' errnos only.
struct RawClient {
    int fd = -1;
    uint32_t seq = 1;
    RawClient() { fd = connect_unix(g_daemon.socket); }
    ~RawClient() { close(fd); }
    int call(Command c, const wire::Bytes &payload) {
        auto frame = wire::encode_request(uint32_t(c), seq++, payload);
        if (send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) != ssize_t(frame.size())) return -1;
        wire::Bytes header(wire::kHeaderSize);
        if (recv(fd, header.data(), header.size(), MSG_WAITALL) != ssize_t(header.size()))
            return -1;
        wire::ReplyHeader h;
        wire::decode_header(header, h);
        wire::Bytes body(h.payload_len);
        if (recv(fd, body.data(), body.size(), MSG_WAITALL) != ssize_t(body.size())) return -1;
        return h.error;
    }
};

}  // namespace

TEST_CASE("the socket's mode decides who may connect") {
    REQUIRE(chmod(g_daemon.socket.c_str(), 0600) == 0);
    CHECK(as_user(kAlice, kAlice, [] {
              int fd = connect_unix(g_daemon.socket);
              return fd < 0 && errno == EACCES ? 0 : 1;
          }) == 0);
    int fd = connect_unix(g_daemon.socket);  // root's DAC override
    CHECK(fd >= 0);
    close(fd);
    REQUIRE(chmod(g_daemon.socket.c_str(), 0666) == 0);
    CHECK(as_user(kAlice, kAlice, [] {
              int f = create_hash("hello");
              return f >= 3 ? 0 : 1;
          }) == 0);
}

TEST_CASE("a second user cannot read, unpin or replace another user's 0600 pin") {
    std::string path = in_mount("alice_private");
    alice_pins(path, 0600);
    struct stat st;
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK(st.st_uid == kAlice);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(as_user(kBob, kBob, [&] {
              if (bpffs_obj_get(path.c_str()) != -EACCES) return 1;
              if (obj_get_flags(path, BPF_F_RDONLY) != -EACCES) return 2;
              if (obj_get_flags(path, BPF_F_WRONLY) != -EACCES) return 3;
              // The file itself, through the mount.
              if (open(path.c_str(), O_RDONLY) >= 0 || errno != EACCES) return 4;
              // The root directory is sticky (01777): only the owner unpins.
              if (unlink(path.c_str()) == 0 || errno != EPERM) return 5;
              if (rename(path.c_str(), in_mount("bob_took_it").c_str()) == 0 || errno != EPERM)
                  return 6;
              // Replacing: a pin never overwrites; renaming over it is refused too.
              int mine = create_hash("bob");
              if (mine < 0) return 7;
              if (bpffs_obj_pin(mine, path.c_str()) != -EEXIST) return 8;
              if (bpffs_obj_pin(mine, in_mount("bob_pin").c_str()) != 0) return 9;
              if (rename(in_mount("bob_pin").c_str(), path.c_str()) == 0 || errno != EPERM)
                  return 10;
              return unlink(in_mount("bob_pin").c_str()) == 0 ? 0 : 11;
          }) == 0);
    // Alice's map is intact, and she can still unpin it.
    CHECK(as_user(kAlice, kAlice, [&] {
              int fd = bpffs_obj_get(path.c_str());
              uint32_t key = 1;
              uint64_t value = 0;
              if (fd < 0 || bpffs_map_lookup_elem(fd, &key, &value) != 0 || value != 111) return 1;
              return unlink(path.c_str()) == 0 ? 0 : 2;
          }) == 0);
}

TEST_CASE("a second user gets no other way to another user's 0600 pin") {
    // Errnos as on a kernel bpffs with fs.protected_hardlinks=1 (checked
    // with setpriv, cat, ln, chmod, rm, mv and renameat2 on a real mount).
    std::string path = in_mount("alice_only");
    alice_pins(path, 0600);
    int root_fd = bpffs_obj_get(path.c_str());  // root's DAC override
    REQUIRE(root_fd >= 3);
    bpffs_fdinfo info{};
    REQUIRE(bpffs_obj_get_fdinfo(root_fd, &info) == 0);
    uint32_t alice_map_id = info.id;
    bpffs_close(root_fd);

    SECTION("in Alice's group: 0600 gives the group nothing") {
        CHECK(as_user(kBob, kAlice, [&] {
                  if (bpffs_obj_get(path.c_str()) != -EACCES) return 1;
                  if (obj_get_flags(path, BPF_F_RDONLY) != -EACCES) return 2;
                  if (open(path.c_str(), O_RDONLY) >= 0 || errno != EACCES) return 3;
                  return unlink(path.c_str()) != 0 && errno == EPERM ? 0 : 4;
              }) == 0);
    }
    SECTION("not by id: GET_NEXT_ID and GET_FD_BY_ID need CAP_SYS_ADMIN") {
        CHECK(as_user(kBob, kBob, [&] {
                  uint32_t next = 0;
                  if (bpffs_map_get_next_id(0, &next) != -EPERM) return 1;
                  return bpffs_map_get_fd_by_id(alice_map_id) == -EPERM ? 0 : 2;
              }) == 0);
    }
    SECTION("not through links, nor by changing the pin's mode or owner") {
        CHECK(as_user(kBob, kBob, [&] {
                  // A symbolic link resolves to the same 0600 pin.
                  std::string sym = in_mount("bob_sym");
                  if (symlink(path.c_str(), sym.c_str()) != 0) return 1;
                  if (bpffs_obj_get(sym.c_str()) != -EACCES) return 2;
                  if (open(sym.c_str(), O_RDONLY) >= 0 || errno != EACCES) return 3;
                  // A hard link would keep Alice's map alive after her unpin.
                  if (link(path.c_str(), in_mount("bob_hard").c_str()) == 0 || errno != EPERM)
                      return 4;
                  if (chmod(path.c_str(), 0666) == 0 || errno != EPERM) return 5;
                  if (chown(path.c_str(), kBob, kBob) == 0 || errno != EPERM) return 6;
                  // Swapping his symlink with her pin is a removal too.
                  if (renameat2(AT_FDCWD, sym.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) ==
                          0 ||
                      errno != EPERM)
                      return 7;
                  return unlink(sym.c_str()) == 0 ? 0 : 8;
              }) == 0);
        struct stat st;
        REQUIRE(lstat(path.c_str(), &st) == 0);
        CHECK(S_ISREG(st.st_mode));
        CHECK(st.st_uid == kAlice);
        CHECK((st.st_mode & 07777) == 0600);
    }
    SECTION("not in a directory that is not sticky: write permission decides") {
        std::string open_dir = in_mount("alice_dir"), private_dir = in_mount("alice_private_dir");
        REQUIRE(as_user(kAlice, kAlice, [&] {
                    if (mkdir(open_dir.c_str(), 0755) != 0) return 1;
                    if (mkdir(private_dir.c_str(), 0700) != 0) return 2;
                    return 0;
                }) == 0);
        alice_pins(open_dir + "/p", 0600);
        alice_pins(private_dir + "/p", 0644);
        CHECK(as_user(kBob, kBob, [&] {
                  if (bpffs_obj_get((open_dir + "/p").c_str()) != -EACCES) return 1;
                  if (unlink((open_dir + "/p").c_str()) == 0 || errno != EACCES) return 2;
                  if (rename((open_dir + "/p").c_str(), (open_dir + "/q").c_str()) == 0 ||
                      errno != EACCES)
                      return 3;
                  int mine = create_hash("bob");
                  if (mine < 0) return 4;
                  if (bpffs_obj_pin(mine, (open_dir + "/bob").c_str()) != -EACCES) return 5;
                  // No search permission: even a 0644 pin inside is out of reach.
                  std::string inner = private_dir + "/p";
                  if (bpffs_obj_get(inner.c_str()) != -EACCES) return 6;
                  if (obj_get_flags(inner, BPF_F_RDONLY) != -EACCES) return 7;
                  if (open(inner.c_str(), O_RDONLY) >= 0 || errno != EACCES) return 8;
                  if (unlink(inner.c_str()) == 0 || errno != EACCES) return 9;
                  return 0;
              }) == 0);
        CHECK(as_user(kAlice, kAlice, [&] {
                  for (const std::string &p : {open_dir + "/p", private_dir + "/p"})
                      if (bpffs_obj_get(p.c_str()) < 0 || unlink(p.c_str()) != 0) return 1;
                  return rmdir(open_dir.c_str()) == 0 && rmdir(private_dir.c_str()) == 0 ? 0 : 2;
              }) == 0);
    }
    SECTION("a 0600 pinned iterator cannot be read by cat nor opened as a link") {
        // maps.debug's link pinned again for Alice, 0600.
        int link = bpffs_obj_get(in_mount("maps.debug").c_str());
        REQUIRE(link >= 3);
        std::string it = in_mount("alice_iter");
        REQUIRE(bpffs_obj_pin(link, it.c_str()) == 0);
        bpffs_close(link);
        REQUIRE(chown(it.c_str(), kAlice, kAlice) == 0);
        REQUIRE(chmod(it.c_str(), 0600) == 0);
        CHECK(as_user(kBob, kBob, [&] {
                  if (open(it.c_str(), O_RDONLY) >= 0 || errno != EACCES) return 1;
                  if (bpffs_obj_get(it.c_str()) != -EACCES) return 2;
                  return unlink(it.c_str()) != 0 && errno == EPERM ? 0 : 3;
              }) == 0);
        CHECK(as_user(kAlice, kAlice, [&] {
                  int fd = open(it.c_str(), O_RDONLY);
                  char buf[64];
                  if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0) return 1;
                  close(fd);
                  return unlink(it.c_str()) == 0 ? 0 : 2;
              }) == 0);
    }
    // Whatever Bob tried, Alice's map is hers and intact.
    CHECK(as_user(kAlice, kAlice, [&] {
              int fd = bpffs_obj_get(path.c_str());
              uint32_t key = 1;
              uint64_t value = 0;
              if (fd < 0 || bpffs_map_lookup_elem(fd, &key, &value) != 0 || value != 111) return 1;
              return unlink(path.c_str()) == 0 ? 0 : 2;
          }) == 0);
}

TEST_CASE("OBJ_GET honours BPF_F_RDONLY and BPF_F_WRONLY against the pin's mode") {
    std::string path = in_mount("alice_shared");
    alice_pins(path, 0644);
    CHECK(as_user(kBob, kBob, [&] {
              if (bpffs_obj_get(path.c_str()) != -EACCES) return 1;  // read-write needs w
              if (obj_get_flags(path, BPF_F_WRONLY) != -EACCES) return 2;
              int fd = obj_get_flags(path, BPF_F_RDONLY);
              if (fd < 0) return 3;
              bpffs_fdinfo info{};
              if (bpffs_obj_get_fdinfo(fd, &info) != 0 || info.fd_flags != BPF_F_RDONLY) return 4;
              uint32_t key = 1;
              uint64_t value = 0;
              if (bpffs_map_lookup_elem(fd, &key, &value) != 0 || value != 111) return 5;
              value = 7;
              if (bpffs_map_update_elem(fd, &key, &value, BPF_ANY) != -EPERM) return 6;
              if (bpffs_map_delete_elem(fd, &key) != -EPERM) return 7;
              return 0;
          }) == 0);
    CHECK(as_user(kAlice, kAlice, [&] {
              int fd = obj_get_flags(path, BPF_F_WRONLY);
              if (fd < 0) return 1;
              uint32_t key = 1;
              uint64_t value = 222;
              if (bpffs_map_lookup_elem(fd, &key, &value) != -EPERM) return 2;
              if (bpffs_map_update_elem(fd, &key, &value, BPF_ANY) != 0) return 3;
              if (obj_get_flags(path, BPF_F_RDONLY | BPF_F_WRONLY) != -EINVAL) return 4;
              return unlink(path.c_str()) == 0 ? 0 : 5;
          }) == 0);
}

TEST_CASE("pin paths never reach outside the mount") {
    std::string outside = g_daemon.dir + "/escaped";  // next to the mount point
    int fd = create_hash("escape");
    REQUIRE(fd >= 3);
    // Through libbpffs: .., an absolute path elsewhere, a symlink out.
    CHECK(bpffs_obj_pin(fd, (g_daemon.mountpoint + "/../escaped").c_str()) < 0);
    CHECK(bpffs_obj_pin(fd, outside.c_str()) < 0);
    REQUIRE(symlink(g_daemon.dir.c_str(), in_mount("out").c_str()) == 0);
    CHECK(bpffs_obj_pin(fd, in_mount("out/escaped").c_str()) < 0);
    CHECK(access(outside.c_str(), F_OK) != 0);
    // A symlink in the mount to a file outside it is no way to get an object.
    REQUIRE(symlink("/etc/passwd", in_mount("passwd").c_str()) == 0);
    CHECK(bpffs_obj_get(in_mount("passwd").c_str()) < 0);

    // Raw frames, with the paths libbpffs would have refused or resolved.
    RawClient raw;
    REQUIRE(raw.fd >= 0);
    REQUIRE(raw.call(Command::hello,
                     wire::encode(wire::HelloRequest{wire::kProtocolVersion, 022})) == 0);
    wire::MapCreateRequest create;
    create.map_type = BPF_MAP_TYPE_HASH;
    create.key_size = 4;
    create.value_size = 8;
    create.max_entries = 4;
    create.name = "raw";
    REQUIRE(raw.call(Command::map_create, wire::encode(create)) == 0);  // fd 3
    for (std::string p :
         {g_daemon.mountpoint + "/../escaped", outside, std::string("escaped"),
          g_daemon.mountpoint + "/out/escaped", std::string("/etc/bpffs_escaped"),
          g_daemon.mountpoint + "/./../escaped", g_daemon.mountpoint + "x/escaped"}) {
        INFO("pin path " << p);
        CHECK(raw.call(Command::obj_pin, wire::encode(wire::ObjPinRequest{3, p, 0})) != 0);
        CHECK(raw.call(Command::obj_get, wire::encode(wire::ObjGetRequest{p, 0})) != 0);
    }
    CHECK(access(outside.c_str(), F_OK) != 0);
    CHECK(access("/etc/bpffs_escaped", F_OK) != 0);
    // The same frames work for a path inside.
    CHECK(raw.call(Command::obj_pin, wire::encode(wire::ObjPinRequest{3, in_mount("inside"), 0})) ==
          0);
    CHECK(unlink(in_mount("inside").c_str()) == 0);
    unlink(in_mount("out").c_str());
    unlink(in_mount("passwd").c_str());
    bpffs_close(fd);
}

int main(int argc, char **argv) {
    return run_against_daemon(g_daemon, [&] { return Catch::Session().run(argc, argv); });
}
