#include "core/pin_tree.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include "core/dac.h"

namespace bpffs {

namespace {

// The kernel's MAXSYMLINKS: how many symlinks one path walk may follow.
constexpr int kMaxSymlinks = 40;

constexpr mode_t kPermissionBits = 07777;  // S_IALLUGO

std::string quoted(std::string_view name) {
    return "'" + std::string(name) + "'";
}

// Splits a path into its components, dropping empty ones ("a//b/").
std::deque<std::string> components(std::string_view path) {
    std::deque<std::string> out;
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t slash = path.find('/', pos);
        if (slash == std::string_view::npos) slash = path.size();
        if (slash > pos) out.emplace_back(path.substr(pos, slash - pos));
        pos = slash + 1;
    }
    return out;
}

void touch_modified(Inode &inode, const timespec &now) {
    inode.mtime = inode.ctime = now;
}

// Which access open(2) flags ask for (may_open): O_TRUNC needs write too.
int open_access_mask(int flags) {
    int mask = 0;
    switch (flags & O_ACCMODE) {
        case O_RDONLY:
            mask = kMayRead;
            break;
        case O_WRONLY:
            mask = kMayWrite;
            break;
        default:
            mask = kMayRead | kMayWrite;
            break;
    }
    if (flags & O_TRUNC) mask |= kMayWrite;
    return mask;
}

}  // namespace

// Where a path walk ended: the directory holding the last component, that
// component's name and its inode (null when it does not exist). outside is
// set when the walk left the tree (a symlink to elsewhere, ".." above the
// root): the caller decides what that means.
struct PinTree::Walk {
    Inode *dir = nullptr;
    std::string name;
    Inode *inode = nullptr;
    bool outside = false;
};

PinTree::PinTree(const PinTreeOptions &opts) : mount_point_(opts.mount_point) {
    auto root = std::make_unique<Inode>();
    root->ino = kRootIno;
    root->mode = S_IFDIR | (opts.root_mode & kPermissionBits) | S_ISVTX;
    root->uid = opts.root_uid;
    root->gid = opts.root_gid;
    root->nlink = 2;
    root->parent = kRootIno;
    root->atime = root->mtime = root->ctime = current_time();
    inodes_.emplace(kRootIno, std::move(root));
}

PinTree::~PinTree() = default;

void PinTree::set_mount_point(std::string mount_point) {
    std::lock_guard lock(mutex_);
    while (mount_point.size() > 1 && mount_point.back() == '/')
        mount_point.pop_back();
    mount_point_ = std::move(mount_point);
}

void PinTree::set_change_hook(ChangeHook hook) {
    std::lock_guard lock(hook_mutex_);
    hook_ = std::move(hook);
}

bool PinTree::kernel_holds(const Inode &inode) {
    return inode.ino == kRootIno || inode.lookups > 0;
}

bool PinTree::attrs_to_invalidate(Inode &inode) {
    if (!kernel_holds(inode) || !inode.attrs_with_kernel) return false;
    inode.attrs_with_kernel = false;
    return true;
}

struct stat PinTree::attrs_for_kernel(Inode &inode) {
    inode.attrs_with_kernel = true;
    return inode.attributes();
}

void PinTree::notify(const TreeChange &change) {
    if (change.ino == 0 && change.name.empty()) return;  // nothing the kernel holds changed
    std::lock_guard lock(hook_mutex_);
    if (hook_) hook_(change);
}

// ---- lookups and bookkeeping ----------------------------------------------

Inode *PinTree::find(Ino ino) {
    auto it = inodes_.find(ino);
    return it == inodes_.end() ? nullptr : it->second.get();
}

Result<Inode *> PinTree::find_or_fail(Ino ino) {
    Inode *inode = find(ino);
    if (inode == nullptr) return fail(ENOENT, "inode " + std::to_string(ino) + " does not exist");
    return inode;
}

