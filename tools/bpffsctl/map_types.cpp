#include "tools/bpffsctl/map_types.h"

#include "core/map.h"

#include <linux/bpf.h>

#include <fstream>
#include <iterator>
#include <sstream>

namespace bpffsctl {

namespace {
// libbpf 1.1 names the types up to user_ringbuf; bpftool 7.1 prints the
// number for later ones. The names themselves are the kernel's (core).
constexpr uint32_t kTypeCount = BPF_MAP_TYPE_USER_RINGBUF + 1;
}  // namespace

const char *map_type_name(uint32_t type) {
    return type < kTypeCount ? bpffs::map_type_name(type) : nullptr;
}

int map_type_from_name(const std::string &name) {
    for (uint32_t i = 0; i < kTypeCount; ++i)
        if (name == bpffs::map_type_name(i)) return static_cast<int>(i);
    return -1;
}

bool map_is_per_cpu(uint32_t type) {
    return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
           type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

bool map_is_map_of_maps(uint32_t type) {
    return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

bool map_is_map_of_progs(uint32_t type) {
    return type == BPF_MAP_TYPE_PROG_ARRAY;
}

size_t map_value_buffer_size(uint32_t type, uint32_t value_size, unsigned ncpus) {
    return map_is_per_cpu(type) ? per_cpu_step(value_size) * ncpus : value_size;
}

unsigned possible_cpus() {
    static unsigned cached = 0;
    if (cached) return cached;
    // A list of ranges such as "0-3,8-11" or "0".
    std::ifstream in("/sys/devices/system/cpu/possible");
    std::string line;
    std::getline(in, line);
    std::istringstream ranges(line);
    std::string range;
    unsigned count = 0;
    while (std::getline(ranges, range, ',')) {
        unsigned a = 0, b = 0;
        if (sscanf(range.c_str(), "%u-%u", &a, &b) == 2)
            count += b - a + 1;
        else if (sscanf(range.c_str(), "%u", &a) == 1)
            ++count;
    }
    cached = count ? count : 1;
    return cached;
}

}  // namespace bpffsctl
