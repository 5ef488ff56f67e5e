#!/bin/bash
# Differential test of `cat <pinned map>` (spec 4.8, 4.9): map_btf_fill
# creates the same maps with BTF key/value types (structs with bitfields,
# char and byte arrays, arrays of arrays and of structs, enums, unions,
# pointers, __int128, float, empty structs; hash, LRU, per-CPU hash and
# array maps; an empty map; a map without BTF) and fills them, once in the
# kernel on a fresh `mount -t bpf`, once in a fresh bpffsd. Then every map
# is read with cat and with dd at block sizes 1, 7 and 4096, and everything
# must be byte-identical.
#
# Masked: hashed pointers only (0x00000000xxxxxxxx with a non-zero hash:
# the kernel hashes %p with a per-boot key, bpffsd with a per-process key);
# NULL and error pointers print raw and are compared as they are.
#
# usage: map_btf.sh BPFFSD MAP_BTF_FILL TYPES_BTF
# DIFF_KEEP=DIR keeps both transcripts. Exit 0 on match, 1 on mismatch, 77 to skip.
set -u

bpffsd=$1
fill=$2
types_btf=$3

skip() {
    echo "SKIP: $*"
    exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root (mount -t bpf and FUSE mounts)"
[ -c /dev/fuse ] || skip "no /dev/fuse"
[ -x "$bpffsd" ] || skip "bpffsd is not built ($bpffsd)"
[ -x "$fill" ] || skip "map_btf_fill is not built ($fill)"
[ -r "$types_btf" ] || skip "no BTF of the test types ($types_btf)"

top=$(mktemp -d /tmp/bpffs-mapbtf.XXXXXX)
kernel_mnt=$top/kmnt
bpffs_mnt=$top/fmnt
socket=$top/bpffsd.sock
daemon_pid=
mkdir -p "$kernel_mnt" "$bpffs_mnt"

cleanup() {
    umount "$kernel_mnt" 2>/dev/null
    if [ -n "$daemon_pid" ]; then
        kill "$daemon_pid" 2>/dev/null
        wait "$daemon_pid" 2>/dev/null
    fi
    fusermount3 -u "$bpffs_mnt" 2>/dev/null || umount "$bpffs_mnt" 2>/dev/null
    [ -n "${DIFF_KEEP:-}" ] && mkdir -p "$DIFF_KEEP" && cp "$top"/*.txt "$DIFF_KEEP"/ 2>/dev/null
    rm -rf "$top"
}
trap cleanup EXIT

mount -t bpf bpf "$kernel_mnt" 2>/dev/null || skip "mount -t bpf failed: no kernel bpffs here"

"$bpffsd" -f --socket "$socket" "$bpffs_mnt" >"$top/bpffsd.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
    [ -S "$socket" ] && mountpoint -q "$bpffs_mnt" && break
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
done
if ! [ -S "$socket" ] || ! mountpoint -q "$bpffs_mnt"; then
    echo "bpffsd did not come up; its log:"
    cat "$top/bpffsd.log"
    exit 1
fi

# transcript SIDE MNT OUT: fill the maps, then read each of them.
transcript() {
    local side=$1 mnt=$2 out=$3 name bs
    if ! BPFFS_SOCKET=$socket "$fill" "$side" "$types_btf" "$mnt" >"$out" 2>"$top/fill.err"; then
        if [ "$side" = kernel ] && grep -q "BTF_LOAD failed\|creating .* failed: Operation not permitted" \
            "$top/fill.err"; then
            skip "the kernel refuses BTF or maps here: $(cat "$top/fill.err")"
        fi
        echo "map_btf_fill $side failed:"
        cat "$top/fill.err"
        exit 1
    fi
    for name in $(sed -n 's/: created$//p' "$out"); do
        printf '== cat %s\n' "$name" >>"$out"
        (cd "$mnt" && cat "$name") >>"$out" 2>&1
        printf '[exit %d]\n' $? >>"$out"
        for bs in 1 7 4096; do
            if (cd "$mnt" && cat "$name") >"$top/cat.out" 2>/dev/null; then
                (cd "$mnt" && dd if="$name" bs=$bs status=none) >"$top/dd.out" 2>&1
                if cmp -s "$top/cat.out" "$top/dd.out"; then
                    printf '== dd bs=%s %s: same as cat\n' "$bs" "$name" >>"$out"
                else
                    printf '== dd bs=%s %s: DIFFERS from cat:\n' "$bs" "$name" >>"$out"
                    cat "$top/dd.out" >>"$out"
                fi
            fi
        done
    done
}

transcript kernel "$kernel_mnt" "$top/kernel.raw"
transcript bpffsd "$bpffs_mnt" "$top/bpffsd.raw"

mask() {
    perl -pe 's/0x00000000(?!00000000)[0-9a-f]{8}/0xHASHED_PTR/g'
}
mask <"$top/kernel.raw" >"$top/kernel.txt"
mask <"$top/bpffsd.raw" >"$top/bpffsd.txt"

maps=$(grep -c '^== cat ' "$top/kernel.txt")
if diff -u --label kernel --label bpffsd "$top/kernel.txt" "$top/bpffsd.txt"; then
    echo "OK: $maps maps, identical output of cat and dd (bs 1, 7, 4096)"
    exit 0
fi
echo "MISMATCH (kernel on the left)"
exit 1
