// The SQLite dialect: one connection (sql::Connection) with its statement table and migrations. The
// stores themselves are the shared SQL ones (store/sql/).
#include "store/sqlite.hpp"

#include "error.hpp"
#include "store/sql/connection.hpp"

#include <sqlite3.h>

#include <array>
#include <iterator>
#include <mutex>
#include <utility>

namespace ssogate::core::store {

namespace {

using sql::Id;

constexpr sql::StatementTable kStatements = {{
#include "store/sql/sqlite_statements.inc"
}};
static_assert(sql::in_order(kStatements), "sqlite_statements.inc must list every sql::Id once, in order");

constexpr const char *kMigrations[] = {
#include "store/sql/sqlite_schema.inc"
};
static_assert(std::size(kMigrations) == sql::schema_version);
static_assert(sqlite_schema_version == sql::schema_version);

}  // namespace

namespace sql {

const char *doing(Id id) noexcept {
    static constexpr const char *kDoing[] = {
#define SSOGATE_SQL_DOING(name, what) what,
        SSOGATE_SQL_STATEMENTS(SSOGATE_SQL_DOING)
#undef SSOGATE_SQL_DOING
    };
    const auto i = static_cast<std::size_t>(id);
    return i < std::size(kDoing) ? kDoing[i] : "running a statement";
}

}  // namespace sql

class SqliteDatabase final : public sql::Connection {
public:
    SqliteDatabase(const std::string &path, const SqliteOptions &options)
        : path_(path), busy_timeout_ms_(options.busy_timeout_ms) {
        const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) {
            std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close_v2(db_);
            db_ = nullptr;
            fail(Code::store_unavailable, "cannot open SQLite store " + path_ + ": " + why);
        }
        try {
            sqlite3_extended_result_codes(db_, 1);
            sqlite3_busy_timeout(db_, busy_timeout_ms_);
            exec("PRAGMA journal_mode=WAL", "switching to WAL");
            exec(options.sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", "setting synchronous");
            exec("PRAGMA foreign_keys=ON", "enabling foreign keys");
            migrate(options.migrate_on_open);
        } catch (...) {
            close();
            throw;
        }
    }
    ~SqliteDatabase() override { close(); }
    SqliteDatabase(const SqliteDatabase &) = delete;
    SqliteDatabase &operator=(const SqliteDatabase &) = delete;

    [[noreturn]] void raise(int rc, std::string_view doing) const {
        const int primary = rc & 0xff;
        const std::string where = "SQLite store " + path_ + ", " + std::string(doing) + ": ";
        const std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        switch (primary) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            fail(Code::store_unavailable, where +
                                              "the database stayed locked by another writer past the busy timeout of " +
                                              std::to_string(busy_timeout_ms_) + " ms (" + detail + ")");
        case SQLITE_FULL: fail(Code::store_unavailable, where + "the disk is full (" + detail + ")");
        case SQLITE_IOERR: fail(Code::store_unavailable, where + "I/O error (" + detail + ")");
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB: fail(Code::store_corrupt, where + "the file is damaged or not a database (" + detail + ")");
        case SQLITE_CONSTRAINT: fail(Code::store_conflict, where + "the record already exists (" + detail + ")");
        default: fail(Code::store_unavailable, where + detail);
        }
    }

    // BEGIN IMMEDIATE ... COMMIT under the connection mutex: the write lock is taken up front, so two
    // writers never deadlock upgrading read locks, and a throw rolls everything back.
    void write_transaction(std::string_view doing, const std::function<void()> &f) override {
        std::lock_guard lock(mu_);
        in_transaction(doing, f);
    }

    void read_locked(const std::function<void()> &f) override {
        std::lock_guard lock(mu_);
        f();
    }

    std::unique_ptr<sql::Query> query(Id id) override;

    const char *dialect() const noexcept override { return "SQLite"; }

    int version_at_open() const noexcept { return version_at_open_; }
    int version() {
        int v = 0;
        read_locked([&] { v = current_version(); });
        return v;
    }

private:
    class Query;

    void exec(const char *text, std::string_view doing) {
        const int rc = sqlite3_exec(db_, text, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) raise(rc, doing);
    }

