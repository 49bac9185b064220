#include "verify.hpp"

#include "connection/connection.hpp"
#include "files.hpp"
#include "error.hpp"
#include "response/verify.hpp"
#include "store/replay_memory.hpp"
#include "util/time.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace core = ssogate::core;
using nlohmann::json;

namespace {


json login_json(const core::VerifiedLogin &v) {
    json attributes = json::array();
    for (const auto &a : v.attributes) {
        attributes.push_back({{"name", a.name},
                              {"name_format", a.name_format},
                              {"friendly_name", a.friendly_name},
                              {"values", a.values}});
    }
    return {{"email", v.email},
            {"nameid", v.nameid},
            {"nameid_format", v.nameid_format},
            {"idp_entity_id", v.idp_entity_id},
            {"connection_id", v.connection_id},
            {"assertion_id", v.assertion_id},
            {"session_index", v.session_index},
            {"authn_instant", core::util::format_datetime(v.authn_instant)},
            {"session_not_on_or_after", v.session_not_on_or_after
                                            ? json(core::util::format_datetime(*v.session_not_on_or_after))
                                            : json(nullptr)},
            {"in_response_to", v.in_response_to},
            {"attributes", attributes}};
}

void print_login(const core::VerifiedLogin &v) {
    const auto or_none = [](const std::string &s) { return s.empty() ? std::string("(none)") : s; };
    std::cout << "Login verified\n"
              << "  Email:           " << v.email << "\n"
              << "  NameID:          " << v.nameid << "\n"
              << "  NameID format:   " << or_none(v.nameid_format) << "\n"
              << "  IdP:             " << v.idp_entity_id << "\n"
              << "  Connection:      " << v.connection_id << "\n"
              << "  Assertion ID:    " << v.assertion_id << "\n"
              << "  Session index:   " << or_none(v.session_index) << "\n"
              << "  Authn instant:   " << core::util::format_datetime(v.authn_instant) << "\n"
              << "  Session ends:    "
              << (v.session_not_on_or_after ? core::util::format_datetime(*v.session_not_on_or_after) : "(not set)")
              << "\n"
              << "  In response to:  " << (v.in_response_to.empty() ? "(unsolicited)" : v.in_response_to) << "\n"
              << "  Attributes:";
    if (v.attributes.empty()) {
        std::cout << " none\n";
        return;
    }
    std::cout << "\n";
    for (const auto &a : v.attributes) {
        std::cout << "    " << a.name << (a.friendly_name.empty() ? "" : " (" + a.friendly_name + ")") << ":";
        for (const auto &value : a.values) std::cout << " " << value;
        std::cout << "\n";
    }
}

}  // namespace

CLI::App *add_verify_command(CLI::App &app, VerifyArgs &args) {
    auto *cmd = app.add_subcommand("verify", "Verify a SAMLResponse for a connection and print the login or the "
                                             "refusal (exit 3)");
    cmd->add_option("CONNECTION", args.connection, "A connection JSON written by 'idp import --out'")
        ->required()
        ->check(CLI::ExistingFile);
    // Not CLI::ExistingFile: "-" reads stdin.
    cmd->add_option("RESPONSE", args.response, "A file holding the posted SAMLResponse value (base64), or - for stdin")
        ->required();
    cmd->add_option("--now", args.now, "The clock, Unix seconds (for tests)");
    cmd->add_option("--request-id", args.request_ids,
                    "An AuthnRequest ID this browser waits for (repeatable; none: an IdP-initiated login)");
    cmd->add_flag("--json", args.json, "Print one JSON object instead of text");
    return cmd;
}

int run_verify(const VerifyArgs &args) {
    try {
        const std::string posted =
            read_input(args.response, core::max_form_value_bytes(core::VerifyContext{}.max_bytes), "RESPONSE");
        core::ImportOptions import;
        import.now = args.now;
        const auto conn = core::connection_from_json(read_input(args.connection, connection_file_cap, "the connection file"), import);

        // A fresh cache per run: the command checks one Response, so a replay across runs is not
        // detected (a server keeps its cache). It shares the frozen clock, or --now far from the
        // real time would make entries expire (or never) on the wrong clock.
        const auto now = args.now;
        core::MemoryReplayCache replay(now ? std::function<std::int64_t()>([now] { return *now; })
                                           : std::function<std::int64_t()>());
        core::VerifyContext ctx;
        ctx.now = args.now;
        ctx.pending_request_ids = args.request_ids;
        ctx.replay = &replay;
        const core::VerifiedLogin login = core::verify_response(*conn, posted, ctx);
        if (args.json) {
            std::cout << json{{"login", login_json(login)}}.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
        } else {
            print_login(login);
        }
        return 0;
    } catch (const core::Error &e) {
        // Refusals of the connection file too, so --json always prints one object.
        const auto *rejection = dynamic_cast<const core::Rejection *>(&e);
        const std::string user = rejection ? rejection->user_message() : core::user_message_for(e.code());
        if (args.json) {
            std::cout << json{{"error",
                               {{"code", static_cast<int>(e.code())},
                                {"name", core::code_name(e.code())},
                                {"message", e.what()},
                                {"user_message", user}}}}
                             .dump(2, ' ', false, json::error_handler_t::replace)
                      << "\n";
        } else {
            std::cerr << "error: " << core::code_name(e.code()) << ": " << e.what() << "\n"
                      << "end-user message: " << user << "\n";
        }
        return 3;
    }
}
