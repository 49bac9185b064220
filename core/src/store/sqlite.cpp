#include "store/sqlite.hpp"

#include "error.hpp"
#include "util/email.hpp"
#include "util/time.hpp"

#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include <mutex>
#include <unordered_map>
#include <utility>

namespace ssogate::core::store {

namespace {

// Forward-only migrations: entry i takes the schema from version i to i + 1. Never edit a shipped
// entry; append a new one and raise sqlite_schema_version.
constexpr const char *kMigrations[] = {
    R"sql(
CREATE TABLE accounts(
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sso_mode TEXT NOT NULL,
    verified_domains TEXT NOT NULL,   -- JSON array of lower-case domains
    break_glass TEXT NOT NULL         -- JSON array of lower-case emails
);
CREATE TABLE connections(
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    json TEXT NOT NULL,
    enabled INTEGER NOT NULL
);
CREATE INDEX connections_by_account ON connections(account_id);
CREATE TABLE members(
    account_id TEXT NOT NULL REFERENCES accounts(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    has_password INTEGER NOT NULL,
    joined_via TEXT NOT NULL,
    sso_linked INTEGER NOT NULL,
    last_sso_login INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY(account_id, email)
);
CREATE TABLE invites(
    account_id TEXT NOT NULL REFERENCES accounts(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY(account_id, email)
);
CREATE TABLE join_tokens(
    token TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    email TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE audit(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    email TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_by_account ON audit(account_id, seq);
-- The audit log is evidence: refuse edits even from code paths that would try.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE replay(
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX replay_by_expiry ON replay(expires_at);
CREATE TABLE pending_requests(
    token TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    return_to TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    UNIQUE(connection_id, request_id)
);
)sql",
    // 2: the replay cache counts live IDs per connection (and in all, under connection_id ''), so that it
    // can be bounded and one connection's volume cannot take the room of the others.
    R"sql(
ALTER TABLE replay ADD COLUMN connection_id TEXT NOT NULL DEFAULT '';
CREATE TABLE replay_live(
    connection_id TEXT PRIMARY KEY,   -- '' holds the total; connection ids are never empty
    live INTEGER NOT NULL
);
INSERT INTO replay_live(connection_id, live) SELECT connection_id, count(*) FROM replay GROUP BY connection_id;
INSERT OR REPLACE INTO replay_live(connection_id, live) SELECT '', count(*) FROM replay;
)sql",
};
static_assert(std::size(kMigrations) == sqlite_schema_version);

}  // namespace

class SqliteDatabase {
public:
    class Stmt;

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
            migrate();
        } catch (...) {
            close();
            throw;
        }
    }
    ~SqliteDatabase() { close(); }
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

    void exec(const char *sql, std::string_view doing) {
        const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) raise(rc, doing);
    }

    Stmt prepare(const char *sql, std::string_view doing);

    // Runs f inside BEGIN IMMEDIATE ... COMMIT under the connection mutex: the write lock is taken up
    // front, so two writers never deadlock upgrading read locks, and a throw rolls everything back.
    template <typename F>
    auto write(std::string_view doing, F &&f) {
        std::lock_guard lock(mu_);
        exec("BEGIN IMMEDIATE", doing);
        try {
            if constexpr (std::is_void_v<decltype(f())>) {
                f();
                exec("COMMIT", doing);
            } else {
                auto result = f();
                exec("COMMIT", doing);
                return result;
            }
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }

    // Reads are single statements, atomic on their own; the mutex only protects the connection.
    template <typename F>
    auto read(F &&f) {
        std::lock_guard lock(mu_);
        return f();
    }

    int version() {
        return read([&] { return current_version(); });
    }
    // Rows changed and the rowid of the last insert, for the statement that just ran on this
    // connection (callers hold the mutex through write()).
    std::int64_t changes() const { return sqlite3_changes64(db_); }
    std::int64_t last_rowid() const { return sqlite3_last_insert_rowid(db_); }

private:
    int current_version();
    void migrate();
    void close() noexcept {
        for (auto &[sql, stmt] : cache_) sqlite3_finalize(stmt);
        cache_.clear();
        if (db_) sqlite3_close_v2(db_);
        db_ = nullptr;
    }

    std::string path_;
    int busy_timeout_ms_;
    sqlite3 *db_ = nullptr;
    std::mutex mu_;
    std::unordered_map<const char *, sqlite3_stmt *> cache_;  // keyed by the SQL literal's address
};

// A cached prepared statement, reset (and its bindings cleared) when this wrapper goes away.
class SqliteDatabase::Stmt {
public:
    Stmt(const SqliteDatabase &db, sqlite3_stmt *s, std::string_view doing) : db_(db), s_(s), doing_(doing) {}
    ~Stmt() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    Stmt(const Stmt &) = delete;
    Stmt &operator=(const Stmt &) = delete;

