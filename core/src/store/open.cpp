#include "store/open.hpp"

#include "error.hpp"
#include "store/replay_memory.hpp"
#include "util/text.hpp"

namespace ssogate::core::store {

namespace {

constexpr std::string_view kSqlite = "sqlite:";
constexpr std::string_view kMemory = "memory:";
constexpr std::string_view kRedis = "redis://";

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

[[noreturn]] void bad_location(std::string_view location, const char *why) {
    fail(Code::store_location, "store location \"" + util::printable(location) + "\": " + why);
}

}  // namespace

Stores open_stores(std::string_view location, std::string_view shared_location, const StoreOptions &options) {
    Stores out;
    std::shared_ptr<SqliteDatabase> db;
    if (starts_with(location, kSqlite)) {
        const std::string path(location.substr(kSqlite.size()));
        if (path.empty()) bad_location(location, "no path after sqlite:");
        db = open_sqlite(path, options.sqlite);
        out.directory = make_sqlite_directory(db);
    } else if (location == kMemory) {
        out.directory = make_memory_directory();
    } else if (starts_with(location, kRedis)) {
        bad_location(location,
                     "the directory needs sqlite:PATH or memory:; Redis can hold only the shared "
                     "state (pass it as the second location)");
    } else {
        bad_location(location, "expected sqlite:PATH or memory:");
    }

    const std::string_view shared = shared_location.empty() ? location : shared_location;
    if (starts_with(shared, kRedis)) {
        RedisOptions ro = parse_redis_url(shared);
        ro.connect_timeout_ms = options.redis_connect_timeout_ms;
        ro.command_timeout_ms = options.redis_command_timeout_ms;
        ro.key_prefix = options.redis_key_prefix;
        auto client = make_redis_client(ro);
        out.replay = make_redis_replay_cache(client, options.clock, options.replay_limits);
        out.pending = make_redis_pending_requests(client);
    } else if (starts_with(shared, kSqlite)) {
        const std::string path(shared.substr(kSqlite.size()));
        if (path.empty()) bad_location(shared, "no path after sqlite:");
        auto shared_db = shared == location ? db : open_sqlite(path, options.sqlite);
        out.replay = make_sqlite_replay_cache(shared_db, options.clock, options.replay_limits);
        out.pending = make_sqlite_pending_requests(shared_db);
    } else if (shared == kMemory) {
        out.replay = std::make_shared<MemoryReplayCache>(options.clock, options.replay_limits);
        out.pending = make_memory_pending_requests();
    } else {
        bad_location(shared, "expected sqlite:PATH, memory: or redis://HOST:PORT[/DB]");
    }
    return out;
}

}  // namespace ssogate::core::store
