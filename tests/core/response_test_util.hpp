// Shared by the response_*, attack_* and testing_idp_* tests: a connection for a TestIdp, a frozen
// clock, and "expect this exact code" helpers.
#pragma once

#include "connection/connection.hpp"
#include "crypto/keys.hpp"
#include "error.hpp"
#include "response/verify.hpp"
#include "store/replay_memory.hpp"
#include "testing/idp.hpp"
#include "util/encoding.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace ssogate::core::test {

inline std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Minimal IdP metadata wrapping one PEM certificate, for responses that come with a .crt only.
inline std::string metadata_for_pem(const std::string &entity_id, const std::string &pem) {
    auto cert = crypto::parse_certificate_pem(pem);
    return "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"" + entity_id +
           "\"><md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
           "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
           "<ds:X509Data><ds:X509Certificate>" +
           util::base64_encode(cert.der) +
           "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
           "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
           "Location=\"https://idp.invalid/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>";
}

inline constexpr const char *acs = "https://app.example.com/sso/saml/c1/acs";
inline constexpr const char *sp_entity = "https://app.example.com/sso/saml/c1";
inline constexpr std::int64_t t0 = 1767225600;  // 2026-01-01T00:00:00Z

inline std::shared_ptr<const Connection> connection_for(std::shared_ptr<const IdpMetadata> idp,
                                                        ConnectionSettings settings = {}) {
    ConnectionParams p;
    p.id = "c1";
    p.acs_url = acs;
    p.sp_entity_id = sp_entity;
    p.settings = std::move(settings);
    return make_connection(std::move(idp), p);
}

// Runs verify_response and returns the code (ok on success).
struct Outcome {
    Code code = Code::ok;
    std::string message;
    std::string user_message;
    VerifiedLogin login;
};

inline Outcome run_verify(const Connection &conn, const std::string &b64, VerifyContext ctx) {
    Outcome o;
    try {
        o.login = verify_response(conn, b64, ctx);
    } catch (const Rejection &r) {
        o.code = r.code();
        o.message = r.what();
        o.user_message = r.user_message();
    }
    return o;
}

#define EXPECT_CODE(outcome, expected) \
    EXPECT_EQ(code_name((outcome).code), std::string(code_name(expected))) << (outcome).message

}  // namespace ssogate::core::test
