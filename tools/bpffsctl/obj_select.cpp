#include "tools/bpffsctl/obj_select.h"

#include <libgen.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "tools/bpffsctl/args.h"
#include "tools/bpffsctl/cli.h"
#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

const ObjIds kMapIds = {"map", bpffs_map_get_next_id, bpffs_map_get_fd_by_id};
const ObjIds kProgIds = {"prog", bpffs_prog_get_next_id, bpffs_prog_get_fd_by_id};

const char *obj_kind_name(ObjKind kind) {
    switch (kind) {
        case ObjKind::map:
            return "map";
        case ObjKind::prog:
            return "prog";
        case ObjKind::link:
            return "link";
        default:
            return "unknown";
    }
}

ObjKind fd_kind(int fd) {
    bpffs_fdinfo fi{};
    if (bpffs_obj_get_fdinfo(fd, &fi) != 0 || fi.kind > 2) return ObjKind::unknown;
    return static_cast<ObjKind>(fi.kind);
}

void close_all(std::vector<int> &fds) {
    for (int fd : fds)
        bpffs_close(fd);
    fds.clear();
}

namespace {

// Whether dir belongs to a bpffsd mount (bpftool asks statfs for BPF_FS_MAGIC).
bool is_bpffs_dir(const char *dir) {
    char socket[256];
    return bpffs_find_socket(dir, socket, sizeof(socket)) == 0;
}

}  // namespace

int open_obj_pinned(Cli &cli, const std::string &path, bool quiet) {
    int fd = bpffs_obj_get(path.c_str());
    if (fd >= 0) return fd;
    if (quiet) return -1;
    int err = errno;
    // bpftool's check for "not on a bpffs" runs dirname() over its copy of
    // the path, so every EACCES message names the parent directory.
    std::string copy = path;
    const char *shown = path.c_str();
    const char *reason = strerror(err);
    if (err == EACCES) {
        shown = dirname(copy.data());
        if (!is_bpffs_dir(shown)) reason = "directory not in bpf file system (bpffs)";
    }
    cli.error("bpf obj get (%s): %s", shown, reason);
    return -1;
}

int open_obj_pinned_any(Cli &cli, const std::string &path, ObjKind expected) {
    int fd = open_obj_pinned(cli, path, false);
    if (fd < 0) return -1;
    ObjKind kind = fd_kind(fd);
    if (kind != expected) {
        cli.error("incorrect object type: %s", obj_kind_name(kind));
        bpffs_close(fd);
        return -1;
    }
    return fd;
}

bool parse_id_arg(Cli &cli, Args &args, uint32_t &id) {
    char *end = nullptr;
    id = static_cast<uint32_t>(std::strtoul(args.cur().c_str(), &end, 0));
    if (*end != '\0') {
        cli.error("can't parse %s as ID", args.cur().c_str());
        return false;
    }
    args.next(cli);
    return true;
}

int parse_pinned_arg(Cli &cli, Args &args, ObjKind expected) {
    std::string path = args.cur();
    args.next(cli);
    return open_obj_pinned_any(cli, path, expected);
}

int fds_matching(Cli &cli, const ObjIds &ids, const std::function<int(int fd, bool &yes)> &match,
                 std::vector<int> &fds) {
    __u32 id = 0;
    while (true) {
        if (ids.next_id(id, &id) != 0) {
            if (errno == ENOENT) return static_cast<int>(fds.size());
            cli.error("%s", strerror(errno));
            close_all(fds);
            return -1;
        }
        int fd = ids.fd_by_id(id);
        if (fd < 0) {
            cli.error("can't get %s by id (%u): %s", ids.noun, id, strerror(errno));
            close_all(fds);
            return -1;
        }
        bool yes = false;
        if (match(fd, yes) != 0) {
            cli.error("can't get %s info (%u): %s", ids.noun, id, strerror(errno));
            bpffs_close(fd);
            close_all(fds);
            return -1;
        }
        if (yes)
            fds.push_back(fd);
        else
            bpffs_close(fd);
    }
}

int only_fd(Cli &cli, int n, std::vector<int> &fds, const char *plural) {
    if (n == 1) return fds[0];
    if (n > 1) {
        cli.error("several %s match this handle", plural);
        close_all(fds);
    }
    return -1;
}

}  // namespace bpffsctl
