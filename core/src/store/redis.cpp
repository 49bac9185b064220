#include "store/redis.hpp"

#include "error.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <optional>
#include <vector>

namespace ssogate::core::store {

namespace {

struct ReplyDeleter {
    void operator()(redisReply *r) const noexcept { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval to_timeval(int ms) {
    timeval tv{};
    tv.tv_sec = ms / 1000;
    tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms % 1000) * 1000);
    return tv;
}

std::optional<int> to_int(std::string_view text) {
    int v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

}  // namespace

RedisOptions parse_redis_url(std::string_view url) {
    const auto bad = [&](const char *why) -> RedisOptions {
        fail(Code::store_location, std::string("Redis location \"") + util::printable(url) + "\": " + why +
                                       " (expected redis://HOST:PORT[/DB])");
    };
    constexpr std::string_view scheme = "redis://";
    if (url.substr(0, scheme.size()) != scheme) return bad("does not start with redis://");
    std::string_view rest = url.substr(scheme.size());
    RedisOptions o;
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        const auto db = to_int(rest.substr(slash + 1));
        if (!db || *db < 0) return bad("the database number is not a non-negative integer");
        o.db = *db;
        rest = rest.substr(0, slash);
    }
    if (rest.find('@') != std::string_view::npos) return bad("credentials in the URL are not supported");
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return bad("no port");
    const auto port = to_int(rest.substr(colon + 1));
    if (!port || *port <= 0 || *port > 65535) return bad("the port is not a number in 1..65535");
    o.port = *port;
    if (colon > 0) o.host = std::string(rest.substr(0, colon));
    return o;
}

class RedisClient {
public:
    explicit RedisClient(RedisOptions options) : o_(std::move(options)) {}
    ~RedisClient() {
        if (ctx_) redisFree(ctx_);
    }
    RedisClient(const RedisClient &) = delete;
    RedisClient &operator=(const RedisClient &) = delete;

    const RedisOptions &options() const noexcept { return o_; }

    // Sends one command (arguments are binary-safe; no format strings, so no value can be read as a
    // command). A Redis error reply keeps the connection; a transport failure drops it.
    Reply command(const std::vector<std::string> &args) {
        std::lock_guard lock(mu_);
        if (!ctx_) connect_locked();
        std::vector<const char *> argv;
        std::vector<std::size_t> lens;
        argv.reserve(args.size());
        lens.reserve(args.size());
        for (const auto &a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        Reply reply(
            static_cast<redisReply *>(redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data())));
        if (!reply) {
            const std::string why = ctx_->errstr[0] ? ctx_->errstr : "no reply";
            redisFree(ctx_);
            ctx_ = nullptr;
            unavailable(why);
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            fail(Code::store_unavailable,
                 "Redis at " + where() + " refused " + args.front() + ": " + std::string(reply->str, reply->len));
        }
        return reply;
    }

    // One round trip (connecting first when there is no connection): throws store_unavailable, with
    // the address, when Redis does not answer PONG.
    void ping() {
        Reply r = command({"PING"});
        if (r->type != REDIS_REPLY_STATUS || std::string_view(r->str, r->len) != "PONG")
            unavailable("PING was not answered with PONG");
    }

private:
    std::string where() const { return o_.host + ":" + std::to_string(o_.port); }

    [[noreturn]] void unavailable(const std::string &why) const {
        fail(Code::store_unavailable,
             "Redis at " + where() + " did not answer: " + why + " (the login is refused until it does)");
    }

    void connect_locked() {
        redisContext *c = redisConnectWithTimeout(o_.host.c_str(), o_.port, to_timeval(o_.connect_timeout_ms));
        if (!c) unavailable("cannot allocate a connection");
        if (c->err) {
            const std::string why = c->errstr;
            redisFree(c);
            unavailable(why);
        }
        if (redisSetTimeout(c, to_timeval(o_.command_timeout_ms)) != REDIS_OK) {
            redisFree(c);
            unavailable("cannot set the command timeout");
        }
        ctx_ = c;
        if (o_.db != 0) {
            const std::string db = std::to_string(o_.db);
            const char *argv[] = {"SELECT", db.c_str()};
            const std::size_t lens[] = {6, db.size()};
            Reply r(static_cast<redisReply *>(redisCommandArgv(ctx_, 2, argv, lens)));
            if (!r || r->type == REDIS_REPLY_ERROR) {
                const std::string why = r ? std::string(r->str, r->len) : std::string(ctx_->errstr);
                redisFree(ctx_);
                ctx_ = nullptr;
                unavailable("SELECT " + db + " failed: " + why);
            }
        }
    }

