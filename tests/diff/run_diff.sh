#!/bin/bash
# Differential test: one scenario of command lines runs twice, once with
# bpftool against a fresh kernel bpffs (`mount -t bpf`), once with bpffsctl
# against a fresh bpffsd, and the two transcripts (stdout, stderr and exit
# status of every line) must be identical after masking what legitimately
# differs: map ids, the mount and work directories, and (unless
# DIFF_STRICT_MEMLOCK=1) memlock figures.
#
# usage: run_diff.sh SCENARIO BPFFSD BPFFSCTL
# A scenario line "#requires: COMMAND" is run first against the kernel
# (bpftool, on the kernel's mount, which is then emptied again): when it
# fails, the kernel cannot be the reference for the scenario and the test
# skips with the first line of COMMAND's errors.
# DIFF_KEEP=DIR keeps the normalized transcripts.
# Exit 0 on match, 1 on mismatch (a unified diff is printed), 77 to skip.
set -u

scenario=$1
bpffsd=$2
bpffsctl=$3

skip() {
    echo "SKIP: $*"
    exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root (mount -t bpf and FUSE mounts)"
[ -c /dev/fuse ] || skip "no /dev/fuse"
command -v bpftool >/dev/null || skip "bpftool is not installed"
# DIFF_SELF_CHECK=1 runs the kernel side twice instead (checks that the
# scenario itself is deterministic; needs no bpffsd).
self_check=${DIFF_SELF_CHECK:-0}
if [ "$self_check" != 1 ]; then
    [ -x "$bpffsd" ] || skip "bpffsd is not built ($bpffsd)"
    [ -x "$bpffsctl" ] || skip "bpffsctl is not built ($bpffsctl)"
fi

# Kernel map names are global: scenarios start the names they look up
# with $R, unique to this run (the shell's pid), so that two suites running
# at once (two checkouts) do not find each other's maps. Masked below.
run_prefix=r$$_

# No dot in the directory: libbpf turns every '.' of a pinmaps path into '_'.
top=$(mktemp -d /tmp/bpffs-diff-XXXXXX)
kernel_mnt=$top/kmnt
bpffs_mnt=$top/fmnt
socket=$top/bpffsd.sock
daemon_pid=
mkdir -p "$kernel_mnt" "$bpffs_mnt" "$top/kwork" "$top/fwork" "$top/kbin" "$top/fbin"

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
bpftool map create "$kernel_mnt/probe" type hash key 4 value 8 entries 4 name probe \
    >/dev/null 2>&1 || skip "bpftool map create failed: the kernel's BPF is not usable"
rm -f "$kernel_mnt/probe"

# Both tools run under the name "bpftool" so usage texts (which print the
# program name) compare equal.
ln -s "$(command -v bpftool)" "$top/kbin/bpftool"
# bpffsd in the foreground on its own mount and socket; ready when both exist.
start_daemon() {
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
}


# check_requirements: the scenario's "#requires:" lines, against the kernel.
check_requirements() {
    local line why
    while IFS= read -r line; do
        (
            cd "$top/kwork" && PATH="$top/kbin:$PATH" TOOL=bpftool MNT=$kernel_mnt WORK=$top/kwork \
                R=$run_prefix bash -c "${line#\#requires: }" >/dev/null 2>"$top/kwork/.err"
        )
        local rc=$?
        # (maps.debug and progs.debug are the kernel's own: they stay)
        find "$kernel_mnt" -mindepth 1 -maxdepth 1 ! -name '*.debug' -exec rm -rf {} +
        if [ "$rc" != 0 ]; then
            why=$(grep -v '^$' "$top/kwork/.err" | grep -iv warning | head -1)
            skip "the kernel cannot run what this scenario needs (${line#\#requires: }): ${why:-exit $rc}"
        fi
    done < <(grep '^#requires: ' "$scenario")
}

# run_scenario BIN MNT WORK TRANSCRIPT: every non-comment line of the
# scenario, with TOOL, MNT and WORK set, recorded as
#   $ LINE / its stdout / [stderr] lines / [exit N]
run_scenario() {
    local bin=$1 mnt=$2 work=$3 out=$4 line rc
    : >"$out"
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in '' | '#'*) continue ;; esac
        printf '$ %s\n' "$line" >>"$out"
        (
            cd "$work" && PATH="$bin:$PATH" TOOL=bpftool MNT=$mnt WORK=$work R=$run_prefix \
                BPFFS_SOCKET=$socket bash -c "$line" >"$work/.out" 2>"$work/.err"
        )
        rc=$?
        cat "$work/.out" >>"$out"
        sed 's/^/[stderr] /' "$work/.err" >>"$out"
        printf '[exit %d]\n' "$rc" >>"$out"
    done <"$scenario"
}

normalize() {
    local mnt=$1 work=$2 memlock=
    if [ "${DIFF_STRICT_MEMLOCK:-0}" != 1 ]; then
        memlock='s/memlock [0-9]+B/memlock NB/g; s/"bytes_memlock": ?[0-9]+/"bytes_memlock":N/g;'
    fi
    sed -E "s|$mnt|\$MNT|g; s|$work|\$WORK|g; s/$run_prefix//g;
        s/^([[:space:]]*)[0-9]+: /\\1ID: /;
        s/\"id\": ?[0-9]+/\"id\":ID/g;
        s/get map by id \\([0-9]+\\)/get map by id (ID)/g;
        $memlock" | extra_masks
}

# SCENARIO.masks (next to a .scenario file), if present: more sed -E lines
# for what differs by nature in that scenario.
extra_masks() {
    local masks=${scenario%.scenario}.masks
    if [ -f "$masks" ]; then sed -E -f "$masks"; else cat; fi
}

check_requirements
run_scenario "$top/kbin" "$kernel_mnt" "$top/kwork" "$top/kernel.raw"
if [ "$self_check" = 1 ]; then
    # Kernel map ids and names are global: free the first run's maps first.
    umount "$kernel_mnt"
    sleep 1
    ln -s "$(command -v bpftool)" "$top/fbin/bpftool"
    mount -t bpf bpf "$bpffs_mnt" || exit 1
else
    ln -s "$(realpath "$bpffsctl")" "$top/fbin/bpftool"
    start_daemon
fi
run_scenario "$top/fbin" "$bpffs_mnt" "$top/fwork" "$top/bpffsd.raw"
normalize "$kernel_mnt" "$top/kwork" <"$top/kernel.raw" >"$top/kernel.txt"
normalize "$bpffs_mnt" "$top/fwork" <"$top/bpffsd.raw" >"$top/bpffsd.txt"

lines=$(grep -c '^\$ ' "$top/kernel.txt")
if diff -u --label "kernel (bpftool)" --label "bpffsd (bpffsctl)" \
    "$top/kernel.txt" "$top/bpffsd.txt"; then
    echo "OK: $lines command lines, identical output"
    exit 0
fi
echo "MISMATCH over $lines command lines (kernel on the left)"
exit 1
