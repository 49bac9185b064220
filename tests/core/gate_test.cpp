// The Gate facade: every rule path of the SSO policy through a real verification, the directory
// change each outcome makes, an audit row for every outcome, password decisions, the enforcement
// switch, and a store that cannot answer.
#include "gate_support.hpp"

#include "error.hpp"
#include "store/directory.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace ssogate::core;
using namespace ssogate::core::gate;
using gate_test::ConnectionSetup;
using gate_test::make_conn;
using gate_test::response_for;
using ssogate::core::test::expect_code;

namespace {

class GateTest : public ::testing::Test {
protected:
    const std::int64_t now = util::now_seconds();
    std::shared_ptr<Gate> gate = Gate::open("memory:", {}, gate_test::frozen(now));

    // Account "acme" verifying example.com, with connection `s`.
    std::shared_ptr<const Connection> setup(const ConnectionSetup &s = {}) {
        gate->create_account("acme", "Acme", {"example.com"});
        auto conn = make_conn(s);
        gate->add_connection("acme", conn);
        return conn;
    }

    Outcome consume(const Connection &conn, const std::string &email) {
        return gate->consume(conn.id(), response_for(conn, now, email), {});
    }

    std::size_t audit_rows() { return gate->read_audit("", 0, 100000).size(); }
};

void expect_outcome(const Outcome &o, OutcomeKind kind, const char *reason) {
    EXPECT_EQ(to_string(o.kind), std::string(to_string(kind))) << o.reason << ": " << o.reason_text;
    EXPECT_EQ(o.reason, reason) << o.reason_text;
}

}  // namespace

TEST_F(GateTest, FirstSsoLoginLinksTheMemberThenLaterLoginsAreMemberLogins) {
    const auto conn = setup();
    gate->add_member("acme", "alice@example.com", policy::Role::admin, true);
    EXPECT_FALSE(gate->find_member("acme", "alice@example.com")->sso_linked);

    const auto first = consume(*conn, "alice@example.com");
    expect_outcome(first, OutcomeKind::login, "FIRST_SSO_LOGIN");
    EXPECT_TRUE(first.accepted());
    EXPECT_EQ(first.policy_reason, policy::Reason::first_sso_login);
    EXPECT_EQ(first.error, Code::ok);
    ASSERT_TRUE(first.login.has_value());
    EXPECT_EQ(first.login->email, "alice@example.com");
    EXPECT_EQ(first.account_id, "acme");
    EXPECT_EQ(first.connection_id, "okta");
    const auto member = gate->find_member("acme", "alice@example.com");
    EXPECT_TRUE(member->sso_linked);
    EXPECT_EQ(member->last_sso_login, now);

    const auto second = consume(*conn, "Alice@example.com");
    expect_outcome(second, OutcomeKind::login, "MEMBER_LOGIN");
    EXPECT_EQ(second.email, "alice@example.com");
}

TEST_F(GateTest, PendingInviteJoinsThroughSsoWithTheInvitedRole) {
    const auto conn = setup();
    const auto invite = gate->invite("acme", "bob@example.com", policy::Role::admin, 3600);
    EXPECT_EQ(invite.token.size(), 22u);
    EXPECT_EQ(invite.expires_at, now + 3600);

    const auto o = consume(*conn, "bob@example.com");
    expect_outcome(o, OutcomeKind::joined_by_invite, "INVITE_PENDING");
    EXPECT_TRUE(o.accepted());
    ASSERT_TRUE(o.login.has_value());
    const auto m = gate->find_member("acme", "bob@example.com");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->role, policy::Role::admin);
    EXPECT_EQ(m->joined_via, policy::JoinedVia::sso);
    EXPECT_TRUE(m->sso_linked);
    EXPECT_FALSE(gate->stores().directory->find_invite("acme", "bob@example.com", now).has_value());

    // The invite is consumed: the next login is a member's.
    expect_outcome(consume(*conn, "bob@example.com"), OutcomeKind::login, "MEMBER_LOGIN");
}

