#include "core/hashtab.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>
#include <random>
#include <thread>
#include <vector>

#include "core/jhash.h"

namespace bpffs {
namespace {

// Sizes of kernel 6.18 (x86_64) structures that enter the memlock figure
// (htab_map_mem_usage); checked against bpftool on that kernel.
constexpr uint64_t kKernelHtabSize = 832;     // struct bpf_htab
constexpr uint64_t kKernelBucketSize = 16;    // struct bucket
constexpr uint64_t kKernelHtabElemSize = 48;  // struct htab_elem, without key/value
constexpr uint64_t kKernelLockCount = 8;      // HASHTAB_MAP_LOCK_COUNT
constexpr uint64_t kKernelLlistNodeSize = 8;  // struct llist_node

// KMALLOC_MAX_SIZE on x86_64: key + value must stay below it.
constexpr uint64_t kKmallocMaxSize = uint64_t{1} << 22;
// PCPU_MIN_UNIT_SIZE: the largest per-CPU value.
constexpr uint64_t kPercpuMaxValue = 32768;

constexpr size_t round8(size_t n) {
    return (n + 7) & ~size_t{7};
}

bool is_lru(uint32_t type) {
    return type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}
bool is_percpu(uint32_t type) {
    return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

uint32_t roundup_pow_of_two(uint32_t n) {
    uint32_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

constexpr uint32_t kFlagMask = BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE |
                               BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG |
                               BPF_F_ZERO_SEED;

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

// htab_map_alloc_check, in the kernel's order (the order decides the errno
// when several things are wrong).
Status check_spec(const MapSpec &spec) {
    bool lru = is_lru(spec.map_type);
    bool percpu = is_percpu(spec.map_type);
    bool percpu_lru = spec.map_flags & BPF_F_NO_COMMON_LRU;
    bool prealloc = !(spec.map_flags & BPF_F_NO_PREALLOC);
    bool numa = spec.map_flags & BPF_F_NUMA_NODE;
    if (spec.map_flags & ~kFlagMask)
        return fail(EINVAL, "unknown or unsupported map_flags for a hash map: " +
                                hex(spec.map_flags & ~kFlagMask));
    if ((spec.map_flags & BPF_F_RDONLY_PROG) && (spec.map_flags & BPF_F_WRONLY_PROG))
        return fail(EINVAL, "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG cannot be combined");
    if (!lru && percpu_lru) return fail(EINVAL, "BPF_F_NO_COMMON_LRU is only for LRU hash maps");
    if (lru && !prealloc)
        return fail(kENOTSUPP,
                    "LRU hash maps are always preallocated: BPF_F_NO_PREALLOC is "
                    "not supported");
    if (numa && (percpu || percpu_lru))
        return fail(EINVAL,
                    "BPF_F_NUMA_NODE cannot be used with per-CPU maps or per-CPU LRU "
                    "lists");
    if (spec.max_entries == 0 || spec.key_size == 0 || spec.value_size == 0)
        return fail(EINVAL, "a hash map needs key_size, value_size and max_entries above 0");
    if (uint64_t{spec.key_size} + spec.value_size >= kKmallocMaxSize - kKernelHtabElemSize)
        return fail(E2BIG, "key_size + value_size must stay below " +
                               std::to_string(kKmallocMaxSize - kKernelHtabElemSize) + " bytes");
    if (percpu && round8(spec.value_size) > kPercpuMaxValue)
        return fail(E2BIG,
                    "a per-CPU value may be at most " + std::to_string(kPercpuMaxValue) + " bytes");
    return ok();
}

// The per-map hash seed (the kernel's hashrnd).
uint32_t random_seed() {
    try {
        return std::random_device{}();
    } catch (const std::exception &) {
        // No entropy device: still vary the seed between maps.
        static std::atomic<uint32_t> counter{0};
        return static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
               (counter.fetch_add(0x9e3779b9u) + 0x9e3779b9u);
    }
}

}  // namespace

Result<std::shared_ptr<Map>> hashtab_create(const MapSpec &requested, unsigned ncpus) {
    if (auto st = check_spec(requested); !st) return tl::unexpected(st.error());
    MapSpec spec = requested;
    if (spec.map_flags & BPF_F_NO_COMMON_LRU) {
        // Every CPU's LRU list gets the same share, at least one element.
        uint64_t rounded = (uint64_t{spec.max_entries} + ncpus - 1) / ncpus * ncpus;
        spec.max_entries = rounded <= UINT32_MAX ? static_cast<uint32_t>(rounded)
                                                 : spec.max_entries / ncpus * ncpus;
    }
    if (spec.max_entries > (uint32_t{1} << 31))
        return fail(E2BIG, "max_entries may be at most 2^31 for a hash map");
    uint32_t n_buckets = roundup_pow_of_two(spec.max_entries);
    if (n_buckets > UINT32_MAX / kKernelBucketSize)
        return fail(E2BIG, "max_entries " + std::to_string(spec.max_entries) +
                               " needs too many hash buckets");
    uint32_t seed = (spec.map_flags & BPF_F_ZERO_SEED) ? 0 : random_seed();
    // Elements are charged as their chunks are allocated (ElemPool).
    auto charge = MemCharge::take(uint64_t{n_buckets} * sizeof(std::atomic<uint32_t>),
                                  "the buckets of this hash map");
    if (!charge) return tl::unexpected(charge.error());
    try {
        return std::make_shared<HashTab>(spec, ncpus, n_buckets, seed, std::move(*charge));
    } catch (const std::bad_alloc &) {
        return fail(ENOMEM,
                    "no memory for the " + std::to_string(n_buckets) + " buckets of a hash map");
    }
}

namespace {

// The element slots of a plain hash map: max_entries, spares so that
// replacing a value can link the new element before the old one is
// recycled, and as many again for elements retired while readers may hold
// them (core/rcu.h). Slots are carved only when needed, so the reserve
// costs memory only while readers hold retired elements.
uint32_t pool_capacity(uint32_t max_entries, unsigned ncpus) {
    uint64_t spares = ncpus + 64;
    return static_cast<uint32_t>(
        std::min<uint64_t>(2 * (uint64_t{max_entries} + spares), ElemPool::kNil - 1));
}

}  // namespace

HashTab::HashTab(const MapSpec &spec, unsigned ncpus, uint32_t n_buckets, uint32_t seed,
                 MemCharge buckets_charge)
    : Map(spec, ncpus),
      n_buckets_(n_buckets),
      seed_(seed),
      lru_(is_lru(spec.map_type)),
      prealloc_(!(spec.map_flags & BPF_F_NO_PREALLOC)),
      key_offset_(8 + (lru_ ? Lru::kNodeSize : 0)),
      value_offset_(key_offset_ + round8(spec.key_size)),
      value_stride_(round8(spec.value_size)),
      elem_size_(value_offset_ +
                 (is_percpu(spec.map_type) ? value_stride_ * ncpus : value_stride_)),
      buckets_charge_(std::move(buckets_charge)),
      heads_(new std::atomic<uint32_t>[n_buckets]),
      nstripes_(std::min<uint32_t>(n_buckets, 256)),
      stripes_(new std::mutex[nstripes_]),
      pool_(lru_ ? spec.max_entries : pool_capacity(spec.max_entries, ncpus), elem_size_),
      retired_([this](uint32_t index) { pool_.release(index); }) {
    for (uint32_t i = 0; i < n_buckets_; i++)
        heads_[i].store(kNil, std::memory_order_relaxed);
    if (lru_) {
        unsigned nlists = (spec.map_flags & BPF_F_NO_COMMON_LRU) ? ncpus : 1;
        lru_list_ = std::make_unique<Lru>(pool_, 8, spec.max_entries, nlists,
                                          [this](uint32_t index) { return evict_from_map(index); });
    }
}

uint64_t HashTab::memlock() const {
    uint64_t cpus = ncpus();
    uint64_t value_size = round8(this->value_size());
    uint64_t kernel_elem = kKernelHtabElemSize + round8(key_size()) + (percpu() ? 8 : value_size);
    uint64_t usage =
        kKernelHtabSize + kKernelBucketSize * n_buckets_ + sizeof(int) * cpus * kKernelLockCount;
    if (prealloc_) {
        // Plain preallocated maps keep one spare element per CPU.
        uint64_t entries = max_entries() + (!percpu() && !lru_ ? cpus : 0);
        usage += kernel_elem * entries;
        if (percpu())
            usage += value_size * cpus * entries;
        else if (!lru_)
            usage += sizeof(void *) * cpus;
    } else {
        uint64_t entries = count();
        usage += (kernel_elem + kKernelLlistNodeSize) * entries;
        if (percpu())
            usage += (kKernelLlistNodeSize + sizeof(void *) + value_size * cpus) * entries;
    }
    return usage;
}

size_t HashTab::bytes_allocated() const {
    return pool_.bytes_allocated() + sizeof(std::atomic<uint32_t>) * n_buckets_ +
           sizeof(std::mutex) * nstripes_;
}

uint32_t HashTab::hash_of(const void *key) const {
    return map_key_hash(key, key_size(), seed_);
}

// Atomic because the LRU evictor reads the hash of a node that another
// thread may be filling in (it then finds the node in no bucket and skips it).
uint32_t HashTab::elem_hash(uint32_t index) const {
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t *>(pool_.at(index) + 4))
        .load(std::memory_order_relaxed);
}

void HashTab::set_elem_hash(uint32_t index, uint32_t hash) {
    std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t *>(pool_.at(index) + 4))
        .store(hash, std::memory_order_relaxed);
}

uint32_t HashTab::find(uint32_t bucket, uint32_t hash, const void *key) const {
    for (uint32_t i = heads_[bucket].load(std::memory_order_relaxed); i != kNil;
         i = pool_.link(i).load(std::memory_order_relaxed))
        if (elem_hash(i) == hash && std::memcmp(elem_key(i), key, key_size()) == 0) return i;
    return kNil;
}

void HashTab::link_head(uint32_t bucket, uint32_t index) {
    pool_.link(index).store(heads_[bucket].load(std::memory_order_relaxed),
                            std::memory_order_relaxed);
    heads_[bucket].store(index, std::memory_order_relaxed);
}

bool HashTab::unlink(uint32_t bucket, uint32_t index) {
    std::atomic<uint32_t> *prev = &heads_[bucket];
    for (uint32_t i = prev->load(std::memory_order_relaxed); i != kNil;
         i = prev->load(std::memory_order_relaxed)) {
        if (i == index) {
            prev->store(pool_.link(i).load(std::memory_order_relaxed), std::memory_order_relaxed);
            return true;
        }
        prev = &pool_.link(i);
    }
    return false;
}

void HashTab::store_value(uint32_t index, const ValueSource &src, bool fresh) {
    uint8_t *value = elem_value(index);
    if (!percpu()) {
        std::memcpy(value, src.data, value_size());
        return;
    }
    if (src.all_cpus) {
        // The syscall buffer has every CPU's slot, padding included.
        std::memcpy(value, src.data, value_stride_ * ncpus());
        return;
    }
    // A program writes its own CPU's value; a new element's other CPUs start at 0.
    if (fresh) std::memset(value, 0, value_stride_ * ncpus());
    std::memcpy(value + value_stride_ * src.cpu, src.data, value_size());
}

void HashTab::copy_value_out(uint32_t index, void *out) const {
    std::memcpy(out, elem_value(index), percpu() ? value_stride_ * ncpus() : value_size());
}

unsigned HashTab::current_cpu() const {
    int cpu = sched_getcpu();
    return cpu < 0 ? 0 : static_cast<unsigned>(cpu) % ncpus();
}

uint32_t HashTab::alloc_elem(unsigned cpu) {
    return lru_ ? lru_list_->pop(cpu) : take_slot();
}

// An element no longer linked in the map. A plain map's slot waits for the
// read sections that may still hold its value (core/rcu.h); an LRU node goes
// back to its list at once, as the kernel's do (its evictions reuse nodes
// at once anyway).
void HashTab::free_elem(uint32_t index) {
    if (lru_)
        lru_list_->push_free(index);
    else
        retired_.retire(index);
}

bool HashTab::evict_from_map(uint32_t index) {
    uint32_t bucket = bucket_of(elem_hash(index));
    std::lock_guard lock(stripe(bucket));
    if (!unlink(bucket, index)) return false;
    count_.fetch_sub(1, std::memory_order_relaxed);
    return true;
}

int HashTab::update_elem(const void *key, const ValueSource &src, uint64_t flags) {
    if (int err = check_update_flags(flags)) return -err;
    return lru_ ? update_lru(key, src, flags) : update_plain(key, src, flags);
}

int HashTab::update_plain(const void *key, const ValueSource &src, uint64_t flags) {
    uint32_t hash = hash_of(key);
    uint32_t bucket = bucket_of(hash);
    // The new element is made before the bucket is locked: taking a slot may
    // wait for readers (take_slot), never to be done under a bucket lock.
    uint32_t fresh = kNil;
    if (!percpu() || flags != BPF_EXIST) {
        fresh = take_slot();
        if (fresh != kNil) {
            set_elem_hash(fresh, hash);
            std::memcpy(elem_key(fresh), key, key_size());
            store_value(fresh, src, true);
        }
    }
    uint32_t old;
    bool linked = false;
    int err = 0;
    {
        std::lock_guard lock(stripe(bucket));
        old = find(bucket, hash, key);
        if (old != kNil && flags == BPF_NOEXIST) {
            err = -EEXIST;
        } else if (old == kNil && flags == BPF_EXIST) {
            err = -ENOENT;
        } else if (old != kNil && (percpu() || fresh == kNil)) {
            // Per-CPU values are updated in place, as in the kernel; so is
            // any value when no slot could be had (see take_slot).
            store_value(old, src, false);
        } else if (old == kNil && count_.fetch_add(1, std::memory_order_relaxed) >= max_entries()) {
            count_.fetch_sub(1, std::memory_order_relaxed);
            err = -E2BIG;
        } else if (fresh == kNil) {
            count_.fetch_sub(1, std::memory_order_relaxed);
            err = -ENOMEM;
        } else {
            link_head(bucket, fresh);
            if (old != kNil) unlink(bucket, old);
            linked = true;
        }
    }
    if (!linked && fresh != kNil) pool_.release(fresh);  // never linked: nobody has seen it
    if (linked && old != kNil) free_elem(old);
    return err;
}

// A slot for a new element of a plain map. Slots retired while readers may
// hold them come back when those readers are done: with none free, wait for
// them, unless this thread is a reader itself (a program updating the map
// during an iterator read), which would wait for itself. Only a whole map's
// worth of replacements during one read section gets that far (the pool
// holds twice the map, pool_capacity).
uint32_t HashTab::take_slot() {
    for (;;) {
        uint32_t index = pool_.alloc();
        if (index != kNil) return index;
        if (retired_.reclaim() > 0) continue;
        if (retired_.pending() == 0 || rcu::in_read_section()) return kNil;
        std::this_thread::yield();
    }
}

int HashTab::update_lru(const void *key, const ValueSource &src, uint64_t flags) {
    uint32_t hash = hash_of(key);
    uint32_t bucket = bucket_of(hash);
    unsigned cpu = src.all_cpus ? current_cpu() : src.cpu;
    // The new node is taken before the bucket is locked (lock order: LRU
    // list, then bucket), as the kernel does; it is returned if unused.
    uint32_t fresh = kNil;
    if (!percpu() || flags != BPF_EXIST) {
        fresh = alloc_elem(cpu);
        if (fresh == kNil) return -ENOMEM;
        set_elem_hash(fresh, hash);
        std::memcpy(elem_key(fresh), key, key_size());
        store_value(fresh, src, true);
    }
    uint32_t to_free = kNil;
    int err = 0;
    {
        std::lock_guard lock(stripe(bucket));
        uint32_t old = find(bucket, hash, key);
        if (old != kNil && flags == BPF_NOEXIST) {
            err = -EEXIST;
            to_free = fresh;
        } else if (old == kNil && flags == BPF_EXIST) {
            err = -ENOENT;
            to_free = fresh;
        } else if (old != kNil && percpu()) {
            // Per-CPU values are updated in place.
            store_value(old, src, false);
            to_free = fresh;
        } else {
            link_head(bucket, fresh);
            if (old != kNil)
                unlink(bucket, old);
            else
                count_.fetch_add(1, std::memory_order_relaxed);
            to_free = old;
        }
    }
    if (to_free != kNil) free_elem(to_free);
    return err;
}

int HashTab::delete_elem(const void *key, void *value_out) {
    uint32_t hash = hash_of(key);
    uint32_t bucket = bucket_of(hash);
    uint32_t index;
    {
        std::lock_guard lock(stripe(bucket));
        index = find(bucket, hash, key);
        if (index == kNil) return -ENOENT;
        if (value_out != nullptr) copy_value_out(index, value_out);
        unlink(bucket, index);
        count_.fetch_sub(1, std::memory_order_relaxed);
    }
    free_elem(index);
    return 0;
}

Status HashTab::lookup(const void *key, void *value, uint64_t flags) {
    if (auto st = check_lookup_flags(flags); !st) return st;
    uint32_t hash = hash_of(key);
    uint32_t bucket = bucket_of(hash);
    std::lock_guard lock(stripe(bucket));
    uint32_t index = find(bucket, hash, key);
    // A lookup from user space does not mark an LRU element as used, so that
    // walking the map does not disturb eviction.
    if (index == kNil) return fail(ENOENT, "no such key in the map");
    copy_value_out(index, value);
    return ok();
}

Status HashTab::update(const void *key, const void *value, uint64_t flags) {
    if (auto st = check_writable(); !st) return st;
    int err = update_elem(key, ValueSource{value, true, 0}, flags);
    if (err != 0) return tl::unexpected(update_error(-err));
    return ok();
}

Status HashTab::remove(const void *key) {
    if (auto st = check_writable(); !st) return st;
    if (delete_elem(key, nullptr) != 0) return fail(ENOENT, "no such key in the map");
    return ok();
}

Status HashTab::lookup_and_delete(const void *key, void *value, uint64_t flags) {
    if (flags & ~uint64_t{BPF_F_LOCK})
        return fail(EINVAL, "lookup-and-delete flags may only contain BPF_F_LOCK");
    if (auto st = check_writable(); !st) return st;
    if (auto st = check_lookup_flags(flags); !st) return st;
    if (delete_elem(key, value) != 0) return fail(ENOENT, "no such key in the map");
    return ok();
}

Status HashTab::get_next_key(const void *key, void *next_key) {
    uint32_t bucket = 0;
    if (key != nullptr) {
        uint32_t hash = hash_of(key);
        uint32_t key_bucket = bucket_of(hash);
        std::lock_guard lock(stripe(key_bucket));
        uint32_t index = find(key_bucket, hash, key);
        // A key that is not in the map restarts the walk at the first key.
        if (index != kNil) {
            uint32_t next = pool_.link(index).load(std::memory_order_relaxed);
            if (next != kNil) {
                std::memcpy(next_key, elem_key(next), key_size());
                return ok();
            }
            bucket = key_bucket + 1;
        }
    }
    for (; bucket < n_buckets_; bucket++) {
        std::lock_guard lock(stripe(bucket));
        uint32_t head = heads_[bucket].load(std::memory_order_relaxed);
        if (head != kNil) {
            std::memcpy(next_key, elem_key(head), key_size());
            return ok();
        }
    }
    return fail(ENOENT, key == nullptr ? "the map is empty" : "no key follows this one");
}

Status HashTab::lookup_batch(MapBatch &b, bool and_delete) {
    if (and_delete) {
        if (auto st = check_writable(); !st) return st;
    }
    if (b.elem_flags & ~uint64_t{BPF_F_LOCK})
        return fail(EINVAL, "batch elem_flags may only contain BPF_F_LOCK");
    if (b.elem_flags & BPF_F_LOCK)
        return fail(EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the map value; this map has none");
    if (b.flags != 0) return fail(EINVAL, "lookup batch flags must be 0");
    uint32_t max_count = b.count;
    if (max_count == 0) return ok();
    b.count = 0;
    uint32_t bucket = 0;
    if (b.in_batch != nullptr) std::memcpy(&bucket, b.in_batch, sizeof bucket);
    if (bucket >= n_buckets_) return fail(ENOENT, "the batch cursor is past the last bucket");

    auto *keys = static_cast<uint8_t *>(b.keys);
    auto *values = static_cast<uint8_t *>(b.values);
    size_t vsize = user_value_size();
    uint32_t total = 0;
    Status result = ok();
    std::vector<uint32_t> removed;
    // The walk waits on a cache miss per element (90% of its time in a
    // 200,000-element map): the first elements of the buckets ahead are
    // asked for early, as the iterator's walk does.
    constexpr uint32_t kAhead = 16;
    for (uint32_t b = bucket; b < std::min(n_buckets_, bucket + kAhead); b++)
        prefetch_head(b);
    // Whole buckets only: a bucket that does not fit ends the batch, or
    // fails it with ENOSPC when it is the first one.
    for (;;) {
        if (bucket + kAhead < n_buckets_) prefetch_head(bucket + kAhead);
        uint32_t in_bucket = 0;
        {
            std::lock_guard lock(stripe(bucket));
            for (uint32_t i = heads_[bucket].load(std::memory_order_relaxed); i != kNil;
                 i = pool_.link(i).load(std::memory_order_relaxed))
                in_bucket++;
            if (in_bucket > max_count - total) {
                if (total == 0)
                    result = fail(ENOSPC, "count is smaller than the next hash bucket (" +
                                              std::to_string(in_bucket) + " elements)");
                break;
            }
            uint32_t slot = total;
            for (uint32_t i = heads_[bucket].load(std::memory_order_relaxed); i != kNil;
                 i = pool_.link(i).load(std::memory_order_relaxed), slot++) {
                std::memcpy(keys + size_t{slot} * key_size(), elem_key(i), key_size());
                copy_value_out(i, values + size_t{slot} * vsize);
                if (and_delete) removed.push_back(i);
            }
            if (and_delete && in_bucket > 0) {
                heads_[bucket].store(kNil, std::memory_order_relaxed);
                count_.fetch_sub(in_bucket, std::memory_order_relaxed);
            }
        }
        total += in_bucket;
        bucket++;
        if (bucket >= n_buckets_) {
            result = fail(ENOENT, "the batch reached the end of the map");
            break;
        }
    }
    for (uint32_t index : removed)
        free_elem(index);
    if (b.out_batch != nullptr) std::memcpy(b.out_batch, &bucket, sizeof bucket);
    b.count = total;
    return result;
}

Status HashTab::update_batch(MapBatch &b) {
    if (auto st = check_writable(); !st) return st;
    return generic_update_batch(b);
}

Status HashTab::delete_batch(MapBatch &b) {
    if (auto st = check_writable(); !st) return st;
    return generic_delete_batch(b);
}

void *HashTab::lookup_for_prog(const void *key, unsigned cpu) {
    uint32_t hash = hash_of(key);
    uint32_t bucket = bucket_of(hash);
    uint32_t index;
    {
        std::lock_guard lock(stripe(bucket));
        index = find(bucket, hash, key);
    }
    if (index == kNil) return nullptr;
    if (lru_) lru_list_->mark_referenced(index);
    uint8_t *value = elem_value(index);
    return percpu() ? value + value_stride_ * (cpu % ncpus()) : value;
}

long HashTab::update_from_prog(const void *key, const void *value, uint64_t flags, unsigned cpu) {
    return update_elem(key, ValueSource{value, false, cpu % ncpus()}, flags);
}

long HashTab::delete_from_prog(const void *key) {
    return delete_elem(key, nullptr);
}

// As the kernel's bpf_for_each_hash_elem: bucket by bucket, chains head
// first. The chain is read under its lock, each element visited without it
// (the visitor may delete it, or others); an element unlinked before its
// turn is skipped.
uint32_t HashTab::for_each_from_prog(unsigned cpu, uint32_t *, ElemVisitor visit, void *arg) {
    uint32_t visited = 0;
    std::vector<uint32_t> chain;
    for (uint32_t bucket = 0; bucket < n_buckets_; ++bucket) {
        chain.clear();
        {
            std::lock_guard lock(stripe(bucket));
            for (uint32_t i = heads_[bucket].load(std::memory_order_relaxed); i != kNil;
                 i = pool_.link(i).load(std::memory_order_relaxed))
                chain.push_back(i);
        }
        for (uint32_t index : chain) {
            {
                std::lock_guard lock(stripe(bucket));
                uint32_t i = heads_[bucket].load(std::memory_order_relaxed);
                while (i != kNil && i != index)
                    i = pool_.link(i).load(std::memory_order_relaxed);
                if (i == kNil) continue;
            }
            ++visited;
            uint8_t *value = elem_value(index);
            if (percpu()) value += value_stride_ * (cpu % ncpus());
            if (visit(arg, elem_key(index), value)) return visited;
        }
    }
    return visited;
}

// An iterator walks a large map one element per call with a program run in
// between, and its time went to cache misses on the elements (scattered
// over the pool). Asking for the next chain element and for the bucket a few
// steps ahead now lets those lines arrive while the program runs. The
// unlocked reads only choose what to prefetch: any index read is a slot of
// the pool (at() of a chunk not yet made is a harmless prefetch address).
void HashTab::prefetch_slot(uint32_t index) const {
    const uint8_t *slot = pool_.at(index);
    __builtin_prefetch(slot);
    const auto offset = reinterpret_cast<uintptr_t>(slot) & 63;
    if (offset + pool_.slot_size() > 64) __builtin_prefetch(slot + pool_.slot_size() - 1);
}

void HashTab::prefetch_head(uint32_t bucket) const {
    uint32_t head = heads_[bucket].load(std::memory_order_relaxed);
    if (head != kNil) prefetch_slot(head);
}

void HashTab::prefetch_following(uint32_t bucket, uint32_t current) const {
    constexpr uint32_t kAhead = 16;
    uint32_t next = pool_.link(current).load(std::memory_order_relaxed);
    if (next != kNil) prefetch_slot(next);
    // Every bucket of the window, not only the last: empty buckets are
    // stepped over without a call, which would leave holes in the coverage.
    const uint32_t end = std::min(n_buckets_, bucket + 1 + kAhead);
    for (uint32_t b = bucket + 1; b < end; b++)
        prefetch_head(b);
}

void *HashTab::next_elem(MapCursor &cursor, void *key_out, void *value_out) {
    for (; cursor.bucket < n_buckets_; cursor.bucket++, cursor.skip = 0) {
        std::lock_guard lock(stripe(cursor.bucket));
        uint32_t i = heads_[cursor.bucket].load(std::memory_order_relaxed);
        for (uint32_t n = 0; i != kNil && n < cursor.skip; n++)
            i = pool_.link(i).load(std::memory_order_relaxed);
        if (i == kNil) continue;
        cursor.skip++;
        prefetch_following(cursor.bucket, i);
        std::memcpy(key_out, elem_key(i), key_size());
        if (!percpu()) return elem_value(i);
        copy_value_out(i, value_out);
        return value_out;
    }
    return nullptr;
}

}  // namespace bpffs
