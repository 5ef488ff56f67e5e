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
/* The daemon fills enum-typed fields from the integers the UAPI passes. */
#define BPFFS_KVIEW_ENUM(name) __u32
#else
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
/* Named by libbpf's bpf_helper_defs.h, which programs include after
 * the vmlinux.h generated from this BTF. */
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
#define BPFFS_KVIEW_BOOL _Bool
#define BPFFS_KVIEW_ENUM(name) enum name

/* The UAPI enums under their kernel names and values (the running kernel's
 * vmlinux BTF has the same): programs written against the kernel's
 * vmlinux.h relocate bpf_core_enum_value() against them, and read the
 * fields typed with them (an int and an enum do not match under CO-RE).
 * Every value fits an unsigned int, so each enum is 4 bytes, as the
 * __u32 the C++ side declares. */
enum bpf_map_type {
    BPF_MAP_TYPE_UNSPEC = 0,
    BPF_MAP_TYPE_HASH = 1,
    BPF_MAP_TYPE_ARRAY = 2,
    BPF_MAP_TYPE_PROG_ARRAY = 3,
    BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
    BPF_MAP_TYPE_PERCPU_HASH = 5,
    BPF_MAP_TYPE_PERCPU_ARRAY = 6,
    BPF_MAP_TYPE_STACK_TRACE = 7,
    BPF_MAP_TYPE_CGROUP_ARRAY = 8,
    BPF_MAP_TYPE_LRU_HASH = 9,
    BPF_MAP_TYPE_LRU_PERCPU_HASH = 10,
    BPF_MAP_TYPE_LPM_TRIE = 11,
    BPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
    BPF_MAP_TYPE_HASH_OF_MAPS = 13,
    BPF_MAP_TYPE_DEVMAP = 14,
    BPF_MAP_TYPE_SOCKMAP = 15,
    BPF_MAP_TYPE_CPUMAP = 16,
    BPF_MAP_TYPE_XSKMAP = 17,
    BPF_MAP_TYPE_SOCKHASH = 18,
    BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED = 19,
    BPF_MAP_TYPE_CGROUP_STORAGE = 19,
    BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20,
    BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED = 21,
    BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE = 21,
    BPF_MAP_TYPE_QUEUE = 22,
    BPF_MAP_TYPE_STACK = 23,
    BPF_MAP_TYPE_SK_STORAGE = 24,
    BPF_MAP_TYPE_DEVMAP_HASH = 25,
    BPF_MAP_TYPE_STRUCT_OPS = 26,
    BPF_MAP_TYPE_RINGBUF = 27,
    BPF_MAP_TYPE_INODE_STORAGE = 28,
    BPF_MAP_TYPE_TASK_STORAGE = 29,
    BPF_MAP_TYPE_BLOOM_FILTER = 30,
    BPF_MAP_TYPE_USER_RINGBUF = 31,
    BPF_MAP_TYPE_CGRP_STORAGE = 32,
    BPF_MAP_TYPE_ARENA = 33,
    __MAX_BPF_MAP_TYPE = 34,
};

enum bpf_prog_type {
    BPF_PROG_TYPE_UNSPEC = 0,
    BPF_PROG_TYPE_SOCKET_FILTER = 1,
    BPF_PROG_TYPE_KPROBE = 2,
    BPF_PROG_TYPE_SCHED_CLS = 3,
    BPF_PROG_TYPE_SCHED_ACT = 4,
    BPF_PROG_TYPE_TRACEPOINT = 5,
    BPF_PROG_TYPE_XDP = 6,
    BPF_PROG_TYPE_PERF_EVENT = 7,
    BPF_PROG_TYPE_CGROUP_SKB = 8,
    BPF_PROG_TYPE_CGROUP_SOCK = 9,
    BPF_PROG_TYPE_LWT_IN = 10,
    BPF_PROG_TYPE_LWT_OUT = 11,
    BPF_PROG_TYPE_LWT_XMIT = 12,
    BPF_PROG_TYPE_SOCK_OPS = 13,
    BPF_PROG_TYPE_SK_SKB = 14,
    BPF_PROG_TYPE_CGROUP_DEVICE = 15,
    BPF_PROG_TYPE_SK_MSG = 16,
    BPF_PROG_TYPE_RAW_TRACEPOINT = 17,
    BPF_PROG_TYPE_CGROUP_SOCK_ADDR = 18,
    BPF_PROG_TYPE_LWT_SEG6LOCAL = 19,
    BPF_PROG_TYPE_LIRC_MODE2 = 20,
    BPF_PROG_TYPE_SK_REUSEPORT = 21,
    BPF_PROG_TYPE_FLOW_DISSECTOR = 22,
    BPF_PROG_TYPE_CGROUP_SYSCTL = 23,
    BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE = 24,
    BPF_PROG_TYPE_CGROUP_SOCKOPT = 25,
    BPF_PROG_TYPE_TRACING = 26,
    BPF_PROG_TYPE_STRUCT_OPS = 27,
    BPF_PROG_TYPE_EXT = 28,
    BPF_PROG_TYPE_LSM = 29,
    BPF_PROG_TYPE_SK_LOOKUP = 30,
    BPF_PROG_TYPE_SYSCALL = 31,
    BPF_PROG_TYPE_NETFILTER = 32,
    __MAX_BPF_PROG_TYPE = 33,
};

