/* The types bpffsd's programs see, under the kernel's names and field names.
 *
 * This one header is compiled twice: by clang -g -target bpf into the
 * daemon's own BTF (the analogue of /sys/kernel/btf/vmlinux, which clients
 * fetch for CO-RE), and by g++ into the daemon, which lays out the object
 * views that programs read (ctx->map->name, prog->aux->name, ...) with these
 * very structs. So the offsets the BTF describes are the offsets in memory.
 *
 * Iterator contexts keep the kernel's exact layouts (pointers in 8-byte
 * slots); the object views carry the fields bpffsd supports, in an order of
 * its own: CO-RE relocates programs compiled against the kernel's vmlinux.h.
 */
#ifndef BPFFS_KERNEL_TYPES_H
#define BPFFS_KERNEL_TYPES_H

#ifdef __cplusplus
#include <cstdint>
namespace bpffs::kview {
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int32_t __s32;
typedef int64_t __s64;
#define BPFFS_KVIEW_BOOL bool
#else
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef int __s32;
typedef long long __s64;
#define BPFFS_KVIEW_BOOL _Bool
#endif

#define BPFFS_OBJ_NAME_LEN 16

/* A pointer in an 8-byte slot, as the kernel's __bpf_md_ptr. */
#define BPFFS_MD_PTR(type, name) \
    union {                      \
        type name;               \
        __u64 : 64;              \
    } __attribute__((aligned(8)))

struct seq_file {
    __u64 session_id; /* opaque to programs: the helpers take the pointer */
};

struct bpf_map {
    __u32 id;
    __u32 map_type; /* enum bpf_map_type */
    __u32 key_size;
    __u32 value_size;
    __u32 max_entries;
    __u32 map_flags;
    __u64 map_extra;
    char name[BPFFS_OBJ_NAME_LEN];
    BPFFS_KVIEW_BOOL frozen;
};

struct bpf_prog_aux {
    __u32 id;
    __u32 used_map_cnt;
    char name[BPFFS_OBJ_NAME_LEN];
    const char *attach_func_name;
    struct bpf_prog *dst_prog;
};

struct bpf_prog {
    __u16 pages;
    __u16 jited : 1, jit_requested : 1, gpl_compatible : 1, cb_access : 1, dst_needed : 1,
        blinding_requested : 1, blinded : 1, is_func : 1, kprobe_override : 1,
        has_callchain_buf : 1, enforce_expected_attach_type : 1, call_get_stack : 1,
        call_get_func_ip : 1, tstamp_type_access : 1, sleepable : 1;
    __u32 type;                 /* enum bpf_prog_type */
    __u32 expected_attach_type; /* enum bpf_attach_type */
    __u32 len;                  /* number of instructions */
    __u8 tag[8];
    struct bpf_prog_aux *aux;
};

struct bpf_link {
    __u32 id;
    __u32 type; /* enum bpf_link_type */
    struct bpf_prog *prog;
};

struct bpf_iter_meta {
    BPFFS_MD_PTR(struct seq_file *, seq);
    __u64 session_id;
    __u64 seq_num;
};

struct bpf_iter__bpf_map {
    BPFFS_MD_PTR(struct bpf_iter_meta *, meta);
    BPFFS_MD_PTR(struct bpf_map *, map);
};

struct bpf_iter__bpf_map_elem {
    BPFFS_MD_PTR(struct bpf_iter_meta *, meta);
    BPFFS_MD_PTR(struct bpf_map *, map);
    BPFFS_MD_PTR(void *, key);
    BPFFS_MD_PTR(void *, value);
};

struct bpf_iter__bpf_prog {
    BPFFS_MD_PTR(struct bpf_iter_meta *, meta);
    BPFFS_MD_PTR(struct bpf_prog *, prog);
};

struct bpf_iter__bpf_link {
    BPFFS_MD_PTR(struct bpf_iter_meta *, meta);
    BPFFS_MD_PTR(struct bpf_link *, link);
};

#ifdef __cplusplus
}  // namespace bpffs::kview
#endif

#endif /* BPFFS_KERNEL_TYPES_H */
