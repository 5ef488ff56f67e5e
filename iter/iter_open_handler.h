// open(2) of a pinned link in the FUSE mount: an iterator link starts a new
// session per open (spec 2.5) whose reads are bpf_seq_read calls (the file
// offset is ignored; the file is not seekable); other links answer EIO as
// the kernel does (spec 4.8). Registered for ObjectKind::link in the
// mount's OpenHandlers.
#pragma once

#include "fs/open_handler.h"

namespace bpffs {

class IterOpenHandler final : public OpenHandler {
  public:
    Result<std::unique_ptr<OpenFile>> open(const std::shared_ptr<Object> &obj, const Cred &cred,
                                           int flags) override;
};

}  // namespace bpffs
