// The map object: what every map type shares, and the interface each type
// (hashtab, arraymap, their per-CPU and LRU variants) implements.
//
// Two sides use a map, as in the kernel:
//  - the syscall side (control socket commands): keys of key_size bytes,
//    values of user_value_size() bytes (per-CPU maps: every possible CPU's
//    value, each rounded up to 8 bytes), errors as errno + sentence;
//  - the program side (helpers called by the VM, iterators): pointers into
//    the element storage, errors as negative errno. A value pointer handed
//    to a program stays valid memory for the map's whole lifetime (elements
//    are recycled, never returned to the allocator while the map lives),
//    the user-space analogue of the kernel's RCU guarantee.
//
// Every operation is thread-safe; there is no global lock on the data path.
// Hash maps lock one bucket stripe at a time; arrays take no lock at all, so
// concurrent writes of one array value may tear, as they may in the kernel.
//
// Walking the elements (for the bpf_map_elem iterator and `map dump`):
// next_elem() is a pull interface that resumes from a MapCursor, so a
// seq_file reader can stop after any element and continue in a later read.
// Hash maps are walked bucket by bucket (cursor = bucket, elements already
// visited in it), arrays index by index. Concurrent inserts and deletes may
// make a walk skip or repeat elements, as in the kernel. No lock is held
// between calls nor while the caller looks at the element, so the caller may
// update or delete elements of the same map in between.
#pragma once

#include <linux/bpf.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "core/object.h"
#include "core/result.h"

namespace bpffs {

// The attributes of MAP_CREATE that bpffsd implements.
struct MapSpec {
    uint32_t map_type = 0;  // enum bpf_map_type
    uint32_t key_size = 0;
    uint32_t value_size = 0;
    uint32_t max_entries = 0;
    uint32_t map_flags = 0;
    std::string name;  // at most BPF_OBJ_NAME_LEN - 1 characters
    uint32_t numa_node = 0;
    uint64_t map_extra = 0;
    uint32_t btf_id = 0;  // id of the BTF object describing key/value (0: none)
    uint32_t btf_key_type_id = 0;
    uint32_t btf_value_type_id = 0;
    // The BTF object of btf_id (a BtfObject), held for the map's whole life
    // as the kernel's map->btf: `cat` of the pinned map renders with it.
    std::shared_ptr<const Object> btf;
};

// Arguments of the four batch commands (spec 5.7). The cursor is an opaque
// 4-byte position (hash: bucket, array: index).
struct MapBatch {
    const void *in_batch = nullptr;  // nullptr: start from the beginning
    void *out_batch = nullptr;       // batch_cursor_size() bytes
    void *keys = nullptr;            // count * key_size bytes
    void *values = nullptr;          // count * user_value_size() bytes
    uint32_t count = 0;              // in: capacity; out: elements processed
    uint64_t elem_flags = 0;
    uint64_t flags = 0;
};

// Where an element walk resumes (see next_elem()).
struct MapCursor {
    uint32_t bucket = 0;  // hash: bucket index; array: element index
    uint32_t skip = 0;    // hash: elements of that bucket already visited
};

class Map : public Object {
  public:
    // Validates spec as the kernel's MAP_CREATE does and builds the map.
    // ncpus: possible CPUs (sizes per-CPU values). Not yet published.
    static Result<std::shared_ptr<Map>> create(const MapSpec &spec, unsigned ncpus);

    const MapSpec &spec() const { return spec_; }
    uint32_t type() const { return spec_.map_type; }
    uint32_t key_size() const { return spec_.key_size; }
    uint32_t value_size() const { return spec_.value_size; }
    uint32_t max_entries() const { return spec_.max_entries; }
    uint32_t flags() const { return spec_.map_flags; }
    const std::string &name() const { return spec_.name; }
    unsigned ncpus() const { return ncpus_; }
    bool percpu() const;
    // Size of one value through the syscall interface.
    size_t user_value_size() const;
    static constexpr size_t batch_cursor_size() { return 4; }

