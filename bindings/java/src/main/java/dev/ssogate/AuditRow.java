package dev.ssogate;

import java.time.Instant;

/** One row of the gate's audit log: every login attempt and admin change writes one. */
public record AuditRow(long seq, Instant time, String accountId, String connectionId, String email, String outcome,
                       String reason, String detail) {}
