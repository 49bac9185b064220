// The attack suite: each test builds a hostile or broken Response from the testing IdP's
// output (libxml2 edits after signing, or knobs before) and asserts the exact refusal code.
#include "response_test_util.hpp"

#include "crypto/dsig.hpp"
#include "store/pending_requests.hpp"
#include "xml/xml.hpp"

#include <libxml/parser.h>

#include <stdexcept>

namespace ssogate::core::test {
namespace {

using testing::ResponseOptions;
using testing::Sign;
using testing::TestIdp;

// One IdP key for the whole suite (RSA generation is the slow part).
const TestIdp &idp() {
    static TestIdp instance;
    return instance;
}
const TestIdp &other_idp() {
    static TestIdp instance("https://idp.test.example/saml");  // same entity ID, another key
    return instance;
}

// An editable copy of a document (our own output: no DOCTYPE, so xml::parse is fine).
struct Edit {
    xml::Document doc;
    explicit Edit(const std::string &text) : doc(xml::parse(text, xml::Limits{}, "test")) {}
    xmlNode *root() const { return doc.root(); }
    xmlNode *find(const char *ns, const char *local, int nth = 0) const {
        int seen = 0;
        return find_in(root(), ns, local, nth, seen);
    }
    static xmlNode *find_in(xmlNode *n, const char *ns, const char *local, int nth, int &seen) {
        for (; n != nullptr; n = n->next) {
            if (n->type != XML_ELEMENT_NODE) continue;
            if (xml::is_element(n, ns, local) && seen++ == nth) return n;
            if (xmlNode *f = find_in(n->children, ns, local, nth, seen)) return f;
        }
        return nullptr;
    }
    xmlNode *assertion() const { return find(xml::ns_saml, "Assertion"); }
    xmlNode *signature_of(xmlNode *parent) const { return xml::first_child_element(parent, xml::ns_ds, "Signature"); }
    std::string b64() const { return util::base64_encode(testing::serialize(doc.get())); }
};

void set_attr(xmlNode *n, const char *name, const std::string &value) {
    xmlSetProp(n, reinterpret_cast<const xmlChar *>(name), reinterpret_cast<const xmlChar *>(value.c_str()));
}
// Removes a node from its document and frees it (an unlinked node belongs to no document, so
// nothing else would free it: LeakSanitizer reports it).
void discard(xmlNode *n) {
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}
void set_text(xmlNode *n, const std::string &value) {
    xmlNodeSetContent(n, reinterpret_cast<const xmlChar *>(value.c_str()));
}
xmlNode *new_element(xmlNode *parent, const char *ns_uri, const char *prefix, const char *local) {
    xmlNs *ns = xmlSearchNsByHref(parent->doc, parent, reinterpret_cast<const xmlChar *>(ns_uri));
    xmlNode *n = xmlNewChild(parent, nullptr, reinterpret_cast<const xmlChar *>(local), nullptr);
    xmlSetNs(
        n, ns ? ns : xmlNewNs(n, reinterpret_cast<const xmlChar *>(ns_uri), reinterpret_cast<const xmlChar *>(prefix)));
    return n;
}

testing::TestAttribute attr(std::string name, std::vector<std::string> values, std::string friendly = {}) {
    testing::TestAttribute a;
    a.name = std::move(name);
    a.values = std::move(values);
    a.friendly_name = std::move(friendly);
    return a;
}

class FailingCache : public ReplayCache {
public:
    bool insert_if_absent(std::string_view, std::string_view, std::int64_t) override {
        fail(Code::store_unavailable, "redis: connection refused");
    }
};

class ThrowingCache : public ReplayCache {
public:
    bool insert_if_absent(std::string_view, std::string_view, std::int64_t) override {
        throw std::runtime_error("disk I/O error");
    }
};

class OnePending : public store::PendingRequests {
public:
    int taken = 0;
    void put(std::string_view, const store::PendingRequest &) override {}
    std::optional<store::PendingRequest> take(std::string_view, std::int64_t) override { return std::nullopt; }
    std::optional<store::PendingRequest> take_by_request_id(std::string_view conn, std::string_view id,
                                                            std::int64_t) override {
        if (taken > 0 || conn != "c1" || id != "_req1") return std::nullopt;
        ++taken;
        return store::PendingRequest{"_req1", "c1", "/", 0, 0};
    }
};

class Attack : public ::testing::Test {
protected:
    std::int64_t now = t0;
    MemoryReplayCache cache{[this] { return now; }};
    ConnectionSettings settings;

