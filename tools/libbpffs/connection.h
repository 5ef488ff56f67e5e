// libbpffs's one connection per process to bpffsd. Opened by the first
// command, shared by all threads (one request at a time), never reopened
// behind the caller's back: the daemon's fds belong to the connection, so a
// silent reconnect would hand out fds that mean nothing. After the daemon
// goes away every call fails with ENOTCONN until bpffs_disconnect().
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

#include "core/result.h"
#include "core/wire/frame.h"

namespace bpffs::client {

// What a map fd's buffers need (key_size, value bytes through the syscall
// side), learned from FDINFO once per fd.
struct MapSizes {
    uint32_t key_size = 0;
    uint32_t value_size = 0;
};

class Connection {
  public:
    static Connection &instance();

    void set_socket(std::string path);
    // Sends one command and waits for its reply. path_hint: the first path
    // the command names, used to find the daemon owning its mount when no
    // socket was chosen explicitly.
    Result<wire::Reply> call(wire::Command command, const wire::Bytes &payload,
                             const std::string *path_hint = nullptr);
    void disconnect();

    // Pipelining: sends the commands back to back with up to a window of
    // them unanswered (the daemon answers in order) and hands each reply to
    // on_reply(i, reply) as it comes, in order. Fails as a whole only when
    // the connection does; the replies handed over before stay valid.
    struct Outgoing {
        wire::Command command;
        const wire::Bytes *payload;
    };
    Status pipeline(std::span<const Outgoing> requests,
                    const std::function<void(size_t, const wire::Reply &)> &on_reply);

    Result<MapSizes> map_sizes(int fd);
    void forget_fd(int fd);

    // After fork(): the child must not share the parent's socket.
    void reset_after_fork();

  private:
    Status connect_locked(const std::string *path_hint);
    std::string choose_socket(const std::string *path_hint) const;
    Result<wire::Reply> exchange_locked(uint32_t command, const wire::Bytes &payload);
    // Marks the connection lost (its fds are gone) and returns the error.
    Error lose_locked(const std::string &why);
    void drop_locked();

    std::mutex mutex_;
    int fd_ = -1;
    bool lost_ = false;  // the daemon went away under an open connection
    std::string lost_reason_;
    uint32_t sequence_ = 0;
    std::string explicit_socket_;
    std::string socket_;  // the one connected to
    std::unordered_map<int, MapSizes> sizes_;
};

}  // namespace bpffs::client
