#include "fixtures.hpp"

#include "crypto/sign.hpp"
#include "response/verify.hpp"
#include "util/encoding.hpp"

#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace ssogate::bench {
namespace {

using core::testing::TestAttribute;

// What an Okta app typically sends: a few profile attributes and a group list.
std::vector<TestAttribute> okta_attributes() {
    const std::string unspecified = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";
    return {
        {"firstName", {"Jane"}, unspecified, ""},
        {"lastName", {"Doe"}, unspecified, ""},
        {"email", {"jane.doe@example.com"}, unspecified, ""},
        {"department", {"Platform Engineering"}, unspecified, ""},
        {"groups", {"Everyone", "engineering", "dashboard-admins", "vpn-users"}, unspecified, ""},
    };
}

std::vector<TestAttribute> many_attributes(int n) {
    std::vector<TestAttribute> out;
    for (int i = 0; i < n; ++i) {
        out.push_back({"urn:oid:1.3.6.1.4.1.99999.1." + std::to_string(i),
                       {"value " + std::to_string(i) + " of a large profile"},
                       "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                       "attribute" + std::to_string(i)});
    }
    return out;
}

Fixture make(const core::testing::TestIdp &idp, std::string name, std::vector<TestAttribute> attributes,
             std::optional<core::testing::Encryption> encrypt = std::nullopt) {
    core::testing::ResponseOptions o;
    o.now = signed_at;
    o.acs_url = acs_url;
    o.sp_entity_id = sp_entity_id;
    o.in_response_to = request_id;
    o.nameid = "jane.doe@example.com";
    o.session_index = "_b7e6d5c4b3a2918f7e6d5c4b3a291807";
    o.sign = core::testing::Sign::both;  // Okta with "Assertion Signature: Signed" signs both
    o.attributes = std::move(attributes);
    o.encrypt = std::move(encrypt);
    Fixture f;
    f.name = std::move(name);
    f.xml = idp.response_xml(o);
    f.base64 = core::util::base64_encode(f.xml);
    return f;
}

Fixtures build() {
    Fixtures fx;
    fx.idp = std::make_unique<core::testing::TestIdp>("http://www.okta.com/exk1bench0000000000");
    fx.metadata_xml = fx.idp->metadata_xml("https://example.okta.com/app/bench/sso/saml");
    core::ImportOptions import;
    import.now = signed_at;
    core::ConnectionParams params;
    params.id = connection_id;
    params.acs_url = acs_url;
    params.sp_entity_id = sp_entity_id;
    const auto idp = core::import_idp_metadata(fx.metadata_xml, import);
    fx.connection = core::make_connection(idp, params);
    fx.typical = make(*fx.idp, "typical", okta_attributes());
    fx.large = make(*fx.idp, "large", many_attributes(200));

    // The SP's encryption key pair: an RSA-2048 key and its self-signed certificate, as the testing
    // IdP makes its own.
    const core::testing::TestIdp sp_key_maker("https://dashboard.example.com/sp-encryption-key");
    fx.decryption_keys = {
        core::crypto::SigningKey::from_pem(sp_key_maker.private_key_pem(), sp_key_maker.certificate_pem())};
    params.sp_encryption_certificates_pem = {sp_key_maker.certificate_pem()};
    fx.encrypted_connection = core::make_connection(idp, params);
    core::testing::Encryption encryption;  // the defaults: rsa-oaep-mgf1p, aes256-gcm, in the KeyInfo
    encryption.certificate_pem = sp_key_maker.certificate_pem();
    fx.encrypted = make(*fx.idp, "encrypted", okta_attributes(), encryption);

    // A benchmark of a refusal would measure the wrong path: check every fixture is accepted first.
    AcceptEveryReplayCache replay;
    core::VerifyContext ctx;
    ctx.now = verified_at;
    ctx.pending_request_ids = {request_id};
    ctx.replay = &replay;
    ctx.decryption_keys = &fx.decryption_keys;
    for (const Fixture *f : {&fx.typical, &fx.large, &fx.encrypted}) {
        const core::Connection &conn = f == &fx.encrypted ? *fx.encrypted_connection : *fx.connection;
        auto login = core::verify_response(conn, f->base64, ctx);
        if (login.email != "jane.doe@example.com") throw std::runtime_error("fixture " + f->name + " misread");
    }
    if (fx.encrypted.xml.find("EncryptedAssertion") == std::string::npos)
        throw std::runtime_error("fixture encrypted is not encrypted");
    return fx;
}

}  // namespace

const Fixtures &fixtures() {
    static const Fixtures fx = build();
    return fx;
}

}  // namespace ssogate::bench