enum bpf_attach_type {
    BPF_CGROUP_INET_INGRESS = 0,
    BPF_CGROUP_INET_EGRESS = 1,
    BPF_CGROUP_INET_SOCK_CREATE = 2,
    BPF_CGROUP_SOCK_OPS = 3,
    BPF_SK_SKB_STREAM_PARSER = 4,
    BPF_SK_SKB_STREAM_VERDICT = 5,
    BPF_CGROUP_DEVICE = 6,
    BPF_SK_MSG_VERDICT = 7,
    BPF_CGROUP_INET4_BIND = 8,
    BPF_CGROUP_INET6_BIND = 9,
    BPF_CGROUP_INET4_CONNECT = 10,
    BPF_CGROUP_INET6_CONNECT = 11,
    BPF_CGROUP_INET4_POST_BIND = 12,
    BPF_CGROUP_INET6_POST_BIND = 13,
    BPF_CGROUP_UDP4_SENDMSG = 14,
    BPF_CGROUP_UDP6_SENDMSG = 15,
    BPF_LIRC_MODE2 = 16,
    BPF_FLOW_DISSECTOR = 17,
    BPF_CGROUP_SYSCTL = 18,
    BPF_CGROUP_UDP4_RECVMSG = 19,
    BPF_CGROUP_UDP6_RECVMSG = 20,
    BPF_CGROUP_GETSOCKOPT = 21,
    BPF_CGROUP_SETSOCKOPT = 22,
    BPF_TRACE_RAW_TP = 23,
    BPF_TRACE_FENTRY = 24,
    BPF_TRACE_FEXIT = 25,
    BPF_MODIFY_RETURN = 26,
    BPF_LSM_MAC = 27,
    BPF_TRACE_ITER = 28,
    BPF_CGROUP_INET4_GETPEERNAME = 29,
    BPF_CGROUP_INET6_GETPEERNAME = 30,
    BPF_CGROUP_INET4_GETSOCKNAME = 31,
    BPF_CGROUP_INET6_GETSOCKNAME = 32,
    BPF_XDP_DEVMAP = 33,
    BPF_CGROUP_INET_SOCK_RELEASE = 34,
    BPF_XDP_CPUMAP = 35,
    BPF_SK_LOOKUP = 36,
    BPF_XDP = 37,
    BPF_SK_SKB_VERDICT = 38,
    BPF_SK_REUSEPORT_SELECT = 39,
    BPF_SK_REUSEPORT_SELECT_OR_MIGRATE = 40,
    BPF_PERF_EVENT = 41,
    BPF_TRACE_KPROBE_MULTI = 42,
    BPF_LSM_CGROUP = 43,
    BPF_STRUCT_OPS = 44,
    BPF_NETFILTER = 45,
    BPF_TCX_INGRESS = 46,
    BPF_TCX_EGRESS = 47,
    BPF_TRACE_UPROBE_MULTI = 48,
    BPF_CGROUP_UNIX_CONNECT = 49,
    BPF_CGROUP_UNIX_SENDMSG = 50,
    BPF_CGROUP_UNIX_RECVMSG = 51,
    BPF_CGROUP_UNIX_GETPEERNAME = 52,
    BPF_CGROUP_UNIX_GETSOCKNAME = 53,
    BPF_NETKIT_PRIMARY = 54,
    BPF_NETKIT_PEER = 55,
    BPF_TRACE_KPROBE_SESSION = 56,
    BPF_TRACE_UPROBE_SESSION = 57,
    __MAX_BPF_ATTACH_TYPE = 58,
};

enum bpf_link_type {
    BPF_LINK_TYPE_UNSPEC = 0,
    BPF_LINK_TYPE_RAW_TRACEPOINT = 1,
    BPF_LINK_TYPE_TRACING = 2,
    BPF_LINK_TYPE_CGROUP = 3,
    BPF_LINK_TYPE_ITER = 4,
    BPF_LINK_TYPE_NETNS = 5,
    BPF_LINK_TYPE_XDP = 6,
    BPF_LINK_TYPE_PERF_EVENT = 7,
    BPF_LINK_TYPE_KPROBE_MULTI = 8,
    BPF_LINK_TYPE_STRUCT_OPS = 9,
    BPF_LINK_TYPE_NETFILTER = 10,
    BPF_LINK_TYPE_TCX = 11,
    BPF_LINK_TYPE_UPROBE_MULTI = 12,
    BPF_LINK_TYPE_NETKIT = 13,
    BPF_LINK_TYPE_SOCKMAP = 14,
    __MAX_BPF_LINK_TYPE = 15,
};
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
    BPFFS_KVIEW_ENUM(bpf_map_type) map_type;
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
    BPFFS_KVIEW_ENUM(bpf_prog_type) type;
    BPFFS_KVIEW_ENUM(bpf_attach_type) expected_attach_type;
    __u32 len;                  /* number of instructions */
    __u8 tag[8];
    struct bpf_prog_aux *aux;
};

struct bpf_link {
    __u32 id;
    BPFFS_KVIEW_ENUM(bpf_link_type) type;
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
