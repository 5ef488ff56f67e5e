// map_bench: one benchmark source built twice, against the kernel through
// libbpf (bench_kernel) and against bpffsd through libbpffs (bench_bpffsd);
// tests/bench/compare.sh runs both and prints the table. Prints figures,
// asserts nothing (a failed call ends the run with a message: a benchmark
// of calls that fail would measure nothing).
//
//   bench_X maps   [--entries N] [--singles N]   workload 2: map operations
//   bench_X pins   --dir DIR [--count N]         workload 3: pin tree
//   bench_X memory [--entries N] [--daemon-pid P] workload 5: memory
//   bench_X fill   --path P [--type hash|array] [--entries N]
//                  a full map of u32 keys and u64 values pinned at P
//   bench_X cat    --path P --name NAME           workload 1: cat P
//   bench_X open_read --path P --name NAME [--count N]
//                  workload 4: open, read, close of P
//
// Output: one line per figure, "RESULT <name> <value> <unit>".
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tests/bench/bench_api.h"

extern char **environ;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void die(const char *what, int rc) {
    int err = rc < 0 ? -rc : errno;
    fprintf(stderr, "%s (%s): %s: %s\n", kBenchSide, what, strerror(err),
#ifdef BENCH_KERNEL
            ""
#else
            bpffs_last_error()
#endif
    );
    exit(1);
}

void check(int rc, const char *what) {
    if (rc < 0) die(what, rc);
}

void result(const std::string &name, double value, const char *unit) {
    printf("RESULT %s %.6g %s\n", name.c_str(), value, unit);
    fflush(stdout);
}

struct Options {
    uint32_t entries = 1000000;
    uint32_t singles = 100000;
    uint32_t count = 10000;
    std::string dir;
    std::string path;  // fill: where to pin; cat, open_read: what to read
    std::string type = "hash";
    std::string name;  // the figure's name (cat, open_read)
    long daemon_pid = 0;
};

int create_hash(uint32_t entries) {
    int fd = BENCH_API(map_create)(BPF_MAP_TYPE_HASH, "bench", 4, 8, entries, nullptr);
    check(fd, "map_create");
    return fd;
}

std::vector<uint32_t> iota_keys(uint32_t n) {
    std::vector<uint32_t> keys(n);
    for (uint32_t i = 0; i < n; i++)
        keys[i] = i;
    return keys;
}

std::vector<uint64_t> values_for(const std::vector<uint32_t> &keys) {
    std::vector<uint64_t> values(keys.size());
    for (size_t i = 0; i < keys.size(); i++)
        values[i] = uint64_t{keys[i]} * 3 + 1;
    return values;
}

void fill(int fd, const std::vector<uint32_t> &keys, const std::vector<uint64_t> &values,
          uint32_t chunk) {
    auto opts = bench_batch_opts();
    for (size_t off = 0; off < keys.size(); off += chunk) {
        uint32_t count = static_cast<uint32_t>(std::min<size_t>(chunk, keys.size() - off));
        check(BENCH_API(map_update_batch)(fd, &keys[off], &values[off], &count, &opts),
              "map_update_batch");
    }
}

