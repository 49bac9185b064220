// Encrypted assertions through verification, login and the Gate: the testing IdP encrypts to SP keys
// made for each run, and every check of the plain path still applies to what was decrypted.
#include "response_test_util.hpp"

#include "crypto/dsig.hpp"
#include "crypto/xmlenc.hpp"
#include "gate/gate.hpp"
#include "login/login.hpp"
#include "store/pending_requests.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace ssogate::core::test {
namespace {

using testing::ResponseOptions;
using testing::Sign;
using testing::TestIdp;

const TestIdp &idp() {
    static const TestIdp instance;
    return instance;
}

// An SP encryption key: the testing IdP's key generation makes RSA-2048 pairs.
std::shared_ptr<const crypto::SigningKey> new_sp_key() {
    const TestIdp maker("https://sp-key.test.example");
    return crypto::SigningKey::from_pem(maker.private_key_pem(), maker.certificate_pem());
}

const std::shared_ptr<const crypto::SigningKey> &sp_key() {
    static const auto key = new_sp_key();
    return key;
}

std::shared_ptr<const Connection> encrypted_connection(const std::vector<std::string> &certs,
                                                       ConnectionSettings settings = {}) {
    ConnectionParams p;
    p.id = "c1";
    p.acs_url = acs;
    p.sp_entity_id = sp_entity;
    p.settings = std::move(settings);
    p.sp_encryption_certificates_pem = certs;
    return make_connection(idp().metadata(), p);
}

ResponseOptions encrypted_options(const std::string &cert_pem) {
    ResponseOptions o;
    o.now = t0;
    o.acs_url = acs;
    o.sp_entity_id = sp_entity;
    o.in_response_to = "_req1";
    testing::Encryption e;
    e.certificate_pem = cert_pem;
    o.encrypt = e;
    return o;
}

Outcome verify(const Connection &conn, const ResponseOptions &o, const crypto::DecryptionKeys &keys) {
    MemoryReplayCache cache([] { return t0; });
    VerifyContext ctx;
    ctx.now = t0;
    ctx.replay = &cache;
    ctx.pending_request_ids = {"_req1"};
    ctx.decryption_keys = &keys;
    return run_verify(conn, util::base64_encode(idp().response_xml(o)), ctx);
}

TEST(EncryptedVerify, EncryptedIdAndAttributesInsideASignedAssertionAreDecrypted) {
    auto conn = encrypted_connection({sp_key()->certificate_pem()});
    ResponseOptions o = encrypted_options(sp_key()->certificate_pem());
    o.encrypt->assertion = false;
    o.encrypt->nameid = true;
    o.encrypt->attributes = true;
    o.nameid = "carol@example.com";
    testing::TestAttribute groups;
    groups.name = "groups";
    groups.values = {"admins", "dev"};
    o.attributes = {groups};
    const std::string xml = idp().response_xml(o);
    ASSERT_NE(xml.find("EncryptedID"), std::string::npos);
    ASSERT_NE(xml.find("EncryptedAttribute"), std::string::npos);
    ASSERT_EQ(xml.find("carol@example.com"), std::string::npos);

    Outcome out = verify(*conn, o, {sp_key()});
    EXPECT_CODE(out, Code::ok);
    EXPECT_EQ(out.login.email, "carol@example.com");
    ASSERT_EQ(out.login.attributes.size(), 1u);
    EXPECT_EQ(out.login.attributes[0].name, "groups");
    EXPECT_EQ(out.login.attributes[0].values, (std::vector<std::string>{"admins", "dev"}));

    // Without the key, the refusal names the encrypted element it met first (an attribute).
    Outcome none = verify(*conn, o, {});
    EXPECT_CODE(none, Code::assertion_encrypted);
    EXPECT_NE(none.message.find("saml:EncryptedAttribute"), std::string::npos) << none.message;
}

TEST(EncryptedVerify, TheEmailCanComeFromAnEncryptedAttribute) {
    ConnectionSettings s;
    s.email_attribute = "mail";
    auto conn = encrypted_connection({sp_key()->certificate_pem()}, s);
    ResponseOptions o = encrypted_options(sp_key()->certificate_pem());
    o.encrypt->attributes = true;  // inside an EncryptedAssertion as well: both layers open
    testing::TestAttribute mail;
    mail.name = "mail";
    mail.values = {"dave@example.com"};
    o.attributes = {mail};
    Outcome out = verify(*conn, o, {sp_key()});
    EXPECT_CODE(out, Code::ok);
    EXPECT_EQ(out.login.email, "dave@example.com");
}

TEST(EncryptedVerify, AnEncryptedIdBesideANameIdIsRefused) {
    auto conn = encrypted_connection({sp_key()->certificate_pem()});
    ResponseOptions o = encrypted_options(sp_key()->certificate_pem());
    o.encrypt->assertion = false;
    o.encrypt->nameid = true;
    o.sign = Sign::none;
    xml::Document doc = xml::parse(idp().response_xml(o), {}, "test");
    crypto::register_saml_ids(doc.get());
    xmlNode *assertion = xml::first_child_element(doc.root(), xml::ns_saml, "Assertion");
    xmlNode *subject = xml::first_child_element(assertion, xml::ns_saml, "Subject");
    xmlNode *nameid = xmlNewChild(subject, nullptr, reinterpret_cast<const xmlChar *>("NameID"),
                                  reinterpret_cast<const xmlChar *>("mallory@example.com"));
    xmlSetNs(nameid, xmlSearchNsByHref(doc.get(), subject, reinterpret_cast<const xmlChar *>(xml::ns_saml)));
    idp().sign_element(doc.get(), assertion);
    MemoryReplayCache cache([] { return t0; });
    VerifyContext ctx;
    ctx.now = t0;
    ctx.replay = &cache;
    ctx.pending_request_ids = {"_req1"};
    const crypto::DecryptionKeys keys{sp_key()};
    ctx.decryption_keys = &keys;
    Outcome out = run_verify(*conn, util::base64_encode(testing::serialize(doc.get())), ctx);
    EXPECT_CODE(out, Code::nameid_invalid);
}

TEST(EncryptedVerify, EveryDecryptionFailureHasOneMessageNamingTheKeysTried) {
    auto conn = encrypted_connection({sp_key()->certificate_pem()});
    // A key the connection lists but that is not the one the IdP encrypted to.
    auto other = new_sp_key();
    auto two = encrypted_connection({sp_key()->certificate_pem(), other->certificate_pem()});
    ResponseOptions o = encrypted_options(other->certificate_pem());
    o.sign = Sign::assertion;
    Outcome wrong_key = verify(*two, o, {sp_key()});
    EXPECT_CODE(wrong_key, Code::decryption_failed);

    ResponseOptions cbc = encrypted_options(sp_key()->certificate_pem());
    cbc.sign = Sign::assertion;
    cbc.encrypt->data_algorithm = crypto::alg_aes256_cbc;
    std::string xml = idp().response_xml(cbc);
    const auto at = xml.find("<xenc:CipherValue>", xml.find("EncryptedData"));
    xml[xml.find("<xenc:CipherValue>", at + 1) + 40] ^= 0x01;  // the data's cipher text (after the key's)
    MemoryReplayCache cache([] { return t0; });
    VerifyContext ctx;
    ctx.now = t0;
    ctx.replay = &cache;
    ctx.pending_request_ids = {"_req1"};
    const crypto::DecryptionKeys keys{sp_key()};
    ctx.decryption_keys = &keys;
    Outcome tampered = run_verify(*conn, util::base64_encode(xml), ctx);
    EXPECT_CODE(tampered, Code::decryption_failed);
    EXPECT_EQ(tampered.user_message, wrong_key.user_message);
    // The operator message names the keys tried (their fingerprints), never the bytes' fate.
    EXPECT_NE(tampered.message.find(sp_key()->certificate().sha256), std::string::npos) << tampered.message;
    EXPECT_EQ(tampered.message.find("padding"), std::string::npos) << tampered.message;
    EXPECT_EQ(tampered.message.find("tag"), std::string::npos) << tampered.message;
}

TEST(EncryptedVerify, RolloverTriesTheCurrentAndTheNextKey) {
    auto next = new_sp_key();
    auto conn = encrypted_connection({sp_key()->certificate_pem(), next->certificate_pem()});
    EXPECT_CODE(verify(*conn, encrypted_options(next->certificate_pem()), {sp_key(), next}), Code::ok);
    EXPECT_CODE(verify(*conn, encrypted_options(sp_key()->certificate_pem()), {sp_key(), next}), Code::ok);
    // A key whose certificate the connection does not list is never tried.
    auto one = encrypted_connection({sp_key()->certificate_pem()});
    EXPECT_CODE(verify(*one, encrypted_options(next->certificate_pem()), {next}), Code::assertion_encrypted);
}

TEST(EncryptedVerify, Rsa15WithCbcFindsTheRightKeyDuringARollover) {
    // A wrong key unwraps RSA-1_5 to a random stand-in, which passes CBC's padding check about once
    // in 16: every such candidate is kept, and the right key's plain text is the one accepted.
    auto other = new_sp_key();
    ConnectionSettings legacy;
    legacy.allow_rsa_1_5 = true;
    auto conn = encrypted_connection({other->certificate_pem(), sp_key()->certificate_pem()}, legacy);
    ResponseOptions o = encrypted_options(sp_key()->certificate_pem());
    o.encrypt->key_transport = crypto::alg_rsa_1_5;
    o.encrypt->data_algorithm = crypto::alg_aes128_cbc;
    for (const Sign sign : {Sign::assertion, Sign::both}) {
        o.sign = sign;
        for (int i = 0; i < 48; ++i) {
            o.assertion_id = "_a" + std::to_string(i);
            EXPECT_CODE(verify(*conn, o, {other, sp_key()}), Code::ok);
        }
    }
    // EncryptedID under the same conditions.
    o.encrypt->assertion = false;
    o.encrypt->nameid = true;
    for (int i = 0; i < 48; ++i) {
        o.assertion_id = "_n" + std::to_string(i);
        EXPECT_CODE(verify(*conn, o, {other, sp_key()}), Code::ok);
    }
}

TEST(EncryptedVerify, SpMetadataPublishesEveryEncryptionCertificateAndTheAllowList) {
    auto next = new_sp_key();
    auto conn = encrypted_connection({sp_key()->certificate_pem(), next->certificate_pem()});
    const std::string md = conn->sp_metadata();
    std::size_t count = 0;
    for (auto at = md.find("use=\"encryption\""); at != std::string::npos; at = md.find("use=\"encryption\"", at + 1))
        ++count;
    EXPECT_EQ(count, 2u);
    EXPECT_NE(md.find(crypto::alg_aes256_gcm), std::string::npos);
    EXPECT_NE(md.find(crypto::alg_rsa_oaep_mgf1p), std::string::npos);
    EXPECT_EQ(md.find(crypto::alg_rsa_1_5), std::string::npos);
    ConnectionSettings legacy;
    legacy.allow_rsa_1_5 = true;
    EXPECT_NE(encrypted_connection({sp_key()->certificate_pem()}, legacy)->sp_metadata().find(crypto::alg_rsa_1_5),
              std::string::npos);
    // The connection's JSON keeps the certificates, never a private key.
    const std::string json = conn->to_json();
    EXPECT_NE(json.find("sp_encryption_certificates"), std::string::npos);
    EXPECT_EQ(json.find("PRIVATE KEY"), std::string::npos);
    auto restored = connection_from_json(json);
    EXPECT_EQ(restored->sp_encryption_certificates().size(), 2u);
}

TEST(EncryptedVerify, AConnectionHoldsAtMostFourEncryptionCertificates) {
    std::vector<std::string> certs;
    for (int i = 0; i < 5; ++i) certs.push_back(new_sp_key()->certificate_pem());
    try {
        encrypted_connection(certs);
        ADD_FAILURE() << "five certificates were accepted";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::invalid_setting);
    }
    certs.pop_back();
    EXPECT_EQ(encrypted_connection(certs)->sp_encryption_certificates().size(), 4u);
}

