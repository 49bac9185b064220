#!/bin/sh
# Writes the SWIG output the Java binding (bindings/java) carries, so that building the jar needs neither
# swig nor the header, and building the JNI glue needs only a C compiler and the JDK's jni.h:
#
#   bindings/java/src/main/java/dev/ssogate/internal/capi/*.java   the low-level classes (one per C
#                                                    struct or handle, SsogateCapi for the functions)
#   bindings/java/native/ssogate_java_wrap.c          the JNI glue, compiled by CMake into
#                                                    libssogate_jni.so (SSOGATE_BUILD_JAVA)
#
#   scripts/gen-java-module.sh           rewrite them (the capi directory is replaced, so a class SWIG no
#                                        longer writes goes too)
#   scripts/gen-java-module.sh --check   write nothing; exit 1 if a committed file differs from a fresh
#                                        run (scripts/java-test.sh runs this)
#
# Both come from bindings/swig/java_capi.i, which includes the language-neutral ssogate.i. The output is
# what SWIG 4.1.0 (Debian 12's swig) writes; another version writes other text, so the check refuses to
# compare with one.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    *) echo "usage: scripts/gen-java-module.sh [--check]" >&2; exit 2 ;;
esac

swig_wanted=4.1.0
command -v swig >/dev/null 2>&1 || { echo "gen-java-module.sh: swig not found (Debian: apt install swig)" >&2; exit 1; }
swig_version=$(swig -version | sed -n 's/^SWIG Version //p')
if [ "$swig_version" != "$swig_wanted" ]; then
    echo "gen-java-module.sh: swig is $swig_version; the committed output is made with SWIG $swig_wanted (Debian 12)" >&2
    exit 1
fi

capi=bindings/java/src/main/java/dev/ssogate/internal/capi
wrap=bindings/java/native/ssogate_java_wrap.c
out=$(mktemp -d "${TMPDIR:-/tmp}/ssogate-gen-java.XXXXXX")
trap 'rm -rf "$out"' EXIT
mkdir "$out/java"

# Relative paths, so the file names SWIG records in its output do not depend on where the repository is.
swig -java -package dev.ssogate.internal.capi -outdir "$out/java" -o "$out/ssogate_java_wrap.c" \
    -Ibindings/swig -Icapi/include bindings/swig/java_capi.i

if [ "$check" = 1 ]; then
    stale=0
    if ! cmp -s "$out/ssogate_java_wrap.c" "$wrap"; then
        echo "gen-java-module.sh: $wrap differs from a fresh run over bindings/swig/java_capi.i: run scripts/gen-java-module.sh" >&2
        stale=1
    fi
    if ! diff -r -q "$out/java" "$capi" >/dev/null 2>&1; then
        echo "gen-java-module.sh: $capi differs from a fresh run over bindings/swig/java_capi.i: run scripts/gen-java-module.sh" >&2
        stale=1
    fi
    exit "$stale"
fi
mkdir -p "$(dirname "$wrap")"
cp "$out/ssogate_java_wrap.c" "$wrap"
rm -rf "$capi"
mkdir -p "$capi"
cp "$out/java/"*.java "$capi/"
