// Differential test: the same iterator behaviour read with the same
// sequence of read sizes from the kernel (a bpf_map_elem iterator pinned by
// bpftool on a private `mount -t bpf`) and from bpffsd's engine (a
// synthetic target running the same logic in C++) must give the same read
// results and the same bytes. Skips (exit 77) without root, bpftool, the
// BPF objects or a kernel that lets us mount bpffs and load programs.
#define CATCH_CONFIG_RUNNER
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/unit/iter/synthetic_target.h"

#ifndef ITER_BPF_DIR
#error "ITER_BPF_DIR must name the directory of the compiled seq_read_kernel_*.bpf.o"
#endif

using namespace bpffs;

namespace {

std::string g_mount;  // our private bpffs

// What the compiled program does (see seq_read_kernel.bpf.c).
struct Behaviour {
    size_t obj_bytes = 0;
    size_t final_bytes = 0;
    uint64_t retry_key = 0xffffffff;
    uint64_t every = 0;
};

struct Scenario {
    const char *variant;   // seq_read_kernel_<variant>.bpf.o
    const char *map_type;  // "array" or "hash" (hash maps stay empty)
    uint32_t entries;
    std::vector<size_t> sizes;  // read sizes; the last one repeats
    Behaviour behaviour;
};

struct Trace {
    std::vector<long> results;  // bytes, or minus the errno
    std::string bytes;
};

// Reads until a non-empty read returns 0, three reads failed, or a
// (generous) bound is hit.
template <class ReadFn>
Trace replay(ReadFn read_fn, const std::vector<size_t> &sizes) {
    Trace t;
    std::vector<char> buf(*std::max_element(sizes.begin(), sizes.end()) + 1);
    int errors = 0;
    for (size_t i = 0; i < 200000; ++i) {
        size_t size = sizes[std::min(i, sizes.size() - 1)];
        long r = read_fn(buf.data(), size);
        t.results.push_back(r);
        if (r < 0) {
            if (++errors == 3) break;
            continue;
        }
        t.bytes.append(buf.data(), static_cast<size_t>(r));
        if (r == 0 && size > 0) break;
    }
    return t;
}

bool run(const std::string &command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

std::string object_path(const char *variant) {
    return std::string(ITER_BPF_DIR) + "/seq_read_kernel_" + variant + ".bpf.o";
}

Trace kernel_trace(const Scenario &s) {
    std::string map = g_mount + "/m", it = g_mount + "/it";
    Trace t;
    bool made = run("bpftool map create " + map + " type " + s.map_type +
                    " key 4 value 8 entries " + std::to_string(s.entries) + " name m") &&
                run("bpftool iter pin " + object_path(s.variant) + " " + it + " map pinned " + map);
    if (made) {
        int fd = ::open(it.c_str(), O_RDONLY);
        if (fd >= 0) {
            t = replay(
                [fd](char *buf, size_t size) -> long {
                    ssize_t r = ::read(fd, buf, size);
                    return r < 0 ? -errno : r;
                },
                s.sizes);
            ::close(fd);
        }
    }
    ::unlink(it.c_str());
    ::unlink(map.c_str());
    return t;
}

synth::Program::Body mirror(Behaviour b) {
    return [b](const synth::Ctx &c) -> uint64_t {
        SeqFile &seq = *c.meta->seq;
        if (c.key == nullptr) {
            if (b.final_bytes != 0)
                synth::write_bytes(c, std::min<size_t>(b.final_bytes, 40000), '\0');
            else
                seq.printf("END seq_num=%010llu\n", (unsigned long long)c.meta->seq_num);
            return 0;
        }
        if (b.every != 0 && *c.key % b.every != 0) return 0;
        if (b.obj_bytes != 0)
            synth::write_bytes(c, std::min<size_t>(b.obj_bytes, 40000), '\0');
        else
            seq.printf("object %03u seq_num=%09llu\n", static_cast<unsigned>(*c.key),
                       (unsigned long long)c.meta->seq_num);
        return *c.key == b.retry_key ? 1 : 0;
    };
}

Trace engine_trace(const Scenario &s) {
    uint64_t objects = std::string(s.map_type) == "array" ? s.entries : 0;
    auto session = synth::open(synth::counted_target(objects),
                               std::make_shared<synth::Program>(mirror(s.behaviour)));
    return replay(
        [&session](char *buf, size_t size) -> long {
            auto r = session->read(buf, size);
            return r ? static_cast<long>(*r) : -r.error().code;
        },
        s.sizes);
}

std::string describe(const Trace &t) {
    std::string out;
    for (long r : t.results)
        out += std::to_string(r) + " ";
    return out + "(" + std::to_string(t.bytes.size()) + " bytes)";
}

// Why the kernel side cannot run here, or "" when it can (mounts g_mount).
std::string kernel_unavailable() {
    if (geteuid() != 0) return "needs root to mount bpffs and load BPF programs";
    if (!run("bpftool version")) return "bpftool is not installed";
    if (::access(object_path("lines").c_str(), R_OK) != 0)
        return "the BPF test objects were not built (clang missing?)";
    char dir[] = "/tmp/bpffsd-iter-diff-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return "cannot create a temporary directory";
    if (::mount("bpf", dir, "bpf", 0, nullptr) != 0) {
        ::rmdir(dir);
        return "mount -t bpf is not permitted here";
    }
    g_mount = dir;
    std::string probe = g_mount + "/probe", probe_it = g_mount + "/probe_it";
    if (!run("bpftool map create " + probe + " type array key 4 value 8 entries 1 name p"))
        return "the kernel refuses to create BPF maps";
    // Some kernels load no bpf_map_elem iterator at all (EPERM before
    // verifying, as this machine's 6.18.44 does): nothing to compare with.
    bool iterates =
        run("bpftool iter pin " + object_path("lines") + " " + probe_it + " map pinned " + probe);
    ::unlink(probe_it.c_str());
    ::unlink(probe.c_str());
    if (!iterates)
        return "the kernel refuses bpf_map_elem iterator programs (bpftool iter pin " +
               object_path("lines") + " fails)";
    return "";
}

void release_mount() {
    if (g_mount.empty()) return;
    ::umount(g_mount.c_str());
    ::rmdir(g_mount.c_str());
}

}  // namespace

TEST_CASE("bpf_seq_read: the engine's read results and bytes equal the kernel's") {
    Behaviour lines;
    Behaviour b20000;
    b20000.obj_bytes = 20000;
    Behaviour b32768;
    b32768.obj_bytes = 32768;
    Behaviour b32767_final1;
    b32767_final1.obj_bytes = 32767;
    b32767_final1.final_bytes = 1;
    Behaviour retry2;
    retry2.retry_key = 2;
    Behaviour every;
    every.every = 100000;

    const std::vector<Scenario> scenarios = {
        {"lines", "array", 3, {7}, lines},
        {"lines", "array", 3, {1}, lines},
        {"lines", "array", 3, {4096}, lines},
        {"lines", "array", 3, {40, 4096}, lines},
        {"lines", "array", 3, {0, 4096}, lines},
        {"lines", "array", 2, {7}, lines},
        {"lines", "array", 8, {100, 13, 131072}, lines},
        {"lines", "hash", 4, {4096}, lines},
        {"bytes20000", "array", 8, {131072}, b20000},
        {"bytes20000", "array", 8, {20001}, b20000},
        {"bytes32768", "array", 1, {131072}, b32768},
        {"bytes32767_final1", "array", 1, {131072}, b32767_final1},
        {"retry2", "array", 8, {131072}, retry2},
        {"retry2", "array", 8, {29}, retry2},
        {"every100000", "array", 2000000, {131072}, every},
    };
    for (const Scenario &s : scenarios) {
        std::string sizes;
        for (size_t n : s.sizes)
            sizes += std::to_string(n) + ",";
        INFO(s.variant << " on " << s.map_type << "(" << s.entries << "), reads " << sizes);
        Trace kernel = kernel_trace(s);
        Trace engine = engine_trace(s);
        REQUIRE_FALSE(kernel.results.empty());
        INFO("kernel: " << describe(kernel));
        INFO("engine: " << describe(engine));
        CHECK(engine.results == kernel.results);
        CHECK(engine.bytes == kernel.bytes);
    }
}

int main(int argc, char **argv) {
    std::string why = kernel_unavailable();
    if (!why.empty()) {
        std::printf("SKIP: %s\n", why.c_str());
        release_mount();
        return 77;
    }
    int rc = Catch::Session().run(argc, argv);
    release_mount();
    return rc;
}
