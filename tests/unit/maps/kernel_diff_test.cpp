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
#include <random>
#include <string>
#include <vector>

#include "core/map.h"

using namespace bpffs;

namespace {

int failures = 0;
int compared_memlock = 0;
int compared_errno = 0;
int compared_ops = 0;
int failed_ops = 0;  // operations where both sides returned the same error

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

// One random operation on both maps; returns false after the first mismatch.
class OpsComparison {
  public:
    OpsComparison(int fd, Map &map, const Attrs &a, uint32_t seed)
        : fd_(fd), map_(map), attrs_(a), rng_(seed), vsize_(map.user_value_size()) {}

    bool step(int n) {
        uint32_t key = pick_key();
        std::vector<uint8_t> value = random_value();
        std::vector<uint8_t> kout(vsize_ * 8), oout(vsize_ * 8);
        std::string op;
        int kerr = 0, oerr = 0;
        switch (rng_() % 10) {
            case 0:
            case 1:
            case 2: {
                // Mostly ANY/NOEXIST/EXIST; sometimes 3, 4 (BPF_F_LOCK) or 5, all invalid.
                uint64_t flags = rng_() % 8 == 0 ? 3 + rng_() % 3 : rng_() % 3;
                op = "update " + std::to_string(key) + " flags " + std::to_string(flags);
                kerr = sys(bpf_map_update_elem(fd_, &key, value.data(), flags));
                oerr = code(map_.update(&key, value.data(), flags));
                break;
            }
            case 3:
                op = "lookup " + std::to_string(key);
                kerr = sys(bpf_map_lookup_elem(fd_, &key, kout.data()));
                oerr = code(map_.lookup(&key, oout.data(), 0));
                break;
            case 4:
                op = "delete " + std::to_string(key);
                kerr = sys(bpf_map_delete_elem(fd_, &key));
                oerr = code(map_.remove(&key));
                break;
            case 5:
                op = "lookup_and_delete " + std::to_string(key);
                kerr = sys(bpf_map_lookup_and_delete_elem(fd_, &key, kout.data()));
                oerr = code(map_.lookup_and_delete(&key, oout.data(), 0));
                break;
            case 6: {
                bool null_key = rng_() % 4 == 0;
                op = "get_next_key " + (null_key ? std::string("NULL") : std::to_string(key));
                kerr = sys(bpf_map_get_next_key(fd_, null_key ? nullptr : &key, kout.data()));
                oerr = code(map_.get_next_key(null_key ? nullptr : &key, oout.data()));
                if (kerr == 0) std::memset(kout.data() + 4, 0, kout.size() - 4);
                if (oerr == 0) std::memset(oout.data() + 4, 0, oout.size() - 4);
                break;
            }
            case 7:
            case 8: {
                bool and_delete = rng_() % 3 == 0;
                op = batch_op(and_delete, kerr, oerr, kout, oout);
                break;
            }
            default: {
                op = "delete_batch";
                uint32_t keys[3] = {pick_key(), pick_key(), pick_key()};
                uint32_t kcount = 3, ocount = 3;
                LIBBPF_OPTS(bpf_map_batch_opts, opts);
                kerr = sys(bpf_map_delete_batch(fd_, keys, &kcount, &opts));
                MapBatch b;
                b.keys = keys;
                b.count = 3;
                oerr = code(map_.delete_batch(b));
                ocount = b.count;
                if (kerr == 0 || kerr == ENOENT) std::memcpy(kout.data(), &kcount, 4);
                if (oerr == 0 || oerr == ENOENT) std::memcpy(oout.data(), &ocount, 4);
                break;
            }
        }
        if (n == 280) {
            op = "freeze";
            kerr = sys(bpf_map_freeze(fd_));
            oerr = code(map_.freeze());
        }
        if (kerr != oerr || (kerr == 0 && kout != oout)) {
            expect(false, describe(attrs_) + ": step " + std::to_string(n) + " " + op +
                              ": kernel errno " + std::to_string(kerr) + ", ours " +
                              std::to_string(oerr) + (kerr == oerr ? " (outputs differ)" : ""));
            return false;
        }
        compared_ops++;
        if (kerr != 0) failed_ops++;
        return true;
    }

  private:
    static int sys(int ret) { return ret < 0 ? -ret : 0; }
    static int code(const Status &st) { return st ? 0 : st.error().code; }
    uint32_t pick_key() { return rng_() % 14; }
    std::vector<uint8_t> random_value() {
        std::vector<uint8_t> v(vsize_);
        for (auto &b : v)
            b = static_cast<uint8_t>(rng_());
        return v;
    }

