// The PostgreSQL dialect: a bounded pool of libpq connections behind one sql::Connection, its statement
// table and its migrations. The stores themselves are the shared SQL ones (store/sql/).
#include "store/postgres.hpp"

#include "error.hpp"
#include "util/text.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <utility>
#include <vector>

namespace ssogate::core::store {

namespace {

using sql::Id;

constexpr sql::StatementTable kStatements = {{
#include "store/sql/postgres_statements.inc"
}};
static_assert(sql::in_order(kStatements), "postgres_statements.inc must list every sql::Id once, in order");

constexpr const char *kMigrations[] = {
#include "store/sql/postgres_schema.inc"
};
static_assert(std::size(kMigrations) == sql::schema_version);

// Serialises schema migrations of one database across every node (a transaction-scoped advisory lock).
constexpr const char *kMigrationLock = "SELECT pg_advisory_xact_lock(7150334)";

struct ResultDeleter {
    void operator()(PGresult *r) const noexcept { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::optional<int> to_int(std::string_view text) {
    int v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

// "a.b" style SQLSTATE classes the store maps to its codes.
bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Authentication failures as libpq reports them at connect time (it gives no SQLSTATE there).
bool is_auth_failure(std::string_view message) {
    for (std::string_view needle : {"password authentication failed", "no password supplied", "authentication failed",
                                    "role \"", "pg_hba.conf rejects", "permission denied for database"}) {
        if (message.find(needle) != std::string_view::npos) return true;
    }
    return false;
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// Raised for a serialisation failure or a deadlock: the transaction is run again.
class Retry : public Error {
public:
    using Error::Error;
};

}  // namespace

PostgresLocation parse_postgres_location(std::string_view location) {
    const auto bad = [&](const std::string &why) -> PostgresLocation {
        // The location may hold a password: quote only its scheme and say what is wrong.
        fail(Code::store_location,
             "PostgreSQL location: " + why + " (expected postgresql://USER:PASSWORD@HOST:PORT/DBNAME[?sslmode=...])");
    };
    if (!starts_with(location, "postgresql://") && !starts_with(location, "postgres://"))
        return bad("does not start with postgresql://");
    PostgresLocation out;
    std::string url(location);
    // Take ssogate's own parameters out of the query string; libpq gets the rest.
    std::string kept;
    if (const auto q = url.find('?'); q != std::string::npos) {
        std::string_view query = std::string_view(url).substr(q + 1);
        while (!query.empty()) {
            const auto amp = query.find('&');
            const std::string_view pair = query.substr(0, amp);
            query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
            const auto eq = pair.find('=');
            const std::string_view key = pair.substr(0, eq);
            const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
            const auto number = [&](int lo, int hi) {
                const auto v = to_int(value);
                if (!v || *v < lo || *v > hi)
                    bad(std::string(key) + " must be a number in " + std::to_string(lo) + ".." + std::to_string(hi));
                return *v;
            };
            if (key == "pool_max") {
                out.pool_max = number(1, 64);
            } else if (key == "statement_timeout_ms") {
                out.statement_timeout_ms = number(1, 600000);
            } else if (key == "pool_wait_ms") {
                out.pool_wait_ms = number(1, 600000);
            } else if (!pair.empty()) {
                kept += (kept.empty() ? "" : "&") + std::string(pair);
            }
        }
        url = url.substr(0, q) + (kept.empty() ? "" : "?" + kept);
    }
    char *err = nullptr;
    PQconninfoOption *opts = PQconninfoParse(url.c_str(), &err);
    if (opts == nullptr) {
        std::string why = err ? trimmed(err) : "libpq cannot parse it";
        PQfreemem(err);
        // libpq's message may quote the string: never pass on what could be the password.
        if (why.find(url) != std::string::npos) why = "libpq cannot parse it";
        return bad(why);
    }
    std::string host = "localhost", port = "5432", dbname, user;
    for (PQconninfoOption *o = opts; o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        const std::string_view k = o->keyword;
        if (k == "host" || k == "hostaddr") host = o->val;
        if (k == "port") port = o->val;
        if (k == "dbname") dbname = o->val;
        if (k == "user") user = o->val;
    }
    PQconninfoFree(opts);
    out.conninfo = url;
    out.display = "PostgreSQL at " + util::printable(host, 100) + ":" + util::printable(port, 10) + "/" +
                  util::printable(dbname.empty() ? user : dbname, 100) +
                  (user.empty() ? "" : " (user " + util::printable(user, 100) + ")");
    return out;
}

class PostgresDatabase final : public sql::Connection {
public:
    PostgresDatabase(PostgresLocation location, const PostgresOptions &options) : loc_(std::move(location)) {
        // Connect now: a wrong password, a missing database or a server that cannot be reached fails at
        // open, with the address in the message; then create, check or migrate the schema.
        try {
            Lease lease(*this);
            migrate(lease.conn(), options.migrate_on_open);
        } catch (...) {
            // The destructor does not run for an object whose constructor threw: close the connection
            // the lease returned to the pool here.
            for (Conn *c : idle_) delete c;
            idle_.clear();
            throw;
        }
    }
    ~PostgresDatabase() override {
        for (Conn *c : idle_) delete c;
    }
    PostgresDatabase(const PostgresDatabase &) = delete;
    PostgresDatabase &operator=(const PostgresDatabase &) = delete;

    void write_transaction(std::string_view doing, const std::function<void()> &f) override {
        // A write inside this thread's transaction joins it (its statements commit or roll back together).
        if (tls_.first == this && tls_.second != nullptr) return f();
        // A serialisation failure or a deadlock (another node's transaction won) runs the whole transaction
        // again; the third time it is reported as a store failure.
        for (int attempt = 1;; ++attempt) {
            try {
                run_transaction(doing, f);
                return;
            } catch (const Retry &e) {
                if (attempt == 3) fail(Code::store_unavailable, e.what());
            }
        }
    }

    void read_locked(const std::function<void()> &f) override {
        // Inside this thread's transaction or read: run on its connection (a second lease could wait for a
        // pool that this very call keeps full).
        if (tls_.first == this && tls_.second != nullptr) return f();
        Lease lease(*this);
        Current current(*this, lease.conn());
        f();
    }

    std::unique_ptr<sql::Query> query(Id id) override;

    const char *dialect() const noexcept override { return "PostgreSQL"; }

    int version() {
        Lease lease(*this);
        Current current(*this, lease.conn());
        return read_version();
    }
    int version_at_open() const noexcept { return version_at_open_; }
    std::uint64_t round_trips() const noexcept { return round_trips_.load(); }

private:
    class Query;

    // One libpq connection and the statements prepared on it.
    struct Conn {
        PGconn *pg = nullptr;
        std::array<bool, sql::statement_count> prepared{};
        ~Conn() {
            if (pg) PQfinish(pg);
        }
        bool ok() const { return pg != nullptr && PQstatus(pg) == CONNECTION_OK; }
    };

    // A connection taken from the pool for one call; returned (or closed when broken) at the end.
    class Lease {
    public:
        explicit Lease(PostgresDatabase &db) : db_(db), c_(db.acquire()) {}
        ~Lease() { db_.release(c_); }
        Lease(const Lease &) = delete;
        Lease &operator=(const Lease &) = delete;
        Conn &conn() { return *c_; }

    private:
        PostgresDatabase &db_;
        Conn *c_;
    };

    // The connection statements of this thread run on, while a transaction or a read holds it.
    class Current {
    public:
        Current(PostgresDatabase &db, Conn &c) : saved_(tls_) { tls_ = {&db, &c}; }
        ~Current() { tls_ = saved_; }
        Current(const Current &) = delete;
        Current &operator=(const Current &) = delete;

    private:
        std::pair<PostgresDatabase *, Conn *> saved_;
    };
    static thread_local std::pair<PostgresDatabase *, Conn *> tls_;

    Conn &current() const {
        if (tls_.first != this || tls_.second == nullptr)
            fail(Code::internal, "a PostgreSQL statement ran outside a transaction or read");
        return *tls_.second;
    }

    void run_transaction(std::string_view doing, const std::function<void()> &f) {
        Lease lease(*this);
        Conn &c = lease.conn();
        Current current(*this, c);
        exec(c, "BEGIN", doing);
        try {
            f();
            exec(c, "COMMIT", doing);
        } catch (...) {
            if (c.ok()) {
                Result r(PQexec(c.pg, "ROLLBACK"));
                ++round_trips_;
            }
            throw;
        }
    }

    Conn *acquire();
    void release(Conn *c) noexcept;
    Conn *connect();

    [[noreturn]] void raise(const PGresult *r, const Conn &c, std::string_view doing) const;
    void exec(Conn &c, const char *text, std::string_view doing) {
        Result r(PQexec(c.pg, text));
        ++round_trips_;
        const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) raise(r.get(), c, doing);
    }
    Result run_prepared(Id id, const std::vector<std::string> &params, const std::vector<bool> &set);
    int read_version();
    void migrate(Conn &c, bool migrate_on_open);

    PostgresLocation loc_;
    std::mutex mu_;
    std::condition_variable freed_;
    std::vector<Conn *> idle_;
    int open_ = 0;  // connections in idle_ or leased
    int version_at_open_ = 0;
    std::atomic<std::uint64_t> round_trips_{0};
};

thread_local std::pair<PostgresDatabase *, PostgresDatabase::Conn *> PostgresDatabase::tls_{nullptr, nullptr};

PostgresDatabase::Conn *PostgresDatabase::connect() {
    auto c = std::make_unique<Conn>();
    // Defaults first, so that the location's own values win (expand_dbname: later entries override).
    const char *keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
    const char *values[] = {"5", "ssogate", loc_.conninfo.c_str(), "UTF8", nullptr};
    c->pg = PQconnectdbParams(keys, values, 1);
    if (c->pg == nullptr) fail(Code::out_of_memory, loc_.display + ": libpq could not allocate a connection");
    // libpq prints the server's notices and asynchronous errors to stderr by default: a library must not.
    PQsetNoticeProcessor(
        c->pg, [](void *, const char *) {}, nullptr);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        const std::string why = trimmed(PQerrorMessage(c->pg));
        fail(is_auth_failure(why) ? Code::store_auth : Code::store_unavailable,
             loc_.display + ": cannot connect: " + util::printable(why, 400));
    }
    Result r(PQexec(c->pg, ("SET statement_timeout = " + std::to_string(loc_.statement_timeout_ms)).c_str()));
    ++round_trips_;
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) raise(r.get(), *c, "setting the statement timeout");
    return c.release();
}

PostgresDatabase::Conn *PostgresDatabase::acquire() {
    std::unique_lock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(loc_.pool_wait_ms);
    for (;;) {
        while (!idle_.empty()) {
            Conn *c = idle_.back();
            idle_.pop_back();
            // A server that restarted or went away closed the socket: reading what is pending notices it
            // without a round trip, and the connection is replaced instead of failing the caller.
            if (PQconsumeInput(c->pg) == 1 && c->ok() && PQtransactionStatus(c->pg) == PQTRANS_IDLE) return c;
            delete c;
            --open_;
        }
        if (open_ < loc_.pool_max) {
            ++open_;
            lock.unlock();
            try {
                return connect();
            } catch (...) {
                lock.lock();
                --open_;
                freed_.notify_one();
                throw;
            }
        }
        if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= loc_.pool_max)
            fail(Code::store_unavailable, loc_.display + ": all " + std::to_string(loc_.pool_max) +
                                              " connections of the pool stayed busy for " +
                                              std::to_string(loc_.pool_wait_ms) + " ms (pool_max)");
    }
}

void PostgresDatabase::release(Conn *c) noexcept {
    std::lock_guard lock(mu_);
    if (c->ok() && PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
        idle_.push_back(c);
    } else {
        delete c;
        --open_;
    }
    freed_.notify_one();
}

void PostgresDatabase::raise(const PGresult *r, const Conn &c, std::string_view doing) const {
    const std::string where = loc_.display + ", " + std::string(doing) + ": ";
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string detail = trimmed(r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r) : PQerrorMessage(c.pg));
    detail = util::printable(detail, 400);
    const std::string_view s = state ? state : "";
    if (!c.ok() || s.empty() || starts_with(s, "08") || starts_with(s, "57P"))
        fail(Code::store_unavailable, where + "the server did not answer (" + detail + ")");
    if (s == "40001" || s == "40P01") throw Retry(Code::store_unavailable, where + detail);
    if (s == "57014")
        fail(Code::store_unavailable, where + "the statement ran past its timeout of " +
                                          std::to_string(loc_.statement_timeout_ms) + " ms (statement_timeout_ms) (" +
                                          detail + ")");
    if (starts_with(s, "23")) fail(Code::store_conflict, where + "the record already exists (" + detail + ")");
    if (starts_with(s, "28") || s == "42501") fail(Code::store_auth, where + detail);
    if (s == "XX001" || s == "XX002") fail(Code::store_corrupt, where + "the data is damaged (" + detail + ")");
    fail(Code::store_unavailable, where + detail + " (SQLSTATE " + std::string(s) + ")");
}

