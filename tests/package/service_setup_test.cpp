// The daemon's service-facing pieces on their own: the sd_notify datagram
// as a real listener receives it, the socket group and mode on a real
// socket file, and the per-user default paths.
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <catch2/catch.hpp>

#include "daemon/config.h"
#include "daemon/sd_notify.h"
#include "daemon/socket_access.h"
#include "daemon/user_paths.h"

using namespace bpffs;

namespace {

// A datagram socket bound at name ('@' first: abstract), as systemd has.
struct NotifyListener {
    int fd = -1;
    explicit NotifyListener(const std::string &name) {
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        memcpy(addr.sun_path, name.data(), name.size());
        socklen_t len = offsetof(sockaddr_un, sun_path) + name.size();
        if (name[0] == '@')
            addr.sun_path[0] = '\0';
        else
            len += 1;
        REQUIRE(bind(fd, reinterpret_cast<sockaddr *>(&addr), len) == 0);
    }
    ~NotifyListener() { close(fd); }
    std::string receive() {
        char buf[512];
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
    }
};

struct EnvVar {
    std::string name;
    std::string saved;
    bool had;
    EnvVar(const char *n, const char *value) : name(n) {
        const char *old = getenv(n);
        had = old != nullptr;
        if (had) saved = old;
        if (value)
            setenv(n, value, 1);
        else
            unsetenv(n);
    }
    ~EnvVar() {
        if (had)
            setenv(name.c_str(), saved.c_str(), 1);
        else
            unsetenv(name.c_str());
    }
};

std::string temp_dir() {
    char tmpl[] = "/tmp/bpffsd-service-test.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    return tmpl;
}

}  // namespace

TEST_CASE("sd_notify reaches an abstract socket with the exact state") {
    std::string name = "@bpffsd-unit-notify-" + std::to_string(getpid());
    NotifyListener listener(name);
    EnvVar env("NOTIFY_SOCKET", name.c_str());
    REQUIRE(sd_notify_send("READY=1\nSTATUS=x\n"));
    CHECK(listener.receive() == "READY=1\nSTATUS=x\n");
    notify_systemd_ready("serving /m on /s");
    CHECK(listener.receive() ==
          "READY=1\nMAINPID=" + std::to_string(getpid()) + "\nSTATUS=serving /m on /s\n");
}

TEST_CASE("sd_notify reaches a socket named by a path") {
    std::string dir = temp_dir();
    std::string path = dir + "/notify";
    {
        NotifyListener listener(path);
        EnvVar env("NOTIFY_SOCKET", path.c_str());
        REQUIRE(sd_notify_send("READY=1\n"));
        CHECK(listener.receive() == "READY=1\n");
    }
    unlink(path.c_str());
    rmdir(dir.c_str());
}

TEST_CASE("sd_notify without NOTIFY_SOCKET sends nothing and succeeds") {
    EnvVar env("NOTIFY_SOCKET", nullptr);
    CHECK(sd_notify_send("READY=1\n"));
}

TEST_CASE("sd_notify refuses malformed or unreachable NOTIFY_SOCKET values") {
    {
        EnvVar env("NOTIFY_SOCKET", "relative/path");
        auto st = sd_notify_send("READY=1\n");
        REQUIRE_FALSE(st);
        CHECK(st.error().code == EINVAL);
        CHECK_THAT(st.error().message, Catch::Contains("relative/path"));
    }
    {
        std::string long_name = "/" + std::string(200, 'x');
        EnvVar env("NOTIFY_SOCKET", long_name.c_str());
        auto st = sd_notify_send("READY=1\n");
        REQUIRE_FALSE(st);
        CHECK(st.error().code == ENAMETOOLONG);
    }
    {
        EnvVar env("NOTIFY_SOCKET", "/nonexistent/bpffsd-notify");
        auto st = sd_notify_send("READY=1\n");
        REQUIRE_FALSE(st);
        CHECK(st.error().code == ENOENT);
    }
}

TEST_CASE("--socket-mode takes octal permission bits only") {
    CHECK(*parse_socket_mode("0660") == 0660);
    CHECK(*parse_socket_mode("660") == 0660);
    CHECK(*parse_socket_mode("0") == 0);
    CHECK(*parse_socket_mode("777") == 0777);
    for (const char *bad : {"", "0999", "1777", "rw", "0660x", "-1", "01000"}) {
        auto mode = parse_socket_mode(bad);
        INFO(bad);
        REQUIRE_FALSE(mode);
        CHECK(mode.error().code == EINVAL);
    }
}

TEST_CASE("--socket-group takes a name or a number") {
    struct group *root = getgrgid(0);
    REQUIRE(root != nullptr);
    CHECK(*resolve_group(root->gr_name) == 0u);
    CHECK(*resolve_group("12345") == 12345u);
    auto missing = resolve_group("no-such-group-bpffsd-test");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ENOENT);
    CHECK_THAT(missing.error().message, Catch::Contains("addgroup --system"));
    CHECK_FALSE(check_socket_access({"no-such-group-bpffsd-test", ""}));
    CHECK_FALSE(check_socket_access({"", "0999"}));
    CHECK(check_socket_access({"", ""}));
}

TEST_CASE("socket access is applied to a real socket file") {
    std::string dir = temp_dir();
    std::string path = dir + "/s.sock";
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, path.c_str());
    REQUIRE(bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0);
    // Our own group is always allowed, root or not.
    std::string gid = std::to_string(getegid());
    REQUIRE(apply_socket_access(path, {gid, "0640"}));
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(st.st_gid == getegid());
    CHECK(S_ISSOCK(st.st_mode));
    // Nothing asked: nothing changes.
    REQUIRE(apply_socket_access(path, {}));
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    auto gone = apply_socket_access(dir + "/missing.sock", {"", "0600"});
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == ENOENT);
    close(fd);
    unlink(path.c_str());
    rmdir(dir.c_str());
}

// Runs apply_user_defaults as uid 65534 (in a child when we are root) and
// reports whether it chose the runtime directory's paths.
bool user_defaults_as_nobody(const char *runtime_dir, const std::string &want_mount,
                             const std::string &want_socket) {
    auto run = [&] {
        Config cfg;
        EnvVar env("XDG_RUNTIME_DIR", runtime_dir);
        apply_user_defaults(cfg);
        return cfg.mountpoint == want_mount && cfg.socket_path == want_socket;
    };
    if (geteuid() != 0) return run();
    pid_t pid = fork();
    if (pid == 0) {
        if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(2);
        _exit(run() ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST_CASE("default paths move to XDG_RUNTIME_DIR for users other than root") {
    CHECK(user_defaults_as_nobody("/run/user/1000/", "/run/user/1000/bpffs",
                                  "/run/user/1000/bpffsd.sock"));
    // Not absolute, or unset: the system defaults stay.
    CHECK(user_defaults_as_nobody("not/absolute", "/run/bpffs", "/run/bpffsd.sock"));
    CHECK(user_defaults_as_nobody(nullptr, "/run/bpffs", "/run/bpffsd.sock"));
    if (geteuid() == 0) {
        Config cfg;
        EnvVar env("XDG_RUNTIME_DIR", "/run/user/0");
        apply_user_defaults(cfg);
        CHECK(cfg.mountpoint == "/run/bpffs");  // root keeps the system paths
        CHECK(cfg.socket_path == "/run/bpffsd.sock");
    }
}
