// Codec round trips of the program and BTF messages, and strict decoding.
#include <catch2/catch.hpp>

#include "core/wire/frame.h"
#include "core/wire/prog_messages.h"

using namespace bpffs;
using namespace bpffs::wire;

TEST_CASE("PROG_LOAD request round-trips") {
    ProgLoadRequest req;
    req.prog_type = 26;
    req.expected_attach_type = 28;
    req.name = "dump_maps";
    req.license = "GPL";
    req.insns = Bytes(16, 0xab);
    req.attach_target = "bpf_map";
    req.prog_btf_fd = 4;
    req.func_info_rec_size = 8;
    req.func_info = Bytes{1, 2, 3, 4, 5, 6, 7, 8};
    req.log_level = 1;
    req.log_size = 4096;
    auto bytes = encode(req);
    auto back = decode<ProgLoadRequest>(bytes, "PROG_LOAD");
    REQUIRE(back);
    CHECK(back->name == req.name);
    CHECK(back->insns == req.insns);
    CHECK(back->attach_target == req.attach_target);
    CHECK(back->func_info == req.func_info);
    CHECK(back->log_size == 4096);
    CHECK(encode(*back) == bytes);
}

TEST_CASE("program and BTF info bodies round-trip") {
    ProgInfo info;
    info.id = 7;
    info.tag = Bytes(8, 0x11);
    info.map_ids = Bytes{3, 0, 0, 0};
    info.name = "p";
    info.load_time = 123456789;
    auto back = decode<ProgInfo>(encode(info), "info");
    REQUIRE(back);
    CHECK(back->tag == info.tag);
    CHECK(back->load_time == info.load_time);
    BtfInfo btf{9, Bytes{1, 2, 3}, "", 0};
    auto b2 = decode<BtfInfo>(encode(btf), "info");
    REQUIRE(b2);
    CHECK(b2->btf == btf.btf);
    LoadReply reply{5, "processed 2 insns"};
    auto r2 = decode<LoadReply>(encode(reply), "reply");
    REQUIRE(r2);
    CHECK(r2->log == reply.log);
}

TEST_CASE("truncated or padded program messages are malformed") {
    ProgLoadRequest req;
    req.insns = Bytes(8, 0);
    auto bytes = encode(req);
    for (size_t cut = 0; cut < bytes.size(); ++cut)
        CHECK_FALSE(decode<ProgLoadRequest>({bytes.data(), cut}, "PROG_LOAD"));
    bytes.push_back(0);
    auto padded = decode<ProgLoadRequest>(bytes, "PROG_LOAD");
    REQUIRE_FALSE(padded);
    CHECK(padded.error().code == EINVAL);
}

TEST_CASE("the new commands have the kernel's numbers and names") {
    CHECK(std::string(command_name(Command::prog_load)) == "PROG_LOAD");
    CHECK(std::string(command_name(Command::btf_get_next_id)) == "BTF_GET_NEXT_ID");
    CHECK(std::string(command_name(Command::daemon_btf)) == "DAEMON_BTF");
}
