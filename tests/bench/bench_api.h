// The thin shim that lets one benchmark source run against the kernel
// (libbpf's bpf.h) or against bpffsd (libbpffs's bpffs.h): the two APIs have
// the same shapes and error conventions, only the prefix and the option
// struct names differ. BENCH_KERNEL selects libbpf.
#pragma once

#include <unistd.h>

#ifdef BENCH_KERNEL
#include <bpf/bpf.h>
#define BENCH_API(name) bpf_##name
using BenchBatchOpts = struct bpf_map_batch_opts;
inline int bench_close(int fd) {
    return close(fd);
}
inline constexpr const char *kBenchSide = "kernel";
#else
#include "bpffs.h"
#define BENCH_API(name) bpffs_##name
using BenchBatchOpts = struct bpffs_map_batch_opts;
inline int bench_close(int fd) {
    return bpffs_close(fd);
}
inline constexpr const char *kBenchSide = "bpffsd";
#endif

inline BenchBatchOpts bench_batch_opts() {
    BenchBatchOpts opts{};
    opts.sz = sizeof(opts);
    return opts;
}