    Stmt &text(int i, std::string_view v) {
        // An empty string_view may carry a null pointer, which SQLite would bind as NULL.
        check(sqlite3_bind_text(s_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Stmt &num(int i, std::int64_t v) {
        check(sqlite3_bind_int64(s_, i, v));
        return *this;
    }
    // true: a row is available; false: done.
    bool step() {
        const int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        db_.raise(rc, doing_);
    }
    void run() {
        while (step()) {
        }
    }
    std::string col_text(int c) const {
        const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(s_, c));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, c))) : std::string();
    }
    std::int64_t col_num(int c) const { return sqlite3_column_int64(s_, c); }
    bool col_null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }

private:
    void check(int rc) const {
        if (rc != SQLITE_OK) db_.raise(rc, doing_);
    }
    const SqliteDatabase &db_;
    sqlite3_stmt *s_;
    std::string_view doing_;
};

SqliteDatabase::Stmt SqliteDatabase::prepare(const char *sql, std::string_view doing) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt *s = nullptr;
        const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
        if (rc != SQLITE_OK) raise(rc, doing);
        it = cache_.emplace(sql, s).first;
    }
    return Stmt(*this, it->second, doing);
}

int SqliteDatabase::current_version() {
    auto st = prepare("SELECT max(version) FROM schema_version", "reading the schema version");
    if (!st.step() || st.col_null(0)) return 0;
    return static_cast<int>(st.col_num(0));
}

void SqliteDatabase::migrate() {
    std::lock_guard lock(mu_);
    exec("BEGIN IMMEDIATE", "migrating the schema");
    try {
        exec("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)", "creating schema_version");
        const int found = current_version();
        if (found > sqlite_schema_version)
            fail(Code::store_schema_newer, "SQLite store " + path_ + " has schema version " + std::to_string(found) +
                                               "; this ssogate knows versions up to " +
                                               std::to_string(sqlite_schema_version) +
                                               ": open it with a newer ssogate (downgrades are not supported)");
        for (int v = found; v < sqlite_schema_version; ++v) {
            exec(kMigrations[v], "applying migration " + std::to_string(v + 1));
            prepare("INSERT INTO schema_version(version) VALUES(?1)", "recording the schema version")
                .num(1, v + 1)
                .run();
        }
        exec("COMMIT", "migrating the schema");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::shared_ptr<SqliteDatabase> open_sqlite(const std::string &path, const SqliteOptions &options) {
    if (path.empty()) fail(Code::store_location, "the SQLite store path is empty (expected sqlite:PATH)");
    return std::make_shared<SqliteDatabase>(path, options);
}

int schema_version(SqliteDatabase &db) { return db.version(); }

namespace {

using util::lower_ascii;
using util::normalize_email;
using Stmt = SqliteDatabase::Stmt;

std::string list_to_json(const std::vector<std::string> &list) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto &s : list) j.push_back(lower_ascii(s));
    return j.dump();
}

std::vector<std::string> list_from_json(const std::string &text) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_array()) fail(Code::store_corrupt, "an account's domain or break-glass list is not a JSON array");
    std::vector<std::string> out;
    for (const auto &item : j) {
        if (!item.is_string()) fail(Code::store_corrupt, "an account's domain or break-glass list holds a non-string");
        out.push_back(item.get<std::string>());
    }
    return out;
}

// A stored enum name that this build does not know means the file was edited or damaged.
template <typename F>
auto parse_stored(F parse, const std::string &text) {
    try {
        return parse(text);
    } catch (const Error &e) {
        fail(Code::store_corrupt, std::string("stored value: ") + e.what());
    }
}

constexpr const char *kMemberColumns =
    "account_id, email, role, status, has_password, joined_via, sso_linked, last_sso_login, created_at";

