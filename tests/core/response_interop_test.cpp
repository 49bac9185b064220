// Every response of the real-IdP corpus (tests/vectors/interop, see its README) gets its manifest
// outcome, with the clock frozen at context.now, the manifest's context and zero clock skew. Some
// contexts put `now` a little before the response's IssueInstant (the start of the Conditions window);
// ssogate refuses an IssueInstant in the future beyond the skew, which those responses show with real
// data (ISSUE_INSTANT at that `now`), and then checks them at their IssueInstant instead. Where
// policy_flags mark a difference between plain SAML and ssogate's policy, the outcome asserted is
// ssogate's own rule (docs/security.md).
#include "response_test_util.hpp"

#include "metadata/idp.hpp"
#include "util/email.hpp"
#include "util/time.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace ssogate::core::test {
namespace {

const std::string dir = std::string(SSOGATE_VECTORS_DIR) + "/interop/";

struct Ctx {
    std::string acs_url, sp_entity_id, idp_entity_id, request_id;
    bool idp_initiated = false;
    std::int64_t now = 0;
};

// The code each `reject` entry gets, with SHA-1 and IdP-initiated login allowed so that the entry's
// own reason is what refuses it.
const std::map<std::string, Code> reject_codes = {
    {"okta-5", Code::signature_invalid},      // Response digest mismatch
    {"okta-6", Code::signature_invalid},      // another key
    {"okta-7", Code::signature_algorithm},    // SignatureMethod "BAD_SIGNATURE_ALGORITHM"
    {"entra-2", Code::signature_invalid},     // sanitised sample: digests do not match
    {"google-4", Code::signature_invalid},    // comment injection changes the canonical NameID
    {"onelogin-5", Code::signature_invalid},  // IssueInstant changed after signing
    {"onelogin-6", Code::signature_invalid},  // another key, its certificate in KeyInfo
    {"onelogin-7", Code::destination_mismatch},
    {"onelogin-8", Code::audience_mismatch},
    {"onelogin-9", Code::signature_missing},
    {"onelogin-10", Code::assertion_count},  // XSW1: forged Response + Assertion around the signed copy
    {"onelogin-11", Code::assertion_count},  // XSW2: the same with the copy beside the signature
};

// Accepted by plain SAML, refused by an explicit ssogate rule (docs/security.md).
const std::map<std::string, Code> stricter_than_saml = {
    // A comment inside NameID ("ross@<!-- ... -->octolabs.io"): the signature holds (exc-c14n drops
    // comments), but ssogate refuses markup inside NameID rather than choosing how to join the text.
    {"google-3", Code::nameid_invalid},
};

bool has(const nlohmann::json &e, const char *flag) {
    if (!e.contains("policy_flags")) return false;
    for (const auto &f : e["policy_flags"]) {
        if (f == flag) return true;
    }
    return false;
}

struct Runner {
    std::string pem, xml_b64;
    std::int64_t frozen = 0;

