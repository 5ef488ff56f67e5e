// Links and iterators through a real bpffsd with libbpffs: link creation
// with a map, link info with the kernel's target_name buffer rules,
// anonymous iterators read with bpffs_iter_read, link update seen by later
// opens of the pinned file (through the FUSE mount) but not by earlier
// ones, rm of a pinned iterator while it is open, detach, ids, and what
// an open iterator keeps alive. The programs are assembled here: one byte
// per map element ('a' + key, or 'A' + key), a newline at the end.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tests/bpf_insn.h"
#include "tests/integration/daemon_harness.h"
#include "tools/libbpffs/bpffs.h"

using namespace bpffs::test;

namespace {

DaemonProcess g_daemon;

// A bpf_map_elem program: bpf_seq_write of one byte, first + *(u32 *)key,
// per element; "\n" in the final call (key NULL).
std::vector<bpf_insn> letters_program(char first) {
    return {
        insn(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),  // r6 = ctx
        insn(BPF_LDX | BPF_MEM | BPF_DW, 7, 6, 0, 0),   // r7 = ctx->meta
        insn(BPF_LDX | BPF_MEM | BPF_DW, 1, 7, 0, 0),   // r1 = meta->seq
        insn(BPF_LDX | BPF_MEM | BPF_DW, 2, 6, 16, 0),  // r2 = ctx->key
        insn(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 9, 0),    // if !key goto final
        insn(BPF_LDX | BPF_MEM | BPF_W, 3, 2, 0, 0),    // r3 = *key
        insn(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, first),
        insn(BPF_STX | BPF_MEM | BPF_B, 10, 3, -8, 0),  // fp[-8] = r3
        insn(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
        insn(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -8),  // r2 = fp - 8
        insn(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 1),   // r3 = 1
        insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_seq_write),
        insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
        insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
        // final:
        insn(BPF_ST | BPF_MEM | BPF_B, 10, 0, -8, '\n'),
        insn(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
        insn(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -8),
        insn(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 1),
        insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_seq_write),
        insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
        insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
}

int load_iter(const std::vector<bpf_insn> &insns, const char *name,
              const char *target = "bpf_map_elem", __u32 prog_flags = 0) {
    bpffs_prog_load_opts opts{};
    opts.sz = sizeof opts;
    opts.prog_flags = prog_flags;
    opts.expected_attach_type = BPF_TRACE_ITER;
    opts.attach_target = target;
    int fd = bpffs_prog_load(BPF_PROG_TYPE_TRACING, name, "GPL", insns.data(), insns.size(), &opts);
    INFO(bpffs_last_error());
    REQUIRE(fd >= 0);
    return fd;
}

// An array of n u32 -> u64 elements (every index exists).
int array_map(uint32_t n) {
    int fd = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "letters", 4, 8, n, nullptr);
    REQUIRE(fd >= 0);
    return fd;
}

// LINK_CREATE of a bpf_map_elem link over map_fd: the fd or -errno.
int try_elem_link(int prog_fd, int map_fd, __u32 flags = 0) {
    union bpf_iter_link_info li;
    memset(&li, 0, sizeof li);
    li.map.map_fd = static_cast<__u32>(map_fd);
    bpffs_link_create_opts opts{};
    opts.sz = sizeof opts;
    opts.flags = flags;
    opts.iter_info = &li;
    opts.iter_info_len = sizeof li;
    return bpffs_link_create(prog_fd, 0, BPF_TRACE_ITER, &opts);
}

int elem_link(int prog_fd, int map_fd) {
    int fd = try_elem_link(prog_fd, map_fd);
    INFO(bpffs_last_error());
    REQUIRE(fd >= 0);
    return fd;
}

std::string read_iter(int iter_fd, size_t chunk) {
    std::string out;
    std::vector<char> buf(chunk);
    for (;;) {
        ssize_t n = bpffs_iter_read(iter_fd, buf.data(), chunk);
        INFO(bpffs_last_error());
        REQUIRE(n >= 0);
        REQUIRE(static_cast<size_t>(n) <= chunk);
        if (n == 0) return out;
        out.append(buf.data(), static_cast<size_t>(n));
    }
}

std::string read_file_fd(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        out.append(buf, static_cast<size_t>(n));
    REQUIRE(n == 0);
    return out;
}

uint32_t id_of(int fd) {
    bpffs_fdinfo fi{};
    REQUIRE(bpffs_obj_get_fdinfo(fd, &fi) == 0);
    return fi.id;
}

// FUSE releases arrive after close(2) returns: wait for an id to go.
bool link_id_gone(uint32_t id) {
    for (int i = 0; i < 200; ++i) {
        int fd = bpffs_link_get_fd_by_id(id);
        if (fd == -ENOENT) return true;
        if (fd >= 0) bpffs_close(fd);
        usleep(10000);
    }
    return false;
}

}  // namespace

