// The Gate over one real PostgreSQL server (a private one per test, started from Debian's binaries): many
// processes, each with its own Gate as each application node would have, racing on one database; the
// server stopped, restarted and killed mid-write; wrong credentials and an unreachable host at open; the
// schema versions.
#include "gate_race_support.hpp"
#include "gate_support.hpp"
#include "postgres_support.hpp"

#include "error.hpp"
#include "store/open.hpp"
#include "store/postgres.hpp"

#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace ssogate::core;
using namespace ssogate::core::gate;
using gate_test::make_conn;
using gate_test::response_for;

namespace {

using store_test::error_of;

// Runs SQL on the test server directly, as an operator with psql would.
void psql(const store_test::PostgresServer &pg, const std::string &sql) {
    PGconn *c = PQconnectdb(pg.url().c_str());
    ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
    PGresult *r = PQexec(c, sql.c_str());
    const auto status = PQresultStatus(r);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(c);
}

// A Gate with one account, its connection and (optionally) alice as a member.
std::shared_ptr<Gate> seeded(const std::string &url, std::int64_t now, bool jit = false) {
    auto gate = Gate::open(url, {}, gate_test::frozen(now));
    gate->create_account("acme", "Acme", {"example.com"});
    gate_test::ConnectionSetup setup;
    setup.jit = jit;
    gate->add_connection("acme", make_conn(setup));
    gate->add_member("acme", "alice@example.com", policy::Role::member, false);
    return gate;
}

}  // namespace

TEST(gate_postgres, TheGateScenarioLogsInJoinsByInviteAndRefusesAReplay) {
    store_test::PostgresServer pg;
    const std::int64_t now = util::now_seconds();
    auto gate = seeded(pg.url(), now);
    const auto conn = gate->connection("okta");
    const std::string r = response_for(*conn, now, "alice@example.com");
    EXPECT_EQ(gate->consume("okta", r, {}).kind, OutcomeKind::login);
    const auto again = gate->consume("okta", r, {});
    EXPECT_EQ(again.error, Code::replayed) << again.reason;
    gate->invite("acme", "bob@example.com", policy::Role::admin, 3600);
    const auto bob = gate->consume("okta", response_for(*conn, now, "bob@example.com"), {});
    EXPECT_EQ(bob.kind, OutcomeKind::joined_by_invite) << bob.reason;
    EXPECT_EQ(gate->find_member("acme", "bob@example.com")->role, policy::Role::admin);
    const auto begun = gate->begin_login("okta", "/reports", LoginBinding::redirect);
    const auto sp =
        gate->consume("okta", response_for(*conn, now, "alice@example.com", begun.request_id), begun.relay_state);
    EXPECT_EQ(sp.kind, OutcomeKind::login) << sp.reason;
    EXPECT_EQ(sp.return_to, "/reports");
    std::vector<std::string> outcomes;
    for (const auto &row : gate->read_audit("acme", 0, 100)) outcomes.push_back(row.outcome);
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), "LOGIN"), 2);
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), "JOINED_BY_INVITE"), 1);
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), "DENIED"), 1);
}

// Two processes, each with its own Gate and connection pool over one database, consume the very same
// signed assertion 500 times each, started together: exactly one of the 1,000 logs in, 999 are refused
// as replays, and the audit log has one row per consume.
TEST(gate_postgres, TwoProcessesRaceAThousandConsumesOfOneAssertionAndExactlyOneLogsIn) {
    store_test::PostgresServer pg;
    const std::int64_t now = util::now_seconds();
    const std::string url = pg.url();
    std::string response;
    std::size_t rows_before = 0;
    {
        auto admin = seeded(url, now);
        response = response_for(*admin->connection("okta"), now, "alice@example.com");
        rows_before = admin->read_audit("acme", 0, 100000).size();
    }  // closed before the fork: each child opens its own connections

    gate_test::expect_one_login_of_one_assertion(url, {}, now, response, rows_before, 500);
}

