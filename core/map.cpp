// What every map shares: MAP_CREATE's validation (kernel/bpf/syscall.c
// map_create), freezing, flag rules and the generic batch commands
// (generic_map_*_batch).
#include "core/map.h"

#include <cctype>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/arraymap.h"
#include "core/hashtab.h"
#include "core/mem_charge.h"

namespace bpffs {
namespace {

bool is_hash_type(uint32_t type) {
    return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH ||
           type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

bool is_array_type(uint32_t type) {
    return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

// Counts the CPUs of a list such as "0-3,6,8-9" (the sysfs cpu/node lists).
unsigned count_list(const std::string &list) {
    unsigned count = 0;
    size_t pos = 0;
    while (pos < list.size()) {
        size_t end = list.find(',', pos);
        if (end == std::string::npos) end = list.size();
        std::string part = list.substr(pos, end - pos);
        size_t dash = part.find('-');
        if (dash == std::string::npos)
            count += 1;
        else
            count += std::stoul(part.substr(dash + 1)) - std::stoul(part.substr(0, dash)) + 1;
        pos = end + 1;
    }
    return count;
}

// Whether node appears in a list such as "0-1,3".
bool list_contains(const std::string &list, uint32_t node) {
    size_t pos = 0;
    while (pos < list.size()) {
        size_t end = list.find(',', pos);
        if (end == std::string::npos) end = list.size();
        std::string part = list.substr(pos, end - pos);
        size_t dash = part.find('-');
        unsigned long lo = std::stoul(part.substr(0, dash));
        unsigned long hi = dash == std::string::npos ? lo : std::stoul(part.substr(dash + 1));
        if (node >= lo && node <= hi) return true;
        pos = end + 1;
    }
    return false;
}

std::string read_first_line(const char *path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// BPF_F_NUMA_NODE names a node that must be online; without NUMA support in
// sysfs only node 0 exists.
bool numa_node_online(uint32_t node) {
    std::string online = read_first_line("/sys/devices/system/node/online");
    if (online.empty()) return node == 0;
    try {
        return list_contains(online, node);
    } catch (const std::exception &) {
        return node == 0;
    }
}

// bpf_obj_name_cpy: at most BPF_OBJ_NAME_LEN - 1 characters of [A-Za-z0-9_.].
Status check_name(const std::string &name) {
    if (name.size() >= BPF_OBJ_NAME_LEN)
        return fail(EINVAL, "map name '" + name + "' is longer than " +
                                std::to_string(BPF_OBJ_NAME_LEN - 1) + " characters");
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.')
            return fail(EINVAL,
                        "map name '" + name + "' may only contain letters, digits, '_' and '.'");
    return ok();
}

// The checks map_create makes before it looks at the map type.
Status check_common(const MapSpec &spec) {
    if (spec.map_extra != 0)
        return fail(EINVAL, "map_extra is only meaningful for bloom filters and arenas");
    if ((spec.map_flags & BPF_F_RDONLY) && (spec.map_flags & BPF_F_WRONLY))
        return fail(EINVAL, "BPF_F_RDONLY and BPF_F_WRONLY cannot be combined");
    if ((spec.map_flags & BPF_F_NUMA_NODE) && !numa_node_online(spec.numa_node))
        return fail(EINVAL, "NUMA node " + std::to_string(spec.numa_node) + " is not online");
    return ok();
}

}  // namespace

const char *map_type_name(uint32_t type) {
    static const char *const names[] = {
        "unspec",
        "hash",
        "array",
        "prog_array",
        "perf_event_array",
        "percpu_hash",
        "percpu_array",
        "stack_trace",
        "cgroup_array",
        "lru_hash",
        "lru_percpu_hash",
        "lpm_trie",
        "array_of_maps",
        "hash_of_maps",
        "devmap",
        "sockmap",
        "cpumap",
        "xskmap",
        "sockhash",
        "cgroup_storage",
        "reuseport_sockarray",
        "percpu_cgroup_storage",
        "queue",
        "stack",
        "sk_storage",
        "devmap_hash",
        "struct_ops",
        "ringbuf",
        "inode_storage",
        "task_storage",
        "bloom_filter",
        "user_ringbuf",
        "cgrp_storage",
        "arena",
    };
    return type < std::size(names) ? names[type] : "unknown";
}

Result<std::shared_ptr<Map>> Map::create(const MapSpec &spec, unsigned ncpus) {
    if (ncpus == 0) return fail(EINVAL, "a map needs at least one possible CPU");
    if (auto st = check_common(spec); !st) return tl::unexpected(st.error());
    Result<std::shared_ptr<Map>> map;
    if (is_hash_type(spec.map_type)) {
        map = hashtab_create(spec, ncpus);
    } else if (is_array_type(spec.map_type)) {
        map = arraymap_create(spec, ncpus);
    } else {
        return fail(EINVAL, std::string("map type ") + std::to_string(spec.map_type) + " (" +
                                map_type_name(spec.map_type) +
                                ") is not supported by bpffsd; supported types are hash, "
                                "array, percpu_hash, percpu_array, lru_hash and "
                                "lru_percpu_hash");
    }
    if (!map) return map;
    // As in the kernel, the name is checked only once the map could be built.
    if (auto st = check_name(spec.name); !st) return tl::unexpected(st.error());
    return map;
}

bool Map::percpu() const {
    return spec_.map_type == BPF_MAP_TYPE_PERCPU_HASH ||
           spec_.map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
           spec_.map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

size_t Map::user_value_size() const {
    if (!percpu()) return spec_.value_size;
    return ((size_t{spec_.value_size} + 7) & ~size_t{7}) * ncpus_;
}

Status Map::freeze() {
    // Freezing takes away the write permission of every fd, including the
    // one asking to freeze again: the kernel answers EPERM, not EBUSY.
    bool expected = false;
    if (!frozen_.compare_exchange_strong(expected, true))
        return fail(EPERM, "the map is already frozen; its fds are read-only");
    return ok();
}

Status Map::check_writable() const {
    if (frozen()) return fail(EPERM, "the map is frozen: the syscall side may only read it");
    return ok();
}

int Map::check_update_flags(uint64_t flags) {
    if ((flags & ~uint64_t{BPF_F_LOCK}) > BPF_EXIST) return EINVAL;
    if (flags & BPF_F_LOCK) return EINVAL;
    return 0;
}

Status Map::check_lookup_flags(uint64_t flags) {
    if (flags & ~uint64_t{BPF_F_LOCK})
        return fail(EINVAL, "lookup flags may only contain BPF_F_LOCK");
    if (flags & BPF_F_LOCK)
        return fail(EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the map value; this map has none");
    return ok();
}

Error Map::update_error(int err) const {
    switch (err) {
        case EINVAL:
            return {EINVAL,
                    "update flags must be BPF_ANY, BPF_NOEXIST or BPF_EXIST (BPF_F_LOCK needs "
                    "a bpf_spin_lock in the value, which this map does not have)"};
        case EEXIST:
            return {EEXIST, "the key already exists and BPF_NOEXIST was given"};
        case ENOENT:
            return {ENOENT, "the key does not exist and BPF_EXIST was given"};
        case E2BIG:
            if (type() == BPF_MAP_TYPE_ARRAY || type() == BPF_MAP_TYPE_PERCPU_ARRAY)
                return {E2BIG, "the index is not below max_entries (" +
                                   std::to_string(max_entries()) + ")"};
            return {E2BIG, "the map is full (max_entries " + std::to_string(max_entries()) + ")"};
        case ENOMEM:
            if (mem_budget::limit() != 0)
                return {ENOMEM, "no memory for a new map element: " + mem_budget::state() +
                                    ", less than the map's next block of elements needs"};
            return {ENOMEM, "no memory for a new map element"};
        default:
            return {err, "the update failed"};
    }
}

namespace {

// Batch element flags may only be BPF_F_LOCK, which needs a spin lock.
Status check_batch_elem_flags(uint64_t elem_flags) {
    if (elem_flags & ~uint64_t{BPF_F_LOCK})
        return fail(EINVAL, "batch elem_flags may only contain BPF_F_LOCK");
    if (elem_flags & BPF_F_LOCK)
        return fail(EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the map value; this map has none");
    return ok();
}

}  // namespace

Status Map::generic_update_batch(MapBatch &b) {
    if (auto st = check_batch_elem_flags(b.elem_flags); !st) return st;
    uint32_t count = b.count;
    if (count == 0) return ok();
    auto *keys = static_cast<const uint8_t *>(b.keys);
    auto *values = static_cast<const uint8_t *>(b.values);
    size_t vsize = user_value_size();
    Status st = ok();
    uint32_t done = 0;
    for (; done < count; done++) {
        st = update(keys + size_t{done} * key_size(), values + size_t{done} * vsize, b.elem_flags);
        if (!st) break;
    }
    b.count = done;
    return st;
}

Status Map::generic_delete_batch(MapBatch &b) {
    // Unlike the other batches, delete accepts BPF_F_LOCK without a lock.
    if (b.elem_flags & ~uint64_t{BPF_F_LOCK})
        return fail(EINVAL, "batch elem_flags may only contain BPF_F_LOCK");
    uint32_t count = b.count;
    if (count == 0) return ok();
    auto *keys = static_cast<const uint8_t *>(b.keys);
    Status st = ok();
    uint32_t done = 0;
    for (; done < count; done++) {
        st = remove(keys + size_t{done} * key_size());
        if (!st) break;
    }
    b.count = done;
    return st;
}

Status Map::generic_lookup_batch(MapBatch &b) {
    if (auto st = check_batch_elem_flags(b.elem_flags); !st) return st;
    if (b.flags != 0) return fail(EINVAL, "lookup batch flags must be 0");
    uint32_t max_count = b.count;
    if (max_count == 0) return ok();
    b.count = 0;
    std::vector<uint8_t> prev(key_size()), next(key_size());
    bool have_prev = b.in_batch != nullptr;
    if (have_prev) std::memcpy(prev.data(), b.in_batch, key_size());
    auto *keys = static_cast<uint8_t *>(b.keys);
    auto *values = static_cast<uint8_t *>(b.values);
    size_t vsize = user_value_size();
    constexpr int kLookupRetries = 3;
    int retries = kLookupRetries;
    Status st = ok();
    uint32_t done = 0;
    while (done < max_count) {
        st = get_next_key(have_prev ? prev.data() : nullptr, next.data());
        if (!st) break;
        st = lookup(next.data(), values + size_t{done} * vsize, b.elem_flags);
        // A key deleted between the two steps: ask again for the key after
        // prev, a few times, then give up with EINTR (MAP_LOOKUP_RETRIES).
        if (!st && st.error().code == ENOENT) {
            if (retries-- > 0) {
                st = ok();
                continue;
            }
            st = fail(EINTR, "the map changed too often during the lookup batch");
            break;
        }
        if (!st) break;
        std::memcpy(keys + size_t{done} * key_size(), next.data(), key_size());
        std::swap(prev, next);
        have_prev = true;
        retries = kLookupRetries;
        done++;
    }
    b.count = done;
    if (done > 0 && b.out_batch != nullptr) std::memcpy(b.out_batch, prev.data(), key_size());
    if (!st && st.error().code == ENOENT)
        return fail(ENOENT, "the walk reached the end of the map");
    return st;
}

unsigned possible_cpus() {
    static const unsigned count = [] {
        std::string list = read_first_line("/sys/devices/system/cpu/possible");
        try {
            if (!list.empty()) return count_list(list);
        } catch (const std::exception &) {
        }
        unsigned n = std::thread::hardware_concurrency();
        return n == 0 ? 1u : n;
    }();
    return count;
}

}  // namespace bpffs
