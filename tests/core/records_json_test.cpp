// The directory records as JSON (store/records_json.hpp): what a host's callbacks exchange with the
// library. Writing then reading gives the record back; reading refuses, with store_corrupt and a
// message naming the source and the field, everything the schema does not allow.
#include "store/records_json.hpp"
#include "error.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace ssogate::core;
using namespace ssogate::core::store;

namespace {

constexpr const char *kWhat = "the host's directory find_member callback returned";

// The store_corrupt message of parsing `json` as a member; fails the test on another outcome.
std::string member_refusal(const std::string &json) {
    try {
        member_from_json(json, kWhat);
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::store_corrupt) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "accepted: " << json;
    return {};
}

const std::string kMember = R"({"account_id":"acme","email":"alice@example.com","role":"admin","status":"active",)"
                            R"("has_password":true,"joined_via":"password","sso_linked":false,)"
                            R"("last_sso_login":0,"created_at":1700000000})";

// kMember with the text `from` replaced by `to` (exactly once).
std::string member_with(const std::string &from, const std::string &to) {
    std::string s = kMember;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
}

}  // namespace

TEST(records_json, account_round_trip) {
    Account a;
    a.id = "acme";
    a.name = "Acme \"Corp\" \xc3\xa9";  // quotes and UTF-8 survive
    a.sso_mode = policy::SsoMode::enforced;
    a.verified_domains = {"example.com", "example.org"};
    a.break_glass = {"owner@example.com"};
    const Account b = account_from_json(to_json(a), kWhat);
    EXPECT_EQ(b.id, a.id);
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.sso_mode, policy::SsoMode::enforced);
    EXPECT_EQ(b.verified_domains, a.verified_domains);
    EXPECT_EQ(b.break_glass, a.break_glass);
}

TEST(records_json, connection_round_trip_keeps_the_json_verbatim) {
    ConnectionRecord c;
    c.id = "okta";
    c.account_id = "acme";
    c.json = R"({"schema": 1, "id": "okta",  "nested": {"x": [1, 2]}})";
    c.enabled = false;
    const ConnectionRecord d = connection_from_json(to_json(c), kWhat);
    EXPECT_EQ(d.id, "okta");
    EXPECT_EQ(d.account_id, "acme");
    EXPECT_EQ(d.json, c.json);
    EXPECT_FALSE(d.enabled);
}

TEST(records_json, member_round_trip) {
    Member m;
    m.account_id = "acme";
    m.email = "carol@example.com";
    m.role = policy::Role::owner;
    m.status = policy::MemberStatus::disabled;
    m.has_password = true;
    m.joined_via = policy::JoinedVia::sso;
    m.sso_linked = true;
    m.last_sso_login = 1'700'000'123;
    m.created_at = 1'600'000'000;
    const Member n = member_from_json(to_json(m), kWhat);
    EXPECT_EQ(n.account_id, m.account_id);
    EXPECT_EQ(n.email, m.email);
    EXPECT_EQ(n.role, policy::Role::owner);
    EXPECT_EQ(n.status, policy::MemberStatus::disabled);
    EXPECT_TRUE(n.has_password);
    EXPECT_EQ(n.joined_via, policy::JoinedVia::sso);
    EXPECT_TRUE(n.sso_linked);
    EXPECT_EQ(n.last_sso_login, m.last_sso_login);
    EXPECT_EQ(n.created_at, m.created_at);
}

