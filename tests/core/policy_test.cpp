// Every row of the precedence tables in core/src/policy/policy.hpp, plus the cases where two rules
// compete (the precedence itself is the rule being tested there).
#include "policy/policy.hpp"

#include "error.hpp"

#include <gtest/gtest.h>

using namespace ssogate::core;
using namespace ssogate::core::policy;

namespace {

AccountSettings account(SsoMode mode = SsoMode::mixed) {
    AccountSettings a;
    a.sso_mode = mode;
    a.verified_domains = {"example.com"};
    a.break_glass = {"Owner@Example.com"};
    return a;
}

ConnectionFacts connection() {
    ConnectionFacts c;
    c.id = "conn1";
    c.enabled = true;
    return c;
}

DirectoryFacts nobody() { return {}; }

DirectoryFacts member(bool linked = false, MemberStatus status = MemberStatus::active) {
    DirectoryFacts f;
    f.member.is_member = true;
    f.member.status = status;
    f.member.sso_linked = linked;
    return f;
}

SsoDecision sso(const AccountSettings &a, const ConnectionFacts &c, const DirectoryFacts &f,
                std::string_view email = "alice@example.com", bool unsolicited = false) {
    return decide_sso_login(a, c, f, SsoLoginInput{email, unsolicited});
}

void expect(const SsoDecision &d, SsoOutcome outcome, Reason reason) {
    EXPECT_EQ(d.outcome, outcome) << to_string(d.outcome) << " " << reason_name(d.reason) << " " << d.detail;
    EXPECT_EQ(d.reason, reason) << reason_name(d.reason) << " " << d.detail;
}

}  // namespace

TEST(policy_sso, ExistingLinkedMemberLogsIn) {
    const auto d = sso(account(), connection(), member(true));
    expect(d, SsoOutcome::login, Reason::member_login);
    EXPECT_FALSE(d.link_identity);
}

TEST(policy_sso, FirstSsoLoginLinksTheIdentity) {
    const auto d = sso(account(), connection(), member(false));
    expect(d, SsoOutcome::login, Reason::first_sso_login);
    EXPECT_TRUE(d.link_identity);
}

TEST(policy_sso, PendingInviteJoins) {
    DirectoryFacts f;
    f.has_pending_invite = true;
    const auto d = sso(account(), connection(), f);
    expect(d, SsoOutcome::join_by_invite, Reason::invite_pending);
    EXPECT_TRUE(d.link_identity);
}

TEST(policy_sso, NewcomerWithoutJitNeedsAnInvite) {
    expect(sso(account(), connection(), nobody()), SsoOutcome::deny, Reason::invite_required);
}

TEST(policy_sso, JitInVerifiedDomainPromptsToJoin) {
    auto c = connection();
    c.jit_provisioning = true;
    const auto d = sso(account(), c, nobody(), "Bob@EXAMPLE.com");
    expect(d, SsoOutcome::prompt_join, Reason::jit_domain_match);
    EXPECT_FALSE(d.link_identity);
}

TEST(policy_sso, JitOutsideVerifiedDomainsIsRefused) {
    auto c = connection();
    c.jit_provisioning = true;
    const auto d = sso(account(), c, nobody(), "mallory@other.org");
    expect(d, SsoOutcome::deny, Reason::domain_not_allowed);
    EXPECT_NE(d.detail.find("other.org"), std::string::npos) << d.detail;
}

TEST(policy_sso, JitWithConnectionDomainsOnly) {
    auto a = account();
    a.verified_domains.clear();
    auto c = connection();
    c.jit_provisioning = true;
    c.allowed_domains = {"corp.example"};
    expect(sso(a, c, nobody(), "x@corp.example"), SsoOutcome::prompt_join, Reason::jit_domain_match);
}

TEST(policy_sso, JitNeedsTheDomainInBothListsWhenBothAreSet) {
    auto a = account();  // verified: example.com
    auto c = connection();
    c.jit_provisioning = true;
    c.allowed_domains = {"example.com", "partner.io"};
    expect(sso(a, c, nobody(), "x@partner.io"), SsoOutcome::deny, Reason::domain_not_allowed);
    expect(sso(a, c, nobody(), "x@example.com"), SsoOutcome::prompt_join, Reason::jit_domain_match);
}

TEST(policy_sso, JitWithNoDomainListsRefusesEveryNewcomer) {
    auto a = account();
    a.verified_domains.clear();
    auto c = connection();
    c.jit_provisioning = true;
    expect(sso(a, c, nobody(), "x@anything.com"), SsoOutcome::deny, Reason::jit_no_domains);
}

TEST(policy_sso, ConnectionAllowedDomainsApplyToMembersToo) {
    auto c = connection();
    c.allowed_domains = {"corp.example"};
    expect(sso(account(), c, member(true), "alice@example.com"), SsoOutcome::deny, Reason::domain_not_allowed);
    expect(sso(account(), c, member(true), "alice@CORP.example"), SsoOutcome::login, Reason::member_login);
}

