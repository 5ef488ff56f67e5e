/* map_btf_fill: creates maps with BTF key/value types, fills them and pins
 * them, either in the kernel (libbpf on a `mount -t bpf`) or in bpffsd
 * (libbpffs), with the same calls in the same order, so that `cat` of the
 * pinned maps can be compared byte for byte (map_btf.sh).
 *
 * usage: map_btf_fill kernel|bpffsd BTF_FILE DIR
 * Prints one line per map (created, or the errno of a creation the kernel
 * refuses), so the transcripts of both sides can be compared too. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/diff/map_btf_types.h"
#include "tools/libbpffs/bpffs.h"

static int use_kernel;
static const char *pin_dir;
static struct btf *types;
static int btf_fd = -1;

static int ncpus(void) {
    return libbpf_num_possible_cpus();
}

static __u32 type_id(const char *name, int kind) {
    int id = btf__find_by_name_kind(types, name, kind);
    if (id < 0) {
        fprintf(stderr, "type %s not found in the BTF\n", name);
        exit(2);
    }
    return (__u32)id;
}

/* The id of the first anonymous ARRAY of nelems elements of elem_id. */
static __u32 array_id(__u32 elem_id, __u32 nelems) {
    __u32 n = btf__type_cnt(types);
    for (__u32 id = 1; id < n; id++) {
        const struct btf_type *t = btf__type_by_id(types, id);
        if (btf_is_array(t) && btf_array(t)->type == elem_id && btf_array(t)->nelems == nelems)
            return id;
    }
    fprintf(stderr, "array type not found in the BTF\n");
    exit(2);
}

/* The type of member name of struct struct_id. */
static __u32 member_type(__u32 struct_id, const char *name) {
    const struct btf_type *t = btf__type_by_id(types, struct_id);
    const struct btf_member *m = btf_members(t);
    for (int i = 0; i < btf_vlen(t); i++, m++)
        if (strcmp(btf__name_by_offset(types, m->name_off), name) == 0) return m->type;
    fprintf(stderr, "member %s not found in the BTF\n", name);
    exit(2);
}

static int map_create(const char *name, enum bpf_map_type type, __u32 key_size, __u32 value_size,
                      __u32 entries, __u32 flags, int fd_of_btf, __u32 key_id, __u32 value_id) {
    int fd;
    if (use_kernel) {
        LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
        if (fd_of_btf >= 0) {
            opts.btf_fd = fd_of_btf;
            opts.btf_key_type_id = key_id;
            opts.btf_value_type_id = value_id;
        }
        fd = bpf_map_create(type, name, key_size, value_size, entries, &opts);
    } else {
        struct bpffs_map_create_opts opts = {.sz = sizeof(opts), .map_flags = flags};
        if (fd_of_btf >= 0) {
            opts.btf_fd = fd_of_btf;
            opts.btf_key_type_id = key_id;
            opts.btf_value_type_id = value_id;
        }
        fd = bpffs_map_create(type, name, key_size, value_size, entries, &opts);
    }
    return fd < 0 ? -errno : fd;
}

static void update(int fd, const void *key, const void *value) {
    int err = use_kernel ? bpf_map_update_elem(fd, key, value, BPF_ANY)
                         : bpffs_map_update_elem(fd, key, value, BPF_ANY);
    if (err) {
        fprintf(stderr, "update failed: %s\n", strerror(errno));
        exit(1);
    }
}

