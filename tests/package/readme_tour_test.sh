#!/bin/bash
# README.md's tour, word for word, against the build tree: the commands and
# the outputs the README shows come from README.md itself
# (scripts/readme_tour.py), and run as root and as an unprivileged user
# (nobody, through fusermount3) with bpffsd and bpffsctl of this build on
# PATH. The tour's package installation is left out here;
# scripts/clean_install_check.sh runs the whole tour, installation
# included, on a clean Debian 12 with the built packages.
#
#   readme_tour_test.sh SRCDIR BPFFSD BPFFSCTL
#
# Needs root (the other user, a private mount namespace with its own /run
# so the tour's /run/bpffs never meets a real one), /dev/fuse, clang and
# libbpf's bpf_helpers.h; exits 77 (skipped) without them.
set -uo pipefail

src=${1:?usage: $0 SRCDIR BPFFSD BPFFSCTL}
bpffsd_bin=${2:?usage: $0 SRCDIR BPFFSD BPFFSCTL}
bpffsctl_bin=${3:?usage: $0 SRCDIR BPFFSD BPFFSCTL}
skip() {
    echo "SKIP: $*"
    exit 77
}
[[ $(id -u) -eq 0 ]] || skip "needs root to run the tour as root and as another user"
[[ -c /dev/fuse ]] || skip "no /dev/fuse"
for tool in python3 clang fusermount3 setpriv unshare mknod; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
done
[[ -f /usr/include/bpf/bpf_helpers.h ]] || skip "libbpf-dev (bpf/bpf_helpers.h) is not installed"

# A private mount namespace with an empty /run: the tour's /run/bpffs and
# /run/bpffsd.sock are its own, whatever runs on this machine.
if [[ -z ${BPFFS_TOUR_INNER:-} ]]; then
    export BPFFS_TOUR_INNER=1
    exec unshare --mount --propagation private "$0" "$@"
fi
mount -t tmpfs -o mode=0755 tour-run /run || skip "cannot mount a private /run"
# A Debian system's /dev/fuse is 0666 (udev); containers often leave it
# root-only, which no user could mount through.
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -r /dev/fuse -a -w /dev/fuse; then
    devdir=$(mktemp -d /tmp/bpffsd-tour-dev.XXXXXX)
    mount -t tmpfs -o mode=0755,size=64k tour-dev "$devdir" &&
        mknod -m 0666 "$devdir/fuse" c 10 229 &&
        mount --bind "$devdir/fuse" /dev/fuse
    made=$?
    umount -l "$devdir" 2>/dev/null
    rmdir "$devdir"
    ((made == 0)) || skip "cannot give /dev/fuse mode 0666 in a private mount namespace"
fi

work=$(mktemp -d /tmp/bpffsd-tour.XXXXXX)
chmod 0755 "$work"
cleanup() {
    for f in "$work"/*/out/daemon.pid; do
        [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT
# The binaries where nobody can run them (the build tree may be private).
mkdir "$work/bin"
cp "$bpffsd_bin" "$work/bin/bpffsd"
cp "$bpffsctl_bin" "$work/bin/bpffsctl"
tour=(python3 "$src/scripts/readme_tour.py" --installed)

bpffs_mounts() {  # the mount points of bpffsd's FUSE mounts, sorted
    awk '$3 == "fuse.bpffs" {print $2}' /proc/self/mounts | sort
}

failures=0
run_tour() {  # run_tour ROLE: the tour in a fresh home, its daemon stopped after
    local role=$1 home=$work/$1
    local mounts_before
    mounts_before=$(bpffs_mounts)
    mkdir -m 0755 "$home"
    "${tour[@]}" script "$src/README.md" "$role" "$home/out" >"$work/$role.sh" || exit 1
    local env=(env -i PATH="$work/bin:/usr/sbin:/usr/bin:/sbin:/bin" HOME="$home" LANG=C.UTF-8)
    if [[ $role == root ]]; then
        (cd "$home" && "${env[@]}" bash "$work/$role.sh")
    else
        chown 65534:65534 "$home"
        mkdir -p /run/user && mkdir -m 0700 /run/user/65534
        chown 65534:65534 /run/user/65534
        (cd "$home" && setpriv --reuid=65534 --regid=65534 --clear-groups \
            "${env[@]}" XDG_RUNTIME_DIR=/run/user/65534 bash "$work/$role.sh")
    fi
    echo "--- the tour as $role"
    "${tour[@]}" check "$src/README.md" "$role" "$home/out" || failures=$((failures + 1))
    # The daemon of the "second shell": SIGTERM ends it and its mount.
    # (Its mount is told apart from others by where it is: the tours of
    # other tests come and go meanwhile.)
    local tour_mounts
    tour_mounts=$(comm -13 <(echo "$mounts_before") <(bpffs_mounts))
    if [[ -f $home/out/daemon.pid ]]; then
        local pid
        pid=$(cat "$home/out/daemon.pid")
        kill -TERM "$pid"
        for _ in $(seq 300); do
            [[ -e /proc/$pid ]] || break
            sleep 0.1
        done
        local left
        left=$(comm -12 <(echo "$tour_mounts") <(bpffs_mounts))
        if [[ -e /proc/$pid || -z $tour_mounts || -n $left ]]; then
            echo "FAIL: the $role tour's daemon did not end with its mount on SIGTERM" \
                "(pid $pid $([[ -e /proc/$pid ]] && echo running || echo gone)," \
                "its mount: '$tour_mounts', still mounted: '$left')"
            cat "$home/out/"*.out | tail -n 5
            failures=$((failures + 1))
        else
            echo "ok: the $role tour's daemon ended on SIGTERM, its mount gone"
        fi
    else
        echo "FAIL: the $role tour started no daemon"
        failures=$((failures + 1))
    fi
}
run_tour root
run_tour user
echo "$failures failed tours"
((failures == 0))
