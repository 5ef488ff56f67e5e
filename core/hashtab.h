// Hash maps: BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH
// (kernel/bpf/hashtab.c).
//
// Layout: a power-of-two array of bucket heads (4-byte element indices) and
// an ElemPool of elements, each
//     [chain link u32][hash u32][LRU node, LRU maps only][key][value]
// with key and value rounded up to 8 bytes; a per-CPU element holds one value
// slot per possible CPU. A 4-byte-key, 8-byte-value element takes 24 bytes.
//
// Order: keys are bucketed by jhash with a random seed per map (0 with
// BPF_F_ZERO_SEED, which then reproduces the kernel's order exactly); a new
// or replaced element goes to the head of its bucket. get_next_key, batches
// and next_elem() all walk buckets in index order and chains head first.
//
// Locking: buckets are guarded by a striped set of mutexes (bucket i by
// stripe i % stripes); no operation holds two stripes at once. Element
// allocation is lock-free (ElemPool) for plain maps; LRU maps take the
// lock of one LRU list for allocation and free (see lru.h).
//
// Replacing a non-per-CPU value links a new element and retires the old
// one: a program still holding the old value pointer (in an rcu::ReadLock
// section) reads the old value, and the slot is reused only after such
// sections end (core/rcu.h), as the kernel's RCU keeps an element for its
// readers. Per-CPU values are replaced in place, and LRU nodes are reused
// at once, as in the kernel.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "core/elem_pool.h"
#include "core/lru.h"
#include "core/map.h"
#include "core/mem_charge.h"
#include "core/rcu.h"

namespace bpffs {

// The hash map checks of MAP_CREATE (htab_map_alloc_check, htab_map_alloc)
// and construction. spec.map_type must be one of the four hash types.
Result<std::shared_ptr<Map>> hashtab_create(const MapSpec &spec, unsigned ncpus);

class HashTab : public Map {
  public:
    // buckets_charge: the budget charge for the bucket array.
    HashTab(const MapSpec &spec, unsigned ncpus, uint32_t n_buckets, uint32_t seed,
            MemCharge buckets_charge = {});

    uint64_t memlock() const override;

    Status lookup(const void *key, void *value, uint64_t flags) override;
    Status update(const void *key, const void *value, uint64_t flags) override;
    Status remove(const void *key) override;
    Status lookup_and_delete(const void *key, void *value, uint64_t flags) override;
    Status get_next_key(const void *key, void *next_key) override;
    Status lookup_batch(MapBatch &b, bool and_delete) override;
    Status update_batch(MapBatch &b) override;
    Status delete_batch(MapBatch &b) override;

    void *lookup_for_prog(const void *key, unsigned cpu) override;
    long update_from_prog(const void *key, const void *value, uint64_t flags,
                          unsigned cpu) override;
    long delete_from_prog(const void *key) override;
    uint32_t for_each_from_prog(unsigned cpu, uint32_t *key_buf, ElemVisitor visit,
                                void *arg) override;

    void *next_elem(MapCursor &cursor, void *key_out, void *value_out) override;

    uint32_t n_buckets() const { return n_buckets_; }
    // Elements in the map now.
    uint32_t count() const { return count_.load(std::memory_order_relaxed); }
    // Bytes of element and bucket storage obtained so far.
    size_t bytes_allocated() const;

  private:
    static constexpr uint32_t kNil = ElemPool::kNil;

    // Where an update's value comes from: the syscall side gives every
    // CPU's value of a per-CPU map, a program only its own CPU's.
    struct ValueSource {
        const void *data;
        bool all_cpus;
        unsigned cpu;
    };

    uint32_t hash_of(const void *key) const;
    uint32_t bucket_of(uint32_t hash) const { return hash & (n_buckets_ - 1); }
    // Warms the cache lines a walk reaches next (see next_elem).
    void prefetch_following(uint32_t bucket, uint32_t current) const;
    // Asks for an element's slot, or for the first element of a bucket
    // (unlocked reads: they only choose what to prefetch).
    void prefetch_slot(uint32_t index) const;
    void prefetch_head(uint32_t bucket) const;
    std::mutex &stripe(uint32_t bucket) const { return stripes_[bucket % nstripes_]; }
    uint32_t elem_hash(uint32_t index) const;
    void set_elem_hash(uint32_t index, uint32_t hash);
    uint8_t *elem_key(uint32_t index) const { return pool_.at(index) + key_offset_; }
    uint8_t *elem_value(uint32_t index) const { return pool_.at(index) + value_offset_; }

    // Under the bucket's stripe lock:
    uint32_t find(uint32_t bucket, uint32_t hash, const void *key) const;
    void link_head(uint32_t bucket, uint32_t index);
    bool unlink(uint32_t bucket, uint32_t index);

    void store_value(uint32_t index, const ValueSource &src, bool fresh);
    void copy_value_out(uint32_t index, void *out) const;
    unsigned current_cpu() const;

    int update_elem(const void *key, const ValueSource &src, uint64_t flags);
    int update_plain(const void *key, const ValueSource &src, uint64_t flags);
    int update_lru(const void *key, const ValueSource &src, uint64_t flags);
    int delete_elem(const void *key, void *value_out);
    uint32_t alloc_elem(unsigned cpu);
    uint32_t take_slot();
    void free_elem(uint32_t index);
    bool evict_from_map(uint32_t index);

    uint32_t n_buckets_;
    uint32_t seed_;
    bool lru_;
    bool prealloc_;
    size_t key_offset_;
    size_t value_offset_;
    size_t value_stride_;  // round_up(value_size, 8)
    size_t elem_size_;
    MemCharge buckets_charge_;
    std::unique_ptr<std::atomic<uint32_t>[]> heads_;
    uint32_t nstripes_;
    std::unique_ptr<std::mutex[]> stripes_;
    mutable ElemPool pool_;
    rcu::RetireList retired_;  // plain maps' unlinked slots (core/rcu.h)
    std::unique_ptr<Lru> lru_list_;
    std::atomic<uint32_t> count_{0};
};

}  // namespace bpffs
