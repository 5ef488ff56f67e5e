// The daemon's side of one control connection's bytes. Reads come in large
// chunks (a client pipelining requests sends many frames at once, and each
// read(2) would otherwise take one header or one payload), and replies are
// gathered and sent when no further request is already waiting: a pipelined
// burst is answered with one write, a lone request at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/wire/codec.h"

namespace bpffs {

// How reading a frame's bytes ended.
enum class ReadEnd { complete, closed, partial };

class FrameStream {
  public:
    explicit FrameStream(int fd);

    // Reads exactly len bytes. closed: the peer hung up (or failed) before
    // the first byte; partial: in the middle. Sends the queued replies
    // before it would block.
    ReadEnd read_exact(uint8_t *buf, size_t len);

    // Queues a reply; sent by the next read that would block, by flush(),
    // or at once when many are queued. false: the peer is gone.
    bool queue(const wire::Bytes &reply);
    bool flush();

  private:
    int fd_;
    std::vector<uint8_t> in_;
    size_t in_begin_ = 0, in_end_ = 0;
    wire::Bytes out_;
};

}  // namespace bpffs
