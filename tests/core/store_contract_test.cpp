// The one contract every store implementation passes: the same tests run against memory, SQLite
// and (for the shared state) Redis.
#include "error.hpp"
#include "store/directory.hpp"
#include "store/pending_requests.hpp"
#include "store/redis.hpp"
#include "store/replay_memory.hpp"
#include "store/sqlite.hpp"
#include "store_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

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

std::string param_name(const testing::TestParamInfo<std::string> &info) { return info.param; }

constexpr std::int64_t kNow = 1'700'000'000;

// ---------------------------------------------------------------------------------------------
// Directory

class store_directory_contract : public testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "memory") {
            dir_ = make_memory_directory();
        } else {
            dir_ = make_sqlite_directory(open_sqlite(tmp_.file("dir.db")));
        }
        Account a;
        a.id = "acc1";
        a.name = "Acme";
        a.verified_domains = {"Example.com"};
        a.break_glass = {"Owner@example.com"};
        dir_->put_account(a);
    }

    AuditEntry audit(const std::string &outcome, const std::string &email = "") {
        AuditEntry e;
        e.time = kNow;
        e.account_id = "acc1";
        e.connection_id = "conn1";
        e.email = email;
        e.outcome = outcome;
        e.reason = "TEST";
        return e;
    }

    store_test::TempDir tmp_;
    std::unique_ptr<Directory> dir_;
};

TEST_P(store_directory_contract, AccountsRoundTripLowerCasedAndReplace) {
    auto a = dir_->find_account("acc1");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->name, "Acme");
    EXPECT_EQ(a->sso_mode, policy::SsoMode::mixed);
    EXPECT_EQ(a->verified_domains, std::vector<std::string>{"example.com"});
    EXPECT_EQ(a->break_glass, std::vector<std::string>{"owner@example.com"});
    a->sso_mode = policy::SsoMode::enforced;
    dir_->put_account(*a);
    EXPECT_EQ(dir_->find_account("acc1")->sso_mode, policy::SsoMode::enforced);
    EXPECT_FALSE(dir_->find_account("nope"));
}

TEST_P(store_directory_contract, ConnectionsStoreTheJsonVerbatim) {
    const std::string json = R"({"schema_version":1,"id":"conn1","x":"\u00e9"})";
    dir_->put_connection({"conn1", "acc1", json, true});
    dir_->put_connection({"conn0", "acc1", "{}", false});
    auto c = dir_->find_connection("conn1");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->json, json);
    EXPECT_TRUE(c->enabled);
    const auto list = dir_->list_connections("acc1");
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].id, "conn0");
    EXPECT_FALSE(list[0].enabled);
    dir_->remove_connection("conn0");
    EXPECT_FALSE(dir_->find_connection("conn0"));
    EXPECT_EQ(code_of([&] { dir_->remove_connection("conn0"); }), Code::not_found);
    EXPECT_EQ(code_of([&] { dir_->put_connection({"c", "no-such-account", "{}", true}); }), Code::not_found);
}

TEST_P(store_directory_contract, MembersAreKeyedByLowerCasedEmail) {
    Member m;
    m.account_id = "acc1";
    m.email = "Alice@Example.COM";
    m.role = policy::Role::admin;
    m.has_password = true;
    dir_->put_member(m);
    auto got = dir_->find_member("acc1", "alice@example.com");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->email, "alice@example.com");
    EXPECT_EQ(got->role, policy::Role::admin);
    EXPECT_TRUE(got->has_password);
    EXPECT_FALSE(got->sso_linked);
    EXPECT_TRUE(dir_->find_member("acc1", "ALICE@example.com"));
    EXPECT_FALSE(dir_->find_member("other", "alice@example.com"));
    m.status = policy::MemberStatus::disabled;
    dir_->put_member(m);
    EXPECT_EQ(dir_->find_member("acc1", "alice@example.com")->status, policy::MemberStatus::disabled);
    EXPECT_EQ(dir_->list_members("acc1").size(), 1u);
    m.account_id = "nope";
    EXPECT_EQ(code_of([&] { dir_->put_member(m); }), Code::not_found);
}

