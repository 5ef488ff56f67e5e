#include "tools/bpffsctl/iter_cmd.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/command_table.h"
#include "tools/bpffsctl/help.h"
#include "tools/bpffsctl/map_select.h"
#include "tools/bpffsctl/pin_path.h"
#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

namespace {

// What `cat` asks for per read(2) (coreutils' 128 KiB); the iterator's
// output does not depend on it except through the kernel's fill rules.
constexpr size_t kReadSize = 128 * 1024;

// The object file, its first program loaded and attached: what both
// `iter pin` and `iter run` start from. Everything is released by the
// destructor; the link fd outlives it only through a pin or an iterator.
struct AttachedIter {
    bpffs_object *obj = nullptr;
    int map_fd = -1;
    int link_fd = -1;
    std::string prog_name;

    ~AttachedIter() {
        if (link_fd >= 0) bpffs_close(link_fd);
        if (obj) bpffs_object__close(obj);
        if (map_fd >= 0) bpffs_close(map_fd);
    }
};

// The optional `map MAP` after the positional words: 0, or -1 after an
// error. Anything else there is ignored, as bpftool ignores it.
int parse_map_option(Cli &cli, Args &args, AttachedIter &it) {
    if (args.empty() || !is_prefix(args.cur(), "map")) return 0;
    args.next(cli);
    if (!cli.require_args(args, 2)) {
        cli.error("incorrect map spec");
        return -1;
    }
    it.map_fd = map_parse_fd(cli, args);
    return it.map_fd < 0 ? -1 : 0;
}

// bpftool's do_pin up to the link: open and load objfile, take its first
// program, attach it (with the map, if any). Returns 0, or bpftool's
// error value after reporting. *stop is set when bpftool would return
// without an error value (an object without programs).
// libbpf prints its reasons on stderr before bpftool's own error.
void report_libbpffs_error(Cli &cli) {
    const char *why = bpffs_last_error();
    if (*why) fprintf(cli.err, "libbpffs: %s\n", why);
}

int attach_first_program(Cli &cli, const std::string &objfile, const std::string &pin_path,
                         AttachedIter &it, bool *stop) {
    *stop = false;
    bpffs_object_open_opts open_opts{};
    open_opts.sz = sizeof open_opts;
    // Maps pinned by name (LIBBPF_PIN_BY_NAME) go to the root of the mount
    // the iterator is pinned in, bpffsd's stand-in for /sys/fs/bpf.
    char root[4096];
    if (!pin_path.empty() && bpffs_find_mount_root(pin_path.c_str(), root, sizeof root) == 0)
        open_opts.pin_root_path = root;
    it.obj = bpffs_object__open_file(objfile.c_str(), &open_opts);
    if (!it.obj) {
        int err = -errno;
        report_libbpffs_error(cli);
        cli.error("can't open objfile %s", objfile.c_str());
        return err;
    }
    int err = bpffs_object__load(it.obj);
    if (err) {
        report_libbpffs_error(cli);
        cli.error("can't load objfile %s", objfile.c_str());
        return err;
    }
    bpffs_program *prog = bpffs_object__next_program(it.obj, nullptr);
    if (!prog) {
        // bpftool reports this but returns the load's result, 0.
        cli.error("can't find bpf program in objfile %s", objfile.c_str());
        *stop = true;
        return 0;
    }
    it.prog_name = bpffs_program__name(prog);
    union bpf_iter_link_info info;
    memset(&info, 0, sizeof info);
    bpffs_link_create_opts opts{};
    opts.sz = sizeof opts;
    if (it.map_fd >= 0) {
        info.map.map_fd = static_cast<__u32>(it.map_fd);
        opts.iter_info = &info;
        opts.iter_info_len = sizeof info;
    }
    it.link_fd = bpffs_link_create(bpffs_program__fd(prog), 0, BPF_TRACE_ITER, &opts);
    if (it.link_fd < 0) {
        err = it.link_fd;
        fprintf(cli.err, "libbpf: prog '%s': failed to attach to iterator: %s\n",
                it.prog_name.c_str(), strerror(-err));
        if (cli.debug) fprintf(cli.err, "bpffsd: %s\n", bpffs_last_error());
        cli.error("attach_iter failed for program %s", it.prog_name.c_str());
        return err;
    }
    return 0;
}

int do_pin(Cli &cli, Args args) {
    if (!cli.require_args(args, 2)) cli.usage();
    std::string objfile = args.take();
    std::string path = args.take();
    AttachedIter it;
    if (parse_map_option(cli, args, it)) return -1;
    bool stop = false;
    int err = attach_first_program(cli, objfile, path, it, &stop);
    if (err || stop) return err;
    err = check_pin_parent(cli, path);
    if (err) return err;
    err = bpffs_obj_pin(it.link_fd, path.c_str());
    if (err) {
        if (cli.debug) fprintf(cli.err, "bpffsd: %s\n", bpffs_last_error());
        cli.error("pin_iter failed for program %s to path %s", it.prog_name.c_str(), path.c_str());
    }
    return err;
}

// Reads the iterator to the end as cat would; in JSON mode the output is
// one JSON string.
int do_run(Cli &cli, Args args) {
    if (!cli.require_args(args, 1)) cli.usage();
    std::string objfile = args.take();
    AttachedIter it;
    if (parse_map_option(cli, args, it)) return -1;
    bool stop = false;
    int err = attach_first_program(cli, objfile, "", it, &stop);
    if (err || stop) return err;
    int iter_fd = bpffs_iter_create(it.link_fd);
    if (iter_fd < 0) {
        cli.error("can't create an iterator for program %s: %s", it.prog_name.c_str(),
                  strerror(errno));
        return iter_fd;
    }
    std::vector<char> buf(kReadSize);
    std::string json_text;
    for (;;) {
        ssize_t n = bpffs_iter_read(iter_fd, buf.data(), buf.size());
        if (n < 0) {
            err = static_cast<int>(n);
            cli.error("read failed: %s", strerror(static_cast<int>(-n)));
            break;
        }
        if (n == 0) break;
        if (cli.json())
            json_text.append(buf.data(), static_cast<size_t>(n));
        else
            fwrite(buf.data(), 1, static_cast<size_t>(n), cli.out);
    }
    bpffs_close(iter_fd);
    if (cli.json() && err == 0) cli.jw().string(json_text);
    return err;
}

int do_help(Cli &cli, Args) {
    return print_iter_help(cli, "iter");
}

}  // namespace

int do_iter(Cli &cli, Args args) {
    static const Command kCommands[] = {
        {"help", do_help},
        {"pin", do_pin},
        {"run", do_run},
    };
    return select_command(cli, kCommands, args, print_iter_help);
}

}  // namespace bpffsctl
