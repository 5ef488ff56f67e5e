#!/bin/bash
# Configures (if needed) and builds a build directory.
# usage: scripts/build.sh BUILDDIR [meson setup options...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
builddir="$1"; shift
cd "$here"
# Meson compiles through ccache when it is installed (build-deps.txt). Paths
# inside the tree are made relative and the build directory's path is left
# out of the hash, so a fresh clone elsewhere (CI's) reuses what an earlier
# build of the same sources compiled; only debug information's compilation
# directory may name the other tree.
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=true
if [[ ! -f "$builddir/build.ninja" ]]; then
    meson setup "$builddir" "$@"
fi
ninja -C "$builddir"
