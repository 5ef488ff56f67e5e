/* Refused (EINVAL): a program whose license is not GPL-compatible may not
 * read kernel structs through BTF pointers (here ctx->meta). */
#define CORPUS_LICENSE "MIT"
#include "corpus.h"

SEC("iter/bpf_map")
int bad_non_gpl_meta(struct bpf_iter__bpf_map *ctx)
{
    return ctx->meta->seq_num > 1 ? 1 : 0;
}
