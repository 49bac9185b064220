#!/bin/sh
# Builds and runs the two consumers of tests/capi/consumer against an installed ssogate, the two ways
# users build against it, and checks what they print (the loaded library's version and the entityID of
# an imported IdP metadata file):
#   - find_package(ssogate) and the ssogate::ssogate target (CMake puts the library's directory in the
#     programs' RUNPATH, so they run without LD_LIBRARY_PATH);
#   - pkg-config --cflags --libs ssogate with a bare compiler, linked with an rpath to pkg-config's libdir.
# Both must load libssogate.so.0 from PREFIX, never from the system.
#
#   consumers.sh PREFIX CONSUMER_SRC VECTORS_DIR C_COMPILER [EXTRA_FLAGS [CXX_COMPILER]]
# PREFIX is the installed tree's prefix (its lib*/pkgconfig and lib*/cmake are searched). EXTRA_FLAGS go
# to the consumers' compile and link (the sanitizer flags when the library has them).
set -eu
prefix=$1
consumer=$2
vectors=$3
cc=$4
extra=${5:-}
cxx=${6:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
okta=$vectors/interop/metadata/okta-1.xml
want_entity="http://www.okta.com/exkppsa1qwuFV4D7z0h7"

fail() { echo "FAIL: $*" >&2; exit 1; }

# Only PREFIX/lib* (and a multiarch directory below it): with PREFIX /usr, nothing of /usr/local or of
# a Python package's bundled libraries.
lib=$(find "$prefix"/lib* -maxdepth 2 -name 'libssogate.so.0' 2>/dev/null | head -n 1)
[ -n "$lib" ] || fail "no libssogate.so.0 under $prefix"
libdir=$(realpath "$(dirname "$lib")")
pcdir=$libdir/pkgconfig
[ -f "$pcdir/ssogate.pc" ] || fail "no ssogate.pc in $pcdir"

# Only the installed tree: no pkg-config file of the build tree or the system may answer.
export PKG_CONFIG_PATH="$pcdir"
export PKG_CONFIG_LIBDIR="$pcdir"
version=$(pkg-config --modversion ssogate) || fail "pkg-config does not know ssogate"
[ -n "$version" ] || fail "pkg-config --modversion ssogate is empty"

# Runs a consumer (no LD_LIBRARY_PATH), checks that libssogate.so.0 resolves into the installed tree and
# that the program printed "VERSION ENTITY_ID".
check_run() {
    exe=$1
    resolved=$(env -u LD_LIBRARY_PATH ldd "$exe" | awk '$1 == "libssogate.so.0" { print $3 }')
    # pkg-config's libdir is relative to the .pc file (lib/pkgconfig/../../lib): compare real paths.
    [ -n "$resolved" ] && [ -e "$resolved" ] && resolved=$(realpath "$resolved")
    [ "$resolved" = "$(realpath "$libdir/libssogate.so.0")" ] || fail "$exe loads libssogate.so.0 from '$resolved', not $libdir"
    out=$(env -u LD_LIBRARY_PATH "$exe" "$okta") || fail "$exe exited $?"
    [ "$out" = "$version $want_entity" ] || fail "$exe printed '$out', expected '$version $want_entity'"
}

# find_package(ssogate)
cmake -S "$consumer" -B "$tmp/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_FLAGS="$extra" -DCMAKE_CXX_FLAGS="$extra" \
    -DCMAKE_EXE_LINKER_FLAGS="$extra" >"$tmp/configure.log" 2>&1 \
    || { cat "$tmp/configure.log" >&2; fail "find_package(ssogate) consumer did not configure"; }
found=$(sed -n 's/^ssogate_DIR:PATH=//p' "$tmp/cmake/CMakeCache.txt")
[ -d "$found" ] && found=$(realpath "$found")
case "$found" in "$libdir"/cmake/ssogate) ;; *) fail "find_package found ssogate in '$found', not under $libdir" ;; esac
cmake --build "$tmp/cmake" -j 2 >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; fail "find_package consumer did not build"; }
check_run "$tmp/cmake/consumer_c"
check_run "$tmp/cmake/consumer_cpp"

# pkg-config, with the rpath a packager would leave out when the library is in ldconfig's paths.
# shellcheck disable=SC2046,SC2086
"$cc" -std=c11 -Wall -Werror $extra -o "$tmp/pc_consumer" "$consumer/consumer.c" $(pkg-config --cflags --libs ssogate) \
    -Wl,-rpath,"$(pkg-config --variable=libdir ssogate)" || fail "pkg-config consumer did not build"
check_run "$tmp/pc_consumer"

echo "consumers OK against $prefix (ssogate $version): find_package(ssogate) in C and C++, pkg-config in C"
