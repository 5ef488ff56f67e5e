#include <catch2/catch.hpp>

#include <linux/bpf.h>

#include <cstring>

#include "tests/unit/cli/capture.h"
#include "tools/bpffsctl/args.h"
#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/map_elem.h"

using namespace bpffsctl;

namespace {
struct Fixture {
    Capture out, err;
    Cli cli{out.f, err.f};
    std::vector<std::string> words;
    Args args(std::vector<std::string> w) {
        words = std::move(w);
        return Args{&words, 0};
    }
};

bpf_map_info hash_info(uint32_t key_size, uint32_t value_size, uint32_t type = BPF_MAP_TYPE_HASH) {
    bpf_map_info info{};
    info.type = type;
    info.key_size = key_size;
    info.value_size = value_size;
    return info;
}
}  // namespace

TEST_CASE("keywords match by prefix, the empty word matches anything") {
    std::string up = "up", empty, updatex = "updatex";
    CHECK(is_prefix(up, "update"));
    CHECK(is_prefix(empty, "show"));
    CHECK_FALSE(is_prefix(updatex, "update"));
    CHECK_FALSE(is_prefix(nullptr, "update"));
}

TEST_CASE("byte lists read decimal, hex and octal like strtoul base 0") {
    Fixture fx;
    Args a = fx.args({"0x01", "1", "01", "255"});
    uint8_t bytes[4] = {};
    REQUIRE(parse_bytes(fx.cli, a, "key", bytes, 4));
    CHECK(bytes[0] == 1);
    CHECK(bytes[1] == 1);
    CHECK(bytes[2] == 1);
    CHECK(bytes[3] == 255);
    CHECK(a.empty());
}

TEST_CASE("the hex keyword reads every byte in base 16") {
    Fixture fx;
    Args a = fx.args({"hex", "1", "2", "3", "ff", "rest"});
    uint8_t bytes[4] = {};
    REQUIRE(parse_bytes(fx.cli, a, "key", bytes, 4));
    CHECK(bytes[3] == 0xff);
    CHECK(a.cur() == "rest");
}

TEST_CASE("bad bytes and short lists are reported with bpftool's sentences") {
    Fixture fx;
    uint8_t bytes[4] = {};
    Args octal = fx.args({"1", "08", "0", "0"});
    CHECK_FALSE(parse_bytes(fx.cli, octal, "key", bytes, 4));
    CHECK(fx.err.text() == "Error: error parsing byte: 08\n");

    Fixture fy;
    Args shorter = fy.args({"1", "2"});
    CHECK_FALSE(parse_bytes(fy.cli, shorter, "key", bytes, 4));
    CHECK(fy.err.text() == "Error: key expected 4 bytes got 2\n");
}

TEST_CASE("create sizes refuse junk and repeats") {
    Fixture fx;
    Args a = fx.args({"key", "4z"});
    uint32_t size = 0;
    CHECK_FALSE(parse_u32_arg(fx.cli, a, size, "key size"));
    CHECK(fx.err.text() == "Error: can't parse 4z as key size\n");

    Fixture fy;
    Args b = fy.args({"key", "4"});
    uint32_t set = 8;
    CHECK_FALSE(parse_u32_arg(fy.cli, b, set, "key size"));
    CHECK(fy.err.text() == "Error: key size already specified\n");

    Fixture fz;
    Args c = fz.args({"entries", "0x10", "name"});
    uint32_t entries = 0;
    CHECK(parse_u32_arg(fz.cli, c, entries, "max entries"));
    CHECK(entries == 16);
    CHECK(c.cur() == "name");
}

TEST_CASE("update elements: key, value and flags in any order") {
    Fixture fx;
    Args a = fx.args(
        {"noexist", "value", "1", "2", "3", "4", "5", "6", "7", "8", "key", "9", "0", "0", "0"});
    bpf_map_info info = hash_info(4, 8);
    uint8_t key[4] = {}, value[8] = {};
    uint64_t flags = BPF_ANY;
    ElemRequest req;
    req.key = key;
    req.value = value;
    req.key_size = 4;
    req.value_size = 8;
    req.flags = &flags;
    REQUIRE(parse_elem(fx.cli, a, info, req) == 0);
    CHECK(flags == BPF_NOEXIST);
    CHECK(key[0] == 9);
    CHECK(value[7] == 8);
}

TEST_CASE("element errors name what is missing or repeated") {
    bpf_map_info info = hash_info(4, 8);
    uint8_t key[4], value[8];
    uint64_t flags = 0;
    auto run = [&](std::vector<std::string> words, bool with_value) {
        Fixture fx;
        Args a = fx.args(std::move(words));
        ElemRequest req;
        req.key = key;
        req.value = with_value ? value : nullptr;
        req.key_size = 4;
        req.value_size = with_value ? 8 : 0;
        req.flags = with_value ? &flags : nullptr;
        CHECK(parse_elem(fx.cli, a, info, req) == -1);
        return fx.err.text();
    };
    CHECK(run({"key", "1", "0", "0", "0"}, true) == "Error: did not find value\n");
    CHECK(run({}, false) == "Error: did not find key\n");
    CHECK(run({"key", "1", "0", "0", "0", "key"}, false) == "Error: duplicate key\n");
    CHECK(run({"key", "1", "0", "0", "0", "value", "1"}, false) == "Error: unnecessary value\n");
    CHECK(run({"any", "exist"}, true) == "Error: flags specified multiple times: exist\n");
    CHECK(run({"key", "1", "2", "3", "4", "5"}, false) == "Error: expected key or value, got: 5\n");
}

TEST_CASE("a per-CPU value is copied into every CPU's 8-byte slot") {
    Fixture fx;
    Args a = fx.args({"key", "1", "0", "0", "0", "value", "5", "6", "7", "8"});
    bpf_map_info info = hash_info(4, 4, BPF_MAP_TYPE_PERCPU_HASH);
    uint8_t key[4] = {}, value[24] = {};
    uint64_t flags = 0;
    ElemRequest req;
    req.key = key;
    req.value = value;
    req.key_size = 4;
    req.value_size = 4;
    req.flags = &flags;
    req.ncpus = 3;
    REQUIRE(parse_elem(fx.cli, a, info, req) == 0);
    for (int cpu = 0; cpu < 3; ++cpu) {
        CHECK(value[cpu * 8] == 5);
        CHECK(value[cpu * 8 + 3] == 8);
        CHECK(value[cpu * 8 + 4] == 0);
    }
}
