// Fault tests against a real bpffsd: clients SIGKILLed at random points of
// every command (inside libbpffs calls, between frames, in the middle of a
// frame), a pinned iterator removed while it is being read, the mount
// unmounted and mounted again, and the daemon itself SIGKILLed and
// restarted on the same mount point and socket.
//
// What must hold: the daemon keeps serving; a dead client's fds are
// released, so the maps, programs and BTF only it held are freed (live ids
// are exactly the pinned ones and the daemon's own); nothing pinned is lost;
// the daemon's own fds come back to where they were.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/wire/frame.h"
#include "core/wire/messages.h"
#include "core/wire/prog_messages.h"
#include "tests/integration/daemon_harness.h"
#include "tests/integration/fault_support.h"
#include "tools/libbpffs/bpffs.h"

using namespace bpffs;
using namespace bpffs::test;
using wire::Command;

namespace {

// A daemon of one test case, and libbpffs pointed at it meanwhile.
struct TestDaemon {
    DaemonProcess d;
    TestDaemon() {
        std::string error;
        if (!start_daemon(d, error)) FAIL("cannot start bpffsd: " << error);
        bpffs_disconnect();
        bpffs_set_socket(d.socket.c_str());
    }
    ~TestDaemon() {
        bpffs_disconnect();
        if (d.pid > 0) {
            int status = stop_daemon(d);
            CHECK(status == 0);
            if (status != 0) WARN("bpffsd log:\n" << read_file(d.log));
        }
        if (!is_mounted(d.mountpoint)) remove_daemon_files(d);
    }
    std::string path(const std::string &name) const { return d.mountpoint + "/" + name; }
};

int create_hash(const char *name, uint32_t max_entries = 64) {
    return bpffs_map_create(BPF_MAP_TYPE_HASH, name, 4, 8, max_entries, nullptr);
}

// ---- what the killed clients do ----

// Through libbpffs: creates maps, pins one, and runs random commands on
// them until it is killed.
[[noreturn]] void busy_library_client(const std::string &pin_path, const std::string &keep_path,
                                      unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<int> fds;
    for (int i = 0; i < 3; ++i) {
        int fd = create_hash("victim", 256);
        if (fd >= 0) fds.push_back(fd);
    }
    if (!fds.empty()) bpffs_obj_pin(fds[0], pin_path.c_str());
    // An fd on the pinned map dies with us too; read-only, so that its
    // contents stay what the test checks (writes through it fail with EPERM).
    struct bpffs_obj_get_opts ro {
        sizeof(ro), BPF_F_RDONLY
    };
    int kept = bpffs_obj_get_opts(keep_path.c_str(), &ro);
    if (kept >= 0) fds.push_back(kept);
    for (;;) {
        if (fds.empty()) _exit(3);
        int fd = fds[rng() % fds.size()];
        uint32_t key = rng() % 300, next;
        uint64_t value = rng();
        switch (rng() % 8) {
            case 0:
                bpffs_map_update_elem(fd, &key, &value, BPF_ANY);
                break;
            case 1:
                bpffs_map_lookup_elem(fd, &key, &value);
                break;
            case 2:
                bpffs_map_delete_elem(fd, &key);
                break;
            case 3:
                bpffs_map_get_next_key(fd, &key, &next);
                break;
            case 4: {
                uint32_t keys[32], count = 32;
                uint64_t values[32];
                for (uint32_t i = 0; i < count; ++i)
                    keys[i] = key + i, values[i] = i;
                bpffs_map_update_batch(fd, keys, values, &count, nullptr);
                break;
            }
            case 5: {
                int f = create_hash("extra");
                if (f >= 0 && fds.size() < 32) fds.push_back(f);
                break;
            }
            case 6: {
                int f = bpffs_obj_get(pin_path.c_str());
                if (f >= 0 && fds.size() < 32) fds.push_back(f);
                break;
            }
            default: {
                bpffs_fdinfo info{};
                bpffs_obj_get_fdinfo(fd, &info);
            }
        }
    }
}

// Ids of a live program and BTF object for the GET_FD_BY_ID commands (the
// daemon's own, so that the killed clients' fds hold them once more).
uint32_t g_prog_id = 1, g_btf_id = 1;

// A BTF blob with one type, `int`: what BTF_LOAD accepts.
wire::Bytes tiny_btf() {
    // Little-endian words: magic 0xeb9f, version 1, flags 0; hdr_len 24,
    // type_off 0, type_len 16, str_off 16, str_len 5; then the type: name
    // "int", BTF_KIND_INT, size 4, 32 bits; then the strings "\0int\0".
    const uint32_t words[] = {0x0001eb9f, 24, 0, 16, 16, 5, 1, 1u << 24, 4, 32};
    wire::Bytes b(sizeof(words) + 5, 0);
    std::memcpy(b.data(), words, sizeof(words));
    std::memcpy(b.data() + sizeof(words) + 1, "int", 3);
    return b;
}

wire::Bytes request_payload(Command c, const std::string &pin_path) {
    using namespace wire;
    switch (c) {
        case Command::prog_load: {
            ProgLoadRequest r;
            r.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
            r.name = "raw";
            r.license = "GPL";
            // r0 = 0; exit
            r.insns = {0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0};
            r.log_level = 1;
            r.log_size = 4096;
            return encode(r);
        }
        case Command::btf_load:
            return encode(BtfLoadRequest{tiny_btf(), 0, 0});
        case Command::prog_get_next_id:
        case Command::btf_get_next_id:
            return encode(GetNextIdRequest{0});
        case Command::prog_get_fd_by_id:
            return encode(GetFdByIdRequest{g_prog_id, 0});
        case Command::btf_get_fd_by_id:
            return encode(GetFdByIdRequest{g_btf_id, 0});
        case Command::map_create: {
            MapCreateRequest r;
            r.map_type = BPF_MAP_TYPE_HASH;
            r.key_size = 4;
            r.value_size = 8;
            r.max_entries = 16;
            r.name = "raw";
            return encode(r);
        }
        case Command::map_lookup_elem:
        case Command::map_lookup_and_delete_elem:
            return encode(MapLookupRequest{3, {1, 0, 0, 0}, 0});
        case Command::map_update_elem:
            return encode(MapUpdateRequest{3, {1, 0, 0, 0}, Bytes(8, 1), 0});
        case Command::map_delete_elem:
            return encode(MapDeleteRequest{3, {1, 0, 0, 0}});
        case Command::map_get_next_key:
            return encode(MapGetNextKeyRequest{3, std::nullopt});
        case Command::obj_pin:
            return encode(ObjPinRequest{3, pin_path, 0});
        case Command::obj_get:
            return encode(ObjGetRequest{pin_path, 0});
        case Command::map_get_next_id:
            return encode(GetNextIdRequest{0});
        case Command::map_get_fd_by_id:
            return encode(GetFdByIdRequest{1, 0});
        case Command::obj_get_info_by_fd:
            return encode(InfoRequest{3});
        case Command::map_freeze:
            return encode(MapFdRequest{3});
        case Command::map_lookup_batch:
        case Command::map_lookup_and_delete_batch: {
            MapBatchRequest r;
            r.fd = 3;
            r.count = 8;
            return encode(r);
        }
        case Command::map_update_batch: {
            MapBatchRequest r;
            r.fd = 3;
            r.keys = Bytes(8, 2);
            r.values = Bytes(16, 3);
            r.count = 2;
            return encode(r);
        }
        case Command::map_delete_batch: {
            MapBatchRequest r;
            r.fd = 3;
            r.keys = Bytes(4, 2);
            r.count = 1;
            return encode(r);
        }
        case Command::hello:
            return encode(HelloRequest{wire::kProtocolVersion, 022});
        case Command::close:
            return encode(CloseRequest{4});
        case Command::fdinfo:
            return encode(FdinfoRequest{3});
        default:  // commands newer than this test: an empty payload
            return {};
    }
}

// Every command the protocol names (kernel numbers, then bpffsd's own from
// 0x10000), so that commands added later are covered too (with an empty
// payload until request_payload learns them).
std::vector<Command> every_command() {
    std::vector<Command> all;
    for (uint32_t base : {0u, 0x10000u})
        for (uint32_t n = base; n < base + 64; ++n)
            if (wire::command_name(n) != nullptr) all.push_back(Command(n));
    return all;
}

// Over a raw socket: HELLO, a map (fd 3), then `command` cut at cut_at
// bytes of its frame (the whole frame when cut_at is past its end, then
// no reading of the reply); then it waits to be killed.
[[noreturn]] void raw_client(const std::string &socket, Command command, size_t cut_at,
                             const std::string &pin_path) {
    int fd = connect_unix(socket);
    if (fd < 0) _exit(2);
    uint32_t seq = 1;
    for (Command c : {Command::hello, Command::map_create}) {
        auto frame = wire::encode_request(uint32_t(c), seq++, request_payload(c, pin_path));
        if (send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) != ssize_t(frame.size())) _exit(3);
        wire::Bytes header(wire::kHeaderSize);
        if (recv(fd, header.data(), header.size(), MSG_WAITALL) != ssize_t(header.size())) _exit(4);
        wire::ReplyHeader h;
        wire::decode_header(header, h);
        wire::Bytes payload(h.payload_len);
        if (recv(fd, payload.data(), payload.size(), MSG_WAITALL) != ssize_t(payload.size()))
            _exit(5);
    }
    auto frame = wire::encode_request(uint32_t(command), seq, request_payload(command, pin_path));
    size_t n = std::min(cut_at, frame.size());
    if (send(fd, frame.data(), n, MSG_NOSIGNAL) != ssize_t(n)) _exit(6);
    for (;;)
        pause();
}

