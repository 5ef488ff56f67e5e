#include "core/wire/codec.h"

#include <cerrno>
#include <cstring>

namespace bpffs::wire {

void Writer::put_le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
        out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void Writer::bytes(std::span<const uint8_t> data) {
    bytes(data.data(), data.size());
}

void Writer::bytes(const void *data, size_t len) {
    u32(static_cast<uint32_t>(len));
    auto p = static_cast<const uint8_t *>(data);
    if (len != 0) out_.insert(out_.end(), p, p + len);
}

void Writer::optional_bytes(const std::optional<Bytes> &data) {
    u8(data.has_value() ? 1 : 0);
    if (data) bytes(*data);
}

bool Reader::get_le(uint64_t &v, int n) {
    if (remaining() < static_cast<size_t>(n)) return false;
    v = 0;
    for (int i = 0; i < n; ++i)
        v |= static_cast<uint64_t>(in_[pos_ + i]) << (8 * i);
    pos_ += n;
    return true;
}

bool Reader::u8(uint8_t &v) {
    uint64_t x;
    if (!get_le(x, 1)) return false;
    v = static_cast<uint8_t>(x);
    return true;
}

bool Reader::u16(uint16_t &v) {
    uint64_t x;
    if (!get_le(x, 2)) return false;
    v = static_cast<uint16_t>(x);
    return true;
}

bool Reader::u32(uint32_t &v) {
    uint64_t x;
    if (!get_le(x, 4)) return false;
    v = static_cast<uint32_t>(x);
    return true;
}

bool Reader::u64(uint64_t &v) {
    return get_le(v, 8);
}

bool Reader::i32(int32_t &v) {
    uint32_t x;
    if (!u32(x)) return false;
    v = static_cast<int32_t>(x);
    return true;
}

bool Reader::bytes(Bytes &v) {
    uint32_t len;
    if (!u32(len)) return false;
    // The length is checked against what is really there before allocating.
    if (len > remaining()) return false;
    v.assign(in_.begin() + pos_, in_.begin() + pos_ + len);
    pos_ += len;
    return true;
}

bool Reader::string(std::string &v) {
    uint32_t len;
    if (!u32(len)) return false;
    if (len > remaining()) return false;
    v.assign(reinterpret_cast<const char *>(in_.data() + pos_), len);
    pos_ += len;
    return true;
}

bool Reader::optional_bytes(std::optional<Bytes> &v) {
    uint8_t present;
    if (!u8(present) || present > 1) return false;
    if (present == 0) {
        v.reset();
        return true;
    }
    Bytes b;
    if (!bytes(b)) return false;
    v = std::move(b);
    return true;
}

tl::unexpected<Error> malformed(std::string_view what) {
    return fail(EINVAL, "malformed " + std::string(what) +
                            ": the payload is truncated or has trailing bytes");
}

}  // namespace bpffs::wire
