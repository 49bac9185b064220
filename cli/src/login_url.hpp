// `ssogate login-url` (cli/src/login_url.cpp): begin an SP-initiated login for a saved connection
// and print where to send the browser, for trying a connection by hand.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

struct LoginUrlArgs {
    std::string connection;  // a connection JSON written by `ssogate idp import --out`
    std::string binding = "redirect";
    std::string return_to;
    std::string sp_key, sp_cert;      // PEM files; both or neither
    std::optional<std::int64_t> now;  // the clock, Unix seconds (tests)
};

// Registers the subcommand on `app`, filling `args`; run it when the returned command was parsed.
CLI::App *add_login_url_command(CLI::App &app, LoginUrlArgs &args);

// Prints the redirect URL (or the POST form) on stdout and the request's identifiers on stderr.
// Returns 0, or 2 for --sp-key without --sp-cert. Throws ssogate::Error when the library
// refuses (return-to, binding, key), std::runtime_error when a file cannot be read.
int run_login_url(const LoginUrlArgs &args);
