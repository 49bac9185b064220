// The SignatureValue checked over a standalone copy of SignedInfo before xmlsec1 digests anything
// (crypto::signature_value_verifies, used when crypto::canonicalization_may_be_costly): it must agree
// with xmlsec1's own verification on every real signature we have (or it would refuse genuine
// logins), refuse other keys, and keep large, deep or namespace-heavy documents signed with an
// attacker's own key away from canonicalization.
#include "response_test_util.hpp"

#include "crypto/dsig.hpp"
#include "crypto/keys.hpp"
#include "metadata/idp.hpp"
#include "util/time.hpp"
#include "xml/xml.hpp"

#include <dirent.h>

#include <string>
#include <vector>

namespace ssogate::core::test {
namespace {

using testing::KeyType;
using testing::ResponseOptions;
using testing::Sign;
using testing::TestIdp;

const std::string vectors = SSOGATE_VECTORS_DIR;

const TestIdp &idp() {
    static TestIdp instance;
    return instance;
}
const TestIdp &attacker() {
    static TestIdp instance("https://idp.test.example/saml");
    return instance;
}

ResponseOptions opts() {
    ResponseOptions o;
    o.now = t0;
    o.acs_url = acs;
    o.sp_entity_id = sp_entity;
    o.in_response_to = "_req1";
    return o;
}

std::vector<std::string> files_in(const std::string &dir, const std::string &suffix) {
    std::vector<std::string> out;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (const dirent *e = ::readdir(d)) {
            const std::string name = e->d_name;
            if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
                out.push_back(dir + "/" + name);
        }
        ::closedir(d);
    }
    return out;
}

void signatures_in(xmlNode *n, std::vector<xmlNode *> &out) {
    for (; n != nullptr; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        if (xml::is_element(n, xml::ns_ds, "Signature")) out.push_back(n);
        signatures_in(n->children, out);
    }
}

struct Agreement {
    int verified = 0;       // xmlsec1 verified the signature with the key
    int value_checked = 0;  // ... and so did the SignedInfo-only check
    int foreign_refused = 0;
    int checked = 0;
};

// For every signature of `xml` that xmlsec1 verifies with a key of `keys`, the SignedInfo-only check
// must verify it too; a foreign key must never pass it.
void agree(const std::string &xml, const crypto::KeySet &keys, Agreement &a, const std::string &name) {
    xml::Document doc;
    try {
        doc = xml::parse(xml, {}, "vector");
        crypto::register_saml_ids(doc.get());
    } catch (const Error &) {
        return;
    }
    std::vector<xmlNode *> sigs;
    signatures_in(doc.root(), sigs);
    const crypto::DsigPolicy policy{true, false};
    const auto foreign = crypto::KeySet::from(*attacker().metadata());
    for (xmlNode *sig : sigs) {
        crypto::SignatureProfile profile;
        try {
            profile = crypto::check_signature_profile(doc.get(), sig, policy);
        } catch (const Error &) {
            continue;
        }
        ++a.checked;
        bool verified = false;
        try {
            verified = crypto::verify_enveloped(sig, profile, keys, policy).signed_element == sig->parent;
        } catch (const Error &) {
        }
        bool by_value = false;
        for (const auto &entry : keys.entries()) by_value |= crypto::signature_value_verifies(sig, entry.key);
        if (verified) {
            ++a.verified;
            a.value_checked += by_value;
            EXPECT_TRUE(by_value) << name << ": xmlsec1 verifies it, the SignedInfo-only check does not";
        }
        const bool foreign_passes = crypto::signature_value_verifies(sig, foreign->entries().front().key);
        a.foreign_refused += !foreign_passes;
        EXPECT_FALSE(foreign_passes) << name << ": another key passed";
    }
}

TEST(SignatureValueFirst, AgreesWithXmlsecOnEveryRealSignature) {
    Agreement a;
    // Real IdPs (ADFS, Entra's unprefixed signatures, Okta's PrefixList="xs", Google, Keycloak, Ping,
    // OneLogin, Shibboleth, ...), each with the certificate it came with.
    for (const std::string &f : files_in(vectors + "/interop/responses", ".xml")) {
        std::string stem = f.substr(0, f.size() - 4);
        if (stem.size() > 10 && stem.compare(stem.size() - 10, 10, ".decrypted") == 0) stem.resize(stem.size() - 10);
        std::string pem;
        try {
            pem = read_file(stem + ".crt");
        } catch (...) {
            continue;
        }
        if (pem.empty()) continue;
        std::shared_ptr<const crypto::KeySet> keys;
        try {
            keys = crypto::KeySet::from_certificates({crypto::parse_certificate_pem(pem)});
        } catch (const Error &) {
            continue;  // a key ssogate refuses (1024-bit RSA)
        }
        agree(read_file(f), *keys, a, f);
    }
    // The attack vectors, with the committed test key.
    const auto attack_keys = crypto::KeySet::from_certificates(
        {crypto::parse_certificate_pem(read_file(vectors + "/attacks/TEST-IDP-CERT.pem"))});
    for (const std::string &f : files_in(vectors + "/attacks/responses", ".xml"))
        agree(read_file(f), *attack_keys, a, f);
    // The testing IdP's knobs: PrefixLists on both methods, SHA-512, SHA-1, an EC key.
    const auto keys = crypto::KeySet::from(*idp().metadata());
    for (auto knobs : std::vector<void (*)(ResponseOptions &)>{
             [](ResponseOptions &) {},
             [](ResponseOptions &o) { o.c14n_prefixes = "#default saml samlp ds xs xsi"; },
             [](ResponseOptions &o) {
                 o.c14n_prefixes = "ds saml xs";
                 o.transform_prefixes = "#default xs";
             },
             [](ResponseOptions &o) {
                 o.signature_method = crypto::alg_rsa_sha512;
                 o.digest_method = crypto::alg_sha512;
             },
             [](ResponseOptions &o) {
                 o.signature_method = crypto::alg_rsa_sha1;
                 o.digest_method = crypto::alg_sha1;
             },
         }) {
        ResponseOptions o = opts();
        knobs(o);
        agree(idp().response_xml(o), *keys, a, "testing IdP");
    }
    static TestIdp ec("https://idp.test.example/saml", KeyType::ec_p256);
    agree(ec.response_xml(opts()), *crypto::KeySet::from(*ec.metadata()), a, "EC P-256");

    EXPECT_GE(a.verified, 60);  // the corpora are really there
    EXPECT_EQ(a.value_checked, a.verified);
    EXPECT_EQ(a.foreign_refused, a.checked);
}

TEST(SignatureValueFirst, SaysWhenCanonicalizationMayBeCostly) {
    xml::Document::Shape typical{7000, 300, 7, 3};
    EXPECT_FALSE(crypto::canonicalization_may_be_costly(typical, 0));
    EXPECT_FALSE(crypto::canonicalization_may_be_costly(typical, 1));  // Okta's "xs"
    EXPECT_TRUE(crypto::canonicalization_may_be_costly(typical, 2));
    EXPECT_TRUE(crypto::canonicalization_may_be_costly({70000, 3000, 7, 3}, 0));
    EXPECT_TRUE(crypto::canonicalization_may_be_costly({7000, 300, 17, 3}, 0));
    EXPECT_TRUE(crypto::canonicalization_may_be_costly({7000, 300, 7, 17}, 0));
    EXPECT_TRUE(crypto::canonicalization_may_be_costly({7000, 500, 7, 3}, 0));
    // What the parser measures of real responses keeps them on the plain path.
    for (const char *f :
         {"okta-1.xml", "entra-1.xml", "adfs-1.xml", "google-1.xml", "shibboleth-1.xml", "keycloak-1.xml"}) {
        xml::Document doc = xml::parse(read_file(vectors + "/interop/responses/" + f), {}, f);
        EXPECT_FALSE(crypto::canonicalization_may_be_costly(doc.shape(), 1)) << f;
    }
    ResponseOptions large = opts();
    for (int i = 0; i < 200; ++i)
        large.attributes.push_back({"urn:oid:1.3.6.1.4.1.99999.1." + std::to_string(i),
                                    {"value " + std::to_string(i) + " of a large profile"},
                                    "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                                    "attribute" + std::to_string(i)});
    xml::Document big = xml::parse(idp().response_xml(large), {}, "large");
    EXPECT_FALSE(crypto::canonicalization_may_be_costly(big.shape(), 0));  // the benchmark's large response
}

struct Verifier {
    MemoryReplayCache cache{[] { return t0; }};
    Outcome operator()(const Connection &conn, const std::string &xml) {
        VerifyContext c;
        c.now = t0;
        c.replay = &cache;
        c.pending_request_ids = {"_req1"};
        return run_verify(conn, util::base64_encode(xml), c);
    }
};

// A response of more than 64 KiB (so the SignatureValue is checked first).
ResponseOptions large_options() {
    ResponseOptions o = opts();
    for (int i = 0; i < 400; ++i)
        o.attributes.push_back({"attr" + std::to_string(i),
                                {"a value long enough to make it large, " + std::to_string(i)},
                                "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
                                ""});
    return o;
}

TEST(SignatureValueFirst, LargeGenuineResponsesVerify) {
    Verifier verify;
    auto conn = connection_for(idp().metadata());
    const std::string xml = idp().response_xml(large_options());
    ASSERT_TRUE(crypto::canonicalization_may_be_costly(xml::parse(xml, {}, "x").shape(), 0));
    Outcome ok = verify(*conn, xml);
    EXPECT_CODE(ok, Code::ok);
    EXPECT_EQ(ok.login.attributes.size(), 400u);
    // PrefixLists on both methods, only the Assertion signed.
    ResponseOptions o = large_options();
    o.sign = Sign::assertion;
    o.c14n_prefixes = "#default saml samlp ds xs xsi";
    o.transform_prefixes = "xs";
    EXPECT_CODE(verify(*conn, idp().response_xml(o)), Code::ok);
    // Key rollover: the metadata's first certificate is another one; the second verifies.
    std::string both = attacker().metadata_xml();
    const std::string own = idp().metadata_xml();
    const auto kd = own.find("<md:KeyDescriptor"), kd_end = own.find("</md:KeyDescriptor>") + 19;
    both.insert(both.find("</md:IDPSSODescriptor>"), own.substr(kd, kd_end - kd));
    Verifier fresh;  // the same response again: a new replay cache
    EXPECT_CODE(fresh(*connection_for(import_idp_metadata(both, {})), xml), Code::ok);
}

TEST(SignatureValueFirst, LargeOrDeepDocumentsSignedWithAnotherKeyAreRefusedBeforeCanonicalization) {
    Verifier verify;
    auto conn = connection_for(idp().metadata());
    Outcome large = verify(*conn, attacker().response_xml(large_options()));
    EXPECT_CODE(large, Code::signature_invalid);
    EXPECT_NE(large.message.find("checked over SignedInfo before the document was canonicalized"), std::string::npos)
        << large.message;
    // Small but deep, with a declaration on every level.
    ResponseOptions o = opts();
    o.sign = Sign::none;
    std::string deep = attacker().unsigned_response_xml(o), open, close;
    for (int i = 0; i < 20; ++i) {
        open += "<e xmlns:d" + std::to_string(i) + "='urn:d'>";
        close += "</e>";
    }
    deep.insert(deep.rfind("</samlp:Response>"),
                "<samlp:Extensions>" + open + "<d0:y/>" + close + "</samlp:Extensions>");
    xml::Document doc = xml::parse(deep, {}, "x");
    crypto::register_saml_ids(doc.get());
    attacker().sign_element(doc.get(), xml::first_child_element(doc.root(), xml::ns_saml, "Assertion"));
    attacker().sign_element(doc.get(), doc.root());
    Outcome refused = verify(*conn, testing::serialize(doc.get()));
    EXPECT_CODE(refused, Code::signature_invalid);
    EXPECT_NE(refused.message.find("checked over SignedInfo before"), std::string::npos) << refused.message;
}

TEST(SignatureValueFirst, TamperingIsStillFound) {
    Verifier verify;
    auto conn = connection_for(idp().metadata());
    const std::string xml = idp().response_xml(large_options());
    // A changed value after signing: the SignatureValue holds, xmlsec1's digest does not.
    std::string changed = xml;
    changed.replace(changed.find("alice@example.com"), 17, "mallo@example.com");
    Outcome digest = verify(*conn, changed);
    EXPECT_CODE(digest, Code::signature_invalid);
    EXPECT_NE(digest.message.find("changed after it was signed"), std::string::npos) << digest.message;
    // A changed SignatureValue.
    std::string value = xml;
    const std::size_t at = value.find("<ds:SignatureValue>") + 19;
    value[at + 5] = value[at + 5] == 'A' ? 'B' : 'A';
    EXPECT_CODE(verify(*conn, value), Code::signature_invalid);
    // A changed SignedInfo (the digest value of its Reference).
    std::string info = xml;
    const std::size_t dv = info.find("<ds:DigestValue>") + 16;
    info[dv + 3] = info[dv + 3] == 'A' ? 'B' : 'A';
    EXPECT_CODE(verify(*conn, info), Code::signature_invalid);
}

TEST(SignatureValueFirst, LargeMetadataIsDigestedOnlyWithItsSignersKey) {
    // federation-1: a 940 KB aggregate, inclusive c14n for SignedInfo (so the copy must carry every
    // namespace in scope and the inherited xml: attributes), SHA-1.
    const std::string bytes = read_file(vectors + "/interop/metadata/federation-1.xml");
    ImportOptions o;
    o.now = *util::parse_datetime("2026-11-28T00:00:00Z");
    o.entity_id = "https://idp.hig.se/idp/shibboleth";
    o.allow_sha1 = true;
    {
        xml::Document doc = xml::parse(bytes, {}, "x");
        xmlNode *sig = xml::first_child_element(doc.root(), xml::ns_ds, "Signature");
        xmlNode *cert = xml::first_child_element(
            xml::first_child_element(xml::first_child_element(sig, xml::ns_ds, "KeyInfo"), xml::ns_ds, "X509Data"),
            xml::ns_ds, "X509Certificate");
        ASSERT_NE(cert, nullptr);
        o.trusted_signer_pem = crypto::to_pem(crypto::parse_certificate_base64(xml::text(cert)));
        ASSERT_TRUE(crypto::canonicalization_may_be_costly(doc.shape(), 0));
    }
    EXPECT_TRUE(import_idp_metadata(bytes, o)->signature_verified());
    o.trusted_signer_pem = read_file(vectors + "/metadata/rsa-2048.crt");
    try {
        import_idp_metadata(bytes, o);
        ADD_FAILURE() << "imported with the wrong signer";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::metadata_signature_invalid);
        EXPECT_NE(std::string(e.what()).find("checked over SignedInfo before the document was canonicalized"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace ssogate::core::test
