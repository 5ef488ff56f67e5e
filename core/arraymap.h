// Array maps: BPF_MAP_TYPE_ARRAY and PERCPU_ARRAY (kernel/bpf/arraymap.c).
//
// One zeroed block of max_entries values, each rounded up to 8 bytes (per-CPU:
// one such slot per possible CPU, CPU-major within an index). Every index
// always exists, so nothing is ever allocated or freed after creation and a
// value pointer stays valid for the map's lifetime. No locks: concurrent
// writers of the same value may tear it, as in the kernel.
#pragma once

#include <memory>

#include "core/map.h"
#include "core/mem_charge.h"

namespace bpffs {

// The array map checks of MAP_CREATE (array_map_alloc_check) and construction.
Result<std::shared_ptr<Map>> arraymap_create(const MapSpec &spec, unsigned ncpus);

class ArrayMap : public Map {
  public:
    // data: max_entries * index_stride bytes from calloc, owned by the map,
    // as is the budget charge that stands for them.
    ArrayMap(const MapSpec &spec, unsigned ncpus, uint8_t *data, MemCharge charge = {});
    ~ArrayMap() override;

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

  private:
    uint8_t *slot(uint32_t index) const { return data_ + index_stride_ * index; }
    static uint32_t index_of(const void *key);
    int update_elem(const void *key, const void *value, uint64_t flags, bool all_cpus,
                    unsigned cpu);

    size_t elem_size_;     // round_up(value_size, 8)
    size_t index_stride_;  // elem_size_, times ncpus for per-CPU arrays
    uint8_t *data_;
    MemCharge charge_;
};

}  // namespace bpffs
