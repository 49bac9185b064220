#include "testing.hpp"

#include "files.hpp"
#include "text.hpp"

#include <ssogate/ssogate.hpp>

#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr const char *default_entity_id = "https://idp.test.example/saml";

ssogate::TestIdp load_idp(const TestingArgs &a, const std::string &entity_id, const std::string &sso_url = {}) {
    return ssogate::TestIdp::from_pem(read_input(a.key, pem_file_cap, "the key file"),
                                      read_input(a.cert, pem_file_cap, "the certificate file"), entity_id, sso_url);
}

int run_keygen(const TestingArgs &a) {
    const ssogate::TestIdp idp(a.entity_id.empty() ? default_entity_id : a.entity_id,
                               a.ec ? ssogate::KeyType::ec_p256 : ssogate::KeyType::rsa_2048);
    write_output(a.key, idp.private_key_pem(), 0600);
    write_output(a.cert, idp.certificate_pem(), 0644);
    // The certificate's facts as an import reads them from the test IdP's own metadata.
    const auto cert = ssogate::Idp::import_metadata(idp.metadata_xml()).certificates().at(0);
    // The key itself stays in its file; only facts about it are printed.
    std::cout << "Test key written to " << a.key << " (" << cert.key_type << " " << cert.key_bits
              << " bits; a throwaway for testing, never for a real IdP)\n"
              << "Certificate written to " << a.cert << "\n"
              << "  SHA-256  " << cert.sha256 << "\n"
              << "  Subject  " << cert.subject << "\n"
              << "  Expires  " << datetime(cert.not_after) << "\n"
              << "Entity ID: " << idp.entity_id() << " (pass the same --entity-id to 'testing metadata')\n";
    return 0;
}

int run_metadata(const TestingArgs &a) {
    const auto idp = load_idp(a, a.entity_id.empty() ? default_entity_id : a.entity_id, a.sso_url);
    std::cout << idp.metadata_xml();
    return 0;
}

ssogate::TestSign sign_mode(const std::string &s) {
    if (s == "response") return ssogate::TestSign::response;
    if (s == "assertion") return ssogate::TestSign::assertion;
    if (s == "none") return ssogate::TestSign::none;
    return ssogate::TestSign::both;  // CLI11 allowed only these four values
}

// CLI11 allowed only the three names of ssogate::TestKeyPlacement.
ssogate::TestKeyPlacement key_placement(const std::string &s) {
    if (s == "retrieval-method") return ssogate::TestKeyPlacement::retrieval_method;
    if (s == "carried-key-name") return ssogate::TestKeyPlacement::carried_key_name;
    return ssogate::TestKeyPlacement::in_key_info;
}

// The NAME=VALUE specs grouped by name, in the order each name first appears. A malformed spec is put
// in `bad`, and nothing is returned.
std::vector<std::pair<std::string, std::vector<std::string>>> attributes_of(const std::vector<std::string> &specs,
                                                                            std::string &bad) {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    for (const auto &spec : specs) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0) {
            bad = spec;
            return {};
        }
        const std::string name = spec.substr(0, eq);
        auto it = out.begin();
        while (it != out.end() && it->first != name) ++it;
        if (it == out.end()) it = out.insert(out.end(), {name, {}});
        it->second.push_back(spec.substr(eq + 1));
    }
    return out;
}

int run_response(const TestingArgs &a) {
    std::string bad;
    const auto attributes = attributes_of(a.attributes, bad);
    if (!bad.empty()) {
        std::cerr << "error: --attribute wants NAME=VALUE, got '" << bad << "'\n";
        return 2;
    }
    ssogate::IdpOptions import;
    import.now = a.now.value_or(0);
    const auto conn =
        ssogate::Connection::from_json(read_input(a.connection, connection_file_cap, "the connection file"), import);

    ssogate::TestResponseParams params;
    params.connection(conn).nameid(a.nameid).sign(sign_mode(a.sign));
    if (a.now) params.now(*a.now);
    if (!a.in_response_to.empty()) params.in_response_to(a.in_response_to);
    for (const auto &[name, values] : attributes)
        for (const auto &value : values) params.add_attribute(name, value);
    if (!a.encrypt_to.empty()) {
        // Only the SP's certificate is needed: an IdP encrypts with the public key.
        params.encrypt(read_input(a.encrypt_to, pem_file_cap, "the --encrypt-to certificate file"), a.key_transport,
                       a.data_algorithm, key_placement(a.key_placement));
    }

    // By default the IdP the connection was made for, so the Issuer matches without repeating it.
    const auto idp = load_idp(a, a.entity_id.empty() ? conn.idp().entity_id() : a.entity_id);
    const ssogate::TestResponse response = idp.response(params);
    if (a.xml) {
        std::cout << response.xml;
    } else {
        std::cout << response.base64 << "\n";
    }
    return 0;
}

}  // namespace

