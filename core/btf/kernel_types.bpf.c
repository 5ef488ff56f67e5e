/* Compiled by clang -g -target bpf at build time: its BTF is the daemon's
 * own BTF. Every type programs may name must be reachable from here. */
#include "kernel_types.h"

struct bpf_iter__bpf_map __bpffs_ctx_bpf_map;
struct bpf_iter__bpf_map_elem __bpffs_ctx_bpf_map_elem;
struct bpf_iter__bpf_prog __bpffs_ctx_bpf_prog;
struct bpf_iter__bpf_link __bpffs_ctx_bpf_link;
struct bpf_map __bpffs_view_map;
struct bpf_prog __bpffs_view_prog;
struct bpf_prog_aux __bpffs_view_prog_aux;
struct bpf_link __bpffs_view_link;
/* Types reached only through pointers would be emitted as forward
 * declarations; a variable of each makes clang describe them in full. */
struct bpf_iter_meta __bpffs_meta;
struct seq_file __bpffs_seq_file;
/* Typedefs no struct uses, which programs including libbpf's headers after
 * the generated vmlinux.h need. */
__s8 __bpffs_s8;
__s16 __bpffs_s16;
__s32 __bpffs_s32;
__s64 __bpffs_s64;
__be16 __bpffs_be16;
__be32 __bpffs_be32;
__wsum __bpffs_wsum;
