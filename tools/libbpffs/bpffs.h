/* libbpffs: the client C API of bpffsd.
 *
 * The functions have the shapes of libbpf's low-level bpf.h (bpf_map_create,
 * bpf_map_update_elem, bpf_obj_pin, ...) with a bpffs_ prefix, and the same
 * error convention as libbpf 1.x: 0 or a new fd on success, a negative errno
 * on failure, with errno set too. The daemon's sentence explaining the last
 * failure of this thread is available from bpffs_last_error().
 *
 * File descriptors are the daemon's: numbered per connection, lowest free
 * first (like the kernel's), valid on this process's connection only, and
 * released when it closes. One connection per process, opened lazily by the
 * first command and shared by all threads.
 */
#ifndef BPFFS_H
#define BPFFS_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- choosing the daemon ----
 * Order: bpffs_set_socket(), else $BPFFS_SOCKET, else the daemon owning the
 * mount of the first path a command names (its root advertises the socket in
 * the extended attribute "user.bpffs.socket"), else /run/bpffsd.sock. */
#define BPFFS_DEFAULT_SOCKET "/run/bpffsd.sock"
#define BPFFS_SOCKET_XATTR "user.bpffs.socket"

int bpffs_set_socket(const char *socket_path);
/* Writes the socket of the daemon whose mount holds path into buf. */
int bpffs_find_socket(const char *path, char *buf, size_t len);
/* Closes the connection (all its fds are released by the daemon). */
void bpffs_disconnect(void);
/* The daemon's sentence for this thread's last failed call ("" if none). */
const char *bpffs_last_error(void);

/* ---- maps ---- */
struct bpffs_map_create_opts {
    size_t sz; /* sizeof(struct bpffs_map_create_opts) */
    __u32 btf_fd;
    __u32 btf_key_type_id;
    __u32 btf_value_type_id;
    __u32 btf_vmlinux_value_type_id;
    __u32 inner_map_fd;
    __u32 map_flags;
    __u64 map_extra;
    __u32 numa_node;
    __u32 map_ifindex;
};

int bpffs_map_create(enum bpf_map_type map_type, const char *map_name, __u32 key_size,
                     __u32 value_size, __u32 max_entries, const struct bpffs_map_create_opts *opts);
int bpffs_map_update_elem(int fd, const void *key, const void *value, __u64 flags);
int bpffs_map_lookup_elem(int fd, const void *key, void *value);
int bpffs_map_lookup_elem_flags(int fd, const void *key, void *value, __u64 flags);
int bpffs_map_lookup_and_delete_elem(int fd, const void *key, void *value);
int bpffs_map_lookup_and_delete_elem_flags(int fd, const void *key, void *value, __u64 flags);
int bpffs_map_delete_elem(int fd, const void *key);
int bpffs_map_get_next_key(int fd, const void *key, void *next_key);
int bpffs_map_freeze(int fd);

struct bpffs_map_batch_opts {
    size_t sz; /* sizeof(struct bpffs_map_batch_opts) */
    __u64 elem_flags;
    __u64 flags;
};

/* in_batch/out_batch: 4-byte opaque cursors (in_batch NULL starts over).
 * *count: capacity in, elements processed out (also on failure). */
int bpffs_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
                           __u32 *count, const struct bpffs_map_batch_opts *opts);
int bpffs_map_lookup_and_delete_batch(int fd, void *in_batch, void *out_batch, void *keys,
                                      void *values, __u32 *count,
                                      const struct bpffs_map_batch_opts *opts);
int bpffs_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
                           const struct bpffs_map_batch_opts *opts);
int bpffs_map_delete_batch(int fd, const void *keys, __u32 *count,
                           const struct bpffs_map_batch_opts *opts);

/* Pipelined single-element operations: ops[0..n) are performed in order,
 * each exactly as the matching bpffs_map_*_elem call would perform it, but
 * with many requests in flight on the connection instead of one round trip
 * each. Each op's outcome (0 or a negative errno) lands in its result; a
 * failed op does not stop the ones after it. Returns 0 if every op
 * succeeded, else the first failure's negative errno (errno and
 * bpffs_last_error() tell the last failure). If the connection is lost,
 * the ops left without a reply get -ENOTCONN. */
struct bpffs_map_op {
    __u32 cmd; /* BPF_MAP_LOOKUP_ELEM, BPF_MAP_LOOKUP_AND_DELETE_ELEM,
                  BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY */
    int fd;
    const void *key; /* get_next_key: NULL asks for the first key */
    void *value;     /* lookups: out; update: in; get_next_key: the next key, out */
    __u64 flags;     /* lookups, update: as their calls' flags */
    int result;      /* out */
};
int bpffs_map_ops(struct bpffs_map_op *ops, size_t n);

