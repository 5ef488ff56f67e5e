/* Refused (EINVAL): bpf_seq_printf_btf (helper 150) is GPL-only and the
 * license is not GPL-compatible. The call is refused before its arguments
 * are looked at, so it needs no seq_file (reading ctx->meta is refused by
 * itself, see bad_non_gpl_meta). */
#define CORPUS_LICENSE "MIT"
#include "corpus.h"

SEC("iter/bpf_map")
int bad_non_gpl_btf(struct bpf_iter__bpf_map *ctx)
{
    struct btf_ptr p = {};
    if (!ctx->map) return 0;
    p.ptr = ctx->map;
    p.type_id = 1; /* the type does not matter: the load fails first */
    bpf_seq_printf_btf((struct seq_file *)0, &p, sizeof(p), BTF_F_COMPACT);
    return 0;
}
