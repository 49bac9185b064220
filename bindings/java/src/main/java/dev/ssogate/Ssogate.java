package dev.ssogate;

import dev.ssogate.internal.capi.SsogateCapi;

/** The library itself: its version, and the stable names of its codes and reasons. */
public final class Ssogate {
    private Ssogate() {}

    /** The loaded libssogate's version, "MAJOR.MINOR.PATCH". */
    public static String version() {
        NativeLibrary.ensureLoaded();
        return SsogateCapi.ssogate_version_string();
    }

    /** The loaded libssogate's version as MAJOR * 1000000 + MINOR * 1000 + PATCH. */
    public static int versionNumber() {
        NativeLibrary.ensureLoaded();
        return SsogateCapi.ssogate_version_number();
    }

    /** The library's name for a code number ("REPLAYED"); "UNKNOWN" for a number it does not know. */
    public static String codeName(int number) {
        NativeLibrary.ensureLoaded();
        return SsogateCapi.ssogate_code_name(number);
    }

    /** The library's name for a reason number ("MEMBER_DISABLED"); "UNKNOWN" for one it does not know. */
    public static String reasonName(int number) {
        NativeLibrary.ensureLoaded();
        return SsogateCapi.ssogate_reason_name(number);
    }

    /** One sentence for the operator explaining a reason; never contains user data. */
    public static String reasonText(Reason reason) {
        NativeLibrary.ensureLoaded();
        return SsogateCapi.ssogate_reason_text(reason.number());
    }
}
