#include "store/replay_memory.hpp"

#include "error.hpp"
#include "util/time.hpp"

namespace ssogate::core {

MemoryReplayCache::MemoryReplayCache(std::function<std::int64_t()> clock, std::size_t max_entries)
    : clock_(std::move(clock)), max_entries_(max_entries) {
    if (!clock_) clock_ = [] { return util::now_seconds(); };
}

void MemoryReplayCache::purge_locked(std::int64_t now) {
    // An entry is kept while expires_at >= now: the verifier refuses the assertion itself from then on.
    auto end = by_expiry_.lower_bound(now);
    for (auto it = by_expiry_.begin(); it != end; ++it) {
        auto e = entries_.find(it->second);
        if (e != entries_.end() && e->second == it->first) entries_.erase(e);
    }
    by_expiry_.erase(by_expiry_.begin(), end);
}

bool MemoryReplayCache::insert_if_absent(std::string_view key, std::int64_t expires_at) {
    const std::int64_t now = clock_();
    std::lock_guard lock(mutex_);
    purge_locked(now);
    std::string k(key);
    if (entries_.find(k) != entries_.end()) return false;
    if (entries_.size() >= max_entries_) {
        fail(Code::store_unavailable, "the in-memory replay cache is full (" + std::to_string(max_entries_) +
                                          " live assertion IDs); refusing the login rather than forgetting one");
    }
    entries_.emplace(k, expires_at);
    by_expiry_.emplace(expires_at, std::move(k));
    return true;
}

std::size_t MemoryReplayCache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace ssogate::core
