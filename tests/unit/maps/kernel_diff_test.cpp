// Differential test: the same MAP_CREATE attributes and operations against
// the running kernel (through libbpf) and against core/, comparing errnos,
// memlock figures and the key order of BPF_F_ZERO_SEED hash maps.
// Exits 77 (skipped) when the kernel's bpf(2) cannot be used here.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/map.h"

using namespace bpffs;

namespace {

int failures = 0;
int compared_memlock = 0;
int compared_errno = 0;

void expect(bool ok, const std::string &what) {
    if (ok) return;
    failures++;
    std::fprintf(stderr, "MISMATCH: %s\n", what.c_str());
}

struct Attrs {
    uint32_t type, key, value, entries, flags;
};

std::string describe(const Attrs &a) {
    return "type " + std::to_string(a.type) + " key " + std::to_string(a.key) + " value " +
           std::to_string(a.value) + " entries " + std::to_string(a.entries) + " flags 0x" + [&] {
               char buf[16];
               std::snprintf(buf, sizeof buf, "%x", a.flags);
               return std::string(buf);
           }();
}

// Kernel map fd, or -errno.
int kernel_create(const Attrs &a) {
    LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = a.flags);
    int fd =
        bpf_map_create(static_cast<bpf_map_type>(a.type), "m", a.key, a.value, a.entries, &opts);
    return fd < 0 ? -errno : fd;
}

uint64_t kernel_memlock(int fd) {
    std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("memlock:", 0) == 0) return std::stoull(line.substr(8));
    return 0;
}

Result<std::shared_ptr<Map>> ours(const Attrs &a, unsigned ncpus) {
    MapSpec s;
    s.map_type = a.type;
    s.key_size = a.key;
    s.value_size = a.value;
    s.max_entries = a.entries;
    s.map_flags = a.flags;
    s.name = "m";
    return Map::create(s, ncpus);
}

void compare_creation(const Attrs &a, unsigned ncpus) {
    int fd = kernel_create(a);
    auto map = ours(a, ncpus);
    int our_err = map ? 0 : -map.error().code;
    // Allocation failures of huge maps depend on the machine's memory.
    if (fd == -ENOMEM || our_err == -ENOMEM) {
        if (fd >= 0) close(fd);
        return;
    }
    compared_errno++;
    expect((fd < 0 ? fd : 0) == our_err, describe(a) + ": kernel errno " +
                                             std::to_string(fd < 0 ? -fd : 0) + ", ours " +
                                             std::to_string(-our_err));
    if (fd >= 0 && map) {
        compared_memlock++;
        expect((*map)->memlock() == kernel_memlock(fd),
               describe(a) + ": kernel memlock " + std::to_string(kernel_memlock(fd)) + ", ours " +
                   std::to_string((*map)->memlock()));
        expect((*map)->max_entries() == a.entries || (a.flags & BPF_F_NO_COMMON_LRU),
               describe(a) + ": max_entries changed");
    }
    if (fd >= 0) close(fd);
}

// Inserts the same keys into both and compares get_next_key order.
void compare_zero_seed_order(uint32_t key_size, uint32_t entries, uint32_t nkeys, unsigned ncpus) {
    Attrs a{BPF_MAP_TYPE_HASH, key_size, 8, entries, BPF_F_ZERO_SEED};
    int fd = kernel_create(a);
    auto map = ours(a, ncpus);
    if (fd < 0 || !map) {
        expect(false, describe(a) + ": could not create");
        if (fd >= 0) close(fd);
        return;
    }
    std::vector<uint8_t> key(key_size);
    uint64_t value = 1;
    for (uint32_t i = 0; i < nkeys; i++) {
        for (uint32_t b = 0; b < key_size; b++)
            key[b] = static_cast<uint8_t>((i * 31 + b * 7) ^ (i >> 8));
        bpf_map_update_elem(fd, key.data(), &value, BPF_ANY);
        (void)(*map)->update(key.data(), &value, BPF_ANY);
    }
    std::vector<uint8_t> kcur(key_size), knext(key_size), ocur(key_size), onext(key_size);
    const void *kprev = nullptr, *oprev = nullptr;
    for (uint32_t n = 0;; n++) {
        bool kok = bpf_map_get_next_key(fd, kprev, knext.data()) == 0;
        bool ook = static_cast<bool>((*map)->get_next_key(oprev, onext.data()));
        if (kok != ook || (kok && knext != onext)) {
            expect(false, describe(a) + ": key order differs at position " + std::to_string(n));
            break;
        }
        if (!kok) break;
        kcur = knext, ocur = onext;
        kprev = kcur.data(), oprev = ocur.data();
    }
    close(fd);
}

