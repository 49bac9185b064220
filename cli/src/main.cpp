// ssogate: the command-line face of the library, for the admin's first screen (upload the IdP
// metadata, press Save, paste the ACS URL and SP Entity ID back into the IdP). It is written against
// the public C++ header, ssogate.hpp, like any host of the library.
//
//   ssogate idp import FILE|URL --base-url URL [--entity-id ID] [--id CONNID] [--acs-url U]
//                           [--sp-entity-id E] [--sp-cert CERT.pem] [--allow-idp-initiated] [--jit]
//                           [--sp-encryption-cert CERT.pem ...] [--allow-rsa-1-5] [--allow-legacy-sp-key]
//                           [--out CONNECTION.json] [--json] [--now UNIXSECONDS]
//                           [--allow-network CIDR ...] [--ca-file CA.pem] [--allow-http] [--timeout-ms MS]
//   ssogate idp refresh CONNECTION.json [--json] [--allow-network CIDR ...] [--ca-file CA.pem] [--now UNIXSECONDS]
//   ssogate sp metadata CONNECTION.json [--now UNIXSECONDS] [--json]
//   ssogate demo [--dir DIR] [--keep]
//   ssogate login-url CONNECTION.json [--binding redirect|post] [--return-to PATH]
//                     [--sp-key KEY.pem --sp-cert CERT.pem] [--now UNIXSECONDS]
//   ssogate testing keygen|metadata|response ...   (a testing IdP; see --help)
//   ssogate verify CONNECTION.json RESPONSE_FILE|- [--now UNIXSECONDS] [--request-id ID ...] [--json]
//                  [--explain [--compare-metadata IDP_METADATA.xml]]
//                  [--decryption-key KEY.pem --decryption-cert CERT.pem ...]
//   ssogate version | ssogate --version
//
// Exit codes: 0 ok, 1 an I/O failure (a file that cannot be read or written) or a bug, 2 usage, 3 input
// refused by the library (its code name and message on stderr, or as JSON with --json). With --json, every
// failure, usage and I/O ones included, is one object on stdout: {"error": {"code", "name", "message",
// "exit_code"}}, where "code" is the library's number, or null for the command's own names (USAGE,
// FILE_UNREADABLE, FILE_IS_DIRECTORY, FILE_IS_URL, FILE_UNWRITABLE, INTERNAL).
#include "db.hpp"
#include "demo.hpp"
#include "files.hpp"
#include "idp_url.hpp"
#include "login_url.hpp"
#include "testing.hpp"
#include "text.hpp"
#include "verify.hpp"

#include <ssogate/ssogate.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using nlohmann::json;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_io = 1;
constexpr int exit_usage = 2;
constexpr int exit_refused = 3;

json endpoints_json(const std::vector<ssogate::Endpoint> &endpoints) {
    json out = json::array();
    for (const auto &e : endpoints) {
        out.push_back(
            {{"binding", short_binding(e.binding_uri)}, {"binding_uri", e.binding_uri}, {"location", e.location}});
    }
    return out;
}

json idp_json(const ssogate::IdpView &idp) {
    json certs = json::array();
    for (const auto &c : idp.certificates()) {
        certs.push_back({{"sha256", c.sha256},
                         {"subject", c.subject},
                         {"issuer", c.issuer},
                         {"not_before", datetime(c.not_before)},
                         {"not_after", datetime(c.not_after)},
                         {"key_type", c.key_type},
                         {"key_bits", c.key_bits}});
    }
    json warnings = json::array();
    for (const auto &w : idp.warnings()) {
        warnings.push_back({{"code", w.code}, {"name", ssogate::code_name(w.code)}, {"message", w.message}});
    }
    json out = {{"entity_id", idp.entity_id()},
                {"sso", endpoints_json(idp.sso_endpoints())},
                {"slo", endpoints_json(idp.slo_endpoints())},
                {"certificates", certs},
                {"nameid_formats", idp.nameid_formats()},
                {"want_authn_requests_signed", idp.want_authn_requests_signed()},
                {"valid_until", nullptr},
                {"warnings", warnings}};
    if (idp.valid_until()) {
        out["valid_until"] = datetime(*idp.valid_until());
    }
    return out;
}

