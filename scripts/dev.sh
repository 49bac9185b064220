#!/usr/bin/env bash
# The two README commands, and the steps they are made of.
#
#   scripts/dev.sh demo    install what is missing, build, run the demo
#   scripts/dev.sh test    install what is missing, build, check formatting and static analysis, run
#                          every test suite (C++, C, Python, the self-contained wheel, Go, Java, the
#                          cross-runtime check, the examples), then the C++ and C tests under
#                          ASan+UBSan, each libFuzzer target, and the Debian packages installed with
#                          apt-get, used, and purged
#   scripts/dev.sh dashboard   the example web dashboard and two testing IdPs on 127.0.0.1 (Ctrl-C stops)
#
# Steps on their own: deps | build | lint | format | ctest | python | wheel | wheel-test | go | java |
#                     cross-runtime | examples | sanitize | fuzz | bench | deb-install
# Environment: BUILD_DIR (default build), WHEEL_BUILD_DIR (default $BUILD_DIR-wheel: the CMake trees
# of the Python package, one per wheel tag), JOBS (default 2), SSOGATE_SKIP_DEPS=1 to skip apt.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}
VENV=${VENV:-.venv}
WHEEL_BUILD_DIR=${WHEEL_BUILD_DIR:-$BUILD_DIR-wheel}

say() { printf '\n==> %s\n' "$*"; }

# Debian 12 packages the build, the tests and the demo need. Only missing ones are installed.
DEBIAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libxml2-dev libxml2-utils libxmlsec1-dev libxmlsec1-openssl xmlsec1 libssl-dev zlib1g-dev
  libsqlite3-dev sqlite3 libhiredis-dev redis-server libcurl4-openssl-dev libpq-dev postgresql
  swig googletest libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev
  opensaml-schemas xmltooling-schemas abigail-tools clang-14 libclang-rt-14-dev clang-format-14 clang-tidy-14
  python3 python3-dev python3-venv python3-lasso
  openjdk-17-jdk-headless maven
  chromium chromium-driver
)

