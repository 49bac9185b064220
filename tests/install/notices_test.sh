#!/bin/sh
# THIRD-PARTY-NOTICES.md names every library libssogate.so.0 loads (directly or through another library)
# that a wheel would carry: each library ldd resolves, except the C and C++ runtime that every system has
# (auditwheel leaves those out too), must belong to a Debian package listed in the notices' table. A new
# dependency without its notice fails here.
#   notices_test.sh LIBSSOGATE NOTICES_FILE
set -eu
lib=$1
notices=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

# Debian 12 is merged-/usr: ldd may print /lib/... for a file dpkg registered as /usr/lib/....
owner() {
    for p in "$1" "/usr$1" "$(realpath "$1")"; do
        if out=$(dpkg -S "$p" 2>/dev/null); then
            echo "$out" | head -n 1 | cut -d: -f1
            return 0
        fi
    done
    return 1
}

checked=0
for path in $(ldd "$lib" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
    case "$(basename "$path")" in
        libc.so.* | libm.so.* | libdl.so.* | librt.so.* | libpthread.so.* | ld-linux*.so.* | libstdc++.so.* | libgcc_s.so.*) continue ;;
    esac
    pkg=$(owner "$path") || fail "no Debian package owns $path"
    grep -q "^|.*\`$pkg\` " "$notices" || fail "$path (Debian package $pkg) is not in the table of $notices"
    checked=$((checked + 1))
done
# libxml2, libxmlsec1, libxmlsec1-openssl, libcrypto, SQLite, zlib at least (hiredis is optional).
[ "$checked" -ge 6 ] || fail "only $checked libraries checked: is $lib the shared library?"
echo "THIRD-PARTY-NOTICES.md covers the $checked libraries libssogate.so.0 loads"
