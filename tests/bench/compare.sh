#!/bin/bash
# Side-by-side benchmark of the kernel's bpffs (a fresh `mount -t bpf`, libbpf,
# bpftool) and bpffsd (a fresh daemon on a fresh FUSE mount, libbpffs,
# bpffsctl): the same workloads, alternating, several repetitions; prints a
# table of medians. Figures, never pass/fail.
#
#   tests/bench/compare.sh [--quick] [--reps N] [--build-dir DIR] [--only LIST] [--nice N]
#
#   --quick        one repetition, fewer single operations (about a minute)
#   --reps N       repetitions (default 3; about 4 minutes in all)
#   --build-dir D  the Meson build directory (default build; set up and built
#                  here if missing, so one command works from a clean tree)
#   --only LIST    comma-separated workloads among maps,pins,memory,iter
#   --nice N       niceness of the runs (default -10: a shared machine's other
#                  load disturbs the daemon's wake-ups less; 0 to leave it)
#
# Needs root and /dev/fuse; without kernel BPF it prints bpffsd's figures alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$PWD

reps=3
singles=100000
build=build
only=maps,pins,memory,iter
niceness=-10
while [ $# -gt 0 ]; do
    case $1 in
    --quick) reps=1 singles=20000 ;;
    --reps) reps=$2; shift ;;
    --build-dir) build=$2; shift ;;
    --only) only=$2; shift ;;
    --nice) niceness=$2; shift ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
wants() { [[ ",$only," == *",$1,"* ]]; }

[ "$(id -u)" = 0 ] || { echo "compare.sh: needs root (mount -t bpf, FUSE)" >&2; exit 1; }
[ -c /dev/fuse ] || { echo "compare.sh: needs /dev/fuse" >&2; exit 1; }

if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" >/dev/null
fi
targets=(daemon/bpffsd tools/bpffsctl tests/bench/bench_bpffsd tests/bench/iter_inproc_bench)
for v in print compute final; do targets+=("tests/bench/iter_bench_$v.bpf.o"); done
if pkg-config --exists libbpf; then targets+=(tests/bench/bench_kernel); fi
ninja -C "$build" "${targets[@]}" >/dev/null
bpffsd=$src/$build/daemon/bpffsd
bench_bpffsd=$src/$build/tests/bench/bench_bpffsd
bench_kernel=$src/$build/tests/bench/bench_kernel
bpffsctl=$src/$build/tools/bpffsctl
iter_objs=$src/$build/tests/bench

top=$(mktemp -d /tmp/bpffs-bench.XXXXXX)
kmnt=$top/kernel
fmnt=$top/bpffsd
sock=$top/sock
mkdir -p "$kmnt" "$fmnt"
daemon_pid=

kernel=no
if [ -x "$bench_kernel" ] && mount -t bpf bpf "$kmnt" 2>/dev/null; then
    kernel=yes
else
    echo "compare.sh: kernel BPF unusable here; bpffsd's figures alone" >&2
fi

start_daemon() {
    "$bpffsd" -f --socket "$sock" "$fmnt" >>"$top/daemon.log" 2>&1 &
    daemon_pid=$!
    for _ in $(seq 100); do
        [ -S "$sock" ] && mountpoint -q "$fmnt" && return 0
        sleep 0.05
    done
    cat "$top/daemon.log" >&2
    echo "compare.sh: bpffsd did not start" >&2
    exit 1
}
stop_daemon() {
    [ -n "$daemon_pid" ] || return 0
    kill "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
    daemon_pid=
    for _ in $(seq 50); do
        mountpoint -q "$fmnt" || break
        sleep 0.05
    done
    if mountpoint -q "$fmnt"; then fusermount3 -u "$fmnt" 2>/dev/null || true; fi
    rm -f "$sock"
}
cleanup() {
    stop_daemon
    if mountpoint -q "$kmnt"; then umount "$kmnt"; fi
    rm -rf "$top"
}
trap cleanup EXIT
export BPFFS_SOCKET=$sock

results=$top/results
: >"$results"
# run SIDE COMMAND...: appends "SIDE name value unit" for each RESULT line.
run() {
    local side=$1
    shift
    local out
    if ! out=$("$@" 2>"$top/err"); then
        echo "compare.sh: $side: $* failed:" >&2
        cat "$top/err" >&2
        exit 1
    fi
    awk -v side="$side" '$1 == "RESULT" { print side, $2, $3, $4 }' <<<"$out" >>"$results"
}

