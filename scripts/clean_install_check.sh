#!/bin/bash
# The packages on a clean Debian 12: builds the .deb files, installs them
# with apt into a fresh debootstrap of bookworm (the default variant, as a
# new installation has it, with man-db), and checks there that bpffsd
# runs, `man bpffsctl` shows the page, and README.md's tour works word for
# word as root and as a new unprivileged user (scripts/readme_tour.py takes
# the commands and the outputs the README shows from README.md itself).
#
#   scripts/clean_install_check.sh [--debs DIR] [--keep]
#
#   --debs DIR   install the packages in DIR instead of building them
#                (packaging/build-deb.sh DIR makes them)
#   --keep       leave the scratch root in place for a look (its path is
#                printed); it is removed otherwise
#
# Needs root, debootstrap (apt-get install debootstrap) and Debian's mirror
# ($DEBIAN_MIRROR, default http://deb.debian.org/debian): apt inside the
# root fetches the packages' dependencies, clang and libbpf-dev. The
# debootstrap tarball and the finished root are cached in
# /var/cache/bpffsd-clean-install, so the second run skips debootstrap
# (about 3 minutes); building the packages takes a few more. Not part of
# ./test.sh. Ends with "clean install: N checks, N failed".
set -uo pipefail

src=${BPFFS_CLEAN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
cache=/var/cache/bpffsd-clean-install
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
tourist=tourist   # the unprivileged user the tour runs as

args=("$@")
debs_dir=""
keep=0
while (($#)); do
    case $1 in
    --debs) debs_dir=$(realpath "${2:?--debs needs a directory}") && shift 2 || exit 2 ;;
    --keep) keep=1 && shift ;;
    *)
        echo "usage: $0 [--debs DIR] [--keep]" >&2
        exit 2
        ;;
    esac
done

