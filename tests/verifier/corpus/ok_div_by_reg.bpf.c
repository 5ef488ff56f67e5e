/* Accepted: division and modulo by a value from the map (x / 0 is 0). */
#include "corpus.h"

SEC("iter/bpf_map_elem")
int ok_div_by_reg(struct bpf_iter__bpf_map_elem *ctx)
{
    __u64 *value = ctx->value;
    __u32 *key = ctx->key;
    if (!value || !key) return 0;
    __u64 q = value[0] / *key, r = value[0] % *key;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%llu %llu\n", q, r);
    return 0;
}
