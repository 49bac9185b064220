#include "testing.hpp"

#include "connection/connection.hpp"
#include "files.hpp"
#include "crypto/certificate.hpp"
#include "testing/idp.hpp"
#include "util/time.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace core = ssogate::core;
namespace testing = ssogate::core::testing;

namespace {

constexpr const char *default_entity_id = "https://idp.test.example/saml";



std::unique_ptr<testing::TestIdp> load_idp(const TestingArgs &a, const std::string &entity_id) {
    return std::make_unique<testing::TestIdp>(entity_id, read_input(a.key, pem_file_cap, "the key file"),
                                               read_input(a.cert, pem_file_cap, "the certificate file"));
}

int run_keygen(const TestingArgs &a) {
    const testing::TestIdp idp(a.entity_id.empty() ? default_entity_id : a.entity_id,
                               a.ec ? testing::KeyType::ec_p256 : testing::KeyType::rsa2048);
    write_output(a.key, idp.private_key_pem(), 0600);
    write_output(a.cert, idp.certificate_pem(), 0644);
    const auto cert = core::crypto::parse_certificate_pem(idp.certificate_pem());
    // The key itself stays in its file; only facts about it are printed.
    std::cout << "Test key written to " << a.key << " (" << cert.key_type << " " << cert.key_bits
              << " bits; a throwaway for testing, never for a real IdP)\n"
              << "Certificate written to " << a.cert << "\n"
              << "  SHA-256  " << cert.sha256 << "\n"
              << "  Subject  " << cert.subject << "\n"
              << "  Expires  " << core::util::format_datetime(cert.not_after) << "\n"
              << "Entity ID: " << idp.entity_id() << " (pass the same --entity-id to 'testing metadata')\n";
    return 0;
}

int run_metadata(const TestingArgs &a) {
    const auto idp = load_idp(a, a.entity_id.empty() ? default_entity_id : a.entity_id);
    std::cout << idp->metadata_xml(a.sso_url);
    return 0;
}

core::testing::Sign sign_mode(const std::string &s) {
    if (s == "response") return testing::Sign::response;
    if (s == "assertion") return testing::Sign::assertion;
    if (s == "none") return testing::Sign::none;
    return testing::Sign::both;  // CLI11 allowed only these four values
}

int run_response(const TestingArgs &a) {
    core::ImportOptions import;
    import.now = a.now;
    const auto conn = core::connection_from_json(read_input(a.connection, connection_file_cap, "the connection file"), import);

    testing::ResponseOptions o;
    o.now = a.now.value_or(core::util::now_seconds());
    o.acs_url = conn->acs_url();
    o.sp_entity_id = conn->sp_entity_id();
    o.in_response_to = a.in_response_to;
    o.nameid = a.nameid;
    o.sign = sign_mode(a.sign);
    for (const auto &spec : a.attributes) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::cerr << "error: --attribute wants NAME=VALUE, got '" << spec << "'\n";
            return 2;
        }
        const std::string name = spec.substr(0, eq);
        auto it = o.attributes.begin();
        while (it != o.attributes.end() && it->name != name) ++it;
        if (it == o.attributes.end()) {
            testing::TestAttribute attribute;
            attribute.name = name;
            o.attributes.push_back(std::move(attribute));
            it = o.attributes.end() - 1;
        }
        it->values.push_back(spec.substr(eq + 1));
    }

    // By default the IdP the connection was made for, so the Issuer matches without repeating it.
    const auto idp = load_idp(a, a.entity_id.empty() ? conn->idp()->entity_id() : a.entity_id);
    if (a.xml) {
        std::cout << idp->response_xml(o);
    } else {
        std::cout << idp->response_base64(o) << "\n";
    }
    return 0;
}

}  // namespace

CLI::App *add_testing_command(CLI::App &app, TestingArgs &args) {
    auto *cmd = app.add_subcommand("testing", "A testing IdP: make a throwaway key, publish its metadata, sign "
                                              "Responses for a connection (for tests only)");
    cmd->require_subcommand(1);

    auto *keygen = cmd->add_subcommand("keygen", "Write a new test key and its self-signed certificate");
    keygen->add_option("--key", args.key, "Write the private key (PEM) here")->required();
    keygen->add_option("--cert", args.cert, "Write the certificate (PEM) here")->required();
    keygen->add_option("--entity-id", args.entity_id, "The test IdP's entity ID (printed back: the certificate "
                                                       "does not name it)");
    keygen->add_flag("--ec", args.ec, "An EC P-256 key instead of RSA-2048");

    auto *metadata = cmd->add_subcommand("metadata", "Print the test IdP's metadata, to import with 'idp import'");
    metadata->add_option("--key", args.key, "The test key (PEM)")->required()->check(CLI::ExistingFile);
    metadata->add_option("--cert", args.cert, "Its certificate (PEM)")->required()->check(CLI::ExistingFile);
    metadata->add_option("--entity-id", args.entity_id,
                         std::string("The test IdP's entity ID (default: ") + default_entity_id + ")");
    metadata->add_option("--sso-url", args.sso_url, "The single sign-on URL to publish")->capture_default_str();

    auto *response = cmd->add_subcommand("response", "Print a signed SAMLResponse (base64, as a form posts it) for "
                                                     "a connection");
    response->add_option("CONNECTION", args.connection, "A connection JSON written by 'idp import --out'")
        ->required()
        ->check(CLI::ExistingFile);
    response->add_option("--key", args.key, "The test key (PEM)")->required()->check(CLI::ExistingFile);
    response->add_option("--cert", args.cert, "Its certificate (PEM)")->required()->check(CLI::ExistingFile);
    response->add_option("--entity-id", args.entity_id, "The Issuer (default: the connection's IdP entity ID)");
    response->add_option("--nameid", args.nameid, "The NameID, an email address")->required();
    response->add_option("--in-response-to", args.in_response_to,
                         "The AuthnRequest ID answered (default: none, an IdP-initiated login)");
    response->add_option("--attribute", args.attributes, "An attribute NAME=VALUE (repeat for more values)");
    response->add_option("--sign", args.sign, "What to sign: response, assertion, both (default) or none")
        ->check(CLI::IsMember({"response", "assertion", "both", "none"}));
    response->add_option("--now", args.now, "The clock, Unix seconds (for tests)");
    response->add_flag("--xml", args.xml, "Print the Response XML instead of base64");

    args.keygen_cmd = keygen;
    args.metadata_cmd = metadata;
    args.response_cmd = response;
    return cmd;
}

int run_testing(const TestingArgs &args) {
    if (args.keygen_cmd->parsed()) return run_keygen(args);
    if (args.metadata_cmd->parsed()) return run_metadata(args);
    return run_response(args);  // the third: `testing` requires one subcommand
}