// The SP encryption certificates, for the "paste into your IdP" part: the IdP encrypts assertions to
// them, so their fingerprints let the admin check that the IdP holds the right one.
void print_encryption(std::ostream &os, const ssogate::Connection &conn) {
    const auto sha256s = conn.sp_encryption_certificate_sha256s();
    if (sha256s.empty()) {
        return;
    }
    os << "  SP encryption certificate"
       << (sha256s.size() > 1 ? "s (a key rollover: verification tries each):\n" : ":\n");
    for (std::size_t i = 0; i < sha256s.size(); ++i) {
        os << "    " << i + 1 << ". SHA-256 " << sha256s[i] << "\n";
    }
    os << "  (the connection keeps only the certificates; the private keys stay in your secret store and are "
          "given\n   to verification: 'ssogate verify --decryption-key KEY.pem --decryption-cert CERT.pem')\n";
    if (conn.allow_rsa_1_5()) {
        os << "  RSA-1_5 key transport accepted (--allow-rsa-1-5): only for an IdP that cannot use RSA-OAEP\n";
    }
    if (conn.allow_legacy_sp_key()) {
        os << "  SP encryption keys under 2048 bits accepted (--allow-legacy-sp-key): for published test keys only\n";
    }
}

// What the admin reads after pressing Save: the IdP as understood, then what to paste back.
void print_import(std::ostream &os, const ssogate::Connection &conn, std::int64_t now, const std::string &out_path) {
    const ssogate::IdpView idp = conn.idp();
    os << "IdP entityID:  " << idp.entity_id() << "\n\n";
    os << "Single sign-on URLs:\n";
    for (const auto &e : idp.sso_endpoints()) {
        os << "  " << std::left << std::setw(14) << short_binding(e.binding_uri) << " " << e.location << "\n";
    }
    os << "\nSigning certificates:\n";
    int n = 0;
    for (const auto &c : idp.certificates()) {
        os << "  " << ++n << ". SHA-256  " << c.sha256 << "\n";
        os << "     Subject  " << c.subject << "\n";
        os << "     Expires  " << datetime(c.not_after) << (c.not_after <= now ? "  (EXPIRED)" : "") << "\n";
    }
    const auto warnings = idp.warnings();
    os << "\nWarnings:";
    if (warnings.empty()) {
        os << " none\n";
    } else {
        os << "\n";
        for (const auto &w : warnings) {
            os << "  " << ssogate::code_name(w.code) << ": " << w.message << "\n";
        }
    }
    os << "\nPaste these into your IdP:\n";
    os << "  Single sign on URL:           " << conn.acs_url() << "\n";
    os << "  Audience URI (SP Entity ID):  " << conn.sp_entity_id() << "\n";
    if (!conn.sp_certificate_sha256().empty()) {
        os << "  SP signing certificate:       SHA-256 " << conn.sp_certificate_sha256() << " (the --sp-cert file)\n";
    }
    print_encryption(os, conn);
    if (conn.authn_requests_signed()) {
        os << "\nThe IdP wants signed AuthnRequests: every login begun for this connection is signed with the SP\n"
              "key (its SP metadata says AuthnRequestsSigned=\"true\")"
           << (conn.sp_certificate_pem().empty() ? "; give the key's certificate with --sp-cert so that the\n"
                                                   "SP metadata carries it"
                                                 : "")
           << ".\n";
    }
    os << "\nConnection id: " << conn.id() << "\n";
    if (!out_path.empty()) {
        os << "Connection saved to " << out_path << "\n";
    } else {
        os << "(not saved: pass --out CONNECTION.json to keep it)\n";
    }
}

struct ImportArgs {
    std::string file;
    std::string base_url;
    std::string entity_id;
    std::string id;
    std::string acs_url;
    std::string sp_entity_id;
    std::string sp_cert;
    std::vector<std::string> sp_encryption_certs;  // PEM files, current first, then the next for a rollover
    bool allow_idp_initiated = false;
    bool jit = false;
    bool allow_rsa_1_5 = false;
    bool allow_legacy_sp_key = false;
    std::string out;
    bool json = false;
    std::optional<std::int64_t> now;
    FetchArgs fetch;
};

