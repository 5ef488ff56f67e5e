// The control socket: a Unix stream socket where libbpffs clients send
// framed bpf(2)-style commands (core/wire). One thread accepts; each
// connection gets its own thread and Session (fd table), released when the
// connection closes.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"
#include "daemon/socket_access.h"
#include "daemon/syscall.h"

namespace bpffs {

class ControlServer {
  public:
    // Binds socket_path (mode 0777 unless access says otherwise: permission
    // checks happen per command with the peer's credentials). access's
    // group and mode are applied before listen(), so the socket is never
    // more open than asked (connecting before listen() is refused). A stale
    // socket left by a killed daemon is removed; a live daemon on it makes
    // this fail with EADDRINUSE.
    static Result<std::unique_ptr<ControlServer>> start(const std::string &socket_path,
                                                        Syscall &syscall,
                                                        const SocketAccess &access = {});
    ~ControlServer();  // stop()s

    // The stale-socket rule alone: removes a socket no daemon answers on,
    // fails with EADDRINUSE when a live daemon does (or EEXIST for a file
    // that is not a socket). start() applies it too; calling it first lets
    // the daemon refuse before touching anything else.
    static Status claim_socket_path(const std::string &socket_path);

    // Stops accepting, closes every connection (releasing their fds), joins
    // the threads and removes the socket file. Idempotent.
    void stop();

    size_t connections() const;

  private:
    struct Connection {
        int fd = -1;
        uint64_t number = 0;
        std::thread thread;
        std::atomic<bool> done{false};
    };

    ControlServer(std::string path, int listen_fd, int wake_fd, Syscall &syscall);
    void accept_loop();
    void serve(Connection &conn);
    void serve_requests(int fd, Session &session, const std::string &who);
    void reap_finished();

    std::string path_;
    int listen_fd_;
    int wake_fd_;  // eventfd that interrupts accept_loop's poll
    Syscall &syscall_;
    std::thread acceptor_;
    mutable std::mutex mutex_;
    std::list<Connection> connections_;
    uint64_t next_number_ = 1;
    bool stopped_ = false;
};

}  // namespace bpffs
