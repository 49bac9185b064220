package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_audit;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_enforcement;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_error;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_gate;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_gate_outcome;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_invite;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_member;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_member_list;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_password_decision;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_verified_login;
import dev.ssogate.internal.capi.SsogateCapi;
import dev.ssogate.internal.capi.ssogate_gate_options;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The whole SSO flow over the library's stores: accounts, connections, members, invites and the audit
 * log (the directory), the replay cache and the pending requests. Thread-safe: share one per process.
 */
public final class Gate implements AutoCloseable {
    /** Optional settings of {@link #open(String, String, Options)}. */
    public static final class Options {
        private Instant now;
        private long joinTokenTtlSeconds;
        private long maxResponseBytes;
        private boolean migrateOnOpen;

        /** A frozen clock for every call (tests and demos); null: the system clock. */
        public Options now(Instant now) {
            this.now = now;
            return this;
        }

        /** How long a PROMPT_JOIN's join token waits for {@link Gate#confirmJoin}; 0: 900 s. */
        public Options joinTokenTtlSeconds(long seconds) {
            joinTokenTtlSeconds = seconds;
            return this;
        }

        /** Decoded Responses larger than this are refused; 0: 1 MiB. */
        public Options maxResponseBytes(long n) {
            maxResponseBytes = n;
            return this;
        }

        /**
         * Upgrade an older database schema (SQLite or PostgreSQL) while opening. Off (the default): an older
         * schema is refused with STORE_SCHEMA_OLDER and {@link Gate#migrateDatabase} upgrades it.
         */
        public Options migrateOnOpen(boolean on) {
            migrateOnOpen = on;
            return this;
        }
    }

    /** What {@link #migrateDatabase} did: the schema version found (0: an empty database) and the version now. */
    public record Migration(int from, int to) {
    }

    /**
     * Brings the database at location ("sqlite:PATH" or "postgresql://...") to the schema this library
     * writes, in one transaction (PostgreSQL: under a lock, so nodes migrating at once migrate once). Back it
     * up first. STORE_SCHEMA_NEWER when a newer ssogate wrote it; STORE_LOCATION for a location without a schema.
     */
    public static Migration migrateDatabase(String location) {
        try (Native.Err e = new Native.Err()) {
            int[] from = new int[1];
            int[] to = new int[1];
            e.check(SsogateCapi.ssogate_db_migrate(Native.utf8(location), from, to, e.h), "ssogate_db_migrate");
            return new Migration(from[0], to[0]);
        }
    }

    private final Native.Ref<SWIGTYPE_p_ssogate_gate> ref;

    private Gate(SWIGTYPE_p_ssogate_gate h) {
        ref = new Native.Ref<>("the gate", h, SsogateCapi::ssogate_gate_free).cleanedWith(this);
    }

    /**
     * Opens a gate whose stores all live at location: "sqlite:PATH", "postgresql://USER:PASSWORD@HOST:PORT/DB"
     * (many nodes over one database) or "memory:" (tests).
     */
    public static Gate open(String location) {
        return open(location, null, null);
    }

    /**
     * Opens a gate: the directory at location ("sqlite:PATH", "postgresql://...", "memory:"), the replay cache
     * and pending requests at sharedLocation (null: the same store; "redis://[USER:PASSWORD@]HOST:PORT[/DB]" to
     * share them between nodes). STORE_LOCATION for a malformed location; a Redis that is down fails logins, not this call
     * ({@link #checkStores()} finds out at start).
     */
    public static Gate open(String location, String sharedLocation, Options options) {
        Options opts = options == null ? new Options() : options;
        try (Native.Err e = new Native.Err()) {
            ssogate_gate_options o = new ssogate_gate_options();
            try {
                o.setNow(Native.unixOrZero(opts.now));
                o.setJoin_token_ttl_seconds(opts.joinTokenTtlSeconds);
                o.setMax_response_bytes(opts.maxResponseBytes);
                o.setMigrate_on_open(opts.migrateOnOpen ? 1 : 0);
                return new Gate(e.made(SsogateCapi.ssogate_gate_open(Native.utf8(location), Native.utf8(sharedLocation),
                        o, e.h), "ssogate_gate_open"));
            } finally {
                o.delete();
            }
        }
    }

    private <R> R call(BiFunction<SWIGTYPE_p_ssogate_gate, Native.Err, R> f) {
        try (Native.Err e = new Native.Err()) {
            return ref.use(h -> f.apply(h, e));
        }
    }

    private void admin(String name, BiFunction<SWIGTYPE_p_ssogate_gate, SWIGTYPE_p_ssogate_error, Integer> f) {
        call((h, e) -> {
            e.check(f.apply(h, e.h), name);
            return null;
        });
    }

