#include "text.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <iostream>
#include <string_view>

std::string datetime(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    char buf[32];
    if (::gmtime_r(&t, &tm) == nullptr || std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        return std::to_string(unix_seconds);
    }
    return buf;
}

std::string short_binding(const std::string &uri) {
    constexpr std::string_view prefix = "urn:oasis:names:tc:SAML:2.0:bindings:";
    return uri.compare(0, prefix.size(), prefix) == 0 ? uri.substr(prefix.size()) : uri;
}

void print_error_json(std::optional<int> code, const std::string &name, const std::string &message, int exit_code,
                      const std::optional<std::string> &user_message) {
    nlohmann::json error = {{"code", code ? nlohmann::json(*code) : nlohmann::json(nullptr)},
                            {"name", name},
                            {"message", message},
                            {"exit_code", exit_code}};
    if (user_message) error["user_message"] = *user_message;
    std::cout << nlohmann::json{{"error", error}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}
