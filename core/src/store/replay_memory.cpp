#include "store/replay_memory.hpp"

#include "error.hpp"
#include "util/time.hpp"

namespace ssogate::core {

std::string replay_full_message(std::string_view store, std::string_view connection_id, std::size_t live,
                                std::size_t limit, bool per_connection) {
    const std::string held = std::to_string(live) + " live assertion IDs";
    if (per_connection) {
        return std::string(store) + " holds " + held + " for connection '" + std::string(connection_id) +
               "', its share of the cache (" + std::to_string(limit) +
               "); refusing this connection's logins rather than forgetting an ID, while other connections "
               "go on. An IdP that logs in this many users within the maximum age is flooding, or the share "
               "(max_entries_per_connection) is too small";
    }
    return std::string(store) + " is full (" + held + ", the limit is " + std::to_string(limit) +
           "); refusing the login rather than forgetting an ID";
}

MemoryReplayCache::MemoryReplayCache(std::function<std::int64_t()> clock, ReplayLimits limits)
    : clock_(std::move(clock)), limits_(limits) {
    if (!clock_) clock_ = [] { return util::now_seconds(); };
}

void MemoryReplayCache::purge_locked(std::int64_t now) {
    // An entry is kept while expires_at >= now: the verifier refuses the assertion itself from then on.
    auto end = by_expiry_.lower_bound(now);
    for (auto it = by_expiry_.begin(); it != end; ++it) {
        auto e = entries_.find(it->second);
        if (e == entries_.end() || e->second.expires_at != it->first) continue;
        auto live = live_per_connection_.find(e->second.connection_id);
        if (live != live_per_connection_.end() && --live->second == 0) live_per_connection_.erase(live);
        entries_.erase(e);
    }
    by_expiry_.erase(by_expiry_.begin(), end);
}

bool MemoryReplayCache::insert_if_absent(std::string_view connection_id, std::string_view key,
                                         std::int64_t expires_at) {
    const std::int64_t now = clock_();
    std::lock_guard lock(mutex_);
    purge_locked(now);
    std::string k(key);
    // A replay is recognised even when the cache is full.
    if (entries_.find(k) != entries_.end()) return false;
    std::string conn(connection_id);
    const auto live = live_per_connection_.find(conn);
    const std::size_t mine = live != live_per_connection_.end() ? live->second : 0;
    if (mine >= limits_.per_connection()) {
        fail(Code::store_unavailable,
             replay_full_message("the in-memory replay cache", conn, mine, limits_.per_connection(), true));
    }
    if (entries_.size() >= limits_.max_entries) {
        fail(Code::store_unavailable,
             replay_full_message("the in-memory replay cache", conn, entries_.size(), limits_.max_entries, false));
    }
    entries_.emplace(k, Entry{expires_at, conn});
    by_expiry_.emplace(expires_at, std::move(k));
    ++live_per_connection_[std::move(conn)];
    return true;
}

std::optional<bool> MemoryReplayCache::contains(std::string_view key) {
    const std::int64_t now = clock_();
    std::lock_guard lock(mutex_);
    // The same lifetime rule as purge_locked, without purging: kept while expires_at >= now.
    const auto e = entries_.find(std::string(key));
    return e != entries_.end() && e->second.expires_at >= now;
}

std::size_t MemoryReplayCache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace ssogate::core
