// SAML Response verification at the ACS (DESIGN "The ACS path"). One call: the connection, the
// SAMLResponse form value as posted, and a context; out comes a VerifiedLogin or a Rejection.
#pragma once

#include "connection/connection.hpp"
#include "crypto/keys.hpp"
#include "crypto/xmlenc.hpp"
#include "error.hpp"
#include "store/pending_requests.hpp"
#include "store/replay.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core {

struct VerifyContext {
    // The clock for every time check, Unix seconds; nullopt = the system clock.
    std::optional<std::int64_t> now;
    // IDs of the AuthnRequests this browser sent (from the host's session); empty for none. A
    // Response's InResponseTo must be one of them.
    std::vector<std::string> pending_request_ids;
    // Optional: when set, the matched request is taken from this store (take_by_request_id with the
    // connection's id) after every other check passed, so two logins cannot answer one request. A
    // host that already took the request by its RelayState token leaves this null.
    store::PendingRequests *pending = nullptr;
    // Required (nullptr throws Error{invalid_argument}), so replay protection cannot be forgotten.
    ReplayCache *replay = nullptr;
    // Cap on the decoded Response size (INPUT_TOO_LARGE above it).
    std::size_t max_bytes = 1u << 20;
    // Oldest (and furthest in the future) an IssueInstant may be, plus the connection's clock skew.
    std::int64_t max_age_seconds = 600;
    // The SP's private encryption keys the host holds (with their certificates). Only those whose
    // certificate is one of the connection's SP encryption certificates are tried; none: an
    // EncryptedAssertion is refused (ASSERTION_ENCRYPTED).
    const crypto::DecryptionKeys *decryption_keys = nullptr;
};

struct Attribute {
    std::string name;
    std::string name_format;    // empty when absent
    std::string friendly_name;  // empty when absent
    std::vector<std::string> values;
};

// Built only from the Assertion node that a verified signature covers.
struct VerifiedLogin {
    std::string email;  // local@domain, the domain lower-cased
    std::string nameid;
    std::string nameid_format;  // as sent; empty when absent (unspecified)
    std::string idp_entity_id;
    std::string connection_id;
    std::string assertion_id;
    std::string session_index;  // empty when absent
    std::int64_t authn_instant = 0;
    std::optional<std::int64_t> session_not_on_or_after;
    std::vector<Attribute> attributes;
    std::string in_response_to;  // empty for an unsolicited (IdP-initiated) login
};

// A refused login. code() and what() are for the operator (what was expected, what came, which
// certificates were tried, which time with which skew); user_message() is safe to show the end user.
// Every failure of verify_response() after the argument checks is a Rejection, including the XML,
// base64 and store errors (1xx, 4xx) met on the way.
class Rejection : public Error {
public:
    Rejection(Code code, std::string_view message);
    // A refusal that came after the signature covering the Assertion verified.
    Rejection(Code code, std::string_view message, std::string signed_identity);
    const std::string &user_message() const noexcept { return user_message_; }
    // Who the refused login was for, when the refusal came after the signature covering the
    // Assertion verified (IdP-initiated not allowed, NameID format, domain, replay, a store that could
    // not answer, ...): the identity the signed Assertion states (signed_identity_of). nullopt when
    // the refusal came before any signature verified: then nothing the sender chose is reported.
    const std::optional<std::string> &signed_identity() const noexcept { return signed_identity_; }
    // This refusal, marked as coming after verification with `identity`.
    Rejection with_signed_identity(std::string identity) const;

private:
    std::string user_message_;
    std::optional<std::string> signed_identity_;
};

// The identity a verified login is for, as a Rejection after verification carries it: the email in
// the form every store keys it by (util::normalize_email).
std::string signed_identity_of(const VerifiedLogin &login);

// The end-user text for a code: generic, names the code for the admin, never echoes input.
std::string user_message_for(Code code);

// Verifies a SAMLResponse (base64, line breaks allowed) for `connection`. Throws Rejection, or
// Error{invalid_argument} when context.replay is null.
VerifiedLogin verify_response(const Connection &connection, std::string_view saml_response_b64,
                              const VerifyContext &context);
// The same with explicit keys (a KeySet built once from the connection's IdP metadata).
VerifiedLogin verify_response(const Connection &connection, const crypto::KeySet &keys,
                              std::string_view saml_response_b64, const VerifyContext &context);
// The same on already-decoded XML (the CLI and tests); the size cap applies to the XML bytes.
VerifiedLogin verify_response_xml(const Connection &connection, const crypto::KeySet &keys, std::string_view xml,
                                  const VerifyContext &context);

// The longest SAMLResponse form value verify_response() reads for a cap of `max_bytes` decoded bytes:
// the base64 of that many bytes, twice over for line breaks, plus a little. Anything longer is refused
// (INPUT_TOO_LARGE) before a byte of it is decoded; a host may apply the same bound while reading.
std::size_t max_form_value_bytes(std::size_t max_bytes) noexcept;

}  // namespace ssogate::core