    ResponseOptions opts() const {
        ResponseOptions o;
        o.now = t0;
        o.acs_url = acs;
        o.sp_entity_id = sp_entity;
        o.in_response_to = "_req1";
        return o;
    }
    VerifyContext ctx() {
        VerifyContext c;
        c.now = now;
        c.replay = &cache;
        c.pending_request_ids = {"_req1"};
        return c;
    }
    Outcome verify(const std::string &b64) { return verify(b64, ctx()); }
    Outcome verify(const std::string &b64, const VerifyContext &c) {
        auto conn = connection_for(idp().metadata(), settings);
        return run_verify(*conn, b64, c);
    }
    Outcome verify_opts(const ResponseOptions &o) { return verify(idp().response_base64(o)); }
    // Signs `o` then hands the document to `edit` before verifying.
    template <class F>
    Outcome edited(const ResponseOptions &o, F edit) {
        Edit e(idp().response_xml(o));
        edit(e);
        return verify(e.b64());
    }
};

// ------------------------------------------------------------------ the success path and its output

TEST_F(Attack, SignedResponseAndAssertionAreAccepted) {
    auto o = opts();
    o.attributes = {attr("email", {"alice@example.com"}, "mail"), attr("groups", {"admins", "dev"})};
    o.session_index = "_s42";
    Outcome r = verify_opts(o);
    ASSERT_EQ(r.code, Code::ok) << r.message;
    EXPECT_EQ(r.login.email, "alice@example.com");
    EXPECT_EQ(r.login.nameid_format, nameid_email);
    EXPECT_EQ(r.login.idp_entity_id, idp().entity_id());
    EXPECT_EQ(r.login.connection_id, "c1");
    EXPECT_EQ(r.login.in_response_to, "_req1");
    EXPECT_EQ(r.login.session_index, "_s42");
    EXPECT_EQ(r.login.authn_instant, t0);
    ASSERT_EQ(r.login.attributes.size(), 2u);
    EXPECT_EQ(r.login.attributes[0].friendly_name, "mail");
    EXPECT_EQ(r.login.attributes[1].values, (std::vector<std::string>{"admins", "dev"}));
}

TEST_F(Attack, EachSigningChoiceAndAlgorithmIsAccepted) {
    for (Sign s : {Sign::response, Sign::assertion, Sign::both}) {
        auto o = opts();
        o.sign = s;
        EXPECT_CODE(verify_opts(o), Code::ok);
    }
    for (auto [sm, dm] : {std::pair{crypto::alg_rsa_sha384, crypto::alg_sha384},
                          std::pair{crypto::alg_rsa_sha512, crypto::alg_sha512}}) {
        auto o = opts();
        o.signature_method = sm;
        o.digest_method = dm;
        EXPECT_CODE(verify_opts(o), Code::ok);
    }
}

TEST_F(Attack, LineBreaksInTheFormValueAreTolerated) {
    std::string b64 = idp().response_base64(opts());
    std::string wrapped;
    for (std::size_t i = 0; i < b64.size(); i += 76) wrapped += b64.substr(i, 76) + "\r\n";
    EXPECT_CODE(verify(wrapped), Code::ok);
}

TEST_F(Attack, PendingRequestIsConsumedOnce) {
    OnePending pending;
    auto c = ctx();
    c.pending = &pending;
    EXPECT_CODE(verify(idp().response_base64(opts()), c), Code::ok);
    EXPECT_EQ(pending.taken, 1);
    // Another (fresh) response to the same request: the store says it is gone.
    EXPECT_CODE(verify(idp().response_base64(opts()), c), Code::in_response_to_unknown);
}

// ------------------------------------------------------------------------- the eight classic XSW

// XSW1: a forged Response wraps the signed original inside its copied ds:Signature.
TEST_F(Attack, Xsw1_OriginalResponseInsideSignatureOfForgedResponse) {
    auto o = opts();
    o.sign = Sign::response;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *orig = e.root();
                           xmlNode *forged = xmlCopyNode(orig, 1);
                           set_attr(forged, "ID", "_forged");
                           set_text(
                               xml::first_child_element(xml::first_child_element(forged, xml::ns_saml, "Assertion"),
                                                        xml::ns_saml, "Subject")
                                   ->children,
                               "mallory@evil.example");
                           xmlNode *sig = e.signature_of(forged);
                           xmlDocSetRootElement(e.doc.get(), forged);
                           xmlAddChild(sig, orig);
                       }),
                Code::assertion_count);
}

// XSW2: as XSW1, with the original placed as a sibling before the signature.
TEST_F(Attack, Xsw2_OriginalResponseBesideSignatureOfForgedResponse) {
    auto o = opts();
    o.sign = Sign::response;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *orig = e.root();
                           xmlNode *forged = xmlCopyNode(orig, 1);
                           set_attr(forged, "ID", "_forged");
                           xmlDocSetRootElement(e.doc.get(), forged);
                           xmlAddPrevSibling(e.signature_of(forged), orig);
                       }),
                Code::assertion_count);
}

// XSW3: a forged Assertion inserted before the signed one.
TEST_F(Attack, Xsw3_ForgedAssertionBeforeSignedAssertion) {
    auto o = opts();
    o.sign = Sign::assertion;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *forged = xmlCopyNode(e.assertion(), 1);
                           set_attr(forged, "ID", "_forged");
                           discard(e.signature_of(forged));
                           xmlAddPrevSibling(e.assertion(), forged);
                       }),
                Code::assertion_count);
}

// XSW4: the signed Assertion moved inside a forged one.
TEST_F(Attack, Xsw4_SignedAssertionInsideForgedAssertion) {
    auto o = opts();
    o.sign = Sign::assertion;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *orig = e.assertion();
                           xmlNode *forged = xmlCopyNode(orig, 1);
                           set_attr(forged, "ID", "_forged");
                           discard(e.signature_of(forged));
                           xmlAddPrevSibling(orig, forged);
                           xmlUnlinkNode(orig);
                           xmlAddChild(forged, orig);
                       }),
                Code::assertion_count);
}

