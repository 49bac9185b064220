#include "connection/connection.hpp"
#include "support.hpp"
#include "xml/xml.hpp"

#include <nlohmann/json.hpp>

namespace ssogate::core {
namespace {

using test::crafted;
using test::expect_code;
using test::fixed_now;
using test::interop;

std::shared_ptr<const IdpMetadata> okta() {
    ImportOptions o;
    o.now = fixed_now();
    return import_idp_metadata(interop("metadata/okta-1.xml"), o);
}

ConnectionParams params(std::string base = "https://app.example.com", std::string id = "acme") {
    ConnectionParams p;
    p.base_url = std::move(base);
    p.id = std::move(id);
    return p;
}

ImportOptions at_fixed_now() {
    ImportOptions o;
    o.now = fixed_now();
    return o;
}

TEST(Connection, DerivesUrlsFromBaseAndId) {
    auto c = make_connection(okta(), params("https://app.example.com/", "acme"));
    EXPECT_EQ(c->id(), "acme");
    EXPECT_EQ(c->acs_url(), "https://app.example.com/sso/saml/acme/acs");
    EXPECT_EQ(c->sp_entity_id(), "https://app.example.com/sso/saml/acme");
    EXPECT_EQ(c->idp()->entity_id(), "http://www.okta.com/exkppsa1qwuFV4D7z0h7");
    EXPECT_FALSE(c->settings().allow_idp_initiated);
    EXPECT_FALSE(c->settings().jit_provisioning);
    EXPECT_EQ(c->settings().clock_skew_seconds, 180);

    auto under_path = make_connection(okta(), params("http://localhost:8080/app", "x_1-Y"));
    EXPECT_EQ(under_path->acs_url(), "http://localhost:8080/app/sso/saml/x_1-Y/acs");
}

TEST(Connection, GeneratesUrlSafeIds) {
    auto a = make_connection(okta(), params("https://app.example.com", ""));
    auto b = make_connection(okta(), params("https://app.example.com", ""));
    EXPECT_EQ(a->id().size(), 22u);  // 128 bits, base64url without padding
    EXPECT_NE(a->id(), b->id());
    EXPECT_EQ(a->acs_url(), "https://app.example.com/sso/saml/" + a->id() + "/acs");
}

TEST(Connection, TemplatesAndExplicitUrls) {
    ConnectionParams p = params();
    p.acs_url_template = "{base}/auth/{id}/saml/consume";
    p.sp_entity_id_template = "urn:example:sp:{id}";
    auto c = make_connection(okta(), p);
    EXPECT_EQ(c->acs_url(), "https://app.example.com/auth/acme/saml/consume");
    EXPECT_EQ(c->sp_entity_id(), "urn:example:sp:acme");

    ConnectionParams explicit_urls;
    explicit_urls.id = "acme";
    explicit_urls.acs_url = "https://legacy.example.com/saml/acs?tenant=7";
    explicit_urls.sp_entity_id = "legacy-app";
    c = make_connection(okta(), explicit_urls);  // no base URL needed
    EXPECT_EQ(c->acs_url(), "https://legacy.example.com/saml/acs?tenant=7");
    EXPECT_EQ(c->sp_entity_id(), "legacy-app");

    p = params();
    p.acs_url_template = "{base}/{tenant}/acs";
    expect_code(Code::invalid_url, [&] { make_connection(okta(), p); });
}

TEST(Connection, RefusesBadUrlsAndIds) {
    expect_code(Code::invalid_argument, [] { make_connection(nullptr, params()); });
    for (const char *base : {"", "app.example.com", "ftp://app.example.com", "https://app.example.com/?x=1",
                             "https://app.example.com/#top", "https://app example.com"})
        expect_code(Code::invalid_url, [&] { make_connection(okta(), params(base)); });
    for (const char *id :
         {"a/b", "a b", "ünï", "a.b", "0123456789012345678901234567890123456789012345678901234567890123456789"})
        expect_code(Code::invalid_argument, [&] { make_connection(okta(), params("https://app.example.com", id)); });

    ConnectionParams p = params();
    p.acs_url = "/relative/acs";
    expect_code(Code::invalid_url, [&] { make_connection(okta(), p); });
    p.acs_url = "https://app.example.com/acs#x";
    expect_code(Code::invalid_url, [&] { make_connection(okta(), p); });
    p = params();
    p.sp_entity_id = "https//app.example.com";  // looks like a URL, is not one
    expect_code(Code::invalid_url, [&] { make_connection(okta(), p); });
    p.sp_entity_id = "http:/app.example.com";
    expect_code(Code::invalid_url, [&] { make_connection(okta(), p); });
    p.sp_entity_id = "urn:example:sp";
    EXPECT_NO_THROW(make_connection(okta(), p));
}

TEST(Connection, ValidatesSettings) {
    ConnectionParams p = params();
    p.settings.clock_skew_seconds = 601;
    expect_code(Code::invalid_setting, [&] { make_connection(okta(), p); });
    p.settings.clock_skew_seconds = -1;
    expect_code(Code::invalid_setting, [&] { make_connection(okta(), p); });
    p.settings.clock_skew_seconds = 600;
    EXPECT_NO_THROW(make_connection(okta(), p));
    p.settings.clock_skew_seconds = 0;
    EXPECT_NO_THROW(make_connection(okta(), p));

    p.settings.allowed_email_domains = {"Example.COM", "sub.example.org", "example.com"};
    auto c = make_connection(okta(), p);
    EXPECT_EQ(c->settings().allowed_email_domains, (std::vector<std::string>{"example.com", "sub.example.org"}));
    for (const char *bad : {"@example.com", "", "exa mple.com", "-example.com", "example-.com", "example..com",
                            "example.com.", "ex_ample.com", "exämple.com"}) {
        p.settings.allowed_email_domains = {bad};
        expect_code(Code::invalid_setting, [&] { make_connection(okta(), p); });
    }
    p.settings.allowed_email_domains = {"xn--exmple-cua.com"};
    EXPECT_NO_THROW(make_connection(okta(), p));
}

TEST(Connection, AnAllowedDomainMustBeADnsDomainWhenSavedAndWhenLoaded) {
    // An IP address or a single label can never be an email's domain (the verifier refuses such
    // addresses), so as an allowed domain it would silently refuse everyone: refused when saved.
    ConnectionParams p = params();
    for (const char *bad : {"127.0.0.1", "example", "example.123"}) {
        p.settings.allowed_email_domains = {bad};
        const std::string msg = expect_code(Code::invalid_setting, [&] { make_connection(okta(), p); });
        EXPECT_NE(msg.find(std::string("allowed email domain \"") + bad + "\""), std::string::npos) << msg;
    }
    // The same rule when a stored connection is loaded.
    p.settings.allowed_email_domains = {"example.com"};
    nlohmann::json j = nlohmann::json::parse(make_connection(okta(), p)->to_json());
    for (const char *bad : {"127.0.0.1", "example"}) {
        j["settings"]["allowed_email_domains"] = {bad};
        expect_code(Code::invalid_setting, [&] { connection_from_json(j.dump(), at_fixed_now()); });
    }
}

TEST(Connection, SpCertificate) {
    ConnectionParams p = params();
    p.sp_certificate_pem = "not a certificate";
    expect_code(Code::invalid_argument, [&] { make_connection(okta(), p); });
    p.sp_certificate_pem = crafted("rsa-2048.crt");
    auto c = make_connection(okta(), p);
    EXPECT_EQ(c->sp_certificate_pem().rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
}

TEST(Connection, JsonRoundTrip) {
    ConnectionParams p = params();
    p.description = "Acme's Okta \"prod\"";
    p.settings.allow_idp_initiated = true;
    p.settings.jit_provisioning = true;
    p.settings.clock_skew_seconds = 60;
    p.settings.allow_sha1 = true;
    p.settings.allowed_email_domains = {"acme.com"};
    p.settings.email_attribute = "mail";
    p.sp_certificate_pem = crafted("rsa-2048.crt");
    auto c = make_connection(okta(), p);
    const std::string text = c->to_json();

    auto j = nlohmann::json::parse(text);
    EXPECT_EQ(j.at("schema_version"), 1);
    EXPECT_EQ(j.at("id"), "acme");
    EXPECT_EQ(j.at("idp").at("entity_id"), "http://www.okta.com/exkppsa1qwuFV4D7z0h7");
    EXPECT_EQ(j.at("idp").at("metadata_xml"), interop("metadata/okta-1.xml"));

    auto back = connection_from_json(text, at_fixed_now());
    EXPECT_EQ(back->id(), c->id());
    EXPECT_EQ(back->description(), c->description());
    EXPECT_EQ(back->acs_url(), c->acs_url());
    EXPECT_EQ(back->sp_entity_id(), c->sp_entity_id());
    EXPECT_EQ(back->sp_certificate_pem(), c->sp_certificate_pem());
    EXPECT_EQ(back->settings().allow_idp_initiated, true);
    EXPECT_EQ(back->settings().jit_provisioning, true);
    EXPECT_EQ(back->settings().clock_skew_seconds, 60);
    EXPECT_EQ(back->settings().allow_sha1, true);
    EXPECT_EQ(back->settings().allowed_email_domains, std::vector<std::string>{"acme.com"});
    EXPECT_EQ(back->settings().email_attribute, "mail");
    EXPECT_EQ(back->idp()->entity_id(), c->idp()->entity_id());
    EXPECT_EQ(back->idp()->signing_certificates().at(0).sha256, c->idp()->signing_certificates().at(0).sha256);
    EXPECT_EQ(back->to_json(), text);
    EXPECT_EQ(back->sp_metadata(), c->sp_metadata());
}

TEST(Connection, JsonKeepsTheSelectedFederationEntity) {
    ImportOptions o = at_fixed_now();
    o.entity_id = "https://idp.umu.se/saml2/idp/metadata.php";
    auto c = make_connection(import_idp_metadata(interop("metadata/federation-2.xml"), o), params());
    auto back = connection_from_json(c->to_json(), at_fixed_now());  // no entity id given: the stored one is used
    EXPECT_EQ(back->idp()->entity_id(), "https://idp.umu.se/saml2/idp/metadata.php");
}

TEST(Connection, JsonRefusesNewerSchema) {
    auto j = nlohmann::json::parse(make_connection(okta(), params())->to_json());
    j["schema_version"] = 2;
    std::string msg = expect_code(Code::connection_version, [&] { connection_from_json(j.dump(), at_fixed_now()); });
    EXPECT_NE(msg.find("newer ssogate (schema 2); this one reads 1"), std::string::npos) << msg;
}

TEST(Connection, JsonRefusesMalformedInput) {
    const auto good = nlohmann::json::parse(make_connection(okta(), params())->to_json());
    expect_code(Code::connection_json, [] { connection_from_json("{not json", at_fixed_now()); });
    expect_code(Code::connection_json, [] { connection_from_json("[1,2]", at_fixed_now()); });
    expect_code(Code::connection_json, [] { connection_from_json("", at_fixed_now()); });

    struct Case {
        const char *field;  // named in the message
        void (*mutate)(nlohmann::json &);
    };
    const Case cases[] = {
        {"schema_version", [](nlohmann::json &j) { j.erase("schema_version"); }},
        {"schema_version", [](nlohmann::json &j) { j["schema_version"] = "1"; }},
        {"schema_version", [](nlohmann::json &j) { j["schema_version"] = 0; }},
        {"acs_url", [](nlohmann::json &j) { j.erase("acs_url"); }},
        {"sp_entity_id", [](nlohmann::json &j) { j["sp_entity_id"] = 5; }},
        {"id", [](nlohmann::json &j) { j["id"] = nullptr; }},
        {"settings", [](nlohmann::json &j) { j["settings"] = "none"; }},
        {"jit_provisioning", [](nlohmann::json &j) { j["settings"]["jit_provisioning"] = "yes"; }},
        {"clock_skew_seconds", [](nlohmann::json &j) { j["settings"]["clock_skew_seconds"] = 1.5; }},
        {"allowed_email_domains", [](nlohmann::json &j) { j["settings"]["allowed_email_domains"] = {1}; }},
        {"idp", [](nlohmann::json &j) { j.erase("idp"); }},
        {"metadata_xml", [](nlohmann::json &j) { j["idp"].erase("metadata_xml"); }},
        {"entity_id", [](nlohmann::json &j) { j["idp"]["entity_id"] = ""; }},
    };
    for (const Case &c : cases) {
        nlohmann::json j = good;
        c.mutate(j);
        std::string msg = expect_code(Code::connection_json, [&] { connection_from_json(j.dump(), at_fixed_now()); });
        EXPECT_NE(msg.find(c.field), std::string::npos) << msg;
    }

    // Stored values are validated again, and the metadata is re-imported under today's rules.
    nlohmann::json j = good;
    j["settings"]["clock_skew_seconds"] = 9999;
    expect_code(Code::invalid_setting, [&] { connection_from_json(j.dump(), at_fixed_now()); });
    j = good;
    j["acs_url"] = "javascript:alert(1)";
    expect_code(Code::invalid_url, [&] { connection_from_json(j.dump(), at_fixed_now()); });
    j = good;
    j["idp"]["metadata_xml"] = interop("metadata/google-1.xml");
    j["idp"]["entity_id"] = "https://accounts.google.com/o/saml2?idpid=C02dfl1r1";
    expect_code(Code::metadata_expired, [&] { connection_from_json(j.dump(), at_fixed_now()); });
    j = good;
    j["idp"]["entity_id"] = "https://other.example/idp";
    expect_code(Code::metadata_entity_not_found, [&] { connection_from_json(j.dump(), at_fixed_now()); });
}

TEST(SpMetadata, HasTheRequiredContentInSchemaOrder) {
    ConnectionParams p = params();
    p.sp_certificate_pem = crafted("rsa-2048.crt");
    p.sp_entity_id = "urn:example:sp:<&>";  // must come out escaped
    auto c = make_connection(okta(), p);
    const std::string text = c->sp_metadata();
    xml::Document doc = xml::parse(text, {}, "SP metadata");
    xmlNode *root = doc.root();
    ASSERT_TRUE(xml::is_element(root, xml::ns_md, "EntityDescriptor"));
    EXPECT_EQ(xml::attribute(root, "entityID"), "urn:example:sp:<&>");
    auto roles = xml::all_child_elements(root);
    ASSERT_EQ(roles.size(), 1u);
    xmlNode *sp = roles[0];
    ASSERT_TRUE(xml::is_element(sp, xml::ns_md, "SPSSODescriptor"));
    EXPECT_EQ(xml::attribute(sp, "protocolSupportEnumeration"), xml::protocol_saml2);
    EXPECT_EQ(xml::attribute(sp, "WantAssertionsSigned"), "true");
    EXPECT_EQ(xml::attribute(sp, "AuthnRequestsSigned"), "false");

    auto children = xml::all_child_elements(sp);
    ASSERT_EQ(children.size(), 3u);
    EXPECT_TRUE(xml::is_element(children[0], xml::ns_md, "KeyDescriptor"));
    EXPECT_EQ(xml::attribute(children[0], "use"), "signing");
    xmlNode *x509 = xml::first_child_element(
        xml::first_child_element(xml::first_child_element(children[0], xml::ns_ds, "KeyInfo"), xml::ns_ds, "X509Data"),
        xml::ns_ds, "X509Certificate");
    ASSERT_NE(x509, nullptr);
    EXPECT_EQ(crypto::parse_certificate_base64(xml::text(x509)).sha256,
              crypto::parse_certificate_pem(crafted("rsa-2048.crt")).sha256);
    EXPECT_TRUE(xml::is_element(children[1], xml::ns_md, "NameIDFormat"));
    EXPECT_EQ(xml::trimmed_text(children[1]), nameid_email);
    EXPECT_TRUE(xml::is_element(children[2], xml::ns_md, "AssertionConsumerService"));
    EXPECT_EQ(xml::attribute(children[2], "Binding"), binding_post);
    EXPECT_EQ(xml::attribute(children[2], "Location"), c->acs_url());
    EXPECT_EQ(xml::attribute(children[2], "index"), "0");
    EXPECT_EQ(xml::attribute(children[2], "isDefault"), "true");
}

TEST(SpMetadata, WithoutCertificateHasNoKeyDescriptor) {
    auto c = make_connection(okta(), params());
    xml::Document doc = xml::parse(c->sp_metadata(), {}, "SP metadata");
    xmlNode *sp = xml::first_child_element(doc.root(), xml::ns_md, "SPSSODescriptor");
    ASSERT_NE(sp, nullptr);
    EXPECT_EQ(xml::first_child_element(sp, xml::ns_md, "KeyDescriptor"), nullptr);
    EXPECT_EQ(xml::attribute(doc.root(), "entityID"), "https://app.example.com/sso/saml/acme");
    // The importer recognises it as an SP's metadata, which is what an admin would upload by mistake.
    expect_code(Code::metadata_no_idp, [&] { import_idp_metadata(c->sp_metadata(), at_fixed_now()); });
}

}  // namespace
}  // namespace ssogate::core
