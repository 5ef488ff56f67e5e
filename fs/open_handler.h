// What open(2) of a pinned file does, by object kind: the extension point
// through which later layers give pinned objects file contents (iterator
// links: a bpf_seq_read session per open; maps with BTF: a text dump).
//
// Without a handler for its kind, or when the handler declines, open()
// fails with EIO, as the kernel answers for programs, non-iterator links
// and maps without a pretty-printer (spec 4.8).
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>

#include "core/cred.h"
#include "core/object.h"
#include "core/result.h"

namespace bpffs {

// One open file description of a pinned object.
class OpenFile {
  public:
    virtual ~OpenFile() = default;
    // One read(2): at most size bytes into buf, at file offset off (the
    // kernel's position; iterator files ignore it and read on). Returns the
    // number of bytes, 0 at the end.
    virtual Result<size_t> read(char *buf, size_t size, off_t off) = 0;
    // Whether lseek works on this file (iterator files: no, ESPIPE).
    virtual bool seekable() const { return false; }
};

class OpenHandler {
  public:
    virtual ~OpenHandler() = default;
    // Opens obj for cred with open(2) flags; the file permission was
    // checked already. Errors go back to open(2) as they are.
    virtual Result<std::unique_ptr<OpenFile>> open(const std::shared_ptr<Object> &obj,
                                                   const Cred &cred, int flags) = 0;
};

// The handlers by object kind; thread-safe, may change while mounted.
class OpenHandlers {
  public:
    void set(ObjectKind kind, std::shared_ptr<OpenHandler> handler);
    // Opens obj with the handler of its kind, or fails with EIO.
    Result<std::unique_ptr<OpenFile>> open(const std::shared_ptr<Object> &obj, const Cred &cred,
                                           int flags) const;

  private:
    mutable std::mutex mutex_;
    std::map<ObjectKind, std::shared_ptr<OpenHandler>> handlers_;
};

}  // namespace bpffs
