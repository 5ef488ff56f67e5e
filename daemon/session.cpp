#include "daemon/session.h"

#include <cerrno>
#include <string>

namespace bpffs {

Result<int> Session::install(std::shared_ptr<Object> obj, uint32_t flags) {
    if (table_.size() >= kMaxFds)
        return fail(EMFILE, "this connection already has " + std::to_string(kMaxFds) +
                                " open fds; close some first");
    int fd;
    if (!free_.empty()) {
        fd = *free_.begin();
        free_.erase(free_.begin());
    } else {
        fd = next_++;
    }
    table_[fd] = FdEntry{std::move(obj), flags};
    return fd;
}

Result<FdEntry> Session::get(int64_t fd) const {
    auto it = fd < 0 || fd > INT32_MAX ? table_.end() : table_.find(static_cast<int>(fd));
    if (it == table_.end()) return fail(EBADF, "fd " + std::to_string(fd) + " is not open");
    return it->second;
}

Status Session::close(int64_t fd) {
    auto it = fd < 0 || fd > INT32_MAX ? table_.end() : table_.find(static_cast<int>(fd));
    if (it == table_.end()) return fail(EBADF, "fd " + std::to_string(fd) + " is not open");
    int n = it->first;
    table_.erase(it);
    // Keep free_ below next_ only, so the high-water mark can shrink back.
    if (n == next_ - 1) {
        --next_;
        while (!free_.empty() && *free_.rbegin() == next_ - 1) {
            free_.erase(std::prev(free_.end()));
            --next_;
        }
    } else {
        free_.insert(n);
    }
    return ok();
}

}  // namespace bpffs
