// `ssogate idp import https://...` and `ssogate idp refresh CONNECTION.json`: metadata by URL.
#pragma once

#include <ssogate/ssogate.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// How the command fetches: the fetcher's settings as options of both subcommands.
struct FetchArgs {
    std::vector<std::string> allowed_networks;  // --allow-network, repeatable
    std::string ca_file;
    bool allow_http = false;
    std::int64_t timeout_ms = 0;
    std::optional<std::int64_t> now;
};

void add_fetch_options(CLI::App *cmd, FetchArgs &args);
ssogate::Fetcher make_fetcher(const FetchArgs &args);

// An http(s) URL given where the import takes a file or a URL.
bool is_metadata_url(const std::string &text);

struct RefreshArgs {
    std::string file;
    FetchArgs fetch;
    bool json = false;
};

CLI::App *add_refresh_command(CLI::App *idp_cmd, RefreshArgs &args);
// Refreshes the connection in the file and writes the result back (also after a failed refresh: the
// file then records the failure count and the last known good stays). Exit 0 when the metadata in force
// is current, 3 when the refresh failed.
int run_refresh(const RefreshArgs &args);
