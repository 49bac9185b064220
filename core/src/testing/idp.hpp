// A testing IdP: makes its own key and self-signed certificate, publishes IdP metadata for itself,
// and signs SAML Responses with xmlsec1 (enveloped, exclusive c14n) with the knobs tests need. For
// tests only: the key lives in memory, and anything signed by it proves nothing to a real SP.
#pragma once

#include "metadata/idp.hpp"

#include <libxml/tree.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ssogate::core::testing {

enum class KeyType { rsa2048, ec_p256 };
enum class Sign { none, response, assertion, both };

struct TestAttribute {
    std::string name;
    std::vector<std::string> values;
    std::string name_format = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";
    std::string friendly_name;  // omitted when empty
};

struct ResponseOptions {
    std::int64_t now = 0;        // IssueInstant and AuthnInstant; the windows below default around it
    std::string acs_url;         // Destination and Recipient unless overridden
    std::string sp_entity_id;    // Audience unless overridden
    std::string in_response_to;  // empty: unsolicited (no InResponseTo anywhere)

    std::optional<std::string> destination;               // nullopt: acs_url; "": no Destination attribute
    std::optional<std::string> recipient;                 // nullopt: acs_url
    std::optional<std::string> audience;                  // nullopt: sp_entity_id; "": no AudienceRestriction
    std::optional<std::string> issuer;                    // nullopt: the IdP's entity ID (Response and Assertion)
    std::optional<std::int64_t> issue_instant;            // nullopt: now
    std::optional<std::int64_t> not_before;               // nullopt: now - 60
    std::optional<std::int64_t> not_on_or_after;          // nullopt: now + 300
    std::optional<std::int64_t> subject_not_on_or_after;  // nullopt: now + 300
    std::string nameid = "alice@example.com";
    std::string nameid_format = nameid_email;  // "": no Format attribute
    std::vector<TestAttribute> attributes;
    std::string status = "urn:oasis:names:tc:SAML:2.0:status:Success";
    std::string sub_status;      // second-level StatusCode, omitted when empty
    std::string status_message;  // omitted when empty
    std::string session_index = "_session-1";
    bool authn_statement = true;
    std::string response_id;   // empty: a fresh random ID
    std::string assertion_id;  // empty: a fresh random ID

    Sign sign = Sign::both;
    std::string signature_method;  // empty: rsa-sha256 (RSA key) or ecdsa-sha256 (EC key)
    std::string digest_method;     // empty: sha256
    // ec:InclusiveNamespaces PrefixList of each signature's exclusive c14n Transform and of its
    // CanonicalizationMethod; empty: none (Okta, for one, sends PrefixList="xs" on the Transform).
    std::string transform_prefixes;
    std::string c14n_prefixes;
};

class TestIdp {
public:
    explicit TestIdp(std::string entity_id = "https://idp.test.example/saml", KeyType type = KeyType::rsa2048);
    // With a given key and its certificate (PEM), for vectors that must verify with a committed
    // certificate (tests/vectors/attacks). The key type (RSA or EC) is read from the key; a key that
    // does not match the certificate is refused with invalid_argument.
    TestIdp(std::string entity_id, const std::string &key_pem, const std::string &cert_pem);
    ~TestIdp();
    TestIdp(const TestIdp &) = delete;
    TestIdp &operator=(const TestIdp &) = delete;

    const std::string &entity_id() const noexcept { return entity_id_; }
    const std::string &certificate_pem() const noexcept { return cert_pem_; }
    const std::string &certificate_der() const noexcept { return cert_der_; }
    // The private key (PEM, unencrypted), so `ssogate testing keygen` can save a generated test key.
    const std::string &private_key_pem() const noexcept { return key_pem_; }
    // IdP metadata for import_idp_metadata(): this certificate, emailAddress NameID format, SSO at
    // `sso_url` with the Redirect and POST bindings.
    std::string metadata_xml(const std::string &sso_url = "https://idp.test.example/sso") const;
    // The metadata already imported.
    std::shared_ptr<const IdpMetadata> metadata() const;

    // The Response XML, signed as options.sign says.
    std::string response_xml(const ResponseOptions &options) const;
    // The same, base64 as an HTML form posts it.
    std::string response_base64(const ResponseOptions &options) const;
    // The unsigned Response XML (tests that edit before signing with sign_element()).
    std::string unsigned_response_xml(const ResponseOptions &options) const;

    // Adds an enveloped exc-c14n signature to `element` (which must carry an ID attribute already
    // registered with xmlAddID), placed after its saml:Issuer child (or first). Methods are URIs;
    // empty means the defaults above. The KeyInfo carries this IdP's certificate.
    // `transform_prefixes` and `c14n_prefixes`: as in ResponseOptions.
    void sign_element(xmlDoc *doc, xmlNode *element, const std::string &signature_method = {},
                      const std::string &digest_method = {}, const std::string &transform_prefixes = {},
                      const std::string &c14n_prefixes = {}) const;

private:
    std::string entity_id_;
    KeyType type_;
    std::string key_pem_, cert_pem_, cert_der_;
};

// Serialises a document without reformatting (signatures stay valid).
std::string serialize(xmlDoc *doc);

}  // namespace ssogate::core::testing
