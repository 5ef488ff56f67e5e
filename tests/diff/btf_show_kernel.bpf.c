/* diff-btf-show: the kernel's bpf_seq_printf_btf output for kernel objects,
 * with their raw bytes, so that bpffsd's btf_show can render the same bytes
 * with the same BTF (/sys/kernel/btf/vmlinux) and be compared.
 *
 * For the first map of the bpf_map iteration it writes, for struct bpf_map
 * and struct bpf_iter_meta:
 *   ==OBJ <size> <vmlinux type id>\n<size raw bytes>
 *   then per flag set: \n==FLAGS <flags>\n<bpf_seq_printf_btf output>
 * and finally \n==END\n. Compiled at test time against a vmlinux.h that
 * bpftool generates from the running kernel. */
#include "vmlinux.h"
/* after vmlinux.h, which defines the types these use */
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

char raw_map[sizeof(struct bpf_map)];
char raw_meta[sizeof(struct bpf_iter_meta)];

/* Every combination of BTF_F_COMPACT, NONAME, PTR_RAW and ZERO. */
#define FLAG_SETS 16

static void show(struct seq_file *seq, void *ptr, __u32 type_id) {
    struct btf_ptr p = {.ptr = ptr, .type_id = type_id};
    for (__u64 flags = 0; flags < FLAG_SETS; flags++) {
        BPF_SEQ_PRINTF(seq, "\n==FLAGS %llu\n", flags);
        bpf_seq_printf_btf(seq, &p, sizeof(p), flags);
    }
}

SEC("iter/bpf_map")
int dump(struct bpf_iter__bpf_map *ctx) {
    struct seq_file *seq = ctx->meta->seq;
    struct bpf_map *map = ctx->map;
    if (!map || ctx->meta->seq_num != 0) return 0;

    __u32 map_id = bpf_core_type_id_kernel(struct bpf_map);
    bpf_probe_read_kernel(raw_map, sizeof(raw_map), map);
    BPF_SEQ_PRINTF(seq, "==OBJ %u %u\n", (__u32)sizeof(raw_map), map_id);
    bpf_seq_write(seq, raw_map, sizeof(raw_map));
    show(seq, map, map_id);

    __u32 meta_id = bpf_core_type_id_kernel(struct bpf_iter_meta);
    bpf_probe_read_kernel(raw_meta, sizeof(raw_meta), ctx->meta);
    BPF_SEQ_PRINTF(seq, "\n==OBJ %u %u\n", (__u32)sizeof(raw_meta), meta_id);
    bpf_seq_write(seq, raw_meta, sizeof(raw_meta));
    show(seq, ctx->meta, meta_id);

    BPF_SEQ_PRINTF(seq, "\n==END\n");
    return 0;
}
