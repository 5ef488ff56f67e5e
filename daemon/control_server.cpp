#include "daemon/control_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "core/wire/frame.h"
#include "daemon/errno_name.h"
#include "daemon/frame_stream.h"
#include "daemon/peer_cred.h"

namespace bpffs {

namespace {

// Payloads are read in steps of this size, so a client announcing a large
// frame and sending nothing does not make the daemon allocate it all.
constexpr size_t kReadStep = 1 << 20;

std::string sys_error(const std::string &what, int err) {
    return what + ": " + strerror(err) + " (" + errno_name(err) + ")";
}

Result<sockaddr_un> socket_address(const std::string &path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(addr.sun_path))
        return fail(ENAMETOOLONG, "socket path '" + path + "' is empty or longer than " +
                                      std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
    memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

// A socket file already at path: a live daemon (refuse), a stale one
// (remove it), or something that is not a socket (refuse).
Status clear_stale_socket(const std::string &path, const sockaddr_un &addr) {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) return ok();
    if (!S_ISSOCK(st.st_mode))
        return fail(EEXIST, path + " exists and is not a socket; refusing to replace it");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(errno, sys_error("socket", errno));
    int rc = connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof(addr));
    int err = errno;
    ::close(fd);
    if (rc == 0)
        return fail(EADDRINUSE, "another bpffsd is already serving " + path +
                                    "; stop it first or choose another --socket");
    if (err != ECONNREFUSED && err != ENOENT)
        return fail(err, sys_error("cannot probe the existing socket " + path, err));
    spdlog::info("removing stale control socket {} (no daemon answers on it)", path);
    if (unlink(path.c_str()) != 0 && errno != ENOENT)
        return fail(errno, sys_error("cannot remove stale socket " + path, errno));
    return ok();
}

bool read_payload(FrameStream &stream, uint32_t len, wire::Bytes &payload) {
    payload.clear();
    while (payload.size() < len) {
        size_t step = std::min<size_t>(kReadStep, len - payload.size());
        size_t old = payload.size();
        payload.resize(old + step);
        if (stream.read_exact(payload.data() + old, step) != ReadEnd::complete) return false;
    }
    return true;
}

// One debug line per command: who, what, which fd, and how it ended.
void log_command(const std::string &who, uint32_t command, const CommandOutcome &out) {
    if (!spdlog::should_log(spdlog::level::debug)) return;
    const char *name = wire::command_name(command);
    std::string what = name != nullptr ? name : "command " + std::to_string(command);
    if (out.fd >= 0) what += " fd " + std::to_string(out.fd);
    if (out.reply.error == 0)
        spdlog::debug("{}: {} -> ok", who, what);
    else
        spdlog::debug("{}: {} -> {}: {}", who, what, errno_name(out.reply.error),
                      out.reply.message);
}

}  // namespace

Status ControlServer::claim_socket_path(const std::string &socket_path) {
    auto addr = socket_address(socket_path);
    if (!addr) return tl::unexpected(addr.error());
    return clear_stale_socket(socket_path, *addr);
}

Result<std::unique_ptr<ControlServer>> ControlServer::start(const std::string &socket_path,
                                                            Syscall &syscall,
                                                            const SocketAccess &access) {
    auto addr = socket_address(socket_path);
    if (!addr) return tl::unexpected(addr.error());
    if (auto st = clear_stale_socket(socket_path, *addr); !st) return tl::unexpected(st.error());
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(errno, sys_error("socket", errno));
    // Everyone may connect; each command checks the peer's credentials.
    mode_t old = umask(0);
    int rc = bind(fd, reinterpret_cast<const sockaddr *>(&*addr), sizeof(*addr));
    int err = errno;
    umask(old);
    if (rc != 0) {
        ::close(fd);
        return fail(err, sys_error("cannot bind the control socket " + socket_path, err));
    }
    // Nobody can connect before listen(): --socket-group and --socket-mode
    // take effect in between, so there is no moment where the socket is
    // open to everyone.
    if (auto st = apply_socket_access(socket_path, access); !st) {
        ::close(fd);
        unlink(socket_path.c_str());
        return tl::unexpected(st.error());
    }
    if (listen(fd, 128) != 0) {
        err = errno;
        ::close(fd);
        unlink(socket_path.c_str());
        return fail(err, sys_error("listen on " + socket_path, err));
    }
    int wake = eventfd(0, EFD_CLOEXEC);
    if (wake < 0) {
        err = errno;
        ::close(fd);
        unlink(socket_path.c_str());
        return fail(err, sys_error("eventfd", err));
    }
    std::unique_ptr<ControlServer> server(new ControlServer(socket_path, fd, wake, syscall));
    server->acceptor_ = std::thread([s = server.get()] { s->accept_loop(); });
    spdlog::info("control socket listening on {}", socket_path);
    return server;
}

ControlServer::ControlServer(std::string path, int listen_fd, int wake_fd, Syscall &syscall)
    : path_(std::move(path)), listen_fd_(listen_fd), wake_fd_(wake_fd), syscall_(syscall) {}

