// Writes the fixed IdP of the fuzz targets (testidp-metadata.xml: a TestIdp's certificate) and the
// signed seed responses of corpus/verify and corpus/decrypt, all signed by that IdP's key at
// fuzz::seeds_signed_at. The private key is never written: to change the seeds, run this again and
// commit every file it wrote. The corpus/decrypt seeds are encrypted to the published TEST SP
// encryption certificate of the attack vectors (fuzz::sp_encryption_cert_file).
//
//   build-asan/tests/fuzz/make_fuzz_seeds tests/fuzz
#include "fuzz_support.hpp"

#include "crypto/dsig.hpp"
#include "crypto/xmlenc.hpp"
#include "testing/idp.hpp"
#include "util/encoding.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

using namespace ssogate;
using core::testing::Encryption;
using core::testing::KeyPlacement;
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

struct Named {
    const char *name;
    const char *uri;
};

const Named key_transports[] = {{"oaep-mgf1p", core::crypto::alg_rsa_oaep_mgf1p},
                                {"oaep11", core::crypto::alg_rsa_oaep},
                                {"rsa15", core::crypto::alg_rsa_1_5}};
const Named data_algorithms[] = {{"aes128-gcm", core::crypto::alg_aes128_gcm},
                                 {"aes256-gcm", core::crypto::alg_aes256_gcm},
                                 {"aes128-cbc", core::crypto::alg_aes128_cbc},
                                 {"aes256-cbc", core::crypto::alg_aes256_cbc}};
const std::pair<const char *, KeyPlacement> placements[] = {{"in-key-info", KeyPlacement::in_key_info},
                                                            {"retrieval-method", KeyPlacement::retrieval_method},
                                                            {"carried-key-name", KeyPlacement::carried_key_name}};

Encryption encryption(const std::string &cert_pem, const Named &transport, const Named &data, KeyPlacement where) {
    Encryption e;
    e.certificate_pem = cert_pem;
    e.key_transport = transport.uri;
    e.data_algorithm = data.uri;
    e.placement = where;
    return e;
}

// corpus/decrypt: every key transport x data algorithm x key placement with the Assertion signed
// before encryption and the Response unsigned (so that mutations of the EncryptedAssertion reach the
// decryption code instead of stopping at a broken Response signature), then the other sign modes:
// the Response signed over the EncryptedAssertion (with and without the Assertion's own signature),
// nothing signed, and an unsolicited login (for fuzz_decrypt's lenient connection).
void write_decrypt_seeds(const core::testing::TestIdp &idp, const std::string &out, const std::string &cert) {
    const Named &mgf1p = key_transports[0], &oaep11 = key_transports[1];
    const Named &gcm128 = data_algorithms[0], &gcm256 = data_algorithms[1], &cbc128 = data_algorithms[2],
                &cbc256 = data_algorithms[3];
    auto o = base();
    o.sign = Sign::assertion;
    for (const Named &t : key_transports) {
        for (const Named &d : data_algorithms) {
            for (const auto &[where, placement] : placements) {
                o.encrypt = encryption(cert, t, d, placement);
                write(out + "signed-assertion_" + t.name + "_" + d.name + "_" + where + ".xml", idp.response_xml(o));
            }
        }
    }
    struct Variant {
        const char *name;
        Sign sign;
        const Named &transport, &data;
        KeyPlacement placement;
    };
    const Variant variants[] = {
        {"signed-both_oaep-mgf1p_aes256-gcm_in-key-info", Sign::both, mgf1p, gcm256, KeyPlacement::in_key_info},
        {"signed-both_oaep11_aes128-cbc_retrieval-method", Sign::both, oaep11, cbc128, KeyPlacement::retrieval_method},
        {"signed-response_oaep-mgf1p_aes256-gcm_retrieval-method", Sign::response, mgf1p, gcm256,
         KeyPlacement::retrieval_method},
        {"signed-response_oaep11_aes256-cbc_carried-key-name", Sign::response, oaep11, cbc256,
         KeyPlacement::carried_key_name},
        {"unsigned_oaep-mgf1p_aes128-cbc_in-key-info", Sign::none, mgf1p, cbc128, KeyPlacement::in_key_info},
        {"unsigned_oaep11_aes128-gcm_carried-key-name", Sign::none, oaep11, gcm128, KeyPlacement::carried_key_name},
    };
    for (const Variant &v : variants) {
        o = base();
        o.sign = v.sign;
        o.encrypt = encryption(cert, v.transport, v.data, v.placement);
        write(out + v.name + ".xml", idp.response_xml(o));
    }
    o = base();
    o.in_response_to.clear();  // unsolicited: accepted by the lenient connection only
    o.encrypt = encryption(cert, mgf1p, gcm128, KeyPlacement::retrieval_method);
    write(out + "unsolicited_signed-both_oaep-mgf1p_aes128-gcm_retrieval-method.xml", idp.response_xml(o));
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

    std::filesystem::create_directories(dir + "/corpus/decrypt");
    write_decrypt_seeds(idp, dir + "/corpus/decrypt/", fuzz::read_file(fuzz::sp_encryption_cert_file));
    return 0;
}
