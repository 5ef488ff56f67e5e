#include "tools/bpffsctl/link_cmd.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/command_table.h"
#include "tools/bpffsctl/help.h"
#include "tools/bpffsctl/map_select.h"
#include "tools/bpffsctl/pin_path.h"
#include "tools/bpffsctl/pinned_table.h"
#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

namespace {

// libbpf 1.1's names of enum bpf_link_type (libbpf_bpf_link_type_str).
const char *link_type_name(uint32_t type) {
    static const char *const kNames[] = {
        "unspec", "raw_tracepoint", "tracing",      "cgroup", "iter", "netns",
        "xdp",    "perf_event",     "kprobe_multi",
    };
    return type < sizeof(kNames) / sizeof(kNames[0]) ? kNames[type] : nullptr;
}

// Targets whose links carry a map (bpftool's is_iter_map_target).
bool is_iter_map_target(const char *target_name) {
    return strcmp(target_name, "bpf_map_elem") == 0 ||
           strcmp(target_name, "bpf_sk_storage_map") == 0;
}

void show_plain(Cli &cli, const bpf_link_info &info, const PinnedTable *pins) {
    FILE *out = cli.out;
    fprintf(out, "%u: ", info.id);
    if (const char *type = link_type_name(info.type))
        fprintf(out, "%s  ", type);
    else
        fprintf(out, "type %d  ", info.type);
    fprintf(out, "prog %u  ", info.prog_id);
    if (info.type == BPF_LINK_TYPE_ITER) {
        const char *target = reinterpret_cast<const char *>(info.iter.target_name);
        fprintf(out, "target_name %s  ", target);
        if (is_iter_map_target(target)) fprintf(out, "map_id %u  ", info.iter.map.map_id);
    }
    if (pins && !pins->empty())
        for (const std::string &path : pins->paths_of(info.id))
            fprintf(out, "\n\tpinned %s", path.c_str());
    fputc('\n', out);
}

void show_json(Cli &cli, const bpf_link_info &info, const PinnedTable *pins) {
    JsonWriter &jw = cli.jw();
    jw.start_object();
    jw.uint_field("id", info.id);
    if (const char *type = link_type_name(info.type))
        jw.string_field("type", type);
    else
        jw.uint_field("type", info.type);
    jw.uint_field("prog_id", info.prog_id);
    if (info.type == BPF_LINK_TYPE_ITER) {
        const char *target = reinterpret_cast<const char *>(info.iter.target_name);
        jw.string_field("target_name", target);
        if (is_iter_map_target(target)) jw.uint_field("map_id", info.iter.map.map_id);
    }
    if (pins && !pins->empty()) {
        jw.name("pinned");
        jw.start_array();
        for (const std::string &path : pins->paths_of(info.id))
            jw.string(path);
        jw.end_array();
    }
    jw.end_object();
}

// bpftool's do_show_link: asks for the info, then again with a buffer for
// the target name; closes fd.
int show_link(Cli &cli, int fd, const PinnedTable *pins) {
    bpf_link_info info;
    memset(&info, 0, sizeof info);
    __u32 len = sizeof info;
    char name[256];
    for (;;) {
        int err = bpffs_obj_get_info_by_fd(fd, &info, &len);
        if (err) {
            cli.error("can't get link info: %s", strerror(errno));
            bpffs_close(fd);
            return err;
        }
        if (info.type != BPF_LINK_TYPE_ITER || info.iter.target_name != 0) break;
        info.iter.target_name = reinterpret_cast<uintptr_t>(name);
        info.iter.target_name_len = sizeof name;
    }
    if (cli.json())
        show_json(cli, info, pins);
    else
        show_plain(cli, info, pins);
    bpffs_close(fd);
    return 0;
}

int show_all(Cli &cli, const PinnedTable *pins) {
    if (cli.json()) cli.jw().start_array();
    __u32 id = 0;
    int last_errno = 0;
    while (true) {
        if (bpffs_link_get_next_id(id, &id) != 0) {
            last_errno = errno;
            if (errno != ENOENT)
                cli.error("can't get next link: %s%s", strerror(errno),
                          errno == EINVAL ? " -- kernel too old?" : "");
            break;
        }
        int fd = bpffs_link_get_fd_by_id(id);
        if (fd < 0) {
            if (errno == ENOENT) continue;  // gone meanwhile
            last_errno = errno;
            cli.error("can't get link by id (%u): %s", id, strerror(errno));
            break;
        }
        if (show_link(cli, fd, pins) != 0) {
            last_errno = errno;
            break;
        }
    }
    if (cli.json()) cli.jw().end_array();
    return last_errno == ENOENT ? 0 : -1;
}

int do_show(Cli &cli, Args args) {
    PinnedTable pins;
    if (cli.show_pinned) pins = PinnedTable::build(ObjKind::link);
    const PinnedTable *table = cli.show_pinned ? &pins : nullptr;
    if (args.argc() == 2) {
        int fd = link_parse_fd(cli, args);
        if (fd < 0) return fd;
        return show_link(cli, fd, table);
    }
    if (args.argc()) return cli.bad_arg(args);
    return show_all(cli, table);
}

int do_pin(Cli &cli, Args args) {
    if (!cli.require_args(args, 3)) return -EINVAL;
    int fd = link_parse_fd(cli, args);
    if (fd < 0) return fd;
    int err = pin_fd(cli, fd, args.cur());
    bpffs_close(fd);
    if (!err && cli.json()) cli.jw().null();
    return err;
}

int do_detach(Cli &cli, Args args) {
    if (args.argc() != 2) {
        // bpftool's message ends in a newline of its own: an empty line follows.
        cli.error("link specifier is invalid or missing\n");
        return 1;
    }
    int fd = link_parse_fd(cli, args);
    if (fd < 0) return 1;
    int err = bpffs_link_detach(fd);
    if (err) err = -errno;
    bpffs_close(fd);
    if (err) {
        cli.error("failed link detach: %s", strerror(-err));
        return 1;
    }
    if (cli.json()) cli.jw().null();
    return 0;
}

int do_help(Cli &cli, Args args) {
    // The object word sits two places before the help command's arguments.
    return print_link_help(cli, (*args.words)[args.pos >= 2 ? args.pos - 2 : 0]);
}

}  // namespace

int link_parse_fd(Cli &cli, Args &args) {
    if (is_prefix(args.peek(), "id")) {
        args.next(cli);
        uint32_t id = 0;
        if (!parse_id_arg(cli, args, id)) return -1;
        int fd = bpffs_link_get_fd_by_id(id);
        if (fd < 0) cli.error("failed to get link with ID %d: %s", id, strerror(errno));
        return fd;
    }
    if (is_prefix(args.peek(), "pinned")) {
        args.next(cli);
        return parse_pinned_arg(cli, args, ObjKind::link);
    }
    cli.error("expected 'id' or 'pinned', got: '%s'?", args.peek() ? args.cur().c_str() : "(null)");
    return -1;
}

int do_link(Cli &cli, Args args) {
    static const Command kCommands[] = {
        {"show", do_show}, {"list", do_show},     {"help", do_help},
        {"pin", do_pin},   {"detach", do_detach},
    };
    return select_command(cli, kCommands, args, print_link_help);
}

}  // namespace bpffsctl