json connection_json(const ssogate::Connection &conn) {
    return {{"id", conn.id()},
            {"acs_url", conn.acs_url()},
            {"sp_entity_id", conn.sp_entity_id()},
            {"allow_idp_initiated", conn.allow_idp_initiated()},
            {"jit_provisioning", conn.jit_provisioning()},
            {"clock_skew_seconds", conn.clock_skew_seconds()},
            {"authn_requests_signed", conn.authn_requests_signed()},
            {"sp_certificate_sha256",
             conn.sp_certificate_sha256().empty() ? json(nullptr) : json(conn.sp_certificate_sha256())},
            {"sp_encryption_certificate_sha256s", conn.sp_encryption_certificate_sha256s()},
            {"allow_rsa_1_5", conn.allow_rsa_1_5()},
            {"allow_legacy_sp_key", conn.allow_legacy_sp_key()}};
}

// An admin who opens the IdP's metadata link in a browser and saves the page may upload the browser's
// HTML page instead of the XML; say so, and where the XML is, rather than a parser error.
bool looks_like_html(std::string_view text) {
    std::string head;
    for (const char c : text.substr(0, 4096)) head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto first = head.find_first_not_of(" \t\r\n\xef\xbb\xbf");
    if (first == std::string::npos) return false;
    const std::string_view start = std::string_view(head).substr(first);
    if (start.rfind("<!doctype html", 0) == 0 || start.rfind("<html", 0) == 0) return true;
    // An XML prolog or comment first, then an <html> root (XHTML, or a page saved "complete").
    return head.find("<html") != std::string::npos && head.find("entitydescriptor") == std::string::npos;
}

void refuse_html(const std::string &file) {
    throw ssogate::Error(SSOGATE_METADATA_NOT_SAML,
                         file +
                             " is an HTML page (a web page saved from the browser), not the IdP's metadata XML. "
                             "Download the XML itself: in Okta, the application's Sign On tab, the \"Identity "
                             "Provider metadata\" link (right-click it and save the link, or curl its URL); other "
                             "IdPs publish a metadata URL that returns XML");
}

// The metadata of `idp import`: fetched when FILE is an http(s) URL, else read from the file.
ssogate::Idp import_idp(const ImportArgs &a) {
    ssogate::IdpOptions options;
    options.now = a.now.value_or(0);
    if (is_metadata_url(a.file)) {
        FetchArgs fetch = a.fetch;
        fetch.now = a.now;
        const ssogate::Fetcher fetcher = make_fetcher(fetch);
        return ssogate::Idp::import_url(a.file, a.entity_id, {}, options, &fetcher);
    }
    const std::string xml = read_input(a.file, metadata_file_cap, "the metadata file");
    if (looks_like_html(xml)) refuse_html(a.file);
    return ssogate::Idp::import_metadata(xml, a.entity_id, {}, options);
}

int run_import(const ImportArgs &a) {
    const auto idp = import_idp(a);

    ssogate::ConnectionParams params;
    params.base_url = a.base_url;
    params.id = a.id;
    params.acs_url = a.acs_url;
    params.sp_entity_id = a.sp_entity_id;
    if (!a.sp_cert.empty()) params.sp_certificate_pem = read_input(a.sp_cert, pem_file_cap, "the SP certificate file");
    for (const auto &file : a.sp_encryption_certs) {
        params.sp_encryption_certificates.push_back(
            read_input(file, pem_file_cap, "the SP encryption certificate file"));
    }
    ssogate::ConnectionOptions settings;
    settings.allow_idp_initiated = a.allow_idp_initiated;
    settings.jit_provisioning = a.jit;
    settings.allow_rsa_1_5 = a.allow_rsa_1_5;
    settings.allow_legacy_sp_key = a.allow_legacy_sp_key;
    const ssogate::Connection conn(idp, params, settings);

    if (!a.out.empty()) {
        write_output(a.out, conn.to_json());
    }
    if (a.json) {
        json out = {{"idp", idp_json(idp)},
                    {"connection", connection_json(conn)},
                    {"paste_into_idp", {{"single_sign_on_url", conn.acs_url()}, {"audience_uri", conn.sp_entity_id()}}},
                    {"connection_file", a.out.empty() ? json(nullptr) : json(a.out)}};
        std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    } else {
        print_import(std::cout, conn, a.now.value_or(static_cast<std::int64_t>(std::time(nullptr))), a.out);
    }
    return exit_ok;
}

struct SpMetadataArgs {
    std::string file;
    std::optional<std::int64_t> now;
    bool json = false;
};

