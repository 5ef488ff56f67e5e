// LRU hash maps: inserts never fail for lack of room (spec 5.8).
#include <cerrno>
#include <set>

#include "core/hashtab.h"
#include "core/result.h"
#include "tests/unit/maps/map_test_util.h"

using namespace bpffs;
using namespace maptest;

TEST_CASE("LRU inserts evict instead of failing, and never exceed max_entries") {
    for (uint32_t type : {BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH}) {
        for (uint32_t flags : {0u, uint32_t{BPF_F_NO_COMMON_LRU}}) {
            for (uint32_t max : {1u, 4u, 64u}) {
                auto map = make(type, 4, 8, max, flags);
                std::vector<uint8_t> value(map->user_value_size(), 1);
                for (uint32_t k = 1; k <= 200; k++) {
                    INFO("type " << type << " flags " << flags << " max " << max << " key " << k);
                    REQUIRE(err(map->update(&k, value.data(), BPF_ANY)) == 0);
                    auto keys = keys_of(*map);
                    REQUIRE(keys.size() <= map->max_entries());
                    REQUIRE(keys.size() >= 1);
                }
                // The most recent key is always there.
                uint32_t last = 200;
                CHECK(err(map->lookup(&last, value.data(), 0)) == 0);
                CHECK(dynamic_cast<HashTab &>(*map).count() == keys_of(*map).size());
            }
        }
    }
}

TEST_CASE("LRU update flags and deletes") {
    auto map = make(BPF_MAP_TYPE_LRU_HASH, 4, 8, 4);
    uint32_t k = 1;
    uint64_t v = 5;
    CHECK(err(map->update(&k, &v, BPF_EXIST)) == ENOENT);
    CHECK(err(map->update(&k, &v, BPF_NOEXIST)) == 0);
    CHECK(err(map->update(&k, &v, BPF_NOEXIST)) == EEXIST);
    v = 6;
    CHECK(err(map->update(&k, &v, BPF_EXIST)) == 0);
    uint64_t out = 0;
    REQUIRE(map->lookup(&k, &out, 0));
    CHECK(out == 6);
    CHECK(err(map->remove(&k)) == 0);
    CHECK(err(map->remove(&k)) == ENOENT);
    // Deleted nodes are reused: many insert/delete rounds in a small map.
    for (uint32_t round = 0; round < 1000; round++) {
        REQUIRE(map->update(&round, &v, BPF_NOEXIST));
        REQUIRE(map->remove(&round));
    }
    CHECK(keys_of(*map).empty());
}

TEST_CASE("LRU keeps elements that programs look up") {
    auto map = make(BPF_MAP_TYPE_LRU_HASH, 4, 8, 64);
    uint64_t v = 1;
    uint32_t hot = 1000;
    REQUIRE(map->update(&hot, &v, BPF_ANY));
    for (uint32_t k = 0; k < 2000; k++) {
        REQUIRE(map->lookup_for_prog(&hot, 0) != nullptr);
        REQUIRE(map->update_from_prog(&k, &v, BPF_ANY, 0) == 0);
    }
    CHECK(map->lookup_for_prog(&hot, 0) != nullptr);
}

TEST_CASE("LRU per-CPU values") {
    auto map = make(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 8);
    uint64_t in[2] = {11, 22}, out[2] = {};
    uint32_t k = 3;
    REQUIRE(map->update(&k, in, BPF_ANY));
    REQUIRE(map->lookup(&k, out, 0));
    CHECK(out[0] == 11);
    CHECK(out[1] == 22);
    uint64_t mine = 33;
    CHECK(map->update_from_prog(&k, &mine, BPF_EXIST, 1) == 0);
    REQUIRE(map->lookup(&k, out, 0));
    CHECK(out[0] == 11);
    CHECK(out[1] == 33);
    CHECK(*static_cast<uint64_t *>(map->lookup_for_prog(&k, 1)) == 33);
}
