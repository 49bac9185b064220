package dev.ssogate;

import dev.ssogate.internal.capi.ssogate_policy_member_status;

/**
 * A member's status in an account.
 * The numbers are the header's, read through SWIG at compile time.
 */
public enum MemberStatus {
    ACTIVE(ssogate_policy_member_status.SSOGATE_POLICY_MEMBER_STATUS_ACTIVE),
    DISABLED(ssogate_policy_member_status.SSOGATE_POLICY_MEMBER_STATUS_DISABLED);

    private final int number;

    MemberStatus(int number) {
        this.number = number;
    }

    /** The number the C ABI uses. */
    public int number() {
        return number;
    }

    /** The value with this number; the last constant (DISABLED) for a number this binding does not know. */
    static MemberStatus fromNumber(int number) {
        for (MemberStatus v : values()) {
            if (v.number == number) {
                return v;
            }
        }
        return DISABLED;
    }
}
