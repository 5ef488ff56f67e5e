#!/bin/bash
# Builds the Debian packages (bpffsd, libbpffs0, libbpffs-dev) in a
# temporary copy of the source tree, so the work tree gets no debian/ folder
# and no build litter, and copies the .deb, .changes and .buildinfo files
# to OUTDIR.
#
#   packaging/build-deb.sh [--head] OUTDIR
#
# The copy holds the files git tracks, as they are in the work tree; with
# --head, as they are in the last commit instead.
set -euo pipefail

from_head=0
if [[ "${1:-}" == "--head" ]]; then
    from_head=1
    shift
fi
if [[ $# -ne 1 ]]; then
    echo "usage: $0 [--head] OUTDIR" >&2
    exit 2
fi
outdir=$(realpath -m "$1")
srcdir=$(cd "$(dirname "$0")/.." && pwd)
version=$(dpkg-parsechangelog -l "$srcdir/packaging/debian/changelog" -S Version)

work=$(mktemp -d /tmp/bpffsd-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
tree="$work/bpffsd-$version"
mkdir -p "$tree" "$outdir"

if ((from_head)); then
    git -C "$srcdir" archive --format=tar HEAD | tar -x -C "$tree"
else
    (cd "$srcdir" && git ls-files -z | tar --null -T - -cf -) | tar -x -C "$tree"
fi
# dpkg-buildpackage wants debian/ at the top of the source tree.
cp -r "$tree/packaging/debian" "$tree/debian"

cd "$tree"
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=2 nocheck}"
# Meson compiles through ccache when it is installed. debhelper points HOME
# at a directory inside the tree, which would give every build an empty
# cache: name the usual one. The temporary tree's path differs on each
# run; relative to base_dir it does not, so rebuilds of unchanged files hit.
if command -v ccache >/dev/null; then
    CCACHE_DIR=$(ccache --get-config cache_dir)
    export CCACHE_DIR CCACHE_BASEDIR=$work
fi
dpkg-buildpackage -us -uc -b
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$outdir"/
echo "packages in $outdir:"
ls -1 "$outdir"
