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

constexpr std::string_view kUrlForm = "redis://[[USER]:PASSWORD@]HOST:PORT[/DB][?connect_timeout_ms=N&timeout_ms=N]";

[[noreturn]] void bad_url(std::string_view url, const std::string &why) {
    fail(Code::store_location, "Redis location \"" + util::printable(redact_credentials(url)) + "\": " + why +
                                   " (expected " + std::string(kUrlForm) + ")");
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 3986 percent-decoding; nullopt on a '%' not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) return std::nullopt;
        const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// USER:PASSWORD or :PASSWORD (the default user). The values never go into a message.
void parse_credentials(std::string_view url, std::string_view userinfo, RedisOptions &o) {
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos)
        bad_url(url, "the part before @ has no colon: write redis://:PASSWORD@... or redis://USER:PASSWORD@...");
    auto user = percent_decode(userinfo.substr(0, colon));
    auto password = percent_decode(userinfo.substr(colon + 1));
    if (!user || !password)
        bad_url(url, "a % in the user or password is not followed by two hex digits (write % as %25)");
    if (password->empty()) bad_url(url, "the password after the colon is empty");
    o.user = std::move(*user);
    o.password = std::move(*password);
}

// connect_timeout_ms=N&timeout_ms=N, each at most once, in 1..kRedisMaxTimeoutMs.
void parse_query(std::string_view url, std::string_view query, RedisOptions &o) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        const auto eq = pair.find('=');
        const std::string_view name = pair.substr(0, eq);
        std::optional<int> *slot = name == "connect_timeout_ms" ? &o.location_connect_timeout_ms
                                   : name == "timeout_ms"       ? &o.location_command_timeout_ms
                                                                : nullptr;
        if (slot == nullptr)
            bad_url(url, "unknown parameter " + util::quoted(name) + " (known: connect_timeout_ms, timeout_ms)");
        if (slot->has_value()) bad_url(url, "parameter " + util::quoted(name) + " given twice");
        const auto v = eq == std::string_view::npos ? std::nullopt : to_int(pair.substr(eq + 1));
        if (!v || *v < 1 || *v > kRedisMaxTimeoutMs)
            bad_url(url, "parameter " + util::quoted(name) + " is not a number of milliseconds in 1.." +
                             std::to_string(kRedisMaxTimeoutMs));
        *slot = *v;
    }
}

// HOST:PORT, [IPV6]:PORT or :PORT (127.0.0.1).
void parse_host_port(std::string_view url, std::string_view hostport, RedisOptions &o) {
    std::string_view host, port;
    if (!hostport.empty() && hostport.front() == '[') {
        const auto close = hostport.find(']');
        if (close == std::string_view::npos || close + 1 >= hostport.size() || hostport[close + 1] != ':')
            bad_url(url, "an IPv6 address is written [ADDRESS]:PORT");
        host = hostport.substr(1, close - 1);
        port = hostport.substr(close + 2);
        if (host.empty()) bad_url(url, "the IPv6 address in brackets is empty");
    } else {
        const auto colon = hostport.rfind(':');
        if (colon == std::string_view::npos) bad_url(url, "no port");
        host = hostport.substr(0, colon);
        port = hostport.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) bad_url(url, "an IPv6 address goes in brackets: [::1]:6379");
    }
    const auto p = to_int(port);
    if (!p || *p <= 0 || *p > 65535) bad_url(url, "the port is not a number in 1..65535");
    o.port = *p;
    if (!host.empty()) o.host = std::string(host);
}

}  // namespace

