// SP-initiated login: the AuthnRequest over both bindings, its signatures checked with
// OpenSSL and xmlsec1 independently of the code that made them, the return-to rules, and every
// refusal at the ACS (unknown, used, expired, other connection, tampered RelayState, missing binding).
#include "login/login.hpp"
#include "crypto/dsig.hpp"
#include "crypto/keys.hpp"
#include "crypto/sign.hpp"
#include "response_test_util.hpp"
#include "store/open.hpp"
#include "store/sqlite.hpp"
#include "store_support.hpp"
#include "util/time.hpp"
#include "xml/xml.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

namespace ssogate::core::test {
namespace {

constexpr const char *sso_url = "https://idp.test.example/sso";

// An SP key pair made for the test: PEM private key and self-signed certificate.
struct KeyPair {
    std::string key_pem, cert_pem;
};

std::string bio_text(BIO *b) {
    char *p = nullptr;
    long n = BIO_get_mem_data(b, &p);
    return std::string(p, static_cast<std::size_t>(n));
}

KeyPair make_key_pair(EVP_PKEY *key) {
    X509 *cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
    X509_gmtime_adj(X509_getm_notBefore(cert), -86400);
    X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 86400);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("ssogate test SP"), -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    BIO *kb = BIO_new(BIO_s_mem());
    BIO *cb = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
    PEM_write_bio_X509(cb, cert);
    KeyPair out{bio_text(kb), bio_text(cb)};
    BIO_free(kb);
    BIO_free(cb);
    X509_free(cert);
    return out;
}

KeyPair rsa_pair(unsigned bits = 2048) {
    EVP_PKEY *k = EVP_RSA_gen(bits);
    KeyPair p = make_key_pair(k);
    EVP_PKEY_free(k);
    return p;
}

const KeyPair &sp_pair() {
    static const KeyPair pair = rsa_pair();
    return pair;
}

std::shared_ptr<const SpKey> sp_key() {
    static const auto key = SpKey::from_pem(sp_pair().key_pem, sp_pair().cert_pem);
    return key;
}

// "a=1&b=2" -> the raw (still URL-encoded) values, in order.
std::vector<std::pair<std::string, std::string>> raw_params(const std::string &query) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t amp = query.find('&', start);
        std::string part = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        std::size_t eq = part.find('=');
        out.emplace_back(part.substr(0, eq), eq == std::string::npos ? "" : part.substr(eq + 1));
        if (amp == std::string::npos) break;
        start = amp + 1;
    }
    return out;
}

std::string url_decode(const std::string &s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i] == '+' ? ' ' : s[i];
        }
    }
    return out;
}

std::map<std::string, std::string> decoded_params(const std::string &url) {
    std::map<std::string, std::string> out;
    for (auto &[k, v] : raw_params(url.substr(url.find('?') + 1))) out[k] = url_decode(v);
    return out;
}

// The value="..." of the hidden input `name` in the POST form, un-escaped.
std::string form_value(const std::string &html, const std::string &name) {
    const std::string marker = "name=\"" + name + "\" value=\"";
    std::size_t p = html.find(marker);
    if (p == std::string::npos) return "(missing)";
    p += marker.size();
    return html.substr(p, html.find('"', p) - p);
}

struct Fixture : ::testing::Test {
    testing::TestIdp idp;
    std::shared_ptr<const Connection> conn;
    std::unique_ptr<store::PendingRequests> pending = store::make_memory_pending_requests();
    MemoryReplayCache replay{[] { return t0; }};

    void SetUp() override {
        ConnectionSettings s;
        s.allowed_return_origins = {"https://APP.example.com:443", "http://localhost:8080"};
        conn = connection_for(import_idp_metadata(idp.metadata_xml(sso_url), {}), s);
    }

    LoginOptions options(LoginBinding b = LoginBinding::redirect, std::string return_to = "/dashboard?tab=1") {
        LoginOptions o;
        o.binding = b;
        o.return_to = std::move(return_to);
        o.now = t0;
        return o;
    }

    std::string answer(const std::string &in_response_to, std::int64_t now = t0) {
        testing::ResponseOptions r;
        r.now = now;
        r.acs_url = acs;
        r.sp_entity_id = sp_entity;
        r.in_response_to = in_response_to;
        return idp.response_base64(r);
    }

    VerifyContext context(std::int64_t now = t0) {
        VerifyContext c;
        c.now = now;
        c.replay = &replay;
        return c;
    }

