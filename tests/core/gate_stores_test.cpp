// The Gate over real stores: SQLite under concurrent consumes, Redis going away and coming back, and
// two Gates (two nodes) sharing one SQLite file and one Redis.
#include "gate_support.hpp"
#include "store_support.hpp"

#include "error.hpp"

#include <gtest/gtest.h>

#include <atomic>
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
