#!/bin/bash
# Installs the Debian packages listed in packaging/build-deps.txt that are missing.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
missing=()
while read -r pkg; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < "$here/packaging/build-deps.txt"
if ((${#missing[@]})); then
    echo "installing missing packages: ${missing[*]}"
    if [[ $(id -u) -ne 0 ]]; then
        echo "error: missing packages and not root; run: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