    Outcome finish(const std::string &relay_state, const std::string &b64, std::int64_t now = t0,
                   FinishedLogin *out = nullptr, const Connection *at = nullptr) {
        Outcome o;
        try {
            FinishedLogin f = finish_login(at != nullptr ? *at : *conn, *pending, relay_state, b64, context(now));
            o.login = f.login;
            if (out != nullptr) *out = f;
        } catch (const Rejection &r) {
            o.code = r.code();
            o.message = r.what();
            o.user_message = r.user_message();
        }
        return o;
    }
};

std::string expect_error(Code code, const std::function<void()> &f) {
    try {
        f();
    } catch (const Error &e) {
        EXPECT_EQ(code_name(e.code()), std::string(code_name(code))) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected " << code_name(code) << ", nothing was thrown";
    return {};
}

// --- the AuthnRequest -------------------------------------------------------------------------

TEST_F(Fixture, RedirectCarriesTheDeflatedRequestAndRelayState) {
    BegunLogin b = begin_login(*conn, *pending, options());
    ASSERT_EQ(b.redirect_url.rfind(std::string(sso_url) + "?SAMLRequest=", 0), 0u) << b.redirect_url;
    EXPECT_TRUE(b.post_form_html.empty());
    EXPECT_FALSE(b.is_signed);
    auto params = decoded_params(b.redirect_url);
    EXPECT_EQ(params.size(), 2u);
    EXPECT_EQ(params["RelayState"], b.relay_state);
    const std::string xml_text = raw_inflate(util::base64_decode(params["SAMLRequest"]), 1 << 20);
    EXPECT_EQ(xml_text, b.xml);

    xml::Document doc = xml::parse(xml_text, xml::Limits{}, "AuthnRequest");
    xmlNode *root = doc.root();
    ASSERT_TRUE(xml::is_element(root, xml::ns_samlp, "AuthnRequest"));
    EXPECT_EQ(xml::attribute(root, "ID").value_or(""), b.request_id);
    EXPECT_EQ(xml::attribute(root, "Version").value_or(""), "2.0");
    EXPECT_EQ(xml::attribute(root, "IssueInstant").value_or(""), util::format_datetime(t0));
    EXPECT_EQ(xml::attribute(root, "Destination").value_or(""), sso_url);
    EXPECT_EQ(xml::attribute(root, "AssertionConsumerServiceURL").value_or(""), acs);
    EXPECT_EQ(xml::attribute(root, "ProtocolBinding").value_or(""), binding_post);
    EXPECT_FALSE(xml::attribute(root, "ForceAuthn"));
    EXPECT_FALSE(xml::attribute(root, "IsPassive"));
    xmlNode *issuer = xml::first_child_element(root, xml::ns_saml, "Issuer");
    ASSERT_NE(issuer, nullptr);
    EXPECT_EQ(xml::text(issuer), sp_entity);
    xmlNode *policy = xml::first_child_element(root, xml::ns_samlp, "NameIDPolicy");
    ASSERT_NE(policy, nullptr);
    EXPECT_EQ(xml::attribute(policy, "Format").value_or(""), nameid_email);
    EXPECT_EQ(xml::attribute(policy, "AllowCreate").value_or(""), "true");

    // The ID is an NCName with at least 128 random bits; the RelayState is a separate token.
    EXPECT_EQ(b.request_id[0], '_');
    EXPECT_GE(b.request_id.size(), 23u);
    EXPECT_GE(b.relay_state.size(), 22u);
    EXPECT_LE(b.relay_state.size(), max_relay_state_bytes);
    EXPECT_EQ(b.relay_state.find(b.request_id.substr(1)), std::string::npos);
    EXPECT_EQ(b.expires_at, t0 + 600);
}

TEST_F(Fixture, EveryLoginGetsFreshIdentifiers) {
    BegunLogin a = begin_login(*conn, *pending, options());
    BegunLogin b = begin_login(*conn, *pending, options());
    EXPECT_NE(a.request_id, b.request_id);
    EXPECT_NE(a.relay_state, b.relay_state);
}

TEST_F(Fixture, ForceAuthnAndIsPassive) {
    LoginOptions o = options();
    o.force_authn = true;
    o.is_passive = true;
    BegunLogin b = begin_login(*conn, *pending, o);
    xml::Document doc = xml::parse(b.xml, xml::Limits{}, "AuthnRequest");
    EXPECT_EQ(xml::attribute(doc.root(), "ForceAuthn").value_or(""), "true");
    EXPECT_EQ(xml::attribute(doc.root(), "IsPassive").value_or(""), "true");
}

TEST_F(Fixture, IdpUrlWithAQueryGetsOurParametersAppended) {
    auto c = connection_for(import_idp_metadata(idp.metadata_xml("https://idp.test.example/sso?tenant=a&x=1"), {}));
    BegunLogin b = begin_login(*c, *pending, options());
    EXPECT_EQ(b.redirect_url.rfind("https://idp.test.example/sso?tenant=a&x=1&SAMLRequest=", 0), 0u) << b.redirect_url;
    EXPECT_EQ(decoded_params(b.redirect_url)["RelayState"], b.relay_state);
}

TEST_F(Fixture, RedirectSignatureCoversTheExactQueryBytes) {
    LoginOptions o = options();
    o.sp_key = sp_key();
    BegunLogin b = begin_login(*conn, *pending, o);
    EXPECT_TRUE(b.is_signed);
    const std::string query = b.redirect_url.substr(b.redirect_url.find('?') + 1);
    auto raw = raw_params(query);
    ASSERT_EQ(raw.size(), 4u);
    EXPECT_EQ(raw[0].first, "SAMLRequest");
    EXPECT_EQ(raw[1].first, "RelayState");
    EXPECT_EQ(raw[2].first, "SigAlg");
    EXPECT_EQ(raw[3].first, "Signature");
    EXPECT_EQ(url_decode(raw[2].second), crypto::alg_rsa_sha256);
    // Bindings 3.4.4.1: the signed octets are the three parameters exactly as they appear in the URL.
    const std::string signed_part = query.substr(0, query.find("&Signature="));
    const std::string signature = util::base64_decode(url_decode(raw[3].second));

    BIO *bio = BIO_new_mem_buf(sp_pair().cert_pem.data(), static_cast<int>(sp_pair().cert_pem.size()));
    X509 *cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    EVP_PKEY *pub = X509_get_pubkey(cert);
    auto verifies = [&](const std::string &data) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pub);
        int rc = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(signature.data()), signature.size(),
                                  reinterpret_cast<const unsigned char *>(data.data()), data.size());
        EVP_MD_CTX_free(ctx);
        return rc == 1;
    };
    EXPECT_TRUE(verifies(signed_part));
    std::string tampered = signed_part;
    tampered[tampered.find("RelayState=") + 11] ^= 1;
    EXPECT_FALSE(verifies(tampered));
    // Decoded values would be other bytes: the signature is over the encoded form only.
    EXPECT_FALSE(verifies(url_decode(signed_part)));
    EVP_PKEY_free(pub);
    X509_free(cert);
    BIO_free(bio);
}

