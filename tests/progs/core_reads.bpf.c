/* CO-RE reads of nested fields, bitfields, enums and types, on libbpf's
 * bpf_core_read.h, to be relocated against a target BTF with another
 * layout (target_layout.bpf.c). Two programs share one section. */
#include "bpffs_vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* A flavour of struct bpf_map with a field the target does not have. */
struct bpf_map___old {
    __u32 max_entries;
    __u32 old_only_field;
} __attribute__((preserve_access_index));

/* A type the target BTF lacks entirely. */
struct not_in_target {
    __u32 x;
} __attribute__((preserve_access_index));

__u64 results[16];

SEC("iter/bpf_map")
int read_map(struct bpf_iter__bpf_map *ctx)
{
    struct bpf_map *map = ctx->map;
    struct bpf_map___old *old = (void *)map;
    char name[16];

    if (!map)
        return 0;
    results[0] = BPF_CORE_READ(map, max_entries);
    bpf_probe_read_kernel_str(name, sizeof(name), map->name);
    results[1] = bpf_core_field_exists(old->old_only_field);
    results[2] = bpf_core_field_size(map->name);
    results[3] = bpf_core_field_offset(struct bpf_map, id);
    results[4] = bpf_core_type_exists(struct not_in_target);
    results[5] = bpf_core_type_size(struct bpf_map);
    results[6] = bpf_core_enum_value_exists(enum bpf_map_type___local, BPF_MAP_TYPE_HASH___local);
    /* Guarded: where the target lacks the value the read is poisoned, and
     * a reachable poisoned call fails the load (verifier, as the kernel's). */
    if (bpf_core_enum_value_exists(enum bpf_map_type___local, BPF_MAP_TYPE_ARRAY___local))
        results[7] = bpf_core_enum_value(enum bpf_map_type___local, BPF_MAP_TYPE_ARRAY___local);
    results[8] = bpf_core_type_id_local(struct bpf_map);
    results[9] = bpf_core_type_id_kernel(struct bpf_map);
    if (results[1])
        results[10] = BPF_CORE_READ(old, old_only_field); /* unresolvable: poisoned */
    BPF_SEQ_PRINTF(ctx->meta->seq, "%s %u\n", name, map->id);
    return 0;
}

SEC("iter/bpf_map")
int read_map_type(struct bpf_iter__bpf_map *ctx)
{
    struct bpf_map *map = ctx->map;
    if (!map)
        return 0;
    results[11] = map->map_type + map->key_size + map->max_entries; /* u32 -> u64 load */
    return 0;
}

SEC("iter/bpf_prog")
int read_prog(struct bpf_iter__bpf_prog *ctx)
{
    struct bpf_prog *prog = ctx->prog;
    char name[16];

    if (!prog)
        return 0;
    bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(prog, aux, name));
    results[12] = BPF_CORE_READ_BITFIELD_PROBED(prog, gpl_compatible);
    /* small_signed is in target_layout's BTF, not the daemon's: guarded so
     * no poisoned relocation is reachable against the daemon. */
    if (bpf_core_field_exists(prog->small_signed))
        results[13] = BPF_CORE_READ_BITFIELD_PROBED(prog, small_signed);
    results[14] = BPF_CORE_READ(prog, len);
    if (bpf_core_field_exists(prog->small_signed))
        results[15] = __builtin_preserve_field_info(prog->small_signed, BPF_FIELD_SIGNED);
    BPF_SEQ_PRINTF(ctx->meta->seq, "%s\n", name);
    return 0;
}
