// Limits instead of crashes, against a real bpffsd started with small
// limits: the memory budget for maps (--max-memory: MAP_CREATE and element
// allocation beyond it fail with ENOMEM), open fds per client
// (--max-client-fds: EMFILE), the request frame size (--max-frame: E2BIG,
// then the connection closes) and the load log buffer (--max-log-size:
// E2BIG; above the kernel's own UINT_MAX >> 2: EINVAL). Every refusal comes
// with a sentence, and the daemon keeps serving afterwards.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <linux/bpf.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/wire/frame.h"
#include "core/wire/messages.h"
#include "tests/integration/daemon_harness.h"
#include "tests/integration/fault_support.h"
#include "tools/libbpffs/bpffs.h"

using namespace bpffs;
using namespace bpffs::test;

namespace {

constexpr size_t kMaxFds = 8;
constexpr uint32_t kMaxFrame = 4096;
constexpr uint32_t kMaxLogSize = 64 * 1024;
DaemonProcess g_daemon;

std::string last_error() {
    const char *msg = bpffs_last_error();
    return msg != nullptr ? msg : "";
}

// The daemon still answers a fresh connection.
bool still_serves() {
    return in_child([] {
               bpffs_disconnect();
               int fd = bpffs_map_create(BPF_MAP_TYPE_HASH, "alive", 4, 8, 4, nullptr);
               return fd >= 3 && bpffs_close(fd) == 0 ? 0 : 1;
           }) == 0;
}

// Runs body in a child with a connection of its own (its fds count
// against --max-client-fds separately from the test's).
int in_own_connection(const std::function<int()> &body) {
    return in_child([&] {
        bpffs_disconnect();
        return body();
    });
}

const struct bpf_insn kReturnZero[] = {
    {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},
    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
};

int load_with_log(uint32_t log_size, std::vector<char> &log) {
    log.assign(log_size, 0);
    struct bpffs_prog_load_opts opts {};
    opts.sz = sizeof(opts);
    opts.log_level = 1;
    opts.log_size = log_size;
    opts.log_buf = log.data();
    return bpffs_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "limits", "GPL", kReturnZero, 2, &opts);
}

}  // namespace

TEST_CASE("the memory budget refuses maps and elements beyond it") {
    // 1 MiB in all (the daemon's preloaded iterators already use a little).
    int small = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "small", 4, 1024, 256, nullptr);
    REQUIRE(small >= 3);  // 256 KiB

    // 2 MiB of array values: refused at MAP_CREATE, as a full memory cgroup would.
    errno = 0;
    int big = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "big", 4, 4096, 512, nullptr);
    CHECK(big < 0);
    CHECK(errno == ENOMEM);
    CHECK(last_error().find("--max-memory") != std::string::npos);

    // A hash map without preallocation grows until its elements no longer fit.
    struct bpffs_map_create_opts opts {};
    opts.sz = sizeof(opts);
    opts.map_flags = BPF_F_NO_PREALLOC;
    int hash = bpffs_map_create(BPF_MAP_TYPE_HASH, "grows", 4, 4000, 10000, &opts);
    REQUIRE(hash >= 3);
    std::vector<uint8_t> value(4000, 7);
    uint32_t key = 0;
    int rc = 0;
    for (; key < 10000; ++key) {
        rc = bpffs_map_update_elem(hash, &key, value.data(), BPF_ANY);
        if (rc != 0) break;
    }
    INFO("elements added before the budget ran out: " << key);
    REQUIRE(rc != 0);
    CHECK(errno == ENOMEM);
    CHECK(last_error().find("--max-memory") != std::string::npos);
    CHECK(key > 10);   // several 64 KiB blocks of elements did fit
    CHECK(key < 300);  // and no more than the budget allows
    // What was stored is intact, and lookups still work.
    std::vector<uint8_t> got(4000);
    uint32_t first = 0;
    REQUIRE(bpffs_map_lookup_elem(hash, &first, got.data()) == 0);
    CHECK(got == value);

    // Freeing the maps gives the budget back.
    REQUIRE(bpffs_close(hash) == 0);
    REQUIRE(bpffs_close(small) == 0);
    int again = -1;
    for (int i = 0; i < 50 && again < 0; ++i) {
        again = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "again", 4, 1024, 512, nullptr);
        if (again < 0) usleep(20000);
    }
    CHECK(again >= 3);
    if (again >= 0) bpffs_close(again);
    CHECK(still_serves());
}

