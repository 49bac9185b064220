// The SQL stores' statements, by name. The logic (sql/directory.cpp, sql/shared_state.cpp) asks a
// Connection for a statement by its Id; each dialect supplies one table with the text of every Id
// (sqlite_statements.inc, postgres_statements.inc): a dialect is a table and a Connection, never a second
// copy of the logic.
//
// Parameters are numbered (?1 in SQLite, $1 in PostgreSQL) with the same meaning in every dialect,
// and the columns of a SELECT or RETURNING come in the order given here.
#pragma once

#include <array>
#include <cstddef>

namespace ssogate::core::store::sql {

// X(name, what the statement does, for error messages: "SQLite store PATH, <doing>: ...")
#define SSOGATE_SQL_STATEMENTS(X)                                                                                    \
    X(schema_version_create, "creating schema_version")                                                              \
    X(schema_version_read, "reading the schema version")     /* -> max(version) */                                   \
    X(schema_version_record, "recording the schema version") /* ?1 version */                                        \
    X(account_put, "saving an account")                      /* ?1 id ?2 name ?3 mode ?4 ?5 json */                  \
    X(account_find, "reading an account")                    /* ?1 id -> id name mode domains bg revision */         \
    X(account_exists, "checking the account")                /* ?1 id -> 1 */                                        \
    X(connection_put, "saving a connection")                 /* ?1 id ?2 account ?3 json ?4 enabled */               \
    X(connection_find, "reading a connection")               /* ?1 id -> id account json enabled */                  \
    X(connection_list, "listing connections")                /* ?1 account, by id */                                 \
    X(connection_remove, "removing a connection")            /* ?1 id -> 1 when removed */                           \
    X(member_put, "saving a member")                         /* ?1 account ?2 email ?3..?9 row */                    \
    X(member_insert, "adding a member")                      /* same; fails on an existing key */                    \
    X(member_update_if, "updating a member")                 /* ?1 ?2 key ?3.. before ?10.. after -> 1 */            \
    X(member_find, "reading a member")                       /* ?1 account ?2 email -> member columns */             \
    X(member_list, "listing members")                        /* ?1 account, by email */                              \
    X(invite_put, "saving an invite")                        /* ?1 account ?2 email ?3 role ?4 token ?5 ?6 */        \
    X(invite_find, "reading an invite")                      /* ?1 account ?2 email ?3 now */                        \
    X(invite_remove, "revoking an invite")                   /* ?1 account ?2 email -> 1 */                          \
    X(invite_take, "consuming an invite")                    /* ?1 account ?2 email ?3 token ?4 now -> 1 */          \
    X(join_token_put, "saving a join token")                 /* ?1 token ?2 account ?3 conn ?4 email ?5 expires */   \
    X(join_token_find, "reading a join token")               /* ?1 token ?2 now -> account conn email expires */     \
    X(join_token_take, "consuming a join token")             /* ?1 token ?2 now -> 1 */                              \
    X(audit_append, "appending to the audit log")            /* ?1 time ?2..?7 -> seq */                             \
    X(audit_read, "reading the audit log")                   /* ?1 after ?2 account ('' = all) ?3 limit */           \
    X(audit_query_oldest, "reading the audit log")           /* ?1..?9: see audit_query in sql/directory.cpp */      \
    X(audit_query_newest, "reading the audit log")           /* the same, newest first */                            \
    X(pending_purge, "purging expired pending requests")     /* ?1 now */                                            \
    X(pending_insert, "recording a pending request")         /* ?1 token ?2 request ?3 conn ?4..?6 */                \
    X(pending_token_of, "finding a pending request")         /* ?1 conn ?2 request -> token */                       \
    X(pending_take, "taking a pending request")              /* ?1 token -> request conn return created expires */   \
    X(replay_exists, "looking up an assertion ID")           /* ?1 key -> 1 */                                       \
    X(replay_live_exists, "looking up an assertion ID")      /* ?1 key ?2 now -> 1 (kept while expires_at >= now) */ \
    X(replay_insert, "recording an assertion ID in the replay cache") /* ?1 key ?2 expires ?3 conn -> 1 if new */    \
    X(replay_forget_expired, "purging the replay cache")              /* ?1 key ?2 now -> conn */                    \
    X(replay_purge, "purging the replay cache")                       /* ?1 now -> conn per row */                   \
    X(replay_live, "counting live assertion IDs")                     /* ?1 conn -> live */                          \
    X(replay_live_add, "counting live assertion IDs")                 /* ?1 conn ?2 delta */                         \
    /* ?1 id ?2 name ?3 mode ?4 domains ?5 break-glass (JSON); fails when the id exists */                           \
    X(account_insert, "creating an account")                                                                         \
    /* ?1 id ?2 expected revision ?3 name ?4 mode ?5 domains ?6 break-glass -> 1; revision + 1 */                    \
    X(account_update_if, "updating an account")                                                                      \
    /* ?1 id: revision + 1 */                                                                                        \
    X(account_bump, "moving an account's revision")                                                                  \
    /* ?1 account ?2 email ?3..?9 before (as member_update_if) -> 1 */                                               \
    X(member_remove_if, "removing a member")

enum class Id : int {
#define SSOGATE_SQL_ID(name, doing) name,
    SSOGATE_SQL_STATEMENTS(SSOGATE_SQL_ID)
#undef SSOGATE_SQL_ID
        count
};

inline constexpr std::size_t statement_count = static_cast<std::size_t>(Id::count);

// What the statement does, for messages.
const char *doing(Id id) noexcept;

// One dialect's text for a statement.
struct Statement {
    Id id;
    const char *sql;
};
using StatementTable = std::array<Statement, statement_count>;

// True when entry i is the statement with Id i: checked at compile time for every dialect's table,
// so a statement cannot be missing, doubled or out of place.
constexpr bool in_order(const StatementTable &table) {
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (static_cast<std::size_t>(table[i].id) != i || table[i].sql == nullptr) return false;
    }
    return true;
}

// The schema every dialect creates: accounts, connections, members, invites, join_tokens, audit
// (append-only), replay + replay_live, pending_requests, and schema_version; accounts carry a revision
// (3) that every change to the account or its members moves forward. Its version; each
// dialect has one forward-only migration per version (sqlite_schema.inc): migration i takes the
// schema from version i to i + 1.
inline constexpr int schema_version = 3;

}  // namespace ssogate::core::store::sql
