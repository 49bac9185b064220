// The replay cache interface (DESIGN principle 6): remembers assertion IDs until they expire, so an
// intercepted SAMLResponse cannot be posted twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ssogate::core {

// How much a replay cache holds, so that memory (or disk) is bounded and one connection cannot use up
// the room every other connection needs. The verifier keeps an ID no longer than the assertion could
// be accepted (its signed IssueInstant + the maximum age + the clock skew, or an earlier NotOnOrAfter),
// so these bound the logins of the last few minutes, not of all time.
struct ReplayLimits {
    // Live IDs in all; beyond it inserts fail closed with store_unavailable (never by forgetting an ID).
    std::size_t max_entries = 1000000;
    // Live IDs of one connection; 0 = a tenth of max_entries (at least 1). Beyond it that connection's
    // logins fail closed while every other connection's go on.
    std::size_t max_entries_per_connection = 0;

    std::size_t per_connection() const noexcept {
        if (max_entries_per_connection != 0) return max_entries_per_connection;
        return max_entries / 10 > 0 ? max_entries / 10 : 1;
    }
};

class ReplayCache {
public:
    virtual ~ReplayCache() = default;
    // Records `key` until `expires_at` (Unix seconds) on behalf of `connection_id`, whose share of the
    // cache it counts against. Returns true when the key was not there (first use), false when it was
    // (a replay, whichever connection recorded it). Must be atomic across threads and, for shared
    // stores, across nodes. A store that cannot answer, or is full for this connection, throws
    // Error{store_unavailable}: the login is then refused.
    virtual bool insert_if_absent(std::string_view connection_id, std::string_view key, std::int64_t expires_at) = 0;
    // Whether the store answers now (one round trip to a server); throws store_unavailable when it
    // does not. The default (a store in this process) has nothing to ask.
    virtual void check() {}
    // Whether `key` is recorded and still live, read without recording or purging anything (the
    // explain call, which must leave no trace). nullopt when this store cannot tell without a change;
    // the default, so a host's own store needs nothing new.
    virtual std::optional<bool> contains(std::string_view key) {
        (void)key;
        return std::nullopt;
    }
};

// The operator message of a cache that refuses an insert because it is full.
std::string replay_full_message(std::string_view store, std::string_view connection_id, std::size_t live,
                                std::size_t limit, bool per_connection);

}  // namespace ssogate::core