die() {
    echo "clean_install_check: $*" >&2
    exit 1
}
[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
command -v unshare >/dev/null || die "unshare is missing (util-linux)"

# Everything below happens in a private mount namespace: the scratch root's
# /proc, /dev and the tour's FUSE mounts vanish with it, whatever happens.
# It runs a copy of this script and of what it reads from the tree
# (README.md, readme_tour.py), so editing them meanwhile changes nothing.
if [[ -z ${BPFFS_CLEAN_INNER:-} ]]; then
    work=$(mktemp -d /var/tmp/bpffsd-clean.XXXXXX)
    cp "$0" "$work/clean_install_check.sh"
    cp "$src/README.md" "$src/scripts/readme_tour.py" "$work/"
    export BPFFS_CLEAN_INNER=$work BPFFS_CLEAN_SRC=$src
    exec unshare --mount --propagation private bash "$work/clean_install_check.sh" "${args[@]}"
fi

work=$BPFFS_CLEAN_INNER
root=$work/root
readme=$work/README.md
tour_py=$work/readme_tour.py
cleanup() {
    # Whatever still runs inside the root (the tour's daemons if a step
    # hung) holds its mounts; the namespace ends with this script anyway.
    if [[ -f $work/daemon.pids ]]; then
        while read -r pid; do kill "$pid" 2>/dev/null; done <"$work/daemon.pids"
    fi
    umount -R -l "$root" 2>/dev/null
    if ((keep)); then
        echo "scratch root kept: $root"
    else
        rm -rf --one-file-system "$work"
    fi
}
trap cleanup EXIT

checks=0
failures=0
check() {  # check "what" command...
    local what=$1
    shift
    checks=$((checks + 1))
    if "$@"; then
        echo "ok: $what"
    else
        echo "FAIL: $what"
        failures=$((failures + 1))
    fi
}
in_root() {  # in_root command...: as root inside the scratch root
    chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
        LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
step() { echo "== $*"; }

# ---- the packages ----
mkdir -p "$work/debs"
if [[ -n $debs_dir ]]; then
    step "packages from $debs_dir"
    cp "$debs_dir"/*.deb "$work/debs"/ || die "no .deb files in $debs_dir"
else
    step "building the packages (packaging/build-deb.sh, from $(git -C "$src" describe --always --dirty))"
    start=$(date +%s)
    DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=2 nocheck noddebs}" \
        "$src/packaging/build-deb.sh" "$work/debs-out" >"$work/build.log" 2>&1 ||
        {
            tail -n 40 "$work/build.log"
            die "packaging/build-deb.sh failed"
        }
    cp "$work/debs-out"/*.deb "$work/debs"/
    echo "built in $(($(date +%s) - start)) s"
fi
ls -1 "$work/debs"

# ---- a clean bookworm ----
# debootstrap's default variant installs the packages of priority required
# and important; the Debian installer adds the "standard system utilities"
# task by default, which brings man-db. That one is added here.
arch=$(dpkg --print-architecture)
include=man-db
root_cache=$cache/$suite-$arch-$include-root.tar
mkdir -p "$cache" "$root"
if [[ -f $root_cache ]]; then
    step "clean $suite from $root_cache"
    tar -C "$root" --numeric-owner --xattrs -xf "$root_cache" || die "cannot unpack $root_cache"
else
    tarball=$cache/$suite-$arch-$include.tar.gz
    if [[ ! -f $tarball ]]; then
        step "downloading $suite's packages (debootstrap --make-tarball)"
        debootstrap --arch="$arch" --include="$include" --make-tarball="$tarball.tmp" "$suite" "$work/download" \
            "$mirror" >"$work/debootstrap.log" 2>&1 ||
            {
                tail -n 20 "$work/debootstrap.log"
                die "debootstrap --make-tarball failed"
            }
        mv "$tarball.tmp" "$tarball"
    fi
    step "debootstrap $suite (default variant, with $include)"
    debootstrap --arch="$arch" --include="$include" --unpack-tarball="$tarball" "$suite" "$root" "$mirror" \
        >"$work/debootstrap.log" 2>&1 ||
        {
            tail -n 20 "$work/debootstrap.log"
            die "debootstrap failed"
        }
    # The root as debootstrap left it, before anything of ours touched it.
    tar -C "$root" --numeric-owner --xattrs -cf "$root_cache.tmp" . && mv "$root_cache.tmp" "$root_cache"
fi

# A running system's file systems. /dev is a fresh tmpfs with the nodes a
# Debian system has, /dev/fuse with udev's mode 0666 (Debian's rule for it),
# so an unprivileged user can mount through fusermount3 here even where the
# host's node is root-only (containers), and the host's /dev stays untouched.
mount -t proc proc "$root/proc" || die "cannot mount /proc in the root"
mount --rbind /sys "$root/sys" || die "cannot bind /sys into the root"
mount -t tmpfs -o mode=0755,size=1m,nosuid dev "$root/dev" || die "cannot mount a /dev tmpfs"
for node in "null c 1 3 0666" "zero c 1 5 0666" "full c 1 7 0666" "random c 1 8 0666" \
    "urandom c 1 9 0666" "tty c 5 0 0666" "fuse c 10 229 0666"; do
    read -r name type major minor mode <<<"$node"
    mknod -m "$mode" "$root/dev/$name" "$type" "$major" "$minor" || die "cannot create /dev/$name"
done
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts" &&
    ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
mount -t tmpfs -o mode=0755,nosuid,nodev run "$root/run" || die "cannot mount /run in the root"
mkdir -p "$root/run/lock"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
# apt asks before installing dependencies; this is the user answering yes.
echo 'APT::Get::Assume-Yes "true";' >"$root/etc/apt/apt.conf.d/90clean-install-check"

# ---- install ----
step "apt-get update"
in_root apt-get update -q >"$work/apt-update.log" 2>&1 || {
    cat "$work/apt-update.log"
    die "apt-get update failed in the root"
}
mkdir -p "$root/root/tour"
cp "$work/debs"/*.deb "$root/root/tour"/
step "apt install ./bpffsd_*.deb ./libbpffs*.deb"
check "apt install ./bpffsd_*.deb ./libbpffs*.deb" \
    in_root bash -c 'cd /root/tour && apt install ./bpffsd_*.deb ./libbpffs*.deb' \
    >"$work/apt-install.log" 2>&1
tail -n 5 "$work/apt-install.log"
grep -iE '^(W|E):' "$work/apt-install.log"

version=$(dpkg-parsechangelog -l "$src/packaging/debian/changelog" -S Version)
check "bpffsd --version prints $version" bash -c \
    "[[ \$(chroot '$root' bpffsd --version) == '$version' ]]"
check "bpffsctl version" bash -c "chroot '$root' bpffsctl version | grep -q libbpffs"
check "the bpffs group exists" in_root getent group bpffs
check "the unit is installed and enabled" bash -c \
    "[[ -f '$root/lib/systemd/system/bpffsd.service' &&
        -L '$root/etc/systemd/system/multi-user.target.wants/bpffsd.service' ]]"
for page in bpffsctl bpffsd; do
    in_root env MANPAGER=cat MANWIDTH=80 man "$page" >"$work/man-$page.txt" 2>"$work/man-$page.err"
    check "man $page shows the page" bash -c \
        "grep -q '^NAME' '$work/man-$page.txt' && grep -q '^ *$page ' '$work/man-$page.txt' &&
         ! grep -q . '$work/man-$page.err'"
done
echo "--- man bpffsctl | head"
head -n 12 "$work/man-bpffsctl.txt"
echo "---"

# ---- the README's tour ----
bpffs_mounts() {  # the mount points of bpffsd's FUSE mounts, sorted
    awk '$3 == "fuse.bpffs" {print $2}' /proc/self/mounts | sort
}
tour() {  # tour ROLE HOME: generates the tour, runs it in HOME, checks it
    local role=$1 home=$2
    local out=$home/.tour-out
    python3 "$tour_py" script "$readme" "$role" "$out" \
        >"$root$home/.tour.sh" || die "readme_tour.py could not read the tour"
    local run=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb LANG=C.UTF-8
        DEBIAN_FRONTEND=noninteractive)
    if [[ $role == root ]]; then
        run=(chroot "$root" "${run[@]}" HOME=/root)
    else
        local uid
        uid=$(chroot "$root" id -u "$tourist")
        # What pam_systemd/logind give a user who logs in.
        mkdir -p "$root/run/user/$uid"
        chown "$uid:$uid" "$root/run/user/$uid"
        chmod 0700 "$root/run/user/$uid"
        run=(chroot --userspec="$tourist:$tourist" "$root" "${run[@]}" HOME="$home"
            USER="$tourist" LOGNAME="$tourist" XDG_RUNTIME_DIR="/run/user/$uid")
    fi
    step "the README's tour as $role ($(python3 "$tour_py" list "$readme" "$role" | wc -l) steps)"
    local mounts_before
    mounts_before=$(bpffs_mounts)
    "${run[@]}" bash -c "cd '$home' && bash .tour.sh" >"$work/tour-$role.log" 2>&1
    python3 "$tour_py" check "$readme" "$role" "$root$out" >"$work/tour-$role.check"
    local status=$?
    cat "$work/tour-$role.check"
    checks=$((checks + 1))
    if ((status != 0)); then
        failures=$((failures + 1))
        echo "FAIL: the tour as $role"
    else
        echo "ok: the tour as $role"
    fi
    # The daemon the tour started in "a second shell": SIGTERM, as Ctrl-C
    # would, ends it and its mount (told apart from other mounts by where
    # it is).
    local tour_mounts
    tour_mounts=$(comm -13 <(echo "$mounts_before") <(bpffs_mounts))
    if [[ -f $root$out/daemon.pid ]]; then
        local pid
        pid=$(cat "$root$out/daemon.pid")
        echo "$pid" >>"$work/daemon.pids"
        kill -TERM "$pid"
        for _ in $(seq 300); do
            [[ -e /proc/$pid ]] || break
            sleep 0.1
        done
        check "the tour's daemon ($role) ends on SIGTERM" test ! -e "/proc/$pid"
        check "its mount ($tour_mounts) is gone" \
            test -n "$tour_mounts" -a -z "$(comm -12 <(echo "$tour_mounts") <(bpffs_mounts))"
    fi
}
tour root /root/tour
in_root useradd --create-home --shell /bin/bash "$tourist" || die "useradd failed"
tour user "/home/$tourist"

# ---- the service, in the root booted under systemd ----
# systemd-nspawn boots the root's systemd; the package enabled bpffsd.service.
# A oneshot unit ordered after it records what a user would check, runs
# the README's tour as root against the service (the tour's packages are
# installed by now) and powers the container off.
boot_check() {
    mkdir -p "$root/root/service-tour"
    python3 "$tour_py" --installed --service script "$readme" root /root/service-tour/out \
        >"$root/root/service-tour/tour.sh" || die "readme_tour.py could not read the tour"
    cat >"$root/etc/systemd/system/bpffsd-boot-check.service" <<'UNIT'
[Unit]
Description=what the clean install check looks at once bpffsd.service is up
After=bpffsd.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c '{ \
  echo "is-active: $(systemctl is-active bpffsd)"; \
  echo "status: $(systemctl show -P StatusText bpffsd)"; \
  echo "mount: $(findmnt -n -o FSTYPE /run/bpffs)"; \
  echo "socket: $(stat -c "%%A %%G" /run/bpffsd.sock)"; \
  } > /root/boot-check.txt 2>&1; \
  cd /root/service-tour && bash tour.sh > tour.log 2>&1; \
  systemctl poweroff'

[Install]
WantedBy=multi-user.target
UNIT
    ln -sf /etc/systemd/system/bpffsd-boot-check.service \
        "$root/etc/systemd/system/multi-user.target.wants/bpffsd-boot-check.service"
    # nspawn sets up /dev, /proc, /sys and /run itself.
    umount -R "$root/proc" "$root/sys" "$root/dev" "$root/run"
    step "booting the root with systemd-nspawn (bpffsd.service as installed)"
    # No machined or system bus here: no registration, no scope of its own.
    timeout 180 systemd-nspawn --quiet --register=no --keep-unit --directory="$root" \
        --bind=/dev/fuse --boot --console=pipe >"$work/boot.log" 2>&1 </dev/null
    echo "systemd-nspawn exit status $?"
    if [[ ! -f $root/root/boot-check.txt ]]; then
        tail -n 30 "$work/boot.log"
        check "the booted root ran its check" false
        return
    fi
    cat "$root/root/boot-check.txt"
    check "bpffsd.service is active after boot" grep -qx 'is-active: active' "$root/root/boot-check.txt"
    check "its status line names the mount and the socket" \
        grep -qx 'status: serving /run/bpffs on /run/bpffsd.sock' "$root/root/boot-check.txt"
    check "/run/bpffs is the FUSE mount" grep -qx 'mount: fuse.bpffs' "$root/root/boot-check.txt"
    check "/run/bpffsd.sock is mode 0660, group bpffs" \
        grep -qx 'socket: srw-rw---- bpffs' "$root/root/boot-check.txt"
    echo "--- the README's tour as root, against the service"
    python3 "$tour_py" --installed --service check "$readme" root "$root/root/service-tour/out" \
        >"$work/tour-service.check"
    local status=$?
    cat "$work/tour-service.check"
    check "the tour as root against the service" test "$status" -eq 0
}
if command -v systemd-nspawn >/dev/null; then
    boot_check
else
    echo "SKIP: the boot under systemd (apt-get install systemd-container for systemd-nspawn)"
fi

echo "clean install: $checks checks, $failures failed"
((failures == 0))
