// The iterator of the CLI tests (iter_cli.sh): one line per element of a
// u32 -> u64 map, then an end line with the last seq_num. No side
// effects, so cat, dd at any block size and `bpffsctl iter run` must all
// print the same bytes. Built with libbpf's headers and CO-RE, so the
// same object also loads into the kernel.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct seq_file;

struct bpf_iter_meta {
    struct seq_file *seq;
    __u64 session_id;
    __u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_map;

struct bpf_iter__bpf_map_elem {
    struct bpf_iter_meta *meta;
    struct bpf_map *map;
    void *key;
    void *value;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "GPL";

SEC("iter/bpf_map_elem")
int dump_elem(struct bpf_iter__bpf_map_elem *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    __u32 *key = ctx->key;
    __u64 *value = ctx->value;

    if (!key || !value) {
        BPF_SEQ_PRINTF(seq, "end seq_num=%llu\n", ctx->meta->seq_num);
        return 0;
    }
    BPF_SEQ_PRINTF(seq, "key %u value %llu\n", *key, *value);
    return 0;
}
