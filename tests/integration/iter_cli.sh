#!/bin/bash
# Iterators from the command line on a real bpffsd mount: `bpffsctl iter
# pin` of a clang-compiled bpf_map_elem iterator, `cat` and `dd` at block
# sizes 1, 7, 4096 and 65536 (each read(2) is one bpf_seq_read), `bpffsctl
# iter run`, `link show` plain, -j and -f, `link pin`, `link detach`, rm of
# the pinned iterator while it is open, and the errors of `iter pin`.
# usage: iter_cli.sh BPFFSD BPFFSCTL ITER_ELEM_OBJ   (exit 77 to skip)
set -u
obj=$(realpath "$3")

# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
use_tools "$1" "$2"
[ -f "$obj" ] || skip "the iterator object is not built ($obj)"

at_cleanup 'exec 3<&- 2>/dev/null'
start_bpffsd "$bpffsd" /tmp/bpffs-itercli.XXXXXX
export BPFFS_SOCKET=$sock
ctl_status() {  # the exit status of one bpffsctl command, output dropped
    "$ctl" "$@" >/dev/null 2>&1
    echo $?
}

# An array of 300 elements: about 6 KB of output, several fills at bs=4096.
"$ctl" map create "$mnt/m" type array key 4 value 8 entries 300 name m || exit 1
for k in 1 2 3 200 299; do
    "$ctl" map update pinned "$mnt/m" key $((k % 256)) $((k / 256)) 0 0 value $((k % 256)) 1 0 0 0 0 0 0 || exit 1
done
map_id=$("$ctl" map show pinned "$mnt/m" | sed -n 's/^\([0-9]*\):.*/\1/p')

expected=$(
    for k in $(seq 0 299); do
        case $k in
            1 | 2 | 3 | 200 | 299) echo "key $k value $((k % 256 + 256))" ;;
            *) echo "key $k value 0" ;;
        esac
    done
    echo "end seq_num=299"
)

check "iter pin" 0 "$(ctl_status iter pin "$obj" "$mnt/it" map pinned "$mnt/m")"
check "the pinned iterator's mode" "-rw-------" "$(stat -c %A "$mnt/it")"
check "cat of the pinned iterator" "$expected" "$(cat "$mnt/it")"
for bs in 1 7 4096 65536; do
    check "dd bs=$bs" "$expected" "$(dd if="$mnt/it" bs=$bs status=none)"
done
check "iter run" "$expected" "$("$ctl" iter run "$obj" map pinned "$mnt/m")"
check "iter run with map id" "$expected" "$("$ctl" iter run "$obj" map id "$map_id")"
check "writing to an iterator fails (EINVAL)" "Invalid argument" \
    "$( (echo x >"$mnt/it") 2>&1 | sed 's/.*: //')"

# link show, as bpftool prints it.
link_line=$("$ctl" link show pinned "$mnt/it")
link_id=${link_line%%:*}
prog_id=$(echo "$link_line" | sed -n 's/.* prog \([0-9]*\) .*/\1/p')
check "link show pinned" "$link_id: iter  prog $prog_id  target_name bpf_map_elem  map_id $map_id  " \
    "$link_line"
check "link show -j pinned" \
    "{\"id\":$link_id,\"type\":\"iter\",\"prog_id\":$prog_id,\"target_name\":\"bpf_map_elem\",\"map_id\":$map_id}" \
    "$("$ctl" -j link show pinned "$mnt/it")"
check "link list includes it" "$link_line" "$("$ctl" link list | grep "^$link_id: ")"
check "link show -f names the pin" "	pinned $mnt/it" \
    "$("$ctl" -f link show id "$link_id" | sed -n 2p)"
check "link pin" 0 "$(ctl_status link pin id "$link_id" "$mnt/it2")"
check "cat of the second pin" "$expected" "$(cat "$mnt/it2")"
detach_out=$("$ctl" link detach pinned "$mnt/it" 2>&1)
check "link detach: not supported, status 1" "1 Error: failed link detach: Operation not supported" \
    "$? $detach_out"
rm "$mnt/it2"

# Errors of iter pin, with bpftool's messages and exit statuses.
check "iter pin without the map: EBADF (247)" 247 "$(ctl_status iter pin "$obj" "$mnt/x")"
check "iter pin over an existing file: EEXIST (239)" 239 \
    "$(ctl_status iter pin "$obj" "$mnt/it" map pinned "$mnt/m")"
check "iter pin's message for an existing file" \
    "Error: pin_iter failed for program dump_elem to path $mnt/it" \
    "$("$ctl" iter pin "$obj" "$mnt/it" map pinned "$mnt/m" 2>&1 | tail -1)"
check "iter pin with a missing object file: ENOENT (254)" 254 \
    "$(ctl_status iter pin "$top/none.o" "$mnt/x" map pinned "$mnt/m")"
check "iter pin with an unknown map id" "Error: get map by id (999999): No such file or directory" \
    "$("$ctl" iter pin "$obj" "$mnt/x" map id 999999 2>&1)"
check "nothing was pinned by the failures" "" "$(ls "$mnt" | grep -x x)"

# rm while open: the open file keeps reading, the link lives until close.
exec 3<"$mnt/it"
rm "$mnt/it"
check "the link outlives its pin while the file is open" "$link_line" \
    "$("$ctl" link show id "$link_id" 2>&1)"
check "reading after rm" "$expected" "$(cat <&3)"
exec 3<&-
gone=no
for _ in $(seq 100); do
    "$ctl" link show id "$link_id" >/dev/null 2>&1 || { gone=yes; break; }
    sleep 0.05
done
check "the link is gone after the last close" yes "$gone"

finish
