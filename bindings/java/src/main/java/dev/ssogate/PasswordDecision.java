package dev.ssogate;

/**
 * May this member log in with a password? The host still checks the password itself.
 *
 * @param connectionId for a refusal that points at SSO: the connection to send the user to; "" otherwise
 */
public record PasswordDecision(boolean allowed, Reason reason, String connectionId) {
    /** The library's sentence for the reason. */
    public String reasonText() {
        return Ssogate.reasonText(reason);
    }
}
