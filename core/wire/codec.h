// Bounds-checked little-endian encoding of the control protocol's fields.
//
// Writer appends; Reader consumes and never reads past the end of what it
// was given: every read reports failure instead, and the caller turns that
// into an EINVAL reply. Lengths inside a payload are never trusted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace bpffs::wire {

using Bytes = std::vector<uint8_t>;

class Writer {
  public:
    void u8(uint8_t v) { out_.push_back(v); }
    void u16(uint16_t v) { put_le(v, 2); }
    void u32(uint32_t v) { put_le(v, 4); }
    void u64(uint64_t v) { put_le(v, 8); }
    void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
    // A u32 length followed by the bytes.
    void bytes(std::span<const uint8_t> data);
    void bytes(const void *data, size_t len);
    void string(std::string_view s) { bytes(s.data(), s.size()); }
    // A presence byte, then the bytes when present.
    void optional_bytes(const std::optional<Bytes> &data);
    // Raw bytes without a length (frame headers, already framed payloads).
    void raw(std::span<const uint8_t> data) { out_.insert(out_.end(), data.begin(), data.end()); }

    Bytes &buffer() { return out_; }
    Bytes take() { return std::move(out_); }

  private:
    void put_le(uint64_t v, int n);
    Bytes out_;
};

class Reader {
  public:
    explicit Reader(std::span<const uint8_t> in) : in_(in) {}

    bool u8(uint8_t &v);
    bool u16(uint16_t &v);
    bool u32(uint32_t &v);
    bool u64(uint64_t &v);
    bool i32(int32_t &v);
    bool bytes(Bytes &v);
    bool string(std::string &v);
    bool optional_bytes(std::optional<Bytes> &v);

    size_t remaining() const { return in_.size() - pos_; }
    bool at_end() const { return remaining() == 0; }
    std::span<const uint8_t> rest() const { return in_.subspan(pos_); }

  private:
    bool get_le(uint64_t &v, int n);
    std::span<const uint8_t> in_;
    size_t pos_ = 0;
};

// The error every decoder returns for a payload that does not parse.
tl::unexpected<Error> malformed(std::string_view what);

}  // namespace bpffs::wire
