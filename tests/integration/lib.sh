# shellcheck shell=bash
# Sourced by the shell integration tests: skipping (exit 77), a bpffsd
# serving a temporary FUSE mount and socket, undone at exit, and the
# bookkeeping of checks. Not a test itself.

failures=0

skip() {
    echo "SKIP: $*"
    exit 77
}

# require_fuse_root: root and /dev/fuse, else skip.
require_fuse_root() {
    [ "$(id -u)" = 0 ] || skip "needs root for FUSE mounts"
    [ -c /dev/fuse ] || skip "no /dev/fuse"
}

# require_built WHAT PATH: an executable that the build made, else skip.
require_built() {
    [ -x "$2" ] || skip "$1 is not built ($2)"
}

# use_tools BPFFSD BPFFSCTL: $bpffsd and $ctl, absolute paths; skips
# unless root, /dev/fuse and both executables are there.
use_tools() {
    bpffsd=$(realpath "$1")
    ctl=$(realpath "$2")
    require_fuse_root
    require_built bpffsd "$bpffsd"
    require_built bpffsctl "$ctl"
}

# at_cleanup COMMAND: run COMMAND at exit, before the daemon is stopped
# (a background writer, an open descriptor).
cleanup_hooks=()
at_cleanup() {
    cleanup_hooks+=("$1")
}

# start_bpffsd BPFFSD TEMPLATE: a new directory $top (mktemp TEMPLATE)
# holding the mount point $mnt, served by a bpffsd (pid $pid, output in
# $top/log) whose socket is $sock. Returns once both are up; exits 1 when
# the daemon does not mount. Everything is undone at exit.
start_bpffsd() {
    top=$(mktemp -d "$2")
    mnt=$top/mnt
    sock=$top/sock
    mkdir -p "$mnt"
    "$1" -f --socket "$sock" "$mnt" >"$top/log" 2>&1 &
    pid=$!
    trap stop_bpffsd EXIT
    for _ in $(seq 100); do
        [ -S "$sock" ] && mountpoint -q "$mnt" && break
        sleep 0.1
    done
    mountpoint -q "$mnt" || {
        cat "$top/log"
        echo "FAIL: bpffsd did not mount"
        exit 1
    }
}

stop_bpffsd() {
    local hook
    for hook in "${cleanup_hooks[@]}"; do eval "$hook"; done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    fusermount3 -u "$mnt" 2>/dev/null
    rm -rf "$top"
}

# check DESCRIPTION WANT GOT: GOT must be WANT.
check() {
    if [ "$2" != "$3" ]; then
        echo "FAIL: $1"
        diff <(echo "$2") <(echo "$3")
        failures=$((failures + 1))
    else
        echo "ok: $1"
    fi
}

# mask: what differs by nature in a command's output (ids, sizes) made
# fixed; a test that needs it defines its own.
mask() {
    cat
}

# run_captured COMMAND...: sets $got (stdout+stderr) and $rc.
run_captured() {
    got=$("$@" 2>&1)
    rc=$?
}

# expect DESCRIPTION EXPECTED_STATUS EXPECTED_OUTPUT -- COMMAND...: the
# command's exit status and its stdout+stderr (through mask) must be these.
expect() {
    local what=$1 status=$2 want=$3
    shift 4
    run_captured "$@"
    got=$(mask <<<"$got")
    if [ "$rc" != "$status" ] || [ "$got" != "$want" ]; then
        echo "FAIL: $what: exit $rc (want $status)"
        diff <(echo "$want") <(echo "$got")
        failures=$((failures + 1))
    fi
}

# expect_grep DESCRIPTION EXPECTED_STATUS REGEX -- COMMAND...: the exit
# status, and a line of the output matching REGEX (grep -E).
expect_grep() {
    local what=$1 status=$2 re=$3
    shift 4
    run_captured "$@"
    if [ "$rc" != "$status" ] || ! grep -qE -- "$re" <<<"$got"; then
        echo "FAIL: $what: exit $rc (want $status), output does not match /$re/:"
        echo "$got" | head -20
        failures=$((failures + 1))
    fi
}

# finish: exit 0 when every check passed, else 1 after the daemon's log.
finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures failed check(s); bpffsd log:"
        tail -50 "$top/log"
        exit 1
    fi
    echo "PASS"
    exit 0
}
