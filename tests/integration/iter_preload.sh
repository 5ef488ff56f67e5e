#!/bin/bash
# The preloaded iterators on a real bpffsd mount: maps.debug and
# progs.debug exist at the root (mode 0400, the daemon's owner), `cat`
# runs a fresh iterator session each time, and maps created with bpffsctl
# appear in maps.debug in the kernel's format.
# usage: iter_preload.sh BPFFSD BPFFSCTL   (exit 77 to skip)
set -u
bpffsd=$(realpath "$1")
ctl=$(realpath "$2")

skip() {
    echo "SKIP: $*"
    exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root for FUSE mounts"
[ -c /dev/fuse ] || skip "no /dev/fuse"
[ -x "$bpffsd" ] || skip "bpffsd is not built ($bpffsd)"
[ -x "$ctl" ] || skip "bpffsctl is not built ($ctl)"

top=$(mktemp -d /tmp/bpffs-iter.XXXXXX)
mnt=$top/mnt
sock=$top/sock
mkdir -p "$mnt"
"$bpffsd" -f --socket "$sock" "$mnt" >"$top/log" 2>&1 &
pid=$!
cleanup() {
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    fusermount3 -u "$mnt" 2>/dev/null
    rm -rf "$top"
}
trap cleanup EXIT
for _ in $(seq 100); do
    [ -S "$sock" ] && mountpoint -q "$mnt" && break
    sleep 0.1
done
mountpoint -q "$mnt" || { cat "$top/log"; echo "FAIL: bpffsd did not mount"; exit 1; }

failures=0
check() {  # check DESCRIPTION WANT GOT
    if [ "$2" != "$3" ]; then
        echo "FAIL: $1"
        diff <(echo "$2") <(echo "$3")
        failures=$((failures + 1))
    fi
}

for f in maps.debug progs.debug; do
    check "$f mode and owner" "100400 0 0" "$(stat -c '%f %u %g' "$mnt/$f" | sed 's/^8100/100400/')"
done

check "maps.debug header" "  id name             max_entries" "$(cat "$mnt/maps.debug" | head -1)"
check "progs.debug header" "  id name             attached" "$(cat "$mnt/progs.debug" | head -1)"
check "progs.debug lists the preloaded programs" \
    "dump_bpf_map     bpf_map
dump_bpf_prog    bpf_prog" \
    "$(tail -n +2 "$mnt/progs.debug" | cut -c6- | sed 's/ *$//')"

BPFFS_SOCKET=$sock "$ctl" map create "$mnt/small" type hash key 4 value 8 entries 16 name small ||
    failures=$((failures + 1))
BPFFS_SOCKET=$sock "$ctl" map create "$mnt/big" type array key 4 value 8 entries 123456 \
    name a_long_map_name ||
    failures=$((failures + 1))
out=$(cat "$mnt/maps.debug")
grep -Eq '^ *[0-9]+ small               16$' <<<"$out" || { echo "FAIL: small not listed"; echo "$out"; failures=$((failures + 1)); }
grep -Eq '^ *[0-9]+ a_long_map_name 123456$' <<<"$out" || { echo "FAIL: big not listed"; echo "$out"; failures=$((failures + 1)); }

# Reads of one byte at a time give the same stream as one big read.
check "dd bs=1 equals cat" "$(cat "$mnt/maps.debug")" "$(dd if="$mnt/maps.debug" bs=1 status=none)"
# Writes are refused (EINVAL), as on a seq_file.
if echo x 2>/dev/null >>"$mnt/maps.debug"; then
    echo "FAIL: maps.debug accepted a write"
    failures=$((failures + 1))
fi

rm "$mnt/small"
check "a freed map leaves maps.debug" "" "$(grep -E ' small ' "$mnt/maps.debug")"

[ "$failures" = 0 ] || { cat "$top/log"; exit 1; }
echo "PASS"
