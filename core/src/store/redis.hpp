// Redis stores for state shared by many nodes: the replay cache and the pending requests.
//
// Each operation is one atomic Redis command (SET NX with an expiry) or one Lua script (put/take of a
// pending request and its request-id index), so two nodes can never both accept the same assertion
// or both take the same request. Fail closed: any connection or command failure throws
// Error{store_unavailable, "Redis at HOST:PORT did not answer: ..."}; the broken connection is
// dropped and the next call reconnects, so service resumes as soon as Redis is back.
#pragma once

#include "store/pending_requests.hpp"
#include "store/replay.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace ssogate::core::store {

struct RedisOptions {
    std::string host = "127.0.0.1";
    int port = 6379;
    int db = 0;
    int connect_timeout_ms = 1000;
    int command_timeout_ms = 1000;
    std::string key_prefix = "ssogate:";  // every key this library writes starts with it
};

// "redis://HOST:PORT[/DB]" (HOST may be omitted: 127.0.0.1); store_location on anything else.
RedisOptions parse_redis_url(std::string_view url);

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