Result<Inode *> PinTree::find_dir(Ino ino) {
    auto inode = find_or_fail(ino);
    if (!inode) return inode;
    if (!(*inode)->is_dir())
        return fail(ENOTDIR, "inode " + std::to_string(ino) + " is not a directory");
    // A removed directory can hold no new entries (the kernel's IS_DEADDIR).
    if ((*inode)->nlink == 0) return fail(ENOENT, "the directory was removed");
    return inode;
}

Result<Inode *> PinTree::child(const Inode &dir, std::string_view name) {
    // Dotted names are reserved for files the kernel creates itself; the
    // check is skipped while the directory's mode is 000 (bpf_lookup).
    if (name.find('.') != std::string_view::npos && (dir.mode & kPermissionBits) != 0) {
        auto it = dir.children.find(name);  // preloaded entries are always found
        if (it != dir.children.end()) {
            Inode *inode = find(it->second);
            if (inode != nullptr && inode->preloaded) return inode;
        }
        return fail(EPERM, "names containing '.' are reserved in bpffs: " + quoted(name));
    }
    if (name.size() > kNameMax)
        return fail(ENAMETOOLONG, "a name in bpffs may have at most 255 bytes");
    auto it = dir.children.find(name);
    if (it == dir.children.end()) return static_cast<Inode *>(nullptr);
    return find(it->second);
}

Status PinTree::may_create(const Cred &cred, Inode &dir, std::string_view name) {
    auto existing = child(dir, name);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing != nullptr) return fail(EEXIST, quoted(name) + " already exists");
    if (!may_access(cred, dir, kMayWrite | kMayExec))
        return fail(EACCES, "no write and search permission on the directory");
    return ok();
}

Status PinTree::may_delete(const Cred &cred, Inode &dir, Inode &victim, bool want_dir) {
    if (!may_access(cred, dir, kMayWrite | kMayExec))
        return fail(EACCES, "no write and search permission on the directory");
    if (sticky_forbids(cred, dir, victim))
        return fail(EPERM, "the directory is sticky and the entry belongs to someone else");
    if (want_dir && !victim.is_dir()) return fail(ENOTDIR, "not a directory");
    if (!want_dir && victim.is_dir()) return fail(EISDIR, "is a directory");
    return ok();
}

Inode &PinTree::new_inode(const Cred &cred, Inode &dir, std::string_view name, mode_t mode) {
    auto inode = std::make_unique<Inode>();
    inode->ino = next_ino_++;
    inode->mode = mode;
    inode->uid = cred.uid;
    inode->gid = cred.gid;
    // Setgid directories pass their group on, and their setgid bit to new
    // subdirectories (inode_init_owner).
    if (dir.mode & S_ISGID) {
        inode->gid = dir.gid;
        if (S_ISDIR(mode)) inode->mode |= S_ISGID;
    }
    inode->nlink = S_ISDIR(mode) ? 2 : 1;
    inode->parent = dir.ino;
    timespec now = current_time();
    inode->atime = inode->mtime = inode->ctime = now;
    touch_modified(dir, now);
    if (S_ISDIR(mode)) dir.nlink++;
    dir.children.emplace(std::string(name), inode->ino);
    Inode &ref = *inode;
    inodes_.emplace(ref.ino, std::move(inode));
    return ref;
}

void PinTree::drop_name(Inode &dir, std::string_view name, Inode &victim, Doomed &doomed) {
    auto it = dir.children.find(name);
    if (it != dir.children.end()) dir.children.erase(it);
    timespec now = current_time();
    touch_modified(dir, now);
    victim.ctime = now;
    if (victim.is_dir()) {
        victim.nlink = 0;  // its own "." and its name
        dir.nlink--;
    } else {
        victim.nlink--;
    }
    evict_if_unreferenced(victim, doomed);
}

void PinTree::evict_if_unreferenced(Inode &inode, Doomed &doomed) {
    if (inode.ino == kRootIno || !inode.unreferenced()) return;
    if (inode.object) doomed.push_back(std::move(inode.object));
    inodes_.erase(inode.ino);
}

