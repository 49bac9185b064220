// Writes the attack-suite vectors of this folder: responses/*.xml (or *.txt form values) and
// manifest.json, signed with the committed TEST key (TEST-IDP-KEY-DO-NOT-USE.pem). Built with the
// tests, run only by hand (see README.md):
//
//     build/tests/ssogate_generate_attack_vectors tests/vectors/attacks
//
// Each vector is a response of the testing IdP with fixed IDs and times, edited after signing where
// an attack needs it (the same edits as tests/core/attack_suite_test.cpp). RSA PKCS#1 v1.5
// signatures are deterministic, so running it again rewrites the same bytes, except for the two
// vectors signed by a throwaway "attacker" key made on each run.
//
// manifest.json puts each vector on one line with its keys in a fixed order, so that the C test
// can read it without a JSON library; every other reader parses it as JSON.
#include "crypto/dsig.hpp"
#include "crypto/xmlenc.hpp"
#include "testing/encrypt.hpp"
#include "testing/idp.hpp"
#include "util/encoding.hpp"
#include "xml/xml.hpp"

#include <libxml/tree.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace core = ssogate::core;
namespace xml = ssogate::core::xml;
using core::testing::ResponseOptions;
using core::testing::Sign;
using core::testing::TestIdp;

constexpr const char *idp_entity = "https://idp.attacks.test.example/saml";
constexpr const char *acs = "https://app.example.com/sso/saml/c1/acs";
constexpr const char *sp_entity = "https://app.example.com/sso/saml/c1";
constexpr std::int64_t t0 = 1767225600;  // 2026-01-01T00:00:00Z
constexpr const char *request_id = "_req1";

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string &path, const std::string &bytes) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write " + path);
    out << bytes;
}

