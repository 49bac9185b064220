#include "testing/idp.hpp"

#include "crypto/dsig.hpp"
#include "error.hpp"
#include "util/encoding.hpp"
#include "util/text.hpp"
#include "util/time.hpp"
#include "xml/xml.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

#include <memory>
#include <vector>

namespace ssogate::core::testing {
namespace {

template <class T, void (*F)(T *)>
struct Free {
    void operator()(T *p) const noexcept { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;

[[noreturn]] void openssl_fail(const char *what) { fail(Code::internal, std::string("test IdP: ") + what + " failed"); }

std::string bio_string(BIO *bio) {
    char *data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string escape(const std::string &s) { return util::xml_escape(s); }

std::string fresh_id() { return "_" + util::random_token(16); }

xmlSecTransformId transform_for(const std::string &uri) {
    using namespace crypto;
    if (uri == alg_rsa_sha256) return xmlSecTransformRsaSha256Id;
    if (uri == alg_rsa_sha384) return xmlSecTransformRsaSha384Id;
    if (uri == alg_rsa_sha512) return xmlSecTransformRsaSha512Id;
    if (uri == alg_rsa_sha1) return xmlSecTransformRsaSha1Id;
    if (uri == alg_ecdsa_sha256) return xmlSecTransformEcdsaSha256Id;
    if (uri == alg_ecdsa_sha384) return xmlSecTransformEcdsaSha384Id;
    if (uri == alg_ecdsa_sha512) return xmlSecTransformEcdsaSha512Id;
    if (uri == alg_sha256) return xmlSecTransformSha256Id;
    if (uri == alg_sha384) return xmlSecTransformSha384Id;
    if (uri == alg_sha512) return xmlSecTransformSha512Id;
    if (uri == alg_sha1) return xmlSecTransformSha1Id;
    fail(Code::invalid_argument, "test IdP: unknown algorithm " + uri);
}

// The element's XML as an encrypting IdP serialises it: standalone, declaring every namespace it
// uses (exclusive c14n, which its signature was made with, does not see where a declaration sits).
std::string standalone_xml(xmlNode *element) {
    std::unique_ptr<xmlDoc, Free<xmlDoc, xmlFreeDoc>> copy(xmlNewDoc(reinterpret_cast<const xmlChar *>("1.0")));
    xmlNode *root = xmlDocCopyNode(element, copy.get(), 1);
    if (!copy || root == nullptr) fail(Code::out_of_memory, "test IdP: copying the Assertion failed");
    xmlDocSetRootElement(copy.get(), root);
    xmlReconciliateNs(copy.get(), root);
    std::unique_ptr<xmlBuffer, Free<xmlBuffer, xmlBufferFree>> buf(xmlBufferCreate());
    if (!buf || xmlNodeDump(buf.get(), copy.get(), root, 0, 0) < 0)
        fail(Code::internal, "test IdP: serialising failed");
    return std::string(reinterpret_cast<const char *>(xmlBufferContent(buf.get())),
                       static_cast<std::size_t>(xmlBufferLength(buf.get())));
}

// Replaces `assertion` with its EncryptedAssertion.
void encrypt_assertion(xmlDoc *doc, xmlNode *assertion, const Encryption &e) {
    const xml::Document encrypted =
        xml::parse(encrypt_element(standalone_xml(assertion), e), xml::Limits{}, "test IdP EncryptedAssertion");
    xmlNode *copy = xmlDocCopyNode(encrypted.root(), doc, 1);
    if (copy == nullptr) fail(Code::out_of_memory, "test IdP: copying the EncryptedAssertion failed");
    xmlReplaceNode(assertion, copy);
    xmlFreeNode(assertion);
}

// Replaces `element` with `wrapper` (EncryptedID, EncryptedAttribute) holding its encrypted XML.
void encrypt_in_place(xmlDoc *doc, xmlNode *element, const Encryption &e, const char *wrapper) {
    const xml::Document encrypted =
        xml::parse(encrypt_element(standalone_xml(element), e, wrapper), xml::Limits{}, "test IdP encrypted element");
    xmlNode *copy = xmlDocCopyNode(encrypted.root(), doc, 1);
    if (copy == nullptr) fail(Code::out_of_memory, "test IdP: copying the encrypted element failed");
    xmlReplaceNode(element, copy);
    xmlFreeNode(element);
}

// The NameID and the Attributes inside `assertion`, encrypted as `e` says (before it is signed).
void encrypt_identity(xmlDoc *doc, xmlNode *assertion, const Encryption &e) {
    if (e.nameid) {
        xmlNode *subject = xml::first_child_element(assertion, xml::ns_saml, "Subject");
        if (xmlNode *nameid = xml::first_child_element(subject, xml::ns_saml, "NameID"))
            encrypt_in_place(doc, nameid, e, "EncryptedID");
    }
    if (!e.attributes) return;
    // Collected first: encrypt_in_place frees the node it replaces, which an iteration would still read.
    std::vector<xmlNode *> attributes;
    for (xmlNode *st : xml::NamedChildren(assertion, xml::ns_saml, "AttributeStatement"))
        for (xmlNode *at : xml::NamedChildren(st, xml::ns_saml, "Attribute")) attributes.push_back(at);
    for (xmlNode *at : attributes) encrypt_in_place(doc, at, e, "EncryptedAttribute");
}

}  // namespace

std::string serialize(xmlDoc *doc) {
    xmlChar *buf = nullptr;
    int len = 0;
    xmlDocDumpMemoryEnc(doc, &buf, &len, "UTF-8");
    if (buf == nullptr) fail(Code::internal, "test IdP: serialising the document failed");
    std::string out(reinterpret_cast<const char *>(buf), static_cast<std::size_t>(len));
    xmlFree(buf);
    return out;
}

TestIdp::TestIdp(std::string entity_id, KeyType type) : entity_id_(std::move(entity_id)), type_(type) {
    xml::ensure_initialized();
    // Not EVP_EC_gen: that macro casts away const, which clang's -Wcast-qual refuses (-Werror).
    char curve[] = "P-256";
    PkeyPtr key(type == KeyType::rsa2048 ? EVP_RSA_gen(2048) : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
    if (!key) openssl_fail("key generation");
    X509Ptr cert(X509_new());
    if (!cert) openssl_fail("X509_new");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    // Valid from a day ago for ten years, on the real clock: metadata import only warns on expiry.
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 86400);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME *name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("ssogate test IdP"),
                               -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) openssl_fail("X509_sign");

    BioPtr kb(BIO_new(BIO_s_mem())), cb(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)) openssl_fail("key PEM");
    if (!PEM_write_bio_X509(cb.get(), cert.get())) openssl_fail("certificate PEM");
    key_pem_ = bio_string(kb.get());
    cert_pem_ = bio_string(cb.get());
    unsigned char *der = nullptr;
    int len = i2d_X509(cert.get(), &der);
    if (len <= 0) openssl_fail("certificate DER");
    cert_der_.assign(reinterpret_cast<const char *>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
}

TestIdp::TestIdp(std::string entity_id, const std::string &key_pem, const std::string &cert_pem)
    : entity_id_(std::move(entity_id)) {
    xml::ensure_initialized();
    BioPtr kb(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
    BioPtr cb(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
    if (!kb || !cb) openssl_fail("BIO_new_mem_buf");
    PkeyPtr key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
    if (!key) fail(Code::invalid_argument, "test IdP: the key is not a PEM private key");
    X509Ptr cert(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
    if (!cert) fail(Code::invalid_argument, "test IdP: the certificate is not PEM");
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        fail(Code::invalid_argument, "test IdP: the key does not match the certificate");
    }
    type_ = EVP_PKEY_base_id(key.get()) == EVP_PKEY_EC ? KeyType::ec_p256 : KeyType::rsa2048;
    key_pem_ = key_pem;
    cert_pem_ = cert_pem;
    unsigned char *der = nullptr;
    int len = i2d_X509(cert.get(), &der);
    if (len <= 0) openssl_fail("certificate DER");
    cert_der_.assign(reinterpret_cast<const char *>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
}

TestIdp::~TestIdp() = default;

std::string TestIdp::metadata_xml(const std::string &sso_url) const {
    const std::string e = escape(entity_id_), sso = escape(sso_url);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"" +
           e +
           "\">"
           "<md:IDPSSODescriptor WantAuthnRequestsSigned=\"false\" "
           "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
           "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
           "<ds:X509Data><ds:X509Certificate>" +
           util::base64_encode(cert_der_) +
           "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
           "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>"
           "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"" +
           sso +
           "\"/>"
           "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"" +
           sso +
           "\"/>"
           "</md:IDPSSODescriptor></md:EntityDescriptor>\n";
}

std::shared_ptr<const IdpMetadata> TestIdp::metadata() const { return import_idp_metadata(metadata_xml(), {}); }

std::string TestIdp::unsigned_response_xml(const ResponseOptions &o) const {
    const std::int64_t now = o.now;
    const std::string issuer = escape(o.issuer.value_or(entity_id_));
    const std::string rid = o.response_id.empty() ? fresh_id() : o.response_id;
    const std::string aid = o.assertion_id.empty() ? fresh_id() : o.assertion_id;
    const std::string irt = o.in_response_to.empty() ? "" : " InResponseTo=\"" + escape(o.in_response_to) + "\"";
    const std::string destination = o.destination.value_or(o.acs_url);
    const std::string audience = o.audience.value_or(o.sp_entity_id);
    const std::string t_issue = util::format_datetime(o.issue_instant.value_or(now));
    std::string x =
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
        "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
        rid +
        "\" Version=\"2.0\" "
        "IssueInstant=\"" +
        t_issue + "\"" + (destination.empty() ? "" : " Destination=\"" + escape(destination) + "\"") + irt + ">";
    x += "<saml:Issuer>" + issuer + "</saml:Issuer>";
    x += "<samlp:Status><samlp:StatusCode Value=\"" + escape(o.status) + "\"";
    x += o.sub_status.empty() ? "/>" : "><samlp:StatusCode Value=\"" + escape(o.sub_status) + "\"/></samlp:StatusCode>";
    if (!o.status_message.empty()) x += "<samlp:StatusMessage>" + escape(o.status_message) + "</samlp:StatusMessage>";
    x += "</samlp:Status>";
    x += "<saml:Assertion ID=\"" + aid + "\" Version=\"2.0\" IssueInstant=\"" + t_issue + "\">";
    x += "<saml:Issuer>" + issuer + "</saml:Issuer>";
    x += "<saml:Subject><saml:NameID" +
         (o.nameid_format.empty() ? std::string() : " Format=\"" + escape(o.nameid_format) + "\"") + ">" +
         escape(o.nameid) + "</saml:NameID>";
    x += "<saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"><saml:SubjectConfirmationData "
         "NotOnOrAfter=\"" +
         util::format_datetime(o.subject_not_on_or_after.value_or(now + 300)) + "\" Recipient=\"" +
         escape(o.recipient.value_or(o.acs_url)) + "\"" + irt + "/></saml:SubjectConfirmation></saml:Subject>";
    x += "<saml:Conditions NotBefore=\"" + util::format_datetime(o.not_before.value_or(now - 60)) +
         "\" NotOnOrAfter=\"" + util::format_datetime(o.not_on_or_after.value_or(now + 300)) + "\">";
    if (!audience.empty()) {
        x += "<saml:AudienceRestriction><saml:Audience>" + escape(audience) +
             "</saml:Audience></saml:AudienceRestriction>";
    }
    x += "</saml:Conditions>";
    if (o.authn_statement) {
        x += "<saml:AuthnStatement AuthnInstant=\"" + t_issue + "\"" +
             (o.session_index.empty() ? std::string() : " SessionIndex=\"" + escape(o.session_index) + "\"") +
             "><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:"
             "PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>";
    }
    if (!o.attributes.empty()) {
        x += "<saml:AttributeStatement>";
        for (const auto &a : o.attributes) {
            x += "<saml:Attribute Name=\"" + escape(a.name) + "\" NameFormat=\"" + escape(a.name_format) + "\"" +
                 (a.friendly_name.empty() ? std::string() : " FriendlyName=\"" + escape(a.friendly_name) + "\"") + ">";
            for (const auto &v : a.values) x += "<saml:AttributeValue>" + escape(v) + "</saml:AttributeValue>";
            x += "</saml:Attribute>";
        }
        x += "</saml:AttributeStatement>";
    }
    x += "</saml:Assertion></samlp:Response>";
    return x;
}

void TestIdp::sign_element(xmlDoc *doc, xmlNode *element, const std::string &signature_method,
                           const std::string &digest_method, const std::string &transform_prefixes,
                           const std::string &c14n_prefixes) const {
    xml::ensure_initialized();
    const std::string sm = !signature_method.empty()   ? signature_method
                           : type_ == KeyType::rsa2048 ? crypto::alg_rsa_sha256
                                                       : crypto::alg_ecdsa_sha256;
    const std::string dm = digest_method.empty() ? crypto::alg_sha256 : digest_method;
    auto id = xml::attribute(element, "ID");
    if (!id) fail(Code::invalid_argument, "test IdP: the element to sign has no ID");

    xmlNode *sig = xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId, transform_for(sm), nullptr,
                                                   reinterpret_cast<const xmlChar *>("ds"));
    if (sig == nullptr) fail(Code::internal, "test IdP: xmlSecTmplSignatureCreate failed");
    // SAML's schema puts ds:Signature right after Issuer.
    xmlNode *issuer = xml::first_child_element(element, xml::ns_saml, "Issuer");
    xmlNode *first = xmlFirstElementChild(element);
    if (issuer != nullptr) {
        xmlAddNextSibling(issuer, sig);
    } else if (first != nullptr) {
        xmlAddPrevSibling(first, sig);
    } else {
        xmlAddChild(element, sig);
    }
    const std::string uri = "#" + *id;
    xmlNode *ref = xmlSecTmplSignatureAddReference(sig, transform_for(dm), nullptr,
                                                   reinterpret_cast<const xmlChar *>(uri.c_str()), nullptr);
    xmlNode *exc = ref == nullptr || xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) == nullptr
                       ? nullptr
                       : xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId);
    if (exc == nullptr) fail(Code::internal, "test IdP: building the signature template failed");
    auto add_prefixes = [](xmlNode *method, const std::string &list) {
        if (!list.empty() &&
            xmlSecTmplTransformAddC14NInclNamespaces(method, reinterpret_cast<const xmlChar *>(list.c_str())) < 0)
            fail(Code::internal, "test IdP: adding InclusiveNamespaces failed");
    };
    add_prefixes(exc, transform_prefixes);
    add_prefixes(xmlSecTmplSignatureGetC14NMethodNode(sig), c14n_prefixes);
    xmlNode *key_info = xmlSecTmplSignatureEnsureKeyInfo(sig, nullptr);
    if (key_info == nullptr || xmlSecTmplKeyInfoAddX509Data(key_info) == nullptr) {
        fail(Code::internal, "test IdP: building KeyInfo failed");
    }

    xml::ErrorCapture capture;
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(nullptr);
    if (ctx == nullptr) fail(Code::out_of_memory, "xmlSecDSigCtxCreate failed");
    // The context owns (and destroys) this key; signing speed does not matter here.
    ctx->signKey = xmlSecCryptoAppKeyLoadMemory(reinterpret_cast<const xmlSecByte *>(key_pem_.data()),
                                                static_cast<xmlSecSize>(key_pem_.size()), xmlSecKeyDataFormatPem,
                                                nullptr, nullptr, nullptr);
    int rc = -1;
    if (ctx->signKey != nullptr &&
        xmlSecCryptoAppKeyCertLoadMemory(ctx->signKey, reinterpret_cast<const xmlSecByte *>(cert_pem_.data()),
                                         static_cast<xmlSecSize>(cert_pem_.size()), xmlSecKeyDataFormatPem) == 0) {
        rc = xmlSecDSigCtxSign(ctx, sig);
    }
    xmlSecDSigCtxDestroy(ctx);
    if (rc != 0) fail(Code::internal, "test IdP: xmlSecDSigCtxSign failed: " + capture.text());
}

std::string TestIdp::response_xml(const ResponseOptions &o) const {
    std::string text = unsigned_response_xml(o);
    if (o.sign == Sign::none && !o.encrypt) return text;
    xml::Document doc = xml::parse(text, xml::Limits{}, "test IdP response");
    crypto::register_saml_ids(doc.get());
    xmlNode *root = doc.root();
    xmlNode *assertion = xml::first_child_element(root, xml::ns_saml, "Assertion");
    if (o.encrypt) encrypt_identity(doc.get(), assertion, *o.encrypt);
    // The Assertion first: the Response signature must cover the signed Assertion.
    if (o.sign == Sign::assertion || o.sign == Sign::both) {
        sign_element(doc.get(), assertion, o.signature_method, o.digest_method, o.transform_prefixes, o.c14n_prefixes);
    }
    if (o.encrypt && o.encrypt->assertion) encrypt_assertion(doc.get(), assertion, *o.encrypt);
    if (o.sign == Sign::response || o.sign == Sign::both) {
        sign_element(doc.get(), root, o.signature_method, o.digest_method, o.transform_prefixes, o.c14n_prefixes);
    }
    return serialize(doc.get());
}

std::string TestIdp::response_base64(const ResponseOptions &o) const { return util::base64_encode(response_xml(o)); }

}  // namespace ssogate::core::testing
