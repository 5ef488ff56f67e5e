// Batch commands (spec 5.7).
#include <cerrno>

#include "core/jhash.h"
#include "core/result.h"
#include "tests/unit/maps/map_test_util.h"

using namespace bpffs;
using namespace maptest;

namespace {

// A map (4-byte keys, 8-byte values) holding keys 1..n with value = key.
std::shared_ptr<Map> filled(uint32_t type, uint32_t max, uint32_t n, uint32_t flags = 0) {
    auto map = make(type, 4, 8, max, flags);
    std::vector<uint32_t> keys(n);
    std::vector<uint64_t> values(n);
    for (uint32_t i = 0; i < n; i++)
        keys[i] = i + 1, values[i] = i + 1;
    MapBatch b;
    b.keys = keys.data();
    b.values = values.data();
    b.count = n;
    REQUIRE(err(map->update_batch(b)) == 0);
    REQUIRE(b.count == n);
    return map;
}

struct Chunk {
    int err;
    std::vector<uint32_t> keys;
};

// Runs lookup batches of `count` until one fails.
std::vector<Chunk> walk_batches(Map &map, uint32_t count, bool and_delete = false) {
    std::vector<Chunk> chunks;
    uint8_t cursor[8] = {}, next[8] = {};
    bool first = true;
    for (int guard = 0; guard < 100; guard++) {
        std::vector<uint32_t> keys(count);
        std::vector<uint64_t> values(count);
        MapBatch b;
        b.in_batch = first ? nullptr : cursor;
        b.out_batch = next;
        b.keys = keys.data();
        b.values = values.data();
        b.count = count;
        int e = err(map.lookup_batch(b, and_delete));
        keys.resize(b.count);
        for (uint32_t i = 0; i < b.count; i++)
            CHECK(values[i] == keys[i]);
        chunks.push_back({e, keys});
        if (e != 0) break;
        std::memcpy(cursor, next, sizeof cursor);
        first = false;
    }
    return chunks;
}

}  // namespace

