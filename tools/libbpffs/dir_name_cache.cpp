#include "tools/libbpffs/dir_name_cache.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <array>
#include <mutex>

namespace bpffs::client {

namespace {

struct Identity {
    uint32_t dev_major = 0, dev_minor = 0;
    uint64_t ino = 0;
    bool operator==(const Identity &) const = default;
};

// The inode path leads to now, from the kernel's caches (AT_STATX_DONT_SYNC:
// a FUSE mount is not asked for attributes it invalidated; the inode number
// never changes).
std::optional<Identity> identity(const std::string &path) {
    struct statx stx;
    if (statx(AT_FDCWD, path.c_str(), AT_STATX_DONT_SYNC, STATX_INO, &stx) != 0)
        return std::nullopt;
    return Identity{stx.stx_dev_major, stx.stx_dev_minor, stx.stx_ino};
}

struct Entry {
    std::string dir;  // as the caller spelled it
    std::string canonical;
    Identity id;
};

// A few directories: programs pin into one or two. Replaced round robin.
constexpr size_t kEntries = 8;

struct Cache {
    std::mutex mutex;
    std::array<Entry, kEntries> entries;
    size_t next = 0;
};

Cache &cache() {
    // Never destroyed: pins may happen from atexit handlers.
    static Cache *c = new Cache();
    return *c;
}

}  // namespace

std::optional<std::string> remembered_dir_name(const std::string &dir) {
    Entry found;
    {
        // try_lock: a child forked while another thread held the lock must
        // not wait forever; it resolves the long way instead.
        std::unique_lock lock(cache().mutex, std::try_to_lock);
        if (!lock) return std::nullopt;
        bool hit = false;
        for (const auto &e : cache().entries)
            if (!e.dir.empty() && e.dir == dir) {
                found = e;
                hit = true;
                break;
            }
        if (!hit) return std::nullopt;
    }
    if (identity(dir) != found.id) return std::nullopt;
    if (found.canonical != dir && identity(found.canonical) != found.id) return std::nullopt;
    return found.canonical;
}

void remember_dir_name(const std::string &dir, const std::string &canonical) {
    auto id = identity(canonical);
    if (!id) return;
    std::unique_lock lock(cache().mutex, std::try_to_lock);
    if (!lock) return;
    auto &c = cache();
    for (auto &e : c.entries)
        if (e.dir == dir) {
            e = Entry{dir, canonical, *id};
            return;
        }
    c.entries[c.next] = Entry{dir, canonical, *id};
    c.next = (c.next + 1) % kEntries;
}

}  // namespace bpffs::client
