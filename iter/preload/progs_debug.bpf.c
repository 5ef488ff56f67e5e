/* progs.debug: one line per program, the format of the kernel's preloaded
 * iterator: a header, then id, name, the attach function's name and the
 * name of the program it is attached to. bpffsd programs carry no BTF
 * function names, so the name is the program's own. */
#include "preload_types.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/bpf_prog")
int dump_bpf_prog(struct bpf_iter__bpf_prog *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    struct bpf_prog *prog = ctx->prog;
    struct bpf_prog_aux *aux;
    const char *dst_name = "";

    if (!prog) return 0;
    aux = prog->aux;
    if (ctx->meta->seq_num == 0) BPF_SEQ_PRINTF(seq, "  id name             attached\n");
    if (aux->dst_prog) dst_name = aux->dst_prog->aux->name;
    BPF_SEQ_PRINTF(seq, "%4u %-16s %s %s\n", aux->id, aux->name, aux->attach_func_name, dst_name);
    return 0;
}
