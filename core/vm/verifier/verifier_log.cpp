#include "core/vm/verifier/verifier_log.h"

namespace bpffs::vm::verifier {

void VerifierLog::append(const std::string &text) {
    if (!enabled() || size_ == 0) return;
    total_ += text.size();
    text_ += text;
    // Keep memory bounded: a level-2 log of a large program is huge.
    const size_t keep = size_t(size_) * 2 + 4096;
    if (text_.size() > keep) {
        if (level_ & kLogFixed)
            text_.resize(size_);
        else
            text_.erase(0, text_.size() - size_);
    }
}

void VerifierLog::reset_to(uint64_t position) {
    if (position >= total_) return;
    uint64_t drop = total_ - position;
    if (drop <= text_.size() && (level_ & kLogFixed) == 0) {
        text_.resize(text_.size() - drop);
    } else if (level_ & kLogFixed) {
        if (position < text_.size()) text_.resize(position);
    } else {
        text_.clear();
    }
    total_ = position;
}

std::string VerifierLog::contents() const {
    if (size_ == 0) return {};
    size_t room = size_ - 1;
    if (text_.size() <= room) return text_;
    if (level_ & kLogFixed) return text_.substr(0, room);
    return text_.substr(text_.size() - room);
}

}  // namespace bpffs::vm::verifier