TEST_F(GateTest, AnExpiredInviteDoesNotCount) {
    const auto conn = setup();
    (void)gate->invite("acme", "bob@example.com", policy::Role::member, 60);
    const auto o = gate->consume(conn->id(), response_for(*conn, now + 120, "bob@example.com"), {}, now + 120);
    expect_outcome(o, OutcomeKind::denied, "INVITE_REQUIRED");
}

TEST_F(GateTest, JitPromptsToJoinAndTheTokenCreatesTheMemberOnce) {
    ConnectionSetup s;
    s.jit = true;
    const auto conn = setup(s);

    const auto o = consume(*conn, "carol@example.com");
    expect_outcome(o, OutcomeKind::prompt_join, "JIT_DOMAIN_MATCH");
    EXPECT_FALSE(o.accepted());
    EXPECT_FALSE(o.login.has_value());
    EXPECT_EQ(o.join_token.size(), 22u);
    EXPECT_FALSE(gate->find_member("acme", "carol@example.com").has_value()) << "nothing before confirmation";

    const auto m = gate->confirm_join(o.join_token);
    EXPECT_EQ(m.email, "carol@example.com");
    EXPECT_EQ(m.role, policy::Role::member);
    EXPECT_TRUE(m.sso_linked);
    EXPECT_TRUE(gate->find_member("acme", "carol@example.com").has_value());
    expect_code(Code::not_found, [&] { (void)gate->confirm_join(o.join_token); });

    const auto rows = gate->read_audit("acme");
    EXPECT_EQ(rows.back().outcome, "JOIN_CONFIRMED");
    EXPECT_EQ(rows.back().email, "carol@example.com");
    EXPECT_EQ(rows.back().connection_id, "okta");
    // Now a member: the next login goes straight in.
    expect_outcome(consume(*conn, "carol@example.com"), OutcomeKind::login, "MEMBER_LOGIN");
}

TEST_F(GateTest, AJoinTokenExpires) {
    ConnectionSetup s;
    s.jit = true;
    const auto conn = setup(s);
    const auto o = consume(*conn, "carol@example.com");
    ASSERT_EQ(o.kind, OutcomeKind::prompt_join);
    expect_code(Code::not_found, [&] { (void)gate->confirm_join(o.join_token, now + 3600); });
}

// PROMPT_JOIN is decided when the response arrives, but the member is created only when the user
// confirms, perhaps minutes later: confirm_join decides again with the settings of that moment.
TEST_F(GateTest, ConfirmJoinDecidesAgainWithTheSettingsOfTheMoment) {
    ConnectionSetup s;
    s.jit = true;
    const auto conn = setup(s);
    const auto o = consume(*conn, "carol@example.com");
    ASSERT_EQ(o.kind, OutcomeKind::prompt_join) << o.reason_text;

    // The admin disables the connection while Carol reads the prompt.
    gate->set_connection_enabled("okta", false);
    expect_code(Code::policy_denied, [&] { (void)gate->confirm_join(o.join_token); });
    EXPECT_FALSE(gate->find_member("acme", "carol@example.com").has_value());
    auto rows = gate->read_audit("acme");
    EXPECT_EQ(rows.back().outcome, "JOIN_REFUSED");
    EXPECT_EQ(rows.back().reason, "CONNECTION_DISABLED");
    EXPECT_EQ(rows.back().email, "carol@example.com");

    // ... then turns Just-in-Time provisioning off (the connection is saved again, enabled).
    ConnectionSetup no_jit;
    gate->add_connection("acme", make_conn(no_jit));
    expect_code(Code::policy_denied, [&] { (void)gate->confirm_join(o.join_token); });
    EXPECT_EQ(gate->read_audit("acme").back().reason, "INVITE_REQUIRED");

    // JiT back on: the refused attempts did not use the token up.
    gate->add_connection("acme", make_conn(s));
    EXPECT_EQ(gate->confirm_join(o.join_token).email, "carol@example.com");
    EXPECT_EQ(gate->read_audit("acme").back().outcome, "JOIN_CONFIRMED");
}

