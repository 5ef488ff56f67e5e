// Hash and per-CPU hash maps: update flags, lookup/delete, get_next_key order,
// per-CPU layout, freeze, the program side and the element walk (spec 5.2-5.6).
#include <cerrno>

#include "core/jhash.h"
#include "core/result.h"
#include "tests/unit/maps/map_test_util.h"

using namespace bpffs;
using namespace maptest;

namespace {
uint64_t lookup_u64(Map &map, uint32_t key) {
    uint64_t v = 0;
    REQUIRE(map.lookup(&key, &v, 0));
    return v;
}
Status put(Map &map, uint32_t key, uint64_t value, uint64_t flags = BPF_ANY) {
    return map.update(&key, &value, flags);
}
}  // namespace

TEST_CASE("hash update flags follow the kernel's table") {
    for (uint32_t flags : {0u, uint32_t{BPF_F_NO_PREALLOC}}) {
        for (uint32_t type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH}) {
            auto map = make(type, 4, 8, 4, flags);
            std::vector<uint8_t> value(map->user_value_size(), 7);
            uint32_t k = 1;
            CHECK(err(map->update(&k, value.data(), BPF_EXIST)) == ENOENT);
            CHECK(err(map->update(&k, value.data(), BPF_NOEXIST)) == 0);
            CHECK(err(map->update(&k, value.data(), BPF_NOEXIST)) == EEXIST);
            CHECK(err(map->update(&k, value.data(), BPF_EXIST)) == 0);
            CHECK(err(map->update(&k, value.data(), BPF_ANY)) == 0);
            CHECK(err(map->update(&k, value.data(), 3)) == EINVAL);
            CHECK(err(map->update(&k, value.data(), 8)) == EINVAL);
            CHECK(err(map->update(&k, value.data(), BPF_F_LOCK)) == EINVAL);
            for (k = 2; k <= 4; k++)
                REQUIRE(map->update(&k, value.data(), BPF_ANY));
            // Full: new keys fail with E2BIG, existing keys still update.
            k = 5;
            CHECK(err(map->update(&k, value.data(), BPF_ANY)) == E2BIG);
            CHECK(err(map->update(&k, value.data(), BPF_NOEXIST)) == E2BIG);
            k = 4;
            CHECK(err(map->update(&k, value.data(), BPF_NOEXIST)) == EEXIST);
            CHECK(err(map->update(&k, value.data(), BPF_ANY)) == 0);
            CHECK(err(map->update(&k, value.data(), BPF_EXIST)) == 0);
            // A delete makes room again.
            REQUIRE(map->remove(&k));
            k = 5;
            CHECK(err(map->update(&k, value.data(), BPF_NOEXIST)) == 0);
        }
    }
}

TEST_CASE("hash lookup, delete and lookup-and-delete") {
    auto map = make(BPF_MAP_TYPE_HASH, 4, 8, 16);
    REQUIRE(put(*map, 1, 100));
    CHECK(lookup_u64(*map, 1) == 100);
    REQUIRE(put(*map, 1, 101));
    CHECK(lookup_u64(*map, 1) == 101);
    uint32_t k = 2;
    uint64_t v = 0;
    CHECK(err(map->lookup(&k, &v, 0)) == ENOENT);
    CHECK(err(map->lookup(&k, &v, 1)) == EINVAL);
    CHECK(err(map->remove(&k)) == ENOENT);
    k = 1;
    CHECK(err(map->lookup_and_delete(&k, &v, 0)) == 0);
    CHECK(v == 101);
    CHECK(err(map->lookup_and_delete(&k, &v, 0)) == ENOENT);
    CHECK(err(map->lookup(&k, &v, 0)) == ENOENT);
    CHECK(err(map->lookup_and_delete(&k, &v, 2)) == EINVAL);
}

TEST_CASE("hash values of odd sizes round-trip exactly") {
    auto map = make(BPF_MAP_TYPE_HASH, 6, 13, 8);
    uint8_t key[6] = {1, 2, 3, 4, 5, 6};
    uint8_t value[13], out[13] = {};
    for (int i = 0; i < 13; i++)
        value[i] = static_cast<uint8_t>(0xa0 + i);
    REQUIRE(map->update(key, value, BPF_ANY));
    REQUIRE(map->lookup(key, out, 0));
    CHECK(std::memcmp(value, out, 13) == 0);
    key[5] = 7;
    CHECK(err(map->lookup(key, out, 0)) == ENOENT);
}