bool kernel_bpf_usable() {
    if (geteuid() != 0) {
        std::printf("SKIP: needs root to create kernel BPF maps\n");
        return false;
    }
    int fd = kernel_create({BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0});
    if (fd < 0) {
        std::printf("SKIP: the kernel refused a BPF map (%s)\n", std::strerror(-fd));
        return false;
    }
    close(fd);
    return true;
}

}  // namespace

int main() {
    if (!kernel_bpf_usable()) return 77;
    int n = libbpf_num_possible_cpus();
    unsigned ncpus = n > 0 ? static_cast<unsigned>(n) : possible_cpus();

    const uint32_t types[] = {BPF_MAP_TYPE_HASH,        BPF_MAP_TYPE_ARRAY,
                              BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY,
                              BPF_MAP_TYPE_LRU_HASH,    BPF_MAP_TYPE_LRU_PERCPU_HASH};
    const uint32_t flag_sets[] = {0,
                                  BPF_F_NO_PREALLOC,
                                  BPF_F_NO_COMMON_LRU,
                                  BPF_F_ZERO_SEED,
                                  BPF_F_MMAPABLE,
                                  BPF_F_INNER_MAP,
                                  BPF_F_PRESERVE_ELEMS,
                                  BPF_F_NUMA_NODE,
                                  BPF_F_RDONLY_PROG,
                                  BPF_F_RDONLY | BPF_F_WRONLY,
                                  BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG,
                                  BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU,
                                  BPF_F_NUMA_NODE | BPF_F_NO_COMMON_LRU,
                                  1u << 20};
    const Attrs sizes[] = {{0, 4, 8, 1024, 0},    {0, 4, 8, 1, 0},       {0, 16, 100, 1000, 0},
                           {0, 8, 3, 7, 0},       {0, 5, 3, 3, 0},       {0, 4, 12, 100, 0},
                           {0, 0, 8, 4, 0},       {0, 4, 0, 4, 0},       {0, 4, 8, 0, 0},
                           {0, 4, 32769, 2, 0},   {0, 4, 32768, 2, 0},   {0, 4, 8, 5, 0},
                           {0, 4, 4194250, 1, 0}, {0, 4, 4194252, 1, 0}, {0, 4, 8, 1u << 28, 0}};
    for (uint32_t type : types)
        for (uint32_t flags : flag_sets)
            for (Attrs a : sizes) {
                a.type = type;
                a.flags = flags;
                // Keep the kernel's preallocation affordable.
                if (uint64_t{a.entries} * (a.key + a.value) > (uint64_t{64} << 20) &&
                    !(flags & BPF_F_NO_PREALLOC))
                    continue;
                compare_creation(a, ncpus);
            }

    for (uint32_t key_size : {1u, 3u, 4u, 6u, 8u, 12u, 13u, 16u, 40u})
        compare_zero_seed_order(key_size, 64, 50, ncpus);
    compare_zero_seed_order(4, 1000, 1000, ncpus);

    if (failures != 0) {
        std::fprintf(stderr, "%d mismatches with the kernel\n", failures);
        return 1;
    }
    std::printf("core maps agree with the kernel: %d creations, %d memlock figures\n",
                compared_errno, compared_memlock);
    return 0;
}