TEST_F(GateTest, ConfirmJoinDefersToAnInviteOrAMembershipMadeMeanwhile) {
    ConnectionSetup s;
    s.jit = true;
    const auto conn = setup(s);

    // An admin invites Dave as an admin while he is at the prompt: the token must not make him a
    // plain member; his next sign-in joins with the invited role.
    const auto dave = consume(*conn, "dave@example.com");
    ASSERT_EQ(dave.kind, OutcomeKind::prompt_join);
    (void)gate->invite("acme", "dave@example.com", policy::Role::admin, 3600);
    try {
        (void)gate->confirm_join(dave.join_token);
        ADD_FAILURE() << "confirm_join went through with an invite pending";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::policy_denied);
        EXPECT_NE(std::string(e.what()).find("INVITE_PENDING"), std::string::npos) << e.what();
    }
    expect_outcome(consume(*conn, "dave@example.com"), OutcomeKind::joined_by_invite, "INVITE_PENDING");
    EXPECT_EQ(gate->find_member("acme", "dave@example.com")->role, policy::Role::admin);

    // Erin was added by an admin meanwhile: already a member.
    const auto erin = consume(*conn, "erin@example.com");
    ASSERT_EQ(erin.kind, OutcomeKind::prompt_join);
    gate->add_member("acme", "erin@example.com", policy::Role::member, true);
    expect_code(Code::store_conflict, [&] { (void)gate->confirm_join(erin.join_token); });
}

TEST_F(GateTest, WithoutJitOrInviteANewcomerNeedsAnInvite) {
    const auto conn = setup();
    const auto o = consume(*conn, "dave@example.com");
    expect_outcome(o, OutcomeKind::denied, "INVITE_REQUIRED");
    EXPECT_EQ(o.error, Code::ok) << "a policy denial is a decision, not an error";
    EXPECT_EQ(o.email, "dave@example.com");
    EXPECT_FALSE(o.login.has_value());
    EXPECT_FALSE(o.user_message.empty());
}

TEST_F(GateTest, JitRefusesADomainTheAccountHasNotVerified) {
    ConnectionSetup s;
    s.jit = true;
    const auto conn = setup(s);
    expect_outcome(consume(*conn, "eve@other.example.org"), OutcomeKind::denied, "DOMAIN_NOT_ALLOWED");
}

TEST_F(GateTest, TheConnectionsAllowedDomainsAreEnforcedByVerification) {
    ConnectionSetup s;
    s.allowed_domains = {"example.com"};
    const auto conn = setup(s);
    gate->add_member("acme", "eve@other.example.org", policy::Role::member, false);
    const auto o = consume(*conn, "eve@other.example.org");
    expect_outcome(o, OutcomeKind::denied, "EMAIL_DOMAIN_NOT_ALLOWED");
    EXPECT_EQ(o.error, Code::email_domain_not_allowed);
    EXPECT_FALSE(o.policy_reason.has_value());
}

TEST_F(GateTest, ADisabledMemberIsDenied) {
    const auto conn = setup();
    gate->add_member("acme", "frank@example.com", policy::Role::member, true);
    auto m = *gate->find_member("acme", "frank@example.com");
    m.status = policy::MemberStatus::disabled;
    gate->stores().directory->put_member(m);
    expect_outcome(consume(*conn, "frank@example.com"), OutcomeKind::denied, "MEMBER_DISABLED");
}

TEST_F(GateTest, ADisabledConnectionDeniesEveryoneUntilEnabledAgain) {
    const auto conn = setup();
    gate->add_member("acme", "alice@example.com", policy::Role::member, false);
    gate->set_connection_enabled("okta", false);
    expect_outcome(consume(*conn, "alice@example.com"), OutcomeKind::denied, "CONNECTION_DISABLED");
    gate->set_connection_enabled("okta", true);
    expect_outcome(consume(*conn, "alice@example.com"), OutcomeKind::login, "FIRST_SSO_LOGIN");
}

