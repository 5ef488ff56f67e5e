// libbpffs's object API (bpffs_object__open_file/load, programs, maps,
// pinning) through a real bpffsd, over the clang-compiled objects of
// tests/progs (paths from $PROG_<NAME>), and hostile objects that must give
// an error with a sentence and leave the daemon answering.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "core/btf/btf.h"
#include "tests/integration/daemon_harness.h"
#include "tools/libbpffs/bpffs.h"

using namespace bpffs;
using namespace bpffs::test;

namespace {

DaemonProcess g_daemon;

std::string prog_path(const std::string &name) {
    std::string var = "PROG_" + name;
    for (char &c : var)
        c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
    const char *p = getenv(var.c_str());
    REQUIRE(p != nullptr);
    return p;
}

std::vector<uint8_t> file_bytes(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bpffs_object *open_loaded(const std::string &name, const char *pin_root = nullptr) {
    bpffs_object_open_opts opts{};
    opts.sz = sizeof opts;
    opts.pin_root_path = pin_root;
    bpffs_object *obj = bpffs_object__open_file(prog_path(name).c_str(), &opts);
    INFO(bpffs_last_error());
    REQUIRE(obj != nullptr);
    int rc = bpffs_object__load(obj);
    INFO(bpffs_last_error());
    REQUIRE(rc == 0);
    return obj;
}

bpf_prog_info prog_info(int fd, std::vector<uint32_t> *map_ids = nullptr) {
    bpf_prog_info info{};
    if (map_ids != nullptr) {
        map_ids->assign(16, 0);
        info.nr_map_ids = 16;
        info.map_ids = reinterpret_cast<uintptr_t>(map_ids->data());
    }
    uint32_t len = sizeof info;
    REQUIRE(bpffs_obj_get_info_by_fd(fd, &info, &len) == 0);
    if (map_ids != nullptr) map_ids->resize(info.nr_map_ids);
    return info;
}

bpf_map_info map_info(int fd) {
    bpf_map_info info{};
    uint32_t len = sizeof info;
    REQUIRE(bpffs_obj_get_info_by_fd(fd, &info, &len) == 0);
    return info;
}

std::string pin_dir(const std::string &name) {
    std::string dir = g_daemon.mountpoint + "/" + name;
    mkdir(dir.c_str(), 0700);
    return dir;
}

}  // namespace

TEST_CASE("globals: maps of every global data kind, with values, .rodata frozen") {
    bpffs_object *obj = open_loaded("globals");
    CHECK(std::string(bpffs_object__name(obj)) == "globals");
    bpffs_program *prog = bpffs_object__find_program_by_name(obj, "dump_maps");
    REQUIRE(prog != nullptr);
    CHECK(std::string(bpffs_program__section_name(prog)) == "iter/bpf_map");
    CHECK(std::string(bpffs_program__attach_target(prog)) == "bpf_map");
    CHECK(bpffs_program__type(prog) == BPF_PROG_TYPE_TRACING);
    CHECK(bpffs_program__expected_attach_type(prog) == BPF_TRACE_ITER);
    int fd = bpffs_program__fd(prog);
    REQUIRE(fd >= 0);
    char target[64] = {};
    REQUIRE(bpffs_prog_attach_target(fd, target, sizeof target) == 0);
    CHECK(std::string(target) == "bpf_map");

    std::vector<uint32_t> used;
    bpf_prog_info pi = prog_info(fd, &used);
    CHECK(std::string(pi.name) == "dump_maps");
    CHECK(pi.btf_id != 0);
    CHECK(pi.nr_func_info >= 1);
    CHECK(pi.nr_line_info >= 1);
    CHECK(pi.gpl_compatible == 1);

    // The maps the program uses are the object's.
    std::vector<std::string> names;
    for (bpffs_map *m = bpffs_object__next_map(obj, nullptr); m;
         m = bpffs_object__next_map(obj, m)) {
        names.push_back(bpffs_map__name(m));
        REQUIRE(bpffs_map__fd(m) >= 0);
    }
    // .maps, legacy maps, then global data in section order.
    CHECK(names == std::vector<std::string>{"legacy_counts", "globals.data", "globals.rodata",
                                            ".data.foo", ".rodata.str1.1", "globals.bss"});
    for (uint32_t id : used) {
        bool ours = false;
        for (bpffs_map *m = bpffs_object__next_map(obj, nullptr); m;
             m = bpffs_object__next_map(obj, m))
            ours |= map_info(bpffs_map__fd(m)).id == id;
        CHECK(ours);
    }

    // .rodata: initial value written, read-only for programs, frozen.
    bpffs_map *rodata = bpffs_object__find_map_by_name(obj, ".rodata");
    REQUIRE(rodata != nullptr);
    CHECK(rodata == bpffs_object__find_map_by_name(obj, "globals.rodata"));
    bpf_map_info ri = map_info(bpffs_map__fd(rodata));
    CHECK(ri.map_flags == (BPF_F_MMAPABLE | BPF_F_RDONLY_PROG));
    CHECK(ri.btf_id != 0);
    CHECK(ri.btf_value_type_id != 0);
    bpffs_fdinfo fdi{};
    REQUIRE(bpffs_obj_get_fdinfo(bpffs_map__fd(rodata), &fdi) == 0);
    CHECK(fdi.frozen == 1);
    std::vector<uint8_t> value(bpffs_map__value_size(rodata));
    const uint32_t key = 0;
    REQUIRE(bpffs_map_lookup_elem(bpffs_map__fd(rodata), &key, value.data()) == 0);
    uint32_t limit;
    memcpy(&limit, value.data(), sizeof limit);
    CHECK(limit == 100);
    CHECK(bpffs_map_update_elem(bpffs_map__fd(rodata), &key, value.data(), 0) == -EPERM);

    // .data.foo keeps its initial value and stays writable.
    bpffs_map *foo = bpffs_object__find_map_by_name(obj, ".data.foo");
    REQUIRE(foo != nullptr);
    uint32_t tagged = 0;
    REQUIRE(bpffs_map_lookup_elem(bpffs_map__fd(foo), &key, &tagged) == 0);
    CHECK(tagged == 0xf00);

    CHECK(bpffs_object__find_program_by_name(obj, "nope") == nullptr);
    CHECK(errno == ENOENT);
    CHECK(bpffs_object__find_map_by_name(obj, "nope") == nullptr);
    CHECK(bpffs_object__load(obj) == -EINVAL);  // loaded already
    bpffs_object__close(obj);
}

// An object loaded with a pin root for its LIBBPF_PIN_BY_NAME maps; with
// autoload off, only its maps are created (and pinned).
bpffs_object *open_with_pin_root(const std::string &name, const char *pin_root,
                                 bool load_programs) {
    bpffs_object_open_opts opts{};
    opts.sz = sizeof opts;
    opts.pin_root_path = pin_root;
    bpffs_object *obj = bpffs_object__open_file(prog_path(name).c_str(), &opts);
    REQUIRE(obj != nullptr);
    for (bpffs_program *p = bpffs_object__next_program(obj, nullptr); p;
         p = bpffs_object__next_program(obj, p))
        if (!load_programs) REQUIRE(bpffs_program__set_autoload(p, 0) == 0);
    int rc = bpffs_object__load(obj);
    INFO(bpffs_last_error());
    REQUIRE(rc == 0);
    return obj;
}

TEST_CASE("maps pinned by name, pin_maps and pin_programs") {
    // Without a pin root, a LIBBPF_PIN_BY_NAME map cannot be placed.
    bpffs_object *bare = bpffs_object__open_file(prog_path("maps_calls").c_str(), nullptr);
    REQUIRE(bare != nullptr);
    CHECK(bpffs_object__load(bare) == -EINVAL);
    CHECK(std::string(bpffs_last_error()).find("pin_root_path") != std::string::npos);
    bpffs_object__close(bare);

    std::string root = pin_dir("mc_root");
    // Its programs pass callbacks (BPF_PSEUDO_FUNC) to bpf_loop and
    // bpf_for_each_map_elem.
    bpffs_object *obj = open_with_pin_root("maps_calls", root.c_str(), true);
    bpffs_map *totals = bpffs_object__find_map_by_name(obj, "totals");
    REQUIRE(totals != nullptr);
    CHECK(bpffs_map__is_pinned(totals) == 1);
    CHECK(std::string(bpffs_map__pin_path(totals)) == root + "/totals");
    uint32_t totals_id = map_info(bpffs_map__fd(totals)).id;

    int count = 0;
    for (bpffs_program *p = bpffs_object__next_program(obj, nullptr); p;
         p = bpffs_object__next_program(obj, p)) {
        ++count;
        CHECK(std::string(bpffs_program__attach_target(p)) == "bpf_map_elem");
        CHECK(bpffs_program__fd(p) >= 0);
        // Flattened with the sub-programs it calls.
        CHECK(bpffs_program__insn_cnt(p) > 10);
    }
    CHECK(count == 2);

    // pin_maps at another directory: totals has its own pin path (libbpf:
    // EINVAL), and nothing stays pinned by the failed call.
    std::string dir = pin_dir("mc_maps");
    CHECK(bpffs_object__pin_maps(obj, dir.c_str()) == -EINVAL);
    CHECK(access((dir + "/flows").c_str(), F_OK) != 0);
    // At the pin root itself it works; global data names lose their dots.
    CHECK(bpffs_object__pin_maps(obj, root.c_str()) == 0);
    CHECK(access((root + "/flows").c_str(), F_OK) == 0);
    CHECK(access((root + "/maps_cal_rodata").c_str(), F_OK) == 0);
    bpffs_object__close(obj);

    // A second load reuses the pinned map.
    bpffs_object *again = open_with_pin_root("maps_calls", root.c_str(), false);
    CHECK(map_info(bpffs_map__fd(bpffs_object__find_map_by_name(again, "totals"))).id == totals_id);
    bpffs_object__close(again);

    // pin_programs pins every loaded program under a new directory.
    bpffs_object *kc = open_loaded("kernel_compat");
    std::string progs = g_daemon.mountpoint + "/kc_progs";
    REQUIRE(bpffs_object__pin_programs(kc, progs.c_str()) == 0);
    for (bpffs_program *p = bpffs_object__next_program(kc, nullptr); p;
         p = bpffs_object__next_program(kc, p))
        CHECK(access((progs + "/" + bpffs_program__name(p)).c_str(), F_OK) == 0);
    bpffs_object__close(kc);
}

TEST_CASE("maps_calls' iterator calls back: bpf_loop over its ctx, for_each over flows") {
    std::string root = pin_dir("mc_run");
    bpffs_object *obj = open_with_pin_root("maps_calls", root.c_str(), true);
    int flows = bpffs_map__fd(bpffs_object__find_map_by_name(obj, "flows"));
    int totals = bpffs_map__fd(bpffs_object__find_map_by_name(obj, "totals"));
    // flows: {packets, bytes}; for_each sums the packets (5 + 6).
    uint32_t k1 = 1, k2 = 2;
    uint64_t v1[2] = {5, 7}, v2[2] = {6, 0};
    REQUIRE(bpffs_map_update_elem(flows, &k1, v1, 0) == 0);
    REQUIRE(bpffs_map_update_elem(flows, &k2, v2, 0) == 0);

    // Over totals (two zeroes): each element prints twice the loop's sum
    // (indexes 0..3 plus 4 times the value) and adds twice that sum plus
    // the packets to totals[0] (read before element 0 is printed).
    union bpf_iter_link_info info {};
    info.map.map_fd = static_cast<__u32>(totals);
    bpffs_link_create_opts opts{};
    opts.sz = sizeof opts;
    opts.iter_info = &info;
    opts.iter_info_len = sizeof info;
    bpffs_program *sum = bpffs_object__find_program_by_name(obj, "sum_flows");
    REQUIRE(sum != nullptr);
    int link = bpffs_link_create(bpffs_program__fd(sum), 0, BPF_TRACE_ITER, &opts);
    REQUIRE(link >= 0);
    int iter = bpffs_iter_create(link);
    REQUIRE(iter >= 0);
    std::string out;
    char buf[256];
    for (ssize_t n; (n = bpffs_iter_read(iter, buf, sizeof buf)) > 0;)
        out.append(buf, size_t(n));
    CHECK(out == "0: 12\n1: 12\n");
    uint32_t key = 0;
    uint64_t total = 0;
    REQUIRE(bpffs_map_lookup_elem(totals, &key, &total) == 0);
    CHECK(total == 2 * 2 * (6 + 11));
    bpffs_close(iter);
    bpffs_close(link);
    bpffs_object__close(obj);
}

// The offsets a relocated program uses: LDX/STX offsets and MOV immediates.
std::set<int64_t> used_offsets(const bpffs_program *p) {
    std::set<int64_t> out;
    const bpf_insn *insns = bpffs_program__insns(p);
    for (size_t i = 0; i < bpffs_program__insn_cnt(p); ++i) {
        if (BPF_CLASS(insns[i].code) == BPF_LDX) out.insert(insns[i].off);
        if (insns[i].code == (BPF_ALU64 | BPF_MOV | BPF_K) ||
            insns[i].code == (BPF_ALU64 | BPF_ADD | BPF_K))
            out.insert(insns[i].imm);
    }
    return out;
}

TEST_CASE("CO-RE: map->name, map->max_entries, prog->aux->name at the daemon's offsets") {
    void *raw = nullptr;
    size_t raw_len = 0;
    REQUIRE(bpffs_daemon_btf(&raw, &raw_len) == 0);
    auto daemon = btf::Btf::parse({static_cast<const uint8_t *>(raw), raw_len});
    free(raw);
    REQUIRE(daemon);
    auto offset_of = [&](const char *type, const char *field) -> int64_t {
        auto id = daemon->find(type, BTF_KIND_STRUCT);
        REQUIRE(id);
        for (const auto &m : daemon->type(*id).members)
            if (m.name == field) return m.bit_offset / 8;
        FAIL(std::string("the daemon's ") + type + " has no field " + field);
        return -1;
    };
    // kernel_compat.bpf.c, compiled against bpffs_vmlinux.h (another layout).
    bpffs_object *obj = open_loaded("kernel_compat");
    auto map_offsets =
        used_offsets(bpffs_object__find_program_by_name(obj, "list_maps_with_weights"));
    CHECK(map_offsets.count(offset_of("bpf_map", "max_entries")));
    CHECK(map_offsets.count(offset_of("bpf_map", "name")));
    CHECK(map_offsets.count(offset_of("bpf_map", "id")));
    auto prog_offsets = used_offsets(bpffs_object__find_program_by_name(obj, "list_progs"));
    CHECK(prog_offsets.count(offset_of("bpf_prog", "aux")));
    CHECK(prog_offsets.count(offset_of("bpf_prog_aux", "name")));
    CHECK(prog_offsets.count(offset_of("bpf_prog_aux", "id")));
    bpffs_object__close(obj);

    // core_reads.bpf.c relocates against the daemon's BTF too (every kind of
    // CO-RE relocation, unresolvable ones poisoned) and loads: its programs
    // read through bpf_probe_read_kernel(_str).
    bpffs_object *cr = open_loaded("core_reads");
    bpffs_program *p = bpffs_object__find_program_by_name(cr, "read_map");
    REQUIRE(p != nullptr);
    CHECK(used_offsets(p).count(offset_of("bpf_map", "id")));
    for (bpffs_program *q = bpffs_object__next_program(cr, nullptr); q;
         q = bpffs_object__next_program(cr, q))
        CHECK(bpffs_program__fd(q) >= 0);
    bpffs_object__close(cr);
}

TEST_CASE("open_mem, set_type before load, autoload off") {
    auto bytes = file_bytes(prog_path("globals"));
    bpffs_object_open_opts opts{};
    opts.sz = sizeof opts;
    opts.object_name = "renamed";
    bpffs_object *obj = bpffs_object__open_mem(bytes.data(), bytes.size(), &opts);
    REQUIRE(obj != nullptr);
    CHECK(std::string(bpffs_object__name(obj)) == "renamed");
    CHECK(bpffs_object__find_map_by_name(obj, "renamed.rodata") != nullptr);
    bpffs_program *p = bpffs_object__next_program(obj, nullptr);
    REQUIRE(p != nullptr);
    CHECK(bpffs_program__fd(p) == -EINVAL);  // not loaded yet
    CHECK(bpffs_program__set_autoload(p, 0) == 0);
    REQUIRE(bpffs_object__load(obj) == 0);
    CHECK(bpffs_program__fd(p) == -EINVAL);
    CHECK(bpffs_map__fd(bpffs_object__find_map_by_name(obj, ".rodata")) >= 0);
    bpffs_object__close(obj);

    // A program type the section does not allow is the daemon's to refuse.
    obj = bpffs_object__open_mem(bytes.data(), bytes.size(), nullptr);
    REQUIRE(obj != nullptr);
    bpffs_program__set_type(bpffs_object__next_program(obj, nullptr), BPF_PROG_TYPE_XDP);
    CHECK(bpffs_object__load(obj) < 0);
    CHECK(std::string(bpffs_last_error()).find("dump_maps") != std::string::npos);
    bpffs_object__close(obj);
}

TEST_CASE("hostile objects give a sentence, never a crash") {
    auto good = file_bytes(prog_path("globals"));
    SECTION("a missing file") {
        CHECK(bpffs_object__open_file("/nonexistent/x.bpf.o", nullptr) == nullptr);
        CHECK(errno == ENOENT);
    }
    SECTION("truncated") {
        for (size_t len : {size_t(1), size_t(16), size_t(64), good.size() / 2, good.size() - 1}) {
            bpffs_object *o = bpffs_object__open_mem(good.data(), len, nullptr);
            if (o == nullptr) {
                CHECK(errno != 0);
                CHECK(std::string(bpffs_last_error()).size() > 0);
            } else {
                bpffs_object__load(o);  // may fail, must not crash
                bpffs_object__close(o);
            }
        }
    }
    REQUIRE(good.size() > 64);
    SECTION("wrong machine") {
        auto bad = good;
        bad[18] = 62;  // EM_X86_64
        bad[19] = 0;
        CHECK(bpffs_object__open_mem(bad.data(), bad.size(), nullptr) == nullptr);
        CHECK(std::string(bpffs_last_error()).find("BPF") != std::string::npos);
    }
    SECTION("a kprobe section") {
        CHECK(bpffs_object__open_file(prog_path("unsupported").c_str(), nullptr) == nullptr);
        CHECK(errno == EOPNOTSUPP);
        CHECK(std::string(bpffs_last_error()).find("kprobe") != std::string::npos);
    }
    SECTION("a corrupted BTF") {
        // The .BTF magic sits at the start of its section: flip it.
        auto bad = good;
        static const uint8_t magic[] = {0x9f, 0xeb, 0x01};
        auto at = std::search(bad.begin(), bad.end(), std::begin(magic), std::end(magic));
        REQUIRE(at != bad.end());
        at[0] = 0x00;
        CHECK(bpffs_object__open_mem(bad.data(), bad.size(), nullptr) == nullptr);
        CHECK(std::string(bpffs_last_error()).find("BTF") != std::string::npos);
    }
    // The daemon still answers.
    bpffs_object *obj = open_loaded("globals");
    bpffs_object__close(obj);
}

int main(int argc, char **argv) {
    return run_against_daemon(g_daemon, [&] { return Catch::Session().run(argc, argv); });
}
