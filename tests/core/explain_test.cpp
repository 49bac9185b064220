// The explain call (response/explain.hpp): on every attack vector and every interop response, in every
// configuration the verification tests use, its first failing check carries the code verification
// refuses with (and the same message), every check passes when verification accepts, and it changes
// nothing (the replay cache holds what it held). Then the values and hints it gives for the usual
// causes of a failed login.
#include "response_test_util.hpp"

#include "metadata/idp.hpp"
#include "response/explain.hpp"
#include "util/time.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace ssogate::core::test {
namespace {

std::string dump(const Explanation &ex) {
    std::string out;
    for (const CheckResult &c : ex.checks) {
        out += c.name + " " + check_status_name(c.status) + " " + code_name(c.code) + " | " + c.expected + " | " +
               c.got + " | " + c.detail + "\n";
    }
    for (const Hint &h : ex.hints) out += "hint " + h.name + ": " + h.text + "\n";
    return out;
}

const CheckResult *find(const Explanation &ex, const std::string &name) {
    for (const CheckResult &c : ex.checks)
        if (c.name == name) return &c;
    return nullptr;
}

std::string hint_text(const Explanation &ex, const std::string &name) {
    for (const Hint &h : ex.hints)
        if (h.name == name) return h.text;
    return {};
}

bool has_hint(const Explanation &ex, const std::string &name) {
    return std::any_of(ex.hints.begin(), ex.hints.end(), [&](const Hint &h) { return h.name == name; });
}

// The invariant, on one response in one configuration: explain first (it must leave the cache as it
// found it), then verify with the same state.
void expect_agrees(const Connection &conn, const std::string &b64, const VerifyContext &ctx,
                   const MemoryReplayCache &cache, int *refusals = nullptr) {
    const std::size_t before = cache.size();
    const Explanation ex = explain_response(conn, b64, ctx);
    EXPECT_EQ(cache.size(), before) << "explain changed the replay cache";
    const Outcome o = run_verify(conn, b64, ctx);
    ASSERT_EQ(code_name(ex.first_failure()), std::string(code_name(o.code))) << o.message << "\n" << dump(ex);
    // Every name once, in the order of check_names().
    std::vector<std::size_t> order;
    for (const CheckResult &c : ex.checks) {
        const auto &names = check_names();
        const auto it = std::find(names.begin(), names.end(), c.name);
        ASSERT_NE(it, names.end()) << c.name;
        order.push_back(static_cast<std::size_t>(it - names.begin()));
    }
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << dump(ex);
    EXPECT_EQ(std::set<std::size_t>(order.begin(), order.end()).size(), order.size()) << dump(ex);
    EXPECT_GE(ex.checks.size(), 25u) << dump(ex);
    if (o.code == Code::ok) {
        for (const CheckResult &c : ex.checks) EXPECT_EQ(c.status, CheckStatus::pass) << c.name << "\n" << dump(ex);
        EXPECT_TRUE(ex.hints.empty()) << dump(ex);
        return;
    }
    if (refusals != nullptr) ++*refusals;
    const auto first = std::find_if(ex.checks.begin(), ex.checks.end(),
                                    [](const CheckResult &c) { return c.status == CheckStatus::fail; });
    ASSERT_NE(first, ex.checks.end());
    EXPECT_EQ(first->detail, o.message);
    // Nothing before the first failure failed, and no check after a hard failure ran: what follows
    // the last failure is not reached, unless the failure was one that lets the others go on.
    for (auto it = ex.checks.begin(); it != first; ++it) EXPECT_EQ(it->status, CheckStatus::pass) << it->name;
}

const std::string attacks = std::string(SSOGATE_VECTORS_DIR) + "/attacks/";
const std::string interop = std::string(SSOGATE_VECTORS_DIR) + "/interop/";

TEST(Explain, AgreesWithVerifyOnEveryAttackVector) {
    const auto manifest = nlohmann::json::parse(read_file(attacks + "manifest.json"));
    const auto idp = import_idp_metadata(read_file(attacks + "idp-metadata.xml"), {});
    const crypto::DecryptionKeys sp_keys{crypto::SigningKey::from_pem(
        read_file(attacks + "TEST-SP-ENC-KEY-DO-NOT-USE.pem"), read_file(attacks + "TEST-SP-ENC-CERT.pem"))};
    int vectors = 0, refusals = 0;
    for (const auto &v : manifest["vectors"]) {
        SCOPED_TRACE(v["name"].get<std::string>());
        const auto &c = v["context"];
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
        if (c.value("sp_encryption", false))
            p.sp_encryption_certificates_pem = {read_file(attacks + "TEST-SP-ENC-CERT.pem")};
        const auto conn = make_connection(idp, p);
        const std::string body = read_file(attacks + v["file"].get<std::string>());
        const std::string form = v["form"].get<bool>() ? body : util::base64_encode(body);
        const std::int64_t now = c["now"].get<std::int64_t>();
        MemoryReplayCache cache([now] { return now; });
        VerifyContext ctx;
        ctx.now = now;
        ctx.replay = &cache;
        ctx.pending_request_ids = c["request_ids"].get<std::vector<std::string>>();
        if (c["max_bytes"].get<std::size_t>() != 0) ctx.max_bytes = c["max_bytes"].get<std::size_t>();
        if (c.value("sp_encryption", false)) ctx.decryption_keys = &sp_keys;
        // The replay vector: earlier posts are verified (and recorded) first, as in the verify tests.
        for (int i = 1; i < v["repeat"].get<int>(); ++i) EXPECT_CODE(run_verify(*conn, form, ctx), Code::ok);
        // The manifest's code is what the first failing check says, with the same state.
        EXPECT_EQ(code_name(explain_response(*conn, form, ctx).first_failure()), v["expect"].get<std::string>());
        expect_agrees(*conn, form, ctx, cache, &refusals);
        ++vectors;
    }
    EXPECT_EQ(vectors, static_cast<int>(manifest["vectors"].size()));
    EXPECT_GE(refusals, 60);
}

// Every interop response with the context of its manifest entry, in each of the configurations
// response_interop_test.cpp verifies it with (SHA-1 allowed or not, IdP-initiated allowed or not, the
// SP key given or not), plus each reject variant of the manifest.
TEST(Explain, AgreesWithVerifyOnEveryInteropResponse) {
    const auto manifest = nlohmann::json::parse(read_file(interop + "manifest.json"));
    int responses = 0, runs = 0;
    for (const auto &e : manifest["files"]) {
        if (e["kind"] != "saml-response") continue;
        const std::string file = e["file"].get<std::string>();
        SCOPED_TRACE(file);
        ++responses;
        const std::string pem = read_file(interop + e["certificate"]["file"].get<std::string>());
        if (crypto::parse_certificate_pem(pem).key_bits < 2048) continue;  // cannot be configured (oracle-oam-1)
        const auto &j = e["context"];
        std::shared_ptr<const crypto::SigningKey> sp_key;
        if (e.contains("sp_decryption_key") && e["sp_decryption_key"].is_object()) {
            const std::string key_file = e["sp_decryption_key"]["file"].get<std::string>();
            const std::string cert_file = key_file.substr(0, key_file.size() - 11) + ".sp-cert.pem";
            sp_key = crypto::SigningKey::from_pem(read_file(interop + key_file), read_file(interop + cert_file), 1024);
        }
        const std::string b64 = util::base64_encode(read_file(interop + file));
        std::vector<nlohmann::json> changes{nlohmann::json::object()};
        if (e.contains("reject_variants"))
            for (const auto &v : e["reject_variants"]) changes.push_back(v["change"]);
        for (const auto &ch : changes) {
            for (int config = 0; config < 8; ++config) {
                const bool sha1 = (config & 1) != 0, unsolicited = (config & 2) != 0, give_key = (config & 4) == 0;
                if (!sp_key && !give_key) continue;
                std::string acs_url = ch.value("acs_url", j["acs_url"].get<std::string>());
                std::string sp_entity_id = ch.value("sp_entity_id", j["sp_entity_id"].get<std::string>());
                std::string idp_entity_id = ch.value("idp_entity_id", j["idp_entity_id"].get<std::string>());
                std::string request_id = j["request_id"].is_null() ? "" : j["request_id"].get<std::string>();
                request_id = ch.value("request_id", request_id);
                std::int64_t now = *util::parse_datetime(ch.value("now", j["now"].get<std::string>()));
                ImportOptions io;
                io.now = now;
                ConnectionParams p;
                p.id = "interop";
                p.acs_url = acs_url;
                p.sp_entity_id = sp_entity_id;
                p.settings.clock_skew_seconds = 0;
                p.settings.allow_sha1 = sha1;
                p.settings.allow_idp_initiated = unsolicited;
                crypto::DecryptionKeys keys;
                if (sp_key) {
                    p.sp_encryption_certificates_pem = {crypto::to_pem(sp_key->certificate())};
                    p.settings.allow_legacy_sp_key = sp_key->certificate().key_bits < 2048;
                    if (give_key) keys.push_back(sp_key);
                }
                const auto conn = make_connection(import_idp_metadata(metadata_for_pem(idp_entity_id, pem), io), p);
                MemoryReplayCache cache([now] { return now; });
                VerifyContext vc;
                vc.now = now;
                vc.replay = &cache;
                vc.decryption_keys = &keys;
                if (!request_id.empty()) vc.pending_request_ids = {request_id};
                expect_agrees(*conn, b64, vc, cache);
                ++runs;
            }
        }
    }
    EXPECT_EQ(responses, 36);
    EXPECT_GE(runs, 500);
}

// A connection and responses from a testing IdP, for the values and hints.
struct ExplainValues : ::testing::Test {
    testing::TestIdp idp;
    std::shared_ptr<const Connection> conn = connection_for(idp.metadata());
    MemoryReplayCache cache{[] { return t0; }};