TEST_CASE("hash get_next_key: bucket order, missing keys restart the walk") {
    auto map = make(BPF_MAP_TYPE_HASH, 4, 8, 16);
    uint32_t next = 0;
    CHECK(err(map->get_next_key(nullptr, &next)) == ENOENT);
    for (uint32_t k = 1; k <= 4; k++)
        REQUIRE(put(*map, k, k));
    auto keys = keys_of(*map);
    REQUIRE(keys.size() == 4);
    CHECK(std::is_permutation(keys.begin(), keys.end(), std::vector<uint32_t>{1, 2, 3, 4}.begin()));
    uint32_t missing = 77;
    REQUIRE(map->get_next_key(&missing, &next));
    CHECK(next == keys[0]);
    // After deleting the first key, asking for its successor gives the new first key.
    REQUIRE(map->remove(&keys[0]));
    REQUIRE(map->get_next_key(&keys[0], &next));
    CHECK(next == keys[1]);
    CHECK(err(map->get_next_key(&keys[3], &next)) == ENOENT);
}

TEST_CASE("BPF_F_ZERO_SEED gives the kernel's key order") {
    // Observed on kernel 6.18: max_entries 16, keys 1..10 inserted in order.
    auto map = make(BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_ZERO_SEED);
    for (uint32_t k = 1; k <= 10; k++)
        REQUIRE(put(*map, k, k));
    CHECK(keys_of(*map) == std::vector<uint32_t>{10, 4, 5, 7, 2, 1, 8, 9, 6, 3});
    // Replacing a value keeps that order here (each key is alone in its bucket).
    REQUIRE(put(*map, 3, 99));
    CHECK(keys_of(*map) == std::vector<uint32_t>{10, 4, 5, 7, 2, 1, 8, 9, 6, 3});

    // 6-byte keys go through the byte-wise jhash: observed 5 7 4 8 6 1 3 2.
    auto odd = make(BPF_MAP_TYPE_HASH, 6, 8, 8, BPF_F_ZERO_SEED);
    for (uint8_t k = 1; k <= 8; k++) {
        uint8_t key[6] = {k, static_cast<uint8_t>(2 * k), 3, 4, 5, 6};
        uint64_t v = k;
        REQUIRE(odd->update(key, &v, BPF_ANY));
    }
    std::vector<int> order;
    uint8_t cur[6], next[6];
    const void *prev = nullptr;
    while (odd->get_next_key(prev, next)) {
        order.push_back(next[0]);
        std::memcpy(cur, next, 6);
        prev = cur;
    }
    CHECK(order == std::vector<int>{5, 7, 4, 8, 6, 1, 3, 2});
}

TEST_CASE("a replaced or new element goes to the head of its bucket") {
    // Two keys of one bucket (zero seed, 2 buckets).
    auto map = make(BPF_MAP_TYPE_HASH, 4, 8, 2, BPF_F_ZERO_SEED);
    uint32_t a = 1, b = 2;
    while ((map_key_hash(&b, 4, 0) & 1) != (map_key_hash(&a, 4, 0) & 1))
        b++;
    REQUIRE(put(*map, a, 1));
    REQUIRE(put(*map, b, 2));
    CHECK(keys_of(*map) == std::vector<uint32_t>{b, a});
    REQUIRE(put(*map, a, 3));
    CHECK(keys_of(*map) == std::vector<uint32_t>{a, b});
}

TEST_CASE("per-CPU hash values: one rounded slot per CPU, padding copied") {
    auto map = make(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 8, 0, 3);
    REQUIRE(map->user_value_size() == 24);
    uint8_t in[24], out[24];
    for (int i = 0; i < 24; i++)
        in[i] = static_cast<uint8_t>(i + 1);
    uint32_t k = 9;
    REQUIRE(map->update(&k, in, BPF_ANY));
    REQUIRE(map->lookup(&k, out, 0));
    CHECK(std::memcmp(in, out, 24) == 0);
    // A program sees its CPU's slot.
    for (unsigned cpu = 0; cpu < 3; cpu++) {
        auto *slot = static_cast<uint8_t *>(map->lookup_for_prog(&k, cpu));
        REQUIRE(slot != nullptr);
        CHECK(slot[0] == 1 + 8 * cpu);
    }
    // A program update writes only its CPU's value...
    uint32_t v = 0xdeadbeef;
    CHECK(map->update_from_prog(&k, &v, BPF_ANY, 1) == 0);
    REQUIRE(map->lookup(&k, out, 0));
    CHECK(std::memcmp(out + 8, &v, 4) == 0);
    CHECK(std::memcmp(out, in, 8) == 0);
    CHECK(std::memcmp(out + 16, in + 16, 8) == 0);
    // ...and a new element starts at zero on the other CPUs.
    uint32_t k2 = 10;
    CHECK(map->update_from_prog(&k2, &v, BPF_ANY, 2) == 0);
    REQUIRE(map->lookup(&k2, out, 0));
    uint8_t zero[16] = {};
    CHECK(std::memcmp(out, zero, 16) == 0);
    CHECK(std::memcmp(out + 16, &v, 4) == 0);
}

