/* A small vmlinux.h of our own: the kernel-named types that the test
 * programs read. The layouts are the *program's* view; CO-RE relocations
 * rewrite the offsets against the daemon's BTF (see target_layout.bpf.c,
 * which declares the same types in another order). */
#pragma once

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

enum bpf_map_type___local {
    BPF_MAP_TYPE_UNSPEC___local = 0,
    BPF_MAP_TYPE_HASH___local = 1,
    BPF_MAP_TYPE_ARRAY___local = 2,
};

enum {
    BPF_MAP_TYPE_HASH = 1,
    BPF_MAP_TYPE_ARRAY = 2,
    BPF_ANY = 0,
};

struct seq_file;

struct bpf_iter_meta {
    struct seq_file *seq;
    __u64 session_id;
    __u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_map {
    enum bpf_map_type___local map_type; /* an enum, as in the kernel and bpffsd */
    __u32 key_size;
    __u32 value_size;
    __u32 max_entries;
    __u32 id;
    char name[16];
} __attribute__((preserve_access_index));

struct bpf_prog_aux {
    __u32 id;
    char name[16];
} __attribute__((preserve_access_index));

/* Bitfields exercise FIELD_LSHIFT/RSHIFT/BYTE_SIZE/SIGNED. */
struct bpf_prog {
    __u16 pages;
    __u16 jited : 1, jit_requested : 1, gpl_compatible : 1, cb_access : 1;
    __s16 small_signed : 5;
    __u32 len;
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

struct bpf_iter__bpf_map_elem {
    struct bpf_iter_meta *meta;
    struct bpf_map *map;
    void *key;
    void *value;
} __attribute__((preserve_access_index));
