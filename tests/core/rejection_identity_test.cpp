// Who a refused login was for: a Rejection after the signature covering the Assertion verified
// carries the identity the signed Assertion states; one before any verification carries nothing the
// sender chose. Then the same through finish_login's own refusals after verification.
#include "response_test_util.hpp"

#include "login/login.hpp"
#include "store/pending_requests.hpp"
#include "xml/xml.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace ssogate::core::test {
namespace {

using testing::ResponseOptions;
using testing::Sign;
using testing::TestIdp;

const TestIdp &idp() {
    static TestIdp instance;
    return instance;
}
const TestIdp &impostor() {
    static TestIdp instance("https://idp.test.example/saml");  // same entity ID, another key
    return instance;
}

struct Refusal {
    Code code = Code::ok;
    std::string message;
    std::optional<std::string> identity;
};

class RejectionIdentity : public ::testing::Test {
protected:
    MemoryReplayCache cache{[] { return t0; }};
    ConnectionSettings settings;

    ResponseOptions opts() const {
        ResponseOptions o;
        o.now = t0;
        o.acs_url = acs;
        o.sp_entity_id = sp_entity;
        o.in_response_to = "_req1";
        return o;
    }
    Refusal refusal(const std::string &b64) {
        VerifyContext c;
        c.now = t0;
        c.replay = &cache;
        c.pending_request_ids = {"_req1"};
        auto conn = connection_for(idp().metadata(), settings);
        try {
            (void)verify_response(*conn, b64, c);
        } catch (const Rejection &r) {
            return {r.code(), r.what(), r.signed_identity()};
        }
        ADD_FAILURE() << "the response was accepted";
        return {};
    }
    Refusal refusal(const ResponseOptions &o) { return refusal(idp().response_base64(o)); }
};

TEST_F(RejectionIdentity, RefusalsAfterTheSignatureVerifiedNameTheSignedIdentity) {
    ResponseOptions o = opts();
    o.in_response_to.clear();  // unsolicited, and the connection does not allow IdP-initiated login
    o.nameid = "Alice@Example.COM";
    Refusal r = refusal(o);
    EXPECT_EQ(r.code, Code::unsolicited_not_allowed) << r.message;
    EXPECT_EQ(r.identity, std::optional<std::string>("alice@example.com"));

    settings.allowed_email_domains = {"example.org"};
    r = refusal(opts());
    EXPECT_EQ(r.code, Code::email_domain_not_allowed) << r.message;
    EXPECT_EQ(r.identity, std::optional<std::string>("alice@example.com"));
    settings = {};

    // Not an address: the NameID as the signed Assertion states it.
    o = opts();
    o.nameid = "00u1abcd";
    o.nameid_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    r = refusal(o);
    EXPECT_EQ(r.code, Code::nameid_format) << r.message;
    EXPECT_EQ(r.identity, std::optional<std::string>("00u1abcd"));

    o = opts();
    o.nameid = "alice@127.0.0.1";
    r = refusal(o);
    EXPECT_EQ(r.code, Code::nameid_invalid) << r.message;
    EXPECT_EQ(r.identity, std::optional<std::string>("alice@127.0.0.1"));

    // The email attribute the connection reads is missing: the NameID still says who it was.
    settings.email_attribute = "email";
    r = refusal(o);
    EXPECT_EQ(r.code, Code::email_attribute) << r.message;
    EXPECT_EQ(r.identity, std::optional<std::string>("alice@127.0.0.1"));
    // Present: its value, trimmed and normalised.
    testing::TestAttribute email;
    email.name = "email";
    email.values = {" Bob@Example.com\n"};
    o.attributes = {email};
    o.audience = "https://someone-else.example/sp";
    r = refusal(o);
    EXPECT_EQ(r.code, Code::audience_mismatch) << r.message;
    EXPECT_EQ(r.identity, std::optional<std::string>("bob@example.com"));
}

TEST_F(RejectionIdentity, AReplayNamesWhoseAssertionWasReplayed) {
    const std::string b64 = idp().response_base64(opts());
    VerifyContext c;
    c.now = t0;
    c.replay = &cache;
    c.pending_request_ids = {"_req1"};
    auto conn = connection_for(idp().metadata(), settings);
    ASSERT_EQ(verify_response(*conn, b64, c).email, "alice@example.com");
    const Refusal r = refusal(b64);
    EXPECT_EQ(r.code, Code::replayed) << r.message;
    EXPECT_EQ(r.identity, std::optional<std::string>("alice@example.com"));
}

TEST_F(RejectionIdentity, RefusalsBeforeAnySignatureVerifiedCarryNothingTheSenderChose) {
    ResponseOptions o = opts();
    o.nameid = "ceo@example.com";
    o.sign = Sign::none;
    Refusal r = refusal(o);
    EXPECT_EQ(r.code, Code::signature_missing) << r.message;
    EXPECT_FALSE(r.identity.has_value());

    o.sign = Sign::both;
    r = refusal(impostor().response_base64(o));
    EXPECT_EQ(r.code, Code::signature_invalid) << r.message;
    EXPECT_FALSE(r.identity.has_value());

    o.destination = "https://elsewhere.example/acs";  // refused before the signatures are looked at
    r = refusal(o);
    EXPECT_EQ(r.code, Code::destination_mismatch) << r.message;
    EXPECT_FALSE(r.identity.has_value());

    r = refusal(std::string("not base64!"));
    EXPECT_EQ(r.code, Code::encoding_invalid) << r.message;
    EXPECT_FALSE(r.identity.has_value());
}

TEST_F(RejectionIdentity, AnIdentityIsCutAndControlCharactersReplaced) {
    ResponseOptions o = opts();
    o.nameid = std::string(300, 'x');
    o.nameid_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    Refusal r = refusal(o);
    ASSERT_TRUE(r.identity.has_value()) << r.message;
    EXPECT_EQ(*r.identity, std::string(256, 'x') + "...");
    o.nameid = std::string(255, 'x') + "\xc3\xa9";  // the cut would split the two bytes of U+00E9
    r = refusal(o);
    EXPECT_EQ(r.identity, std::optional<std::string>(std::string(255, 'x') + "..."));
    o.nameid = "a\tb";
    r = refusal(o);
    EXPECT_EQ(r.identity, std::optional<std::string>("a?b"));
}

// A pending-request store with one request, taken by its ID.
class OneRequest : public store::PendingRequests {
public:
    std::int64_t expires_at = t0 + 600;
    bool taken = false;
    void put(std::string_view, const store::PendingRequest &) override {}
    std::optional<store::PendingRequest> take(std::string_view, std::int64_t) override { return std::nullopt; }
    std::optional<store::PendingRequest> take_by_request_id(std::string_view, std::string_view id,
                                                            std::int64_t) override {
        if (taken || id != "_req1") return std::nullopt;
        taken = true;
        return store::PendingRequest{"_req1", "c1", "/after", t0 - 10, expires_at};
    }
};

TEST_F(RejectionIdentity, FinishLoginRefusalsAfterVerificationNameTheIdentity) {
    auto conn = connection_for(idp().metadata(), settings);
    OneRequest store;
    store.expires_at = t0 - 1;  // the request expired before the answer came
    VerifyContext c;
    c.now = t0;
    c.replay = &cache;
    try {
        (void)finish_login(*conn, store, "", idp().response_base64(opts()), c);
        FAIL() << "an answer to an expired request was accepted";
    } catch (const Rejection &r) {
        EXPECT_EQ(r.code(), Code::request_expired) << r.what();
        EXPECT_EQ(r.signed_identity(), std::optional<std::string>("alice@example.com"));
    }
    // An unknown RelayState is refused before anything is verified.
    try {
        (void)finish_login(*conn, store, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", idp().response_base64(opts()),
                           c);
        FAIL() << "an unknown RelayState was accepted";
    } catch (const Rejection &r) {
        EXPECT_EQ(r.code(), Code::request_unknown) << r.what();
        EXPECT_FALSE(r.signed_identity().has_value());
    }
}

}  // namespace
}  // namespace ssogate::core::test
