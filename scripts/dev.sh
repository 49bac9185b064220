#!/usr/bin/env bash
# The two README commands, and the steps they are made of.
#
#   scripts/dev.sh demo    install what is missing, build, run the demo
#   scripts/dev.sh test    install what is missing, build, run every test suite (C++, C, Python, Go)
#
# Steps on their own: deps | build | ctest | python | go | sanitize | fuzz
# Environment: BUILD_DIR (default build), JOBS (default 2), SSOGATE_SKIP_DEPS=1 to skip apt.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}
VENV=${VENV:-.venv}

say() { printf '\n==> %s\n' "$*"; }

# Debian 12 packages the build, the tests and the demo need. Only missing ones are installed.
DEBIAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libxml2-dev libxml2-utils libxmlsec1-dev libxmlsec1-openssl xmlsec1 libssl-dev zlib1g-dev
  libsqlite3-dev sqlite3 libhiredis-dev redis-server
  swig googletest libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev
  opensaml-schemas xmltooling-schemas abigail-tools clang-14 libclang-rt-14-dev
  python3 python3-dev python3-venv python3-lasso
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
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSOGATE_WERROR=ON "$@"
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

run_ctest() {
  say "C++ and C tests (ctest)"
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS"
}

python_tests() {
  say "Python package (pip install .) and tests (pytest)"
  # /usr/bin/python3 with system site packages: python3-lasso (Debian only) is an interop peer.
  [ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q pytest
  CMAKE_BUILD_PARALLEL_LEVEL=$JOBS "$VENV/bin/python" -m pip install -q .
  # The package source is python/ssogate, so `import ssogate` here is the installed wheel.
  "$VENV/bin/python" -m pytest -q tests/python
}

go_tests() {
  say "Go binding (SWIG + cgo) and tests (go test)"
  export PATH="$PATH:/usr/local/go/bin"
  scripts/go-test.sh "$BUILD_DIR"
}

sanitize() {
  say "C++ and C tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  BUILD_DIR="$BUILD_DIR-asan" CC=clang-14 CXX=clang++-14 \
    build -DSSOGATE_SANITIZE=ON -DSSOGATE_BUILD_PYTHON=OFF -DSSOGATE_WERROR=ON
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$BUILD_DIR-asan" --output-on-failure -j "$JOBS"
}

demo() {
  say "demo: an admin uploads Okta's metadata.xml and is shown what to paste back into Okta"
  "$BUILD_DIR/cli/ssogate" idp import tests/vectors/interop/metadata/okta-1.xml \
    --base-url https://dashboard.example.com --out "$BUILD_DIR/okta-connection.json"
  say "demo: SP metadata for IdPs that import it"
  "$BUILD_DIR/cli/ssogate" sp metadata "$BUILD_DIR/okta-connection.json"
}

cmd=${1:-}
case "$cmd" in
  demo) deps; build; demo ;;
  test) deps; build; run_ctest; python_tests; go_tests ;;
  deps) deps ;;
  build) shift; deps; build "$@" ;;
  ctest) run_ctest ;;
  python) python_tests ;;
  go) go_tests ;;
  sanitize) sanitize ;;
  *) echo "usage: scripts/dev.sh demo|test|deps|build|ctest|python|go|sanitize" >&2; exit 2 ;;
esac
