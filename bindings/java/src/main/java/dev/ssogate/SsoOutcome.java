package dev.ssogate;

import dev.ssogate.internal.capi.ssogate_sso_outcome;

/**
 * What a verified SSO login becomes under the membership policy.
 * The numbers are the header's, read through SWIG at compile time.
 */
public enum SsoOutcome {
    LOGIN(ssogate_sso_outcome.SSOGATE_SSO_OUTCOME_LOGIN),
    JOIN_BY_INVITE(ssogate_sso_outcome.SSOGATE_SSO_OUTCOME_JOIN_BY_INVITE),
    PROMPT_JOIN(ssogate_sso_outcome.SSOGATE_SSO_OUTCOME_PROMPT_JOIN),
    DENY(ssogate_sso_outcome.SSOGATE_SSO_OUTCOME_DENY);

    private final int number;

    SsoOutcome(int number) {
        this.number = number;
    }

    /** The number the C ABI uses. */
    public int number() {
        return number;
    }

    /** The value with this number; the last constant (DENY) for a number this binding does not know. */
    static SsoOutcome fromNumber(int number) {
        for (SsoOutcome v : values()) {
            if (v.number == number) {
                return v;
            }
        }
        return DENY;
    }
}
