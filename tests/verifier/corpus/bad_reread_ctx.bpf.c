/* Refused (EACCES): checking ctx->key and then reading ctx->key again gives
 * a new, unchecked value (spec A.1.7). */
#include "corpus.h"

SEC("iter/bpf_map_elem")
int bad_reread_ctx(struct bpf_iter__bpf_map_elem *ctx)
{
    if (!ctx->key) return 0;
    asm volatile("" ::: "memory");
    BPF_SEQ_PRINTF(ctx->meta->seq, "%u\n", *(volatile __u32 *)ctx->key);
    return 0;
}
