// SQLite-specific guarantees: concurrency, crash safety (SIGKILL mid-transaction), schema versions,
// damaged files, locks held past the busy timeout, and the append-only audit log.
#include "error.hpp"
#include "store/open.hpp"
#include "store/sqlite.hpp"
#include "store_support.hpp"
#include "util/time.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

using namespace ssogate::core;
using namespace ssogate::core::store;

namespace {

using store_test::error_of;

// A raw connection for poking at the file the way another program (or an attacker) could.
struct RawDb {
    explicit RawDb(const std::string &path) { EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK); }
    ~RawDb() { sqlite3_close(db); }
    int exec(const char *sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }
    sqlite3 *db = nullptr;
};

void make_account(Directory &dir) {
    Account a;
    a.id = "acc1";
    a.name = "Acme";
    dir.put_account(a);
}

}  // namespace

TEST(store_sqlite, EightThreadsWriteConcurrentlyWithoutErrorOrLoss) {
    store_test::TempDir tmp;
    const std::string path = tmp.file("conc.db");
    {
        auto dir = make_sqlite_directory(open_sqlite(path));
        make_account(*dir);
    }
    constexpr int kThreads = 8, kEach = 60;
    std::atomic<int> errors{0}, firsts{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                // Half the threads share one connection, half open their own: both the in-process
                // mutex and SQLite's file locks (busy timeout) are exercised.
                static std::shared_ptr<SqliteDatabase> shared = open_sqlite(path);
                auto db = t % 2 ? shared : open_sqlite(path);
                auto dir = make_sqlite_directory(db);
                auto replay = make_sqlite_replay_cache(db);
                for (int i = 0; i < kEach; ++i) {
                    const std::string id = std::to_string(t) + "-" + std::to_string(i);
                    if (replay->insert_if_absent("c1", "assertion-" + id, util::now_seconds() + 600)) ++firsts;
                    AuditEntry e;
                    e.time = i;
                    e.account_id = "acc1";
                    e.outcome = "LOGIN";
                    e.reason = "MEMBER_LOGIN";
                    e.detail = id;
                    dir->append_audit(e);
                }
            } catch (const std::exception &e) {
                ADD_FAILURE() << e.what();
                ++errors;
            }
        });
    }
    for (auto &th : threads) th.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(firsts.load(), kThreads * kEach);
    auto db = open_sqlite(path);
    const auto log = make_sqlite_directory(db)->read_audit("acc1", 0, 100000);
    std::set<std::string> details;
    for (const auto &e : log) details.insert(e.detail);
    EXPECT_EQ(log.size(), static_cast<std::size_t>(kThreads * kEach));
    EXPECT_EQ(details.size(), static_cast<std::size_t>(kThreads * kEach)) << "no row lost or duplicated";
    auto replay = make_sqlite_replay_cache(db);
    EXPECT_FALSE(replay->insert_if_absent("c1", "assertion-7-59", util::now_seconds() + 600));
}

