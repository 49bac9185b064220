#include "util/url.hpp"

namespace ssogate::core::util {

namespace {

std::optional<HttpUrl> refuse(std::string *why, const char *reason) {
    if (why != nullptr) *why = reason;
    return std::nullopt;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

}  // namespace

std::optional<HttpUrl> parse_http_url(std::string_view url, std::string *why) {
    for (char ch : url) {
        auto c = static_cast<unsigned char>(ch);
        // Browsers and servers disagree on how to read these, so a URL that needs them must
        // percent-encode them; refusing them keeps every component of ssogate reading the same URL.
        if (c <= 0x20 || c >= 0x7f || ch == '<' || ch == '>' || ch == '"' || ch == '\\' || ch == '^' || ch == '`' ||
            ch == '{' || ch == '|' || ch == '}')
            return refuse(why, "it contains a space, a control or non-ASCII character, or one of <>\"\\^`{|}");
    }
    HttpUrl out;
    std::size_t colon = url.find("://");
    if (colon == std::string_view::npos) return refuse(why, "it is not an absolute URL (no scheme://)");
    for (char c : url.substr(0, colon)) out.scheme += lower(c);
    if (out.scheme != "http" && out.scheme != "https") return refuse(why, "its scheme is not http or https");

    std::string_view rest = url.substr(colon + 3);
    std::size_t auth_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, auth_end);
    std::string_view tail = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
    if (authority.find('@') != std::string_view::npos)
        return refuse(why, "it has user information (user@host) in its authority");
    if (authority.empty()) return refuse(why, "it has no host");

    std::string_view host = authority;
    std::string_view port;
    if (authority.front() == '[') {
        std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return refuse(why, "its IPv6 host has no closing ']'");
        host = authority.substr(0, close + 1);
        for (char c : host.substr(1, host.size() - 2))
            if (!((c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':' || c == '.'))
                return refuse(why, "its IPv6 host is not valid");
        if (host.size() < 3) return refuse(why, "its IPv6 host is empty");
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return refuse(why, "text follows its IPv6 host");
            port = after.substr(1);
            if (port.empty()) return refuse(why, "it has an empty port");
        }
    } else {
        std::size_t p = authority.find(':');
        if (p != std::string_view::npos) {
            host = authority.substr(0, p);
            port = authority.substr(p + 1);
            if (port.empty()) return refuse(why, "it has an empty port");
        }
        if (host.empty()) return refuse(why, "it has no host");
        for (char c : host)
            if (!is_host_char(c)) return refuse(why, "its host has a character that is not allowed in a host name");
        if (host.front() == '.' || host.find("..") != std::string_view::npos)
            return refuse(why, "its host has an empty label");
    }
    if (!port.empty()) {
        if (port.size() > 5) return refuse(why, "its port is not a number from 1 to 65535");
        long value = 0;
        for (char c : port) {
            if (c < '0' || c > '9') return refuse(why, "its port is not a number from 1 to 65535");
            value = value * 10 + (c - '0');
        }
        if (value < 1 || value > 65535) return refuse(why, "its port is not a number from 1 to 65535");
    }
    out.host = std::string(host);
    out.port = std::string(port);

    std::size_t q = tail.find('?');
    std::size_t f = tail.find('#');
    out.has_fragment = f != std::string_view::npos;
    out.has_query = q != std::string_view::npos && (f == std::string_view::npos || q < f);
    out.path = std::string(tail.substr(0, std::min(q, f)));
    return out;
}

}  // namespace ssogate::core::util