Member read_member(const Stmt &st) {
    Member m;
    m.account_id = st.col_text(0);
    m.email = st.col_text(1);
    m.role = parse_stored(policy::parse_role, st.col_text(2));
    m.status = parse_stored(policy::parse_member_status, st.col_text(3));
    m.has_password = st.col_num(4) != 0;
    m.joined_via = parse_stored(policy::parse_joined_via, st.col_text(5));
    m.sso_linked = st.col_num(6) != 0;
    m.last_sso_login = st.col_num(7);
    m.created_at = st.col_num(8);
    return m;
}

class SqliteDirectory final : public Directory {
public:
    explicit SqliteDirectory(std::shared_ptr<SqliteDatabase> db) : db_(std::move(db)) {}

    void put_account(const Account &a) override {
        db_->write("saving an account", [&] {
            db_->prepare(
                   "INSERT INTO accounts(id, name, sso_mode, verified_domains, break_glass) "
                   "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
                   "sso_mode = excluded.sso_mode, verified_domains = excluded.verified_domains, "
                   "break_glass = excluded.break_glass",
                   "saving an account")
                .text(1, a.id)
                .text(2, a.name)
                .text(3, policy::to_string(a.sso_mode))
                .text(4, list_to_json(a.verified_domains))
                .text(5, list_to_json(a.break_glass))
                .run();
        });
    }
    std::optional<Account> find_account(std::string_view id) override {
        return db_->read([&]() -> std::optional<Account> {
            auto st =
                db_->prepare("SELECT id, name, sso_mode, verified_domains, break_glass FROM accounts WHERE id = ?1",
                             "reading an account");
            st.text(1, id);
            if (!st.step()) return std::nullopt;
            Account a;
            a.id = st.col_text(0);
            a.name = st.col_text(1);
            a.sso_mode = parse_stored(policy::parse_sso_mode, st.col_text(2));
            a.verified_domains = list_from_json(st.col_text(3));
            a.break_glass = list_from_json(st.col_text(4));
            return a;
        });
    }

    void put_connection(const ConnectionRecord &c) override {
        db_->write("saving a connection", [&] {
            require_account(c.account_id);
            db_->prepare(
                   "INSERT INTO connections(id, account_id, json, enabled) VALUES(?1, ?2, ?3, ?4) "
                   "ON CONFLICT(id) DO UPDATE SET account_id = excluded.account_id, json = excluded.json, "
                   "enabled = excluded.enabled",
                   "saving a connection")
                .text(1, c.id)
                .text(2, c.account_id)
                .text(3, c.json)
                .num(4, c.enabled ? 1 : 0)
                .run();
        });
    }
    std::optional<ConnectionRecord> find_connection(std::string_view id) override {
        return db_->read([&]() -> std::optional<ConnectionRecord> {
            auto st = db_->prepare("SELECT id, account_id, json, enabled FROM connections WHERE id = ?1",
                                   "reading a connection");
            st.text(1, id);
            if (!st.step()) return std::nullopt;
            return read_connection(st);
        });
    }
    std::vector<ConnectionRecord> list_connections(std::string_view account_id) override {
        return db_->read([&] {
            auto st = db_->prepare(
                "SELECT id, account_id, json, enabled FROM connections WHERE account_id = ?1 "
                "ORDER BY id",
                "listing connections");
            st.text(1, account_id);
            std::vector<ConnectionRecord> out;
            while (st.step()) out.push_back(read_connection(st));
            return out;
        });
    }
    void remove_connection(std::string_view id) override {
        db_->write("removing a connection", [&] {
            db_->prepare("DELETE FROM connections WHERE id = ?1", "removing a connection").text(1, id).run();
            if (changes() == 0) fail(Code::not_found, "no connection with id \"" + std::string(id) + "\"");
        });
    }

    void put_member(const Member &m) override {
        db_->write("saving a member", [&] {
            require_account(m.account_id);
            insert_member(m, true);
        });
    }
    std::optional<Member> find_member(std::string_view account_id, std::string_view email) override {
        return db_->read([&]() -> std::optional<Member> { return find_member_locked(account_id, email); });
    }
    std::vector<Member> list_members(std::string_view account_id) override {
        return db_->read([&] {
            static const std::string sql =
                std::string("SELECT ") + kMemberColumns + " FROM members WHERE account_id = ?1 ORDER BY email";
            auto st = db_->prepare(sql.c_str(), "listing members");
            st.text(1, account_id);
            std::vector<Member> out;
            while (st.step()) out.push_back(read_member(st));
            return out;
        });
    }

