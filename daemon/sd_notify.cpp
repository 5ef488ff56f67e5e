#include "daemon/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

namespace bpffs {

namespace {

// The address $NOTIFY_SOCKET names, and its length: an abstract name ('@'
// first) is sent with a leading NUL and without a trailing one.
Result<std::pair<sockaddr_un, socklen_t>> notify_address(std::string_view name) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (name.size() < 2 || (name.front() != '/' && name.front() != '@'))
        return fail(EINVAL, "NOTIFY_SOCKET=" + std::string(name) +
                                " is neither an absolute path nor an abstract name (@...)");
    if (name.size() >= sizeof(addr.sun_path))
        return fail(ENAMETOOLONG, "NOTIFY_SOCKET=" + std::string(name) + " is too long");
    memcpy(addr.sun_path, name.data(), name.size());
    bool abstract = name.front() == '@';
    if (abstract) addr.sun_path[0] = '\0';
    socklen_t len =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (abstract ? 0 : 1));
    return std::make_pair(addr, len);
}

}  // namespace

Status sd_notify_send(std::string_view state) {
    const char *env = getenv("NOTIFY_SOCKET");
    if (env == nullptr || *env == '\0') return ok();
    auto addr = notify_address(env);
    if (!addr) return tl::unexpected(addr.error());
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(errno, std::string("socket for sd_notify: ") + strerror(errno));
    ssize_t sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr *>(&addr->first), addr->second);
    int err = errno;
    close(fd);
    if (sent < 0)
        return fail(err, "cannot notify systemd on " + std::string(env) + ": " + strerror(err));
    if (static_cast<size_t>(sent) != state.size())
        return fail(EMSGSIZE,
                    "systemd's notify socket " + std::string(env) + " took a truncated message");
    return ok();
}

void notify_systemd_ready(const std::string &status) {
    std::string state =
        "READY=1\nMAINPID=" + std::to_string(getpid()) + "\nSTATUS=" + status + "\n";
    if (auto st = sd_notify_send(state); !st)
        spdlog::warn("systemd readiness not sent: {}", st.error().message);
    else if (getenv("NOTIFY_SOCKET") != nullptr)
        spdlog::debug("told systemd we are ready");
}

}  // namespace bpffs