int PostgresDatabase::read_version() {
    auto q = query(Id::schema_version_read);
    if (!q->step() || q->col_null(0)) return 0;
    return static_cast<int>(q->col_num(0));
}

void PostgresDatabase::migrate(Conn &c, bool migrate_on_open) {
    Current current(*this, c);
    exec(c, "BEGIN", "migrating the schema");
    try {
        exec(c, kMigrationLock, "waiting for another node's migration");
        query(Id::schema_version_create)->run();
        const int found = read_version();
        version_at_open_ = found;
        if (found > sql::schema_version) {
            fail(Code::store_schema_newer, loc_.display + " has schema version " + std::to_string(found) +
                                               "; this ssogate knows versions up to " +
                                               std::to_string(sql::schema_version) +
                                               ": use a newer ssogate (downgrades are not supported)");
        }
        if (found != 0 && found < sql::schema_version && !migrate_on_open) {
            fail(
                Code::store_schema_older,
                loc_.display + " has schema version " + std::to_string(found) + " and this ssogate writes version " +
                    std::to_string(sql::schema_version) +
                    ": run \"ssogate db migrate LOCATION\" (back the database up first), or open with migrate on open");
        }
        for (int v = found; v < sql::schema_version; ++v) {
            exec(c, kMigrations[v], "applying migration " + std::to_string(v + 1));
            query(Id::schema_version_record)->num(1, v + 1).run();
        }
        exec(c, "COMMIT", "migrating the schema");
    } catch (...) {
        if (c.ok()) {
            Result r(PQexec(c.pg, "ROLLBACK"));
            ++round_trips_;
        }
        throw;
    }
}

