/* Accepted: a map lookup, NULL-checked, updated in place. */
#include "corpus.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

SEC("iter/bpf_map")
int ok_map_lookup(struct bpf_iter__bpf_map *ctx)
{
    __u32 slot = 1;
    __u64 *c = bpf_map_lookup_elem(&counts, &slot);
    struct bpf_map *map = ctx->map;
    if (!map || !c) return 0;
    __sync_fetch_and_add(c, 1);
    BPF_SEQ_PRINTF(ctx->meta->seq, "%u %llu\n", map->id, *c);
    return 0;
}
