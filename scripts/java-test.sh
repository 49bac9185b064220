#!/bin/sh
# Builds and tests the Java binding (bindings/java) and its example (examples/java-http) against a CMake
# build of libssogate, the way a Java user has it: libssogate.so.0 and the JNI glue libssogate_jni.so
# installed into one lib directory, found through java.library.path, the jar on the class path.
#
#   scripts/java-test.sh [BUILD_DIR]      BUILD_DIR defaults to build at the top of the repository; it must
#                                         be built already with SSOGATE_BUILD_JAVA=ON (only Java is
#                                         compiled here)
#   MVN_FLAGS="-o" scripts/java-test.sh   extra Maven flags (offline, once the dependencies are cached)
#
# Steps:
#   1. the committed SWIG output matches a fresh run of scripts/gen-java-module.sh;
#   2. the library (component runtime) and the glue (component java) are installed into BUILD_DIR/stage;
#   3. mvn verify in bindings/java: compile, the JUnit suite (the shared conformance vectors, the gate,
#      SP-initiated login, threads), the jar, installed into the local Maven repository for the example;
#   4. mvn verify in examples/java-http: its JUnit test drives the example server over real HTTP;
#   5. the program of docs/java.md compiled against the jar and run.
# Maven's own parallelism stays off (the machine is shared); surefire runs one JVM.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
[ -f "$build/CMakeCache.txt" ] || { echo "java-test.sh: $build is not a CMake build directory" >&2; exit 2; }
build=$(cd "$build" && pwd)
grep -q '^SSOGATE_BUILD_JAVA:BOOL=ON$' "$build/CMakeCache.txt" ||
    { echo "java-test.sh: $build was configured without SSOGATE_BUILD_JAVA (needs a JDK: openjdk-17-jdk-headless)" >&2; exit 1; }
stage=$build/stage-java

echo "java-test.sh: the committed SWIG output"
"$root/scripts/gen-java-module.sh" --check

rm -rf "$stage"
for component in runtime java; do
    cmake --install "$build" --prefix "$stage" --component "$component" >/dev/null
done
jni=$(find "$stage" -name libssogate_jni.so | head -n 1)
[ -n "$jni" ] || { echo "java-test.sh: no libssogate_jni.so under $stage (is the build up to date?)" >&2; exit 1; }
libdir=$(dirname "$jni")
[ -e "$libdir/libssogate.so.0" ] || { echo "java-test.sh: libssogate.so.0 is not beside $jni" >&2; exit 1; }

# The glue must resolve libssogate from the stage (its RUNPATH is $ORIGIN), not from a system copy.
found=$(env -u LD_LIBRARY_PATH ldd "$jni" | sed -n 's/^[[:space:]]*libssogate\.so\.0 => \([^ ]*\) .*/\1/p')
case "$found" in
    "$libdir"/*) ;;
    *) echo "java-test.sh: $jni loads libssogate.so.0 from '$found', not from $libdir" >&2; exit 1 ;;
esac

mvn_run() {
    # shellcheck disable=SC2086
    mvn -q -B ${MVN_FLAGS:-} -Dssogate.library.dir="$libdir" -Dssogate.vectors="$root/tests/vectors" "$@"
}

report() {
    # The surefire reports of one project: tests, failures, errors, skipped, summed.
    awk -F'"' '/<testsuite /{ for (i = 1; i < NF; i++) { if ($i ~ / tests=$/) t += $(i+1); if ($i ~ / failures=$/) f += $(i+1);
               if ($i ~ / errors=$/) e += $(i+1); if ($i ~ / skipped=$/) s += $(i+1) } }
               END { printf "%d tests, %d failures, %d errors, %d skipped\n", t, f, e, s; exit (f + e + s) > 0 }' "$1"/TEST-*.xml
}

echo "java-test.sh: bindings/java (mvn verify install)"
cd "$root/bindings/java"
mvn_run clean install || { cat target/surefire-reports/*.txt 2>/dev/null | grep -v '^Tests run:.*Failures: 0, Errors: 0' | tail -n 80 >&2; exit 1; }
echo "java-test.sh: bindings/java: $(report target/surefire-reports)"

echo "java-test.sh: examples/java-http (mvn verify)"
cd "$root/examples/java-http"
mvn_run clean verify || { cat target/surefire-reports/*.txt 2>/dev/null | tail -n 80 >&2; exit 1; }
echo "java-test.sh: examples/java-http: $(report target/surefire-reports)"

# The program of docs/java.md, compiled against the jar alone and run with the staged library: the block
# that follows the marker comment.
work=$(mktemp -d "${TMPDIR:-/tmp}/ssogate-java-doc.XXXXXX")
trap 'rm -rf "$work"' EXIT
awk '/^<!-- scripts\/java-test.sh compiles and runs this block/ { on = 1; next }
     on && /^```java$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$root/docs/java.md" > "$work/Main.java"
grep -q '^public class Main' "$work/Main.java" || { echo "java-test.sh: no program found in docs/java.md" >&2; exit 1; }
jar=$(find "$root/bindings/java/target" -maxdepth 1 -name 'ssogate-*.jar' | head -n 1)
javac -d "$work" -cp "$jar" "$work/Main.java"
out=$(java -Djava.library.path="$libdir" -cp "$jar:$work" Main)
case "$out" in
    "libssogate "[0-9]*.[0-9]*.[0-9]*"
ACS URL: https://app.example.com/sso/saml/okta/acs") ;;
    *) printf 'java-test.sh: the docs/java.md program printed\n%s\n' "$out" >&2; exit 1 ;;
esac
echo "java-test.sh: the docs/java.md program compiles against the jar and prints the ACS URL"