TEST(policy_sso, DisabledMemberIsRefused) {
    expect(sso(account(), connection(), member(true, MemberStatus::disabled)), SsoOutcome::deny,
           Reason::member_disabled);
}

TEST(policy_sso, DisabledMemberBeatsPendingInvite) {
    auto f = member(false, MemberStatus::disabled);
    f.has_pending_invite = true;
    expect(sso(account(), connection(), f), SsoOutcome::deny, Reason::member_disabled);
}

TEST(policy_sso, MembershipBeatsInvite) {
    auto f = member(true);
    f.has_pending_invite = true;
    expect(sso(account(), connection(), f), SsoOutcome::login, Reason::member_login);
}

TEST(policy_sso, InviteBeatsJit) {
    auto c = connection();
    c.jit_provisioning = true;
    DirectoryFacts f;
    f.has_pending_invite = true;
    expect(sso(account(), c, f), SsoOutcome::join_by_invite, Reason::invite_pending);
}

TEST(policy_sso, DisabledConnectionBeatsEverything) {
    auto c = connection();
    c.enabled = false;
    c.jit_provisioning = true;
    expect(sso(account(), c, member(true)), SsoOutcome::deny, Reason::connection_disabled);
    DirectoryFacts f;
    f.has_pending_invite = true;
    expect(sso(account(), c, f), SsoOutcome::deny, Reason::connection_disabled);
    expect(sso(account(), c, nobody(), "", true), SsoOutcome::deny, Reason::connection_disabled);
}

TEST(policy_sso, UnsolicitedNeedsAllowIdpInitiated) {
    auto c = connection();
    expect(sso(account(), c, member(true), "alice@example.com", true), SsoOutcome::deny,
           Reason::idp_initiated_not_allowed);
    c.allow_idp_initiated = true;
    expect(sso(account(), c, member(true), "alice@example.com", true), SsoOutcome::login, Reason::member_login);
}

TEST(policy_sso, EmailWithoutDomainIsRefused) {
    expect(sso(account(), connection(), member(true), "alice"), SsoOutcome::deny, Reason::email_invalid);
    expect(sso(account(), connection(), member(true), "alice@"), SsoOutcome::deny, Reason::email_invalid);
    expect(sso(account(), connection(), member(true), ""), SsoOutcome::deny, Reason::email_invalid);
    // The verifier's address rule, the same for a host that calls the policy with its own email.
    expect(sso(account(), connection(), member(true), "alice@127.0.0.1"), SsoOutcome::deny, Reason::email_invalid);
}

TEST(policy_sso, EnforcedModeDoesNotChangeSsoDecisions) {
    expect(sso(account(SsoMode::enforced), connection(), member(false)), SsoOutcome::login, Reason::first_sso_login);
}

namespace {

MemberFacts pw_member(JoinedVia via = JoinedVia::password, bool has_password = true, Role role = Role::member) {
    MemberFacts m;
    m.is_member = true;
    m.joined_via = via;
    m.has_password = has_password;
    m.role = role;
    return m;
}

}  // namespace

TEST(policy_password, MixedAllowsMembersWhoHadAPassword) {
    const auto d = decide_password_login(account(), pw_member(), "alice@example.com", "conn1");
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.reason, Reason::password_allowed);
}

TEST(policy_password, MixedRefusesMembersWhoJoinedThroughSso) {
    const auto d = decide_password_login(account(), pw_member(JoinedVia::sso), "alice@example.com", "conn1");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, Reason::sso_only_member);
    EXPECT_EQ(d.sso_connection_id, "conn1");
}

TEST(policy_password, EnforcedRequiresSsoAndNamesTheConnection) {
    const auto d = decide_password_login(account(SsoMode::enforced), pw_member(), "alice@example.com", "conn1");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, Reason::sso_required);
    EXPECT_EQ(d.sso_connection_id, "conn1");
}

TEST(policy_password, EnforcedKeepsBreakGlassOwnersAndAdmins) {
    for (Role role : {Role::owner, Role::admin}) {
        const auto d = decide_password_login(account(SsoMode::enforced), pw_member(JoinedVia::password, true, role),
                                             "owner@EXAMPLE.com", "conn1");
        EXPECT_TRUE(d.allowed) << to_string(role);
        EXPECT_EQ(d.reason, Reason::break_glass) << to_string(role);
    }
}

TEST(policy_password, BreakGlassIsReCheckedAgainstTheRoleOfThisMoment) {
    // Named while an owner, since demoted (or removed and added again as an ordinary member): the
    // name alone grants nothing.
    const auto d = decide_password_login(account(SsoMode::enforced), pw_member(JoinedVia::password, true, Role::member),
                                         "owner@example.com", "conn1");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, Reason::sso_required);
    EXPECT_EQ(d.sso_connection_id, "conn1");
    EXPECT_NE(d.detail.find("role is member"), std::string::npos) << d.detail;
}

TEST(policy_password, DisabledBreakGlassMemberIsStillRefused) {
    auto m = pw_member();
    m.status = MemberStatus::disabled;
    const auto d = decide_password_login(account(SsoMode::enforced), m, "owner@example.com", "conn1");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, Reason::member_disabled);
}

