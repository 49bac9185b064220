package dev.ssogate;

import java.time.Instant;

/**
 * A member of an account, as the gate's directory holds it. Immutable.
 *
 * @param lastSsoLogin null when the member never logged in through SSO
 */
public record Member(String accountId, String email, Role role, MemberStatus status, boolean hasPassword,
                     JoinedVia joinedVia, boolean ssoLinked, Instant lastSsoLogin, Instant createdAt) {}