int run_sp_metadata(const SpMetadataArgs &a) {
    ssogate::IdpOptions options;
    options.now = a.now.value_or(0);
    const auto conn =
        ssogate::Connection::from_json(read_input(a.file, connection_file_cap, "the connection file"), options);
    const std::string metadata = conn.sp_metadata();
    if (a.json) {
        const json out = {
            {"sp_metadata", metadata},
            {"connection", connection_json(conn)},
            {"paste_into_idp", {{"single_sign_on_url", conn.acs_url()}, {"audience_uri", conn.sp_entity_id()}}}};
        std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
        return exit_ok;
    }
    std::cout << metadata;
    if (!metadata.empty() && metadata.back() != '\n') {
        std::cout << "\n";
    }
    return exit_ok;
}

void report_refusal(const ssogate::Error &e, bool as_json) {
    if (as_json) {
        print_error_json(e.code(), e.code_name(), e.message(), exit_refused);
    } else {
        std::cerr << "error: " << e.code_name() << ": " << e.message() << "\n";
    }
}

// A failure that is not the library's (a file, a bug): the same object, with "code": null.
int report_failure(const char *name, const std::string &message, int exit_code, bool as_json) {
    if (as_json) {
        print_error_json(std::nullopt, name, message, exit_code);
    } else {
        std::cerr << "error: " << message << "\n";
    }
    return exit_code;
}

// --json anywhere on the command line: a usage error is then reported as JSON too (the parse that
// failed cannot say which command's flag it was).
bool wants_json(int argc, char **argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--json") return true;
    }
    return false;
}

// `idp import`: the admin's "+ New Identity Provider", upload, Save.
CLI::App *add_import_command(CLI::App &app, ImportArgs &imp) {
    auto *idp_cmd = app.add_subcommand("idp", "Identity provider metadata");
    idp_cmd->require_subcommand(1);
    auto *import_cmd = idp_cmd->add_subcommand("import", "Import the IdP's metadata.xml and make a connection");
    import_cmd->add_option("FILE", imp.file, "The metadata file saved from the IdP, or its https URL")->required();
    import_cmd->add_option("--base-url", imp.base_url, "Your service's base URL, e.g. https://app.example.com")
        ->required();
    import_cmd->add_option("--entity-id", imp.entity_id, "The IdP to take from a federation aggregate");
    import_cmd->add_option("--id", imp.id, "The connection id (default: 128 random bits)");
    import_cmd->add_option("--acs-url", imp.acs_url, "An explicit ACS URL (an IdP app that already exists)");
    import_cmd->add_option("--sp-entity-id", imp.sp_entity_id, "An explicit SP entity ID");
    import_cmd->add_option("--sp-cert", imp.sp_cert,
                           "The certificate (PEM) of the SP key that signs AuthnRequests: kept in the connection and "
                           "published in its SP metadata");
    import_cmd
        ->add_option("--sp-encryption-cert", imp.sp_encryption_certs,
                     "The certificate (PEM, RSA of 2048 bits or more) of an SP encryption key: the IdP encrypts "
                     "assertions to it. Repeat for a key rollover (current, then next). The connection JSON and the SP "
                     "metadata carry only the certificate; the private key never goes in the connection JSON: give "
                     "it to 'verify --decryption-key' (a server loads it from its own secret store)")
        ->allow_extra_args(false)  // one file per occurrence (repeat the option), so no positional is taken
        ;
    import_cmd->add_flag("--allow-rsa-1-5", imp.allow_rsa_1_5,
                         "Accept RSA-1_5 key transport in encrypted assertions (open to padding-oracle attacks: "
                         "only for an IdP that cannot use RSA-OAEP)");
    import_cmd->add_flag("--allow-legacy-sp-key", imp.allow_legacy_sp_key,
                         "Accept SP encryption keys of 1024 to 2047 bits (test keys other projects publish)");
    import_cmd->add_flag("--allow-idp-initiated", imp.allow_idp_initiated,
                         "Accept logins started from the IdP's dashboard");
    import_cmd->add_flag("--jit", imp.jit, "Just-in-Time provisioning: newcomers are prompted to join");
    import_cmd->add_option("--out", imp.out, "Write the connection JSON to this file");
    import_cmd->add_flag("--json", imp.json, "Print one JSON object instead of text");
    import_cmd->add_option("--now", imp.now, "The clock for expiry checks, Unix seconds (for tests)");
    add_fetch_options(import_cmd, imp.fetch);
    return import_cmd;
}