/* ---- pinning ----
 * Paths are resolved against this process's working directory and must lie
 * under the daemon's mount. */
struct bpffs_obj_get_opts {
    size_t sz;        /* sizeof(struct bpffs_obj_get_opts) */
    __u32 file_flags; /* BPF_F_RDONLY / BPF_F_WRONLY */
};

int bpffs_obj_pin(int fd, const char *pathname);
int bpffs_obj_get(const char *pathname);
int bpffs_obj_get_opts(const char *pathname, const struct bpffs_obj_get_opts *opts);

/* ---- ids and information ---- */
int bpffs_map_get_next_id(__u32 start_id, __u32 *next_id);
int bpffs_map_get_fd_by_id(__u32 id);
/* info points at a struct bpf_map_info (and later bpf_prog_info,
 * bpf_link_info, bpf_btf_info) of *info_len bytes; *info_len is set to the
 * bytes filled in. */
int bpffs_obj_get_info_by_fd(int bpf_fd, void *info, __u32 *info_len);

/* What the kernel shows in /proc/PID/fdinfo for a BPF fd and bpftool prints. */
struct bpffs_fdinfo {
    __u32 kind; /* 0 map, 1 prog, 2 link, 3 btf */
    __u32 id;
    __u64 memlock;  /* bytes */
    __u32 frozen;   /* maps */
    __u32 fd_flags; /* BPF_F_RDONLY / BPF_F_WRONLY of this fd */
};
int bpffs_obj_get_fdinfo(int fd, struct bpffs_fdinfo *info);

int bpffs_close(int fd);

/* ---- programs and BTF ----
 * bpffs_prog_load has libbpf's bpf_prog_load shape. Iterator programs
 * (BPF_PROG_TYPE_TRACING, expected_attach_type BPF_TRACE_ITER) name their
 * target with attach_target ("bpf_map_elem"), bpffsd's stand-in for
 * attach_btf_id; attach_btf_id may instead be the id of the type
 * bpf_iter__<target> in the daemon's BTF (bpffs_daemon_btf). Socket filters
 * load too (no attach point yet). LDDW map references carry map fds of this
 * connection. With log_level > 0 the daemon's log lands in log_buf. */
struct bpffs_prog_load_opts {
    size_t sz; /* sizeof(struct bpffs_prog_load_opts) */
    __u32 expected_attach_type;
    __u32 prog_flags;
    const char *attach_target;
    __u32 attach_btf_id;
    __u32 prog_btf_fd;
    __u32 func_info_rec_size;
    const void *func_info;
    __u32 func_info_cnt;
    __u32 line_info_rec_size;
    const void *line_info;
    __u32 line_info_cnt;
    __u32 log_level;
    __u32 log_size;
    char *log_buf;
    __u32 kern_version;
};
int bpffs_prog_load(enum bpf_prog_type prog_type, const char *prog_name, const char *license,
                    const struct bpf_insn *insns, size_t insn_cnt,
                    const struct bpffs_prog_load_opts *opts);

struct bpffs_btf_load_opts {
    size_t sz; /* sizeof(struct bpffs_btf_load_opts) */
    char *log_buf;
    __u32 log_level;
    __u32 log_size;
};
int bpffs_btf_load(const void *btf_data, size_t btf_size, const struct bpffs_btf_load_opts *opts);

int bpffs_prog_get_next_id(__u32 start_id, __u32 *next_id);
int bpffs_prog_get_fd_by_id(__u32 id);
int bpffs_btf_get_next_id(__u32 start_id, __u32 *next_id);
int bpffs_btf_get_fd_by_id(__u32 id);

/* The daemon's own BTF (its /sys/kernel/btf/vmlinux): *data is malloc'ed,
 * the caller frees it. */
int bpffs_daemon_btf(void **data, size_t *len);

/* bpffs_obj_get_info_by_fd fills struct bpf_prog_info for programs (with
 * xlated_prog_insns, map_ids, func_info, line_info copied into the
 * caller's buffers as the kernel does, the lengths set to the full sizes)
 * and struct bpf_btf_info for BTF (btf, name). Extensions the kernel's
 * struct has no room for: */
/* The iterator target of a program ("" if none), into buf. */
int bpffs_prog_attach_target(int prog_fd, char *buf, size_t len);

