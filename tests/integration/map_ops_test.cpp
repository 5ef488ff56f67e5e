// bpffs_map_ops (pipelined single-element map commands) against a real
// bpffsd: every op gets the result its own call would get, failures do not
// stop the ones after them, values land in the callers' buffers, and a long
// stream (more than the window of requests in flight) stays in order.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "tests/integration/daemon_harness.h"
#include "tools/libbpffs/bpffs.h"

using namespace bpffs::test;

namespace {

DaemonProcess g_daemon;

bpffs_map_op op_of(__u32 cmd, int fd, const void *key, void *value, __u64 flags = 0) {
    bpffs_map_op op{};
    op.cmd = cmd;
    op.fd = fd;
    op.key = key;
    op.value = value;
    op.flags = flags;
    op.result = 12345;  // must be overwritten
    return op;
}

}  // namespace

TEST_CASE("each op gets its own call's result, in order") {
    int fd = bpffs_map_create(BPF_MAP_TYPE_HASH, "ops", 4, 8, 2, nullptr);
    REQUIRE(fd >= 0);
    uint32_t k1 = 1, k2 = 2, k3 = 3;
    uint64_t v1 = 11, v2 = 22, v3 = 33, got1 = 0, got2 = 0, missing = 7, next = 0;
    std::vector<bpffs_map_op> ops = {
        op_of(BPF_MAP_UPDATE_ELEM, fd, &k1, &v1, BPF_NOEXIST),
        op_of(BPF_MAP_UPDATE_ELEM, fd, &k1, &v1, BPF_NOEXIST),  // EEXIST
        op_of(BPF_MAP_UPDATE_ELEM, fd, &k2, &v2, BPF_ANY),
        op_of(BPF_MAP_UPDATE_ELEM, fd, &k3, &v3, BPF_ANY),  // E2BIG: the map is full
        op_of(BPF_MAP_LOOKUP_ELEM, fd, &k1, &got1),
        op_of(BPF_MAP_LOOKUP_ELEM, fd, &k3, &missing),  // ENOENT, buffer untouched
        op_of(BPF_MAP_GET_NEXT_KEY, fd, nullptr, &next),
        op_of(BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, &k2, &got2),
        op_of(BPF_MAP_DELETE_ELEM, fd, &k2, nullptr),  // ENOENT: gone already
        op_of(BPF_MAP_UPDATE_ELEM, fd, &k1, nullptr),  // EFAULT, never sent
        op_of(BPF_OBJ_PIN, fd, &k1, &v1),              // EINVAL: not a map op
        op_of(BPF_MAP_LOOKUP_ELEM, 999, &k1, &got1),   // EBADF
    };
    int rc = bpffs_map_ops(ops.data(), ops.size());
    CHECK(rc == -EEXIST);   // the first failure
    CHECK(errno == EBADF);  // the last one
    std::vector<int> want = {0, -EEXIST, 0,       -E2BIG,  0,       -ENOENT,
                             0, 0,       -ENOENT, -EFAULT, -EINVAL, -EBADF};
    for (size_t i = 0; i < ops.size(); i++) {
        INFO("op " << i);
        CHECK(ops[i].result == want[i]);
    }
    CHECK(got1 == 11);
    CHECK(got2 == 22);
    CHECK(missing == 7);
    CHECK((next == 1 || next == 2));
    uint64_t check = 0;
    CHECK(bpffs_map_lookup_elem(fd, &k2, &check) == -ENOENT);
    bpffs_close(fd);
}

TEST_CASE("a stream longer than the window stays in order") {
    constexpr uint32_t kCount = 20000;
    int fd = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "stream", 4, 8, kCount, nullptr);
    REQUIRE(fd >= 0);
    std::vector<uint32_t> keys(kCount);
    std::vector<uint64_t> values(kCount), back(kCount, 0);
    std::vector<bpffs_map_op> ops;
    for (uint32_t i = 0; i < kCount; i++) {
        keys[i] = i;
        values[i] = uint64_t{i} * 7 + 1;
        ops.push_back(op_of(BPF_MAP_UPDATE_ELEM, fd, &keys[i], &values[i]));
    }
    REQUIRE(bpffs_map_ops(ops.data(), ops.size()) == 0);
    ops.clear();
    for (uint32_t i = 0; i < kCount; i++)
        ops.push_back(op_of(BPF_MAP_LOOKUP_ELEM, fd, &keys[i], &back[i]));
    REQUIRE(bpffs_map_ops(ops.data(), ops.size()) == 0);
    CHECK(back == values);
    // Single calls after a pipeline still pair requests and replies.
    uint64_t one = 0;
    CHECK(bpffs_map_lookup_elem(fd, &keys[5], &one) == 0);
    CHECK(one == values[5]);
    CHECK(bpffs_map_ops(nullptr, 0) == 0);
    CHECK(bpffs_map_ops(nullptr, 1) == -EFAULT);
    bpffs_close(fd);
}

int main(int argc, char **argv) {
    return run_against_daemon(g_daemon, [&] { return Catch::Session().run(argc, argv); });
}