    /** Creates an account with its verified email domains; STORE_CONFLICT when it exists. */
    public void createAccount(String accountId, String name, List<String> verifiedDomains) {
        byte[] domains = Native.joined("createAccount: verified domain", verifiedDomains);
        admin("ssogate_gate_create_account", (h, e) -> SsogateCapi.ssogate_gate_create_account(h, Native.utf8(accountId),
                Native.utf8(name), domains, e));
    }

    /** Saves a connection for the account (insert or replace). */
    public void addConnection(String accountId, Connection conn, boolean enabled) {
        admin("ssogate_gate_add_connection", (h, e) -> conn.ref.use(ch -> SsogateCapi.ssogate_gate_add_connection(h,
                Native.utf8(accountId), ch, Native.bool(enabled), e)));
    }

    /** Saves an enabled connection for the account. */
    public void addConnection(String accountId, Connection conn) {
        addConnection(accountId, conn, true);
    }

    /** Enables or disables a saved connection; NOT_FOUND when unknown. */
    public void setConnectionEnabled(String connectionId, boolean enabled) {
        admin("ssogate_gate_set_connection_enabled", (h, e) -> SsogateCapi.ssogate_gate_set_connection_enabled(h,
                Native.utf8(connectionId), Native.bool(enabled), e));
    }

    /** Adds a member; hasPassword: the member had a password before SSO. STORE_CONFLICT when a member already. */
    public void addMember(String accountId, String email, Role role, boolean hasPassword) {
        admin("ssogate_gate_add_member", (h, e) -> SsogateCapi.ssogate_gate_add_member(h, Native.utf8(accountId),
                Native.utf8(email), role.number(), Native.bool(hasPassword), e));
    }

    /**
     * Removes a member, audited (MEMBER_REMOVED). NOT_FOUND for a non-member; POLICY_DENIED when the account is
     * SSO-enforced and the removal would leave no active owner or admin who has signed in through SSO (the
     * lockout guard, decided against concurrent changes on every node).
     */
    public void removeMember(String accountId, String email) {
        admin("ssogate_gate_remove_member", (h, e) -> SsogateCapi.ssogate_gate_remove_member(h, Native.utf8(accountId),
                Native.utf8(email), e));
    }

    /** Names an owner or admin who keeps password login when SSO is enforced. */
    public void addBreakGlass(String accountId, String email) {
        admin("ssogate_gate_add_break_glass", (h, e) -> SsogateCapi.ssogate_gate_add_break_glass(h,
                Native.utf8(accountId), Native.utf8(email), e));
    }

    /** Gives the gate an SP encryption key for encrypted assertions (the gate keeps its own reference). */
    public void addDecryptionKey(SpKey key) {
        admin("ssogate_gate_add_decryption_key", (h, e) -> key.ref.use(kh ->
                SsogateCapi.ssogate_gate_add_decryption_key(h, kh, e)));
    }

    /** Invites email with role, valid ttlSeconds; the next SSO login of that email joins the account. */
    public Invite invite(String accountId, String email, Role role, long ttlSeconds) {
        return call((h, e) -> {
            SWIGTYPE_p_ssogate_invite i = e.made(SsogateCapi.ssogate_gate_invite(h, Native.utf8(accountId),
                    Native.utf8(email), role.number(), ttlSeconds, e.h), "ssogate_gate_invite");
            try {
                return new Invite(SsogateCapi.ssogate_invite_token(i), SsogateCapi.ssogate_invite_email(i),
                        Instant.ofEpochSecond(SsogateCapi.ssogate_invite_expires_at(i)));
            } finally {
                SsogateCapi.ssogate_invite_free(i);
            }
        });
    }

    /** What switching the account to ENFORCED would do; changes nothing. */
    public Enforcement previewEnforcement(String accountId) {
        return call((h, e) -> readEnforcement(SsogateCapi.ssogate_gate_preview_enforcement(h, Native.utf8(accountId), e.h),
                e, "ssogate_gate_preview_enforcement"));
    }

    /**
     * Applies an SSO mode. ENFORCED applies only when the preview allows it (the lockout guard refuses
     * unless force); a refusal is a decision ({@link Enforcement#applied()} false), not an exception.
     */
    public Enforcement applySsoMode(String accountId, SsoMode mode, boolean force) {
        return call((h, e) -> readEnforcement(SsogateCapi.ssogate_gate_apply_sso_mode(h, Native.utf8(accountId),
                mode.number(), Native.bool(force), e.h), e, "ssogate_gate_apply_sso_mode"));
    }

