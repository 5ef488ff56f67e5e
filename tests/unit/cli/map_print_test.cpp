#include <catch2/catch.hpp>

#include <cstring>
#include <numeric>
#include <vector>

#include "tests/unit/cli/capture.h"
#include "tools/bpffsctl/map_print.h"
#include "tools/bpffsctl/map_types.h"

using namespace bpffsctl;

namespace {
bpf_map_info info_of(uint32_t type, uint32_t key_size, uint32_t value_size) {
    bpf_map_info info{};
    info.type = type;
    info.key_size = key_size;
    info.value_size = value_size;
    return info;
}

std::vector<uint8_t> counting(size_t n, uint8_t first) {
    std::vector<uint8_t> v(n);
    std::iota(v.begin(), v.end(), first);
    return v;
}
}  // namespace

TEST_CASE("hex bytes group by 8 and wrap at 16") {
    auto b = counting(20, 1);
    CHECK(hex_bytes(b.data(), 20) ==
          "01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10\n11 12 13 14");
}

// Expected strings below were captured from bpftool 7.1 against the kernel.
TEST_CASE("short pairs share a line") {
    auto k = counting(4, 1);
    uint8_t v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    k = {1, 0, 0, 0};
    CHECK(entry_plain(info_of(BPF_MAP_TYPE_HASH, 4, 8), k.data(), v, 2) ==
          "key: 01 00 00 00  value: 01 02 03 04 05 06 07 08\n");
}

TEST_CASE("medium pairs use two lines, long ones break after the names") {
    auto k12 = counting(12, 1);
    auto v16 = counting(16, 0x65);
    CHECK(entry_plain(info_of(BPF_MAP_TYPE_HASH, 12, 16), k12.data(), v16.data(), 2) ==
          "key: 01 02 03 04 05 06 07 08  09 0a 0b 0c\n"
          "value: 65 66 67 68 69 6a 6b 6c  6d 6e 6f 70 71 72 73 74\n");

    auto k4 = counting(4, 1);
    auto v20 = counting(20, 0x65);
    CHECK(entry_plain(info_of(BPF_MAP_TYPE_HASH, 4, 20), k4.data(), v20.data(), 2) ==
          "key:\n01 02 03 04\nvalue:\n"
          "65 66 67 68 69 6a 6b 6c  6d 6e 6f 70 71 72 73 74\n75 76 77 78\n");
}

TEST_CASE("per-CPU entries list one value line per CPU") {
    uint8_t k[4] = {1, 0, 0, 0};
    uint8_t v[16] = {5, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0};
    CHECK(entry_plain(info_of(BPF_MAP_TYPE_PERCPU_HASH, 4, 4), k, v, 2) ==
          "key:\n01 00 00 00\nvalue (CPU 00): 05 00 00 00\nvalue (CPU 01): 05 00 00 00\n");

    Capture out;
    JsonWriter jw(out.f);
    entry_json(jw, info_of(BPF_MAP_TYPE_PERCPU_HASH, 4, 4), k, v, 2);
    CHECK(out.text() ==
          "{\"key\":[\"0x01\",\"0x00\",\"0x00\",\"0x00\"],\"values\":[{\"cpu\":0,\"value\":"
          "[\"0x05\",\"0x00\",\"0x00\",\"0x00\"]},{\"cpu\":1,\"value\":[\"0x05\",\"0x00\","
          "\"0x00\",\"0x00\"]}]}");
}

TEST_CASE("unreadable elements show the error in place of the value") {
    uint8_t k[4] = {1, 0, 0, 0};
    CHECK(entry_error_plain(info_of(BPF_MAP_TYPE_HASH, 4, 8), k, ENOENT) ==
          "key: 01 00 00 00  value: <no entry>\n");
    Capture out;
    JsonWriter jw(out.f);
    entry_error_json(jw, info_of(BPF_MAP_TYPE_HASH, 4, 8), k, EPERM);
    CHECK(out.text() ==
          "{\"key\":[\"0x01\",\"0x00\",\"0x00\",\"0x00\"],\"value\":{\"error\":\"Operation not "
          "permitted\"}}");
}

namespace {
MapRecord sample_record(int frozen) {
    MapRecord rec;
    rec.info = info_of(BPF_MAP_TYPE_HASH, 4, 8);
    rec.info.id = 29;
    rec.info.max_entries = 1024;
    std::strcpy(rec.info.name, "m");
    rec.memlock = 82960;
    rec.frozen = frozen;
    return rec;
}
}  // namespace

TEST_CASE("map show, plain: two lines, a third when frozen") {
    CHECK(map_record_plain(sample_record(0)) ==
          "29: hash  name m  flags 0x0\n\tkey 4B  value 8B  max_entries 1024  memlock 82960B\n");
    CHECK(map_record_plain(sample_record(1)) ==
          "29: hash  name m  flags 0x0\n\tkey 4B  value 8B  max_entries 1024  memlock "
          "82960B\n\tfrozen\n");
    MapRecord unnamed = sample_record(0);
    unnamed.info.name[0] = '\0';
    unnamed.info.type = 200;
    unnamed.info.map_flags = 0x401;
    CHECK(map_record_plain(unnamed).rfind("29: type 200  flags 0x401\n", 0) == 0);
}

TEST_CASE("map show, JSON: bpftool's member order, flags in decimal") {
    Capture out;
    JsonWriter jw(out.f);
    MapRecord rec = sample_record(1);
    rec.info.map_flags = 16;
    map_record_json(jw, rec);
    CHECK(out.text() ==
          "{\"id\":29,\"type\":\"hash\",\"name\":\"m\",\"flags\":16,\"bytes_key\":4,"
          "\"bytes_value\":8,\"max_entries\":1024,\"bytes_memlock\":82960,\"frozen\":1}");
}

TEST_CASE("map type names are libbpf 1.1's") {
    CHECK(std::string(map_type_name(BPF_MAP_TYPE_LRU_PERCPU_HASH)) == "lru_percpu_hash");
    CHECK(std::string(map_type_name(31)) == "user_ringbuf");
    CHECK(map_type_name(32) == nullptr);
    CHECK(map_type_from_name("percpu_array") == BPF_MAP_TYPE_PERCPU_ARRAY);
    CHECK(map_type_from_name("has") == -1);  // no prefixes for types
    CHECK(map_value_buffer_size(BPF_MAP_TYPE_PERCPU_ARRAY, 12, 4) == 64);
    CHECK(map_value_buffer_size(BPF_MAP_TYPE_HASH, 12, 4) == 12);
}
