#!/bin/sh
# ABI check for libssogate.so.0 against the committed baseline.
#   check_abi.sh LIBRARY BASELINE.abi
# The baseline was written with private types dropped, so the handle structs are opaque there; the
# library's own definitions of them (C++ members) are an opaque-to-defined change that abidiff filters
# as harmless. Anything a compiled caller could notice fails: a changed options struct layout, a
# changed signature, a removed function, and also an added one, so that every addition is a
# deliberate baseline update (tests/capi/README.md).
set -eu
lib=$1
baseline=$2
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
    echo "FAIL: $lib has no DWARF; the capi target is built with -g for this check" >&2
    exit 1
fi
abidiff --exported-interfaces-only "$baseline" "$lib"
