// The pin tree: bpffs's directory tree of pinned objects, with the kernel's
// rules (spec section 4): inode attributes, dotted names reserved, DAC
// permission checks with the caller's credentials, sticky directories,
// rename/link/symlink, reference counting of pinned objects.
//
// Two layers use it: the control socket (OBJ_PIN / OBJ_GET, path based) and
// the FUSE filesystem (inode based: every call names a directory inode and
// an entry, or an inode, as FUSE requests do). Paths given to the
// path-based API are relative to the mount root ("dir/m"; "" is the root)
// and already stripped of the mount point; the daemon returns EPERM for
// paths outside the mount before calling here.
//
// One mutex guards the tree: it is not the data path of maps. Objects whose
// last reference was a pin are released after the mutex is dropped, so an
// object's destructor may call back into the tree.
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/cred.h"
#include "core/inode.h"
#include "core/object.h"
#include "core/result.h"

namespace bpffs {

struct PinTreeOptions {
    mode_t root_mode = 0777;  // the sticky bit is always added, as the kernel does
    uid_t root_uid = 0;
    gid_t root_gid = 0;
    // Where the tree is mounted ("/run/bpffs"), so that absolute symlink
    // targets can be followed by get(). May also be set later.
    std::string mount_point;
};

// A change of attributes (chmod, chown, utimes, truncate). Unset fields are
// left alone.
struct SetAttr {
    std::optional<mode_t> mode;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    std::optional<off_t> size;
    std::optional<timespec> atime, mtime;  // explicit times
    bool atime_now = false, mtime_now = false;
    // The change comes through an open file (ftruncate): the permission to
    // write was checked when the file was opened.
    bool through_open_file = false;
};

// rename(2) flags the kernel's simple_rename accepts.
inline constexpr unsigned kRenameNoReplace = 1;  // RENAME_NOREPLACE
inline constexpr unsigned kRenameExchange = 2;   // RENAME_EXCHANGE
inline constexpr unsigned kRenameWhiteout = 4;   // RENAME_WHITEOUT (refused)

struct DirEntry {
    std::string name;
    Ino ino = 0;
    mode_t type = 0;  // S_IFDIR, S_IFREG or S_IFLNK
};

// An inode opened by the FUSE layer: it stays alive until release().
struct OpenedInode {
    Ino ino = 0;
    std::shared_ptr<Object> object;  // null for directories
};

// What changed behind the kernel's back (through the socket): the FUSE layer
// invalidates its caches. name is empty when only the attributes of ino
// changed; otherwise the entry name in parent was added or removed.
struct TreeChange {
    Ino parent = 0;
    std::string name;
    Ino ino = 0;
};
using ChangeHook = std::function<void(const TreeChange &)>;

class PinTree {
  public:
    explicit PinTree(const PinTreeOptions &opts);
    ~PinTree();
    PinTree(const PinTree &) = delete;
    PinTree &operator=(const PinTree &) = delete;

    // ---- path based: the control socket -------------------------------

    // BPF_OBJ_PIN: creates a regular file at path holding a reference to
    // obj, mode 0600 & ~cred.umask, owned by cred (spec 4.6).
    Status pin(const Cred &cred, std::string_view path, std::shared_ptr<Object> obj);

    // The kernel's preload (spec 4.11): pins obj as name in the root with
    // the given mode and owner, bypassing the dotted-name rule and DAC
    // checks; the entry stays reachable by lookup. EEXIST if name exists.
    Status pin_preloaded(std::string_view name, std::shared_ptr<Object> obj, mode_t mode, uid_t uid,
                         gid_t gid);

    // BPF_OBJ_GET: resolves path (following symlinks inside the mount) and
    // checks the access the caller asks for (R_OK, W_OK or both) against the
    // inode (spec 4.7). Touches atime.
    Result<std::shared_ptr<Object>> get(const Cred &cred, std::string_view path, int access);

    // The directory under which absolute symlink targets are inside the tree.
    void set_mount_point(std::string mount_point);

    // Called after every change made through the path-based API, outside
    // the tree's mutex; the FUSE layer uses it to invalidate the kernel's
    // caches. Changes made through the inode-based API do not call it: the
    // kernel made them and knows. The hook may wait for the kernel, so the
    // path-based API must not be used from inside a FUSE request handler.
    // Setting a new hook (or an empty one to remove it) waits for a
    // running call to finish.
    void set_change_hook(ChangeHook hook);

