/* Accepted: an iterator program under a license that is not
 * GPL-compatible, calling no GPL-only helper. */
#define CORPUS_LICENSE "MIT"
#include "corpus.h"

SEC("iter/bpf_map")
int ok_non_gpl(struct bpf_iter__bpf_map *ctx)
{
    return ctx->map ? 0 : 1;
}