TEST_F(GateTest, IdpInitiatedIsRefusedUntilTheConnectionAllowsIt) {
    ConnectionSetup s;
    s.allow_idp_initiated = false;
    const auto strict = setup(s);
    gate->add_member("acme", "alice@example.com", policy::Role::member, false);
    const auto refused = consume(*strict, "alice@example.com");
    expect_outcome(refused, OutcomeKind::denied, "UNSOLICITED_NOT_ALLOWED");
    EXPECT_EQ(refused.error, Code::unsolicited_not_allowed);
    EXPECT_NE(refused.reason_text.find("allow_idp_initiated"), std::string::npos) << refused.reason_text;

    // The admin ticks "log in from the IdP dashboard": the connection is saved again under its id.
    s.allow_idp_initiated = true;
    const auto relaxed = make_conn(s);
    gate->add_connection("acme", relaxed);
    EXPECT_TRUE(gate->connection("okta")->settings().allow_idp_initiated);
    expect_outcome(consume(*relaxed, "alice@example.com"), OutcomeKind::login, "FIRST_SSO_LOGIN");
}

TEST_F(GateTest, SavingAConnectionUnderItsIdWithOtherUrlsIsRefused) {
    const auto conn = setup();
    gate->add_member("acme", "alice@example.com", policy::Role::member, false);
    // The same id with another base URL: the ACS URL and SP entity ID the IdP was given would move.
    ConnectionParams p;
    p.base_url = "https://other.example.com";
    p.id = "okta";
    const auto moved = make_connection(gate_test::idp().metadata(), p);
    try {
        gate->add_connection("acme", moved);
        FAIL() << "saved a connection whose URLs moved";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::store_conflict);
        const std::string what = e.what();
        EXPECT_NE(what.find(conn->acs_url()), std::string::npos) << what;
        EXPECT_NE(what.find(moved->acs_url()), std::string::npos) << what;
    }
    // Only the SP entity ID moved: refused too.
    ConnectionParams audience;
    audience.id = "okta";
    audience.acs_url = conn->acs_url();
    audience.sp_entity_id = "https://app.example.com/another-sp";
    expect_code(Code::store_conflict,
                [&] { gate->add_connection("acme", make_connection(gate_test::idp().metadata(), audience)); });
    // Nothing was saved: the connection the IdP knows still logs in.
    EXPECT_EQ(gate->connection("okta")->acs_url(), conn->acs_url());
    expect_outcome(consume(*conn, "alice@example.com"), OutcomeKind::login, "FIRST_SSO_LOGIN");
}

TEST_F(GateTest, AReplayedResponseIsDeniedAndAudited) {
    const auto conn = setup();
    gate->add_member("acme", "alice@example.com", policy::Role::member, false);
    const std::string response = response_for(*conn, now, "alice@example.com");
    expect_outcome(gate->consume("okta", response, {}), OutcomeKind::login, "FIRST_SSO_LOGIN");
    const auto replay = gate->consume("okta", response, {});
    expect_outcome(replay, OutcomeKind::denied, "REPLAYED");
    EXPECT_EQ(replay.error, Code::replayed);
    EXPECT_FALSE(replay.user_message.empty());
    const auto rows = gate->read_audit("acme");
    EXPECT_EQ(rows.back().outcome, "DENIED");
    EXPECT_EQ(rows.back().reason, "REPLAYED");
}

TEST_F(GateTest, RefusalsAfterTheSignatureVerifiedRecordWhoTheyWereFor) {
    ConnectionSetup s;
    s.allow_idp_initiated = false;
    const auto conn = setup(s);
    // Verified, then refused: the outcome and the audit row name the signed identity.
    const auto unsolicited = consume(*conn, "Alice@Example.com");
    expect_outcome(unsolicited, OutcomeKind::denied, "UNSOLICITED_NOT_ALLOWED");
    EXPECT_TRUE(unsolicited.signature_verified);
    EXPECT_EQ(unsolicited.email, "alice@example.com");
    auto row = gate->read_audit("acme").back();
    EXPECT_EQ(row.email, "alice@example.com");
    EXPECT_NE(row.detail.find("refused after the signature verified"), std::string::npos) << row.detail;

    // An answer to a request that is not pending: refused by finish_login after verification.
    const std::string response = response_for(*conn, now, "bob@example.com", "_not-pending");
    const auto not_pending = gate->consume("okta", response, {});
    expect_outcome(not_pending, OutcomeKind::denied, "REQUEST_UNKNOWN");
    EXPECT_TRUE(not_pending.signature_verified);
    EXPECT_EQ(not_pending.email, "bob@example.com");

    // Signed by another key: refused before any signature verified, so nothing the sender wrote.
    static ssogate::core::testing::TestIdp impostor("https://okta.test.example/exk1");
    ssogate::core::testing::ResponseOptions o;
    o.now = now;
    o.acs_url = conn->acs_url();
    o.sp_entity_id = conn->sp_entity_id();
    o.nameid = "ceo@example.com";
    const auto forged = gate->consume("okta", impostor.response_base64(o), {});
    expect_outcome(forged, OutcomeKind::denied, "SIGNATURE_INVALID");
    EXPECT_FALSE(forged.signature_verified);
    EXPECT_EQ(forged.email, "");
    row = gate->read_audit("acme").back();
    EXPECT_EQ(row.email, "");
    EXPECT_NE(row.detail.find("refused before any signature was verified"), std::string::npos) << row.detail;

    // Policy decisions come after verification as well.
    const auto policy_denied = gate->consume("okta", response_for(*conn, now, "carol@example.com", {}), {});
    EXPECT_TRUE(policy_denied.signature_verified);
}

