package dev.ssogate;

import dev.ssogate.internal.capi.ssogate_sso_mode;

/**
 * An account's SSO mode: MIXED keeps password logins for members who had one; ENFORCED sends everyone through SSO except break-glass owners and admins.
 * The numbers are the header's, read through SWIG at compile time.
 */
public enum SsoMode {
    MIXED(ssogate_sso_mode.SSOGATE_SSO_MODE_MIXED),
    ENFORCED(ssogate_sso_mode.SSOGATE_SSO_MODE_ENFORCED);

    private final int number;

    SsoMode(int number) {
        this.number = number;
    }

    /** The number the C ABI uses. */
    public int number() {
        return number;
    }

    /** The value with this number; the last constant (ENFORCED) for a number this binding does not know. */
    static SsoMode fromNumber(int number) {
        for (SsoMode v : values()) {
            if (v.number == number) {
                return v;
            }
        }
        return ENFORCED;
    }
}
