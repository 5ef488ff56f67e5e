// Framing of the control protocol between libbpffs and bpffsd.
//
// A Unix stream socket carries requests and replies, one reply per request,
// in order. Every frame is a fixed little-endian header then a payload:
//
//   request: magic u32 | version u16 | reserved u16 (0) | command u32 |
//            sequence u32 | payload length u32                (20 bytes)
//   reply:   magic u32 | version u16 | reserved u16 (0) | sequence u32 |
//            errno i32 (0 = ok) | payload length u32          (20 bytes)
//
// A reply payload is always: message (u32 length + text; empty on success,
// the sentence explaining an error otherwise) then the command's reply body.
// Most failed replies have an empty body; batch commands send their partial
// result along with the error, as bpf(2) updates count on failure.
//
// Payloads larger than kMaxPayload are refused: the receiver answers E2BIG
// and closes the connection (it cannot resynchronise without reading the
// payload). A bad magic closes the connection; a version other than
// kProtocolVersion gets an EPROTONOSUPPORT reply, then the connection closes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/result.h"
#include "core/wire/codec.h"

namespace bpffs::wire {

inline constexpr uint32_t kMagic = 0x53465042;  // "BPFS" in little-endian order
inline constexpr uint16_t kProtocolVersion = 1;
inline constexpr uint32_t kMaxPayload = 64u << 20;  // 64 MiB
inline constexpr size_t kHeaderSize = 20;

// Command numbers: the kernel's enum bpf_cmd where the command exists there,
// bpffsd's own commands from 0x10000 up.
enum class Command : uint32_t {
    map_create = 0,
    map_lookup_elem = 1,
    map_update_elem = 2,
    map_delete_elem = 3,
    map_get_next_key = 4,
    prog_load = 5,  // prog
    obj_pin = 6,
    obj_get = 7,
    prog_get_next_id = 11,  // prog
    map_get_next_id = 12,
    prog_get_fd_by_id = 13,  // prog
    map_get_fd_by_id = 14,
    obj_get_info_by_fd = 15,
    btf_load = 18,          // prog
    btf_get_fd_by_id = 19,  // prog
    map_lookup_and_delete_elem = 21,
    map_freeze = 22,
    btf_get_next_id = 23,  // prog
    map_lookup_batch = 24,
    map_lookup_and_delete_batch = 25,
    map_update_batch = 26,
    map_delete_batch = 27,
    link_create = 28,        // link
    link_update = 29,        // link
    link_get_fd_by_id = 30,  // link
    link_get_next_id = 31,   // link
    iter_create = 33,        // link
    link_detach = 34,        // link
    hello = 0x10000,
    close = 0x10001,
    fdinfo = 0x10002,
    daemon_btf = 0x10003,  // prog: the daemon's own BTF
    iter_read = 0x10004,   // link: one read(2) of an iterator fd
};

// "MAP_CREATE", ..., or nullptr for a number no command has.
const char *command_name(uint32_t command);
inline const char *command_name(Command c) {
    return command_name(static_cast<uint32_t>(c));
}

struct RequestHeader {
    uint32_t magic = kMagic;
    uint16_t version = kProtocolVersion;
    uint32_t command = 0;
    uint32_t sequence = 0;
    uint32_t payload_len = 0;
};

struct ReplyHeader {
    uint32_t magic = kMagic;
    uint16_t version = kProtocolVersion;
    uint32_t sequence = 0;
    int32_t error = 0;
    uint32_t payload_len = 0;
};

// Header decoding only splits the 20 bytes into fields; check_request_header
// and check_reply_header judge them.
void encode_header(Writer &w, const RequestHeader &h);
void encode_header(Writer &w, const ReplyHeader &h);
bool decode_header(std::span<const uint8_t> in, RequestHeader &h);
bool decode_header(std::span<const uint8_t> in, ReplyHeader &h);

// What a receiver must do with a header that is not acceptable.
enum class HeaderVerdict {
    ok,
    bad_magic,    // garbage: close without replying
    bad_version,  // reply EPROTONOSUPPORT, then close
    too_large,    // reply E2BIG, then close
};
HeaderVerdict check_header(uint32_t magic, uint16_t version, uint32_t payload_len);
Error header_error(HeaderVerdict verdict, uint32_t payload_len, uint16_t version);

// A whole request frame: header plus payload.
Bytes encode_request(uint32_t command, uint32_t sequence, std::span<const uint8_t> payload);

// A decoded reply: errno, message, and the command's body.
struct Reply {
    int error = 0;
    std::string message;
    Bytes body;
};

// A whole reply frame. body may be non-empty alongside an error (batches).
Bytes encode_reply(uint32_t sequence, int error, std::string_view message,
                   std::span<const uint8_t> body);
// Splits a reply payload into message and body.
Result<Reply> decode_reply_payload(int error, std::span<const uint8_t> payload);

}  // namespace bpffs::wire
