// Small formatting helpers the ssogate command shares.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

// A Unix time as xs:dateTime in UTC ("2026-12-03T01:22:00Z"), the form SAML documents use.
std::string datetime(std::int64_t unix_seconds);

// "HTTP-POST" for the SAML bindings' URIs, the full URI for anything else.
std::string short_binding(const std::string &uri);

// Prints {"error": {"code", "name", "message", "exit_code"[, "user_message"]}} on stdout: what every
// --json failure prints. `code` is the library's number, or nullopt (null) for the command's own
// failures (usage, files, internal).
void print_error_json(std::optional<int> code, const std::string &name, const std::string &message, int exit_code,
                      const std::optional<std::string> &user_message = std::nullopt);
