#!/bin/sh
# The Debian packages as a Debian 12 user gets them:
#   1. CPack makes libssogate0, libssogate-dev and ssogate from this build directory (what the build
#      already compiled; nothing is compiled again);
#   2. dpkg-deb -I / -c: names, version, architecture, Depends, and which files each package holds;
#   3. `apt-get install --simulate ./*.deb` resolves every dependency against this machine's Debian
#      archive (a simulation: nothing is installed);
#   4. the packages are unpacked with dpkg -x into a throwaway root, the CLI runs from it, and the C
#      consumers are built against it with pkg-config and with find_package (tests/install/consumers.sh).
#   5. only with SSOGATE_DEB_INSTALL=1 (scripts/dev.sh deb-install, which `scripts/dev.sh test` runs last):
#      `apt-get install ./*.deb` for real, as root or through sudo; the CLI runs from /usr/bin, the C
#      consumers are built against /usr with the system's pkg-config and find_package and must load
#      /usr's libssogate.so.0; then the three packages are purged again (also when a check fails), so
#      the machine is left as it was. It refuses to run when an ssogate package is already installed.
# Steps 1-4 install nothing (ctest runs them on every build): an installed libssogate.so.0 and
# ssogate.pc in /usr would be found by pkg-config and find_package before the build tree's.
#
#   deb_test.sh BUILD_DIR VERSION CONSUMER_SRC VECTORS_DIR C_COMPILER CXX_COMPILER WITH_REDIS
set -eu
build=$(realpath "$1")
version=$2
consumer=$3
vectors=$4
cc=$5
cxx=$6
with_redis=$7
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. CPack over the build as it is: it runs the components' install rules from the build directory (with
# Ninja there is no preinstall build step). The packages go to a temporary directory.
cat >"$tmp/config.cmake" <<CONFIG
include("$build/CPackConfig.cmake")
set(CPACK_PACKAGE_DIRECTORY "$tmp/cpack")
CONFIG
(cd "$tmp" && cpack --config "$tmp/config.cmake" -G DEB) >"$tmp/cpack.log" 2>&1 \
    || { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB"; }
arch=$(dpkg --print-architecture)
debs=$tmp/debs
mkdir "$debs"
for pkg in libssogate0 libssogate-dev ssogate; do
    f=$tmp/cpack/${pkg}_${version}_${arch}.deb
    [ -f "$f" ] || { ls "$tmp/cpack" >&2; fail "cpack made no ${pkg}_${version}_${arch}.deb"; }
    mv "$f" "$debs/"
done
[ "$(ls "$tmp/cpack"/*.deb 2>/dev/null | wc -l)" = 0 ] || fail "cpack made packages beyond the three: $(ls "$tmp/cpack"/*.deb)"

# 2. Control fields. field PKG NAME prints one field of a package's control file.
field() { dpkg-deb -f "$debs/${1}_${version}_${arch}.deb" "$2"; }
# has_dep PKG DEP: DEP is one of PKG's Depends (a package name, optionally with its version relation).
has_dep() {
    field "$1" Depends | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep -qx -e "$2" -e "$2 (.*)" \
        || fail "$1 Depends '$(field "$1" Depends)' lacks $2"
}
for pkg in libssogate0 libssogate-dev ssogate; do
    [ "$(field $pkg Package)" = "$pkg" ] || fail "$pkg: Package is '$(field $pkg Package)'"
    [ "$(field $pkg Version)" = "$version" ] || fail "$pkg: Version is '$(field $pkg Version)', not $version"
    [ "$(field $pkg Architecture)" = "$arch" ] || fail "$pkg: Architecture is '$(field $pkg Architecture)'"
done
# The library depends on the Debian 12 packages of the libraries it links (dpkg-shlibdeps), and on
# nothing of the build (no -dev package).
for dep in libc6 libstdc++6 libgcc-s1 libxml2 libxmlsec1 libxmlsec1-openssl libssl3 libsqlite3-0 zlib1g; do
    has_dep libssogate0 "$dep"
done
if [ "$with_redis" = ON ]; then has_dep libssogate0 libhiredis0.14; fi
if field libssogate0 Depends | grep -q -e '-dev' -e libssogate; then
    fail "libssogate0 Depends '$(field libssogate0 Depends)' names a -dev package or itself"
fi
# The -dev package and the command need the library of exactly this version.
has_dep libssogate-dev "libssogate0 (= $version)"
has_dep ssogate "libssogate0 (= $version)"
has_dep ssogate libc6
[ "$(field libssogate0 Section)" = libs ] || fail "libssogate0 Section '$(field libssogate0 Section)'"
[ "$(field libssogate-dev Section)" = libdevel ] || fail "libssogate-dev Section '$(field libssogate-dev Section)'"
# libssogate0 declares its soname (shlibs) for packages built against it, and runs ldconfig.
dpkg-deb -I "$debs/libssogate0_${version}_${arch}.deb" shlibs | grep -qx "libssogate 0 libssogate0 (>= $version)" \
    || fail "libssogate0 shlibs: '$(dpkg-deb -I "$debs/libssogate0_${version}_${arch}.deb" shlibs 2>&1)'"
for script in postinst postrm; do
    dpkg-deb -I "$debs/libssogate0_${version}_${arch}.deb" $script | grep -q ldconfig || fail "libssogate0's $script does not run ldconfig"
done

# Files: each package holds its part and nothing of another's.
files() { dpkg-deb -c "$debs/${1}_${version}_${arch}.deb" | awk '{ print $6 }' | sed 's|^\./|/|'; }
expect_file() { files "$1" | grep -qx "$2" || fail "$1 does not hold $2 (it holds: $(files "$1" | tr '\n' ' '))"; }
refuse_file() { if files "$1" | grep -q "$2"; then fail "$1 holds $(files "$1" | grep "$2" | head -n 1)"; fi; }
files libssogate0 | grep -qx '/usr/lib/.*libssogate\.so\.0' || fail "libssogate0 does not hold libssogate.so.0"
expect_file libssogate0 /usr/share/doc/libssogate0/copyright
refuse_file libssogate0 '/include/'
refuse_file libssogate0 'libssogate\.so$'
refuse_file libssogate0 'pkgconfig'
expect_file libssogate-dev /usr/include/ssogate/ssogate.h
expect_file libssogate-dev /usr/include/ssogate/ssogate.hpp
files libssogate-dev | grep -qx '/usr/lib/.*libssogate\.so' || fail "libssogate-dev does not hold the libssogate.so link"
files libssogate-dev | grep -qx '/usr/lib/.*pkgconfig/ssogate\.pc' || fail "libssogate-dev does not hold ssogate.pc"
files libssogate-dev | grep -qx '/usr/lib/.*cmake/ssogate/ssogateConfig\.cmake' || fail "libssogate-dev has no CMake package"
expect_file libssogate-dev /usr/share/doc/libssogate-dev/copyright
refuse_file libssogate-dev 'libssogate\.so\.0'
expect_file ssogate /usr/bin/ssogate
expect_file ssogate /usr/share/doc/ssogate/copyright
refuse_file ssogate 'libssogate\.so'
for pkg in libssogate0 libssogate-dev ssogate; do
    refuse_file "$pkg" 'ssogate_core'
    refuse_file "$pkg" '_ssogate'
done

# 3. apt would install all three (every Depends resolvable on this Debian).
(cd "$debs" && apt-get install --simulate --no-install-recommends ./*.deb) >"$tmp/apt.log" 2>&1 \
    || { cat "$tmp/apt.log" >&2; fail "apt-get install --simulate ./*.deb"; }
for pkg in libssogate0 libssogate-dev ssogate; do
    grep -q "^Inst $pkg " "$tmp/apt.log" || { cat "$tmp/apt.log" >&2; fail "apt would not install $pkg"; }
done

# 4. Unpacked into a throwaway root.
root=$tmp/root
for deb in "$debs"/*.deb; do dpkg -x "$deb" "$root"; done
# The command finds the library beside it through its RUNPATH ($ORIGIN/../lib...).
resolved=$(env -u LD_LIBRARY_PATH ldd "$root/usr/bin/ssogate" | awk '$1 == "libssogate.so.0" { print $3 }')
[ -n "$resolved" ] && [ "$(realpath "$resolved")" = "$(realpath "$(find "$root" -name libssogate.so.0)")" ] \
    || fail "the unpacked ssogate loads libssogate.so.0 from '$resolved', not from the unpacked root"
out=$(env -u LD_LIBRARY_PATH "$root/usr/bin/ssogate" idp import "$vectors/interop/metadata/okta-1.xml" \
    --base-url https://app.example.com --id okta) || fail "the unpacked ssogate idp import exited $?"
case "$out" in *https://app.example.com/*) ;; *) fail "the unpacked ssogate printed no ACS URL: $out" ;; esac
sh "$here/consumers.sh" "$root/usr" "$consumer" "$vectors" "$cc" "" "$cxx"

echo "Debian packages OK: $(cd "$debs" && ls | tr '\n' ' ')"

# 5. A real install, then a purge.
[ "${SSOGATE_DEB_INSTALL:-0}" = 1 ] || exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for pkg in libssogate0 libssogate-dev ssogate; do
    if installed "$pkg"; then fail "$pkg is already installed on this machine: not replacing it (remove it first)"; fi
done
purge() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq libssogate0 libssogate-dev ssogate >/dev/null 2>&1 || true; }
trap 'purge; rm -rf "$tmp"' EXIT
(cd "$debs" && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ./*.deb) \
    >"$tmp/apt-install.log" 2>&1 || { cat "$tmp/apt-install.log" >&2; fail "apt-get install ./*.deb"; }
for pkg in libssogate0 libssogate-dev ssogate; do installed "$pkg" || fail "apt did not install $pkg"; done
[ "$(command -v ssogate)" = /usr/bin/ssogate ] || fail "ssogate on PATH is '$(command -v ssogate)', not /usr/bin/ssogate"
/usr/bin/ssogate --version | grep -q "$version" || fail "/usr/bin/ssogate --version: '$(/usr/bin/ssogate --version)'"
# ldconfig (the package's postinst) knows the library; the command loads it from /usr.
ldconfig -p | grep -Eq 'libssogate\.so\.0 .*=> (/usr)?/lib/' || fail "ldconfig does not list /usr's libssogate.so.0"
resolved=$(env -u LD_LIBRARY_PATH ldd /usr/bin/ssogate | awk '$1 == "libssogate.so.0" { print $3 }')
case "$(realpath "$resolved")" in /usr/lib/*) ;; *) fail "/usr/bin/ssogate loads libssogate.so.0 from '$resolved'" ;; esac
out=$(env -u LD_LIBRARY_PATH /usr/bin/ssogate idp import "$vectors/interop/metadata/okta-1.xml" \
    --base-url https://app.example.com --id okta) || fail "the installed ssogate idp import exited $?"
case "$out" in *https://app.example.com/*) ;; *) fail "the installed ssogate printed no ACS URL: $out" ;; esac
sh "$here/consumers.sh" /usr "$consumer" "$vectors" "$cc" "" "$cxx"
purge
for pkg in libssogate0 libssogate-dev ssogate; do
    if installed "$pkg"; then fail "apt-get purge left $pkg installed"; fi
done
[ ! -e /usr/include/ssogate/ssogate.h ] || fail "the purge left /usr/include/ssogate/ssogate.h"
echo "Debian packages installed with apt-get, used from /usr, and purged"
