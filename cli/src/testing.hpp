// `ssogate testing ...` (cli/src/testing.cpp): the testing IdP from the command line, so a developer
// can make a test key, import its metadata like a real IdP's, and post signed Responses to their
// own ACS handler. Everything it signs proves nothing to a real SP: the key is a throwaway.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct TestingArgs {
    // Shared by the three subcommands.
    std::string key, cert;  // PEM files
    std::string entity_id;  // empty: the default of each subcommand
    // keygen
    bool ec = false;
    // metadata
    std::string sso_url = "https://idp.test.example/sso";
    // response
    std::string connection;
    std::string nameid;
    std::string in_response_to;
    std::vector<std::string> attributes;  // NAME=VALUE; a repeated NAME adds a value
    std::string sign = "both";
    std::optional<std::int64_t> now;
    bool xml = false;
    // response, encrypted: the SP certificate to encrypt to (empty: not encrypted) and the algorithms
    // (empty: the testing IdP's defaults) and where the EncryptedKey goes.
    std::string encrypt_to;
    std::string key_transport;
    std::string data_algorithm;
    std::string key_placement = "in-key-info";

    // Which subcommand was registered where (set by add_testing_command, read by run_testing).
    CLI::App *keygen_cmd = nullptr, *metadata_cmd = nullptr, *response_cmd = nullptr;
};

// Registers `testing` with its subcommands keygen, metadata and response on `app`, filling `args`;
// run it when the returned command was parsed.
CLI::App *add_testing_command(CLI::App &app, TestingArgs &args);

// Runs the parsed subcommand. Returns 0, or 2 for a malformed --attribute. Throws
// ssogate::Error when the library refuses (a key that does not match its certificate, a bad
// connection file), std::runtime_error when a file cannot be read or written.
int run_testing(const TestingArgs &args);
