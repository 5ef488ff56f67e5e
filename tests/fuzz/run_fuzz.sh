#!/bin/bash
# Runs one fuzz target under libFuzzer for a chosen time and reports the
# executions and crashes:
#
#   tests/fuzz/run_fuzz.sh TARGET SECONDS     (TARGET: wire dispatch btf elf vm verifier, or all)
#
# Builds build-fuzz with clang (-Dfuzz=true, ASan+UBSan, coverage
# instrumentation everywhere) on first use, installing packaging/fuzz-deps.txt
# when something is missing. The corpus grows in build-fuzz/fuzz-work/TARGET
# (seeded from the built objects and tests/fuzz/fuzz_seeds); crash inputs
# land in build-fuzz/fuzz-work/TARGET-artifacts. Exit status 1 if any crash.
set -uo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$here"

if (($# != 2)); then
    echo "usage: $0 TARGET SECONDS   (TARGET: wire dispatch btf elf vm verifier all)" >&2
    exit 2
fi
target="$1" seconds="$2"
all_targets=(wire dispatch btf elf vm verifier)
if [[ "$target" == all ]]; then
    status=0
    for t in "${all_targets[@]}"; do "$0" "$t" "$seconds" || status=1; done
    exit $status
fi
[[ " ${all_targets[*]} " == *" $target "* ]] || { echo "unknown target $target" >&2; exit 2; }
builddir="${FUZZ_BUILD_DIR:-build-fuzz}"

install_fuzz_deps() {
    local missing=()
    while read -r pkg; do
        [[ -z "$pkg" || "$pkg" == \#* ]] && continue
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done <packaging/fuzz-deps.txt
    ((${#missing[@]} == 0)) && return 0
    if [[ $(id -u) -ne 0 ]]; then
        echo "missing packages ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
        return 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_fuzz_deps || exit 1
if [[ ! -f "$builddir/build.ninja" ]]; then
    # -fsanitize=fuzzer-no-link: every library gets coverage feedback, only
    # the targets link libFuzzer's main. werror off: clang warns about other things than g++.
    CC=clang CXX=clang++ meson setup "$builddir" -Dfuzz=true -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbuildtype=debugoptimized -Dwerror=false \
        -Dcpp_args=-fsanitize=fuzzer-no-link -Dc_args=-fsanitize=fuzzer-no-link || exit 1
fi
case "$target" in
    wire | dispatch | vm) seed_outputs=("tests/fuzz/corpus/$target") ;;
    verifier) seed_outputs=(tests/fuzz/corpus/vm) ;;
    btf) seed_outputs=(core/btf/kernel_types.btf tests/progs/target_layout.btf) ;;
    elf) seed_outputs=(core/btf/kernel_types.bpf.o tests/progs/{globals,maps_calls,core_reads,target_layout,unsupported}.bpf.o) ;;
esac
build_log="$builddir/fuzz-work/build-$target.log"
mkdir -p "$builddir/fuzz-work"
# The target and the build outputs its seeds are (the corpus directory is
# one output of fuzz_seeds).
seed_targets=()
for s in "${seed_outputs[@]}"; do [[ "$s" == tests/fuzz/corpus/* ]] || seed_targets+=("$s"); done
if ! ninja -C "$builddir" -j2 "tests/fuzz/fuzz_$target" tests/fuzz/corpus "${seed_targets[@]}" >"$build_log" 2>&1; then
    tail -30 "$build_log"
    exit 1
fi
seeds=("${seed_outputs[@]/#/$builddir/}")
work="$builddir/fuzz-work/$target"
artifacts="$builddir/fuzz-work/$target-artifacts"
mkdir -p "$work" "$artifacts"
# libFuzzer reads seed directories, not single files: copy them in, with
# the inputs of past findings (tests/fuzz/regressions/TARGET).
[[ -d "tests/fuzz/regressions/$target" ]] && seeds+=("tests/fuzz/regressions/$target")
for s in "${seeds[@]}"; do
    if [[ -d "$s" ]]; then cp -n "$s"/* "$work"/ 2>/dev/null; else cp -n "$s" "$work"/; fi
done
# Findings only: libFuzzer's slow-unit-* files are notes about slow inputs.
count_findings() { find "$artifacts" -type f ! -name 'slow-unit-*' | wc -l; }
before=$(count_findings)
log="$builddir/fuzz-work/$target.log"
# A program that loops until the verifier's limit of 1,000,000 processed
# instructions (E2BIG, as the kernel) costs about 0.15 s per verification
# at -O2 and up to 50 s under ASan with coverage on a loaded machine: not
# a hang, so the verifier gets a longer limit than the others.
timeout=10
[[ "$target" == verifier ]] && timeout=120
"$builddir/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
    -rss_limit_mb=2048 -timeout="$timeout" -artifact_prefix="$artifacts/" "$work" >"$log" 2>&1
rc=$?
after=$(count_findings)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
corpus=$(find "$work" -type f | wc -l)
crashes=$((after - before))
echo "fuzz_$target: ${execs:-?} executions in ${seconds} s, ${cov:-cov: ?}, corpus $corpus inputs, $crashes crashes (exit $rc; log $log)"
if ((crashes > 0 || rc != 0)); then
    grep -E "ERROR|SUMMARY|==[0-9]+==|#[0-9]+ 0x" "$log" | head -30
    ls "$artifacts"
    exit 1
fi
