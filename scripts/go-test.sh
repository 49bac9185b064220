#!/bin/sh
# Vets and tests the Go module (bindings/go) against a CMake build of libssogate, the way a Go user
# consumes it: installed, found through its ssogate.pc by cgo's pkg-config support.
#
#   scripts/go-test.sh [BUILD_DIR]        BUILD_DIR defaults to build-go at the top of the repository;
#                                         it must be built already (nothing is compiled here but Go)
#   GO_TEST_FLAGS="-race -v" scripts/go-test.sh build-go
#
# Three steps:
#   1. the files the module carries from the rest of the repository (the SWIG wrapper, LICENSE) match a
#      fresh run of scripts/gen-go-module.sh;
#   2. go vet and go test in place, and the build refused on a 32-bit target with the reason;
#   3. the same in a copy of the module in a temporary directory outside the repository, with
#      GOFLAGS=-mod=mod, GOPROXY=off and nothing but the installed library: once as a Go user has it
#      (the tests that need the repository's shared vectors skip; the Example functions and everything
#      else must pass), once with SSOGATE_TEST_VECTORS pointing at them (nothing may skip); go doc
#      there too, the test binary must load libssogate from the install, and the program of
#      docs/go.md must build in a module of its own through a replace directive.
#
# The library, header and ssogate.pc are installed into BUILD_DIR/stage (replaced on every run).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-go}
[ -f "$build/CMakeCache.txt" ] || { echo "go-test.sh: $build is not a CMake build directory" >&2; exit 2; }
build=$(cd "$build" && pwd)
stage=$build/stage

echo "go-test.sh: the module's generated and copied files"
"$root/scripts/gen-go-module.sh" --check

# A fresh stage, so nothing from an older install can satisfy the build. Only the library's own
# components: the CLI and Python parts have installs of their own.
rm -rf "$stage"
for component in runtime development; do
    cmake --install "$build" --prefix "$stage" --component "$component" >/dev/null
done

# GNUInstallDirs picks lib or lib/<multiarch> depending on the prefix; take whichever was used.
pc=$(find "$stage" -path '*/pkgconfig/ssogate.pc' | head -n 1)
[ -n "$pc" ] || { echo "go-test.sh: no ssogate.pc under $stage" >&2; exit 1; }
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")

export PKG_CONFIG_PATH="$pcdir"
export LD_LIBRARY_PATH="$libdir"
export CGO_ENABLED=1
export GOTOOLCHAIN=local
export GOWORK=off