    std::string batch_op(bool and_delete, int &kerr, int &oerr, std::vector<uint8_t> &kout,
                         std::vector<uint8_t> &oout) {
        uint32_t count = rng_() % 5;
        uint32_t kcount = count, ocount = count;
        std::vector<uint32_t> kkeys(8), okeys(8);
        std::vector<uint8_t> kvals(vsize_ * 8), ovals(vsize_ * 8);
        uint32_t kout_batch = 0, oout_batch = 0;
        LIBBPF_OPTS(bpf_map_batch_opts, opts);
        const void *in = have_cursor_ ? &cursor_ : nullptr;
        if (and_delete)
            kerr = sys(bpf_map_lookup_and_delete_batch(fd_, const_cast<void *>(in), &kout_batch,
                                                       kkeys.data(), kvals.data(), &kcount, &opts));
        else
            kerr = sys(bpf_map_lookup_batch(fd_, const_cast<void *>(in), &kout_batch, kkeys.data(),
                                            kvals.data(), &kcount, &opts));
        MapBatch b;
        b.in_batch = in;
        b.out_batch = &oout_batch;
        b.keys = okeys.data();
        b.values = ovals.data();
        b.count = count;
        oerr = code(map_.lookup_batch(b, and_delete));
        ocount = b.count;
        // Outputs that both report: count, keys, values, and the cursor.
        auto pack = [&](std::vector<uint8_t> &out, uint32_t n, const std::vector<uint32_t> &keys,
                        const std::vector<uint8_t> &vals, uint32_t cur) {
            std::fill(out.begin(), out.end(), 0);
            out.resize(4 + 4 + n * 4 + n * vsize_);
            std::memcpy(out.data(), &n, 4);
            std::memcpy(out.data() + 4, &cur, 4);
            std::memcpy(out.data() + 8, keys.data(), n * 4);
            std::memcpy(out.data() + 8 + n * 4, vals.data(), n * vsize_);
        };
        if (kerr == 0 || kerr == ENOENT) pack(kout, kcount, kkeys, kvals, kcount ? kout_batch : 0);
        if (oerr == 0 || oerr == ENOENT) pack(oout, ocount, okeys, ovals, ocount ? oout_batch : 0);
        if (kerr == oerr && kerr == 0 && kcount > 0) {
            cursor_ = kout_batch;
            have_cursor_ = true;
        } else if (kerr != 0 || rng_() % 4 == 0) {
            have_cursor_ = false;  // start over
        }
        // The array cursor is the last key, the hash cursor a bucket: both 4 bytes.
        if (kerr != 0 && kerr != ENOENT) kout.assign(kout.size(), 0), oout.assign(oout.size(), 0);
        return std::string(and_delete ? "lookup_and_delete_batch" : "lookup_batch") + " count " +
               std::to_string(count);
    }

    int fd_;
    Map &map_;
    Attrs attrs_;
    std::mt19937 rng_;
    size_t vsize_;
    uint32_t cursor_ = 0;
    bool have_cursor_ = false;
};

void compare_random_ops(uint32_t type, uint32_t flags, uint32_t seed, unsigned ncpus) {
    bool array = type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
    bool lru = type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
    // 14 keys: a plain hash of 8 fills up; an LRU map of 64 never has to
    // evict (which nobody promises to do like the kernel).
    Attrs a{type, 4, 12, lru ? 64u : 8u, flags | (array ? 0u : uint32_t{BPF_F_ZERO_SEED})};
    int fd = kernel_create(a);
    auto map = ours(a, ncpus);
    if (fd < 0 || !map) {
        expect(false, describe(a) + ": could not create");
        if (fd >= 0) close(fd);
        return;
    }
    OpsComparison cmp(fd, **map, a, seed);
    for (int n = 0; n < 320; n++)
        if (!cmp.step(n)) break;
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

    const uint32_t op_types[] = {BPF_MAP_TYPE_HASH,     BPF_MAP_TYPE_PERCPU_HASH,
                                 BPF_MAP_TYPE_ARRAY,    BPF_MAP_TYPE_PERCPU_ARRAY,
                                 BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH};
    for (uint32_t type : op_types)
        for (uint32_t flags : {0u, uint32_t{BPF_F_NO_PREALLOC}}) {
            if (flags && !(type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH)) continue;
            for (uint32_t seed = 1; seed <= 20; seed++)
                compare_random_ops(type, flags, seed, ncpus);
        }

    if (failures != 0) {
        std::fprintf(stderr, "%d mismatches with the kernel\n", failures);
        return 1;
    }
    std::printf(
        "core maps agree with the kernel: %d creations, %d memlock figures, %d operations "
        "(%d of them errors)\n",
        compared_errno, compared_memlock, compared_ops, failed_ops);
    return 0;
}
