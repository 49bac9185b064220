#include "login_url.hpp"

#include "connection/connection.hpp"
#include "files.hpp"
#include "login/login.hpp"
#include "store/pending_requests.hpp"
#include "util/time.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace core = ssogate::core;

namespace {


}  // namespace

CLI::App *add_login_url_command(CLI::App &app, LoginUrlArgs &args) {
    auto *cmd = app.add_subcommand("login-url", "Begin an SP-initiated login and print the IdP redirect URL (or the "
                                                "POST form), for trying a connection by hand");
    cmd->add_option("CONNECTION", args.connection, "A connection JSON written by 'idp import --out'")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--binding", args.binding, "redirect (default) or post")
        ->check(CLI::IsMember({"redirect", "post"}));
    cmd->add_option("--return-to", args.return_to, "Where the login should return: a path such as /dashboard");
    cmd->add_option("--sp-key", args.sp_key, "Sign the request with this PEM private key (RSA, 2048 bits or more)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--sp-cert", args.sp_cert, "The PEM certificate of --sp-key")->check(CLI::ExistingFile);
    cmd->add_option("--now", args.now, "The clock, Unix seconds (for tests)");
    return cmd;
}

int run_login_url(const LoginUrlArgs &args) {
    if (args.sp_key.empty() != args.sp_cert.empty()) {
        std::cerr << "error: --sp-key and --sp-cert go together\n";
        return 2;
    }
    core::ImportOptions import;
    import.now = args.now;
    const auto conn = core::connection_from_json(read_input(args.connection, connection_file_cap, "the connection file"), import);

    core::LoginOptions o;
    o.binding = args.binding == "post" ? core::LoginBinding::post : core::LoginBinding::redirect;
    o.return_to = args.return_to;
    o.now = args.now;
    if (!args.sp_key.empty()) o.sp_key = core::SpKey::from_pem(read_input(args.sp_key, pem_file_cap, "the SP key file"),
                                                             read_input(args.sp_cert, pem_file_cap, "the SP certificate file"));

    // A store that lives only as long as this command: the request cannot be finished by a server
    // later, so the RelayState and request ID are printed for manual testing only.
    auto store = core::store::make_memory_pending_requests();
    const core::BegunLogin b = core::begin_login(*conn, *store, o);
    std::cout << (b.binding == core::LoginBinding::post ? b.post_form_html : b.redirect_url + "\n");
    std::cerr << "request ID:  " << b.request_id << "\n"
              << "RelayState:  " << b.relay_state << "\n"
              << "expires at:  " << core::util::format_datetime(b.expires_at) << "\n"
              << "signed:      " << (b.is_signed ? "yes" : "no") << "\n"
              << "note: the pending request was kept in memory by this command only; these values are for manual "
                 "testing (a server finishes a login with its own request store)\n";
    return 0;
}