# Refuse to go on if the .pc points somewhere else (a prefix baked in at configure time): the tests
# would then silently build against another installed copy, or fail with a confusing cgo error.
includedir=$(pkg-config --variable=includedir ssogate)
case "$(cd "$includedir" 2>/dev/null && pwd)" in
    "$stage"/*) ;;
    *) echo "go-test.sh: $pc gives includedir=$includedir, outside $stage" >&2; exit 1 ;;
esac

# Go's build cache keys a cgo package by its own files and flags, not by the headers it includes from
# elsewhere, so a changed installed ssogate.h would leave a stale package in the cache. Folding the
# header's hash into the C preprocessor flags makes the key follow it.
inputs=$(sha256sum < "$includedir/ssogate/ssogate.h" | cut -c1-16)
export CGO_CPPFLAGS="${CGO_CPPFLAGS:+$CGO_CPPFLAGS }-DSSOGATE_HEADER_${inputs}"

# vet's unsafeptr check flags SWIG's own uintptr to unsafe.Pointer conversions in the generated
# package, so that package is vetted without it; everything written by hand gets every check.
vet() {
    # shellcheck disable=SC2046
    go vet $(go list ./... | grep -v '/internal/capi$')
    go vet -unsafeptr=false ./internal/capi
}

echo "go-test.sh: in place (bindings/go)"
cd "$root/bindings/go"
vet
# shellcheck disable=SC2086
go test ${GO_TEST_FLAGS:-} ./... -count=1

# On a target where Go's int is 32 bits the committed (64-bit) wrapper must not build, and the error
# must name the reason. Without cgo (no 32-bit C toolchain is needed) that leaves the guard file alone.
if out=$(GOARCH=386 CGO_ENABLED=0 go build ./internal/capi 2>&1); then
    echo "go-test.sh: internal/capi builds for GOARCH=386 with a 64-bit wrapper" >&2; exit 1
fi
case "$out" in
    *ssogate_go_binding_needs_a_64_bit_target*) ;;
    *) printf 'go-test.sh: GOARCH=386 fails without naming the reason:\n%s\n' "$out" >&2; exit 1 ;;
esac

# ---- a copy outside the repository
work=$(mktemp -d "${TMPDIR:-/tmp}/ssogate-go-module.XXXXXX")
trap 'rm -rf "$work"' EXIT
case "$work/" in "$root"/*) echo "go-test.sh: $work is inside the repository; set TMPDIR elsewhere" >&2; exit 1 ;; esac
mod=$work/ssogate
cp -R "$root/bindings/go" "$mod"
cd "$mod"
echo "go-test.sh: a copy of the module outside the repository ($mod)"

# No module proxy, no workspace, the module's own go.mod as it is; the vectors only where asked.
export GOFLAGS=-mod=mod GOPROXY=off
unset SSOGATE_TEST_VECTORS || true

vet

# The package documentation and a function's, as go doc prints them from the copy.
go doc . | grep -q '^package ssogate // import "ssogate.dev/ssogate"' ||
    { echo "go-test.sh: go doc in the copy does not print the package" >&2; go doc . >&2; exit 1; }
go doc . FinishSPLogin | grep -q '^func FinishSPLogin(' ||
    { echo "go-test.sh: go doc FinishSPLogin in the copy" >&2; exit 1; }

# The test binary must resolve libssogate from the install, not from a system copy.
go test -c -o "$work/ssogate.test" .
found=$(ldd "$work/ssogate.test" | sed -n 's/^[[:space:]]*libssogate\.so[^ ]* => \([^ ]*\) .*/\1/p')
case "$found" in
    "$libdir"/*) ;;
    *) echo "go-test.sh: the test binary loads libssogate from '$found', not from $libdir" >&2; exit 1 ;;
esac

# As a Go user has it: no vectors. Every Example must run and pass; the vector tests must say why
# they skip (and some must: otherwise the vectors were found in a place they should not be).
log=$work/without-vectors.log
go test -v ./... -count=1 > "$log" 2>&1 || { tail -n 60 "$log" >&2; echo "go-test.sh: go test failed in the copy" >&2; exit 1; }
for example in ExampleImportIdPMetadata ExampleVerify ExampleFinishSPLogin; do
    grep -q -- "^--- PASS: $example " "$log" || { echo "go-test.sh: $example did not pass in the copy" >&2; exit 1; }
done
skipped=$(grep -c -- '--- SKIP' "$log" || true)
reasons=$(grep -c "set SSOGATE_TEST_VECTORS=<repository>/tests/vectors" "$log" || true)
if [ "$skipped" -eq 0 ] || [ "$skipped" -ne "$reasons" ]; then
    grep -A1 -- '--- SKIP' "$log" >&2 || true
    echo "go-test.sh: without vectors $skipped tests skipped, $reasons for want of the vectors" >&2
    exit 1
fi
echo "go-test.sh: without the shared vectors: $(grep -c -- '^--- PASS' "$log") top-level passes; $skipped tests or subtests skipped for want of them"

# With the vectors: the whole suite, nothing skipped.
log=$work/with-vectors.log
SSOGATE_TEST_VECTORS=$root/tests/vectors go test -v ./... -count=1 > "$log" 2>&1 ||
    { tail -n 60 "$log" >&2; echo "go-test.sh: go test failed in the copy with the vectors" >&2; exit 1; }
if grep -q -- '--- SKIP' "$log"; then
    grep -A1 -- '--- SKIP' "$log" >&2
    echo "go-test.sh: tests skipped in the copy with the vectors" >&2
    exit 1
fi
echo "go-test.sh: with the shared vectors: $(grep -c -- '^--- PASS' "$log") top-level passes, none skipped"

# A program of a Go user, as docs/go.md tells it: its own module, the copy through a replace
# directive, offline. The program is the block of docs/go.md that follows the marker comment.
app=$work/app
mkdir "$app"
awk '/^<!-- scripts\/go-test.sh builds and runs this block/ { on = 1; next }
     on && /^```go$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$root/docs/go.md" > "$app/main.go"
grep -q '^package main$' "$app/main.go" || { echo "go-test.sh: no program found in docs/go.md" >&2; exit 1; }
cd "$app"
go mod init example.com/app >/dev/null 2>&1
go mod edit -require=ssogate.dev/ssogate@v0.0.0 -replace=ssogate.dev/ssogate="$mod"
out=$(go run .)
want="libssogate $(pkg-config --modversion ssogate)
ACS URL: https://app.example.com/sso/saml/okta/acs"
[ "$out" = "$want" ] || { printf 'go-test.sh: the docs/go.md program printed\n%s\nwant\n%s\n' "$out" "$want" >&2; exit 1; }
echo "go-test.sh: the docs/go.md program builds with a replace directive and prints the ACS URL"