TEST_CASE("link info: type, ids, and the kernel's target_name buffer rules") {
    int map = array_map(3);
    int prog = load_iter(letters_program('a'), "lower");
    int link = elem_link(prog, map);

    bpf_link_info info;
    memset(&info, 0, sizeof info);
    __u32 len = sizeof info;
    REQUIRE(bpffs_obj_get_info_by_fd(link, &info, &len) == 0);
    CHECK(len == sizeof info);
    CHECK(info.type == BPF_LINK_TYPE_ITER);
    CHECK(info.id == id_of(link));
    CHECK(info.prog_id == id_of(prog));
    CHECK(info.iter.target_name_len == 13);  // strlen("bpf_map_elem") + 1
    CHECK(info.iter.map.map_id == id_of(map));

    char name[32];
    memset(&info, 0, sizeof info);
    info.iter.target_name = reinterpret_cast<uintptr_t>(name);
    info.iter.target_name_len = 13;
    REQUIRE(bpffs_obj_get_info_by_fd(link, &info, &len) == 0);
    CHECK(std::string(name) == "bpf_map_elem");

    // Too small: what fits plus a NUL, ENOSPC, and the struct untouched.
    memset(&info, 0, sizeof info);
    memset(name, 'x', sizeof name);
    info.iter.target_name = reinterpret_cast<uintptr_t>(name);
    info.iter.target_name_len = 5;
    CHECK(bpffs_obj_get_info_by_fd(link, &info, &len) == -ENOSPC);
    CHECK(std::string(name) == "bpf_");
    CHECK(info.type == 0);
    CHECK(info.iter.target_name_len == 5);

    // A length without a buffer (or the reverse) is EINVAL.
    memset(&info, 0, sizeof info);
    info.iter.target_name_len = 13;
    CHECK(bpffs_obj_get_info_by_fd(link, &info, &len) == -EINVAL);
    memset(&info, 0, sizeof info);
    info.iter.target_name = reinterpret_cast<uintptr_t>(name);
    CHECK(bpffs_obj_get_info_by_fd(link, &info, &len) == -EINVAL);

    // A short info_len gets only that much; a longer one needs zero tails.
    memset(&info, 0, sizeof info);
    len = 8;
    REQUIRE(bpffs_obj_get_info_by_fd(link, &info, &len) == 0);
    CHECK(len == 8);
    CHECK(info.type == BPF_LINK_TYPE_ITER);
    CHECK(info.id == id_of(link));
    CHECK(info.prog_id == 0);
    std::vector<uint8_t> big(sizeof(bpf_link_info) + 8, 0);
    len = static_cast<__u32>(big.size());
    CHECK(bpffs_obj_get_info_by_fd(link, big.data(), &len) == 0);
    CHECK(len == sizeof(bpf_link_info));
    big.back() = 1;
    len = static_cast<__u32>(big.size());
    CHECK(bpffs_obj_get_info_by_fd(link, big.data(), &len) == -E2BIG);

    for (int fd : {link, prog, map})
        bpffs_close(fd);
}

TEST_CASE("anonymous iterators read with bpffs_iter_read at any size") {
    int map = array_map(4);
    int prog = load_iter(letters_program('a'), "lower");
    int link = elem_link(prog, map);
    for (size_t chunk : {size_t{1}, size_t{2}, size_t{7}, size_t{4096}, size_t{65536}}) {
        int it = bpffs_iter_create(link);
        REQUIRE(it >= 0);
        CHECK(read_iter(it, chunk) == "abcd\n");
        bpffs_close(it);
    }
    CHECK(bpffs_iter_create(map) == -EINVAL);
    CHECK(bpffs_iter_read(map, nullptr, 0) == -EINVAL);
    CHECK(bpffs_iter_read(9999, nullptr, 0) == -EBADF);
    CHECK(bpffs_link_detach(link) == -EOPNOTSUPP);
    for (int fd : {link, prog, map})
        bpffs_close(fd);
}

