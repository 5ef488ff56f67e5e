/* Refused (EACCES): bpf_seq_write with a length nothing bounds. */
#include "corpus.h"

SEC("iter/bpf_map_elem")
int bad_helper_size(struct bpf_iter__bpf_map_elem *ctx)
{
    __u64 *value = ctx->value;
    char buf[16] = {};
    if (!value) return 0;
    bpf_seq_write(ctx->meta->seq, buf, value[0]);
    return 0;
}
