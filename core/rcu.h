// Grace periods for readers that hold pointers into map elements without a
// lock (the kernel's RCU, in the small form the daemon needs).
//
// A program gets plain pointers to element values (bpf_map_lookup_elem, an
// iterator's ctx->value) and reads them after the bucket lock is gone. The
// kernel keeps those pointers valid for the reader's RCU read section; here
// a ReadLock marks the section, and a map that unlinks an element hands its
// slot to a RetireList instead of reusing it at once. The slot goes back to
// the map's free slots when every read section that could have found it has
// ended, so a reader never sees its element's memory rewritten for another
// key (in C++ terms: no data race between a reader and the next owner).
//
// How: a global epoch counter; each reading thread publishes the epoch it
// entered at (0 when it is not reading). A retired slot is stamped with the
// epoch current after its unlink; it is free to reuse once no active reader
// entered at or before that stamp. When no thread is reading at all, a
// retired slot is freed at once, so a map without concurrent readers
// recycles as the kernel's preallocated maps do.
//
// Read sections nest. They may be long (an iterator read walks a whole map
// in one section): slots retired meanwhile wait in the list and the map
// draws new slots instead; a writer waits for readers only when even its
// reserve is used up, and never inside a read section of its own
// (HashTab::take_slot).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace bpffs::rcu {

// The calling thread reads map elements without their locks until the
// outermost ReadLock ends.
class ReadLock {
  public:
    ReadLock();
    ~ReadLock();
    ReadLock(const ReadLock &) = delete;
    ReadLock &operator=(const ReadLock &) = delete;
};

// Slots unlinked from a structure that lock-free readers may still hold.
// Thread-safe.
class RetireList {
  public:
    using Free = std::function<void(uint32_t slot)>;

    explicit RetireList(Free free);
    RetireList(const RetireList &) = delete;
    RetireList &operator=(const RetireList &) = delete;

    // slot was just unlinked (after the unlink, outside the lock that
    // guarded it or inside, either way): freed now when nobody reads,
    // otherwise when the readers that might hold it are gone.
    void retire(uint32_t slot);
    // Frees every slot no reader can hold any more; how many were freed.
    // Waits for nobody.
    size_t reclaim();
    // Slots waiting for their readers.
    size_t pending() const;

  private:
    struct Retired {
        uint64_t stamp;
        uint32_t slot;
    };

    Free free_;
    mutable std::mutex mutex_;
    std::vector<Retired> waiting_;
};

// Whether any thread is in a read section now.
bool readers_active();
// Whether the calling thread is.
bool in_read_section();

}  // namespace bpffs::rcu
