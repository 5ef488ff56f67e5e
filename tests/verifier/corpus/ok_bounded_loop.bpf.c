/* Accepted: a loop with a constant bound over the value buffer. */
#include "corpus.h"

SEC("iter/bpf_map_elem")
int ok_bounded_loop(struct bpf_iter__bpf_map_elem *ctx)
{
    __u64 *value = ctx->value;
    __u64 sum = 0;
    if (!value) return 0;
    for (int i = 0; i < 16; i++) sum += value[i] * i;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%llu\n", sum);
    return 0;
}