TEST_F(Fixture, PostFormIsEscapedAndSelfSubmitting) {
    auto c = connection_for(import_idp_metadata(idp.metadata_xml("https://idp.test.example/sso?a=1&b=2"), {}));
    BegunLogin b = begin_login(*c, *pending, options(LoginBinding::post, "/a?x=1&y=2"));
    EXPECT_TRUE(b.redirect_url.empty());
    const std::string &html = b.post_form_html;
    EXPECT_NE(html.find("action=\"https://idp.test.example/sso?a=1&amp;b=2\""), std::string::npos) << html;
    EXPECT_EQ(html.find("a=1&b=2"), std::string::npos);
    EXPECT_EQ(util::base64_decode(form_value(html, "SAMLRequest")), b.xml);
    EXPECT_EQ(form_value(html, "RelayState"), b.relay_state);
    EXPECT_NE(html.find("<noscript>"), std::string::npos);
    // CSP-friendly: one constant script (allowed by hash), no inline event handlers, no return-to.
    EXPECT_NE(html.find(std::string("<script>") + post_form_script + "</script>"), std::string::npos);
    EXPECT_EQ(html.find("onload"), std::string::npos);
    EXPECT_EQ(html.find("/a?x=1"), std::string::npos);
    EXPECT_EQ(util::base64_encode(util::sha256(post_form_script)), "8lDeP0UDwCO6/RhblgeH/ctdBzjVpJxrXizsnIk3cEQ=");
    xml::Document doc = xml::parse(b.xml, xml::Limits{}, "AuthnRequest");
    EXPECT_EQ(xml::attribute(doc.root(), "Destination").value_or(""), "https://idp.test.example/sso?a=1&b=2");
}