    static Enforcement readEnforcement(SWIGTYPE_p_ssogate_enforcement x, Native.Err e, String call) {
        e.made(x, call);
        try {
            List<String> losing = new ArrayList<>();
            for (long i = 0, n = SsogateCapi.ssogate_enforcement_losing_access_count(x); i < n; i++) {
                losing.add(SsogateCapi.ssogate_enforcement_losing_access(x, i));
            }
            List<String> glass = new ArrayList<>();
            for (long i = 0, n = SsogateCapi.ssogate_enforcement_break_glass_count(x); i < n; i++) {
                glass.add(SsogateCapi.ssogate_enforcement_break_glass(x, i));
            }
            return new Enforcement(SsogateCapi.ssogate_enforcement_allowed(x) != 0,
                    SsogateCapi.ssogate_enforcement_applied(x) != 0,
                    SsoMode.fromNumber(SsogateCapi.ssogate_enforcement_mode(x)),
                    reason(SsogateCapi.ssogate_enforcement_reason(x)),
                    Native.orEmpty(SsogateCapi.ssogate_enforcement_detail(x)), losing, glass);
        } finally {
            SsogateCapi.ssogate_enforcement_free(x);
        }
    }

    static Reason reason(int number) {
        Reason r = Reason.fromNumber(number);
        return r == null ? Reason.NONE : r;
    }

    /** Begins an SP-initiated login on a saved connection; NOT_FOUND for an unknown connection id. */
    public SpLoginRequest beginLogin(String connectionId, LoginOptions options) {
        LoginOptions opts = options == null ? new LoginOptions() : options;
        return opts.run((key, o, e) -> ref.use(h -> SpLoginRequest.take(SsogateCapi.ssogate_gate_begin_sp_login(h,
                Native.utf8(connectionId), Native.utf8(opts.returnTo), key, o, e.h), e, "ssogate_gate_begin_sp_login")));
    }

    /**
     * The ACS: verifies the SAMLResponse (with the pending request its RelayState names, when there is
     * one), applies the account's policy, makes the directory change it calls for and writes an audit
     * row. Every login attempt gets an outcome, refused ones included; a store that cannot answer is
     * DENIED with STORE_UNAVAILABLE, never an accepted login. relayState may be null.
     */
    public GateOutcome consume(String connectionId, String samlResponse, String relayState) {
        return call((h, e) -> {
            SWIGTYPE_p_ssogate_gate_outcome o = e.made(SsogateCapi.ssogate_gate_consume(h, Native.utf8(connectionId),
                    Native.utf8(samlResponse), Native.utf8(relayState), e.h), "ssogate_gate_consume");
            try {
                SWIGTYPE_p_ssogate_verified_login l = SsogateCapi.ssogate_gate_outcome_verified_login(o);
                int err = SsogateCapi.ssogate_gate_outcome_error_code(o);
                Code code = Code.fromNumber(err);
                return new GateOutcome(GateOutcomeKind.fromNumber(SsogateCapi.ssogate_gate_outcome_kind(o)),
                        reason(SsogateCapi.ssogate_gate_outcome_reason(o)),
                        Native.orEmpty(SsogateCapi.ssogate_gate_outcome_reason_name(o)),
                        Native.orEmpty(SsogateCapi.ssogate_gate_outcome_reason_text(o)),
                        Native.orEmpty(SsogateCapi.ssogate_gate_outcome_user_message(o)),
                        code == null ? Code.INTERNAL : code,
                        SsogateCapi.ssogate_gate_outcome_signature_verified(o) != 0,
                        Native.orEmpty(SsogateCapi.ssogate_gate_outcome_email(o)),
                        Native.orEmpty(SsogateCapi.ssogate_gate_outcome_account_id(o)),
                        Native.orEmpty(SsogateCapi.ssogate_gate_outcome_connection_id(o)),
                        Native.orEmpty(SsogateCapi.ssogate_gate_outcome_join_token(o)),
                        Native.orEmpty(SsogateCapi.ssogate_gate_outcome_return_to(o)),
                        l == null ? null : VerifiedLogin.read(l));
            } finally {
                SsogateCapi.ssogate_gate_outcome_free(o);
            }
        });
    }

    /** As {@link #consume(String, String, String)} without a RelayState. */
    public GateOutcome consume(String connectionId, String samlResponse) {
        return consume(connectionId, samlResponse, null);
    }

    /**
     * The user confirmed joining after PROMPT_JOIN: decides again, creates the member and uses the token
     * up. NOT_FOUND for an unknown, used or expired token; STORE_CONFLICT when the email became a member
     * meanwhile; POLICY_DENIED (the token stays unused) when the policy no longer prompts to join.
     */
    public Member confirmJoin(String joinToken) {
        return call((h, e) -> takeMember(SsogateCapi.ssogate_gate_confirm_join_member(h, Native.utf8(joinToken), e.h), e,
                "ssogate_gate_confirm_join_member"));
    }

