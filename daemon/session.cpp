#include "daemon/session.h"

#include <cerrno>
#include <string>

namespace bpffs {

Result<int> Session::install(std::shared_ptr<Object> obj, uint32_t flags) {
    return install_entry(FdEntry{std::move(obj), flags, nullptr});
}

Result<int> Session::install_iter(std::shared_ptr<IterSession> iter) {
    return install_entry(FdEntry{nullptr, 0, std::move(iter)});
}

Result<int> Session::install_entry(FdEntry entry) {
    if (table_.size() >= max_fds_)
        return fail(EMFILE, "this connection already has " + std::to_string(max_fds_) +
                                " open fds, the most bpffsd allows one client "
                                "(--max-client-fds); close some first");
    int fd;
    if (!free_.empty()) {
        fd = *free_.begin();
        free_.erase(free_.begin());
    } else {
        fd = next_++;
    }
    table_[fd] = std::move(entry);
    return fd;
}

Result<FdEntry> Session::get(int64_t fd) const {
    auto it = fd < 0 || fd > INT32_MAX ? table_.end() : table_.find(static_cast<int>(fd));
    if (it == table_.end()) return fail(EBADF, "fd " + std::to_string(fd) + " is not open");
    if (!it->second.obj)
        return fail(EINVAL, "fd " + std::to_string(fd) + " is an open iterator, not a BPF object");
    return it->second;
}

Result<std::shared_ptr<IterSession>> Session::get_iter(int64_t fd) const {
    auto it = fd < 0 || fd > INT32_MAX ? table_.end() : table_.find(static_cast<int>(fd));
    if (it == table_.end()) return fail(EBADF, "fd " + std::to_string(fd) + " is not open");
    if (!it->second.iter)
        return fail(EINVAL, "fd " + std::to_string(fd) + " is a " +
                                kind_name(it->second.obj->kind()) +
                                ", not an iterator: only iterator fds can be read");
    return it->second.iter;
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
