/* Accepted for privileged loaders: a pointer stored into a map value. */
#include "corpus.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} last SEC(".maps");

SEC("iter/bpf_map")
int ok_ptr_into_map(struct bpf_iter__bpf_map *ctx)
{
    __u32 k = 0;
    __u64 *slot = bpf_map_lookup_elem(&last, &k);
    struct bpf_map *map = ctx->map;
    if (!slot || !map) return 0;
    *slot = (__u64)map;
    return 0;
}
