/* Refused (EACCES): the key may be NULL and is read unchecked. */
#include "corpus.h"

SEC("iter/bpf_map_elem")
int bad_null_deref(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 k = *(__u32 *)ctx->key;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%u\n", k);
    return 0;
}
