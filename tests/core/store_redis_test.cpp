// Redis-specific guarantees: fail closed while Redis is down or hung and recover when it returns,
// and exactly one winner per key when two processes race on one Redis. Each test starts its own
// redis-server on a free 127.0.0.1 port.
#include "error.hpp"
#include "gate_support.hpp"
#include "store/open.hpp"
#include "store/redis.hpp"
#include "store_support.hpp"
#include "util/time.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

using namespace ssogate::core;
using namespace ssogate::core::store;

namespace {

using store_test::error_of;

std::int64_t later() { return util::now_seconds() + 600; }

// The ACL line docs/stores.md gives operators (after "ACL SETUSER"), word for word: the commands the
// stores send (PING, SELECT, EVAL, EXISTS) and those their Lua scripts call, on the ssogate: keys only.
constexpr const char *kDocumentedAcl =
    "ssogate on >PASSWORD resetkeys ~ssogate:* resetchannels -@all +ping +select +eval +exists +get +set +del "
    "+hset +hmget +hgetall +hdel +hincrby +pexpire +pttl";

// One ACL "user" line as redis-server arguments, PASSWORD replaced by `password`.
std::vector<std::string> acl_words(std::string line, const std::string &password) {
    if (const auto at = line.find("PASSWORD"); at != std::string::npos) line.replace(at, 8, password);
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

// A password with every character a location must percent-encode, and its encoded form.
const std::string kPassword = "p@ss:w/rd#1%";
const std::string kPasswordEncoded = "p%40ss%3Aw%2Frd%231%25";

void expect_no_password(const Error &e, const std::string &password) {
    EXPECT_EQ(std::string(e.what()).find(password), std::string::npos) << e.what();
}

// Every operation both Redis stores perform, so an ACL that lacks one command fails here.
void exercise_stores(const std::shared_ptr<RedisClient> &client, const std::string &tag) {
    std::int64_t t = util::now_seconds();
    auto replay = make_redis_replay_cache(client, [&t] { return t; });
    auto pending = make_redis_pending_requests(client);
    replay->check();
    pending->check();
    EXPECT_TRUE(replay->insert_if_absent("c1", tag, t + 600));
    EXPECT_FALSE(replay->insert_if_absent("c1", tag, t + 600));
    EXPECT_EQ(replay->contains(tag), std::optional<bool>(true));
    t += 3600;  // the first ID's minute of expiry is past: this insert drops its count (HDEL)
    EXPECT_TRUE(replay->insert_if_absent("c1", tag + "-later", t + 600));
    pending->put("tok-" + tag, {"_r1" + tag, "c1", "/", util::now_seconds(), later()});
    EXPECT_TRUE(pending->take("tok-" + tag, util::now_seconds()).has_value());
    pending->put("tok2-" + tag, {"_r2" + tag, "c1", "/", util::now_seconds(), later()});
    EXPECT_TRUE(pending->take_by_request_id("c1", "_r2" + tag, util::now_seconds()).has_value());
    EXPECT_FALSE(pending->take("tok2-" + tag, util::now_seconds()).has_value());
}

// A 127.0.0.1 port whose listen queue is full: the kernel drops new SYNs, so a connect neither
// succeeds nor fails until the client's own connect timeout.
class SilentPort {
public:
    SilentPort() {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listener_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || ::listen(listener_, 0) != 0)
            throw std::runtime_error("cannot listen");
        socklen_t len = sizeof addr;
        ::getsockname(listener_, reinterpret_cast<sockaddr *>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        for (int i = 0; i < 4; ++i) {  // never accepted: they fill the queue
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
            fillers_.push_back(fd);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ~SilentPort() {
        for (int fd : fillers_) ::close(fd);
        ::close(listener_);
    }
    SilentPort(const SilentPort &) = delete;
    SilentPort &operator=(const SilentPort &) = delete;
    int port() const { return port_; }

private:
    int listener_ = -1;
    int port_ = 0;
    std::vector<int> fillers_;
};

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
         {"redis://127.0.0.1", "redis://h:0", "redis://h:70000", "redis://h:1/x", "http://h:1", "redis://::1:6379"})
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
    EXPECT_EQ(error_of([&] { open_stores("mysql://x"); }).code(), Code::store_location);
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

TEST(store_redis, LocationsWithCredentialsTimeoutsAndIpv6) {
    auto o = parse_redis_url("redis://:pw@10.0.0.5:6390/2");
    EXPECT_EQ(o.user, "");
    EXPECT_EQ(o.password, "pw");
    EXPECT_EQ(o.host, "10.0.0.5");
    EXPECT_EQ(o.db, 2);
    o = parse_redis_url("redis://ssogate:" + kPasswordEncoded + "@h:1");
    EXPECT_EQ(o.user, "ssogate");
    EXPECT_EQ(o.password, kPassword) << "percent-decoded";
    EXPECT_EQ(o.host, "h");
    o = parse_redis_url("redis://u%3Ax:p@ss/w@h:1/4");  // raw @ and / in a password: the last @ ends it
    EXPECT_EQ(o.user, "u:x");
    EXPECT_EQ(o.password, "p@ss/w");
    EXPECT_EQ(o.host, "h");
    EXPECT_EQ(o.db, 4);
    o = parse_redis_url("redis://[::1]:6379/1");
    EXPECT_EQ(o.host, "::1");
    EXPECT_EQ(o.port, 6379);
    o = parse_redis_url("redis://h:1/3?connect_timeout_ms=250&timeout_ms=60000");
    EXPECT_EQ(o.db, 3);
    EXPECT_EQ(o.location_connect_timeout_ms, 250);
    EXPECT_EQ(o.location_command_timeout_ms, 60000);
    EXPECT_FALSE(parse_redis_url("redis://h:1").location_command_timeout_ms.has_value());

    const std::string secret = "Sup3rS3cret";
    for (const std::string &bad : std::vector<std::string>{
             "redis://u:" + secret + "@h:1?timeout_ms=0", "redis://u:" + secret + "@h:1?timeout_ms=60001",
             "redis://u:" + secret + "@h:1?timeout_ms=x", "redis://u:" + secret + "@h:1?timeout_ms=5&timeout_ms=6",
             "redis://u:" + secret + "@h:1?timeout_ms", "redis://" + secret + "@h:1", "redis://u:@h:1",
             "redis://u:" + secret + "%zz@h:1", "redis://u:" + secret + "%4@h:1", "redis://u:" + secret + "@[::1]6379",
             "redis://u:" + secret + "@[]:1", "redis://u:" + secret + "@h", "redis://u:" + secret + "@h:1/x"}) {
        const Error e = error_of([&] { parse_redis_url(bad); });
        EXPECT_EQ(e.code(), Code::store_location) << bad;
        expect_no_password(e, secret);
    }
    const Error unknown = error_of([&] { parse_redis_url("redis://u:" + secret + "@h:1?timeout_ms=5&tls=yes"); });
    EXPECT_EQ(unknown.code(), Code::store_location);
    EXPECT_NE(std::string(unknown.what()).find("unknown parameter 'tls'"), std::string::npos) << unknown.what();
    EXPECT_NE(std::string(unknown.what()).find("redis://u:***@h:1"), std::string::npos) << unknown.what();
    expect_no_password(unknown, secret);
}

TEST(store_redis, RedactionHidesEveryPasswordForm) {
    EXPECT_EQ(redact_credentials("redis://u:pw@h:1/2"), "redis://u:***@h:1/2");
    EXPECT_EQ(redact_credentials("redis://:pw@h:1"), "redis://:***@h:1");
    EXPECT_EQ(redact_credentials("redis://pw@h:1"), "redis://***@h:1");
    EXPECT_EQ(redact_credentials("redis://u:p@w/x?y@h:1"), "redis://u:***@h:1");
    EXPECT_EQ(redact_credentials("rediss://u:pw@h:1"), "rediss://u:***@h:1");
    EXPECT_EQ(redact_credentials("redis://h:1/0"), "redis://h:1/0");
    EXPECT_EQ(redact_credentials("sqlite:/var/x@y.db"), "sqlite:/var/x@y.db");
}

TEST(store_redis, TlsLocationsAreRefusedWithWhatToDoInstead) {
    const Error e = error_of([] { parse_redis_url("rediss://ssogate:Sup3rS3cret@redis.internal:6380/0"); });
    EXPECT_EQ(e.code(), Code::store_location);
    const std::string m = e.what();
    EXPECT_NE(m.find("TLS (rediss://) is not available: this build uses hiredis"), std::string::npos) << m;
    EXPECT_NE(m.find("stunnel or spiped"), std::string::npos) << m;
    EXPECT_NE(m.find("rediss://ssogate:***@redis.internal:6380/0"), std::string::npos) << m;
    expect_no_password(e, "Sup3rS3cret");
    // The same through open_stores (the Gate's path), and a Redis location with a password given where
    // the directory goes: refused, the password not shown.
    const Error via_open = error_of([] { open_stores("memory:", "rediss://u:Sup3rS3cret@h:1"); });
    EXPECT_EQ(via_open.code(), Code::store_location);
    EXPECT_NE(std::string(via_open.what()).find("stunnel"), std::string::npos) << via_open.what();
    expect_no_password(via_open, "Sup3rS3cret");
    for (const char *directory : {"redis://u:Sup3rS3cret@h:1", "rediss://u:Sup3rS3cret@h:1"}) {
        const Error e2 = error_of([&] { open_stores(directory); });
        EXPECT_EQ(e2.code(), Code::store_location) << directory;
        expect_no_password(e2, "Sup3rS3cret");
    }
}

TEST(store_redis, PasswordOfTheDefaultUser) {
    store_test::RedisServer server(store_test::RedisAuth{"Adm1nPassw0rd", {}});
    const std::string where = "127.0.0.1:" + std::to_string(server.port());
    exercise_stores(make_redis_client(parse_redis_url(server.url_with(":Adm1nPassw0rd", "/3"))), "default");

    const Error wrong = error_of(
        [&] { make_redis_replay_cache(make_redis_client(parse_redis_url(server.url_with(":Wr0ngPass"))))->check(); });
    EXPECT_EQ(wrong.code(), Code::store_auth) << wrong.what();
    EXPECT_NE(std::string(wrong.what()).find("Redis at " + where + " refused the credentials of user 'default'"),
              std::string::npos)
        << wrong.what();
    EXPECT_NE(std::string(wrong.what()).find("WRONGPASS"), std::string::npos) << wrong.what();
    expect_no_password(wrong, "Wr0ngPass");

    for (const std::string &db : {std::string(), std::string("/3")}) {
        const Error none =
            error_of([&] { make_redis_replay_cache(make_redis_client(parse_redis_url(server.url() + db)))->check(); });
        EXPECT_EQ(none.code(), Code::store_auth) << none.what();
        EXPECT_NE(std::string(none.what()).find("Redis at " + where + " requires a password and the location has none"),
                  std::string::npos)
            << none.what();
        EXPECT_NE(std::string(none.what()).find("NOAUTH"), std::string::npos) << none.what();
    }
}

TEST(store_redis, TheDocumentedAclIsEnoughAndLessIsRefusedWithStoreAuth) {
    store_test::RedisAuth auth{"Adm1nPassw0rd", {acl_words(kDocumentedAcl, kPassword)}};
    // The same user, each time without one of the commands ("no-<command>"): every one is needed.
    std::vector<std::string> commands;
    const std::vector<std::string> words = acl_words(kDocumentedAcl, "pw");
    for (const auto &w : words) {
        if (w.size() < 2 || w[0] != '+') continue;
        std::vector<std::string> user{"no-" + w.substr(1)};
        for (std::size_t i = 1; i < words.size(); ++i)
            if (words[i] != w) user.push_back(words[i]);
        commands.push_back(w.substr(1));
        auth.users.push_back(user);
    }
    auth.users.push_back(acl_words("other-keys on >pw resetkeys ~app:* -@all +@all", ""));
    store_test::RedisServer server(auth);
    const std::string where = "127.0.0.1:" + std::to_string(server.port());

    exercise_stores(make_redis_client(parse_redis_url(server.url_with("ssogate:" + kPasswordEncoded, "/3"))), "acl");

    for (const auto &c : commands) {
        const Error e = error_of(
            [&] { exercise_stores(make_redis_client(parse_redis_url(server.url_with("no-" + c + ":pw", "/3"))), c); });
        EXPECT_EQ(e.code(), Code::store_auth) << "without +" << c << ": " << e.what();
        EXPECT_NE(std::string(e.what()).find("Redis at " + where), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("'no-" + c + "'"), std::string::npos) << e.what();
    }
    const Error keys = error_of(
        [&] { exercise_stores(make_redis_client(parse_redis_url(server.url_with("other-keys:pw"))), "keys"); });
    EXPECT_EQ(keys.code(), Code::store_auth) << keys.what();

    const Error wrong = error_of(
        [&] { make_redis_replay_cache(make_redis_client(parse_redis_url(server.url_with("ssogate:nope"))))->check(); });
    EXPECT_EQ(wrong.code(), Code::store_auth) << wrong.what();
    EXPECT_NE(std::string(wrong.what()).find("user 'ssogate'"), std::string::npos) << wrong.what();
    expect_no_password(wrong, "nope");
}

TEST(store_redis, TimeoutsInTheLocationWinOverTheProgramsDefaults) {
    StoreOptions slow;  // a program that would wait a minute: only the location's timeouts end the call early
    slow.redis_connect_timeout_ms = 60000;
    slow.redis_command_timeout_ms = 60000;

    SilentPort silent;
    auto stores =
        open_stores("memory:", "redis://127.0.0.1:" + std::to_string(silent.port()) + "?connect_timeout_ms=200", slow);
    auto t0 = std::chrono::steady_clock::now();
    Error e = error_of([&] { stores.replay->check(); });
    EXPECT_EQ(e.code(), Code::store_unavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(silent.port())), std::string::npos) << e.what();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));

