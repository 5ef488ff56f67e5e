/* Compiled against the vmlinux.h that `bpffsctl btf dump daemon format c`
 * prints (btf_c.sh), as a kernel-style CO-RE program is compiled against
 * the kernel's: the header must compile with libbpf's own headers after it,
 * and the program, which reads map->map_type through bpf_core_enum_value()
 * and prog->aux->name, must load into bpffsd. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

SEC("iter/bpf_map")
int dump_map(struct bpf_iter__bpf_map *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    struct bpf_map *map = ctx->map;
    int is_hash;

    if (!map)
        return 0;
    is_hash = map->map_type == bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_HASH);
    BPF_SEQ_PRINTF(seq, "%u %s %u %d\n", map->id, map->name, map->max_entries, is_hash);
    return 0;
}

SEC("iter/bpf_prog")
int dump_prog(struct bpf_iter__bpf_prog *ctx)
{
    struct bpf_prog *prog = ctx->prog;
    char name[16];

    if (!prog)
        return 0;
    bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(prog, aux, name));
    BPF_SEQ_PRINTF(ctx->meta->seq, "%s %u\n", name, BPF_CORE_READ_BITFIELD_PROBED(prog, gpl_compatible));
    return 0;
}
