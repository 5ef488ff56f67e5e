#include "tools/bpffsctl/map_select.h"

#include <libgen.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "tools/bpffsctl/args.h"
#include "tools/bpffsctl/cli.h"
#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

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

int map_info(int fd, bpf_map_info &info) {
    info = {};
    __u32 len = sizeof(info);
    return bpffs_obj_get_info_by_fd(fd, &info, &len);
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

// strtoul with base 0 that must consume the whole word.
bool parse_id(const std::string &text, uint32_t &id) {
    char *end = nullptr;
    id = static_cast<uint32_t>(std::strtoul(text.c_str(), &end, 0));
    return *end == '\0';
}

int map_fds_by_name(Cli &cli, const std::string &name, std::vector<int> &fds) {
    __u32 id = 0;
    while (true) {
        if (bpffs_map_get_next_id(id, &id) != 0) {
            if (errno == ENOENT) return static_cast<int>(fds.size());
            cli.error("%s", strerror(errno));
            close_all(fds);
            return -1;
        }
        int fd = bpffs_map_get_fd_by_id(id);
        if (fd < 0) {
            cli.error("can't get map by id (%u): %s", id, strerror(errno));
            close_all(fds);
            return -1;
        }
        bpf_map_info info{};
        if (map_info(fd, info) != 0) {
            cli.error("can't get map info (%u): %s", id, strerror(errno));
            bpffs_close(fd);
            close_all(fds);
            return -1;
        }
        if (strncmp(name.c_str(), info.name, BPF_OBJ_NAME_LEN) != 0) {
            bpffs_close(fd);
            continue;
        }
        fds.push_back(fd);
    }
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

int map_parse_fds(Cli &cli, Args &args, std::vector<int> &fds) {
    if (is_prefix(args.peek(), "id")) {
        args.next(cli);
        uint32_t id = 0;
        if (!parse_id(args.cur(), id)) {
            cli.error("can't parse %s as ID", args.cur().c_str());
            return -1;
        }
        args.next(cli);
        int fd = bpffs_map_get_fd_by_id(id);
        if (fd < 0) {
            cli.error("get map by id (%u): %s", id, strerror(errno));
            return -1;
        }
        fds.push_back(fd);
        return 1;
    }
    if (is_prefix(args.peek(), "name")) {
        args.next(cli);
        std::string name = args.cur();
        if (name.size() > BPF_OBJ_NAME_LEN - 1) {
            cli.error("can't parse name");
            return -1;
        }
        args.next(cli);
        return map_fds_by_name(cli, name, fds);
    }
    if (is_prefix(args.peek(), "pinned")) {
        args.next(cli);
        std::string path = args.cur();
        args.next(cli);
        int fd = open_obj_pinned_any(cli, path, ObjKind::map);
        if (fd < 0) return -1;
        fds.push_back(fd);
        return 1;
    }
    cli.error("expected 'id', 'name' or 'pinned', got: '%s'?",
              args.peek() ? args.cur().c_str() : "(null)");
    return -1;
}

int map_parse_fd(Cli &cli, Args &args) {
    std::vector<int> fds;
    int n = map_parse_fds(cli, args, fds);
    if (n == 1) return fds[0];
    if (n > 1) {
        cli.error("several maps match this handle");
        close_all(fds);
    }
    return -1;
}

int map_parse_fd_and_info(Cli &cli, Args &args, bpf_map_info &info) {
    int fd = map_parse_fd(cli, args);
    if (fd < 0) return -1;
    int err = map_info(fd, info);
    if (err) {
        cli.error("can't get map info: %s", strerror(errno));
        bpffs_close(fd);
        return err;
    }
    return fd;
}

}  // namespace bpffsctl
