// Eviction for the LRU hash maps (BPF_MAP_TYPE_LRU_HASH, LRU_PERCPU_HASH).
//
// Every element of an LRU map is a node on one of the lists here: either on
// the list's free list or on its active list (most recent at the head). A
// lookup from a program only sets the node's reference bit, without a lock;
// when a list runs out of free nodes, pop() walks the active list from the
// tail, gives referenced nodes a second chance and evicts the others in a
// small batch (so, like the kernel, an insert into a full map can leave it
// with fewer than max_entries elements, and never fails with E2BIG).
//
// One list for the whole map, or one per CPU with BPF_F_NO_COMMON_LRU (the
// capacity split evenly). Each list has its own lock. Lock order: a list lock
// may be held while the map's unlink callback takes a bucket lock, never the
// other way round, so callers must not hold a bucket lock around pop() or
// push_free().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "core/elem_pool.h"

namespace bpffs {

class Lru {
  public:
    // Removes the element from the map if it is linked there; true if it
    // was (the node then belongs to the caller of the callback).
    using Unlink = std::function<bool(uint32_t node)>;

    // Bytes of node state each element slot reserves at node_offset.
    static constexpr size_t kNodeSize = 16;

    Lru(ElemPool &pool, size_t node_offset, uint32_t capacity, unsigned nlists, Unlink unlink);

    // A node for a new element, taken from the free list of cpu's list,
    // evicting elements when it is empty; already on the active list. kNil
    // only when every node is in flight in other threads.
    uint32_t pop(unsigned cpu);
    // Returns a node that is no longer linked in the map.
    void push_free(uint32_t node);
    // A program looked the element up: keep it longer.
    void mark_referenced(uint32_t node);

  private:
    struct Node;
    struct List {
        std::mutex mutex;
        uint32_t head = ElemPool::kNil;  // most recently inserted
        uint32_t tail = ElemPool::kNil;
        uint32_t free = ElemPool::kNil;
        uint32_t active = 0;
        uint32_t budget = 0;  // nodes this list may own
        uint32_t owned = 0;   // nodes taken from the pool so far
    };

    Node &node(uint32_t index) const;
    void push_head(List &list, uint32_t index);
    void unlink_node(List &list, uint32_t index);
    void push_free_locked(List &list, uint32_t index);
    void refill(List &list, uint16_t list_id);
    void evict(List &list);

    ElemPool &pool_;
    size_t node_offset_;
    unsigned nlists_;
    std::unique_ptr<List[]> lists_;
    Unlink unlink_;
};

}  // namespace bpffs