    RedisOptions o_;
    std::mutex mu_;
    redisContext *ctx_ = nullptr;
};

std::shared_ptr<RedisClient> make_redis_client(const RedisOptions &options) {
    if (options.host.empty() || options.port <= 0 || options.port > 65535)
        fail(Code::store_location, "Redis host is empty or port out of range");
    if (options.connect_timeout_ms <= 0 || options.command_timeout_ms <= 0)
        fail(Code::invalid_setting, "Redis timeouts must be positive (milliseconds)");
    return std::make_shared<RedisClient>(options);
}

namespace {

std::string ms_ttl(std::int64_t seconds_from_now) {
    return std::to_string(std::max<std::int64_t>(1, seconds_from_now) * 1000);
}

// Records an assertion ID and counts it, in one atomic step. Live IDs are counted per minute of expiry
// in a hash per connection and one for all (field: the minute, value: how many expire in it); minutes
// already past are dropped as the hash is read, so a count is exact to within the current minute.
//   KEYS: the ID's key, the connection's counts, the total counts
//   ARGV: TTL in ms, the ID's expiry minute, the current minute, the per-connection limit, the total limit
//   returns {1, 0} recorded, {0, 0} already there (a replay), {2, live} connection full, {3, live} all full
constexpr const char *kReplayInsertScript = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, 0} end
local now = tonumber(ARGV[3])
local function live(key)
  local fields = redis.call('HGETALL', key)
  local n = 0
  for i = 1, #fields, 2 do
    if tonumber(fields[i]) < now then redis.call('HDEL', key, fields[i]) else n = n + tonumber(fields[i + 1]) end
  end
  return n
end
local mine = live(KEYS[2])
if mine >= tonumber(ARGV[4]) then return {2, mine} end
local all = live(KEYS[3])
if all >= tonumber(ARGV[5]) then return {3, all} end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
for i = 2, 3 do
  redis.call('HINCRBY', KEYS[i], ARGV[2], 1)
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
end
return {1, 0}
)lua";

class RedisReplayCache final : public ReplayCache {
public:
    RedisReplayCache(std::shared_ptr<RedisClient> client, std::function<std::int64_t()> clock, ReplayLimits limits)
        : client_(std::move(client)), clock_(std::move(clock)), limits_(limits) {
        if (!clock_) clock_ = [] { return util::now_seconds(); };
    }

    void check() override { client_->ping(); }

    bool insert_if_absent(std::string_view connection_id, std::string_view key, std::int64_t expires_at) override {
        const std::int64_t now = clock_();
        const std::string &prefix = client_->options().key_prefix;
        // Kept while expires_at >= now, as in the other caches: hence the + 1 s.
        Reply r = client_->command({"EVAL", kReplayInsertScript, "3", prefix + "replay:" + std::string(key),
                                    prefix + "replay-live:" + std::string(connection_id), prefix + "replay-live",
                                    ms_ttl(expires_at - now + 1), std::to_string(minute(expires_at)),
                                    std::to_string(minute(now)), std::to_string(limits_.per_connection()),
                                    std::to_string(limits_.max_entries)});
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_INTEGER ||
            r->element[1]->type != REDIS_REPLY_INTEGER) {
            fail(Code::store_unavailable, "Redis at " + client_->options().host + ":" +
                                              std::to_string(client_->options().port) +
                                              " answered the replay-cache script with an unexpected reply");
        }
        const long long status = r->element[0]->integer;
        const auto live = static_cast<std::size_t>(std::max<long long>(0, r->element[1]->integer));
        if (status == 1) return true;
        if (status == 0) return false;
        const bool per_connection = status == 2;
        fail(Code::store_unavailable,
             replay_full_message("the Redis replay cache", connection_id, live,
                                 per_connection ? limits_.per_connection() : limits_.max_entries, per_connection));
    }

    // Read-only (the explain call): EXISTS on the key insert_if_absent sets, which Redis expires.
    std::optional<bool> contains(std::string_view key) override {
        Reply r = client_->command({"EXISTS", client_->options().key_prefix + "replay:" + std::string(key)});
        if (r->type != REDIS_REPLY_INTEGER) {
            fail(Code::store_unavailable, "Redis at " + client_->options().host + ":" +
                                              std::to_string(client_->options().port) +
                                              " answered EXISTS with an unexpected reply");
        }
        return r->integer == 1;
    }

private:
    static std::int64_t minute(std::int64_t t) { return t >= 0 ? t / 60 : (t - 59) / 60; }

    std::shared_ptr<RedisClient> client_;
    std::function<std::int64_t()> clock_;
    ReplayLimits limits_;
};

