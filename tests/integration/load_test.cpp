// Load test against a real bpffsd: many concurrent clients (64 by default,
// LOAD_CLIENTS up to 256) doing mixed map operations, pins and unpins for a
// fixed time (LOAD_SECONDS, 8 s by default). Passes when no operation fails
// beyond the errnos its inputs call for, and when the run leaves no growth
// behind: the daemon's fds and live maps are what they were before (after a
// warm-up round). Its RSS is printed before and after, not judged: allocator
// caches (and ASan's quarantine) make small differences meaningless.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_harness.h"
#include "tests/integration/fault_support.h"
#include "tools/libbpffs/bpffs.h"

using namespace bpffs;
using namespace bpffs::test;

namespace {

DaemonProcess g_daemon;

constexpr uint32_t kSharedKeys = 512;  // below the shared map's max_entries: never full

struct ClientTally {
    long ops = 0;
    long failures = 0;
};

// Counts op as a failure unless rc is 0 or one of the allowed errnos.
class Checker {
  public:
    explicit Checker(ClientTally &t) : t_(t) {}
    void operator()(const char *op, int rc, std::initializer_list<int> allowed = {}) {
        ++t_.ops;
        if (rc >= 0) return;
        for (int e : allowed)
            if (rc == -e) return;
        if (t_.failures++ < 3)
            fprintf(stderr, "client %d: %s failed with %d: %s\n", getpid(), op, rc,
                    bpffs_last_error());
    }

  private:
    ClientTally &t_;
};

// One client process's work until the deadline; its tally goes to out_fd.
int client(int out_fd, std::chrono::steady_clock::time_point deadline, unsigned seed) {
    std::mt19937 rng(seed);
    ClientTally tally;
    Checker check(tally);
    std::string shared_path = g_daemon.mountpoint + "/shared";
    int shared = bpffs_obj_get(shared_path.c_str());
    check("obj_get shared", shared);
    int own = bpffs_map_create(rng() % 2 ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_ARRAY, "own", 4, 8, 64,
                               nullptr);
    check("map_create own", own);
    if (shared < 0 || own < 0) return 1;
    std::string pin = g_daemon.mountpoint + "/p" + std::to_string(getpid());
    while (std::chrono::steady_clock::now() < deadline) {
        uint32_t key = rng() % kSharedKeys, next;
        uint64_t value = rng();
        switch (rng() % 9) {
            case 0:
                check("update shared", bpffs_map_update_elem(shared, &key, &value, BPF_ANY));
                break;
            case 1:
                check("lookup shared", bpffs_map_lookup_elem(shared, &key, &value), {ENOENT});
                break;
            case 2:
                check("delete shared", bpffs_map_delete_elem(shared, &key), {ENOENT});
                break;
            case 3:
                check("next key shared", bpffs_map_get_next_key(shared, &key, &next), {ENOENT});
                break;
            case 4: {
                uint32_t own_key = key % 64;
                check("update own", bpffs_map_update_elem(own, &own_key, &value, BPF_ANY));
                check("lookup own", bpffs_map_lookup_elem(own, &own_key, &value));
                break;
            }
            case 5: {
                uint32_t keys[16], count = 16;
                uint64_t values[16];
                for (uint32_t i = 0; i < 16; ++i)
                    keys[i] = (key + i) % 64, values[i] = i;
                check("update batch own",
                      bpffs_map_update_batch(own, keys, values, &count, nullptr));
                break;
            }
            case 6: {  // pin, get back through the pin, unpin (unlink on the mount)
                check("pin own", bpffs_obj_pin(own, pin.c_str()));
                int fd = bpffs_obj_get(pin.c_str());
                check("obj_get own pin", fd);
                if (fd >= 0) check("close", bpffs_close(fd));
                check("unpin own", unlink(pin.c_str()) == 0 ? 0 : -errno);
                break;
            }
            case 7: {  // a short-lived map
                int fd = bpffs_map_create(BPF_MAP_TYPE_HASH, "tmp", 4, 8, 8, nullptr);
                check("map_create tmp", fd);
                if (fd >= 0) check("close tmp", bpffs_close(fd));
                break;
            }
            default: {
                bpffs_fdinfo info{};
                check("fdinfo", bpffs_obj_get_fdinfo(shared, &info));
            }
        }
    }
    char line[64];
    int n = snprintf(line, sizeof(line), "%ld %ld\n", tally.ops, tally.failures);
    if (write(out_fd, line, n) != n) return 1;
    return tally.failures == 0 ? 0 : 1;
}

struct RoundResult {
    long ops = 0;
    long failures = 0;
    int bad_exits = 0;
};

RoundResult run_round(int clients, double seconds) {
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    std::vector<pid_t> pids;
    for (int i = 0; i < clients; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            close(pipe_fds[0]);
            _exit(client(pipe_fds[1], deadline, 1000u + static_cast<unsigned>(i)));
        }
        pids.push_back(pid);
    }
    close(pipe_fds[1]);
    RoundResult r;
    FILE *in = fdopen(pipe_fds[0], "r");
    long ops, failures;
    while (fscanf(in, "%ld %ld", &ops, &failures) == 2) {
        r.ops += ops;
        r.failures += failures;
    }
    fclose(in);
    for (pid_t pid : pids) {
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++r.bad_exits;
    }
    return r;
}

