#!/bin/sh
# Exported-symbol check for libssogate.so.0.
#   check_symbols.sh LIBRARY EXPECTED_LIST
# Fails when the sorted list of defined dynamic symbols named ssogate_* differs from EXPECTED_LIST
# (tests/capi/exported_symbols.txt), or when any other symbol is defined. The only other symbol a
# version script adds is its own node name (SSOGATE_0, type A), which is ignored.
# To accept a deliberate change to the ABI, see tests/capi/README.md.
set -eu
lib=$1
expected=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$lib" >"$tmp/all"
# "ADDRESS TYPE NAME[@@VERSION]"; the version node shows up as an absolute (A) symbol.
awk '!($2 == "A" && $3 ~ /^SSOGATE_[0-9]+$/) { sub(/@.*/, "", $3); print $3 }' "$tmp/all" | LC_ALL=C sort >"$tmp/defined"
grep -v '^ssogate_' "$tmp/defined" >"$tmp/foreign" || true
if [ -s "$tmp/foreign" ]; then
    echo "FAIL: $lib defines symbols outside the ssogate_ namespace:" >&2
    cat "$tmp/foreign" >&2
    exit 1
fi
if ! diff -u "$expected" "$tmp/defined" >"$tmp/diff"; then
    echo "FAIL: exported symbols differ from $expected (- expected, + built):" >&2
    cat "$tmp/diff" >&2
    exit 1
fi
# Every exported function must carry the version node, so a future SSOGATE_1 can coexist.
if awk '$2 != "A"' "$tmp/all" | grep -v '@@SSOGATE_0$' >"$tmp/unversioned"; then
    echo "FAIL: exported symbols without the SSOGATE_0 version:" >&2
    cat "$tmp/unversioned" >&2
    exit 1
fi
echo "$(wc -l <"$tmp/defined") ssogate_* symbols, as listed in $(basename "$expected")"
