#include "core/rcu.h"

#include <algorithm>
#include <atomic>

namespace bpffs::rcu {
namespace {

// A reading thread's published epoch: 0 outside read sections.
struct Reader {
    std::atomic<uint64_t> epoch{0};
};

// The calling thread's nesting of read sections (no registration needed).
thread_local unsigned t_depth = 0;

// The epoch readers enter at; it starts at 1 so that 0 can mean "idle".
std::atomic<uint64_t> g_epoch{1};
// Threads in a read section now: the fast path of retire().
std::atomic<uint32_t> g_reading{0};

// Every thread that has ever read, while it lives. Never destroyed: threads
// may end after static destruction has begun.
struct Registry {
    std::mutex mutex;
    std::vector<Reader *> readers;
};
Registry &registry() {
    static auto *r = new Registry;
    return *r;
}

struct ThreadReader {
    Reader reader;
    ThreadReader() {
        std::lock_guard lock(registry().mutex);
        registry().readers.push_back(&reader);
    }
    ~ThreadReader() {
        std::lock_guard lock(registry().mutex);
        auto &v = registry().readers;
        v.erase(std::find(v.begin(), v.end(), &reader));
    }
};

Reader &this_thread() {
    thread_local ThreadReader t;
    return t.reader;
}

// The epoch of the oldest read section now, or UINT64_MAX when none. The
// acquire loads order a reader's reads before whatever reuses a slot it may
// have held (its release store of 0 or of a later epoch).
uint64_t oldest_reader() {
    uint64_t oldest = UINT64_MAX;
    std::lock_guard lock(registry().mutex);
    for (const Reader *r : registry().readers) {
        uint64_t e = r->epoch.load(std::memory_order_acquire);
        if (e != 0) oldest = std::min(oldest, e);
    }
    return oldest;
}

// Retired slots wait in batches: a reclaim walks every reading thread.
constexpr size_t kReclaimBatch = 64;

}  // namespace

// Why this is enough: a reader that finds an element does so under the
// bucket lock, after publishing its epoch (or its count in g_reading); the
// writer unlinks under the same lock before it stamps or checks. So a
// reader that could hold the slot is visible to the check or the scan, with
// an epoch no later than the stamp.
ReadLock::ReadLock() {
    if (t_depth++ > 0) return;
    g_reading.fetch_add(1, std::memory_order_acq_rel);
    this_thread().epoch.store(g_epoch.load(std::memory_order_acquire), std::memory_order_seq_cst);
}

ReadLock::~ReadLock() {
    if (--t_depth > 0) return;
    this_thread().epoch.store(0, std::memory_order_release);
    g_reading.fetch_sub(1, std::memory_order_acq_rel);
}

bool readers_active() {
    return g_reading.load(std::memory_order_acquire) != 0;
}

bool in_read_section() {
    return t_depth > 0;
}

RetireList::RetireList(Free free) : free_(std::move(free)) {}

void RetireList::retire(uint32_t slot) {
    if (!readers_active()) {
        free_(slot);
        return;
    }
    size_t waiting;
    {
        std::lock_guard lock(mutex_);
        waiting_.push_back({g_epoch.load(std::memory_order_acquire), slot});
        waiting = waiting_.size();
    }
    if (waiting >= kReclaimBatch) reclaim();
}

size_t RetireList::reclaim() {
    // Readers that enter from now on get a later epoch than any stamp so
    // far, so the slots they cannot hold become free as the older ones end.
    g_epoch.fetch_add(1, std::memory_order_acq_rel);
    std::vector<uint32_t> ready;
    {
        std::lock_guard lock(mutex_);
        if (waiting_.empty()) return 0;
        // The scan comes after the slots were taken from the list: every
        // reader that could hold one of them has published its epoch by then.
        uint64_t oldest = oldest_reader();
        auto held = std::partition(waiting_.begin(), waiting_.end(),
                                   [oldest](const Retired &r) { return r.stamp >= oldest; });
        for (auto it = held; it != waiting_.end(); ++it)
            ready.push_back(it->slot);
        waiting_.erase(held, waiting_.end());
    }
    for (uint32_t slot : ready)
        free_(slot);
    return ready.size();
}

size_t RetireList::pending() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
}

}  // namespace bpffs::rcu