bool PinTree::is_ancestor(const Inode &dir, const Inode &of) const {
    // Walks up from of through ".." links until the root.
    Ino cur = of.ino;
    while (true) {
        if (cur == dir.ino) return true;
        if (cur == kRootIno) return false;
        auto it = inodes_.find(cur);
        if (it == inodes_.end()) return false;
        cur = it->second->parent;
    }
}

// ---- path walk -----------------------------------------------------------

Result<PinTree::Walk> PinTree::walk(const Cred &cred, std::string_view path, bool follow_last) {
    std::deque<std::string> todo = components(path);
    bool wants_dir = !path.empty() && path.back() == '/';
    Walk at;
    at.dir = find(kRootIno);
    at.inode = at.dir;
    Inode *cur = at.dir;
    int symlinks_left = kMaxSymlinks;
    while (!todo.empty()) {
        std::string name = std::move(todo.front());
        todo.pop_front();
        bool last = todo.empty();
        if (!cur->is_dir()) return fail(ENOTDIR, "a path component is not a directory");
        if (!may_access(cred, *cur, kMayExec))
            return fail(EACCES, "no search permission on a directory of the path");
        if (name == ".") {
            at = Walk{cur, ".", cur, false};
            continue;
        }
        if (name == "..") {
            if (cur->ino == kRootIno) return Walk{nullptr, "..", nullptr, true};
            cur = find(cur->parent);
            at = Walk{cur, "..", cur, false};
            continue;
        }
        auto found = child(*cur, name);
        if (!found) return tl::unexpected(found.error());
        Inode *next = *found;
        if (next == nullptr) {
            if (!last) return fail(ENOENT, quoted(name) + " does not exist");
            return Walk{cur, name, nullptr, false};
        }
        if (next->is_symlink() && (!last || follow_last || wants_dir)) {
            if (--symlinks_left < 0) return fail(ELOOP, "too many levels of symbolic links");
            std::string_view target = next->target;
            if (!target.empty() && target.front() == '/') {
                // Absolute targets are inside the tree only below the mount point.
                std::string_view mount = mount_point_;
                bool inside = !mount.empty() && target.substr(0, mount.size()) == mount &&
                              (target.size() == mount.size() || target[mount.size()] == '/');
                if (!inside) return Walk{nullptr, name, nullptr, true};
                target.remove_prefix(mount.size());
                cur = find(kRootIno);
            }
            auto more = components(target);
            todo.insert(todo.begin(), more.begin(), more.end());
            if (todo.empty()) at = Walk{cur, ".", cur, false};  // a link to the root
            continue;
        }
        at = Walk{cur, name, next, false};
        cur = next;
    }
    if (wants_dir && at.inode != nullptr && !at.inode->is_dir())
        return fail(ENOTDIR, "the path ends with '/' but is not a directory");
    return at;
}

// ---- path based API ------------------------------------------------------

Status PinTree::pin(const Cred &cred, std::string_view path, std::shared_ptr<Object> obj) {
    if (!obj) return fail(EINVAL, "nothing to pin");
    TreeChange change;
    {
        std::lock_guard lock(mutex_);
        auto at = walk(cred, path, /*follow_last=*/false);
        if (!at) return tl::unexpected(at.error());
        if (at->outside) return fail(EPERM, "the path leads outside the bpf filesystem");
        if (at->inode != nullptr) return fail(EEXIST, "'" + std::string(path) + "' already exists");
        if (!path.empty() && path.back() == '/')
            return fail(ENOENT, "a pinned object cannot be a directory (trailing '/')");
        if (!may_access(cred, *at->dir, kMayWrite | kMayExec))
            return fail(EACCES, "no write and search permission on the directory");
        Inode &inode = new_inode(cred, *at->dir, at->name, S_IFREG | (0600 & ~cred.umask));
        inode.object = std::move(obj);
        // The new name needs no entry invalidation: lookups of missing names
        // are answered ENOENT, which the kernel does not cache (it
        // revalidates such a negative dentry every time). The directory's
        // attributes changed; they matter only where the kernel holds them
        // (a run of pins in one directory invalidates them once).
        if (attrs_to_invalidate(*at->dir)) change = TreeChange{0, "", at->dir->ino};
    }
    notify(change);
    return ok();
}

