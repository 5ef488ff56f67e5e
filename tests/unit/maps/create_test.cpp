// MAP_CREATE validation (spec 5.1) and the memlock figures of kernel 6.18.
#include <cerrno>

#include "core/hashtab.h"
#include "core/result.h"
#include "tests/unit/maps/map_test_util.h"

using namespace bpffs;
using namespace maptest;

TEST_CASE("map creation rejects what the kernel rejects, with its errno") {
    const uint32_t H = BPF_MAP_TYPE_HASH, A = BPF_MAP_TYPE_ARRAY, PH = BPF_MAP_TYPE_PERCPU_HASH,
                   PA = BPF_MAP_TYPE_PERCPU_ARRAY, L = BPF_MAP_TYPE_LRU_HASH,
                   LP = BPF_MAP_TYPE_LRU_PERCPU_HASH;
    // Zero sizes.
    for (uint32_t t : {H, PH, L, LP}) {
        CHECK(create_errno(spec(t, 4, 8, 0)) == EINVAL);
        CHECK(create_errno(spec(t, 0, 8, 1)) == EINVAL);
        CHECK(create_errno(spec(t, 4, 0, 1)) == EINVAL);
    }
    for (uint32_t t : {A, PA}) {
        CHECK(create_errno(spec(t, 4, 8, 0)) == EINVAL);
        CHECK(create_errno(spec(t, 4, 0, 1)) == EINVAL);
        CHECK(create_errno(spec(t, 8, 8, 1)) == EINVAL);  // key must be a 4-byte index
        CHECK(create_errno(spec(t, 0, 8, 1)) == EINVAL);
        CHECK(create_errno(spec(t, 4, 8, 1, BPF_F_NO_PREALLOC)) == EINVAL);
        CHECK(create_errno(spec(t, 4, 8, 1, BPF_F_ZERO_SEED)) == EINVAL);
        CHECK(create_errno(spec(t, 4, 8, 1, BPF_F_NO_COMMON_LRU)) == EINVAL);
        CHECK(create_errno(spec(t, 4, 8, 1, BPF_F_PRESERVE_ELEMS)) == EINVAL);
    }
    // Access flags that contradict each other, on every type.
    for (uint32_t t : {H, A, PH, PA, L, LP}) {
        CHECK(create_errno(spec(t, 4, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY)) == EINVAL);
        CHECK(create_errno(spec(t, 4, 8, 4, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) == EINVAL);
        CHECK(create_errno(spec(t, 4, 8, 4, 1u << 30)) == EINVAL);  // unknown bit
        CHECK(create_errno(spec(t, 4, 8, 4, BPF_F_RDONLY_PROG)) == 0);
        CHECK(create_errno(spec(t, 4, 8, 4, BPF_F_WRONLY)) == 0);
    }
    // Flags that belong to other types.
    CHECK(create_errno(spec(H, 4, 8, 4, BPF_F_MMAPABLE)) == EINVAL);
    CHECK(create_errno(spec(A, 4, 8, 4, BPF_F_MMAPABLE)) == 0);
    CHECK(create_errno(spec(PA, 4, 8, 4, BPF_F_MMAPABLE)) == EINVAL);
    CHECK(create_errno(spec(A, 4, 8, 4, BPF_F_INNER_MAP)) == 0);
    CHECK(create_errno(spec(H, 4, 8, 4, BPF_F_INNER_MAP)) == EINVAL);
    CHECK(create_errno(spec(H, 4, 8, 4, BPF_F_NO_COMMON_LRU)) == EINVAL);
    CHECK(create_errno(spec(PH, 4, 8, 4, BPF_F_NO_COMMON_LRU)) == EINVAL);
    CHECK(create_errno(spec(L, 4, 8, 4, BPF_F_NO_COMMON_LRU)) == 0);
    CHECK(create_errno(spec(H, 4, 8, 4, BPF_F_ZERO_SEED)) == 0);
    CHECK(create_errno(spec(H, 4, 8, 4, BPF_F_NO_PREALLOC)) == 0);
    CHECK(create_errno(spec(L, 4, 8, 4, BPF_F_NO_PREALLOC)) == kENOTSUPP);
    CHECK(create_errno(spec(LP, 4, 8, 4, BPF_F_NO_PREALLOC)) == kENOTSUPP);
    // The LRU check comes before the size checks, as in the kernel.
    CHECK(create_errno(spec(L, 4, 8, 0, BPF_F_NO_PREALLOC)) == kENOTSUPP);
    // NUMA: node 0 exists; per-CPU storage cannot be placed on a node.
    CHECK(create_errno(spec(A, 4, 8, 4, BPF_F_NUMA_NODE)) == 0);
    CHECK(create_errno(spec(PA, 4, 8, 4, BPF_F_NUMA_NODE)) == EINVAL);
    CHECK(create_errno(spec(PH, 4, 8, 4, BPF_F_NUMA_NODE)) == EINVAL);
    CHECK(create_errno(spec(L, 4, 8, 4, BPF_F_NUMA_NODE | BPF_F_NO_COMMON_LRU)) == EINVAL);
    MapSpec far_node = spec(H, 4, 8, 4, BPF_F_NUMA_NODE);
    far_node.numa_node = 4000;
    CHECK(create_errno(far_node) == EINVAL);
    MapSpec extra = spec(H, 4, 8, 4);
    extra.map_extra = 1;
    CHECK(create_errno(extra) == EINVAL);
}

TEST_CASE("map creation size limits") {
    const uint32_t H = BPF_MAP_TYPE_HASH;
    // key + value must stay below KMALLOC_MAX_SIZE - sizeof(struct htab_elem).
    CHECK(create_errno(spec(H, 4, (4u << 20) - 48 - 4, 1)) == E2BIG);
    CHECK(create_errno(spec(H, 4, (4u << 20) - 48 - 5, 1)) == 0);
    CHECK(create_errno(spec(H, 4, 64u << 20, 1)) == E2BIG);
    CHECK(create_errno(spec(H, 4, (1u << 20) + 1, 1)) == 0);
    CHECK(create_errno(spec(H, 513, 8, 1)) == 0);
    CHECK(create_errno(spec(H, 4096, 8, 1)) == 0);
    // Too many buckets.
    CHECK(create_errno(spec(H, 4, 4, 1u << 28, BPF_F_NO_PREALLOC)) == E2BIG);
    CHECK(create_errno(spec(H, 4, 4, 1u << 31, BPF_F_NO_PREALLOC)) == E2BIG);
    // Per-CPU values are limited to PCPU_MIN_UNIT_SIZE.
    for (uint32_t t :
         {BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_LRU_PERCPU_HASH}) {
        CHECK(create_errno(spec(t, 4, 32768, 1)) == 0);
        CHECK(create_errno(spec(t, 4, 32769, 1)) == E2BIG);
    }
    CHECK(create_errno(spec(BPF_MAP_TYPE_ARRAY, 4, 0x80000000u, 1)) == E2BIG);
}

TEST_CASE("map names follow bpf_obj_name_cpy") {
    const uint32_t H = BPF_MAP_TYPE_HASH;
    CHECK(create_errno(spec(H, 4, 8, 1, 0, "")) == 0);
    CHECK(create_errno(spec(H, 4, 8, 1, 0, "abcdefghijklmno")) == 0);  // 15 characters
    CHECK(create_errno(spec(H, 4, 8, 1, 0, "abcdefghijklmnop")) == EINVAL);
    CHECK(create_errno(spec(H, 4, 8, 1, 0, "a.b_C9")) == 0);
    CHECK(create_errno(spec(H, 4, 8, 1, 0, "a-b")) == EINVAL);
    CHECK(create_errno(spec(H, 4, 8, 1, 0, "a b")) == EINVAL);
    // A bad name does not hide a type error.
    CHECK(create_errno(spec(H, 4, 64u << 20, 1, 0, "a-b")) == E2BIG);
}

TEST_CASE("unsupported map types are refused with a sentence naming them") {
    auto map = Map::create(spec(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096), kCpus);
    REQUIRE_FALSE(map);
    CHECK(map.error().code == EINVAL);
    CHECK(map.error().message.find("ringbuf") != std::string::npos);
    auto unknown = Map::create(spec(200, 4, 4, 1), kCpus);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == EINVAL);
    CHECK(unknown.error().message.find("200") != std::string::npos);
}

