#include "crypto/certificate.hpp"
#include "support.hpp"
#include "util/encoding.hpp"

namespace ssogate::core {
namespace {

using test::crafted;
using test::expect_code;
using test::interop;

TEST(Certificate, ParsesPemWithFacts) {
    // The certificate pinned for responses/okta-1.xml (an Okta tenant's signing certificate).
    crypto::Certificate c = crypto::parse_certificate_pem(interop("responses/okta-1.crt"));
    EXPECT_EQ(c.key_type, "RSA");
    EXPECT_EQ(c.key_bits, 2048);
    EXPECT_TRUE(c.key_curve.empty());
    EXPECT_NE(c.subject.find("CN=dev-116807"), std::string::npos) << c.subject;
    EXPECT_NE(c.subject.find("O=Okta"), std::string::npos) << c.subject;
    EXPECT_EQ(c.sha256, util::hex_colon(util::sha256(c.der)));
    EXPECT_LT(c.not_before, c.not_after);
}

TEST(Certificate, ReadsDatesKeyAndNames) {
    crypto::Certificate c = crypto::parse_certificate_pem(crafted("rsa-2048.crt"));
    EXPECT_EQ(c.not_before, *util::parse_datetime("2026-01-01T00:00:00Z"));
    EXPECT_EQ(c.not_after, *util::parse_datetime("2036-01-01T00:00:00Z"));
    EXPECT_EQ(c.subject, "O=ssogate tests,CN=ssogate test rsa-2048");  // RFC 2253: most specific last-first
    EXPECT_EQ(c.issuer, c.subject);
    EXPECT_EQ(c.key_type, "RSA");
    EXPECT_EQ(c.key_bits, 2048);

    crypto::Certificate ec = crypto::parse_certificate_pem(crafted("ec-p256.crt"));
    EXPECT_EQ(ec.key_type, "EC");
    EXPECT_EQ(ec.key_bits, 256);
    EXPECT_EQ(ec.key_curve, "P-256");
}

TEST(Certificate, PemRoundTrip) {
    crypto::Certificate c = crypto::parse_certificate_pem(crafted("rsa-2048.crt"));
    std::string pem = crypto::to_pem(c);
    EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
    crypto::Certificate again = crypto::parse_certificate_pem(pem);
    EXPECT_EQ(again.der, c.der);
    EXPECT_EQ(crypto::parse_certificate_base64(util::base64_encode(c.der)).sha256, c.sha256);
    EXPECT_EQ(crypto::parse_certificate_der(c.der).subject, c.subject);
}

TEST(Certificate, RefusesBrokenDer) {
    crypto::Certificate c = crypto::parse_certificate_pem(crafted("rsa-2048.crt"));
    expect_code(Code::metadata_bad_cert, [] { crypto::parse_certificate_der(""); });
    expect_code(Code::metadata_bad_cert, [] { crypto::parse_certificate_der("not a certificate"); });
    expect_code(Code::metadata_bad_cert, [&] { crypto::parse_certificate_der(c.der.substr(0, c.der.size() - 1)); });
    std::string msg = expect_code(Code::metadata_bad_cert, [&] { crypto::parse_certificate_der(c.der + "x"); });
    EXPECT_NE(msg.find("1 bytes after"), std::string::npos) << msg;
    expect_code(Code::metadata_bad_cert, [] { crypto::parse_certificate_base64("MIIC*"); });
}

TEST(Certificate, PemErrorsAreInvalidArgument) {
    expect_code(Code::invalid_argument, [] { crypto::parse_certificate_pem("MIIC..."); });
    expect_code(Code::invalid_argument, [] {
        crypto::parse_certificate_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    });
    expect_code(Code::invalid_argument, [] { crypto::parse_certificate_pem("-----BEGIN CERTIFICATE-----\nAAAA\n"); });
    const std::string pem = crafted("rsa-2048.crt");
    expect_code(Code::invalid_argument, [&] { crypto::parse_certificate_pem(pem + pem); });
}

}  // namespace
}  // namespace ssogate::core
