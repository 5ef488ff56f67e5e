#include "tools/bpffsctl/btf_cmd.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

#include "core/btf/btf_layout.h"
#include "core/elf/object_file.h"
#include "tools/bpffsctl/btf_c_header.h"
#include "tools/bpffsctl/btf_fetch.h"
#include "tools/bpffsctl/btf_print.h"
#include "tools/bpffsctl/cli.h"
#include "tools/bpffsctl/command_table.h"
#include "tools/bpffsctl/help.h"
#include "tools/bpffsctl/map_select.h"
#include "tools/bpffsctl/prog_select.h"
#include "tools/libbpffs/bpffs.h"

namespace bpffsctl {

namespace {

// The iteration order of libbpf's hashmap (bpftool keeps object ids per
// BTF id in one, with the id as its own hash): entries are prepended to
// their bucket, and every growth re-prepends them bucket by bucket, so the
// order a key's values come out in depends on the whole insertion history.
class IdMultimap {
  public:
    void append(uint64_t key, uint32_t value) {
        if (buckets_.empty() || (size_ + 1) * 4 / 3 > buckets_.size()) grow();
        auto &b = buckets_[bucket(key, bits_)];
        b.insert(b.begin(), {key, value});
        ++size_;
    }
    std::vector<uint32_t> values(uint64_t key) const {
        std::vector<uint32_t> out;
        if (buckets_.empty()) return out;
        for (const auto &[k, v] : buckets_[bucket(key, bits_)])
            if (k == key) out.push_back(v);
        return out;
    }

  private:
    static size_t bucket(uint64_t key, unsigned bits) {
        return bits == 0 ? 0 : static_cast<size_t>((key * 11400714819323198485llu) >> (64 - bits));
    }
    void grow() {
        unsigned new_bits = std::max(bits_ + 1, 2u);
        std::vector<std::vector<std::pair<uint64_t, uint32_t>>> next(size_t{1} << new_bits);
        for (const auto &b : buckets_)
            for (const auto &entry : b) {
                auto &nb = next[bucket(entry.first, new_bits)];
                nb.insert(nb.begin(), entry);
            }
        buckets_ = std::move(next);
        bits_ = new_bits;
    }

