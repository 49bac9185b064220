package dev.ssogate;

import dev.ssogate.internal.capi.ssogate_gate_outcome_kinds;

/**
 * What the gate made of a response: only LOGIN and JOINED_BY_INVITE let the user in.
 * The numbers are the header's, read through SWIG at compile time.
 */
public enum GateOutcomeKind {
    LOGIN(ssogate_gate_outcome_kinds.SSOGATE_GATE_OUTCOME_LOGIN),
    PROMPT_JOIN(ssogate_gate_outcome_kinds.SSOGATE_GATE_OUTCOME_PROMPT_JOIN),
    JOINED_BY_INVITE(ssogate_gate_outcome_kinds.SSOGATE_GATE_OUTCOME_JOINED_BY_INVITE),
    DENIED(ssogate_gate_outcome_kinds.SSOGATE_GATE_OUTCOME_DENIED);

    private final int number;

    GateOutcomeKind(int number) {
        this.number = number;
    }

    /** The number the C ABI uses. */
    public int number() {
        return number;
    }

    /** The value with this number; the last constant (DENIED) for a number this binding does not know. */
    static GateOutcomeKind fromNumber(int number) {
        for (GateOutcomeKind v : values()) {
            if (v.number == number) {
                return v;
            }
        }
        return DENIED;
    }
}
