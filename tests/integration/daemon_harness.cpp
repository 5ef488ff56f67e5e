#include "tests/integration/daemon_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "tools/libbpffs/bpffs.h"

namespace bpffs::test {

std::string skip_reason() {
    if (geteuid() != 0) return "needs root (FUSE mount by bpffsd)";
    if (access("/dev/fuse", R_OK | W_OK) != 0) return "needs /dev/fuse";
    const char *exe = getenv("BPFFSD");
    if (exe == nullptr || access(exe, X_OK) != 0) return "needs $BPFFSD (the bpffsd binary)";
    return "";
}

bool is_mounted(const std::string &mountpoint) {
    std::ifstream mounts("/proc/self/mounts");
    std::string dev, dir;
    std::string line;
    while (std::getline(mounts, line)) {
        std::istringstream in(line);
        in >> dev >> dir;
        if (dir == mountpoint) return true;
    }
    return false;
}

bool socket_answers(const std::string &socket_path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
    bool ok = connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0;
    close(fd);
    return ok;
}

std::string read_file(const std::string &path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool start_daemon(DaemonProcess &d, std::string &error) {
    if (d.dir.empty()) {
        char tmpl[] = "/tmp/bpffsd-test-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) {
            error = std::string("mkdtemp: ") + strerror(errno);
            return false;
        }
        d.dir = tmpl;
        chmod(tmpl, 0755);  // other users' clients must reach the socket
        d.mountpoint = d.dir + "/mnt";
        d.socket = d.dir + "/ctl.sock";
        d.log = d.dir + "/bpffsd.log";
    }
    const char *exe = getenv("BPFFSD");
    pid_t pid = fork();
    if (pid == 0) {
        int log = open(d.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(log, 2);
        // allow_other: the tests also connect as an unprivileged user.
        std::vector<const char *> argv = {exe,  "-f",          "--log-level", "debug",
                                          "-o", "allow_other", "--socket",    d.socket.c_str()};
        for (const auto &arg : d.extra_args)
            argv.push_back(arg.c_str());
        argv.push_back(d.mountpoint.c_str());
        argv.push_back(nullptr);
        execv(exe, const_cast<char *const *>(argv.data()));
        _exit(127);
    }
    d.pid = pid;
    for (int i = 0; i < 200; ++i) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            d.pid = -1;
            error = "bpffsd exited during startup: " + read_file(d.log);
            return false;
        }
        if (socket_answers(d.socket) && is_mounted(d.mountpoint)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    error = "bpffsd did not get ready within 10 s: " + read_file(d.log);
    stop_daemon(d);
    return false;
}

int stop_daemon(DaemonProcess &d) {
    if (d.pid <= 0) return -1;
    kill(d.pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200; ++i) {
        if (waitpid(d.pid, &status, WNOHANG) == d.pid) {
            d.pid = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(d.pid, SIGKILL);
    waitpid(d.pid, &status, 0);
    d.pid = -1;
    return -1;
}

void remove_daemon_files(const DaemonProcess &d) {
    unlink(d.log.c_str());
    rmdir(d.mountpoint.c_str());
    rmdir(d.dir.c_str());
}

namespace {

// The last lines of the daemon's log, enough to see why a test failed.
std::string log_tail(const std::string &log, size_t lines) {
    std::string text = read_file(log);
    size_t pos = text.size();
    for (size_t n = 0; n <= lines && pos > 0; ++n) {
        pos = text.rfind('\n', pos - 1);
        if (pos == std::string::npos) return text;
    }
    return text.substr(pos + 1);
}

}  // namespace

int run_against_daemon(DaemonProcess &d, const std::function<int()> &run_tests) {
    std::string why = skip_reason();
    if (!why.empty()) {
        printf("SKIP: %s\n", why.c_str());
        return 77;
    }
    std::string error;
    if (!start_daemon(d, error)) {
        fprintf(stderr, "cannot start bpffsd: %s\n", error.c_str());
        return 1;
    }
    bpffs_set_socket(d.socket.c_str());
    int failed = run_tests();
    bpffs_disconnect();
    int exit_status = stop_daemon(d);
    bool clean =
        exit_status == 0 && !is_mounted(d.mountpoint) && access(d.socket.c_str(), F_OK) != 0;
    if (!clean || failed != 0) {
        fprintf(stderr, "%s (bpffsd exit %d); the end of its log (%s):\n%s\n",
                clean ? "tests failed" : "bpffsd did not stop cleanly", exit_status, d.log.c_str(),
                log_tail(d.log, 100).c_str());
        return 1;
    }
    remove_daemon_files(d);
    return 0;
}

}  // namespace bpffs::test
