// libbpffs's one connection per process to bpffsd. Opened by the first
// command, shared by all threads (one request at a time), never reopened
// behind the caller's back: the daemon's fds belong to the connection, so a
// silent reconnect would hand out fds that mean nothing. After the daemon
// goes away every call fails with ENOTCONN until bpffs_disconnect().
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

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
    // An fd the daemon just handed out: its number's old sizes no longer
    // apply, and closing it cannot fail, so close_fd() need not wait.
    void adopt_fd(int fd);
    // CLOSE. An adopted fd is closed without waiting for the reply: sent at
    // once, so the daemon drops its reference now, and the reply is read
    // with the next one (a close costs one send, about 5 µs here, not a
    // round trip of 15). Other fds wait, so that closing an fd that is not
    // open fails with EBADF, as close(2) does.
    Status close_fd(int fd);

    // After fork(): the child must not share the parent's socket.
    void reset_after_fork();

  private:
    Status connect_locked(const std::string *path_hint);
    std::string choose_socket(const std::string *path_hint) const;
    Result<wire::Reply> exchange_locked(uint32_t command, const wire::Bytes &payload);
    // Reads one reply frame, which must carry sequence seq.
    Result<wire::Reply> read_reply_locked(uint32_t seq);
    // Reads the replies of the closes sent without waiting.
    Status drain_owed_locked();
    // Reads until at least len bytes are buffered in in_ (false: errno).
    bool buffer_locked(size_t len);
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
    std::unordered_set<int> adopted_;  // open fds handed out by new_fd
    // Sequences of CLOSE requests sent whose replies are not read yet; at
    // most kMaxOwed, so the daemon never blocks writing replies this side
    // does not read while this side blocks writing requests.
    std::deque<uint32_t> owed_;
    static constexpr size_t kMaxOwed = 64;
    // Replies are read in chunks: one read(2) usually brings a whole reply,
    // header and body (two reads each otherwise, a few µs apiece).
    static constexpr size_t kReplyChunk = 16 << 10;
    std::vector<uint8_t> in_;
    size_t in_begin_ = 0, in_end_ = 0;
};

}  // namespace bpffs::client
