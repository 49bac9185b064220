// Redis-specific guarantees: fail closed while Redis is down or hung and recover when it returns,
// and exactly one winner per key when two processes race on one Redis. Each test starts its own
// redis-server on a free 127.0.0.1 port.
#include "error.hpp"
#include "store/open.hpp"
#include "store/redis.hpp"
#include "store_support.hpp"
#include "util/time.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace ssogate::core;
using namespace ssogate::core::store;

namespace {

template <typename F>
Error error_of(F &&f) {
    try {
        f();
    } catch (const Error &e) {
        return e;
    }
    return Error(Code::ok, "no error");
}

std::int64_t later() { return util::now_seconds() + 600; }

}  // namespace

TEST(store_redis, DownMeansUnavailableAndServiceResumesWhenRedisReturns) {
    store_test::RedisServer server;
    auto client = make_redis_client(parse_redis_url(server.url()));
    auto replay = make_redis_replay_cache(client);
    auto pending = make_redis_pending_requests(client);
    EXPECT_TRUE(replay->insert_if_absent("c1", "before", later()));

    server.stop();
    const auto e = error_of([&] { replay->insert_if_absent("c1", "during", later()); });
    EXPECT_EQ(e.code(), Code::store_unavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find("Redis at 127.0.0.1:" + std::to_string(server.port()) + " did not answer"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(error_of([&] { pending->take("tok", util::now_seconds()); }).code(), Code::store_unavailable)
        << "never 'not found' when Redis cannot say";
    EXPECT_EQ(error_of([&] { pending->put("tok", {"_r", "c", "/", 0, later()}); }).code(), Code::store_unavailable);

    server.start();  // same port
    EXPECT_TRUE(replay->insert_if_absent("c1", "during", later())) << "reconnected on the next call";
    EXPECT_FALSE(replay->insert_if_absent("c1", "during", later()));
    pending->put("tok", {"_r", "c", "/", util::now_seconds(), later()});
    EXPECT_TRUE(pending->take("tok", util::now_seconds()));
}

TEST(store_redis, AHungRedisHitsTheCommandTimeout) {
    store_test::RedisServer server;
    RedisOptions o = parse_redis_url(server.url());
    o.command_timeout_ms = 200;
    auto replay = make_redis_replay_cache(make_redis_client(o));
    EXPECT_TRUE(replay->insert_if_absent("c1", "a", later()));
    // A frozen server accepts the bytes but never answers: only the timeout can save the caller.
    server.freeze();
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(error_of([&] { replay->insert_if_absent("c1", "b", later()); }).code(), Code::store_unavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
    server.thaw();
    EXPECT_TRUE(replay->insert_if_absent("c1", "c", later()));
}

TEST(store_redis, TwoProcessesRaceOnOneRedisAndEachKeyHasExactlyOneWinner) {
    store_test::RedisServer server;
    constexpr int kKeys = 1000, kRequests = 200;
    {
        // Requests both processes will try to take.
        auto pending = make_redis_pending_requests(make_redis_client(parse_redis_url(server.url())));
        for (int i = 0; i < kRequests; ++i)
            pending->put("tok-" + std::to_string(i),
                         {"_req" + std::to_string(i), "conn", "/", util::now_seconds(), later()});
    }
    const std::string url = server.url();
    // Each process answers with one character per key and per request: '1' if it won.
    auto work = [url] {
        auto client = make_redis_client(parse_redis_url(url));  // after fork: one connection per process
        auto replay = make_redis_replay_cache(client);
        auto pending = make_redis_pending_requests(client);
        std::string won;
        for (int i = 0; i < kKeys; ++i)
            won += replay->insert_if_absent("c1", "conn:_a" + std::to_string(i), later()) ? '1' : '0';
        for (int i = 0; i < kRequests; ++i) {
            const bool took =
                i % 2
                    ? pending->take("tok-" + std::to_string(i), util::now_seconds()).has_value()
                    : pending->take_by_request_id("conn", "_req" + std::to_string(i), util::now_seconds()).has_value();
            won += took ? '1' : '0';
        }
        return won;
    };
    store_test::Child a = store_test::spawn(work), b = store_test::spawn(work);
    const std::string ra = store_test::collect(a), rb = store_test::collect(b);
    ASSERT_EQ(ra.size(), static_cast<std::size_t>(kKeys + kRequests)) << ra.substr(0, 300);
    ASSERT_EQ(rb.size(), static_cast<std::size_t>(kKeys + kRequests)) << rb.substr(0, 300);
    int wins_a = 0;
    for (std::size_t i = 0; i < ra.size(); ++i) {
        EXPECT_NE(ra[i], rb[i]) << "index " << i << ": " << (ra[i] == '1' ? "both won" : "nobody won");
        wins_a += ra[i] == '1';
    }
    // Not an assertion about fairness, only a sign that the two really ran at the same time.
    RecordProperty("process_a_wins", wins_a);
}

TEST(store_redis, UrlsAndKeyPrefix) {
    auto o = parse_redis_url("redis://127.0.0.1:6390/3");
    EXPECT_EQ(o.host, "127.0.0.1");
    EXPECT_EQ(o.port, 6390);
    EXPECT_EQ(o.db, 3);
    EXPECT_EQ(parse_redis_url("redis://:7000").host, "127.0.0.1");
    for (const char *bad :
         {"redis://127.0.0.1", "redis://h:0", "redis://h:70000", "redis://h:1/x", "http://h:1", "redis://user:pw@h:1"})
        EXPECT_EQ(error_of([&] { parse_redis_url(bad); }).code(), Code::store_location) << bad;

    store_test::RedisServer server;
    RedisOptions ro = parse_redis_url(server.url() + "/2");
    ro.key_prefix = "tenant-a:";
    auto replay_a = make_redis_replay_cache(make_redis_client(ro));
    ro.key_prefix = "tenant-b:";
    auto replay_b = make_redis_replay_cache(make_redis_client(ro));
    EXPECT_TRUE(replay_a->insert_if_absent("c1", "same", later()));
    EXPECT_TRUE(replay_b->insert_if_absent("c1", "same", later())) << "prefixes keep deployments apart";
    EXPECT_FALSE(replay_a->insert_if_absent("c1", "same", later()));
}

TEST(store_redis, OpenStoresPutsSharedStateInRedisAndTheDirectoryElsewhere) {
    store_test::RedisServer server;
    store_test::TempDir tmp;
    auto stores = open_stores("sqlite:" + tmp.file("dir.db"), server.url());
    EXPECT_TRUE(stores.replay->insert_if_absent("c1", "x", later()));
    // A second node: its own directory file, the same Redis.
    auto node2 = open_stores("memory:", server.url());
    EXPECT_FALSE(node2.replay->insert_if_absent("c1", "x", later())) << "nodes share the replay cache";
    stores.pending->put("tok", {"_r", "c", "/", util::now_seconds(), later()});
    EXPECT_TRUE(node2.pending->take("tok", util::now_seconds()));
    EXPECT_FALSE(stores.pending->take("tok", util::now_seconds()));

    EXPECT_EQ(error_of([&] { open_stores(server.url()); }).code(), Code::store_location);
    EXPECT_EQ(error_of([&] { open_stores("sqlite:"); }).code(), Code::store_location);
    EXPECT_EQ(error_of([&] { open_stores("postgres://x"); }).code(), Code::store_location);
    EXPECT_EQ(error_of([&] { open_stores("memory:", "memcached://x"); }).code(), Code::store_location);
    auto mem = open_stores("memory:");
    EXPECT_TRUE(mem.directory && mem.replay && mem.pending);
}

TEST(store_redis, CheckAsksEveryStoreAndNamesTheOneThatDoesNotAnswer) {
    store_test::RedisServer server;
    store_test::TempDir tmp;
    auto stores = open_stores("sqlite:" + tmp.file("dir.db"), server.url());
    stores.directory->check();
    stores.replay->check();
    stores.pending->check();

    server.freeze();  // accepts the connection, answers nothing: the command timeout decides
    auto e = error_of([&] { stores.replay->check(); });
    EXPECT_EQ(e.code(), Code::store_unavailable) << e.what();
    server.thaw();
    server.stop();
    e = error_of([&] { stores.pending->check(); });
    EXPECT_EQ(e.code(), Code::store_unavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << e.what();
    stores.directory->check();  // the SQLite file still answers

    server.start();
    stores.replay->check();
    stores.pending->check();
}
