/* An iterator object that both the kernel (bpftool prog load) and bpffsd
 * load, for the differential tests: BTF-defined maps, global data of each
 * kind, a static sub-program, string literals, and CO-RE reads of struct
 * bpf_map and struct bpf_prog -> aux that resolve against the kernel's
 * vmlinux BTF and against the daemon's. Iterator programs return 0. No
 * map lookups or bpf_loop: the kernel inlines those, and the tests compare
 * xlated instruction counts. */
#include "bpffs_vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, __u64);
} seen SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} visits SEC(".maps");

const volatile __u32 min_entries = 0; /* .rodata */
/* bpftool shows bpf_metadata_* variables of .rodata as program metadata */
const volatile char bpf_metadata_name[] = "kernel_compat";
const volatile int bpf_metadata_version = 2;
__u32 generation = 1;                 /* .data */
__u64 maps_seen;                      /* .bss */

static __noinline __u64 weight(__u32 max_entries)
{
    return max_entries / 2 + 1;
}

SEC("iter/bpf_map")
int list_maps_with_weights(struct bpf_iter__bpf_map *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    struct bpf_map *map = ctx->map;
    __u32 id, key = 0;
    __u64 w;

    if (!map) {
        BPF_SEQ_PRINTF(seq, "total %llu\n", maps_seen);
        return 0;
    }
    if (map->max_entries < min_entries)
        return 0;
    id = map->id;
    w = weight(map->max_entries);
    bpf_map_update_elem(&seen, &id, &w, BPF_ANY);
    maps_seen++;
    bpf_map_update_elem(&visits, &key, &maps_seen, BPF_ANY);
    BPF_SEQ_PRINTF(seq, "%u %s %u gen %u\n", id, map->name, map->max_entries, generation);
    return 0;
}

SEC("iter/bpf_prog")
int list_progs(struct bpf_iter__bpf_prog *ctx)
{
    struct bpf_prog *prog = ctx->prog;

    if (!prog)
        return 0;
    BPF_SEQ_PRINTF(ctx->meta->seq, "%u %s\n", prog->aux->id, prog->aux->name);
    return 0;
}