void kill_after(pid_t pid, std::chrono::microseconds delay) {
    std::this_thread::sleep_for(delay);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
}

// The objects alive before the test began: the daemon's own (its
// preloaded iterators' maps, programs and BTF).
struct LiveObjects {
    std::set<uint32_t> maps = live_map_ids();
    std::set<uint32_t> progs = live_prog_ids();
    std::set<uint32_t> btfs = live_btf_ids();
};

// Waits (up to 5 s) until the live programs and BTF objects are those of before.
bool wait_for_ids(std::set<uint32_t> (*live)(), const std::set<uint32_t> &want,
                  std::set<uint32_t> &got) {
    for (int i = 0; i < 100; ++i) {
        got = live();
        if (got == want) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

void check_everything_released(const TestDaemon &td, const LiveObjects &before, uint32_t keep_id,
                               int keep_fd, int baseline_fds) {
    std::set<uint32_t> live, pinned, held = before.maps;
    held.insert(keep_id);
    bool released = wait_live_equals_pinned(td.d.mountpoint, held, live, pinned);
    INFO("live maps " << live.size() << ", pinned maps " << pinned.size());
    CHECK(released);
    // Programs and BTF the dead clients loaded are gone too; nothing pins them.
    std::set<uint32_t> progs, btfs;
    CHECK(wait_for_ids(live_prog_ids, before.progs, progs));
    CHECK(progs.size() == before.progs.size());
    CHECK(wait_for_ids(live_btf_ids, before.btfs, btfs));
    CHECK(btfs.size() == before.btfs.size());
    CHECK(pinned.count(keep_id) == 1);
    // Every pin file opens (none is dangling) and pins its own map.
    CHECK(openable_pin_count(td.d.mountpoint) == pinned_file_count(td.d.mountpoint));
    // The pinned map lost nothing.
    for (uint32_t key = 0; key < 16; ++key) {
        uint64_t value = 0;
        REQUIRE(bpffs_map_lookup_elem(keep_fd, &key, &value) == 0);
        CHECK(value == key * 1000);
    }
    // The daemon's fds come back (connection sockets closed); a little slack
    // for FUSE's own.
    int fds = -1;
    for (int i = 0; i < 100; ++i) {
        fds = process_fd_count(td.d.pid);
        if (fds <= baseline_fds + 2) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    INFO("daemon fds before " << baseline_fds << ", after " << fds);
    CHECK(fds <= baseline_fds + 2);
    // And it still serves new clients.
    CHECK(in_child([] {
              int fd = create_hash("after");
              return fd >= 3 && bpffs_close(fd) == 0 ? 0 : 1;
          }) == 0);
}

// The pinned map every test keeps an eye on: 16 known elements.
int make_keep_map(const TestDaemon &td, uint32_t &id) {
    int fd = create_hash("keep");
    REQUIRE(fd >= 3);
    for (uint32_t key = 0; key < 16; ++key) {
        uint64_t value = key * 1000;
        REQUIRE(bpffs_map_update_elem(fd, &key, &value, BPF_ANY) == 0);
    }
    REQUIRE(bpffs_obj_pin(fd, td.path("keep").c_str()) == 0);
    bpffs_fdinfo info{};
    REQUIRE(bpffs_obj_get_fdinfo(fd, &info) == 0);
    id = info.id;
    return fd;
}

}  // namespace

TEST_CASE("clients killed in the middle of libbpffs calls leave nothing behind") {
    TestDaemon td;
    LiveObjects daemon_own;
    uint32_t keep_id = 0;
    int keep_fd = make_keep_map(td, keep_id);
    int baseline_fds = process_fd_count(td.d.pid);
    unsigned seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    for (int round = 0; round < 40; ++round) {
        std::string pin = td.path("c" + std::to_string(round));
        unsigned child_seed = rng();
        pid_t pid = fork();
        if (pid == 0) busy_library_client(pin, td.path("keep"), child_seed);
        kill_after(pid, std::chrono::microseconds(rng() % 40000));
    }
    check_everything_released(td, daemon_own, keep_id, keep_fd, baseline_fds);
}

TEST_CASE("clients killed at every point of every command's frame leave nothing behind") {
    TestDaemon td;
    LiveObjects daemon_own;
    if (!daemon_own.progs.empty()) g_prog_id = *daemon_own.progs.begin();
    if (!daemon_own.btfs.empty()) g_btf_id = *daemon_own.btfs.begin();
    uint32_t keep_id = 0;
    int keep_fd = make_keep_map(td, keep_id);
    int baseline_fds = process_fd_count(td.d.pid);
    std::mt19937 rng(7);
    int round = 0;
    std::vector<Command> commands = every_command();
    REQUIRE(commands.size() >= 26);
    for (Command c : commands) {
        std::string pin = td.path("raw" + std::to_string(round++));
        size_t frame_size = wire::kHeaderSize + request_payload(c, pin).size();
        // Inside the header, at its end, inside the payload, the whole frame.
        for (size_t cut : {size_t{7}, wire::kHeaderSize, wire::kHeaderSize + frame_size / 3,
                           frame_size - 1, frame_size + 1}) {
            INFO(wire::command_name(c) << " cut at " << cut << " of " << frame_size);
            pid_t pid = fork();
            if (pid == 0) raw_client(td.d.socket, c, cut, pin);
            // Sometimes right away, sometimes once the bytes are in.
            kill_after(pid, std::chrono::microseconds(rng() % 2 ? 0 : 20000));
        }
    }
    check_everything_released(td, daemon_own, keep_id, keep_fd, baseline_fds);
}

// Reads the whole file at path in small reads; "" and errno set on failure.
std::string read_in_small_steps(int fd, int &err) {
    std::string all;
    char buf[97];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            err = errno;
            return all;
        }
        if (n == 0) return all;
        all.append(buf, size_t(n));
    }
}

