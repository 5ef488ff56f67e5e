// Several threads on one map at once, syscall side and program side mixed.
// Run under ASan/UBSan (build-maps-asan) to catch races on element storage.
#include <atomic>
#include <thread>

#include "core/hashtab.h"
#include "core/rcu.h"
#include "core/result.h"
#include "tests/unit/maps/map_test_util.h"

using namespace bpffs;
using namespace maptest;

namespace {

// Each thread owns keys t, t+N, t+2N... and checks what it wrote; all
// threads also look up and walk keys they do not own.
void hammer(Map &map, unsigned threads, uint32_t keys_per_thread, int rounds) {
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; t++) {
        workers.emplace_back([&, t] {
            std::vector<uint8_t> value(map.user_value_size()), out(map.user_value_size());
            for (int round = 0; round < rounds; round++) {
                for (uint32_t i = 0; i < keys_per_thread; i++) {
                    uint32_t key = t + i * threads;
                    std::memset(value.data(), static_cast<int>(key + round), value.size());
                    if (!map.update(&key, value.data(), BPF_ANY)) failures++;
                    if (!map.lookup(&key, out.data(), 0) || out != value) failures++;
                    uint32_t other = (key + 1) % (threads * keys_per_thread);
                    (void)map.lookup_for_prog(&other, t % kCpus);
                    if (i % 3 == 0) {
                        if (map.delete_from_prog(&key) != 0) failures++;
                        if (map.lookup_for_prog(&key, 0) != nullptr) failures++;
                    } else if (i % 3 == 1) {
                        if (map.update_from_prog(&key, value.data(), BPF_EXIST, t % kCpus) != 0)
                            failures++;
                    }
                }
                uint32_t next, cur;
                const void *prev = nullptr;
                for (int steps = 0; steps < 64 && map.get_next_key(prev, &next); steps++) {
                    cur = next;
                    prev = &cur;
                }
            }
        });
    }
    for (auto &w : workers)
        w.join();
    CHECK(failures.load() == 0);
}

}  // namespace

TEST_CASE("concurrent updates, lookups and deletes on one hash map") {
    for (uint32_t type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH}) {
        for (uint32_t flags : {0u, uint32_t{BPF_F_NO_PREALLOC}}) {
            auto map = make(type, 4, 16, 4 * 200, flags);
            hammer(*map, 4, 200, 20);
            // Everything left is consistent: walk count == element count.
            auto &hash = dynamic_cast<HashTab &>(*map);
            CHECK(keys_of(*map).size() == hash.count());
            size_t walked = 0;
            MapCursor cursor;
            uint32_t key;
            std::vector<uint8_t> scratch(map->user_value_size());
            while (map->next_elem(cursor, &key, scratch.data()))
                walked++;
            CHECK(walked == hash.count());
        }
    }
}

TEST_CASE("concurrent traffic on a full hash map: E2BIG only, never corruption") {
    auto map = make(BPF_MAP_TYPE_HASH, 4, 8, 64);
    std::vector<std::thread> workers;
    std::atomic<int> unexpected{0};
    for (unsigned t = 0; t < 4; t++) {
        workers.emplace_back([&, t] {
            for (uint32_t i = 0; i < 5000; i++) {
                uint32_t key = (i * 7 + t) % 200;
                uint64_t v = key;
                auto st = map->update(&key, &v, BPF_ANY);
                if (!st && st.error().code != E2BIG) unexpected++;
                if (i % 2) (void)map->remove(&key);
                auto *p = static_cast<uint64_t *>(map->lookup_for_prog(&key, 0));
                (void)p;
            }
        });
    }
    for (auto &w : workers)
        w.join();
    CHECK(unexpected.load() == 0);
    auto &hash = dynamic_cast<HashTab &>(*map);
    CHECK(hash.count() <= 64);
    CHECK(keys_of(*map).size() == hash.count());
    for (uint32_t key : keys_of(*map)) {
        uint64_t v = 0;
        REQUIRE(map->lookup(&key, &v, 0));
        CHECK(v == key);
    }
}