    void put_invite(const Invite &i) override {
        db_->write("saving an invite", [&] {
            require_account(i.account_id);
            db_->prepare(
                   "INSERT INTO invites(account_id, email, role, token, created_at, expires_at) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(account_id, email) DO UPDATE SET "
                   "role = excluded.role, token = excluded.token, created_at = excluded.created_at, "
                   "expires_at = excluded.expires_at",
                   "saving an invite")
                .text(1, i.account_id)
                .text(2, normalize_email(i.email))
                .text(3, policy::to_string(i.role))
                .text(4, i.token)
                .num(5, i.created_at)
                .num(6, i.expires_at)
                .run();
        });
    }
    std::optional<Invite> find_invite(std::string_view account_id, std::string_view email, std::int64_t now) override {
        return db_->read([&]() -> std::optional<Invite> { return find_invite_locked(account_id, email, now); });
    }
    void revoke_invite(std::string_view account_id, std::string_view email) override {
        db_->write("revoking an invite", [&] {
            db_->prepare("DELETE FROM invites WHERE account_id = ?1 AND email = ?2", "revoking an invite")
                .text(1, account_id)
                .text(2, normalize_email(email))
                .run();
            if (changes() == 0)
                fail(Code::not_found,
                     "no invite for " + normalize_email(email) + " in account " + std::string(account_id));
        });
    }

    void put_join_token(const JoinToken &t) override {
        db_->write("saving a join token", [&] {
            db_->prepare(
                   "INSERT INTO join_tokens(token, account_id, connection_id, email, expires_at) "
                   "VALUES(?1, ?2, ?3, ?4, ?5)",
                   "saving a join token")
                .text(1, t.token)
                .text(2, t.account_id)
                .text(3, t.connection_id)
                .text(4, normalize_email(t.email))
                .num(5, t.expires_at)
                .run();
        });
    }

    AuditEntry append_audit(const AuditEntry &e) override {
        return db_->write("appending to the audit log", [&] { return append_locked(e); });
    }
    std::vector<AuditEntry> read_audit(std::string_view account_id, std::int64_t after_seq,
                                       std::size_t limit) override {
        return db_->read([&] {
            auto st = db_->prepare(
                "SELECT seq, time, account_id, connection_id, email, outcome, reason, detail "
                "FROM audit WHERE seq > ?1 AND (?2 = '' OR account_id = ?2) ORDER BY seq LIMIT ?3",
                "reading the audit log");
            st.num(1, after_seq).text(2, account_id).num(3, static_cast<std::int64_t>(limit));
            std::vector<AuditEntry> out;
            while (st.step()) {
                AuditEntry e;
                e.seq = st.col_num(0);
                e.time = st.col_num(1);
                e.account_id = st.col_text(2);
                e.connection_id = st.col_text(3);
                e.email = st.col_text(4);
                e.outcome = st.col_text(5);
                e.reason = st.col_text(6);
                e.detail = st.col_text(7);
                out.push_back(std::move(e));
            }
            return out;
        });
    }

    void record_sso_login(std::string_view account_id, std::string_view email, std::int64_t now,
                          const AuditEntry &audit) override {
        db_->write("recording an SSO login", [&] {
            db_->prepare("UPDATE members SET sso_linked = 1, last_sso_login = ?3 WHERE account_id = ?1 AND email = ?2",
                         "recording an SSO login")
                .text(1, account_id)
                .text(2, normalize_email(email))
                .num(3, now)
                .run();
            if (changes() == 0)
                fail(Code::not_found, "no member " + normalize_email(email) + " in account " + std::string(account_id));
            append_locked(audit);
        });
    }

    Member accept_invite(std::string_view account_id, std::string_view email, policy::JoinedVia via, bool has_password,
                         std::int64_t now, const AuditEntry &audit) override {
        return db_->write("accepting an invite", [&] {
            const std::string e = normalize_email(email);
            auto invite = find_invite_locked(account_id, e, now);
            if (!invite) fail(Code::not_found, "no pending invite for " + e + " in account " + std::string(account_id));
            if (find_member_locked(account_id, e))
                fail(Code::store_conflict, e + " is already a member of account " + std::string(account_id));
            db_->prepare("DELETE FROM invites WHERE account_id = ?1 AND email = ?2", "consuming an invite")
                .text(1, account_id)
                .text(2, e)
                .run();
            Member m;
            m.account_id = std::string(account_id);
            m.email = e;
            m.role = invite->role;
            m.joined_via = via;
            m.has_password = has_password;
            m.sso_linked = via == policy::JoinedVia::sso;
            m.last_sso_login = m.sso_linked ? now : 0;
            m.created_at = now;
            insert_member(m, false);
            append_locked(audit);
            return m;
        });
    }

