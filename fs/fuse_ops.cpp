#include "fs/fuse_ops.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "fs/request_cred.h"

namespace bpffs {

namespace {

FsContext &context(fuse_req_t req) {
    return *static_cast<FsContext *>(fuse_req_userdata(req));
}

// An open pinned file: the tree's reference to the inode plus the handler's
// file.
struct OpenState {
    Ino ino = 0;
    std::unique_ptr<OpenFile> file;
};

// An open directory: the entries as they were at opendir, so that offsets
// stay meaningful while the directory changes.
struct DirState {
    Ino ino = 0;
    std::vector<DirEntry> entries;
};

void reply_error(fuse_req_t req, const char *op, const Error &error) {
    // Most errors are ordinary answers (ENOENT, EPERM...): debug level.
    spdlog::debug("fs: {}: {} ({})", op, error.message, std::strerror(error.code));
    fuse_reply_err(req, error.code);
}

void reply_entry(fuse_req_t req, const struct stat &st) {
    fuse_entry_param entry{};
    entry.ino = st.st_ino;
    entry.attr = st;
    entry.attr_timeout = context(req).cache_timeout;
    entry.entry_timeout = context(req).cache_timeout;
    // If the request was interrupted the kernel never learns the inode:
    // drop the lookup the tree counted for it.
    if (fuse_reply_entry(req, &entry) != 0) context(req).tree.forget(st.st_ino, 1);
}

template <class T>
T *handle(fuse_file_info *fi) {
    return reinterpret_cast<T *>(static_cast<uintptr_t>(fi->fh));
}

// ---- session ---------------------------------------------------------------

void op_init(void *userdata, fuse_conn_info *conn) {
    auto &ctx = *static_cast<FsContext *>(userdata);
    conn->time_gran = 1;  // nanosecond timestamps
    // ftruncate and O_TRUNC arrive as setattr with a file handle.
    conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
    if (ctx.on_init) ctx.on_init();
}

void op_destroy(void *userdata) {
    // The kernel holds no inode any more; unnamed inodes can go.
    static_cast<FsContext *>(userdata)->tree.forget_all();
}

// ---- names and attributes --------------------------------------------------

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
    auto st = context(req).tree.lookup(request_cred(req), parent, name);
    if (!st) return reply_error(req, "lookup", st.error());
    reply_entry(req, *st);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
    context(req).tree.forget(ino, nlookup);
    fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, fuse_forget_data *forgets) {
    for (size_t i = 0; i < count; i++)
        context(req).tree.forget(forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info *) {
    auto st = context(req).tree.getattr(ino);
    if (!st) return reply_error(req, "getattr", st.error());
    fuse_reply_attr(req, &*st, context(req).cache_timeout);
}

SetAttr to_setattr(const struct stat &attr, int to_set, fuse_file_info *fi) {
    SetAttr change;
    if (to_set & FUSE_SET_ATTR_MODE) change.mode = attr.st_mode;
    if (to_set & FUSE_SET_ATTR_UID) change.uid = attr.st_uid;
    if (to_set & FUSE_SET_ATTR_GID) change.gid = attr.st_gid;
    if (to_set & FUSE_SET_ATTR_SIZE) change.size = attr.st_size;
    if (to_set & FUSE_SET_ATTR_ATIME) change.atime = attr.st_atim;
    if (to_set & FUSE_SET_ATTR_MTIME) change.mtime = attr.st_mtim;
    if (to_set & FUSE_SET_ATTR_ATIME_NOW) change.atime_now = true;
    if (to_set & FUSE_SET_ATTR_MTIME_NOW) change.mtime_now = true;
    change.through_open_file = fi != nullptr;
    return change;
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, fuse_file_info *fi) {
    auto st = context(req).tree.setattr(request_cred(req), ino, to_setattr(*attr, to_set, fi));
    if (!st) return reply_error(req, "setattr", st.error());
    fuse_reply_attr(req, &*st, context(req).cache_timeout);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
    auto target = context(req).tree.readlink(ino);
    if (!target) return reply_error(req, "readlink", target.error());
    fuse_reply_readlink(req, target->c_str());
}

void op_access(fuse_req_t req, fuse_ino_t ino, int mask) {
    auto allowed = context(req).tree.access(request_cred(req), ino, mask);
    if (!allowed) return reply_error(req, "access", allowed.error());
    fuse_reply_err(req, 0);
}

// ---- directory changes -----------------------------------------------------

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t) {
    auto made = context(req).tree.mknod(request_cred(req), parent, name, mode);
    // mknod never succeeds in bpffs; the tree says why.
    reply_error(req, "mknod", made ? Error{EPERM, "no files but pins"} : made.error());
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, fuse_file_info *) {
    auto made = context(req).tree.mknod(request_cred(req), parent, name, S_IFREG | (mode & 07777));
    reply_error(req, "create", made ? Error{EACCES, "no files but pins"} : made.error());
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode) {
    auto st = context(req).tree.mkdir(request_cred(req), parent, name, mode);
    if (!st) return reply_error(req, "mkdir", st.error());
    reply_entry(req, *st);
}

void op_symlink(fuse_req_t req, const char *target, fuse_ino_t parent, const char *name) {
    auto st = context(req).tree.symlink(request_cred(req), parent, name, target);
    if (!st) return reply_error(req, "symlink", st.error());
    reply_entry(req, *st);
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t new_parent, const char *new_name) {
    auto st = context(req).tree.link(request_cred(req), ino, new_parent, new_name);
    if (!st) return reply_error(req, "link", st.error());
    reply_entry(req, *st);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name) {
    auto done = context(req).tree.unlink(request_cred(req), parent, name);
    if (!done) return reply_error(req, "unlink", done.error());
    fuse_reply_err(req, 0);
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name) {
    auto done = context(req).tree.rmdir(request_cred(req), parent, name);
    if (!done) return reply_error(req, "rmdir", done.error());
    fuse_reply_err(req, 0);
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t new_parent,
               const char *new_name, unsigned int flags) {
    auto done =
        context(req).tree.rename(request_cred(req), parent, name, new_parent, new_name, flags);
    if (!done) return reply_error(req, "rename", done.error());
    fuse_reply_err(req, 0);
}

// ---- pinned files ----------------------------------------------------------

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi) {
    auto &ctx = context(req);
    Cred cred = request_cred(req);
    auto opened = ctx.tree.open(cred, ino, fi->flags);
    if (!opened) return reply_error(req, "open", opened.error());
    if (!opened->object) {  // directories come through opendir
        ctx.tree.release(ino);
        return reply_error(req, "open", Error{EISDIR, "not a pinned object"});
    }
    Result<std::unique_ptr<OpenFile>> file =
        ctx.open_handlers ? ctx.open_handlers->open(opened->object, cred, fi->flags)
                          : fail(EIO, std::string("a pinned ") + kind_name(opened->object->kind()) +
                                          " has no file contents to open");
    if (!file) {
        ctx.tree.release(ino);
        return reply_error(req, "open", file.error());
    }
    // Contents are generated on each read: no page cache, and no seeking
    // for files that cannot (bpf_iter files have no llseek).
    fi->direct_io = 1;
    fi->nonseekable = (*file)->seekable() ? 0 : 1;
    auto *state = new OpenState{ino, std::move(*file)};
    fi->fh = reinterpret_cast<uintptr_t>(state);
    if (fuse_reply_open(req, fi) != 0) {  // interrupted: nobody will release it
        delete state;
        ctx.tree.release(ino);
    }
}

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info *fi) {
    auto *state = handle<OpenState>(fi);
    std::vector<char> buf(size);
    auto n = state->file->read(buf.data(), size, off);
    if (!n) return reply_error(req, "read", n.error());
    fuse_reply_buf(req, buf.data(), *n);
}

