/* maps.debug: one line per map, the format of the kernel's preloaded
 * iterator (kernel/bpf/preload/iterators): a header, then id, name and
 * max_entries. */
#include "preload_types.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/bpf_map")
int dump_bpf_map(struct bpf_iter__bpf_map *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    struct bpf_map *map = ctx->map;

    if (!map) return 0;
    if (ctx->meta->seq_num == 0) BPF_SEQ_PRINTF(seq, "  id name             max_entries\n");
    BPF_SEQ_PRINTF(seq, "%4u %-16s%6d\n", map->id, map->name, map->max_entries);
    return 0;
}
