// The memory budget for maps (core/mem_charge.h, bpffsd --max-memory):
// what each map type charges, when, and that freeing gives it back.
#include <cerrno>
#include <vector>

#include "core/map.h"
#include "core/mem_charge.h"
#include "tests/unit/maps/map_test_util.h"

using namespace bpffs;
using namespace maptest;

namespace {

// Sets a limit for one test case and lifts it afterwards.
struct Budget {
    explicit Budget(uint64_t bytes) { mem_budget::set_limit(mem_budget::used() + bytes); }
    ~Budget() { mem_budget::set_limit(0); }
};

}  // namespace

TEST_CASE("an array map charges all its values when created") {
    uint64_t before = mem_budget::used();
    {
        auto map = Map::create(spec(BPF_MAP_TYPE_ARRAY, 4, 12, 100), kCpus);
        REQUIRE(map);
        CHECK(mem_budget::used() - before == 100 * 16);  // values rounded up to 8 bytes
        auto percpu = Map::create(spec(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 10), kCpus);
        REQUIRE(percpu);
        CHECK(mem_budget::used() - before == 100 * 16 + 10 * 8 * kCpus);
    }
    CHECK(mem_budget::used() == before);
}

TEST_CASE("MAP_CREATE beyond the budget fails with ENOMEM and a sentence") {
    Budget budget(64 * 1024);
    auto big = Map::create(spec(BPF_MAP_TYPE_ARRAY, 4, 1024, 65), kCpus);
    REQUIRE_FALSE(big);
    CHECK(big.error().code == ENOMEM);
    CHECK(big.error().message.find("--max-memory") != std::string::npos);
    auto fits = Map::create(spec(BPF_MAP_TYPE_ARRAY, 4, 1024, 64), kCpus);
    CHECK(fits);
    // Nothing is left: a hash map's buckets do not fit either.
    auto hash = Map::create(spec(BPF_MAP_TYPE_HASH, 4, 8, 16), kCpus);
    REQUIRE_FALSE(hash);
    CHECK(hash.error().code == ENOMEM);
}

TEST_CASE("hash elements are charged as the map grows, and given back when it goes") {
    uint64_t before = mem_budget::used();
    {
        Budget budget(256 * 1024);
        auto map = Map::create(spec(BPF_MAP_TYPE_HASH, 4, 1000, 1000, BPF_F_NO_PREALLOC), kCpus);
        REQUIRE(map);
        std::vector<uint8_t> value(1000, 9);
        uint32_t key = 0;
        Status st = ok();
        for (; key < 1000 && st; ++key)
            st = (*map)->update(&key, value.data(), BPF_ANY);
        REQUIRE_FALSE(st);
        CHECK(st.error().code == ENOMEM);
        CHECK(st.error().message.find("--max-memory") != std::string::npos);
        INFO("elements that fitted: " << key - 1);
        CHECK(key > 50);
        CHECK(key < 300);
        CHECK(mem_budget::used() <= mem_budget::limit());
        // Programs get -ENOMEM too.
        uint32_t more = 200000;
        CHECK((*map)->update_from_prog(&more, value.data(), BPF_ANY, 0) == -ENOMEM);
        // Deleting makes room again (slots are reused, no new charge).
        uint32_t first = 0;
        REQUIRE((*map)->remove(&first));
        CHECK((*map)->update(&more, value.data(), BPF_ANY));
    }
    CHECK(mem_budget::used() == before);
}

TEST_CASE("charges never pass the limit, whatever their size") {
    Budget budget(1000);
    CHECK_FALSE(mem_budget::try_charge(UINT64_MAX));
    CHECK_FALSE(mem_budget::try_charge(1001));
    CHECK(mem_budget::try_charge(1000));
    CHECK_FALSE(mem_budget::try_charge(1));
    mem_budget::uncharge(1000);
    auto charge = MemCharge::take(600, "this test");
    REQUIRE(charge);
    auto second = MemCharge::take(600, "this test");
    REQUIRE_FALSE(second);
    CHECK(second.error().message.find("this test needs 600 bytes") != std::string::npos);
}
