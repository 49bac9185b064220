// What the Gate hands the directory (one Change per decision with an effect) and how it behaves when
// the directory refuses a change because someone else wrote first: it decides again on fresh facts,
// a bounded number of times, and never logs in a member an admin disabled meanwhile.
#include "gate_support.hpp"

#include "error.hpp"
#include "store/replay_memory.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <variant>

using namespace ssogate::core;
using namespace ssogate::core::gate;
using namespace ssogate::core::store;
using gate_test::make_conn;
using gate_test::response_for;

namespace {

constexpr std::int64_t kNow = 1'750'000'000;

// A memory directory that records every Change and can run something just before one is applied
// (another node's or an admin's write landing between the Gate's read and its write).
class Watched final : public Directory {
public:
    std::vector<Change> changes;
    std::function<void(const Change &)> before_apply;

    void put_account(const Account &a) override { d_->put_account(a); }
    std::optional<Account> find_account(std::string_view id) override { return d_->find_account(id); }
    void put_connection(const ConnectionRecord &c) override { d_->put_connection(c); }
    std::optional<ConnectionRecord> find_connection(std::string_view id) override { return d_->find_connection(id); }
    std::vector<ConnectionRecord> list_connections(std::string_view a) override { return d_->list_connections(a); }
    void remove_connection(std::string_view id) override { d_->remove_connection(id); }
    void put_member(const Member &m) override { d_->put_member(m); }
    std::optional<Member> find_member(std::string_view a, std::string_view e) override { return d_->find_member(a, e); }
    std::vector<Member> list_members(std::string_view a) override { return d_->list_members(a); }
    void put_invite(const Invite &i) override { d_->put_invite(i); }
    std::optional<Invite> find_invite(std::string_view a, std::string_view e, std::int64_t now) override {
        return d_->find_invite(a, e, now);
    }
    void revoke_invite(std::string_view a, std::string_view e) override { d_->revoke_invite(a, e); }
    void put_join_token(const JoinToken &t) override { d_->put_join_token(t); }
    std::optional<JoinToken> find_join_token(std::string_view t, std::int64_t now) override {
        return d_->find_join_token(t, now);
    }
    std::vector<AuditEntry> read_audit(std::string_view a, std::int64_t after, std::size_t limit) override {
        return d_->read_audit(a, after, limit);
    }
    std::vector<std::int64_t> apply(const Change &change) override {
        changes.push_back(change);
        if (before_apply) before_apply(change);
        return d_->apply(change);
    }

private:
    std::unique_ptr<Directory> d_ = make_memory_directory();
};

bool has_update(const Change &c) {
    for (const auto &op : c.ops) {
        if (std::holds_alternative<UpdateMember>(op)) return true;
    }
    return false;
}

class GateChange : public ::testing::Test {
protected:
    void SetUp() override {
        const auto clock = [] { return kNow; };
        gate_ = std::make_shared<Gate>(
            Stores{dir_, std::make_shared<MemoryReplayCache>(clock), make_memory_pending_requests()},
            gate_test::frozen(kNow));
        gate_->create_account("acme", "Acme", {"example.com"});
        gate_test::ConnectionSetup setup;
        setup.jit = true;
        conn_ = make_conn(setup);
        gate_->add_connection("acme", conn_);
        dir_->changes.clear();
    }

    Outcome consume(const std::string &email) { return gate_->consume("okta", response_for(*conn_, kNow, email), {}); }

