#include "tools/bpffsctl/prog_cmd.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include "core/elf/program.h"
#include "tools/bpffsctl/btf_fetch.h"
#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/command_table.h"
#include "tools/bpffsctl/help.h"
#include "tools/bpffsctl/pin_path.h"
#include "tools/bpffsctl/pinned_table.h"
#include "tools/bpffsctl/prog_print.h"
#include "tools/bpffsctl/prog_select.h"
#include "tools/bpffsctl/xlated_dump.h"
#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

namespace {

// --- show -----------------------------------------------------------------

// bpftool's find_metadata: the value of the program's first .rodata map
// (a one-element array with BTF), and its bpf_metadata_* variables.
void add_metadata(ProgRecord &rec) {
    for (uint32_t id : rec.map_ids) {
        int fd = bpffs_map_get_fd_by_id(id);
        if (fd < 0) return;
        bpf_map_info mi{};
        if (map_info(fd, mi) != 0) {
            bpffs_close(fd);
            return;
        }
        if (mi.type != BPF_MAP_TYPE_ARRAY || mi.key_size != sizeof(int) || mi.max_entries != 1 ||
            !mi.btf_value_type_id || strstr(mi.name, ".rodata") == nullptr) {
            bpffs_close(fd);
            continue;
        }
        std::vector<uint8_t> value(mi.value_size);
        const uint32_t key = 0;
        int err = bpffs_map_lookup_elem(fd, &key, value.data());
        bpffs_close(fd);
        if (err) return;
        auto btf = btf_by_id(mi.btf_id);
        if (!btf) return;
        auto shared = std::make_shared<const bpffs::btf::Btf>(std::move(*btf));
        rec.metadata = metadata_vars(*shared, mi.btf_value_type_id);
        rec.metadata_btf = std::move(shared);
        rec.metadata_value = std::move(value);
        return;
    }
}

ProgRecord record_for(int fd, const bpf_prog_info &info, const PinnedTable *pins) {
    ProgRecord rec;
    rec.info = info;
    rec.full_name = prog_full_name(info, fd);
    bpffs_fdinfo fi{};
    if (bpffs_obj_get_fdinfo(fd, &fi) == 0) {
        rec.has_memlock = true;
        rec.memlock = fi.memlock;
    }
    if (info.nr_map_ids) {
        std::vector<uint32_t> ids(info.nr_map_ids);
        bpf_prog_info req{};
        req.nr_map_ids = info.nr_map_ids;
        req.map_ids = reinterpret_cast<uintptr_t>(ids.data());
        __u32 len = sizeof req;
        if (bpffs_obj_get_info_by_fd(fd, &req, &len) == 0 && req.nr_map_ids) {
            ids.resize(std::min(req.nr_map_ids, info.nr_map_ids));
            rec.map_ids = ids;
        }
    }
    if (info.load_time) format_load_time(info.load_time, rec.loaded_at_plain, rec.loaded_at_json);
    add_metadata(rec);
    if (pins && !pins->empty()) {
        rec.pinned_table = true;
        rec.pinned = pins->paths_of(info.id);
    }
    return rec;
}

int show_prog(Cli &cli, int fd, const PinnedTable *pins) {
    bpf_prog_info info{};
    if (prog_info(fd, info) != 0) {
        cli.error("can't get prog info: %s", strerror(errno));
        return -1;
    }
    ProgRecord rec = record_for(fd, info, pins);
    if (cli.json())
        prog_record_json(cli.jw(), rec);
    else
        fputs(prog_record_plain(rec).c_str(), cli.out);
    return 0;
}

int show_subset(Cli &cli, Args &args, const PinnedTable *pins) {
    std::vector<int> fds;
    int n = prog_parse_fds(cli, args, fds);
    if (n < 1) return -1;
    int err = 0;
    if (cli.json() && n > 1) cli.jw().start_array();
    for (size_t i = 0; i < fds.size(); ++i) {
        err = show_prog(cli, fds[i], pins);
        if (err) break;
    }
    if (cli.json() && n > 1) cli.jw().end_array();
    close_all(fds);
    return err;
}

int show_all(Cli &cli, const PinnedTable *pins) {
    if (cli.json()) cli.jw().start_array();
    __u32 id = 0;
    int err = 0;
    while (true) {
        if (bpffs_prog_get_next_id(id, &id) != 0) {
            if (errno == ENOENT) break;
            cli.error("can't get next program: %s%s", strerror(errno),
                      errno == EINVAL ? " -- kernel too old?" : "");
            err = -1;
            break;
        }
        int fd = bpffs_prog_get_fd_by_id(id);
        if (fd < 0) {
            if (errno == ENOENT) continue;
            cli.error("can't get prog by id (%u): %s", id, strerror(errno));
            err = -1;
            break;
        }
        err = show_prog(cli, fd, pins);
        bpffs_close(fd);
        if (err) break;
    }
    if (cli.json()) cli.jw().end_array();
    return err;
}

int do_show(Cli &cli, Args args) {
    PinnedTable pins;
    if (cli.show_pinned) pins = PinnedTable::build(ObjKind::prog);
    const PinnedTable *table = cli.show_pinned ? &pins : nullptr;
    if (args.argc() == 2) return show_subset(cli, args, table);
    if (args.argc()) return cli.bad_arg(args);
    return show_all(cli, table);
}

// --- dump -----------------------------------------------------------------

// The instructions, func_info, line_info and BTF of one program.
struct DumpData {
    bpf_prog_info info{};
    XlatedProgram prog;
    std::optional<bpffs::btf::Btf> btf;
};

int fetch_dump_data(Cli &cli, int fd, DumpData &d) {
    bpf_prog_info sizes{};
    if (prog_info(fd, sizes) != 0) {
        cli.error("can't get prog info: %s", strerror(errno));
        return -1;
    }
    d.prog.insns.resize(sizes.xlated_prog_len / sizeof(bpf_insn));
    d.prog.func_info.resize(sizes.func_info_rec_size == sizeof(bpf_func_info) ? sizes.nr_func_info
                                                                              : 0);
    d.prog.line_info.resize(sizes.line_info_rec_size == sizeof(bpf_line_info) ? sizes.nr_line_info
                                                                              : 0);
    bpf_prog_info &info = d.info;
    info.xlated_prog_len = static_cast<__u32>(d.prog.insns.size() * sizeof(bpf_insn));
    info.xlated_prog_insns = reinterpret_cast<uintptr_t>(d.prog.insns.data());
    info.nr_func_info = static_cast<__u32>(d.prog.func_info.size());
    info.func_info_rec_size = sizeof(bpf_func_info);
    info.func_info = reinterpret_cast<uintptr_t>(d.prog.func_info.data());
    info.nr_line_info = static_cast<__u32>(d.prog.line_info.size());
    info.line_info_rec_size = sizeof(bpf_line_info);
    info.line_info = reinterpret_cast<uintptr_t>(d.prog.line_info.data());
    __u32 len = sizeof info;
    if (bpffs_obj_get_info_by_fd(fd, &info, &len) != 0) {
        cli.error("can't get prog info: %s", strerror(errno));
        return -1;
    }
    if (info.xlated_prog_len == 0) {
        cli.error("error retrieving insn dump: kernel.kptr_restrict set?");
        return -1;
    }
    if (info.btf_id) {
        auto btf = btf_by_id(info.btf_id);
        if (!btf) {
            cli.error("failed to get btf");
            return -1;
        }
        d.btf = std::move(*btf);
        d.prog.btf = &*d.btf;
    }
    return 0;
}

int write_dump_file(Cli &cli, const DumpData &d, const std::string &path) {
    FILE *f = fopen(path.c_str(), "w");
    if (f == nullptr) {
        cli.error("can't open file %s: %s", path.c_str(), strerror(errno));
        return -1;
    }
    size_t bytes = d.prog.insns.size() * sizeof(bpf_insn);
    size_t n = fwrite(d.prog.insns.data(), 1, bytes, f);
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (n != bytes) {
        cli.error("error writing output file: %s", err ? strerror(err) : "short write");
        return -1;
    }
    if (cli.json()) cli.jw().null();
    return 0;
}

int do_dump(Cli &cli, Args args) {
    if (args.empty()) cli.usage();
    if (is_prefix(args.cur(), "jited")) {
        cli.error("no JIT in %s: programs run in the daemon's interpreter; use 'xlated'",
                  cli.bin_name.c_str());
        return -1;
    }
    if (!is_prefix(args.cur(), "xlated")) {
        cli.error("expected 'xlated' or 'jited', got: %s", args.cur().c_str());
        return -1;
    }
    args.next(cli);
    if (args.argc() < 2) cli.usage();
    std::vector<int> fds;
    int n = prog_parse_fds(cli, args, fds);
    if (n < 1) return -1;
    std::string filepath;
    DumpOptions opts;
    bool visual = false;
    int err = -1;
    if (is_prefix(args.peek(), "file")) {
        args.next(cli);
        if (args.empty()) {
            cli.error("expected file path");
            close_all(fds);
            return -1;
        }
        if (n > 1) {
            cli.error("several programs matched");
            close_all(fds);
            return -1;
        }
        filepath = args.take();
    } else if (is_prefix(args.peek(), "opcodes")) {
        opts.opcodes = true;
        args.take();
    } else if (is_prefix(args.peek(), "visual")) {
        if (n > 1) {
            cli.error("several programs matched");
            close_all(fds);
            return -1;
        }
        visual = true;
        args.take();
    } else if (is_prefix(args.peek(), "linum")) {
        opts.linum = true;
        args.take();
    }
    if (!args.empty()) {
        close_all(fds);
        cli.usage();
    }
    if (cli.json() && visual) {
        cli.error("'visual' is not compatible with JSON output");
        close_all(fds);
        return -1;
    }
    if (visual) {
        cli.error("'visual' (a control flow graph) is not provided by %s", cli.bin_name.c_str());
        close_all(fds);
        return -1;
    }
    if (cli.json() && n > 1) cli.jw().start_array();
    for (size_t i = 0; i < fds.size(); ++i) {
        DumpData d;
        err = fetch_dump_data(cli, fds[i], d);
        if (err) break;
        ProgRecord rec;
        rec.info = d.info;
        rec.full_name = prog_full_name(d.info, fds[i]);
        if (cli.json() && n > 1) {
            cli.jw().start_object();
            prog_header_json(cli.jw(), rec);
            cli.jw().name("insns");
        } else if (n > 1) {
            fputs(prog_header_plain(rec).c_str(), cli.out);
        }
        if (!filepath.empty())
            err = write_dump_file(cli, d, filepath);
        else if (cli.json())
            dump_xlated_json(cli.jw(), d.prog, opts);
        else
            dump_xlated_plain(cli.out, d.prog, opts);
        if (cli.json() && n > 1)
            cli.jw().end_object();
        else if (i + 1 != fds.size() && n > 1)
            fputs("\n", cli.out);
        if (err) break;
    }
    if (cli.json() && n > 1) cli.jw().end_array();
    close_all(fds);
    return err;
}

// --- pin ------------------------------------------------------------------

int do_pin(Cli &cli, Args args) {
    if (!cli.require_args(args, 3)) return -EINVAL;
    int fd = prog_parse_fd(cli, args);
    if (fd < 0) return fd;
    int err = pin_fd(cli, fd, args.cur());
    bpffs_close(fd);
    if (!err && cli.json()) cli.jw().null();
    return err;
}

// --- load / loadall ---------------------------------------------------------

struct LoadOptions {
    std::string file, pinfile, pinmaps;
    bool has_type = false;
    uint32_t prog_type = 0, expected_attach_type = 0;
};

// bpftool's `type TYPE`: libbpf's section-name rules, retried with a '/'.
bool parse_prog_type(Cli &cli, const std::string &word, LoadOptions &o) {
    auto kind = bpffs::elf::classify_section(word);
    if (!kind) kind = bpffs::elf::classify_section(word + "/");
    if (!kind) {
        fprintf(cli.err, "libbpf: failed to guess program type from ELF section '%s'\n",
                (word + "/").c_str());
        fprintf(cli.err, "%s: %s\n", cli.bin_name.c_str(), kind.error().message.c_str());
        return false;
    }
    o.has_type = true;
    o.prog_type = kind->prog_type;
    o.expected_attach_type = kind->expected_attach_type;
    return true;
}

bool parse_load_args(Cli &cli, Args &args, LoadOptions &o) {
    if (!cli.require_args(args, 2)) return false;
    o.file = args.take();
    o.pinfile = args.take();
    while (!args.empty()) {
        if (is_prefix(args.cur(), "type")) {
            args.next(cli);
            if (o.has_type) {
                cli.error("program type already specified");
                return false;
            }
            if (!cli.require_args(args, 1)) return false;
            if (!parse_prog_type(cli, args.cur(), o)) return false;
            args.next(cli);
        } else if (is_prefix(args.cur(), "map")) {
            cli.error("'map' (reusing maps by index or name) is not provided by %s",
                      cli.bin_name.c_str());
            return false;
        } else if (is_prefix(args.cur(), "dev")) {
            cli.error("'dev' (offload to a device) is not provided by %s", cli.bin_name.c_str());
            return false;
        } else if (is_prefix(args.cur(), "pinmaps")) {
            args.next(cli);
            if (!cli.require_args(args, 1)) return false;
            o.pinmaps = args.take();
        } else {
            cli.error("expected no more arguments, 'type', 'map' or 'dev', got: '%s'?",
                      args.cur().c_str());
            return false;
        }
    }
    return true;
}

// The root of the bpffsd mount that will hold path (which may not exist
// yet): where maps pinned by name go, as the kernel's libbpf uses /sys/fs/bpf.
std::string mount_root_for(std::string path) {
    char root[4096];
    while (!path.empty()) {
        if (bpffs_find_mount_root(path.c_str(), root, sizeof root) == 0) return root;
        size_t slash = path.rfind('/');
        if (slash == std::string::npos || slash == 0) break;
        path.resize(slash);
    }
    return "";
}

// bpftool's create_and_mount_bpffs_dir: a missing directory is created.
int make_pin_dir(Cli &cli, const std::string &dir) {
    struct stat st;
    if (stat(dir.c_str(), &st) == 0) return 0;
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        cli.error("failed to create dir '%s': %s", dir.c_str(), strerror(errno));
        return -1;
    }
    return 0;
}

