// Values shared by the core benchmark (which makes the fixtures) and the C ABI one (which reads them
// back): plain constants, so the C ABI program needs nothing of the core.
#pragma once

#include <cstdint>

namespace ssogate::bench {

inline constexpr std::int64_t signed_at = 1767225600;        // 2026-01-01T00:00:00Z, IssueInstant
inline constexpr std::int64_t verified_at = signed_at + 30;  // inside every validity window
inline constexpr const char *connection_id = "okta-1";
inline constexpr const char *acs_url = "https://dashboard.example.com/sso/saml/okta-1/acs";
inline constexpr const char *sp_entity_id = "https://dashboard.example.com/sso/saml/okta-1";
inline constexpr const char *request_id = "_3f6c2b1a9e8d7c6b5a4f3e2d1c0b9a8f";

}  // namespace ssogate::bench
