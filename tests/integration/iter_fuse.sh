#!/bin/bash
# Iterators read through a real bpffsd mount, with links made by
# `bpffsctl iter pin` (tests/progs/iter_diff.bpf.c objects):
#  - two opens of one pinned iterator read interleaved, 7 bytes at a time:
#    each is its own session (consecutive session ids) with the whole output;
#  - lseek (and, unlike the kernel, pread) fail with ESPIPE, write with EINVAL;
#  - an open iterator keeps working after its pin and its map's pin are
#    removed;
#  - cat while another client updates the map: every read completes and
#    shows every element, the daemon survives;
#  - a program writing into values: persists for a hash map, not for a
#    per-CPU map (the session's copy);
#  - cat of a map with BTF works and of a map without BTF is EIO (spec 4.8).
# usage: iter_fuse.sh BPFFSD BPFFSCTL ITER_OBJS   (exit 77 to skip)
set -u
objs=$3

# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
use_tools "$1" "$2"
[ -r "$objs/iter_diff_elem.bpf.o" ] || skip "the iterator programs are not built ($objs)"
command -v python3 >/dev/null || skip "python3 is not installed"

updater=
at_cleanup '[ -n "$updater" ] && kill "$updater" 2>/dev/null && wait "$updater" 2>/dev/null'
start_bpffsd "$bpffsd" /tmp/bpffs-iterfuse.XXXXXX
export BPFFS_SOCKET=$sock
ctl() {
    "$ctl" "$@" || { echo "FAIL: bpffsctl $*"; failures=$((failures + 1)); }
}
key() { # key N: the bytes of a u32 key
    printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) 0 0
}
value() { # value N: the bytes of a u64 value below 65536
    printf '%d %d 0 0 0 0 0 0' $(($1 & 255)) $(($1 >> 8 & 255))
}

ctl map create "$mnt/h" type hash key 4 value 8 entries 16 name dt_h flags 0x40
for k in 1 2 3 4 5; do ctl map update pinned "$mnt/h" key $(key $k) value $(value $((k * 11))); done
ctl iter pin "$objs/iter_diff_elem.bpf.o" "$mnt/it" map pinned "$mnt/h"

# --- two opens read interleaved ---------------------------------------------
whole=$(cat "$mnt/it" | sed -E 's/session [0-9]+/session S/')
python3 - "$mnt/it" >"$top/interleaved" <<'EOF' || failures=$((failures + 1))
import os, sys
a = os.open(sys.argv[1], os.O_RDONLY)
b = os.open(sys.argv[1], os.O_RDONLY)
out = {a: b"", b: b""}
live = [a, b]
while live:
    for fd in list(live):
        chunk = os.read(fd, 7)
        if not chunk:
            live.remove(fd)
        out[fd] += chunk
print(out[a].decode(), end="")
print("----")
print(out[b].decode(), end="")
EOF
first=$(sed -n '1,/^----$/p' "$top/interleaved" | sed '$d')
second=$(sed -n '/^----$/,$p' "$top/interleaved" | sed '1d')
check "first of two interleaved opens" "$whole" "$(echo "$first" | sed -E 's/session [0-9]+/session S/')"
check "second of two interleaved opens" "$whole" "$(echo "$second" | sed -E 's/session [0-9]+/session S/')"
sa=$(echo "$first" | sed -nE 's/^session ([0-9]+) .*/\1/p')
sb=$(echo "$second" | sed -nE 's/^session ([0-9]+) .*/\1/p')
check "the second open's session follows the first's" "$((sa + 1))" "$sb"

