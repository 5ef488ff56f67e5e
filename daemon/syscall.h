// The bpf(2) surface of bpffsd: one control command in, one reply out.
// Each command is a small function in syscall.cpp, named after it, applying
// the kernel's checks in the kernel's order (fd, object kind, access mode,
// attributes) so that the same mistakes give the same errno.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/pin_tree.h"
#include "core/wire/frame.h"
#include "daemon/session.h"

namespace bpffs {

// What one client may use (bpffsd --max-client-fds, --max-frame,
// --max-log-size); beyond them commands fail instead of growing the daemon.
struct ClientLimits {
    size_t max_fds = Session::kMaxFds;       // open fds per connection: EMFILE
    uint32_t max_frame = wire::kMaxPayload;  // request payload bytes: E2BIG, then closed
    uint32_t max_log_size = 16u << 20;       // PROG_LOAD/BTF_LOAD log_size: E2BIG
};

struct SyscallOptions {
    std::string mountpoint;      // canonical
    unsigned ncpus = 1;          // possible CPUs, sizes per-CPU values
    std::string server_version;  // reported by HELLO
};

// The outcome of one command, with what the log line shows.
struct CommandOutcome {
    wire::Reply reply;
    int64_t fd = -1;  // the fd the command used or created, -1 if none
};

class Syscall {
  public:
    Syscall(PinTree &tree, SyscallOptions opts) : tree_(tree), opts_(std::move(opts)) {}

    // Runs command on behalf of session. Never throws; every failure is an
    // errno plus a sentence in the reply (unknown command: EINVAL).
    CommandOutcome handle(Session &session, uint32_t command, std::span<const uint8_t> payload);

    const SyscallOptions &options() const { return opts_; }
    // Set before serving; the defaults until then.
    void set_limits(const ClientLimits &limits) { limits_ = limits; }
    const ClientLimits &limits() const { return limits_; }
    PinTree &tree() { return tree_; }

  private:
    PinTree &tree_;
    SyscallOptions opts_;
    ClientLimits limits_;
};

}  // namespace bpffs
