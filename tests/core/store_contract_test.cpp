// The one contract every store implementation passes: the same tests run against memory, SQLite,
// PostgreSQL (a private server per test) and (for the shared state) Redis.
#include "error.hpp"
#include "postgres_support.hpp"
#include "store/directory.hpp"
#include "store/pending_requests.hpp"
#include "store/postgres.hpp"
#include "store/redis.hpp"
#include "store/replay_memory.hpp"
#include "store/sql/connection.hpp"
#include "store/sqlite.hpp"
#include "store_support.hpp"
#include "testing/directory_contract.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

using namespace ssogate::core;
using namespace ssogate::core::store;

namespace {

template <typename F>
Code code_of(F &&f) {
    try {
        f();
    } catch (const Error &e) {
        return e.code();
    }
    return Code::ok;
}

std::string param_name(const ::testing::TestParamInfo<std::string> &info) { return info.param; }

constexpr std::int64_t kNow = 1'700'000'000;

// ---------------------------------------------------------------------------------------------
// Directory

// The contract itself lives in core (testing/directory_contract.cpp) so that the C ABI, Python and Go
// run the very same checks over their directories.

class store_directory_contract : public ::testing::TestWithParam<std::string> {
protected:
    std::unique_ptr<Directory> make_directory() {
        if (GetParam() == "memory") return make_memory_directory();
        if (GetParam() == "postgres") {
            pg_ = std::make_unique<store_test::PostgresServer>();
            return sql::make_directory(as_connection(open_postgres(pg_->url())));
        }
        return make_sqlite_directory(open_sqlite(tmp_.file("dir.db")));
    }

    store_test::TempDir tmp_;
    std::unique_ptr<store_test::PostgresServer> pg_;
};

TEST_P(store_directory_contract, PassesEveryCheck) {
    auto dir = make_directory();
    try {
        ssogate::core::testing::check_directory_contract(*dir);
    } catch (const Error &e) {
        FAIL() << code_name(e.code()) << ": " << e.what();
    }
}

// A directory that forwards to a real one, with one behaviour broken at a time: the contract must
// notice each, naming the check (so a passing contract means something).
class Broken final : public Directory {
public:
    enum class Flaw { ignores_expiry, not_atomic, no_compare_and_swap };
    Broken(std::unique_ptr<Directory> real, Flaw flaw) : d_(std::move(real)), flaw_(flaw) {}

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
        Change c = change;
        std::vector<std::int64_t> seqs;
        for (auto &op : c.ops) {
            if (auto *t = std::get_if<TakeJoinToken>(&op); t && flaw_ == Flaw::ignores_expiry) t->now = INT64_MIN;
            if (auto *u = std::get_if<UpdateMember>(&op); u && flaw_ == Flaw::no_compare_and_swap) {
                if (auto stored = d_->find_member(u->before.account_id, u->before.email)) u->before = *stored;
            }
            // One transaction per operation: the earlier ones stay when a later one fails.
            if (flaw_ == Flaw::not_atomic) {
                for (auto s : d_->apply(Change{{op}})) seqs.push_back(s);
            }
        }
        if (flaw_ == Flaw::not_atomic) return seqs;
        return d_->apply(c);
    }

private:
    std::unique_ptr<Directory> d_;
    Flaw flaw_;
};

std::string contract_failure(Broken::Flaw flaw) {
    Broken dir(make_memory_directory(), flaw);
    try {
        ssogate::core::testing::check_directory_contract(dir);
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::store_corrupt) << e.what();
        return e.what();
    }
    return "passed";
}

TEST(store_directory_contract_catches, ATokenTakenAfterItsExpiry) {
    EXPECT_EQ(
        contract_failure(Broken::Flaw::ignores_expiry),
        "directory contract, take_join_token: take_join_token at its expires_at: expected NOT_FOUND, got success");
}

TEST(store_directory_contract_catches, AChangeThatIsNotAllOrNothing) {
    EXPECT_EQ(contract_failure(Broken::Flaw::not_atomic),
              "directory contract, a failed change leaves nothing behind: the failed change consumed the join token");
}

