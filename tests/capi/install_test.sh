#!/bin/sh
# cmake --install into a scratch prefix, then build against it the two ways users do:
# find_package(ssogate) (consumer/), and pkg-config with a bare compiler.
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
okta=$vectors/interop/metadata/okta-1.xml
want="http://www.okta.com/exkppsa1qwuFV4D7z0h7"

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
if find "$prefix" -name '*ssogate_core*' | grep -q .; then fail "the core static library was installed"; fi

# find_package(ssogate)
cmake -S "$consumer" -B "$tmp/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_FLAGS="$extra" \
    -DCMAKE_CXX_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" >"$tmp/configure.log" \
    || { cat "$tmp/configure.log" >&2; fail "find_package(ssogate) consumer did not configure"; }
cmake --build "$tmp/consumer" -j 2 >"$tmp/build.log" || { cat "$tmp/build.log" >&2; fail "consumer did not build"; }
for exe in consumer_c consumer_cpp; do
    out=$(LD_LIBRARY_PATH="$libdir" "$tmp/consumer/$exe" "$okta")
    case "$out" in *" $want") ;; *) fail "$exe printed '$out'" ;; esac
done

# pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig"
[ "$(pkg-config --modversion ssogate)" = "$(sed -n 's/^Version: //p' "$libdir/pkgconfig/ssogate.pc")" ] || fail "pkg-config --modversion"
# shellcheck disable=SC2046,SC2086
"$cc" -std=c11 -Wall -Werror $extra -o "$tmp/pc_consumer" "$consumer/consumer.c" $(pkg-config --cflags --libs ssogate) \
    || fail "pkg-config consumer did not build"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/pc_consumer" "$okta")
case "$out" in *" $want") ;; *) fail "pkg-config consumer printed '$out'" ;; esac

echo "installed tree OK: find_package(ssogate) and pkg-config both build and run"
