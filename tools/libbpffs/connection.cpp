#include "tools/libbpffs/connection.h"

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "core/object.h"
#include "core/wire/messages.h"
#include "tools/libbpffs/bpffs.h"
#include "tools/libbpffs/client_path.h"

namespace bpffs::client {

namespace {

// The umask without changing it (umask(2) cannot read without writing,
// which would race other threads).
uint32_t current_umask() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("Umask:", 0) == 0)
            return static_cast<uint32_t>(strtoul(line.c_str() + 6, nullptr, 8));
    return 022;
}

bool send_all(int fd, const wire::Bytes &data) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

bool recv_all(int fd, uint8_t *buf, size_t len) {
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = ECONNRESET;
            return false;
        }
        buf += n;
        len -= static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

Connection &Connection::instance() {
    // Never destroyed: fds may be used from atexit handlers and other
    // threads until the very end of the process.
    static Connection *conn = [] {
        auto c = new Connection();
        pthread_atfork(nullptr, nullptr, [] { Connection::instance().reset_after_fork(); });
        return c;
    }();
    return *conn;
}

void Connection::set_socket(std::string path) {
    std::lock_guard lock(mutex_);
    explicit_socket_ = std::move(path);
}

std::string Connection::choose_socket(const std::string *path_hint) const {
    if (!explicit_socket_.empty()) return explicit_socket_;
    if (const char *env = getenv("BPFFS_SOCKET"); env != nullptr && *env != '\0') return env;
    if (path_hint != nullptr) {
        if (auto found = find_socket(*path_hint)) return *found;
    }
    return BPFFS_DEFAULT_SOCKET;
}

Status Connection::connect_locked(const std::string *path_hint) {
    std::string path = choose_socket(path_hint);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path))
        return fail(ENAMETOOLONG, "the socket path " + path + " is too long");
    memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(errno, std::string("socket: ") + strerror(errno));
    if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0) {
        const int connect_errno = errno;
        close(fd);
        int err = connect_errno;
        // A missing socket must not read as ENOENT: callers take ENOENT from
        // the id walks (MAP_GET_NEXT_ID...) as "no more objects".
        if (err == ENOENT) err = ECONNREFUSED;
        return fail(err, "cannot connect to bpffsd at " + path + ": " + strerror(connect_errno) +
                             " (is the daemon running? choose it with $BPFFS_SOCKET)");
    }
    fd_ = fd;
    socket_ = path;
    auto reply =
        exchange_locked(static_cast<uint32_t>(wire::Command::hello),
                        wire::encode(wire::HelloRequest{wire::kProtocolVersion, current_umask()}));
    if (!reply) {
        drop_locked();
        lost_ = false;
        return tl::unexpected(reply.error());
    }
    if (reply->error != 0) {
        drop_locked();
        lost_ = false;
        return fail(reply->error,
                    "bpffsd at " + path + " refused the connection: " + reply->message);
    }
    return ok();
}

Result<wire::Reply> Connection::exchange_locked(uint32_t command, const wire::Bytes &payload) {
    uint32_t seq = ++sequence_;
    if (payload.size() > wire::kMaxPayload)
        return fail(E2BIG, "the request of " + std::to_string(payload.size()) +
                               " bytes exceeds the protocol's limit of " +
                               std::to_string(wire::kMaxPayload) + " bytes");
    if (!send_all(fd_, wire::encode_request(command, seq, payload)))
        return tl::unexpected(lose_locked(strerror(errno)));
    // The replies of earlier closes come first; the daemon was working on
    // this request while they were read.
    if (auto drained = drain_owed_locked(); !drained) return tl::unexpected(drained.error());
    return read_reply_locked(seq);
}

Result<wire::Reply> Connection::read_reply_locked(uint32_t seq) {
    auto lose = [&](const std::string &why) { return tl::unexpected(lose_locked(why)); };
    if (!buffer_locked(wire::kHeaderSize)) return lose(strerror(errno));
    wire::ReplyHeader h;
    wire::decode_header(std::span<const uint8_t>(in_.data() + in_begin_, wire::kHeaderSize), h);
    in_begin_ += wire::kHeaderSize;
    auto verdict = wire::check_header(h.magic, h.version, h.payload_len);
    if (verdict != wire::HeaderVerdict::ok)
        return lose(wire::header_error(verdict, h.payload_len, h.version).message);
    if (h.sequence != seq) return lose("a reply arrived out of sequence");
    // What the header's read brought along, then the rest straight into place.
    wire::Bytes body(h.payload_len);
    const size_t have = std::min<size_t>(body.size(), in_end_ - in_begin_);
    if (have != 0) memcpy(body.data(), in_.data() + in_begin_, have);
    in_begin_ += have;
    if (!recv_all(fd_, body.data() + have, body.size() - have)) return lose(strerror(errno));
    auto reply = wire::decode_reply_payload(h.error, body);
    if (!reply) return lose(reply.error().message);
    return reply;
}

