/* Shared by the verifier corpus: the iterator context types (CO-RE
 * relocated against the kernel's BTF or bpffsd's), libbpf's helpers. Each
 * corpus program is one iterator program that the kernel and bpffsd must
 * both accept or both refuse. */
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

struct bpf_iter__bpf_map {
    struct bpf_iter_meta *meta;
    struct bpf_map *map;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map_elem {
    struct bpf_iter_meta *meta;
    struct bpf_map *map;
    void *key;
    void *value;
} __attribute__((preserve_access_index));

/* A program may name another license before including this file. */
#ifndef CORPUS_LICENSE
#define CORPUS_LICENSE "GPL"
#endif
char LICENSE[] SEC("license") = CORPUS_LICENSE;
