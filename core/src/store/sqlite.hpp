// SQLite stores, the embedded default: one file holds the directory, the replay cache and the
// pending requests. WAL journal, a busy timeout, every multi-step change in one BEGIN IMMEDIATE
// transaction, a schema_version table with forward-only migrations, prepared statements only.
//
// One SqliteDatabase is one connection guarded by a mutex: safe to share between threads; several
// processes (or nodes on one host) may open the same file and SQLite's locking serialises writers.
#pragma once

#include "store/directory.hpp"
#include "store/pending_requests.hpp"
#include "store/replay.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace ssogate::core::store {

struct SqliteOptions {
    // How long a writer waits for another connection's lock before the call fails with
    // store_unavailable.
    int busy_timeout_ms = 5000;
    // true: fsync on every commit (a committed row survives power loss). false: WAL's NORMAL sync,
    // which still survives a crashed or killed process but may lose the last commits on power loss.
    bool sync_full = true;
    // Bring an older schema up to date when opening (forward-only migrations in one transaction).
    // false: a file with an older schema is refused with store_schema_older ("ssogate db migrate"
    // upgrades it); a new or empty file always receives the current schema.
    bool migrate_on_open = false;
};

class SqliteDatabase;

// Opens (creating if needed) the file and creates, checks or migrates its schema. Throws
// store_unavailable (cannot open, locked past the timeout, I/O error), store_corrupt (not a database),
// store_schema_newer (written by a newer ssogate; the message names both versions) or store_schema_older
// (an older schema and migrate_on_open off).
std::shared_ptr<SqliteDatabase> open_sqlite(const std::string &path, const SqliteOptions &options = {});

// The schema version this build writes, and the one found in an open database.
inline constexpr int sqlite_schema_version = 3;
int schema_version(SqliteDatabase &db);
int schema_version_at_open(const SqliteDatabase &db);  // 0: the file was new or empty

std::unique_ptr<Directory> make_sqlite_directory(std::shared_ptr<SqliteDatabase> db);
std::unique_ptr<PendingRequests> make_sqlite_pending_requests(std::shared_ptr<SqliteDatabase> db);
// `clock` (Unix seconds; empty = the system clock) decides which entries have expired, as in
// MemoryReplayCache: an entry is kept while expires_at >= clock(). `limits` bound the live entries in
// all and per connection (counted in the file, so every process that shares it shares the bounds).
std::unique_ptr<ReplayCache> make_sqlite_replay_cache(std::shared_ptr<SqliteDatabase> db,
                                                      std::function<std::int64_t()> clock = {},
                                                      ReplayLimits limits = {});

}  // namespace ssogate::core::store