TEST_CASE("freeze: the syscall side may only read afterwards") {
    for (uint32_t type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_HASH}) {
        auto map = make(type, 4, 8, 4);
        std::vector<uint8_t> value(map->user_value_size(), 1);
        uint32_t k = 1;
        REQUIRE(map->update(&k, value.data(), BPF_ANY));
        CHECK(err(map->freeze()) == 0);
        CHECK(map->frozen());
        CHECK(err(map->freeze()) == EPERM);
        CHECK(err(map->update(&k, value.data(), BPF_ANY)) == EPERM);
        CHECK(err(map->remove(&k)) == EPERM);
        CHECK(err(map->lookup_and_delete(&k, value.data(), 0)) == EPERM);
        CHECK(err(map->lookup(&k, value.data(), 0)) == 0);
        MapBatch b;
        b.keys = &k;
        b.values = value.data();
        b.count = 1;
        CHECK(err(map->update_batch(b)) == EPERM);
        CHECK(err(map->delete_batch(b)) == EPERM);
        CHECK(err(map->lookup_batch(b, true)) == EPERM);
        // Programs still write a frozen map.
        uint64_t v = 5;
        CHECK(map->update_from_prog(&k, &v, BPF_ANY, 0) == 0);
    }
}

TEST_CASE("hash program side: pointers into element storage, negative errno") {
    auto map = make(BPF_MAP_TYPE_HASH, 4, 8, 2);
    uint32_t k = 1;
    uint64_t v = 10;
    CHECK(map->update_from_prog(&k, &v, BPF_NOEXIST, 0) == 0);
    CHECK(map->update_from_prog(&k, &v, BPF_NOEXIST, 0) == -EEXIST);
    uint32_t k3 = 3;
    CHECK(map->update_from_prog(&k3, &v, BPF_EXIST, 0) == -ENOENT);
    CHECK(map->update_from_prog(&k3, &v, 4, 0) == -EINVAL);
    auto *p = static_cast<uint64_t *>(map->lookup_for_prog(&k, 0));
    REQUIRE(p != nullptr);
    *p = 42;  // writes through the pointer persist
    CHECK(lookup_u64(*map, 1) == 42);
    CHECK(map->lookup_for_prog(&k3, 0) == nullptr);
    uint32_t k2 = 2;
    CHECK(map->update_from_prog(&k2, &v, BPF_ANY, 0) == 0);
    CHECK(map->update_from_prog(&k3, &v, BPF_ANY, 0) == -E2BIG);
    // After a replace and a delete the old pointer is still valid memory
    // holding the old value (the slot is recycled, not freed).
    v = 43;
    CHECK(map->update_from_prog(&k, &v, BPF_ANY, 0) == 0);
    CHECK(*p == 42);
    CHECK(map->delete_from_prog(&k) == 0);
    CHECK(map->delete_from_prog(&k) == -ENOENT);
    CHECK(*p == 42);
}

TEST_CASE("hash element walk: resumable, real storage, survives deletes") {
    auto map = make(BPF_MAP_TYPE_HASH, 4, 8, 64);
    for (uint32_t k = 0; k < 50; k++)
        REQUIRE(put(*map, k, k));
    MapCursor cursor;
    uint32_t key;
    std::vector<uint32_t> seen;
    while (void *value = map->next_elem(cursor, &key, nullptr)) {
        CHECK(*static_cast<uint64_t *>(value) == key);
        *static_cast<uint64_t *>(value) += 1000;
        seen.push_back(key);
        // Deleting the current element does not disturb the walk's memory.
        if (key % 10 == 0) CHECK(map->delete_from_prog(&key) == 0);
        // Resuming from a copy of the cursor continues where it stopped.
        MapCursor copy = cursor;
        cursor = copy;
    }
    CHECK(seen.size() >= 45);  // deletes may shift a bucket's later elements
    std::sort(seen.begin(), seen.end());
    CHECK(std::unique(seen.begin(), seen.end()) == seen.end());
    for (uint32_t k = 1; k < 50; k++)
        if (k % 10 != 0 && std::binary_search(seen.begin(), seen.end(), k))
            CHECK(lookup_u64(*map, k) == k + 1000);
    // The walk order is get_next_key's order.
    auto keys = keys_of(*map);
    MapCursor again;
    std::vector<uint32_t> walked;
    while (map->next_elem(again, &key, nullptr))
        walked.push_back(key);
    CHECK(walked == keys);
}

TEST_CASE("per-CPU hash walk copies every CPU's value") {
    auto map = make(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4);
    uint64_t in[2] = {1, 2};
    uint32_t k = 5;
    REQUIRE(map->update(&k, in, BPF_ANY));
    MapCursor cursor;
    uint64_t out[2] = {};
    uint32_t key = 0;
    void *value = map->next_elem(cursor, &key, out);
    REQUIRE(value == out);
    CHECK(key == 5);
    CHECK(out[0] == 1);
    CHECK(out[1] == 2);
    CHECK(map->next_elem(cursor, &key, out) == nullptr);
}
