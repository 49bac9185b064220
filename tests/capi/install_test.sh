#!/bin/sh
# cmake --install into a scratch prefix, check what lands where, then build against it the two ways users
# do: find_package(ssogate) (consumer/), and pkg-config with a bare compiler.
#   install_test.sh BUILD_DIR CONSUMER_SRC VECTORS_DIR C_COMPILER [EXTRA_FLAGS [CXX_COMPILER]]
# EXTRA_FLAGS go to the consumers' compile and link (the sanitizer flags when the library has them:
# an instrumented libssogate loads only into an instrumented program).
set -eu
build=$1
consumer=$2
vectors=$3
cc=$4
extra=${5:-}
cxx=${6:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

# Only the library's components: other parts of the build (Python, CLI) have their own installs.
for component in runtime development; do
    cmake --install "$build" --prefix "$prefix" --component "$component" >"$tmp/install.log"
done

fail() { echo "FAIL: $*" >&2; exit 1; }
libdir=$(dirname "$(find "$prefix" -name 'libssogate.so.0' | head -n 1)")
[ -n "$libdir" ] && [ -L "$libdir/libssogate.so" ] || fail "libssogate.so.0 and its libssogate.so link not installed"
[ -f "$prefix/include/ssogate/ssogate.h" ] && [ -f "$prefix/include/ssogate/ssogate.hpp" ] || fail "headers not in include/ssogate"
[ -f "$libdir/pkgconfig/ssogate.pc" ] || fail "ssogate.pc not installed"
[ -f "$libdir/cmake/ssogate/ssogateConfig.cmake" ] || fail "CMake package not installed"
[ -f "$prefix/share/doc/libssogate0/copyright" ] && [ -f "$prefix/share/doc/libssogate-dev/THIRD-PARTY-NOTICES.md" ] || fail "licence and notices not installed"
if find "$prefix" -name '*ssogate_core*' | grep -q .; then fail "the core static library was installed"; fi

# Build and run the consumers against it: find_package(ssogate) and pkg-config (shared with the
# Debian package test, tests/install/deb_test.sh).
sh "$(dirname "$0")/../install/consumers.sh" "$prefix" "$consumer" "$vectors" "$cc" "$extra" "$cxx"

echo "installed tree OK: find_package(ssogate) and pkg-config both build and run"
