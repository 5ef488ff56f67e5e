#include "tools/bpffsctl/map_cmd.h"

#include <libgen.h>
#include <net/if.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <vector>

#include "tools/bpffsctl/btf_fetch.h"
#include "tools/bpffsctl/btf_value_dump.h"
#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/command_table.h"
#include "tools/bpffsctl/help.h"
#include "tools/bpffsctl/map_elem.h"
#include "tools/bpffsctl/map_print.h"
#include "tools/bpffsctl/map_select.h"
#include "tools/bpffsctl/map_types.h"
#include "tools/bpffsctl/pin_path.h"
#include "tools/bpffsctl/pinned_table.h"
#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

namespace {

// Buffers for one key and one value of a map (per-CPU values included).
struct ElemBuffers {
    std::vector<uint8_t> key, value;
    explicit ElemBuffers(const bpf_map_info &info)
        : key(info.key_size ? info.key_size : 1),
          value(std::max<size_t>(
              1, map_value_buffer_size(info.type, info.value_size, possible_cpus()))) {}
};

MapRecord record_for(int fd, const bpf_map_info &info, const PinnedTable *pins) {
    MapRecord rec;
    rec.info = info;
    bpffs_fdinfo fi{};
    if (bpffs_obj_get_fdinfo(fd, &fi) == 0) {
        rec.memlock = fi.memlock;
        rec.frozen = fi.frozen ? 1 : 0;
    }
    if (pins && !pins->empty()) {
        rec.pinned_table = true;
        rec.pinned = pins->paths_of(info.id);
    }
    return rec;
}

void show_record(Cli &cli, int fd, const bpf_map_info &info, const PinnedTable *pins) {
    MapRecord rec = record_for(fd, info, pins);
    if (cli.json())
        map_record_json(cli.jw(), rec);
    else
        fputs(map_record_plain(rec).c_str(), cli.out);
}

// bpftool's get_map_kv_btf: the BTF describing a map's key and value, if any.
int map_kv_btf(Cli &cli, const bpf_map_info &info, std::optional<bpffs::btf::Btf> &btf) {
    if (!info.btf_value_type_id) return 0;
    auto loaded = btf_by_id(info.btf_id);
    if (!loaded) {
        cli.error("failed to get btf");
        return -1;
    }
    btf = std::move(*loaded);
    return 0;
}

// One element: hex (JSON: with "formatted" when the map has BTF), or, in
// plain mode with BTF, bpftool's indented JSON through btf_wtr.
void print_entry(Cli &cli, const bpf_map_info &info, const uint8_t *key, const uint8_t *value,
                 const bpffs::btf::Btf *btf = nullptr, JsonWriter *btf_wtr = nullptr) {
    const unsigned ncpus = possible_cpus();
    const size_t value_bytes = map_value_buffer_size(info.type, info.value_size, ncpus);
    auto dump_kv = [&](JsonWriter &jw, bool plain_text) {
        btf_dump_kv(jw, *btf, info, {key, info.key_size}, {value, value_bytes}, plain_text,
                    map_is_per_cpu(info.type), ncpus);
    };
    if (cli.json()) {
        std::function<void(JsonWriter &)> formatted = [&](JsonWriter &jw) { dump_kv(jw, false); };
        entry_json(cli.jw(), info, key, value, ncpus, btf ? &formatted : nullptr);
    } else if (btf != nullptr && btf_wtr != nullptr) {
        dump_kv(*btf_wtr, true);
    } else {
        fputs(entry_plain(info, key, value, ncpus).c_str(), cli.out);
    }
}

int show_subset(Cli &cli, Args &args, const PinnedTable *pins) {
    std::vector<int> fds;
    int n = map_parse_fds(cli, args, fds);
    if (n < 1) return -1;
    int err = 0;
    if (cli.json() && n > 1) cli.jw().start_array();
    for (size_t i = 0; i < fds.size(); ++i) {
        bpf_map_info info{};
        err = map_info(fds[i], info);
        if (err) {
            cli.error("can't get map info: %s", strerror(errno));
            break;
        }
        show_record(cli, fds[i], info, pins);
    }
    if (cli.json() && n > 1) cli.jw().end_array();
    close_all(fds);
    return err;
}

int show_all(Cli &cli, const PinnedTable *pins) {
    if (cli.json()) cli.jw().start_array();
    __u32 id = 0;
    int last_errno = 0;
    while (true) {
        if (bpffs_map_get_next_id(id, &id) != 0) {
            last_errno = errno;
            if (errno != ENOENT)
                cli.error("can't get next map: %s%s", strerror(errno),
                          errno == EINVAL ? " -- kernel too old?" : "");
            break;
        }
        int fd = bpffs_map_get_fd_by_id(id);
        if (fd < 0) {
            if (errno == ENOENT) continue;  // freed meanwhile
            last_errno = errno;
            cli.error("can't get map by id (%u): %s", id, strerror(errno));
            break;
        }
        bpf_map_info info{};
        if (map_info(fd, info) != 0) {
            last_errno = errno;
            cli.error("can't get map info: %s", strerror(errno));
            bpffs_close(fd);
            break;
        }
        show_record(cli, fd, info, pins);
        bpffs_close(fd);
    }
    if (cli.json()) cli.jw().end_array();
    return last_errno == ENOENT ? 0 : -1;
}

int do_show(Cli &cli, Args args) {
    PinnedTable pins;
    if (cli.show_pinned) pins = PinnedTable::build(ObjKind::map);
    const PinnedTable *table = cli.show_pinned ? &pins : nullptr;
    if (args.argc() == 2) return show_subset(cli, args, table);
    if (args.argc()) return cli.bad_arg(args);
    return show_all(cli, table);
}

// Walks one map with get_next_key; unreadable elements are shown as errors
// and not counted. wtr: the JSON writer (-j), or bpftool's indented writer
// for maps with BTF in plain mode, or null.
int dump_one(Cli &cli, int fd, const bpf_map_info &info, bool show_header, JsonWriter *wtr) {
    ElemBuffers buf(info);
    std::optional<bpffs::btf::Btf> btf;
    if (wtr != nullptr && map_kv_btf(cli, info, btf) != 0) return -1;
    if (wtr != nullptr) {
        if (show_header) {
            wtr->start_object();
            map_header_json(*wtr, info);
            wtr->name("elements");
        }
        wtr->start_array();
    } else if (show_header) {
        fputs(map_header_plain(info).c_str(), cli.out);
    }
    unsigned found = 0;
    int err = 0;
    const void *prev = nullptr;
    while (true) {
        err = bpffs_map_get_next_key(fd, prev, buf.key.data());
        if (err) {
            if (errno == ENOENT) err = 0;
            break;
        }
        if (bpffs_map_lookup_elem(fd, buf.key.data(), buf.value.data()) == 0) {
            print_entry(cli, info, buf.key.data(), buf.value.data(), btf ? &*btf : nullptr, wtr);
            ++found;
        } else {
            int lookup_errno = errno;
            bool silent = (map_is_map_of_maps(info.type) || map_is_map_of_progs(info.type)) &&
                          lookup_errno == ENOENT;
            if (!silent) {
                if (cli.json())
                    entry_error_json(cli.jw(), info, buf.key.data(), lookup_errno);
                else
                    fputs(entry_error_plain(info, buf.key.data(), lookup_errno).c_str(), cli.out);
            }
        }
        prev = buf.key.data();
    }
    if (wtr != nullptr) {
        wtr->end_array();
        if (show_header) wtr->end_object();
    } else {
        fprintf(cli.out, "Found %u element%s\n", found, found != 1 ? "s" : "");
    }
    return err;
}

int do_dump(Cli &cli, Args args) {
    if (args.argc() != 2) cli.usage();
    std::vector<int> fds;
    int n = map_parse_fds(cli, args, fds);
    if (n < 1) return -1;
    int err = -1;
    bool many = n > 1;
    // Plain output turns into bpftool's indented JSON as soon as one of the
    // maps has BTF.
    JsonWriter *wtr = cli.json() ? &cli.jw() : nullptr;
    std::optional<JsonWriter> btf_wtr;
    if (!cli.json()) {
        for (int fd : fds) {
            bpf_map_info info{};
            if (map_info(fd, info) != 0) {
                cli.error("can't get map info: %s", strerror(errno));
                close_all(fds);
                return -1;
            }
            if (info.btf_id) {
                btf_wtr.emplace(cli.out);
                btf_wtr->set_pretty(true);
                wtr = &*btf_wtr;
                break;
            }
        }
    }
    if (wtr && many) wtr->start_array();
    for (size_t i = 0; i < fds.size(); ++i) {
        bpf_map_info info{};
        if (map_info(fds[i], info) != 0) {
            cli.error("can't get map info: %s", strerror(errno));
            break;
        }
        err = dump_one(cli, fds[i], info, many, wtr);
        if (!wtr && i != fds.size() - 1) fputc('\n', cli.out);
        if (err) break;
    }
    if (wtr && many) wtr->end_array();
    if (btf_wtr) btf_wtr->finish();
    close_all(fds);
    return err;
}

ElemRequest elem_request(const bpf_map_info &info, ElemBuffers &buf, bool want_key, bool want_value,
                         uint64_t *flags) {
    ElemRequest req;
    req.key = want_key && info.key_size ? buf.key.data() : nullptr;
    req.value = want_value && info.value_size ? buf.value.data() : nullptr;
    req.key_size = info.key_size;
    req.value_size = want_value ? info.value_size : 0;
    req.flags = flags;
    req.ncpus = possible_cpus();
    req.open_map_value = [](Cli &c, Args &a) { return map_parse_fd(c, a); };
    req.open_prog_value = [](Cli &c, Args &a) { return prog_parse_fd(c, a); };
    return req;
}

int do_update(Cli &cli, Args args) {
    if (args.argc() < 2) cli.usage();
    bpf_map_info info{};
    int fd = map_parse_fd_and_info(cli, args, info);
    if (fd < 0) return -1;
    ElemBuffers buf(info);
    uint64_t flags = BPF_ANY;
    ElemRequest req = elem_request(info, buf, true, true, &flags);
    int err = parse_elem(cli, args, info, req);
    if (!err) {
        err = bpffs_map_update_elem(fd, req.key_size ? buf.key.data() : nullptr, buf.value.data(),
                                    flags);
        if (err) cli.error("update failed: %s", strerror(errno));
    }
    if (req.value_fd >= 0) bpffs_close(req.value_fd);
    bpffs_close(fd);
    if (!err && cli.json()) cli.jw().null();
    return err;
}

int do_lookup(Cli &cli, Args args) {
    if (args.argc() < 2) cli.usage();
    bpf_map_info info{};
    int fd = map_parse_fd_and_info(cli, args, info);
    if (fd < 0) return -1;
    ElemBuffers buf(info);
    ElemRequest req = elem_request(info, buf, true, false, nullptr);
    int err = parse_elem(cli, args, info, req);
    if (!err) {
        err = bpffs_map_lookup_elem(fd, info.key_size ? buf.key.data() : nullptr, buf.value.data());
        if (!err) {
            std::optional<bpffs::btf::Btf> btf;
            if (map_kv_btf(cli, info, btf) != 0) {
                bpffs_close(fd);
                return -1;
            }
            if (btf && !cli.json()) {
                // bpftool prints a BTF-described element as indented JSON.
                JsonWriter btf_wtr(cli.out);
                btf_wtr.set_pretty(true);
                print_entry(cli, info, buf.key.data(), buf.value.data(), &*btf, &btf_wtr);
                btf_wtr.finish();
            } else {
                print_entry(cli, info, buf.key.data(), buf.value.data(), btf ? &*btf : nullptr);
            }
        } else if (errno == ENOENT) {
            if (cli.json())
                cli.jw().null();
            else
                fprintf(cli.out, "key:\n%s\n\nNot found\n",
                        hex_bytes(buf.key.data(), info.key_size).c_str());
        } else {
            cli.error("lookup failed: %s", strerror(errno));
        }
    }
    bpffs_close(fd);
    return err;
}

int do_getnext(Cli &cli, Args args) {
    if (args.argc() < 2) cli.usage();
    bpf_map_info info{};
    int fd = map_parse_fd_and_info(cli, args, info);
    if (fd < 0) return -1;
    ElemBuffers buf(info);
    std::vector<uint8_t> next_key(buf.key.size());
    bool have_key = !args.empty();
    int err = 0;
    if (have_key) {
        ElemRequest req = elem_request(info, buf, true, false, nullptr);
        req.key = buf.key.data();  // bpftool always has a key buffer here
        err = parse_elem(cli, args, info, req);
    }
    if (!err) {
        err = bpffs_map_get_next_key(fd, have_key ? buf.key.data() : nullptr, next_key.data());
        if (err) cli.error("can't get next key: %s", strerror(errno));
    }
    if (!err) {
        if (cli.json()) {
            JsonWriter &jw = cli.jw();
            jw.start_object();
            if (have_key) {
                jw.name("key");
                hex_bytes_json(jw, buf.key.data(), info.key_size);
            } else {
                jw.null_field("key");
            }
            jw.name("next_key");
            hex_bytes_json(jw, next_key.data(), info.key_size);
            jw.end_object();
        } else {
            if (have_key)
                fprintf(cli.out, "key:\n%s\n", hex_bytes(buf.key.data(), info.key_size).c_str());
            else
                fputs("key: None\n", cli.out);
            fprintf(cli.out, "next key:\n%s\n", hex_bytes(next_key.data(), info.key_size).c_str());
        }
    }
    bpffs_close(fd);
    return err;
}

int do_delete(Cli &cli, Args args) {
    if (args.argc() < 2) cli.usage();
    bpf_map_info info{};
    int fd = map_parse_fd_and_info(cli, args, info);
    if (fd < 0) return -1;
    ElemBuffers buf(info);
    ElemRequest req = elem_request(info, buf, true, false, nullptr);
    req.key = buf.key.data();
    int err = parse_elem(cli, args, info, req);
    if (!err) {
        err = bpffs_map_delete_elem(fd, buf.key.data());
        if (err) cli.error("delete failed: %s", strerror(errno));
    }
    bpffs_close(fd);
    if (!err && cli.json()) cli.jw().null();
    return err;
}

int do_pin(Cli &cli, Args args) {
    if (!cli.require_args(args, 3)) return -EINVAL;
    int fd = map_parse_fd(cli, args);
    if (fd < 0) return fd;
    int err = pin_fd(cli, fd, args.cur());
    bpffs_close(fd);
    if (!err && cli.json()) cli.jw().null();
    return err;
}

struct CreateRequest {
    uint32_t type = BPF_MAP_TYPE_UNSPEC;
    uint32_t key_size = 0, value_size = 0, max_entries = 0;
    const std::string *name = nullptr;
    bpffs_map_create_opts opts{};
};

// One "keyword value" pair of map create; false after reporting.
bool parse_create_option(Cli &cli, Args &args, CreateRequest &req) {
    const std::string *word = args.peek();
    if (is_prefix(word, "type")) {
        args.next(cli);
        if (req.type) {
            cli.error("map type already specified");
            return false;
        }
        int type = map_type_from_name(args.cur());
        if (type < 0) {
            cli.error("unrecognized map type: %s", args.cur().c_str());
            return false;
        }
        req.type = static_cast<uint32_t>(type);
        args.next(cli);
    } else if (is_prefix(word, "name")) {
        args.next(cli);
        req.name = &args.take();
    } else if (is_prefix(word, "key")) {
        return parse_u32_arg(cli, args, req.key_size, "key size");
    } else if (is_prefix(word, "value")) {
        return parse_u32_arg(cli, args, req.value_size, "value size");
    } else if (is_prefix(word, "entries")) {
        return parse_u32_arg(cli, args, req.max_entries, "max entries");
    } else if (is_prefix(word, "flags")) {
        return parse_u32_arg(cli, args, req.opts.map_flags, "flags");
    } else if (is_prefix(word, "dev")) {
        args.next(cli);
        if (req.opts.map_ifindex) {
            cli.error("offload device already specified");
            return false;
        }
        req.opts.map_ifindex = if_nametoindex(args.cur().c_str());
        if (!req.opts.map_ifindex) {
            cli.error("unrecognized netdevice '%s': %s", args.cur().c_str(), strerror(errno));
            return false;
        }
        args.next(cli);
    } else if (is_prefix(word, "inner_map")) {
        args.next(cli);
        if (!cli.require_args(args, 2)) cli.usage();
        bpf_map_info inner{};
        int fd = map_parse_fd_and_info(cli, args, inner);
        if (fd < 0) return false;
        req.opts.inner_map_fd = static_cast<__u32>(fd);
    } else {
        cli.error("unknown arg %s", word->c_str());
        return false;
    }
    return true;
}

int do_create(Cli &cli, Args args) {
    if (!cli.require_args(args, 7)) return -1;
    const std::string &pinfile = args.take();
    CreateRequest req;
    req.opts.sz = sizeof(req.opts);
    int err = -1;
    bool parsed = true;
    while (!args.empty() && parsed) {
        if (!cli.require_args(args, 2)) return -1;
        parsed = parse_create_option(cli, args, req);
    }
    if (parsed && !req.name) cli.error("map name not specified");
    if (parsed && req.name) {
        int fd = bpffs_map_create(static_cast<bpf_map_type>(req.type), req.name->c_str(),
                                  req.key_size, req.value_size, req.max_entries, &req.opts);
        if (fd < 0) {
            cli.error("map create failed: %s", strerror(errno));
        } else {
            err = pin_fd(cli, fd, pinfile);
            bpffs_close(fd);
            if (!err && cli.json()) cli.jw().null();
        }
    }
    if (req.opts.inner_map_fd > 0) bpffs_close(static_cast<int>(req.opts.inner_map_fd));
    return err;
}

// pop/dequeue: lookup-and-delete of the oldest (queue) or newest (stack) value.
int do_pop_dequeue(Cli &cli, Args args) {
    if (args.argc() < 2) cli.usage();
    bpf_map_info info{};
    int fd = map_parse_fd_and_info(cli, args, info);
    if (fd < 0) return -1;
    ElemBuffers buf(info);
    int err = bpffs_map_lookup_and_delete_elem(fd, info.key_size ? buf.key.data() : nullptr,
                                               buf.value.data());
    if (err) {
        if (errno == ENOENT) {
            if (cli.json())
                cli.jw().null();
            else
                fputs("Error: empty map\n", cli.out);
        } else {
            cli.error("pop failed: %s", strerror(errno));
        }
    } else {
        print_entry(cli, info, buf.key.data(), buf.value.data());
    }
    bpffs_close(fd);
    return err;
}

int do_freeze(Cli &cli, Args args) {
    if (!cli.require_args(args, 2)) return -1;
    int fd = map_parse_fd(cli, args);
    if (fd < 0) return -1;
    if (!args.empty()) {
        bpffs_close(fd);
        return cli.bad_arg(args);
    }
    int err = bpffs_map_freeze(fd);
    bpffs_close(fd);
    if (err) {
        cli.error("failed to freeze map: %s", strerror(errno));
        return err;
    }
    if (cli.json()) cli.jw().null();
    return 0;
}

int do_event_pipe(Cli &cli, Args) {
    cli.error("event_pipe needs perf event arrays, which bpffsd does not provide");
    return -1;
}

int do_help(Cli &cli, Args args) {
    // The object word sits two places before the help command's arguments.
    return print_map_help(cli, (*args.words)[args.pos >= 2 ? args.pos - 2 : 0]);
}

}  // namespace

int do_map(Cli &cli, Args args) {
    static const Command kCommands[] = {
        {"show", do_show},       {"list", do_show},
        {"help", do_help},       {"dump", do_dump},
        {"update", do_update},   {"lookup", do_lookup},
        {"getnext", do_getnext}, {"delete", do_delete},
        {"pin", do_pin},         {"event_pipe", do_event_pipe},
        {"create", do_create},   {"peek", do_lookup},
        {"push", do_update},     {"enqueue", do_update},
        {"pop", do_pop_dequeue}, {"dequeue", do_pop_dequeue},
        {"freeze", do_freeze},
    };
    return select_command(cli, kCommands, args, print_map_help);
}

}  // namespace bpffsctl