TEST_CASE("concurrent traffic on LRU maps") {
    for (uint32_t flags : {0u, uint32_t{BPF_F_NO_COMMON_LRU}}) {
        auto map = make(BPF_MAP_TYPE_LRU_HASH, 4, 8, 128, flags);
        std::vector<std::thread> workers;
        std::atomic<int> failures{0};
        for (unsigned t = 0; t < 4; t++) {
            workers.emplace_back([&, t] {
                for (uint32_t i = 0; i < 20000; i++) {
                    uint32_t key = i * 4 + t;
                    uint64_t v = key;
                    if (map->update_from_prog(&key, &v, BPF_ANY, t % kCpus) != 0) failures++;
                    auto *p = static_cast<uint64_t *>(map->lookup_for_prog(&key, t % kCpus));
                    (void)p;
                    if (i % 5 == 0) (void)map->delete_from_prog(&key);
                }
            });
        }
        for (auto &w : workers)
            w.join();
        CHECK(failures.load() == 0);
        auto keys = keys_of(*map);
        CHECK(keys.size() <= map->max_entries());
        CHECK(keys.size() == dynamic_cast<HashTab &>(*map).count());
        for (uint32_t key : keys) {
            uint64_t v = 0;
            REQUIRE(map->lookup(&key, &v, 0));
            CHECK(v == key);
        }
    }
}

TEST_CASE("concurrent program writes to an array") {
    auto map = make(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 16);
    std::vector<std::thread> workers;
    for (unsigned cpu = 0; cpu < kCpus; cpu++) {
        workers.emplace_back([&, cpu] {
            for (uint32_t i = 0; i < 10000; i++) {
                uint32_t key = i % 16;
                // Each CPU slot has one writer: the per-CPU counters stay exact.
                auto *p = static_cast<uint64_t *>(map->lookup_for_prog(&key, cpu));
                *p += 1;
            }
        });
    }
    for (auto &w : workers)
        w.join();
    for (uint32_t key = 0; key < 16; key++) {
        uint64_t out[kCpus];
        REQUIRE(map->lookup(&key, out, 0));
        for (unsigned cpu = 0; cpu < kCpus; cpu++)
            CHECK(out[cpu] == 625);
    }
}

// What an iterator's program relies on: an element it reaches in a read
// section (core/rcu.h) keeps its key and value for the section, however the
// map changes. Writers replace, delete and re-insert keys as fast as they
// can; each value holds its key in every word, so a slot reused for another
// key under a reader shows as a word that is not the key it was found by
// (and as a data race under TSan).
TEST_CASE("a value found in a read section is never reused while the section lasts") {
    constexpr uint32_t kKeys = 64;
    constexpr size_t kWords = 16;
    for (uint32_t flags : {0u, uint32_t{BPF_F_NO_PREALLOC}}) {
        auto map = make(BPF_MAP_TYPE_HASH, 4, kWords * 4, kKeys, flags);
        std::atomic<bool> stop{false};
        std::atomic<long> torn{0}, reads{0};
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < 2; t++) {
            threads.emplace_back([&, t] {
                uint32_t value[kWords];
                for (uint32_t i = 0; !stop; i++) {
                    uint32_t key = (i * 5 + t) % kKeys;
                    std::fill(std::begin(value), std::end(value), key);
                    if (i % 4 == 3)
                        (void)map->remove(&key);
                    else
                        (void)map->update(&key, value, BPF_ANY);
                }
            });
        }
        for (unsigned t = 0; t < 2; t++) {
            threads.emplace_back([&, t] {
                for (uint32_t i = 0; reads < 5000 || i < 100; i++) {
                    rcu::ReadLock section;
                    uint32_t key = (i * 3 + t) % kKeys;
                    auto *value = static_cast<const uint32_t *>(map->lookup_for_prog(&key, 0));
                    if (value == nullptr) continue;
                    // Long enough for writers to cycle the map's slots.
                    for (int pass = 0; pass < 10; pass++) {
                        for (size_t w = 0; w < kWords; w++)
                            if (value[w] != key) torn++;
                        std::this_thread::yield();
                    }
                    reads++;
                }
            });
        }
        for (unsigned t = 2; t < 4; t++)
            threads[t].join();
        stop = true;
        threads[0].join();
        threads[1].join();
        CHECK(reads.load() >= 5000);
        CHECK(torn.load() == 0);
    }
}