ControlServer::~ControlServer() {
    stop();
}

size_t ControlServer::connections() const {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (auto &c : connections_)
        n += c.done ? 0 : 1;
    return n;
}

void ControlServer::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
    }
    uint64_t one = 1;
    if (::write(wake_fd_, &one, sizeof(one)) < 0) spdlog::warn("cannot wake the accept loop");
    if (acceptor_.joinable()) acceptor_.join();
    {
        // Wake every connection thread blocked in read().
        std::lock_guard lock(mutex_);
        for (auto &c : connections_)
            shutdown(c.fd, SHUT_RDWR);
    }
    for (auto &c : connections_) {
        if (c.thread.joinable()) c.thread.join();
        ::close(c.fd);
    }
    connections_.clear();
    ::close(listen_fd_);
    ::close(wake_fd_);
    if (unlink(path_.c_str()) != 0 && errno != ENOENT)
        spdlog::warn("{}", sys_error("cannot remove the control socket " + path_, errno));
    spdlog::info("control socket {} closed", path_);
}

void ControlServer::reap_finished() {
    std::lock_guard lock(mutex_);
    for (auto it = connections_.begin(); it != connections_.end();) {
        if (it->done) {
            it->thread.join();
            ::close(it->fd);
            it = connections_.erase(it);
        } else {
            ++it;
        }
    }
}

void ControlServer::accept_loop() {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    for (;;) {
        // Woken every second when idle, so that connections that ended
        // release their socket fd and thread without waiting for the next
        // client (after a burst of clients they would linger otherwise).
        int n = poll(fds, 2, 1000);
        if (n < 0) {
            if (errno == EINTR) continue;
            spdlog::error("{}", sys_error("poll on the control socket", errno));
            return;
        }
        if (n == 0) {
            reap_finished();
            continue;
        }
        if (fds[1].revents != 0) return;
        if ((fds[0].revents & POLLIN) == 0) continue;
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != ECONNABORTED)
                spdlog::warn("{}", sys_error("accept on the control socket", errno));
            continue;
        }
        reap_finished();
        std::lock_guard lock(mutex_);
        auto &conn = connections_.emplace_back();
        conn.fd = fd;
        conn.number = next_number_++;
        conn.thread = std::thread([this, &conn] { serve(conn); });
    }
}

void ControlServer::serve(Connection &conn) {
    auto cred = peer_cred(conn.fd);
    if (!cred) {
        spdlog::warn("connection {}: {}", conn.number, cred.error().message);
    } else {
        Session session(*cred, syscall_.limits().max_fds);
        std::string who = fmt::format("conn {} (pid {} uid {})", conn.number, cred->pid, cred->uid);
        spdlog::debug("{}: connected", who);
        serve_requests(conn.fd, session, who);
        spdlog::debug("{}: closed, releasing {} fds", who, session.open_fds());
    }
    // The session (and the references of its fds) is gone before done is
    // set; the fd itself is closed by whoever joins this thread, so stop()
    // never shuts down a number already reused by a newer connection.
    shutdown(conn.fd, SHUT_RDWR);
    conn.done = true;
}

void ControlServer::serve_requests(int fd, Session &session, const std::string &who) {
    wire::Bytes header(wire::kHeaderSize), payload;
    FrameStream stream(fd);
    for (;;) {
        ReadEnd end = stream.read_exact(header.data(), header.size());
        if (end == ReadEnd::closed) return;
        if (end == ReadEnd::partial) {
            spdlog::warn("{}: closing: the connection ended in the middle of a frame header", who);
            return;
        }
        wire::RequestHeader h;
        wire::decode_header(header, h);
        auto verdict = wire::check_header(h.magic, h.version, h.payload_len);
        if (verdict != wire::HeaderVerdict::ok) {
            Error e = wire::header_error(verdict, h.payload_len, h.version);
            spdlog::warn("{}: closing: {} ({})", who, e.message, errno_name(e.code));
            // Garbage gets no answer; a peer speaking the protocol does.
            if (verdict != wire::HeaderVerdict::bad_magic)
                stream.queue(wire::encode_reply(h.sequence, e.code, e.message, {}));
            stream.flush();
            return;
        }
        if (uint32_t limit = syscall_.limits().max_frame; h.payload_len > limit) {
            std::string why = "frame payload of " + std::to_string(h.payload_len) +
                              " bytes exceeds the " + std::to_string(limit) +
                              " bytes bpffsd allows a client (--max-frame)";
            spdlog::warn("{}: closing: {} (E2BIG)", who, why);
            stream.queue(wire::encode_reply(h.sequence, E2BIG, why, {}));
            stream.flush();
            return;
        }
        if (!read_payload(stream, h.payload_len, payload)) {
            spdlog::warn("{}: closing: the frame ended before its {} payload bytes", who,
                         h.payload_len);
            return;
        }
        auto out = syscall_.handle(session, h.command, payload);
        log_command(who, h.command, out);
        if (!stream.queue(
                wire::encode_reply(h.sequence, out.reply.error, out.reply.message, out.reply.body)))
            return;
    }
}

}  // namespace bpffs
