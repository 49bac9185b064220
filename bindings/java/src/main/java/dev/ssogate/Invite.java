package dev.ssogate;

import java.time.Instant;

/**
 * An invite: the token goes into the link the host mails; the next SSO login of the email joins.
 *
 * @param email the invited email, lower-cased
 */
public record Invite(String token, String email, Instant expiresAt) {
    /** The token is a credential: it is left out. */
    @Override
    public String toString() {
        return "Invite[" + email + ", expires " + expiresAt + ", token hidden]";
    }
}
