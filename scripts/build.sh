#!/bin/bash
# Configures (if needed) and builds a build directory.
# usage: scripts/build.sh BUILDDIR [meson setup options...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
builddir="$1"; shift
cd "$here"
if [[ ! -f "$builddir/build.ninja" ]]; then
    meson setup "$builddir" "$@"
fi
ninja -C "$builddir"
