// Built instead of redis.cpp when SSOGATE_WITH_REDIS is OFF (no hiredis): every Redis location is
// refused up front with store_location, so a host learns at start-up, not at its first login, that
// this build cannot reach Redis.
#include "store/redis.hpp"

#include "error.hpp"
#include "util/text.hpp"

namespace ssogate::core::store {

namespace {

[[noreturn]] void no_redis(std::string_view what) {
    fail(Code::store_location, std::string(what) +
                                   ": this build of ssogate has no Redis support (it was built with "
                                   "SSOGATE_WITH_REDIS=OFF); use sqlite:PATH or memory:, or a build with Redis");
}

}  // namespace

RedisOptions parse_redis_url(std::string_view url) {
    no_redis("Redis location \"" + util::printable(redact_credentials(url)) + "\"");
}

std::shared_ptr<RedisClient> make_redis_client(const RedisOptions &options) {
    no_redis("Redis at " + options.host + ":" + std::to_string(options.port));
}

std::unique_ptr<ReplayCache> make_redis_replay_cache(std::shared_ptr<RedisClient>, std::function<std::int64_t()>,
                                                     ReplayLimits) {
    no_redis("a Redis replay cache");
}

std::unique_ptr<PendingRequests> make_redis_pending_requests(std::shared_ptr<RedisClient>) {
    no_redis("a Redis pending-request store");
}

}  // namespace ssogate::core::store
