/* BTF-defined maps, static and global sub-programs and callbacks passed by
 * function pointer (bpf_loop, bpf_for_each_map_elem), on libbpf's headers
 * as users write them. */
#include "bpffs_vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct value {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 128);
    __type(key, __u32);
    __type(value, struct value);
    __uint(map_flags, 1); /* BPF_F_NO_PREALLOC */
} flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u64));
    __uint(max_entries, 2);
#ifndef MAPS_CALLS_NO_PIN /* diff-iter: bpftool cannot set a pin root */
    __uint(pinning, LIBBPF_PIN_BY_NAME);
#endif
} totals SEC(".maps");

struct loop_ctx {
    __u64 sum;
    __u64 *v;
};

static int add_step(__u32 index, void *data)
{
    struct loop_ctx *c = data;
    c->sum += index + *c->v;
    return 0;
}

static int count_elem(void *map, __u32 *key, struct value *val, void *data)
{
    *(__u64 *)data += val->packets;
    return 0;
}

static __noinline __u64 twice(__u64 x)
{
    return x * 2;
}

__noinline int record_total(__u32 slot, __u64 amount)
{
    __u64 *t = bpf_map_lookup_elem(&totals, &slot);
    if (!t)
        return -1;
    *t += twice(amount);
    return 0;
}

SEC("iter/bpf_map_elem")
int sum_flows(struct bpf_iter__bpf_map_elem *ctx)
{
    __u32 *key = ctx->key;
    __u64 *val = ctx->value;
    struct loop_ctx c = {};
    __u64 seen = 0;

    if (!key || !val)
        return 0;
    c.v = val;
    bpf_loop(4, add_step, &c, 0);
    bpf_for_each_map_elem(&flows, count_elem, &seen, 0);
    record_total(0, c.sum + seen);
    BPF_SEQ_PRINTF(ctx->meta->seq, "%u: %llu\n", *key, twice(c.sum));
    return 0;
}

SEC("iter.s/bpf_map_elem")
int count_flows_with_a_long_name(struct bpf_iter__bpf_map_elem *ctx)
{
    if (!ctx->key)
        return 0;
    /* An iterator returns 0 or 1: the global function's result, an
     * unknown scalar to the verifier, is not returned. */
    record_total(1, 1);
    return 0;
}