# Workloads 1 and 4 need iterators pinned from a client: bpftool on the
# kernel, bpffsctl's "iter pin" on bpffsd (when this bpffsctl has it).
iter_pinner() {
    if [ "$1" = kernel ]; then
        command -v bpftool >/dev/null && echo bpftool
    elif "$bpffsctl" iter help >/dev/null 2>&1; then
        echo "$bpffsctl"
    fi
}
# Full maps and their iterators, once per mount (and per daemon start).
iter_setup() {
    local side=$1 bench=$2 mnt=$3 pinner=$4
    [ -e "$mnt/iter_small" ] && return 0
    run "$side" "$bench" fill --path "$mnt/imap_hash" --type hash
    run "$side" "$bench" fill --path "$mnt/imap_array" --type array
    run "$side" "$bench" fill --path "$mnt/imap_small" --type array --entries 16
    for map in hash array; do
        for v in print compute final; do
            "$pinner" iter pin "$iter_objs/iter_bench_$v.bpf.o" "$mnt/iter_${map}_$v" \
                map pinned "$mnt/imap_$map" || return 1
        done
    done
    "$pinner" iter pin "$iter_objs/iter_bench_print.bpf.o" "$mnt/iter_small" \
        map pinned "$mnt/imap_small"
}
iter_workload() {
    local side=$1 bench=$2 mnt=$3 pinner
    pinner=$(iter_pinner "$side")
    if [ -z "$pinner" ]; then
        [ "$rep" = 1 ] && echo "compare.sh: $side: no way to pin iterators here (bpftool / bpffsctl iter pin)" >&2
        # Until bpffsctl pins iterators: the daemon's side of a cat (the
        # same program over the same map, read with cat's 128 KiB reads)
        # in one process, without FUSE: rows iter.inproc.*.
        if [ "$side" = bpffsd ]; then
            for map in hash array; do
                for v in print compute final; do
                    run bpffsd "$src/$build/tests/bench/iter_inproc_bench" \
                        "$iter_objs/iter_bench_$v.bpf.o" "$map" 1000000 1 checked "iter.inproc.$map.$v"
                done
            done
        fi
        return 0
    fi
    if ! iter_setup "$side" "$bench" "$mnt" "$pinner"; then
        echo "compare.sh: $side: pinning the iterators failed; no iterator figures" >&2
        return 0
    fi
    for map in hash array; do
        for v in print compute final; do
            run "$side" "$bench" cat --path "$mnt/iter_${map}_$v" --name "iter.$map.$v"
        done
    done
    run "$side" "$bench" open_read --path "$mnt/iter_small" --name iter.small.open_read --count 2000
}

# One repetition of one workload on one side.
workload() {
    local side=$1 name=$2 rep=$3 bench mnt
    if [ "$side" = kernel ]; then bench=$bench_kernel mnt=$kmnt; else bench=$bench_bpffsd mnt=$fmnt; fi
    case $name in
    maps) run "$side" "$bench" maps --singles "$singles" ;;
    pins)
        mkdir "$mnt/pins$rep"
        run "$side" "$bench" pins --dir "$mnt/pins$rep" --count 10000
        rmdir "$mnt/pins$rep"
        ;;
    memory)
        if [ "$side" = kernel ]; then
            run kernel "$bench" memory
        else
            # A fresh daemon, so its RSS growth is the map's alone.
            stop_daemon
            start_daemon
            run bpffsd "$bench" memory --daemon-pid "$daemon_pid"
        fi
        ;;
    iter) iter_workload "$side" "$bench" "$mnt" ;;
    esac
}

renice -n "$niceness" -p $$ >/dev/null
start_daemon
for rep in $(seq "$reps"); do
    for name in maps pins memory iter; do
        wants "$name" || continue
        # Alternate which side goes first, so neither always runs on a
        # machine warmed (or tired) by the other.
        if [ $((rep % 2)) = 1 ]; then sides="kernel bpffsd"; else sides="bpffsd kernel"; fi
        for side in $sides; do
            [ "$side" = kernel ] && [ "$kernel" = no ] && continue
            workload "$side" "$name" "$rep"
        done
    done
    echo "compare.sh: repetition $rep of $reps done" >&2
done

echo "bpffsd vs kernel bpffs: medians of $reps repetitions ($(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%d))"
echo
# The memory rows compare the kernel's memlock with bpffsd's RSS growth.
awk '
function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    if (n == 0) return ""
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    key = $2
    if ($2 == "memory.memlock" && $1 == "bpffsd") next
    if ($2 == "memory.rss_growth") key = "memory.memlock"
    if (!(key in seen)) { seen[key] = 1; order[++n] = key; unit[key] = $4 }
    vals[$1, key] = vals[$1, key] " " $3
}
function fmt(v) { return v == "" ? "-" : (v + 0 >= 100 ? sprintf("%.0f", v) : sprintf("%.3g", v)) }
# The issue-9 goals, as the largest acceptable bpffsd/kernel ratio.
function goal(k) {
    if (k ~ /^map\.[a-z_]+\.batch/) return 1
    if (k ~ /^map\.[a-z_]+\.pipelined/) return 3
    if (k == "pin.ls_l_warm") return 1.5
    if (k == "pin.ls_l_cold") return 5
    if (k ~ /^pin\.(pin|obj_get|unlink)$/) return 2
    if (k == "memory.memlock") return 1
    if (k ~ /^iter\.(inproc\.)?(hash|array)\.print/) return 0.5
    if (k ~ /^iter\.(inproc\.)?(hash|array)\.compute/) return 2
    return ""
}
END {
    printf "| %-28s | %-7s | %10s | %10s | %6s | %-9s |\n", "workload", "unit", "kernel", "bpffsd", "ratio", "goal"
    printf "|%s|%s|%s|%s|%s|%s|\n", "------------------------------", "---------", "-----------:", "-----------:", "-------:", "-----------"
    for (i = 1; i <= n; i++) {
        k = order[i]
        km = median(vals["kernel", k]); fm = median(vals["bpffsd", k])
        # bpffsd in process against the kernel'"'"'s cat of the same iterator
        if (k ~ /^iter\.inproc\./) km = median(vals["kernel", "iter." substr(k, 13)])
        ratio = (km != "" && fm != "" && km > 0) ? fm / km : ""
        g = goal(k)
        gs = g == "" ? "" : sprintf("<=%s", g)
        if (g != "" && ratio != "") gs = gs (ratio <= g ? " ok" : " no")
        label = k == "memory.memlock" ? "memory (memlock / RSS)" : k
        printf "| %-28s | %-7s | %10s | %10s | %6s | %-9s |\n", label, unit[k], fmt(km), fmt(fm), ratio == "" ? "-" : sprintf("%.2f", ratio), gs
    }
}' "$results"
