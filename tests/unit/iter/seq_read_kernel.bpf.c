// The iterator program of the kernel differential test (kernel_diff_test.cpp):
// a bpf_map_elem iterator whose behaviour is chosen at compile time, so
// that bpftool can pin it without setting any data:
//   OBJ_BYTES   0: print "object %03u seq_num=%09llu\n" (29 bytes); else
//               write that many zero bytes per element
//   FINAL_BYTES 0: print "END seq_num=%010llu\n" (23 bytes) in the final
//               call; else write that many zero bytes
//   RETRY_KEY   return 1 ("retry") for this key, always
//   EVERY       print only keys divisible by EVERY (0: every key)
// The C++ side runs the same behaviour through bpffsd's engine.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef OBJ_BYTES
#define OBJ_BYTES 0
#endif
#ifndef FINAL_BYTES
#define FINAL_BYTES 0
#endif
#ifndef RETRY_KEY
#define RETRY_KEY 0xffffffff
#endif
#ifndef EVERY
#define EVERY 0
#endif

struct seq_file;
struct bpf_map;

struct bpf_iter_meta {
    struct seq_file *seq;
    __u64 session_id;
    __u64 seq_num;
};

struct bpf_iter__bpf_map_elem {
    struct bpf_iter_meta *meta;
    struct bpf_map *map;
    void *key;
    void *value;
};

#define FILLER_BYTES 40000
char filler[FILLER_BYTES];

static __always_inline __u32 clamp_size(__u32 n) { return n > FILLER_BYTES ? FILLER_BYTES : n; }

SEC("iter/bpf_map_elem")
int dump(struct bpf_iter__bpf_map_elem *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    __u64 seq_num = ctx->meta->seq_num;
    __u32 *key = ctx->key;

    if (!key) {
        if (FINAL_BYTES)
            bpf_seq_write(seq, filler, clamp_size(FINAL_BYTES));
        else
            BPF_SEQ_PRINTF(seq, "END seq_num=%010llu\n", seq_num);
        return 0;
    }
    if (EVERY && *key % (EVERY ? EVERY : 1) != 0) return 0;
    if (OBJ_BYTES)
        bpf_seq_write(seq, filler, clamp_size(OBJ_BYTES));
    else
        BPF_SEQ_PRINTF(seq, "object %03u seq_num=%09llu\n", *key, seq_num);
    return *key == RETRY_KEY ? 1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