    std::shared_ptr<Watched> dir_ = std::make_shared<Watched>();
    std::shared_ptr<Gate> gate_;
    std::shared_ptr<const Connection> conn_;
};

TEST_F(GateChange, ALoginIsACompareAndSwapOfTheMemberAndItsAuditRow) {
    gate_->add_member("acme", "alice@example.com", policy::Role::admin, true);
    const Member before = *gate_->find_member("acme", "alice@example.com");
    dir_->changes.clear();
    const auto o = consume("alice@example.com");
    ASSERT_EQ(o.kind, OutcomeKind::login) << o.reason_text;
    ASSERT_EQ(dir_->changes.size(), 1u);
    const auto &ops = dir_->changes[0].ops;
    ASSERT_EQ(ops.size(), 2u);
    const auto &update = std::get<UpdateMember>(ops[0]);
    EXPECT_EQ(update.before, before);
    Member after = before;
    after.sso_linked = true;
    after.last_sso_login = kNow;
    EXPECT_EQ(update.after, after);
    const auto &row = std::get<AppendAudit>(ops[1]).entry;
    EXPECT_EQ(row.outcome, "LOGIN");
    EXPECT_EQ(row.reason, "FIRST_SSO_LOGIN");
    EXPECT_EQ(row.email, "alice@example.com");
}

TEST_F(GateChange, AMemberDisabledBetweenTheReadAndTheWriteIsNotLoggedIn) {
    gate_->add_member("acme", "alice@example.com", policy::Role::member, true);
    dir_->before_apply = [&](const Change &c) {
        if (!has_update(c) || dir_->changes.size() != 1) return;
        Member m = *dir_->find_member("acme", "alice@example.com");
        m.status = policy::MemberStatus::disabled;  // the admin's write lands first
        dir_->put_member(m);
    };
    dir_->changes.clear();
    const auto o = consume("alice@example.com");
    EXPECT_EQ(o.kind, OutcomeKind::denied);
    EXPECT_EQ(o.reason, "MEMBER_DISABLED") << o.reason_text;
    EXPECT_FALSE(o.login.has_value());
    const Member m = *gate_->find_member("acme", "alice@example.com");
    EXPECT_EQ(m.status, policy::MemberStatus::disabled) << "the admin's write was not overwritten";
    EXPECT_FALSE(m.sso_linked);
    EXPECT_EQ(m.last_sso_login, 0);
    const auto rows = gate_->read_audit("acme");
    EXPECT_EQ(rows.back().outcome, "DENIED");
    for (const auto &r : rows) EXPECT_NE(r.outcome, "LOGIN");
}

TEST_F(GateChange, AMemberThatKeepsChangingRefusesTheLoginAfterThreeAttempts) {
    gate_->add_member("acme", "alice@example.com", policy::Role::member, true);
    int writes = 0;
    dir_->before_apply = [&](const Change &c) {
        if (!has_update(c)) return;
        Member m = *dir_->find_member("acme", "alice@example.com");
        m.created_at += 1;  // another writer, every time
        dir_->put_member(m);
        ++writes;
    };
    const auto o = consume("alice@example.com");
    EXPECT_EQ(o.kind, OutcomeKind::denied);
    EXPECT_EQ(o.error, Code::store_conflict);
    EXPECT_EQ(o.reason, "STORE_CONFLICT");
    EXPECT_FALSE(o.login.has_value());
    EXPECT_EQ(writes, 3) << "decided and written three times, no more";
    EXPECT_EQ(gate_->read_audit("acme").back().outcome, "DENIED");
}

TEST_F(GateChange, AnInviteReplacedBetweenTheReadAndTheWriteJoinsWithTheNewOne) {
    (void)gate_->invite("acme", "bob@partner.example.net", policy::Role::member, 3600);
    bool replaced = false;
    dir_->before_apply = [&](const Change &c) {
        if (replaced || !std::holds_alternative<TakeInvite>(c.ops[0])) return;
        replaced = true;
        (void)gate_->invite("acme", "bob@partner.example.net", policy::Role::admin, 3600);
    };
    const auto o = consume("bob@partner.example.net");
    EXPECT_EQ(o.kind, OutcomeKind::joined_by_invite) << o.reason_text;
    EXPECT_EQ(gate_->find_member("acme", "bob@partner.example.net")->role, policy::Role::admin)
        << "joined with the invite in force when the change was applied";
    EXPECT_TRUE(replaced);
    EXPECT_FALSE(dir_->find_invite("acme", "bob@partner.example.net", kNow));
}

TEST_F(GateChange, ConfirmJoinConsumesTheTokenAndFillsTheAuditRowFromIt) {
    const auto prompt = consume("carol@example.com");
    ASSERT_EQ(prompt.kind, OutcomeKind::prompt_join);
    dir_->changes.clear();
    const Member m = gate_->confirm_join(prompt.join_token);
    ASSERT_EQ(dir_->changes.size(), 1u);
    const auto &ops = dir_->changes[0].ops;
    ASSERT_EQ(ops.size(), 3u);
    EXPECT_EQ(std::get<TakeJoinToken>(ops[0]).token, prompt.join_token);
    EXPECT_EQ(std::get<InsertMember>(ops[1]).member, m);
    EXPECT_EQ(m.role, policy::Role::member);
    EXPECT_EQ(m.joined_via, policy::JoinedVia::sso);
    EXPECT_TRUE(m.sso_linked);
    EXPECT_EQ(m.last_sso_login, kNow);
    const auto &row = std::get<AppendAudit>(ops[2]).entry;
    EXPECT_EQ(row.outcome, "JOIN_CONFIRMED");
    EXPECT_EQ(row.account_id, "acme");
    EXPECT_EQ(row.connection_id, "okta");
    EXPECT_EQ(row.email, "carol@example.com");
    try {
        (void)gate_->confirm_join(prompt.join_token);
        ADD_FAILURE() << "a join token was redeemed twice";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::not_found);
    }
}

}  // namespace
