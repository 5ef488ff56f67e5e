/* A program type bpffsd does not run yet (a kprobe): loading must say so. */
#include "bpffs_vmlinux.h"
#include "bpffs_helpers.h"

char LICENSE[] SEC("license") = "GPL";

SEC("kprobe/do_sys_openat2")
int trace_open(void *ctx)
{
    return 0;
}