TEST_CASE("rm of an iterator while it is being read") {
    TestDaemon td;
    // Maps for maps.debug to list, so that a read takes many read() calls.
    std::vector<int> maps;
    for (int i = 0; i < 40; ++i) {
        int fd = create_hash(("m" + std::to_string(i)).c_str());
        REQUIRE(fd >= 3);
        maps.push_back(fd);
    }
    // The preloaded maps.debug is a pinned iterator link; its fd pins it
    // again under another name, which is removed and re-created below.
    int link = bpffs_obj_get(td.path("maps.debug").c_str());
    REQUIRE(link >= 3);
    std::string expected;
    {
        int fd = open(td.path("maps.debug").c_str(), O_RDONLY);
        REQUIRE(fd >= 0);
        int err = 0;
        expected = read_in_small_steps(fd, err);
        close(fd);
        REQUIRE(err == 0);
        REQUIRE(expected.size() > 40 * 20);
    }

    SECTION("one reader: the open file reads to its end after the rm") {
        std::string it = td.path("it");
        REQUIRE(bpffs_obj_pin(link, it.c_str()) == 0);
        int fd = open(it.c_str(), O_RDONLY);
        REQUIRE(fd >= 0);
        char first[50];
        REQUIRE(read(fd, first, sizeof(first)) == ssize_t(sizeof(first)));
        REQUIRE(unlink(it.c_str()) == 0);
        CHECK(access(it.c_str(), F_OK) != 0);
        int err = 0;
        std::string rest = read_in_small_steps(fd, err);
        close(fd);
        CHECK(err == 0);
        CHECK(std::string(first, sizeof(first)) + rest == expected);
    }

    SECTION("readers racing with rm and pin") {
        std::string it = td.path("it");
        std::atomic<bool> stop{false};
        std::atomic<int> complete{0}, failures{0};
        std::vector<std::thread> readers;
        for (int r = 0; r < 4; ++r)
            readers.emplace_back([&] {
                while (!stop) {
                    int fd = open(it.c_str(), O_RDONLY);
                    if (fd < 0) {
                        if (errno != ENOENT) failures++;
                        continue;
                    }
                    int err = 0;
                    std::string got = read_in_small_steps(fd, err);
                    close(fd);
                    if (err != 0 || got != expected)
                        failures++;
                    else
                        complete++;
                }
            });
        for (int round = 0; round < 150; ++round) {
            REQUIRE(bpffs_obj_pin(link, it.c_str()) == 0);
            std::this_thread::sleep_for(std::chrono::microseconds(round % 7 * 300));
            REQUIRE(unlink(it.c_str()) == 0);
        }
        stop = true;
        for (auto &t : readers)
            t.join();
        INFO(complete << " complete reads");
        CHECK(failures == 0);
        CHECK(complete > 0);
    }
    // The link lives on (our fd, the root's pin) and still reads.
    int fd = open(td.path("maps.debug").c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    int err = 0;
    CHECK(read_in_small_steps(fd, err) == expected);
    close(fd);
    bpffs_close(link);
    for (int m : maps)
        bpffs_close(m);
}

TEST_CASE("unmounted from outside, the daemon can be started again on the same paths") {
    TestDaemon td;
    int fd = create_hash("before");
    REQUIRE(fd >= 3);
    REQUIRE(bpffs_obj_pin(fd, td.path("before").c_str()) == 0);
    bpffs_disconnect();
    REQUIRE(umount2(td.d.mountpoint.c_str(), 0) == 0);
    int status = -1;
    for (int i = 0; i < 200 && waitpid(td.d.pid, &status, WNOHANG) != td.d.pid; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    td.d.pid = -1;
    std::string error;
    REQUIRE(start_daemon(td.d, error));
    // The pins lived in the old daemon's memory: the new mount starts empty
    // and fully works.
    CHECK(access(td.path("before").c_str(), F_OK) != 0);
    fd = create_hash("after");
    REQUIRE(fd >= 3);
    REQUIRE(bpffs_obj_pin(fd, td.path("after").c_str()) == 0);
    struct stat st;
    CHECK(stat(td.path("after").c_str(), &st) == 0);
}

TEST_CASE("a SIGKILLed daemon is replaced on the same mount point and socket") {
    TestDaemon td;
    int fd = create_hash("doomed");
    REQUIRE(fd >= 3);
    REQUIRE(bpffs_obj_pin(fd, td.path("doomed").c_str()) == 0);
    kill(td.d.pid, SIGKILL);
    int status;
    waitpid(td.d.pid, &status, 0);
    td.d.pid = -1;
    bpffs_disconnect();
    // What a killed daemon leaves: a dead FUSE mount and its socket file.
    struct stat st;
    CHECK(stat(td.d.mountpoint.c_str(), &st) != 0);
    CHECK(errno == ENOTCONN);
    CHECK(is_mounted(td.d.mountpoint));
    CHECK(access(td.d.socket.c_str(), F_OK) == 0);
    CHECK_FALSE(socket_answers(td.d.socket));

    std::string error;
    REQUIRE(start_daemon(td.d, error));
    // start_daemon returns once the socket answers, which bpffsd opens before
    // it mounts: the stale mount is taken away and the new one put in place
    // an instant later. In between, stat succeeds on the bare directory, so
    // wait for a live FUSE mount instead.
    constexpr long kFuseSuperMagic = 0x65735546;
    bool mounted = false;
    for (int i = 0; i < 100 && !mounted; ++i) {
        struct statfs sfs;
        mounted = statfs(td.d.mountpoint.c_str(), &sfs) == 0 && sfs.f_type == kFuseSuperMagic;
        if (!mounted) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(mounted);
    CHECK(read_file(td.d.log).find("stale") != std::string::npos);
    fd = create_hash("reborn");
    REQUIRE(fd >= 3);
    REQUIRE(bpffs_obj_pin(fd, td.path("reborn").c_str()) == 0);
    CHECK(stat(td.path("reborn").c_str(), &st) == 0);
    CHECK(access(td.path("doomed").c_str(), F_OK) != 0);
}

int main(int argc, char **argv) {
    std::string why = skip_reason();
    if (!why.empty()) {
        printf("SKIP: %s\n", why.c_str());
        return 77;
    }
    signal(SIGPIPE, SIG_IGN);
    return Catch::Session().run(argc, argv) == 0 ? 0 : 1;
}
