// The control socket's file: --socket-group and --socket-mode are in place
// before the socket listens, so no client can connect while it is more open
// than asked; a bad group leaves no socket behind.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "daemon/control_server.h"

using namespace bpffs;

namespace {

std::string temp_socket_path() {
    char dir[] = "/tmp/bpffs-sock-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    return std::string(dir) + "/ctl.sock";
}

}  // namespace

TEST_CASE("the control socket has its mode and group when it starts listening") {
    PinTree tree{PinTreeOptions{}};
    Syscall sys{tree, SyscallOptions{"/test/bpffs", 2, "test"}};
    std::string path = temp_socket_path();
    std::string dir = path.substr(0, path.rfind('/'));
    for (const char *mode : {"0600", "0660", "0"}) {
        INFO("--socket-mode " << mode);
        auto server =
            ControlServer::start(path, sys, SocketAccess{std::to_string(getegid()), mode});
        REQUIRE(server);
        struct stat st {};
        REQUIRE(lstat(path.c_str(), &st) == 0);
        CHECK(S_ISSOCK(st.st_mode));
        CHECK((st.st_mode & 07777) == std::stoul(mode, nullptr, 8));
        CHECK(st.st_gid == getegid());
        (*server)->stop();
        CHECK(access(path.c_str(), F_OK) != 0);
    }
    // Without --socket-mode: open to everyone, each command checks the caller.
    auto open = ControlServer::start(path, sys);
    REQUIRE(open);
    struct stat st {};
    REQUIRE(lstat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0777);
    (*open)->stop();
    // A group that does not exist: no server, and no socket file left.
    auto bad = ControlServer::start(path, sys, SocketAccess{"no-such-group-bpffs", "0660"});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ENOENT);
    CHECK(access(path.c_str(), F_OK) != 0);
    rmdir(dir.c_str());
}
