// One call that turns store locations into the stores a host needs.
//
//   open_stores("sqlite:/var/lib/app/ssogate.db")               everything in one SQLite file
//   open_stores("memory:")                                      everything in this process (tests)
//   open_stores("sqlite:/var/lib/app/ssogate.db",
//               "redis://127.0.0.1:6379/0")                     directory in SQLite; replay cache and
//                                                               pending requests shared in Redis
//   open_stores("postgresql://app:pw@db.internal/app")         everything in one PostgreSQL database,
//                                                               shared by every node
//
// The directory is never in Redis: it is the durable record (members, audit log) and needs
// transactions; Redis holds only the short-lived state that several nodes must share.
#pragma once

#include "store/directory.hpp"
#include "store/pending_requests.hpp"
#include "store/redis.hpp"
#include "store/replay.hpp"
#include "store/sqlite.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace ssogate::core::store {

struct Stores {
    std::shared_ptr<Directory> directory;
    std::shared_ptr<ReplayCache> replay;
    std::shared_ptr<PendingRequests> pending;
};

struct StoreOptions {
    SqliteOptions sqlite;
    int redis_connect_timeout_ms = 1000;
    int redis_command_timeout_ms = 1000;
    std::string redis_key_prefix = "ssogate:";
    // Upgrade an older database schema (SQLite or PostgreSQL) when opening. Off: an older schema is refused
    // with store_schema_older and "ssogate db migrate LOCATION" upgrades it; an empty database always
    // receives the current schema.
    bool migrate_on_open = false;
    std::function<std::int64_t()> clock;  // for the replay caches; empty = the system clock
    ReplayLimits replay_limits;           // live assertion IDs, in all and per connection
};

// `location`: "sqlite:PATH", "postgresql://..." or "memory:" (the directory, and the shared state
// unless `shared_location` is given). `shared_location`: empty (same as `location`), "sqlite:PATH",
// "postgresql://...", "memory:" or "redis://...". Two equal database locations share one connection (pool). Throws
// store_location for a malformed or unsupported location (including redis:// as `location`), and what the stores throw
// when they cannot open. A Redis server that is down does not fail here: the first replay or pending call does.
Stores open_stores(std::string_view location, std::string_view shared_location = {}, const StoreOptions &options = {});

// The directory alone at `location` ("sqlite:PATH", "postgresql://..." or "memory:"), with the same errors.
std::shared_ptr<Directory> open_directory(std::string_view location, const StoreOptions &options = {});

// Brings the database at `location` (sqlite:PATH or postgresql://...) to the schema this build writes, in
// one transaction (PostgreSQL: under a lock, so that two nodes migrating at once migrate once). Creates the
// schema in an empty database. store_schema_newer when the database is newer than this build.
struct Migration {
    std::string dialect;  // "SQLite", "PostgreSQL"
    int from = 0;         // the version found (0: empty)
    int to = 0;           // the version now
};
Migration migrate_database(std::string_view location);

}  // namespace ssogate::core::store
