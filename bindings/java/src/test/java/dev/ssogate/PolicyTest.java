package dev.ssogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure policy decisions, with the rows of docs/policy.md the other runtimes test. */
class PolicyTest {
    static final Policy.Account MIXED = new Policy.Account(SsoMode.MIXED, List.of("example.com"), List.of());
    static final Policy.ConnectionFacts OKTA = new Policy.ConnectionFacts("okta", true, true, false, List.of());

    @Test
    void ssoLoginDecisions() {
        Policy.SsoDecision d = Policy.decideSsoLogin(MIXED, OKTA,
                Policy.Facts.member(Role.MEMBER, JoinedVia.PASSWORD, true, false), "a@example.com", false);
        assertEquals(new Policy.SsoDecision(SsoOutcome.LOGIN, Reason.FIRST_SSO_LOGIN, true, ""), d);
        assertEquals(SsoOutcome.PROMPT_JOIN,
                Policy.decideSsoLogin(MIXED, OKTA, Policy.Facts.notAMember(), "n@example.com", false).outcome());
        assertEquals(SsoOutcome.JOIN_BY_INVITE,
                Policy.decideSsoLogin(MIXED, OKTA, Policy.Facts.invited(), "i@example.com", false).outcome());
        Policy.SsoDecision other = Policy.decideSsoLogin(MIXED, OKTA, Policy.Facts.notAMember(), "x@other.org", false);
        assertEquals(SsoOutcome.DENY, other.outcome());
        assertEquals(Reason.DOMAIN_NOT_ALLOWED, other.reason());
        assertEquals(Reason.IDP_INITIATED_NOT_ALLOWED, Policy.decideSsoLogin(MIXED, OKTA,
                Policy.Facts.member(Role.MEMBER, JoinedVia.SSO, false, true), "a@example.com", true).reason());
        assertEquals(Reason.MEMBER_DISABLED, Policy.decideSsoLogin(MIXED, OKTA,
                Policy.Facts.member(Role.MEMBER, JoinedVia.SSO, false, true).withStatus(MemberStatus.DISABLED),
                "a@example.com", false).reason());
        Policy.ConnectionFacts off = new Policy.ConnectionFacts("okta", false, true, false, List.of());
        assertEquals(Reason.CONNECTION_DISABLED,
                Policy.decideSsoLogin(MIXED, off, Policy.Facts.notAMember(), "n@example.com", false).reason());
    }

    @Test
    void passwordAndInviteDecisions() {
        Policy.Account enforced = new Policy.Account(SsoMode.ENFORCED, List.of("example.com"), List.of("boss@example.com"));
        PasswordDecision d = Policy.decidePasswordLogin(enforced,
                Policy.Facts.member(Role.MEMBER, JoinedVia.PASSWORD, true, false), "pat@example.com", "okta");
        assertFalse(d.allowed());
        assertEquals(Reason.SSO_REQUIRED, d.reason());
        assertEquals("okta", d.connectionId());
        assertEquals(Reason.BREAK_GLASS, Policy.decidePasswordLogin(enforced,
                Policy.Facts.member(Role.OWNER, JoinedVia.PASSWORD, true, false), "boss@example.com", "okta").reason());
        assertEquals(Reason.PASSWORD_ALLOWED, Policy.decidePasswordLogin(MIXED,
                Policy.Facts.member(Role.MEMBER, JoinedVia.PASSWORD, true, false), "pat@example.com", null).reason());
        assertEquals(Reason.NOT_A_MEMBER,
                Policy.decidePasswordLogin(MIXED, Policy.Facts.notAMember(), "x@example.com", null).reason());

        Policy.InviteDecision ok = Policy.decideInviteAcceptance(MIXED, "bob@example.com", InviteMethod.SSO, "Bob@example.com");
        assertTrue(ok.allowed());
        assertEquals(Reason.INVITE_ACCEPTED_VIA_SSO, ok.reason());
        assertEquals(Reason.INVITE_EMAIL_MISMATCH, Policy.decideInviteAcceptance(MIXED, "bob@example.com",
                InviteMethod.SSO, "eve@example.com").reason());
        assertEquals(Reason.INVITE_REQUIRES_SSO, Policy.decideInviteAcceptance(enforced, "bob@example.com",
                InviteMethod.PASSWORD, null).reason());
    }

    @Test
    void enforcementPreview() {
        Policy.Account account = new Policy.Account(SsoMode.MIXED, List.of(), List.of("owner@example.com"));
        List<Policy.EnforcementMember> members = List.of(
                new Policy.EnforcementMember("owner@example.com", Role.OWNER, MemberStatus.ACTIVE, false),
                new Policy.EnforcementMember("pat@example.com", Role.MEMBER, MemberStatus.ACTIVE, false));
        Enforcement guard = Policy.previewEnforcement(account, members, true, false);
        assertFalse(guard.allowed());
        assertEquals(Reason.LOCKOUT_GUARD, guard.reason());
        assertEquals(List.of("pat@example.com"), guard.losingAccess());
        assertEquals(List.of("owner@example.com"), guard.breakGlass());
        assertEquals(Reason.FORCED, Policy.previewEnforcement(account, members, true, true).reason());
        Enforcement none = Policy.previewEnforcement(account, members, false, true);
        assertFalse(none.allowed());
        assertEquals(Reason.NO_ENABLED_CONNECTION, none.reason());
    }
}