// JSON string escaping for the manifest (descriptions are plain ASCII; this keeps them valid).
std::string json_str(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// The verification context a vector is checked in.
struct Context {
    std::int64_t now = t0;
    std::vector<std::string> request_ids{request_id};
    bool allow_idp_initiated = false;
    bool allow_sha1 = false;
    int clock_skew_seconds = 180;
    std::string email_attribute;
    std::vector<std::string> allowed_domains;
    std::uint64_t max_bytes = 0;  // 0: the default
    // The connection has the TEST SP encryption certificate and verification its key.
    bool sp_encryption = false;
    bool allow_rsa_1_5 = false;
};

struct Vector {
    std::string name;
    std::string expect;  // a code name, "OK" for success
    std::string description;
    std::string body;    // the XML, or the form value itself when `form` is true
    bool form = false;   // body is the SAMLResponse form value (not base64 of XML)
    int repeat = 1;      // verified this many times; all but the last must succeed
    Context ctx;
    std::string email;   // for "OK": the email the login must carry
};

// An editable copy of a document (our own output: no DOCTYPE).
struct Edit {
    xml::Document doc;
    explicit Edit(const std::string &text) : doc(xml::parse(text, xml::Limits{}, "vector")) {}
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
    std::string text() const { return core::testing::serialize(doc.get()); }
};

const xmlChar *X(const char *s) { return reinterpret_cast<const xmlChar *>(s); }
void set_attr(xmlNode *n, const char *name, const std::string &value) { xmlSetProp(n, X(name), X(value.c_str())); }
void set_text(xmlNode *n, const std::string &value) { xmlNodeSetContent(n, X(value.c_str())); }
xmlNode *new_element(xmlNode *parent, const char *ns_uri, const char *prefix, const char *local) {
    xmlNs *ns = xmlSearchNsByHref(parent->doc, parent, X(ns_uri));
    xmlNode *n = xmlNewChild(parent, nullptr, X(local), nullptr);
    xmlSetNs(n, ns ? ns : xmlNewNs(n, X(ns_uri), X(prefix)));
    return n;
}

core::testing::TestAttribute attr(std::string name, std::vector<std::string> values, std::string friendly = {}) {
    core::testing::TestAttribute a;
    a.name = std::move(name);
    a.values = std::move(values);
    a.friendly_name = std::move(friendly);
    return a;
}

class Generator {
public:
    Generator(const TestIdp &idp, const TestIdp &attacker, std::string sp_cert)
        : idp_(idp), attacker_(attacker), sp_cert_(std::move(sp_cert)) {}

    // Defaults for a vector: fixed IDs (derived from the name) so the output is reproducible.
    ResponseOptions opts(const std::string &name) const {
        ResponseOptions o;
        o.now = t0;
        o.acs_url = acs;
        o.sp_entity_id = sp_entity;
        o.in_response_to = request_id;
        o.response_id = "_r-" + name;
        o.assertion_id = "_a-" + name;
        return o;
    }

    void add(std::string name, std::string expect, std::string description, std::string body, Context ctx = {}) {
        Vector v;
        v.name = std::move(name);
        v.expect = std::move(expect);
        v.description = std::move(description);
        v.body = std::move(body);
        v.ctx = std::move(ctx);
        if (v.expect == "OK") {
            v.email = !v.ctx.email_attribute.empty() ? "bob@example.com"
                      : !v.ctx.allowed_domains.empty() ? "Alice@example.com"
                                                       : "alice@example.com";
        }
        vectors_.push_back(std::move(v));
    }
    // A signed response with knobs.
    void signed_(const std::string &name, const std::string &expect, const std::string &description,
                 const std::function<void(ResponseOptions &)> &knobs, Context ctx = {}) {
        ResponseOptions o = opts(name);
        knobs(o);
        add(name, expect, description, idp_.response_xml(o), std::move(ctx));
    }
    // A signed response edited after signing.
    void edited(const std::string &name, const std::string &expect, const std::string &description,
                const std::function<void(ResponseOptions &)> &knobs, const std::function<void(Edit &)> &edit,
                Context ctx = {}) {
        ResponseOptions o = opts(name);
        knobs(o);
        Edit e(idp_.response_xml(o));
        edit(e);
        add(name, expect, description, e.text(), std::move(ctx));
    }
    // Edited before the Assertion is signed (so the signature covers the edit).
    void presigned(const std::string &name, const std::string &expect, const std::string &description,
                   const std::function<void(Edit &)> &edit, Context ctx = {}) {
        ResponseOptions o = opts(name);
        o.sign = Sign::none;
        Edit e(idp_.unsigned_response_xml(o));
        core::crypto::register_saml_ids(e.doc.get());
        edit(e);
        idp_.sign_element(e.doc.get(), e.assertion());
        add(name, expect, description, e.text(), std::move(ctx));
    }

    // Encryption to the TEST SP certificate with the testing IdP's defaults (RSA-OAEP mgf1p, AES-256-GCM,
    // EncryptedKey inside the KeyInfo).
    core::testing::Encryption to_sp() const {
        core::testing::Encryption e;
        e.certificate_pem = sp_cert_;
        return e;
    }
    static Context enc_ctx() {
        Context c;
        c.sp_encryption = true;
        return c;
    }
    // An encrypted response, edited after encryption and signing when `edit` is given.
    void encrypted(const std::string &name, const std::string &expect, const std::string &description,
                   const std::function<void(ResponseOptions &)> &knobs, const std::function<void(Edit &)> &edit = {},
                   Context ctx = enc_ctx()) {
        ResponseOptions o = opts(name);
        o.encrypt = to_sp();
        knobs(o);
        if (!edit) {
            add(name, expect, description, idp_.response_xml(o), std::move(ctx));
            return;
        }
        Edit e(idp_.response_xml(o));
        edit(e);
        add(name, expect, description, e.text(), std::move(ctx));
    }
    // A response whose EncryptedAssertion holds `plain(assertion)`: the text the IdP encrypted, made
    // from its (signed, as `o.sign` says) Assertion's XML. The Response is signed over it when
    // `sign_response`.
    void with_plaintext(const std::string &name, const std::string &expect, const std::string &description,
                        const std::function<std::string(const std::string &)> &plain, bool sign_response,
                        const std::string &data_algorithm = core::crypto::alg_aes256_gcm) {
        ResponseOptions o = opts(name);
        o.sign = Sign::assertion;
        Edit e(idp_.response_xml(o));
        xmlNode *a = e.assertion();
        core::testing::Encryption enc = to_sp();
        enc.data_algorithm = data_algorithm;
        const xml::Document wrapped(
            xml::parse(core::testing::encrypt_element(plain(standalone(a)), enc), xml::Limits{}, "vector"));
        xmlNode *copy = xmlDocCopyNode(wrapped.root(), e.doc.get(), 1);
        xmlReplaceNode(a, copy);
        xmlFreeNode(a);
        if (sign_response) {
            core::crypto::register_saml_ids(e.doc.get());
            idp_.sign_element(e.doc.get(), e.root());
        }
        add(name, expect, description, e.text(), enc_ctx());
    }
    // An element's XML on its own, every namespace it uses declared (as an IdP encrypts it).
    static std::string standalone(xmlNode *element) {
        xmlDoc *copy = xmlNewDoc(X("1.0"));
        xmlNode *root = xmlDocCopyNode(element, copy, 1);
        xmlDocSetRootElement(copy, root);
        xmlReconciliateNs(copy, root);
        xmlBuffer *buf = xmlBufferCreate();
        xmlNodeDump(buf, copy, root, 0, 0);
        std::string out(reinterpret_cast<const char *>(xmlBufferContent(buf)), xmlBufferLength(buf));
        xmlBufferFree(buf);
        xmlFreeDoc(copy);
        return out;
    }

    void all();
    void encrypted_accepted();
    void encrypted_refused();
    void encrypted_structure();
    void encrypted_plaintext();
    void write(const std::string &dir) const;

private:
    const TestIdp &idp_;
    const TestIdp &attacker_;
    std::string sp_cert_;
    std::vector<Vector> vectors_;
};

void none(ResponseOptions &) {}

void Generator::all() {
    // ------------------------------------------------------------------ accepted
    signed_("valid-signed-both", "OK", "Response and Assertion signed (RSA-SHA256), two attributes, SessionIndex",
            [](ResponseOptions &o) {
                o.attributes = {attr("email", {"alice@example.com"}, "mail"), attr("groups", {"admins", "dev"})};
                o.session_index = "_s42";
            });
    signed_("valid-signed-response", "OK", "only the Response is signed; it covers the Assertion",
            [](ResponseOptions &o) { o.sign = Sign::response; });
    signed_("valid-signed-assertion", "OK", "only the Assertion is signed", [](ResponseOptions &o) { o.sign = Sign::assertion; });
    signed_("valid-rsa-sha512", "OK", "RSA-SHA512 signature with SHA-512 digests", [](ResponseOptions &o) {
        o.signature_method = core::crypto::alg_rsa_sha512;
        o.digest_method = core::crypto::alg_sha512;
    });
    {
        ResponseOptions o = opts("valid-line-breaks");
        const std::string b64 = core::util::base64_encode(idp_.response_xml(o));
        std::string wrapped;
        for (std::size_t i = 0; i < b64.size(); i += 76) wrapped += b64.substr(i, 76) + "\r\n";
        add("valid-line-breaks", "OK", "the form value wrapped at 76 columns with CRLF", wrapped);
        vectors_.back().form = true;
    }
    {
        Context c;
        c.request_ids = {};
        c.allow_idp_initiated = true;
        signed_("valid-unsolicited-allowed", "OK", "no InResponseTo, and the connection allows IdP-initiated login",
                [](ResponseOptions &o) { o.in_response_to.clear(); }, c);
    }
    {
        Context c;
        c.request_ids = {"_other", request_id, "_third"};
        signed_("valid-one-of-several-requests", "OK", "InResponseTo is one of three pending requests", none, c);
    }
    {
        Context c;
        c.allow_sha1 = true;
        signed_("valid-sha1-allowed", "OK", "RSA-SHA1 and SHA-1 digests, with the connection's allow_sha1",
                [](ResponseOptions &o) {
                    o.signature_method = core::crypto::alg_rsa_sha1;
                    o.digest_method = core::crypto::alg_sha1;
                }, c);
    }
    signed_("valid-unspecified-format", "OK", "NameID format unspecified holding a valid address", [](ResponseOptions &o) {
        o.nameid_format = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
    });
    {
        Context c;
        c.email_attribute = "email";
        signed_("valid-email-attribute", "OK", "persistent NameID; the email comes from the 'email' attribute",
                [](ResponseOptions &o) {
                    o.nameid = "00u1abcd";
                    o.nameid_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
                    o.attributes = {attr("email", {"bob@example.com"})};
                }, c);
    }
    {
        Context c;
        c.allowed_domains = {"example.com"};
        signed_("valid-allowed-domain-any-case", "OK", "NameID domain in upper case, allowed domain example.com",
                [](ResponseOptions &o) { o.nameid = "Alice@EXAMPLE.com"; }, c);
    }
    {
        Context c;
        c.clock_skew_seconds = 120;
        c.now = t0 + 300 + 119;
        signed_("valid-within-clock-skew", "OK", "119 s after NotOnOrAfter with 120 s of clock skew", none, c);
    }
    {
        Context c;
        c.request_ids = {"_req1"};
        signed_("valid-destination-absent-unsigned-response", "OK",
                "no Destination, and the Response is not signed (only the Assertion)", [](ResponseOptions &o) {
                    o.destination = "";
                    o.sign = Sign::assertion;
                }, c);
    }

    // ------------------------------------------------------------------ the eight classic XSW
    edited("xsw1-response-inside-copied-signature", "ASSERTION_COUNT",
           "XSW1: forged Response; the signed original inside its copied ds:Signature",
           [](ResponseOptions &o) { o.sign = Sign::response; }, [](Edit &e) {
               xmlNode *orig = e.root();
               xmlNode *forged = xmlCopyNode(orig, 1);
               set_attr(forged, "ID", "_forged");
               xmlNode *subject = xml::first_child_element(
                   xml::first_child_element(forged, xml::ns_saml, "Assertion"), xml::ns_saml, "Subject");
               set_text(xml::first_child_element(subject, xml::ns_saml, "NameID"), "mallory@evil.example");
               xmlNode *sig = e.signature_of(forged);
               xmlDocSetRootElement(e.doc.get(), forged);
               xmlAddChild(sig, orig);
           });
    edited("xsw2-response-beside-copied-signature", "ASSERTION_COUNT",
           "XSW2: forged Response; the signed original as a sibling before its copied signature",
           [](ResponseOptions &o) { o.sign = Sign::response; }, [](Edit &e) {
               xmlNode *orig = e.root();
               xmlNode *forged = xmlCopyNode(orig, 1);
               set_attr(forged, "ID", "_forged");
               xmlDocSetRootElement(e.doc.get(), forged);
               xmlAddPrevSibling(e.signature_of(forged), orig);
           });
    edited("xsw3-forged-assertion-before-signed", "ASSERTION_COUNT", "XSW3: a forged Assertion before the signed one",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               xmlNode *forged = xmlCopyNode(e.assertion(), 1);
               set_attr(forged, "ID", "_forged");
               xmlUnlinkNode(e.signature_of(forged));
               xmlAddPrevSibling(e.assertion(), forged);
           });
    edited("xsw4-signed-assertion-inside-forged", "ASSERTION_COUNT", "XSW4: the signed Assertion inside a forged one",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               xmlNode *orig = e.assertion();
               xmlNode *forged = xmlCopyNode(orig, 1);
               set_attr(forged, "ID", "_forged");
               xmlUnlinkNode(e.signature_of(forged));
               xmlAddPrevSibling(orig, forged);
               xmlUnlinkNode(orig);
               xmlAddChild(forged, orig);
           });
    edited("xsw5-forged-assertion-with-copied-signature", "ASSERTION_COUNT",
           "XSW5: the forged Assertion carries the copied signature; the original follows",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               xmlNode *orig = e.assertion();
               xmlNode *forged = xmlCopyNode(orig, 1);
               set_attr(forged, "ID", "_forged");
               xmlAddPrevSibling(orig, forged);
           });
    edited("xsw6-original-inside-copied-signature", "ASSERTION_COUNT",
           "XSW6: the original Assertion inside the forged Assertion's copied signature",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               xmlNode *orig = e.assertion();
               xmlNode *forged = xmlCopyNode(orig, 1);
               set_attr(forged, "ID", "_forged");
               xmlAddPrevSibling(orig, forged);
               xmlUnlinkNode(orig);
               xmlAddChild(e.signature_of(forged), orig);
           });
    edited("xsw7-signed-assertion-in-extensions", "ASSERTION_COUNT",
           "XSW7: the signed Assertion hidden in samlp:Extensions, an unsigned copy in its place",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               xmlNode *orig = e.assertion();
               xmlNode *forged = xmlCopyNode(orig, 1);
               xmlUnlinkNode(e.signature_of(forged));
               xmlAddPrevSibling(orig, forged);
               xmlUnlinkNode(orig);
               xmlAddChild(new_element(e.root(), xml::ns_samlp, "samlp", "Extensions"), orig);
           });
    edited("xsw8-original-in-signature-object", "ASSERTION_COUNT",
           "XSW8: the original Assertion inside a ds:Object of the forged Assertion's signature",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               xmlNode *orig = e.assertion();
               xmlNode *forged = xmlCopyNode(orig, 1);
               set_attr(forged, "ID", "_forged");
               xmlAddPrevSibling(orig, forged);
               xmlUnlinkNode(orig);
               xmlAddChild(new_element(e.signature_of(forged), xml::ns_ds, "ds", "Object"), orig);
           });

    // ------------------------------------------------------------------ signature structure
    edited("signature-moved-to-extensions", "SIGNATURE_PLACEMENT",
           "the Assertion's signature moved into samlp:Extensions",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               xmlNode *sig = e.signature_of(e.assertion());
               xmlUnlinkNode(sig);
               xmlAddChild(new_element(e.root(), xml::ns_samlp, "samlp", "Extensions"), sig);
           });
    edited("reference-to-another-element", "SIGNATURE_REFERENCE",
           "the Response's signature Reference points at the Assertion",
           [](ResponseOptions &o) { o.sign = Sign::response; }, [](Edit &e) {
               set_attr(e.find(xml::ns_ds, "Reference"), "URI", "#" + *xml::attribute(e.assertion(), "ID"));
           });
    edited("two-references", "SIGNATURE_REFERENCE", "a SignedInfo with two References", none, [](Edit &e) {
        xmlNode *ref = e.find(xml::ns_ds, "Reference");
        xmlAddNextSibling(ref, xmlCopyNode(ref, 1));
    });
    edited("duplicate-ids", "DUPLICATE_ID", "a decoy element in Extensions with the Assertion's ID", none, [](Edit &e) {
        xmlNode *ext = new_element(e.root(), xml::ns_samlp, "samlp", "Extensions");
        set_attr(new_element(ext, "urn:example:decoy", "x", "Decoy"), "ID", *xml::attribute(e.assertion(), "ID"));
    });
    edited("xml-id-collision", "DUPLICATE_ID", "an xml:id equal to the Assertion's ID", none, [](Edit &e) {
        xmlNode *issuer = xml::first_child_element(e.root(), xml::ns_saml, "Issuer");
        xmlNs *x = xmlSearchNs(e.doc.get(), issuer, X("xml"));
        xmlSetNsProp(issuer, x, X("id"), X(xml::attribute(e.assertion(), "ID")->c_str()));
    });
    edited("second-unsigned-assertion", "ASSERTION_COUNT", "an unsigned second Assertion after the signed one",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               xmlNode *copy = xmlCopyNode(e.assertion(), 1);
               set_attr(copy, "ID", "_second");
               xmlUnlinkNode(e.signature_of(copy));
               xmlAddNextSibling(e.assertion(), copy);
           });
    edited("assertion-in-advice", "ASSERTION_COUNT", "a copy of the Assertion inside saml:Advice", none, [](Edit &e) {
        xmlNode *copy = xmlCopyNode(e.assertion(), 1);
        set_attr(copy, "ID", "_advice");
        xmlAddChild(new_element(e.assertion(), xml::ns_saml, "saml", "Advice"), copy);
    });
    edited("assertion-only-in-extensions", "ASSERTION_COUNT", "the only Assertion sits inside samlp:Extensions",
           [](ResponseOptions &o) { o.sign = Sign::none; }, [](Edit &e) {
               xmlNode *a = e.assertion();
               xmlUnlinkNode(a);
               xmlAddChild(new_element(e.root(), xml::ns_samlp, "samlp", "Extensions"), a);
           });
    signed_("unsigned", "SIGNATURE_MISSING", "nothing is signed", [](ResponseOptions &o) { o.sign = Sign::none; });
    edited("encrypted-assertion", "ASSERTION_ENCRYPTED", "an EncryptedAssertion instead of an Assertion",
           [](ResponseOptions &o) { o.sign = Sign::none; }, [](Edit &e) {
               xmlNode *a = e.assertion();
               new_element(e.root(), xml::ns_saml, "saml", "EncryptedAssertion");
               xmlUnlinkNode(a);
               xmlFreeNode(a);
           });
    edited("object-in-signature", "SIGNATURE_MALFORMED", "a ds:Object inside the signature", none,
           [](Edit &e) { new_element(e.find(xml::ns_ds, "Signature"), xml::ns_ds, "ds", "Object"); });
    edited("two-signatures-on-response", "SIGNATURE_PLACEMENT", "the Response's signature duplicated", none,
           [](Edit &e) {
               xmlNode *sig = e.signature_of(e.root());
               xmlAddNextSibling(sig, xmlCopyNode(sig, 1));
           });

    // ------------------------------------------------------------------ cryptography
    edited("nameid-comment-injection", "NAMEID_INVALID",
           "a comment splits the NameID: alice@example.com<!---->.evil.example (the signature still holds)",
           [](ResponseOptions &o) { o.nameid = "alice@example.com.evil.example"; }, [](Edit &e) {
               xmlNode *nameid = e.find(xml::ns_saml, "NameID");
               set_text(nameid, "alice@example.com");
               xmlAddChild(nameid, xmlNewComment(X("")));
               xmlAddChild(nameid, xmlNewText(X(".evil.example")));
           });
    {
        ResponseOptions o = opts("attacker-cert-in-keyinfo");
        add("attacker-cert-in-keyinfo", "SIGNATURE_INVALID",
            "signed by another key, whose certificate is in KeyInfo (KeyInfo is never trusted)", attacker_.response_xml(o));
    }
    {
        ResponseOptions o = opts("another-key-no-keyinfo");
        Edit e(attacker_.response_xml(o));
        for (xmlNode *ki; (ki = e.find(xml::ns_ds, "KeyInfo")) != nullptr;) {
            xmlUnlinkNode(ki);
            xmlFreeNode(ki);
        }
        add("another-key-no-keyinfo", "SIGNATURE_INVALID", "signed by another key, without KeyInfo", e.text());
    }
    edited("content-tampered", "SIGNATURE_INVALID", "the NameID changed after signing (digest mismatch)", none,
           [](Edit &e) { set_text(e.find(xml::ns_saml, "NameID"), "mallory@example.com"); });
    edited("signature-value-tampered", "SIGNATURE_INVALID", "one character of SignatureValue changed", none, [](Edit &e) {
        xmlNode *sv = e.find(xml::ns_ds, "SignatureValue");
        std::string v = xml::trimmed_text(sv);
        v[10] = v[10] == 'A' ? 'B' : 'A';
        set_text(sv, v);
    });
    edited("digest-value-tampered", "SIGNATURE_INVALID", "one character of DigestValue changed", none, [](Edit &e) {
        xmlNode *dv = e.find(xml::ns_ds, "DigestValue");
        std::string v = xml::trimmed_text(dv);
        v[0] = v[0] == 'A' ? 'B' : 'A';
        set_text(dv, v);
    });
    signed_("sha1-refused", "SIGNATURE_ALGORITHM", "RSA-SHA1 and SHA-1 digests without allow_sha1", [](ResponseOptions &o) {
        o.signature_method = core::crypto::alg_rsa_sha1;
        o.digest_method = core::crypto::alg_sha1;
    });
    signed_("sha1-digest-under-sha256", "SIGNATURE_ALGORITHM", "RSA-SHA256 signature over SHA-1 digests",
            [](ResponseOptions &o) { o.digest_method = core::crypto::alg_sha1; });
    edited("hmac-sha1", "SIGNATURE_ALGORITHM", "SignatureMethod hmac-sha1 (keyed with the public certificate)",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               set_attr(e.find(xml::ns_ds, "SignatureMethod"), "Algorithm", "http://www.w3.org/2000/09/xmldsig#hmac-sha1");
           });
    edited("hmac-sha256", "SIGNATURE_ALGORITHM", "SignatureMethod hmac-sha256", [](ResponseOptions &o) { o.sign = Sign::assertion; },
           [](Edit &e) {
               set_attr(e.find(xml::ns_ds, "SignatureMethod"), "Algorithm",
                        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256");
           });
    edited("extra-transform-xpath", "SIGNATURE_TRANSFORM", "an XPath transform added to the Reference", none, [](Edit &e) {
        set_attr(new_element(e.find(xml::ns_ds, "Transforms"), xml::ns_ds, "ds", "Transform"), "Algorithm",
                 "http://www.w3.org/TR/1999/REC-xpath-19991116");
    });
    edited("c14n-with-comments", "SIGNATURE_TRANSFORM", "CanonicalizationMethod exclusive c14n WithComments", none,
           [](Edit &e) {
               set_attr(e.find(xml::ns_ds, "CanonicalizationMethod"), "Algorithm",
                        "http://www.w3.org/2001/10/xml-exc-c14n#WithComments");
           });

    // ------------------------------------------------------------------ XML level
    {
        const std::string body = idp_.response_xml(opts("doctype"));
        const std::string start = body.substr(body.find("<samlp:Response"));
        add("doctype", "XML_DOCTYPE", "an internal DOCTYPE", "<?xml version=\"1.0\"?><!DOCTYPE samlp:Response>" + start);
        add("xxe", "XML_DOCTYPE", "an external entity reading /etc/passwd",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" + start);
        add("entity-bomb", "XML_DOCTYPE", "nested entity expansion (billion laughs)",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
            "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>" + start);
    }
    add("not-base64", "ENCODING_INVALID", "the form value is not base64", "PHNhbWxwOl*Jlc3BvbnNl");
    vectors_.back().form = true;
    add("not-xml", "XML_MALFORMED", "truncated XML", "<samlp:Response");
    {
        Context c;
        c.max_bytes = 1000;
        signed_("too-large", "INPUT_TOO_LARGE", "a normal response, with a 1000-byte cap", none, c);
    }
    add("wrong-root", "RESPONSE_MALFORMED", "an AuthnRequest instead of a Response",
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>");
    edited("version-1-1", "RESPONSE_VERSION", "Version=\"1.1\"", [](ResponseOptions &o) { o.sign = Sign::none; },
           [](Edit &e) { set_attr(e.root(), "Version", "1.1"); });

    // ------------------------------------------------------------------ times
    {
        Context c;
        c.clock_skew_seconds = 0;
        c.now = t0 + 300;
        signed_("subject-expired", "SUBJECT_EXPIRED", "at SubjectConfirmationData NotOnOrAfter, no skew", none, c);
        signed_("conditions-expired", "EXPIRED", "at Conditions NotOnOrAfter, no skew",
                [](ResponseOptions &o) { o.subject_not_on_or_after = t0 + 900; }, c);
        c.now = t0 - 61;
        signed_("not-yet-valid", "NOT_YET_VALID", "one second before Conditions NotBefore, no skew",
                [](ResponseOptions &o) { o.issue_instant = t0 - 120; }, c);
        c.now = t0 + 601;
        signed_("issue-instant-too-old", "ISSUE_INSTANT", "IssueInstant 601 s old (maximum age 600 s), no skew",
                [](ResponseOptions &o) { o.not_on_or_after = o.subject_not_on_or_after = t0 + 3600; }, c);
        c.now = t0 - 601;
        signed_("issue-instant-in-future", "ISSUE_INSTANT", "IssueInstant 601 s in the future, no skew",
                [](ResponseOptions &o) {
                    o.not_before = t0 - 3600;
                    o.not_on_or_after = o.subject_not_on_or_after = t0 + 3600;
                }, c);
    }
    {
        Context c;
        c.clock_skew_seconds = 120;
        c.now = t0 + 300 + 120;
        signed_("expired-beyond-clock-skew", "SUBJECT_EXPIRED", "120 s after NotOnOrAfter with 120 s of skew", none, c);
        c.now = t0 - 60 - 121;
        signed_("not-yet-valid-beyond-clock-skew", "NOT_YET_VALID", "121 s before NotBefore with 120 s of skew",
                [](ResponseOptions &o) { o.issue_instant = t0 - 200; }, c);
    }
    // ------------------------------------------------------------------ time and profile rules of the signed Assertion
    presigned("session-not-on-or-after-passed", "SESSION_EXPIRED", "AuthnStatement SessionNotOnOrAfter 181 s ago (skew 180 s)",
              [](Edit &e) { set_attr(e.find(xml::ns_saml, "AuthnStatement"), "SessionNotOnOrAfter", "2025-12-31T23:56:59Z"); });
    presigned("condition-unknown-xsi-type", "CONDITION_UNKNOWN",
              "Conditions hold a generic saml:Condition with an xsi:type ssogate cannot evaluate", [](Edit &e) {
                  xmlNode *c = new_element(e.find(xml::ns_saml, "Conditions"), xml::ns_saml, "saml", "Condition");
                  xmlNs *xsi = xmlNewNs(c, X("http://www.w3.org/2001/XMLSchema-instance"), X("xsi"));
                  xmlNewNsProp(c, xsi, X("type"), X("saml:DelegationRestrictionType"));
              });
    presigned("condition-unknown-foreign", "CONDITION_UNKNOWN", "Conditions hold an element of another namespace",
              [](Edit &e) { new_element(e.find(xml::ns_saml, "Conditions"), "urn:example:conditions", "x", "OnlyOnTuesdays"); });
    presigned("valid-one-time-use", "OK", "Conditions hold OneTimeUse (the replay cache already enforces it)",
              [](Edit &e) { new_element(e.find(xml::ns_saml, "Conditions"), xml::ns_saml, "saml", "OneTimeUse"); });
    presigned("one-time-use-twice", "ASSERTION_MALFORMED", "Conditions hold two OneTimeUse elements", [](Edit &e) {
        new_element(e.find(xml::ns_saml, "Conditions"), xml::ns_saml, "saml", "OneTimeUse");
        new_element(e.find(xml::ns_saml, "Conditions"), xml::ns_saml, "saml", "OneTimeUse");
    });
    signed_("conditions-inverted-window", "TIME_WINDOW_INVALID",
            "Conditions NotBefore t0+100 after NotOnOrAfter t0+50: each end alone passes with 180 s of skew",
            [](ResponseOptions &o) {
                o.not_before = t0 + 100;
                o.not_on_or_after = t0 + 50;
            });
    presigned("subject-inverted-window", "TIME_WINDOW_INVALID",
              "SubjectConfirmationData NotBefore after its NotOnOrAfter (each end passes with the skew)", [](Edit &e) {
                  xmlNode *d = e.find(xml::ns_saml, "SubjectConfirmationData");
                  set_attr(d, "NotBefore", "2026-01-01T00:01:40Z");
                  set_attr(d, "NotOnOrAfter", "2026-01-01T00:00:50Z");
              });
    signed_("issue-instant-in-future-within-max-age", "ISSUE_INSTANT",
            "IssueInstant 181 s ahead of now with 180 s of skew (used to pass: the age window was applied both ways)",
            [](ResponseOptions &o) { o.issue_instant = t0 + 181; });
    presigned("assertion-issue-instant-in-future", "ISSUE_INSTANT",
              "only the signed Assertion's IssueInstant is 181 s ahead (skew 180 s); the Response's is now",
              [](Edit &e) { set_attr(e.assertion(), "IssueInstant", "2026-01-01T00:03:01Z"); });
    presigned("assertion-issue-instant-too-old", "ISSUE_INSTANT",
              "the signed Assertion was issued 781 s ago (maximum age 600 s + skew 180 s); the unsigned Response "
              "claims now",
              [](Edit &e) { set_attr(e.assertion(), "IssueInstant", "2025-12-31T23:46:59Z"); });
    presigned("assertion-issuer-format-email", "ISSUER_MISMATCH",
              "the Assertion Issuer has Format emailAddress; the Web SSO profile requires entity or none",
              [](Edit &e) {
                  set_attr(xml::first_child_element(e.assertion(), xml::ns_saml, "Issuer"), "Format",
                           "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
              });
    presigned("valid-issuer-format-entity", "OK", "the Assertion Issuer names Format entity", [](Edit &e) {
        set_attr(xml::first_child_element(e.assertion(), xml::ns_saml, "Issuer"), "Format",
                 "urn:oasis:names:tc:SAML:2.0:nameid-format:entity");
    });
    edited("issuer-multibyte-quoted-in-message", "ISSUER_MISMATCH",
           "an unsigned Response Issuer of 23 ASCII bytes then 150 two-byte characters: the message quotes 200 "
           "bytes of it, which must end on a character boundary (valid UTF-8 for every binding)",
           [](ResponseOptions &o) { o.sign = Sign::assertion; },
           [](Edit &e) {
               std::string issuer = "https://idp.evil.test/x";
               for (int i = 0; i < 150; ++i) issuer += "\xC3\xA9";
               set_text(xml::first_child_element(e.root(), xml::ns_saml, "Issuer"), issuer);
           });
    edited("response-issuer-format-unspecified", "ISSUER_MISMATCH",
           "the (unsigned) Response Issuer has Format unspecified", [](ResponseOptions &o) { o.sign = Sign::assertion; },
           [](Edit &e) {
               set_attr(xml::first_child_element(e.root(), xml::ns_saml, "Issuer"), "Format",
                        "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified");
           });

    // ------------------------------------------------------------------ audience, recipient, destination, issuer, status
    signed_("audience-mismatch", "AUDIENCE_MISMATCH", "Audience is another SP",
            [](ResponseOptions &o) { o.audience = "https://other.example/sp"; });
    signed_("audience-missing", "AUDIENCE_MISMATCH", "no AudienceRestriction", [](ResponseOptions &o) { o.audience = ""; });
    presigned("second-audience-restriction", "AUDIENCE_MISMATCH",
              "a second AudienceRestriction naming another SP (every restriction must hold)", [](Edit &e) {
                  xmlNode *ar = e.find(xml::ns_saml, "AudienceRestriction");
                  xmlNode *second = xmlCopyNode(ar, 1);
                  set_text(xml::first_child_element(second, xml::ns_saml, "Audience"), "https://other.example/sp");
                  xmlAddNextSibling(ar, second);
              });
    signed_("recipient-mismatch", "RECIPIENT_MISMATCH", "Recipient is another URL",
            [](ResponseOptions &o) { o.recipient = std::string(acs) + "/other"; });
    signed_("destination-prefix", "DESTINATION_MISMATCH", "Destination is the ACS URL plus a suffix (no prefix match)",
            [](ResponseOptions &o) { o.destination = std::string(acs) + "x"; });
    signed_("destination-missing-signed-response", "DESTINATION_MISMATCH", "no Destination on a signed Response",
            [](ResponseOptions &o) { o.destination = ""; });
    signed_("issuer-mismatch", "ISSUER_MISMATCH", "Issuer is another IdP",
            [](ResponseOptions &o) { o.issuer = "https://evil.example/idp"; });
    signed_("status-authn-failed", "STATUS_NOT_SUCCESS", "Responder / AuthnFailed with a StatusMessage",
            [](ResponseOptions &o) {
                o.status = "urn:oasis:names:tc:SAML:2.0:status:Responder";
                o.sub_status = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";
                o.status_message = "User is not assigned to this application";
            });
    signed_("status-request-denied", "STATUS_NOT_SUCCESS", "Responder / RequestDenied", [](ResponseOptions &o) {
        o.status = "urn:oasis:names:tc:SAML:2.0:status:Responder";
        o.sub_status = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied";
    });

    // ------------------------------------------------------------------ InResponseTo and replay
    signed_("in-response-to-unknown", "IN_RESPONSE_TO_UNKNOWN", "InResponseTo is not a pending request",
            [](ResponseOptions &o) { o.in_response_to = "_someone_elses_request"; });
    {
        Context c;
        c.request_ids = {};
        signed_("in-response-to-without-pending", "IN_RESPONSE_TO_UNKNOWN",
                "InResponseTo set, but this browser has no pending request", none, c);
    }
    edited("in-response-to-disagree", "IN_RESPONSE_TO_UNKNOWN", "Response and Assertion name different requests",
           [](ResponseOptions &o) { o.sign = Sign::assertion; },
           [](Edit &e) { set_attr(e.root(), "InResponseTo", "_req2"); });
    {
        Context c;
        c.request_ids = {};
        signed_("unsolicited-not-allowed", "UNSOLICITED_NOT_ALLOWED",
                "no InResponseTo, and the connection does not allow IdP-initiated login",
                [](ResponseOptions &o) { o.in_response_to.clear(); }, c);
    }
    signed_("replay", "REPLAYED", "the same response posted twice: the first is accepted, the second refused", none);
    vectors_.back().repeat = 2;

    // ------------------------------------------------------------------ subject and NameID
    signed_("authn-statement-missing", "AUTHN_STATEMENT_MISSING", "no AuthnStatement",
            [](ResponseOptions &o) { o.authn_statement = false; });
    presigned("holder-of-key-confirmation", "SUBJECT_CONFIRMATION", "SubjectConfirmation Method holder-of-key, not bearer",
              [](Edit &e) {
                  set_attr(e.find(xml::ns_saml, "SubjectConfirmation"), "Method",
                           "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key");
              });
    signed_("nameid-transient", "NAMEID_FORMAT", "NameID format transient", [](ResponseOptions &o) {
        o.nameid_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
    });
    signed_("nameid-persistent", "NAMEID_FORMAT", "NameID format persistent", [](ResponseOptions &o) {
        o.nameid_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    });
    signed_("nameid-unspecified-not-email", "NAMEID_FORMAT", "NameID format unspecified holding 'alice'",
            [](ResponseOptions &o) {
                o.nameid_format = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
                o.nameid = "alice";
            });
    signed_("nameid-not-an-address", "NAMEID_INVALID", "emailAddress format holding 'alice@localhost'",
            [](ResponseOptions &o) { o.nameid = "alice@localhost"; });
    {
        Context c;
        c.allowed_domains = {"example.com"};
        signed_("email-domain-not-allowed", "EMAIL_DOMAIN_NOT_ALLOWED", "alice@example.org; allowed: example.com",
                [](ResponseOptions &o) { o.nameid = "alice@example.org"; }, c);
        signed_("email-subdomain-not-allowed", "EMAIL_DOMAIN_NOT_ALLOWED", "alice@sub.example.com; allowed: example.com",
                [](ResponseOptions &o) { o.nameid = "alice@sub.example.com"; }, c);
    }
    {
        Context c;
        c.email_attribute = "email";
        signed_("email-attribute-two-values", "EMAIL_ATTRIBUTE", "the email attribute holds two addresses",
                [](ResponseOptions &o) {
                    o.nameid = "00u1abcd";
                    o.nameid_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
                    o.attributes = {attr("email", {"bob@example.com", "eve@example.com"})};
                }, c);
        signed_("email-attribute-missing", "EMAIL_ATTRIBUTE", "no 'email' attribute", [](ResponseOptions &o) {
            o.nameid = "00u1abcd";
            o.nameid_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
            o.attributes = {attr("mail", {"bob@example.com"})};
        }, c);
    }

    // ------------------------------------------------------------------ email syntax: one rule for every layer
    // An IPv4 address or an all-numeric top-level label is not a mail domain; the attribute value is
    // trimmed of XML whitespace exactly as a NameID is, and of nothing else.
    signed_("nameid-ip-address-domain", "NAMEID_INVALID", "emailAddress format holding 'alice@127.0.0.1'",
            [](ResponseOptions &o) { o.nameid = "alice@127.0.0.1"; });
    signed_("nameid-numeric-top-level-label", "NAMEID_INVALID",
            "emailAddress format holding 'alice@example.123': no top-level domain is all digits",
            [](ResponseOptions &o) { o.nameid = "alice@example.123"; });
    signed_("nameid-unspecified-ip-address", "NAMEID_FORMAT", "NameID format unspecified holding 'alice@10.0.0.1'",
            [](ResponseOptions &o) {
                o.nameid_format = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
                o.nameid = "alice@10.0.0.1";
            });
    {
        Context c;
        c.email_attribute = "email";
        auto persistent = [](ResponseOptions &o) {
            o.nameid = "00u1abcd";
            o.nameid_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
        };
        signed_("email-attribute-ip-address", "EMAIL_ATTRIBUTE", "the email attribute holds 'bob@127.0.0.1'",
                [&](ResponseOptions &o) {
                    persistent(o);
                    o.attributes = {attr("email", {"bob@127.0.0.1"})};
                }, c);
        signed_("valid-email-attribute-surrounding-whitespace", "OK",
                "the email attribute's value has XML whitespace (LF, spaces, tab) around it: trimmed, as a NameID's",
                [&](ResponseOptions &o) {
                    persistent(o);
                    o.attributes = {attr("email", {"\n  bob@example.com\t "})};
                }, c);
        signed_("email-attribute-no-break-space", "EMAIL_ATTRIBUTE",
                "the email attribute's value ends in U+00A0, which is not XML whitespace: kept, so refused",
                [&](ResponseOptions &o) {
                    persistent(o);
                    o.attributes = {attr("email", {"bob@example.com\xc2\xa0"})};
                }, c);
    }

    // ------------------------------------------------------------------ hostile XML shapes (hardening)
    // Small versions of shapes whose cost grew with the square of their size (the benchmark in
    // bench/ measures them at 1 MiB), and trailing content hidden in other encodings.
    auto prefix_list = [](int n) {
        std::string out;
        for (int i = 0; i < n; ++i) out += (i ? " " : "") + std::string("p") + std::to_string(i);
        return out;
    };
    edited("attributes-on-root", "XML_ATTRIBUTE_LIMITS",
           "200 attributes on the (unsigned) Response root of a genuine response; at most 128 per element",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               for (int i = 0; i < 200; ++i) set_attr(e.root(), ("a" + std::to_string(i)).c_str(), "");
           });
    edited("namespaces-on-root", "XML_ATTRIBUTE_LIMITS",
           "100 namespace declarations on the Response root; at most 64 per element",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               for (int i = 0; i < 100; ++i) {
                   const std::string n = std::to_string(i);
                   xmlNewNs(e.root(), X(("urn:p" + n).c_str()), X(("p" + n).c_str()));
               }
           });
    edited("namespaces-in-scope", "XML_ATTRIBUTE_LIMITS",
           "three nested elements in samlp:Extensions declaring 50 namespaces each; at most 128 in scope",
           [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
               xmlNode *parent = new_element(e.root(), xml::ns_samlp, "samlp", "Extensions");
               for (int level = 0; level < 3; ++level) {
                   parent = xmlNewChild(parent, nullptr, X("x"), nullptr);
                   for (int i = 0; i < 50; ++i) {
                       const std::string n = std::to_string(level) + "_" + std::to_string(i);
                       xmlNewNs(parent, X(("urn:q" + n).c_str()), X(("q" + n).c_str()));
                   }
               }
           });
    signed_("prefix-list-too-long", "SIGNATURE_TRANSFORM",
            "an InclusiveNamespaces PrefixList of 1,000 prefixes on each signature's c14n Transform (refused before any digest)",
            [&](ResponseOptions &o) { o.transform_prefixes = prefix_list(1000); });
    signed_("prefix-list-on-c14n-method", "SIGNATURE_TRANSFORM",
            "17 prefixes in the CanonicalizationMethod's InclusiveNamespaces; at most 16",
            [&](ResponseOptions &o) { o.c14n_prefixes = prefix_list(17); });
    signed_("prefix-not-a-prefix", "SIGNATURE_TRANSFORM", "PrefixList=\"xs 1bad\": 1bad is not an NCName",
            [](ResponseOptions &o) { o.transform_prefixes = "xs 1bad"; });
    signed_("valid-prefix-lists", "OK",
            "PrefixList \"xs\" on the Transforms (as Okta sends) and \"#default saml samlp ds xs xsi\" on the CanonicalizationMethods",
            [](ResponseOptions &o) {
                o.transform_prefixes = "xs";
                o.c14n_prefixes = "#default saml samlp ds xs xsi";
            });
    {
        // UTF-16LE with a byte-order mark: ssogate decodes it itself; the signatures cover the
        // canonical (UTF-8) form, so a faithful UTF-16 copy still verifies.
        auto utf16le = [](const std::string &ascii) {
            std::string out = "\xFF\xFE";
            for (char c : ascii) {
                out.push_back(c);
                out.push_back('\0');
            }
            return out;
        };
        auto relabelled = [](std::string xml, const std::string &encoding) {
            const std::string decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
            if (xml.rfind(decl, 0) != 0) throw std::runtime_error("unexpected XML declaration");
            return xml.replace(0, decl.size(), "<?xml version=\"1.0\" encoding=\"" + encoding + "\"?>");
        };
        const std::string genuine = relabelled(idp_.response_xml(opts("valid-utf16")), "UTF-16");
        add("valid-utf16", "OK", "the signed response in UTF-16LE with a byte-order mark", utf16le(genuine));
        ResponseOptions forged = opts("utf16-nul-second-response");
        forged.nameid = "mallory@example.com";
        const std::string first = relabelled(idp_.response_xml(opts("utf16-nul-second-response")), "UTF-16");
        add("utf16-nul-second-response", "XML_MALFORMED",
            "UTF-16: a genuine response, U+0000, then a second Response (libxml2 stopped at the NUL; the tail was ignored)",
            utf16le(first) + std::string("\0\0", 2) + utf16le(idp_.response_xml(forged)).substr(2));
        add("encoding-shift-jis", "XML_MALFORMED",
            "a genuine response labelled encoding=\"Shift_JIS\": ssogate decodes UTF-8, ISO-8859-1 and UTF-16 only",
            relabelled(idp_.response_xml(opts("encoding-shift-jis")), "Shift_JIS"));
    }
    edited("comment-double-hyphens", "XML_MALFORMED",
           "a comment full of \"--\" (forbidden in XML; libxml2 spent quadratic time on it)", none, [](Edit &e) {
               std::string body;
               for (int i = 0; i < 500; ++i) body += "-- ";
               xmlAddChild(e.root(), xmlNewComment(X(body.c_str())));
           });
    encrypted_accepted();
    encrypted_refused();
    encrypted_plaintext();
}

// Flips one bit of the decoded CipherValue of `cipher_data`'s CipherValue at `pos` (negative: from the end).
void tamper_cipher(xmlNode *cipher_value, long pos) {
    xmlChar *text = xmlNodeGetContent(cipher_value);
    std::string bytes = core::util::base64_decode(reinterpret_cast<const char *>(text));
    xmlFree(text);
    const std::size_t i = pos >= 0 ? static_cast<std::size_t>(pos) : bytes.size() - static_cast<std::size_t>(-pos);
    bytes[i] = static_cast<char>(bytes[i] ^ 0x01);
    set_text(cipher_value, core::util::base64_encode(bytes));
}

constexpr const char *ns_xenc = "http://www.w3.org/2001/04/xmlenc#";

// The CipherValue of the EncryptedData (nth = 1 with the EncryptedKey inside its KeyInfo is the data's:
// the key's comes first in document order; with the key beside it, the data's comes first).
xmlNode *data_cipher_value(const Edit &e) {
    xmlNode *data = e.find(ns_xenc, "EncryptedData");
    xmlNode *cipher_data = xml::first_child_element(data, ns_xenc, "CipherData");
    return xml::first_child_element(cipher_data, ns_xenc, "CipherValue");
}
xmlNode *key_cipher_value(const Edit &e) {
    xmlNode *key = e.find(ns_xenc, "EncryptedKey");
    xmlNode *cipher_data = xml::first_child_element(key, ns_xenc, "CipherData");
    return xml::first_child_element(cipher_data, ns_xenc, "CipherValue");
}

void Generator::encrypted_accepted() {
    using core::testing::KeyPlacement;
    encrypted("enc-valid-oaep-gcm", "OK",
              "EncryptedAssertion (RSA-OAEP mgf1p, AES-256-GCM, EncryptedKey in KeyInfo): Assertion signed, then "
              "encrypted, then the Response signed",
              none);
    encrypted("enc-valid-response-signed-only", "OK",
              "only the Response is signed; its signature covers the EncryptedAssertion as posted",
              [](ResponseOptions &o) { o.sign = Sign::response; });
    encrypted("enc-valid-assertion-signed-only", "OK",
              "only the Assertion is signed, inside the cipher text; the Response is unsigned",
              [](ResponseOptions &o) { o.sign = Sign::assertion; });
    encrypted("enc-valid-xmlenc11-oaep-aes128-gcm", "OK",
              "xmlenc11 rsa-oaep (SHA-256 digest, MGF1-SHA-256) and AES-128-GCM", [](ResponseOptions &o) {
                  o.encrypt->key_transport = core::crypto::alg_rsa_oaep;
                  o.encrypt->data_algorithm = core::crypto::alg_aes128_gcm;
              });
    encrypted("enc-valid-aes256-cbc", "OK", "AES-256-CBC under a signed Response",
              [](ResponseOptions &o) { o.encrypt->data_algorithm = core::crypto::alg_aes256_cbc; });
    encrypted("enc-valid-aes128-cbc-assertion-signed", "OK",
              "AES-128-CBC, only the Assertion signed (its signature inside the plain text)", [](ResponseOptions &o) {
                  o.encrypt->data_algorithm = core::crypto::alg_aes128_cbc;
                  o.sign = Sign::assertion;
              });
    encrypted("enc-valid-retrieval-method", "OK",
              "the EncryptedKey beside the EncryptedData, named by a same-document RetrievalMethod (Okta's shape)",
              [](ResponseOptions &o) { o.encrypt->placement = KeyPlacement::retrieval_method; });
    encrypted("enc-valid-carried-key-name", "OK", "the EncryptedKey beside the EncryptedData, named by CarriedKeyName",
              [](ResponseOptions &o) { o.encrypt->placement = KeyPlacement::carried_key_name; });
    Context rsa15 = enc_ctx();
    rsa15.allow_rsa_1_5 = true;
    encrypted("enc-valid-rsa-1_5-allowed", "OK", "RSA-1_5 key transport, with the connection's allow_rsa_1_5",
              [](ResponseOptions &o) { o.encrypt->key_transport = core::crypto::alg_rsa_1_5; }, {}, rsa15);
}

void Generator::encrypted_refused() {
    encrypted("enc-no-sp-key", "ASSERTION_ENCRYPTED",
              "an EncryptedAssertion for a connection with no SP encryption key", none, {}, Context{});
    encrypted("enc-rsa-1_5-refused", "ENCRYPTION_ALGORITHM",
              "RSA-1_5 key transport (Bleichenbacher) without allow_rsa_1_5",
              [](ResponseOptions &o) { o.encrypt->key_transport = core::crypto::alg_rsa_1_5; });
    encrypted("enc-3des-refused", "ENCRYPTION_ALGORITHM", "the data algorithm relabelled tripledes-cbc",
              [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
                  xmlNode *m = xml::first_child_element(e.find(ns_xenc, "EncryptedData"), ns_xenc, "EncryptionMethod");
                  set_attr(m, "Algorithm", "http://www.w3.org/2001/04/xmlenc#tripledes-cbc");
              });
    const auto assertion_only = [](ResponseOptions &o) { o.sign = Sign::assertion; };
    encrypted("enc-gcm-ciphertext-tampered", "DECRYPTION_FAILED",
              "AES-GCM cipher text with one bit flipped (Response unsigned)", assertion_only,
              [](Edit &e) { tamper_cipher(data_cipher_value(e), 40); });
    encrypted("enc-gcm-tag-tampered", "DECRYPTION_FAILED", "AES-GCM tag with one bit flipped (Response unsigned)",
              assertion_only, [](Edit &e) { tamper_cipher(data_cipher_value(e), -1); });
    const auto cbc = [](ResponseOptions &o) {
        o.sign = Sign::assertion;
        o.encrypt->data_algorithm = core::crypto::alg_aes256_cbc;
    };
    encrypted("enc-cbc-ciphertext-tampered", "DECRYPTION_FAILED",
              "AES-CBC cipher text with one bit flipped mid-way: garbled plain text, refused as uniformly as a wrong "
              "key (Response unsigned)",
              cbc, [](Edit &e) { tamper_cipher(data_cipher_value(e), 100); });
    encrypted("enc-cbc-padding-tampered", "DECRYPTION_FAILED",
              "AES-CBC with a bit of the block before the last flipped, breaking the padding (Response unsigned)", cbc,
              [](Edit &e) { tamper_cipher(data_cipher_value(e), -17); });
    encrypted("enc-encrypted-key-tampered", "DECRYPTION_FAILED", "the EncryptedKey's cipher text with one bit flipped",
              assertion_only, [](Edit &e) { tamper_cipher(key_cipher_value(e), 10); });
    encrypted("enc-tampered-under-signed-response", "SIGNATURE_INVALID",
              "cipher text changed under a signed Response: refused by the signature before any decryption", none,
              [](Edit &e) { tamper_cipher(data_cipher_value(e), 40); });
    {
        ResponseOptions o = opts("enc-wrong-sp-key");
        o.encrypt = to_sp();
        o.encrypt->certificate_pem = attacker_.certificate_pem();
        add("enc-wrong-sp-key", "DECRYPTION_FAILED", "encrypted to another key than the SP's", idp_.response_xml(o),
            enc_ctx());
    }
    encrypted("enc-unsigned", "SIGNATURE_MISSING", "an EncryptedAssertion whose Assertion is unsigned, Response unsigned",
              [](ResponseOptions &o) { o.sign = Sign::none; });
    encrypted_structure();
}

void Generator::encrypted_structure() {
    using core::testing::KeyPlacement;
    const auto okta_shape = [](ResponseOptions &o) {
        o.sign = Sign::assertion;
        o.encrypt->placement = KeyPlacement::retrieval_method;
    };
    encrypted("enc-retrieval-method-external", "ENCRYPTION_MALFORMED",
              "a RetrievalMethod pointing at a URL outside the document", okta_shape, [](Edit &e) {
                  set_attr(e.find(xml::ns_ds, "RetrievalMethod"), "URI", "https://attacker.example/key.xml");
              });
    encrypted("enc-retrieval-method-dangling", "ENCRYPTION_MALFORMED",
              "a RetrievalMethod naming an Id that no EncryptedKey has", okta_shape,
              [](Edit &e) { set_attr(e.find(xml::ns_ds, "RetrievalMethod"), "URI", "#_no-such-key"); });
    encrypted("enc-keyinfo-carries-key", "ENCRYPTION_MALFORMED",
              "the EncryptedData's KeyInfo carries a key (ds:KeyValue) instead of naming the SP's",
              [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
                  xmlNode *ki = xml::first_child_element(e.find(ns_xenc, "EncryptedData"), xml::ns_ds, "KeyInfo");
                  xmlNode *kv = new_element(ki, xml::ns_ds, "ds", "KeyValue");
                  xmlAddPrevSibling(ki->children, kv);
              });
    encrypted("enc-many-encrypted-keys", "ENCRYPTION_MALFORMED",
              "the EncryptedKey repeated 40 times in the KeyInfo: each would cost an RSA operation per SP key",
              [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
                  xmlNode *key = e.find(ns_xenc, "EncryptedKey");
                  for (int i = 0; i < 39; ++i) xmlAddNextSibling(key, xmlCopyNode(key, 1));
              });
    encrypted("enc-data-type-content", "ENCRYPTION_MALFORMED", "EncryptedData Type=Content instead of Element",
              [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
                  set_attr(e.find(ns_xenc, "EncryptedData"), "Type", "http://www.w3.org/2001/04/xmlenc#Content");
              });
    // Two assertions: one encrypted, one plain (each way round), under a signed Response.
    {
        ResponseOptions plain = opts("enc-plus-plain-assertion");
        plain.sign = Sign::assertion;
        plain.nameid = "mallory@example.com";
        const Edit other(idp_.response_xml(plain));
        encrypted("enc-plus-plain-assertion", "ASSERTION_COUNT",
                  "a signed Response holding an EncryptedAssertion and a signed plain Assertion",
                  [](ResponseOptions &o) { o.sign = Sign::none; }, [&](Edit &e) {
                      xmlAddChild(e.root(), xmlDocCopyNode(other.assertion(), e.doc.get(), 1));
                      core::crypto::register_saml_ids(e.doc.get());
                      idp_.sign_element(e.doc.get(), e.root());
                  });
        ResponseOptions enc = opts("enc-plain-plus-encrypted");
        enc.sign = Sign::assertion;
        enc.encrypt = to_sp();
        const Edit encrypted_other(idp_.response_xml(enc));
        edited("enc-plain-plus-encrypted", "ASSERTION_COUNT",
               "a signed Response holding a signed plain Assertion and an EncryptedAssertion",
               [](ResponseOptions &o) { o.sign = Sign::assertion; }, [&](Edit &e) {
                   xmlAddChild(e.root(), xmlDocCopyNode(encrypted_other.find(xml::ns_saml, "EncryptedAssertion"),
                                                        e.doc.get(), 1));
                   core::crypto::register_saml_ids(e.doc.get());
                   idp_.sign_element(e.doc.get(), e.root());
               },
               enc_ctx());
        encrypted("enc-two-encrypted", "ASSERTION_COUNT", "two EncryptedAssertion elements",
                  [](ResponseOptions &o) { o.sign = Sign::assertion; }, [&](Edit &e) {
                      xmlAddChild(e.root(), xmlDocCopyNode(encrypted_other.find(xml::ns_saml, "EncryptedAssertion"),
                                                           e.doc.get(), 1));
                  });
    }
    encrypted("enc-nested-in-extensions", "ASSERTION_COUNT", "the EncryptedAssertion moved into samlp:Extensions",
              [](ResponseOptions &o) { o.sign = Sign::assertion; }, [](Edit &e) {
                  xmlNode *ea = e.find(xml::ns_saml, "EncryptedAssertion");
                  xmlNode *ext = new_element(e.root(), xml::ns_samlp, "samlp", "Extensions");
                  xmlUnlinkNode(ea);
                  xmlAddChild(ext, ea);
              });
    encrypted("enc-for-another-sp", "AUDIENCE_MISMATCH",
              "an Assertion signed for another SP (its Audience), encrypted to us",
              [](ResponseOptions &o) { o.audience = "https://other-sp.example/saml"; });
    encrypted("enc-replay", "REPLAYED", "the same encrypted response posted twice", none);
    vectors_.back().repeat = 2;
    Context small = enc_ctx();
    small.max_bytes = 4096;
    encrypted("enc-too-large", "INPUT_TOO_LARGE", "an encrypted response over the verification's max_bytes (4096)",
              none, {}, small);
}

void Generator::encrypted_plaintext() {
    const std::string decl = "<?xml version=\"1.0\"?>";
    with_plaintext("enc-plaintext-doctype", "XML_DOCTYPE", "the decrypted plain text starts with a DOCTYPE",
                   [&](const std::string &a) { return decl + "<!DOCTYPE saml:Assertion>" + a; }, true);
    with_plaintext("enc-plaintext-entity", "XML_DOCTYPE", "the decrypted plain text declares and uses an entity",
                   [&](const std::string &a) {
                       return decl + "<!DOCTYPE x [<!ENTITY e \"alice\">]>" + a;
                   },
                   true);
    with_plaintext("enc-plaintext-not-assertion", "ASSERTION_MALFORMED",
                   "the decrypted plain text is a saml:Issuer, not an Assertion",
                   [](const std::string &) {
                       return std::string("<saml:Issuer xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">") +
                              idp_entity + "</saml:Issuer>";
                   },
                   true);
    with_plaintext("enc-plaintext-attributes", "XML_ATTRIBUTE_LIMITS",
                   "200 attributes on the decrypted Assertion's root",
                   [](const std::string &a) {
                       std::string extra;
                       for (int i = 0; i < 200; ++i) extra += " x" + std::to_string(i) + "=\"\"";
                       const std::size_t at = a.find(' ');
                       return a.substr(0, at) + extra + a.substr(at);
                   },
                   true);
    with_plaintext("enc-plaintext-deep", "XML_LIMITS", "the decrypted Assertion holds elements nested 100 deep",
                   [](const std::string &a) {
                       std::string open, close;
                       for (int i = 0; i < 100; ++i) {
                           open += "<d>";
                           close += "</d>";
                       }
                       const std::size_t at = a.rfind("</");
                       return a.substr(0, at) + open + close + a.substr(at);
                   },
                   true);
    with_plaintext("enc-plaintext-trailing", "XML_MALFORMED", "a second element after the decrypted Assertion",
                   [](const std::string &a) { return a + a; }, true);
    with_plaintext("enc-cbc-unsigned-plaintext-doctype", "DECRYPTION_FAILED",
                   "AES-CBC under an unsigned Response, plain text with a DOCTYPE: refused with the decryption code, "
                   "so garbled plain text teaches nothing",
                   [&](const std::string &a) { return decl + "<!DOCTYPE saml:Assertion>" + a; }, false,
                   core::crypto::alg_aes256_cbc);
}

void Generator::write(const std::string &dir) const {
    std::string m = "{\n\"about\": \"ssogate attack-suite vectors; see README.md. One vector per line, keys in a fixed order.\",\n";
    m += "\"idp_metadata\": \"idp-metadata.xml\",\n\"vectors\": [\n";
    for (std::size_t i = 0; i < vectors_.size(); ++i) {
        const Vector &v = vectors_[i];
        const std::string file = "responses/" + v.name + (v.form ? ".txt" : ".xml");
        write_file(dir + "/" + file, v.body);
        auto list = [](const std::vector<std::string> &items) {
            std::string out = "[";
            for (std::size_t j = 0; j < items.size(); ++j) out += (j ? ", " : "") + json_str(items[j]);
            return out + "]";
        };
        m += "{\"name\": " + json_str(v.name) + ", \"expect\": " + json_str(v.expect) + ", \"email\": " + json_str(v.email) + ", \"file\": " + json_str(file) +
             ", \"form\": " + (v.form ? "true" : "false") + ", \"repeat\": " + std::to_string(v.repeat) +
             ", \"context\": {\"now\": " + std::to_string(v.ctx.now) + ", \"acs_url\": " + json_str(acs) +
             ", \"sp_entity_id\": " + json_str(sp_entity) + ", \"idp_entity_id\": " + json_str(idp_entity) +
             ", \"request_ids\": " + list(v.ctx.request_ids) +
             ", \"allow_idp_initiated\": " + (v.ctx.allow_idp_initiated ? "true" : "false") +
             ", \"allow_sha1\": " + (v.ctx.allow_sha1 ? "true" : "false") +
             ", \"clock_skew_seconds\": " + std::to_string(v.ctx.clock_skew_seconds) +
             ", \"email_attribute\": " + json_str(v.ctx.email_attribute) +
             ", \"allowed_domains\": " + list(v.ctx.allowed_domains) +
             ", \"max_bytes\": " + std::to_string(v.ctx.max_bytes) +
             ", \"sp_encryption\": " + (v.ctx.sp_encryption ? "true" : "false") +
             ", \"allow_rsa_1_5\": " + (v.ctx.allow_rsa_1_5 ? "true" : "false") +
             "}, \"description\": " + json_str(v.description) +
             "}" + (i + 1 < vectors_.size() ? "," : "") + "\n";
    }
    m += "]\n}\n";
    write_file(dir + "/manifest.json", m);
    write_file(dir + "/idp-metadata.xml", idp_.metadata_xml("https://idp.attacks.test.example/sso"));
    std::cout << "wrote " << vectors_.size() << " vectors to " << dir << "\n";
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::cerr << "usage: " << argv[0] << " tests/vectors/attacks\n";
        return 2;
    }
    try {
        const std::string dir = argv[1];
        TestIdp idp(idp_entity, read_file(dir + "/TEST-IDP-KEY-DO-NOT-USE.pem"), read_file(dir + "/TEST-IDP-CERT.pem"));
        TestIdp attacker(idp_entity);  // same entity ID, a throwaway key
        Generator g(idp, attacker, read_file(dir + "/TEST-SP-ENC-CERT.pem"));
        g.all();
        g.write(dir);
    } catch (const std::exception &e) {
        std::cerr << "generate: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
