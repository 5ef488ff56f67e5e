#include <catch2/catch.hpp>

#include <cerrno>
#include <random>

#include "core/wire/frame.h"
#include "core/wire/messages.h"

using namespace bpffs;
using namespace bpffs::wire;

TEST_CASE("request headers round-trip and are 20 bytes") {
    Bytes payload{1, 2, 3};
    Bytes frame = encode_request(static_cast<uint32_t>(Command::map_update_elem), 77, payload);
    REQUIRE(frame.size() == kHeaderSize + 3);
    RequestHeader h;
    REQUIRE(decode_header(frame, h));
    CHECK(h.magic == kMagic);
    CHECK(h.version == kProtocolVersion);
    CHECK(h.command == 2);
    CHECK(h.sequence == 77);
    CHECK(h.payload_len == 3);
    CHECK(check_header(h.magic, h.version, h.payload_len) == HeaderVerdict::ok);
    CHECK_FALSE(decode_header(std::span(frame).first(kHeaderSize - 1), h));
}

TEST_CASE("headers with a bad magic, version or size are judged") {
    CHECK(check_header(0xdeadbeef, kProtocolVersion, 0) == HeaderVerdict::bad_magic);
    CHECK(check_header(kMagic, kProtocolVersion + 1, 0) == HeaderVerdict::bad_version);
    CHECK(check_header(kMagic, kProtocolVersion, kMaxPayload + 1) == HeaderVerdict::too_large);
    CHECK(check_header(kMagic, kProtocolVersion, kMaxPayload) == HeaderVerdict::ok);
    CHECK(header_error(HeaderVerdict::too_large, kMaxPayload + 1, 1).code == E2BIG);
    CHECK(header_error(HeaderVerdict::bad_version, 0, 9).code == EPROTONOSUPPORT);
    CHECK(header_error(HeaderVerdict::bad_magic, 0, 1).code == EPROTO);
}

TEST_CASE("replies carry the errno, the sentence and a body") {
    Bytes body{9, 8};
    Bytes frame = encode_reply(5, ENOENT, "no such key", body);
    ReplyHeader h;
    REQUIRE(decode_header(frame, h));
    CHECK(h.sequence == 5);
    CHECK(h.error == ENOENT);
    REQUIRE(h.payload_len == frame.size() - kHeaderSize);
    auto reply = decode_reply_payload(h.error, std::span(frame).subspan(kHeaderSize));
    REQUIRE(reply);
    CHECK(reply->error == ENOENT);
    CHECK(reply->message == "no such key");
    CHECK(reply->body == body);
    CHECK_FALSE(decode_reply_payload(0, Bytes{1, 0, 0}));
}

TEST_CASE("command names follow the kernel's bpf_cmd numbers") {
    CHECK(std::string(command_name(Command::map_create)) == "MAP_CREATE");
    CHECK(std::string(command_name(22)) == "MAP_FREEZE");
    CHECK(std::string(command_name(Command::hello)) == "HELLO");
    CHECK(command_name(9) == nullptr);  // BPF_PROG_DETACH: not a bpffsd command
    CHECK(command_name(0xffffffff) == nullptr);
}

TEST_CASE("messages round-trip field by field") {
    MapCreateRequest create;
    create.map_type = 1;
    create.key_size = 4;
    create.value_size = 8;
    create.max_entries = 1024;
    create.map_flags = 0x10;
    create.name = "counts";
    create.map_extra = 0x1122334455667788ull;
    create.map_ifindex = 3;
    auto back = decode<MapCreateRequest>(encode(create), "MAP_CREATE");
    REQUIRE(back);
    CHECK(back->name == "counts");
    CHECK(back->max_entries == 1024);
    CHECK(back->map_extra == 0x1122334455667788ull);
    CHECK(back->map_ifindex == 3);

    MapGetNextKeyRequest first{7, std::nullopt};
    auto f = decode<MapGetNextKeyRequest>(encode(first), "x");
    REQUIRE(f);
    CHECK(f->fd == 7);
    CHECK_FALSE(f->key.has_value());
    MapGetNextKeyRequest next{7, Bytes{1, 2, 3, 4}};
    auto n = decode<MapGetNextKeyRequest>(encode(next), "x");
    REQUIRE(n);
    CHECK(n->key == Bytes{1, 2, 3, 4});

    MapBatchReply batch{Bytes{0, 0, 0, 1}, Bytes(8, 1), Bytes(16, 2), 2};
    auto b = decode<MapBatchReply>(encode(batch), "x");
    REQUIRE(b);
    CHECK(b->count == 2);
    CHECK(b->values.size() == 16);

    ObjGetRequest get{"/run/bpffs/dir/m", 0x8};
    auto g = decode<ObjGetRequest>(encode(get), "x");
    REQUIRE(g);
    CHECK(g->path == "/run/bpffs/dir/m");
    CHECK(g->file_flags == 0x8);
}

TEST_CASE("truncated, padded and lying payloads are malformed, not crashes") {
    MapUpdateRequest upd{3, Bytes(4, 1), Bytes(8, 2), 1};
    Bytes good = encode(upd);
    for (size_t len = 0; len < good.size(); ++len) {
        auto r = decode<MapUpdateRequest>(std::span(good).first(len), "MAP_UPDATE_ELEM");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == EINVAL);
    }
    Bytes padded = good;
    padded.push_back(0);
    CHECK_FALSE(decode<MapUpdateRequest>(padded, "x"));

    // A key length claiming 4 GiB.
    Bytes lying = good;
    lying[4] = lying[5] = lying[6] = lying[7] = 0xff;
    CHECK_FALSE(decode<MapUpdateRequest>(lying, "x"));

    // A presence byte that is neither 0 nor 1.
    Bytes bad_optional{7, 0, 0, 0, 2};
    CHECK_FALSE(decode<MapGetNextKeyRequest>(bad_optional, "x"));
}

TEST_CASE("random garbage never crashes any decoder") {
    std::mt19937 rng(1234);
    for (int i = 0; i < 2000; ++i) {
        Bytes junk(rng() % 64);
        for (auto &b : junk)
            b = static_cast<uint8_t>(rng());
        (void)decode<MapCreateRequest>(junk, "x");
        (void)decode<MapBatchRequest>(junk, "x");
        (void)decode<MapBatchReply>(junk, "x");
        (void)decode<ObjPinRequest>(junk, "x");
        (void)decode<MapInfo>(junk, "x");
        (void)decode<FdinfoReply>(junk, "x");
        (void)decode_reply_payload(0, junk);
        RequestHeader h;
        if (decode_header(junk, h)) (void)check_header(h.magic, h.version, h.payload_len);
    }
    SUCCEED("2000 random buffers decoded without a crash");
}
