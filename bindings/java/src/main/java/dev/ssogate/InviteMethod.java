package dev.ssogate;

import dev.ssogate.internal.capi.ssogate_policy_invite_method;

/**
 * How an invite is being accepted.
 * The numbers are the header's, read through SWIG at compile time.
 */
public enum InviteMethod {
    PASSWORD(ssogate_policy_invite_method.SSOGATE_POLICY_INVITE_METHOD_PASSWORD),
    SSO(ssogate_policy_invite_method.SSOGATE_POLICY_INVITE_METHOD_SSO);

    private final int number;

    InviteMethod(int number) {
        this.number = number;
    }

    /** The number the C ABI uses. */
    public int number() {
        return number;
    }

    /** The value with this number; the last constant (SSO) for a number this binding does not know. */
    static InviteMethod fromNumber(int number) {
        for (InviteMethod v : values()) {
            if (v.number == number) {
                return v;
            }
        }
        return SSO;
    }
}