CLI::App *add_testing_command(CLI::App &app, TestingArgs &args) {
    auto *cmd = app.add_subcommand("testing",
                                   "A testing IdP: make a throwaway key, publish its metadata, sign "
                                   "Responses for a connection (for tests only)");
    cmd->require_subcommand(1);

    auto *keygen = cmd->add_subcommand("keygen", "Write a new test key and its self-signed certificate");
    keygen->add_option("--key", args.key, "Write the private key (PEM) here")->required();
    keygen->add_option("--cert", args.cert, "Write the certificate (PEM) here")->required();
    keygen->add_option("--entity-id", args.entity_id,
                       "The test IdP's entity ID (printed back: the certificate "
                       "does not name it)");
    keygen->add_flag("--ec", args.ec, "An EC P-256 key instead of RSA-2048");

    auto *metadata = cmd->add_subcommand("metadata", "Print the test IdP's metadata, to import with 'idp import'");
    metadata->add_option("--key", args.key, "The test key (PEM)")->required();
    metadata->add_option("--cert", args.cert, "Its certificate (PEM)")->required();
    metadata->add_option("--entity-id", args.entity_id,
                         std::string("The test IdP's entity ID (default: ") + default_entity_id + ")");
    metadata->add_option("--sso-url", args.sso_url, "The single sign-on URL to publish")->capture_default_str();

    auto *response = cmd->add_subcommand("response",
                                         "Print a signed SAMLResponse (base64, as a form posts it) for "
                                         "a connection, its Assertion encrypted with --encrypt-to");
    response->add_option("CONNECTION", args.connection, "A connection JSON written by 'idp import --out'")->required();
    response->add_option("--key", args.key, "The test key (PEM)")->required();
    response->add_option("--cert", args.cert, "Its certificate (PEM)")->required();
    response->add_option("--entity-id", args.entity_id, "The Issuer (default: the connection's IdP entity ID)");
    response->add_option("--nameid", args.nameid, "The NameID, an email address")->required();
    response->add_option("--in-response-to", args.in_response_to,
                         "The AuthnRequest ID answered (default: none, an IdP-initiated login)");
    response->add_option("--attribute", args.attributes, "An attribute NAME=VALUE (repeat for more values)");
    response->add_option("--sign", args.sign, "What to sign: response, assertion, both (default) or none")
        ->check(CLI::IsMember({"response", "assertion", "both", "none"}));
    response->add_option("--now", args.now, "The clock, Unix seconds (for tests)");
    response->add_flag("--xml", args.xml, "Print the Response XML instead of base64");
    auto *encrypt_to =
        response->add_option("--encrypt-to", args.encrypt_to,
                             "Encrypt the Assertion to this SP certificate (PEM), as an IdP with assertion "
                             "encryption on does: the Assertion is signed, then encrypted, then the "
                             "Response is signed over the EncryptedAssertion (per --sign)");
    response
        ->add_option("--key-transport", args.key_transport,
                     "The key transport algorithm URI (default: http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p; "
                     "also http://www.w3.org/2009/xmlenc11#rsa-oaep and the legacy "
                     "http://www.w3.org/2001/04/xmlenc#rsa-1_5)")
        ->needs(encrypt_to);
    response
        ->add_option("--data-algorithm", args.data_algorithm,
                     "The data encryption algorithm URI (default: http://www.w3.org/2009/xmlenc11#aes256-gcm; also "
                     "...xmlenc11#aes128-gcm, http://www.w3.org/2001/04/xmlenc#aes128-cbc and ...#aes256-cbc)")
        ->needs(encrypt_to);
    response
        ->add_option("--key-placement", args.key_placement,
                     "Where the EncryptedKey goes: in-key-info (default; AD FS, Shibboleth), retrieval-method "
                     "(beside the data, as Okta sends it) or carried-key-name")
        ->check(CLI::IsMember({"in-key-info", "retrieval-method", "carried-key-name"}))
        ->needs(encrypt_to);

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
