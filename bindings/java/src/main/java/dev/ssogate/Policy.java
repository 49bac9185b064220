package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_invite_decision;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_password_decision;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_policy_members;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_sso_decision;
import dev.ssogate.internal.capi.SsogateCapi;
import dev.ssogate.internal.capi.ssogate_policy_account;
import dev.ssogate.internal.capi.ssogate_policy_connection;
import dev.ssogate.internal.capi.ssogate_policy_facts;

import java.util.List;

/**
 * The membership policy as pure functions of facts the host gathers from its own database: no store,
 * no clock, no audit row. The gate calls the same core functions, so the answers are the same. A
 * refusal is a decision (with a {@link Reason}), not an exception.
 */
public final class Policy {
    private Policy() {}

    /** The account's settings the decisions read. */
    public record Account(SsoMode ssoMode, List<String> verifiedDomains, List<String> breakGlass) {
        public Account {
            verifiedDomains = List.copyOf(verifiedDomains);
            breakGlass = List.copyOf(breakGlass);
        }
    }

    /** The connection's settings; allowedDomains empty: any domain. */
    public record ConnectionFacts(String id, boolean enabled, boolean jitProvisioning, boolean allowIdpInitiated,
                                  List<String> allowedDomains) {
        public ConnectionFacts {
            allowedDomains = List.copyOf(allowedDomains);
        }
    }

    /** What the host's directory knows about one (account, email). */
    public record Facts(boolean isMember, MemberStatus status, Role role, JoinedVia joinedVia, boolean hasPassword,
                        boolean ssoLinked, boolean hasPendingInvite) {
        /** Not a member, no invite. */
        public static Facts notAMember() {
            return new Facts(false, MemberStatus.ACTIVE, Role.MEMBER, JoinedVia.PASSWORD, false, false, false);
        }

        /** Not a member, with an unexpired invite. */
        public static Facts invited() {
            return new Facts(false, MemberStatus.ACTIVE, Role.MEMBER, JoinedVia.PASSWORD, false, false, true);
        }

        /** An active member. */
        public static Facts member(Role role, JoinedVia joinedVia, boolean hasPassword, boolean ssoLinked) {
            return new Facts(true, MemberStatus.ACTIVE, role, joinedVia, hasPassword, ssoLinked, false);
        }

        public Facts withStatus(MemberStatus s) {
            return new Facts(isMember, s, role, joinedVia, hasPassword, ssoLinked, hasPendingInvite);
        }
    }

    /** What a verified SSO login becomes; linkIdentity: record that the member is now linked to SSO. */
    public record SsoDecision(SsoOutcome outcome, Reason reason, boolean linkIdentity, String detail) {}

    /** May an invite be accepted this way? */
    public record InviteDecision(boolean allowed, Reason reason, String detail) {}

    /** One member for {@link #previewEnforcement}. */
    public record EnforcementMember(String email, Role role, MemberStatus status, boolean ssoLinked) {}

    private static ssogate_policy_account account(Account a) {
        ssogate_policy_account o = new ssogate_policy_account();
        o.setSso_mode(a.ssoMode().number());
        return o;
    }

    private static ssogate_policy_facts facts(Facts f) {
        ssogate_policy_facts o = new ssogate_policy_facts();
        o.setIs_member(Native.bool(f.isMember()));
        o.setMember_status(f.status().number());
        o.setRole(f.role().number());
        o.setJoined_via(f.joinedVia().number());
        o.setHas_password(Native.bool(f.hasPassword()));
        o.setSso_linked(Native.bool(f.ssoLinked()));
        o.setHas_pending_invite(Native.bool(f.hasPendingInvite()));
        return o;
    }

    /** What a verified SSO login of email becomes; unsolicited: an IdP-initiated response. */
    public static SsoDecision decideSsoLogin(Account account, ConnectionFacts connection, Facts facts, String email,
                                             boolean unsolicited) {
        byte[] verified = Native.joined("decideSsoLogin: verified domain", account.verifiedDomains());
        byte[] allowed = Native.joined("decideSsoLogin: allowed domain", connection.allowedDomains());
        try (Native.Err e = new Native.Err()) {
            ssogate_policy_account a = account(account);
            ssogate_policy_connection c = new ssogate_policy_connection();
            ssogate_policy_facts f = facts(facts);
            try {
                c.setEnabled(Native.bool(connection.enabled()));
                c.setJit_provisioning(Native.bool(connection.jitProvisioning()));
                c.setAllow_idp_initiated(Native.bool(connection.allowIdpInitiated()));
                SWIGTYPE_p_ssogate_sso_decision d = e.made(SsogateCapi.ssogate_policy_decide_sso_login(a, verified, c,
                        Native.utf8(connection.id()), allowed, f, Native.utf8(email), Native.bool(unsolicited), e.h),
                        "ssogate_policy_decide_sso_login");
                try {
                    return new SsoDecision(SsoOutcome.fromNumber(SsogateCapi.ssogate_sso_decision_outcome(d)),
                            Gate.reason(SsogateCapi.ssogate_sso_decision_reason(d)),
                            SsogateCapi.ssogate_sso_decision_link_identity(d) != 0,
                            Native.orEmpty(SsogateCapi.ssogate_sso_decision_detail(d)));
                } finally {
                    SsogateCapi.ssogate_sso_decision_free(d);
                }
            } finally {
                a.delete();
                c.delete();
                f.delete();
            }
        }
    }