/* ---- BPF objects (libbpf's bpf_object, bpf_program, bpf_map) ----
 * A clang-compiled object (clang -g -O2 -target bpf) opened, then loaded
 * into the daemon as libbpf loads it into the kernel:
 *
 *   struct bpffs_object *obj = bpffs_object__open_file("it.bpf.o", NULL);
 *   if (!obj) ... errno, bpffs_last_error()
 *   if (bpffs_object__load(obj) < 0) ...
 *   struct bpffs_program *p = bpffs_object__find_program_by_name(obj, "dump");
 *   bpffs_obj_pin(bpffs_program__fd(p), "/run/bpffs/dump");
 *   bpffs_object__close(obj);   (pins keep the objects alive)
 *
 * open parses the ELF file (programs by libbpf's section names, maps,
 * global data, BTF, .BTF.ext); nothing reaches the daemon. load fetches the
 * daemon's BTF when the object has CO-RE relocations and relocates against
 * it, loads the object's BTF (BTF_LOAD), creates the maps (global data maps
 * with their initial values, .rodata frozen; maps pinned by name with
 * LIBBPF_PIN_BY_NAME are reused from, or pinned at, pin_root_path/NAME when
 * compatible), then loads every program with its func_info/line_info and its
 * map references resolved to this connection's fds.
 *
 * Errors as libbpf 1.x: open returns NULL with errno set; the others return
 * a negative errno (errno set too); bpffs_last_error() says why. Objects are
 * not thread-safe; the daemon connection they use is. */
struct bpffs_object;
struct bpffs_program;
struct bpffs_map;

struct bpffs_object_open_opts {
    size_t sz; /* sizeof(struct bpffs_object_open_opts) */
    /* The object's name (map name prefixes); default: the file name up to
     * its first '.', or "mem" for bpffs_object__open_mem. */
    const char *object_name;
    /* Where maps declared with __uint(pinning, LIBBPF_PIN_BY_NAME) are
     * pinned (libbpf's default is /sys/fs/bpf; bpffsd has no fixed mount,
     * so such maps need this: bpffs_find_mount_root() gives a mount's root). */
    const char *pin_root_path;
    /* Log level of each PROG_LOAD (0: none; a failed load is always
     * repeated with level 1 so that bpffs_last_error() holds the log). */
    __u32 kernel_log_level;
};

struct bpffs_object *bpffs_object__open_file(const char *path,
                                             const struct bpffs_object_open_opts *opts);
struct bpffs_object *bpffs_object__open_mem(const void *obj_buf, size_t obj_buf_sz,
                                            const struct bpffs_object_open_opts *opts);
int bpffs_object__load(struct bpffs_object *obj);
/* Closes every fd of the object (programs, maps, BTF) and frees it. */
void bpffs_object__close(struct bpffs_object *obj);
const char *bpffs_object__name(const struct bpffs_object *obj);
/* The fd of the object's loaded BTF, or a negative errno. */
int bpffs_object__btf_fd(const struct bpffs_object *obj);

/* Programs, in section then address order (NULL starts, NULL ends). */
struct bpffs_program *bpffs_object__next_program(const struct bpffs_object *obj,
                                                 struct bpffs_program *prog);
struct bpffs_program *bpffs_object__find_program_by_name(const struct bpffs_object *obj,
                                                         const char *name);
/* The function's name (a PROG_LOAD name keeps its first 15 characters). */
const char *bpffs_program__name(const struct bpffs_program *prog);
/* "iter/bpf_map_elem" */
const char *bpffs_program__section_name(const struct bpffs_program *prog);
/* The iterator target named by the section: "bpf_map_elem" ("" if none). */
const char *bpffs_program__attach_target(const struct bpffs_program *prog);
enum bpf_prog_type bpffs_program__type(const struct bpffs_program *prog);
enum bpf_attach_type bpffs_program__expected_attach_type(const struct bpffs_program *prog);
/* Before load: override what the section name says. */
int bpffs_program__set_type(struct bpffs_program *prog, enum bpf_prog_type type);
int bpffs_program__set_expected_attach_type(struct bpffs_program *prog,
                                            enum bpf_attach_type type);
