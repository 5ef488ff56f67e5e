/* The iterator workloads of compare.sh: one bpf_map_elem iterator over a
 * map of __u32 keys and __u64 values, in three variants chosen by a macro
 * (bpftool iter pin takes an object's first program):
 *   ITER_PRINT    one line "%u %llu\n" per element
 *   ITER_COMPUTE  100 rounds of arithmetic on each value, then the line
 *   ITER_FINAL    counts and sums, prints only a final line
 * The same object runs on the kernel and on bpffsd (CO-RE through
 * bpffs_vmlinux.h). */
#include "bpffs_vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#if defined(ITER_FINAL)
__u64 session, count, sum;
#endif

SEC("iter/bpf_map_elem")
int dump(struct bpf_iter__bpf_map_elem *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    __u32 *key = ctx->key;
    __u64 *val = ctx->value;

#if defined(ITER_FINAL)
    /* Globals outlive a read session: start over in a new one. */
    if (session != ctx->meta->session_id) {
        session = ctx->meta->session_id;
        count = 0;
        sum = 0;
    }
    if (!key || !val) {
        BPF_SEQ_PRINTF(seq, "%llu elements, sum %llu\n", count, sum);
        return 0;
    }
    count++;
    sum += *val;
#else
    if (!key || !val)
        return 0;
#if defined(ITER_COMPUTE)
    __u64 x = *val;
#pragma clang loop unroll(disable)
    for (int i = 0; i < 100; i++)
        x = (x * 6364136223846793005ULL + 1442695040888963407ULL) ^ (x >> 29);
    BPF_SEQ_PRINTF(seq, "%u %llu\n", *key, x);
#else
    BPF_SEQ_PRINTF(seq, "%u %llu\n", *key, *val);
#endif
#endif
    return 0;
}