TEST_P(store_directory_contract, RecordSsoLoginLinksAndAudits) {
    Member m;
    m.account_id = "acc1";
    m.email = "alice@example.com";
    dir_->put_member(m);
    dir_->record_sso_login("acc1", "ALICE@example.com", kNow + 5, audit("LOGIN", "alice@example.com"));
    const auto got = dir_->find_member("acc1", "alice@example.com");
    EXPECT_TRUE(got->sso_linked);
    EXPECT_EQ(got->last_sso_login, kNow + 5);
    const auto log = dir_->read_audit("acc1", 0, 100);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].outcome, "LOGIN");
    EXPECT_EQ(code_of([&] { dir_->record_sso_login("acc1", "bob@example.com", kNow, audit("LOGIN")); }),
              Code::not_found);
    EXPECT_EQ(dir_->read_audit("acc1", 0, 100).size(), 1u) << "a failed decision must not leave its audit row";
}

TEST_P(store_directory_contract, InvitesExpireAndAreConsumedOnce) {
    dir_->put_invite({"acc1", "New@Example.com", policy::Role::admin, "tok-1", kNow, kNow + 60});
    EXPECT_TRUE(dir_->find_invite("acc1", "new@example.com", kNow + 59));
    EXPECT_FALSE(dir_->find_invite("acc1", "new@example.com", kNow + 60));
    EXPECT_EQ(code_of([&] {
                  dir_->accept_invite("acc1", "new@example.com", policy::JoinedVia::sso, false, kNow + 60,
                                      audit("JOIN_BY_INVITE"));
              }),
              Code::not_found);
    const auto m = dir_->accept_invite("acc1", "NEW@example.com", policy::JoinedVia::sso, false, kNow + 1,
                                       audit("JOIN_BY_INVITE", "new@example.com"));
    EXPECT_EQ(m.role, policy::Role::admin);
    EXPECT_EQ(m.joined_via, policy::JoinedVia::sso);
    EXPECT_TRUE(m.sso_linked);
    EXPECT_TRUE(dir_->find_member("acc1", "new@example.com"));
    EXPECT_FALSE(dir_->find_invite("acc1", "new@example.com", kNow + 1));
    EXPECT_EQ(code_of([&] {
                  dir_->accept_invite("acc1", "new@example.com", policy::JoinedVia::sso, false, kNow + 1,
                                      audit("JOIN_BY_INVITE"));
              }),
              Code::not_found);
    EXPECT_EQ(dir_->read_audit("acc1", 0, 100).size(), 1u);
}

TEST_P(store_directory_contract, AcceptingAnInviteForAnExistingMemberChangesNothing) {
    Member m;
    m.account_id = "acc1";
    m.email = "dup@example.com";
    dir_->put_member(m);
    dir_->put_invite({"acc1", "dup@example.com", policy::Role::owner, "tok-2", kNow, kNow + 60});
    EXPECT_EQ(code_of([&] {
                  dir_->accept_invite("acc1", "dup@example.com", policy::JoinedVia::password, true, kNow,
                                      audit("JOIN_BY_INVITE"));
              }),
              Code::store_conflict);
    EXPECT_TRUE(dir_->find_invite("acc1", "dup@example.com", kNow)) << "the rolled-back change kept the invite";
    EXPECT_EQ(dir_->find_member("acc1", "dup@example.com")->role, policy::Role::member);
    EXPECT_TRUE(dir_->read_audit("acc1", 0, 100).empty());
    dir_->revoke_invite("acc1", "dup@example.com");
    EXPECT_EQ(code_of([&] { dir_->revoke_invite("acc1", "dup@example.com"); }), Code::not_found);
}

