#include "tools/bpffsctl/prog_select.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tools/bpffsctl/args.h"
#include "tools/bpffsctl/btf_fetch.h"
#include "tools/bpffsctl/cli.h"
#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

namespace {

constexpr size_t kMaxProgFullName = 128;  // bpftool's MAX_PROG_FULL_NAME

// bpftool's prog_fd_by_nametag: every program whose tag (or full name)
// matches.
int prog_fds_by_nametag(Cli &cli, const void *nametag, bool tag, std::vector<int> &fds) {
    return fds_matching(
        cli, kProgIds,
        [&](int fd, bool &yes) {
            bpf_prog_info info{};
            if (prog_info(fd, info) != 0) return -1;
            // bpftool 7.1 matches names in full (completed from BTF past 15
            // characters), not the kernel's 15-character cut.
            yes = tag ? memcmp(nametag, info.tag, BPF_TAG_SIZE) == 0
                      : prog_full_name(info, fd) == static_cast<const char *>(nametag);
            return 0;
        },
        fds);
}

}  // namespace

int prog_info(int fd, bpf_prog_info &info) {
    info = {};
    __u32 len = sizeof(info);
    return bpffs_obj_get_info_by_fd(fd, &info, &len);
}

int prog_parse_fds(Cli &cli, Args &args, std::vector<int> &fds) {
    if (is_prefix(args.peek(), "id")) {
        args.next(cli);
        uint32_t id = 0;
        if (!parse_id_arg(cli, args, id)) return -1;
        int fd = bpffs_prog_get_fd_by_id(id);
        if (fd < 0) {
            cli.error("get by id (%u): %s", id, strerror(errno));
            return -1;
        }
        fds.push_back(fd);
        return 1;
    }
    if (is_prefix(args.peek(), "tag")) {
        args.next(cli);
        unsigned char tag[BPF_TAG_SIZE];
        if (sscanf(args.cur().c_str(), "%02hhx%02hhx%02hhx%02hhx%02hhx%02hhx%02hhx%02hhx", tag,
                   tag + 1, tag + 2, tag + 3, tag + 4, tag + 5, tag + 6, tag + 7) != BPF_TAG_SIZE) {
            cli.error("can't parse tag");
            return -1;
        }
        args.next(cli);
        return prog_fds_by_nametag(cli, tag, true, fds);
    }
    if (is_prefix(args.peek(), "name")) {
        args.next(cli);
        std::string name = args.cur();
        if (name.size() > kMaxProgFullName - 1) {
            cli.error("can't parse name");
            return -1;
        }
        args.next(cli);
        return prog_fds_by_nametag(cli, name.c_str(), false, fds);
    }
    if (is_prefix(args.peek(), "pinned")) {
        args.next(cli);
        int fd = parse_pinned_arg(cli, args, ObjKind::prog);
        if (fd < 0) return -1;
        fds.push_back(fd);
        return 1;
    }
    cli.error("expected 'id', 'tag', 'name' or 'pinned', got: '%s'?",
              args.peek() ? args.cur().c_str() : "(null)");
    return -1;
}

int prog_parse_fd(Cli &cli, Args &args) {
    std::vector<int> fds;
    return only_fd(cli, prog_parse_fds(cli, args, fds), fds, "programs");
}

std::string prog_full_name(const bpf_prog_info &info, int fd) {
    std::string name(info.name, strnlen(info.name, sizeof info.name));
    if (name.size() < BPF_OBJ_NAME_LEN - 1 || info.btf_id == 0 || info.nr_func_info == 0)
        return name;
    bpf_func_info first{};
    bpf_prog_info req{};
    req.nr_func_info = 1;
    req.func_info_rec_size = std::min<__u32>(info.func_info_rec_size, sizeof first);
    req.func_info = reinterpret_cast<uintptr_t>(&first);
    __u32 len = sizeof req;
    if (bpffs_obj_get_info_by_fd(fd, &req, &len) != 0) return name;
    auto btf = btf_by_id(req.btf_id);
    if (!btf || first.type_id == 0 || first.type_id > btf->type_count()) return name;
    const auto &t = btf->type(first.type_id);
    if (t.kind != BTF_KIND_FUNC) return name;
    return std::string(t.name);
}

}  // namespace bpffsctl
