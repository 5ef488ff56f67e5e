#!/bin/bash
# bpffsctl against a real bpffsd on a real FUSE mount, no kernel BPF needed:
# the map commands' outputs (plain and JSON) and what the mount shows.
# usage: cli_maps.sh BPFFSD BPFFSCTL   (exit 77 to skip)
set -u

# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
use_tools "$1" "$2"

start_bpffsd "$bpffsd" /tmp/bpffs-cli.XXXXXX

# Map ids and memlock differ by nature.
mask() {
    sed -E 's/^[0-9]+: /ID: /; s/"id":[0-9]+/"id":ID/g; s/memlock [0-9]+B/memlock NB/;
        s/"bytes_memlock":[0-9]+/"bytes_memlock":N/'
}

expect "create" 0 "" -- "$ctl" map create "$mnt/m" type hash key 4 value 8 entries 16 name m
expect "show" 0 "ID: hash  name m  flags 0x0
	key 4B  value 8B  max_entries 16  memlock NB" -- "$ctl" map show pinned "$mnt/m"
expect "update" 0 "" -- "$ctl" map update pinned "$mnt/m" key 1 0 0 0 value 1 2 3 4 5 6 7 8
expect "update noexist" 239 "Error: update failed: File exists" -- \
    "$ctl" map update pinned "$mnt/m" key 1 0 0 0 value 1 2 3 4 5 6 7 8 noexist
expect "lookup" 0 "key: 01 00 00 00  value: 01 02 03 04 05 06 07 08" -- \
    "$ctl" map lookup pinned "$mnt/m" key 1 0 0 0
expect "lookup missing" 254 "key:
02 00 00 00

Not found" -- "$ctl" map lookup pinned "$mnt/m" key 2 0 0 0
expect "dump json" 0 '[{"key":["0x01","0x00","0x00","0x00"],"value":["0x01","0x02","0x03","0x04","0x05","0x06","0x07","0x08"]}]' -- \
    "$ctl" -j map dump pinned "$mnt/m"
expect "freeze" 0 "" -- "$ctl" map freeze pinned "$mnt/m"
expect "show frozen json" 0 '{"id":ID,"type":"hash","name":"m","flags":0,"bytes_key":4,"bytes_value":8,"max_entries":16,"bytes_memlock":N,"frozen":1}' -- \
    "$ctl" -j map show pinned "$mnt/m"
expect "update frozen" 255 "Error: delete failed: Operation not permitted" -- \
    "$ctl" map delete pinned "$mnt/m" key 1 0 0 0
expect "pin" 0 "" -- "$ctl" map pin pinned "$mnt/m" "$mnt/m2"
expect "ls" 0 "-rw------- 1 m
-rw------- 1 m2
-r-------- 1 maps.debug
-r-------- 1 progs.debug" -- bash -c "ls -l '$mnt' | awk '/^-/ {print \$1, \$2, \$NF}'"
printf 'map lookup pinned %s/m2 key 1 0 0 0\nmap getnext pinned %s/m2\n' "$mnt" "$mnt" >"$top/batch"
expect "batch" 0 "key: 01 00 00 00  value: 01 02 03 04 05 06 07 08
key: None
next key:
01 00 00 00
processed 2 commands" -- "$ctl" batch file "$top/batch"
expect "socket from the environment" 0 "ID: hash  name m  flags 0x0" -- \
    bash -c "cd / && BPFFS_SOCKET='$sock' '$ctl' map show name m | head -1"
expect "socket option" 0 "ID: hash  name m  flags 0x0" -- \
    bash -c "'$ctl' --socket '$sock' map show name m | head -1"

finish