Status PinTree::pin_preloaded(std::string_view name, std::shared_ptr<Object> obj, mode_t mode,
                              uid_t uid, gid_t gid) {
    if (!obj) return fail(EINVAL, "nothing to pin");
    TreeChange change;
    {
        std::lock_guard lock(mutex_);
        auto root = find_dir(kRootIno);
        if (!root) return tl::unexpected(root.error());
        if ((*root)->children.count(name) != 0)
            return fail(EEXIST, quoted(name) + " already exists");
        Cred owner;
        owner.uid = uid;
        owner.gid = gid;
        Inode &inode = new_inode(owner, **root, name, S_IFREG | (mode & kPermissionBits));
        inode.uid = uid;
        inode.gid = gid;
        inode.object = std::move(obj);
        inode.preloaded = true;
        change = TreeChange{kRootIno, std::string(name), inode.ino};
    }
    notify(change);
    return ok();
}

Result<std::shared_ptr<Object>> PinTree::get(const Cred &cred, std::string_view path, int access) {
    std::shared_ptr<Object> obj;
    TreeChange change;
    {
        std::lock_guard lock(mutex_);
        auto at = walk(cred, path, /*follow_last=*/true);
        if (!at) return tl::unexpected(at.error());
        if (at->outside) return fail(EACCES, "the path leads to a file outside the bpf filesystem");
        if (at->inode == nullptr) return fail(ENOENT, "'" + std::string(path) + "' does not exist");
        Inode &inode = *at->inode;
        int mask = (access & R_OK ? kMayRead : 0) | (access & W_OK ? kMayWrite : 0);
        if (!may_access(cred, inode, mask))
            return fail(EACCES, "the file's mode does not grant the requested access");
        if (!inode.is_pinned_object()) return fail(EACCES, "not a pinned BPF object");
        timespec now = current_time();
        if (relatime_needs_update(inode, now)) {
            inode.atime = now;
            if (attrs_to_invalidate(inode)) change = TreeChange{0, "", inode.ino};
        }
        obj = inode.object;
    }
    notify(change);
    return obj;
}

// ---- inode based API -----------------------------------------------------

Result<struct stat> PinTree::lookup(const Cred &cred, Ino parent, std::string_view name) {
    std::lock_guard lock(mutex_);
    auto dir = find_dir(parent);
    if (!dir) return tl::unexpected(dir.error());
    if (!may_access(cred, **dir, kMayExec))
        return fail(EACCES, "no search permission on the directory");
    auto found = child(**dir, name);
    if (!found) return tl::unexpected(found.error());
    if (*found == nullptr) return fail(ENOENT, quoted(name) + " does not exist");
    (*found)->lookups++;
    return attrs_for_kernel(**found);
}

std::optional<struct stat> PinTree::lookup_listed(Ino parent, std::string_view name, Ino ino) {
    std::lock_guard lock(mutex_);
    Inode *dir = find(parent);
    if (dir == nullptr) return std::nullopt;
    auto it = dir->children.find(name);
    if (it == dir->children.end() || it->second != ino) return std::nullopt;
    Inode *inode = find(ino);
    if (inode == nullptr) return std::nullopt;
    inode->lookups++;
    return attrs_for_kernel(*inode);
}

void PinTree::forget(Ino ino, uint64_t count) {
    Doomed doomed;
    std::lock_guard lock(mutex_);
    Inode *inode = find(ino);
    if (inode == nullptr) return;
    inode->lookups = count > inode->lookups ? 0 : inode->lookups - count;
    evict_if_unreferenced(*inode, doomed);
}