    // ---- inode based: the FUSE filesystem ------------------------------
    // Calls marked "+1 lookup" count as a kernel reference to the returned
    // inode, dropped by forget().

    // The entry name in directory parent (+1 lookup).
    Result<struct stat> lookup(const Cred &cred, Ino parent, std::string_view name);
    // Like lookup without permission checks, for entries a directory
    // listing already returned (readdirplus); nullopt when the entry no
    // longer names ino (+1 lookup when found).
    std::optional<struct stat> lookup_listed(Ino parent, std::string_view name, Ino ino);
    void forget(Ino ino, uint64_t count);
    // The kernel dropped all its references (unmount).
    void forget_all();

    Result<struct stat> getattr(Ino ino);
    Result<struct stat> setattr(const Cred &cred, Ino ino, const SetAttr &change);
    Result<std::string> readlink(Ino ino);
    Status access(const Cred &cred, Ino ino, int mask);

    Result<struct stat> mkdir(const Cred &cred, Ino parent, std::string_view name,
                              mode_t mode);  // +1 lookup
    Result<struct stat> symlink(const Cred &cred, Ino parent, std::string_view name,
                                std::string_view target);  // +1 lookup
    Result<struct stat> link(const Cred &cred, Ino ino, Ino new_parent,
                             std::string_view new_name);  // +1 lookup
    // mknod/creat/open(O_CREAT): only pins create files, so this always
    // fails, with the kernel's errno (EEXIST, EACCES or EPERM).
    Status mknod(const Cred &cred, Ino parent, std::string_view name, mode_t mode);
    Status unlink(const Cred &cred, Ino parent, std::string_view name);
    Status rmdir(const Cred &cred, Ino parent, std::string_view name);
    Status rename(const Cred &cred, Ino parent, std::string_view name, Ino new_parent,
                  std::string_view new_name, unsigned flags);

    // open(2) of a pinned object (flags as in open(2)); the object is handed
    // to whoever serves its file operations. Directories: opendir.
    Result<OpenedInode> open(const Cred &cred, Ino ino, int flags);
    // The entries of an opened directory, "." and ".." first.
    Result<std::vector<DirEntry>> list(Ino dir);
    void release(Ino ino);

    struct statvfs statfs() const;

    // For tests and diagnostics: how many inodes exist (the root included).
    size_t inode_count() const;

  private:
    struct Walk;
    using Doomed = std::vector<std::shared_ptr<Object>>;

    Inode *find(Ino ino);
    Result<Inode *> find_or_fail(Ino ino);
    Result<Inode *> find_dir(Ino ino);
    // The child called name of dir, or null; EPERM for reserved (dotted)
    // names, ENAMETOOLONG beyond 255 bytes.
    Result<Inode *> child(const Inode &dir, std::string_view name);
    // The caller may search dir and name a new entry there: EEXIST, EACCES.
    Status may_create(const Cred &cred, Inode &dir, std::string_view name);
    Status may_delete(const Cred &cred, Inode &dir, Inode &victim, bool want_dir);
    Inode &new_inode(const Cred &cred, Inode &dir, std::string_view name, mode_t mode);
    void drop_name(Inode &dir, std::string_view name, Inode &victim, Doomed &doomed);
    void evict_if_unreferenced(Inode &inode, Doomed &doomed);
    Result<Walk> walk(const Cred &cred, std::string_view path, bool follow_last);
    Status rename_checks(const Cred &cred, Inode &old_dir, Inode &source, Inode &new_dir,
                         Inode *target, unsigned flags);
    bool is_ancestor(const Inode &dir, const Inode &of) const;
    void notify(const TreeChange &change);
    // Whether the kernel may cache inode (the root, or looked up and not
    // forgotten): changes to others need no invalidation.
    static bool kernel_holds(const Inode &inode);
    // After a change to inode's attributes: whether the kernel must be told
    // (it holds the inode and has valid attributes of it); if so, they are
    // from now on taken as invalid there.
    static bool attrs_to_invalidate(Inode &inode);
    // The attributes of inode for a FUSE reply: the kernel holds them valid.
    static struct stat attrs_for_kernel(Inode &inode);

    mutable std::mutex mutex_;
    std::unordered_map<Ino, std::unique_ptr<Inode>> inodes_;
    Ino next_ino_ = kRootIno + 1;
    std::string mount_point_;
    std::mutex hook_mutex_;
    ChangeHook hook_;
};

}  // namespace bpffs