TEST_F(GateTest, AnUnknownConnectionIsDeniedAndAudited) {
    setup();
    const auto o = gate->consume("nope", "PHNhbWxwOlJlc3BvbnNlLz4=", {});
    expect_outcome(o, OutcomeKind::denied, "NOT_FOUND");
    EXPECT_EQ(o.error, Code::not_found);
    const auto rows = gate->read_audit("");
    EXPECT_EQ(rows.back().connection_id, "nope");
    EXPECT_EQ(rows.back().reason, "NOT_FOUND");
}

TEST_F(GateTest, EveryOutcomeWritesOneAuditRow) {
    ConnectionSetup s;
    s.jit = true;
    const auto conn = setup(s);
    gate->add_member("acme", "alice@example.com", policy::Role::member, false);
    (void)gate->invite("acme", "bob@example.com", policy::Role::member, 3600);

    struct Case {
        std::string email;
        const char *outcome;
        const char *reason;
    };
    const Case cases[] = {
        {"alice@example.com", "LOGIN", "FIRST_SSO_LOGIN"},
        {"alice@example.com", "LOGIN", "MEMBER_LOGIN"},
        {"bob@example.com", "JOINED_BY_INVITE", "INVITE_PENDING"},
        {"carol@example.com", "PROMPT_JOIN", "JIT_DOMAIN_MATCH"},
        {"eve@elsewhere.example.net", "DENIED", "DOMAIN_NOT_ALLOWED"},
    };
    for (const auto &c : cases) {
        const std::size_t before = audit_rows();
        const auto o = consume(*conn, c.email);
        EXPECT_EQ(o.reason, c.reason) << c.email;
        const auto rows = gate->read_audit("acme");
        ASSERT_EQ(audit_rows(), before + 1) << c.email;
        EXPECT_EQ(rows.back().outcome, c.outcome);
        EXPECT_EQ(rows.back().reason, c.reason);
        EXPECT_EQ(rows.back().email, c.email);
        EXPECT_EQ(rows.back().connection_id, "okta");
        EXPECT_EQ(rows.back().time, now);
    }
    // A verification failure too, with its code.
    const std::size_t before = audit_rows();
    const auto bad = gate->consume("okta", "not base64 !", {});
    EXPECT_EQ(bad.error, Code::encoding_invalid);
    ASSERT_EQ(audit_rows(), before + 1);
    EXPECT_EQ(gate->read_audit("acme").back().reason, "ENCODING_INVALID");
}

TEST_F(GateTest, PasswordLoginInMixedModeKeepsPasswordsOnlyForPasswordMembers) {
    const auto conn = setup();
    gate->add_member("acme", "pat@example.com", policy::Role::member, true);
    (void)gate->invite("acme", "sam@example.com", policy::Role::member, 3600);
    ASSERT_EQ(consume(*conn, "sam@example.com").kind, OutcomeKind::joined_by_invite);

    auto d = gate->password_login_allowed("acme", "pat@example.com");
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.reason, policy::Reason::password_allowed);

    d = gate->password_login_allowed("acme", "sam@example.com");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, policy::Reason::no_password);
    EXPECT_EQ(d.sso_connection_id, "okta");

    d = gate->password_login_allowed("acme", "nobody@example.com");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, policy::Reason::not_a_member);

    const auto rows = gate->read_audit("acme");
    EXPECT_EQ(rows.back().outcome, "PASSWORD_REFUSED");
    EXPECT_EQ(rows.back().reason, "NOT_A_MEMBER");
}