TEST_F(Fixture, PostSignatureVerifiesWithXmlsec) {
    LoginOptions o = options(LoginBinding::post);
    o.sp_key = sp_key();
    BegunLogin b = begin_login(*conn, *pending, o);
    EXPECT_TRUE(b.is_signed);
    auto keys = crypto::KeySet::from_certificates({crypto::parse_certificate_pem(sp_pair().cert_pem)});
    auto verify = [&](const std::string &text) {
        xml::Document doc = xml::parse(text, xml::Limits{}, "AuthnRequest");
        xmlNode *root = doc.root();
        xmlAttr *id = xmlHasProp(root, reinterpret_cast<const xmlChar *>("ID"));
        xmlAddID(nullptr, doc.get(), id->children->content, id);
        xmlNode *sig = xml::first_child_element(root, xml::ns_ds, "Signature");
        if (sig == nullptr) throw std::runtime_error("no signature");
        // Schema order: Issuer, Signature, NameIDPolicy.
        EXPECT_TRUE(xml::is_element(xmlPreviousElementSibling(sig), xml::ns_saml, "Issuer"));
        auto v = crypto::verify_enveloped(doc.get(), sig, *keys, crypto::DsigPolicy{});
        EXPECT_EQ(v.signed_element, root);
        EXPECT_EQ(v.signature_method, crypto::alg_rsa_sha256);
        EXPECT_EQ(v.digest_method, crypto::alg_sha256);
    };
    verify(b.xml);
    std::string tampered = b.xml;
    tampered.replace(tampered.find(acs), std::string(acs).size(), "https://evil.example.com/acs");
    expect_error(Code::signature_invalid, [&] { verify(tampered); });
}

TEST_F(Fixture, MissingBindingNamesTheOnesTheIdpHas) {
    // This IdP's metadata lists only HTTP-POST.
    auto c = connection_for(
        import_idp_metadata(metadata_for_pem("https://idp.post-only.example", idp.certificate_pem()), {}));
    std::string m = expect_error(Code::binding_unsupported, [&] { begin_login(*c, *pending, options()); });
    EXPECT_NE(m.find("HTTP-Redirect"), std::string::npos) << m;
    EXPECT_NE(m.find("lists: HTTP-POST"), std::string::npos) << m;
    EXPECT_NO_THROW(begin_login(*c, *pending, options(LoginBinding::post)));
}

TEST_F(Fixture, IdpThatWantsSignedRequestsNeedsAKey) {
    std::string md = idp.metadata_xml(sso_url);
    md.replace(md.find("WantAuthnRequestsSigned=\"false\""), 31, "WantAuthnRequestsSigned=\"true\"");
    auto c = connection_for(import_idp_metadata(md, {}));
    expect_error(Code::sp_key_required, [&] { begin_login(*c, *pending, options()); });
    LoginOptions o = options();
    o.sp_key = sp_key();
    EXPECT_TRUE(begin_login(*c, *pending, o).is_signed);
}

TEST_F(Fixture, TheSpMetadataSaysWhatTheConnectionDoes) {
    // The IdP wants signed requests and the connection publishes the SP key's certificate: every
    // login it begins is signed, and its metadata says so, with that certificate.
    std::string md = idp.metadata_xml(sso_url);
    md.replace(md.find("WantAuthnRequestsSigned=\"false\""), 31, "WantAuthnRequestsSigned=\"true\"");
    ConnectionParams p;
    p.id = "c1";
    p.acs_url = acs;
    p.sp_entity_id = sp_entity;
    p.sp_certificate_pem = sp_pair().cert_pem;
    auto signing = make_connection(import_idp_metadata(md, {}), p);
    EXPECT_TRUE(signing->signs_every_request());
    xml::Document doc = xml::parse(signing->sp_metadata(), {}, "SP metadata");
    xmlNode *sp = xml::first_child_element(doc.root(), xml::ns_md, "SPSSODescriptor");
    ASSERT_NE(sp, nullptr);
    EXPECT_EQ(xml::attribute(sp, "AuthnRequestsSigned"), "true");
    xmlNode *kd = xml::first_child_element(sp, xml::ns_md, "KeyDescriptor");
    ASSERT_NE(kd, nullptr);
    EXPECT_EQ(xml::attribute(kd, "use"), "signing");
    LoginOptions o = options();
    o.sp_key = sp_key();
    EXPECT_TRUE(begin_login(*signing, *pending, o).is_signed);
    expect_error(Code::sp_key_required, [&] { begin_login(*signing, *pending, options()); });

    // A key whose certificate is not the published one: the IdP would refuse its signatures.
    const KeyPair other = rsa_pair();
    o.sp_key = SpKey::from_pem(other.key_pem, other.cert_pem);
    const std::string m = expect_error(Code::sp_key_invalid, [&] { begin_login(*signing, *pending, o); });
    EXPECT_NE(m.find("publishes in its SP metadata"), std::string::npos) << m;

    // An IdP that does not ask: a login may be begun unsigned, so nothing is promised.
    auto plain = connection_for(import_idp_metadata(idp.metadata_xml(sso_url), {}));
    EXPECT_FALSE(plain->signs_every_request());
    EXPECT_NE(plain->sp_metadata().find("AuthnRequestsSigned=\"false\""), std::string::npos);
}

