/* Refused (EACCES): the key is a read-only buffer. */
#include "corpus.h"

SEC("iter/bpf_map_elem")
int bad_key_write(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 *key = ctx->key;
    if (!key) return 0;
    *key = 1;
    return 0;
}
