#include "login_url.hpp"

#include "files.hpp"
#include "text.hpp"

#include <ssogate/ssogate.hpp>

#include <iostream>
#include <optional>

CLI::App *add_login_url_command(CLI::App &app, LoginUrlArgs &args) {
    auto *cmd = app.add_subcommand("login-url",
                                   "Begin an SP-initiated login and print the IdP redirect URL (or the "
                                   "POST form), for trying a connection by hand");
    cmd->add_option("CONNECTION", args.connection, "A connection JSON written by 'idp import --out'")->required();
    cmd->add_option("--binding", args.binding, "redirect (default) or post")
        ->check(CLI::IsMember({"redirect", "post"}));
    cmd->add_option("--return-to", args.return_to, "Where the login should return: a path such as /dashboard");
    cmd->add_option("--sp-key", args.sp_key, "Sign the request with this PEM private key (RSA, 2048 bits or more)");
    cmd->add_option("--sp-cert", args.sp_cert, "The PEM certificate of --sp-key");
    cmd->add_option("--now", args.now, "The clock, Unix seconds (for tests)");
    return cmd;
}

int run_login_url(const LoginUrlArgs &args) {
    if (args.sp_key.empty() != args.sp_cert.empty()) {
        std::cerr << "error: --sp-key and --sp-cert go together\n";
        return 2;
    }
    ssogate::IdpOptions import;
    import.now = args.now.value_or(0);
    const auto conn =
        ssogate::Connection::from_json(read_input(args.connection, connection_file_cap, "the connection file"), import);
    ssogate::SpLoginOptions o;
    o.binding = args.binding == "post" ? ssogate::Binding::http_post : ssogate::Binding::http_redirect;
    o.now = args.now.value_or(0);
    std::optional<ssogate::SpKey> key;
    if (!args.sp_key.empty()) {
        key.emplace(read_input(args.sp_key, pem_file_cap, "the SP key file"),
                    read_input(args.sp_cert, pem_file_cap, "the SP certificate file"));
    }
    // A store that lives only as long as this command: the request cannot be finished by a server
    // later, so the RelayState and request ID are printed for manual testing only.
    const auto store = ssogate::RequestStore::memory();
    const ssogate::SpLoginRequest b = ssogate::begin_sp_login(conn, store, args.return_to, key ? &*key : nullptr, o);
    std::cout << (b.binding == ssogate::Binding::http_post ? b.post_form_html : b.redirect_url + "\n");
    std::cerr << "request ID:  " << b.request_id << "\n"
              << "RelayState:  " << b.relay_state << "\n"
              << "expires at:  " << datetime(b.expires_at) << "\n"
              << "signed:      " << (b.is_signed ? "yes" : "no") << "\n"
              << "note: the pending request was kept in memory by this command only; these values are for manual "
                 "testing (a server finishes a login with its own request store)\n";
    return 0;
}
