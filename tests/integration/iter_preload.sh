#!/bin/bash
# The preloaded iterators on a real bpffsd mount: maps.debug and
# progs.debug exist at the root (mode 0400, the daemon's owner), `cat`
# runs a fresh iterator session each time, and maps created with bpffsctl
# appear in maps.debug in the kernel's format.
# usage: iter_preload.sh BPFFSD BPFFSCTL   (exit 77 to skip)
set -u

# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
use_tools "$1" "$2"

start_bpffsd "$bpffsd" /tmp/bpffs-iter.XXXXXX

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

finish
