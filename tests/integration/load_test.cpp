// Load test against a real bpffsd (issue 8): 256 concurrent clients
// (LOAD_CLIENTS) doing mixed map operations, pins and unpins for a fixed
// time (LOAD_SECONDS, 3 s by default) while 8 readers read pinned iterators
// through the FUSE mount as cat does: 4 a bpf_map_elem iterator over the
// map every client updates, 4 a bpf_map iterator over the maps the clients
// create and free (tests/progs iter_diff_{elem,maps}.bpf.o, from $ITER_OBJS).
// Passes when no operation fails beyond the errnos its inputs call for,
// every iterator read is complete and well-formed, and the run leaves no
// growth behind: the daemon's fds and its live maps, programs, links and
// BTF objects are what they were before (after a warm-up round). Its RSS is
// printed before and after, not judged: allocator caches (and ASan's
// quarantine) make small differences meaningless.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
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
constexpr int kReaders = 8;            // half on each iterator

// The pinned iterators the readers read (under the mount).
const char *const kElemIter = "/dt_shared_elems";
const char *const kMapsIter = "/dt_maps";

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

int report(int out_fd, char kind, const ClientTally &tally);

// One client process's work until the deadline; its tally goes to out_fd.
int client(int out_fd, std::chrono::steady_clock::time_point deadline, unsigned seed) {
    std::mt19937 rng(seed);
    ClientTally tally;
    Checker check(tally);
    std::string shared_path = g_daemon.mountpoint + "/dt_shared";
    int shared = bpffs_obj_get(shared_path.c_str());
    check("obj_get shared", shared);
    int own = bpffs_map_create(rng() % 2 ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_ARRAY, "dt_own", 4, 8,
                               64, nullptr);
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
                int fd = bpffs_map_create(BPF_MAP_TYPE_HASH, "dt_tmp", 4, 8, 8, nullptr);
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
    return report(out_fd, 'c', tally);
}

// One line per process on the round's pipe: kind ('c' client, 'r' reader),
// operations, failures.
int report(int out_fd, char kind, const ClientTally &tally) {
    char line[64];
    int n = snprintf(line, sizeof(line), "%c %ld %ld\n", kind, tally.ops, tally.failures);
    if (write(out_fd, line, n) != n) return 1;
    return tally.failures == 0 ? 0 : 1;
}

// The whole file at path read as cat reads it; errno on failure.
int read_whole(const std::string &path, std::string &out) {
    out.clear();
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) return errno;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            int err = errno;
            close(fd);
            return err;
        }
        if (n == 0) break;
        out.append(buf, size_t(n));
    }
    close(fd);
    return 0;
}

// iter_diff_elem over dt_shared: an optional session header, one line per
// element with consecutive seq_nums, then the final call, which sees the
// last element's seq_num (0 if there was none). Concurrent updates may make
// the walk skip or repeat keys (as in the kernel), never break this shape.
const char *elem_output_error(const std::string &text) {
    std::istringstream in(text);
    std::string line;
    unsigned long long seq = 0, s, session;
    unsigned key;
    unsigned long long value;
    char name[32];
    bool ended = false;
    while (std::getline(in, line)) {
        if (ended) return "lines after the end line";
        if (seq == 0 && sscanf(line.c_str(), "session %llu map %31s", &session, name) == 2) {
            if (std::string(name) != "dt_shared") return "header names another map";
        } else if (sscanf(line.c_str(), "seq %llu key %u value %llu", &s, &key, &value) == 3) {
            if (s != seq++) return "seq_num not consecutive";
            if (key >= kSharedKeys) return "a key no client wrote";
        } else if (sscanf(line.c_str(), "end seq_num=%llu", &s) == 1) {
            if (s != (seq == 0 ? 0 : seq - 1)) return "end seq_num is not the last element's";
            ended = true;
        } else {
            return "malformed line";
        }
    }
    return ended ? nullptr : "no end line";
}

