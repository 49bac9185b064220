// Fetching IdP metadata from a URL an admin typed: HTTPS with certificate verification, a size cap, a
// timeout, a bounded redirect chain that never goes from https to http, and a guard against server-side
// request forgery (the URL comes from a tenant admin, so by default it may not reach loopback,
// link-local, private or unique-local addresses, checked on the address actually connected to, on
// every hop).
//
// The transport is libcurl, or a callback the host supplies (its own HTTP client, a proxy, tests). The
// policy that does not depend on the transport (URL rules, redirects, status, size) is applied here for
// both; the address guard needs the resolved address, so it is the transport's: libcurl's is checked in
// its open-socket hook; a host transport is responsible for its own.
#pragma once

#include "error.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core::fetch {

// One network of an allow-list: an address and a prefix length ("10.0.0.0/8", "::1/128", "127.0.0.1").
struct Network {
    std::vector<unsigned char> address;  // 4 or 16 bytes
    int prefix = 0;
};

// Parses "a.b.c.d[/n]" or an IPv6 address "[/n]"; invalid_setting otherwise.
Network parse_network(std::string_view text);

struct Policy {
    std::size_t max_bytes = 8u << 20;  // the same cap as an uploaded file
    int timeout_ms = 10000;            // the whole transfer, every hop included
    int connect_timeout_ms = 5000;
    int max_redirects = 3;
    bool allow_http = false;                // plain http URLs (and https -> http is still refused)
    std::vector<Network> allowed_networks;  // addresses allowed although the guard refuses their kind
    std::string ca_file;                    // PEM bundle of trusted CAs; empty = the system's store
};

// Why an address is refused ("loopback", "private", ...), or nullptr when it is a public address or
// inside one of `allowed`. `address` is 4 or 16 bytes (IPv4-mapped IPv6 is judged as IPv4).
const char *refused_address_kind(const unsigned char *address, std::size_t len, const std::vector<Network> &allowed);

// A request as the transport sends it: GET, with the validators of the copy the caller holds.
struct Request {
    std::string url;
    std::string if_none_match;      // an ETag, or empty
    std::string if_modified_since;  // an HTTP date, or empty
};

// One hop's answer. A redirect (301, 302, 303, 307, 308) carries `location`; the transport does not
// follow redirects itself.
struct Reply {
    int status = 0;
    std::string body;
    std::string etag;
    std::string last_modified;
    std::string location;
};

// A transport: performs one GET (no redirects followed), honouring the policy's size cap and timeouts,
// and throws Error with a 13x code when it cannot.
using Transport = std::function<Reply(const Request &, const Policy &)>;

// libcurl (OpenSSL), with the address guard in its open-socket hook. Throws invalid_setting when the
// library was built without libcurl.
Reply curl_transport(const Request &request, const Policy &policy);

// The document at `request.url` after redirects, or nullopt for 304 Not Modified (only when the request
// had a validator). Throws Error with METADATA_URL_INVALID, _ADDRESS_BLOCKED, _FETCH_FAILED,
// _FETCH_TIMEOUT, _FETCH_TOO_LARGE, _REDIRECT_REFUSED, _HTTP_STATUS or _TLS, each saying what was refused.
struct Result {
    Reply reply;            // the final hop's answer (status 200 or 304)
    std::string final_url;  // after redirects
};
Result get(const Request &request, const Policy &policy, const Transport &transport);

// Checks an absolute URL against the policy's scheme rules (https; http only with allow_http; no user
// credentials; a host). Throws METADATA_URL_INVALID.
void check_url(std::string_view url, const Policy &policy);

}  // namespace ssogate::core::fetch
