// The pending requests and the replay cache over any SQL Connection (statements by Id).
#include "store/sql/connection.hpp"

#include "error.hpp"
#include "util/time.hpp"

#include <map>
#include <utility>

namespace ssogate::core::store::sql {

namespace {

class SqlPendingRequests final : public PendingRequests {
public:
    explicit SqlPendingRequests(std::shared_ptr<Connection> db) : db_(std::move(db)) {}

    void put(std::string_view token, const PendingRequest &r) override {
        db_->write(doing(Id::pending_insert), [&] {
            // Expired requests nobody came back for are dropped here, so the table stays small.
            db_->query(Id::pending_purge)->num(1, r.created_at).run();
            db_->query(Id::pending_insert)
                ->text(1, token)
                .text(2, r.request_id)
                .text(3, r.connection_id)
                .text(4, r.return_to)
                .num(5, r.created_at)
                .num(6, r.expires_at)
                .run();
        });
    }
    std::optional<PendingRequest> take(std::string_view token, std::int64_t now) override {
        return db_->write(doing(Id::pending_take), [&] { return take_locked(token, now); });
    }
    std::optional<PendingRequest> take_by_request_id(std::string_view connection_id, std::string_view request_id,
                                                     std::int64_t now) override {
        return db_->write(doing(Id::pending_take), [&]() -> std::optional<PendingRequest> {
            std::string token;
            {
                auto q = db_->query(Id::pending_token_of);
                if (!q->text(1, connection_id).text(2, request_id).step()) return std::nullopt;
                token = q->col_text(0);
            }
            return take_locked(token, now);
        });
    }

private:
    // One DELETE ... RETURNING: of two nodes taking the same token at once, only the one whose delete
    // removed the row gets it.
    std::optional<PendingRequest> take_locked(std::string_view token, std::int64_t now) {
        PendingRequest r;
        {
            auto q = db_->query(Id::pending_take);
            if (!q->text(1, token).step()) return std::nullopt;
            r = PendingRequest{q->col_text(0), q->col_text(1), q->col_text(2), q->col_num(3), q->col_num(4)};
            q->run();
        }
        if (r.expires_at <= now) return std::nullopt;
        return r;
    }

    std::shared_ptr<Connection> db_;
};

class SqlReplayCache final : public ReplayCache {
public:
    SqlReplayCache(std::shared_ptr<Connection> db, std::function<std::int64_t()> clock, ReplayLimits limits)
        : db_(std::move(db)), clock_(std::move(clock)), limits_(limits) {
        if (!clock_) clock_ = [] { return util::now_seconds(); };
    }

    bool insert_if_absent(std::string_view connection_id, std::string_view key, std::int64_t expires_at) override {
        const std::int64_t now = clock_();
        return db_->write(doing(Id::replay_insert), [&] {
            // Same lifetime rule as MemoryReplayCache: kept while expires_at >= now. The whole table is
            // swept every 256 inserts, and whenever a limit is reached (expired rows may be what fills it).
            if (++inserts_ % 256 == 0) purge(now);
            forget_if_expired(key, now);
            // A replay is recognised even when the cache is full.
            if (db_->query(Id::replay_exists)->text(1, key).step()) return false;
            std::int64_t mine = live(connection_id);
            std::int64_t all = live("");
            const auto per_connection = static_cast<std::int64_t>(limits_.per_connection());
            const auto max_entries = static_cast<std::int64_t>(limits_.max_entries);
            if (mine >= per_connection || all >= max_entries) {
                purge(now);
                mine = live(connection_id);
                all = live("");
            }
            const std::string store = "the " + std::string(db_->dialect()) + " replay cache";
            if (mine >= per_connection) {
                fail(Code::store_unavailable, replay_full_message(store, connection_id, static_cast<std::size_t>(mine),
                                                                  limits_.per_connection(), true));
            }
            if (all >= max_entries) {
                fail(Code::store_unavailable, replay_full_message(store, connection_id, static_cast<std::size_t>(all),
                                                                  limits_.max_entries, false));
            }
            // The database decides: of two nodes recording one ID at once, the second finds the key taken
            // (ON CONFLICT DO NOTHING returns no row) and sees a replay.
            if (!db_->query(Id::replay_insert)->text(1, key).num(2, expires_at).text(3, connection_id).step())
                return false;
            add_live(connection_id, 1);
            add_live("", 1);
            return true;
        });
    }

    // Read-only (the explain call): no purge, nothing recorded; the same lifetime rule as above.
    std::optional<bool> contains(std::string_view key) override {
        const std::int64_t now = clock_();
        return db_->read([&] { return db_->query(Id::replay_live_exists)->text(1, key).num(2, now).step(); });
    }

private:
    std::int64_t live(std::string_view connection_id) {
        auto q = db_->query(Id::replay_live);
        return q->text(1, connection_id).step() ? q->col_num(0) : 0;
    }

    void add_live(std::string_view connection_id, std::int64_t delta) {
        db_->query(Id::replay_live_add)->text(1, connection_id).num(2, delta).run();
    }

    // Removes the key's entry if it has expired, so that it can be recorded again.
    void forget_if_expired(std::string_view key, std::int64_t now) {
        std::string conn;
        {
            auto q = db_->query(Id::replay_forget_expired);
            if (!q->text(1, key).num(2, now).step()) return;
            conn = q->col_text(0);
            q->run();
        }
        add_live(conn, -1);
        add_live("", -1);
    }

    void purge(std::int64_t now) {
        // Ordered by connection id, so that concurrent purges lock the counters in one order (no deadlock).
        std::map<std::string, std::int64_t> removed;
        std::int64_t total = 0;
        {
            auto q = db_->query(Id::replay_purge);
            q->num(1, now);
            while (q->step()) {
                ++removed[q->col_text(0)];
                ++total;
            }
        }
        for (const auto &[conn, n] : removed) add_live(conn, -n);
        if (total != 0) add_live("", -total);
    }

    std::shared_ptr<Connection> db_;
    std::function<std::int64_t()> clock_;
    ReplayLimits limits_;
    std::uint64_t inserts_ = 0;  // guarded by the connection (only touched inside write())
};

}  // namespace

std::unique_ptr<PendingRequests> make_pending_requests(std::shared_ptr<Connection> db) {
    return std::make_unique<SqlPendingRequests>(std::move(db));
}

std::unique_ptr<ReplayCache> make_replay_cache(std::shared_ptr<Connection> db, std::function<std::int64_t()> clock,
                                               ReplayLimits limits) {
    return std::make_unique<SqlReplayCache>(std::move(db), std::move(clock), limits);
}

}  // namespace ssogate::core::store::sql