    /** The member (any case of email), or empty when the account has no such member. */
    public Optional<Member> findMember(String accountId, String email) {
        try {
            return Optional.of(call((h, e) -> takeMember(SsogateCapi.ssogate_gate_find_member(h, Native.utf8(accountId),
                    Native.utf8(email), e.h), e, "ssogate_gate_find_member")));
        } catch (SsogateException ex) {
            if (ex.code() == Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw ex;
        }
    }

    /** The account's members, ordered by email; NOT_FOUND for an unknown account. */
    public List<Member> listMembers(String accountId) {
        return call((h, e) -> {
            SWIGTYPE_p_ssogate_member_list l = e.made(SsogateCapi.ssogate_gate_list_members(h, Native.utf8(accountId), e.h),
                    "ssogate_gate_list_members");
            try {
                List<Member> out = new ArrayList<>();
                for (long i = 0, n = SsogateCapi.ssogate_member_list_count(l); i < n; i++) {
                    out.add(readMember(SsogateCapi.ssogate_member_list_get(l, i)));
                }
                return List.copyOf(out);
            } finally {
                SsogateCapi.ssogate_member_list_free(l);
            }
        });
    }

    private static Member takeMember(SWIGTYPE_p_ssogate_member m, Native.Err e, String call) {
        e.made(m, call);
        try {
            return readMember(m);
        } finally {
            SsogateCapi.ssogate_member_free(m);
        }
    }

    private static Member readMember(SWIGTYPE_p_ssogate_member m) {
        return new Member(SsogateCapi.ssogate_member_account_id(m), SsogateCapi.ssogate_member_email(m),
                Role.fromNumber(SsogateCapi.ssogate_member_role(m)), MemberStatus.fromNumber(SsogateCapi.ssogate_member_status(m)),
                SsogateCapi.ssogate_member_has_password(m) != 0, JoinedVia.fromNumber(SsogateCapi.ssogate_member_joined_via(m)),
                SsogateCapi.ssogate_member_sso_linked(m) != 0,
                Native.instantOrNull(SsogateCapi.ssogate_member_last_sso_login(m)),
                Instant.ofEpochSecond(SsogateCapi.ssogate_member_created_at(m)));
    }

    /** May this member log in with a password? The host still checks the password itself. */
    public PasswordDecision decidePasswordLogin(String accountId, String email) {
        return call((h, e) -> Policy.takePassword(SsogateCapi.ssogate_gate_decide_password_login(h,
                Native.utf8(accountId), Native.utf8(email), e.h), e, "ssogate_gate_decide_password_login"));
    }

    /** Audit rows with seq &gt; afterSeq, oldest first, at most limit (0: 1000); accountId null: every account. */
    public List<AuditRow> readAudit(String accountId, long afterSeq, long limit) {
        return call((h, e) -> {
            SWIGTYPE_p_ssogate_audit a = e.made(SsogateCapi.ssogate_gate_read_audit(h, Native.utf8(accountId), afterSeq,
                    limit, e.h), "ssogate_gate_read_audit");
            try {
                List<AuditRow> rows = new ArrayList<>();
                for (long i = 0, n = SsogateCapi.ssogate_audit_count(a); i < n; i++) {
                    rows.add(new AuditRow(SsogateCapi.ssogate_audit_seq(a, i),
                            Instant.ofEpochSecond(SsogateCapi.ssogate_audit_time(a, i)),
                            Native.orEmpty(SsogateCapi.ssogate_audit_account_id(a, i)),
                            Native.orEmpty(SsogateCapi.ssogate_audit_connection_id(a, i)),
                            Native.orEmpty(SsogateCapi.ssogate_audit_email(a, i)),
                            Native.orEmpty(SsogateCapi.ssogate_audit_outcome(a, i)),
                            Native.orEmpty(SsogateCapi.ssogate_audit_reason(a, i)),
                            Native.orEmpty(SsogateCapi.ssogate_audit_detail(a, i))));
                }
                return List.copyOf(rows);
            } finally {
                SsogateCapi.ssogate_audit_free(a);
            }
        });
    }

    /** Every audit row of the account (up to 1000), oldest first. */
    public List<AuditRow> readAudit(String accountId) {
        return readAudit(accountId, 0, 0);
    }

    /**
     * One round trip to each store, writing nothing: STORE_UNAVAILABLE, naming the store, when one does
     * not answer. Call it after opening to fail at start rather than at the first login.
     */
    public void checkStores() {
        admin("ssogate_gate_check_stores", SsogateCapi::ssogate_gate_check_stores);
    }

    /** Closes the gate and its stores; waits for calls in progress. */
    @Override
    public void close() {
        ref.close();
    }
}
