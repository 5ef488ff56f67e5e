#!/bin/bash
# bpffsctl's program and BTF commands against a real bpffsd on a real FUSE
# mount (no kernel BPF needed): prog load/loadall/pin/show/list/dump xlated,
# btf show/dump, hostile objects. Where bpftool is installed, `btf dump
# file` output is compared with bpftool's byte for byte (no kernel needed).
# usage: cli_prog.sh BPFFSD BPFFSCTL PROGS_DIR   (exit 77 to skip)
set -u
progs=$(realpath "$3")

# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
use_tools "$1" "$2"
[ -f "$progs/kernel_compat.bpf.o" ] || skip "tests/progs are not built"

# No dot in the directory: libbpf (and libbpffs) turn every '.' of a
# pinmaps path into '_'.
start_bpffsd "$bpffsd" /tmp/bpffs-cliprog-XXXXXX
# Commands naming no path (id N, tag T, btf dump daemon) need the socket.
export BPFFS_SOCKET=$sock

# Ids, tags, times and sizes that differ by nature are masked.
mask() {
    sed -E 's/^[0-9]+: /ID: /; s/"id":[0-9]+/"id":ID/g; s/memlock [0-9]+B/memlock NB/;
        s/"bytes_memlock":[0-9]+/"bytes_memlock":N/; s/tag [0-9a-f]{16}/tag TAG/;
        s/"tag":"[0-9a-f]{16}"/"tag":"TAG"/; s/loaded_at [^ ]+  uid [0-9]+/loaded_at T  uid U/;
        s/"loaded_at":[0-9]+,"uid":[0-9]+/"loaded_at":T,"uid":U/;
        s/map_ids [0-9,]+/map_ids IDS/; s/"map_ids":\[[0-9,]*\]/"map_ids":[IDS]/;
        s/btf_id [0-9]+/btf_id B/; s/"btf_id":[0-9]+/"btf_id":B/;
        s/map\[id:[0-9]+\]/map[id:M]/g; s/prog_ids [0-9,]+/prog_ids IDS/'
}
kc=$progs/kernel_compat.bpf.o

# load: the first program pinned, all programs loaded, maps pinned.
expect "load" 0 "" -- "$ctl" prog load "$kc" "$mnt/kc" pinmaps "$mnt/kcmaps"
expect "show pinned" 0 "ID: tracing  name list_maps_with_weights  tag TAG  gpl
	loaded_at T  uid U
	xlated 624B  not jited  memlock NB  map_ids IDS
	btf_id B
	metadata:
		name = \"kernel_compat\"
		version = 2" -- "$ctl" prog show pinned "$mnt/kc"
expect "show pinned json" 0 '{"id":ID,"type":"tracing","name":"list_maps_with_weights","tag":"TAG","gpl_compatible":true,"loaded_at":T,"uid":U,"bytes_xlated":624,"jited":false,"bytes_memlock":N,"map_ids":[IDS],"btf_id":B,"metadata":{"name":"kernel_compat","version":2}}' -- \
    "$ctl" -j prog show pinned "$mnt/kc"
expect "pinned maps" 0 "kernel_c_bss
kernel_c_data
kernel_c_rodata
seen
visits" -- ls "$mnt/kcmaps"
expect_grep "map show of a pinned map" 0 '^[0-9]+: hash  name seen  flags 0x0$' -- \
    "$ctl" map show pinned "$mnt/kcmaps/seen"
expect_grep "rodata frozen" 0 'frozen' -- "$ctl" map show pinned "$mnt/kcmaps/kernel_c_rodata"

# loadall: every program under a new directory.
expect "loadall" 0 "" -- "$ctl" prog loadall "$kc" "$mnt/kcall"
expect "loadall pins" 0 "list_maps_with_weights
list_progs" -- ls "$mnt/kcall"
# Only loadall's: load's second program was freed when bpffsctl exited, as
# with bpftool.
expect "show by name" 0 "ID: tracing  name list_progs  tag TAG  gpl
	loaded_at T  uid U
	xlated 160B  not jited  memlock NB  map_ids IDS
	btf_id B
	metadata:
		name = \"kernel_compat\"
		version = 2" -- "$ctl" prog show name list_progs
# A name past 15 characters: matched and shown in full (from BTF), as
# bpftool 7.1 does; the kernel's 15-character cut matches nothing.
expect_grep "show by full name" 0 "name list_maps_with_weights  tag" -- \
    "$ctl" prog show name list_maps_with_weights
expect "show by cut name" 255 "" -- "$ctl" prog show name list_maps_with
id=$("$ctl" prog show pinned "$mnt/kcall/list_progs" | sed -n 's/^\([0-9]*\):.*/\1/p')
tag=$("$ctl" prog show pinned "$mnt/kcall/list_progs" | sed -n 's/.*tag \([0-9a-f]*\).*/\1/p')
expect_grep "show by id" 0 "^$id: tracing  name list_progs" -- "$ctl" prog show id "$id"
expect_grep "show by tag" 0 "^$id: tracing  name list_progs" -- "$ctl" prog show tag "$tag"
expect_grep "list" 0 "name list_maps_with_weights" -- "$ctl" prog list
expect_grep "list json" 0 '^\[\{"id":[0-9]+,"type":"tracing"' -- "$ctl" -j prog list
expect "show missing name" 255 "" -- "$ctl" prog show name no_such_prog
expect "show bad id" 255 "Error: get by id (999999): No such file or directory" -- \
    "$ctl" prog show id 999999