Result PostgresDatabase::run_prepared(Id id, const std::vector<std::string> &params, const std::vector<bool> &set) {
    Conn &c = current();
    const auto i = static_cast<std::size_t>(id);
    const std::string name = "ssogate_" + std::to_string(i);
    if (!c.prepared[i]) {
        Result p(PQprepare(c.pg, name.c_str(), kStatements[i].sql, 0, nullptr));
        ++round_trips_;
        if (!p || PQresultStatus(p.get()) != PGRES_COMMAND_OK) raise(p.get(), c, sql::doing(id));
        c.prepared[i] = true;
    }
    std::vector<const char *> values(params.size());
    for (std::size_t k = 0; k < params.size(); ++k) {
        if (!set[k]) fail(Code::internal, std::string("parameter ") + std::to_string(k + 1) + " of " + name + " unset");
        values[k] = params[k].c_str();
    }
    Result r(PQexecPrepared(c.pg, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0));
    ++round_trips_;
    const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) raise(r.get(), c, sql::doing(id));
    return r;
}

// Parameters collected as text, sent at the first step; the rows then read from the one result.
class PostgresDatabase::Query final : public sql::Query {
public:
    Query(PostgresDatabase &db, Id id) : db_(db), id_(id) {}

    Query &text(int i, std::string_view v) override {
        slot(i) = std::string(v);
        return *this;
    }
    Query &num(int i, std::int64_t v) override {
        slot(i) = std::to_string(v);
        return *this;
    }
    bool step() override {
        if (!result_) {
            result_ = db_.run_prepared(id_, params_, set_);
            row_ = 0;
        } else {
            ++row_;
        }
        return row_ < PQntuples(result_.get());
    }
    std::string col_text(int c) const override {
        return std::string(PQgetvalue(result_.get(), row_, c),
                           static_cast<std::size_t>(PQgetlength(result_.get(), row_, c)));
    }
    std::int64_t col_num(int c) const override {
        const char *p = PQgetvalue(result_.get(), row_, c);
        const std::size_t n = static_cast<std::size_t>(PQgetlength(result_.get(), row_, c));
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(p, p + n, v);
        if (ec != std::errc() || end != p + n)
            fail(Code::store_corrupt, db_.loc_.display + ", " + sql::doing(id_) + ": a number column holds \"" +
                                          util::printable(std::string_view(p, n), 40) + "\"");
        return v;
    }
    bool col_null(int c) const override { return PQgetisnull(result_.get(), row_, c) == 1; }

private:
    std::string &slot(int i) {
        const auto k = static_cast<std::size_t>(i - 1);
        if (params_.size() <= k) {
            params_.resize(k + 1);
            set_.resize(k + 1, false);
        }
        set_[k] = true;
        return params_[k];
    }

    PostgresDatabase &db_;
    Id id_;
    std::vector<std::string> params_;
    std::vector<bool> set_;
    Result result_;
    int row_ = 0;
};

std::unique_ptr<sql::Query> PostgresDatabase::query(Id id) {
    (void)current();
    return std::make_unique<Query>(*this, id);
}

std::shared_ptr<PostgresDatabase> open_postgres(std::string_view location, const PostgresOptions &options) {
    return std::make_shared<PostgresDatabase>(parse_postgres_location(location), options);
}

std::shared_ptr<sql::Connection> as_connection(std::shared_ptr<PostgresDatabase> db) { return db; }

int schema_version(PostgresDatabase &db) { return db.version(); }
int schema_version_at_open(const PostgresDatabase &db) { return db.version_at_open(); }

std::uint64_t round_trips(const PostgresDatabase &db) { return db.round_trips(); }

}  // namespace ssogate::core::store
