// The plain-words hints an explanation adds by the code of a failing check (the hints that need the
// compared values, such as the signing key, the ACS URL or the clock, are written by the Verifier's
// steps themselves in verify.cpp). Words only: no check is made here.
#include "response/explain.hpp"

#include "util/text.hpp"

#include <algorithm>

namespace ssogate::core {

void add_code_hints(const Connection &connection, Explanation &out);

namespace {

void add(Explanation &out, const char *name, std::string text) {
    const bool known = std::any_of(out.hints.begin(), out.hints.end(), [&](const Hint &h) { return h.name == name; });
    if (!known) out.hints.push_back(Hint{name, std::move(text)});
}

void hint_for(const Connection &conn, const CheckResult &c, Explanation &out) {
    const std::string sp = util::quoted(conn.sp_entity_id());
    switch (c.code) {
    case Code::audience_mismatch:
        add(out, "audience_mismatch",
            "The IdP app's audience must be this connection's SP entity ID, " + sp +
                ". In Okta: SAML Settings > Audience URI (SP Entity ID); in Entra: Basic SAML Configuration > "
                "Identifier (Entity ID).");
        break;
    case Code::unsolicited_not_allowed:
        add(out, "idp_initiated_not_allowed",
            "The login was started from the IdP (its dashboard tile), which this connection refuses: enable "
            "allow_idp_initiated on the connection to accept such logins, or start the login from the app's "
            "sign-in page.");
        break;
    case Code::in_response_to_unknown:
        add(out, "request_unknown",
            "The response answers an AuthnRequest this browser is not waiting for: the login was started in "
            "another browser or tab, the pending request expired or was already answered, or the session that "
            "held it was lost on the way back (a cookie blocked by SameSite, or a different host name). Start "
            "the login again from the app's sign-in page.");
        break;
    case Code::assertion_encrypted:
        add(out, "decryption_key_missing",
            "The IdP encrypts the assertion: give verification the SP private key whose certificate the "
            "connection publishes in its SP metadata, or turn assertion encryption off in the IdP app.");
        break;
    case Code::signature_missing:
        add(out, "unsigned",
            "The IdP signs neither the response nor the assertion. In Okta: SAML Settings > Assertion "
            "Signature: Signed (and Response: Signed); in Entra: SAML Signing Certificate > Signing Option.");
        break;
    case Code::signature_algorithm:
        add(out, "signature_algorithm",
            "The IdP signs with an algorithm ssogate does not accept here (SHA-1 is refused unless the connection "
            "sets allow_sha1). Set the IdP app's signature algorithm to RSA-SHA256 (Okta: SAML Settings > "
            "Signature Algorithm; Entra: SAML Signing Certificate > Signing Algorithm).");
        break;
    case Code::email_domain_not_allowed:
        add(out, "email_domain_not_allowed",
            "The user's email domain is not among the connection's allowed_email_domains: add the domain there if "
            "these users belong to the account.");
        break;
    case Code::authn_statement_missing:
        add(out, "authn_statement_missing",
            "The assertion has no AuthnStatement: the IdP app is not set up for SAML 2.0 Web SSO (a different "
            "SAML profile or a test tool's bare assertion).");
        break;
    case Code::email_attribute:
        add(out, "email_attribute",
            "The connection reads the email from the attribute " + util::quoted(conn.settings().email_attribute) +
                ": add it to the IdP app's attribute statements with the user's email as its one value, or clear "
                "email_attribute to read the email from the NameID.");
        break;
    default: break;
    }
}

}  // namespace

void add_code_hints(const Connection &connection, Explanation &out) {
    for (const CheckResult &c : out.checks)
        if (c.status == CheckStatus::fail) hint_for(connection, c, out);
}

}  // namespace ssogate::core