    /**
     * May this member log in with a password? ssoConnectionId: the account's enabled connection, named
     * by refusals that point at SSO (null for none).
     */
    public static PasswordDecision decidePasswordLogin(Account account, Facts facts, String email, String ssoConnectionId) {
        byte[] glass = Native.joined("decidePasswordLogin: break-glass email", account.breakGlass());
        try (Native.Err e = new Native.Err()) {
            ssogate_policy_account a = account(account);
            ssogate_policy_facts f = facts(facts);
            try {
                return takePassword(SsogateCapi.ssogate_policy_decide_password_login(a, glass, f, Native.utf8(email),
                        Native.utf8(ssoConnectionId), e.h), e, "ssogate_policy_decide_password_login");
            } finally {
                a.delete();
                f.delete();
            }
        }
    }

    static PasswordDecision takePassword(SWIGTYPE_p_ssogate_password_decision d, Native.Err e, String call) {
        e.made(d, call);
        try {
            return new PasswordDecision(SsogateCapi.ssogate_password_decision_allowed(d) != 0,
                    Gate.reason(SsogateCapi.ssogate_password_decision_reason(d)),
                    Native.orEmpty(SsogateCapi.ssogate_password_decision_connection_id(d)));
        } finally {
            SsogateCapi.ssogate_password_decision_free(d);
        }
    }

    /** May an invite to invitedEmail be accepted this way? ssoEmail: the verified one (ignored for passwords). */
    public static InviteDecision decideInviteAcceptance(Account account, String invitedEmail, InviteMethod method,
                                                        String ssoEmail) {
        try (Native.Err e = new Native.Err()) {
            ssogate_policy_account a = account(account);
            try {
                SWIGTYPE_p_ssogate_invite_decision d = e.made(SsogateCapi.ssogate_policy_decide_invite_acceptance(a,
                        Native.utf8(invitedEmail), method.number(), Native.utf8(ssoEmail), e.h),
                        "ssogate_policy_decide_invite_acceptance");
                try {
                    return new InviteDecision(SsogateCapi.ssogate_invite_decision_allowed(d) != 0,
                            Gate.reason(SsogateCapi.ssogate_invite_decision_reason(d)),
                            Native.orEmpty(SsogateCapi.ssogate_invite_decision_detail(d)));
                } finally {
                    SsogateCapi.ssogate_invite_decision_free(d);
                }
            } finally {
                a.delete();
            }
        }
    }

    /** What switching the account to ENFORCED would do, over the host's own member list. */
    public static Enforcement previewEnforcement(Account account, List<EnforcementMember> members,
                                                 boolean hasEnabledConnection, boolean force) {
        byte[] glass = Native.joined("previewEnforcement: break-glass email", account.breakGlass());
        try (Native.Err e = new Native.Err()) {
            ssogate_policy_account a = account(account);
            SWIGTYPE_p_ssogate_policy_members list = SsogateCapi.ssogate_policy_members_new();
            if (list == null) {
                throw new OutOfMemoryError("ssogate_policy_members_new returned NULL");
            }
            try {
                for (EnforcementMember m : members) {
                    e.check(SsogateCapi.ssogate_policy_members_add(list, Native.utf8(m.email()), m.role().number(),
                            m.status().number(), Native.bool(m.ssoLinked()), e.h), "ssogate_policy_members_add");
                }
                return Gate.readEnforcement(SsogateCapi.ssogate_policy_preview_enforcement(a, glass, list,
                        Native.bool(hasEnabledConnection), Native.bool(force), e.h), e, "ssogate_policy_preview_enforcement");
            } finally {
                SsogateCapi.ssogate_policy_members_free(list);
                a.delete();
            }
        }
    }
}
