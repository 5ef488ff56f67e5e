#include "iter/iter_open_handler.h"

#include <cerrno>

#include "iter/link.h"
#include "iter/session.h"

namespace bpffs {
namespace {

// One open file of an iterator link: its own session, holding the link's
// target, parameters and program alive after an unlink of the pin.
class IterFile final : public OpenFile {
  public:
    explicit IterFile(std::unique_ptr<IterSession> session) : session_(std::move(session)) {}

    Result<size_t> read(char *buf, size_t size, off_t) override {
        return session_->read(buf, size);
    }

  private:
    std::unique_ptr<IterSession> session_;
};

}  // namespace

Result<std::unique_ptr<OpenFile>> IterOpenHandler::open(const std::shared_ptr<Object> &obj,
                                                        const Cred &, int) {
    auto *link = dynamic_cast<IterLink *>(obj.get());
    if (link == nullptr) return fail(EIO, "only iterator links can be read");
    auto session = link->open_session();
    if (!session) return tl::unexpected(session.error());
    return std::unique_ptr<OpenFile>(new IterFile(std::move(*session)));
}

}  // namespace bpffs