    std::optional<JoinToken> find_join_token(std::string_view token, std::int64_t now) override {
        return db_->read([&]() -> std::optional<JoinToken> {
            auto st = db_->prepare(
                "SELECT account_id, connection_id, email, expires_at FROM join_tokens "
                "WHERE token = ?1 AND expires_at > ?2",
                "reading a join token");
            st.text(1, token).num(2, now);
            if (!st.step()) return std::nullopt;
            return JoinToken{std::string(token), st.col_text(0), st.col_text(1), st.col_text(2), st.col_num(3)};
        });
    }

    Member redeem_join_token(std::string_view token, std::int64_t now, const AuditEntry &audit) override {
        return db_->write("redeeming a join token", [&] {
            JoinToken t;
            {
                auto st = db_->prepare(
                    "SELECT account_id, connection_id, email, expires_at FROM join_tokens WHERE token = ?1",
                    "redeeming a join token");
                st.text(1, token);
                if (!st.step() || st.col_num(3) <= now)
                    fail(Code::not_found, "the join token is unknown, already used or expired");
                t = JoinToken{std::string(token), st.col_text(0), st.col_text(1), st.col_text(2), st.col_num(3)};
            }  // the read is reset before the same connection deletes the row
            require_account(t.account_id);
            if (find_member_locked(t.account_id, t.email))
                fail(Code::store_conflict, t.email + " is already a member of account " + t.account_id);
            db_->prepare("DELETE FROM join_tokens WHERE token = ?1", "consuming a join token").text(1, token).run();
            Member m;
            m.account_id = t.account_id;
            m.email = t.email;
            m.joined_via = policy::JoinedVia::sso;
            m.sso_linked = true;
            m.last_sso_login = now;
            m.created_at = now;
            insert_member(m, false);
            AuditEntry filled = audit;
            if (filled.account_id.empty()) filled.account_id = t.account_id;
            if (filled.connection_id.empty()) filled.connection_id = t.connection_id;
            if (filled.email.empty()) filled.email = t.email;
            append_locked(filled);
            return m;
        });
    }

    void add_member(const Member &m, const AuditEntry &audit) override {
        db_->write("adding a member", [&] {
            require_account(m.account_id);
            if (find_member_locked(m.account_id, m.email))
                fail(Code::store_conflict,
                     normalize_email(m.email) + " is already a member of account " + m.account_id);
            insert_member(m, false);
            append_locked(audit);
        });
    }

private:
    std::int64_t changes() const { return db_->changes(); }

    static ConnectionRecord read_connection(const Stmt &st) {
        return ConnectionRecord{st.col_text(0), st.col_text(1), st.col_text(2), st.col_num(3) != 0};
    }

    void require_account(std::string_view id) {
        auto st = db_->prepare("SELECT 1 FROM accounts WHERE id = ?1", "checking the account");
        st.text(1, id);
        if (!st.step()) fail(Code::not_found, "no account with id \"" + std::string(id) + "\"");
    }

    std::optional<Member> find_member_locked(std::string_view account_id, std::string_view email) {
        static const std::string sql =
            std::string("SELECT ") + kMemberColumns + " FROM members WHERE account_id = ?1 AND email = ?2";
        auto st = db_->prepare(sql.c_str(), "reading a member");
        st.text(1, account_id).text(2, normalize_email(email));
        if (!st.step()) return std::nullopt;
        return read_member(st);
    }

    std::optional<Invite> find_invite_locked(std::string_view account_id, std::string_view email, std::int64_t now) {
        auto st = db_->prepare(
            "SELECT account_id, email, role, token, created_at, expires_at FROM invites "
            "WHERE account_id = ?1 AND email = ?2 AND expires_at > ?3",
            "reading an invite");
        st.text(1, account_id).text(2, normalize_email(email)).num(3, now);
        if (!st.step()) return std::nullopt;
        Invite i;
        i.account_id = st.col_text(0);
        i.email = st.col_text(1);
        i.role = parse_stored(policy::parse_role, st.col_text(2));
        i.token = st.col_text(3);
        i.created_at = st.col_num(4);
        i.expires_at = st.col_num(5);
        return i;
    }

