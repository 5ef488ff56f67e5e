/* The kernel types the preloaded iterators read, with CO-RE so that they
 * follow the daemon's BTF (core/btf/kernel_types.h) as the kernel's own
 * preload programs follow vmlinux. */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct seq_file;

struct bpf_iter_meta {
    struct seq_file *seq;
    __u64 session_id;
    __u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_map {
    __u32 id;
    char name[16];
    __u32 max_entries;
} __attribute__((preserve_access_index));

struct bpf_prog_aux {
    __u32 id;
    char name[16];
    const char *attach_func_name;
    struct bpf_prog *dst_prog;
} __attribute__((preserve_access_index));

struct bpf_prog {
    struct bpf_prog_aux *aux;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map {
    struct bpf_iter_meta *meta;
    struct bpf_map *map;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_prog {
    struct bpf_iter_meta *meta;
    struct bpf_prog *prog;
} __attribute__((preserve_access_index));