TEST_CASE("a sleepable program cannot attach to a target without RESCHED (spec 2.3)") {
    int map = array_map(1);
    int prog = load_iter(letters_program('a'), "sleepy", "bpf_map_elem", BPF_F_SLEEPABLE);
    CHECK(try_elem_link(prog, map) == -EINVAL);
    // Before the map is looked at, as in the kernel: a bad map fd is EINVAL too.
    CHECK(try_elem_link(prog, 9999) == -EINVAL);
    bpffs_close(prog);
    bpffs_close(map);
}

TEST_CASE("a link refused by its target's attach check spends an id, as in the kernel") {
    // Linux (checked on 6.18) allocates the link's id (bpf_link_prime)
    // before the target's attach_target; a refusal before it spends none.
    int map = array_map(2);
    int short_key = bpffs_map_create(BPF_MAP_TYPE_HASH, "short_key", 2, 8, 4, nullptr);
    REQUIRE(short_key >= 0);
    int prog = load_iter(letters_program('a'), "lower");
    int first = elem_link(prog, map);
    CHECK(try_elem_link(prog, short_key) == -EACCES);  // reads 4 bytes of a 2-byte key
    CHECK(try_elem_link(prog, 9999) == -EBADF);
    CHECK(try_elem_link(prog, 0) == -EBADF);
    int second = elem_link(prog, map);
    CHECK(id_of(second) == id_of(first) + 4);
    CHECK(try_elem_link(prog, map, 1) == -EINVAL);  // flags: refused before the id
    int third = elem_link(prog, map);
    CHECK(id_of(third) == id_of(second) + 1);
    for (int fd : {third, second, first, prog, short_key, map})
        bpffs_close(fd);
}

TEST_CASE("an open iterator keeps program and map; the link goes with its last fd") {
    int map = array_map(2);
    int prog = load_iter(letters_program('a'), "lower");
    int link = elem_link(prog, map);
    uint32_t prog_id = id_of(prog), map_id = id_of(map), link_id = id_of(link);
    int it = bpffs_iter_create(link);
    REQUIRE(it >= 0);
    for (int fd : {link, prog, map})
        bpffs_close(fd);
    CHECK(bpffs_link_get_fd_by_id(link_id) == -ENOENT);
    int p = bpffs_prog_get_fd_by_id(prog_id), m = bpffs_map_get_fd_by_id(map_id);
    CHECK(p >= 0);
    CHECK(m >= 0);
    bpffs_close(p);
    bpffs_close(m);
    CHECK(read_iter(it, 4096) == "ab\n");
    bpffs_close(it);
    CHECK(bpffs_prog_get_fd_by_id(prog_id) == -ENOENT);
    CHECK(bpffs_map_get_fd_by_id(map_id) == -ENOENT);
}

TEST_CASE("pinned iterator: update for later opens, rm while open, ids") {
    int map = array_map(4);
    int lower = load_iter(letters_program('a'), "lower");
    int upper = load_iter(letters_program('A'), "upper");
    int link = elem_link(lower, map);
    uint32_t link_id = id_of(link);
    std::string path = g_daemon.mountpoint + "/letters";
    REQUIRE(bpffs_obj_pin(link, path.c_str()) == 0);

    int before = open(path.c_str(), O_RDONLY);
    REQUIRE(before >= 0);
    bpffs_link_update_opts opts{};
    opts.sz = sizeof opts;
    opts.flags = BPF_F_REPLACE;
    opts.old_prog_fd = static_cast<__u32>(upper);
    CHECK(bpffs_link_update(link, upper, &opts) == -EPERM);
    opts.old_prog_fd = static_cast<__u32>(lower);
    REQUIRE(bpffs_link_update(link, upper, &opts) == 0);
    int after = open(path.c_str(), O_RDONLY);
    REQUIRE(after >= 0);
    CHECK(read_file_fd(after) == "ABCD\n");
    close(after);

    // The link lives on while its pinned file is open, as an inode would.
    REQUIRE(unlink(path.c_str()) == 0);
    bpffs_close(link);
    for (int fd : {lower, upper, map})
        bpffs_close(fd);
    int still = bpffs_link_get_fd_by_id(link_id);
    CHECK(still >= 0);
    if (still >= 0) bpffs_close(still);
    CHECK(read_file_fd(before) == "abcd\n");
    close(before);
    CHECK(link_id_gone(link_id));

    __u32 next = 0;
    while (bpffs_link_get_next_id(next, &next) == 0)
        CHECK(next != link_id);
    CHECK(errno == ENOENT);
    CHECK(bpffs_link_get_fd_by_id(0) == -ENOENT);
}

int main(int argc, char **argv) {
    return run_against_daemon(g_daemon, [&] { return Catch::Session().run(argc, argv); });
}
