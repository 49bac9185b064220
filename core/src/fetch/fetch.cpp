// The transport-independent part of fetching: URL rules, the address guard's classification, and the
// redirect loop. The libcurl transport is in fetch_curl.cpp.
#include "fetch/fetch.hpp"

#include "util/text.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>

namespace ssogate::core::fetch {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
    return out;
}

struct ParsedUrl {
    std::string scheme;     // lower-case
    std::string authority;  // host[:port] as written
    std::string path;       // from the first '/', '?' or '#' on; may be empty
};

// scheme://authority[path]; nullopt when the text is not of that shape.
std::optional<ParsedUrl> split_url(std::string_view url) {
    const auto colon = url.find("://");
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    ParsedUrl p;
    p.scheme = lower(url.substr(0, colon));
    std::string_view rest = url.substr(colon + 3);
    const auto end = rest.find_first_of("/?#");
    p.authority = std::string(rest.substr(0, end));
    if (end != std::string_view::npos) p.path = std::string(rest.substr(end));
    return p;
}

[[noreturn]] void bad_url(std::string_view url, const std::string &why) {
    fail(Code::metadata_url_invalid, "metadata URL \"" + util::printable(url, 200) + "\": " + why);
}

bool in_network(const unsigned char *a, std::size_t len, const Network &n) {
    if (n.address.size() != len) return false;
    int bits = n.prefix;
    for (std::size_t i = 0; i < len && bits > 0; ++i, bits -= 8) {
        const unsigned mask = bits >= 8 ? 0xFFu : (0xFFu << (8 - bits)) & 0xFFu;
        if ((a[i] & mask) != (n.address[i] & mask)) return false;
    }
    return true;
}

const char *ipv4_kind(const unsigned char *a) {
    const unsigned b0 = a[0], b1 = a[1], b2 = a[2];
    if (b0 == 0) return "unspecified (0.0.0.0/8)";
    if (b0 == 127) return "loopback";
    if (b0 == 10 || (b0 == 172 && (b1 & 0xF0) == 16) || (b0 == 192 && b1 == 168)) return "private";
    if (b0 == 100 && (b1 & 0xC0) == 64) return "shared address space (100.64.0.0/10)";
    if (b0 == 169 && b1 == 254) return "link-local (cloud metadata services live here)";
    if (b0 == 192 && b1 == 0 && (b2 == 0 || b2 == 2)) return "reserved (192.0.0.0/24, 192.0.2.0/24)";
    if ((b0 == 198 && b1 == 51 && b2 == 100) || (b0 == 203 && b1 == 0 && b2 == 113)) return "documentation";
    if (b0 == 198 && (b1 & 0xFE) == 18) return "benchmarking (198.18.0.0/15)";
    if (b0 >= 224 && b0 <= 239) return "multicast";
    if (b0 >= 240) return "reserved (240.0.0.0/4)";
    return nullptr;
}

const char *ipv6_kind(const unsigned char *a) {
    static const unsigned char zero[16] = {};
    if (std::memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1)) return a[15] == 0 ? "unspecified" : "loopback";
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) return "link-local";
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0) return "site-local";
    if ((a[0] & 0xFE) == 0xFC) return "unique-local";
    if (a[0] == 0xFF) return "multicast";
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8) return "documentation";
    if (a[0] == 0x01 && std::memcmp(a + 1, zero, 7) == 0) return "discard (100::/64)";
    return nullptr;
}

bool is_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// `location` (absolute, scheme-relative, absolute-path or relative-path) against `base`.
std::string resolve(const std::string &base, const std::string &location) {
    if (location.find("://") != std::string::npos && location.find("://") < location.find_first_of("/?#"))
        return location;
    const auto b = split_url(base);
    if (!b) return location;
    if (location.rfind("//", 0) == 0) return b->scheme + ":" + location;
    const std::string origin = b->scheme + "://" + b->authority;
    if (!location.empty() && location[0] == '/') return origin + location;
    std::string dir = b->path.substr(0, b->path.find_first_of("?#"));
    dir = dir.substr(0, dir.rfind('/') + 1);
    if (dir.empty()) dir = "/";
    return origin + dir + location;
}

std::string hop_text(const std::string &from, const std::string &to) {
    return "\"" + util::printable(from, 200) + "\" redirects to \"" + util::printable(to, 200) + "\"";
}

}  // namespace