    void insert_member(const Member &m, bool replace) {
        static const std::string insert =
            std::string("INSERT INTO members(") + kMemberColumns + ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
        static const std::string upsert = std::string("INSERT OR REPLACE INTO members(") + kMemberColumns +
                                          ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
        db_->prepare(replace ? upsert.c_str() : insert.c_str(), "saving a member")
            .text(1, m.account_id)
            .text(2, normalize_email(m.email))
            .text(3, policy::to_string(m.role))
            .text(4, policy::to_string(m.status))
            .num(5, m.has_password ? 1 : 0)
            .text(6, policy::to_string(m.joined_via))
            .num(7, m.sso_linked ? 1 : 0)
            .num(8, m.last_sso_login)
            .num(9, m.created_at)
            .run();
    }

    AuditEntry append_locked(const AuditEntry &e) {
        AuditEntry row = e;
        row.email = normalize_email(e.email);
        db_->prepare(
               "INSERT INTO audit(time, account_id, connection_id, email, outcome, reason, detail) "
               "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
               "appending to the audit log")
            .num(1, row.time)
            .text(2, row.account_id)
            .text(3, row.connection_id)
            .text(4, row.email)
            .text(5, row.outcome)
            .text(6, row.reason)
            .text(7, row.detail)
            .run();
        row.seq = db_->last_rowid();
        return row;
    }

    std::shared_ptr<SqliteDatabase> db_;
};

class SqlitePendingRequests final : public PendingRequests {
public:
    explicit SqlitePendingRequests(std::shared_ptr<SqliteDatabase> db) : db_(std::move(db)) {}

    void put(std::string_view token, const PendingRequest &r) override {
        db_->write("recording a pending request", [&] {
            // Expired requests nobody came back for are dropped here, so the table stays small.
            db_->prepare("DELETE FROM pending_requests WHERE expires_at <= ?1", "purging expired pending requests")
                .num(1, r.created_at)
                .run();
            db_->prepare(
                   "INSERT INTO pending_requests(token, request_id, connection_id, return_to, created_at, "
                   "expires_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                   "recording a pending request")
                .text(1, token)
                .text(2, r.request_id)
                .text(3, r.connection_id)
                .text(4, r.return_to)
                .num(5, r.created_at)
                .num(6, r.expires_at)
                .run();
        });
    }
    std::optional<PendingRequest> take(std::string_view token, std::int64_t now) override {
        return db_->write("taking a pending request", [&] { return take_locked(token, now); });
    }
    std::optional<PendingRequest> take_by_request_id(std::string_view connection_id, std::string_view request_id,
                                                     std::int64_t now) override {
        return db_->write("taking a pending request", [&]() -> std::optional<PendingRequest> {
            std::string token;
            {
                auto st =
                    db_->prepare("SELECT token FROM pending_requests WHERE connection_id = ?1 AND request_id = ?2",
                                 "finding a pending request");
                st.text(1, connection_id).text(2, request_id);
                if (!st.step()) return std::nullopt;
                token = st.col_text(0);
            }
            return take_locked(token, now);
        });
    }

private:
    std::optional<PendingRequest> take_locked(std::string_view token, std::int64_t now) {
        PendingRequest r;
        {
            auto st = db_->prepare(
                "SELECT request_id, connection_id, return_to, created_at, expires_at "
                "FROM pending_requests WHERE token = ?1",
                "taking a pending request");
            st.text(1, token);
            if (!st.step()) return std::nullopt;
            r = PendingRequest{st.col_text(0), st.col_text(1), st.col_text(2), st.col_num(3), st.col_num(4)};
        }
        db_->prepare("DELETE FROM pending_requests WHERE token = ?1", "taking a pending request").text(1, token).run();
        if (r.expires_at <= now) return std::nullopt;
        return r;
    }

    std::shared_ptr<SqliteDatabase> db_;
};

class SqliteReplayCache final : public ReplayCache {
public:
    SqliteReplayCache(std::shared_ptr<SqliteDatabase> db, std::function<std::int64_t()> clock, ReplayLimits limits)
        : db_(std::move(db)), clock_(std::move(clock)), limits_(limits) {
        if (!clock_) clock_ = [] { return util::now_seconds(); };
    }

