/* Accepted for privileged loaders (root here, as in the kernel with
 * CAP_PERFMON): a read of stack bytes nothing wrote. */
#include "corpus.h"

SEC("iter/bpf_map")
int ok_uninit_stack(struct bpf_iter__bpf_map *ctx)
{
    __u64 x;
    asm volatile("%0 = *(u64 *)(r10 - 64)" : "=r"(x));
    if (!ctx->map) return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%llu\n", x & 0);
    return 0;
}
