package dev.ssogate;

import dev.ssogate.internal.capi.ssogate_policy_joined_via;

/**
 * How a member joined: with a password before SSO (keeps password login in Mixed mode) or through SSO.
 * The numbers are the header's, read through SWIG at compile time.
 */
public enum JoinedVia {
    PASSWORD(ssogate_policy_joined_via.SSOGATE_POLICY_JOINED_VIA_PASSWORD),
    SSO(ssogate_policy_joined_via.SSOGATE_POLICY_JOINED_VIA_SSO);

    private final int number;

    JoinedVia(int number) {
        this.number = number;
    }

    /** The number the C ABI uses. */
    public int number() {
        return number;
    }

    /** The value with this number; the last constant (SSO) for a number this binding does not know. */
    static JoinedVia fromNumber(int number) {
        for (JoinedVia v : values()) {
            if (v.number == number) {
                return v;
            }
        }
        return SSO;
    }
}
