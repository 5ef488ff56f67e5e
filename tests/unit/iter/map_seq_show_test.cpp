// iter/map_seq_show: `cat` of a pinned map with BTF, read through the
// OpenHandler as the FUSE mount does. The text itself is compared with the
// kernel by diff-map-cat; here: read sizes, element order, deletion during
// a read, maps without BTF.
#include <fcntl.h>
#include <linux/bpf.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>

#include "core/btf/daemon_btf.h"
#include "core/btf_object.h"
#include "core/map.h"
#include "core/map_check_btf.h"
#include "iter/map_seq_show.h"

using namespace bpffs;

namespace {

const char *const kHeader =
    "# WARNING!! The output is for debug purpose only\n"
    "# WARNING!! The output format will change\n";

// An array or hash map of __u32 -> __u64 described by the daemon's BTF.
std::shared_ptr<Map> btf_map(uint32_t type, uint32_t entries, bool with_btf = true) {
    auto btf = BtfObject::create(btf::daemon_btf_raw());
    REQUIRE(btf);
    MapSpec spec;
    spec.map_type = type;
    spec.key_size = 4;
    spec.value_size = 8;
    spec.max_entries = entries;
    spec.name = "m";
    if (with_btf) {
        spec.btf = *btf;
        spec.btf_key_type_id = (*btf)->btf().find("__u32", BTF_KIND_TYPEDEF).value();
        spec.btf_value_type_id = (*btf)->btf().find("__u64", BTF_KIND_TYPEDEF).value();
        REQUIRE(map_check_btf(spec, **btf));
    }
    auto map = Map::create(spec, possible_cpus());
    REQUIRE(map);
    return *map;
}

void put(Map &m, uint32_t k, uint64_t v) {
    REQUIRE(m.update(&k, &v, BPF_ANY));
}

std::string read_all(OpenFile &f, size_t chunk) {
    std::string out, buf(chunk, '\0');
    for (;;) {
        auto n = f.read(buf.data(), chunk, 0);
        REQUIRE(n);
        if (*n == 0) return out;
        out.append(buf.data(), *n);
    }
}

std::unique_ptr<OpenFile> open_map(const std::shared_ptr<Map> &m) {
    MapOpenHandler handler;
    auto f = handler.open(m, Cred{}, O_RDONLY);
    REQUIRE(f);
    return std::move(*f);
}

}  // namespace

TEST_CASE("an array map with BTF reads the same at every read size") {
    auto m = btf_map(BPF_MAP_TYPE_ARRAY, 3);
    put(*m, 1, 42);
    const std::string want = std::string(kHeader) + "0: 0\n1: 42\n2: 0\n";
    for (size_t chunk : {1, 7, 4096, 131072})
        CHECK(read_all(*open_map(m), chunk) == want);
}

TEST_CASE("per-CPU arrays show every possible CPU") {
    auto m = btf_map(BPF_MAP_TYPE_PERCPU_ARRAY, 1);
    std::string want = std::string(kHeader) + "0: {\n";
    for (unsigned cpu = 0; cpu < m->ncpus(); cpu++)
        want += "\tcpu" + std::to_string(cpu) + ": 0\n";
    want += "}\n";
    CHECK(read_all(*open_map(m), 4096) == want);
}

TEST_CASE("an element deleted during a read is not shown, the walk goes on from the first key") {
    auto m = btf_map(BPF_MAP_TYPE_HASH, 8);
    for (uint32_t k = 1; k <= 3; k++)
        put(*m, k, k * 10);
    auto f = open_map(m);
    // A 1-byte read buffers the header and moves the walk to the first key.
    char c;
    REQUIRE(f->read(&c, 1, 0).value() == 1);
    uint32_t first = 0;
    REQUIRE(m->get_next_key(nullptr, &first));
    REQUIRE(m->remove(&first));
    std::string rest = c + read_all(*f, 4096);
    // The deleted key shows nothing, and get_next_key from a missing key
    // starts over: the rest is exactly a fresh dump of what remains.
    CHECK(rest == read_all(*open_map(m), 4096));
    CHECK(rest.find(std::to_string(first) + ": ") == std::string::npos);
}

TEST_CASE("maps without value BTF are EIO") {
    MapOpenHandler handler;
    auto f = handler.open(btf_map(BPF_MAP_TYPE_HASH, 2, false), Cred{}, O_RDONLY);
    REQUIRE_FALSE(f);
    CHECK(f.error().code == EIO);
}

TEST_CASE("map_check_btf refuses what the kernel refuses") {
    auto btf = BtfObject::create(btf::daemon_btf_raw());
    REQUIRE(btf);
    const btf::Btf &b = (*btf)->btf();
    MapSpec spec;
    spec.map_type = BPF_MAP_TYPE_ARRAY;
    spec.key_size = 4;
    spec.value_size = 8;
    spec.max_entries = 1;
    uint32_t u32 = b.find("__u32", BTF_KIND_TYPEDEF).value();
    uint32_t u64 = b.find("__u64", BTF_KIND_TYPEDEF).value();
    uint32_t map_struct = b.find("bpf_map", BTF_KIND_STRUCT).value();
    auto refused = [&](uint32_t key, uint32_t value) {
        spec.btf_key_type_id = key;
        spec.btf_value_type_id = value;
        auto st = map_check_btf(spec, **btf);
        return !st && st.error().code == EINVAL;
    };
    CHECK_FALSE(refused(u32, u64));
    CHECK(refused(u32, 0));           // no value type
    CHECK(refused(u64, u64));         // key of 8 bytes for key_size 4
    CHECK(refused(u32, u32));         // value of 4 bytes for value_size 8
    CHECK(refused(0, u64));           // an array without key type needs a DATASEC
    CHECK(refused(u32, map_struct));  // size differs
    CHECK(refused(u32, 1u << 20));    // no such type
    spec.map_type = BPF_MAP_TYPE_HASH;
    CHECK(refused(0, u64));  // hash maps need a key type
}
