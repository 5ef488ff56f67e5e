#!/bin/bash
# The Debian packages: builds them with dpkg-buildpackage (through
# packaging/build-deb.sh, in a temporary copy of the tree), unpacks each
# with dpkg-deb -x (nothing is installed on this machine), checks what they
# hold and that it works (the programs run, the library has its soname and
# exports only versioned bpffs_* symbols, a C program builds against the
# -dev package with pkg-config and links the shared library), and runs
# lintian, whose errors fail the test.
#
#   package_test.sh SOURCE_DIR
#
# Exits 77 (skipped) when the package tools are missing and cannot be
# installed (installing needs root).
set -uo pipefail

src=$(cd "${1:?usage: $0 SOURCE_DIR}" && pwd)
failures=0
check() {  # check "what" command...
    local what=$1
    shift
    if "$@"; then
        echo "ok: $what"
    else
        echo "FAIL: $what"
        failures=$((failures + 1))
    fi
}
skip() {
    echo "SKIP: $*"
    exit 77
}

# ---- tools ----
missing_packages() {
    local pkg
    grep -v '^#' "$src/packaging/package-deps.txt" | while read -r pkg; do
        [[ -z $pkg ]] && continue
        dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed' ||
            echo "$pkg"
    done
}
missing=$(missing_packages | tr '\n' ' ')
if [[ -n ${missing// /} ]]; then
    [[ $(id -u) -eq 0 ]] || skip "package tools missing ($missing) and not root to install them"
    echo "installing package tools: $missing"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing ||
        skip "cannot install the package tools: $missing"
fi
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || skip "$src is not a git work tree"
tmp=$(mktemp -d /tmp/bpffsd-pkgtest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/packaging/debian" "$tmp/debian-check"
if ! (cd "$tmp/debian-check/.." && mv debian-check debian && dpkg-checkbuilddeps); then
    skip "build dependencies of packaging/debian/control are missing"
fi

# ---- build ----
# $BPFFS_PACKAGE_DIR: check the packages already built there (by
# packaging/build-deb.sh) instead of building them again.
if [[ -n ${BPFFS_PACKAGE_DIR:-} ]]; then
    echo "checking the packages in $BPFFS_PACKAGE_DIR"
    mkdir -p "$tmp/out"
    cp "$BPFFS_PACKAGE_DIR"/*.deb "$BPFFS_PACKAGE_DIR"/*.changes "$BPFFS_PACKAGE_DIR"/*.buildinfo \
        "$tmp/out"/
else
    echo "building the packages (dpkg-buildpackage -us -uc -b, parallel=2)"
    start=$(date +%s)
    # No -dbgsym packages: nothing here looks at them, and they cost time.
    if ! DEB_BUILD_OPTIONS="parallel=2 nocheck noddebs" \
        "$src/packaging/build-deb.sh" "$tmp/out" >"$tmp/build.log" 2>&1; then
        tail -n 60 "$tmp/build.log"
        echo "FAIL: dpkg-buildpackage"
        exit 1
    fi
    echo "built in $(($(date +%s) - start)) s"
fi
version=$(dpkg-parsechangelog -l "$src/packaging/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for p in bpffsd libbpffs0 libbpffs-dev; do
    deb="$tmp/out/${p}_${version}_${arch}.deb"
    if [[ ! -f $deb ]]; then
        check "$p package exists" false
        continue
    fi
    mkdir -p "$tmp/root"
    dpkg-deb -x "$deb" "$tmp/root"
    dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' >"$tmp/$p.files"
    dpkg-deb -e "$deb" "$tmp/$p.control"
done
root=$tmp/root

# ---- file lists ----
has() {  # has PACKAGE PATH
    grep -qxF "$2" "$tmp/$1.files"
}
for f in /usr/sbin/bpffsd /usr/bin/bpffsctl /usr/share/man/man8/bpffsd.8.gz \
    /usr/share/man/man8/bpffsctl.8.gz /usr/share/bash-completion/completions/bpffsctl \
    /lib/systemd/system/bpffsd.service /usr/share/doc/bpffsd/copyright; do
    check "bpffsd ships $f" has bpffsd "$f"
done
for f in "/usr/lib/$multiarch/libbpffs.so.0" "/usr/lib/$multiarch/libbpffs.so.0.1.0"; do
    check "libbpffs0 ships $f" has libbpffs0 "$f"
done
for f in /usr/include/bpffs/bpffs.h "/usr/lib/$multiarch/libbpffs.so" \
    "/usr/lib/$multiarch/pkgconfig/libbpffs.pc"; do
    check "libbpffs-dev ships $f" has libbpffs-dev "$f"
done
check "the test plugin bpffs-vm is not shipped" bash -c "! grep -q bpffs-vm '$tmp'/*.files"

# ---- maintainer scripts and unit ----
check "postinst creates the bpffs group" grep -q 'addgroup --system --quiet bpffs' \
    "$tmp/bpffsd.control/postinst"
check "postinst enables the service" grep -q 'deb-systemd-helper' "$tmp/bpffsd.control/postinst"
unit=$root/lib/systemd/system/bpffsd.service
check "the unit runs /usr/sbin/bpffsd in the foreground" \
    grep -qE '^ExecStart=/usr/sbin/bpffsd -f ' "$unit"
check "the unit waits for sd_notify readiness" grep -qx 'Type=notify' "$unit"
check "the unit gives the socket to group bpffs, mode 0660" \
    grep -qE -- '--socket-group bpffs --socket-mode 0660' "$unit"
if command -v systemd-analyze >/dev/null; then
    # verify wants the ExecStart binary and man pages where the unit says.
    sed "s#/usr/sbin/bpffsd#$root/usr/sbin/bpffsd#" "$unit" >"$tmp/bpffsd.service"
    check "systemd-analyze verify accepts the unit" bash -c \
        "systemd-analyze verify '$tmp/bpffsd.service' 2>&1 | grep -v 'man bpffs' | (! grep .)"
fi

# ---- the programs and the library work ----
check "bpffsd --version" bash -c "'$root/usr/sbin/bpffsd' --version | grep -qx '$version'"
check "bpffsd --help lists --socket-group" bash -c "'$root/usr/sbin/bpffsd' --help | grep -q -- --socket-group"
check "bpffsctl version" bash -c "'$root/usr/bin/bpffsctl' version | grep -q libbpffs"
lib=$root/usr/lib/$multiarch/libbpffs.so.0.1.0
check "libbpffs soname is libbpffs.so.0" bash -c \
    "readelf -d '$lib' | grep -q 'Library soname: \[libbpffs.so.0\]'"
readelf --dyn-syms -W "$lib" | awk '$5 == "GLOBAL" && $7 != "UND" {print $8}' >"$tmp/exports"
check "libbpffs exports symbols" test -s "$tmp/exports"
check "every export is bpffs_*@@LIBBPFFS_0.1" bash -c \
    "! grep -v -E '^(bpffs_[a-z0-9_]+@@LIBBPFFS_0\.1|LIBBPFFS_0\.1)$' '$tmp/exports'"
for m in bpffsd bpffsctl; do
    check "man page $m(8) renders without warnings" bash -c \
        "zcat '$root/usr/share/man/man8/$m.8.gz' | groff -man -ww -z 2>&1 | (! grep .)"
done
check "bash completion parses" bash -n "$root/usr/share/bash-completion/completions/bpffsctl"
complete_words() {  # complete_words WORD...: what completing the last word offers
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
             _bpffsctl; echo "${COMPREPLY[*]}"' _ \
        "$root/usr/share/bash-completion/completions/bpffsctl" "$@"
}
check "completion: map commands" test "$(complete_words bpffsctl map d)" = "dump delete dequeue"
check "completion: map types" test "$(complete_words bpffsctl map create /x type lru_)" = \
    "lru_hash lru_percpu_hash"
check "completion: update keywords" test "$(complete_words bpffsctl map update pinned /x '')" = \
    "key value any exist noexist"
check "completion: prog commands" test "$(complete_words bpffsctl prog loa)" = "load loadall"
check "completion: btf sources" test "$(complete_words bpffsctl btf dump '')" = \
    "id prog map file daemon"

# A client of the -dev package: pkg-config flags, link, run against a socket
# nobody listens on (the library must fail with an errno and a sentence).
cat >"$tmp/client.c" <<'C'
#include <bpffs/bpffs.h>
#include <errno.h>
#include <stdio.h>
int main(void) {
    if (bpffs_set_socket("/nonexistent/bpffsd.sock") != 0) return 2;
    __u32 next = 0;
    int rc = bpffs_map_get_next_id(0, &next);
    if (rc >= 0 || errno == 0 || bpffs_last_error()[0] == '\0') return 3;
    printf("refused as expected: %s\n", bpffs_last_error());
    return 0;
}
C
pcdir=$root/usr/lib/$multiarch/pkgconfig
cflags=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$root pkg-config --cflags libbpffs)
libs=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$root pkg-config --libs libbpffs)
# shellcheck disable=SC2086
check "a C client builds with pkg-config libbpffs" \
    cc -Wall -Werror -I"$root/usr/include" $cflags "$tmp/client.c" -o "$tmp/client" $libs
check "the client links libbpffs.so.0 and runs" bash -c \
    "LD_LIBRARY_PATH='$root/usr/lib/$multiarch' ldd '$tmp/client' | grep -q '$root.*libbpffs.so.0' &&
     LD_LIBRARY_PATH='$root/usr/lib/$multiarch' '$tmp/client'"

# ---- lintian ----
echo "lintian:"
lintian --fail-on error --tag-display-limit 0 --display-info "$tmp/out"/*.changes 2>&1 | tee "$tmp/lintian.log"
lintian_status=${PIPESTATUS[0]}
check "lintian reports no errors" test "$lintian_status" -eq 0

echo "$failures failed checks"
((failures == 0))
