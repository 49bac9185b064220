#include "idp_url.hpp"

#include "files.hpp"
#include "text.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

using json = nlohmann::json;

void add_fetch_options(CLI::App *cmd, FetchArgs &args) {
    cmd->add_option("--allow-network", args.allowed_networks,
                    "For a URL: a private network the metadata host may be in (e.g. 10.20.0.0/16; repeatable). "
                    "By default loopback, link-local, private and unique-local addresses are refused");
    cmd->add_option("--ca-file", args.ca_file, "For a URL: trust the CAs in this PEM file instead of the system's");
    cmd->add_flag("--allow-http", args.allow_http, "For a URL: also fetch plain http (never reached from https)");
    cmd->add_option("--timeout-ms", args.timeout_ms, "For a URL: the whole transfer's limit (default 10000)");
}

ssogate::Fetcher make_fetcher(const FetchArgs &args) {
    ssogate::Fetcher f;
    std::string networks;
    for (const auto &n : args.allowed_networks) networks += n + " ";
    f.allowed_networks(networks).ca_file(args.ca_file).allow_http(args.allow_http);
    if (args.timeout_ms != 0) f.timeout_ms(args.timeout_ms);
    if (args.now) f.now(*args.now);
    return f;
}

bool is_metadata_url(const std::string &text) {
    const auto lower = [&](std::size_t n) {
        std::string s = text.substr(0, n);
        for (char &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    return lower(8) == "https://" || lower(7) == "http://";
}

CLI::App *add_refresh_command(CLI::App *idp_cmd, RefreshArgs &args) {
    auto *cmd = idp_cmd->add_subcommand(
        "refresh",
        "Fetch a URL-imported connection's metadata again and write the result back to the file: a new document "
        "when it verifies, else the last known good with the failure counted. Prints the events");
    cmd->add_option("CONNECTION", args.file, "A connection JSON written by 'idp import URL --out'")->required();
    add_fetch_options(cmd, args.fetch);
    cmd->add_option("--now", args.fetch.now, "The clock, Unix seconds (for tests)");
    cmd->add_flag("--json", args.json, "Print one JSON object: what happened, the events, the next refresh time");
    return cmd;
}

namespace {

json events_json(const std::vector<ssogate::MetadataEvent> &events) {
    json out = json::array();
    for (const auto &e : events) {
        json j = {{"kind", e.name}, {"message", e.message}};
        if (!e.fingerprint.empty()) j["fingerprint"] = e.fingerprint;
        if (e.not_after != 0) j["not_after"] = datetime(e.not_after);
        if (!e.old_value.empty() || !e.new_value.empty()) {
            j["old_value"] = e.old_value;
            j["new_value"] = e.new_value;
        }
        if (e.failures != 0) j["failures"] = e.failures;
        if (e.error_code != SSOGATE_OK) j["error"] = ssogate::code_name(e.error_code);
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace

int run_refresh(const RefreshArgs &a) {
    ssogate::IdpOptions options;
    options.now = a.fetch.now.value_or(0);
    const auto conn =
        ssogate::Connection::from_json(read_input(a.file, connection_file_cap, "the connection file"), options);
    const ssogate::Fetcher fetcher = make_fetcher(a.fetch);
    const ssogate::RefreshResult r = ssogate::refresh_connection(conn, &fetcher);
    write_output(a.file, r.connection.to_json());
    const ssogate::MetadataSource src = r.connection.idp().source();
    if (a.json) {
        json out = {{"connection_file", a.file},
                    {"url", src.url},
                    {"applied", r.applied},
                    {"not_modified", r.not_modified},
                    {"error", r.error_code == SSOGATE_OK ? json(nullptr)
                                                         : json{{"code", r.error_code},
                                                                {"name", ssogate::code_name(r.error_code)},
                                                                {"message", r.error_message}}},
                    {"consecutive_failures", src.failures},
                    {"next_refresh_at", datetime(src.next_refresh_at)},
                    {"events", events_json(r.events)}};
        std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    } else {
        if (r.error_code != SSOGATE_OK) {
            std::cout << "Refresh failed (" << ssogate::code_name(r.error_code) << "): " << r.error_message << "\n"
                      << "The last good metadata stays in force.\n";
        } else {
            std::cout << (r.applied ? "New metadata applied from " : "Metadata unchanged at ") << src.url << "\n";
        }
        for (const auto &e : r.events) std::cout << "  " << e.name << ": " << e.message << "\n";
        std::cout << "Next refresh: " << datetime(src.next_refresh_at) << "\nConnection written to " << a.file << "\n";
    }
    return r.error_code == SSOGATE_OK ? 0 : 3;
}