void op_write(fuse_req_t req, fuse_ino_t, const char *, size_t, off_t, fuse_file_info *) {
    // Pinned files have no write operation; seq_file files answer EINVAL.
    fuse_reply_err(req, EINVAL);
}

void op_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi) {
    delete handle<OpenState>(fi);
    context(req).tree.release(ino);
    fuse_reply_err(req, 0);
}

// ---- directories -----------------------------------------------------------

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi) {
    auto &tree = context(req).tree;
    auto opened = tree.open(request_cred(req), ino, fi->flags);
    if (!opened) return reply_error(req, "opendir", opened.error());
    auto entries = tree.list(ino);
    if (!entries) {
        tree.release(ino);
        return reply_error(req, "opendir", entries.error());
    }
    auto *state = new DirState{ino, std::move(*entries)};
    fi->fh = reinterpret_cast<uintptr_t>(state);
    if (fuse_reply_open(req, fi) != 0) {
        delete state;
        tree.release(ino);
    }
}

bool is_dot_or_dotdot(const std::string &name) {
    return name == "." || name == "..";
}

// readdir and readdirplus: entries from offset off (an index into the
// snapshot) until the reply buffer is full.
void read_directory(fuse_req_t req, size_t size, off_t off, fuse_file_info *fi, bool plus) {
    auto &tree = context(req).tree;
    auto *state = handle<DirState>(fi);
    std::vector<char> buf(size);
    size_t used = 0;
    for (size_t i = static_cast<size_t>(off); i < state->entries.size(); i++) {
        const DirEntry &dirent = state->entries[i];
        size_t room = size - used;
        size_t needed = 0;
        if (!plus) {
            struct stat st {};
            st.st_ino = dirent.ino;
            st.st_mode = dirent.type;
            needed =
                fuse_add_direntry(req, buf.data() + used, room, dirent.name.c_str(), &st, i + 1);
        } else {
            fuse_entry_param entry{};
            // "." and ".." carry no attributes (ino 0: the kernel takes no
            // reference); other entries count as lookups.
            if (is_dot_or_dotdot(dirent.name)) {
                entry.attr.st_ino = dirent.ino;
                entry.attr.st_mode = dirent.type;
            } else {
                auto st = tree.lookup_listed(state->ino, dirent.name, dirent.ino);
                if (!st) continue;  // removed since opendir
                entry.ino = dirent.ino;
                entry.attr = *st;
                entry.attr_timeout = entry.entry_timeout = context(req).cache_timeout;
            }
            needed = fuse_add_direntry_plus(req, buf.data() + used, room, dirent.name.c_str(),
                                            &entry, i + 1);
            if (needed > room && entry.ino != 0) tree.forget(entry.ino, 1);
        }
        if (needed > room) break;
        used += needed;
    }
    fuse_reply_buf(req, buf.data(), used);
}

