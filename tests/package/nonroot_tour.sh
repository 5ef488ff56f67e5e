#!/bin/bash
# bpffsd run by an unprivileged user (nobody, no capabilities, no groups):
# the mount goes through fusermount3, the defaults come from
# $XDG_RUNTIME_DIR, and the README's tour (map create/update/dump/lookup/
# show, ls, rm) works there with bpffsctl run as the same user.
#
#   nonroot_tour.sh BPFFSD BPFFSCTL
#
# Needs root to switch users and to give this test its own mount
# namespace; exits 77 (skipped) without root, /dev/fuse, fusermount3,
# setpriv or unshare.
set -uo pipefail

bpffsd_bin=${1:?usage: $0 BPFFSD BPFFSCTL}
bpffsctl_bin=${2:?usage: $0 BPFFSD BPFFSCTL}
skip() {
    echo "SKIP: $*"
    exit 77
}
[[ $(id -u) -eq 0 ]] || skip "needs root to run bpffsd as another user"
[[ -c /dev/fuse ]] || skip "no /dev/fuse"
for tool in fusermount3 setpriv unshare mknod; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
done

# Re-run inside a private mount namespace: the mount stays invisible to the
# rest of the machine, and /dev/fuse can be given the mode a Debian system
# has (0666, from udev's rules) without touching the real node, which
# containers often leave at 0600 (root only: no user could mount at all).
if [[ -z ${BPFFS_NONROOT_INNER:-} ]]; then
    export BPFFS_NONROOT_INNER=1
    exec unshare --mount --propagation private "$0" "$@"
fi
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -r /dev/fuse -a -w /dev/fuse; then
    devdir=$(mktemp -d /tmp/bpffsd-dev.XXXXXX)
    mount -t tmpfs -o mode=0755,size=64k bpffs-test-dev "$devdir" &&
        mknod -m 0666 "$devdir/fuse" c 10 229 &&
        mount --bind "$devdir/fuse" /dev/fuse
    made=$?
    # The bind mount keeps the node; the directory is no longer needed.
    umount -l "$devdir" 2>/dev/null
    rmdir "$devdir"
    ((made == 0)) || skip "cannot give /dev/fuse mode 0666 in a private mount namespace"
fi

# A home for nobody: the binaries (the build tree may not be readable by
# nobody), the runtime directory.
home=$(mktemp -d /tmp/bpffsd-nonroot.XXXXXX)
trap 'rm -rf "$home"' EXIT
chmod 0755 "$home"
cp "$bpffsd_bin" "$home/bpffsd"
cp "$bpffsctl_bin" "$home/bpffsctl"
mkdir -m 0700 "$home/run"
chown 65534:65534 "$home/run"
run=$home/run

as_nobody() {
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" XDG_RUNTIME_DIR="$run" "$@"
}

failures=0
expect() {  # expect "what" EXPECTED_OUTPUT command...
    local what=$1 want=$2
    shift 2
    local got
    got=$("$@" 2>&1)
    if [[ $got == "$want" ]]; then
        echo "ok: $what"
    else
        echo "FAIL: $what"
        echo "  want: $want"
        echo "  got:  $got"
        failures=$((failures + 1))
    fi
}
fails() {  # fails command...: the command fails
    ! "$@" >/dev/null 2>&1
}
check() {  # check "what" command...
    local what=$1
    shift
    if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

# No mount point, no --socket: the user defaults. Detached: bpffsd returns
# once the mount and the socket are ready (or prints why not and fails).
if ! as_nobody "$home/bpffsd" --log-level debug; then
    echo "FAIL: bpffsd did not start as nobody"
    exit 1
fi
pid=$(pgrep -u 65534 -x bpffsd | head -n 1)
mnt=$run/bpffs
sock=$run/bpffsd.sock
check "the daemon runs as nobody" test -n "$pid"
check "the mount is at \$XDG_RUNTIME_DIR/bpffs" bash -c "findmnt -n '$mnt' >/dev/null"
check "the mount is FUSE, mounted through fusermount3 (user_id 65534)" \
    bash -c "findmnt -n -o FSTYPE,OPTIONS '$mnt' | grep -q 'fuse.bpffs.*user_id=65534'"
check "the socket is \$XDG_RUNTIME_DIR/bpffsd.sock, owned by nobody" \
    bash -c "[[ -S '$sock' && \$(stat -c %u '$sock') == 65534 ]]"

ctl() { as_nobody "$home/bpffsctl" "$@"; }
expect "map create" "" ctl map create "$mnt/m" type hash key 4 value 8 entries 1024 name m
expect "map update" "" ctl map update pinned "$mnt/m" key 1 0 0 0 value 2 0 0 0 0 0 0 0
expect "map dump" "key: 01 00 00 00  value: 02 00 00 00 00 00 00 00
Found 1 element" ctl map dump pinned "$mnt/m"
expect "map lookup -j" '{"key":["0x01","0x00","0x00","0x00"],"value":["0x02","0x00","0x00","0x00","0x00","0x00","0x00","0x00"]}' \
    ctl -j map lookup pinned "$mnt/m" key 1 0 0 0
check "BPFFS_SOCKET reaches the daemon (map getnext)" bash -c \
    "BPFFS_SOCKET='$sock' setpriv --reuid=65534 --regid=65534 --clear-groups '$home/bpffsctl' \
     map getnext pinned '$mnt/m' | grep -q 'next key'"
expect "ls -l shows the pin, owned by nobody" "-rw------- nobody m" \
    as_nobody bash -c "ls -l '$mnt' | awk '\$9 == \"m\" {print \$1, \$3, \$9}'"
expect "mkdir and mv" "" as_nobody bash -c "mkdir '$mnt/dir' && mv '$mnt/m' '$mnt/dir/m'"
expect "dump after mv" "key: 01 00 00 00  value: 02 00 00 00 00 00 00 00
Found 1 element" ctl map dump pinned "$mnt/dir/m"
expect "rm unpins" "" as_nobody rm "$mnt/dir/m"
check "the pin is gone after rm" fails ctl map dump pinned "$mnt/dir/m"
check "root is kept out of a mount without allow_other" bash -c "! ls '$mnt' 2>/dev/null"

# fusermount3 -u, as the user, ends the daemon.
check "fusermount3 -u as nobody" as_nobody fusermount3 -u "$mnt"
# Gone, or a zombie nobody reaps (the daemon was re-parented when it
# detached; containers' init processes do not always reap).
running() {
    [[ -e /proc/$pid ]] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$pid/stat" 2>/dev/null
}
for _ in $(seq 200); do
    running || break
    sleep 0.1
done
check "the daemon exited after the unmount" fails running
check "the socket is removed" test ! -e "$sock"
if running; then
    kill "$pid"
fi

echo "$failures failed checks"
((failures == 0))