// iter_diff_maps: the dt_* maps in increasing id order and "maps end" once.
// Maps with higher ids may follow it: as in the kernel, a read after the
// final call continues the id walk (and finds maps created meanwhile),
// but the final call does not run again.
const char *maps_output_error(const std::string &text) {
    std::istringstream in(text);
    std::string line;
    unsigned id, last_id = 0, type, key_size, value_size, entries;
    char name[32];
    bool ended = false, shared_seen = false;
    while (std::getline(in, line)) {
        if (line == "maps end") {
            if (ended) return "maps end twice";
            ended = true;
        } else if (sscanf(line.c_str(), "map id %u %31s type %u key %u value %u entries %u", &id,
                          name, &type, &key_size, &value_size, &entries) == 6) {
            if (id <= last_id) return "map ids not increasing";
            last_id = id;
            if ((type != BPF_MAP_TYPE_HASH && type != BPF_MAP_TYPE_ARRAY) || key_size != 4 ||
                value_size != 8)
                return "a map no client made";
            shared_seen |= std::string(name) == "dt_shared";
        } else {
            return "malformed line";
        }
    }
    if (!ended) return "no maps end line";
    return shared_seen ? nullptr : "dt_shared missing";
}

// A reader: reads its pinned iterator whole, again and again, until the
// deadline; a failed open or read, or an ill-formed output, is a failure.
int reader(int out_fd, std::chrono::steady_clock::time_point deadline, bool elem) {
    ClientTally tally;
    std::string path = g_daemon.mountpoint + (elem ? kElemIter : kMapsIter), text;
    while (std::chrono::steady_clock::now() < deadline) {
        ++tally.ops;
        int err = read_whole(path, text);
        const char *bad = err != 0 ? strerror(err)
                          : elem   ? elem_output_error(text)
                                   : maps_output_error(text);
        if (bad != nullptr && tally.failures++ < 3)
            fprintf(stderr, "reader %d of %s: %s; it read %zu bytes:\n%.400s\n", getpid(),
                    path.c_str(), bad, text.size(), text.c_str());
    }
    return report(out_fd, 'r', tally);
}

struct RoundResult {
    long ops = 0;
    long failures = 0;
    long reads = 0;
    long read_failures = 0;
    int bad_exits = 0;
};

RoundResult run_round(int clients, double seconds) {
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    std::vector<pid_t> pids;
    for (int i = 0; i < kReaders; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            close(pipe_fds[0]);
            _exit(reader(pipe_fds[1], deadline, i % 2 == 0));
        }
        pids.push_back(pid);
    }
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
    char kind;
    long ops, failures;
    while (fscanf(in, " %c %ld %ld", &kind, &ops, &failures) == 3) {
        (kind == 'r' ? r.reads : r.ops) += ops;
        (kind == 'r' ? r.read_failures : r.failures) += failures;
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

// Loads the first program of ITER_OBJS/iter_diff_<variant>.bpf.o, links it
// (to map_fd for bpf_map_elem) and pins the link at pin. Returns the
// link's fd; the program's and the object's fds are closed (the pin keeps them).
int pin_iterator(const char *variant, int map_fd, const std::string &pin) {
    const char *dir = getenv("ITER_OBJS");
    std::string path = std::string(dir ? dir : ".") + "/iter_diff_" + variant + ".bpf.o";
    bpffs_object *obj = bpffs_object__open_file(path.c_str(), nullptr);
    if (obj == nullptr) return -1;
    int link = -1;
    bpffs_program *prog = bpffs_object__next_program(obj, nullptr);
    if (bpffs_object__load(obj) == 0 && prog != nullptr) {
        union bpf_iter_link_info info = {};
        bpffs_link_create_opts opts = {};
        opts.sz = sizeof(opts);
        if (map_fd >= 0) {
            info.map.map_fd = uint32_t(map_fd);
            opts.iter_info = &info;
            opts.iter_info_len = sizeof(info);
        }
        link = bpffs_link_create(bpffs_program__fd(prog), 0, BPF_TRACE_ITER, &opts);
        if (link >= 0 && bpffs_obj_pin(link, pin.c_str()) != 0) {
            bpffs_close(link);
            link = -1;
        }
    }
    bpffs_object__close(obj);
    return link;
}

std::set<uint32_t> live_link_ids() {
    std::set<uint32_t> ids;
    for (uint32_t id = 0, next = 0; bpffs_link_get_next_id(id, &next) == 0; id = next)
        ids.insert(next);
    return ids;
}

// Every live daemon object, by kind.
struct ObjectCounts {
    size_t maps, progs, links, btfs;
    bool operator==(const ObjectCounts &) const = default;
};
ObjectCounts object_counts() {
    return {live_map_ids().size(), live_prog_ids().size(), live_link_ids().size(),
            live_btf_ids().size()};
}

}  // namespace