    store_test::RedisServer server(store_test::RedisAuth{"pw", {}});
    auto hung = open_stores("memory:", server.url_with(":pw", "?timeout_ms=200"), slow);
    hung.replay->check();
    server.freeze();
    t0 = std::chrono::steady_clock::now();
    e = error_of([&] { hung.pending->check(); });
    EXPECT_EQ(e.code(), Code::store_unavailable) << e.what();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
    server.thaw();
    hung.pending->check();  // reconnects, AUTH again

    RedisOptions too_long = parse_redis_url("redis://h:1");
    too_long.command_timeout_ms = 60001;
    EXPECT_EQ(error_of([&] { make_redis_client(too_long); }).code(), Code::invalid_setting);
}

TEST(gate_redis_auth, AGateWithAnAclUserInRedisLogsInAndAWrongPasswordFailsClosed) {
    store_test::RedisServer server(store_test::RedisAuth{"Adm1nPassw0rd", {acl_words(kDocumentedAcl, kPassword)}});
    store_test::TempDir dir;
    const std::int64_t now = util::now_seconds();
    const std::string db = "sqlite:" + dir.file("gate.db");
    auto gate = gate::Gate::open(db, server.url_with("ssogate:" + kPasswordEncoded, "/3"), gate_test::frozen(now));
    gate->check_stores();
    gate->create_account("acme", "Acme", {"example.com"});
    const auto conn = gate_test::make_conn({});
    gate->add_connection("acme", conn);
    gate->add_member("acme", "alice@example.com", policy::Role::member, false);
    const std::string response = gate_test::response_for(*conn, now, "alice@example.com");
    const auto first = gate->consume("okta", response, {});
    EXPECT_TRUE(first.accepted()) << first.reason << ": " << first.reason_text;
    EXPECT_EQ(gate->consume("okta", response, {}).reason, "REPLAYED");

    // The same directory with a wrong Redis password: told at start-up, and no login accepted.
    auto wrong = gate::Gate::open(db, server.url_with("ssogate:Wr0ngPass", "/3"), gate_test::frozen(now));
    const Error e = error_of([&] { wrong->check_stores(); });
    EXPECT_EQ(e.code(), Code::store_auth) << e.what();
    expect_no_password(e, "Wr0ngPass");
    const auto refused = wrong->consume("okta", gate_test::response_for(*conn, now, "alice@example.com"), {});
    EXPECT_FALSE(refused.accepted());
    // Verification reports any store failure as STORE_UNAVAILABLE; the text carries the Redis refusal.
    EXPECT_EQ(refused.error, Code::store_unavailable) << refused.reason_text;
    EXPECT_NE(refused.reason_text.find("refused the credentials of user 'ssogate'"), std::string::npos)
        << refused.reason_text;
    EXPECT_EQ(refused.reason_text.find("Wr0ngPass"), std::string::npos) << refused.reason_text;
}
