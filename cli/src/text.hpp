// Small formatting helpers the ssogate command shares.
#pragma once

#include <cstdint>
#include <string>

// A Unix time as xs:dateTime in UTC ("2026-12-03T01:22:00Z"), the form SAML documents use.
std::string datetime(std::int64_t unix_seconds);

// "HTTP-POST" for the SAML bindings' URIs, the full URI for anything else.
std::string short_binding(const std::string &uri);