// XSW5: the forged Assertion carries the copied signature; the original is appended at the end.
TEST_F(Attack, Xsw5_ForgedAssertionWithCopiedSignature) {
    auto o = opts();
    o.sign = Sign::assertion;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *orig = e.assertion();
                           xmlNode *forged = xmlCopyNode(orig, 1);
                           set_attr(forged, "ID", "_forged");
                           xmlAddPrevSibling(orig, forged);
                       }),
                Code::assertion_count);
}

// XSW6: the forged Assertion's copied signature holds the original Assertion.
TEST_F(Attack, Xsw6_OriginalAssertionInsideCopiedSignature) {
    auto o = opts();
    o.sign = Sign::assertion;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *orig = e.assertion();
                           xmlNode *forged = xmlCopyNode(orig, 1);
                           set_attr(forged, "ID", "_forged");
                           xmlAddPrevSibling(orig, forged);
                           xmlUnlinkNode(orig);
                           xmlAddChild(e.signature_of(forged), orig);
                       }),
                Code::assertion_count);
}

// XSW7: the signed Assertion hidden in an Extensions element, a forged one in its place.
TEST_F(Attack, Xsw7_SignedAssertionInExtensions) {
    auto o = opts();
    o.sign = Sign::assertion;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *orig = e.assertion();
                           xmlNode *forged = xmlCopyNode(orig, 1);
                           discard(e.signature_of(forged));
                           xmlAddPrevSibling(orig, forged);
                           xmlUnlinkNode(orig);
                           xmlNode *ext = new_element(e.root(), xml::ns_samlp, "samlp", "Extensions");
                           xmlAddChild(ext, orig);
                       }),
                Code::assertion_count);
}

// XSW8: the original Assertion inside a ds:Object of the forged Assertion's signature.
TEST_F(Attack, Xsw8_OriginalAssertionInSignatureObject) {
    auto o = opts();
    o.sign = Sign::assertion;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *orig = e.assertion();
                           xmlNode *forged = xmlCopyNode(orig, 1);
                           set_attr(forged, "ID", "_forged");
                           xmlAddPrevSibling(orig, forged);
                           xmlUnlinkNode(orig);
                           xmlNode *object = new_element(e.signature_of(forged), xml::ns_ds, "ds", "Object");
                           xmlAddChild(object, orig);
                       }),
                Code::assertion_count);
}

// When the forged document has a single Assertion, the other defences answer.
TEST_F(Attack, SignatureMovedAwayFromItsElementIsRefused) {
    auto o = opts();
    o.sign = Sign::assertion;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *sig = e.signature_of(e.assertion());
                           xmlUnlinkNode(sig);
                           xmlNode *ext = new_element(e.root(), xml::ns_samlp, "samlp", "Extensions");
                           xmlAddChild(ext, sig);
                       }),
                Code::signature_placement);
}

TEST_F(Attack, ResponseSignatureReferencingTheAssertionIsRefused) {
    auto o = opts();
    o.sign = Sign::response;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *ref = e.find(xml::ns_ds, "Reference");
                           set_attr(ref, "URI", "#" + *xml::attribute(e.assertion(), "ID"));
                       }),
                Code::signature_reference);
}

TEST_F(Attack, TwoReferencesAreRefused) {
    EXPECT_CODE(edited(opts(),
                       [](Edit &e) {
                           xmlNode *ref = e.find(xml::ns_ds, "Reference");
                           xmlAddNextSibling(ref, xmlCopyNode(ref, 1));
                       }),
                Code::signature_reference);
}

TEST_F(Attack, DuplicateIdsAreRefused) {
    EXPECT_CODE(edited(opts(),
                       [](Edit &e) {
                           xmlNode *ext = new_element(e.root(), xml::ns_samlp, "samlp", "Extensions");
                           xmlNode *decoy = new_element(ext, "urn:example:decoy", "x", "Decoy");
                           set_attr(decoy, "ID", *xml::attribute(e.assertion(), "ID"));
                       }),
                Code::duplicate_id);
}

TEST_F(Attack, DuplicateIdAmongManyIsRefused) {
    // Beyond a handful of IDs the uniqueness check sorts instead of comparing pairs: same refusal.
    const Outcome r = edited(opts(), [](Edit &e) {
        xmlNode *ext = new_element(e.root(), xml::ns_samlp, "samlp", "Extensions");
        for (int i = 0; i < 100; ++i)
            set_attr(new_element(ext, "urn:example:decoy", "x", "Decoy"), "ID", "decoy-" + std::to_string(i));
        set_attr(new_element(ext, "urn:example:decoy", "x", "Last"), "ID", "decoy-57");
    });
    EXPECT_EQ(r.code, Code::duplicate_id) << r.message;
    EXPECT_NE(r.message.find("'decoy-57'"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("{urn:example:decoy}Decoy and {urn:example:decoy}Last"), std::string::npos) << r.message;
}

TEST_F(Attack, XmlIdCollidingWithAssertionIdIsRefused) {
    EXPECT_CODE(edited(opts(),
                       [](Edit &e) {
                           xmlNode *issuer = xml::first_child_element(e.root(), xml::ns_saml, "Issuer");
                           xmlNs *x = xmlSearchNs(e.doc.get(), issuer, reinterpret_cast<const xmlChar *>("xml"));
                           xmlSetNsProp(
                               issuer, x, reinterpret_cast<const xmlChar *>("id"),
                               reinterpret_cast<const xmlChar *>(xml::attribute(e.assertion(), "ID")->c_str()));
                       }),
                Code::duplicate_id);
}

// -------------------------------------------------------------- assertion count and hiding places

TEST_F(Attack, SecondUnsignedAssertionIsRefused) {
    auto o = opts();
    o.sign = Sign::assertion;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *copy = xmlCopyNode(e.assertion(), 1);
                           set_attr(copy, "ID", "_second");
                           discard(e.signature_of(copy));
                           xmlAddNextSibling(e.assertion(), copy);
                       }),
                Code::assertion_count);
}