expect "show bad tag" 255 "Error: can't parse tag" -- "$ctl" prog show tag 12
expect "show what" 255 "Error: what is 'id'?" -- "$ctl" prog show id
expect "show bad selector" 255 "Error: expected 'id', 'tag', 'name' or 'pinned', got: 'foo'?" -- \
    "$ctl" prog show foo 1
expect "pin" 0 "" -- "$ctl" prog pin id "$id" "$mnt/again"
expect_grep "pinned again" 0 "^$id: tracing" -- "$ctl" prog show pinned "$mnt/again"
expect "show a map as a prog" 255 "Error: incorrect object type: map" -- \
    "$ctl" prog show pinned "$mnt/kcmaps/seen"

# dump xlated: function signatures, source lines, maps by id.
expect "dump xlated head" 0 "int list_progs(struct bpf_iter__bpf_prog * ctx):
; struct bpf_prog *prog = ctx->prog;
   0: (79) r2 = *(u64 *)(r1 +8)
; if (!prog)
   1: (15) if r2 == 0x0 goto pc+16" -- bash -c "'$ctl' prog dump xlated id $id | head -5"
expect_grep "dump xlated map value" 0 '\(18\) r2 = map\[id:[0-9]+\]\[0\]\+[0-9]+$' -- \
    "$ctl" prog dump xlated id "$id"
expect_grep "dump xlated helper" 0 '\(85\) call bpf_seq_printf#126$' -- \
    "$ctl" prog dump xlated id "$id"
expect_grep "dump xlated sub-program call" 0 '\(85\) call pc\+[0-9]+$' -- \
    "$ctl" prog dump xlated pinned "$mnt/kc"
expect "dump opcodes" 0 "int list_progs(struct bpf_iter__bpf_prog * ctx):
; struct bpf_prog *prog = ctx->prog;
   0: (79) r2 = *(u64 *)(r1 +8)
       79 12 08 00 00 00 00 00" -- bash -c "'$ctl' prog dump xlated id $id opcodes | head -4"
expect_grep "dump linum" 0 '^; if \(!prog\) \[file:.*kernel_compat.bpf.c line_num:67 line_col:9\]$' -- \
    "$ctl" prog dump xlated id "$id" linum
expect_grep "dump json" 0 '^\[\{"proto":"int list_progs\(struct bpf_iter__bpf_prog \* ctx\)","src":"struct bpf_prog \*prog = ctx->prog;","disasm":"\(79\) r2 = \*\(u64 \*\)\(r1 \+8\)"\}' -- \
    "$ctl" -j prog dump xlated id "$id"
"$ctl" prog dump xlated id "$id" file "$top/xlated.bin"
expect "dump file" 0 "160" -- stat -c %s "$top/xlated.bin"
expect "dump two options" 255 "" -- bash -c "'$ctl' prog dump xlated id $id opcodes linum 2>/dev/null"
expect "dump jited" 255 "Error: no JIT in $ctl: programs run in the daemon's interpreter; use 'xlated'" -- \
    "$ctl" prog dump jited id "$id"

# btf show: each object's BTF with the programs and maps using it.
btf_id=$("$ctl" -j prog show id "$id" | sed -n 's/.*"btf_id":\([0-9]*\).*/\1/p')
expect_grep "btf show id" 0 "^$btf_id: name <anon>  size [0-9]+B  prog_ids [0-9,]+  map_ids [0-9,]+$" -- \
    "$ctl" btf show id "$btf_id"
expect_grep "btf show json" 0 "^\{\"id\":$btf_id,\"size\":[0-9]+,\"prog_ids\":\[[0-9,]+\],\"map_ids\":\[[0-9,]+\],\"kernel\":false\}$" -- \
    "$ctl" -j btf show id "$btf_id"
expect_grep "btf list" 0 "^$btf_id: name <anon>" -- "$ctl" btf list
expect "btf show what" 255 "Error: what is 'id'?" -- "$ctl" btf show id
expect "btf show foo" 255 "Error: expected 'id', got: 'foo'?" -- "$ctl" btf show foo 1
expect_grep "btf dump id" 0 "^\[1\] PTR '\(anon\)' type_id=3$" -- "$ctl" btf dump id "$btf_id"
expect_grep "btf dump prog" 0 "FUNC 'list_progs' type_id=[0-9]+ linkage=global" -- \
    "$ctl" btf dump prog id "$id"
