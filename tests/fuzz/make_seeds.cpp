// Writes the fixed IdP of the fuzz targets (testidp-metadata.xml: a TestIdp's certificate) and the
// signed seed responses of corpus/verify, all signed by that IdP's key at fuzz::seeds_signed_at. The
// private key is never written: to change the seeds, run this again and commit every file it wrote.
//
//   build-fuzz/tests/fuzz/make_fuzz_seeds tests/fuzz
#include "fuzz_support.hpp"

#include "crypto/dsig.hpp"
#include "testing/idp.hpp"
#include "util/encoding.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

using namespace ssogate;
using core::testing::ResponseOptions;
using core::testing::Sign;

namespace {

void write(const std::string &path, const std::string &bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::exit(1);
    }
}

ResponseOptions base() {
    ResponseOptions o;
    o.now = fuzz::seeds_signed_at;
    o.acs_url = fuzz::acs_url;
    o.sp_entity_id = fuzz::sp_entity_id;
    o.in_response_to = fuzz::request_id;
    o.response_id = "_fuzz-response";
    o.assertion_id = "_fuzz-assertion";
    o.attributes = {{"email", {"alice@example.com"}, "urn:oasis:names:tc:SAML:2.0:attrname-format:basic", ""},
                    {"groups", {"Everyone", "admins"}, "urn:oasis:names:tc:SAML:2.0:attrname-format:basic", "Groups"}};
    return o;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <tests/fuzz directory>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    core::testing::TestIdp idp("https://idp.fuzz.example/saml");
    write(dir + "/testidp-metadata.xml", idp.metadata_xml("https://idp.fuzz.example/sso"));

    const std::string out = dir + "/corpus/verify/";
    auto o = base();
    write(out + "signed-both.xml", idp.response_xml(o));
    write(out + "signed-both.b64", core::util::base64_encode(idp.response_xml(o)));
    o.sign = Sign::assertion;
    write(out + "signed-assertion.xml", idp.response_xml(o));
    o.sign = Sign::response;
    write(out + "signed-response.xml", idp.response_xml(o));
    o.sign = Sign::none;
    write(out + "unsigned.xml", idp.response_xml(o));

    o = base();
    o.in_response_to.clear();  // unsolicited: accepted by the lenient connection only
    o.signature_method = core::crypto::alg_rsa_sha1;
    o.digest_method = core::crypto::alg_sha1;
    write(out + "unsolicited-sha1.xml", idp.response_xml(o));

    o = base();
    o.nameid = "00u1abcdEFGH2345ijk6";
    o.nameid_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    write(out + "persistent-nameid.xml", idp.response_xml(o));

    o = base();
    o.status = "urn:oasis:names:tc:SAML:2.0:status:Responder";
    o.sub_status = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";
    o.status_message = "The user could not be authenticated";
    o.sign = Sign::response;
    write(out + "status-authnfailed.xml", idp.response_xml(o));
    return 0;
}
