// SP-initiated login: the product sends the browser to the IdP with an AuthnRequest, and
// matches the IdP's answer at the ACS to that request.
//
// The request's state lives server-side in a PendingRequests store, keyed by an opaque RelayState
// token that travels with the browser to the IdP and back. No cookie is needed, so the IdP's
// cross-site POST to the ACS works whatever the browser's SameSite rules. The return-to address is
// validated when the login begins, stored with the request, and never read from the IdP's POST, so
// the ACS cannot be used as an open redirect.
#pragma once

#include "connection/connection.hpp"
#include "crypto/sign.hpp"
#include "response/verify.hpp"
#include "store/pending_requests.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ssogate::core {

// The SP's signing key and certificate, held by the host (never in a connection's JSON).
using SpKey = crypto::SigningKey;

enum class LoginBinding { redirect, post };

inline constexpr std::int64_t default_login_ttl_seconds = 600;
inline constexpr std::int64_t max_login_ttl_seconds = 86400;
// SAML bindings 3.4.3 / 3.5.3: RelayState MUST NOT exceed 80 bytes.
inline constexpr std::size_t max_relay_state_bytes = 80;
// The text of the one inline script of the POST form. It never changes, so a Content-Security-Policy
// can allow exactly it with `script-src 'sha256-<base64 SHA-256 of this text>'` (docs give the
// value; a test recomputes it).
inline constexpr const char *post_form_script = "document.forms[0].submit();";

struct LoginOptions {
    LoginBinding binding = LoginBinding::redirect;
    // Where to send the user after the login: "" (none), a path on the service ("/dashboard?x=1"),
    // or an absolute URL whose origin is in the connection's allowed_return_origins.
    std::string return_to;
    // Signs the request when set. Required when the IdP's metadata says WantAuthnRequestsSigned.
    std::shared_ptr<const SpKey> sp_key;
    bool force_authn = false;                              // ForceAuthn="true": the IdP must authenticate again
    bool is_passive = false;                               // IsPassive="true": the IdP must not interact with the user
    std::int64_t ttl_seconds = default_login_ttl_seconds;  // 1..86400
    std::optional<std::int64_t> now;                       // nullopt: the system clock
};

struct BegunLogin {
    std::string request_id;   // the AuthnRequest ID (InResponseTo in the answer)
    std::string relay_state;  // the opaque token that finds the request at the ACS
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
    LoginBinding binding = LoginBinding::redirect;
    std::string destination;  // the IdP's SSO URL for the binding
    bool is_signed = false;
    // The AuthnRequest as sent: for HTTP-POST with signing, with its enveloped signature; for
    // HTTP-Redirect, the document that was deflated (the signature is in the URL).
    std::string xml;
    std::string redirect_url;    // HTTP-Redirect only ("" for POST): send the browser here (303)
    std::string post_form_html;  // HTTP-POST only ("" for Redirect): serve this page
};

// Validates a return-to address for `connection`; returns it unchanged. Throws
// Error{return_to_not_allowed} naming the rule it breaks. Accepted: "" (none); a path on the service
// that starts with exactly one "/" and holds only printable ASCII without "\"; an absolute http(s)
// URL whose origin is in settings().allowed_return_origins.
std::string check_return_to(const Connection &connection, std::string_view return_to);

// Builds the AuthnRequest for `connection` and records it in `store` under a fresh RelayState token.
// Throws Error: binding_unsupported (the IdP has no SSO endpoint for the binding; the message lists
// those it has), sp_key_required, sp_key_invalid (the key's certificate is not the connection's SP
// certificate, which its SP metadata publishes), return_to_not_allowed, invalid_argument (ttl), or
// what the store throws (store_unavailable, store_conflict).
BegunLogin begin_login(const Connection &connection, store::PendingRequests &store, const LoginOptions &options);

struct FinishedLogin {
    VerifiedLogin login;
    std::string return_to;   // as validated when the login began; "" for none or an unsolicited login
    std::string request_id;  // the AuthnRequest answered; "" for an unsolicited login
};

// Verifies the SAMLResponse posted to the ACS together with its RelayState.
//
//  - A RelayState must be one that begin_login issued: the pending request is taken from the store
//    (exactly once) BEFORE the response is verified, then the response must answer that request
//    (InResponseTo equal to its ID). Taking first means a request can be consumed only by the
//    browser that holds its token, and never twice; a response that then fails verification has
//    used it up, and the user starts again. Refusals: relay_state_invalid (not a token's shape),
//    request_unknown (unknown or already used), request_expired, request_connection_mismatch.
//  - No RelayState (an IdP that drops it, or an IdP-initiated login): when the response carries an
//    InResponseTo, it is verified first and the request is then taken by (connection, request ID):
//    request IDs travel in URLs and are not secret, so a forged response naming one must not be
//    able to use the request up. Without InResponseTo it is an unsolicited login, accepted only
//    with allow_idp_initiated.
// `context` is used as given except pending_request_ids and pending, which this function sets.
// Every refusal is a Rejection (store failures as store_unavailable).
FinishedLogin finish_login(const Connection &connection, store::PendingRequests &store, std::string_view relay_state,
                           std::string_view saml_response_b64, const VerifyContext &context);

// Exposed for tests: raw DEFLATE (RFC 1951, no zlib header) as the Redirect binding uses, and the
// URL encoding used both in the redirect URL and in the string its signature covers.
std::string raw_deflate(std::string_view bytes);
std::string raw_inflate(std::string_view bytes, std::size_t max_bytes);
std::string url_encode(std::string_view value);

}  // namespace ssogate::core
