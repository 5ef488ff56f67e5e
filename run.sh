#!/bin/bash
# Installs what is missing, builds, and runs bpffsd in the foreground on its
# default mount point (/run/bpffs, socket /run/bpffsd.sock). Ctrl-C unmounts.
# Extra arguments go to bpffsd (see: build/daemon/bpffsd --help).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh build
mount_point=/run/bpffs
mkdir -p "$mount_point"
echo "bpffsd: mounting $mount_point; try in another shell:"
echo "  build/tools/bpffsctl map create $mount_point/m type hash key 4 value 8 entries 1024 name m"
echo "  ls -l $mount_point"
exec build/daemon/bpffsd -f "$@" "$mount_point"