deps() {
  if [ "${SSOGATE_SKIP_DEPS:-0}" = 1 ]; then return; fi
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then missing+=(golang-go); fi
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

build() {
  say "building into $BUILD_DIR"
  # SSOGATE_BUILD_JAVA is ON by default only when a JDK was found at the first configure; deps installs
  # one, so it is asked for here (a tree configured before the JDK came would otherwise keep it OFF).
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSOGATE_WERROR=ON -DSSOGATE_BUILD_JAVA=ON "$@"
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

# The C and C++ sources clang-format owns: everything but test vectors, generated tables and the Go and
# Java SWIG output (scripts/gen-go-module.sh and gen-java-module.sh check those against a fresh run instead).
format_files() {
  git ls-files -z -- '*.cpp' '*.hpp' '*.c' '*.h' | grep -z -v -E '^(tests/vectors|core/src/generated|bindings/go/internal/capi|bindings/java/native)/'
}

# .clang-format and .clang-tidy, as CI holds them: formatting exactly as clang-format-14 writes it,
# and clang-tidy-14 clean (warnings are errors) over the library, the C ABI and the CLI, using the
# build's compile_commands.json.
lint() {
  say "formatting (clang-format-14 --dry-run) and static analysis (clang-tidy-14)"
  format_files | xargs -0 clang-format-14 --dry-run --Werror
  run-clang-tidy-14 -j "$JOBS" -quiet -p "$BUILD_DIR" "$here/(core/src|capi/src|cli/src)/.*\.cpp\$" > "$BUILD_DIR/clang-tidy.log" 2>&1 ||
    { sed 's/\x1b\[[0-9;]*m//g' "$BUILD_DIR/clang-tidy.log" | grep -E 'error:|warning:' >&2; return 1; }
}

# Rewrites the sources as clang-format-14 formats them (what `lint` checks).
format() { format_files | xargs -0 clang-format-14 -i; }

run_ctest() {
  say "C++ and C tests (ctest)"
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS"
}

# The .venv of the Python steps: /usr/bin/python3 with system site packages (python3-lasso, Debian
# only, is an interop peer), plus pytest and the package's build tools, which `pip install` and the
# wheel build use in place (no build isolation) so that both reuse one CMake tree.
python_venv() {
  [ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q pytest build scikit-build-core pybind11
}

python_tests() {
  say "Python package (pip install .) and tests (pytest)"
  python_venv
  # The CMake tree lives in $WHEEL_BUILD_DIR/<wheel tag> and is kept, so a second install only
  # recompiles what changed (pyproject.toml names no build directory: a plain `pip install .`
  # compiles from scratch in a temporary one).
  CMAKE_BUILD_PARALLEL_LEVEL=$JOBS "$VENV/bin/python" -m pip install -q --no-build-isolation \
    -C build-dir="$WHEEL_BUILD_DIR/{wheel_tag}" .
  # The package source is python/ssogate, so `import ssogate` here is the installed wheel.
  "$VENV/bin/python" -m pytest -q tests/python
}

# Every code block of README.md and docs/getting-started.md, run against what the steps before built:
# the package in $VENV (python_tests), the CLI and library in $BUILD_DIR, the Go stage (go_tests).
docs_tests() {
  say "documentation code blocks (tests/docs/run_code_blocks.py)"
  "$VENV/bin/python" tests/docs/run_code_blocks.py --build-dir "$BUILD_DIR"
}

# Every CPython on this machine that the package supports (requires-python >= 3.9) and that has its
# C headers, one per version: /usr/bin/python3 (through the .venv, sharing the `python` step's CMake
# tree) first, then Debian's other python3.X and pyenv's. PYTHONS (space-separated) overrides the list.
wheel_pythons() {
  if [ -n "${PYTHONS:-}" ]; then
    echo "$PYTHONS"
    return
  fi
  local seen list=() candidate xy
  seen=" $(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])') "
  list+=("$VENV/bin/python")
  for candidate in /usr/bin/python3.[0-9]* "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/*/bin/python3; do
    [ -x "$candidate" ] || continue
    case "$candidate" in *-config) continue ;; esac
    xy=$("$candidate" -c 'import sys, sysconfig, os
ok = sys.implementation.name == "cpython" and sys.version_info >= (3, 9) and \
     os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
print("%d.%d" % sys.version_info[:2] if ok else "")' 2>/dev/null) || continue
    [ -n "$xy" ] || continue
    case "$seen" in *" $xy "*) continue ;; esac
    seen+="$xy "
    list+=("$candidate")
  done
  echo "${list[@]}"
}

# Self-contained wheels (auditwheel) for every CPython here, and the sdist, into dist/.
wheel() {
  python_venv
  local pythons
  pythons=$(wheel_pythons)
  say "wheels and sdist into dist/ for: $pythons"
  # shellcheck disable=SC2086 # one argument per interpreter
  JOBS=$JOBS scripts/wheel.sh dist "$WHEEL_BUILD_DIR" $pythons
}

# The /usr/bin/python3 wheel, installed without system site packages, under the Python tests and
# the bundling checks. Packs the CMake tree of `python` (run that first, or this compiles it).
wheel_test() {
  say "self-contained wheel: build, install with --no-index into a bare venv, test"
  python_venv
  JOBS=$JOBS tests/wheel/run.sh "$WHEEL_BUILD_DIR" "$VENV/bin/python"
}

go_tests() {
  say "Go binding (SWIG + cgo) and tests (go test)"
  export PATH="$PATH:/usr/local/go/bin"
  scripts/go-test.sh "$BUILD_DIR"
}

# The cross-runtime check (tests/cross_runtime/README.md): one case file made from the shared vectors'
# manifests, run through C (the runner CMake built in $BUILD_DIR), Python (the package python_tests
# installed into $VENV) and Go (a main package over bindings/go, against the library go_tests staged in
# $BUILD_DIR/stage); then every runtime's output is compared with the manifests' expectations and
# with the others. Nothing is compiled here but the Go runner. Outputs in $BUILD_DIR/cross_runtime.
cross_runtime() {
  say "cross-runtime check: the shared vectors through C, Python, Go and Java, compared (tests/cross_runtime)"
  local build venv out pc libdir
  build=$(abs_path "$BUILD_DIR")
  venv=$(abs_path "$VENV")
  out=$build/cross_runtime
  local c_runner=$build/tests/cross_runtime/ssogate_cross_runtime_runner
  [ -x "$c_runner" ] || { echo "cross-runtime: no $c_runner (run the build step first)" >&2; return 1; }
  "$venv/bin/python" -c 'import ssogate' ||
    { echo "cross-runtime: no ssogate package in $VENV (run the python step first)" >&2; return 1; }
  pc=$(find "$build/stage" -path '*/pkgconfig/ssogate.pc' 2>/dev/null | head -n 1)
  [ -n "$pc" ] || { echo "cross-runtime: no staged library under $BUILD_DIR/stage (run the go step first)" >&2; return 1; }
  libdir=$(dirname "$(dirname "$pc")")
  export PATH="$PATH:/usr/local/go/bin"
  mkdir -p "$out"
  rm -f "$out"/*.jsonl
  # The comparer first: it must fail on wrong outputs, or its passing below would prove nothing.
  (cd tests/cross_runtime && /usr/bin/python3 -m unittest -q test_compare)
  /usr/bin/python3 tests/cross_runtime/cases.py --vectors tests/vectors -o "$out/cases.txt"
  # Each runtime: RUNTIME=OUTPUT for the comparer. A runtime joins by writing its output and adding
  # itself to this list.
  local outputs=()
  "$c_runner" "$out/cases.txt" tests/vectors "$out/c.jsonl"
  outputs+=("c=$out/c.jsonl")
  "$venv/bin/python" tests/cross_runtime/runner.py "$out/cases.txt" tests/vectors "$out/python.jsonl"
  outputs+=("python=$out/python.jsonl")
  # The header's hash in the cgo flags, as scripts/go-test.sh does: Go's build cache does not follow it.
  local header_hash
  header_hash=$(sha256sum < "$build/stage/include/ssogate/ssogate.h" | cut -c1-16)
  (cd tests/cross_runtime/go &&
    PKG_CONFIG_PATH=$(dirname "$pc") CGO_ENABLED=1 GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=mod GOPROXY=off \
      CGO_CPPFLAGS="-DSSOGATE_HEADER_$header_hash" sh -c 'go vet ./... && go build -o "$1" .' sh "$out/crossruntime-go")
  LD_LIBRARY_PATH=$libdir "$out/crossruntime-go" "$out/cases.txt" tests/vectors "$out/go.jsonl"
  outputs+=("go=$out/go.jsonl")
  BUILD_DIR="$BUILD_DIR" scripts/java-xrt-runner.sh "$out/cases.txt" tests/vectors "$out/java.jsonl"
  outputs+=("java=$out/java.jsonl")
  /usr/bin/python3 tests/cross_runtime/compare.py --vectors tests/vectors --cases "$out/cases.txt" "${outputs[@]}"
}

# The examples (examples/): the dashboard's tests (Flask test client, the web IdP over HTTP, then the
# SSO story (admin set-up to enforcement) in headless chromium through Selenium and /usr/bin/chromedriver, a screenshot per step
# into $BUILD_DIR/examples/dashboard-screenshots), and the Go net/http example's httptest test against
# the library go_tests staged. Uses the package python_tests installed into $VENV.
abs_path() { case "$1" in /*) echo "$1" ;; *) echo "$here/$1" ;; esac; }

examples_tests() {
  say "examples: the dashboard (pytest, headless chromium) and Go net/http (go test)"
  local venv build
  venv=$(abs_path "$VENV")
  build=$(abs_path "$BUILD_DIR")
  "$venv/bin/python" -m pip install -q -r examples/dashboard/requirements.txt
  (cd examples/dashboard &&
    DASHBOARD_TEST_OUTPUT="$build/examples/dashboard-screenshots" \
      "$venv/bin/python" -m pytest -q -p no:cacheprovider tests)
  export PATH="$PATH:/usr/local/go/bin"
  local pc
  pc=$(find "$build/stage" -path '*/pkgconfig/ssogate.pc' 2>/dev/null | head -n 1)
  [ -n "$pc" ] || { echo "examples: no staged library under $BUILD_DIR/stage (run the go step first)" >&2; return 1; }
  (cd examples/go-http &&
    PKG_CONFIG_PATH=$(dirname "$pc") LD_LIBRARY_PATH=$(dirname "$(dirname "$pc")") CGO_ENABLED=1 \
      GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=mod GOPROXY=off sh -c 'go vet ./... && go test -count=1 ./...')
}

# The dashboard example and two testing IdPs, on 127.0.0.1, with the accounts acme and globex seeded;
# state (database, IdP keys) in $BUILD_DIR/dashboard. DASHBOARD_PORT (5000) and IDP_PORTS ("8001 8002").
dashboard() {
  python_venv
  if ! "$VENV/bin/python" -c 'import ssogate' 2>/dev/null; then
    say "installing the Python package into $VENV"
    CMAKE_BUILD_PARALLEL_LEVEL=$JOBS "$VENV/bin/python" -m pip install -q --no-build-isolation \
      -C build-dir="$WHEEL_BUILD_DIR/{wheel_tag}" .
  fi
  "$VENV/bin/python" -m pip install -q -r examples/dashboard/requirements.txt
  say "dashboard: the example app and two testing IdPs on 127.0.0.1 (Ctrl-C stops them)"
  local ports
  read -r -a ports <<< "${IDP_PORTS:-8001 8002}"
  local venv build
  venv=$(abs_path "$VENV")
  build=$(abs_path "$BUILD_DIR")
  cd examples/dashboard
  exec "$venv/bin/python" demo.py --state "$build/dashboard" --port "${DASHBOARD_PORT:-5000}" \
    --idp-ports "${ports[@]}"
}

# One clang build (ASan + UBSan, and libFuzzer's coverage) serves both the sanitized test run and the
# fuzz targets, so CI compiles the code a second time only once.
SAN_BUILD_DIR=${SAN_BUILD_DIR:-$BUILD_DIR-asan}
san_build() {
  say "building with clang-14, AddressSanitizer + UndefinedBehaviorSanitizer + libFuzzer into $SAN_BUILD_DIR"
  # Warnings are errors in the gcc build (`build`); clang's set differs (e.g. -Wcast-qual inside
  # OpenSSL macros), and this build is about memory and UB errors, so its warnings only print.
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$SAN_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSSOGATE_SANITIZE=ON -DSSOGATE_BUILD_FUZZ=ON -DSSOGATE_BUILD_PYTHON=OFF -DSSOGATE_BUILD_JAVA=OFF -DSSOGATE_WERROR=OFF
  cmake --build "$SAN_BUILD_DIR" -j "$JOBS"
}

sanitize() {
  say "C++ and C tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$SAN_BUILD_DIR" --output-on-failure -j "$JOBS"
}

# libFuzzer targets (tests/fuzz) under ASan+UBSan, each for a time budget, on a copy of the seed
# corpus in a temporary directory (the repository is never written). FUZZ_SECONDS sets every
# target's budget; unset, fuzz_verify gets 60 s, fuzz_decrypt (encrypted assertions) 25 s and the
# others 20 s. Non-zero exit on any finding; the reproducer is then kept under the printed directory.
fuzz() {
  local dir=$SAN_BUILD_DIR
  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/ssogate-fuzz.XXXXXX")
  mkdir -p "$work/verify" "$work/decrypt" "$work/metadata" "$work/base64" "$work/artifacts"
  cp tests/fuzz/corpus/verify/* tests/vectors/interop/responses/*.xml "$work/verify/"
  cp tests/fuzz/corpus/decrypt/* "$work/decrypt/"
  cp tests/fuzz/testidp-metadata.xml tests/vectors/interop/metadata/*.xml "$work/metadata/"
  cp tests/fuzz/corpus/base64/* "$work/base64/"
  local failed=0 target seconds
  for target in verify decrypt metadata base64; do
    case "$target" in verify) seconds=60 ;; decrypt) seconds=25 ;; *) seconds=20 ;; esac
    seconds=${FUZZ_SECONDS:-$seconds}
    say "fuzz_$target for $seconds s (corpus and artifacts in $work)"
    # -timeout: an input that takes seconds is a finding too (quadratic paths are DoS vectors).
    if ! (cd "$work" && "$here/$dir/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=65536 \
            -timeout=10 -dict="$here/tests/fuzz/saml.dict" -artifact_prefix="$work/artifacts/fuzz_$target-" \
            -print_final_stats=1 "$work/$target"); then
      echo "fuzz_$target found a problem; reproducer(s): $(ls "$work/artifacts")" >&2
      failed=1
    fi
  done
  if [ "$failed" = 1 ]; then
    echo "fuzzing failed; inputs kept in $work" >&2
    return 1
  fi
  rm -rf "$work"
}

# Google Benchmark programs in Release (build-bench), printing the ratios for docs/performance.md.
bench() {
  BUILD_DIR=${BENCH_BUILD_DIR:-build-bench} JOBS="$JOBS" bench/run.sh "$@"
}

# The Debian packages of $BUILD_DIR installed for real with apt-get (root or sudo), used from /usr by the
# CLI and the C consumers, then purged (tests/install/deb_test.sh, step 5). The ctest of the same
# script stops before the install, so that no other step ever sees /usr's copy.
deb_install() {
  say "Debian packages: apt-get install ./*.deb, use from /usr, purge"
  local version
  version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD_DIR/CMakeCache.txt")
  SSOGATE_DEB_INSTALL=1 sh tests/install/deb_test.sh "$BUILD_DIR" "$version" tests/capi/consumer tests/vectors \
    "$(sed -n 's/^CMAKE_C_COMPILER:FILEPATH=//p' "$BUILD_DIR/CMakeCache.txt")" \
    "$(sed -n 's/^CMAKE_CXX_COMPILER:FILEPATH=//p' "$BUILD_DIR/CMakeCache.txt")" \
    "$(sed -n 's/^SSOGATE_WITH_REDIS:BOOL=//p' "$BUILD_DIR/CMakeCache.txt")"
}

# The Java binding (bindings/java) and its example (examples/java-http), with Maven against the library and
# its JNI glue staged from $BUILD_DIR (scripts/java-test.sh). Maven fetches JUnit and its plugins from Maven
# Central into ~/.m2 the first time.
java_tests() {
  say "Java binding and example (Maven, JUnit 5; scripts/java-test.sh)"
  scripts/java-test.sh "$BUILD_DIR"
}

demo() {
  say "demo: an admin uploads a real Okta metadata.xml (tests/vectors/interop) and is shown what to paste back"
  "$BUILD_DIR/cli/ssogate" idp import tests/vectors/interop/metadata/okta-1.xml \
    --base-url https://dashboard.example.com --id okta
  say "demo: the whole SSO flow (metadata, URLs, IdP- and SP-initiated logins, JiT, invites, Mixed -> Enforced, replay)"
  # Exits non-zero if any step's outcome is not the expected one (ctest runs it too, as cli_demo).
  "$BUILD_DIR/cli/ssogate" demo
}

cmd=${1:-}
case "$cmd" in
  demo) deps; build; demo ;;
  test) deps; build; lint; run_ctest; python_tests; wheel_test; go_tests; java_tests; cross_runtime; examples_tests; docs_tests; san_build; sanitize; fuzz; deb_install ;;
  dashboard) deps; dashboard ;;
  examples) examples_tests ;;
  deps) deps ;;
  build) shift; deps; build "$@" ;;
  lint) lint ;;
  format) format ;;
  ctest) run_ctest ;;
  python) python_tests ;;
  wheel) deps; wheel ;;
  wheel-test) wheel_test ;;
  go) go_tests ;;
  java) java_tests ;;
  cross-runtime) cross_runtime ;;
  sanitize) san_build; sanitize ;;
  fuzz) san_build; fuzz ;;
  bench) shift; bench "$@" ;;
  deb-install) deb_install ;;
  *) echo "usage: scripts/dev.sh demo|test|dashboard|deps|build|lint|format|ctest|python|wheel|wheel-test|go|java|cross-runtime|examples|sanitize|fuzz|bench|deb-install" >&2; exit 2 ;;
esac