int env_int(const char *name, int fallback, int lo, int hi) {
    const char *v = getenv(name);
    int n = v ? atoi(v) : fallback;
    return n < lo ? lo : n > hi ? hi : n;
}

// The daemon's fds once dead connections are released.
int settled_fds(int at_most) {
    int fds = -1;
    for (int i = 0; i < 100; ++i) {
        fds = process_fd_count(g_daemon.pid);
        if (fds <= at_most) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return fds;
}

}  // namespace

TEST_CASE("concurrent clients: no failed operation and no growth afterwards") {
    int clients = env_int("LOAD_CLIENTS", 64, 1, 256);
    int seconds = env_int("LOAD_SECONDS", 8, 1, 25);
    // What the daemon holds itself (its preloaded iterators' maps and pins).
    std::set<uint32_t> daemon_own = live_map_ids();
    size_t daemon_pins = pinned_file_count(g_daemon.mountpoint);
    int shared = bpffs_map_create(BPF_MAP_TYPE_HASH, "shared", 4, 8, 1024, nullptr);
    REQUIRE(shared >= 3);
    REQUIRE(bpffs_obj_pin(shared, (g_daemon.mountpoint + "/shared").c_str()) == 0);

    // Before any other client: the daemon's fds with one connection (ours).
    int fds_idle = process_fd_count(g_daemon.pid);

    // Warm-up: threads, allocator arenas and caches reach their working size.
    RoundResult warm = run_round(clients, 1.5);
    CHECK(warm.failures == 0);
    std::set<uint32_t> live, pinned;
    REQUIRE(wait_live_equals_pinned(g_daemon.mountpoint, daemon_own, live, pinned));
    size_t maps_before = live.size();
    // The daemon reaps ended connections at least once a second.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    int fds_before = process_fd_count(g_daemon.pid);
    long rss_before = process_rss_kib(g_daemon.pid);

    RoundResult r = run_round(clients, seconds);
    bool released = wait_live_equals_pinned(g_daemon.mountpoint, daemon_own, live, pinned);
    int fds_after = settled_fds(fds_before);
    long rss_after = process_rss_kib(g_daemon.pid);
    printf("load: %d clients for %d s: %ld operations (%.0f/s), %ld failed, %d bad exits\n",
           clients, seconds, r.ops, r.ops / double(seconds), r.failures, r.bad_exits);
    printf("load: daemon fds %d (idle), %d -> %d, live maps %zu -> %zu, RSS %ld KiB -> %ld KiB\n",
           fds_idle, fds_before, fds_after, maps_before, live.size(), rss_before, rss_after);
    CHECK(r.ops > 0);
    CHECK(r.failures == 0);
    CHECK(r.bad_exits == 0);
    CHECK(released);
    CHECK(live.size() == maps_before);
    CHECK(fds_after <= fds_before);
    // Ended connections give their sockets back without waiting for a new
    // client (they once lingered until the next accept).
    CHECK(fds_after <= fds_idle + 2);
    // Only "shared" was added: every client's pin was undone.
    CHECK(pinned_file_count(g_daemon.mountpoint) == daemon_pins + 1);
}

int main(int argc, char **argv) {
    std::string why = skip_reason();
    if (!why.empty()) {
        printf("SKIP: %s\n", why.c_str());
        return 77;
    }
    std::string error;
    if (!start_daemon(g_daemon, error)) {
        fprintf(stderr, "cannot start bpffsd: %s\n", error.c_str());
        return 1;
    }
    bpffs_set_socket(g_daemon.socket.c_str());
    int failed = Catch::Session().run(argc, argv);
    bpffs_disconnect();
    int exit_status = stop_daemon(g_daemon);
    if (exit_status != 0 || failed != 0) {
        fprintf(stderr, "bpffsd exit %d; its log: %s\n", exit_status, g_daemon.log.c_str());
        return 1;
    }
    remove_daemon_files(g_daemon);
    return 0;
}
