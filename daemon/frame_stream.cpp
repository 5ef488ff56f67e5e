#include "daemon/frame_stream.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace bpffs {

namespace {

constexpr size_t kChunk = 64 << 10;
// Queued replies beyond this go out without waiting for the burst's end.
constexpr size_t kMaxQueued = 256 << 10;

}  // namespace

FrameStream::FrameStream(int fd) : fd_(fd), in_(kChunk) {}

ReadEnd FrameStream::read_exact(uint8_t *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        if (in_begin_ == in_end_) {
            // About to wait for the client: it must have its answers first.
            if (!flush()) return got == 0 ? ReadEnd::closed : ReadEnd::partial;
            const size_t want = len - got;
            // A large remainder goes straight to its place, a small one
            // brings along whatever else the client has sent.
            const bool direct = want >= kChunk;
            ssize_t n = direct ? ::read(fd_, buf + got, want) : ::read(fd_, in_.data(), in_.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return got == 0 ? ReadEnd::closed : ReadEnd::partial;
            if (direct) {
                got += static_cast<size_t>(n);
                continue;
            }
            in_begin_ = 0;
            in_end_ = static_cast<size_t>(n);
        }
        const size_t take = std::min(len - got, in_end_ - in_begin_);
        memcpy(buf + got, in_.data() + in_begin_, take);
        in_begin_ += take;
        got += take;
    }
    return ReadEnd::complete;
}

bool FrameStream::queue(const wire::Bytes &reply) {
    out_.insert(out_.end(), reply.begin(), reply.end());
    return out_.size() < kMaxQueued || flush();
}

bool FrameStream::flush() {
    size_t off = 0;
    while (off < out_.size()) {
        ssize_t n = ::send(fd_, out_.data() + off, out_.size() - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            out_.clear();
            return false;
        }
        off += static_cast<size_t>(n);
    }
    out_.clear();
    return true;
}

}  // namespace bpffs
