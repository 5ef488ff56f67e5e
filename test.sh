#!/bin/bash
# Installs what is missing, builds, and runs every test. With CI=true (or
# --sanitize) the suite runs a second time in an ASan+UBSan build, and the
# concurrency tests a third time under ThreadSanitizer (scripts/tsan.sh).
# Ends with the line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"

sanitize=0
[[ "${CI:-}" == "true" ]] && sanitize=1
for arg in "$@"; do
    case "$arg" in
        --sanitize) sanitize=1 ;;
        --no-sanitize) sanitize=0 ;;
        -h|--help) echo "usage: ./test.sh [--sanitize|--no-sanitize]"; exit 0 ;;
        *) echo "unknown option: $arg" >&2; exit 2 ;;
    esac
done

scripts/install-deps.sh || exit 1

total_pass=0 total_fail=0 total_skip=0
run_suite() {
    local builddir="$1"; shift
    echo "=== build $builddir"
    if ! scripts/build.sh "$builddir" "$@"; then
        echo "build of $builddir failed"
        total_fail=$((total_fail + 1))
        return
    fi
    echo "=== tests in $builddir"
    meson test -C "$builddir" --print-errorlogs --timeout-multiplier 3
    count_results "$builddir"
}

# Adds a build directory's meson test results to the totals.
count_results() {
    local counts
    counts=$(python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
    read -r p f s <<<"$counts"
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
}

run_suite build
if ((sanitize)); then
    run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
    echo "=== concurrency tests under ThreadSanitizer (build-tsan)"
    rm -f build-tsan/meson-logs/testlog.json
    scripts/tsan.sh build-tsan
    tsan_rc=$? fails_before=$total_fail
    [[ -f build-tsan/meson-logs/testlog.json ]] && count_results build-tsan
    # A TSan report (or a failed build) fails the run even when no test did.
    ((tsan_rc != 0 && total_fail == fails_before)) && total_fail=$((total_fail + 1))
fi

echo "${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
((total_fail == 0))
