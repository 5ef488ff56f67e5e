#include "daemon/daemonize.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bpffs {

namespace {

// The parent's side: the child writes "ok" or "error: <message>".
[[noreturn]] void wait_for_child(int fd, pid_t child) {
    std::string msg;
    char buf[512];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        msg.append(buf, static_cast<size_t>(n));
    }
    if (msg == "ok") _exit(0);
    if (msg.rfind("error: ", 0) == 0) {
        fprintf(stderr, "bpffsd: %s\n", msg.c_str() + 7);
    } else {
        int status = 0;
        waitpid(child, &status, 0);
        fprintf(stderr, "bpffsd: the daemon exited during startup without a message%s\n",
                WIFSIGNALED(status) ? " (killed by a signal)" : "");
    }
    _exit(1);
}

}  // namespace

void Daemonizer::detach() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "bpffsd: pipe: %s\n", strerror(errno));
        exit(1);
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bpffsd: fork: %s\n", strerror(errno));
        exit(1);
    }
    if (pid > 0) {
        close(fds[1]);
        wait_for_child(fds[0], pid);
    }
    close(fds[0]);
    setsid();
    pipe_fd_ = fds[1];
}

void Daemonizer::ready() {
    if (pipe_fd_ < 0) return;
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2) close(null);
    }
    if (write(pipe_fd_, "ok", 2) != 2) { /* the parent is gone; nothing to tell */
    }
    close(pipe_fd_);
    pipe_fd_ = -1;
}

void Daemonizer::failed(const std::string &message) {
    if (pipe_fd_ < 0) return;
    std::string msg = "error: " + message;
    if (write(pipe_fd_, msg.data(), msg.size()) < 0) { /* the parent is gone */
    }
    close(pipe_fd_);
    pipe_fd_ = -1;
}

}  // namespace bpffs
