/* Global data of every section kind, string literals and a legacy map,
 * built on our own helper header (no libbpf-dev headers). */
#include "bpffs_vmlinux.h"
#include "bpffs_helpers.h"

char LICENSE[] SEC("license") = "GPL";

/* The legacy map definition record of the "maps" section. */
struct bpf_map_def {
    unsigned int type;
    unsigned int key_size;
    unsigned int value_size;
    unsigned int max_entries;
    unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_counts = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 4,
};

__u64 visits = 1;                             /* .data */
const volatile __u32 limit = 100;             /* .rodata */
const volatile char banner[8] = "maps:";      /* .rodata */
__u64 total_entries;                          /* .bss */
__u32 tagged SEC(".data.foo") = 0xf00;        /* custom data section */

SEC("iter/bpf_map")
int dump_maps(struct bpf_iter__bpf_map *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    struct bpf_map *map = ctx->map;
    __u32 key = 0;
    __u64 *slot;

    if (!map) {
        bpf_seq_write(seq, "done\n", 5); /* a literal: .rodata.str1.1 */
        return 0;
    }
    if (ctx->meta->seq_num == 0)
        BPF_SEQ_PRINTF(seq, "%s limit %u tag %x\n", (__u64)banner, limit, tagged);
    visits++;
    total_entries += map->max_entries;
    slot = bpf_map_lookup_elem(&legacy_counts, &key);
    if (slot)
        *slot += 1;
    BPF_SEQ_PRINTF(seq, "%u %llu\n", map->id, total_entries);
    return 0;
}