void unpin_programs(bpffs_object *obj, const std::string &dir) {
    for (bpffs_program *p = bpffs_object__next_program(obj, nullptr); p;
         p = bpffs_object__next_program(obj, p))
        unlink((dir + "/" + bpffs_program__name(p)).c_str());
}

void report_libbpffs_error(Cli &cli) {
    // libbpf prints its reasons on stderr before bpftool's own error.
    const char *why = bpffs_last_error();
    if (*why) fprintf(cli.err, "libbpffs: %s\n", why);
}

int load_with_options(Cli &cli, Args args, bool first_prog_only) {
    LoadOptions o;
    if (!parse_load_args(cli, args, o)) return -1;

    bpffs_object_open_opts open_opts{};
    open_opts.sz = sizeof open_opts;
    std::string root = mount_root_for(o.pinfile);
    if (!root.empty()) open_opts.pin_root_path = root.c_str();
    bpffs_object *obj = bpffs_object__open_file(o.file.c_str(), &open_opts);
    if (obj == nullptr) {
        report_libbpffs_error(cli);
        cli.error("failed to open object file");
        return -1;
    }
    for (bpffs_program *p = bpffs_object__next_program(obj, nullptr); p;
         p = bpffs_object__next_program(obj, p)) {
        if (o.has_type) {
            bpffs_program__set_type(p, static_cast<bpf_prog_type>(o.prog_type));
            bpffs_program__set_expected_attach_type(
                p, static_cast<bpf_attach_type>(o.expected_attach_type));
        }
    }
    int err = -1;
    if (bpffs_object__load(obj) != 0) {
        report_libbpffs_error(cli);
        cli.error("failed to load object file");
        goto close_obj;
    }
    if (first_prog_only) {
        if (check_pin_parent(cli, o.pinfile)) goto close_obj;
        bpffs_program *prog = bpffs_object__next_program(obj, nullptr);
        if (prog == nullptr) {
            cli.error("object file doesn't contain any bpf program");
            goto close_obj;
        }
        if (bpffs_obj_pin(bpffs_program__fd(prog), o.pinfile.c_str()) != 0) {
            report_libbpffs_error(cli);
            cli.error("failed to pin program %s", bpffs_program__section_name(prog));
            goto close_obj;
        }
    } else {
        if (make_pin_dir(cli, o.pinfile)) goto close_obj;
        if (bpffs_object__pin_programs(obj, o.pinfile.c_str()) != 0) {
            report_libbpffs_error(cli);
            cli.error("failed to pin all programs");
            goto close_obj;
        }
    }
    if (!o.pinmaps.empty()) {
        if (make_pin_dir(cli, o.pinmaps) || bpffs_object__pin_maps(obj, o.pinmaps.c_str()) != 0) {
            report_libbpffs_error(cli);
            cli.error("failed to pin all maps");
            if (first_prog_only)
                unlink(o.pinfile.c_str());
            else
                unpin_programs(obj, o.pinfile);
            goto close_obj;
        }
    }
    if (cli.json()) cli.jw().null();
    err = 0;
close_obj:
    bpffs_object__close(obj);
    return err;
}

int do_load(Cli &cli, Args args) {
    return load_with_options(cli, args, true);
}

int do_loadall(Cli &cli, Args args) {
    return load_with_options(cli, args, false);
}

// --- the rest ---------------------------------------------------------------

int do_help(Cli &cli, Args args) {
    // The object word sits two places before the help command's arguments.
    return print_prog_help(cli, (*args.words)[args.pos >= 2 ? args.pos - 2 : 0]);
}

int not_provided(Cli &cli, Args args) {
    cli.error("'prog %s' is not provided by %s", args.prev().c_str(), cli.bin_name.c_str());
    return -1;
}

}  // namespace

int do_prog(Cli &cli, Args args) {
    static const Command kCommands[] = {
        {"show", do_show},       {"list", do_show},         {"help", do_help},
        {"dump", do_dump},       {"pin", do_pin},           {"load", do_load},
        {"loadall", do_loadall}, {"attach", not_provided},  {"detach", not_provided},
        {"run", not_provided},   {"profile", not_provided}, {"tracelog", not_provided},
    };
    return select_command(cli, kCommands, args, print_prog_help);
}

}  // namespace bpffsctl
