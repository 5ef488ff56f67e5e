#include "core/lru.h"

#include <algorithm>
#include <atomic>

namespace bpffs {

struct Lru::Node {
    uint32_t prev;
    uint32_t next;  // active list or free list
    uint16_t list;
    uint8_t referenced;  // set without the lock: only through std::atomic_ref
    uint8_t unused[5];
};

Lru::Lru(ElemPool &pool, size_t node_offset, uint32_t capacity, unsigned nlists, Unlink unlink)
    : pool_(pool),
      node_offset_(node_offset),
      nlists_(nlists),
      lists_(new List[nlists]),
      unlink_(std::move(unlink)) {
    static_assert(sizeof(Node) == kNodeSize);
    for (unsigned i = 0; i < nlists; i++)
        lists_[i].budget = capacity / nlists + (i < capacity % nlists ? 1 : 0);
}

Lru::Node &Lru::node(uint32_t index) const {
    return *reinterpret_cast<Node *>(pool_.at(index) + node_offset_);
}

void Lru::push_head(List &list, uint32_t index) {
    Node &n = node(index);
    n.prev = ElemPool::kNil;
    n.next = list.head;
    if (list.head != ElemPool::kNil) node(list.head).prev = index;
    list.head = index;
    if (list.tail == ElemPool::kNil) list.tail = index;
    list.active++;
}

void Lru::unlink_node(List &list, uint32_t index) {
    Node &n = node(index);
    if (n.prev != ElemPool::kNil)
        node(n.prev).next = n.next;
    else
        list.head = n.next;
    if (n.next != ElemPool::kNil)
        node(n.next).prev = n.prev;
    else
        list.tail = n.prev;
    list.active--;
}

void Lru::push_free_locked(List &list, uint32_t index) {
    node(index).next = list.free;
    list.free = index;
}

void Lru::refill(List &list, uint16_t list_id) {
    if (list.owned < list.budget) {
        uint32_t index = pool_.alloc();
        if (index != ElemPool::kNil) {
            list.owned++;
            node(index).list = list_id;
            push_free_locked(list, index);
            return;
        }
    }
    evict(list);
}

void Lru::evict(List &list) {
    // A small batch, so that a run of inserts into a full map does not walk
    // the list on every one of them.
    uint32_t target = std::clamp<uint32_t>(list.budget / 8, 1, 128);
    uint32_t freed = 0;
    uint64_t steps = uint64_t{list.active} * 2 + 1;
    uint32_t index = list.tail;
    while (index != ElemPool::kNil && freed < target && steps-- > 0) {
        uint32_t prev = node(index).prev;
        std::atomic_ref<uint8_t> referenced(node(index).referenced);
        if (referenced.exchange(0, std::memory_order_relaxed) != 0) {
            unlink_node(list, index);  // second chance
            push_head(list, index);
        } else if (unlink_(index)) {
            unlink_node(list, index);
            push_free_locked(list, index);
            freed++;
        } else {
            // Not in the map at this moment: being inserted or deleted by
            // another thread, which will settle it.
            unlink_node(list, index);
            push_head(list, index);
        }
        index = prev;
    }
}

uint32_t Lru::pop(unsigned cpu) {
    auto list_id = static_cast<uint16_t>(cpu % nlists_);
    List &list = lists_[list_id];
    std::lock_guard lock(list.mutex);
    if (list.free == ElemPool::kNil) refill(list, list_id);
    if (list.free == ElemPool::kNil) return ElemPool::kNil;
    uint32_t index = list.free;
    list.free = node(index).next;
    std::atomic_ref<uint8_t>(node(index).referenced).store(0, std::memory_order_relaxed);
    push_head(list, index);
    return index;
}

void Lru::push_free(uint32_t index) {
    List &list = lists_[node(index).list];
    std::lock_guard lock(list.mutex);
    unlink_node(list, index);
    push_free_locked(list, index);
}

void Lru::mark_referenced(uint32_t index) {
    std::atomic_ref<uint8_t> referenced(node(index).referenced);
    if (referenced.load(std::memory_order_relaxed) == 0)
        referenced.store(1, std::memory_order_relaxed);
}

}  // namespace bpffs
