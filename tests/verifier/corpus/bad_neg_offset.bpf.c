/* Refused (EACCES): a negative offset into the value buffer (selftest buf-neg-offset). */
#include "corpus.h"

SEC("iter/bpf_map_elem")
int bad_neg_offset(struct bpf_iter__bpf_map_elem *ctx)
{
    __u8 *value = ctx->value;
    if (!value) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%u\n", *(volatile __u8 *)(value - 1));
    return 0;
}
