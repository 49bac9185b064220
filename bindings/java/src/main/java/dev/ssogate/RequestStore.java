package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_request_store;
import dev.ssogate.internal.capi.SsogateCapi;

/**
 * The pending SP-initiated logins, keyed by the opaque RelayState token the browser carries to the IdP
 * and back; each is taken exactly once. Safe for concurrent use.
 */
public final class RequestStore implements AutoCloseable {
    final Native.Ref<SWIGTYPE_p_ssogate_request_store> ref;

    private RequestStore(SWIGTYPE_p_ssogate_request_store h) {
        ref = new Native.Ref<>("the request store", h, SsogateCapi::ssogate_request_store_free).cleanedWith(this);
    }

    /** A store for this process only (lost on restart, not shared by nodes). */
    public static RequestStore memory() {
        return open("memory:");
    }

    /** Opens "memory:", "sqlite:PATH" or "redis://HOST:PORT[/DB]"; STORE_LOCATION for anything else. */
    public static RequestStore open(String location) {
        try (Native.Err e = new Native.Err()) {
            return new RequestStore(e.made(SsogateCapi.ssogate_request_store_open(Native.utf8(location), e.h),
                    "ssogate_request_store_open"));
        }
    }

    @Override
    public void close() {
        ref.close();
    }
}
