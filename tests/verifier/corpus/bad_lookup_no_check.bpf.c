/* Refused (EACCES): a map lookup's result used without a NULL check. */
#include "corpus.h"

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

SEC("iter/bpf_map")
int bad_lookup_no_check(struct bpf_iter__bpf_map *ctx)
{
    __u32 slot = 0;
    __u64 *c = bpf_map_lookup_elem(&counts, &slot);
    BPF_SEQ_PRINTF(ctx->meta->seq, "%llu\n", *c);
    return 0;
}
