// The testing IdP answers AuthnRequests as a real IdP receives them: begin_login's Redirect URL or
// POST form value is read, checked against the connection, and answered; finish_login accepts it.
#include "testing/answer.hpp"
#include "login/login.hpp"
#include "response_test_util.hpp"
#include "store/pending_requests.hpp"

#include <gtest/gtest.h>

namespace ssogate::core::test {
namespace {

using testing::read_authn_request;
using testing::ReceivedRequest;
using testing::TestIdp;

const TestIdp &idp() {
    static const TestIdp instance;
    return instance;
}

std::shared_ptr<const Connection> conn() {
    static const auto c = connection_for(idp().metadata());
    return c;
}

Code code_of(const std::function<void()> &f) {
    try {
        f();
    } catch (const Error &e) {
        return e.code();
    }
    return Code::ok;
}

TEST(TestIdpAnswers, ARedirectLoginEndToEnd) {
    auto pending = store::make_memory_pending_requests();
    LoginOptions lo;
    lo.now = t0;
    lo.return_to = "/home";
    const BegunLogin begun = begin_login(*conn(), *pending, lo);
    const ReceivedRequest got = read_authn_request(begun.redirect_url, *conn());
    EXPECT_EQ(got.id, begun.request_id);
    EXPECT_EQ(got.relay_state, begun.relay_state);
    EXPECT_FALSE(got.is_signed);

    testing::ResponseOptions o;
    o.now = t0;
    o.acs_url = conn()->acs_url();
    o.sp_entity_id = conn()->sp_entity_id();
    o.in_response_to = got.id;
    MemoryReplayCache cache([] { return t0; });
    VerifyContext ctx;
    ctx.now = t0;
    ctx.replay = &cache;
    const FinishedLogin fin =
        finish_login(*conn(), *pending, got.relay_state, util::base64_encode(idp().response_xml(o)), ctx);
    EXPECT_EQ(fin.return_to, "/home");
}

TEST(TestIdpAnswers, APostFormValueAndAQueryStringAreReadToo) {
    auto pending = store::make_memory_pending_requests();
    LoginOptions lo;
    lo.now = t0;
    lo.binding = LoginBinding::post;
    const BegunLogin begun = begin_login(*conn(), *pending, lo);
    const ReceivedRequest got = read_authn_request(util::base64_encode(begun.xml), *conn());
    EXPECT_EQ(got.id, begun.request_id);
    EXPECT_EQ(got.relay_state, "");

    lo.binding = LoginBinding::redirect;
    const BegunLogin redirect = begin_login(*conn(), *pending, lo);
    const std::string query = redirect.redirect_url.substr(redirect.redirect_url.find('?') + 1);
    EXPECT_EQ(read_authn_request(query, *conn()).id, redirect.request_id);
}

TEST(TestIdpAnswers, RequestsForAnotherSpOrMalformedAreRefusedWithTheReason) {
    auto pending = store::make_memory_pending_requests();
    LoginOptions lo;
    lo.now = t0;
    lo.binding = LoginBinding::post;
    const std::string xml = begin_login(*conn(), *pending, lo).xml;
    auto changed = [&](const std::string &from, const std::string &to) {
        std::string x = xml;
        x.replace(x.find(from), from.size(), to);
        return util::base64_encode(x);
    };
    try {
        read_authn_request(changed(conn()->sp_entity_id() + "<", "https://other.example/sp<"), *conn());
        ADD_FAILURE() << "another SP's request was answered";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("Issuer"), std::string::npos) << e.what();
    }
    EXPECT_EQ(code_of([&] { read_authn_request(changed(conn()->acs_url(), "https://evil.example/acs"), *conn()); }),
              Code::invalid_argument);
    EXPECT_EQ(code_of([&] { read_authn_request(changed("Version=\"2.0\"", "Version=\"1.1\""), *conn()); }),
              Code::invalid_argument);
    EXPECT_EQ(code_of([&] { read_authn_request("SAMLRequest=%ZZ", *conn()); }), Code::invalid_argument);
    EXPECT_EQ(code_of([&] { read_authn_request("SAMLRequest=bm90IGRlZmxhdGU%3D", *conn()); }), Code::invalid_argument);
    EXPECT_EQ(code_of([&] { read_authn_request("not base64 at all!", *conn()); }), Code::invalid_argument);
    // The hardened parser reads it: a DOCTYPE is refused with its own code.
    EXPECT_EQ(code_of([&] { read_authn_request(util::base64_encode("<!DOCTYPE x><samlp:AuthnRequest/>"), *conn()); }),
              Code::xml_doctype);
}

}  // namespace
}  // namespace ssogate::core::test