TEST(store_sqlite, SigkillMidTransactionLosesNothingCommittedAndLeavesNothingHalfWritten) {
    store_test::TempDir tmp;
    const std::string path = tmp.file("kill.db");
    {
        auto dir = make_sqlite_directory(open_sqlite(path));
        make_account(*dir);
    }
    int progress[2];
    ASSERT_EQ(::pipe(progress), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // The child: each transaction writes a member and its audit row; report every commit.
        ::close(progress[0]);
        try {
            auto dir = make_sqlite_directory(open_sqlite(path));
            for (int i = 0;; ++i) {
                Member m;
                m.account_id = "acc1";
                m.email = "user" + std::to_string(i) + "@example.com";
                AuditEntry e;
                e.account_id = "acc1";
                e.email = m.email;
                e.outcome = "JOINED";
                e.reason = "TEST";
                e.detail = std::string(2000, 'x');  // bigger rows: more time spent inside each commit
                dir->apply(Change{{InsertMember{m}, AppendAudit{e}}});
                const char c = 'c';
                if (::write(progress[1], &c, 1) != 1) ::_exit(3);
            }
        } catch (...) {
            ::_exit(2);
        }
    }
    ::close(progress[1]);
    // Let it commit a good number of transactions, then kill it without warning.
    int committed = 0;
    char buf[64];
    while (committed < 150) {
        const auto n = ::read(progress[0], buf, sizeof buf);
        ASSERT_GT(n, 0) << "the writer died on its own";
        committed += static_cast<int>(n);
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer was not killed";
    while (true) {  // commits reported after our count but before the kill
        const auto n = ::read(progress[0], buf, sizeof buf);
        if (n <= 0) break;
        committed += static_cast<int>(n);
    }
    ::close(progress[0]);

    auto dir = make_sqlite_directory(open_sqlite(path));
    const auto members = dir->list_members("acc1");
    const auto log = dir->read_audit("acc1", 0, 1000000);
    std::set<std::string> member_emails, audit_emails;
    for (const auto &m : members) member_emails.insert(m.email);
    for (const auto &e : log) audit_emails.insert(e.email);
    EXPECT_GE(static_cast<int>(members.size()), committed) << "a reported commit was lost";
    EXPECT_LE(static_cast<int>(members.size()), committed + 1) << "at most the one in flight when killed";
    EXPECT_EQ(member_emails, audit_emails) << "a member without its audit row (or the reverse): half-written";
    for (std::size_t i = 0; i < members.size(); ++i)
        EXPECT_TRUE(member_emails.count("user" + std::to_string(i) + "@example.com")) << "gap at " << i;
}

TEST(store_sqlite, ReopeningKeepsTheSchemaAndRefusesANewerOne) {
    store_test::TempDir tmp;
    const std::string path = tmp.file("schema.db");
    {
        auto db = open_sqlite(path);
        EXPECT_EQ(schema_version(*db), sqlite_schema_version);
        make_account(*make_sqlite_directory(db));
    }
    {
        auto db = open_sqlite(path);  // migrations must not run twice (they would fail on CREATE TABLE)
        EXPECT_EQ(schema_version(*db), sqlite_schema_version);
        EXPECT_TRUE(make_sqlite_directory(db)->find_account("acc1"));
    }
    {
        RawDb raw(path);
        ASSERT_EQ(raw.exec("INSERT INTO schema_version(version) VALUES(99)"), SQLITE_OK);
    }
    const auto e = error_of([&] { open_sqlite(path); });
    EXPECT_EQ(e.code(), Code::store_schema_newer) << e.what();
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.what();
}

// A file written by the first schema (replay rows without a connection) opens under the current one:
// its IDs are still recognised and count towards the total, so the bound holds across the upgrade.
TEST(store_sqlite, AVersionOneReplayTableIsMigratedWithItsEntries) {
    store_test::TempDir tmp;
    const std::string path = tmp.file("v1.db");
    {
        RawDb raw(path);
        // The first schema as it shipped (migration 0), then rows written by that version.
        static constexpr const char *kShipped[] = {
#include "store/sql/sqlite_schema.inc"
        };
        ASSERT_EQ(raw.exec("CREATE TABLE schema_version(version INTEGER NOT NULL);"
                           "INSERT INTO schema_version(version) VALUES(1);"),
                  SQLITE_OK);
        ASSERT_EQ(raw.exec(kShipped[0]), SQLITE_OK);
        ASSERT_EQ(raw.exec("INSERT INTO replay(key, expires_at) VALUES('old-1', 4000000000), ('old-2', 4000000000);"),
                  SQLITE_OK);
    }
    // Without migrate_on_open an older file is refused, named, and left as it was.
    const auto older = error_of([&] { open_sqlite(path); });
    EXPECT_EQ(older.code(), Code::store_schema_older) << older.what();
    EXPECT_NE(std::string(older.what()).find("ssogate db migrate sqlite:" + path), std::string::npos) << older.what();
    {
        RawDb raw(path);
        EXPECT_EQ(raw.exec("INSERT INTO replay(key, expires_at, connection_id) VALUES('x', 1, 'c')"), SQLITE_ERROR)
            << "migration 2 did not run";
    }
    SqliteOptions migrate;
    migrate.migrate_on_open = true;
    auto db = open_sqlite(path, migrate);
    EXPECT_EQ(schema_version_at_open(*db), 1);
    EXPECT_EQ(schema_version(*db), sqlite_schema_version);
    auto replay = make_sqlite_replay_cache(db, {}, ReplayLimits{3, 3});
    EXPECT_FALSE(replay->insert_if_absent("c1", "old-1", 4000000000)) << "an ID recorded before the upgrade";
    EXPECT_TRUE(replay->insert_if_absent("c1", "new-1", 4000000000));
    EXPECT_EQ(error_of([&] { replay->insert_if_absent("c2", "new-2", 4000000000); }).code(), Code::store_unavailable)
        << "the two old IDs count towards the total of three";
}

TEST(store_sqlite, AFileThatIsNotADatabaseIsReportedAsCorrupt) {
    store_test::TempDir tmp;
    const std::string path = tmp.file("junk.db");
    std::ofstream(path) << std::string(4096, 'J');
    const auto e = error_of([&] { open_sqlite(path); });
    EXPECT_EQ(e.code(), Code::store_corrupt) << e.what();
}

TEST(store_sqlite, AnUnopenableFileIsUnavailable) {
    const auto e = error_of([&] { open_sqlite("/nonexistent-dir/for/ssogate/x.db"); });
    EXPECT_EQ(e.code(), Code::store_unavailable) << e.what();
}

TEST(store_sqlite, ALockHeldPastTheBusyTimeoutFailsClosed) {
    store_test::TempDir tmp;
    const std::string path = tmp.file("locked.db");
    SqliteOptions o;
    o.busy_timeout_ms = 150;
    auto db = open_sqlite(path, o);
    auto replay = make_sqlite_replay_cache(db);
    auto pending = make_sqlite_pending_requests(db);
    RawDb other(path);
    ASSERT_EQ(other.exec("BEGIN IMMEDIATE"), SQLITE_OK);
    const auto t0 = std::chrono::steady_clock::now();
    const auto e = error_of([&] { replay->insert_if_absent("c1", "k", util::now_seconds() + 60); });
    EXPECT_EQ(e.code(), Code::store_unavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find("150 ms"), std::string::npos) << e.what();
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(140)) << "it waited the timeout";
    EXPECT_EQ(error_of([&] { pending->take("t", 0); }).code(), Code::store_unavailable)
        << "a take that cannot run is an error, never 'not found'";
    ASSERT_EQ(other.exec("COMMIT"), SQLITE_OK);
    EXPECT_TRUE(replay->insert_if_absent("c1", "k", util::now_seconds() + 60)) << "works again once the lock is gone";
}

