// Absolute http(s) URLs as SAML endpoints, ACS URLs and base URLs use them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ssogate::core::util {

struct HttpUrl {
    std::string scheme;  // "http" or "https", lower-case
    std::string host;    // as written (a DNS name, an IPv4 address or a bracketed IPv6 literal)
    std::string port;    // digits, empty when absent
    std::string path;    // from the first '/' (may be empty), without query or fragment
    bool has_query = false;
    bool has_fragment = false;
};

// Parses an absolute http or https URL. Refused (nullopt, with `why` set when given): another
// scheme, a missing host, user:password@ in the authority, a bad port, and any character RFC 3986
// does not allow unencoded (space, control, non-ASCII, "<>\"\\^`{|}").
std::optional<HttpUrl> parse_http_url(std::string_view url, std::string *why = nullptr);

}  // namespace ssogate::core::util
