/* The daemon-side view of the types core_reads.bpf.c reads, deliberately in
 * another layout: other field orders, sizes and padding, a bitfield moved,
 * enumerators renumbered, fields and types missing. Compiled with -g and
 * its .BTF extracted, it stands in for the daemon's BTF in the CO-RE tests. */
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef short __s16;
typedef unsigned short __u16;

enum bpf_map_type {
    BPF_MAP_TYPE_UNSPEC = 0,
    BPF_MAP_TYPE_ARRAY = 7,
    BPF_MAP_TYPE_HASH = 9,
};

struct seq_file {
    int unused;
};

struct bpf_iter_meta {
    __u64 seq_num;
    struct seq_file *seq;
    __u64 session_id;
};

struct bpf_map {
    __u64 refcnt;
    char name[32];
    __u32 id;
    __u32 value_size;
    __u32 key_size;
    __u64 max_entries; /* wider than the program's view */
    enum bpf_map_type map_type;
};

struct bpf_prog_aux {
    __u64 stats;
    void *owner;
    char name[16];
    __u32 id;
};

struct bpf_prog {
    __u64 flags;
    __u32 len;
    __u32 cb_access : 1, jited : 1, gpl_compatible : 1, jit_requested : 1;
    __s16 small_signed : 5;
    struct bpf_prog_aux *aux;
    __u16 pages;
};

struct bpf_iter__bpf_map {
    struct bpf_iter_meta *meta;
    struct bpf_map *map;
};

struct bpf_iter__bpf_prog {
    struct bpf_iter_meta *meta;
    struct bpf_prog *prog;
};

struct bpf_iter__bpf_map_elem {
    struct bpf_iter_meta *meta;
    struct bpf_map *map;
    void *key;
    void *value;
};

/* Anchors so that clang emits every type into .BTF. */
struct bpf_iter__bpf_map anchor_map_ctx;
struct bpf_iter__bpf_prog anchor_prog_ctx;
struct bpf_iter__bpf_map_elem anchor_elem_ctx;
struct bpf_prog_aux anchor_aux;
struct bpf_iter_meta anchor_meta;
struct bpf_map anchor_map;
struct bpf_prog anchor_prog;
enum bpf_map_type anchor_map_type;