TEST(store_sqlite, TheAuditLogIsAppendOnlyInTheFileItself) {
    store_test::TempDir tmp;
    const std::string path = tmp.file("audit.db");
    {
        auto dir = make_sqlite_directory(open_sqlite(path));
        AuditEntry e;
        e.outcome = "DENY";
        dir->append_audit(e);
    }
    RawDb raw(path);
    EXPECT_EQ(raw.exec("DELETE FROM audit"), SQLITE_CONSTRAINT);
    EXPECT_EQ(raw.exec("UPDATE audit SET outcome = 'LOGIN'"), SQLITE_CONSTRAINT);
}

TEST(store_sqlite, AllStoresShareOneFile) {
    store_test::TempDir tmp;
    const std::string path = tmp.file("one.db");
    auto stores = open_stores("sqlite:" + path);
    make_account(*stores.directory);
    EXPECT_TRUE(stores.replay->insert_if_absent("c1", "a", util::now_seconds() + 60));
    stores.pending->put("tok", {"_r", "c", "/", 1, util::now_seconds() + 60});
    stores = {};
    auto again = open_stores("sqlite:" + path);
    EXPECT_TRUE(again.directory->find_account("acc1"));
    EXPECT_FALSE(again.replay->insert_if_absent("c1", "a", util::now_seconds() + 60))
        << "replay state survives a restart";
    EXPECT_TRUE(again.pending->take("tok", util::now_seconds()));
}