// Workload 2: per-element cost of batched update (inserting), lookup (a
// full walk) and delete, for each batch size, then of single operations.
void bench_maps(const Options &o) {
    auto keys = iota_keys(o.entries);
    auto values = values_for(keys);
    for (uint32_t chunk : {64u, 1024u, 16384u}) {
        std::string suffix = "batch" + std::to_string(chunk);
        int fd = create_hash(o.entries);
        auto start = Clock::now();
        fill(fd, keys, values, chunk);
        result("map.update." + suffix, seconds_since(start) * 1e9 / o.entries, "ns/elem");

        std::vector<uint32_t> out_keys(chunk);
        std::vector<uint64_t> out_values(chunk);
        auto opts = bench_batch_opts();
        uint32_t cursor = 0, walked = 0;
        bool first = true;
        start = Clock::now();
        for (;;) {
            uint32_t count = chunk;
            int rc = BENCH_API(map_lookup_batch)(fd, first ? nullptr : &cursor, &cursor,
                                                 out_keys.data(), out_values.data(), &count, &opts);
            walked += count;
            if (rc < 0 && errno == ENOENT) break;
            check(rc, "map_lookup_batch");
            first = false;
        }
        double elapsed = seconds_since(start);
        if (walked != o.entries) {
            fprintf(stderr, "%s: lookup_batch walked %u of %u elements\n", kBenchSide, walked,
                    o.entries);
            exit(1);
        }
        result("map.lookup." + suffix, elapsed * 1e9 / o.entries, "ns/elem");

        start = Clock::now();
        for (size_t off = 0; off < keys.size(); off += chunk) {
            uint32_t count = static_cast<uint32_t>(std::min<size_t>(chunk, keys.size() - off));
            check(BENCH_API(map_delete_batch)(fd, &keys[off], &count, &opts), "map_delete_batch");
        }
        result("map.delete." + suffix, seconds_since(start) * 1e9 / o.entries, "ns/elem");
        bench_close(fd);
    }

    // Single operations on a full map, over a random sample of keys.
    int fd = create_hash(o.entries);
    fill(fd, keys, values, 16384);
    std::mt19937 rng(42);
    std::vector<uint32_t> sample(o.singles);
    for (auto &k : sample)
        k = rng() % o.entries;
    uint64_t value = 0;

    auto start = Clock::now();
    for (uint32_t k : sample)
        check(BENCH_API(map_lookup_elem)(fd, &k, &value), "map_lookup_elem");
    result("map.lookup.single", seconds_since(start) * 1e9 / o.singles, "ns/op");

    start = Clock::now();
    for (uint32_t k : sample) {
        value = k;
        check(BENCH_API(map_update_elem)(fd, &k, &value, BPF_EXIST), "map_update_elem");
    }
    result("map.update.single", seconds_since(start) * 1e9 / o.singles, "ns/op");

    uint32_t key = 0, next = 0;
    start = Clock::now();
    check(BENCH_API(map_get_next_key)(fd, nullptr, &key), "map_get_next_key");
    for (uint32_t i = 1; i < o.singles; i++) {
        check(BENCH_API(map_get_next_key)(fd, &key, &next), "map_get_next_key");
        key = next;
    }
    result("map.get_next_key.single", seconds_since(start) * 1e9 / o.singles, "ns/op");

    // The same lookups and updates as streams: libbpffs keeps many requests
    // in flight (bpffs_map_ops); the kernel does one call after another.
    constexpr uint32_t kStream = 1024;
    std::vector<uint64_t> stream_values(o.singles);
    std::vector<bench_map_op> ops(kStream);
    for (uint32_t cmd : {uint32_t{BPF_MAP_LOOKUP_ELEM}, uint32_t{BPF_MAP_UPDATE_ELEM}}) {
        start = Clock::now();
        for (uint32_t off = 0; off < o.singles; off += kStream) {
            uint32_t count = std::min(kStream, o.singles - off);
            for (uint32_t i = 0; i < count; i++) {
                ops[i] = bench_map_op{};
                ops[i].cmd = cmd;
                ops[i].fd = fd;
                ops[i].key = &sample[off + i];
                ops[i].value = &stream_values[off + i];
                ops[i].flags = cmd == BPF_MAP_UPDATE_ELEM ? BPF_EXIST : 0;
            }
            check(bench_map_ops(ops.data(), count), "map_ops");
        }
        result(cmd == BPF_MAP_LOOKUP_ELEM ? "map.lookup.pipelined" : "map.update.pipelined",
               seconds_since(start) * 1e9 / o.singles, "ns/op");
    }

    // Distinct keys, so every delete finds its element.
    std::shuffle(keys.begin(), keys.end(), rng);
    start = Clock::now();
    for (uint32_t i = 0; i < o.singles; i++)
        check(BENCH_API(map_delete_elem)(fd, &keys[i]), "map_delete_elem");
    result("map.delete.single", seconds_since(start) * 1e9 / o.singles, "ns/op");
    bench_close(fd);
}

// Runs a command line with its output thrown away and returns its seconds.
double timed_run(std::vector<std::string> argv) {
    std::vector<char *> args;
    for (auto &a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    auto start = Clock::now();
    pid_t pid;
    if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0)
        die("posix_spawn", -errno);
    int status = 0;
    waitpid(pid, &status, 0);
    double elapsed = seconds_since(start);
    posix_spawn_file_actions_destroy(&actions);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: %s failed\n", kBenchSide, argv[0].c_str());
        exit(1);
    }
    return elapsed;
}

// Workload 3: one map pinned at N paths of one directory; OBJ_GET and stat
// of each; `ls -l` of the directory the first time (cold) and again (warm);
// unlink of each.
void bench_pins(const Options &o) {
    if (o.dir.empty()) {
        fprintf(stderr, "pins needs --dir DIR (an empty directory on the mount)\n");
        exit(2);
    }
    int fd = BENCH_API(map_create)(BPF_MAP_TYPE_ARRAY, "pinned", 4, 8, 1, nullptr);
    check(fd, "map_create");
    std::vector<std::string> paths(o.count);
    for (uint32_t i = 0; i < o.count; i++)
        paths[i] = o.dir + "/pin" + std::to_string(i);

    auto start = Clock::now();
    for (auto &p : paths)
        check(BENCH_API(obj_pin)(fd, p.c_str()), "obj_pin");
    result("pin.pin", seconds_since(start) * 1e9 / o.count, "ns/op");

    result("pin.ls_l_cold", timed_run({"ls", "-l", "--color=never", o.dir}) * 1e3, "ms");
    result("pin.ls_l_warm", timed_run({"ls", "-l", "--color=never", o.dir}) * 1e3, "ms");

    start = Clock::now();
    for (auto &p : paths) {
        int got = BENCH_API(obj_get)(p.c_str());
        check(got, "obj_get");
        bench_close(got);
    }
    result("pin.obj_get", seconds_since(start) * 1e9 / o.count, "ns/op");

    struct stat st;
    start = Clock::now();
    for (auto &p : paths)
        check(stat(p.c_str(), &st), "stat");
    result("pin.stat", seconds_since(start) * 1e9 / o.count, "ns/op");

    start = Clock::now();
    for (auto &p : paths)
        check(unlink(p.c_str()), "unlink");
    result("pin.unlink", seconds_since(start) * 1e9 / o.count, "ns/op");
    bench_close(fd);
}

