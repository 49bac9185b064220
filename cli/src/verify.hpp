// `ssogate verify` (cli/src/verify.cpp): verify a posted SAMLResponse for a saved connection and
// print the verified login or the refusal, for checking what an IdP sends without running a server.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct VerifyArgs {
    std::string connection;                // a connection JSON written by `ssogate idp import --out`
    std::string response;                  // a file holding the SAMLResponse form value (base64), or "-" for stdin
    std::optional<std::int64_t> now;       // the clock, Unix seconds (tests)
    std::vector<std::string> request_ids;  // AuthnRequest IDs this browser waits for; none: unsolicited
    // SP encryption keys (PEM files), paired in order with their certificates: the private key is read
    // here, for this run only, because the connection JSON never holds one.
    std::vector<std::string> decryption_keys;
    std::vector<std::string> decryption_certs;
    bool json = false;
    // --explain: every check with its values and the likely causes, instead of the first refusal.
    bool explain = false;
    // --compare-metadata: a second IdP metadata file (say, fetched from the IdP's metadata URL just
    // now) that the explanation checks for the key the response was signed with; never trusted.
    std::string compare_metadata;
};

// Registers the subcommand on `app`, filling `args`; run it when the returned command was parsed.
CLI::App *add_verify_command(CLI::App &app, VerifyArgs &args);

// Prints the verified login and returns 0, or prints the refusal (code name, operator message and
// end-user message; on stderr, or as JSON on stdout with --json) and returns 3; returns 2 when the
// --decryption-key and --decryption-cert options do not pair up. Throws std::runtime_error when a
// file cannot be read.
// With --explain, prints the explanation (text, or {"explanation": ...} with --json) and returns 0
// when verification would accept the response, 3 when it would refuse it.
int run_verify(const VerifyArgs &args);