TEST(SpKeyTest, RefusesKeysThatCannotSign) {
    const KeyPair good = rsa_pair();
    const KeyPair other = rsa_pair();
    expect_error(Code::sp_key_invalid, [&] { SpKey::from_pem("not a key", good.cert_pem); });
    expect_error(Code::sp_key_invalid, [&] { SpKey::from_pem(good.key_pem, "not a certificate"); });
    std::string m = expect_error(Code::sp_key_invalid, [&] { SpKey::from_pem(good.key_pem, other.cert_pem); });
    EXPECT_EQ(m.find("PRIVATE KEY-----\n"), std::string::npos) << "the message must not quote the key";
    const KeyPair weak = rsa_pair(1024);
    expect_error(Code::sp_key_invalid, [&] { SpKey::from_pem(weak.key_pem, weak.cert_pem); });
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    const KeyPair ecp = make_key_pair(ec);
    EVP_PKEY_free(ec);
    expect_error(Code::sp_key_invalid, [&] { SpKey::from_pem(ecp.key_pem, ecp.cert_pem); });
    // An encrypted key is refused (never a terminal prompt for its password).
    BIO *kb = BIO_new_mem_buf(good.key_pem.data(), static_cast<int>(good.key_pem.size()));
    EVP_PKEY *k = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO *out = BIO_new(BIO_s_mem());
    PEM_write_bio_PKCS8PrivateKey(out, k, EVP_aes_128_cbc(), nullptr, 0, nullptr, const_cast<char *>("pw"));
    const std::string encrypted = bio_text(out);
    BIO_free(out);
    BIO_free(kb);
    EVP_PKEY_free(k);
    expect_error(Code::sp_key_invalid, [&] { SpKey::from_pem(encrypted, good.cert_pem); });
    EXPECT_NO_THROW(SpKey::from_pem(good.key_pem, good.cert_pem));
}

TEST(SpKeyTest, RefusesASmallPublicExponent) {
    // e = 3: OpenSSL makes such keys; the library must not sign requests with one.
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
    ASSERT_NE(ctx, nullptr);
    ASSERT_EQ(EVP_PKEY_keygen_init(ctx), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
    BIGNUM *three = BN_new();
    BN_set_word(three, 3);
    ASSERT_EQ(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, three), 1);
    BN_free(three);
    EVP_PKEY *k = nullptr;
    ASSERT_EQ(EVP_PKEY_keygen(ctx, &k), 1);
    EVP_PKEY_CTX_free(ctx);
    const KeyPair small = make_key_pair(k);
    EVP_PKEY_free(k);
    const std::string m = expect_error(Code::sp_key_invalid, [&] { SpKey::from_pem(small.key_pem, small.cert_pem); });
    EXPECT_NE(m.find("public exponent 3"), std::string::npos) << m;
}

TEST_F(Fixture, TtlMustBeSensible) {
    LoginOptions o = options();
    o.ttl_seconds = 0;
    expect_error(Code::invalid_argument, [&] { begin_login(*conn, *pending, o); });
    o.ttl_seconds = max_login_ttl_seconds + 1;
    expect_error(Code::invalid_argument, [&] { begin_login(*conn, *pending, o); });
}

// --- return-to ---------------------------------------------------------------------------------