TEST(records_json, invite_join_token_and_audit_round_trip) {
    Invite i{"acme", "bob@example.com", policy::Role::admin, "tok-1", 10, 20};
    const Invite j = invite_from_json(to_json(i), kWhat);
    EXPECT_EQ(j.account_id, "acme");
    EXPECT_EQ(j.email, "bob@example.com");
    EXPECT_EQ(j.role, policy::Role::admin);
    EXPECT_EQ(j.token, "tok-1");
    EXPECT_EQ(j.created_at, 10);
    EXPECT_EQ(j.expires_at, 20);

    JoinToken t{"jt-1", "acme", "okta", "carol@example.com", 1'700'000'900};
    const JoinToken u = join_token_from_json(to_json(t), kWhat);
    EXPECT_EQ(u.token, "jt-1");
    EXPECT_EQ(u.account_id, "acme");
    EXPECT_EQ(u.connection_id, "okta");
    EXPECT_EQ(u.email, "carol@example.com");
    EXPECT_EQ(u.expires_at, 1'700'000'900);

    AuditEntry e{42, 1'700'000'000, "acme", "okta", "alice@example.com", "LOGIN", "MEMBER_LOGIN", "a \"detail\"\n"};
    const AuditEntry f = audit_from_json(to_json(e), kWhat);
    EXPECT_EQ(f.seq, 42);
    EXPECT_EQ(f.time, e.time);
    EXPECT_EQ(f.account_id, "acme");
    EXPECT_EQ(f.connection_id, "okta");
    EXPECT_EQ(f.email, "alice@example.com");
    EXPECT_EQ(f.outcome, "LOGIN");
    EXPECT_EQ(f.reason, "MEMBER_LOGIN");
    EXPECT_EQ(f.detail, e.detail);
}

TEST(records_json, lists_round_trip_in_order) {
    std::vector<Member> members(2);
    members[0].account_id = members[1].account_id = "acme";
    members[0].email = "a@example.com";
    members[1].email = "b@example.com";
    const auto back = members_from_json(to_json(members), kWhat);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[0].email, "a@example.com");
    EXPECT_EQ(back[1].email, "b@example.com");

    EXPECT_TRUE(audit_entries_from_json("[]", kWhat).empty());
    EXPECT_EQ(to_json(std::vector<AuditEntry>{}), "[]");
    std::vector<AuditEntry> rows(3);
    rows[2].seq = 3;
    EXPECT_EQ(audit_entries_from_json(to_json(rows), kWhat).at(2).seq, 3);

    std::vector<ConnectionRecord> conns{{"a", "acme", "{}", true}, {"b", "acme", "{}", false}};
    const auto c = connections_from_json(to_json(conns), kWhat);
    ASSERT_EQ(c.size(), 2u);
    EXPECT_FALSE(c[1].enabled);
    std::vector<Account> accounts{Account{"x", "X", policy::SsoMode::mixed, {}, {}}};
    EXPECT_EQ(accounts_from_json(to_json(accounts), kWhat).at(0).id, "x");
    std::vector<Invite> invites{Invite{"acme", "e@example.com", policy::Role::member, "t", 1, 2}};
    EXPECT_EQ(invites_from_json(to_json(invites), kWhat).at(0).token, "t");
    std::vector<JoinToken> tokens{JoinToken{"t", "acme", "okta", "e@example.com", 5}};
    EXPECT_EQ(join_tokens_from_json(to_json(tokens), kWhat).at(0).expires_at, 5);
}

TEST(records_json, emails_and_domains_are_lower_cased_on_the_way_in) {
    EXPECT_EQ(member_from_json(member_with("alice@example.com", "Alice@Example.COM"), kWhat).email,
              "alice@example.com");
    const Account a = account_from_json(
        R"({"id":"acme","name":"Acme","sso_mode":"mixed","verified_domains":["Example.COM"],"break_glass":["Root@Example.com"]})",
        kWhat);
    EXPECT_EQ(a.verified_domains.at(0), "example.com");
    EXPECT_EQ(a.break_glass.at(0), "root@example.com");
}

TEST(records_json, refuses_malformed_json) {
    const std::string msg = member_refusal(R"({"account_id": "acme", "email": )");
    EXPECT_NE(msg.find("the host's directory find_member callback returned malformed JSON where a member was expected"),
              std::string::npos)
        << msg;
    member_refusal("");
    member_refusal(kMember + " trailing");
}

TEST(records_json, refuses_a_missing_field) {
    const std::string msg = member_refusal(member_with(R"("role":"admin",)", ""));
    EXPECT_EQ(msg, std::string(kWhat) + " a member without the field \"role\"");
}

TEST(records_json, refuses_a_wrong_type) {
    std::string msg = member_refusal(member_with(R"("has_password":true)", R"("has_password":1)"));
    EXPECT_EQ(msg, std::string(kWhat) + " a member whose \"has_password\" is a number; expected true or false");
    msg = member_refusal(member_with(R"("created_at":1700000000)", R"("created_at":"1700000000")"));
    EXPECT_EQ(msg, std::string(kWhat) + " a member whose \"created_at\" is a string; expected an integer");
    msg = member_refusal(member_with(R"("created_at":1700000000)", R"("created_at":1.5)"));
    EXPECT_NE(msg.find("\"created_at\" is a fractional number"), std::string::npos) << msg;
    msg = member_refusal(member_with(R"("created_at":1700000000)", R"("created_at":18446744073709551615)"));
    EXPECT_NE(msg.find("does not fit a 64-bit signed integer"), std::string::npos) << msg;
    msg = member_refusal(member_with(R"("email":"alice@example.com")", R"("email":null)"));
    EXPECT_NE(msg.find("\"email\" is null; expected a string"), std::string::npos) << msg;
    msg = member_refusal("[]");
    EXPECT_EQ(msg, std::string(kWhat) + " an array where a member (a JSON object) was expected");

    try {
        account_from_json(R"({"id":"a","name":"A","sso_mode":"mixed","verified_domains":["ok",7],"break_glass":[]})",
                          kWhat);
        ADD_FAILURE() << "accepted a number among the domains";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::store_corrupt);
        EXPECT_NE(std::string(e.what()).find("\"verified_domains\" item 1 is a number"), std::string::npos) << e.what();
    }
}

TEST(records_json, refuses_an_unknown_enum_name) {
    const std::string msg = member_refusal(member_with(R"("role":"admin")", R"("role":"boss")"));
    EXPECT_EQ(msg, std::string(kWhat) + " a member whose \"role\" is \"boss\"; expected owner, admin or member");
    // Names are exact: the stable lower-case spelling only.
    member_refusal(member_with(R"("role":"admin")", R"("role":"Admin")"));
    member_refusal(member_with(R"("status":"active")", R"("status":"enabled")"));
    member_refusal(member_with(R"("joined_via":"password")", R"("joined_via":"saml")"));
    // A long value is cut short in the message.
    const std::string long_name(500, 'x');
    const std::string cut = member_refusal(member_with(R"("role":"admin")", "\"role\":\"" + long_name + "\""));
    EXPECT_LT(cut.size(), 250u) << cut;
}

TEST(records_json, refuses_an_unknown_field) {
    const std::string msg = member_refusal(member_with("}", R"(,"is_superuser":true})"));
    EXPECT_EQ(msg, std::string(kWhat) + " a member with an unknown field \"is_superuser\"");
}

TEST(records_json, list_items_are_named_by_position) {
    const std::string bad_second = "[" + kMember + "," + member_with(R"("role":"admin")", R"("role":"boss")") + "]";
    try {
        members_from_json(bad_second, "the host's directory list_members callback returned");
        ADD_FAILURE() << "accepted";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::store_corrupt);
        EXPECT_EQ(std::string(e.what()),
                  "the host's directory list_members callback returned a member (item 1 of the "
                  "list) whose \"role\" is \"boss\"; expected owner, admin or member");
    }
    try {
        members_from_json(kMember, "the host's directory list_members callback returned");
        ADD_FAILURE() << "accepted an object for a list";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::store_corrupt);
        EXPECT_NE(std::string(e.what()).find("an object where a list of members (a JSON array) was expected"),
                  std::string::npos)
            << e.what();
    }
}

