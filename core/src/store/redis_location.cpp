// Built with and without Redis support: every message that shows a location goes through it, so a
// password in a location never reaches an error, a log or a test report.
#include "store/redis.hpp"

namespace ssogate::core::store {

std::string redact_credentials(std::string_view location) {
    const auto scheme_end = location.find("://");
    if (scheme_end == std::string_view::npos) return std::string(location);
    const std::size_t start = scheme_end + 3;
    // The last '@' ends the credentials: a password with a raw '@', '/' or '?' is still hidden whole.
    const auto at = location.rfind('@');
    if (at == std::string_view::npos || at < start) return std::string(location);
    const std::string_view userinfo = location.substr(start, at - start);
    const auto colon = userinfo.find(':');
    // Without a colon the part may be a password written without its colon: hide it whole.
    const std::string shown_user =
        colon == std::string_view::npos ? std::string() : std::string(userinfo.substr(0, colon)) + ":";
    return std::string(location.substr(0, start)) + shown_user + "***" + std::string(location.substr(at));
}

}  // namespace ssogate::core::store