TEST_F(GateTest, EnforcementPreviewLockoutGuardAndForce) {
    const auto conn = setup();
    gate->add_member("acme", "owner@example.com", policy::Role::owner, true);
    gate->add_member("acme", "pat@example.com", policy::Role::member, true);
    gate->add_break_glass("acme", "Owner@Example.com");

    auto preview = gate->preview_enforcement("acme");
    EXPECT_FALSE(preview.allowed);
    EXPECT_EQ(preview.reason, policy::Reason::lockout_guard);
    EXPECT_EQ(preview.losing_access, std::vector<std::string>{"pat@example.com"});
    EXPECT_EQ(preview.break_glass_kept, std::vector<std::string>{"owner@example.com"});

    auto change = gate->set_sso_mode("acme", policy::SsoMode::enforced, false);
    EXPECT_FALSE(change.applied);
    EXPECT_EQ(change.mode, policy::SsoMode::mixed);
    EXPECT_EQ(gate->find_account("acme")->sso_mode, policy::SsoMode::mixed);
    EXPECT_EQ(gate->read_audit("acme").back().outcome, "SSO_MODE_REFUSED");
    EXPECT_EQ(gate->read_audit("acme").back().reason, "LOCKOUT_GUARD");

    change = gate->set_sso_mode("acme", policy::SsoMode::enforced, true);
    EXPECT_TRUE(change.applied);
    EXPECT_EQ(change.preview.reason, policy::Reason::forced);
    EXPECT_EQ(gate->find_account("acme")->sso_mode, policy::SsoMode::enforced);

    // Enforced: passwords refused with the connection to use, except for break-glass members.
    auto d = gate->password_login_allowed("acme", "pat@example.com");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, policy::Reason::sso_required);
    EXPECT_EQ(d.sso_connection_id, "okta");
    d = gate->password_login_allowed("acme", "owner@example.com");
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.reason, policy::Reason::break_glass);

    // Back to mixed always applies.
    change = gate->set_sso_mode("acme", policy::SsoMode::mixed, false);
    EXPECT_TRUE(change.applied);
    EXPECT_TRUE(gate->password_login_allowed("acme", "pat@example.com").allowed);
}

TEST_F(GateTest, BreakGlassIsForOwnersAndAdminsWhoAreMembersNow) {
    setup();
    // A non-member named in advance, later added with a password, must not log in as BREAK_GLASS.
    std::string msg = expect_code(Code::not_found, [&] { gate->add_break_glass("acme", "newbie@example.com"); });
    EXPECT_NE(msg.find("owners or admins"), std::string::npos) << msg;
    gate->add_member("acme", "newbie@example.com", policy::Role::member, true);
    // An ordinary member is refused too, and so is a disabled admin.
    msg = expect_code(Code::policy_denied, [&] { gate->add_break_glass("acme", "newbie@example.com"); });
    EXPECT_NE(msg.find("role member"), std::string::npos) << msg;
    gate->add_member("acme", "sleepy@example.com", policy::Role::admin, true);
    auto sleepy = *gate->find_member("acme", "sleepy@example.com");
    sleepy.status = policy::MemberStatus::disabled;
    gate->stores().directory->put_member(sleepy);
    expect_code(Code::policy_denied, [&] { gate->add_break_glass("acme", "sleepy@example.com"); });
    EXPECT_TRUE(gate->find_account("acme")->break_glass.empty());

    gate->add_member("acme", "admin@example.com", policy::Role::admin, true);
    gate->add_break_glass("acme", "Admin@Example.com");
    EXPECT_EQ(gate->read_audit("acme").back().outcome, "BREAK_GLASS_ADDED");
    ASSERT_TRUE(gate->set_sso_mode("acme", policy::SsoMode::enforced, true).applied);
    EXPECT_EQ(gate->password_login_allowed("acme", "newbie@example.com").reason, policy::Reason::sso_required);
    EXPECT_EQ(gate->password_login_allowed("acme", "admin@example.com").reason, policy::Reason::break_glass);

    // Demoted by the host (its own directory edit): the next password login is refused, and the
    // preview no longer counts them. The name stays; promoting the same member again restores it.
    auto admin = *gate->find_member("acme", "admin@example.com");
    admin.role = policy::Role::member;
    gate->stores().directory->put_member(admin);
    auto d = gate->password_login_allowed("acme", "admin@example.com");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, policy::Reason::sso_required);
    EXPECT_NE(d.detail.find("role is member"), std::string::npos) << d.detail;
    EXPECT_NE(gate->read_audit("acme").back().detail.find("role is member"), std::string::npos);
    EXPECT_TRUE(gate->preview_enforcement("acme").break_glass_kept.empty());
    admin.role = policy::Role::owner;
    gate->stores().directory->put_member(admin);
    EXPECT_EQ(gate->password_login_allowed("acme", "admin@example.com").reason, policy::Reason::break_glass);
}