// For each of 30 newcomers at the same instant: one process confirms the Just-in-Time join it was prompted
// for, while another invites the same email and signs them in with the invite. Whatever the interleaving,
// each email ends up one member, with exactly one audit row saying how they joined.
TEST(gate_postgres, AJitJoinAndAnInviteForOneEmailAtTheSameInstantGiveOneMember) {
    store_test::PostgresServer pg;
    const std::int64_t now = util::now_seconds();
    const std::string url = pg.url();
    constexpr int kEmails = 30;
    std::vector<std::string> tokens, responses;
    {
        auto admin = seeded(url, now, /*jit=*/true);
        const auto conn = admin->connection("okta");
        for (int i = 0; i < kEmails; ++i) {
            const std::string email = "new" + std::to_string(i) + "@example.com";
            const auto prompt = admin->consume("okta", response_for(*conn, now, email), {});
            ASSERT_EQ(prompt.kind, OutcomeKind::prompt_join) << prompt.reason;
            tokens.push_back(prompt.join_token);
            responses.push_back(response_for(*conn, now, email));
        }
    }
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    auto wait_start = [&] {
        ::close(go[1]);
        char c = 0;
        return ::read(go[0], &c, 1) == 1;
    };
    store_test::Child jit = store_test::spawn([&] {
        auto gate = Gate::open(url, {}, gate_test::frozen(now));
        if (!wait_start()) return std::string("Eno start");
        std::string out;
        for (const auto &t : tokens) {
            const auto e = error_of([&] { gate->confirm_join(t); });
            out += e.code() == Code::ok ? "J"
                                        : (e.code() == Code::store_conflict || e.code() == Code::policy_denied ||
                                                   e.code() == Code::not_found
                                               ? "-"
                                               : "?");
        }
        return out;
    });
    store_test::Child invite = store_test::spawn([&] {
        auto gate = Gate::open(url, {}, gate_test::frozen(now));
        if (!wait_start()) return std::string("Eno start");
        std::string out;
        for (int i = 0; i < kEmails; ++i) {
            (void)error_of(
                [&] { gate->invite("acme", "new" + std::to_string(i) + "@example.com", policy::Role::admin, 3600); });
            const auto o = gate->consume("okta", responses[static_cast<std::size_t>(i)], {});
            out += o.kind == OutcomeKind::joined_by_invite ? "I" : (o.kind == OutcomeKind::login ? "L" : "?");
        }
        return out;
    });
    ::close(go[0]);
    ASSERT_EQ(::write(go[1], "gg", 2), 2);
    ::close(go[1]);
    const std::string rj = store_test::collect(jit), ri = store_test::collect(invite);
    ASSERT_EQ(rj.size(), static_cast<std::size_t>(kEmails)) << rj;
    ASSERT_EQ(ri.size(), static_cast<std::size_t>(kEmails)) << ri;
    EXPECT_EQ(rj.find('?'), std::string::npos) << rj;
    EXPECT_EQ(ri.find('?'), std::string::npos) << ri;

    auto reader = Gate::open(url, {}, gate_test::frozen(now));
    std::map<std::string, int> joins;
    for (const auto &row : reader->read_audit("acme", 0, 100000)) {
        if (row.outcome == "JOIN_CONFIRMED" || row.outcome == "JOINED_BY_INVITE") ++joins[row.email];
    }
    for (int i = 0; i < kEmails; ++i) {
        const std::string email = "new" + std::to_string(i) + "@example.com";
        const auto m = reader->find_member("acme", email);
        ASSERT_TRUE(m) << email;
        EXPECT_EQ(joins[email], 1) << email << ": one join, recorded once";
        // The winner decides the role: Just-in-Time makes a member, the invite an admin.
        const bool jit_won = rj[static_cast<std::size_t>(i)] == 'J';
        EXPECT_EQ(m->role, jit_won ? policy::Role::member : policy::Role::admin) << email;
        EXPECT_EQ(ri[static_cast<std::size_t>(i)], jit_won ? 'L' : 'I') << email;
    }
    EXPECT_EQ(reader->list_members("acme").size(), static_cast<std::size_t>(kEmails + 1));
}

// The database stopped mid-run: every login is refused with STORE_UNAVAILABLE, none accepted; after a
// restart logins work again with the same Gate (its pool reconnects), and an assertion accepted before
// the stop is still refused as a replay.
TEST(gate_postgres, LoginsAreRefusedWhileTheDatabaseIsDownAndWorkAfterARestart) {
    store_test::PostgresServer pg;
    const std::int64_t now = util::now_seconds();
    auto gate = seeded(pg.url(), now);
    const auto conn = gate->connection("okta");
    const std::string before = response_for(*conn, now, "alice@example.com");
    ASSERT_EQ(gate->consume("okta", before, {}).kind, OutcomeKind::login);

    pg.stop();
    for (int i = 0; i < 5; ++i) {
        const auto o = gate->consume("okta", response_for(*conn, now, "alice@example.com"), {});
        EXPECT_FALSE(o.accepted());
        EXPECT_EQ(o.error, Code::store_unavailable) << o.reason << ": " << o.reason_text;
        EXPECT_NE(o.reason_text.find("127.0.0.1:" + std::to_string(pg.port())), std::string::npos) << o.reason_text;
    }
    EXPECT_EQ(error_of([&] { gate->check_stores(); }).code(), Code::store_unavailable);

    pg.start();
    EXPECT_EQ(gate->consume("okta", response_for(*conn, now, "alice@example.com"), {}).kind, OutcomeKind::login);
    const auto replay = gate->consume("okta", before, {});
    EXPECT_EQ(replay.error, Code::replayed) << "the replay cache is the database's, it survived the restart";
    EXPECT_NO_THROW(gate->check_stores());
}

