// In-memory replay cache for one process: thread-safe, forgets entries once they expire.
#pragma once

#include "store/replay.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ssogate::core {

class MemoryReplayCache final : public ReplayCache {
public:
    // `clock` gives the time used to forget expired entries (Unix seconds); empty = the system clock.
    // Tests that freeze verification time pass the same frozen clock, or entries would be forgotten
    // at once. `limits` bound memory in all and per connection: beyond them, inserts throw
    // Error{store_unavailable} (fail closed) rather than evicting live entries, which would re-open
    // replays.
    explicit MemoryReplayCache(std::function<std::int64_t()> clock = {}, ReplayLimits limits = {});

    bool insert_if_absent(std::string_view connection_id, std::string_view key, std::int64_t expires_at) override;
    std::optional<bool> contains(std::string_view key) override;
    std::size_t size() const;

private:
    struct Entry {
        std::int64_t expires_at;
        std::string connection_id;
    };
    void purge_locked(std::int64_t now);

    std::function<std::int64_t()> clock_;
    ReplayLimits limits_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    std::multimap<std::int64_t, std::string> by_expiry_;
    std::unordered_map<std::string, std::size_t> live_per_connection_;
};

}  // namespace ssogate::core