expect_grep "btf dump map kv" 0 "^\[[0-9]+\] DATASEC '.rodata' size=[0-9]+ vlen=6" -- \
    "$ctl" btf dump map pinned "$mnt/kcmaps/kernel_c_rodata" value
expect_grep "btf dump daemon" 0 "STRUCT 'bpf_iter__bpf_map' size=16 vlen=2" -- "$ctl" btf dump daemon
expect_grep "btf dump daemon json" 0 '^\{"types":\[\{"id":1,' -- "$ctl" -j btf dump daemon
expect "btf dump bad format" 234 "Error: unrecognized format specifier: 'x', possible values: raw, c" -- \
    "$ctl" btf dump daemon format x
expect "btf dump bad source" 255 "Error: unrecognized BTF source specifier: 'foo'" -- \
    "$ctl" btf dump foo 1
if command -v bpftool >/dev/null; then
    for o in kernel_compat globals maps_calls core_reads target_layout; do
        for j in "" -j -p; do
            a=$(bpftool $j btf dump file "$progs/$o.bpf.o" 2>&1)
            b=$("$ctl" $j btf dump file "$progs/$o.bpf.o" 2>&1)
            if [ "$a" != "$b" ]; then
                echo "FAIL: btf dump file $o.bpf.o $j differs from bpftool's"
                diff <(echo "$a") <(echo "$b") | head -10
                failures=$((failures + 1))
            fi
        done
    done
    a=$(bpftool prog help 2>&1)
    b=$("$ctl" prog help 2>&1 | sed "s|$ctl|bpftool|g")
    [ "$a" = "$b" ] || { echo "FAIL: prog help differs"; failures=$((failures + 1)); }
fi

# Hostile objects: a sentence, no crash, the daemon lives on.
head -c 100 "$kc" >"$top/trunc.o"
expect_grep "truncated" 255 "Error: failed to open object file" -- \
    "$ctl" prog load "$top/trunc.o" "$mnt/x"
python3 - "$kc" "$top/x86.o" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[18:20] = (62).to_bytes(2, 'little')  # EM_X86_64
open(sys.argv[2], 'wb').write(b)
EOF
expect_grep "wrong machine" 255 "libbpffs: .*BPF" -- "$ctl" prog load "$top/x86.o" "$mnt/x"
python3 "$(dirname "$0")/../diff/hostile_objects.py" "$kc" "$top"
expect_grep "bad BTF" 255 "libbpffs: .*BTF.*invalid" -- "$ctl" prog load "$top/bad_btf.o" "$mnt/x"
expect_grep "bad relocation" 255 "libbpffs: .*relocation 0 .* names symbol 1048575" -- \
    "$ctl" prog load "$top/bad_reloc.o" "$mnt/x"
expect_grep "missing file" 255 "Error: failed to open object file" -- \
    "$ctl" prog load "$top/nope.o" "$mnt/x"
expect_grep "kprobe" 255 "libbpffs: .*kprobe" -- "$ctl" prog load "$progs/unsupported.bpf.o" "$mnt/x"
expect_grep "no program" 255 "Error: failed to open object file" -- \
    "$ctl" prog load "$progs/target_layout.bpf.o" "$mnt/x"
expect "unknown type" 255 "libbpf: failed to guess program type from ELF section 'nosuch/'" -- \
    bash -c "'$ctl' prog load '$kc' '$mnt/x' type nosuch 2>&1 | sed -n 1p; exit \${PIPESTATUS[0]}"
# core_reads: CO-RE of every kind, poisoned relocations, bpf_probe_read_kernel.
expect "core_reads loads" 0 "" -- "$ctl" prog loadall "$progs/core_reads.bpf.o" "$mnt/cr"
expect "core_reads pins" 0 "read_map
read_map_type
read_prog" -- ls "$mnt/cr"
expect_grep "poisoned call" 0 '\(85\) call 0xbad2310#195896080$' -- \
    "$ctl" prog dump xlated pinned "$mnt/cr/read_map"
expect_grep "globals loads" 0 "" -- "$ctl" prog load "$progs/globals.bpf.o" "$mnt/globals"
# maps_calls passes callbacks (BPF_PSEUDO_FUNC) to bpf_loop and
# bpf_for_each_map_elem; its map 'totals' is pinned by name at the mount.
expect "maps_calls loads" 0 "" -- "$ctl" prog loadall "$progs/maps_calls.bpf.o" "$mnt/mc"
expect "maps_calls pins" 0 "count_flows_with_a_long_name
sum_flows" -- ls "$mnt/mc"
expect_grep "callback address" 0 '\(18\) r2 = subprog\[\+[0-9]+\]$' -- \
    "$ctl" prog dump xlated pinned "$mnt/mc/sum_flows"
expect_grep "callback helpers" 0 'call bpf_for_each_map_elem#164$' -- \
    "$ctl" prog dump xlated pinned "$mnt/mc/sum_flows"
expect "no pin left" 1 "" -- test -e "$mnt/x"
expect_grep "still alive" 0 "name list_maps_with_weights" -- "$ctl" prog show pinned "$mnt/kc"

finish
