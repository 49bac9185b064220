// InResponseTo on a Response that is not signed: only the signed Assertion decides whether a login
// answers a request. Found while writing docs/security.md: an unsolicited assertion (signed alone)
// could be made to look solicited by adding InResponseTo to the unsigned Response around it, which
// bypassed allow_idp_initiated = false and consumed a pending request on the strength of unsigned
// bytes.
#include "response_test_util.hpp"

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

constexpr const char *pending_id = "_pending-request-1";

ResponseOptions unsolicited_assertion_signed_alone() {
    ResponseOptions o;
    o.now = t0;
    o.acs_url = acs;
    o.sp_entity_id = sp_entity;
    o.sign = Sign::assertion;  // the Response around it is not signed
    return o;                  // no InResponseTo anywhere: IdP-initiated
}

// Adds InResponseTo to the Response root, outside anything signed.
std::string with_unsigned_in_response_to(std::string xml) {
    const std::string root = "<samlp:Response ";
    const auto at = xml.find(root);
    EXPECT_NE(at, std::string::npos);
    xml.insert(at + root.size(), std::string("InResponseTo=\"") + pending_id + "\" ");
    return util::base64_encode(xml);
}

Outcome verify(const Connection &conn, const std::string &b64) {
    MemoryReplayCache replay([] { return t0; });
    VerifyContext ctx;
    ctx.now = t0;
    ctx.pending_request_ids = {pending_id};
    ctx.replay = &replay;
    return run_verify(conn, b64, ctx);
}

TEST(ResponseInResponseTo, UnsignedResponseCannotMakeAnUnsolicitedAssertionSolicited) {
    auto conn = connection_for(idp().metadata());  // allow_idp_initiated = false
    const std::string b64 = with_unsigned_in_response_to(idp().response_xml(unsolicited_assertion_signed_alone()));
    Outcome o = verify(*conn, b64);
    EXPECT_CODE(o, Code::unsolicited_not_allowed);
}

TEST(ResponseInResponseTo, WhenIdpInitiatedIsAllowedTheLoginAnswersNoRequest) {
    ConnectionSettings settings;
    settings.allow_idp_initiated = true;
    auto conn = connection_for(idp().metadata(), settings);
    const std::string b64 = with_unsigned_in_response_to(idp().response_xml(unsolicited_assertion_signed_alone()));
    Outcome o = verify(*conn, b64);
    EXPECT_CODE(o, Code::ok);
    EXPECT_EQ(o.login.in_response_to, "");  // not the unsigned value
}

TEST(ResponseInResponseTo, UnsignedResponseValueStillRefusesWhenItDisagrees) {
    auto conn = connection_for(idp().metadata());
    ResponseOptions o = unsolicited_assertion_signed_alone();
    o.in_response_to = pending_id;  // in the signed SubjectConfirmationData and on the Response
    std::string xml = idp().response_xml(o);
    const std::string attr = std::string("InResponseTo=\"") + pending_id + "\"";
    const auto at = xml.find(attr);  // the Response's own attribute comes first
    ASSERT_NE(at, std::string::npos);
    xml.replace(at, attr.size(), "InResponseTo=\"_another-request\"");
    Outcome out = verify(*conn, util::base64_encode(xml));
    EXPECT_CODE(out, Code::in_response_to_unknown);
}

TEST(ResponseInResponseTo, SignedResponseValueStillCounts) {
    auto conn = connection_for(idp().metadata());
    ResponseOptions o = unsolicited_assertion_signed_alone();
    o.in_response_to = pending_id;
    o.sign = Sign::both;
    Outcome out = verify(*conn, idp().response_base64(o));
    EXPECT_CODE(out, Code::ok);
    EXPECT_EQ(out.login.in_response_to, pending_id);
}

}  // namespace
}  // namespace ssogate::core::test
