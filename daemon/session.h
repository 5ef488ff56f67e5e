// One client connection's view of the daemon: its credentials and its fd
// table. Fds are numbered like the kernel's, lowest free first, starting at 3
// (0-2 are the client's stdio in the kernel's numbering, so tools that print
// fds look familiar). Each fd holds a reference to its object; closing the
// connection drops them all, so objects nothing else holds (pins, other
// fds) die with it.
//
// Besides BPF objects, an fd may be an open iterator (BPF_ITER_CREATE, the
// kernel's anon inode "bpf_iter"): it holds an iterator session, not an
// object, so commands that want an object get EINVAL for it, as bpf(2)
// answers for an fd of the wrong file type.
//
// A session is used by its connection's thread only; it needs no lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>

#include "core/cred.h"
#include "core/object.h"
#include "core/result.h"
#include "iter/session.h"

namespace bpffs {

struct FdEntry {
    std::shared_ptr<Object> obj;        // null for an iterator fd
    uint32_t flags = 0;                 // BPF_F_RDONLY / BPF_F_WRONLY for map fds
    std::shared_ptr<IterSession> iter;  // set for an iterator fd only
};

class Session {
  public:
    static constexpr int kFirstFd = 3;
    static constexpr size_t kMaxFds = 65536;  // like RLIMIT_NOFILE's usual hard limit

    // max_fds: open fds this connection may hold (bpffsd --max-client-fds).
    explicit Session(Cred cred, size_t max_fds = kMaxFds)
        : cred_(std::move(cred)), max_fds_(max_fds) {}

    const Cred &cred() const { return cred_; }
    void set_umask(mode_t umask) { cred_.umask = umask & 0777; }

    // Installs obj at the lowest free fd (EMFILE when the table is full).
    Result<int> install(std::shared_ptr<Object> obj, uint32_t flags);
    // Installs an open iterator at the lowest free fd.
    Result<int> install_iter(std::shared_ptr<IterSession> iter);
    // The object behind fd: EBADF when fd is not open, EINVAL when it is an
    // iterator fd (entry.obj is never null).
    Result<FdEntry> get(int64_t fd) const;
    // The iterator behind fd: EBADF when not open, EINVAL when fd holds an
    // object (read(2) of a map, program or link fd is EINVAL).
    Result<std::shared_ptr<IterSession>> get_iter(int64_t fd) const;
    Status close(int64_t fd);
    size_t open_fds() const { return table_.size(); }

  private:
    Result<int> install_entry(FdEntry entry);

    Cred cred_;
    size_t max_fds_;
    std::map<int, FdEntry> table_;
    std::set<int> free_;  // closed fds below next_
    int next_ = kFirstFd;
};

}  // namespace bpffs
