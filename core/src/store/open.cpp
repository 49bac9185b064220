// Store locations: a registry from scheme to the backend that opens it. A backend is one row, and a
// backend left out of the build (Redis without hiredis, PostgreSQL without libpq) is a row that refuses
// its locations with a message saying so.
#include "store/open.hpp"

#include "error.hpp"
#include "store/postgres.hpp"
#include "store/replay_memory.hpp"
#include "util/text.hpp"

#include <array>

namespace ssogate::core::store {

namespace {

// What one open_stores call has opened, so that a directory and shared state at the same SQLite
// location share one connection.
struct Opened {
    std::string sqlite_path;
    std::shared_ptr<SqliteDatabase> sqlite;
    std::string postgres_location;
    std::shared_ptr<PostgresDatabase> postgres;
};

[[noreturn]] void bad_location(std::string_view location, const std::string &why) {
    // Redacted: a location may carry a password (redis://user:password@...).
    fail(Code::store_location, "store location \"" + util::printable(redact_credentials(location)) + "\": " + why);
}

std::shared_ptr<SqliteDatabase> sqlite_at(std::string_view location, std::string_view path, const StoreOptions &o,
                                          Opened &opened) {
    if (path.empty()) bad_location(location, "no path after sqlite:");
    if (opened.sqlite && opened.sqlite_path == path) return opened.sqlite;
    SqliteOptions so = o.sqlite;
    so.migrate_on_open = so.migrate_on_open || o.migrate_on_open;
    auto db = open_sqlite(std::string(path), so);
    opened.sqlite_path = std::string(path);
    opened.sqlite = db;
    return db;
}

std::shared_ptr<PostgresDatabase> postgres_at(std::string_view location, const StoreOptions &o, Opened &opened) {
    if (opened.postgres && opened.postgres_location == location) return opened.postgres;
    PostgresOptions po;
    po.migrate_on_open = o.migrate_on_open;
    auto db = open_postgres(location, po);
    opened.postgres_location = std::string(location);
    opened.postgres = db;
    return db;
}

// One backend: `directory` is empty when it cannot hold the directory (`why_not` says so), `shared`
// empty when it cannot hold the replay cache and pending requests.
struct Backend {
    std::string_view scheme;  // the location's prefix, "sqlite:" ...
    std::shared_ptr<Directory> (*directory)(std::string_view location, std::string_view rest, const StoreOptions &,
                                            Opened &);
    void (*shared)(std::string_view location, std::string_view rest, const StoreOptions &, Opened &, Stores &);
    const char *why_not;
};

std::shared_ptr<Directory> sqlite_directory(std::string_view loc, std::string_view rest, const StoreOptions &o,
                                            Opened &opened) {
    return make_sqlite_directory(sqlite_at(loc, rest, o, opened));
}

void sqlite_shared(std::string_view loc, std::string_view rest, const StoreOptions &o, Opened &opened, Stores &out) {
    auto db = sqlite_at(loc, rest, o, opened);
    out.replay = make_sqlite_replay_cache(db, o.clock, o.replay_limits);
    out.pending = make_sqlite_pending_requests(db);
}

std::shared_ptr<Directory> memory_directory(std::string_view loc, std::string_view rest, const StoreOptions &,
                                            Opened &) {
    if (!rest.empty()) bad_location(loc, "memory: takes nothing after the colon");
    return make_memory_directory();
}

void memory_shared(std::string_view loc, std::string_view rest, const StoreOptions &o, Opened &, Stores &out) {
    if (!rest.empty()) bad_location(loc, "memory: takes nothing after the colon");
    out.replay = std::make_shared<MemoryReplayCache>(o.clock, o.replay_limits);
    out.pending = make_memory_pending_requests();
}

std::shared_ptr<Directory> postgres_directory(std::string_view loc, std::string_view, const StoreOptions &o,
                                              Opened &opened) {
    return sql::make_directory(as_connection(postgres_at(loc, o, opened)));
}

void postgres_shared(std::string_view loc, std::string_view, const StoreOptions &o, Opened &opened, Stores &out) {
    auto db = as_connection(postgres_at(loc, o, opened));
    out.replay = sql::make_replay_cache(db, o.clock, o.replay_limits);
    out.pending = sql::make_pending_requests(db);
}

// Without Redis support, make_redis_client (redis_disabled.cpp) refuses with store_location.
void redis_shared(std::string_view loc, std::string_view, const StoreOptions &o, Opened &, Stores &out) {
    RedisOptions ro = parse_redis_url(loc);
    ro.connect_timeout_ms = o.redis_connect_timeout_ms;
    ro.command_timeout_ms = o.redis_command_timeout_ms;
    ro.key_prefix = o.redis_key_prefix;
    auto client = make_redis_client(ro);
    out.replay = make_redis_replay_cache(client, o.clock, o.replay_limits);
    out.pending = make_redis_pending_requests(client);
}

constexpr std::array kBackends = {
    Backend{"sqlite:", sqlite_directory, sqlite_shared, nullptr},
    Backend{"memory:", memory_directory, memory_shared, nullptr},
    Backend{"postgresql://", postgres_directory, postgres_shared, nullptr},
    Backend{"postgres://", postgres_directory, postgres_shared, nullptr},
    Backend{"redis://", nullptr, redis_shared,
            "the directory needs sqlite:PATH, postgresql://... or memory:; Redis can hold only the shared state (the "
            "replay cache "
            "and pending requests: pass it as the second location)"},
    // Given to the Redis parser, which refuses it and says what to do instead of TLS.
    Backend{"rediss://", nullptr, redis_shared,
            "the directory needs sqlite:PATH or memory:; Redis can hold only the shared state"},
};

const Backend *backend_of(std::string_view location) {
    for (const auto &b : kBackends) {
        if (location.substr(0, b.scheme.size()) == b.scheme) return &b;
    }
    return nullptr;
}

std::shared_ptr<Directory> directory_at(std::string_view location, const StoreOptions &options, Opened &opened) {
    const Backend *b = backend_of(location);
    if (b == nullptr) bad_location(location, "expected sqlite:PATH, postgresql://... or memory:");
    if (b->directory == nullptr) bad_location(location, b->why_not);
    return b->directory(location, location.substr(b->scheme.size()), options, opened);
}

}  // namespace

std::shared_ptr<Directory> open_directory(std::string_view location, const StoreOptions &options) {
    Opened opened;
    return directory_at(location, options, opened);
}

Stores open_stores(std::string_view location, std::string_view shared_location, const StoreOptions &options) {
    Stores out;
    Opened opened;
    out.directory = directory_at(location, options, opened);
    const std::string_view shared = shared_location.empty() ? location : shared_location;
    const Backend *b = backend_of(shared);
    if (b == nullptr || b->shared == nullptr)
        bad_location(shared, "expected sqlite:PATH, postgresql://..., memory: or redis://HOST:PORT[/DB]");
    b->shared(shared, shared.substr(b->scheme.size()), options, opened, out);
    return out;
}

Migration migrate_database(std::string_view location) {
    Migration m;
    m.to = sql::schema_version;
    if (location.substr(0, 7) == "sqlite:") {
        const std::string_view path = location.substr(7);
        if (path.empty()) bad_location(location, "no path after sqlite:");
        SqliteOptions so;
        so.migrate_on_open = true;
        auto db = open_sqlite(std::string(path), so);
        m.dialect = "SQLite";
        m.from = schema_version_at_open(*db);
        m.to = schema_version(*db);
        return m;
    }
    const Backend *b = backend_of(location);
    if (b != nullptr && b->directory == postgres_directory) {
        PostgresOptions po;
        po.migrate_on_open = true;
        auto db = open_postgres(location, po);
        m.dialect = "PostgreSQL";
        m.from = schema_version_at_open(*db);
        m.to = schema_version(*db);
        return m;
    }
    bad_location(location, "only sqlite:PATH and postgresql://... locations have a schema to migrate");
}

}  // namespace ssogate::core::store
