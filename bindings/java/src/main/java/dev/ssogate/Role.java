package dev.ssogate;

import dev.ssogate.internal.capi.ssogate_role;

/**
 * A member's role in an account.
 * The numbers are the header's, read through SWIG at compile time.
 */
public enum Role {
    OWNER(ssogate_role.SSOGATE_ROLE_OWNER),
    ADMIN(ssogate_role.SSOGATE_ROLE_ADMIN),
    MEMBER(ssogate_role.SSOGATE_ROLE_MEMBER);

    private final int number;

    Role(int number) {
        this.number = number;
    }

    /** The number the C ABI uses. */
    public int number() {
        return number;
    }

    /** The value with this number; the last constant (MEMBER) for a number this binding does not know. */
    static Role fromNumber(int number) {
        for (Role v : values()) {
            if (v.number == number) {
                return v;
            }
        }
        return MEMBER;
    }
}
