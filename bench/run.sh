#!/usr/bin/env bash
# Builds the benchmarks in Release and runs them, then prints the ratios docs/performance.md reports:
# ssogate / reference (libxml2 parse + xmlsec1 verification of the same signatures, no SAML checks,
# measured in the same run; for the encrypted response, also the session key unwrapped and the
# Assertion decrypted with OpenSSL's EVP), the C ABI / the core, 2-thread / 1-thread throughput, and hostile
# documents at the size caps / libxml2's parse of a benign document of the same size
# (HOSTILE=0 skips that part, HOSTILE_ROUNDS sets its rounds).
#
#   bench/run.sh [extra Google Benchmark flags]      (BUILD_DIR default build-bench, JOBS default 2)
#
# Medians of 5 repetitions. The ratios are what to compare between machines, not the absolute times.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
BUILD_DIR=${BUILD_DIR:-build-bench}
JOBS=${JOBS:-2}

# Warnings are not errors here: GCC 12 at -O3 (Release) reports a false -Wrestrict inside
# std::string's operator+ (GCC bug 105651); the RelWithDebInfo builds keep -Werror.
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSSOGATE_BUILD_BENCH=ON -DSSOGATE_WERROR=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target ssogate_bench ssogate_bench_capi ssogate_bench_hostile

out=$(mktemp -d "${TMPDIR:-/tmp}/ssogate-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT
flags=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true)

echo "== core and reference ($(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg))"
SSOGATE_BENCH_FIXTURES=$out "$BUILD_DIR/bench/ssogate_bench" "${flags[@]}" \
  --benchmark_out="$out/core.json" --benchmark_out_format=json "$@"
echo "== the same fixtures through the C ABI (libssogate.so)"
"$BUILD_DIR/bench/ssogate_bench_capi" "$out" "${flags[@]}" \
  --benchmark_out="$out/capi.json" --benchmark_out_format=json "$@"

# Thread scaling with its controls measured back to back, round after round (see verify_bench.cpp):
# the ratio that Google Benchmark's Threads(1)/Threads(2) pair gives swings with the hypervisor.
if [ "${BENCH_SCALING:-1}" = 1 ]; then
  echo "== single-thread ratios: reference and ssogate back to back, round after round"
  "$BUILD_DIR/bench/ssogate_bench" --ratios "${SCALING_ROUNDS:-9}" 0.5
  echo "== thread scaling: 1 thread, 2 threads, 2 processes, back to back"
  "$BUILD_DIR/bench/ssogate_bench" --scaling "${SCALING_ROUNDS:-9}" "${SCALING_SECONDS:-1}"
fi

# Hostile documents at the size caps, each beside libxml2's parse of a benign document of the same
# size (docs/performance.md, "Hostile documents"). About two minutes, most of it signing the inputs.
if [ "${HOSTILE:-1}" = 1 ]; then
  echo "== hostile documents at the size caps"
  "$BUILD_DIR/bench/ssogate_bench_hostile" "${HOSTILE_ROUNDS:-5}"
fi

# Instruction counts (callgrind): the comparison that does not move with the machine's load.
if command -v valgrind >/dev/null && [ "${BENCH_CALLGRIND:-1}" = 1 ]; then
  echo "== instruction counts under callgrind (10 verifications per path, 32 encrypted, after a warm-up)"
  mkdir -p "$out/count"
  SSOGATE_BENCH_FIXTURES=$out/count valgrind -q --tool=callgrind --callgrind-out-file="$out/core.cg" \
    --toggle-collect='count_*' "$BUILD_DIR/bench/ssogate_bench" --count-instructions
  valgrind -q --tool=callgrind --callgrind-out-file="$out/capi.cg" --toggle-collect='count_*' \
    "$BUILD_DIR/bench/ssogate_bench_capi" --count-instructions "$out/count"
  callgrind_annotate --inclusive=yes "$out/core.cg" > "$out/core.cg.txt"
  callgrind_annotate --inclusive=yes "$out/capi.cg" > "$out/capi.cg.txt"
fi

python3 - "$out/core.json" "$out/capi.json" <<'PY'
import json, os, sys

