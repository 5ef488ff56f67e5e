// The memory a program run may touch in bounds-checked mode, besides its own
// stack: the context / input memory, map values returned by lookups, buffers
// handed out by helpers. A load, store or atomic outside every region ends
// the run with an error instead of touching the process's memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bpffs::vm {

struct Region {
    uintptr_t begin = 0;
    uintptr_t end = 0;  // one past the last byte
    bool writable = false;
};

class RegionTable {
  public:
    RegionTable() { regions_.reserve(16); }

    // Adds [ptr, ptr + len). Adding a region already present (a map value
    // looked up in a loop) does not grow the table; a writable duplicate
    // upgrades a read-only one.
    void add(const void *ptr, size_t len, bool writable);
    // True when [addr, addr + size) lies inside one region allowing the access.
    bool allows(uintptr_t addr, size_t size, bool write) const {
        for (const Region &r : regions_) {
            if (addr >= r.begin && size <= r.end - r.begin &&
                addr - r.begin <= r.end - r.begin - size)
                return write ? r.writable : true;
        }
        return false;
    }
    // The number of bytes readable from addr within one region (for strings).
    size_t readable_from(uintptr_t addr) const;

    size_t size() const { return regions_.size(); }
    // Drops regions added after the table had `count` entries.
    void truncate(size_t count) {
        if (count < regions_.size()) regions_.resize(count);
    }
    void clear() { regions_.clear(); }
    // Removes the regions at index mark and later for which drop(region) is
    // true, keeping the order of the others.
    template <class Pred>
    void remove_if_from(size_t mark, Pred drop) {
        if (mark >= regions_.size()) return;
        size_t out = mark;
        for (size_t i = mark; i < regions_.size(); ++i)
            if (!drop(regions_[i])) regions_[out++] = regions_[i];
        regions_.resize(out);
    }

  private:
    std::vector<Region> regions_;
};

}  // namespace bpffs::vm
