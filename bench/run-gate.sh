#!/usr/bin/env bash
# Gate consumes per second on SQLite and on PostgreSQL beside verification alone, one thread and two
# (bench/gate_bench.cpp), against a private PostgreSQL server on 127.0.0.1 (tests/support/pg_server.py,
# Debian's binaries), stopped by its pid at the end.
#
#   bench/run-gate.sh [--logins N]        (BUILD_DIR default build-bench, JOBS default 2)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
BUILD_DIR=${BUILD_DIR:-build-bench}
JOBS=${JOBS:-2}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSSOGATE_BUILD_BENCH=ON -DSSOGATE_WERROR=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target ssogate_bench_gate

out=$(mktemp -d "${TMPDIR:-/tmp}/ssogate-bench-gate.XXXXXX")
mkfifo "$out/pg.in"
python3 tests/support/pg_server.py <"$out/pg.in" >"$out/pg.json" &
pg=$!
exec 9>"$out/pg.in"  # the server stops when this closes
trap 'exec 9>&-; wait $pg 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 300); do [ -s "$out/pg.json" ] && break; sleep 0.1; done
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$out/pg.json")

echo "== gate consumes ($(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg))"
"$BUILD_DIR/bench/ssogate_bench_gate" --postgres "$url" "$@"