    bool insert_if_absent(std::string_view connection_id, std::string_view key, std::int64_t expires_at) override {
        const std::int64_t now = clock_();
        return db_->write("recording an assertion ID in the replay cache", [&] {
            // Same lifetime rule as MemoryReplayCache: kept while expires_at >= now. The whole table is
            // swept every 256 inserts, and whenever a limit is reached (expired rows may be what fills it).
            if (++inserts_ % 256 == 0) purge(now);
            forget_if_expired(key, now);
            // A replay is recognised even when the cache is full.
            if (db_->prepare("SELECT 1 FROM replay WHERE key = ?1", "looking up an assertion ID").text(1, key).step())
                return false;
            std::int64_t mine = live(connection_id);
            std::int64_t all = live("");
            const auto per_connection = static_cast<std::int64_t>(limits_.per_connection());
            const auto max_entries = static_cast<std::int64_t>(limits_.max_entries);
            if (mine >= per_connection || all >= max_entries) {
                purge(now);
                mine = live(connection_id);
                all = live("");
            }
            if (mine >= per_connection) {
                fail(Code::store_unavailable,
                     replay_full_message("the SQLite replay cache", connection_id, static_cast<std::size_t>(mine),
                                         limits_.per_connection(), true));
            }
            if (all >= max_entries) {
                fail(Code::store_unavailable,
                     replay_full_message("the SQLite replay cache", connection_id, static_cast<std::size_t>(all),
                                         limits_.max_entries, false));
            }
            db_->prepare("INSERT INTO replay(key, expires_at, connection_id) VALUES(?1, ?2, ?3)",
                         "recording an assertion ID in the replay cache")
                .text(1, key)
                .num(2, expires_at)
                .text(3, connection_id)
                .run();
            add_live(connection_id, 1);
            add_live("", 1);
            return true;
        });
    }

private:
    std::int64_t live(std::string_view connection_id) {
        auto st = db_->prepare("SELECT live FROM replay_live WHERE connection_id = ?1", "counting live assertion IDs");
        st.text(1, connection_id);
        return st.step() ? st.col_num(0) : 0;
    }

    void add_live(std::string_view connection_id, std::int64_t delta) {
        db_->prepare(
               "INSERT INTO replay_live(connection_id, live) VALUES(?1, ?2) "
               "ON CONFLICT(connection_id) DO UPDATE SET live = max(0, live + ?2)",
               "counting live assertion IDs")
            .text(1, connection_id)
            .num(2, delta)
            .run();
    }

    // Removes the key's entry if it has expired, so that it can be recorded again.
    void forget_if_expired(std::string_view key, std::int64_t now) {
        auto st = db_->prepare("DELETE FROM replay WHERE key = ?1 AND expires_at < ?2 RETURNING connection_id",
                               "purging the replay cache");
        st.text(1, key).num(2, now);
        if (st.step()) {
            const std::string conn = st.col_text(0);
            st.run();
            add_live(conn, -1);
            add_live("", -1);
        }
    }

    void purge(std::int64_t now) {
        std::unordered_map<std::string, std::int64_t> removed;
        std::int64_t total = 0;
        {
            auto st = db_->prepare("DELETE FROM replay WHERE expires_at < ?1 RETURNING connection_id",
                                   "purging the replay cache");
            st.num(1, now);
            while (st.step()) {
                ++removed[st.col_text(0)];
                ++total;
            }
        }
        for (const auto &[conn, n] : removed) add_live(conn, -n);
        if (total != 0) add_live("", -total);
    }

    std::shared_ptr<SqliteDatabase> db_;
    std::function<std::int64_t()> clock_;
    ReplayLimits limits_;
    std::uint64_t inserts_ = 0;  // guarded by the database mutex (only touched inside write())
};

}  // namespace

std::unique_ptr<Directory> make_sqlite_directory(std::shared_ptr<SqliteDatabase> db) {
    return std::make_unique<SqliteDirectory>(std::move(db));
}
std::unique_ptr<PendingRequests> make_sqlite_pending_requests(std::shared_ptr<SqliteDatabase> db) {
    return std::make_unique<SqlitePendingRequests>(std::move(db));
}
std::unique_ptr<ReplayCache> make_sqlite_replay_cache(std::shared_ptr<SqliteDatabase> db,
                                                      std::function<std::int64_t()> clock, ReplayLimits limits) {
    return std::make_unique<SqliteReplayCache>(std::move(db), std::move(clock), limits);
}

}  // namespace ssogate::core::store
