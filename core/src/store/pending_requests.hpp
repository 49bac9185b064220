// Server-side state of SP-initiated logins: the AuthnRequest this browser is waiting for,
// keyed by the opaque RelayState token, so the IdP's cross-site POST needs no cookie (SameSite).
//
// Each record is taken exactly once, by its token or by (connection, request id) for an IdP that
// drops RelayState; either take removes it for both. A record whose expires_at <= now is never
// returned. Implementations: memory, SQLite, Redis (shared by many nodes); all pass
// tests/core/store_contract_test.cpp. On failure they throw Error{store_unavailable}: a login must
// never continue because the store could not say whether a request was pending.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ssogate::core::store {

struct PendingRequest {
    std::string request_id;  // the AuthnRequest ID (InResponseTo in the answer)
    std::string connection_id;
    std::string return_to;  // validated when the login began; never taken from the IdP's POST
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
};

class PendingRequests {
public:
    virtual ~PendingRequests() = default;
    PendingRequests() = default;
    PendingRequests(const PendingRequests &) = delete;
    PendingRequests &operator=(const PendingRequests &) = delete;

    // store_conflict when the token, or the (connection, request id) pair, is already pending.
    virtual void put(std::string_view token, const PendingRequest &request) = 0;
    virtual std::optional<PendingRequest> take(std::string_view token, std::int64_t now) = 0;
    virtual std::optional<PendingRequest> take_by_request_id(std::string_view connection_id,
                                                             std::string_view request_id, std::int64_t now) = 0;
    // As ReplayCache::check.
    virtual void check() {}
};

// In this process only. A put drops the requests that expired by its created_at (logins begun and
// never finished), and beyond `max_entries` unexpired ones it fails closed with store_unavailable:
// memory follows the logins in progress, not every login page ever requested.
std::unique_ptr<PendingRequests> make_memory_pending_requests(std::size_t max_entries = 1'000'000);

}  // namespace ssogate::core::store
