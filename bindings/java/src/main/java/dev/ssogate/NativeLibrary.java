package dev.ssogate;

/**
 * Loads the JNI glue once, before any SWIG class is used. The jar carries no native code: the glue,
 * libssogate_jni.so, is installed beside libssogate.so.0 (it finds that library through its own
 * RUNPATH, $ORIGIN) and is found on java.library.path, or at the absolute path given by the system
 * property {@code dev.ssogate.library}.
 */
final class NativeLibrary {
    static final String NAME = "ssogate_jni";
    /** System property naming the glue's file directly, when java.library.path cannot be set. */
    static final String PATH_PROPERTY = "dev.ssogate.library";

    private NativeLibrary() {}

    private static final class Holder {
        static final Throwable FAILURE = load();
    }

    private static Throwable load() {
        try {
            String path = System.getProperty(PATH_PROPERTY, "");
            if (path.isEmpty()) {
                System.loadLibrary(NAME);
            } else {
                System.load(path);
            }
            return null;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            return e;
        }
    }

    /** Throws an error naming the library and how to make it found when it could not be loaded. */
    static void ensureLoaded() {
        Throwable failure = Holder.FAILURE;
        if (failure != null) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError("ssogate: cannot load the native library lib" + NAME
                    + ".so (the JNI glue of the Java binding, which needs libssogate.so.0 beside it): "
                    + failure.getMessage() + ". Install the library (cmake --install BUILD --component runtime and"
                    + " --component java) and start the JVM with -Djava.library.path=<its lib directory>, or set -D"
                    + PATH_PROPERTY + "=/absolute/path/to/lib" + NAME + ".so; java.library.path is now \""
                    + System.getProperty("java.library.path", "") + "\"");
            e.initCause(failure);
            throw e;
        }
    }
}