static void pin(int fd, const char *name) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
    int err = use_kernel ? bpf_obj_pin(fd, path) : bpffs_obj_pin(fd, path);
    if (err) {
        fprintf(stderr, "pin %s failed: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* Creates and pins a map; exits on failure. */
static int make(const char *name, enum bpf_map_type type, __u32 key_size, __u32 value_size,
                __u32 entries, __u32 flags, __u32 key_id, __u32 value_id) {
    int fd = map_create(name, type, key_size, value_size, entries, flags, btf_fd, key_id, value_id);
    if (fd < 0) {
        fprintf(stderr, "creating %s failed: %s (%s)\n", name, strerror(-fd),
                use_kernel ? "kernel" : bpffs_last_error());
        exit(1);
    }
    pin(fd, name);
    printf("%s: created\n", name);
    return fd;
}

/* A creation the kernel refuses: prints the errno. */
static void refuse(const char *what, enum bpf_map_type type, __u32 key_size, __u32 value_size,
                   int fd_of_btf, __u32 key_id, __u32 value_id) {
    int fd = map_create("bad", type, key_size, value_size, 4, 0, fd_of_btf, key_id, value_id);
    printf("%s: %s\n", what, fd < 0 ? strerror(-fd) : "created");
}

static void fill_value1(struct value1 *v, int i, const char *name, unsigned long long big) {
    memset(v, 0, sizeof(*v));
    v->i = i;
    memcpy(v->name, name, strnlen(name, sizeof(v->name))); /* no NUL when it fills name */
    v->big = big;
    v->f1 = (unsigned)i & 1;
    v->f2 = 7;
    v->arr[0] = 3;
    v->arr[1] = -i;
}

static void fill_mixed(struct mixed *m) {
    static const char text[8] = {'h', 'i', 1, (char)0xe9, (char)0x80, 'y', 'o', 0};
    memset(m, 0, sizeof(*m));
    memcpy(m->text, text, sizeof(text));
    m->bytes[0] = 'A';
    m->bytes[1] = 0;
    m->bytes[2] = 'B';
    m->bytes[3] = 200;
    m->flag = 1;
    m->col = BLUE;
    m->ptr = (void *)(uintptr_t)0x1234;   /* hashed, as %p prints it */
    m->str = (const char *)(uintptr_t)-2; /* an error pointer: printed raw */
    m->in.s = -3;
    m->in.u8 = 250;
    m->in.c = 'z';
    m->ins[0].s = 1;
    m->ins[0].u8 = 2;
    m->ins[0].c = 'a';
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++)
            m->grid[r][c] = r * 3 + c + 1;
    m->u.x = 0x41424344;
    m->neg = -5;
    m->wide = ((unsigned __int128)1 << 70) + 5;
    m->fl = 1.5f;
    *(u32 *)&m->cv = 7;
    m->nested.anon_a = 9;
    m->nested.anon_b = 'q';
    m->ptrs[0] = NULL;
    m->ptrs[1] = (struct inner *)(uintptr_t)-22; /* an error pointer: printed raw */
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[1], "kernel") != 0 && strcmp(argv[1], "bpffsd") != 0)) {
        fprintf(stderr, "usage: %s kernel|bpffsd BTF_FILE DIR\n", argv[0]);
        return 2;
    }
    use_kernel = strcmp(argv[1], "kernel") == 0;
    pin_dir = argv[3];
    types = btf__parse_raw(argv[2]);
    if (!types) {
        fprintf(stderr, "cannot read BTF %s: %s\n", argv[2], strerror(errno));
        return 2;
    }
    __u32 raw_size;
    const void *raw = btf__raw_data(types, &raw_size);
    btf_fd = use_kernel ? bpf_btf_load(raw, raw_size, NULL) : bpffs_btf_load(raw, raw_size, NULL);
    if (btf_fd < 0) {
        fprintf(stderr, "BTF_LOAD failed: %s\n", strerror(errno));
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    __u32 t_int = type_id("int", BTF_KIND_INT);
    __u32 t_u32 = type_id("u32", BTF_KIND_TYPEDEF);
    __u32 t_u64 = type_id("u64", BTF_KIND_TYPEDEF);
    __u32 t_char = type_id("char", BTF_KIND_INT);
    __u32 t_value1 = type_id("value1", BTF_KIND_STRUCT);
    __u32 t_mixed = type_id("mixed", BTF_KIND_STRUCT);
    __u32 t_inner = type_id("inner", BTF_KIND_STRUCT);
    __u32 t_key2 = type_id("key2", BTF_KIND_STRUCT);
    __u32 t_flags = type_id("flags", BTF_KIND_STRUCT);
    __u32 t_color = type_id("color", BTF_KIND_ENUM);
    __u32 t_level = type_id("level", BTF_KIND_ENUM);
    __u32 t_with_empty = type_id("with_empty", BTF_KIND_STRUCT);
    __u32 t_all = type_id("all_types", BTF_KIND_STRUCT);
    __u32 t_func = type_id("use_all_types", BTF_KIND_FUNC);
    __u32 t_char8 = array_id(t_char, 8);
    __u32 t_char4 = array_id(t_char, 4);
    __u32 t_grid = member_type(t_all, "l");
    int cpus = ncpus();

    /* hash: int -> struct value1 */
    int fd = make("hash_v1", BPF_MAP_TYPE_HASH, 4, sizeof(struct value1), 8, BPF_F_ZERO_SEED, t_int,
                  t_value1);
    struct value1 v1;
    int keys[] = {1, -2, 3, 70000};
    for (int i = 0; i < 4; i++) {
        fill_value1(&v1, -keys[i], i == 2 ? "abcd" : "ab", 578437695752307201ULL * (unsigned)i);
        update(fd, &keys[i], &v1);
    }

    /* array: u32 -> struct mixed (index 1 stays zero) */
    fd = make("array_mixed", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct mixed), 3, 0, t_u32, t_mixed);
    struct mixed mixed;
    fill_mixed(&mixed);
    u32 idx = 0;
    update(fd, &idx, &mixed);
    memset(&mixed, 0, sizeof(mixed));
    mixed.text[0] = 'x';
    mixed.col = GREEN;
    mixed.grid[1][2] = 42;
    idx = 2;
    update(fd, &idx, &mixed);

    /* per-CPU hash: struct key2 -> struct inner */
    fd = make("pcpu_hash_key2", BPF_MAP_TYPE_PERCPU_HASH, sizeof(struct key2), sizeof(struct inner),
              4, BPF_F_ZERO_SEED, t_key2, t_inner);
    size_t stride = (sizeof(struct inner) + 7) / 8 * 8;
    char *pcpu = calloc(cpus, stride > 8 ? stride : 8);
    for (int k = 0; k < 2; k++) {
        struct key2 key = {.a = 100 + k, .b = 7, .c = 255, .d = 'k'};
        for (int c = 0; c < cpus; c++) {
            struct inner *in = (struct inner *)(pcpu + c * stride);
            in->s = (short)(c * 10 - k);
            in->u8 = (unsigned char)c;
            in->c = (char)('a' + c);
        }
        update(fd, &key, pcpu);
    }
    free(pcpu);

    /* per-CPU array: u32 -> struct flags (bitfields) */
    fd = make("pcpu_array_flag", BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(struct flags), 2, 0, t_u32,
              t_flags);
    pcpu = calloc(cpus, sizeof(struct flags));
    for (int c = 0; c < cpus; c++) {
        struct flags *f = (struct flags *)(pcpu + c * sizeof(struct flags));
        f->a = 1;
        f->b = (unsigned)c + 2;
        f->c = 4095;
        f->d = -3 - c;
        f->e = 0xabcdef1234ULL;
    }
    idx = 1;
    update(fd, &idx, pcpu);
    free(pcpu);

    /* empty hash: int -> u64 */
    make("empty_hash", BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_ZERO_SEED, t_int, t_u64);

    /* LRU hash: char[8] -> enum color (a name, and a value without one) */
    fd = make("lru_hash_enum", BPF_MAP_TYPE_LRU_HASH, 8, sizeof(enum color), 16, BPF_F_ZERO_SEED,
              t_char8, t_color);
    char name8[8] = "one";
    enum color col = GREEN;
    update(fd, name8, &col);
    memcpy(name8, "two\0\0\0\0\0", 8);
    col = (enum color)7;
    update(fd, name8, &col);

    /* hash: u64 -> struct with an empty struct inside */
    fd = make("hash_with_empty", BPF_MAP_TYPE_HASH, 8, sizeof(struct with_empty), 2,
              BPF_F_ZERO_SEED, t_u64, t_with_empty);
    u64 k64 = 1ULL << 40;
    struct with_empty we = {.before = 1, .after = -1};
    update(fd, &k64, &we);

    /* array: int -> int[3][2] (arrays of arrays) */
    fd = make("array_grid", BPF_MAP_TYPE_ARRAY, 4, sizeof(int[3][2]), 2, 0, t_int, t_grid);
    int grid[3][2] = {{1, 2}, {3, 4}, {5, 6}};
    idx = 0;
    update(fd, &idx, grid);

    /* LRU per-CPU hash: u32 -> enum level */
    fd = make("lru_pcpu_level", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, sizeof(enum level), 8,
              BPF_F_ZERO_SEED, t_u32, t_level);
    pcpu = calloc(cpus, 8);
    for (int c = 0; c < cpus; c++)
        *(enum level *)(pcpu + c * 8) = c == 0 ? HIGH : (enum level)0;
    idx = 9;
    update(fd, &idx, pcpu);
    free(pcpu);

    /* array: u32 -> every type at once */
    fd = make("array_all", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct all_types), 1, 0, t_u32, t_all);
    struct all_types *all = calloc(1, sizeof(*all));
    all->a.b = 5;
    all->b.c = '!';
    fill_value1(&all->c, 12, "xy", 99);
    fill_mixed(&all->d);
    all->e.d = '-';
    all->f = RED;
    all->g = HIGH;
    all->h = 0xffffffffu;
    all->i = ~0ULL;
    memcpy(all->j, "12345678", 8);
    all->k.after = 77;
    all->l[2][1] = 8;
    idx = 0;
    update(fd, &idx, all);
    free(all);

    /* A bigger hash map: bucket order over many buckets, several reads. */
    fd = make("hash_big", BPF_MAP_TYPE_HASH, 4, sizeof(struct inner), 4096, BPF_F_ZERO_SEED, t_int,
              t_inner);
    for (int k = 0; k < 3000; k++) {
        int key = k * 7919 - 100000;
        struct inner in = {.s = (short)k, .u8 = (unsigned char)k, .c = (char)('a' + k % 26)};
        update(fd, &key, &in);
    }

    /* No BTF at all. */
    fd = map_create("nobtf", BPF_MAP_TYPE_HASH, 4, 4, 2, 0, -1, 0, 0);
    pin(fd, "nobtf");
    printf("nobtf: created\n");

    /* What MAP_CREATE refuses (map_check_btf). */
    refuse("key size differs from the key type", BPF_MAP_TYPE_HASH, 8, 4, btf_fd, t_int, t_int);
    refuse("value size differs from the value type", BPF_MAP_TYPE_HASH, 4, 8, btf_fd, t_int, t_int);
    refuse("array key is not an integer", BPF_MAP_TYPE_ARRAY, 4, 4, btf_fd, t_char4, t_int);
    refuse("key type without a value type", BPF_MAP_TYPE_HASH, 4, 4, btf_fd, t_int, 0);
    refuse("hash without a key type", BPF_MAP_TYPE_HASH, 4, 4, btf_fd, 0, t_int);
    refuse("array without a key type", BPF_MAP_TYPE_ARRAY, 4, 4, btf_fd, 0, t_int);
    refuse("value type is a function", BPF_MAP_TYPE_HASH, 4, 4, btf_fd, t_int, t_func);
    refuse("value type id out of range", BPF_MAP_TYPE_HASH, 4, 4, btf_fd, t_int, 100000);
    refuse("btf_fd is a map", BPF_MAP_TYPE_HASH, 4, 4, fd, t_int, t_int);
    return 0;
}
