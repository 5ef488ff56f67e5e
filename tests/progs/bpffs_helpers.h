/* Our own minimal bpf_helpers.h: section and map-definition macros and the
 * few helpers the test programs call, by their kernel helper ids. One test
 * program uses this header instead of libbpf's, so the loader is proven on
 * output that does not depend on libbpf-dev. */
#pragma once

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int(*name)[val]
#define __type(name, val) typeof(val) *name
#define __always_inline inline __attribute__((always_inline))
#define __noinline __attribute__((noinline))

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value,
                                   __u64 flags) = (void *)2;
static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *)3;
static long (*bpf_seq_printf)(struct seq_file *m, const char *fmt, __u32 fmt_size,
                              const void *data, __u32 data_len) = (void *)126;
static long (*bpf_seq_write)(struct seq_file *m, const void *data, __u32 len) = (void *)127;

/* Packs the arguments into a u64 array, as bpf_seq_printf wants them. */
#define BPF_SEQ_PRINTF(seq, fmt, args...)                                        \
    ({                                                                           \
        static const char ___fmt[] = fmt;                                        \
        unsigned long long ___param[] = {args};                                  \
        bpf_seq_printf(seq, ___fmt, sizeof(___fmt), ___param, sizeof(___param)); \
    })