/* Before load: whether load() loads this program (default true). */
int bpffs_program__set_autoload(struct bpffs_program *prog, int autoload);
int bpffs_program__autoload(const struct bpffs_program *prog);
/* After load: the program's fd, or -EINVAL if it is not loaded. */
int bpffs_program__fd(const struct bpffs_program *prog);
/* The instructions: as in the object before load, relocated after. */
const struct bpf_insn *bpffs_program__insns(const struct bpffs_program *prog);
size_t bpffs_program__insn_cnt(const struct bpffs_program *prog);
int bpffs_program__pin(struct bpffs_program *prog, const char *path);
/* Pins every loaded program at path/<program name>. */
int bpffs_object__pin_programs(struct bpffs_object *obj, const char *path);

/* Maps, in the object's order: .maps, legacy maps, then global data. */
struct bpffs_map *bpffs_object__next_map(const struct bpffs_object *obj, struct bpffs_map *map);
struct bpffs_map *bpffs_object__find_map_by_name(const struct bpffs_object *obj,
                                                 const char *name);
/* The map's name as the daemon knows it ("globals.rodata" for .rodata). */
const char *bpffs_map__name(const struct bpffs_map *map);
enum bpf_map_type bpffs_map__type(const struct bpffs_map *map);
__u32 bpffs_map__key_size(const struct bpffs_map *map);
__u32 bpffs_map__value_size(const struct bpffs_map *map);
__u32 bpffs_map__max_entries(const struct bpffs_map *map);
__u32 bpffs_map__map_flags(const struct bpffs_map *map);
/* After load: the map's fd, or -EINVAL if it is not created. */
int bpffs_map__fd(const struct bpffs_map *map);
/* Global data: the value written at load (settable before load, same size). */
const void *bpffs_map__initial_value(const struct bpffs_map *map, size_t *psize);
int bpffs_map__set_initial_value(struct bpffs_map *map, const void *data, size_t size);
/* Pins at path (NULL: the map's pin path from LIBBPF_PIN_BY_NAME). As in
 * libbpf, a map with a pin path refuses another path (EINVAL) and pinning
 * again at its own path does nothing. */
int bpffs_map__pin(struct bpffs_map *map, const char *path);
const char *bpffs_map__pin_path(const struct bpffs_map *map);
int bpffs_map__is_pinned(const struct bpffs_map *map);
/* Pins every map at path/<map name> (maps with a pin path: there). */
int bpffs_object__pin_maps(struct bpffs_object *obj, const char *path);

/* The root of the bpffsd mount holding path (the ancestor advertising
 * BPFFS_SOCKET_XATTR), into buf. */
int bpffs_find_mount_root(const char *path, char *buf, size_t len);

/* ---- links and iterators ----
 * libbpf's bpf_link_create / bpf_link_update / bpf_link_detach /
 * bpf_iter_create shapes. bpffsd links iterator programs: attach_type
 * BPF_TRACE_ITER, target_fd 0, iter_info for targets that take a
 * parameter (bpf_map_elem: map.map_fd, a map fd of this connection).
 * bpffs_obj_get_info_by_fd fills struct bpf_link_info for links (type
 * BPF_LINK_TYPE_ITER, id, prog_id, iter.target_name into the caller's
 * buffer with the kernel's rules, iter.map.map_id). */
struct bpffs_link_create_opts {
    size_t sz; /* sizeof(struct bpffs_link_create_opts) */
    __u32 flags;
    union bpf_iter_link_info *iter_info;
    __u32 iter_info_len;
};
int bpffs_link_create(int prog_fd, int target_fd, enum bpf_attach_type attach_type,
                      const struct bpffs_link_create_opts *opts);

struct bpffs_link_update_opts {
    size_t sz;         /* sizeof(struct bpffs_link_update_opts) */
    __u32 flags;       /* BPF_F_REPLACE */
    __u32 old_prog_fd; /* with BPF_F_REPLACE: the program expected in the link */
};
int bpffs_link_update(int link_fd, int new_prog_fd, const struct bpffs_link_update_opts *opts);
/* Iterator links cannot be detached: -EOPNOTSUPP, as in the kernel. */
int bpffs_link_detach(int link_fd);
int bpffs_link_get_next_id(__u32 start_id, __u32 *next_id);
int bpffs_link_get_fd_by_id(__u32 id);

/* An anonymous iterator on an iterator link: a new fd with its own session
 * (new session_id, seq_num 0) running the link's current program. It keeps
 * the program and the map alive after the link fd is closed. */
int bpffs_iter_create(int link_fd);
/* One read(2) of the iterator fd: exactly one bpf_seq_read(size) in the
 * daemon, so short reads, E2BIG and EAGAIN are the kernel's. Returns the
 * bytes copied into buf (0 at the end) or a negative errno. */
ssize_t bpffs_iter_read(int iter_fd, void *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* BPFFS_H */
