// One node of the pin tree: a directory, a pinned object or a symlink, with
// the attributes the kernel's bpffs keeps in its struct inode (spec 4.2).
//
// An inode lives while it has a name (nlink > 0) or while the FUSE layer
// still references it (a lookup count the kernel has not forgotten, or an
// open file): the kernel's bpffs frees the pinned object only when the inode
// itself is destroyed (spec 4.10).
#pragma once

#include <sys/stat.h>
#include <time.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/object.h"

namespace bpffs {

using Ino = uint64_t;
inline constexpr Ino kRootIno = 1;

// The kernel's limits for names in bpffs.
inline constexpr size_t kNameMax = 255;
inline constexpr unsigned kBlockSize = 4096;

struct Inode {
    Ino ino = 0;
    mode_t mode = 0;  // file type and permission bits
    uid_t uid = 0;
    gid_t gid = 0;
    nlink_t nlink = 0;
    off_t size = 0;  // always 0 except after truncate (the kernel keeps it too)
    timespec atime{}, mtime{}, ctime{};

    std::shared_ptr<Object> object;  // pinned objects only
    std::string target;              // symlinks only
    // Directories only: entries by name, and the parent for "..".
    std::map<std::string, Ino, std::less<>> children;
    Ino parent = 0;

    // References held by the FUSE layer: lookups the kernel has not yet
    // forgotten, and open files or directories.
    uint64_t lookups = 0;
    uint64_t opens = 0;
    // Made by the daemon itself at mount (maps.debug, progs.debug): found
    // by lookup despite its dotted name, as the kernel finds its preloaded
    // files in the dcache without calling bpf_lookup.
    bool preloaded = false;
    // Whether the kernel may hold these attributes as valid: set when a FUSE
    // reply hands them over, cleared when they are invalidated. A second
    // change before the kernel asks again needs no second invalidation (the
    // kernel discards a reply older than an invalidation by itself).
    bool attrs_with_kernel = true;

    bool is_dir() const { return S_ISDIR(mode); }
    bool is_symlink() const { return S_ISLNK(mode); }
    bool is_pinned_object() const { return S_ISREG(mode); }
    // No name and nothing in the kernel refers to it any more.
    bool unreferenced() const { return nlink == 0 && lookups == 0 && opens == 0; }

    // The stat(2) view of the inode.
    struct stat attributes() const;
};

// The current wall-clock time, as inode timestamps use it.
timespec current_time();

// Whether reading the inode now should update its atime under the
// "relatime" rules every bpffs mount has by default: atime not newer than
// mtime or ctime, or older than a day.
bool relatime_needs_update(const Inode &inode, const timespec &now);

}  // namespace bpffs
