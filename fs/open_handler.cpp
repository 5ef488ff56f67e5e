#include "fs/open_handler.h"

#include <cerrno>
#include <string>

namespace bpffs {

void OpenHandlers::set(ObjectKind kind, std::shared_ptr<OpenHandler> handler) {
    std::lock_guard lock(mutex_);
    if (handler)
        handlers_[kind] = std::move(handler);
    else
        handlers_.erase(kind);
}

Result<std::unique_ptr<OpenFile>> OpenHandlers::open(const std::shared_ptr<Object> &obj,
                                                     const Cred &cred, int flags) const {
    std::shared_ptr<OpenHandler> handler;
    {
        std::lock_guard lock(mutex_);
        auto it = handlers_.find(obj->kind());
        if (it != handlers_.end()) handler = it->second;
    }
    if (!handler)
        return fail(EIO, std::string("a pinned ") + kind_name(obj->kind()) +
                             " has no file contents to open");
    return handler->open(obj, cred, flags);
}

}  // namespace bpffs
