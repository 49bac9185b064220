/* The Java low-level classes, package dev.ssogate.internal.capi. scripts/gen-java-module.sh runs
 *   swig -java -package dev.ssogate.internal.capi -outdir <that package's directory> \
 *        -o bindings/java/native/ssogate_java_wrap.c bindings/swig/java_capi.i
 * and commits the output, so that building the jar needs neither swig nor the header: the JNI glue
 * (ssogate_java_wrap.c) is compiled by CMake into libssogate_jni.so beside libssogate.so.0.
 * Everything language-neutral (the (pointer, length) typemaps, the _init constructors, the functions
 * left out) comes from ssogate.i; what is here is only what Java needs decided differently. */
%module SsogateCapi

/* The SWIG classes are an implementation detail of dev.ssogate; they load nothing themselves (the
 * hand-written NativeLibrary does, with an error that says what to do when it cannot). */

/*
 * uint64_t would become java.math.BigInteger. Every uint64_t of the header is a size or a count far
 * below 2^63 (max_bytes, max_entries), so it travels as a Java long.
 */
%apply long long { uint64_t };

/*
 * Strings the library returns are UTF-8. JNI's NewStringUTF reads "modified UTF-8", which differs for
 * characters outside the Basic Multilingual Plane (and is undefined for malformed bytes), so returned
 * strings cross as byte[] and are decoded by java.nio's UTF-8 decoder (malformed bytes become U+FFFD).
 * A NULL string comes back as null. Every string input is a (pointer, length) pair, which ssogate.i
 * maps to byte[] (the Java package encodes String as UTF-8), so no bare const char * input exists; one
 * added to the header would fail to compile here rather than cross as modified UTF-8.
 */
%typemap(jni) const char * "jbyteArray"
%typemap(jtype) const char * "byte[]"
%typemap(jstype) const char * "String"
%typemap(javaout) const char * {
    byte[] utf8 = $jnicall;
    return utf8 == null ? null : new String(utf8, java.nio.charset.StandardCharsets.UTF_8);
  }
%typemap(out) const char * {
    $result = NULL;
    if ($1 != NULL) {
        size_t n = strlen($1);
        $result = JCALL1(NewByteArray, jenv, (jsize)n);
        if ($result != NULL && n > 0) {
            JCALL4(SetByteArrayRegion, jenv, $result, 0, (jsize)n, (const jbyte *)$1);
        }
    }
}
/* Enum members as compile-time int constants (the functions take and return plain ints). */
%include "enumtypeunsafe.swg"
%javaconst(1);

%include "ssogate.i"
