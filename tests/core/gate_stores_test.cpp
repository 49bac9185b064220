// The Gate over real stores: SQLite under concurrent consumes, Redis going away and coming back, and
// two Gates (two nodes) sharing one SQLite file and one Redis.
#include "gate_race_support.hpp"
#include "gate_support.hpp"
#include "store_support.hpp"

#include "error.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace ssogate::core;
using namespace ssogate::core::gate;
using gate_test::make_conn;
using gate_test::response_for;

TEST(gate_sqlite, EightThreadsConsumeDistinctAssertionsWithoutErrorOrLostAuditRow) {
    store_test::TempDir dir;
    const std::int64_t now = util::now_seconds();
    auto gate = Gate::open("sqlite:" + dir.file("gate.db"), {}, gate_test::frozen(now));
    gate->create_account("acme", "Acme", {"example.com"});
    const auto conn = make_conn({});
    gate->add_connection("acme", conn);

    constexpr int threads = 8;
    constexpr int per_thread = 12;
    for (int t = 0; t < threads; ++t) {
        gate->add_member("acme", "user" + std::to_string(t) + "@example.com", policy::Role::member, false);
    }
    // Signed up front: signing is not what is being raced.
    std::vector<std::vector<std::string>> responses(threads);
    for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < per_thread; ++i) {
            responses[t].push_back(response_for(*conn, now, "user" + std::to_string(t) + "@example.com"));
        }
    }
    const std::size_t rows_before = gate->read_audit("acme", 0, 100000).size();

    std::atomic<int> accepted{0};
    std::vector<std::string> failures(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (const auto &r : responses[t]) {
                const auto o = gate->consume("okta", r, {});
                if (o.accepted()) {
                    ++accepted;
                } else if (failures[t].empty()) {
                    failures[t] = o.reason + ": " + o.reason_text;
                }
            }
        });
    }
    for (auto &th : pool) th.join();
    for (const auto &f : failures) EXPECT_EQ(f, "");
    EXPECT_EQ(accepted.load(), threads * per_thread);

    const auto rows = gate->read_audit("acme", 0, 100000);
    ASSERT_EQ(rows.size(), rows_before + threads * per_thread);
    std::set<std::int64_t> seqs;
    int logins = 0;
    for (const auto &r : rows) {
        seqs.insert(r.seq);
        if (r.outcome == "LOGIN") ++logins;
    }
    EXPECT_EQ(seqs.size(), rows.size()) << "every row has its own seq";
    EXPECT_EQ(logins, threads * per_thread);
}

#if SSOGATE_WITH_REDIS  // built without Redis: these tests do not exist (not skipped passes)
TEST(gate_redis, LoginsAreRefusedWhileRedisIsDownAndWorkWhenItReturns) {
    store_test::TempDir dir;
    store_test::RedisServer redis;
    const std::int64_t now = util::now_seconds();
    GateOptions options = gate_test::frozen(now);
    options.stores.redis_connect_timeout_ms = 300;
    options.stores.redis_command_timeout_ms = 300;
    auto gate = Gate::open("sqlite:" + dir.file("gate.db"), redis.url(), options);
    gate->create_account("acme", "Acme", {"example.com"});
    const auto conn = make_conn({});
    gate->add_connection("acme", conn);
    gate->add_member("acme", "alice@example.com", policy::Role::member, false);

    EXPECT_TRUE(gate->consume("okta", response_for(*conn, now, "alice@example.com"), {}).accepted());

    redis.stop();
    const auto down = gate->consume("okta", response_for(*conn, now, "alice@example.com"), {});
    EXPECT_EQ(down.kind, OutcomeKind::denied);
    EXPECT_EQ(down.error, Code::store_unavailable) << down.reason_text;
    EXPECT_EQ(down.reason, "STORE_UNAVAILABLE");
    EXPECT_FALSE(down.login.has_value());
    // The refusal is audited in the directory (SQLite is still up).
    EXPECT_EQ(gate->read_audit("acme").back().reason, "STORE_UNAVAILABLE");
    // begin_login needs the pending-request store too.
    try {
        (void)gate->begin_login("okta", "/", LoginBinding::redirect);
        ADD_FAILURE() << "begin_login succeeded with Redis down";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::store_unavailable) << e.what();
    }

    redis.start();
    const auto back = gate->consume("okta", response_for(*conn, now, "alice@example.com"), {});
    EXPECT_TRUE(back.accepted()) << back.reason << ": " << back.reason_text;
}

TEST(gate_redis, TwoNodesShareRequestsAndReplayState) {
    store_test::TempDir dir;
    store_test::RedisServer redis;
    const std::int64_t now = util::now_seconds();
    const std::string db = "sqlite:" + dir.file("gate.db");
    auto node_a = Gate::open(db, redis.url(), gate_test::frozen(now));
    auto node_b = Gate::open(db, redis.url(), gate_test::frozen(now));
    node_a->create_account("acme", "Acme", {"example.com"});
    const auto conn = make_conn({});
    node_a->add_connection("acme", conn);
    node_a->add_member("acme", "alice@example.com", policy::Role::member, false);

    // The login begins on node A and the IdP's POST lands on node B.
    const auto begun = node_a->begin_login("okta", "/home", LoginBinding::redirect);
    const std::string answer = response_for(*conn, now, "alice@example.com", begun.request_id);
    const auto o = node_b->consume("okta", answer, begun.relay_state);
    EXPECT_TRUE(o.accepted()) << o.reason << ": " << o.reason_text;
    EXPECT_EQ(o.return_to, "/home");

    // The same assertion replayed at node A (without RelayState) is refused by the shared cache.
    const std::string unsolicited = response_for(*conn, now, "alice@example.com");
    EXPECT_TRUE(node_a->consume("okta", unsolicited, {}).accepted());
    const auto replay = node_b->consume("okta", unsolicited, {});
    EXPECT_EQ(replay.error, Code::replayed) << replay.reason_text;
}

