#!/bin/sh
# The Java runner of the cross-runtime check (tests/cross_runtime/README.md), run from what
# scripts/java-test.sh built and staged: the jar and test classes of bindings/java, the library and its
# JNI glue in BUILD_DIR/stage-java.
#
#   scripts/java-xrt-runner.sh CASES_FILE VECTORS_DIR OUTPUT_FILE      (BUILD_DIR: default build)
set -eu
[ $# -eq 3 ] || { echo "usage: scripts/java-xrt-runner.sh CASES_FILE VECTORS_DIR OUTPUT_FILE" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
jni=$(find "$build/stage-java" -name libssogate_jni.so 2>/dev/null | head -n 1)
[ -n "$jni" ] || { echo "java-xrt-runner.sh: no staged libssogate_jni.so under $build/stage-java: run scripts/dev.sh java first" >&2; exit 2; }
target=$root/bindings/java/target
jar=$(find "$target" -maxdepth 1 -name 'ssogate-*.jar' 2>/dev/null | head -n 1)
[ -n "$jar" ] && [ -d "$target/test-classes" ] || { echo "java-xrt-runner.sh: bindings/java is not built: run scripts/dev.sh java first" >&2; exit 2; }
exec java -Djava.library.path="$(dirname "$jni")" -cp "$jar:$target/test-classes" dev.ssogate.crossruntime.Runner "$@"