void op_readdir(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info *fi) {
    read_directory(req, size, off, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info *fi) {
    read_directory(req, size, off, fi, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info *fi) {
    delete handle<DirState>(fi);
    context(req).tree.release(ino);
    fuse_reply_err(req, 0);
}

// ---- filesystem ------------------------------------------------------------

void op_statfs(fuse_req_t req, fuse_ino_t) {
    // f_type cannot be chosen: the kernel reports FUSE's own magic.
    struct statvfs st = context(req).tree.statfs();
    fuse_reply_statfs(req, &st);
}

// Replies with value, or its size when the caller asks with size 0.
void reply_xattr_value(fuse_req_t req, const std::string &value, size_t size) {
    if (size == 0) return (void)fuse_reply_xattr(req, value.size());
    if (size < value.size()) return (void)fuse_reply_err(req, ERANGE);
    fuse_reply_buf(req, value.data(), value.size());
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size) {
    auto &ctx = context(req);
    if (auto st = ctx.tree.getattr(ino); !st) return reply_error(req, "getxattr", st.error());
    // bpffs has no xattr handlers: the kernel answers EOPNOTSUPP to every
    // name (not ENODATA); only the daemon's own attribute exists.
    if (ino != kRootIno || ctx.socket_path.empty() || std::strcmp(name, kSocketXattr) != 0)
        return (void)fuse_reply_err(req, EOPNOTSUPP);
    reply_xattr_value(req, ctx.socket_path, size);
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
    auto &ctx = context(req);
    if (auto st = ctx.tree.getattr(ino); !st) return reply_error(req, "listxattr", st.error());
    std::string names;
    if (ino == kRootIno && !ctx.socket_path.empty()) names.append(kSocketXattr).push_back('\0');
    reply_xattr_value(req, names, size);
}

void op_setxattr(fuse_req_t req, fuse_ino_t, const char *, const char *, size_t, int) {
    fuse_reply_err(req, EOPNOTSUPP);  // bpffs on 6.18 has no xattr handlers
}

void op_removexattr(fuse_req_t req, fuse_ino_t, const char *) {
    fuse_reply_err(req, EOPNOTSUPP);
}

fuse_lowlevel_ops make_ops() {
    fuse_lowlevel_ops ops{};
    ops.init = op_init;
    ops.destroy = op_destroy;
    ops.lookup = op_lookup;
    ops.forget = op_forget;
    ops.forget_multi = op_forget_multi;
    ops.getattr = op_getattr;
    ops.setattr = op_setattr;
    ops.readlink = op_readlink;
    ops.access = op_access;
    ops.mknod = op_mknod;
    ops.create = op_create;
    ops.mkdir = op_mkdir;
    ops.symlink = op_symlink;
    ops.link = op_link;
    ops.unlink = op_unlink;
    ops.rmdir = op_rmdir;
    ops.rename = op_rename;
    ops.open = op_open;
    ops.read = op_read;
    ops.write = op_write;
    ops.release = op_release;
    ops.opendir = op_opendir;
    ops.readdir = op_readdir;
    ops.readdirplus = op_readdirplus;
    ops.releasedir = op_releasedir;
    ops.statfs = op_statfs;
    ops.getxattr = op_getxattr;
    ops.listxattr = op_listxattr;
    ops.setxattr = op_setxattr;
    ops.removexattr = op_removexattr;
    return ops;
}

}  // namespace

const fuse_lowlevel_ops &bpffs_fuse_ops() {
    static const fuse_lowlevel_ops ops = make_ops();
    return ops;
}

}  // namespace bpffs