TEST_F(Attack, AssertionHiddenInAdviceIsRefused) {
    EXPECT_CODE(edited(opts(),
                       [](Edit &e) {
                           xmlNode *copy = xmlCopyNode(e.assertion(), 1);
                           set_attr(copy, "ID", "_advice");
                           xmlNode *advice = new_element(e.assertion(), xml::ns_saml, "saml", "Advice");
                           xmlAddChild(advice, copy);
                       }),
                Code::assertion_count);
}

TEST_F(Attack, OnlyAssertionInsideExtensionsIsRefused) {
    auto o = opts();
    o.sign = Sign::none;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *a = e.assertion();
                           xmlUnlinkNode(a);
                           xmlAddChild(new_element(e.root(), xml::ns_samlp, "samlp", "Extensions"), a);
                       }),
                Code::assertion_count);
}

TEST_F(Attack, UnsignedResponseIsRefused) {
    auto o = opts();
    o.sign = Sign::none;
    EXPECT_CODE(verify_opts(o), Code::signature_missing);
}

TEST_F(Attack, EncryptedAssertionIsRefused) {
    EXPECT_CODE(edited(opts(),
                       [](Edit &e) {
                           xmlNode *a = e.assertion();
                           xmlNode *enc = new_element(e.root(), xml::ns_saml, "saml", "EncryptedAssertion");
                           xmlUnlinkNode(a);
                           xmlFreeNode(a);
                           (void)enc;
                       }),
                Code::assertion_encrypted);
}

// ------------------------------------------------------------------------- cryptographic attacks

TEST_F(Attack, CommentInjectedIntoNameIdIsRefusedNotTruncated) {
    // Exclusive c14n without comments drops the comment, so the signature still verifies: only the
    // NameID check stands between "alice@example.com.evil.example" and "alice@example.com".
    auto o = opts();
    o.nameid = "alice@example.com.evil.example";
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *nameid = e.find(xml::ns_saml, "NameID");
                           set_text(nameid, "alice@example.com");
                           xmlAddChild(nameid, xmlNewComment(reinterpret_cast<const xmlChar *>("")));
                           xmlAddChild(nameid, xmlNewText(reinterpret_cast<const xmlChar *>(".evil.example")));
                       }),
                Code::nameid_invalid);
}

TEST_F(Attack, SignatureByAnotherKeyWithItsCertificateInKeyInfoIsRefused) {
    // other_idp() signs with its own key and puts its own certificate in KeyInfo: KeyInfo is never trusted.
    Outcome r = verify(other_idp().response_base64(opts()));
    EXPECT_CODE(r, Code::signature_invalid);
    EXPECT_NE(r.message.find(crypto::parse_certificate_pem(idp().certificate_pem()).sha256), std::string::npos)
        << "the message names the certificate tried";
}

TEST_F(Attack, AnotherKeyIsAcceptedOnceItsCertificateIsInTheMetadata) {
    // Key rollover: metadata with both certificates accepts either signer.
    std::string both = idp().metadata_xml();
    std::string other_kd = other_idp().metadata_xml();
    auto kd_begin = other_kd.find("<md:KeyDescriptor"), kd_end = other_kd.find("</md:KeyDescriptor>") + 19;
    both.insert(both.find("<md:KeyDescriptor"), other_kd.substr(kd_begin, kd_end - kd_begin));
    auto conn = connection_for(import_idp_metadata(both, {}), settings);
    EXPECT_CODE(run_verify(*conn, other_idp().response_base64(opts()), ctx()), Code::ok);
    EXPECT_CODE(run_verify(*conn, idp().response_base64(opts()), ctx()), Code::ok);
}

TEST_F(Attack, DigestTamperingIsRefused) {
    EXPECT_CODE(edited(opts(), [](Edit &e) { set_text(e.find(xml::ns_saml, "NameID"), "mallory@example.com"); }),
                Code::signature_invalid);
}

TEST_F(Attack, SignatureValueTamperingIsRefused) {
    EXPECT_CODE(edited(opts(),
                       [](Edit &e) {
                           xmlNode *sv = e.find(xml::ns_ds, "SignatureValue");
                           std::string v = xml::trimmed_text(sv);
                           v[10] = v[10] == 'A' ? 'B' : 'A';
                           set_text(sv, v);
                       }),
                Code::signature_invalid);
}

TEST_F(Attack, DigestValueTamperingIsRefused) {
    EXPECT_CODE(edited(opts(),
                       [](Edit &e) {
                           xmlNode *dv = e.find(xml::ns_ds, "DigestValue");
                           std::string v = xml::trimmed_text(dv);
                           v[0] = v[0] == 'A' ? 'B' : 'A';
                           set_text(dv, v);
                       }),
                Code::signature_invalid);
}