TEST(EncryptedVerify, FinishLoginDecryptsAndTakesThePendingRequest) {
    auto conn = encrypted_connection({sp_key()->certificate_pem()});
    auto pending = store::make_memory_pending_requests();
    LoginOptions lo;
    lo.now = t0;
    lo.return_to = "/dashboard";
    const BegunLogin begun = begin_login(*conn, *pending, lo);
    ResponseOptions o = encrypted_options(sp_key()->certificate_pem());
    o.in_response_to = begun.request_id;
    MemoryReplayCache cache([] { return t0; });
    VerifyContext ctx;
    ctx.now = t0;
    ctx.replay = &cache;
    const crypto::DecryptionKeys keys{sp_key()};
    ctx.decryption_keys = &keys;
    const FinishedLogin fin =
        finish_login(*conn, *pending, begun.relay_state, util::base64_encode(idp().response_xml(o)), ctx);
    EXPECT_EQ(fin.login.email, "alice@example.com");
    EXPECT_EQ(fin.return_to, "/dashboard");
}

TEST(EncryptedVerify, TheGateUsesTheKeysOfEachConnection) {
    gate::GateOptions frozen;
    frozen.clock = [] { return t0; };
    std::shared_ptr<gate::Gate> g = gate::Gate::open("memory:", {}, frozen);
    g->create_account("acme", "Acme", {"example.com"});
    g->add_connection("acme", encrypted_connection({sp_key()->certificate_pem()}));
    ResponseOptions o = encrypted_options(sp_key()->certificate_pem());
    o.in_response_to.clear();
    g->add_member("acme", "alice@example.com", policy::Role::member, false);

    ConnectionSettings unsolicited;
    unsolicited.allow_idp_initiated = true;
    g->add_connection("acme", encrypted_connection({sp_key()->certificate_pem()}, unsolicited));
    gate::Outcome before = g->consume("c1", util::base64_encode(idp().response_xml(o)), "");
    EXPECT_FALSE(before.accepted());
    EXPECT_EQ(before.error, Code::assertion_encrypted) << before.reason_text;

    g->add_decryption_key(sp_key());
    g->add_decryption_key(sp_key());  // held once
    o.assertion_id = "_second";
    gate::Outcome after = g->consume("c1", util::base64_encode(idp().response_xml(o)), "");
    EXPECT_TRUE(after.accepted()) << after.reason << ": " << after.reason_text;
    EXPECT_EQ(after.email, "alice@example.com");
    EXPECT_THROW(g->add_decryption_key(nullptr), Error);
}

}  // namespace
}  // namespace ssogate::core::test
