// struct bpf_iter_meta: the first thing every iterator context points at.
// The layout is the kernel's, so kernel-style programs (and CO-RE against
// the daemon's BTF) read it unchanged:
//   struct bpf_iter_meta { struct seq_file *seq; u64 session_id; u64 seq_num; };
// where seq is an 8-byte slot (__bpf_md_ptr). Programs never dereference
// seq themselves; they hand it back to bpf_seq_printf/bpf_seq_write, which
// resolve it to the session's SeqFile.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bpffs {

class SeqFile;

struct IterMeta {
    union {
        SeqFile *seq;
        uint64_t seq_slot;  // keeps the field 8 bytes wide whatever the pointer size
    };
    uint64_t session_id;
    uint64_t seq_num;
};

static_assert(sizeof(IterMeta) == 24, "struct bpf_iter_meta is 24 bytes");
static_assert(offsetof(IterMeta, session_id) == 8, "bpf_iter_meta.session_id at 8");
static_assert(offsetof(IterMeta, seq_num) == 16, "bpf_iter_meta.seq_num at 16");

}  // namespace bpffs
