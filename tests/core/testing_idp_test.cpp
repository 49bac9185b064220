// The testing IdP: its metadata imports, its responses verify here and with xmlsec1's own CLI (an
// independent check that what it signs is standard XML-DSig), and EC keys work end to end.
#include "response_test_util.hpp"

#include "crypto/dsig.hpp"
#include "metadata/idp.hpp"

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ssogate::core::test {
namespace {

using testing::ResponseOptions;
using testing::Sign;
using testing::TestIdp;

ResponseOptions base() {
    ResponseOptions o;
    o.now = t0;
    o.acs_url = acs;
    o.sp_entity_id = sp_entity;
    o.in_response_to = "_req1";
    return o;
}

std::string run_command(const std::string &cmd, int &status) {
    std::string out;
    FILE *p = popen((cmd + " 2>&1").c_str(), "r");
    if (p == nullptr) {
        status = -1;
        return out;
    }
    char buf[512];
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    status = pclose(p);
    return out;
}

TEST(TestingIdp, MetadataImportsWithItsCertificate) {
    TestIdp idp("https://idp.example.org/metadata");
    auto md = idp.metadata();
    EXPECT_EQ(md->entity_id(), "https://idp.example.org/metadata");
    ASSERT_EQ(md->signing_certificates().size(), 1u);
    EXPECT_EQ(md->signing_certificates()[0].der, idp.certificate_der());
    EXPECT_EQ(md->signing_certificates()[0].key_bits, 2048);
}

TEST(TestingIdp, XmlsecCliVerifiesItsResponses) {
    TestIdp idp;
    auto dir = std::filesystem::temp_directory_path() / ("ssogate-testidp-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto cert = dir / "idp.pem";
    std::ofstream(cert) << idp.certificate_pem();
    for (Sign s : {Sign::response, Sign::assertion}) {
        auto o = base();
        o.sign = s;
        const auto file = dir / "response.xml";
        std::ofstream(file, std::ios::binary) << idp.response_xml(o);
        // --enabled-key-data key-name: xmlsec1 must use the given certificate, not the KeyInfo.
        std::string cmd = "xmlsec1 --verify --enabled-key-data key-name --pubkey-cert-pem " + cert.string() +
                          " --id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:Response"
                          " --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion " +
                          file.string();
        int status = 0;
        std::string out = run_command(cmd, status);
        EXPECT_EQ(status, 0) << out;
        EXPECT_NE(out.find("OK"), std::string::npos) << out;
        // And the CLI refuses it once tampered with (a control that the command really checks).
        std::string text = idp.response_xml(o);
        text.replace(text.find("alice@example.com"), 5, "mallo");
        std::ofstream(file, std::ios::binary) << text;
        run_command(cmd, status);
        EXPECT_NE(status, 0);
    }
    std::filesystem::remove_all(dir);
}

TEST(TestingIdp, EcdsaKeysVerifyEndToEnd) {
    TestIdp idp("https://ec.idp.example/saml", testing::KeyType::ec_p256);
    auto conn = connection_for(idp.metadata());
    MemoryReplayCache cache([] { return t0; });
    VerifyContext c;
    c.now = t0;
    c.replay = &cache;
    c.pending_request_ids = {"_req1"};
    Outcome r = run_verify(*conn, idp.response_base64(base()), c);
    EXPECT_CODE(r, Code::ok);
    auto o = base();
    o.signature_method = crypto::alg_ecdsa_sha512;
    o.digest_method = crypto::alg_sha512;
    EXPECT_CODE(run_verify(*conn, idp.response_base64(o), c), Code::ok);
}

TEST(TestingIdp, ResponsesAreDeterministicGivenIdsAndTime) {
    TestIdp idp;
    auto o = base();
    o.sign = Sign::none;
    o.response_id = "_r1";
    o.assertion_id = "_a1";
    EXPECT_EQ(idp.response_xml(o), idp.response_xml(o));
    EXPECT_NE(idp.response_xml(o).find("IssueInstant=\"2026-01-01T00:00:00Z\""), std::string::npos);
}

TEST(KeySetTest, RefusesWeakRsaKeysAndDescribesCertificates) {
    TestIdp idp;
    auto keys = crypto::KeySet::from(*idp.metadata());
    ASSERT_EQ(keys->entries().size(), 1u);
    EXPECT_NE(keys->describe().find("ssogate test IdP"), std::string::npos);
    auto weak = crypto::parse_certificate_pem(
        read_file(std::string(SSOGATE_VECTORS_DIR) + "/interop/responses/oracle-oam-1.crt"));
    ASSERT_LT(weak.key_bits, 2048);
    try {
        crypto::KeySet::from_certificates({weak});
        ADD_FAILURE() << "a 1024-bit key was trusted";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::metadata_weak_key);
    }
}

}  // namespace
}  // namespace ssogate::core::test