CLI::App *add_sp_metadata_command(CLI::App &app, SpMetadataArgs &sp) {
    auto *sp_cmd = app.add_subcommand("sp", "Service-provider side");
    sp_cmd->require_subcommand(1);
    auto *meta_cmd = sp_cmd->add_subcommand("metadata",
                                            "Print the SP metadata of a saved connection (with its signing and "
                                            "encryption certificates as KeyDescriptors)");
    meta_cmd->add_option("CONNECTION", sp.file, "A connection JSON written by 'idp import --out'")->required();
    meta_cmd->add_option("--now", sp.now, "The clock for expiry checks, Unix seconds (for tests)");
    meta_cmd->add_flag("--json", sp.json,
                       "Print one JSON object: the SP metadata XML, the connection and what to paste into the IdP");
    return meta_cmd;
}

}  // namespace

int main(int argc, char **argv) {
    CLI::App app{"ssogate: SAML 2.0 single sign-on for your dashboard (service-provider side)"};
    app.footer(
        "Exit codes: 0 ok, 1 I/O or internal failure, 2 usage, 3 input refused (code and message on stderr, "
        "or as JSON with --json).");
    app.require_subcommand(1);

    ImportArgs imp;
    auto *import_cmd = add_import_command(app, imp);
    RefreshArgs refresh_args;
    auto *refresh_cmd = add_refresh_command(import_cmd->get_parent(), refresh_args);
    SpMetadataArgs sp;
    auto *meta_cmd = add_sp_metadata_command(app, sp);

    DemoArgs demo_args;
    auto *demo_cmd = app.add_subcommand("demo",
                                        "Run the whole SSO flow with a testing IdP playing Okta (exit 1 if a step "
                                        "gives an unexpected outcome)");
    demo_cmd->add_option("--dir", demo_args.dir, "Put the SQLite file here (default: a temporary directory)");
    demo_cmd->add_flag("--keep", demo_args.keep, "Keep the temporary directory");

    LoginUrlArgs login_url_args;
    auto *login_url_cmd = add_login_url_command(app, login_url_args);

    TestingArgs testing_args;
    auto *testing_cmd = add_testing_command(app, testing_args);
    VerifyArgs verify_args;
    auto *verify_cmd = add_verify_command(app, verify_args);

    DbArgs db_args;
    auto *db_migrate_cmd = add_db_command(app, db_args);

    auto *version_cmd = app.add_subcommand("version", "Print the version");
    app.set_version_flag("--version", std::string("ssogate ") + SSOGATE_CLI_VERSION, "Print the version and exit");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        if (e.get_exit_code() != 0 && wants_json(argc, argv)) {
            print_error_json(std::nullopt, "USAGE", e.what(), exit_usage);
        }
        const int printed = app.exit(e);  // prints help or the version (exit 0) or the usage error to stderr
        return printed == 0 ? exit_ok : exit_usage;
    }

    const bool as_json = (import_cmd->parsed() && imp.json) || (meta_cmd->parsed() && sp.json) ||
                         (refresh_cmd->parsed() && refresh_args.json) || (verify_cmd->parsed() && verify_args.json) ||
                         (db_migrate_cmd->parsed() && db_args.json);
    try {
        if (import_cmd->parsed()) {
            return run_import(imp);
        }
        if (meta_cmd->parsed()) {
            return run_sp_metadata(sp);
        }
        if (refresh_cmd->parsed()) {
            return run_refresh(refresh_args);
        }
        if (demo_cmd->parsed()) {
            return run_demo(demo_args);
        }
        if (login_url_cmd->parsed()) {
            return run_login_url(login_url_args);
        }
        if (testing_cmd->parsed()) {
            return run_testing(testing_args);
        }
        if (verify_cmd->parsed()) {
            return run_verify(verify_args);
        }
        if (db_migrate_cmd->parsed()) {
            return run_db_migrate(db_args);
        }
        if (version_cmd->parsed()) {
            std::cout << "ssogate " << SSOGATE_CLI_VERSION << "\n";
            return exit_ok;
        }
    } catch (const ssogate::Error &e) {
        report_refusal(e, as_json);
        return exit_refused;
    } catch (const IoError &e) {
        return report_failure(e.name, e.what(), exit_io, as_json);
    } catch (const std::exception &e) {
        return report_failure("INTERNAL", std::string("INTERNAL: ") + e.what(), exit_io, as_json);
    }
    return exit_usage;  // unreachable: CLI11 requires one of the subcommands above
}
