// iter_inproc_bench: the iterator workload (1) inside one process, without
// FUSE or a client: loads an iter_bench_*.bpf.o, attaches it to a full map
// of __u32 keys and __u64 values, and reads whole sessions with 128 KiB
// reads (what cat asks of a pinned iterator). The daemon's own cost of a
// `cat`, to profile (perf record) apart from the FUSE transport. Prints
// figures, asserts nothing.
//
//   iter_inproc_bench OBJ hash|array [entries (1000000)] [reads (3)] [checked|unchecked]
//                     [NAME (iter.inproc)]
#include <linux/bpf.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/map.h"
#include "iter/builtin_targets.h"
#include "iter/inproc_object.h"
#include "iter/link.h"

using namespace bpffs;

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s OBJ hash|array [entries] [reads] [checked|unchecked] [NAME]\n",
                argv[0]);
        return 2;
    }
    const bool array = strcmp(argv[2], "array") == 0;
    const uint32_t entries =
        argc > 3 ? static_cast<uint32_t>(strtoul(argv[3], nullptr, 10)) : 1000000;
    const int reads = argc > 4 ? atoi(argv[4]) : 3;
    const bool checked = !(argc > 5 && strcmp(argv[5], "unchecked") == 0);
    const char *name = argc > 6 ? argv[6] : "iter.inproc";
    if (auto st = register_builtin_targets(); !st) {
        fprintf(stderr, "%s\n", st.error().message.c_str());
        return 1;
    }
    auto obj = load_inproc_object_file(argv[1], checked);
    if (!obj) {
        fprintf(stderr, "loading %s: %s\n", argv[1], obj.error().message.c_str());
        return 1;
    }
    MapSpec spec;
    spec.map_type = array ? BPF_MAP_TYPE_ARRAY : BPF_MAP_TYPE_HASH;
    spec.key_size = 4;
    spec.value_size = 8;
    spec.max_entries = entries;
    spec.name = "iterbench";
    auto created = Map::create(spec, possible_cpus());
    if (!created) {
        fprintf(stderr, "%s\n", created.error().message.c_str());
        return 1;
    }
    auto map = publish(*created);
    for (uint32_t k = 0; k < entries; k++) {
        uint64_t v = uint64_t{k} * 3 + 1;
        if (!map->update(&k, &v, BPF_ANY)) return 1;
    }
    auto program = obj->iter_program("dump");
    if (!program) {
        fprintf(stderr, "%s\n", program.error().message.c_str());
        return 1;
    }
    IterAux aux;
    aux.map = map;
    auto link = IterLink::create("bpf_map_elem", nullptr, *program, aux);
    if (!link) {
        fprintf(stderr, "%s\n", link.error().message.c_str());
        return 1;
    }
    std::vector<char> buf(128 << 10);
    for (int r = 0; r < reads; r++) {
        auto start = std::chrono::steady_clock::now();
        auto session = (*link)->open_session();
        if (!session) return 1;
        size_t total = 0;
        for (;;) {
            auto n = (*session)->read(buf.data(), buf.size());
            if (!n) {
                fprintf(stderr, "read: %s\n", n.error().message.c_str());
                return 1;
            }
            if (*n == 0) break;
            total += *n;
        }
        double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        printf("RESULT %s %.1f ms (%zu bytes)\n", name, ms, total);
    }
    return 0;
}
