/* Refused (E2BIG): a loop bounded by nothing the verifier can see. */
#include "corpus.h"

SEC("iter/bpf_map_elem")
int bad_unbounded_loop(struct bpf_iter__bpf_map_elem *ctx)
{
    __u64 *value = ctx->value;
    __u64 n = 0;
    if (!value) return 0;
    for (__u64 i = 0; i < value[0]; i++) n += *(volatile __u64 *)&value[1];
    BPF_SEQ_PRINTF(ctx->meta->seq, "%llu\n", n);
    return 0;
}