TEST_CASE("hash lookup batch returns whole buckets, ENOENT with the last ones") {
    // Observed on kernel 6.18 (zero seed, max_entries 16, keys 1..10, count 3).
    auto map = filled(BPF_MAP_TYPE_HASH, 16, 10, BPF_F_ZERO_SEED);
    auto chunks = walk_batches(*map, 3);
    REQUIRE(chunks.size() == 4);
    CHECK(chunks[0].err == 0);
    CHECK(chunks[0].keys == std::vector<uint32_t>{10, 4, 5});
    CHECK(chunks[1].keys == std::vector<uint32_t>{7, 2, 1});
    CHECK(chunks[2].keys == std::vector<uint32_t>{8, 9, 6});
    CHECK(chunks[3].err == ENOENT);
    CHECK(chunks[3].keys == std::vector<uint32_t>{3});

    // A random seed: every key exactly once, whatever the chunking.
    auto random = filled(BPF_MAP_TYPE_HASH, 16, 10);
    std::vector<uint32_t> all;
    for (auto &c : walk_batches(*random, 4))
        all.insert(all.end(), c.keys.begin(), c.keys.end());
    std::sort(all.begin(), all.end());
    CHECK(all == std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
}

TEST_CASE("hash lookup batch: count 0, flags, ENOSPC") {
    auto map = filled(BPF_MAP_TYPE_HASH, 16, 10);
    MapBatch b;
    b.count = 0;
    CHECK(err(map->lookup_batch(b, false)) == 0);
    CHECK(b.count == 0);
    uint32_t keys[4];
    uint64_t values[4];
    b.keys = keys;
    b.values = values;
    b.count = 4;
    b.flags = 1;
    CHECK(err(map->lookup_batch(b, false)) == EINVAL);
    b.flags = 0;
    b.elem_flags = BPF_F_LOCK;
    CHECK(err(map->lookup_batch(b, false)) == EINVAL);

    // Two keys of one bucket do not fit in a count of 1.
    auto pair = make(BPF_MAP_TYPE_HASH, 4, 8, 2, BPF_F_ZERO_SEED);
    uint32_t a = 1, c = 2;
    while ((map_key_hash(&c, 4, 0) & 1) != (map_key_hash(&a, 4, 0) & 1))
        c++;
    uint64_t v = 1;
    REQUIRE(pair->update(&a, &v, BPF_ANY));
    REQUIRE(pair->update(&c, &v, BPF_ANY));
    MapBatch one;
    one.keys = keys;
    one.values = values;
    one.count = 1;
    CHECK(err(pair->lookup_batch(one, false)) == ENOSPC);
    CHECK(one.count == 0);
    MapBatch two;
    two.keys = keys;
    two.values = values;
    two.count = 2;
    CHECK(err(pair->lookup_batch(two, false)) == ENOENT);
    CHECK(two.count == 2);
}

TEST_CASE("hash lookup-and-delete batch empties the map") {
    auto map = filled(BPF_MAP_TYPE_HASH, 16, 10);
    size_t total = 0;
    for (auto &c : walk_batches(*map, 4, true))
        total += c.keys.size();
    CHECK(total == 10);
    CHECK(keys_of(*map).empty());
    // Per-CPU values come whole.
    auto pcpu = make(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4);
    uint64_t in[2] = {7, 8};
    uint32_t k = 1;
    REQUIRE(pcpu->update(&k, in, BPF_ANY));
    uint32_t keys[4];
    uint64_t values[8];
    MapBatch b;
    b.keys = keys;
    b.values = values;
    b.count = 4;
    CHECK(err(pcpu->lookup_batch(b, true)) == ENOENT);
    REQUIRE(b.count == 1);
    CHECK(values[0] == 7);
    CHECK(values[1] == 8);
    CHECK(keys_of(*pcpu).empty());
}

TEST_CASE("hash update and delete batches") {
    auto map = make(BPF_MAP_TYPE_HASH, 4, 8, 16);
    uint32_t keys[3] = {1, 2, 3};
    uint64_t values[3] = {1, 2, 3};
    MapBatch b;
    b.keys = keys;
    b.values = values;
    b.count = 3;
    b.elem_flags = BPF_NOEXIST;
    CHECK(err(map->update_batch(b)) == EINVAL);
    b.elem_flags = 8;
    CHECK(err(map->update_batch(b)) == EINVAL);
    b.elem_flags = 0;
    b.flags = 1;  // not checked by update batch
    CHECK(err(map->update_batch(b)) == 0);
    CHECK(b.count == 3);
    uint32_t del[3] = {1, 2, 99};
    MapBatch d;
    d.keys = del;
    d.count = 3;
    CHECK(err(map->delete_batch(d)) == ENOENT);
    CHECK(d.count == 2);
    CHECK(keys_of(*map) == std::vector<uint32_t>{3});
    // An update batch stops at the first failure.
    auto small = make(BPF_MAP_TYPE_HASH, 4, 8, 2);
    b.count = 3;
    CHECK(err(small->update_batch(b)) == E2BIG);
    CHECK(b.count == 2);
}

TEST_CASE("array batches") {
    auto map = make(BPF_MAP_TYPE_ARRAY, 4, 8, 5);
    uint32_t keys[6] = {0, 1, 2, 3, 7, 4};
    uint64_t values[6] = {0, 1, 2, 3, 7, 4};
    MapBatch b;
    b.keys = keys;
    b.values = values;
    b.count = 6;
    CHECK(err(map->update_batch(b)) == E2BIG);
    CHECK(b.count == 4);
    uint32_t k = 4;
    uint64_t v = 4;
    REQUIRE(map->update(&k, &v, BPF_ANY));
    // Chunks of 2 over 5 elements: 2, 2, then ENOENT with 1.
    auto chunks = walk_batches(*map, 2);
    REQUIRE(chunks.size() == 3);
    CHECK(chunks[0].err == 0);
    CHECK(chunks[0].keys == std::vector<uint32_t>{0, 1});
    CHECK(chunks[1].keys == std::vector<uint32_t>{2, 3});
    CHECK(chunks[2].err == ENOENT);
    CHECK(chunks[2].keys == std::vector<uint32_t>{4});
    MapBatch d;
    d.keys = keys;
    d.count = 1;
    CHECK(err(map->delete_batch(d)) == kENOTSUPP);
    d.values = values;
    CHECK(err(map->lookup_batch(d, true)) == kENOTSUPP);
    d.flags = 1;
    CHECK(err(map->lookup_batch(d, false)) == EINVAL);
}