bool Connection::buffer_locked(size_t len) {
    if (in_end_ - in_begin_ >= len) return true;
    if (in_.empty()) in_.resize(kReplyChunk);
    memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
    while (in_end_ < len) {
        ssize_t n = read(fd_, in_.data() + in_end_, in_.size() - in_end_);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = ECONNRESET;
            return false;
        }
        in_end_ += static_cast<size_t>(n);
    }
    return true;
}

Status Connection::drain_owed_locked() {
    while (!owed_.empty()) {
        auto reply = read_reply_locked(owed_.front());
        if (!reply) return tl::unexpected(reply.error());
        owed_.pop_front();
        // Only fds the daemon handed out and nobody closed since are closed
        // without waiting: a refusal means the two sides disagree on the
        // fd table, and nothing this connection says can be trusted.
        if (reply->error != 0)
            return tl::unexpected(lose_locked(
                "the daemon refused to close an fd it had handed out: " + reply->message));
    }
    return ok();
}

Status Connection::close_fd(int fd) {
    std::lock_guard lock(mutex_);
    sizes_.erase(fd);
    if (lost_) return fail(ENOTCONN, lost_reason_);
    if (fd_ < 0) {
        if (auto st = connect_locked(nullptr); !st) return st;
    }
    auto payload = wire::encode(wire::CloseRequest{static_cast<uint32_t>(fd)});
    constexpr auto kClose = static_cast<uint32_t>(wire::Command::close);
    if (adopted_.erase(fd) != 0 && owed_.size() < kMaxOwed) {
        uint32_t seq = ++sequence_;
        if (!send_all(fd_, wire::encode_request(kClose, seq, payload)))
            return tl::unexpected(lose_locked(strerror(errno)));
        owed_.push_back(seq);
        return ok();
    }
    auto reply = exchange_locked(kClose, payload);
    if (!reply) return tl::unexpected(reply.error());
    if (reply->error != 0) return fail(reply->error, reply->message);
    return ok();
}

Error Connection::lose_locked(const std::string &why) {
    std::string reason = "the connection to bpffsd at " + socket_ + " was lost (" + why +
                         "); its fds are gone; bpffs_disconnect() starts a new connection";
    drop_locked();
    lost_ = true;
    lost_reason_ = reason;
    return Error{ENOTCONN, reason};
}