TEST_F(Attack, Sha1IsRefusedUnlessTheConnectionOptsIn) {
    auto o = opts();
    o.signature_method = crypto::alg_rsa_sha1;
    o.digest_method = crypto::alg_sha1;
    std::string b64 = idp().response_base64(o);
    EXPECT_CODE(verify(b64), Code::signature_algorithm);
    settings.allow_sha1 = true;
    EXPECT_CODE(verify(b64), Code::ok);
}

TEST_F(Attack, Sha1DigestUnderSha256SignatureIsRefused) {
    auto o = opts();
    o.digest_method = crypto::alg_sha1;
    EXPECT_CODE(verify_opts(o), Code::signature_algorithm);
}

TEST_F(Attack, HmacWithTheCertificateAsKeyIsRefused) {
    // The classic: HMAC keyed with the public certificate, which anyone can compute. The algorithm is
    // refused before any key is looked at.
    auto o = opts();
    o.sign = Sign::assertion;
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           set_attr(e.find(xml::ns_ds, "SignatureMethod"), "Algorithm",
                                    "http://www.w3.org/2000/09/xmldsig#hmac-sha1");
                       }),
                Code::signature_algorithm);
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           set_attr(e.find(xml::ns_ds, "SignatureMethod"), "Algorithm",
                                    "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256");
                       }),
                Code::signature_algorithm);
}

TEST_F(Attack, ExtraTransformIsRefused) {
    EXPECT_CODE(edited(opts(),
                       [](Edit &e) {
                           xmlNode *t = new_element(e.find(xml::ns_ds, "Transforms"), xml::ns_ds, "ds", "Transform");
                           set_attr(t, "Algorithm", "http://www.w3.org/TR/1999/REC-xpath-19991116");
                       }),
                Code::signature_transform);
}