Network parse_network(std::string_view text) {
    const auto slash = text.find('/');
    const std::string addr(text.substr(0, slash));
    Network n;
    unsigned char buf[16] = {};
    if (inet_pton(AF_INET, addr.c_str(), buf) == 1) {
        n.address.assign(buf, buf + 4);
    } else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) {
        n.address.assign(buf, buf + 16);
    } else {
        fail(Code::invalid_setting, "allowed network \"" + util::printable(text, 100) +
                                        "\" is not an IPv4 or IPv6 address with an optional /prefix");
    }
    const int max = static_cast<int>(n.address.size() * 8);
    n.prefix = max;
    if (slash != std::string_view::npos) {
        const std::string_view p = text.substr(slash + 1);
        int v = -1;
        const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
        if (ec != std::errc() || end != p.data() + p.size() || v < 0 || v > max)
            fail(Code::invalid_setting, "allowed network \"" + util::printable(text, 100) +
                                            "\": the prefix must be 0.." + std::to_string(max));
        n.prefix = v;
    }
    return n;
}

const char *refused_address_kind(const unsigned char *address, std::size_t len, const std::vector<Network> &allowed) {
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const unsigned char nat64[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
    if (len == 16 && (std::memcmp(address, mapped, 12) == 0 || std::memcmp(address, nat64, 12) == 0)) {
        // IPv4 reached through IPv6: judged, and allowed, as the IPv4 address it carries.
        return refused_address_kind(address + 12, 4, allowed);
    }
    for (const Network &n : allowed) {
        if (in_network(address, len, n)) return nullptr;
    }
    if (len == 4) return ipv4_kind(address);
    if (len == 16) return ipv6_kind(address);
    return "not an IP address";
}

void check_url(std::string_view url, const Policy &policy) {
    if (url.empty()) bad_url(url, "empty");
    if (url.size() > 4096) bad_url(url, "longer than 4096 characters");
    for (const char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == '\\')
            bad_url(url, "contains a space, a control character or a backslash");
    }
    const auto p = split_url(url);
    if (!p) bad_url(url, "not an absolute URL (expected https://host/path)");
    if (p->scheme == "http") {
        if (!policy.allow_http)
            bad_url(url,
                    "plain http can be altered on the way; use https (or let the host allow http for this import)");
    } else if (p->scheme != "https") {
        bad_url(url, "the scheme is \"" + p->scheme + "\"; only https is fetched");
    }
    if (p->authority.find('@') != std::string::npos) bad_url(url, "user credentials in the URL are not supported");
    if (p->authority.empty() || p->authority[0] == ':') bad_url(url, "no host");
}

Result get(const Request &request, const Policy &policy, const Transport &transport) {
    check_url(request.url, policy);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(policy.timeout_ms);
    Request req = request;
    for (int hop = 0;; ++hop) {
        Policy p = policy;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            fail(Code::metadata_fetch_timeout, "no answer from \"" + util::printable(req.url, 200) + "\" within " +
                                                   std::to_string(policy.timeout_ms) + " ms");
        p.timeout_ms = static_cast<int>(left.count());
        p.connect_timeout_ms = std::min(p.connect_timeout_ms, p.timeout_ms);
        Reply reply = transport(req, p);
        if (is_redirect(reply.status)) {
            if (reply.location.empty())
                fail(Code::metadata_http_status, "\"" + util::printable(req.url, 200) + "\" answered HTTP " +
                                                     std::to_string(reply.status) + " without a Location");
            const std::string next = resolve(req.url, reply.location);
            if (hop >= policy.max_redirects)
                fail(Code::metadata_redirect_refused,
                     hop_text(req.url, next) + ": more than " + std::to_string(policy.max_redirects) + " redirects");
            const auto from = split_url(req.url);
            const auto to = split_url(next);
            if (!to || (to->scheme != "https" && to->scheme != "http"))
                fail(Code::metadata_redirect_refused, hop_text(req.url, next) + ": only https is followed");
            if (from && from->scheme == "https" && to->scheme == "http")
                fail(Code::metadata_redirect_refused, hop_text(req.url, next) + ": from https to plain http");
            try {
                check_url(next, policy);
            } catch (const Error &e) {
                fail(Code::metadata_redirect_refused, hop_text(req.url, next) + ": " + e.what());
            }
            req.url = next;
            continue;
        }
        if (reply.status == 304) {
            if (request.if_none_match.empty() && request.if_modified_since.empty())
                fail(Code::metadata_http_status,
                     "\"" + util::printable(req.url, 200) + "\" answered 304 Not Modified to an unconditional request");
            return Result{std::move(reply), req.url};
        }
        if (reply.status != 200)
            fail(Code::metadata_http_status, "\"" + util::printable(req.url, 200) + "\" answered HTTP " +
                                                 std::to_string(reply.status) + " (expected 200 and the metadata)");
        if (reply.body.size() > policy.max_bytes)
            fail(Code::metadata_fetch_too_large, "the metadata at \"" + util::printable(req.url, 200) +
                                                     "\" is larger than " + std::to_string(policy.max_bytes) +
                                                     " bytes");
        return Result{std::move(reply), req.url};
    }
}

}  // namespace ssogate::core::fetch