TEST_F(Fixture, ReturnToAcceptsPathsAndAllowedOrigins) {
    for (const char *ok :
         {"", "/", "/dashboard?tab=1", "/a/b#frag", "/x?next=%2F%2Fevil.com", "https://app.example.com/settings",
          "https://APP.EXAMPLE.COM:443/x", "http://localhost:8080/cb"}) {
        EXPECT_EQ(check_return_to(*conn, ok), ok);
    }
}

TEST_F(Fixture, ReturnToRefusesOpenRedirects) {
    for (const char *bad : {"//evil.com",
                            "//evil.com/x",
                            "/\\evil.com",
                            "\\\\evil.com",
                            "https://evil.com",
                            "https://app.example.com.evil.com/",
                            "http://app.example.com/x",
                            "https://app.example.com:8443/",
                            "javascript:alert(1)",
                            "JaVaScRiPt:alert(1)",
                            "data:text/html,x",
                            "dashboard",
                            "evil.com",
                            "/a\nb",
                            "/a\tb",
                            " /a",
                            "/a b",
                            "/caf\xc3\xa9",
                            "http://localhost:8081/",
                            "https://user@app.example.com/"}) {
        std::string m = expect_error(Code::return_to_not_allowed, [&] { check_return_to(*conn, bad); });
        EXPECT_EQ(m.find("return-to address refused"), 0u) << bad;
        expect_error(Code::return_to_not_allowed,
                     [&] { begin_login(*conn, *pending, options(LoginBinding::redirect, bad)); });
    }
    expect_error(Code::return_to_not_allowed, [&] { check_return_to(*conn, "/" + std::string(2048, 'a')); });
    // No origin configured: only paths.
    auto plain = connection_for(conn->idp());
    expect_error(Code::return_to_not_allowed, [&] { check_return_to(*plain, "https://app.example.com/x"); });
}

TEST(ConnectionReturnOrigins, NormalisedRoundTrippedAndOptionalInJson) {
    testing::TestIdp idp;
    ConnectionSettings s;
    s.allowed_return_origins = {"HTTPS://App.Example.com:443/", "https://app.example.com", "http://127.0.0.1:8000"};
    auto c = connection_for(idp.metadata(), s);
    EXPECT_EQ(c->settings().allowed_return_origins,
              (std::vector<std::string>{"https://app.example.com", "http://127.0.0.1:8000"}));
    auto back = connection_from_json(c->to_json());
    EXPECT_EQ(back->settings().allowed_return_origins, c->settings().allowed_return_origins);

    // JSON written before the field existed (schema 1 as first published) still reads.
    std::string old_json = connection_for(idp.metadata())->to_json();
    const std::string field = ",\n    \"allowed_return_origins\": []";
    ASSERT_NE(old_json.find(field), std::string::npos) << old_json;
    old_json.erase(old_json.find(field), field.size());
    EXPECT_TRUE(connection_from_json(old_json)->settings().allowed_return_origins.empty());
    EXPECT_NE(old_json.find("\"schema_version\": 1"), std::string::npos);

    for (const char *bad :
         {"https://app.example.com/path", "ftp://app.example.com", "app.example.com", "https://app.example.com/?q=1"}) {
        ConnectionSettings b;
        b.allowed_return_origins = {bad};
        expect_error(Code::invalid_setting, [&] { connection_for(idp.metadata(), b); });
    }
}

// --- at the ACS --------------------------------------------------------------------------------

TEST_F(Fixture, RoundTripReturnsTheLoginAndItsReturnTo) {
    for (LoginBinding binding : {LoginBinding::redirect, LoginBinding::post}) {
        BegunLogin b = begin_login(*conn, *pending, options(binding, "/projects/7?tab=members"));
        FinishedLogin f;
        Outcome o = finish(b.relay_state, answer(b.request_id), t0, &f);
        EXPECT_CODE(o, Code::ok);
        EXPECT_EQ(f.login.email, "alice@example.com");
        EXPECT_EQ(f.login.in_response_to, b.request_id);
        EXPECT_EQ(f.request_id, b.request_id);
        EXPECT_EQ(f.return_to, "/projects/7?tab=members");
    }
}

TEST_F(Fixture, RequestUsedTwiceIsRefused) {
    BegunLogin b = begin_login(*conn, *pending, options());
    EXPECT_CODE(finish(b.relay_state, answer(b.request_id)), Code::ok);
    // A second, otherwise valid, answer to the same request (a new assertion, so not a replay).
    Outcome again = finish(b.relay_state, answer(b.request_id));
    EXPECT_CODE(again, Code::request_unknown);
    EXPECT_NE(again.user_message.find("Start the sign-in again"), std::string::npos) << again.user_message;
}

