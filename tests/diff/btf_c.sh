#!/bin/bash
# Differential test of `btf dump ... format c`: bpftool and bpffsctl print
# the same bytes (stdout, stderr and exit status) for
#   - every clang-compiled BPF object (.o with a .BTF section) under the
#     directories given,
#   - hand-made raw BTF (btf_edge_cases.py: signed and 64-bit enums,
#     duplicate names, forward declarations, tags, odd layouts, cycles),
#     also in raw format, plain and JSON,
#   - the running kernel's /sys/kernel/btf/vmlinux, when there is one,
#   - bpffsd's own BTF: `bpffsctl btf dump daemon format c` against
#     `bpftool btf dump file kernel_types.bpf.o format c`,
#   - `-j ... format c` (refused by both);
# then the daemon's header must compile: a CO-RE program reading
# map->map_type through bpf_core_enum_value is built against it with
# clang -target bpf and loaded into bpffsd.
#
# usage: btf_c.sh BPFFSD BPFFSCTL KERNEL_TYPES_OBJ EDGE_CASES_PY CORE_PROG_SRC DIR...
# Exit 0 on match, 1 on mismatch, 77 to skip.
set -u
bpffsd=$1
bpffsctl=$2
kernel_types_obj=$3
edge_cases=$4
core_prog=$5
shift 5

skip() {
    echo "SKIP: $*"
    exit 77
}

command -v bpftool >/dev/null || skip "bpftool is not installed"
command -v clang >/dev/null || skip "clang is not installed"
[ -x "$bpffsctl" ] || skip "bpffsctl is not built ($bpffsctl)"
[ -x "$bpffsd" ] || skip "bpffsd is not built ($bpffsd)"
[ -c /dev/fuse ] || skip "no /dev/fuse"

top=$(mktemp -d /tmp/bpffs-btfc-XXXXXX)
daemon_pid=
cleanup() {
    if [ -n "$daemon_pid" ]; then
        kill "$daemon_pid" 2>/dev/null
        wait "$daemon_pid" 2>/dev/null
    fi
    fusermount3 -u "$top/mnt" 2>/dev/null || umount "$top/mnt" 2>/dev/null
    rm -rf "$top"
}
trap cleanup EXIT
mkdir -p "$top/mnt" "$top/edge"

failures=0
compared=0
# compare LABEL BPFTOOL_ARGS... -- BPFFSCTL_ARGS...
compare() {
    local label=$1 kargs=() fargs=()
    shift
    while [ "$1" != -- ]; do
        kargs+=("$1")
        shift
    done
    shift
    fargs=("$@")
    bpftool "${kargs[@]}" >"$top/k.out" 2>"$top/k.err"
    local krc=$?
    "$bpffsctl" --socket "$top/sock" "${fargs[@]}" >"$top/f.out" 2>"$top/f.err"
    local frc=$?
    compared=$((compared + 1))
    if [ $krc != $frc ] || ! cmp -s "$top/k.out" "$top/f.out" || ! cmp -s "$top/k.err" "$top/f.err"; then
        failures=$((failures + 1))
        echo "MISMATCH: $label (exit: bpftool $krc, bpffsctl $frc)"
        diff -u --label bpftool --label bpffsctl "$top/k.out" "$top/f.out" | head -40
        diff -u --label bpftool --label bpffsctl "$top/k.err" "$top/f.err" | head -10
    fi
}

"$bpffsd" -f --socket "$top/sock" "$top/mnt" >"$top/bpffsd.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
    [ -S "$top/sock" ] && break
    sleep 0.1
done
[ -S "$top/sock" ] || {
    cat "$top/bpffsd.log"
    echo "bpffsd did not come up"
    exit 1
}

for dir in "$@"; do
    for obj in "$dir"/*.o; do
        [ -f "$obj" ] || continue
        # Objects without BTF are bpftool's error path, not format c.
        readelf -S "$obj" 2>/dev/null | grep -q ' \.BTF ' || continue
        compare "$obj" btf dump file "$obj" format c -- btf dump file "$obj" format c
    done
done

python3 "$edge_cases" "$top/edge" || exit 1
for btf in "$top"/edge/*.btf; do
    compare "$(basename "$btf")" btf dump file "$btf" format c -- btf dump file "$btf" format c
    # and in raw format, which progs.scenario only sees for clang's BTF
    compare "$(basename "$btf") raw" btf dump file "$btf" -- btf dump file "$btf"
    compare "$(basename "$btf") -j" -j btf dump file "$btf" -- -j btf dump file "$btf"
done

if [ -r /sys/kernel/btf/vmlinux ]; then
    compare vmlinux btf dump file /sys/kernel/btf/vmlinux format c -- \
        btf dump file /sys/kernel/btf/vmlinux format c
    compare "vmlinux raw" btf dump file /sys/kernel/btf/vmlinux -- \
        btf dump file /sys/kernel/btf/vmlinux
fi

compare "daemon BTF" btf dump file "$kernel_types_obj" format c -- btf dump daemon format c
compare "-j format c" -j btf dump file "$kernel_types_obj" format c -- \
    -j btf dump daemon format c

# The daemon's header compiles, and a CO-RE program built on it loads.
"$bpffsctl" --socket "$top/sock" btf dump daemon format c >"$top/vmlinux.h"
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
if ! clang -g -O2 -target bpf -I"$top" -I"/usr/include/$multiarch" -Wall -Werror \
    -c "$core_prog" -o "$top/core_prog.o"; then
    echo "FAIL: a program does not compile against bpffsd's header"
    failures=$((failures + 1))
elif ! "$bpffsctl" --socket "$top/sock" prog load "$top/core_prog.o" "$top/mnt/core_prog"; then
    echo "FAIL: the program compiled against bpffsd's header does not load"
    failures=$((failures + 1))
fi

if [ $failures != 0 ]; then
    echo "FAIL: $failures of $compared comparisons differ"
    exit 1
fi
echo "OK: $compared comparisons identical; the daemon's header compiles and its program loads"