void PinTree::forget_all() {
    Doomed doomed;
    std::lock_guard lock(mutex_);
    std::vector<Ino> unnamed;
    for (auto &[ino, inode] : inodes_) {
        inode->lookups = 0;
        if (inode->unreferenced()) unnamed.push_back(ino);
    }
    for (Ino ino : unnamed)
        evict_if_unreferenced(*find(ino), doomed);
}

Result<struct stat> PinTree::getattr(Ino ino) {
    std::lock_guard lock(mutex_);
    auto inode = find_or_fail(ino);
    if (!inode) return tl::unexpected(inode.error());
    return attrs_for_kernel(**inode);
}

Result<struct stat> PinTree::setattr(const Cred &cred, Ino ino, const SetAttr &change) {
    std::lock_guard lock(mutex_);
    auto found = find_or_fail(ino);
    if (!found) return tl::unexpected(found.error());
    Inode &inode = **found;
    // The checks of do_truncate and setattr_prepare, in the kernel's order.
    if (change.size) {
        if (inode.is_dir()) return fail(EISDIR, "cannot truncate a directory");
        if (!inode.is_pinned_object()) return fail(EINVAL, "only pinned files can be truncated");
        if (*change.size < 0) return fail(EINVAL, "negative size");
        if (!change.through_open_file && !may_access(cred, inode, kMayWrite))
            return fail(EACCES, "no write permission on the file");
    }
    // chown_ok: the owner may only "change" the owner to itself.
    if (change.uid && !cred.dac_override() && (cred.uid != inode.uid || *change.uid != inode.uid))
        return fail(EPERM, "only root may change the owner");
    if (change.gid && !cred.dac_override() &&
        (cred.uid != inode.uid || (*change.gid != inode.gid && !cred.in_group(*change.gid))))
        return fail(EPERM, "only the owner, to one of its groups, or root may change the group");
    if (change.mode && !owner_or_root(cred, inode))
        return fail(EPERM, "only the owner or root may change the mode");
    if ((change.atime || change.mtime) && !owner_or_root(cred, inode))
        return fail(EPERM, "only the owner or root may set explicit times");
    if ((change.atime_now || change.mtime_now) && !owner_or_root(cred, inode) &&
        !may_access(cred, inode, kMayWrite))
        return fail(EACCES, "no write permission to set the times to now");

    timespec now = current_time();
    if (change.mode) {
        mode_t mode = *change.mode & kPermissionBits;
        gid_t gid = change.gid.value_or(inode.gid);
        if (!cred.dac_override() && !cred.in_group(gid)) mode &= ~S_ISGID;
        inode.mode = (inode.mode & S_IFMT) | mode;
    }
    if ((change.uid || change.gid) && !inode.is_dir()) {
        // chown kills setuid, and setgid when it means "group executable".
        inode.mode &= ~S_ISUID;
        if (inode.mode & S_IXGRP) inode.mode &= ~S_ISGID;
    }
    if (change.uid) inode.uid = *change.uid;
    if (change.gid) inode.gid = *change.gid;
    if (change.size) {
        if (*change.size != inode.size && !change.mtime) inode.mtime = now;
        inode.size = *change.size;
    }
    if (change.atime) inode.atime = *change.atime;
    if (change.atime_now) inode.atime = now;
    if (change.mtime) inode.mtime = *change.mtime;
    if (change.mtime_now) inode.mtime = now;
    inode.ctime = now;
    return attrs_for_kernel(inode);
}

Result<std::string> PinTree::readlink(Ino ino) {
    std::lock_guard lock(mutex_);
    auto inode = find_or_fail(ino);
    if (!inode) return tl::unexpected(inode.error());
    if (!(*inode)->is_symlink()) return fail(EINVAL, "not a symbolic link");
    return (*inode)->target;
}

Status PinTree::access(const Cred &cred, Ino ino, int mask) {
    std::lock_guard lock(mutex_);
    auto inode = find_or_fail(ino);
    if (!inode) return tl::unexpected(inode.error());
    if (mask == F_OK) return ok();
    int want =
        (mask & R_OK ? kMayRead : 0) | (mask & W_OK ? kMayWrite : 0) | (mask & X_OK ? kMayExec : 0);
    if (!may_access(cred, **inode, want))
        return fail(EACCES, "permission denied by the file's mode");
    return ok();
}

