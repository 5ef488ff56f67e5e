// Iterator programs run in-process by elem_iter_test.cpp / map_iter_test.cpp:
// compiled by clang, loaded with core/elf, relocated (CO-RE) against the
// daemon's BTF. They also load into the kernel (same types, CO-RE), so
// outputs can be compared with bpftool's.
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
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
    __u32 key_size;
} __attribute__((preserve_access_index));

struct bpf_prog_aux {
    __u32 id;
    char name[16];
    const char *attach_func_name;
} __attribute__((preserve_access_index));

struct bpf_prog {
    struct bpf_prog_aux *aux;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_prog {
    struct bpf_iter_meta *meta;
    struct bpf_prog *prog;
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

// Set by the tests through the object's .data map (the only variable
// there, so it sits at offset 0).
struct config {
    __u32 obj_bytes;    // print_big: bytes written per element
    __u32 retry_key;    // retry: the key whose show returns 1
    __u32 retry_armed;  // retry: non-zero while the key must be retried
    __u32 ncpus;        // sum_percpu: CPUs whose values are summed
};
struct config cfg = {.ncpus = 1};
char filler[40000];

char LICENSE[] SEC("license") = "GPL";

// "%u %llu\n" per element of a u32 -> u64 map, "done %llu\n" at the end.
SEC("iter/bpf_map_elem")
int print_elem(struct bpf_iter__bpf_map_elem *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    __u32 *key = ctx->key;
    __u64 *value = ctx->value;
    if (!key || !value) {
        BPF_SEQ_PRINTF(seq, "done %llu\n", ctx->meta->seq_num);
        return 0;
    }
    BPF_SEQ_PRINTF(seq, "%u %llu\n", *key, *value);
    return 0;
}

// Adds 1 to every value, then prints it: persists for plain maps only.
SEC("iter/bpf_map_elem")
int increment(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 *key = ctx->key;
    __u64 *value = ctx->value;
    if (!key || !value) return 0;
    *value += 1;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%u %llu\n", *key, *value);
    return 0;
}

// Per-CPU maps: the value holds every CPU's u64, 8 bytes apart; sums the
// first two.
SEC("iter/bpf_map_elem")
int sum_percpu(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 *key = ctx->key;
    __u64 *value = ctx->value;
    __u64 sum = 0;
    if (!key || !value) return 0;
    // At most 2 CPUs: the verifier records the largest offset read (16
    // bytes here), which must fit the map's per-CPU value size at attach.
    for (__u32 i = 0; i < 2 && i < cfg.ncpus; i++) sum += value[i];
    value[0] += 1000;  // lands in the session's copy only
    BPF_SEQ_PRINTF(ctx->meta->seq, "%u %llu\n", *key, sum);
    return 0;
}

// obj_bytes bytes per element (capped at sizeof filler).
SEC("iter/bpf_map_elem")
int print_big(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 n = cfg.obj_bytes;
    __u32 *key = ctx->key;  // loaded once: each read of ctx->key is a new maybe-NULL value
    if (!key) return 0;
    if (n > sizeof(filler)) n = sizeof(filler);
    filler[0] = 'A' + (*key % 26);
    bpf_seq_write(ctx->meta->seq, filler, n);
    return 0;
}

// Returns 1 ("retry") for retry_key while retry_armed is set.
SEC("iter/bpf_map_elem")
int retry(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 *key = ctx->key;
    if (!key) return 0;
    if (cfg.retry_armed && *key == cfg.retry_key) return 1;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%u\n", *key);
    return 0;
}

// Reads past the 4-byte key: a bounds-checked run faults.
SEC("iter/bpf_map_elem")
int read_past_key(struct bpf_iter__bpf_map_elem *ctx)
{
    __u64 *key = ctx->key;
    if (!key) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%llu\n", key[1]);
    return 0;
}

// The maps.debug format: header, then "%4u %-16s%6d" per map.
SEC("iter/bpf_map")
int list_maps(struct bpf_iter__bpf_map *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    struct bpf_map *map = ctx->map;
    if (!map) return 0;
    if (ctx->meta->seq_num == 0) BPF_SEQ_PRINTF(seq, "  id name             max_entries\n");
    BPF_SEQ_PRINTF(seq, "%4u %-16s%6d\n", map->id, map->name, map->max_entries);
    return 0;
}

// The progs.debug format, without BTF function names: "%4u %-16s %s\n".
SEC("iter/bpf_prog")
int list_progs(struct bpf_iter__bpf_prog *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    struct bpf_prog *prog = ctx->prog;
    struct bpf_prog_aux *aux;
    if (!prog) return 0;
    aux = prog->aux;
    if (ctx->meta->seq_num == 0) BPF_SEQ_PRINTF(seq, "  id name             attached\n");
    BPF_SEQ_PRINTF(seq, "%4u %-16s %s\n", aux->id, aux->name, aux->attach_func_name);
    return 0;
}

// bpf_seq_printf_btf of each map as the (daemon's or kernel's) BTF type
// struct bpf_map, compact; then a NULL pointer and a bad type id.
SEC("iter/bpf_map")
int print_btf(struct bpf_iter__bpf_map *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    struct bpf_map *map = ctx->map;
    struct btf_ptr p = {};
    long null_ret, bad_id_ret;
    if (!map) return 0;
    p.ptr = map;
    p.type_id = bpf_core_type_id_kernel(struct bpf_map);
    bpf_seq_printf_btf(seq, &p, sizeof(p), BTF_F_COMPACT);
    p.ptr = 0;
    null_ret = bpf_seq_printf_btf(seq, &p, sizeof(p), BTF_F_COMPACT);
    p.ptr = map;
    p.type_id = 0;
    bad_id_ret = bpf_seq_printf_btf(seq, &p, sizeof(p), 0);
    BPF_SEQ_PRINTF(seq, " %ld %ld\n", null_ret, bad_id_ret);
    return 0;
}