TEST(store_directory_contract_catches, AnUpdateWithoutCompareAndSwap) {
    EXPECT_EQ(contract_failure(Broken::Flaw::no_compare_and_swap),
              "directory contract, update_member: update_member whose before no longer matches (status changed): "
              "expected STORE_CONFLICT, got success");
}

INSTANTIATE_TEST_SUITE_P(all, store_directory_contract, ::testing::Values("memory", "sqlite", "postgres"), param_name);

// ---------------------------------------------------------------------------------------------
// Shared state: pending requests and the replay cache

class store_shared_contract : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "memory") {
            pending_ = make_memory_pending_requests();
        } else if (GetParam() == "sqlite") {
            db_ = open_sqlite(tmp_.file("shared.db"));
            pending_ = make_sqlite_pending_requests(db_);
        } else if (GetParam() == "postgres") {
            pg_ = std::make_unique<store_test::PostgresServer>();
            pgdb_ = as_connection(open_postgres(pg_->url()));
            pending_ = sql::make_pending_requests(pgdb_);
        } else {
#if SSOGATE_WITH_REDIS
            redis_ = std::make_unique<store_test::RedisServer>();
            client_ = make_redis_client(parse_redis_url(redis_->url()));
            pending_ = make_redis_pending_requests(client_);
#endif
        }
        replay_ = make_replay({});
    }

    // A replay cache of this kind over the same database or server, with the given limits.
    std::unique_ptr<ReplayCache> make_replay(ReplayLimits limits) {
        auto clock = [this] { return now_.load(); };
        if (GetParam() == "memory") return std::make_unique<MemoryReplayCache>(clock, limits);
        if (GetParam() == "sqlite") return make_sqlite_replay_cache(db_, clock, limits);
        if (GetParam() == "postgres") return sql::make_replay_cache(pgdb_, clock, limits);
        return make_redis_replay_cache(client_, clock, limits);
    }

    bool real_time_expiry() const { return GetParam() == "redis"; }

    store_test::TempDir tmp_;
#if SSOGATE_WITH_REDIS
    std::unique_ptr<store_test::RedisServer> redis_;
#endif
    std::shared_ptr<SqliteDatabase> db_;
    std::unique_ptr<store_test::PostgresServer> pg_;
    std::shared_ptr<sql::Connection> pgdb_;
    std::shared_ptr<RedisClient> client_;
    std::atomic<std::int64_t> now_{kNow};
    std::unique_ptr<PendingRequests> pending_;
    std::unique_ptr<ReplayCache> replay_;
};

TEST_P(store_shared_contract, PendingRequestIsTakenExactlyOnceByToken) {
    pending_->put("relay-1", {"_req1", "conn1", "/dashboard", kNow, kNow + 600});
    const auto r = pending_->take("relay-1", kNow + 1);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->request_id, "_req1");
    EXPECT_EQ(r->connection_id, "conn1");
    EXPECT_EQ(r->return_to, "/dashboard");
    EXPECT_EQ(r->created_at, kNow);
    EXPECT_EQ(r->expires_at, kNow + 600);
    EXPECT_FALSE(pending_->take("relay-1", kNow + 1));
    EXPECT_FALSE(pending_->take_by_request_id("conn1", "_req1", kNow + 1)) << "either key finds it only once";
}

TEST_P(store_shared_contract, PendingRequestIsTakenExactlyOnceByRequestId) {
    pending_->put("relay-2", {"_req2", "conn1", "", kNow, kNow + 600});
    EXPECT_FALSE(pending_->take_by_request_id("conn2", "_req2", kNow)) << "another connection's request";
    const auto r = pending_->take_by_request_id("conn1", "_req2", kNow);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->return_to, "");
    EXPECT_FALSE(pending_->take_by_request_id("conn1", "_req2", kNow));
    EXPECT_FALSE(pending_->take("relay-2", kNow));
}

