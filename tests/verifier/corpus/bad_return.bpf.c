/* Refused (EINVAL): iterator programs return 0 or 1 (spec 1.7). */
#include "corpus.h"

SEC("iter/bpf_map")
int bad_return(struct bpf_iter__bpf_map *ctx)
{
    return ctx->map ? 2 : 0;
}
