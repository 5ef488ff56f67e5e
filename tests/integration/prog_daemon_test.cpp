// Programs and BTF through a real bpffsd: PROG_LOAD with map references,
// info by fd (tag, map ids, xlated), ids, pinning, BTF_LOAD and the
// daemon's BTF, and hostile PROG_LOAD payloads that must fail cleanly.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/btf/btf.h"
#include "core/wire/frame.h"
#include "core/wire/prog_messages.h"
#include "tests/bpf_insn.h"
#include "tests/integration/daemon_harness.h"
#include "tools/libbpffs/bpffs.h"

using namespace bpffs;
using namespace bpffs::test;

namespace {

DaemonProcess g_daemon;

// r1 = map; r2 = fp - 4 (key 0); call map_lookup_elem; r0 = 0; exit
std::vector<bpf_insn> lookup_program(int map_fd) {
    return {
        insn(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
        insn(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
        insn(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
        insn(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, map_fd),
        insn(0, 0, 0, 0, 0),
        insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
        insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
        insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
}

int load(const std::vector<bpf_insn> &insns, const char *name,
         const bpffs_prog_load_opts *opts = nullptr) {
    return bpffs_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, name, "GPL", insns.data(), insns.size(),
                           opts);
}

}  // namespace

TEST_CASE("a program with a map reference loads, and info by fd describes it") {
    int map_fd = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 4, nullptr);
    REQUIRE(map_fd >= 0);
    bpffs_fdinfo mi{};
    REQUIRE(bpffs_obj_get_fdinfo(map_fd, &mi) == 0);
    auto insns = lookup_program(map_fd);
    char log[4096] = {};
    bpffs_prog_load_opts opts{};
    opts.sz = sizeof opts;
    opts.log_level = 1;
    opts.log_size = sizeof log;
    opts.log_buf = log;
    int fd = load(insns, "lookup", &opts);
    REQUIRE(fd >= 0);
    // The verifier's statistics line, as the kernel's: the LDDW counts once.
    CHECK(std::string(log).find("processed 7 insns (limit 1000000)") != std::string::npos);

    std::vector<bpf_insn> xlated(insns.size());
    uint32_t map_ids[4] = {};
    bpf_prog_info info{};
    info.xlated_prog_len = static_cast<uint32_t>(xlated.size() * sizeof(bpf_insn));
    info.xlated_prog_insns = reinterpret_cast<uintptr_t>(xlated.data());
    info.nr_map_ids = 4;
    info.map_ids = reinterpret_cast<uintptr_t>(map_ids);
    uint32_t len = sizeof info;
    REQUIRE(bpffs_obj_get_info_by_fd(fd, &info, &len) == 0);
    CHECK(info.type == BPF_PROG_TYPE_SOCKET_FILTER);
    CHECK(std::string(info.name) == "lookup");
    CHECK(info.gpl_compatible == 1);
    CHECK(info.nr_map_ids == 1);
    CHECK(map_ids[0] == mi.id);
    CHECK(info.xlated_prog_len == insns.size() * sizeof(bpf_insn));
    // The dump names the map by id, not by this connection's fd.
    CHECK(xlated[3].imm == static_cast<int32_t>(mi.id));
    CHECK(info.load_time > 0);

    // The same program with another fd number has the same tag.
    int map_fd2 = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "arr2", 4, 8, 4, nullptr);
    REQUIRE(map_fd2 >= 0);
    int fd2 = load(lookup_program(map_fd2), "lookup2");
    REQUIRE(fd2 >= 0);
    bpf_prog_info info2{};
    len = sizeof info2;
    REQUIRE(bpffs_obj_get_info_by_fd(fd2, &info2, &len) == 0);
    CHECK(std::memcmp(info.tag, info2.tag, 8) == 0);

    // Ids and fd by id.
    uint32_t next = 0;
    bool found = false;
    while (bpffs_prog_get_next_id(next, &next) == 0)
        if (next == info.id) found = true;
    CHECK(found);
    int by_id = bpffs_prog_get_fd_by_id(info.id);
    REQUIRE(by_id >= 0);
    CHECK(bpffs_prog_get_fd_by_id(0x7fffffff) == -ENOENT);

    // Pinned, the program outlives its fds.
    std::string pin = g_daemon.mountpoint + "/lookup_prog";
    REQUIRE(bpffs_obj_pin(fd, pin.c_str()) == 0);
    bpffs_close(fd);
    bpffs_close(by_id);
    int got = bpffs_obj_get(pin.c_str());
    REQUIRE(got >= 0);
    bpffs_fdinfo pi{};
    REQUIRE(bpffs_obj_get_fdinfo(got, &pi) == 0);
    CHECK(pi.kind == 1);
    CHECK(pi.id == info.id);
    CHECK(unlink(pin.c_str()) == 0);
    for (int f : {got, fd2, map_fd, map_fd2})
        bpffs_close(f);
}

TEST_CASE("bad programs are refused with the reason in the log") {
    char log[256] = {};
    bpffs_prog_load_opts opts{};
    opts.sz = sizeof opts;
    opts.log_level = 1;
    opts.log_size = sizeof log;
    opts.log_buf = log;
    SECTION("a jump out of the program") {
        std::vector<bpf_insn> p = {insn(BPF_JMP | BPF_JA, 0, 0, 5, 0),
                                   insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
        CHECK(load(p, "bad", &opts) == -EINVAL);
        CHECK(std::string(log).find("instruction 0") != std::string::npos);
    }
    SECTION("an LDDW with an fd that is not open") {
        CHECK(load(lookup_program(999), "bad", &opts) == -EBADF);
    }
    SECTION("an LDDW naming a program fd") {
        std::vector<bpf_insn> ok = {insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
                                    insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
        int prog = load(ok, "fine");
        REQUIRE(prog >= 0);
        CHECK(load(lookup_program(prog), "bad", &opts) == -EINVAL);
        bpffs_close(prog);
    }
    SECTION("no instructions") {
        CHECK(bpffs_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "e", "GPL", nullptr, 0, nullptr) ==
              -EINVAL);
    }
    SECTION("a GPL-only helper without a GPL license") {
        std::vector<bpf_insn> p = {insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_trace_printk),
                                   insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
        CHECK(bpffs_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "p", "MIT", p.data(), p.size(),
                              nullptr) == -EINVAL);
    }
    SECTION("an unsupported program type") {
        std::vector<bpf_insn> p = {insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
                                   insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
        CHECK(bpffs_prog_load(BPF_PROG_TYPE_XDP, "x", "GPL", p.data(), p.size(), nullptr) ==
              -EINVAL);
    }
}

TEST_CASE("BTF: load, ids, info by fd, and the daemon's own BTF") {
    void *raw = nullptr;
    size_t raw_len = 0;
    REQUIRE(bpffs_daemon_btf(&raw, &raw_len) == 0);
    auto parsed = btf::Btf::parse({static_cast<const uint8_t *>(raw), raw_len});
    REQUIRE(parsed);
    CHECK(parsed->find("bpf_iter__bpf_map", BTF_KIND_STRUCT));
    int fd = bpffs_btf_load(raw, raw_len, nullptr);
    REQUIRE(fd >= 0);
    std::vector<uint8_t> back(raw_len);
    bpf_btf_info info{};
    info.btf = reinterpret_cast<uintptr_t>(back.data());
    info.btf_size = static_cast<uint32_t>(back.size());
    uint32_t len = sizeof info;
    REQUIRE(bpffs_obj_get_info_by_fd(fd, &info, &len) == 0);
    CHECK(info.btf_size == raw_len);
    CHECK(std::memcmp(back.data(), raw, raw_len) == 0);
    int by_id = bpffs_btf_get_fd_by_id(info.id);
    CHECK(by_id >= 0);
    // BTF cannot be pinned, as in the kernel.
    CHECK(bpffs_obj_pin(fd, (g_daemon.mountpoint + "/btf").c_str()) == -EINVAL);
    // Garbage is refused.
    std::vector<uint8_t> junk(64, 0x5a);
    CHECK(bpffs_btf_load(junk.data(), junk.size(), nullptr) < 0);
    free(raw);
    bpffs_close(fd);
    bpffs_close(by_id);
}

TEST_CASE("hostile PROG_LOAD payloads get errors and the daemon lives on") {
    // Instructions that are not a whole number of 8-byte units, a huge
    // count, func_info without BTF, and undecodable bytes: sent as PROG_LOAD
    // payloads through libbpffs' own encoding where possible.
    wire::ProgLoadRequest req;
    req.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    req.license = "GPL";
    SECTION("odd instruction bytes") {
        std::vector<uint8_t> p(12, 0);
        CHECK(bpffs_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "o", "GPL",
                              reinterpret_cast<const bpf_insn *>(p.data()), 1, nullptr) == -EINVAL);
    }
    SECTION("more instructions than the limit") {
        std::vector<bpf_insn> big(1000001, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
        CHECK(load(big, "big") == -E2BIG);
    }
    SECTION("func_info without BTF") {
        std::vector<bpf_insn> p = {insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
                                   insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
        bpf_func_info fi{0, 1};
        bpffs_prog_load_opts opts{};
        opts.sz = sizeof opts;
        opts.func_info = &fi;
        opts.func_info_cnt = 1;
        opts.func_info_rec_size = sizeof fi;
        CHECK(load(p, "fi", &opts) == -EINVAL);
    }
    // Still answering.
    std::vector<bpf_insn> p = {insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
                               insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
    int fd = load(p, "alive");
    CHECK(fd >= 0);
    bpffs_close(fd);
}

int main(int argc, char **argv) {
    return run_against_daemon(g_daemon, [&] { return Catch::Session().run(argc, argv); });
}
