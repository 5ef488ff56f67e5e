/* Refused (EACCES): reading past an 8-byte map value. */
#include "corpus.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

SEC("iter/bpf_map")
int bad_value_oob(struct bpf_iter__bpf_map *ctx)
{
    __u32 slot = 0;
    __u64 *c = bpf_map_lookup_elem(&counts, &slot);
    if (!c) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%llu\n", c[1]);
    return 0;
}
