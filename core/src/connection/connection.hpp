// A connection: one IdP of an account (what an admin's "+ New Identity Provider" then "Save" makes).
#pragma once

#include "metadata/idp.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core {
namespace crypto {
class KeySet;
}

struct ConnectionSettings {
    bool allow_idp_initiated = false;                // accept unsolicited responses (login from the IdP dashboard)
    bool jit_provisioning = false;                   // newcomers from allowed domains are prompted to join
    int clock_skew_seconds = 180;                    // 0..600
    bool allow_sha1 = false;                         // accept rsa-sha1 / sha1 digests (legacy IdPs), off by default
    std::vector<std::string> allowed_email_domains;  // lower-case; empty = any domain
    std::string email_attribute;                     // when set, the email is read from this attribute, not NameID
    // Origins ("https://app.example.com", scheme://host[:port], lower-cased, default port dropped)
    // that an SP-initiated login may return to with an absolute URL; paths on the service ("/x") are
    // always allowed. Empty: relative paths only. Optional in the JSON (added after schema 1 shipped).
    std::vector<std::string> allowed_return_origins;
    // RSA-1_5 key transport for encrypted assertions (open to Bleichenbacher's attack): off unless a
    // legacy IdP needs it. Optional in the JSON.
    bool allow_rsa_1_5 = false;
    // SP encryption certificates (and the keys given to verification) of 1024 to 2047 bits: only for
    // test keys published by other projects; a real SP key has 2048 bits or more. Optional in the JSON.
    bool allow_legacy_sp_key = false;
};

struct ConnectionParams {
    std::string base_url;  // "https://app.example.com"; required unless both URLs are explicit
    std::string id;        // empty: 128 random bits, base64url
    std::string description;
    std::string acs_url;       // explicit ACS URL (an IdP app that already exists); empty = template
    std::string sp_entity_id;  // explicit SP entity ID; empty = template
    std::string acs_url_template = "{base}/sso/saml/{id}/acs";
    std::string sp_entity_id_template = "{base}/sso/saml/{id}";
    ConnectionSettings settings;
    // Optional: the certificate of the SP signing key the host begins logins with. Published in the SP
    // metadata (KeyDescriptor use="signing"), and begin_login then refuses a key with another
    // certificate (the IdP would not verify its signatures).
    std::string sp_certificate_pem;
    // The certificates of the SP's encryption keys (PEM, RSA): the current one and, during a
    // rollover, the next. The IdP encrypts assertions to one of them (SP metadata lists each as a
    // KeyDescriptor use="encryption"); the private keys stay with the host, which gives them to
    // verification (VerifyContext::decryption_keys, the Gate's keys).
    std::vector<std::string> sp_encryption_certificates_pem;
};

inline constexpr int connection_schema_version = 1;

// Immutable and safe to share across threads.
class Connection {
public:
    const std::string &id() const noexcept { return id_; }
    const std::string &description() const noexcept { return description_; }
    const std::string &acs_url() const noexcept { return acs_url_; }
    const std::string &sp_entity_id() const noexcept { return sp_entity_id_; }
    const ConnectionSettings &settings() const noexcept { return settings_; }
    const std::shared_ptr<const IdpMetadata> &idp() const noexcept { return idp_; }
    const std::string &sp_certificate_pem() const noexcept { return sp_certificate_pem_; }
    const std::vector<crypto::Certificate> &sp_encryption_certificates() const noexcept { return encryption_certs_; }
    // The same certificates as PEM text, in the same order.
    const std::vector<std::string> &sp_encryption_certificate_pems() const noexcept { return encryption_cert_pems_; }

    // {"schema_version":1, ...} including the IdP metadata bytes, so a host can keep it in its database.
    std::string to_json() const;
    // SAML 2.0 SP metadata (SPSSODescriptor) for IdPs that import it. AuthnRequestsSigned says what
    // the connection does (signs_every_request()); the SP certificate, when set, is its signing
    // KeyDescriptor.
    std::string sp_metadata() const;
    // Whether every AuthnRequest begun for this connection is signed: the IdP's metadata says
    // WantAuthnRequestsSigned, so begin_login refuses an unsigned one (SP_KEY_REQUIRED).
    bool signs_every_request() const noexcept;

    // The IdP's verification keys, decoded once on first use and shared by every later login
    // (thread-safe; defined in response/verify.cpp).
    const crypto::KeySet &verification_keys() const;

private:
    friend std::shared_ptr<const Connection> make_connection(std::shared_ptr<const IdpMetadata>,
                                                             const ConnectionParams &);
    friend std::shared_ptr<const Connection> with_idp(const Connection &, std::shared_ptr<const IdpMetadata>);
    std::string id_, description_, acs_url_, sp_entity_id_, sp_certificate_pem_;
    ConnectionSettings settings_;
    std::vector<crypto::Certificate> encryption_certs_;
    std::vector<std::string> encryption_cert_pems_;
    std::shared_ptr<const IdpMetadata> idp_;
    mutable std::once_flag keys_once_;
    mutable std::shared_ptr<const crypto::KeySet> keys_;
};

// The origin of an absolute http(s) URL as browsers compare it: "scheme://host[:port]", scheme and
// host lower-cased, the default port dropped. Throws Error{invalid_setting} for anything else.
std::string normalise_origin(std::string_view url);

// Validates every parameter (invalid_url, invalid_setting, invalid_argument).
std::shared_ptr<const Connection> make_connection(std::shared_ptr<const IdpMetadata> idp,
                                                  const ConnectionParams &params);
// The same connection (id, URLs, settings, SP certificates) over other IdP metadata: a refresh's
// result. The SP side is copied, not validated again.
std::shared_ptr<const Connection> with_idp(const Connection &c, std::shared_ptr<const IdpMetadata> idp);

// Refuses malformed JSON (connection_json) and newer schemas (connection_version); re-imports the
// IdP metadata it carries with `import` (so an expired validUntil is refused, as on first import).
std::shared_ptr<const Connection> connection_from_json(std::string_view json, const ImportOptions &import = {});

}  // namespace ssogate::core