TEST_CASE("per-CPU LRU lists round max_entries to a multiple of the CPU count") {
    auto map = make(BPF_MAP_TYPE_LRU_HASH, 4, 8, 5, BPF_F_NO_COMMON_LRU);
    CHECK(map->max_entries() == 6);
    CHECK(make(BPF_MAP_TYPE_LRU_HASH, 4, 8, 5)->max_entries() == 5);
}

TEST_CASE("per-CPU value sizes through the syscall interface") {
    CHECK(make(BPF_MAP_TYPE_PERCPU_HASH, 4, 3, 1)->user_value_size() == 16);
    CHECK(make(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 1, 0, 3)->user_value_size() == 48);
    CHECK(make(BPF_MAP_TYPE_HASH, 4, 3, 1)->user_value_size() == 3);
    CHECK(make(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 1)->percpu());
    CHECK_FALSE(make(BPF_MAP_TYPE_LRU_HASH, 4, 8, 1)->percpu());
    CHECK(possible_cpus() >= 1);
}

namespace {
struct MemlockCase {
    uint32_t type, key, value, entries, flags;
    uint64_t kernel;  // bpftool's memlock on kernel 6.18, 2 possible CPUs
};
}  // namespace

TEST_CASE("memlock matches the kernel's figure") {
    const MemlockCase cases[] = {
        {BPF_MAP_TYPE_HASH, 4, 8, 1024, 0, 82960},
        {BPF_MAP_TYPE_HASH, 4, 8, 1, 0, 1120},
        {BPF_MAP_TYPE_HASH, 16, 100, 1000, 0, 185632},
        {BPF_MAP_TYPE_HASH, 8, 3, 7, 0, 1616},
        {BPF_MAP_TYPE_HASH, 4, 8, 1000000, 0, 80778256},
        {BPF_MAP_TYPE_HASH, 5, 3, 3, 0, 1296},
        {BPF_MAP_TYPE_HASH, 4, 8, 5, 0, 1488},
        {BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 1024, 0, 99200},
        {BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 1, 0, 992},
        {BPF_MAP_TYPE_PERCPU_HASH, 16, 100, 1000, 0, 297280},
        {BPF_MAP_TYPE_PERCPU_HASH, 8, 3, 7, 0, 1584},
        {BPF_MAP_TYPE_LRU_HASH, 4, 8, 1024, 0, 82816},
        {BPF_MAP_TYPE_LRU_HASH, 4, 8, 1, 0, 976},
        {BPF_MAP_TYPE_LRU_HASH, 16, 100, 1000, 0, 185280},
        {BPF_MAP_TYPE_LRU_HASH, 4, 8, 1000000, 0, 80778112},
        {BPF_MAP_TYPE_LRU_HASH, 4, 8, 5, BPF_F_NO_COMMON_LRU, 1408},
        {BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 1024, 0, 99200},
        {BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 1000000, 0, 96778112},
        {BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 5, BPF_F_NO_COMMON_LRU, 1504},
        {BPF_MAP_TYPE_ARRAY, 4, 8, 1024, 0, 8504},
        {BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 320},
        {BPF_MAP_TYPE_ARRAY, 4, 8, 1000000, 0, 8000312},
        {BPF_MAP_TYPE_ARRAY, 4, 8, 1000, BPF_F_MMAPABLE, 12288},
        {BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1024, 0, 24888},
        {BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0, 336},
        {BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1000000, 0, 24000312},
        {BPF_MAP_TYPE_HASH, 4, 12, 100, BPF_F_NO_PREALLOC, 2944},
        {BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 100, BPF_F_NO_PREALLOC, 2944},
    };
    for (const auto &c : cases) {
        INFO("type " << c.type << " key " << c.key << " value " << c.value << " entries "
                     << c.entries << " flags " << c.flags);
        CHECK(make(c.type, c.key, c.value, c.entries, c.flags)->memlock() == c.kernel);
    }
}