    Outcome run(const Ctx &c, bool allow_sha1, bool allow_idp_initiated,
                std::shared_ptr<const IdpMetadata> idp = nullptr) {
        if (!idp) {
            ImportOptions io;
            io.now = c.now;
            idp = import_idp_metadata(metadata_for_pem(c.idp_entity_id, pem), io);
        }
        ConnectionParams p;
        p.id = "interop";
        p.acs_url = c.acs_url;
        p.sp_entity_id = c.sp_entity_id;
        p.settings.clock_skew_seconds = 0;
        p.settings.allow_sha1 = allow_sha1;
        p.settings.allow_idp_initiated = allow_idp_initiated;
        auto conn = make_connection(idp, p);
        std::int64_t now = c.now;
        MemoryReplayCache cache([&now] { return now; });
        VerifyContext vc;
        vc.now = c.now;
        vc.replay = &cache;
        if (!c.request_id.empty()) vc.pending_request_ids = {c.request_id};
        return run_verify(*conn, xml_b64, vc);
    }
};

Ctx context_of(const nlohmann::json &j) {
    Ctx c;
    c.acs_url = j["acs_url"].get<std::string>();
    c.sp_entity_id = j["sp_entity_id"].get<std::string>();
    c.idp_entity_id = j["idp_entity_id"].get<std::string>();
    c.request_id = j["request_id"].is_null() ? "" : j["request_id"].get<std::string>();
    c.idp_initiated = j["idp_initiated"].get<bool>();
    c.now = *util::parse_datetime(j["now"].get<std::string>());
    return c;
}

TEST(ResponseInterop, EveryCorpusResponseGetsItsOutcome) {
    auto manifest = nlohmann::json::parse(read_file(dir + "manifest.json"));
    int responses = 0, accepted = 0, variants = 0, with_metadata = 0, ahead_of_clock = 0;
    for (const auto &e : manifest["files"]) {
        if (e["kind"] != "saml-response") continue;
        ++responses;
        const std::string file = e["file"].get<std::string>();
        const std::string id = file.substr(10, file.size() - 14);  // "responses/<id>.xml"
        SCOPED_TRACE(id);
        Runner r;
        r.pem = read_file(dir + e["certificate"]["file"].get<std::string>());
        r.xml_b64 = util::base64_encode(read_file(dir + file));
        Ctx ctx = context_of(e["context"]);
        const bool encrypted = has(e, "encrypted-assertion");

        if (crypto::parse_certificate_pem(r.pem).key_bits < 2048) {
            // oracle-oam-1: a 1024-bit RSA IdP key cannot even be configured.
            try {
                import_idp_metadata(metadata_for_pem(ctx.idp_entity_id, r.pem), {});
                ADD_FAILURE() << "a weak IdP key was imported";
            } catch (const Error &err) {
                EXPECT_EQ(err.code(), Code::metadata_weak_key);
            }
            continue;
        }

        // The expected code with SHA-1 allowed and unsolicited logins allowed as the context says.
        Code expected = Code::ok;
        if (e["expect"] == "reject") {
            ASSERT_TRUE(reject_codes.count(id)) << "no pinned code for reject entry";
            expected = reject_codes.at(id);
        } else if (stricter_than_saml.count(id)) {
            expected = stricter_than_saml.at(id);
        } else if (encrypted) {
            expected = Code::assertion_encrypted;
        } else if (has(e, "no-authn-statement")) {
            expected = Code::authn_statement_missing;
        } else if (has(e, "nameid-format-not-email")) {
            // ssogate's rule: emailAddress, or unspecified holding a valid address.
            std::string fmt =
                e["assertion"]["nameid_format"].is_null() ? "" : e["assertion"]["nameid_format"].get<std::string>();
            bool unspecified = fmt.empty() || fmt == "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
            expected = unspecified && util::is_valid_email(e["assertion"]["nameid"].get<std::string>())
                           ? Code::ok
                           : Code::nameid_format;
        }
        std::int64_t issued = 0;
        for (const char *part : {"response", "assertion"}) {
            if (e.contains(part) && e[part].is_object() && e[part]["issue_instant"].is_string())
                issued = std::max(issued, *util::parse_datetime(e[part]["issue_instant"].get<std::string>()));
        }
        if (issued > ctx.now) {
            // Refused for the future IssueInstant, unless a check that comes first refuses it already.
            ++ahead_of_clock;
            Outcome early = r.run(ctx, true, ctx.idp_initiated);
            EXPECT_TRUE(early.code == Code::issue_instant || (expected != Code::ok && early.code == expected))
                << code_name(early.code) << ": " << early.message;
            ctx.now = issued;
        }
        Outcome base = r.run(ctx, true, ctx.idp_initiated);
        EXPECT_CODE(base, expected);
        if (expected == Code::ok && base.code == Code::ok) {
            ++accepted;
            EXPECT_EQ(base.login.nameid, e["assertion"]["nameid"].get<std::string>());
            EXPECT_EQ(base.login.assertion_id, e["assertion"]["id"].get<std::string>());
            EXPECT_EQ(base.login.idp_entity_id, ctx.idp_entity_id);
            EXPECT_EQ(base.login.in_response_to, ctx.request_id);
            EXPECT_FALSE(base.login.email.empty());
        }

        if (has(e, "sha1-signature") && e["expect"] == "accept") {
            Outcome strict = r.run(ctx, false, ctx.idp_initiated);
            EXPECT_CODE(strict, encrypted ? Code::assertion_encrypted : Code::signature_algorithm);
        }
        if (has(e, "unsolicited-idp-initiated") && e["expect"] == "accept") {
            Outcome strict = r.run(ctx, true, false);
            EXPECT_CODE(strict, encrypted ? Code::assertion_encrypted : Code::unsolicited_not_allowed);
        }
        if (e.contains("idp_metadata") && !e["idp_metadata"].is_null() && e["expect"] == "accept") {
            ImportOptions io;
            io.now = ctx.now;
            auto idp = import_idp_metadata(read_file(dir + e["idp_metadata"].get<std::string>()), io);
            if (idp->entity_id() == ctx.idp_entity_id) {
                ++with_metadata;
                Outcome via = r.run(ctx, true, ctx.idp_initiated, idp);
                EXPECT_CODE(via, expected);
            }
        }

        const auto variants_of = e.contains("reject_variants") ? e["reject_variants"] : nlohmann::json::array();
        for (const auto &v : variants_of) {
            ++variants;
            Ctx c = ctx;
            bool allow_unsolicited = ctx.idp_initiated;
            std::set<Code> codes;
            const auto &ch = v["change"];
            if (ch.contains("now")) {
                c.now = *util::parse_datetime(ch["now"].get<std::string>());
                codes = {Code::expired, Code::subject_expired, Code::not_yet_valid, Code::issue_instant};
            } else if (ch.contains("sp_entity_id")) {
                c.sp_entity_id = ch["sp_entity_id"].get<std::string>();
                codes = {Code::audience_mismatch};
            } else if (ch.contains("acs_url")) {
                c.acs_url = ch["acs_url"].get<std::string>();
                codes = {Code::destination_mismatch, Code::recipient_mismatch};
            } else if (ch.contains("idp_entity_id")) {
                c.idp_entity_id = ch["idp_entity_id"].get<std::string>();
                codes = {Code::issuer_mismatch};
            } else if (ch.contains("request_id")) {
                c.request_id = ch["request_id"].get<std::string>();
                codes = {Code::in_response_to_unknown};
            } else if (ch.contains("allow_idp_initiated")) {
                allow_unsolicited = ch["allow_idp_initiated"].get<bool>();
                codes = {Code::unsolicited_not_allowed};
            } else {
                ADD_FAILURE() << "unknown variant " << ch.dump();
                continue;
            }
            if (expected != Code::ok) codes.insert(expected);  // refused earlier for its own reason
            Outcome o = r.run(c, true, allow_unsolicited);
            EXPECT_TRUE(codes.count(o.code))
                << "variant " << ch.dump() << " gave " << code_name(o.code) << ": " << o.message;
        }
    }
    EXPECT_EQ(responses, 36);
    EXPECT_GE(accepted, 10);
    EXPECT_GE(variants, 100);
    EXPECT_GE(ahead_of_clock, 2) << "okta-1 and onelogin-2 are issued after their context's now";
    EXPECT_GE(with_metadata, 3);
}

}  // namespace
}  // namespace ssogate::core::test
