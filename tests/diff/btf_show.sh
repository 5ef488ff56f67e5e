#!/bin/bash
# Differential test of core/btf/btf_show against the kernel's
# bpf_seq_printf_btf: an iterator program (btf_show_kernel.bpf.c, compiled
# here against a vmlinux.h of the running kernel) prints struct bpf_map and
# struct bpf_iter_meta with every combination of BTF_F_* flags, plus their
# raw bytes; btf_show_render renders the same bytes with the same BTF and
# compares (hashed pointers masked).
#
# usage: btf_show.sh BTF_SHOW_RENDER PROGRAM_SOURCE
# Exit 0 on match, 1 on mismatch, 77 to skip.
set -u
render=$1
source=$2

skip() {
    echo "SKIP: $*"
    exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root (mount -t bpf, loading programs)"
command -v bpftool >/dev/null || skip "bpftool is not installed"
command -v clang >/dev/null || skip "clang is not installed"
[ -r /sys/kernel/btf/vmlinux ] || skip "the kernel has no BTF (/sys/kernel/btf/vmlinux)"
[ -x "$render" ] || skip "btf_show_render is not built"

top=$(mktemp -d /tmp/bpffs-btfshow.XXXXXX)
cleanup() {
    umount "$top/mnt" 2>/dev/null
    rm -rf "$top"
}
trap cleanup EXIT
mkdir "$top/mnt"
mount -t bpf bpf "$top/mnt" 2>/dev/null || skip "mount -t bpf failed"

bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$top/vmlinux.h" ||
    skip "bpftool cannot dump the kernel's BTF"
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$top" -I"/usr/include/$multiarch" \
    -c "$source" -o "$top/prog.o" || skip "the iterator program does not compile here"
# A map of our own, so that the iteration has at least one.
bpftool map create "$top/mnt/m" type hash key 4 value 8 entries 4 name btfshow ||
    skip "bpftool map create failed: the kernel's BPF is not usable"
bpftool iter pin "$top/prog.o" "$top/mnt/it" || skip "the kernel refused the iterator program"
cat "$top/mnt/it" >"$top/kernel.out" || {
    echo "reading the kernel's iterator failed"
    exit 1
}
"$render" /sys/kernel/btf/vmlinux "$top/kernel.out"