TEST_F(Fixture, UnknownRelayStateIsRefused) {
    begin_login(*conn, *pending, options());
    EXPECT_CODE(finish(util::random_token(32), answer("_nothing")), Code::request_unknown);
}

TEST_F(Fixture, TamperedRelayStateIsRefusedAndLeavesTheRequestPending) {
    BegunLogin b = begin_login(*conn, *pending, options());
    std::string tampered = b.relay_state;
    tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
    EXPECT_CODE(finish(tampered, answer(b.request_id)), Code::request_unknown);
    EXPECT_CODE(finish(b.relay_state + "/x", answer(b.request_id)), Code::relay_state_invalid);
    EXPECT_CODE(finish(std::string(81, 'a'), answer(b.request_id)), Code::relay_state_invalid);
    EXPECT_CODE(finish("/dashboard", answer(b.request_id)), Code::relay_state_invalid);
    EXPECT_CODE(finish(b.relay_state, answer(b.request_id)), Code::ok);
}

TEST_F(Fixture, ExpiredRequestIsRefused) {
    BegunLogin b = begin_login(*conn, *pending, options());
    const std::int64_t later = t0 + 601;
    Outcome o = finish(b.relay_state, answer(b.request_id, later), later);
    EXPECT_CODE(o, Code::request_expired);
    EXPECT_NE(o.message.find(util::format_datetime(t0 + 600)), std::string::npos) << o.message;
    // Gone for good.
    EXPECT_CODE(finish(b.relay_state, answer(b.request_id, later), later), Code::request_unknown);
}

TEST_F(Fixture, ShortTtlIsHonoured) {
    LoginOptions o = options();
    o.ttl_seconds = 30;
    BegunLogin b = begin_login(*conn, *pending, o);
    EXPECT_EQ(b.expires_at, t0 + 30);
    EXPECT_CODE(finish(b.relay_state, answer(b.request_id, t0 + 30), t0 + 30), Code::request_expired);
}

TEST_F(Fixture, AnotherConnectionsRequestIsRefused) {
    ConnectionParams p;
    p.id = "c2";
    p.acs_url = "https://app.example.com/sso/saml/c2/acs";
    p.sp_entity_id = "https://app.example.com/sso/saml/c2";
    auto other = make_connection(conn->idp(), p);
    BegunLogin b = begin_login(*other, *pending, options());
    // The browser's RelayState for c2 arrives at c1's ACS with a response made for c1.
    Outcome o = finish(b.relay_state, answer(b.request_id));
    EXPECT_CODE(o, Code::request_connection_mismatch);
    EXPECT_NE(o.message.find("\"c2\""), std::string::npos) << o.message;
}

TEST_F(Fixture, ResponseMustAnswerThePendingRequest) {
    BegunLogin b = begin_login(*conn, *pending, options());
    BegunLogin other = begin_login(*conn, *pending, options());
    EXPECT_CODE(finish(b.relay_state, answer(other.request_id)), Code::in_response_to_unknown);
}

TEST_F(Fixture, UnsolicitedResponseCannotUseAPendingRequestsRelayState) {
    ConnectionSettings s;
    s.allow_idp_initiated = true;
    auto c = connection_for(conn->idp(), s);
    BegunLogin b = begin_login(*c, *pending, options());
    EXPECT_CODE(finish(b.relay_state, answer(""), t0, nullptr, c.get()), Code::in_response_to_unknown);
}

TEST_F(Fixture, WithoutRelayStateTheRequestIsFoundByInResponseTo) {
    BegunLogin b = begin_login(*conn, *pending, options(LoginBinding::redirect, "/after"));
    FinishedLogin f;
    EXPECT_CODE(finish("", answer(b.request_id), t0, &f), Code::ok);
    EXPECT_EQ(f.return_to, "/after");
    EXPECT_EQ(f.request_id, b.request_id);
    // Taken: neither the token nor the ID finds it again.
    EXPECT_CODE(finish(b.relay_state, answer(b.request_id)), Code::request_unknown);
    EXPECT_CODE(finish("", answer(b.request_id)), Code::request_unknown);
}

