package dev.ssogate;

import java.util.Optional;

/**
 * What the gate made of one login attempt, refused ones included. Only {@link GateOutcomeKind#LOGIN}
 * and {@link GateOutcomeKind#JOINED_BY_INVITE} let the user in ({@link #accepted()}).
 *
 * @param reason      the policy reason; {@link Reason#NONE} when verification or a store refused
 * @param reasonName  the reason's name, or the refusing code's name ("REPLAYED")
 * @param reasonText  for the operator: the reason's sentence with specifics, or the refusal's message
 * @param userMessage safe to show the user of a refused login; "" for accepted ones
 * @param error       the code that refused the login (2xx, 3xx, 4xx); {@link Code#OK} when the policy decided
 * @param signatureVerified false when the refusal came before any signature verified; {@link #email()} is then ""
 * @param email       who: the verified email, or for a refusal after verification the identity the signed
 *                    assertion states
 * @param joinToken   PROMPT_JOIN: the one-time token for {@link Gate#confirmJoin}; "" otherwise
 * @param returnTo    SP-initiated logins: the return-to given when the login began; "" otherwise
 * @param login       the verified login for LOGIN and JOINED_BY_INVITE; null otherwise
 */
public record GateOutcome(GateOutcomeKind kind, Reason reason, String reasonName, String reasonText,
                          String userMessage, Code error, boolean signatureVerified, String email, String accountId,
                          String connectionId, String joinToken, String returnTo, VerifiedLogin login) {
    /** True for the outcomes that let the user in. */
    public boolean accepted() {
        return kind == GateOutcomeKind.LOGIN || kind == GateOutcomeKind.JOINED_BY_INVITE;
    }

    public Optional<VerifiedLogin> verifiedLogin() {
        return Optional.ofNullable(login);
    }

    /** The join token is a credential: it is left out. */
    @Override
    public String toString() {
        return "GateOutcome[" + kind + ", " + reasonName + ", email=" + email + ", account=" + accountId
                + ", connection=" + connectionId + (joinToken.isEmpty() ? "" : ", join token hidden") + "]";
    }
}