TEST_CASE("memlock of maps without preallocation follows the element count") {
    // Kernel 6.18: 3 elements of a (4, 12, 100) map.
    for (auto [type, kernel] : {std::pair<uint32_t, uint64_t>{BPF_MAP_TYPE_HASH, 3184},
                                {BPF_MAP_TYPE_PERCPU_HASH, 3304}}) {
        auto map = make(type, 4, 12, 100, BPF_F_NO_PREALLOC);
        std::vector<uint8_t> value(map->user_value_size());
        for (uint32_t k = 0; k < 3; k++)
            REQUIRE(map->update(&k, value.data(), BPF_ANY));
        CHECK(map->memlock() == kernel);
        uint32_t k = 0;
        REQUIRE(map->remove(&k));
        CHECK(map->memlock() < kernel);
    }
}

TEST_CASE("a million-element hash map stays within the kernel's memlock figure") {
    auto map = make(BPF_MAP_TYPE_HASH, 4, 8, 1000000);
    for (uint32_t k = 0; k < 1000000; k++) {
        uint64_t v = k;
        REQUIRE(map->update(&k, &v, BPF_NOEXIST));
    }
    uint32_t extra = 1000000;
    uint64_t v = 0;
    CHECK(err(map->update(&extra, &v, BPF_ANY)) == E2BIG);
    auto &hash = dynamic_cast<HashTab &>(*map);
    INFO("allocated " << hash.bytes_allocated() << " memlock " << map->memlock());
    CHECK(hash.bytes_allocated() <= map->memlock());
    CHECK(hash.count() == 1000000);
}
