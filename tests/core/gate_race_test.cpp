// The account's revision and the compare-and-swap operations built on it (UpdateAccount,
// RemoveMember), and what they buy the Gate: the lockout guard holds against member changes made
// meanwhile by another Gate, another thread or another process, on the memory directory and on one
// SQLite file.
#include "gate_support.hpp"
#include "postgres_support.hpp"
#include "store/directory.hpp"
#include "store/open.hpp"
#include "store/sqlite.hpp"
#include "store_support.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

using namespace ssogate::core;
using namespace ssogate::core::store;
using gate::Gate;

namespace {

template <typename F>
Code code_of(F &&f, std::string *message = nullptr) {
    try {
        f();
    } catch (const Error &e) {
        if (message) *message = e.what();
        return e.code();
    }
    return Code::ok;
}

Member linked_owner(const std::string &account, const std::string &email) {
    Member m;
    m.account_id = account;
    m.email = email;
    m.role = policy::Role::owner;
    m.joined_via = policy::JoinedVia::sso;
    m.sso_linked = true;
    m.last_sso_login = 1;
    m.created_at = 1;
    return m;
}

// Whether the account is enforced with no active owner or admin linked to SSO: the state the lockout
// guard exists to prevent.
bool locked_out(Directory &dir, const std::string &account) {
    const auto a = dir.find_account(account);
    if (!a || a->sso_mode != policy::SsoMode::enforced) return false;
    for (const auto &m : dir.list_members(account)) {
        if (m.status == policy::MemberStatus::active && m.sso_linked &&
            (m.role == policy::Role::owner || m.role == policy::Role::admin))
            return false;
    }
    return true;
}

// The same question in one statement (a snapshot: the account and the members as of one commit), as
// another process would see it, for a SQLite file or a PostgreSQL database.
bool locked_out_snapshot(const std::string &location, const std::string &account) {
    const std::string count =
        "(SELECT count(*) FROM members m WHERE m.account_id = a.id AND m.status = 'active' "
        "AND m.sso_linked = 1 AND m.role IN ('owner', 'admin'))";
    if (location.rfind("postgresql://", 0) == 0) {
        PGconn *c = PQconnectdb(location.c_str());
        EXPECT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
        const std::string sql = "SELECT a.sso_mode, " + count + " FROM accounts a WHERE a.id = $1";
        const char *params[] = {account.c_str()};
        PGresult *r = PQexecParams(c, sql.c_str(), 1, nullptr, params, nullptr, nullptr, 0);
        EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQresultErrorMessage(r);
        const bool out = PQntuples(r) == 1 && std::string(PQgetvalue(r, 0, 0)) == "enforced" &&
                         std::string(PQgetvalue(r, 0, 1)) == "0";
        PQclear(r);
        PQfinish(c);
        return out;
    }
    const std::string path = location.substr(std::string("sqlite:").size());
    sqlite3 *db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const std::string sql = "SELECT a.sso_mode, " + count + " FROM accounts a WHERE a.id = ?1";
    sqlite3_stmt *st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
    sqlite3_bind_text(st, 1, account.c_str(), -1, SQLITE_TRANSIENT);
    bool out = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const std::string mode = reinterpret_cast<const char *>(sqlite3_column_text(st, 0));
        out = mode == "enforced" && sqlite3_column_int64(st, 1) == 0;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

// A directory that runs `before_write` once, just before the first change that holds an
// UpdateAccount: someone else's write landing between the Gate's read and its write, made
// deterministic.
class Interleaved final : public Directory {
public:
    Interleaved(std::shared_ptr<Directory> inner, std::function<void()> before_write)
        : inner_(std::move(inner)), hook_(std::move(before_write)) {}
    int writes_seen = 0;

    void put_account(const Account &a) override { inner_->put_account(a); }
    void insert_account(const Account &a) override { inner_->insert_account(a); }
    std::optional<Account> find_account(std::string_view id) override { return inner_->find_account(id); }
    void put_connection(const ConnectionRecord &c) override { inner_->put_connection(c); }
    std::optional<ConnectionRecord> find_connection(std::string_view id) override {
        return inner_->find_connection(id);
    }
    std::vector<ConnectionRecord> list_connections(std::string_view a) override { return inner_->list_connections(a); }
    void remove_connection(std::string_view id) override { inner_->remove_connection(id); }
    void put_member(const Member &m) override { inner_->put_member(m); }
    std::optional<Member> find_member(std::string_view a, std::string_view e) override {
        return inner_->find_member(a, e);
    }
    std::vector<Member> list_members(std::string_view a) override { return inner_->list_members(a); }
    void put_invite(const Invite &i) override { inner_->put_invite(i); }
    std::optional<Invite> find_invite(std::string_view a, std::string_view e, std::int64_t now) override {
        return inner_->find_invite(a, e, now);
    }
    void revoke_invite(std::string_view a, std::string_view e) override { inner_->revoke_invite(a, e); }
    void put_join_token(const JoinToken &t) override { inner_->put_join_token(t); }
    std::optional<JoinToken> find_join_token(std::string_view t, std::int64_t now) override {
        return inner_->find_join_token(t, now);
    }
    std::vector<AuditEntry> read_audit(std::string_view a, std::int64_t after, std::size_t limit) override {
        return inner_->read_audit(a, after, limit);
    }
    std::vector<std::int64_t> apply(const Change &change) override {
        for (const auto &op : change.ops) {
            if (std::holds_alternative<UpdateAccount>(op)) {
                ++writes_seen;
                if (hook_) std::exchange(hook_, nullptr)();
                break;
            }
        }
        return inner_->apply(change);
    }

private:
    std::shared_ptr<Directory> inner_;
    std::function<void()> hook_;
};

class GateRace : public ::testing::TestWithParam<std::string> {
protected:
    store_test::TempDir tmp;
    const std::int64_t now = util::now_seconds();

    std::string location() const {
        return GetParam() == "memory" ? std::string("memory:") : "sqlite:" + tmp.file("race.db");
    }

    // "acme", enforced, with an enabled connection and the given SSO-linked owners.
    void seed(Directory &dir, const std::vector<std::string> &owners, policy::SsoMode mode) {
        Account a;
        a.id = "acme";
        a.name = "Acme";
        a.sso_mode = mode;
        a.verified_domains = {"example.com"};
        dir.insert_account(a);
        ConnectionRecord c;
        c.id = "okta";
        c.account_id = "acme";
        c.json = gate_test::make_conn({})->to_json();
        dir.put_connection(c);
        for (const auto &o : owners) dir.put_member(linked_owner("acme", o));
    }
};

}  // namespace

TEST_P(GateRace, AStaleUpdateAccountFailsWithStoreConflictAndChangesNothing) {
    auto stores = open_stores(location(), {}, {});
    Directory &dir = *stores.directory;
    seed(dir, {"o1@example.com"}, policy::SsoMode::mixed);
    const Account read = *dir.find_account("acme");
    const auto audit_before = dir.read_audit("", 0, 1000).size();

    // A member change lands after the read: the revision moves.
    dir.apply(Change{{InsertMember{linked_owner("acme", "o2@example.com")}}});
    const Account moved = *dir.find_account("acme");
    EXPECT_GT(moved.revision, read.revision);

    Account after = read;
    after.sso_mode = policy::SsoMode::enforced;
    std::string msg;
    AuditEntry row;
    row.account_id = "acme";
    row.outcome = "SSO_MODE_CHANGED";
    EXPECT_EQ(code_of(
                  [&] {
                      dir.apply(Change{{UpdateAccount{read, after}, AppendAudit{row}}});
                  },
                  &msg),
              Code::store_conflict);
    EXPECT_NE(msg.find("changed since it was read"), std::string::npos) << msg;
    const Account now_stored = *dir.find_account("acme");
    EXPECT_EQ(now_stored.sso_mode, policy::SsoMode::mixed);
    EXPECT_EQ(now_stored.revision, moved.revision);
    EXPECT_EQ(dir.read_audit("", 0, 1000).size(), audit_before) << "the audit row of a refused change remains";

    // With the fresh revision it applies, and moves the revision by one.
    Account fresh_after = moved;
    fresh_after.sso_mode = policy::SsoMode::enforced;
    dir.apply(Change{{UpdateAccount{moved, fresh_after}}});
    EXPECT_EQ(dir.find_account("acme")->sso_mode, policy::SsoMode::enforced);
    EXPECT_EQ(dir.find_account("acme")->revision, moved.revision + 1);

    Account ghost;
    ghost.id = "ghost";
    EXPECT_EQ(code_of([&] { dir.apply(Change{{UpdateAccount{ghost, ghost}}}); }), Code::not_found);
    Account other = moved;
    other.id = "other";
    EXPECT_EQ(code_of([&] { dir.apply(Change{{UpdateAccount{moved, other}}}); }), Code::invalid_argument);
}

TEST_P(GateRace, RemoveMemberIsACompareAndSwapOnTheRowAndMovesTheRevision) {
    auto stores = open_stores(location(), {}, {});
    Directory &dir = *stores.directory;
    seed(dir, {"o1@example.com"}, policy::SsoMode::mixed);
    const Member read = *dir.find_member("acme", "o1@example.com");
    Member edited = read;
    edited.role = policy::Role::admin;
    dir.apply(Change{{UpdateMember{read, edited}}});
    const auto rev = dir.find_account("acme")->revision;
    EXPECT_EQ(code_of([&] { dir.apply(Change{{RemoveMember{read}}}); }), Code::store_conflict);
    EXPECT_TRUE(dir.find_member("acme", "o1@example.com"));
    EXPECT_EQ(dir.find_account("acme")->revision, rev) << "a refused change moves nothing";
    dir.apply(Change{{RemoveMember{edited}}});
    EXPECT_FALSE(dir.find_member("acme", "o1@example.com"));
    EXPECT_EQ(dir.find_account("acme")->revision, rev + 1);
    EXPECT_EQ(code_of([&] { dir.apply(Change{{RemoveMember{edited}}}); }), Code::not_found);
}

TEST_P(GateRace, RemoveMemberRefusesToLeaveAnEnforcedAccountWithoutALinkedOwner) {
    auto stores = open_stores(location(), {}, {});
    seed(*stores.directory, {"o1@example.com"}, policy::SsoMode::enforced);
    auto gate = std::make_shared<Gate>(stores, gate_test::frozen(now));
    gate->add_member("acme", "pat@example.com", policy::Role::member, true);
    gate->add_member("acme", "admin@example.com", policy::Role::admin, true);
    gate->add_break_glass("acme", "admin@example.com");

    EXPECT_EQ(code_of([&] { gate->remove_member("acme", "nobody@example.com"); }), Code::not_found);
    std::string msg;
    EXPECT_EQ(code_of([&] { gate->remove_member("acme", "O1@example.com"); }, &msg), Code::policy_denied);
    EXPECT_NE(msg.find("LOCKOUT_GUARD"), std::string::npos) << msg;
    EXPECT_NE(msg.find("o1@example.com"), std::string::npos) << msg;
    EXPECT_TRUE(gate->find_member("acme", "o1@example.com"));
    EXPECT_EQ(gate->read_audit("acme").back().outcome, "MEMBER_REMOVE_REFUSED");

    // Others may go, a break-glass admin with their name.
    gate->remove_member("acme", "pat@example.com");
    gate->remove_member("acme", "admin@example.com");
    EXPECT_FALSE(gate->find_member("acme", "pat@example.com"));
    EXPECT_TRUE(gate->find_account("acme")->break_glass.empty());
    const auto rows = gate->read_audit("acme");
    ASSERT_GE(rows.size(), 2u);
    EXPECT_EQ(rows[rows.size() - 2].outcome, "MEMBER_REMOVED");
    EXPECT_EQ(rows.back().outcome, "BREAK_GLASS_REMOVED");

    // In mixed mode the last owner may go.
    ASSERT_TRUE(gate->set_sso_mode("acme", policy::SsoMode::mixed, false).applied);
    gate->remove_member("acme", "o1@example.com");
    EXPECT_TRUE(gate->list_members("acme").empty());
}

// An enforcement decided on two linked owners while another Gate removes one of them: the second
// Gate's write lands between the first one's read and write, so the first is refused by the store,
// decides again on one owner, and ... here the removal of that last one is refused.
TEST_P(GateRace, ARemovalThatLandsBetweenTheReadAndTheWriteIsDecidedAgain) {
    auto stores = open_stores(location(), {}, {});
    seed(*stores.directory, {"o1@example.com", "o2@example.com"}, policy::SsoMode::enforced);
    auto other = std::make_shared<Gate>(stores, gate_test::frozen(now));
    auto wrapped =
        std::make_shared<Interleaved>(stores.directory, [&] { other->remove_member("acme", "o1@example.com"); });
    store::Stores mine = stores;
    mine.directory = wrapped;
    auto gate = std::make_shared<Gate>(mine, gate_test::frozen(now));

    // Read: o1 and o2 linked, so removing o2 looks safe; then o1 goes; the write is refused and the
    // second decision (o2 is the last linked owner) refuses.
    EXPECT_EQ(code_of([&] { gate->remove_member("acme", "o2@example.com"); }), Code::policy_denied);
    EXPECT_EQ(wrapped->writes_seen, 1) << "one write was attempted and refused by the store";
    EXPECT_FALSE(gate->find_member("acme", "o1@example.com"));
    EXPECT_TRUE(gate->find_member("acme", "o2@example.com"));
    EXPECT_FALSE(locked_out(*stores.directory, "acme"));
}

TEST_P(GateRace, AnEnforcementWhoseLastLinkedOwnerGoesMeanwhileIsRefused) {
    auto stores = open_stores(location(), {}, {});
    seed(*stores.directory, {"o1@example.com"}, policy::SsoMode::mixed);
    auto other = std::make_shared<Gate>(stores, gate_test::frozen(now));
    auto wrapped =
        std::make_shared<Interleaved>(stores.directory, [&] { other->remove_member("acme", "o1@example.com"); });
    store::Stores mine = stores;
    mine.directory = wrapped;
    auto gate = std::make_shared<Gate>(mine, gate_test::frozen(now));

    const auto change = gate->set_sso_mode("acme", policy::SsoMode::enforced, false);
    EXPECT_FALSE(change.applied);
    EXPECT_EQ(change.preview.reason, policy::Reason::lockout_guard);
    EXPECT_EQ(change.mode, policy::SsoMode::mixed);
    EXPECT_EQ(stores.directory->find_account("acme")->sso_mode, policy::SsoMode::mixed);
    EXPECT_EQ(gate->read_audit("acme").back().outcome, "SSO_MODE_REFUSED");
}

// A break-glass name written on a read that a demotion made stale is decided again (and refused).
TEST_P(GateRace, ABreakGlassNameForAMemberDemotedMeanwhileIsRefused) {
    auto stores = open_stores(location(), {}, {});
    seed(*stores.directory, {"o1@example.com"}, policy::SsoMode::mixed);
    auto wrapped = std::make_shared<Interleaved>(stores.directory, [&] {
        const Member m = *stores.directory->find_member("acme", "o1@example.com");
        Member demoted = m;
        demoted.role = policy::Role::member;
        stores.directory->apply(Change{{UpdateMember{m, demoted}}});
    });
    store::Stores mine = stores;
    mine.directory = wrapped;
    auto gate = std::make_shared<Gate>(mine, gate_test::frozen(now));
    EXPECT_EQ(code_of([&] { gate->add_break_glass("acme", "o1@example.com"); }), Code::policy_denied);
    EXPECT_TRUE(stores.directory->find_account("acme")->break_glass.empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, GateRace, ::testing::Values("memory", "sqlite"));

// Processes each with its own Gate over one SQLite file or one PostgreSQL database.
class GateRaceProcesses : public ::testing::TestWithParam<std::string> {
protected:
    std::string location() {
        if (GetParam() == "sqlite") return "sqlite:" + tmp.file("race.db");
        if (!pg) pg = std::make_unique<store_test::PostgresServer>();
        return pg->url();
    }
    store_test::TempDir tmp;
    std::unique_ptr<store_test::PostgresServer> pg;
};

INSTANTIATE_TEST_SUITE_P(Stores, GateRaceProcesses, ::testing::Values("sqlite", "postgres"));

// Two admins (two processes) switch enforcement on and off while a third removes the SSO-linked owners
// one by one. None may leave the account enforced without a linked owner, whatever the interleaving:
// checked on a snapshot after every step of each, and at the end.
TEST_P(GateRaceProcesses, EnforcingWhileOwnersAreRemovedNeverLocksTheAccountOut) {
    const std::string path = location();
    const std::vector<std::string> owners = {"o1@example.com", "o2@example.com", "o3@example.com", "o4@example.com"};
    {
        auto stores = open_stores(path, {}, {});
        Account a;
        a.id = "acme";
        a.name = "Acme";
        stores.directory->insert_account(a);
        ConnectionRecord c;
        c.id = "okta";
        c.account_id = "acme";
        c.json = gate_test::make_conn({})->to_json();
        stores.directory->put_connection(c);
        for (const auto &o : owners) stores.directory->put_member(linked_owner("acme", o));
    }
    const auto start = std::chrono::system_clock::now() + std::chrono::milliseconds(300);
    auto enforce = [&]() -> std::string {
        auto gate = Gate::open(path);
        std::this_thread::sleep_until(start);
        int enforced = 0;
        for (int i = 0; i < 150; ++i) {
            for (const auto mode : {policy::SsoMode::enforced, policy::SsoMode::mixed}) {
                try {
                    if (gate->set_sso_mode("acme", mode, false).applied && mode == policy::SsoMode::enforced)
                        ++enforced;
                } catch (const Error &e) {
                    if (e.code() != Code::store_conflict) return std::string("E") + e.what();
                }
                if (locked_out_snapshot(path, "acme")) return "locked out after set_sso_mode";
            }
        }
        // End in mixed (a last switch refused by the store under B's writes is tried again), so that
        // B can remove the last owner.
        for (int i = 0; i < 1000; ++i) {
            if (code_of([&] { gate->set_sso_mode("acme", policy::SsoMode::mixed, false); }) == Code::ok)
                return "ok " + std::to_string(enforced);
        }
        return "could not switch back to mixed";
    };
    auto enforcer = store_test::spawn(enforce);
    auto second_admin = store_test::spawn(enforce);
    auto remover = store_test::spawn([&]() -> std::string {
        auto gate = Gate::open(path);
        std::this_thread::sleep_until(start);
        int refused = 0;
        for (const auto &o : owners) {
            for (int attempt = 0;; ++attempt) {
                if (attempt > 20000) return "gave up removing " + o;
                const Code c = code_of([&] { gate->remove_member("acme", o); });
                if (locked_out_snapshot(path, "acme")) return "locked out after remove_member " + o;
                if (c == Code::ok) break;
                if (c == Code::policy_denied)
                    ++refused;
                else if (c != Code::store_conflict)
                    return "remove_member " + o + ": " + code_name(c);
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
        }
        return "ok " + std::to_string(refused);
    });
    const std::string a = store_test::collect(enforcer);
    const std::string a2 = store_test::collect(second_admin);
    const std::string b = store_test::collect(remover);
    EXPECT_EQ(a.substr(0, 3), "ok ") << a;
    EXPECT_EQ(a2.substr(0, 3), "ok ") << a2;
    EXPECT_EQ(b.substr(0, 3), "ok ") << b;
    auto stores = open_stores(path, {}, {});
    EXPECT_FALSE(locked_out(*stores.directory, "acme"));
    EXPECT_TRUE(stores.directory->list_members("acme").empty()) << "every owner was removed in the end";
    // With no owner left, enforcement is refused by the guard.
    auto gate = std::make_shared<Gate>(stores, gate::GateOptions{});
    EXPECT_FALSE(gate->set_sso_mode("acme", policy::SsoMode::enforced, false).applied);
    std::size_t removed = 0;
    for (const auto &row : gate->read_audit("acme", 0, 100000)) removed += row.outcome == "MEMBER_REMOVED" ? 1 : 0;
    EXPECT_EQ(removed, owners.size()) << "one MEMBER_REMOVED row per owner, no more";
}

// Two processes create the same account at once: exactly one succeeds, the other gets STORE_CONFLICT.
TEST_P(GateRaceProcesses, OfTwoCreatesOfOneAccountExactlyOneWins) {
    const std::string path = location();
    open_stores(path, {}, {});  // the file and its schema, before the race
    const auto start = std::chrono::system_clock::now() + std::chrono::milliseconds(300);
    std::vector<store_test::Child> children;
    for (int i = 0; i < 2; ++i) {
        children.push_back(store_test::spawn([&, i]() -> std::string {
            auto gate = Gate::open(path);
            std::this_thread::sleep_until(start);
            return code_name(code_of([&] { gate->create_account("race", "Race " + std::to_string(i), {}); }));
        }));
    }
    std::vector<std::string> got;
    for (auto &c : children) got.push_back(store_test::collect(c));
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{"OK", "STORE_CONFLICT"}));
    auto stores = open_stores(path, {}, {});
    std::size_t created = 0;
    for (const auto &row : stores.directory->read_audit("race", 0, 100))
        created += row.outcome == "ACCOUNT_CREATED" ? 1 : 0;
    EXPECT_EQ(created, 1u);
}

TEST(GateRaceThreads, OfEightCreatesOfOneAccountInMemoryExactlyOneWins) {
    auto gate = Gate::open("memory:");
    std::vector<Code> codes(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < codes.size(); ++i)
        threads.emplace_back([&, i] { codes[i] = code_of([&] { gate->create_account("race", "Race", {}); }); });
    for (auto &t : threads) t.join();
    EXPECT_EQ(std::count(codes.begin(), codes.end(), Code::ok), 1);
    EXPECT_EQ(std::count(codes.begin(), codes.end(), Code::store_conflict), 7);
}

// A file written by schema 2 opens under schema 3: its rows stay, each account at revision 0, and
// the compare-and-swap works on them at once.
TEST(GateRaceMigration, AVersionTwoFileGainsRevisionsAndKeepsItsRows) {
    static constexpr const char *kShipped[] = {
#include "store/sql/sqlite_schema.inc"
    };
    store_test::TempDir tmp;
    const std::string path = tmp.file("v2.db");
    {
        sqlite3 *db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        std::string ddl = "CREATE TABLE schema_version(version INTEGER NOT NULL);";
        ddl += kShipped[0];
        ddl += kShipped[1];
        ddl +=
            "INSERT INTO schema_version(version) VALUES(1), (2);"
            "INSERT INTO accounts(id, name, sso_mode, verified_domains, break_glass) "
            "VALUES('acme', 'Acme', 'enforced', '[\"example.com\"]', '[\"o1@example.com\"]');"
            "INSERT INTO members VALUES('acme', 'o1@example.com', 'owner', 'active', 1, 'password', 1, 5, 1);";
        char *err = nullptr;
        ASSERT_EQ(sqlite3_exec(db, ddl.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
        sqlite3_close(db);
    }
    SqliteOptions migrate;
    migrate.migrate_on_open = true;
    auto db = open_sqlite(path, migrate);
    EXPECT_EQ(schema_version(*db), 3);
    auto dir = make_sqlite_directory(db);
    const auto a = dir->find_account("acme");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->name, "Acme");
    EXPECT_EQ(a->sso_mode, policy::SsoMode::enforced);
    EXPECT_EQ(a->break_glass, std::vector<std::string>{"o1@example.com"});
    EXPECT_EQ(a->revision, 0);
    ASSERT_TRUE(dir->find_member("acme", "o1@example.com"));
    Account after = *a;
    after.sso_mode = policy::SsoMode::mixed;
    dir->apply(Change{{UpdateAccount{*a, after}}});
    EXPECT_EQ(dir->find_account("acme")->revision, 1);
    EXPECT_EQ(dir->find_account("acme")->sso_mode, policy::SsoMode::mixed);
}
