// PostgreSQL stores, for many application nodes over one database: the directory, the audit log, the
// replay cache and the pending requests, with the same logic as SQLite (store/sql/) over a pool of
// libpq connections.
//
// Location: "postgresql://USER:PASSWORD@HOST:PORT/DBNAME?sslmode=...", as libpq reads it (any libpq
// parameter: sslmode, sslrootcert, connect_timeout, application_name ...), plus three of ssogate's own,
// taken out before libpq sees the rest: pool_max (connections per process, 1..64, default 4),
// statement_timeout_ms (each statement, 1..600000, default 5000) and pool_wait_ms (how long a call waits for
// a free connection, default 5000). "postgres://" is accepted too.
//
// Every write is one transaction. The uniqueness rules are the database's (primary keys, ON CONFLICT DO
// NOTHING for an assertion ID, DELETE ... RETURNING to take a token once), so two nodes can never both
// accept one assertion or both take one RelayState. Audit rows take their seq under a transaction-scoped
// lock, so rows become visible in seq order and a reader that polls "seq > last" misses none.
//
// Fail closed: a server that is down, a statement past its timeout or a pool with no free connection
// throws store_unavailable ("PostgreSQL at HOST:PORT/DB ..."); wrong credentials store_auth; the password
// is never in a message. A broken connection is dropped; the next call opens a new one, so service resumes
// when the server is back.
#pragma once

#include "store/sql/connection.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ssogate::core::store {

struct PostgresOptions {
    // Bring an older schema up to date when opening (forward-only migrations, one transaction, under a
    // lock so that nodes starting together migrate once). false: an older schema is refused with
    // store_schema_older; an empty database always receives the current schema.
    bool migrate_on_open = false;
};

// The parsed location, for messages and tests: libpq's connection string without ssogate's own
// parameters, and those parameters.
struct PostgresLocation {
    std::string conninfo;  // handed to libpq
    std::string display;   // "PostgreSQL at HOST:PORT/DB (user U)", never the password
    int pool_max = 4;
    int statement_timeout_ms = 5000;
    int pool_wait_ms = 5000;
};

// store_location when the location is not a postgresql:// URL libpq accepts, or an ssogate parameter
// is out of range.
PostgresLocation parse_postgres_location(std::string_view location);

class PostgresDatabase;

// Connects once (so that a wrong password or an unreachable server fails here, with the address in the
// message), then creates, checks or migrates the schema.
std::shared_ptr<PostgresDatabase> open_postgres(std::string_view location, const PostgresOptions &options = {});

std::shared_ptr<sql::Connection> as_connection(std::shared_ptr<PostgresDatabase> db);

// The schema version found in the database now, and the one it had when it was opened (0: empty).
int schema_version(PostgresDatabase &db);
int schema_version_at_open(const PostgresDatabase &db);

// Round trips to the server since this database was opened (every statement, BEGIN and COMMIT), for the
// benchmark's "round trips per login".
std::uint64_t round_trips(const PostgresDatabase &db);

}  // namespace ssogate::core::store