TEST_F(Attack, CanonicalizationWithCommentsIsRefused) {
    EXPECT_CODE(edited(opts(),
                       [](Edit &e) {
                           set_attr(e.find(xml::ns_ds, "CanonicalizationMethod"), "Algorithm",
                                    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments");
                       }),
                Code::signature_transform);
}

TEST_F(Attack, ObjectInsideSignatureIsRefused) {
    EXPECT_CODE(
        edited(opts(), [](Edit &e) { new_element(e.find(xml::ns_ds, "Signature"), xml::ns_ds, "ds", "Object"); }),
        Code::signature_malformed);
}

TEST_F(Attack, TwoSignaturesOnOneElementAreRefused) {
    EXPECT_CODE(edited(opts(),
                       [](Edit &e) {
                           xmlNode *sig = e.signature_of(e.root());
                           xmlAddNextSibling(sig, xmlCopyNode(sig, 1));
                       }),
                Code::signature_placement);
}

// ------------------------------------------------------------------------------- XML-level attacks

TEST_F(Attack, DoctypeXxeAndEntityBombAreRefused) {
    const std::string body = idp().response_xml(opts());
    const std::string start = body.substr(body.find("<samlp:Response"));
    for (std::string prolog : {std::string("<!DOCTYPE samlp:Response>"),
                               std::string("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"),
                               std::string("<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;"
                                           "&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>")}) {
        EXPECT_CODE(verify(util::base64_encode("<?xml version=\"1.0\"?>" + prolog + start)), Code::xml_doctype);
    }
}

TEST_F(Attack, NotBase64NotXmlAndOversizeAreRefused) {
    EXPECT_CODE(verify("PHNhbWxwOl*Jlc3BvbnNl"), Code::encoding_invalid);
    EXPECT_CODE(verify(util::base64_encode("<samlp:Response")), Code::xml_malformed);
    auto c = ctx();
    c.max_bytes = 1000;
    EXPECT_CODE(verify(idp().response_base64(opts()), c), Code::input_too_large);
}

// INPUT_TOO_LARGE says what was measured: the raw length when that is over the limit, what the base64
// decodes to otherwise.
TEST_F(Attack, InputTooLargeSaysWhatWasMeasured) {
    auto c = ctx();
    c.max_bytes = 3000;
    const std::size_t raw_cap = max_form_value_bytes(c.max_bytes);
    Outcome r = verify(std::string(raw_cap + 1, '\n'), c);
    EXPECT_CODE(r, Code::input_too_large);
    EXPECT_NE(r.message.find("is " + std::to_string(raw_cap + 1) + " characters long"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find("decode to about"), std::string::npos) << "line breaks decode to nothing: " << r.message;
    r = verify(std::string(4100, 'A'), c);
    EXPECT_CODE(r, Code::input_too_large);
    EXPECT_NE(r.message.find("holds 4100 base64 characters, which decode to about 3075 bytes; the cap is 3000"),
              std::string::npos)
        << r.message;
}

TEST_F(Attack, WrongRootAndVersionAreRefused) {
    EXPECT_CODE(
        verify(util::base64_encode("<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>")),
        Code::response_malformed);
    auto o = opts();
    o.sign = Sign::none;
    EXPECT_CODE(edited(o, [](Edit &e) { set_attr(e.root(), "Version", "1.1"); }), Code::response_version);
}

// --------------------------------------------------------------------- times (no skew, then skew)

TEST_F(Attack, TimeWindowsAreEnforced) {
    settings.clock_skew_seconds = 0;
    auto o = opts();
    now = t0 + 300;  // Conditions and SubjectConfirmationData NotOnOrAfter are t0 + 300
    EXPECT_CODE(verify_opts(o), Code::subject_expired);
    o.subject_not_on_or_after = t0 + 900;
    EXPECT_CODE(verify_opts(o), Code::expired);
    now = t0 - 61;  // NotBefore is t0 - 60; the IssueInstant must not be in the future
    o.issue_instant = t0 - 120;
    EXPECT_CODE(verify_opts(o), Code::not_yet_valid);
    o.issue_instant.reset();
    now = t0 + 601;  // IssueInstant older than the 600 s maximum age
    o.not_on_or_after = o.subject_not_on_or_after = t0 + 3600;
    EXPECT_CODE(verify_opts(o), Code::issue_instant);
    now = t0 - 601;
    o.not_before = t0 - 3600;
    EXPECT_CODE(verify_opts(o), Code::issue_instant);
}

TEST_F(Attack, ClockSkewIsAppliedToEveryWindow) {
    settings.clock_skew_seconds = 120;
    auto o = opts();
    now = t0 + 300 + 119;
    Outcome r = verify_opts(o);
    EXPECT_CODE(r, Code::ok);
    now = t0 + 300 + 120;
    r = verify_opts(o);
    EXPECT_CODE(r, Code::subject_expired);
    EXPECT_NE(r.message.find("clock skew 120 s"), std::string::npos) << r.message;
    // Before NotBefore, with an IssueInstant that is not in the future either.
    o.issue_instant = t0 - 200;
    now = t0 - 60 - 120;
    EXPECT_CODE(verify_opts(o), Code::ok);
    now = t0 - 60 - 121;
    EXPECT_CODE(verify_opts(o), Code::not_yet_valid);
    // An IssueInstant ahead of the clock passes within the skew and no further.
    o.issue_instant.reset();
    now = t0 - 120;
    EXPECT_CODE(verify_opts(o), Code::ok);
    now = t0 - 121;
    r = verify_opts(o);
    EXPECT_CODE(r, Code::issue_instant);
    EXPECT_NE(r.message.find("in the future"), std::string::npos) << r.message;
}

// ------------------------------------------------------------------ replay retention and shares

// However far off the NotOnOrAfter an IdP chooses, an assertion ID is kept only as long as the assertion
// could be accepted: its signed IssueInstant + the maximum age + the clock skew.
TEST_F(Attack, ReplayRetentionFollowsTheSignedIssueInstantNotTheIdPsExpiry) {
    settings.clock_skew_seconds = 180;
    auto o = opts();
    o.not_on_or_after = o.subject_not_on_or_after = t0 + 10LL * 365 * 24 * 3600;  // ten years
    const std::string b64 = idp().response_base64(o);
    Outcome r = verify(b64);
    EXPECT_CODE(r, Code::ok);
    EXPECT_EQ(cache.size(), 1u);
    now = t0 + 600 + 180;  // the last second at which it could be accepted: still remembered
    EXPECT_CODE(verify(b64), Code::replayed);
    EXPECT_NE(verify(b64).message.find("2026-01-01T00:13:00Z"), std::string::npos) << "remembered until t0 + 780";
    now = t0 + 600 + 180 + 1;  // from here the IssueInstant refuses it, so the cache may forget it
    EXPECT_CODE(verify(b64), Code::issue_instant);
    EXPECT_TRUE(cache.insert_if_absent("c1", "another", now + 1));
    EXPECT_EQ(cache.size(), 1u) << "the ten-year assertion was forgotten";
}

// One tenant's IdP that mints long-lived assertions in a loop cannot lock every other tenant out of a
// shared replay cache: it fills its own share and its logins fail closed; another connection's go on.
TEST_F(Attack, OneConnectionFloodingTheReplayCacheDoesNotLockOutAnother) {
    MemoryReplayCache shared([this] { return now; }, ReplayLimits{50, 0});
    auto flooding = connection_for(idp().metadata());  // connection c1
    static TestIdp other("https://idp.other-tenant.example/saml");
    ConnectionParams p;
    p.id = "c2";
    p.acs_url = "https://app.example.com/sso/saml/c2/acs";
    p.sp_entity_id = "https://app.example.com/sso/saml/c2";
    auto quiet = make_connection(other.metadata(), p);
    VerifyContext c = ctx();
    c.replay = &shared;
    int accepted = 0;
    Outcome last;
    for (int i = 0; i < 50; ++i) {
        auto o = opts();
        o.not_on_or_after = o.subject_not_on_or_after = t0 + 10LL * 365 * 24 * 3600;
        last = run_verify(*flooding, idp().response_base64(o), c);
        if (last.code == Code::ok) ++accepted;
    }
    EXPECT_EQ(accepted, 5) << "a tenth of the cache for one connection";
    EXPECT_CODE(last, Code::store_unavailable);
    auto o = opts();
    o.acs_url = p.acs_url;
    o.sp_entity_id = p.sp_entity_id;
    Outcome r = run_verify(*quiet, other.response_base64(o), c);
    EXPECT_CODE(r, Code::ok);
    EXPECT_EQ(r.login.connection_id, "c2");
}

// ------------------------------------------------ audience, recipient, destination, issuer, status

TEST_F(Attack, AudienceMustNameTheSp) {
    auto o = opts();
    o.audience = "https://other.example/sp";
    Outcome r = verify_opts(o);
    EXPECT_CODE(r, Code::audience_mismatch);
    EXPECT_NE(r.message.find(sp_entity), std::string::npos);
    o.audience = "";
    EXPECT_CODE(verify_opts(o), Code::audience_mismatch);
}

TEST_F(Attack, EveryAudienceRestrictionMustBeSatisfied) {
    auto o = opts();
    o.sign = Sign::assertion;
    Edit e(idp().unsigned_response_xml(o));
    crypto::register_saml_ids(e.doc.get());
    xmlNode *ar = e.find(xml::ns_saml, "AudienceRestriction");
    xmlNode *second = xmlCopyNode(ar, 1);
    set_text(xml::first_child_element(second, xml::ns_saml, "Audience"), "https://other.example/sp");
    xmlAddNextSibling(ar, second);
    idp().sign_element(e.doc.get(), e.assertion());
    EXPECT_CODE(verify(e.b64()), Code::audience_mismatch);
}

TEST_F(Attack, RecipientMustBeTheAcs) {
    auto o = opts();
    o.recipient = std::string(acs) + "/other";
    EXPECT_CODE(verify_opts(o), Code::recipient_mismatch);
}

TEST_F(Attack, DestinationMustBeTheAcsExactly) {
    auto o = opts();
    o.destination = std::string(acs) + "x";  // a prefix match would accept this
    EXPECT_CODE(verify_opts(o), Code::destination_mismatch);
    o.destination = "";  // absent on a signed Response
    EXPECT_CODE(verify_opts(o), Code::destination_mismatch);
    o.sign = Sign::assertion;  // absent on an unsigned Response is fine
    EXPECT_CODE(verify_opts(o), Code::ok);
}

TEST_F(Attack, IssuerMustBeTheIdp) {
    auto o = opts();
    o.issuer = "https://evil.example/idp";
    EXPECT_CODE(verify_opts(o), Code::issuer_mismatch);
    // Whitespace around the Issuer is not a mismatch.
    auto o2 = opts();
    o2.issuer = "  " + idp().entity_id() + "\n";
    EXPECT_CODE(verify_opts(o2), Code::ok);
}

TEST_F(Attack, IdpStatusIsPassedThrough) {
    auto o = opts();
    o.status = "urn:oasis:names:tc:SAML:2.0:status:Responder";
    o.sub_status = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";
    o.status_message = "User is not assigned to this application";
    Outcome r = verify_opts(o);
    EXPECT_CODE(r, Code::status_not_success);
    EXPECT_NE(r.message.find("AuthnFailed"), std::string::npos);
    EXPECT_NE(r.message.find("not assigned"), std::string::npos);
    EXPECT_NE(r.user_message.find("STATUS_NOT_SUCCESS"), std::string::npos);
}

// ------------------------------------------------------------------- InResponseTo and replay

TEST_F(Attack, InResponseToMustBePending) {
    auto o = opts();
    o.in_response_to = "_someone_elses_request";
    EXPECT_CODE(verify_opts(o), Code::in_response_to_unknown);
}

TEST_F(Attack, InResponseToMustAgreeBetweenResponseAndAssertion) {
    auto o = opts();
    o.sign = Sign::assertion;
    EXPECT_CODE(edited(o, [](Edit &e) { set_attr(e.root(), "InResponseTo", "_req2"); }), Code::in_response_to_unknown);
}

TEST_F(Attack, UnsolicitedOnlyWhenAllowed) {
    auto o = opts();
    o.in_response_to = "";
    Outcome r = verify_opts(o);
    EXPECT_CODE(r, Code::unsolicited_not_allowed);
    EXPECT_NE(r.message.find("allow_idp_initiated"), std::string::npos);
    settings.allow_idp_initiated = true;
    r = verify_opts(o);
    EXPECT_CODE(r, Code::ok);
    EXPECT_EQ(r.login.in_response_to, "");
}

TEST_F(Attack, ReplayIsRefused) {
    std::string b64 = idp().response_base64(opts());
    EXPECT_CODE(verify(b64), Code::ok);
    EXPECT_CODE(verify(b64), Code::replayed);
}

TEST_F(Attack, ReplayCacheFailureRefusesTheLogin) {
    FailingCache failing;
    auto c = ctx();
    c.replay = &failing;
    EXPECT_CODE(verify(idp().response_base64(opts()), c), Code::store_unavailable);
    ThrowingCache throwing;
    c.replay = &throwing;
    EXPECT_CODE(verify(idp().response_base64(opts()), c), Code::store_unavailable);
}

TEST_F(Attack, MissingReplayCacheIsAProgrammingError) {
    auto c = ctx();
    c.replay = nullptr;
    auto conn = connection_for(idp().metadata());
    try {
        verify_response(*conn, idp().response_base64(opts()), c);
        ADD_FAILURE() << "accepted without a replay cache";
    } catch (const Rejection &) {
        ADD_FAILURE() << "must be invalid_argument, not a login refusal";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::invalid_argument);
    }
}

// ------------------------------------------------------------------------- subject and NameID

TEST_F(Attack, AuthnStatementIsRequired) {
    auto o = opts();
    o.authn_statement = false;
    EXPECT_CODE(verify_opts(o), Code::authn_statement_missing);
}

TEST_F(Attack, BearerConfirmationIsRequired) {
    auto o = opts();
    o.sign = Sign::none;
    Edit e(idp().unsigned_response_xml(o));
    crypto::register_saml_ids(e.doc.get());
    set_attr(e.find(xml::ns_saml, "SubjectConfirmation"), "Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key");
    idp().sign_element(e.doc.get(), e.assertion());
    EXPECT_CODE(verify(e.b64()), Code::subject_confirmation);
}

TEST_F(Attack, NameIdFormatMustBeEmail) {
    auto o = opts();
    for (const char *fmt : {"urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
                            "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"}) {
        o.nameid_format = fmt;
        Outcome r = verify_opts(o);
        EXPECT_CODE(r, Code::nameid_format);
        EXPECT_NE(r.message.find("\"EmailAddress\""), std::string::npos) << r.message;
    }
    o.nameid_format = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
    EXPECT_CODE(verify_opts(o), Code::ok);
    o.nameid = "alice";
    EXPECT_CODE(verify_opts(o), Code::nameid_format);
}

TEST_F(Attack, NameIdMustBeAValidAddress) {
    auto o = opts();
    for (const char *bad : {"alice", "alice@", "@example.com", "alice@localhost", "a b@example.com",
                            "alice@exa_mple.com", "alice@@example.com", "alice@example..com"}) {
        o.nameid = bad;
        EXPECT_CODE(verify_opts(o), Code::nameid_invalid) << bad;
    }
}

TEST_F(Attack, AllowedDomainsAreCaseInsensitive) {
    settings.allowed_email_domains = {"example.com"};
    auto o = opts();
    o.nameid = "Alice@EXAMPLE.com";
    Outcome r = verify_opts(o);
    EXPECT_CODE(r, Code::ok);
    EXPECT_EQ(r.login.email, "Alice@example.com");
    o.nameid = "alice@example.org";
    EXPECT_CODE(verify_opts(o), Code::email_domain_not_allowed);
    o.nameid = "alice@sub.example.com";
    EXPECT_CODE(verify_opts(o), Code::email_domain_not_allowed);
}

TEST_F(Attack, EmailAttributeMode) {
    settings.email_attribute = "email";
    auto o = opts();
    o.nameid = "00u1abcd";
    o.nameid_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    o.attributes = {attr("email", {"bob@example.com"})};
    Outcome r = verify_opts(o);
    EXPECT_CODE(r, Code::ok);
    EXPECT_EQ(r.login.email, "bob@example.com");
    EXPECT_EQ(r.login.nameid, "00u1abcd");
    o.attributes = {attr("email", {"bob@example.com", "eve@example.com"})};
    EXPECT_CODE(verify_opts(o), Code::email_attribute);
    o.attributes = {attr("mail", {"bob@example.com"})};
    EXPECT_CODE(verify_opts(o), Code::email_attribute);
    o.attributes = {attr("email", {"not an address"})};
    EXPECT_CODE(verify_opts(o), Code::email_attribute);
    // Comment injection in the attribute value: the signature holds, the value is refused.
    o.attributes = {attr("email", {"bob@example.com.evil.example"})};
    EXPECT_CODE(edited(o,
                       [](Edit &e) {
                           xmlNode *v = e.find(xml::ns_saml, "AttributeValue");
                           set_text(v, "bob@example.com");
                           xmlAddChild(v, xmlNewComment(reinterpret_cast<const xmlChar *>("x")));
                           xmlAddChild(v, xmlNewText(reinterpret_cast<const xmlChar *>(".evil.example")));
                       }),
                Code::email_attribute);
}

TEST_F(Attack, EndUserMessageIsGenericAndNamesTheCode) {
    auto o = opts();
    o.audience = "https://other.example/sp";
    Outcome r = verify_opts(o);
    EXPECT_EQ(r.user_message,
              "Sign-in failed. Ask your administrator to check the SSO configuration (error AUDIENCE_MISMATCH).");
    EXPECT_EQ(r.user_message.find("other.example"), std::string::npos);
}

TEST(MemoryReplayCacheTest, ForgetsOnlyExpiredEntries) {
    std::int64_t clock = 100;
    MemoryReplayCache cache([&clock] { return clock; });
    EXPECT_TRUE(cache.insert_if_absent("c1", "a", 200));
    EXPECT_FALSE(cache.insert_if_absent("c1", "a", 300));
    clock = 200;  // still kept at its expiry instant
    EXPECT_FALSE(cache.insert_if_absent("c1", "a", 300));
    clock = 201;
    EXPECT_TRUE(cache.insert_if_absent("c1", "a", 400));
    EXPECT_EQ(cache.size(), 1u);
    MemoryReplayCache tiny([&clock] { return clock; }, ReplayLimits{1, 0});
    EXPECT_TRUE(tiny.insert_if_absent("c1", "x", 1000));
    try {
        tiny.insert_if_absent("c1", "y", 1000);
        ADD_FAILURE() << "a full cache must refuse";
    } catch (const Error &e) {
        EXPECT_EQ(e.code(), Code::store_unavailable);
    }
}

}  // namespace
}  // namespace ssogate::core::test
