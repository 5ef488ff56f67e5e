// Storage for the elements of a hash map: fixed-size slots addressed by a
// 32-bit index, allocated in chunks as the map grows and never returned to
// the allocator while the pool lives.
//
// Why indices: a bucket chain link or a free-list link is 4 bytes instead of
// 8, which keeps a 4-byte-key/8-byte-value element at 24 bytes. Why never
// freed: a program holds plain pointers into element values (the kernel's RCU
// guarantee); a recycled slot is still valid memory.
//
// Each slot starts with an atomic 32-bit link word (see link()); the rest is
// the owner's. alloc()/release() are lock-free (a tagged Treiber stack); a
// mutex is taken only when a new chunk has to be allocated.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace bpffs {

class ElemPool {
  public:
    static constexpr uint32_t kNil = UINT32_MAX;

    // capacity: most slots ever handed out; slot_size: bytes per slot, a
    // multiple of 8 and at least 8.
    ElemPool(uint32_t capacity, size_t slot_size);
    ~ElemPool();
    ElemPool(const ElemPool &) = delete;
    ElemPool &operator=(const ElemPool &) = delete;

    // A free slot (zeroed on first use, otherwise as last released), or kNil
    // when capacity slots are in use or memory (or the budget) ran out.
    uint32_t alloc();
    // Gives a slot back for reuse. Its link word is overwritten.
    void release(uint32_t index);

    uint8_t *at(uint32_t index) const {
        return chunks_[index >> chunk_shift_].load(std::memory_order_acquire) +
               static_cast<size_t>(index & chunk_mask_) * slot_size_;
    }
    // The first word of a slot: the bucket chain link while the slot is in a
    // map, the free-list link while it is free.
    std::atomic<uint32_t> &link(uint32_t index) const {
        return *reinterpret_cast<std::atomic<uint32_t> *>(at(index));
    }

    size_t slot_size() const { return slot_size_; }
    // Bytes obtained from the allocator so far (and charged to the map
    // memory budget, core/mem_charge.h).
    size_t bytes_allocated() const;

  private:
    uint32_t carve_new_slot();
    bool ensure_chunk(uint32_t chunk);

    const uint32_t capacity_;
    const size_t slot_size_;
    unsigned chunk_shift_ = 0;
    uint32_t chunk_mask_ = 0;
    uint32_t nchunks_ = 0;
    std::unique_ptr<std::atomic<uint8_t *>[]> chunks_;
    std::mutex grow_mutex_;
    std::atomic<uint32_t> carved_{0};        // slots ever handed out fresh
    std::atomic<uint64_t> free_head_{kNil};  // (tag << 32) | index
};

}  // namespace bpffs
