#include "core/elem_pool.h"

#include <cstdlib>
#include <new>

#include "core/mem_charge.h"

namespace bpffs {
namespace {

// Chunks of about 64 KiB, but no bigger than the whole pool needs.
unsigned pick_chunk_shift(uint32_t capacity, size_t slot_size) {
    unsigned shift = 0;
    while ((size_t{2} << shift) * slot_size <= 65536 && (uint64_t{1} << shift) < capacity)
        shift++;
    return shift;
}

constexpr uint64_t kIndexMask = 0xffffffffu;

}  // namespace

ElemPool::ElemPool(uint32_t capacity, size_t slot_size)
    : capacity_(capacity), slot_size_(slot_size) {
    chunk_shift_ = pick_chunk_shift(capacity, slot_size);
    chunk_mask_ = (uint32_t{1} << chunk_shift_) - 1;
    nchunks_ = static_cast<uint32_t>((uint64_t{capacity} + chunk_mask_) >> chunk_shift_);
    chunks_.reset(new std::atomic<uint8_t *>[nchunks_]);
    for (uint32_t i = 0; i < nchunks_; i++)
        chunks_[i].store(nullptr, std::memory_order_relaxed);
}

ElemPool::~ElemPool() {
    mem_budget::uncharge(bytes_allocated());
    for (uint32_t i = 0; i < nchunks_; i++)
        std::free(chunks_[i].load());
}

bool ElemPool::ensure_chunk(uint32_t chunk) {
    if (chunks_[chunk].load(std::memory_order_acquire) != nullptr) return true;
    std::lock_guard lock(grow_mutex_);
    if (chunks_[chunk].load(std::memory_order_relaxed) != nullptr) return true;
    size_t slots = size_t{1} << chunk_shift_;
    if (!mem_budget::try_charge(slots * slot_size_)) return false;
    auto *mem = static_cast<uint8_t *>(std::calloc(slots, slot_size_));
    if (mem == nullptr) {
        mem_budget::uncharge(slots * slot_size_);
        return false;
    }
    chunks_[chunk].store(mem, std::memory_order_release);
    return true;
}

uint32_t ElemPool::carve_new_slot() {
    uint32_t index = carved_.load(std::memory_order_relaxed);
    do {
        if (index >= capacity_) return kNil;
    } while (!carved_.compare_exchange_weak(index, index + 1, std::memory_order_relaxed));
    // Out of memory: the carved index is lost with its missing chunk.
    if (!ensure_chunk(index >> chunk_shift_)) return kNil;
    return index;
}

uint32_t ElemPool::alloc() {
    uint64_t head = free_head_.load(std::memory_order_acquire);
    while ((head & kIndexMask) != kNil) {
        auto index = static_cast<uint32_t>(head & kIndexMask);
        // The tag in the high half defeats ABA: a slot popped and pushed back
        // in between changes the tag, so this compare-exchange fails.
        uint64_t next_index = link(index).load(std::memory_order_relaxed);
        uint64_t next = ((head >> 32) + 1) << 32 | next_index;
        if (free_head_.compare_exchange_weak(head, next, std::memory_order_acquire,
                                             std::memory_order_acquire))
            return index;
    }
    return carve_new_slot();
}

void ElemPool::release(uint32_t index) {
    uint64_t head = free_head_.load(std::memory_order_relaxed);
    uint64_t next;
    do {
        link(index).store(static_cast<uint32_t>(head & kIndexMask), std::memory_order_relaxed);
        next = ((head >> 32) + 1) << 32 | index;
    } while (!free_head_.compare_exchange_weak(head, next, std::memory_order_release,
                                               std::memory_order_relaxed));
}

size_t ElemPool::bytes_allocated() const {
    size_t bytes = 0;
    for (uint32_t i = 0; i < nchunks_; i++)
        if (chunks_[i].load(std::memory_order_relaxed) != nullptr)
            bytes += (size_t{1} << chunk_shift_) * slot_size_;
    return bytes;
}

}  // namespace bpffs