TEST(records_json, every_record_type_is_strict) {
    // One refusal per reader, so none of them is lenient by accident.
    const auto refused = [](auto read, const std::string &json) {
        try {
            read(json);
        } catch (const Error &e) {
            return e.code() == Code::store_corrupt;
        }
        return false;
    };
    EXPECT_TRUE(refused([](const std::string &j) { return account_from_json(j, kWhat); },
                        R"({"id":"a","name":"A","sso_mode":"strict","verified_domains":[],"break_glass":[]})"));
    EXPECT_TRUE(refused([](const std::string &j) { return connection_from_json(j, kWhat); },
                        R"({"id":"c","account_id":"a","json":{},"enabled":true})"));
    EXPECT_TRUE(refused([](const std::string &j) { return invite_from_json(j, kWhat); },
                        R"({"account_id":"a","email":"e","role":"member","token":"t","created_at":1})"));
    EXPECT_TRUE(refused([](const std::string &j) { return join_token_from_json(j, kWhat); },
                        R"({"token":"t","account_id":"a","connection_id":"c","email":"e","expires_at":1,"x":1})"));
    EXPECT_TRUE(refused([](const std::string &j) { return audit_from_json(j, kWhat); },
                        R"({"seq":true,"time":1,"account_id":"","connection_id":"","email":"","outcome":"",)"
                        R"("reason":"","detail":""})"));
    EXPECT_TRUE(refused([](const std::string &j) { return audit_entries_from_json(j, kWhat); }, "[1]"));
    EXPECT_TRUE(refused([](const std::string &j) { return accounts_from_json(j, kWhat); }, "{}"));
    EXPECT_TRUE(refused([](const std::string &j) { return connections_from_json(j, kWhat); }, "[{}]"));
    EXPECT_TRUE(refused([](const std::string &j) { return invites_from_json(j, kWhat); }, "nope"));
    EXPECT_TRUE(refused([](const std::string &j) { return join_tokens_from_json(j, kWhat); }, "[null]"));
}
