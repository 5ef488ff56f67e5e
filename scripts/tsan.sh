#!/bin/bash
# The concurrency tests under ThreadSanitizer: builds bpffsd and the tests
# that run threads (unit tests of maps, the pin tree and iterator sessions;
# the daemon, fault, load, access, limits and iterator integration tests)
# in a separate TSan build, runs them, and fails on any TSan report from any
# process (test programs, the bpffsd they start, their children).
#
# usage: scripts/tsan.sh [BUILDDIR]      (default build-tsan)
# Ends with "tsan: N tests, N failed, N reports"; reports are kept in
# BUILDDIR/tsan-reports/.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
builddir="${1:-build-tsan}"
# As scripts/build.sh: ccache hits across trees.
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=true

tests=(unit-maps unit-pintree unit-iter unit-daemon
       integration-daemon integration-fault integration-load integration-access
       integration-limits integration-iter-preload integration-fs)

if [[ ! -f "$builddir/build.ninja" ]]; then
    # debugoptimized: TSan slows code down 5-15x; -O2 keeps the load and
    # fault tests within their time limits.
    meson setup "$builddir" -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debugoptimized \
        -Dfuzz=false >/dev/null || exit 1
fi

# Only what these tests need: their executables and what they depend on.
targets=$(python3 - "$builddir" "${tests[@]}" <<'PY'
import json, os, subprocess, sys
builddir, wanted = sys.argv[1], set(sys.argv[2:])
def introspect(what):
    out = subprocess.run(["meson", "introspect", builddir, what], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)
by_id = {t["id"]: t for t in introspect("--targets")}
outputs = set()
for test in introspect("--tests"):
    if test["name"] not in wanted:
        continue
    for dep in test.get("depends", []):
        for f in by_id[dep]["filename"]:
            outputs.add(os.path.relpath(f, os.path.abspath(builddir)))
    exe = test["cmd"][0]
    if exe.startswith(os.path.abspath(builddir)):
        outputs.add(os.path.relpath(exe, os.path.abspath(builddir)))
print("\n".join(sorted(outputs)))
PY
) || exit 1
# shellcheck disable=SC2086
ninja -C "$builddir" $targets || exit 1

reports="$here/$builddir/tsan-reports"
rm -rf "$reports"
mkdir -p "$reports"
# log_path: every process writes its reports to its own file there, so a
# report from a daemon that exits cleanly still fails the run.
# die_after_fork=0: the fault and access tests fork clients from threaded
# test programs; the children only run libbpffs, which starts no thread.
export TSAN_OPTIONS="log_path=$reports/report second_deadlock_stack=1 die_after_fork=0 ${TSAN_OPTIONS:-}"
start=$(date +%s)
meson test -C "$builddir" --no-rebuild --print-errorlogs --timeout-multiplier 4 "${tests[@]}"
rc=$?
elapsed=$(($(date +%s) - start))
nreports=$(find "$reports" -type f | wc -l)
for f in "$reports"/*; do
    [[ -f "$f" ]] && { echo "=== $f"; cat "$f"; }
done
failed=$(python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, sys
print(sum(1 for line in open(sys.argv[1])
          if json.loads(line)["result"] not in ("OK", "SKIP", "EXPECTEDFAIL")))
PY
)
echo "tsan: ${#tests[@]} tests, $failed failed, $nreports reports (${elapsed}s)"
((rc == 0 && nreports == 0))
