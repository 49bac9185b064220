// The testing IdP's side of an SP-initiated login: it reads the AuthnRequest as a real IdP receives
// it (the HTTP-Redirect URL, or the SAMLRequest form value of HTTP-POST) and checks it against the
// connection, so that a host's own tests can run begin -> IdP -> ACS without decoding anything by hand.
#pragma once

#include "connection/connection.hpp"

#include <string>
#include <string_view>

namespace ssogate::core::testing {

struct ReceivedRequest {
    std::string id;           // the AuthnRequest ID: the Response's InResponseTo
    std::string relay_state;  // the RelayState of a Redirect URL; "" for a POST form value
    bool is_signed = false;   // a Signature parameter (Redirect) or a ds:Signature element (POST)
};

// `request`: a URL or query string carrying SAMLRequest (DEFLATE + base64, percent-encoded) and
// optionally RelayState, SigAlg and Signature; or the SAMLRequest form value of HTTP-POST (base64 of
// the XML). The XML is parsed with the hardened parser and must be a samlp:AuthnRequest of Version
// 2.0 with an ID, an Issuer equal to the connection's SP entity ID, an AssertionConsumerServiceURL
// (when present) equal to its ACS URL, a ProtocolBinding (when present) of HTTP-POST, and a
// Destination (when present) among the IdP's SSO URLs. When the IdP wants signed requests, a
// signature must be present (its validity is the real IdP's business and is not checked here).
// Throws Error{invalid_argument} saying what was wrong.
ReceivedRequest read_authn_request(std::string_view request, const Connection &connection);

}  // namespace ssogate::core::testing