TEST_P(store_shared_contract, ExpiredPendingRequestIsNeverReturned) {
    pending_->put("relay-3", {"_req3", "conn1", "/", kNow, kNow + 600});
    EXPECT_FALSE(pending_->take("relay-3", kNow + 600));
    EXPECT_FALSE(pending_->take("relay-3", kNow)) << "an expired take still consumes it";
}

TEST_P(store_shared_contract, DuplicatePendingTokenOrRequestIdConflicts) {
    pending_->put("relay-4", {"_req4", "conn1", "/", kNow, kNow + 600});
    EXPECT_EQ(code_of([&] {
                  pending_->put("relay-4", {"_other", "conn1", "/", kNow, kNow + 600});
              }),
              Code::store_conflict);
    EXPECT_EQ(code_of([&] {
                  pending_->put("relay-5", {"_req4", "conn1", "/", kNow, kNow + 600});
              }),
              Code::store_conflict);
    pending_->put("relay-6", {"_req4", "conn2", "/", kNow, kNow + 600});  // same ID, other connection
    EXPECT_EQ(pending_->take("relay-4", kNow)->connection_id, "conn1");
    EXPECT_EQ(pending_->take("relay-6", kNow)->connection_id, "conn2");
}

TEST_P(store_shared_contract, ConnectionIdsThatShareAPrefixDoNotCollide) {
    pending_->put("t-a", {"b:c", "a", "/", kNow, kNow + 600});
    pending_->put("t-b", {"c", "a:b", "/", kNow, kNow + 600});
    EXPECT_EQ(pending_->take_by_request_id("a:b", "c", kNow)->request_id, "c");
    EXPECT_EQ(pending_->take_by_request_id("a", "b:c", kNow)->request_id, "b:c");
}

TEST_P(store_shared_contract, ReplayCacheAcceptsAKeyOnce) {
    EXPECT_TRUE(replay_->insert_if_absent("c1", "conn1:_a1", kNow + 300));
    EXPECT_FALSE(replay_->insert_if_absent("c1", "conn1:_a1", kNow + 300));
    EXPECT_FALSE(replay_->insert_if_absent("c1", "conn1:_a1", kNow + 900)) << "a later expiry does not reset it";
    EXPECT_TRUE(replay_->insert_if_absent("c1", "conn2:_a1", kNow + 300));
}

TEST_P(store_shared_contract, ReplayEntryIsKeptUntilItsExpiry) {
    EXPECT_TRUE(replay_->insert_if_absent("c1", "k", kNow));
    now_ = kNow;
    EXPECT_FALSE(replay_->insert_if_absent("c1", "k", kNow)) << "kept while expires_at >= now";
    now_ = kNow + 2;
    if (real_time_expiry()) std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_TRUE(replay_->insert_if_absent("c1", "k", kNow + 100)) << "forgotten after it expired";
    EXPECT_FALSE(replay_->insert_if_absent("c1", "k", kNow + 100));
}

// The explain call's read: no record, no purge; the same lifetime as insert_if_absent.
TEST_P(store_shared_contract, ReplayContainsReadsWithoutRecording) {
    EXPECT_EQ(replay_->contains("look"), std::optional<bool>(false));
    EXPECT_EQ(replay_->contains("look"), std::optional<bool>(false)) << "looking recorded nothing";
    EXPECT_TRUE(replay_->insert_if_absent("c1", "look", kNow + 300));
    EXPECT_EQ(replay_->contains("look"), std::optional<bool>(true));
    EXPECT_FALSE(replay_->insert_if_absent("c1", "look", kNow + 300));
    if (real_time_expiry()) return;  // Redis expires by its own clock, minutes from now
    now_ = kNow + 300;
    EXPECT_EQ(replay_->contains("look"), std::optional<bool>(true)) << "kept while expires_at >= now";
    now_ = kNow + 301;
    EXPECT_EQ(replay_->contains("look"), std::optional<bool>(false));
    EXPECT_TRUE(replay_->insert_if_absent("c1", "look", kNow + 900));
}

