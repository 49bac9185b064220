#include "crypto/certificate.hpp"
#include "crypto/keys.hpp"
#include "metadata/idp.hpp"
#include "support.hpp"
#include "util/encoding.hpp"
#include "xml/xml.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

namespace ssogate::core {
namespace {

using test::crafted;
using test::embedded_signer_pem;
using test::expect_code;
using test::fixed_now;
using test::interop;

ImportOptions at_fixed_now(std::string entity_id = {}) {
    ImportOptions o;
    o.now = fixed_now();
    o.entity_id = std::move(entity_id);
    return o;
}

std::shared_ptr<const IdpMetadata> import_crafted(const std::string &name, std::string entity_id = {}) {
    return import_idp_metadata(crafted(name), at_fixed_now(std::move(entity_id)));
}

// "Sep  7 14:33:59 2028 GMT" (openssl's notAfter text, as the manifest records it) to Unix seconds.
std::int64_t openssl_date(const std::string &text) {
    static const std::map<std::string, int> months = {{"Jan", 1}, {"Feb", 2},  {"Mar", 3},  {"Apr", 4},
                                                      {"May", 5}, {"Jun", 6},  {"Jul", 7},  {"Aug", 8},
                                                      {"Sep", 9}, {"Oct", 10}, {"Nov", 11}, {"Dec", 12}};
    char mon[4] = {0};
    int day = 0, h = 0, m = 0, s = 0, year = 0;
    if (std::sscanf(text.c_str(), "%3s %d %d:%d:%d %d", mon, &day, &h, &m, &s, &year) != 6)
        throw std::runtime_error("unexpected date in manifest: " + text);
    return util::utc_seconds(year, months.at(mon), day, h, m, s);
}

std::string last_segment(const std::string &uri) { return uri.substr(uri.rfind(':') + 1); }

bool has_warning(const IdpMetadata &md, Code code) {
    for (const Warning &w : md.warnings())
        if (w.code == code) return true;
    return false;
}

// The certificate in the document's own ds:Signature/ds:KeyInfo, as PEM. For self-consistency
// checks only: a deployment pins the federation's key, it does not take it from the document.

// --- the interop corpus, against manifest.json ----------------------------------------------

TEST(InteropMetadata, EveryFileHasItsOutcomeAndFacts) {
    const nlohmann::json manifest = nlohmann::json::parse(interop("manifest.json"));
    const std::map<std::string, Code> refused = {
        {"metadata/google-1.xml", Code::metadata_expired},
        {"metadata/shibboleth-3.xml", Code::metadata_expired},
        {"metadata/simplesamlphp-1.xml", Code::metadata_weak_key},
        {"metadata/federation-1.xml", Code::metadata_ambiguous},
        {"metadata/federation-2.xml", Code::metadata_ambiguous},
    };
    int files = 0, imported = 0;
    for (const auto &entry : manifest.at("files")) {
        const std::string file = entry.at("file");
        if (file.rfind("metadata/", 0) != 0) continue;
        ++files;
        SCOPED_TRACE(file);
        const std::string bytes = interop(file);
        if (auto it = refused.find(file); it != refused.end()) {
            expect_code(it->second, [&] { import_idp_metadata(bytes, at_fixed_now()); });
            continue;
        }
        std::shared_ptr<const IdpMetadata> md;
        ASSERT_NO_THROW(md = import_idp_metadata(bytes, at_fixed_now()));
        ++imported;
        const auto &facts = entry.at("facts");
        const auto &entity = facts.at("entity_details").at(0);
        EXPECT_EQ(md->entity_id(), entity.at("entity_id").get<std::string>());
        EXPECT_EQ(md->source_xml(), bytes);
        EXPECT_FALSE(md->signature_verified());

        // Signing certificates: every KeyDescriptor for signing (or without use), deduplicated.
        std::vector<std::pair<std::string, std::int64_t>> expected_certs;
        for (const auto &kd : entity.at("idp_key_descriptors")) {
            if (kd.at("use") == "encryption") continue;
            std::pair<std::string, std::int64_t> c{kd.at("sha256"), openssl_date(kd.at("not_after"))};
            if (std::find(expected_certs.begin(), expected_certs.end(), c) == expected_certs.end())
                expected_certs.push_back(c);
        }
        ASSERT_EQ(md->signing_certificates().size(), expected_certs.size());
        bool any_expired = false;
        for (std::size_t i = 0; i < expected_certs.size(); ++i) {
            EXPECT_EQ(md->signing_certificates()[i].sha256, expected_certs[i].first);
            EXPECT_EQ(md->signing_certificates()[i].not_after, expected_certs[i].second);
            any_expired = any_expired || expected_certs[i].second <= fixed_now();
        }
        EXPECT_EQ(has_warning(*md, Code::warn_cert_expired), any_expired);

        // SSO and SLO endpoints, in document order.
        const auto &sso = entity.at("sso");
        ASSERT_EQ(md->sso_endpoints().size(), sso.size());
        for (std::size_t i = 0; i < sso.size(); ++i) {
            EXPECT_EQ(last_segment(md->sso_endpoints()[i].binding), sso[i].at("binding").get<std::string>());
            EXPECT_EQ(md->sso_endpoints()[i].location, sso[i].at("location").get<std::string>());
        }
        EXPECT_EQ(md->slo_endpoints().size(), entity.at("slo").size());
        EXPECT_TRUE(md->sso_endpoint(binding_post) != nullptr || md->sso_endpoint(binding_redirect) != nullptr);

        EXPECT_EQ(md->nameid_formats(), entity.at("nameid_formats").get<std::vector<std::string>>());
        const auto &want = entity.at("want_authn_requests_signed");
        EXPECT_EQ(md->want_authn_requests_signed(), !want.is_null() && want == "true");
        if (facts.at("valid_until").is_null())
            EXPECT_FALSE(md->valid_until().has_value());
        else
            EXPECT_EQ(md->valid_until(), util::parse_datetime(facts.at("valid_until").get<std::string>()));
    }
    EXPECT_EQ(files, 20);
    EXPECT_EQ(imported, 15);
}

TEST(InteropMetadata, AdfsImportsWithExpiredCertificateWarning) {
    auto md = import_idp_metadata(interop("metadata/adfs-1.xml"), at_fixed_now());
    ASSERT_EQ(md->warnings().size(), 1u);
    const Warning &w = md->warnings()[0];
    EXPECT_EQ(w.code, Code::warn_cert_expired);
    EXPECT_NE(w.message.find("ADFS Signing - logintest.owensborohealth.org"), std::string::npos) << w.message;
    EXPECT_NE(w.message.find("96:E3:1C:CC"), std::string::npos) << w.message;
    EXPECT_NE(w.message.find("2017-10-25T16:28:38Z"), std::string::npos) << w.message;
}

TEST(InteropMetadata, ExpiredAndWeakMessagesSayWhy) {
    std::string msg = expect_code(Code::metadata_expired,
                                  [] { import_idp_metadata(interop("metadata/google-1.xml"), at_fixed_now()); });
    EXPECT_NE(msg.find("2021-01-03T16:17:49Z"), std::string::npos) << msg;
    msg = expect_code(Code::metadata_weak_key,
                      [] { import_idp_metadata(interop("metadata/simplesamlphp-1.xml"), at_fixed_now()); });
    EXPECT_NE(msg.find("1024-bit"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Internet Widgits"), std::string::npos) << msg;
}

TEST(InteropMetadata, FederationsAreAmbiguousAndListTheirIdps) {
    std::string msg = expect_code(Code::metadata_ambiguous,
                                  [] { import_idp_metadata(interop("metadata/federation-1.xml"), at_fixed_now()); });
    EXPECT_NE(msg.find("39 identity providers"), std::string::npos) << msg;
    EXPECT_NE(msg.find("https://idp.hig.se/idp/shibboleth"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(and 19 more)"), std::string::npos) << msg;
    msg = expect_code(Code::metadata_ambiguous,
                      [] { import_idp_metadata(interop("metadata/federation-2.xml"), at_fixed_now()); });
    EXPECT_NE(msg.find("10 identity providers"), std::string::npos) << msg;
    EXPECT_NE(msg.find("https://idp.umu.se/saml2/idp/metadata.php"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("more)"), std::string::npos) << msg;
}

TEST(InteropMetadata, FederationImportsTheSelectedIdp) {
    auto md =
        import_idp_metadata(interop("metadata/federation-1.xml"), at_fixed_now("https://idp.hig.se/idp/shibboleth"));
    EXPECT_EQ(md->entity_id(), "https://idp.hig.se/idp/shibboleth");
    ASSERT_EQ(md->signing_certificates().size(), 1u);
    EXPECT_EQ(md->signing_certificates()[0].key_type, "RSA");
    EXPECT_EQ(md->signing_certificates()[0].key_bits, 2048);

    md = import_idp_metadata(interop("metadata/federation-2.xml"),
                             at_fixed_now("https://idp.umu.se/saml2/idp/metadata.php"));
    EXPECT_EQ(md->entity_id(), "https://idp.umu.se/saml2/idp/metadata.php");
    EXPECT_EQ(md->signing_certificates().at(0).key_bits, 2048);

    // Selection does not bypass the rules: a SAML 1.1-only IdP and a 1024-bit one are still refused.
    expect_code(Code::metadata_no_saml2, [] {
        import_idp_metadata(interop("metadata/federation-2.xml"), at_fixed_now("https://idp.secure.su.se/identity"));
    });
    expect_code(Code::metadata_weak_key, [] {
        import_idp_metadata(interop("metadata/federation-1.xml"),
                            at_fixed_now("https://idp.protectnetwork.org/protectnetwork-idp"));
    });
    std::string msg = expect_code(Code::metadata_entity_not_found, [] {
        import_idp_metadata(interop("metadata/federation-2.xml"), at_fixed_now("https://nope.example/idp"));
    });
    EXPECT_NE(msg.find("https://idp.umu.se/saml2/idp/metadata.php"), std::string::npos) << msg;
}

// --- crafted vectors: one refusal each ---------------------------------------------------------

TEST(MetadataImport, ReadsEveryField) {
    const std::string bytes = crafted("minimal-idp.xml");
    auto md = import_idp_metadata(bytes, at_fixed_now());
    EXPECT_EQ(md->entity_id(), "https://idp.example.test/saml");
    ASSERT_EQ(md->sso_endpoints().size(), 2u);
    EXPECT_EQ(md->sso_endpoints()[0].binding, binding_redirect);
    EXPECT_EQ(md->sso_endpoints()[0].location, "https://idp.example.test/sso/redirect");
    EXPECT_EQ(md->sso_endpoints()[1].binding, binding_post);
    ASSERT_NE(md->sso_endpoint(binding_post), nullptr);
    EXPECT_EQ(md->sso_endpoint(binding_post)->location, "https://idp.example.test/sso/post");
    EXPECT_EQ(md->sso_endpoint("urn:other"), nullptr);
    ASSERT_EQ(md->slo_endpoints().size(), 1u);
    EXPECT_EQ(md->slo_endpoints()[0].location, "https://idp.example.test/slo");
    EXPECT_EQ(md->nameid_formats(), std::vector<std::string>{nameid_email});
    EXPECT_TRUE(md->want_authn_requests_signed());
    EXPECT_EQ(md->valid_until(), util::parse_datetime("2030-01-01T00:00:00Z"));
    EXPECT_EQ(md->cache_duration(), "PT6H");
    EXPECT_EQ(md->cache_duration_seconds(), 6 * 3600);
    ASSERT_EQ(md->signing_certificates().size(), 1u);
    EXPECT_EQ(md->signing_certificates()[0].sha256, crypto::parse_certificate_pem(crafted("rsa-2048.crt")).sha256);
    EXPECT_TRUE(md->warnings().empty());
    EXPECT_EQ(md->source_xml(), bytes);
}

TEST(MetadataImport, CertificateLifetimeWarnings) {
    const std::string bytes = crafted("ec-p256-idp.xml");  // no validUntil to get in the way
    const crypto::Certificate cert = crypto::parse_certificate_pem(crafted("ec-p256.crt"));
    ImportOptions o = at_fixed_now();

    o.now = cert.not_after - 10 * 86400;
    auto md = import_idp_metadata(bytes, o);
    ASSERT_EQ(md->warnings().size(), 1u);
    EXPECT_EQ(md->warnings()[0].code, Code::warn_cert_expires_soon);
    EXPECT_NE(md->warnings()[0].message.find("in 10 days"), std::string::npos) << md->warnings()[0].message;

    o.now = cert.not_after - 31 * 86400;
    EXPECT_TRUE(import_idp_metadata(bytes, o)->warnings().empty());

    o.now = cert.not_before - 86400;
    md = import_idp_metadata(bytes, o);
    ASSERT_EQ(md->warnings().size(), 1u);
    EXPECT_EQ(md->warnings()[0].code, Code::warn_cert_not_yet_valid);
    o.now = cert.not_after;
    md = import_idp_metadata(bytes, o);
    ASSERT_EQ(md->warnings().size(), 1u);
    EXPECT_EQ(md->warnings()[0].code, Code::warn_cert_expired);

    // minimal-idp.xml's validUntil (2030) has passed by 2031, while its certificate is still valid.
    o.now = *util::parse_datetime("2031-01-01T00:00:00Z");
    expect_code(Code::metadata_expired, [&] { import_idp_metadata(crafted("minimal-idp.xml"), o); });
}

TEST(MetadataImport, AcceptsEcP256) {
    auto md = import_crafted("ec-p256-idp.xml");
    ASSERT_EQ(md->signing_certificates().size(), 1u);
    EXPECT_EQ(md->signing_certificates()[0].key_type, "EC");
    EXPECT_EQ(md->signing_certificates()[0].key_curve, "P-256");
}

TEST(MetadataImport, RefusesUnsupportedKeys) {
    std::string msg = expect_code(Code::metadata_weak_key, [] { import_crafted("ec-secp256k1-idp.xml"); });
    EXPECT_NE(msg.find("secp256k1"), std::string::npos) << msg;
    msg = expect_code(Code::metadata_weak_key, [] { import_crafted("ed25519-idp.xml"); });
    EXPECT_NE(msg.find("Ed25519"), std::string::npos) << msg;
}

// An RSA key with e = 1 makes every forgery trivial (the "signature" is the padded digest); e = 2 is
// not RSA; e = 3 invites forgeries against lenient verifiers. Refused at import, with the reason.
TEST(MetadataImport, RefusesWeakRsaPublicExponents) {
    for (const char *e : {"1", "2", "3"}) {
        SCOPED_TRACE(e);
        const std::string msg =
            expect_code(Code::metadata_weak_key, [&] { import_crafted(std::string("rsa-e") + e + "-idp.xml"); });
        EXPECT_NE(msg.find(std::string("public exponent ") + e + " "), std::string::npos) << msg;
        EXPECT_NE(msg.find("at least 65537"), std::string::npos) << msg;
    }
    auto md = import_crafted("rsa-e65537-idp.xml");
    EXPECT_EQ(md->signing_certificates()[0].key_rsa_exponent, "65537");
    // A key set built from the certificate directly (not through the importer) refuses it too.
    EXPECT_NO_THROW(crypto::KeySet::from_certificates({md->signing_certificates()[0]}));
    const std::string xml = crafted("rsa-e1-idp.xml");
    const auto b = xml.find("<ds:X509Certificate>") + 20;
    const auto e1 = crypto::parse_certificate_base64(xml.substr(b, xml.find("</ds:X509Certificate>") - b));
    EXPECT_EQ(e1.key_rsa_exponent, "1");
    expect_code(Code::metadata_weak_key, [&] { crypto::KeySet::from_certificates({e1}); });
}

TEST(MetadataImport, RefusesWhatIsNotXml) {
    expect_code(Code::xml_malformed, [] { import_idp_metadata("this is a PDF, not XML", at_fixed_now()); });
    expect_code(Code::xml_malformed, [] { import_crafted("malformed.xml"); });
}

TEST(MetadataImport, RefusesDoctypeAndEntities) {
    expect_code(Code::xml_doctype, [] { import_crafted("doctype.xml"); });
    expect_code(Code::xml_doctype, [] { import_crafted("external-entity.xml"); });
    auto start = std::chrono::steady_clock::now();
    expect_code(Code::xml_doctype, [] { import_crafted("billion-laughs.xml"); });
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 0.5);
}

TEST(MetadataImport, RefusesOversizedInputQuickly) {
    std::string big = crafted("minimal-idp.xml");
    big.resize(50u << 20, ' ');
    auto start = std::chrono::steady_clock::now();
    std::string msg = expect_code(Code::input_too_large, [&] { import_idp_metadata(big, at_fixed_now()); });
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 0.5);
    EXPECT_NE(msg.find("52428800"), std::string::npos) << msg;

    ImportOptions o = at_fixed_now();
    o.max_bytes = 1000;
    expect_code(Code::input_too_large, [&] { import_idp_metadata(interop("metadata/okta-1.xml"), o); });
    o.max_bytes = 4000;
    EXPECT_NO_THROW(import_idp_metadata(interop("metadata/okta-1.xml"), o));
}

TEST(MetadataImport, RefusesOtherDocuments) {
    std::string msg = expect_code(Code::metadata_not_saml, [] { import_crafted("not-saml.xml"); });
    EXPECT_NE(msg.find("root element is {http://www.w3.org/2005/Atom}feed"), std::string::npos) << msg;
}

TEST(MetadataImport, ExplainsServiceProviderMetadata) {
    std::string msg = expect_code(Code::metadata_no_idp, [] { import_crafted("sp-metadata.xml"); });
    EXPECT_NE(msg.find("service provider's metadata"), std::string::npos) << msg;
    EXPECT_NE(msg.find("View IdP metadata"), std::string::npos) << msg;
    msg = expect_code(Code::metadata_no_idp,
                      [] { import_crafted("nested-aggregate.xml", "https://sp.example.test/saml"); });
    EXPECT_NE(msg.find("service provider's metadata"), std::string::npos) << msg;
}

TEST(MetadataImport, RefusesEachMissingPiece) {
    std::string msg = expect_code(Code::metadata_no_idp, [] { import_crafted("no-idp-role.xml"); });
    EXPECT_NE(msg.find("AttributeAuthorityDescriptor"), std::string::npos) << msg;
    expect_code(Code::metadata_no_idp, [] { import_crafted("aggregate-without-idp.xml"); });
    msg = expect_code(Code::metadata_no_saml2, [] { import_crafted("no-saml2.xml"); });
    EXPECT_NE(msg.find("SAML:1.1:protocol"), std::string::npos) << msg;
    msg = expect_code(Code::metadata_no_sso_endpoint, [] { import_crafted("no-sso-endpoint.xml"); });
    EXPECT_NE(msg.find("SOAP"), std::string::npos) << msg;
    expect_code(Code::metadata_no_signing_cert, [] { import_crafted("no-signing-cert.xml"); });
    msg = expect_code(Code::metadata_bad_cert, [] { import_crafted("bad-cert-der.xml"); });
    EXPECT_NE(msg.find("signing certificate #1"), std::string::npos) << msg;
    expect_code(Code::metadata_bad_cert, [] { import_crafted("bad-cert-base64.xml"); });
    msg = expect_code(Code::metadata_expired, [] { import_crafted("expired-valid-until.xml"); });
    EXPECT_NE(msg.find("2020-06-30T12:00:00Z"), std::string::npos) << msg;
    msg = expect_code(Code::metadata_invalid, [] { import_crafted("bad-location.xml"); });
    EXPECT_NE(msg.find("javascript:alert(1)"), std::string::npos) << msg;
    expect_code(Code::metadata_invalid, [] { import_crafted("no-entity-id.xml"); });
}

TEST(MetadataImport, SelectsFromNestedAggregates) {
    std::string msg = expect_code(Code::metadata_ambiguous, [] { import_crafted("nested-aggregate.xml"); });
    EXPECT_NE(msg.find("https://idp-one.example.test/saml, https://idp-two.example.test/saml"), std::string::npos)
        << msg;
    auto md = import_crafted("nested-aggregate.xml", "https://idp-one.example.test/saml");
    EXPECT_EQ(md->entity_id(), "https://idp-one.example.test/saml");
    EXPECT_EQ(md->cache_duration(), "PT1H");  // inherited from the enclosing EntitiesDescriptor
    EXPECT_EQ(md->cache_duration_seconds(), 3600);
    EXPECT_FALSE(md->valid_until().has_value());
    // idp-two sits in an inner EntitiesDescriptor whose validUntil has passed.
    expect_code(Code::metadata_expired,
                [] { import_crafted("nested-aggregate.xml", "https://idp-two.example.test/saml"); });
    expect_code(Code::metadata_entity_not_found,
                [] { import_crafted("minimal-idp.xml", "https://someone-else.example.test/saml"); });
    EXPECT_NO_THROW(import_crafted("minimal-idp.xml", "https://idp.example.test/saml"));
}

// --- the metadata's own signature ----------------------------------------------------------------

TEST(MetadataSignature, VerifiesWithTheTrustedCertificate) {
    const std::string bytes = interop("metadata/entra-1.xml");  // rsa-sha256, Reference "#_id"
    ImportOptions o = at_fixed_now();
    o.trusted_signer_pem = embedded_signer_pem(bytes);
    auto md = import_idp_metadata(bytes, o);
    EXPECT_TRUE(md->signature_verified());
    EXPECT_EQ(md->entity_id(), "https://sts.windows.net/a9054a0f-2011-4e31-b3ac-fd8c354146ec/");
}

TEST(MetadataSignature, Sha1AggregateNeedsOptIn) {
    const std::string bytes = interop("metadata/federation-1.xml");  // rsa-sha1, Reference ""
    ImportOptions o = at_fixed_now("https://idp.hig.se/idp/shibboleth");
    o.trusted_signer_pem = embedded_signer_pem(bytes);
    std::string msg = expect_code(Code::metadata_signature_invalid, [&] { import_idp_metadata(bytes, o); });
    EXPECT_NE(msg.find("SHA-1"), std::string::npos) << msg;
    o.allow_sha1 = true;
    auto md = import_idp_metadata(bytes, o);
    EXPECT_TRUE(md->signature_verified());
    EXPECT_EQ(md->entity_id(), "https://idp.hig.se/idp/shibboleth");
}

TEST(MetadataSignature, RefusesTamperedDocument) {
    std::string bytes = interop("metadata/entra-1.xml");
    ImportOptions o = at_fixed_now();
    o.trusted_signer_pem = embedded_signer_pem(bytes);
    const std::string from = "https://login.microsoftonline.com/a9054a0f-2011-4e31-b3ac-fd8c354146ec/saml2";
    auto pos = bytes.find(from);
    ASSERT_NE(pos, std::string::npos);
    bytes.replace(pos, from.size(), "https://login.micr0softonline.com/a9054a0f-2011-4e31-b3ac-fd8c354146ec/saml2");
    std::string msg = expect_code(Code::metadata_signature_invalid, [&] { import_idp_metadata(bytes, o); });
    EXPECT_NE(msg.find("does not verify"), std::string::npos) << msg;
    EXPECT_NE(msg.find("digest do not match"), std::string::npos) << msg;  // xmlsec1's own reason

    std::string fed = interop("metadata/federation-1.xml");
    ImportOptions f = at_fixed_now("https://idp.hig.se/idp/shibboleth");
    f.trusted_signer_pem = embedded_signer_pem(fed);
    f.allow_sha1 = true;
    pos = fed.find("https://idp.hig.se/idp/profile/SAML2/Redirect/SSO");
    ASSERT_NE(pos, std::string::npos);
    fed[pos + 8] = 'X';
    expect_code(Code::metadata_signature_invalid, [&] { import_idp_metadata(fed, f); });
}

TEST(MetadataSignature, RefusesWrongCertificateAndBrokenSignatures) {
    ImportOptions o = at_fixed_now();
    o.trusted_signer_pem = crafted("rsa-2048.crt");
    expect_code(Code::metadata_signature_invalid, [&] { import_idp_metadata(interop("metadata/entra-1.xml"), o); });
    // adfs-2's signature does not verify even with the certificate it carries (manifest).
    const std::string adfs2 = interop("metadata/adfs-2.xml");
    o.trusted_signer_pem = embedded_signer_pem(adfs2);
    expect_code(Code::metadata_signature_invalid, [&] { import_idp_metadata(adfs2, o); });
}

TEST(MetadataSignature, RefusesUnsignedWhenASignerIsGiven) {
    ImportOptions o = at_fixed_now();
    o.trusted_signer_pem = crafted("rsa-2048.crt");
    std::string msg =
        expect_code(Code::metadata_unsigned, [&] { import_idp_metadata(interop("metadata/okta-1.xml"), o); });
    EXPECT_NE(msg.find("not signed"), std::string::npos) << msg;
    o.trusted_signer_pem = "not a certificate";
    expect_code(Code::invalid_argument, [&] { import_idp_metadata(interop("metadata/entra-1.xml"), o); });
}

TEST(MetadataSignature, ConcurrentImportsAgree) {
    const std::string bytes = interop("metadata/entra-1.xml");
    ImportOptions o = at_fixed_now();
    o.trusted_signer_pem = embedded_signer_pem(bytes);
    std::string tampered = bytes;
    tampered.replace(tampered.find("login.microsoftonline.com"), 5, "LOGIN");
    std::vector<std::thread> threads;
    std::vector<int> good(4, 0), refused(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                if (import_idp_metadata(bytes, o)->signature_verified()) ++good[t];
                try {
                    import_idp_metadata(tampered, o);
                } catch (const Error &e) {
                    if (e.code() == Code::metadata_signature_invalid) ++refused[t];
                }
            }
        });
    }
    for (auto &th : threads) th.join();
    for (int t = 0; t < 4; ++t) {
        EXPECT_EQ(good[t], 10);
        EXPECT_EQ(refused[t], 10);
    }
}

}  // namespace
}  // namespace ssogate::core
