// The replay cache interface (DESIGN principle 6): remembers assertion IDs until they expire, so an
// intercepted SAMLResponse cannot be posted twice.
#pragma once

#include <cstdint>
#include <string_view>

namespace ssogate::core {

class ReplayCache {
public:
    virtual ~ReplayCache() = default;
    // Records `key` until `expires_at` (Unix seconds). Returns true when the key was not there (first
    // use), false when it was (a replay). Must be atomic across threads and, for shared stores, across
    // nodes. A store that cannot answer throws Error{store_unavailable}: the login is then refused.
    virtual bool insert_if_absent(std::string_view key, std::int64_t expires_at) = 0;
};

}  // namespace ssogate::core
