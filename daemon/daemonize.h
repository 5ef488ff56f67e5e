// Going to the background the way a classic daemon does, with one twist: the
// parent process waits until the child says it is ready (mount and socket
// up) and exits 0 only then, or prints the child's error and exits 1. So
// `bpffsd /run/bpffs && bpffsctl ...` never races the daemon's startup.
#pragma once

#include <string>

namespace bpffs {

class Daemonizer {
  public:
    // Forks. Returns only in the child (a new session leader); the parent
    // waits for ready()/failed() and exits with the outcome. Call before any
    // thread is started.
    void detach();
    // In the child: startup finished; the parent exits 0. Stdio goes to
    // /dev/null. No-op when detach() was not called.
    void ready();
    // In the child: startup failed with message; the parent prints it and
    // exits 1.
    void failed(const std::string &message);
    bool detached() const { return pipe_fd_ >= 0; }

  private:
    int pipe_fd_ = -1;
};

}  // namespace bpffs
