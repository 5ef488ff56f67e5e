// Fuzz target: the control protocol's decoders (core/wire). The first byte
// picks what the rest is decoded as: a request or reply header, one of the
// request messages, or a reply payload. Decoding is strict, so whatever
// decodes must encode back to exactly the bytes it came from; anything else
// is a decoder that accepted bytes it should have refused (or lost some).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/wire/frame.h"
#include "core/wire/messages.h"
#include "tests/fuzz/fuzz_target.h"

using namespace bpffs;
using namespace bpffs::wire;

namespace {

template <class T>
void check_round_trip(std::span<const uint8_t> payload, const char *what) {
    auto msg = decode<T>(payload, what);
    if (!msg) return;
    Bytes again = encode(*msg);
    if (again.size() != payload.size() ||
        !std::equal(again.begin(), again.end(), payload.begin())) {
        fprintf(stderr, "%s: decoded %zu bytes re-encode to %zu different bytes\n", what,
                payload.size(), again.size());
        abort();
    }
}

void check_headers(std::span<const uint8_t> in) {
    RequestHeader rq;
    if (decode_header(in, rq)) {
        (void)check_header(rq.magic, rq.version, rq.payload_len);
        (void)command_name(rq.command);
    }
    ReplyHeader rp;
    if (decode_header(in, rp)) {
        auto verdict = check_header(rp.magic, rp.version, rp.payload_len);
        (void)header_error(verdict, rp.payload_len, rp.version);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    std::span<const uint8_t> in(data + 1, size - 1);
    switch (data[0] % 18) {
        case 0:
            check_headers(in);
            break;
        case 1:
            check_round_trip<HelloRequest>(in, "hello");
            break;
        case 2:
            check_round_trip<CloseRequest>(in, "close");
            break;
        case 3:
            check_round_trip<FdinfoRequest>(in, "fdinfo");
            break;
        case 4:
            check_round_trip<MapCreateRequest>(in, "map_create");
            break;
        case 5:
            check_round_trip<MapLookupRequest>(in, "map_lookup");
            break;
        case 6:
            check_round_trip<MapUpdateRequest>(in, "map_update");
            break;
        case 7:
            check_round_trip<MapDeleteRequest>(in, "map_delete");
            break;
        case 8:
            check_round_trip<MapGetNextKeyRequest>(in, "map_get_next_key");
            break;
        case 9:
            check_round_trip<MapFdRequest>(in, "map_freeze");
            break;
        case 10:
            check_round_trip<MapBatchRequest>(in, "map_batch");
            break;
        case 11:
            check_round_trip<ObjPinRequest>(in, "obj_pin");
            break;
        case 12:
            check_round_trip<ObjGetRequest>(in, "obj_get");
            break;
        case 13:
            check_round_trip<GetNextIdRequest>(in, "get_next_id");
            break;
        case 14:
            check_round_trip<GetFdByIdRequest>(in, "get_fd_by_id");
            break;
        case 15:
            check_round_trip<InfoRequest>(in, "info");
            break;
        case 16:
            check_round_trip<MapBatchReply>(in, "map_batch_reply");
            break;
        default: {
            // A whole reply: errno from the first 4 bytes, then the payload.
            if (in.size() < 4) return 0;
            int32_t error;
            memcpy(&error, in.data(), 4);
            (void)decode_reply_payload(error, in.subspan(4));
        }
    }
    return 0;
}
