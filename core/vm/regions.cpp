#include "core/vm/regions.h"

namespace bpffs::vm {

void RegionTable::add(const void *ptr, size_t len, bool writable) {
    auto begin = reinterpret_cast<uintptr_t>(ptr);
    uintptr_t end = begin + len;
    if (len == 0 || end < begin) return;  // nothing addressable, or wraps around
    for (Region &r : regions_) {
        if (r.begin == begin && r.end == end) {
            r.writable = r.writable || writable;
            return;
        }
    }
    regions_.push_back(Region{begin, end, writable});
}

size_t RegionTable::readable_from(uintptr_t addr) const {
    for (const Region &r : regions_) {
        if (addr >= r.begin && addr < r.end) return r.end - addr;
    }
    return 0;
}

}  // namespace bpffs::vm
