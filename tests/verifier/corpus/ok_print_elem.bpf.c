/* Accepted: key and value NULL-checked once, printed. */
#include "corpus.h"

SEC("iter/bpf_map_elem")
int ok_print_elem(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 *key = ctx->key;
    __u64 *value = ctx->value;
    if (!key || !value) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%u %llu\n", *key, *value);
    return 0;
}