// One connection whose IdP mints assertions in a loop fills its own share of the cache and no more:
// its logins are refused (fail closed), every other connection's go on.
TEST_P(store_shared_contract, OneConnectionFloodingDoesNotRefuseAnother) {
    auto cache = make_replay(ReplayLimits{50, 0});  // a share of 5 per connection
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(cache->insert_if_absent("flood", "f" + std::to_string(i), kNow + 600));
    std::string message;
    try {
        cache->insert_if_absent("flood", "f5", kNow + 600);
        ADD_FAILURE() << "the flooding connection went past its share";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::store_unavailable);
        message = e.what();
    }
    EXPECT_NE(message.find("'flood'"), std::string::npos) << message;
    EXPECT_NE(message.find("share"), std::string::npos) << message;
    EXPECT_FALSE(cache->insert_if_absent("flood", "f0", kNow + 600)) << "a replay is still recognised when full";
    EXPECT_TRUE(cache->insert_if_absent("quiet", "q0", kNow + 600)) << "another connection still logs in";
    EXPECT_TRUE(cache->insert_if_absent("quiet", "q1", kNow + 600));
}

TEST_P(store_shared_contract, TheTotalIsBoundedAndExpiryFreesRoom) {
    auto cache = make_replay(ReplayLimits{6, 3});
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(cache->insert_if_absent("a", "a" + std::to_string(i), kNow + 60));
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(cache->insert_if_absent("b", "b" + std::to_string(i), kNow + 600));
    EXPECT_EQ(code_of([&] { cache->insert_if_absent("c", "c0", kNow + 600); }), Code::store_unavailable)
        << "six live IDs in all";
    EXPECT_EQ(code_of([&] { cache->insert_if_absent("a", "a3", kNow + 600); }), Code::store_unavailable);
    // Once a's entries expire (counts are kept per minute of expiry in Redis: move past that minute).
    now_ = kNow + 180;
    EXPECT_TRUE(cache->insert_if_absent("c", "c0", kNow + 600)) << "room again once entries expired";
    EXPECT_TRUE(cache->insert_if_absent("a", "a3", kNow + 600));
    EXPECT_FALSE(cache->insert_if_absent("b", "b0", kNow + 600)) << "b's IDs are still live";
}

#if SSOGATE_WITH_REDIS
INSTANTIATE_TEST_SUITE_P(all, store_shared_contract, ::testing::Values("memory", "sqlite", "postgres", "redis"),
                         param_name);
#else  // a build without Redis has no Redis stores to test: the case does not exist rather than pass
INSTANTIATE_TEST_SUITE_P(all, store_shared_contract, ::testing::Values("memory", "sqlite", "postgres"), param_name);
#endif

}  // namespace

// The memory store's own housekeeping (SQLite purges the same way; Redis expires keys itself).
TEST(store_memory_pending, ExpiredRequestsAreDroppedByLaterPutsAndTheCapFailsClosed) {
    auto pending = make_memory_pending_requests(3);
    pending->put("a", {"_a", "conn", "/", kNow, kNow + 10});
    pending->put("b", {"_b", "conn", "/", kNow, kNow + 10});
    pending->put("c", {"_c", "conn", "/", kNow, kNow + 600});
    // Full: three unexpired logins in progress.
    EXPECT_EQ(code_of([&] { pending->put("d", {"_d", "conn", "/", kNow + 5, kNow + 605}); }), Code::store_unavailable);
    // Once a and b have expired, the next put drops them and fits.
    pending->put("d", {"_d", "conn", "/", kNow + 10, kNow + 610});
    EXPECT_FALSE(pending->take("a", INT64_MIN)) << "dropped, not kept until someone comes back";
    EXPECT_FALSE(pending->take_by_request_id("conn", "_b", INT64_MIN));
    EXPECT_TRUE(pending->take("c", kNow + 11));
    EXPECT_TRUE(pending->take_by_request_id("conn", "_d", kNow + 11));
    // A request taken before it expired leaves nothing behind for the purge to trip over.
    pending->put("e", {"_e", "conn", "/", kNow + 700, kNow + 800});
    EXPECT_TRUE(pending->take("e", kNow + 701));
    EXPECT_EQ(code_of([&] { (void)make_memory_pending_requests(0); }), Code::invalid_argument);
}