RedisOptions parse_redis_url(std::string_view url) {
    if (url.substr(0, 9) == "rediss://") {
        // Refused rather than downgraded to plain text. Debian 12's hiredis (0.14) has no TLS at all
        // (hiredis_ssl arrived in 1.0); with a newer hiredis ssogate still does not link hiredis_ssl.
        constexpr bool has_tls_api = HIREDIS_MAJOR >= 1;
        fail(Code::store_location,
             "Redis location \"" + util::printable(redact_credentials(url)) +
                 "\": TLS (rediss://) is not available: this build uses hiredis " + std::to_string(HIREDIS_MAJOR) +
                 "." + std::to_string(HIREDIS_MINOR) +
                 (has_tls_api ? " without its TLS library (hiredis_ssl)"
                              : ", which has no TLS support (TLS arrived in hiredis 1.0; Debian 12 ships 0.14)") +
                 ". Reach Redis over a private network, or run a TLS tunnel on this node (stunnel or spiped "
                 "listening on 127.0.0.1) and give its local end as redis://127.0.0.1:PORT");
    }
    constexpr std::string_view scheme = "redis://";
    if (url.substr(0, scheme.size()) != scheme) bad_url(url, "does not start with redis://");
    std::string_view rest = url.substr(scheme.size());
    RedisOptions o;
    // The last '@' ends the credentials, so a raw '@', '/' or '?' in a password cannot move the host.
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        parse_credentials(url, rest.substr(0, at), o);
        rest = rest.substr(at + 1);
    }
    if (const auto q = rest.find('?'); q != std::string_view::npos) {
        parse_query(url, rest.substr(q + 1), o);
        rest = rest.substr(0, q);
    }
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        const auto db = to_int(rest.substr(slash + 1));
        if (!db || *db < 0) bad_url(url, "the database number is not a non-negative integer");
        o.db = *db;
        rest = rest.substr(0, slash);
    }
    parse_host_port(url, rest, o);
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
        Reply reply = send_locked(args);
        if (reply->type == REDIS_REPLY_ERROR) refused(args.front(), std::string(reply->str, reply->len));
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
    std::string who() const { return util::quoted(o_.user.empty() ? "default" : o_.user); }

    [[noreturn]] void unavailable(const std::string &why) const {
        fail(Code::store_unavailable,
             "Redis at " + where() + " did not answer: " + why + " (the login is refused until it does)");
    }

    // An error reply: refused credentials or permissions are store_auth (an operator must fix the
    // location or the ACL; retrying will not help), anything else store_unavailable.
    [[noreturn]] void refused(const std::string &command, const std::string &reply) const {
        const std::string answered = " (Redis answered: " + util::printable(reply) + ")";
        if (reply.rfind("NOAUTH", 0) == 0) {
            fail(Code::store_auth,
                 o_.password.empty()
                     ? "Redis at " + where() + " requires a password and the location has none: write " +
                           "redis://:PASSWORD@" + where() + " or redis://USER:PASSWORD@" + where() + answered
                     : "Redis at " + where() + " refused " + command + " as not authenticated for user " + who() +
                           answered);
        }
        if (reply.rfind("NOPERM", 0) == 0 || reply.find("The user executing the script can't") != std::string::npos) {
            fail(Code::store_auth, "Redis at " + where() + " refused " + command + " to user " + who() +
                                       ": the ACL user lacks a command or key ssogate needs (see the ACL line in "
                                       "docs/stores.md)" +
                                       answered);
        }
        fail(Code::store_unavailable, "Redis at " + where() + " refused " + command + ": " + util::printable(reply));
    }

    // Sends on the current connection; a transport failure drops it and throws store_unavailable.
    Reply send_locked(const std::vector<std::string> &args) {
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
        return reply;
    }

    // AUTH (when the location has a password), then SELECT (when it names a database other than 0).
    // A refusal closes the connection so the next call starts afresh.
    void handshake_locked() {
        if (!o_.password.empty()) {
            std::vector<std::string> auth{"AUTH"};
            if (!o_.user.empty()) auth.push_back(o_.user);
            auth.push_back(o_.password);
            Reply r = send_locked(auth);
            if (r->type == REDIS_REPLY_ERROR) {
                const std::string reply(r->str, r->len);
                drop_locked();
                fail(Code::store_auth, "Redis at " + where() + " refused the credentials of user " + who() +
                                           " (Redis answered: " + util::printable(reply) + ")");
            }
        }
        if (o_.db != 0) {
            Reply r = send_locked({"SELECT", std::to_string(o_.db)});
            if (r->type == REDIS_REPLY_ERROR) {
                const std::string reply(r->str, r->len);
                drop_locked();
                if (reply.rfind("NOAUTH", 0) == 0 || reply.rfind("NOPERM", 0) == 0) refused("SELECT", reply);
                unavailable("SELECT " + std::to_string(o_.db) + " failed: " + util::printable(reply));
            }
        }
    }

    void drop_locked() noexcept {
        if (ctx_) redisFree(ctx_);
        ctx_ = nullptr;
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
        handshake_locked();
    }

    RedisOptions o_;
    std::mutex mu_;
    redisContext *ctx_ = nullptr;
};

std::shared_ptr<RedisClient> make_redis_client(const RedisOptions &options) {
    if (options.host.empty() || options.port <= 0 || options.port > 65535)
        fail(Code::store_location, "Redis host is empty or port out of range");
    RedisOptions o = options;
    if (o.location_connect_timeout_ms) o.connect_timeout_ms = *o.location_connect_timeout_ms;
    if (o.location_command_timeout_ms) o.command_timeout_ms = *o.location_command_timeout_ms;
    const auto in_range = [](int ms) { return ms >= 1 && ms <= kRedisMaxTimeoutMs; };
    if (!in_range(o.connect_timeout_ms) || !in_range(o.command_timeout_ms))
        fail(Code::invalid_setting,
             "Redis timeouts must be 1.." + std::to_string(kRedisMaxTimeoutMs) + " milliseconds");
    return std::make_shared<RedisClient>(std::move(o));
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