rows = {}
for path in sys.argv[1:]:
    for b in json.load(open(path))["benchmarks"]:
        if b.get("aggregate_name") == "median":
            rows[b["run_name"]] = b

# Single-thread comparisons use CPU time: on a shared machine the wall clock also counts the time
# the process waited for a core. The thread benchmark is wall-clock by construction (UseRealTime).
def t(name):
    return rows[name]["cpu_time"]

def ips(name):
    return rows[name]["items_per_second"]

print("\n== ratios (medians of 5 repetitions, CPU time; lower is better except throughput)")
for i, size in ((0, "typical"), (1, "large")):
    ref = t(f"BM_reference/{i}")
    print(f"{size:8} reference (libxml2 + xmlsec1)    {ref:9.1f} us")
    print(f"{size:8} ssogate verify_response (base64) {t(f'BM_ssogate/{i}'):9.1f} us   ratio {t(f'BM_ssogate/{i}') / ref:.2f}x")
    print(f"{size:8} ssogate verify_response_xml      {t(f'BM_ssogate_xml/{i}'):9.1f} us   ratio {t(f'BM_ssogate_xml/{i}') / ref:.2f}x")
    print(f"{size:8} C ABI ssogate_verify_response    {t(f'BM_capi/{i}'):9.1f} us   C ABI / core {t(f'BM_capi/{i}') / t(f'BM_ssogate/{i}'):.2f}x")
ref = t("BM_reference_encrypted")
print(f"{'encrypted':9} reference (xmlsec1 + OpenSSL EVP) {ref:8.1f} us")
print(f"{'encrypted':9} ssogate verify_response (base64) {t('BM_ssogate_encrypted'):8.1f} us   ratio {t('BM_ssogate_encrypted') / ref:.2f}x")
print(f"{'encrypted':9} ssogate verify_response_xml      {t('BM_ssogate_encrypted_xml'):8.1f} us   ratio {t('BM_ssogate_encrypted_xml') / ref:.2f}x")
print(f"(load average during the run: {open('/proc/loadavg').read().split()[0]} on {os.cpu_count()} CPUs)")
one = ips("BM_ssogate_threads/0/real_time/threads:1")
two = ips("BM_ssogate_threads/0/real_time/threads:2")
print(f"typical  throughput 1 thread {one:8.0f}/s, 2 threads {two:8.0f}/s   2-vs-1 {two / one:.2f}x")
print(f"replay   MemoryReplayCache insert {t('BM_replay_memory_insert'):.2f} us (not included above)")

import re
counts = {}
for path in (os.path.join(os.path.dirname(sys.argv[1]), n) for n in ("core.cg.txt", "capi.cg.txt")):
    if os.path.exists(path):
        for line in open(path):
            m = re.match(r"\s*([\d,]+) .*?\b(count_\w+)", line)
            if m:
                # 10 verifications per path, 32 for the encrypted ones (see verify_bench.cpp)
                counts[m.group(2)] = int(m.group(1).replace(",", "")) / (32 if m.group(2).endswith("_encrypted") else 10)
if counts:
    print("\n== instructions per verification (callgrind; deterministic)")
    for size in ("typical", "large"):
        ref = counts[f"count_reference_{size}"]
        print(f"{size:8} reference {ref / 1e6:6.2f} M")
        for name, key in (("ssogate (base64)", "count_ssogate"), ("ssogate (xml)", "count_ssogate_xml"),
                          ("C ABI (base64)", "count_capi")):
            n = counts[f"{key}_{size}"]
            print(f"{size:8} {name:17} {n / 1e6:6.2f} M   ratio {n / ref:.3f}x")
    ref = counts["count_reference_encrypted"]
    print(f"{'encrypted':9} reference {ref / 1e6:6.2f} M")
    for name, key in (("ssogate (base64)", "count_ssogate_encrypted"), ("ssogate (xml)", "count_ssogate_xml_encrypted")):
        n = counts[key]
        print(f"{'encrypted':9} {name:17} {n / 1e6:6.2f} M   ratio {n / ref:.3f}x")
PY
