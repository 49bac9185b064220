// Hostile XML shapes at the level hosts see them (verify_response, import_idp_metadata): attribute
// and namespace bounds on a genuine response, InclusiveNamespaces prefix lists refused before any
// digest, and trailing content hidden behind U+0000 in UTF-16. The parser-level rules themselves are
// in xml_test.cpp; the costs are measured by bench/ (never asserted here).
#include "response_test_util.hpp"

#include "crypto/certificate.hpp"
#include "crypto/dsig.hpp"
#include "metadata/idp.hpp"
#include "util/time.hpp"
#include "xml/xml.hpp"

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
// Same entity ID, another key: what an attacker without the IdP's key signs with.
const TestIdp &attacker() {
    static TestIdp instance("https://idp.test.example/saml");
    return instance;
}

std::string interop(const std::string &rel) { return read_file(std::string(SSOGATE_VECTORS_DIR) + "/interop/" + rel); }
std::int64_t fixed_now() { return *util::parse_datetime("2026-11-28T00:00:00Z"); }

template <class F>
std::string expect_code(Code code, F &&stmt) {
    try {
        stmt();
    } catch (const Error &e) {
        EXPECT_EQ(code_name(e.code()), std::string(code_name(code))) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected Error " << code_name(code) << ", nothing was thrown";
    return {};
}

ResponseOptions opts() {
    ResponseOptions o;
    o.now = t0;
    o.acs_url = acs;
    o.sp_entity_id = sp_entity;
    o.in_response_to = "_req1";
    return o;
}

Outcome verify_xml(const std::string &xml) {
    static MemoryReplayCache cache{[] { return t0; }};
    VerifyContext c;
    c.now = t0;
    c.replay = &cache;
    c.pending_request_ids = {"_req1"};
    auto conn = connection_for(idp().metadata());
    return run_verify(*conn, util::base64_encode(xml), c);
}

// `count` extra attributes (or xmlns:p declarations) on the root element of a serialised response.
std::string with_root_extras(std::string xml, int count, bool declarations) {
    std::string extra;
    for (int i = 0; i < count; ++i)
        extra += declarations ? " xmlns:p" + std::to_string(i) + "=\"urn:p" + std::to_string(i) + "\""
                              : " a" + std::to_string(i) + "=\"\"";
    const std::size_t at = xml.find("<samlp:Response") + std::string("<samlp:Response").size();
    xml.insert(at, extra);
    return xml;
}

std::string prefixes(int count, const std::string &stem = "p") {
    std::string out;
    for (int i = 0; i < count; ++i) out += (i ? " " : "") + stem + std::to_string(i);
    return out;
}

// UTF-16LE with a byte-order mark, of ASCII text.
std::string utf16le(const std::string &ascii) {
    std::string out = "\xFF\xFE";
    for (char c : ascii) {
        out.push_back(c);
        out.push_back('\0');
    }
    return out;
}

// ------------------------------------------------------------------ attributes and namespaces

TEST(HostileXml, ManyAttributesOnTheRootOfAGenuineResponseAreRefused) {
    // Only the Assertion is signed, so the root's attributes are nobody's: the login used to be accepted
    // after libxml2 had spent time growing with the square of their number (37 s for 1 MB of them).
    ResponseOptions o = opts();
    o.sign = Sign::assertion;
    const std::string genuine = idp().response_xml(o);
    Outcome few = verify_xml(with_root_extras(genuine, 20, false));
    EXPECT_CODE(few, Code::ok);
    Outcome many = verify_xml(with_root_extras(genuine, 200, false));
    EXPECT_CODE(many, Code::xml_attribute_limits);
    EXPECT_NE(many.message.find("SAML Response: the element <samlp:Response> at line 2 has more than 32 attributes"),
              std::string::npos)
        << many.message;
    Outcome decls = verify_xml(with_root_extras(genuine, 100, true));
    EXPECT_CODE(decls, Code::xml_attribute_limits);
    EXPECT_NE(decls.message.find("declares more than 32 namespaces"), std::string::npos) << decls.message;
}

TEST(HostileXml, MetadataImportTakesTheSameBounds) {
    const std::string okta = interop("metadata/okta-1.xml");
    ImportOptions io;
    io.now = fixed_now();
    ASSERT_NO_THROW(import_idp_metadata(okta, io));
    auto insert = [&](const std::string &extra) {
        std::string m = okta;
        const std::size_t at = m.find("<md:EntityDescriptor") + std::string("<md:EntityDescriptor").size();
        m.insert(at, extra);
        return m;
    };
    std::string attrs, decls;
    for (int i = 0; i < 200; ++i) attrs += " a" + std::to_string(i) + "=\"\"";
    for (int i = 0; i < 100; ++i) decls += " xmlns:p" + std::to_string(i) + "=\"urn:p\"";
    std::string msg = expect_code(Code::xml_attribute_limits, [&] { import_idp_metadata(insert(attrs), io); });
    EXPECT_NE(msg.find("the IdP metadata: the element <md:EntityDescriptor>"), std::string::npos) << msg;
    expect_code(Code::xml_attribute_limits, [&] { import_idp_metadata(insert(decls), io); });
}

// ------------------------------------------------------------------ InclusiveNamespaces PrefixList

TEST(HostileXml, PrefixListsAreBoundedOnBothCanonicalizations) {
    ResponseOptions o = opts();
    o.transform_prefixes = "xs";  // what Okta sends
    EXPECT_CODE(verify_xml(idp().response_xml(o)), Code::ok);
    o.transform_prefixes = "#default saml samlp ds xs xsi";
    o.c14n_prefixes = "ds saml";
    EXPECT_CODE(verify_xml(idp().response_xml(o)), Code::ok);
    o.transform_prefixes = prefixes(16);
    o.c14n_prefixes = prefixes(16, "q");
    EXPECT_CODE(verify_xml(idp().response_xml(o)), Code::ok);

    o.transform_prefixes = prefixes(17);
    o.c14n_prefixes = "";
    Outcome transform = verify_xml(idp().response_xml(o));
    EXPECT_CODE(transform, Code::signature_transform);
    EXPECT_NE(transform.message.find("names more than 16 prefixes"), std::string::npos) << transform.message;
    o.transform_prefixes = "";
    o.c14n_prefixes = prefixes(17);
    Outcome c14n = verify_xml(idp().response_xml(o));
    EXPECT_CODE(c14n, Code::signature_transform);
    EXPECT_NE(c14n.message.find("CanonicalizationMethod"), std::string::npos) << c14n.message;
}

TEST(HostileXml, HugePrefixListWithTheAttackersOwnKeyIsRefusedBeforeAnyDigest) {
    // xmlsec1 digests (canonicalizing the whole document once per prefix per element) before it
    // tries a key, so no IdP key was needed for the 1.4-25 s of the reviewers' documents. The
    // profile check now refuses the list first: the code says so (not SIGNATURE_INVALID).
    ResponseOptions o = opts();
    o.transform_prefixes = prefixes(1000);
    Outcome r = verify_xml(attacker().response_xml(o));
    EXPECT_CODE(r, Code::signature_transform);
    // The check runs for every signature before any is verified: a huge list on the Assertion's
    // signature is refused although the Response's signature, verified first, fails its digest.
    ResponseOptions u = opts();
    u.sign = Sign::none;
    xml::Document doc = xml::parse(idp().unsigned_response_xml(u), {}, "test");
    crypto::register_saml_ids(doc.get());
    idp().sign_element(doc.get(), xml::first_child_element(doc.root(), xml::ns_saml, "Assertion"), {}, {},
                       prefixes(1000));
    idp().sign_element(doc.get(), doc.root());
    const std::string signed_both =
        with_root_extras(testing::serialize(doc.get()), 1, false);  // breaks the Response's digest
    Outcome first = verify_xml(signed_both);
    EXPECT_CODE(first, Code::signature_transform);
    EXPECT_NE(first.message.find("names more than 16 prefixes"), std::string::npos) << first.message;
}

TEST(HostileXml, PrefixesMustBeNamespacePrefixes) {
    for (const char *bad : {"1xs", "xs:x", "#all", "x y\xC2\xA0z", "-x"}) {
        ResponseOptions o = opts();
        o.transform_prefixes = bad;
        Outcome r = verify_xml(idp().response_xml(o));
        EXPECT_CODE(r, Code::signature_transform);
        EXPECT_NE(r.message.find("neither a namespace prefix (an NCName) nor #default"), std::string::npos)
            << bad << ": " << r.message;
    }
    ResponseOptions o = opts();
    o.transform_prefixes = std::string(65, 'x');
    EXPECT_CODE(verify_xml(idp().response_xml(o)), Code::signature_transform);
    o.transform_prefixes = std::string(64, 'x') + " \xC3\xA9t\xC3\xA9 _a.b-c";  // long, non-ASCII, punctuation
    EXPECT_CODE(verify_xml(idp().response_xml(o)), Code::ok);
}

TEST(HostileXml, InclusiveNamespacesMustBeEmptyAndCarryAPrefixList) {
    ResponseOptions o = opts();
    o.sign = Sign::assertion;
    o.transform_prefixes = "xs";
    const std::string signed_xml = idp().response_xml(o);
    // Without its PrefixList (the digest breaks too, but the shape is refused first).
    std::string no_list = signed_xml;
    no_list.replace(no_list.find("PrefixList=\"xs\""), std::string("PrefixList=\"xs\"").size(), "Other=\"xs\"");
    Outcome r = verify_xml(no_list);
    EXPECT_CODE(r, Code::signature_transform);
    EXPECT_NE(r.message.find("has no PrefixList"), std::string::npos) << r.message;
    // With a child element.
    std::string child = signed_xml;
    const std::size_t at = child.find("PrefixList=\"xs\"/>");
    ASSERT_NE(at, std::string::npos);
    child.replace(at, std::string("PrefixList=\"xs\"/>").size(), "PrefixList=\"xs\"><x/></InclusiveNamespaces>");
    r = verify_xml(child);
    EXPECT_CODE(r, Code::signature_transform);
    EXPECT_NE(r.message.find("has child elements"), std::string::npos) << r.message;
}

TEST(HostileXml, MetadataSignaturePrefixListIsBounded) {
    std::string bytes = interop("metadata/entra-1.xml");
    ImportOptions io;
    io.now = fixed_now();
    {
        xml::Document doc = xml::parse(bytes, {}, "test metadata");
        xmlNode *sig = xml::first_child_element(doc.root(), xml::ns_ds, "Signature");
        // Its own KeyInfo certificate, for a self-consistency check (a deployment pins the key).
        xmlNode *ki = xml::first_child_element(sig, xml::ns_ds, "KeyInfo");
        xmlNode *data = xml::first_child_element(ki, xml::ns_ds, "X509Data");
        xmlNode *cert = xml::first_child_element(data, xml::ns_ds, "X509Certificate");
        ASSERT_NE(cert, nullptr);
        io.trusted_signer_pem = crypto::to_pem(crypto::parse_certificate_base64(xml::text(cert)));
    }
    ASSERT_TRUE(import_idp_metadata(bytes, io)->signature_verified());
    const std::string method = "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\" />";
    const std::size_t at = bytes.find(method);
    ASSERT_NE(at, std::string::npos);
    bytes.replace(at, method.size(),
                  "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"><ec:InclusiveNamespaces "
                  "xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"" +
                      prefixes(1000) + "\"/></CanonicalizationMethod>");
    std::string msg = expect_code(Code::metadata_signature_invalid, [&] { import_idp_metadata(bytes, io); });
    EXPECT_NE(msg.find("names more than 16 prefixes"), std::string::npos) << msg;
}

// ------------------------------------------------------------------ trailing content

TEST(HostileXml, Utf16ResponseIsReadAndNothingMayHideAfterANul) {
    std::string genuine = idp().response_xml(opts());
    const std::string decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    ASSERT_EQ(genuine.rfind(decl, 0), 0u);
    genuine.replace(0, decl.size(), "<?xml version=\"1.0\" encoding=\"UTF-16\"?>");
    // The signature covers the canonical (UTF-8) form, so a UTF-16 copy still verifies.
    Outcome ok = verify_xml(utf16le(genuine));
    EXPECT_CODE(ok, Code::ok);
    EXPECT_EQ(ok.login.email, "alice@example.com");
    // U+0000 and then anything, a second Response here: libxml2 stopped at the NUL and the tail was
    // silently ignored.
    ResponseOptions other = opts();
    other.nameid = "mallory@example.com";
    const std::string tail = utf16le(idp().response_xml(other)).substr(2);
    Outcome hidden = verify_xml(utf16le(genuine) + std::string("\0\0", 2) + tail);
    EXPECT_CODE(hidden, Code::xml_malformed);
    EXPECT_NE(hidden.message.find("contains a NUL character at byte offset"), std::string::npos) << hidden.message;
    // Without the NUL, the same tail is extra content after the root: refused as well.
    EXPECT_CODE(verify_xml(utf16le(genuine) + tail), Code::xml_malformed);
}

}  // namespace
}  // namespace ssogate::core::test
