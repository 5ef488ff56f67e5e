// Array and per-CPU array maps (spec 5.2-5.6).
#include <cerrno>

#include "core/result.h"
#include "tests/unit/maps/map_test_util.h"

using namespace bpffs;
using namespace maptest;

TEST_CASE("array update, lookup and delete rules") {
    for (uint32_t type : {BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY}) {
        auto map = make(type, 4, 8, 4);
        std::vector<uint8_t> value(map->user_value_size(), 3), out(map->user_value_size());
        uint32_t k = 2;
        CHECK(err(map->update(&k, value.data(), BPF_NOEXIST)) == EEXIST);
        CHECK(err(map->update(&k, value.data(), BPF_EXIST)) == 0);
        CHECK(err(map->update(&k, value.data(), BPF_ANY)) == 0);
        CHECK(err(map->update(&k, value.data(), 3)) == EINVAL);
        CHECK(err(map->update(&k, value.data(), BPF_F_LOCK)) == EINVAL);
        k = 4;
        for (uint64_t flags : {BPF_ANY, BPF_NOEXIST, BPF_EXIST})
            CHECK(err(map->update(&k, value.data(), flags)) == E2BIG);
        CHECK(err(map->lookup(&k, out.data(), 0)) == ENOENT);
        k = 2;
        REQUIRE(map->lookup(&k, out.data(), 0));
        CHECK(out == value);
        k = 0;
        REQUIRE(map->lookup(&k, out.data(), 0));
        CHECK(out == std::vector<uint8_t>(out.size(), 0));  // arrays start zeroed
        CHECK(err(map->remove(&k)) == EINVAL);
        k = 9;
        CHECK(err(map->remove(&k)) == EINVAL);
        CHECK(err(map->lookup_and_delete(&k, out.data(), 0)) == kENOTSUPP);
    }
}

TEST_CASE("array get_next_key rules") {
    auto map = make(BPF_MAP_TYPE_ARRAY, 4, 8, 4);
    uint32_t next = 99;
    REQUIRE(map->get_next_key(nullptr, &next));
    CHECK(next == 0);
    uint32_t k = 2;
    REQUIRE(map->get_next_key(&k, &next));
    CHECK(next == 3);
    k = 3;
    CHECK(err(map->get_next_key(&k, &next)) == ENOENT);
    for (uint32_t out_of_range : {4u, 100u, 0xffffffffu}) {
        REQUIRE(map->get_next_key(&out_of_range, &next));
        CHECK(next == 0);
    }
    CHECK(keys_of(*map) == std::vector<uint32_t>{0, 1, 2, 3});
}

TEST_CASE("per-CPU array layout and program side") {
    auto map = make(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2, 0, 3);
    uint8_t in[24], out[24];
    for (int i = 0; i < 24; i++)
        in[i] = static_cast<uint8_t>(100 + i);
    uint32_t k = 1;
    REQUIRE(map->update(&k, in, BPF_ANY));
    REQUIRE(map->lookup(&k, out, 0));
    CHECK(std::memcmp(in, out, 24) == 0);  // padding included
    for (unsigned cpu = 0; cpu < 3; cpu++) {
        auto *slot = static_cast<uint8_t *>(map->lookup_for_prog(&k, cpu));
        REQUIRE(slot != nullptr);
        CHECK(slot[0] == 100 + 8 * cpu);
    }
    uint32_t v = 7;
    CHECK(map->update_from_prog(&k, &v, BPF_ANY, 2) == 0);
    REQUIRE(map->lookup(&k, out, 0));
    CHECK(std::memcmp(out + 16, &v, 4) == 0);
    CHECK(std::memcmp(out, in, 16) == 0);
    uint32_t big = 2;
    CHECK(map->update_from_prog(&big, &v, BPF_ANY, 0) == -E2BIG);
    CHECK(map->update_from_prog(&k, &v, BPF_NOEXIST, 0) == -EEXIST);
    CHECK(map->lookup_for_prog(&big, 0) == nullptr);
    CHECK(map->delete_from_prog(&k) == -EINVAL);
}

TEST_CASE("array program pointers and the element walk use real storage") {
    auto map = make(BPF_MAP_TYPE_ARRAY, 4, 8, 5);
    uint32_t k = 3;
    auto *p = static_cast<uint64_t *>(map->lookup_for_prog(&k, 0));
    REQUIRE(p != nullptr);
    *p = 33;
    uint64_t v = 0;
    REQUIRE(map->lookup(&k, &v, 0));
    CHECK(v == 33);
    MapCursor cursor;
    uint32_t key;
    std::vector<uint32_t> seen;
    while (void *value = map->next_elem(cursor, &key, nullptr)) {
        seen.push_back(key);
        *static_cast<uint64_t *>(value) += 1;
    }
    CHECK(seen == std::vector<uint32_t>{0, 1, 2, 3, 4});
    REQUIRE(map->lookup(&k, &v, 0));
    CHECK(v == 34);
    // A cursor resumes at its index.
    MapCursor later;
    later.bucket = 4;
    REQUIRE(map->next_elem(later, &key, nullptr) != nullptr);
    CHECK(key == 4);
    CHECK(map->next_elem(later, &key, nullptr) == nullptr);
}

TEST_CASE("array freeze") {
    auto map = make(BPF_MAP_TYPE_ARRAY, 4, 8, 2);
    uint32_t k = 0;
    uint64_t v = 1;
    REQUIRE(map->freeze());
    CHECK(err(map->update(&k, &v, BPF_ANY)) == EPERM);
    CHECK(err(map->remove(&k)) == EPERM);
    CHECK(err(map->lookup_and_delete(&k, &v, 0)) == EPERM);
    CHECK(err(map->lookup(&k, &v, 0)) == 0);
    CHECK(err(map->freeze()) == EPERM);
    CHECK(map->update_from_prog(&k, &v, BPF_ANY, 0) == 0);
}