// Two processes, each with its own Gate (its own SQLite and Redis connections, as two nodes would have),
// consume one signed assertion 500 times each: exactly one logs in (gate_race_support.hpp).
TEST(gate_redis, TwoProcessesRaceAThousandConsumesOfOneAssertionAndExactlyOneLogsIn) {
    store_test::TempDir dir;
    store_test::RedisServer redis;
    const std::int64_t now = util::now_seconds();
    const std::string db = "sqlite:" + dir.file("gate.db");
    std::string response;
    std::size_t rows_before = 0;
    {
        auto admin = Gate::open(db, redis.url(), gate_test::frozen(now));
        admin->create_account("acme", "Acme", {"example.com"});
        const auto conn = make_conn({});
        admin->add_connection("acme", conn);
        admin->add_member("acme", "alice@example.com", policy::Role::member, false);
        response = response_for(*conn, now, "alice@example.com");
        rows_before = admin->read_audit("acme", 0, 100000).size();
    }  // closed before the fork: each child opens its own connections
    gate_test::expect_one_login_of_one_assertion(db, redis.url(), now, response, rows_before, 500);
}

#endif  // SSOGATE_WITH_REDIS

// "Disk full", for real: a child process whose file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so
// writes fail with EFBIG) lets the SQLite file and its WAL grow only a little. Logins go through
// until the limit is hit; from then on every consume is DENIED with STORE_UNAVAILABLE, never an
// accepted login without its directory change. Afterwards, with room again, the file holds exactly
// the logins that were accepted (nothing lost, nothing half-written) and logins work again.
TEST(gate_sqlite, ADiskThatFillsUpRefusesLoginsAndLosesNothing) {
    store_test::TempDir dir;
    const std::int64_t now = util::now_seconds();
    const std::string path = dir.file("gate.db");
    const auto conn = make_conn({});
    std::size_t rows_before = 0;
    {
        auto admin = Gate::open("sqlite:" + path, {}, gate_test::frozen(now));
        admin->create_account("acme", "Acme", {"example.com"});
        admin->add_connection("acme", conn);
        admin->add_member("acme", "alice@example.com", policy::Role::member, false);
        rows_before = admin->read_audit("acme", 0, 100000).size();
    }
    constexpr int kAttempts = 120;
    std::vector<std::string> responses;
    for (int i = 0; i < kAttempts; ++i) responses.push_back(response_for(*conn, now, "alice@example.com"));

    // The child answers "accepted refused_unavailable other|first other".
    auto work = [&] {
        auto gate = Gate::open("sqlite:" + path, {}, gate_test::frozen(now));
        std::error_code ec;
        std::uintmax_t biggest = std::filesystem::file_size(path, ec);
        const std::uintmax_t wal = std::filesystem::file_size(path + "-wal", ec);
        if (!ec && wal > biggest) biggest = wal;
        ::signal(SIGXFSZ, SIG_IGN);
        rlimit limit{};
        limit.rlim_cur = limit.rlim_max = static_cast<rlim_t>(biggest + 96 * 1024);
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return std::string("Esetrlimit failed");
        int accepted = 0, unavailable = 0, other = 0;
        std::string first_other;
        for (const auto &r : responses) {
            const auto o = gate->consume("okta", r, {});
            if (o.accepted()) {
                if (unavailable > 0 && other++ == 0) first_other = "a login was accepted after the disk filled up";
                ++accepted;
            } else if (o.error == Code::store_unavailable) {
                ++unavailable;
            } else if (other++ == 0) {
                first_other = o.reason + ": " + o.reason_text;
            }
        }
        return std::to_string(accepted) + " " + std::to_string(unavailable) + " " + std::to_string(other) + "|" +
               first_other;
    };
    const std::string result = store_test::collect(store_test::spawn(work));
    int accepted = 0, unavailable = 0, other = 0;
    ASSERT_EQ(std::sscanf(result.c_str(), "%d %d %d|", &accepted, &unavailable, &other), 3) << result;
    EXPECT_EQ(other, 0) << result;
    EXPECT_GT(accepted, 0) << "some logins fit before the limit: " << result;
    EXPECT_GT(unavailable, 0) << "the limit was reached: " << result;
    EXPECT_EQ(accepted + unavailable, kAttempts);
    RecordProperty("accepted_before_full", accepted);

    // Room again (this process has no limit): exactly the accepted logins are in the file.
    auto gate = Gate::open("sqlite:" + path, {}, gate_test::frozen(now));
    const auto rows = gate->read_audit("acme", 0, 100000);
    int logins = 0;
    for (std::size_t i = rows_before; i < rows.size(); ++i) logins += rows[i].outcome == "LOGIN";
    EXPECT_EQ(logins, accepted) << "every accepted login has its row; no refused one has";
    const auto again = gate->consume("okta", response_for(*conn, now, "alice@example.com"), {});
    EXPECT_TRUE(again.accepted()) << again.reason << ": " << again.reason_text;
}