TEST_F(GateTest, ANewMembershipStartsWithoutALeftOverBreakGlassName) {
    setup();
    // Names left from memberships the host removed in its own directory (the gate has no removal).
    auto account = *gate->find_account("acme");
    account.break_glass = {"ghost@example.com", "invitee@example.com", "kept@example.com"};
    gate->stores().directory->put_account(account);

    // Added again, even as an admin: a new membership, so the old name is dropped and audited.
    gate->add_member("acme", "ghost@example.com", policy::Role::admin, true);
    auto rows = gate->read_audit("acme");
    EXPECT_EQ(rows.back().outcome, "BREAK_GLASS_REMOVED");
    EXPECT_EQ(rows.back().email, "ghost@example.com");
    (void)gate->invite("acme", "invitee@example.com", policy::Role::admin, 3600);
    EXPECT_EQ(gate->find_account("acme")->break_glass, std::vector<std::string>{"kept@example.com"});

    ASSERT_TRUE(gate->set_sso_mode("acme", policy::SsoMode::enforced, true).applied);
    EXPECT_EQ(gate->password_login_allowed("acme", "ghost@example.com").reason, policy::Reason::sso_required);
}

TEST_F(GateTest, EnforcementIsSafeOnceAnAdminLoggedInThroughSso) {
    const auto conn = setup();
    gate->add_member("acme", "admin@example.com", policy::Role::admin, true);
    gate->add_member("acme", "pat@example.com", policy::Role::member, true);
    ASSERT_EQ(consume(*conn, "admin@example.com").kind, OutcomeKind::login);
    const auto change = gate->set_sso_mode("acme", policy::SsoMode::enforced, false);
    EXPECT_TRUE(change.applied);
    EXPECT_EQ(change.preview.reason, policy::Reason::enforcement_safe);
    EXPECT_EQ(change.preview.losing_access, std::vector<std::string>{"pat@example.com"});
}

TEST_F(GateTest, NoEnabledConnectionRefusesEnforcementEvenWhenForced) {
    setup();
    gate->set_connection_enabled("okta", false);
    const auto change = gate->set_sso_mode("acme", policy::SsoMode::enforced, true);
    EXPECT_FALSE(change.applied);
    EXPECT_EQ(change.preview.reason, policy::Reason::no_enabled_connection);
}