    std::vector<std::vector<std::pair<uint64_t, uint32_t>>> buckets_;
    unsigned bits_ = 0;
    size_t size_ = 0;
};

// bpftool's build_btf_type_table: the programs (or maps) using each BTF.
int build_table(Cli &cli, bool progs, IdMultimap &table) {
    const char *what = progs ? "prog" : "map";
    __u32 id = 0;
    while (true) {
        int err = progs ? bpffs_prog_get_next_id(id, &id) : bpffs_map_get_next_id(id, &id);
        if (err) {
            if (errno == ENOENT) return 0;
            cli.error("can't get next %s: %s%s", what, strerror(errno),
                      errno == EINVAL ? " -- kernel too old?" : "");
            return -1;
        }
        int fd = progs ? bpffs_prog_get_fd_by_id(id) : bpffs_map_get_fd_by_id(id);
        if (fd < 0) {
            if (errno == ENOENT) continue;
            cli.error("can't get %s by id (%u): %s", what, id, strerror(errno));
            return -1;
        }
        uint32_t btf_id = 0;
        if (progs) {
            bpf_prog_info info{};
            err = prog_info(fd, info);
            btf_id = info.btf_id;
        } else {
            bpf_map_info info{};
            err = map_info(fd, info);
            btf_id = info.btf_id;
        }
        bpffs_close(fd);
        if (err) {
            cli.error("can't get %s info: %s", what, strerror(errno));
            return -1;
        }
        if (btf_id) table.append(btf_id, id);
    }
}

int show_btf(Cli &cli, int fd, const IdMultimap &progs, const IdMultimap &maps) {
    bpf_btf_info info{};
    __u32 len = sizeof info;
    if (bpffs_obj_get_info_by_fd(fd, &info, &len) != 0) {
        cli.error("can't get BTF object info: %s", strerror(errno));
        return -1;
    }
    std::vector<char> name(info.name_len + 1, '\0');
    if (info.name_len) {
        bpf_btf_info again{};
        again.name = reinterpret_cast<uintptr_t>(name.data());
        again.name_len = static_cast<__u32>(name.size());
        len = sizeof again;
        if (bpffs_obj_get_info_by_fd(fd, &again, &len) != 0) {
            cli.error("can't get BTF object info: %s", strerror(errno));
            return -1;
        }
    }
    const std::vector<uint32_t> prog_ids = progs.values(info.id);
    const std::vector<uint32_t> map_ids = maps.values(info.id);
    if (cli.json()) {
        JsonWriter &jw = cli.jw();
        jw.start_object();
        jw.uint_field("id", info.id);
        jw.uint_field("size", info.btf_size);
        jw.name("prog_ids");
        jw.start_array();
        for (uint32_t id : prog_ids)
            jw.uint_value(id);
        jw.end_array();
        jw.name("map_ids");
        jw.start_array();
        for (uint32_t id : map_ids)
            jw.uint_value(id);
        jw.end_array();
        jw.bool_field("kernel", info.kernel_btf);
        if (name[0]) jw.string_field("name", name.data());
        jw.end_object();
        return 0;
    }
    std::string s = format("%u: ", info.id);
    if (info.kernel_btf)
        s += format("name [%s]  ", name.data());
    else if (name[0])
        s += format("name %s  ", name.data());
    else
        s += "name <anon>  ";
    s += format("size %uB", info.btf_size);
    for (size_t i = 0; i < prog_ids.size(); ++i)
        s += format("%s%u", i == 0 ? "  prog_ids " : ",", prog_ids[i]);
    for (size_t i = 0; i < map_ids.size(); ++i)
        s += format("%s%u", i == 0 ? "  map_ids " : ",", map_ids[i]);
    fprintf(cli.out, "%s\n", s.c_str());
    return 0;
}

bool parse_id(const std::string &text, uint32_t &id) {
    char *end = nullptr;
    id = static_cast<uint32_t>(std::strtoul(text.c_str(), &end, 0));
    return *end == '\0';
}

int do_show(Cli &cli, Args args) {
    int fd = -1;
    if (args.argc() == 2) {
        if (!is_prefix(args.cur(), "id")) {
            cli.error("expected 'id', got: '%s'?", args.cur().c_str());
            return -1;
        }
        args.next(cli);
        uint32_t id = 0;
        if (!parse_id(args.cur(), id)) {
            cli.error("can't parse %s as ID", args.cur().c_str());
            return -1;
        }
        args.take();
        fd = bpffs_btf_get_fd_by_id(id);
        if (fd < 0) {
            cli.error("can't get BTF object by id (%u): %s", id, strerror(errno));
            return -1;
        }
    }
    if (!args.empty()) {
        if (fd >= 0) bpffs_close(fd);
        return cli.bad_arg(args);
    }
    IdMultimap progs, maps;
    if (build_table(cli, true, progs) || build_table(cli, false, maps)) {
        if (fd >= 0) bpffs_close(fd);
        return -1;
    }
    if (fd >= 0) {
        int err = show_btf(cli, fd, progs, maps);
        bpffs_close(fd);
        return err;
    }
    if (cli.json()) cli.jw().start_array();
    __u32 id = 0;
    int err = 0;
    while (true) {
        if (bpffs_btf_get_next_id(id, &id) != 0) {
            if (errno == ENOENT) break;
            cli.error("can't get next BTF object: %s%s", strerror(errno),
                      errno == EINVAL ? " -- kernel too old?" : "");
            err = -1;
            break;
        }
        int bfd = bpffs_btf_get_fd_by_id(id);
        if (bfd < 0) {
            if (errno == ENOENT) continue;
            cli.error("can't get BTF object by id (%u): %s", id, strerror(errno));
            err = -1;
            break;
        }
        err = show_btf(cli, bfd, progs, maps);
        bpffs_close(bfd);
        if (err) break;
    }
    if (cli.json()) cli.jw().end_array();
    return err;
}

// libbpf's btf__parse: the .BTF section of an ELF file, or a raw BTF file.
// pointer_size: 8 for an ELF (a BPF object is ELFCLASS64), libbpf's guess
// for raw BTF.
bpffs::Result<bpffs::btf::Btf> btf_from_file(const std::string &path, uint32_t &pointer_size) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return bpffs::fail(errno ? errno : ENOENT, strerror(errno ? errno : ENOENT));
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
    if (bytes.size() >= 4 && memcmp(bytes.data(),
                                    "\x7f"
                                    "ELF",
                                    4) == 0) {
        auto obj = bpffs::elf::ObjectFile::parse(bytes);
        if (!obj) return bpffs::fail(EINVAL, obj.error().message);
        const bpffs::elf::Section *sec = obj->find_section(".BTF");
        if (sec == nullptr) return bpffs::fail(ENOENT, strerror(ENOENT));
        pointer_size = 8;
        return bpffs::btf::Btf::parse(sec->data);
    }
    auto btf = bpffs::btf::Btf::parse(bytes);
    if (btf) pointer_size = bpffs::btf::Layout::guess_pointer_size(*btf);
    return btf;
}

// bpftool first asks whether a BTF id is a kernel module's (whose types
// need vmlinux's as their base); bpffsd has none, but the errors of asking
// come first, as there.
void report_unreachable_btf(Cli &cli, uint32_t id) {
    int fd = bpffs_btf_get_fd_by_id(id);
    if (fd < 0) {
        cli.error("can't get BTF object by id (%u): %s", id, strerror(errno));
        return;
    }
    bpf_btf_info info{};
    __u32 len = sizeof info;
    if (bpffs_obj_get_info_by_fd(fd, &info, &len) != 0)
        cli.error("can't get BTF (ID %u) object info: %s", id, strerror(errno));
    bpffs_close(fd);
}

int do_dump(Cli &cli, Args args) {
    // Every source takes an argument but bpffsd's own `daemon`.
    if (args.empty() || (args.cur() != "daemon" && args.argc() < 2)) cli.usage();
    std::string src = args.take();
    std::vector<uint32_t> roots;
    std::optional<uint32_t> btf_id;
    std::optional<bpffs::btf::Btf> btf;
    std::optional<uint32_t> pointer_size;  // when known from an ELF file
    if (is_prefix(src, "map")) {
        if (args.argc() < 2) cli.usage();
        bpf_map_info info{};
        int fd = map_parse_fd_and_info(cli, args, info);
        if (fd < 0) return -1;
        bpffs_close(fd);
        btf_id = info.btf_id;
        if (is_prefix(args.peek(), "key")) {
            roots.push_back(info.btf_key_type_id);
            args.take();
        } else if (is_prefix(args.peek(), "value")) {
            roots.push_back(info.btf_value_type_id);
            args.take();
        } else if (is_prefix(args.peek(), "all")) {
            args.take();
        } else {
            if (is_prefix(args.peek(), "kv")) args.take();
            roots.push_back(info.btf_key_type_id);
            roots.push_back(info.btf_value_type_id);
        }
    } else if (is_prefix(src, "prog")) {
        if (args.argc() < 2) cli.usage();
        int fd = prog_parse_fd(cli, args);
        if (fd < 0) return -1;
        bpf_prog_info info{};
        int err = prog_info(fd, info);
        bpffs_close(fd);
        if (err) {
            cli.error("can't get prog info: %s", strerror(errno));
            return -1;
        }
        btf_id = info.btf_id;
    } else if (is_prefix(src, "id")) {
        uint32_t id = 0;
        if (!parse_id(args.cur(), id)) {
            cli.error("can't parse %s as ID", args.cur().c_str());
            return -1;
        }
        args.take();
        btf_id = id;
    } else if (is_prefix(src, "file")) {
        std::string path = args.take();
        uint32_t file_pointer_size = 0;
        auto parsed = btf_from_file(path, file_pointer_size);
        if (!parsed) {
            cli.error("failed to load BTF from %s: %s", path.c_str(),
                      parsed.error().message.c_str());
            return -1;
        }
        btf = std::move(*parsed);
        pointer_size = file_pointer_size;
    } else if (src == "daemon") {
        // bpffsd's own BTF, the analogue of /sys/kernel/btf/vmlinux.
        auto parsed = daemon_btf();
        if (!parsed) {
            cli.error("%s", parsed.error().message.c_str());
            return -1;
        }
        btf = std::move(*parsed);
    } else {
        cli.error("unrecognized BTF source specifier: '%s'", src.c_str());
        return -1;
    }
    bool dump_c = false;
    while (!args.empty()) {
        if (is_prefix(args.cur(), "format")) {
            args.take();
            if (args.empty()) {
                cli.error("expecting value for 'format' option\n");
                return -EINVAL;
            }
            if (args.cur() == "c") {
                dump_c = true;
            } else if (args.cur() == "raw") {
                dump_c = false;
            } else {
                cli.error("unrecognized format specifier: '%s', possible values: raw, c",
                          args.cur().c_str());
                return -EINVAL;
            }
            args.take();
        } else {
            cli.error("unrecognized option: '%s'", args.cur().c_str());
            return -EINVAL;
        }
    }
    if (!btf) {
        report_unreachable_btf(cli, *btf_id);
        auto loaded = btf_by_id(*btf_id);
        if (!loaded) {
            cli.error("get btf by id (%u): %s", *btf_id, strerror(loaded.error().code));
            return -loaded.error().code;
        }
        btf = std::move(*loaded);
    }
    if (dump_c) {
        if (cli.json()) {
            cli.error("JSON output for C-syntax dump is not supported");
            return -ENOTSUP;
        }
        return dump_btf_c(cli, *btf, roots,
                          pointer_size.value_or(bpffs::btf::Layout::guess_pointer_size(*btf)));
    }
    if (cli.json())
        dump_btf_raw_json(cli.jw(), *btf, roots);
    else
        dump_btf_raw_plain(cli.out, *btf, roots);
    return 0;
}

int do_help(Cli &cli, Args args) {
    return print_btf_help(cli, (*args.words)[args.pos >= 2 ? args.pos - 2 : 0]);
}

}  // namespace

int do_btf(Cli &cli, Args args) {
    static const Command kCommands[] = {
        {"show", do_show},
        {"list", do_show},
        {"help", do_help},
        {"dump", do_dump},
    };
    return select_command(cli, kCommands, args, print_btf_help);
}

}  // namespace bpffsctl
