// The small interface the SQL stores' logic runs on: one connection that prepares statements by Id
// (statements.hpp) and runs transactions. SQLite implements it (store/sqlite.cpp); another dialect
// implements it and brings its own statement table and migrations, and reuses every store in sql/.
#pragma once

#include "store/directory.hpp"
#include "store/pending_requests.hpp"
#include "store/replay.hpp"
#include "store/sql/statements.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace ssogate::core::store::sql {

// One prepared statement being run: bind, step, read columns. Reset (bindings cleared) when it goes
// away. Failures throw the store's Error (store_unavailable, store_corrupt, store_conflict on a
// constraint), the message naming the statement's doing().
class Query {
public:
    virtual ~Query() = default;
    virtual Query &text(int index, std::string_view value) = 0;
    virtual Query &num(int index, std::int64_t value) = 0;
    // true: a row is available; false: done. A write's changes happen at the first step, also for
    // a statement with RETURNING.
    virtual bool step() = 0;
    void run() {
        while (step()) {
        }
    }
    virtual std::string col_text(int column) const = 0;
    virtual std::int64_t col_num(int column) const = 0;
    virtual bool col_null(int column) const = 0;
};

class Connection {
public:
    virtual ~Connection() = default;
    // Runs f in one write transaction, serialised with every other writer: committed when f
    // returns, rolled back when it throws (the exception then propagates).
    virtual void write_transaction(std::string_view doing, const std::function<void()> &f) = 0;
    // Runs f with the connection to itself, for reads (each statement is atomic on its own).
    virtual void read_locked(const std::function<void()> &f) = 0;
    // Only inside write_transaction or read_locked.
    virtual std::unique_ptr<Query> query(Id id) = 0;
    // "SQLite", for messages.
    virtual const char *dialect() const noexcept = 0;

    template <typename F>
    auto write(std::string_view doing, F &&f) {
        if constexpr (std::is_void_v<decltype(f())>) {
            write_transaction(doing, f);
        } else {
            std::optional<decltype(f())> out;
            write_transaction(doing, [&] { out.emplace(f()); });
            return std::move(*out);
        }
    }
    template <typename F>
    auto read(F &&f) {
        if constexpr (std::is_void_v<decltype(f())>) {
            read_locked(f);
        } else {
            std::optional<decltype(f())> out;
            read_locked([&] { out.emplace(f()); });
            return std::move(*out);
        }
    }
};

std::unique_ptr<Directory> make_directory(std::shared_ptr<Connection> db);
std::unique_ptr<PendingRequests> make_pending_requests(std::shared_ptr<Connection> db);
// `clock` (Unix seconds) decides which entries have expired; `limits` bound the live entries, counted
// in the database so that every process sharing it shares the bounds.
std::unique_ptr<ReplayCache> make_replay_cache(std::shared_ptr<Connection> db, std::function<std::int64_t()> clock,
                                               ReplayLimits limits);

}  // namespace ssogate::core::store::sql
