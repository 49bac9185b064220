package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_sp_key;
import dev.ssogate.internal.capi.ssogate_sp_login_options;

import java.time.Instant;

/**
 * The optional inputs of an SP-initiated login ({@link Connection#beginLogin}, {@link Gate#beginLogin}).
 * The defaults: HTTP-Redirect, unsigned, a 10-minute time to live, the system clock.
 */
public final class LoginOptions {
    String returnTo;
    private Binding binding = Binding.HTTP_REDIRECT;
    private SpKey spKey;
    private boolean forceAuthn;
    private boolean isPassive;
    private long ttlSeconds;
    private Instant now;

    /**
     * Where to send the user after the login: a path on the service ("/dashboard") or an absolute URL
     * whose origin the connection allows. Anything else: RETURN_TO_NOT_ALLOWED.
     */
    public LoginOptions returnTo(String returnTo) {
        this.returnTo = returnTo;
        return this;
    }

    /** HTTP_REDIRECT (the default) or HTTP_POST. */
    public LoginOptions binding(Binding binding) {
        this.binding = binding;
        return this;
    }

    /** Signs the request; required when the IdP wants signed requests (SP_KEY_REQUIRED). */
    public LoginOptions spKey(SpKey spKey) {
        this.spKey = spKey;
        return this;
    }

    public LoginOptions forceAuthn(boolean forceAuthn) {
        this.forceAuthn = forceAuthn;
        return this;
    }

    public LoginOptions isPassive(boolean isPassive) {
        this.isPassive = isPassive;
        return this;
    }

    /** How long the request stays pending, 1 to 86400 seconds; 0: 600. */
    public LoginOptions ttlSeconds(long ttlSeconds) {
        this.ttlSeconds = ttlSeconds;
        return this;
    }

    /** Freezes the clock (IssueInstant, expiry); null: the system clock. */
    public LoginOptions now(Instant now) {
        this.now = now;
        return this;
    }

    interface Begin<R> {
        R apply(SWIGTYPE_p_ssogate_sp_key key, ssogate_sp_login_options o, Native.Err e);
    }

    /** Runs begin with these options in C form, an error object and the SP key's handle (null without). */
    <R> R run(Begin<R> begin) {
        try (Native.Err e = new Native.Err()) {
            ssogate_sp_login_options o = new ssogate_sp_login_options();
            try {
                o.setBinding(binding == Binding.HTTP_POST ? Binding.HTTP_POST.number() : Binding.HTTP_REDIRECT.number());
                o.setForce_authn(Native.bool(forceAuthn));
                o.setIs_passive(Native.bool(isPassive));
                o.setTtl_seconds(ttlSeconds);
                o.setNow(Native.unixOrZero(now));
                if (spKey == null) {
                    return begin.apply(null, o, e);
                }
                return spKey.ref.use(k -> begin.apply(k, o, e));
            } finally {
                o.delete();
            }
        }
    }
}