    // Freezing makes the map read-only for the syscall side (spec 5.6).
    bool frozen() const { return frozen_.load(); }
    Status freeze();

    // Bytes of memory the map accounts for (bpftool's "memlock").
    virtual uint64_t memlock() const = 0;

    // --- syscall side ---
    virtual Status lookup(const void *key, void *value, uint64_t flags) = 0;
    virtual Status update(const void *key, const void *value, uint64_t flags) = 0;
    virtual Status remove(const void *key) = 0;
    virtual Status lookup_and_delete(const void *key, void *value, uint64_t flags) = 0;
    // key == nullptr asks for the first key.
    virtual Status get_next_key(const void *key, void *next_key) = 0;
    // Batches update b.count even when they fail (ENOENT at the end of a
    // lookup batch comes with the last elements).
    virtual Status lookup_batch(MapBatch &b, bool and_delete) = 0;
    virtual Status update_batch(MapBatch &b) = 0;
    virtual Status delete_batch(MapBatch &b) = 0;

    // --- program side (helpers, iterators); cpu < ncpus() ---
    virtual void *lookup_for_prog(const void *key, unsigned cpu) = 0;
    virtual long update_from_prog(const void *key, const void *value, uint64_t flags,
                                  unsigned cpu) = 0;
    virtual long delete_from_prog(const void *key) = 0;
    // bpf_for_each_map_elem's walk (the kernel's map_for_each_callback):
    // calls visit(arg, key, value) for each element, in walk order, until it
    // returns true. key is the element's key (array maps: the index, stored
    // in key_buf), value its storage (per-CPU maps: cpu's slot); both stay
    // valid memory for the map's lifetime. No lock is held during a visit,
    // so the visitor may update or delete elements, the current one too.
    // Returns the number of elements visited, the last one included.
    using ElemVisitor = bool (*)(void *arg, const void *key, void *value);
    virtual uint32_t for_each_from_prog(unsigned cpu, uint32_t *key_buf, ElemVisitor visit,
                                        void *arg) = 0;

    // --- element walk ---
    // The element at or after cursor, then moves cursor past it. Copies the
    // key into key_out (key_size bytes). Returns the value: for non-per-CPU
    // maps a pointer to the element's real storage (writes persist); for
    // per-CPU maps a copy of every CPU's value in value_out
    // (user_value_size() bytes) and value_out itself. nullptr at the end.
    virtual void *next_elem(MapCursor &cursor, void *key_out, void *value_out) = 0;

  protected:
    Map(const MapSpec &spec, unsigned ncpus)
        : Object(ObjectKind::map), spec_(spec), ncpus_(ncpus) {}

    // EPERM once the map is frozen: the syscall side may no longer write.
    Status check_writable() const;
    // The flag rules of BPF_MAP_UPDATE_ELEM / BPF_MAP_LOOKUP_ELEM: any
    // combination but ANY/NOEXIST/EXIST is EINVAL, and BPF_F_LOCK needs a
    // bpf_spin_lock in the value, which bpffsd maps never have.
    static int check_update_flags(uint64_t flags);
    static Status check_lookup_flags(uint64_t flags);
    // The sentence for an errno returned by an update.
    Error update_error(int err) const;
    // The kernel's generic batch commands, built on the single-element ones:
    // process keys in order, stop at the first error, report how many were
    // done in b.count.
    Status generic_update_batch(MapBatch &b);
    Status generic_delete_batch(MapBatch &b);
    // Lookup batch over get_next_key: the cursor is the last key returned
    // (key_size bytes).
    Status generic_lookup_batch(MapBatch &b);

  private:
    MapSpec spec_;
    unsigned ncpus_;
    std::atomic<bool> frozen_{false};
};

// The kernel's name of a map type ("hash", "lru_percpu_hash", ...), or
// "unknown" past the types Linux 6.18 has.
const char *map_type_name(uint32_t type);

// The number of possible CPUs of this machine (/sys/devices/system/cpu/possible).
unsigned possible_cpus();

}  // namespace bpffs