// The server killed with SIGKILL while a node logs users in: every login the node was told succeeded is
// in the database after the restart (its member row and its audit row), nothing half-written.
TEST(gate_postgres, AServerKilledMidWriteLosesNoCommittedLogin) {
    store_test::PostgresServer pg;
    const std::int64_t now = util::now_seconds();
    const std::string url = pg.url();
    constexpr int kUsers = 400;
    std::vector<std::string> responses;
    {
        auto admin = seeded(url, now);
        const auto conn = admin->connection("okta");
        for (int i = 0; i < kUsers; ++i) {
            const std::string email = "u" + std::to_string(i) + "@example.com";
            admin->add_member("acme", email, policy::Role::member, false);
            responses.push_back(response_for(*conn, now, email));
        }
    }
    // The child reports each accepted login on the pipe the moment consume() returns it.
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(p[0]);
        auto gate = Gate::open(url, {}, gate_test::frozen(now));
        for (int i = 0; i < kUsers; ++i) {
            if (gate->consume("okta", responses[static_cast<std::size_t>(i)], {}).accepted()) {
                const std::string line = std::to_string(i) + "\n";
                if (::write(p[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(3);
            }
        }
        ::_exit(0);
    }
    ::close(p[1]);
    std::set<int> told;
    std::string pending;
    char buf[256];
    bool killed = false;
    while (true) {
        const auto n = ::read(p[0], buf, sizeof buf);
        if (n <= 0) break;
        pending.append(buf, static_cast<std::size_t>(n));
        for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
            told.insert(std::stoi(pending.substr(0, nl)));
            pending.erase(0, nl + 1);
        }
        if (!killed && told.size() >= 40) {
            pg.kill_now();  // mid-run: the child is inside a consume right now
            killed = true;
        }
    }
    ::close(p[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    ASSERT_TRUE(killed);
    ASSERT_GE(told.size(), 40u);
    EXPECT_LT(told.size(), static_cast<std::size_t>(kUsers)) << "logins after the kill were refused";

    pg.start();
    auto reader = Gate::open(url, {}, gate_test::frozen(now));
    std::set<std::string> audited;
    for (const auto &row : reader->read_audit("acme", 0, 100000))
        if (row.outcome == "LOGIN") audited.insert(row.email);
    for (int i : told) {
        const std::string email = "u" + std::to_string(i) + "@example.com";
        EXPECT_TRUE(audited.count(email)) << email << " was told LOGIN but its audit row is gone";
        EXPECT_TRUE(reader->find_member("acme", email)->sso_linked) << email;
    }
    // Every audit row has its member change and the reverse: the login in flight at the kill is all or nothing.
    for (const auto &email : audited) EXPECT_TRUE(reader->find_member("acme", email)->sso_linked) << email;
    for (int i = 0; i < kUsers; ++i) {
        const std::string email = "u" + std::to_string(i) + "@example.com";
        if (reader->find_member("acme", email)->sso_linked) {
            EXPECT_TRUE(audited.count(email)) << email;
        }
    }
}

TEST(gate_postgres, AWrongPasswordFailsAtOpenWithTheAddressAndWithoutThePassword) {
    store_test::PostgresServer pg;
    const std::string url =
        "postgresql://ssogate:not-the-password@127.0.0.1:" + std::to_string(pg.port()) + "/postgres";
    const auto e = error_of([&] { Gate::open(url); });
    EXPECT_EQ(e.code(), Code::store_auth) << e.what();
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(pg.port()) + "/postgres (user ssogate)"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("not-the-password"), std::string::npos) << e.what();
}

TEST(gate_postgres, AnUnreachableHostFailsAtOpenWithTheAddress) {
    const int port = store_test::free_port();  // nothing listens there
    const std::string url =
        "postgresql://ssogate:secret-word@127.0.0.1:" + std::to_string(port) + "/app?connect_timeout=2";
    const auto e = error_of([&] { Gate::open(url); });
    EXPECT_EQ(e.code(), Code::store_unavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find("PostgreSQL at 127.0.0.1:" + std::to_string(port) + "/app"), std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("secret-word"), std::string::npos) << e.what();
}

TEST(gate_postgres, MalformedLocationsAreRefusedWithoutQuotingThePassword) {
    for (const std::string bad :
         {"postgresql://u:pw-123@h/db?pool_max=0", "postgresql://u:pw-123@h/db?pool_max=65",
          "postgresql://u:pw-123@h/db?statement_timeout_ms=x", "postgresql://u:pw-123@h:notaport/db?bogus_option=1"}) {
        const auto e = error_of([&] { store::parse_postgres_location(bad); });
        EXPECT_EQ(e.code(), Code::store_location) << bad << ": " << e.what();
        EXPECT_EQ(std::string(e.what()).find("pw-123"), std::string::npos) << e.what();
    }
    const auto loc = store::parse_postgres_location(
        "postgresql://app:pw@db.internal:6432/sso?sslmode=require&pool_max=8&statement_timeout_ms=2500");
    EXPECT_EQ(loc.pool_max, 8);
    EXPECT_EQ(loc.statement_timeout_ms, 2500);
    EXPECT_EQ(loc.conninfo, "postgresql://app:pw@db.internal:6432/sso?sslmode=require");
    EXPECT_EQ(loc.display, "PostgreSQL at db.internal:6432/sso (user app)");
}

// A statement past its timeout fails closed (a table locked by an operator's open transaction).
TEST(gate_postgres, AStatementPastItsTimeoutFailsClosed) {
    store_test::PostgresServer pg;
    const std::int64_t now = util::now_seconds();
    seeded(pg.url(), now);
    auto gate = Gate::open(pg.url("?statement_timeout_ms=300"), {}, gate_test::frozen(now));
    PGconn *locker = PQconnectdb(pg.url().c_str());
    ASSERT_EQ(PQstatus(locker), CONNECTION_OK);
    PQclear(PQexec(locker, "BEGIN; LOCK TABLE replay IN ACCESS EXCLUSIVE MODE"));
    const auto o = gate->consume("okta", response_for(*gate->connection("okta"), now, "alice@example.com"), {});
    EXPECT_FALSE(o.accepted());
    EXPECT_EQ(o.error, Code::store_unavailable) << o.reason_text;
    EXPECT_NE(o.reason_text.find("300 ms"), std::string::npos) << o.reason_text;
    PQclear(PQexec(locker, "ROLLBACK"));
    PQfinish(locker);
    EXPECT_EQ(gate->consume("okta", response_for(*gate->connection("okta"), now, "alice@example.com"), {}).kind,
              OutcomeKind::login);
}

// Schema versions: a newer database is refused; an older one is refused unless migration is asked for,
// and migrate_database brings it up to date once (two nodes migrating together migrate once).
TEST(gate_postgres, SchemaVersionsAreCheckedAndMigratedOnRequest) {
    store_test::PostgresServer pg;
    const std::int64_t now = util::now_seconds();
    seeded(pg.url(), now);
    const auto same = store::migrate_database(pg.url());
    EXPECT_EQ(same.from, same.to) << "nothing to do";

    psql(pg, "INSERT INTO schema_version(version) VALUES(99)");
    auto e = error_of([&] { Gate::open(pg.url()); });
    EXPECT_EQ(e.code(), Code::store_schema_newer) << e.what();
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.what();

    // Back to version 1: undo migrations 2 and 3 by hand.
    psql(pg,
         "DELETE FROM schema_version WHERE version > 1; DROP TABLE replay_live; "
         "ALTER TABLE replay DROP COLUMN connection_id; ALTER TABLE accounts DROP COLUMN revision");
    e = error_of([&] { Gate::open(pg.url()); });
    EXPECT_EQ(e.code(), Code::store_schema_older) << e.what();
    EXPECT_NE(std::string(e.what()).find("ssogate db migrate"), std::string::npos) << e.what();

    store_test::Child a = store_test::spawn([&] {
        const auto r = store::migrate_database(pg.url());
        return std::to_string(r.from) + " " + std::to_string(r.to);
    });
    store_test::Child b = store_test::spawn([&] {
        const auto r = store::migrate_database(pg.url());
        return std::to_string(r.from) + " " + std::to_string(r.to);
    });
    const std::string ra = store_test::collect(a), rb = store_test::collect(b);
    const std::string to = std::to_string(store::sql::schema_version);
    std::multiset<std::string> results{ra, rb};
    EXPECT_EQ(results, (std::multiset<std::string>{"1 " + to, to + " " + to})) << ra << " / " << rb;

    auto gate = Gate::open(pg.url(), {}, gate_test::frozen(now));
    EXPECT_TRUE(gate->find_member("acme", "alice@example.com")) << "the rows survived the migration";
    EXPECT_EQ(gate->consume("okta", response_for(*gate->connection("okta"), now, "alice@example.com"), {}).kind,
              OutcomeKind::login);
}