# --- pread, lseek, write ------------------------------------------------------
# The kernel accepts pread on a pinned iterator (the offset is ignored) and
# fails lseek with ESPIPE. FUSE cannot have both: a nonseekable file (lseek
# ESPIPE, as here) refuses pread with ESPIPE too.
got=$(python3 - "$mnt/it" <<'EOF'
import errno, os, sys
def attempt(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
fd = os.open(sys.argv[1], os.O_RDONLY)
wfd = os.open(sys.argv[1], os.O_WRONLY)
print("pread", attempt(lambda: os.pread(fd, 8, 1000)),
      "lseek", attempt(lambda: os.lseek(fd, 0, os.SEEK_SET)),
      "write", attempt(lambda: os.write(wfd, b"x")))
EOF
)
check "pread and lseek ESPIPE, write EINVAL" "pread ESPIPE lseek ESPIPE write EINVAL" "$got"

# --- an open iterator outlives its pins -------------------------------------
ctl iter pin "$objs/iter_diff_elem.bpf.o" "$mnt/it2" map pinned "$mnt/h"
ctl map create "$mnt/gone" type array key 4 value 8 entries 2 name dt_gone
ctl iter pin "$objs/iter_diff_elem.bpf.o" "$mnt/it_gone" map pinned "$mnt/gone"
got=$(python3 - "$mnt/it_gone" "$mnt/gone" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.unlink(sys.argv[1])
os.unlink(sys.argv[2])
data = b""
while True:
    chunk = os.read(fd, 5)
    if not chunk:
        break
    data += chunk
print(data.decode(), end="")
EOF
)
check "reading on after the pins are gone" "session S map dt_gone
seq 0 key 0 value 0
seq 1 key 1 value 0
end seq_num=1" "$(echo "$got" | sed -E 's/session [0-9]+/session S/')"

# --- reads while another client updates the map -----------------------------
ctl map create "$mnt/busy" type array key 4 value 8 entries 500 name dt_busy
ctl iter pin "$objs/iter_diff_elem.bpf.o" "$mnt/it_busy" map pinned "$mnt/busy"
for i in $(seq 0 499); do
    echo "map update pinned $mnt/busy key $(key $i) value $(value $((i % 200)))"
done >"$top/batch"
(while :; do "$ctl" batch file "$top/batch" >/dev/null 2>&1; done) &
updater=$!
for round in 1 2 3 4 5; do
    for bs in 7 4096 65536; do
        if ! dd if="$mnt/it_busy" bs=$bs status=none >"$top/busy" 2>"$top/busy.err"; then
            echo "FAIL: read $round bs=$bs failed: $(cat "$top/busy.err")"
            failures=$((failures + 1))
        fi
        lines=$(grep -c '^seq [0-9]* key [0-9]* value [0-9]*$' "$top/busy")
        check "round $round bs=$bs: every element once" "500 end seq_num=499" \
            "$lines $(tail -1 "$top/busy")"
    done
done
kill "$updater" 2>/dev/null
wait "$updater" 2>/dev/null
updater=
kill -0 "$pid" 2>/dev/null || { echo "FAIL: bpffsd died"; exit 1; }

# --- programs writing into values ---------------------------------------------
ctl iter pin "$objs/iter_diff_increment.bpf.o" "$mnt/inc" map pinned "$mnt/h"
cat "$mnt/inc" >/dev/null
cat "$mnt/inc" >/dev/null
check "two sessions added 2 to a hash map's value" "$("$ctl" map lookup pinned "$mnt/h" key $(key 1))" \
    "key: 01 00 00 00  value: 0d 00 00 00 00 00 00 00"
ctl map create "$mnt/pc" type percpu_array key 4 value 8 entries 1 name dt_pc
ctl iter pin "$objs/iter_diff_percpu.bpf.o" "$mnt/pcit" map pinned "$mnt/pc"
a=$(cat "$mnt/pcit")
b=$(cat "$mnt/pcit")
check "per-CPU values: the program's writes stay in the session" "$a" "$b"

# --- cat of maps --------------------------------------------------------------
cat "$mnt/h" >/dev/null 2>"$top/err"
check "cat of a map without BTF" "cat: $mnt/h: Input/output error" "$(cat "$top/err")"

finish
