/* The iterator programs of the differential iterator test (iter.scenario):
 * one program per object, chosen with -DPROG_<name> at build time, because
 * `bpftool iter pin` attaches the first program of an object. The same
 * objects are pinned with bpftool on a kernel bpffs and with bpffsctl on
 * bpffsd, and read with the same cat/dd command lines.
 *
 * Types are the kernel's names with CO-RE (preserve_access_index), so the
 * objects relocate against the running kernel's BTF and against bpffsd's.
 * Programs that walk system-wide objects (maps, programs, links) only show
 * those named dt_*, the test's own: the kernel has others. The fields the
 * kernel types with UAPI enums (map_type, prog type and expected attach
 * type, link type) are read as those enums: bpffsd's BTF declares them so. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct seq_file;

struct bpf_iter_meta {
    struct seq_file *seq;
    __u64 session_id;
    __u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_map {
    __u32 id;
    enum bpf_map_type map_type;
    char name[16];
    __u32 key_size;
    __u32 value_size;
    __u32 max_entries;
} __attribute__((preserve_access_index));

struct bpf_prog_aux {
    __u32 id;
    char name[16];
} __attribute__((preserve_access_index));

struct bpf_prog {
    enum bpf_prog_type type;
    enum bpf_attach_type expected_attach_type;
    struct bpf_prog_aux *aux;
} __attribute__((preserve_access_index));

struct bpf_link {
    __u32 id;
    enum bpf_link_type type;
    struct bpf_prog *prog;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map {
    struct bpf_iter_meta *meta;
    struct bpf_map *map;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_prog {
    struct bpf_iter_meta *meta;
    struct bpf_prog *prog;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_link {
    struct bpf_iter_meta *meta;
    struct bpf_link *link;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map_elem {
    struct bpf_iter_meta *meta;
    struct bpf_map *map;
    void *key;
    void *value;
} __attribute__((preserve_access_index));

#define FILLER_BYTES 40000
char filler[FILLER_BYTES];

static __always_inline __attribute__((unused)) int is_test_object(const char *name)
{
    return name[0] == 'd' && name[1] == 't' && name[2] == '_';
}

#ifdef PROG_ELEM
/* u32 -> u64 maps: a header with the session (masked by the test), one line
 * per element with its seq_num, and the final call's seq_num. */
SEC("iter/bpf_map_elem")
int dt_elem(struct bpf_iter__bpf_map_elem *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    __u32 *key = ctx->key;
    __u64 *value = ctx->value;
    if (ctx->meta->seq_num == 0 && key)
        BPF_SEQ_PRINTF(seq, "session %llu map %s\n", ctx->meta->session_id, ctx->map->name);
    if (!key || !value) {
        BPF_SEQ_PRINTF(seq, "end seq_num=%llu\n", ctx->meta->seq_num);
        return 0;
    }
    BPF_SEQ_PRINTF(seq, "seq %llu key %u value %llu\n", ctx->meta->seq_num, *key, *value);
    return 0;
}
#endif

#ifdef PROG_PERCPU
/* Per-CPU u32 -> u64 maps: the values of CPUs 0 and 1 (the session's copy),
 * then a write into the copy, which must not persist. */
SEC("iter/bpf_map_elem")
int dt_percpu(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 *key = ctx->key;
    __u64 *value = ctx->value;
    if (!key || !value) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "key %u cpu0 %llu cpu1 %llu\n", *key, value[0], value[1]);
    value[0] += 1000;
    return 0;
}
#endif

#ifdef PROG_INCREMENT
/* Adds 1 to each value and prints it: persists for plain maps. */
SEC("iter/bpf_map_elem")
int dt_increment(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 *key = ctx->key;
    __u64 *value = ctx->value;
    if (!key || !value) return 0;
    *value += 1;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%u %llu\n", *key, *value);
    return 0;
}
#endif

#ifdef PROG_BYTES
/* PROG_BYTES bytes per element (a letter from the key, then zeros), and a
 * short final line: objects near and over the 32 KiB buffer. */
SEC("iter/bpf_map_elem")
int dt_bytes(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 *key = ctx->key;
    if (!key) {
        BPF_SEQ_PRINTF(ctx->meta->seq, "end %llu\n", ctx->meta->seq_num);
        return 0;
    }
    filler[0] = 'A' + (*key % 26);
    bpf_seq_write(ctx->meta->seq, filler, PROG_BYTES > FILLER_BYTES ? FILLER_BYTES : PROG_BYTES);
    return 0;
}
#endif

#ifdef PROG_RETRY
/* Returns 1 ("retry") for key 2, always: reads after it fail with EAGAIN. */
SEC("iter/bpf_map_elem")
int dt_retry(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 *key = ctx->key;
    if (!key) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "key %u seq %llu\n", *key, ctx->meta->seq_num);
    return *key == 2 ? 1 : 0;
}
#endif

#ifdef PROG_MAPS
/* The test's maps, by id (ids masked by the test). */
SEC("iter/bpf_map")
int dt_maps(struct bpf_iter__bpf_map *ctx)
{
    struct bpf_map *map = ctx->map;
    if (!map) {
        BPF_SEQ_PRINTF(ctx->meta->seq, "maps end\n");
        return 0;
    }
    if (!is_test_object(map->name)) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "map id %u %s type %u key %u value %u entries %u\n", map->id,
                   map->name, map->map_type, map->key_size, map->value_size, map->max_entries);
    return 0;
}
#endif

#ifdef PROG_PROGS
/* The test's programs, by id. */
SEC("iter/bpf_prog")
int dt_progs(struct bpf_iter__bpf_prog *ctx)
{
    struct bpf_prog *prog = ctx->prog;
    if (!prog) {
        BPF_SEQ_PRINTF(ctx->meta->seq, "progs end\n");
        return 0;
    }
    if (!is_test_object(prog->aux->name)) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "prog id %u %s type %u attach %u\n", prog->aux->id,
                   prog->aux->name, prog->type, prog->expected_attach_type);
    return 0;
}
#endif

#ifdef PROG_LINKS
/* The links of the test's programs, by id. */
SEC("iter/bpf_link")
int dt_links(struct bpf_iter__bpf_link *ctx)
{
    struct bpf_link *link = ctx->link;
    if (!link) {
        BPF_SEQ_PRINTF(ctx->meta->seq, "links end\n");
        return 0;
    }
    struct bpf_prog *prog = link->prog;
    if (!prog || !is_test_object(prog->aux->name)) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "link id %u type %u prog %s\n", link->id, link->type,
                   prog->aux->name);
    return 0;
}
#endif