TEST_CASE("a client may hold only --max-client-fds open fds") {
    CHECK(in_own_connection([] {
              std::vector<int> fds;
              for (size_t i = 0; i < kMaxFds; ++i) {
                  int fd = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "fd", 4, 8, 1, nullptr);
                  if (fd < 0) return 10 + int(i);
                  fds.push_back(fd);
              }
              errno = 0;
              if (bpffs_map_create(BPF_MAP_TYPE_ARRAY, "fd", 4, 8, 1, nullptr) >= 0) return 2;
              if (errno != EMFILE) return 3;
              if (last_error().find("--max-client-fds") == std::string::npos) return 4;
              // GET_FD_BY_ID makes fds too.
              bpffs_fdinfo info{};
              if (bpffs_obj_get_fdinfo(fds[0], &info) != 0) return 5;
              errno = 0;
              if (bpffs_map_get_fd_by_id(info.id) >= 0 || errno != EMFILE) return 8;
              // Closing one makes room for one.
              if (bpffs_close(fds.back()) != 0) return 6;
              int fd = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "fd", 4, 8, 1, nullptr);
              return fd == fds.back() ? 0 : 7;
          }) == 0);
    CHECK(still_serves());
}

TEST_CASE("a frame above --max-frame gets E2BIG and the connection closes") {
    int fd = connect_unix(g_daemon.socket);
    REQUIRE(fd >= 0);
    // A map update whose payload is just above the limit, sent whole.
    wire::MapUpdateRequest req{3, {0, 0, 0, 0}, wire::Bytes(kMaxFrame, 1), 0};
    auto frame =
        wire::encode_request(uint32_t(wire::Command::map_update_elem), 1, wire::encode(req));
    REQUIRE(frame.size() > wire::kHeaderSize + kMaxFrame);
    REQUIRE(send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) == ssize_t(frame.size()));
    wire::Bytes header(wire::kHeaderSize);
    REQUIRE(recv(fd, header.data(), header.size(), MSG_WAITALL) == ssize_t(header.size()));
    wire::ReplyHeader h;
    REQUIRE(wire::decode_header(header, h));
    CHECK(h.error == E2BIG);
    wire::Bytes payload(h.payload_len);
    REQUIRE(recv(fd, payload.data(), payload.size(), MSG_WAITALL) == ssize_t(payload.size()));
    auto reply = wire::decode_reply_payload(h.error, payload);
    REQUIRE(reply);
    CHECK(reply->message.find("--max-frame") != std::string::npos);
    // Then the daemon hangs up (it cannot find the next frame).
    char byte;
    CHECK(recv(fd, &byte, 1, 0) == 0);
    close(fd);

    // A frame within the limit works on a new connection.
    CHECK(in_own_connection([] {
              int map = bpffs_map_create(BPF_MAP_TYPE_ARRAY, "frame", 4, 2048, 1, nullptr);
              std::vector<uint8_t> value(2048, 3);
              uint32_t key = 0;
              return map >= 3 && bpffs_map_update_elem(map, &key, value.data(), BPF_ANY) == 0 ? 0
                                                                                              : 1;
          }) == 0);
    CHECK(still_serves());
}

TEST_CASE("log buffers above --max-log-size or the kernel's limit are refused") {
    std::vector<char> log;
    int fd = load_with_log(4096, log);
    INFO(last_error());
    REQUIRE(fd >= 3);
    bpffs_close(fd);

    errno = 0;
    CHECK(load_with_log(kMaxLogSize + 1, log) < 0);
    CHECK(errno == E2BIG);
    CHECK(last_error().find("--max-log-size") != std::string::npos);

    // Above UINT_MAX >> 2 the kernel itself says EINVAL; no buffer is needed
    // to find out (the daemon refuses before producing any log).
    struct bpffs_prog_load_opts opts {};
    opts.sz = sizeof(opts);
    opts.log_level = 1;
    opts.log_size = (UINT_MAX >> 2) + 1;
    opts.log_buf = log.data();  // not written: the load fails first
    errno = 0;
    CHECK(bpffs_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "limits", "GPL", kReturnZero, 2, &opts) < 0);
    CHECK(errno == EINVAL);

    // BTF_LOAD has the same log rules.
    uint8_t blob[64] = {};
    log.assign(kMaxLogSize * 2, 0);
    struct bpffs_btf_load_opts btf_opts {};
    btf_opts.sz = sizeof(btf_opts);
    btf_opts.log_level = 1;
    btf_opts.log_size = kMaxLogSize * 2;
    btf_opts.log_buf = log.data();
    errno = 0;
    CHECK(bpffs_btf_load(blob, sizeof(blob), &btf_opts) < 0);
    CHECK(errno == E2BIG);
    CHECK(still_serves());
}

int main(int argc, char **argv) {
    g_daemon.extra_args = {"--max-memory",     "1M",
                           "--max-client-fds", std::to_string(kMaxFds),
                           "--max-frame",      std::to_string(kMaxFrame),
                           "--max-log-size",   std::to_string(kMaxLogSize)};
    return run_against_daemon(g_daemon, [&] { return Catch::Session().run(argc, argv); });
}