    void in_transaction(std::string_view doing, const std::function<void()> &f) {
        exec("BEGIN IMMEDIATE", doing);
        try {
            f();
            exec("COMMIT", doing);
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }

    int current_version();
    void migrate(bool migrate_on_open);
    void close() noexcept {
        for (auto &stmt : cache_) sqlite3_finalize(stmt);
        cache_.fill(nullptr);
        if (db_) sqlite3_close_v2(db_);
        db_ = nullptr;
    }

    std::string path_;
    int busy_timeout_ms_;
    int version_at_open_ = 0;
    sqlite3 *db_ = nullptr;
    std::mutex mu_;
    std::array<sqlite3_stmt *, sql::statement_count> cache_{};  // prepared once, by Id
};

// A cached prepared statement, reset (and its bindings cleared) when this wrapper goes away.
class SqliteDatabase::Query final : public sql::Query {
public:
    Query(const SqliteDatabase &db, sqlite3_stmt *s, Id id) : db_(db), s_(s), id_(id) {}
    ~Query() override {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    Query(const Query &) = delete;
    Query &operator=(const Query &) = delete;

    Query &text(int i, std::string_view v) override {
        // An empty string_view may carry a null pointer, which SQLite would bind as NULL.
        check(sqlite3_bind_text(s_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Query &num(int i, std::int64_t v) override {
        check(sqlite3_bind_int64(s_, i, v));
        return *this;
    }
    bool step() override {
        const int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        db_.raise(rc, sql::doing(id_));
    }
    std::string col_text(int c) const override {
        const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(s_, c));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, c))) : std::string();
    }
    std::int64_t col_num(int c) const override { return sqlite3_column_int64(s_, c); }
    bool col_null(int c) const override { return sqlite3_column_type(s_, c) == SQLITE_NULL; }

private:
    void check(int rc) const {
        if (rc != SQLITE_OK) db_.raise(rc, sql::doing(id_));
    }
    const SqliteDatabase &db_;
    sqlite3_stmt *s_;
    Id id_;
};

std::unique_ptr<sql::Query> SqliteDatabase::query(Id id) {
    sqlite3_stmt *&s = cache_[static_cast<std::size_t>(id)];
    if (s == nullptr) {
        const int rc = sqlite3_prepare_v3(db_, kStatements[static_cast<std::size_t>(id)].sql, -1,
                                          SQLITE_PREPARE_PERSISTENT, &s, nullptr);
        if (rc != SQLITE_OK) {
            s = nullptr;
            raise(rc, sql::doing(id));
        }
    }
    return std::make_unique<Query>(*this, s, id);
}

int SqliteDatabase::current_version() {
    auto q = query(Id::schema_version_read);
    if (!q->step() || q->col_null(0)) return 0;
    return static_cast<int>(q->col_num(0));
}

void SqliteDatabase::migrate(bool migrate_on_open) {
    std::lock_guard lock(mu_);
    in_transaction("migrating the schema", [&] {
        query(Id::schema_version_create)->run();
        const int found = current_version();
        version_at_open_ = found;
        if (found != 0 && found < sql::schema_version && !migrate_on_open)
            fail(Code::store_schema_older, "SQLite store " + path_ + " has schema version " + std::to_string(found) +
                                               " and this ssogate writes version " +
                                               std::to_string(sql::schema_version) +
                                               ": run \"ssogate db migrate sqlite:" + path_ +
                                               "\" (back the file up first), or open it with migrate on open");
        if (found > sql::schema_version)
            fail(Code::store_schema_newer, "SQLite store " + path_ + " has schema version " + std::to_string(found) +
                                               "; this ssogate knows versions up to " +
                                               std::to_string(sql::schema_version) +
                                               ": open it with a newer ssogate (downgrades are not supported)");
        for (int v = found; v < sql::schema_version; ++v) {
            exec(kMigrations[v], "applying migration " + std::to_string(v + 1));
            query(Id::schema_version_record)->num(1, v + 1).run();
        }
    });
}

std::shared_ptr<SqliteDatabase> open_sqlite(const std::string &path, const SqliteOptions &options) {
    if (path.empty()) fail(Code::store_location, "the SQLite store path is empty (expected sqlite:PATH)");
    return std::make_shared<SqliteDatabase>(path, options);
}

int schema_version(SqliteDatabase &db) { return db.version(); }
int schema_version_at_open(const SqliteDatabase &db) { return db.version_at_open(); }

std::unique_ptr<Directory> make_sqlite_directory(std::shared_ptr<SqliteDatabase> db) {
    return sql::make_directory(std::move(db));
}
std::unique_ptr<PendingRequests> make_sqlite_pending_requests(std::shared_ptr<SqliteDatabase> db) {
    return sql::make_pending_requests(std::move(db));
}
std::unique_ptr<ReplayCache> make_sqlite_replay_cache(std::shared_ptr<SqliteDatabase> db,
                                                      std::function<std::int64_t()> clock, ReplayLimits limits) {
    return sql::make_replay_cache(std::move(db), std::move(clock), limits);
}

}  // namespace ssogate::core::store