long rss_kib(long pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return strtol(line.c_str() + 6, nullptr, 10);
    fprintf(stderr, "no VmRSS for pid %ld\n", pid);
    exit(1);
}

uint64_t memlock_of(int fd) {
#ifdef BENCH_KERNEL
    std::ifstream info("/proc/self/fdinfo/" + std::to_string(fd));
    std::string line;
    while (std::getline(info, line))
        if (line.rfind("memlock:", 0) == 0) return strtoull(line.c_str() + 8, nullptr, 10);
    fprintf(stderr, "no memlock in fdinfo of fd %d\n", fd);
    exit(1);
#else
    bpffs_fdinfo info{};
    check(bpffs_obj_get_fdinfo(fd, &info), "obj_get_fdinfo");
    return info.memlock;
#endif
}

// Workload 5: a full hash map's cost in memory: the kernel's memlock
// figure, and for bpffsd also the daemon's RSS growth (the real cost).
void bench_memory(const Options &o) {
    long before = o.daemon_pid > 0 ? rss_kib(o.daemon_pid) : 0;
    int fd = create_hash(o.entries);
    auto keys = iota_keys(o.entries);
    fill(fd, keys, values_for(keys), 16384);
    result("memory.memlock", static_cast<double>(memlock_of(fd)) / (1 << 20), "MiB");
    if (o.daemon_pid > 0)
        result("memory.rss_growth", static_cast<double>(rss_kib(o.daemon_pid) - before) / 1024,
               "MiB");
    bench_close(fd);
}

// For the iterator workloads: a map of __u32 keys and __u64 values, full,
// pinned at path.
void fill_pinned(const Options &o) {
    const bool array = o.type == "array";
    int fd = BENCH_API(map_create)(array ? BPF_MAP_TYPE_ARRAY : BPF_MAP_TYPE_HASH, "iterbench", 4,
                                   8, o.entries, nullptr);
    check(fd, "map_create");
    auto keys = iota_keys(o.entries);
    fill(fd, keys, values_for(keys), 16384);
    check(BENCH_API(obj_pin)(fd, o.path.c_str()), "obj_pin");
    bench_close(fd);
}

// Workload 1: `cat` of a pinned iterator, output thrown away.
void bench_cat(const Options &o) {
    result(o.name, timed_run({"cat", o.path}) * 1e3, "ms");
}

// Workload 4: open, read to the end, close of a small pinned iterator.
void bench_open_read(const Options &o) {
    char buf[4096];
    auto start = Clock::now();
    for (uint32_t i = 0; i < o.count; i++) {
        int fd = open(o.path.c_str(), O_RDONLY);
        check(fd, "open");
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0) {
        }
        check(static_cast<int>(n), "read");
        close(fd);
    }
    result(o.name, seconds_since(start) * 1e6 / o.count, "us/op");
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr,
                "usage: %s maps|pins|memory|fill|cat|open_read [--entries N] [--singles N] "
                "[--count N] [--dir DIR] [--daemon-pid PID] [--path P] [--type hash|array] "
                "[--name NAME]\n",
                argv[0]);
        return 2;
    }
    std::string workload = argv[1];
    Options o;
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        const char *v = argv[i + 1];
        if (flag == "--entries")
            o.entries = static_cast<uint32_t>(strtoul(v, nullptr, 10));
        else if (flag == "--singles")
            o.singles = static_cast<uint32_t>(strtoul(v, nullptr, 10));
        else if (flag == "--count")
            o.count = static_cast<uint32_t>(strtoul(v, nullptr, 10));
        else if (flag == "--dir")
            o.dir = v;
        else if (flag == "--daemon-pid")
            o.daemon_pid = strtol(v, nullptr, 10);
        else if (flag == "--path")
            o.path = v;
        else if (flag == "--type")
            o.type = v;
        else if (flag == "--name")
            o.name = v;
        else {
            fprintf(stderr, "unknown option %s\n", flag.c_str());
            return 2;
        }
    }
    if (o.singles > o.entries) o.singles = o.entries;
    if (workload == "maps")
        bench_maps(o);
    else if (workload == "pins")
        bench_pins(o);
    else if (workload == "memory")
        bench_memory(o);
    else if (workload == "fill")
        fill_pinned(o);
    else if (workload == "cat")
        bench_cat(o);
    else if (workload == "open_read")
        bench_open_read(o);
    else {
        fprintf(stderr, "unknown workload %s\n", workload.c_str());
        return 2;
    }
    return 0;
}
