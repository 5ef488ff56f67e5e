// The thin shim that lets one benchmark source run against the kernel
// (libbpf's bpf.h) or against bpffsd (libbpffs's bpffs.h): the two APIs have
// the same shapes and error conventions, only the prefix and the option
// struct names differ. BENCH_KERNEL selects libbpf.
#pragma once

#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#ifdef BENCH_KERNEL
#include <bpf/bpf.h>
#define BENCH_API(name) bpf_##name
using BenchBatchOpts = struct bpf_map_batch_opts;
inline int bench_close(int fd) {
    return close(fd);
}
inline constexpr const char *kBenchSide = "kernel";

// The kernel has no pipelining: bench_map_ops is a loop of single calls.
struct bench_map_op {
    __u32 cmd;
    int fd;
    const void *key;
    void *value;
    __u64 flags;
    int result;
};
inline int bench_map_ops(bench_map_op *ops, size_t n) {
    int first = 0;
    for (size_t i = 0; i < n; i++) {
        auto &op = ops[i];
        switch (op.cmd) {
            case BPF_MAP_LOOKUP_ELEM:
                op.result = bpf_map_lookup_elem(op.fd, op.key, op.value);
                break;
            case BPF_MAP_UPDATE_ELEM:
                op.result = bpf_map_update_elem(op.fd, op.key, op.value, op.flags);
                break;
            case BPF_MAP_DELETE_ELEM:
                op.result = bpf_map_delete_elem(op.fd, op.key);
                break;
            default:
                op.result = -EINVAL;
        }
        if (op.result < 0 && first == 0) first = op.result;
    }
    return first;
}
#else
#include "bpffs.h"
#define BENCH_API(name) bpffs_##name
using BenchBatchOpts = struct bpffs_map_batch_opts;
inline int bench_close(int fd) {
    return bpffs_close(fd);
}
inline constexpr const char *kBenchSide = "bpffsd";

using bench_map_op = struct bpffs_map_op;
inline int bench_map_ops(bench_map_op *ops, size_t n) {
    return bpffs_map_ops(ops, n);
}
#endif

inline BenchBatchOpts bench_batch_opts() {
    BenchBatchOpts opts{};
    opts.sz = sizeof(opts);
    return opts;
}
