#include "tools/bpffsctl/map_select.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "tools/bpffsctl/args.h"
#include "tools/bpffsctl/cli.h"
#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

int map_info(int fd, bpf_map_info &info) {
    info = {};
    __u32 len = sizeof(info);
    return bpffs_obj_get_info_by_fd(fd, &info, &len);
}

namespace {

int map_fds_by_name(Cli &cli, const std::string &name, std::vector<int> &fds) {
    return fds_matching(
        cli, kMapIds,
        [&](int fd, bool &yes) {
            bpf_map_info info{};
            if (map_info(fd, info) != 0) return -1;
            yes = strncmp(name.c_str(), info.name, BPF_OBJ_NAME_LEN) == 0;
            return 0;
        },
        fds);
}

}  // namespace

int map_parse_fds(Cli &cli, Args &args, std::vector<int> &fds) {
    if (is_prefix(args.peek(), "id")) {
        args.next(cli);
        uint32_t id = 0;
        if (!parse_id_arg(cli, args, id)) return -1;
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
        int fd = parse_pinned_arg(cli, args, ObjKind::map);
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
    return only_fd(cli, map_parse_fds(cli, args, fds), fds, "maps");
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