    testing::ResponseOptions options() const {
        testing::ResponseOptions o;
        o.now = t0;
        o.acs_url = acs;
        o.sp_entity_id = sp_entity;
        o.in_response_to = "_req1";
        return o;
    }
    VerifyContext context() {
        VerifyContext c;
        c.now = t0;
        c.replay = &cache;
        c.pending_request_ids = {"_req1"};
        return c;
    }
};

TEST_F(ExplainValues, AnAcceptedResponseNamesItsValuesAndRecordsNothing) {
    const std::string b64 = idp.response_base64(options());
    const Explanation ex = explain_response(*conn, b64, context());
    EXPECT_EQ(ex.first_failure(), Code::ok) << dump(ex);
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_EQ(find(ex, "destination")->expected, acs);
    EXPECT_EQ(find(ex, "destination")->got, acs);
    EXPECT_EQ(find(ex, "audience")->expected, sp_entity);
    EXPECT_EQ(find(ex, "response_issuer")->got, idp.entity_id());
    EXPECT_NE(find(ex, "signatures")->got.find(idp.metadata()->signing_certificates()[0].sha256), std::string::npos)
        << dump(ex);
    EXPECT_NE(find(ex, "in_response_to")->got.find("_req1"), std::string::npos);
    EXPECT_NE(find(ex, "identity")->got.find("emailAddress"), std::string::npos);
    EXPECT_NE(find(ex, "assertion_issue_instant")->expected.find("clock skew 180 s"), std::string::npos) << dump(ex);
    // Explaining again says the same: nothing was consumed. Verification then accepts, and an
    // explanation after it says the assertion was used.
    EXPECT_EQ(explain_response(*conn, b64, context()).first_failure(), Code::ok);
    EXPECT_CODE(run_verify(*conn, b64, context()), Code::ok);
    const Explanation after = explain_response(*conn, b64, context());
    EXPECT_EQ(after.first_failure(), Code::replayed);
    EXPECT_EQ(find(after, "replay")->status, CheckStatus::fail);
}

TEST_F(ExplainValues, WithoutAReplayCacheTheReplayCheckIsNotReached) {
    VerifyContext c = context();
    c.replay = nullptr;
    const Explanation ex = explain_response(*conn, idp.response_base64(options()), c);
    EXPECT_EQ(ex.first_failure(), Code::ok);
    EXPECT_EQ(find(ex, "replay")->status, CheckStatus::not_reached);
    EXPECT_NE(find(ex, "replay")->detail.find("no replay cache"), std::string::npos);
}

TEST_F(ExplainValues, AKeyNotInTheMetadataAndTheMetadataThatHasIt) {
    testing::TestIdp rotated(idp.entity_id());  // the same IdP after a key rotation
    const std::string b64 = rotated.response_base64(options());
    const Explanation ex = explain_response(*conn, b64, context());
    EXPECT_EQ(ex.first_failure(), Code::signature_invalid) << dump(ex);
    const CheckResult *sig = find(ex, "signatures");
    EXPECT_EQ(sig->status, CheckStatus::fail);
    const std::string new_fp = rotated.metadata()->signing_certificates()[0].sha256;
    const std::string old_fp = idp.metadata()->signing_certificates()[0].sha256;
    EXPECT_NE(sig->expected.find(old_fp), std::string::npos) << dump(ex);
    EXPECT_NE(sig->got.find(new_fp), std::string::npos) << dump(ex);
    EXPECT_NE(sig->got.find("not in the metadata"), std::string::npos) << dump(ex);
    EXPECT_TRUE(has_hint(ex, "signing_key_not_in_metadata")) << dump(ex);
    EXPECT_EQ(find(ex, "signature_coverage")->status, CheckStatus::not_reached);

    const auto rotated_metadata = rotated.metadata();
    ExplainOptions with_fresh;
    with_fresh.candidate_metadata = rotated_metadata.get();
    const Explanation fresh = explain_response(*conn, b64, context(), with_fresh);
    EXPECT_TRUE(has_hint(fresh, "candidate_metadata_has_key")) << dump(fresh);
    EXPECT_EQ(fresh.first_failure(), Code::signature_invalid);  // the other metadata is never trusted

    testing::TestIdp unrelated(idp.entity_id());
    const auto unrelated_metadata = unrelated.metadata();
    with_fresh.candidate_metadata = unrelated_metadata.get();
    EXPECT_TRUE(has_hint(explain_response(*conn, b64, context(), with_fresh), "candidate_metadata_lacks_key"));
    // A valid response, and fresh metadata that dropped its key: importing it now would break logins.
    EXPECT_TRUE(has_hint(explain_response(*conn, idp.response_base64(options()), context(), with_fresh),
                         "candidate_metadata_drops_key"));
}

TEST_F(ExplainValues, AnAcsUrlBehindAProxy) {
    auto o = options();
    o.acs_url = "http://app.example.com:8080/sso/saml/c1/acs";
    const Explanation ex = explain_response(*conn, idp.response_base64(o), context());
    EXPECT_EQ(ex.first_failure(), Code::destination_mismatch) << dump(ex);
    EXPECT_EQ(find(ex, "destination")->got, o.acs_url);
    // A soft check: the others still ran, and the Recipient says the same.
    EXPECT_EQ(find(ex, "subject_confirmation")->status, CheckStatus::fail);
    EXPECT_EQ(find(ex, "subject_confirmation")->code, Code::recipient_mismatch);
    ASSERT_TRUE(has_hint(ex, "acs_behind_proxy")) << dump(ex);
    EXPECT_NE(hint_text(ex, "acs_behind_proxy").find("'http://app.example.com:8080'"), std::string::npos) << dump(ex);

    o.acs_url = "https://app.example.com/saml/acs";  // another path: the IdP app's setting
    EXPECT_TRUE(has_hint(explain_response(*conn, idp.response_base64(o), context()), "acs_url_mismatch"));
}

TEST_F(ExplainValues, ValuesFromTheDocumentAreCutShort) {
    auto o = options();
    o.acs_url = "https://app.example.com/" + std::string(5000, 'a');
    const Explanation ex = explain_response(*conn, idp.response_base64(o), context());
    EXPECT_EQ(ex.first_failure(), Code::destination_mismatch);
    EXPECT_LE(find(ex, "destination")->got.size(), 520u);
    EXPECT_LE(find(ex, "subject_confirmation")->got.size(), 600u);
    for (const Hint &h : ex.hints) EXPECT_LE(h.text.size(), 1200u) << h.name;
}

TEST_F(ExplainValues, ANameIdThatIsNotAnEmail) {
    auto o = options();
    o.nameid = "00u1abcd";
    o.nameid_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    const Explanation ex = explain_response(*conn, idp.response_base64(o), context());
    EXPECT_EQ(ex.first_failure(), Code::nameid_format) << dump(ex);
    EXPECT_NE(find(ex, "identity")->got.find("persistent"), std::string::npos);
    ASSERT_TRUE(has_hint(ex, "nameid_format_not_email"));
    EXPECT_NE(hint_text(ex, "nameid_format_not_email").find("\"EmailAddress\""), std::string::npos) << dump(ex);
}

TEST_F(ExplainValues, AClockOffByMinutes) {
    VerifyContext c = context();
    c.now = t0 + 1000;  // this server's clock 1000 s ahead of the IdP's
    const Explanation ex = explain_response(*conn, idp.response_base64(options()), c);
    EXPECT_EQ(ex.first_failure(), Code::issue_instant) << dump(ex);
    EXPECT_EQ(find(ex, "response_issue_instant")->got, util::format_datetime(t0));
    // The time checks that come after also ran and say by how much.
    EXPECT_EQ(find(ex, "subject_confirmation")->code, Code::subject_expired);
    ASSERT_TRUE(has_hint(ex, "clock_off")) << dump(ex);
    EXPECT_NE(hint_text(ex, "clock_off").find("about 1000 seconds apart"), std::string::npos) << dump(ex);
}

TEST_F(ExplainValues, AnUnreadableFormValueStopsAtBase64) {
    const Explanation ex = explain_response(*conn, "not base64 ***", context());
    EXPECT_EQ(ex.first_failure(), Code::encoding_invalid) << dump(ex);
    EXPECT_EQ(ex.checks[0].name, "form_size");
    EXPECT_EQ(ex.checks[0].status, CheckStatus::pass);
    EXPECT_EQ(ex.checks[1].status, CheckStatus::fail);
    for (std::size_t i = 2; i < ex.checks.size(); ++i) EXPECT_EQ(ex.checks[i].status, CheckStatus::not_reached);
}

}  // namespace
}  // namespace ssogate::core::test