TEST_P(store_directory_contract, JoinTokensAreRedeemedExactlyOnce) {
    dir_->put_join_token({"jt-1", "acc1", "conn1", "Carol@example.com", kNow + 600});
    EXPECT_EQ(code_of([&] {
                  dir_->put_join_token({"jt-1", "acc1", "conn1", "x@example.com", kNow + 600});
              }),
              Code::store_conflict);
    const auto found = dir_->find_join_token("jt-1", kNow);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->account_id, "acc1");
    EXPECT_EQ(found->connection_id, "conn1");
    EXPECT_EQ(found->email, "carol@example.com");
    EXPECT_EQ(found->expires_at, kNow + 600);
    EXPECT_FALSE(dir_->find_join_token("jt-1", kNow + 600)) << "expired at expires_at";
    EXPECT_FALSE(dir_->find_join_token("jt-nope", kNow));
    EXPECT_TRUE(dir_->find_join_token("jt-1", kNow)) << "finding does not consume";
    AuditEntry a;
    a.time = kNow;
    a.outcome = "JOINED";
    a.reason = "JIT_DOMAIN_MATCH";
    const auto m = dir_->redeem_join_token("jt-1", kNow, a);
    EXPECT_EQ(m.email, "carol@example.com");
    EXPECT_EQ(m.role, policy::Role::member);
    EXPECT_EQ(m.joined_via, policy::JoinedVia::sso);
    EXPECT_TRUE(m.sso_linked);
    EXPECT_EQ(code_of([&] { dir_->redeem_join_token("jt-1", kNow, a); }), Code::not_found);
    EXPECT_FALSE(dir_->find_join_token("jt-1", kNow)) << "a used token is gone";
    const auto log = dir_->read_audit("", 0, 100);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].account_id, "acc1") << "filled from the token";
    EXPECT_EQ(log[0].connection_id, "conn1");
    EXPECT_EQ(log[0].email, "carol@example.com");

    dir_->put_join_token({"jt-2", "acc1", "conn1", "dave@example.com", kNow + 10});
    EXPECT_EQ(code_of([&] { dir_->redeem_join_token("jt-2", kNow + 10, a); }), Code::not_found) << "expired";
}

TEST_P(store_directory_contract, AddMemberRefusesDuplicates) {
    Member m;
    m.account_id = "acc1";
    m.email = "eve@example.com";
    dir_->add_member(m, audit("ADDED", "eve@example.com"));
    EXPECT_EQ(code_of([&] { dir_->add_member(m, audit("ADDED", "eve@example.com")); }), Code::store_conflict);
    EXPECT_EQ(dir_->read_audit("acc1", 0, 100).size(), 1u);
}

TEST_P(store_directory_contract, AuditLogIsOrderedAndPaged) {
    for (int i = 0; i < 5; ++i) {
        auto e = audit("DENY");
        e.detail = std::to_string(i);
        e.account_id = i % 2 ? "acc2" : "acc1";
        const auto row = dir_->append_audit(e);
        EXPECT_EQ(row.detail, std::to_string(i));
        EXPECT_GT(row.seq, 0);
    }
    const auto all = dir_->read_audit("", 0, 100);
    ASSERT_EQ(all.size(), 5u);
    for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].seq, all[i].seq);
    EXPECT_EQ(dir_->read_audit("acc1", 0, 100).size(), 3u);
    const auto page = dir_->read_audit("", all[1].seq, 2);
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(page[0].detail, "2");
    EXPECT_EQ(page[1].detail, "3");
}

INSTANTIATE_TEST_SUITE_P(all, store_directory_contract, testing::Values("memory", "sqlite"), param_name);

// ---------------------------------------------------------------------------------------------
// Shared state: pending requests and the replay cache

class store_shared_contract : public testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "memory") {
            pending_ = make_memory_pending_requests();
        } else if (GetParam() == "sqlite") {
            db_ = open_sqlite(tmp_.file("shared.db"));
            pending_ = make_sqlite_pending_requests(db_);
        } else {
            redis_ = std::make_unique<store_test::RedisServer>();
            client_ = make_redis_client(parse_redis_url(redis_->url()));
            pending_ = make_redis_pending_requests(client_);
        }
        replay_ = make_replay({});
    }

    // A replay cache of this kind over the same database or server, with the given limits.
    std::unique_ptr<ReplayCache> make_replay(ReplayLimits limits) {
        auto clock = [this] { return now_.load(); };
        if (GetParam() == "memory") return std::make_unique<MemoryReplayCache>(clock, limits);
        if (GetParam() == "sqlite") return make_sqlite_replay_cache(db_, clock, limits);
        return make_redis_replay_cache(client_, clock, limits);
    }

    bool real_time_expiry() const { return GetParam() == "redis"; }

    store_test::TempDir tmp_;
    std::unique_ptr<store_test::RedisServer> redis_;
    std::shared_ptr<SqliteDatabase> db_;
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

INSTANTIATE_TEST_SUITE_P(all, store_shared_contract, testing::Values("memory", "sqlite", "redis"), param_name);

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
