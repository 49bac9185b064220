// IdP metadata import: the admin uploads the metadata.xml saved from their IdP.
#pragma once

#include "crypto/certificate.hpp"
#include "error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core {

inline constexpr const char *binding_redirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
inline constexpr const char *binding_post = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
inline constexpr const char *nameid_email = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

struct Endpoint {
    std::string binding;            // full binding URI
    std::string location;           // absolute URL
    std::string response_location;  // empty when absent
};

struct ImportOptions {
    // Which EntityDescriptor to take from an EntitiesDescriptor (aggregate); also checked against an
    // EntityDescriptor root when non-empty.
    std::string entity_id;
    std::size_t max_bytes = 8u << 20;
    // The clock for validUntil and certificate expiry; nullopt = the system clock.
    std::optional<std::int64_t> now;
    // When non-empty: a PEM certificate the caller trusts; the metadata must carry an enveloped
    // signature on its root that verifies with that certificate's key (federation aggregates).
    std::string trusted_signer_pem;
    // Accept rsa-sha1 / sha1 in that signature (many federation aggregates still use them). Off by
    // default: SHA-1 only by explicit opt-in (DESIGN principle 3).
    bool allow_sha1 = false;
    // Read metadata whose validUntil has passed instead of refusing it: only to load the last known
    // good copy of a connection that a refresh is about to replace (and to report it expired).
    bool accept_expired = false;
};

// Where metadata came from and how its refresh stands; empty url for a file the admin uploaded or a
// connection set up by hand. Kept in the connection's JSON.
struct MetadataSource {
    std::string url;
    std::string etag;  // the server's validators, sent back on the next refresh
    std::string last_modified;
    std::string signer_pem;         // a pinned metadata signer: every refreshed document must verify with it
    std::int64_t fetched_at = 0;    // the last successful fetch (200 or 304), Unix seconds
    std::int64_t attempted_at = 0;  // the last attempt
    std::int64_t next_refresh_at = 0;
    int consecutive_failures = 0;
    int last_error_code = 0;  // the Code of the last failed attempt, 0 after a success
    std::string last_error;
};

// Imported metadata of one IdP. Immutable and safe to share across threads.
class IdpMetadata {
public:
    const std::string &entity_id() const noexcept { return entity_id_; }
    const std::vector<Endpoint> &sso_endpoints() const noexcept { return sso_; }
    const std::vector<Endpoint> &slo_endpoints() const noexcept { return slo_; }
    const std::vector<crypto::Certificate> &signing_certificates() const noexcept { return certs_; }
    const std::vector<std::string> &nameid_formats() const noexcept { return nameid_formats_; }
    bool want_authn_requests_signed() const noexcept { return want_authn_requests_signed_; }
    std::optional<std::int64_t> valid_until() const noexcept { return valid_until_; }
    // xs:duration text as written ("PT5H"), empty when absent; and its value in seconds.
    const std::string &cache_duration() const noexcept { return cache_duration_; }
    std::optional<std::int64_t> cache_duration_seconds() const noexcept { return cache_duration_seconds_; }
    // Whether the document's own signature was verified against a caller-trusted certificate.
    bool signature_verified() const noexcept { return signature_verified_; }
    const std::vector<Warning> &warnings() const noexcept { return warnings_; }
    // The uploaded bytes, kept so that a connection can be serialised and re-imported.
    const std::string &source_xml() const noexcept { return source_xml_; }
    const MetadataSource &source() const noexcept { return source_; }

    // First SingleSignOnService with that binding URI, or nullptr.
    const Endpoint *sso_endpoint(std::string_view binding) const noexcept;

private:
    friend class MetadataImporter;
    friend std::shared_ptr<const IdpMetadata> with_source(const IdpMetadata &md, MetadataSource source);
    std::string entity_id_;
    std::vector<Endpoint> sso_, slo_;
    std::vector<crypto::Certificate> certs_;
    std::vector<std::string> nameid_formats_;
    bool want_authn_requests_signed_ = false;
    std::optional<std::int64_t> valid_until_;
    std::string cache_duration_;
    std::optional<std::int64_t> cache_duration_seconds_;
    bool signature_verified_ = false;
    std::vector<Warning> warnings_;
    std::string source_xml_;
    MetadataSource source_;
};

// A copy of `md` with another source (the parsed metadata is shared data, copied as is).
std::shared_ptr<const IdpMetadata> with_source(const IdpMetadata &md, MetadataSource source);

// Throws Error with one of the 1xx codes (see error.hpp) and a message that tells the admin what to do.
std::shared_ptr<const IdpMetadata> import_idp_metadata(std::string_view xml, const ImportOptions &options);

}  // namespace ssogate::core
