/* Accepted: a chain of bpf-to-bpf calls, three frames deep. */
#include "corpus.h"

static __noinline __u64 leaf(__u64 x) { return x * 3 + 1; }
static __noinline __u64 middle(__u64 x) { return leaf(x) + leaf(x + 1); }
static __noinline __u64 top(__u64 x) { return middle(x) ^ 7; }

SEC("iter/bpf_map")
int ok_calls(struct bpf_iter__bpf_map *ctx)
{
    struct bpf_map *map = ctx->map;
    if (!map) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%llu\n", top(map->id));
    return 0;
}
