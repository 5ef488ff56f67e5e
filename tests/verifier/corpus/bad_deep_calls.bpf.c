/* Refused (E2BIG): nine frames of bpf-to-bpf calls (the kernel allows 8). */
#include "corpus.h"

#define LEVEL(n, next) \
    static __noinline __u64 f##n(__u64 x) { return next(x + n) + 1; }
static __noinline __u64 f9(__u64 x) { return x * 2; }
LEVEL(8, f9)
LEVEL(7, f8)
LEVEL(6, f7)
LEVEL(5, f6)
LEVEL(4, f5)
LEVEL(3, f4)
LEVEL(2, f3)
LEVEL(1, f2)

SEC("iter/bpf_map")
int bad_deep_calls(struct bpf_iter__bpf_map *ctx)
{
    struct bpf_map *map = ctx->map;
    if (!map) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%llu\n", f1(map->id));
    return 0;
}
