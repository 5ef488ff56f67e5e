#include "tests/unit/maps/map_test_util.h"

namespace maptest {

bpffs::MapSpec spec(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                    uint32_t flags, const char *name) {
    bpffs::MapSpec s;
    s.map_type = type;
    s.key_size = key_size;
    s.value_size = value_size;
    s.max_entries = max_entries;
    s.map_flags = flags;
    s.name = name;
    return s;
}

std::shared_ptr<bpffs::Map> make(uint32_t type, uint32_t key_size, uint32_t value_size,
                                 uint32_t max_entries, uint32_t flags, unsigned ncpus) {
    auto map = bpffs::Map::create(spec(type, key_size, value_size, max_entries, flags), ncpus);
    INFO((map ? std::string("ok") : map.error().message));
    REQUIRE(map);
    return *map;
}

int create_errno(const bpffs::MapSpec &s, unsigned ncpus) {
    auto map = bpffs::Map::create(s, ncpus);
    if (map) return 0;
    CHECK_FALSE(map.error().message.empty());
    return map.error().code;
}

int err(const bpffs::Status &st) {
    if (st) return 0;
    CHECK_FALSE(st.error().message.empty());
    return st.error().code;
}

std::vector<uint32_t> keys_of(bpffs::Map &map) {
    std::vector<uint32_t> keys;
    uint32_t cur = 0, next = 0;
    const void *prev = nullptr;
    while (map.get_next_key(prev, &next)) {
        keys.push_back(next);
        cur = next;
        prev = &cur;
        if (keys.size() > map.max_entries() + 1) break;  // a loop would be a bug
    }
    return keys;
}

}  // namespace maptest
