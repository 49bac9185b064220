// Error codes and the one exception type the core throws.
//
// The numbers are part of the public contract: capi/include/ssogate/ssogate.h repeats them as
// SSOGATE_* constants and capi/src static_asserts that both lists agree. A code is never renumbered
// and never reused. Groups: 1-99 usage, 1xx XML and metadata, 2xx signature, 3xx assertion and
// response conditions, 4xx state stores, 9xx internal.
#pragma once

#include "util/text.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

namespace ssogate::core {

enum class Code : int {
    ok = 0,

    // 1-99: the caller used the API wrongly or gave a bad setting.
    invalid_argument = 1,       // a NULL handle, an empty required string, an unknown enum value
    options_size = 2,           // an options struct whose struct_size is too small
    invalid_url = 3,            // a base URL, ACS URL or template that is not an absolute http(s) URL
    invalid_setting = 4,        // a connection setting out of range (clock skew > 600 s, bad domain)
    connection_json = 5,        // connection JSON that does not parse or lacks a field
    connection_version = 6,     // connection JSON written by a newer schema version
    index_out_of_range = 7,     // a getter index past the end
    return_to_not_allowed = 8,  // a login's return-to is neither a path on the service nor an allowed origin
    sp_key_invalid = 9,         // an SP signing key/certificate that does not parse, is weak, or does not match
    sp_key_required = 10,       // the IdP wants signed AuthnRequests and no SP signing key was given
    policy_denied = 11,         // the membership policy refuses the call now (confirm_join after a change)

    // 1xx: XML and metadata.
    xml_malformed = 100,               // not well-formed XML
    xml_doctype = 101,                 // DOCTYPE or entity declaration (refused before any expansion)
    input_too_large = 102,             // bytes over the configured cap
    xml_limits = 103,                  // nesting depth or node count over the cap
    encoding_invalid = 104,            // bad base64 / bad character encoding
    xml_attribute_limits = 105,        // one element with too many attributes or namespace declarations
    metadata_not_saml = 110,           // root is not md:EntityDescriptor / md:EntitiesDescriptor
    metadata_no_idp = 111,             // no IDPSSODescriptor (e.g. an SP's metadata uploaded by mistake)
    metadata_no_saml2 = 112,           // IDPSSODescriptor without the SAML 2.0 protocol
    metadata_no_sso_endpoint = 113,    // no SingleSignOnService with a supported binding
    metadata_no_signing_cert = 114,    // no usable signing certificate
    metadata_bad_cert = 115,           // a certificate that does not parse
    metadata_weak_key = 116,           // RSA < 2048 bits (or an unsupported key type)
    metadata_expired = 117,            // validUntil has passed
    metadata_ambiguous = 118,          // EntitiesDescriptor with several IdPs and no entityID chosen
    metadata_entity_not_found = 119,   // the chosen entityID is not in the document
    metadata_signature_invalid = 120,  // the metadata's own signature does not verify
    metadata_unsigned = 121,           // signature verification was asked for but there is none
    metadata_invalid = 122,            // other structural problems (missing entityID, bad URL, ...)

    // Warnings, never thrown: reported beside a successful import.
    warn_cert_expired = 180,        // a signing certificate's notAfter has passed
    warn_cert_expires_soon = 181,   // a signing certificate expires within 30 days
    warn_cert_not_yet_valid = 182,  // a signing certificate's notBefore is in the future

    // 2xx: signatures.
    signature_missing = 200,
    signature_invalid = 201,
    signature_algorithm = 202,
    signature_reference = 203,
    signature_transform = 204,
    signature_placement = 205,
    signature_malformed = 206,
    duplicate_id = 207,
    decryption_failed = 208,     // an encrypted element did not decrypt (one code for every cause)
    encryption_algorithm = 209,  // an encryption algorithm outside the connection's allow-list
    encryption_malformed = 210,  // encrypted markup outside the profile (CipherReference, a key in KeyInfo, ...)

    // 3xx: the Response and its Assertion.
    response_malformed = 300,
    response_version = 301,
    issue_instant = 302,
    destination_mismatch = 303,
    issuer_mismatch = 304,
    status_not_success = 305,
    assertion_encrypted = 306,
    assertion_count = 307,
    assertion_malformed = 308,
    subject_confirmation = 309,
    recipient_mismatch = 310,
    subject_expired = 311,
    not_yet_valid = 312,
    expired = 313,
    audience_mismatch = 314,
    in_response_to_unknown = 315,
    unsolicited_not_allowed = 316,
    authn_statement_missing = 317,
    nameid_format = 318,
    nameid_invalid = 319,
    email_domain_not_allowed = 320,
    email_attribute = 321,
    replayed = 322,
    session_expired = 323,      // AuthnStatement SessionNotOnOrAfter has passed
    condition_unknown = 324,    // a Conditions child ssogate does not understand (the assertion is Indeterminate)
    time_window_invalid = 325,  // a NotBefore that is not before its NotOnOrAfter

    // 33x: SP-initiated login (the pending AuthnRequest a response answers).
    request_unknown = 330,              // no pending request for this RelayState (unknown, already used)
    request_expired = 331,              // the pending request's time to live has passed
    request_connection_mismatch = 332,  // the pending request belongs to another connection
    relay_state_invalid = 333,          // a RelayState that ssogate cannot have issued (length, characters)
    binding_unsupported = 334,          // the IdP's metadata has no SSO endpoint for the requested binding

    // 4xx: state stores.
    store_unavailable = 400,
    store_corrupt = 401,       // the store's file is not a database, or its content is damaged
    store_schema_newer = 402,  // the store was written by a newer ssogate (schema_version too high)
    store_conflict = 403,      // the record already exists (a member, a token, a pending request)
    not_found = 404,           // no such account, connection, member, invite or token
    store_location = 405,      // a store location string that is not sqlite:PATH, memory: or redis://HOST:PORT

    // 9xx: internal.
    internal = 900,
    out_of_memory = 901,
};

// Stable upper-case name of a code ("METADATA_EXPIRED"); "UNKNOWN" for numbers not in the list.
const char *code_name(Code code) noexcept;
const char *code_name(int code) noexcept;

// The only exception type the core throws on purpose. `message` is for the operator: it says what
// was expected and what came, and never contains key material or whole documents. It is kept as
// valid UTF-8 whatever the values it quotes held, so every host can turn it into a string.
class Error : public std::runtime_error {
public:
    Error(Code code, std::string_view message) : std::runtime_error(util::valid_utf8(message)), code_(code) {}
    Code code() const noexcept { return code_; }

private:
    Code code_;
};

[[noreturn]] inline void fail(Code code, std::string message) { throw Error(code, std::move(message)); }

// A non-fatal finding (e.g. an expired signing certificate) reported beside a successful result.
struct Warning {
    Code code;
    std::string message;
};

}  // namespace ssogate::core