Result<struct stat> PinTree::mkdir(const Cred &cred, Ino parent, std::string_view name,
                                   mode_t mode) {
    std::lock_guard lock(mutex_);
    auto dir = find_dir(parent);
    if (!dir) return tl::unexpected(dir.error());
    if (auto allowed = may_create(cred, **dir, name); !allowed)
        return tl::unexpected(allowed.error());
    // vfs_mkdir keeps the permission and sticky bits of the mode asked for.
    mode_t bits = mode & (S_IRWXU | S_IRWXG | S_IRWXO | S_ISVTX) & ~cred.umask;
    Inode &inode = new_inode(cred, **dir, name, S_IFDIR | bits);
    inode.lookups++;
    return attrs_for_kernel(inode);
}

Result<struct stat> PinTree::symlink(const Cred &cred, Ino parent, std::string_view name,
                                     std::string_view target) {
    std::lock_guard lock(mutex_);
    auto dir = find_dir(parent);
    if (!dir) return tl::unexpected(dir.error());
    if (target.empty()) return fail(ENOENT, "a symbolic link needs a target");
    if (auto allowed = may_create(cred, **dir, name); !allowed)
        return tl::unexpected(allowed.error());
    Inode &inode = new_inode(cred, **dir, name, S_IFLNK | 0777);
    inode.target = std::string(target);
    inode.lookups++;
    return attrs_for_kernel(inode);
}

Result<struct stat> PinTree::link(const Cred &cred, Ino ino, Ino new_parent,
                                  std::string_view new_name) {
    std::lock_guard lock(mutex_);
    auto source = find_or_fail(ino);
    if (!source) return tl::unexpected(source.error());
    auto dir = find_dir(new_parent);
    if (!dir) return tl::unexpected(dir.error());
    Inode &inode = **source;
    auto existing = child(**dir, new_name);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing != nullptr) return fail(EEXIST, quoted(new_name) + " already exists");
    // protected_hardlinks (may_linkat): strangers may only link files they
    // could read and write.
    bool safe_file = inode.is_pinned_object() && !(inode.mode & S_ISUID) &&
                     !((inode.mode & S_ISGID) && (inode.mode & S_IXGRP));
    if (!owner_or_root(cred, inode) &&
        !(safe_file && may_access(cred, inode, kMayRead | kMayWrite)))
        return fail(EPERM, "only the owner may hard-link a file it cannot read and write");
    if (auto allowed = may_create(cred, **dir, new_name); !allowed)
        return tl::unexpected(allowed.error());
    if (inode.is_dir()) return fail(EPERM, "directories cannot be hard-linked");
    if (inode.nlink == 0) return fail(ENOENT, "the file was removed");
    timespec now = current_time();
    (*dir)->children.emplace(std::string(new_name), inode.ino);
    touch_modified(**dir, now);
    inode.nlink++;
    inode.ctime = now;
    inode.lookups++;
    return attrs_for_kernel(inode);
}

Status PinTree::mknod(const Cred &cred, Ino parent, std::string_view name, mode_t mode) {
    std::lock_guard lock(mutex_);
    auto dir = find_dir(parent);
    if (!dir) return tl::unexpected(dir.error());
    if (auto allowed = may_create(cred, **dir, name); !allowed)
        return tl::unexpected(allowed.error());
    // bpffs has no create operation (the VFS answers EACCES for regular
    // files) and no mknod operation (EPERM for devices, fifos, sockets).
    if (S_ISREG(mode) || (mode & S_IFMT) == 0)
        return fail(EACCES, "files in bpffs are created only by pinning BPF objects");
    return fail(EPERM, "bpffs holds no device, fifo or socket files");
}