TEST(policy_password, NonMemberAndPasswordlessMember) {
    EXPECT_EQ(decide_password_login(account(), MemberFacts{}, "x@example.com", "").reason, Reason::not_a_member);
    const auto d = decide_password_login(account(), pw_member(JoinedVia::password, false), "a@example.com", "c");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, Reason::no_password);
}

TEST(policy_invite, EnforcedAcceptsInvitesOnlyThroughSsoAsTheInvitedEmail) {
    const auto a = account(SsoMode::enforced);
    auto d = decide_invite_acceptance(a, "new@example.com", InviteMethod::password, "");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, Reason::invite_requires_sso);
    d = decide_invite_acceptance(a, "new@example.com", InviteMethod::sso, "NEW@example.com");
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.reason, Reason::invite_accepted_via_sso);
    d = decide_invite_acceptance(a, "new@example.com", InviteMethod::sso, "other@example.com");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, Reason::invite_email_mismatch);
}

TEST(policy_invite, MixedAcceptsInvitesWithAPassword) {
    const auto d = decide_invite_acceptance(account(), "new@example.com", InviteMethod::password, "");
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.reason, Reason::invite_password_allowed);
}

namespace {

std::vector<MemberSummary> members(bool admin_linked) {
    return {
        {"owner@example.com", Role::owner, MemberStatus::active, false},  // break-glass
        {"admin@example.com", Role::admin, MemberStatus::active, admin_linked},
        {"dev@example.com", Role::member, MemberStatus::active, true},
        {"old@example.com", Role::member, MemberStatus::active, false},
        {"gone@example.com", Role::member, MemberStatus::disabled, false},
    };
}

}  // namespace

TEST(policy_enforcement, PreviewListsMembersWhoWouldLoseAccess) {
    const auto p = preview_enforcement(account(), members(true), true, false);
    EXPECT_TRUE(p.allowed);
    EXPECT_EQ(p.reason, Reason::enforcement_safe);
    EXPECT_EQ(p.losing_access, std::vector<std::string>{"old@example.com"});
    EXPECT_EQ(p.break_glass_kept, std::vector<std::string>{"owner@example.com"});
}

TEST(policy_enforcement, ABreakGlassNameOnAnOrdinaryMemberKeepsNothing) {
    auto m = members(true);
    m[0].role = Role::member;  // owner@example.com, named break-glass, demoted since
    const auto p = preview_enforcement(account(), m, true, false);
    EXPECT_TRUE(p.break_glass_kept.empty());
    EXPECT_EQ(p.losing_access, (std::vector<std::string>{"owner@example.com", "old@example.com"}));
}

TEST(policy_enforcement, LockoutGuardRefusesWithoutAnSsoAdmin) {
    const auto p = preview_enforcement(account(), members(false), true, false);
    EXPECT_FALSE(p.allowed);
    EXPECT_EQ(p.reason, Reason::lockout_guard);
    EXPECT_EQ(p.losing_access, (std::vector<std::string>{"admin@example.com", "old@example.com"}));
}

TEST(policy_enforcement, ForceOverridesTheLockoutGuard) {
    const auto p = preview_enforcement(account(), members(false), true, true);
    EXPECT_TRUE(p.allowed);
    EXPECT_EQ(p.reason, Reason::forced);
}

TEST(policy_enforcement, DisabledAdminDoesNotCountForTheGuard) {
    auto m = members(false);
    m.push_back({"ex-admin@example.com", Role::admin, MemberStatus::disabled, true});
    EXPECT_EQ(preview_enforcement(account(), m, true, false).reason, Reason::lockout_guard);
}

TEST(policy_enforcement, NoEnabledConnectionRefusesEvenWhenForced) {
    const auto p = preview_enforcement(account(), members(true), false, true);
    EXPECT_FALSE(p.allowed);
    EXPECT_EQ(p.reason, Reason::no_enabled_connection);
}

TEST(policy_reasons, EveryReasonHasANameAndAText) {
    for (int i = 0; i < 100; ++i) {
        const auto r = static_cast<Reason>(i);
        const std::string name = reason_name(r);
        if (name == "UNKNOWN") continue;
        EXPECT_NE(std::string(reason_text(r)), "Unknown reason.") << name;
    }
    EXPECT_STREQ(reason_name(Reason::member_disabled), "MEMBER_DISABLED");
    EXPECT_STREQ(reason_name(static_cast<Reason>(99)), "UNKNOWN");
}

TEST(policy_names, EnumNamesRoundTripAndUnknownNamesAreRefused) {
    EXPECT_EQ(parse_sso_mode(to_string(SsoMode::enforced)), SsoMode::enforced);
    EXPECT_EQ(parse_role(to_string(Role::admin)), Role::admin);
    EXPECT_EQ(parse_member_status(to_string(MemberStatus::disabled)), MemberStatus::disabled);
    EXPECT_EQ(parse_joined_via(to_string(JoinedVia::sso)), JoinedVia::sso);
    try {
        parse_role("superuser");
        FAIL() << "expected invalid_argument";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::invalid_argument);
    }
}