TEST_F(Fixture, ForgedResponseWithoutRelayStateDoesNotUseTheRequestUp) {
    BegunLogin b = begin_login(*conn, *pending, options());
    testing::TestIdp attacker;
    testing::ResponseOptions r;
    r.now = t0;
    r.acs_url = acs;
    r.sp_entity_id = sp_entity;
    r.in_response_to = b.request_id;  // request IDs travel in URLs: not a secret
    EXPECT_CODE(finish("", attacker.response_base64(r)), Code::signature_invalid);
    EXPECT_CODE(finish(b.relay_state, answer(b.request_id)), Code::ok);
}

TEST_F(Fixture, WithoutRelayStateAnExpiredRequestIsRefused) {
    BegunLogin b = begin_login(*conn, *pending, options());
    EXPECT_CODE(finish("", answer(b.request_id, t0 + 700), t0 + 700), Code::request_expired);
}

TEST_F(Fixture, UnsolicitedWithoutRelayStateFollowsTheConnectionSetting) {
    EXPECT_CODE(finish("", answer("")), Code::unsolicited_not_allowed);
    ConnectionSettings s;
    s.allow_idp_initiated = true;
    auto c = connection_for(conn->idp(), s);
    FinishedLogin f;
    EXPECT_CODE(finish("", answer(""), t0, &f, c.get()), Code::ok);
    EXPECT_TRUE(f.return_to.empty());
    EXPECT_TRUE(f.request_id.empty());
}

class BrokenStore final : public store::PendingRequests {
public:
    void put(std::string_view, const store::PendingRequest &) override {
        fail(Code::store_unavailable, "the test store is down");
    }
    std::optional<store::PendingRequest> take(std::string_view, std::int64_t) override {
        fail(Code::store_unavailable, "the test store is down");
    }
    std::optional<store::PendingRequest> take_by_request_id(std::string_view, std::string_view, std::int64_t) override {
        throw std::runtime_error("connection reset");
    }
};

TEST_F(Fixture, AStoreThatCannotAnswerRefusesTheLogin) {
    BrokenStore broken;
    expect_error(Code::store_unavailable, [&] { begin_login(*conn, broken, options()); });
    BegunLogin b = begin_login(*conn, *pending, options());
    auto run = [&](const std::string &rs) {
        try {
            finish_login(*conn, broken, rs, answer(b.request_id), context());
        } catch (const Rejection &r) {
            return r.code();
        }
        return Code::ok;
    };
    EXPECT_EQ(run(b.relay_state), Code::store_unavailable);
    EXPECT_EQ(run(""), Code::store_unavailable);
}

#if SSOGATE_WITH_REDIS
TEST_F(Fixture, SqliteAndRedisStoresPlugInUnchanged) {
    store_test::TempDir dir;
    store_test::RedisServer redis;
    for (const std::string &shared : {"sqlite:" + dir.file("s.db"), redis.url()}) {
        auto stores = store::open_stores("memory:", shared);
        BegunLogin b = begin_login(*conn, *stores.pending, options(LoginBinding::post, "/from-" + shared.substr(0, 5)));
        FinishedLogin f = finish_login(*conn, *stores.pending, b.relay_state, answer(b.request_id), context());
        EXPECT_EQ(f.return_to, "/from-" + shared.substr(0, 5));
        expect_error(Code::request_unknown,
                     [&] { finish_login(*conn, *stores.pending, b.relay_state, answer(b.request_id), context()); });
        BegunLogin e = begin_login(*conn, *stores.pending, options());
        expect_error(Code::request_expired, [&] {
            finish_login(*conn, *stores.pending, e.relay_state, answer(e.request_id, t0 + 601), context(t0 + 601));
        });
    }
}
#endif

TEST(LoginEncoding, DeflateRoundTripAndUrlEncoding) {
    const std::string text = "<samlp:AuthnRequest>" + std::string(5000, 'x') + "</samlp:AuthnRequest>";
    EXPECT_EQ(raw_inflate(raw_deflate(text), 1 << 20), text);
    expect_error(Code::input_too_large, [&] { raw_inflate(raw_deflate(text), 100); });
    expect_error(Code::encoding_invalid, [&] { raw_inflate("not deflate at all", 1 << 20); });
    EXPECT_EQ(url_encode("a+b/c=d e~_-.%&"), "a%2Bb%2Fc%3Dd%20e~_-.%25%26");
}

}  // namespace
}  // namespace ssogate::core::test