Status PinTree::unlink(const Cred &cred, Ino parent, std::string_view name) {
    Doomed doomed;
    std::lock_guard lock(mutex_);
    auto dir = find_dir(parent);
    if (!dir) return tl::unexpected(dir.error());
    auto victim = child(**dir, name);
    if (!victim) return tl::unexpected(victim.error());
    if (*victim == nullptr) return fail(ENOENT, quoted(name) + " does not exist");
    if (auto allowed = may_delete(cred, **dir, **victim, false); !allowed)
        return tl::unexpected(allowed.error());
    drop_name(**dir, name, **victim, doomed);
    return ok();
}

Status PinTree::rmdir(const Cred &cred, Ino parent, std::string_view name) {
    Doomed doomed;
    std::lock_guard lock(mutex_);
    auto dir = find_dir(parent);
    if (!dir) return tl::unexpected(dir.error());
    auto victim = child(**dir, name);
    if (!victim) return tl::unexpected(victim.error());
    if (*victim == nullptr) return fail(ENOENT, quoted(name) + " does not exist");
    if (auto allowed = may_delete(cred, **dir, **victim, true); !allowed)
        return tl::unexpected(allowed.error());
    if (!(*victim)->children.empty()) return fail(ENOTEMPTY, quoted(name) + " is not empty");
    drop_name(**dir, name, **victim, doomed);
    return ok();
}

Status PinTree::rename_checks(const Cred &cred, Inode &old_dir, Inode &source, Inode &new_dir,
                              Inode *target, unsigned flags) {
    // vfs_rename: renaming a directory into itself, or over one of its
    // ancestors, is refused before the permission checks.
    if (source.is_dir() && is_ancestor(source, new_dir))
        return fail(EINVAL, "cannot move a directory into itself");
    if (target != nullptr && target->is_dir() && is_ancestor(*target, old_dir))
        return fail((flags & kRenameExchange) ? EINVAL : ENOTEMPTY,
                    "cannot replace a directory that contains the source");
    if (auto allowed = may_delete(cred, old_dir, source, source.is_dir()); !allowed) return allowed;
    if (target == nullptr) {
        if (!may_access(cred, new_dir, kMayWrite | kMayExec))
            return fail(EACCES, "no write and search permission on the target directory");
    } else {
        bool want_dir = (flags & kRenameExchange) ? target->is_dir() : source.is_dir();
        if (auto allowed = may_delete(cred, new_dir, *target, want_dir); !allowed) return allowed;
    }
    // A directory moving to another parent rewrites its "..": it needs
    // write permission on itself (and so does an exchanged one).
    if (&old_dir != &new_dir) {
        if (source.is_dir() && !may_access(cred, source, kMayWrite))
            return fail(EACCES, "no write permission on the directory being moved");
        if ((flags & kRenameExchange) && target->is_dir() && !may_access(cred, *target, kMayWrite))
            return fail(EACCES, "no write permission on the directory being exchanged");
    }
    if (!(flags & kRenameExchange) && target != nullptr && target->is_dir() &&
        !target->children.empty())
        return fail(ENOTEMPTY, "the target directory is not empty");
    return ok();
}

