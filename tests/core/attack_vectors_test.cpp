// The attack suite as committed files (tests/vectors/attacks, written by its generate.cpp): every
// vector gets its manifest code here, and the same manifest is replayed through C, Python and Go,
// so a vector that passes in C++ passes in every binding.
#include "response_test_util.hpp"

#include "metadata/idp.hpp"
#include "util/text.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

namespace ssogate::core::test {
namespace {

const std::string dir = std::string(SSOGATE_VECTORS_DIR) + "/attacks/";

struct AttackVectors : ::testing::Test {
    nlohmann::json manifest = nlohmann::json::parse(read_file(dir + "manifest.json"));
    std::shared_ptr<const IdpMetadata> idp = import_idp_metadata(read_file(dir + "idp-metadata.xml"), {});
};

std::shared_ptr<const Connection> connection_of(std::shared_ptr<const IdpMetadata> idp, const nlohmann::json &c) {
    ConnectionParams p;
    p.id = "c1";
    p.acs_url = c["acs_url"].get<std::string>();
    p.sp_entity_id = c["sp_entity_id"].get<std::string>();
    p.settings.allow_idp_initiated = c["allow_idp_initiated"].get<bool>();
    p.settings.allow_sha1 = c["allow_sha1"].get<bool>();
    p.settings.clock_skew_seconds = c["clock_skew_seconds"].get<int>();
    p.settings.email_attribute = c["email_attribute"].get<std::string>();
    p.settings.allowed_email_domains = c["allowed_domains"].get<std::vector<std::string>>();
    p.settings.allow_rsa_1_5 = c.value("allow_rsa_1_5", false);
    if (c.value("sp_encryption", false)) p.sp_encryption_certificates_pem = {read_file(dir + "TEST-SP-ENC-CERT.pem")};
    return make_connection(std::move(idp), p);
}

// The TEST SP encryption key, given to verification for the vectors with "sp_encryption".
const crypto::DecryptionKeys &sp_keys() {
    static const crypto::DecryptionKeys keys{crypto::SigningKey::from_pem(
        read_file(dir + "TEST-SP-ENC-KEY-DO-NOT-USE.pem"), read_file(dir + "TEST-SP-ENC-CERT.pem"))};
    return keys;
}

TEST_F(AttackVectors, EveryVectorGetsItsCode) {
    int accepted = 0, refused = 0;
    for (const auto &v : manifest["vectors"]) {
        const std::string name = v["name"].get<std::string>();
        SCOPED_TRACE(name);
        const auto &c = v["context"];
        ASSERT_EQ(c["idp_entity_id"].get<std::string>(), idp->entity_id());
        auto conn = connection_of(idp, c);
        const std::string body = read_file(dir + v["file"].get<std::string>());
        const std::string form = v["form"].get<bool>() ? body : util::base64_encode(body);

        const std::int64_t now = c["now"].get<std::int64_t>();
        MemoryReplayCache cache([now] { return now; });
        VerifyContext ctx;
        ctx.now = now;
        ctx.replay = &cache;
        ctx.pending_request_ids = c["request_ids"].get<std::vector<std::string>>();
        if (c["max_bytes"].get<std::size_t>() != 0) ctx.max_bytes = c["max_bytes"].get<std::size_t>();
        if (c.value("sp_encryption", false)) ctx.decryption_keys = &sp_keys();

        const int repeat = v["repeat"].get<int>();
        for (int i = 1; i < repeat; ++i) EXPECT_CODE(run_verify(*conn, form, ctx), Code::ok);
        Outcome o = run_verify(*conn, form, ctx);
        const std::string expect = v["expect"].get<std::string>();
        EXPECT_EQ(code_name(o.code), expect) << o.message;
        // Quoted values are cut on character boundaries: every message is valid UTF-8 as written (none
        // needed repair, which would show as U+FFFD), so every binding can hand it over as a string.
        EXPECT_EQ(util::valid_utf8(o.message), o.message);
        EXPECT_EQ(o.message.find("\xEF\xBF\xBD"), std::string::npos) << o.message;
        if (expect == "OK") {
            ++accepted;
            EXPECT_EQ(o.login.email, v["email"].get<std::string>());
            EXPECT_EQ(o.login.idp_entity_id, idp->entity_id());
        } else {
            ++refused;
            // The end-user text names the code and nothing else of the input.
            EXPECT_NE(o.user_message.find(expect), std::string::npos) << o.user_message;
        }
    }
    EXPECT_GE(accepted, 10);
    EXPECT_GE(refused, 60);
}

TEST_F(AttackVectors, TheIssueAttackListIsCovered) {
    std::set<std::string> names, codes;
    int xsw = 0;
    for (const auto &v : manifest["vectors"]) {
        names.insert(v["name"].get<std::string>());
        codes.insert(v["expect"].get<std::string>());
        xsw += v["name"].get<std::string>().rfind("xsw", 0) == 0;
    }
    EXPECT_EQ(xsw, 8);
    for (const char *n :
         {"second-unsigned-assertion", "assertion-in-advice", "xsw7-signed-assertion-in-extensions", "duplicate-ids",
          "nameid-comment-injection", "another-key-no-keyinfo", "attacker-cert-in-keyinfo", "content-tampered",
          "signature-value-tampered", "sha1-refused", "valid-sha1-allowed", "hmac-sha1", "extra-transform-xpath",
          "doctype", "xxe", "entity-bomb", "replay",
          // the hostile XML shapes of the hardening work
          "attributes-on-root", "namespaces-on-root", "namespaces-in-scope", "prefix-list-too-long",
          "prefix-list-on-c14n-method", "valid-prefix-lists", "valid-utf16", "utf16-nul-second-response",
          "encoding-shift-jis",
          // encrypted assertions: tampering (one uniform code), keys, algorithms, structure, plain text
          "enc-gcm-ciphertext-tampered", "enc-gcm-tag-tampered", "enc-cbc-ciphertext-tampered",
          "enc-cbc-padding-tampered", "enc-encrypted-key-tampered", "enc-wrong-sp-key", "enc-rsa-1_5-refused",
          "enc-valid-rsa-1_5-allowed", "enc-retrieval-method-external", "enc-keyinfo-carries-key", "enc-unsigned",
          "enc-plus-plain-assertion", "enc-plain-plus-encrypted", "enc-for-another-sp", "enc-plaintext-doctype",
          "enc-plaintext-entity", "enc-plaintext-deep", "enc-plaintext-attributes", "enc-too-large",
          "enc-cbc-unsigned-plaintext-doctype"}) {
        EXPECT_TRUE(names.count(n)) << n;
    }
    EXPECT_TRUE(codes.count("XML_ATTRIBUTE_LIMITS"));
    for (const char *c : {"DECRYPTION_FAILED", "ENCRYPTION_ALGORITHM", "ENCRYPTION_MALFORMED", "ASSERTION_ENCRYPTED"}) {
        EXPECT_TRUE(codes.count(c)) << c;
    }
    // Every time, audience, recipient, destination, issuer, status and InResponseTo refusal.
    for (const char *c : {"SUBJECT_EXPIRED", "EXPIRED", "NOT_YET_VALID", "ISSUE_INSTANT", "AUDIENCE_MISMATCH",
                          "RECIPIENT_MISMATCH", "DESTINATION_MISMATCH", "ISSUER_MISMATCH", "STATUS_NOT_SUCCESS",
                          "IN_RESPONSE_TO_UNKNOWN", "UNSOLICITED_NOT_ALLOWED", "REPLAYED"}) {
        EXPECT_TRUE(codes.count(c)) << c;
    }
}

TEST_F(AttackVectors, EveryFileIsInTheManifest) {
    std::set<std::string> listed;
    for (const auto &v : manifest["vectors"]) listed.insert(v["file"].get<std::string>());
    int files = 0;
    for (const auto &entry : std::filesystem::directory_iterator(dir + "responses")) {
        ++files;
        EXPECT_TRUE(listed.count("responses/" + entry.path().filename().string())) << entry.path();
    }
    EXPECT_EQ(static_cast<std::size_t>(files), listed.size());
}

TEST_F(AttackVectors, Sha1VectorIsRefusedWithoutTheOptIn) {
    // valid-sha1-allowed passes only because its context opts in: without it, the same bytes fail.
    for (const auto &v : manifest["vectors"]) {
        if (v["name"] != "valid-sha1-allowed") continue;
        auto c = v["context"];
        c["allow_sha1"] = false;
        auto conn = connection_of(idp, c);
        const std::int64_t now = c["now"].get<std::int64_t>();
        MemoryReplayCache cache([now] { return now; });
        VerifyContext ctx;
        ctx.now = now;
        ctx.replay = &cache;
        ctx.pending_request_ids = {"_req1"};
        EXPECT_CODE(run_verify(*conn, util::base64_encode(read_file(dir + v["file"].get<std::string>())), ctx),
                    Code::signature_algorithm);
        return;
    }
    ADD_FAILURE() << "no valid-sha1-allowed vector";
}

}  // namespace
}  // namespace ssogate::core::test