Status Connection::pipeline(std::span<const Outgoing> requests,
                            const std::function<void(size_t, const wire::Reply &)> &on_reply) {
    // At most this many requests unanswered, and about this many bytes of
    // them unsent: enough to keep the daemon busy, little enough memory.
    constexpr size_t kWindow = 256;
    constexpr size_t kUnsentBytes = 256 << 10;
    constexpr size_t kReadChunk = 64 << 10;
    std::lock_guard lock(mutex_);
    if (lost_) return fail(ENOTCONN, lost_reason_);
    if (fd_ < 0) {
        if (auto st = connect_locked(nullptr); !st) return st;
    }
    if (auto drained = drain_owed_locked(); !drained) return drained;
    for (const auto &r : requests)
        if (r.payload->size() > wire::kMaxPayload)
            return fail(E2BIG, "a request of " + std::to_string(r.payload->size()) +
                                   " bytes exceeds the protocol's limit");
    const uint32_t first_sequence = sequence_ + 1;
    size_t encoded = 0, answered = 0;
    wire::Bytes out, in(kReadChunk);
    size_t out_sent = 0, in_len = 0, in_parsed = 0;
    // Every earlier reply was read, so the buffered reads hold nothing; were
    // they to, those bytes come first.
    if (in_end_ > in_begin_) {
        in_len = in_end_ - in_begin_;
        if (in_len > in.size()) in.resize(in_len);
        memcpy(in.data(), in_.data() + in_begin_, in_len);
        in_begin_ = in_end_ = 0;
    }
    while (answered < requests.size()) {
        while (encoded < requests.size() && encoded - answered < kWindow &&
               out.size() - out_sent < kUnsentBytes) {
            const auto &r = requests[encoded++];
            auto frame =
                wire::encode_request(static_cast<uint32_t>(r.command), ++sequence_, *r.payload);
            out.insert(out.end(), frame.begin(), frame.end());
        }
        bool readable = true;
        if (out_sent < out.size()) {
            ssize_t n = send(fd_, out.data() + out_sent, out.size() - out_sent,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return tl::unexpected(lose_locked(strerror(errno)));
            if (n > 0) out_sent += static_cast<size_t>(n);
            if (out_sent == out.size()) {
                out.clear();
                out_sent = 0;
            } else {
                // The daemon is not reading: it may be blocked writing
                // replies this side has not read yet, so wait for either.
                pollfd p{fd_, POLLIN | POLLOUT, 0};
                if (poll(&p, 1, -1) < 0 && errno != EINTR)
                    return tl::unexpected(lose_locked(strerror(errno)));
                readable = (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
            }
        }
        if (readable) {
            if (in.size() - in_len < kReadChunk / 4) {
                memmove(in.data(), in.data() + in_parsed, in_len - in_parsed);
                in_len -= in_parsed;
                in_parsed = 0;
                if (in.size() - in_len < kReadChunk / 4) in.resize(in.size() * 2);
            }
            // Blocks only when everything is sent: some reply is due then.
            ssize_t n =
                recv(fd_, in.data() + in_len, in.size() - in_len, out.empty() ? 0 : MSG_DONTWAIT);
            if (n == 0) return tl::unexpected(lose_locked("the daemon closed the connection"));
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return tl::unexpected(lose_locked(strerror(errno)));
            if (n > 0) in_len += static_cast<size_t>(n);
        }
        while (in_len - in_parsed >= wire::kHeaderSize) {
            std::span<const uint8_t> rest(in.data() + in_parsed, in_len - in_parsed);
            wire::ReplyHeader h;
            wire::decode_header(rest.first(wire::kHeaderSize), h);
            auto verdict = wire::check_header(h.magic, h.version, h.payload_len);
            if (verdict != wire::HeaderVerdict::ok)
                return tl::unexpected(
                    lose_locked(wire::header_error(verdict, h.payload_len, h.version).message));
            if (h.sequence != first_sequence + answered)
                return tl::unexpected(lose_locked("a reply arrived out of sequence"));
            if (rest.size() - wire::kHeaderSize < h.payload_len) break;
            auto reply =
                wire::decode_reply_payload(h.error, rest.subspan(wire::kHeaderSize, h.payload_len));
            if (!reply) return tl::unexpected(lose_locked(reply.error().message));
            in_parsed += wire::kHeaderSize + h.payload_len;
            on_reply(answered++, *reply);
        }
        if (in_parsed == in_len) in_parsed = in_len = 0;
    }
    return ok();
}

Result<wire::Reply> Connection::call(wire::Command command, const wire::Bytes &payload,
                                     const std::string *path_hint) {
    std::lock_guard lock(mutex_);
    if (lost_) return fail(ENOTCONN, lost_reason_);
    if (fd_ < 0) {
        if (auto st = connect_locked(path_hint); !st) return tl::unexpected(st.error());
    }
    return exchange_locked(static_cast<uint32_t>(command), payload);
}

void Connection::drop_locked() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    sizes_.clear();
    adopted_.clear();
    owed_.clear();
    in_begin_ = in_end_ = 0;
}

void Connection::disconnect() {
    std::lock_guard lock(mutex_);
    drop_locked();
    lost_ = false;
    lost_reason_.clear();
}

void Connection::reset_after_fork() {
    // Only the forking thread exists in the child; the mutex may have been
    // held by another thread of the parent, so it is rebuilt, not locked.
    new (&mutex_) std::mutex();
    drop_locked();
    lost_ = false;
}

Result<MapSizes> Connection::map_sizes(int fd) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = sizes_.find(fd); it != sizes_.end()) return it->second;
    }
    auto reply =
        call(wire::Command::fdinfo, wire::encode(wire::FdinfoRequest{static_cast<uint32_t>(fd)}));
    if (!reply) return tl::unexpected(reply.error());
    if (reply->error != 0) return fail(reply->error, reply->message);
    auto info = wire::decode<wire::FdinfoReply>(reply->body, "FDINFO reply");
    if (!info) return tl::unexpected(info.error());
    if (info->kind != static_cast<uint32_t>(ObjectKind::map))
        return fail(EINVAL, "fd " + std::to_string(fd) + " refers to a " +
                                kind_name(static_cast<ObjectKind>(info->kind)) + ", not a map");
    MapSizes sizes{info->key_size, info->user_value_size};
    std::lock_guard lock(mutex_);
    sizes_[fd] = sizes;
    return sizes;
}

void Connection::forget_fd(int fd) {
    std::lock_guard lock(mutex_);
    sizes_.erase(fd);
}

void Connection::adopt_fd(int fd) {
    std::lock_guard lock(mutex_);
    sizes_.erase(fd);
    adopted_.insert(fd);
}

}  // namespace bpffs::client