Status PinTree::rename(const Cred &cred, Ino parent, std::string_view name, Ino new_parent,
                       std::string_view new_name, unsigned flags) {
    Doomed doomed;
    std::lock_guard lock(mutex_);
    if (flags & ~(kRenameNoReplace | kRenameExchange | kRenameWhiteout))
        return fail(EINVAL, "unknown rename flags");
    if ((flags & kRenameNoReplace) && (flags & kRenameExchange))
        return fail(EINVAL, "RENAME_NOREPLACE and RENAME_EXCHANGE exclude each other");
    if (flags & kRenameWhiteout) return fail(EINVAL, "bpffs does not support RENAME_WHITEOUT");
    auto old_dir = find_dir(parent);
    if (!old_dir) return tl::unexpected(old_dir.error());
    auto new_dir = find_dir(new_parent);
    if (!new_dir) return tl::unexpected(new_dir.error());
    auto source = child(**old_dir, name);
    if (!source) return tl::unexpected(source.error());
    if (*source == nullptr) return fail(ENOENT, quoted(name) + " does not exist");
    auto target = child(**new_dir, new_name);
    if (!target) return tl::unexpected(target.error());
    if ((flags & kRenameExchange) && *target == nullptr)
        return fail(ENOENT, quoted(new_name) + " does not exist");
    if ((flags & kRenameNoReplace) && *target != nullptr)
        return fail(EEXIST, quoted(new_name) + " already exists");
    // Two names of one inode: rename does nothing (vfs_rename).
    if (*source == *target) return ok();
    if (auto allowed = rename_checks(cred, **old_dir, **source, **new_dir, *target, flags);
        !allowed)
        return allowed;

    Inode &src = **source;
    Inode &from = **old_dir;
    Inode &to = **new_dir;
    timespec now = current_time();
    if (flags & kRenameExchange) {
        Inode &other = **target;
        from.children[std::string(name)] = other.ino;
        to.children[std::string(new_name)] = src.ino;
        // A directory swapped with a non-directory moves one "..".
        if (src.is_dir() != other.is_dir()) {
            Inode &gains = src.is_dir() ? to : from;
            Inode &loses = src.is_dir() ? from : to;
            gains.nlink++;
            loses.nlink--;
        }
        if (src.is_dir()) src.parent = to.ino;
        if (other.is_dir()) other.parent = from.ino;
        other.ctime = now;
    } else {
        if (*target != nullptr) drop_name(to, new_name, **target, doomed);
        from.children.erase(from.children.find(name));
        to.children.emplace(std::string(new_name), src.ino);
        if (src.is_dir()) {
            from.nlink--;
            to.nlink++;
            src.parent = to.ino;
        }
    }
    src.ctime = now;
    touch_modified(from, now);
    touch_modified(to, now);
    return ok();
}

Result<OpenedInode> PinTree::open(const Cred &cred, Ino ino, int flags) {
    std::lock_guard lock(mutex_);
    auto found = find_or_fail(ino);
    if (!found) return tl::unexpected(found.error());
    Inode &inode = **found;
    int mask = open_access_mask(flags);
    if (inode.is_dir() && (mask & kMayWrite))
        return fail(EISDIR, "cannot open a directory for writing");
    if (inode.is_symlink()) return fail(ELOOP, "cannot open a symbolic link itself");
    if (!may_access(cred, inode, mask))
        return fail(EACCES, "the file's mode does not allow this open");
    inode.opens++;
    return OpenedInode{inode.ino, inode.object};
}

Result<std::vector<DirEntry>> PinTree::list(Ino ino) {
    std::lock_guard lock(mutex_);
    auto found = find_or_fail(ino);
    if (!found) return tl::unexpected(found.error());
    Inode &dir = **found;
    if (!dir.is_dir()) return fail(ENOTDIR, "not a directory");
    std::vector<DirEntry> out;
    out.push_back(DirEntry{".", dir.ino, S_IFDIR});
    out.push_back(DirEntry{"..", dir.parent, S_IFDIR});
    for (auto &[name, child_ino] : dir.children) {
        Inode *entry = find(child_ino);
        if (entry != nullptr) out.push_back(DirEntry{name, child_ino, entry->mode & S_IFMT});
    }
    return out;
}

void PinTree::release(Ino ino) {
    Doomed doomed;
    std::lock_guard lock(mutex_);
    Inode *inode = find(ino);
    if (inode == nullptr || inode->opens == 0) return;
    inode->opens--;
    evict_if_unreferenced(*inode, doomed);
}

struct statvfs PinTree::statfs() const {
    // simple_statfs: block size and name length, every counter zero.
    struct statvfs st {};
    st.f_bsize = kBlockSize;
    st.f_frsize = kBlockSize;
    st.f_namemax = kNameMax;
    return st;
}

size_t PinTree::inode_count() const {
    std::lock_guard lock(mutex_);
    return inodes_.size();
}

}  // namespace bpffs