// Both keys are written and removed together by these scripts, so a request can be taken once,
// whichever key finds it.
constexpr const char *kPutScript = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'request_id', ARGV[2], 'connection_id', ARGV[3], 'return_to', ARGV[4],
           'created_at', ARGV[5], 'expires_at', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[7])
return 1
)lua";

constexpr const char *kTakeByTokenScript = R"lua(
local v = redis.call('HMGET', KEYS[1], 'request_id', 'connection_id', 'return_to', 'created_at', 'expires_at')
if not v[1] then return false end
redis.call('DEL', KEYS[1])
redis.call('DEL', ARGV[1] .. string.len(v[2]) .. ':' .. v[2] .. v[1])
return v
)lua";

constexpr const char *kTakeByRequestScript = R"lua(
local t = redis.call('GET', KEYS[1])
if not t then return false end
redis.call('DEL', KEYS[1])
local k = ARGV[1] .. t
local v = redis.call('HMGET', k, 'request_id', 'connection_id', 'return_to', 'created_at', 'expires_at')
redis.call('DEL', k)
if not v[1] then return false end
return v
)lua";

class RedisPendingRequests final : public PendingRequests {
public:
    explicit RedisPendingRequests(std::shared_ptr<RedisClient> client)
        : client_(std::move(client)),
          token_prefix_(client_->options().key_prefix + "pending:t:"),
          request_prefix_(client_->options().key_prefix + "pending:r:") {}

    void check() override { client_->ping(); }

    void put(std::string_view token, const PendingRequest &r) override {
        Reply reply = client_->command({"EVAL", kPutScript, "2", token_prefix_ + std::string(token),
                                        request_key(r.connection_id, r.request_id), std::string(token), r.request_id,
                                        r.connection_id, r.return_to, std::to_string(r.created_at),
                                        std::to_string(r.expires_at), ms_ttl(r.expires_at - r.created_at + 1)});
        if (reply->type != REDIS_REPLY_INTEGER) unexpected("EVAL (put)", *reply);
        if (reply->integer != 1)
            fail(Code::store_conflict, "a pending request with this RelayState token or request ID already exists");
    }

    std::optional<PendingRequest> take(std::string_view token, std::int64_t now) override {
        return decode(
            client_->command({"EVAL", kTakeByTokenScript, "1", token_prefix_ + std::string(token), request_prefix_}),
            now);
    }

    std::optional<PendingRequest> take_by_request_id(std::string_view connection_id, std::string_view request_id,
                                                     std::int64_t now) override {
        return decode(client_->command(
                          {"EVAL", kTakeByRequestScript, "1", request_key(connection_id, request_id), token_prefix_}),
                      now);
    }

private:
    // The connection id's length goes first so ("a:b", "c") and ("a", "b:c") never share a key.
    std::string request_key(std::string_view connection_id, std::string_view request_id) const {
        return request_prefix_ + std::to_string(connection_id.size()) + ":" + std::string(connection_id) +
               std::string(request_id);
    }

    [[noreturn]] void unexpected(const char *what, const redisReply &r) const {
        fail(Code::store_unavailable, "Redis at " + client_->options().host + ":" +
                                          std::to_string(client_->options().port) + " answered " + what +
                                          " with an unexpected reply type " + std::to_string(r.type));
    }

    std::optional<PendingRequest> decode(const Reply &r, std::int64_t now) const {
        if (r->type == REDIS_REPLY_NIL) return std::nullopt;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 5) unexpected("EVAL (take)", *r);
        std::string f[5];
        for (std::size_t i = 0; i < 5; ++i) {
            const redisReply *e = r->element[i];
            if (e->type != REDIS_REPLY_STRING) unexpected("EVAL (take) field", *e);
            f[i].assign(e->str, e->len);
        }
        PendingRequest p{f[0], f[1], f[2], std::stoll(f[3]), std::stoll(f[4])};
        if (p.expires_at <= now) return std::nullopt;
        return p;
    }

    std::shared_ptr<RedisClient> client_;
    std::string token_prefix_, request_prefix_;
};

}  // namespace

std::unique_ptr<ReplayCache> make_redis_replay_cache(std::shared_ptr<RedisClient> client,
                                                     std::function<std::int64_t()> clock, ReplayLimits limits) {
    return std::make_unique<RedisReplayCache>(std::move(client), std::move(clock), limits);
}

std::unique_ptr<PendingRequests> make_redis_pending_requests(std::shared_ptr<RedisClient> client) {
    return std::make_unique<RedisPendingRequests>(std::move(client));
}

}  // namespace ssogate::core::store