TEST_F(GateTest, AdminCallsCheckTheirInputs) {
    setup();
    expect_code(Code::store_conflict, [&] { gate->create_account("acme", "again", {}); });
    expect_code(Code::invalid_setting, [&] { gate->create_account("b", "B", {"not a domain"}); });
    // Saved, not only refused at login: a verified domain that no address can have.
    expect_code(Code::invalid_setting, [&] { gate->create_account("b", "B", {"127.0.0.1"}); });
    expect_code(Code::invalid_setting, [&] { gate->create_account("b", "B", {"example"}); });
    EXPECT_FALSE(gate->find_account("b"));
    expect_code(Code::invalid_argument, [&] { gate->add_member("acme", "root@127.0.0.1", policy::Role::owner, true); });
    expect_code(Code::not_found, [&] { (void)gate->invite("ghost", "a@example.com", policy::Role::member, 60); });
    expect_code(Code::invalid_argument, [&] { (void)gate->invite("acme", "no-at-sign", policy::Role::member, 60); });
    expect_code(Code::invalid_argument, [&] { (void)gate->invite("acme", "a@example.com", policy::Role::member, 0); });
    gate->add_member("acme", "a@example.com", policy::Role::member, true);
    expect_code(Code::store_conflict, [&] { gate->add_member("acme", "A@example.com", policy::Role::member, true); });
    expect_code(Code::store_conflict, [&] { (void)gate->invite("acme", "a@example.com", policy::Role::member, 60); });
    expect_code(Code::not_found, [&] { gate->set_connection_enabled("nope", true); });
    expect_code(Code::invalid_argument, [&] { (void)gate->consume("", "x", {}); });
    // A connection id belongs to one account.
    gate->create_account("other", "Other", {});
    expect_code(Code::store_conflict, [&] { gate->add_connection("other", make_conn({})); });
}

TEST_F(GateTest, ConnectionsAreRebuiltOnceAndShared) {
    setup();
    // A second Gate over the same directory has an empty cache: it rebuilds from the stored JSON.
    Gate other(gate->stores(), gate_test::frozen(now));
    const auto a = other.connection("okta");
    const auto b = other.connection("okta");
    EXPECT_EQ(a.get(), b.get());
    EXPECT_EQ(a->acs_url(), "https://app.example.com/sso/saml/okta/acs");
}

TEST_F(GateTest, SpInitiatedLoginMatchesTheRequestAndReturnsItsReturnTo) {
    const auto conn = setup();
    gate->add_member("acme", "alice@example.com", policy::Role::member, false);
    const auto begun = gate->begin_login("okta", "/dashboard?tab=2", LoginBinding::redirect);
    EXPECT_FALSE(begun.relay_state.empty());
    EXPECT_EQ(begun.redirect_url.rfind("https://idp.test.example/sso?SAMLRequest=", 0), 0u) << begun.redirect_url;

    // The IdP answers the AuthnRequest's ID; the browser posts it back with the RelayState.
    const std::string answer = response_for(*conn, now, "alice@example.com", begun.request_id);
    const auto o = gate->consume("okta", answer, begun.relay_state);
    expect_outcome(o, OutcomeKind::login, "FIRST_SSO_LOGIN");
    EXPECT_EQ(o.return_to, "/dashboard?tab=2");
    ASSERT_TRUE(o.login.has_value());
    EXPECT_EQ(o.login->in_response_to, begun.request_id);

    // The request was used up: the same RelayState cannot be used again, even with a fresh answer.
    const auto again =
        gate->consume("okta", response_for(*conn, now, "alice@example.com", begun.request_id), begun.relay_state);
    EXPECT_EQ(again.kind, OutcomeKind::denied);
    EXPECT_EQ(again.error, Code::request_unknown) << again.reason << ": " << again.reason_text;
}

TEST_F(GateTest, SpInitiatedLoginWorksWithoutIdpInitiatedAllowed) {
    ConnectionSetup s;
    s.allow_idp_initiated = false;
    const auto conn = setup(s);
    gate->add_member("acme", "alice@example.com", policy::Role::member, false);
    const auto begun = gate->begin_login("okta", "", LoginBinding::post);
    EXPECT_NE(begun.post_form_html.find(begun.relay_state), std::string::npos);
    const auto o =
        gate->consume("okta", response_for(*conn, now, "alice@example.com", begun.request_id), begun.relay_state);
    expect_outcome(o, OutcomeKind::login, "FIRST_SSO_LOGIN");
    EXPECT_EQ(o.return_to, "");
}

TEST_F(GateTest, BeginLoginRefusesAnOpenRedirect) {
    setup();
    expect_code(Code::return_to_not_allowed,
                [&] { (void)gate->begin_login("okta", "https://evil.example.net/", LoginBinding::redirect); });
    expect_code(Code::not_found, [&] { (void)gate->begin_login("nope", "/", LoginBinding::redirect); });
}
