// The verifier log as the kernel keeps it: level 1 shows the path that
// failed (explored branches that ended well are rolled back), level 2 every
// instruction of every path with register states, and the user's buffer
// size decides what is kept: the end of the log (the kernel's rotating
// mode) or its start with BPF_LOG_FIXED. A log that did not fit fails the
// load with ENOSPC.
#pragma once

#include <cstdint>
#include <string>

namespace bpffs::vm::verifier {

inline constexpr uint32_t kLogLevel1 = 1, kLogLevel2 = 2, kLogStats = 4, kLogFixed = 8;
inline constexpr uint32_t kLogLevelMask = kLogLevel1 | kLogLevel2 | kLogStats | kLogFixed;

class VerifierLog {
  public:
    VerifierLog(uint32_t level, uint32_t size) : level_(level), size_(size) {}

    bool enabled() const { return (level_ & (kLogLevel1 | kLogLevel2 | kLogStats)) != 0; }
    bool level1() const { return (level_ & (kLogLevel1 | kLogLevel2)) != 0; }
    bool level2() const { return (level_ & kLogLevel2) != 0; }
    bool stats() const { return level_ != 0; }

    void append(const std::string &text);
    // Positions for rolling back a finished branch at level 1.
    uint64_t position() const { return total_; }
    void reset_to(uint64_t position);

    // What the user's buffer receives (without the NUL) and whether it was cut.
    std::string contents() const;
    bool truncated() const { return size_ != 0 && total_ + 1 > size_; }
    uint64_t true_size() const { return total_ + 1; }

  private:
    uint32_t level_;
    uint32_t size_;
    uint64_t total_ = 0;  // bytes logged so far
    // The text kept: all of it while it fits; in rotating mode the last
    // bytes (starting at total_ - text_.size()), in fixed mode the first.
    std::string text_;
};

}  // namespace bpffs::vm::verifier