TEST_CASE("concurrent clients and iterator readers: no failed operation, no growth afterwards") {
    int clients = env_int("LOAD_CLIENTS", 256, 1, 256);
    int seconds = env_int("LOAD_SECONDS", 3, 1, 25);
    int shared = bpffs_map_create(BPF_MAP_TYPE_HASH, "dt_shared", 4, 8, 1024, nullptr);
    REQUIRE(shared >= 3);
    REQUIRE(bpffs_obj_pin(shared, (g_daemon.mountpoint + "/dt_shared").c_str()) == 0);
    // The readers' iterators: their programs, BTF and links stay pinned.
    int elem_link = pin_iterator("elem", shared, g_daemon.mountpoint + kElemIter);
    int maps_link = pin_iterator("maps", -1, g_daemon.mountpoint + kMapsIter);
    INFO("bpffs error: " << bpffs_last_error());
    REQUIRE(elem_link >= 0);
    REQUIRE(maps_link >= 0);
    bpffs_close(elem_link);
    bpffs_close(maps_link);
    // Held by the daemon itself (its preloaded iterators' maps) and by the
    // pinned iterators (their programs' .rodata), besides the pinned maps.
    std::set<uint32_t> held = live_map_ids();
    size_t pins = pinned_file_count(g_daemon.mountpoint);

    // Before any other client: the daemon's fds with one connection (ours).
    int fds_idle = process_fd_count(g_daemon.pid);

    // Warm-up: threads, allocator arenas and caches reach their working size.
    RoundResult warm = run_round(clients, 1.5);
    CHECK(warm.failures == 0);
    CHECK(warm.read_failures == 0);
    std::set<uint32_t> live, pinned;
    REQUIRE(wait_live_equals_pinned(g_daemon.mountpoint, held, live, pinned));
    // The daemon reaps ended connections at least once a second.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    int fds_before = process_fd_count(g_daemon.pid);
    long rss_before = process_rss_kib(g_daemon.pid);
    ObjectCounts before = object_counts();

    RoundResult r = run_round(clients, seconds);
    bool released = wait_live_equals_pinned(g_daemon.mountpoint, held, live, pinned);
    int fds_after = settled_fds(fds_before);
    long rss_after = process_rss_kib(g_daemon.pid);
    ObjectCounts after = object_counts();
    printf(
        "load: %d clients and %d iterator readers for %d s: %ld operations (%.0f/s), "
        "%ld failed; %ld iterator reads (%.0f/s), %ld failed; %d bad exits\n",
        clients, kReaders, seconds, r.ops, r.ops / double(seconds), r.failures, r.reads,
        r.reads / double(seconds), r.read_failures, r.bad_exits);
    printf("load: daemon fds %d (idle), %d -> %d; RSS %ld KiB -> %ld KiB\n", fds_idle, fds_before,
           fds_after, rss_before, rss_after);
    printf("load: live maps %zu -> %zu, programs %zu -> %zu, links %zu -> %zu, BTF %zu -> %zu\n",
           before.maps, after.maps, before.progs, after.progs, before.links, after.links,
           before.btfs, after.btfs);
    CHECK(r.ops > 0);
    CHECK(r.failures == 0);
    CHECK(r.reads >= kReaders);
    CHECK(r.read_failures == 0);
    CHECK(r.bad_exits == 0);
    CHECK(released);
    CHECK(after == before);
    CHECK(fds_after <= fds_before);
    // Ended connections give their sockets back without waiting for a new
    // client (they once lingered until the next accept).
    CHECK(fds_after <= fds_idle + 2);
    // Every client's pin was undone.
    CHECK(pinned_file_count(g_daemon.mountpoint) == pins);
}

int main(int argc, char **argv) {
    const char *objs = getenv("ITER_OBJS");
    if (objs == nullptr ||
        access((std::string(objs) + "/iter_diff_elem.bpf.o").c_str(), R_OK) != 0) {
        printf("SKIP: the iterator programs are not built (ITER_OBJS=%s; needs clang)\n",
               objs ? objs : "");
        return 77;
    }
    return run_against_daemon(g_daemon, [&] { return Catch::Session().run(argc, argv); });
}
