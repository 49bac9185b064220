// Redis stores for state shared by many nodes: the replay cache and the pending requests.
//
// Each operation is one atomic Redis command (SET NX with an expiry) or one Lua script (put/take of a
// pending request and its request-id index), so two nodes can never both accept the same assertion
// or both take the same request. Fail closed: any connection or command failure throws
// Error{store_unavailable, "Redis at HOST:PORT did not answer: ..."}; the broken connection is
// dropped and the next call reconnects, so service resumes as soon as Redis is back. Credentials Redis
// refuses (WRONGPASS, NOAUTH, an ACL user missing a permission) throw store_auth instead, naming the
// address and the user, never the password.
#pragma once

#include "store/pending_requests.hpp"
#include "store/replay.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ssogate::core::store {

struct RedisOptions {
    std::string host = "127.0.0.1";
    int port = 6379;
    int db = 0;
    // AUTH on every new connection when password is not empty: "AUTH password" (the default user) when
    // user is empty, else "AUTH user password" (an ACL user, Redis 6 and later).
    std::string user;
    std::string password;
    // The program's defaults (the stores' options set them), each in 1..kRedisMaxTimeoutMs.
    int connect_timeout_ms = 1000;
    int command_timeout_ms = 1000;
    // Given by the location itself (?connect_timeout_ms=N&timeout_ms=N): when set they win over the two
    // above, so an operator can tune one deployment's Redis without a new build of the program.
    std::optional<int> location_connect_timeout_ms;
    std::optional<int> location_command_timeout_ms;
    std::string key_prefix = "ssogate:";  // every key this library writes starts with it
};

constexpr int kRedisMaxTimeoutMs = 60000;

// "redis://[[USER]:PASSWORD@]HOST:PORT[/DB][?connect_timeout_ms=N&timeout_ms=N]". HOST may be omitted
// (127.0.0.1) or an IPv6 address in brackets ("[::1]:6379"); USER and PASSWORD are percent-decoded (a
// password with @ : / # % is written %40 %3A %2F %23 %25). Throws store_location on anything else,
// naming an unknown query parameter, and on "rediss://": this build's hiredis has no TLS. Messages show
// the location with the password replaced by ***.
RedisOptions parse_redis_url(std::string_view url);

// `location` with the password of a "scheme://user:password@..." location replaced by *** (and the
// whole user part when it has no colon, which may be a password written without one), for messages
// and logs. Any other text is returned unchanged.
std::string redact_credentials(std::string_view location);

// One connection, guarded by a mutex; connects lazily, so making a client never fails on a server
// that is down (the first call does, with store_unavailable).
class RedisClient;
std::shared_ptr<RedisClient> make_redis_client(const RedisOptions &options);

// Keys: <prefix>replay:<key>, and the live counts <prefix>replay-live:<connection id> and
// <prefix>replay-live (hashes: minute of expiry -> IDs). The entry lives until expires_at as measured by
// `clock` (Unix seconds, empty = the system clock): the TTL handed to Redis is expires_at - clock() + 1 s
// (at least 1 s), so nodes and Redis need not share a clock, and a frozen test clock behaves as with the
// other caches. `limits` bound the live IDs in all and per connection, across every node.
std::unique_ptr<ReplayCache> make_redis_replay_cache(std::shared_ptr<RedisClient> client,
                                                     std::function<std::int64_t()> clock = {},
                                                     ReplayLimits limits = {});

// Keys: <prefix>pending:t:<token> (a hash) and <prefix>pending:r:<len>:<connection><request id>
// (the token), both with TTL expires_at - created_at + 1 s.
std::unique_ptr<PendingRequests> make_redis_pending_requests(std::shared_ptr<RedisClient> client);

}  // namespace ssogate::core::store
