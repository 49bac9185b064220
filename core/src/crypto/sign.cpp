#include "crypto/sign.hpp"

#include "crypto/dsig.hpp"
#include "error.hpp"
#include "util/encoding.hpp"
#include "xml/xml.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

namespace ssogate::core::crypto {
namespace {

template <class T, void (*F)(T *)>
struct Free {
    void operator()(T *p) const noexcept { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX, EVP_MD_CTX_free>>;

// OpenSSL's default behaviour for an encrypted PEM without a password callback is to prompt on the
// terminal; a library must never do that. Refusing makes an encrypted key fail to load instead.
int no_password(char *, int, int, void *) { return -1; }

// The first queued OpenSSL reason, for messages; clears the queue so it does not leak into later
// calls on this thread.
std::string openssl_reason() {
    unsigned long e = ERR_peek_last_error();
    std::string out = e == 0 ? "no detail from OpenSSL" : ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "";
    ERR_clear_error();
    return out.empty() ? "no detail from OpenSSL" : out;
}

const xmlChar *X(const char *s) { return reinterpret_cast<const xmlChar *>(s); }

}  // namespace

SigningKey::~SigningKey() { EVP_PKEY_free(pkey_); }

std::shared_ptr<const SigningKey> SigningKey::from_pem(std::string_view key_pem, std::string_view cert_pem,
                                                       int min_rsa_bits) {
    xml::ensure_initialized();
    std::shared_ptr<SigningKey> k(new SigningKey());

    if (key_pem.empty()) fail(Code::sp_key_invalid, "the SP signing key is empty; give a PEM private key");
    BioPtr kb(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
    if (!kb) fail(Code::out_of_memory, "BIO_new_mem_buf failed");
    k->pkey_ = PEM_read_bio_PrivateKey(kb.get(), nullptr, no_password, nullptr);
    if (k->pkey_ == nullptr) {
        fail(Code::sp_key_invalid,
             "the SP signing key is not an unencrypted PEM private key (\"-----BEGIN PRIVATE "
             "KEY-----\" or \"-----BEGIN RSA PRIVATE KEY-----\"): " +
                 openssl_reason());
    }
    if (EVP_PKEY_get_base_id(k->pkey_) != EVP_PKEY_RSA) {
        fail(Code::sp_key_invalid, std::string("the SP signing key is a ") +
                                       OBJ_nid2sn(EVP_PKEY_get_base_id(k->pkey_)) +
                                       " key; AuthnRequests are signed with RSA-SHA256, so an RSA key is required");
    }
    if (EVP_PKEY_get_bits(k->pkey_) < min_rsa_bits) {
        fail(Code::sp_key_invalid, "the SP signing key has " + std::to_string(EVP_PKEY_get_bits(k->pkey_)) +
                                       " bits; at least " + std::to_string(min_rsa_bits) + " are required");
    }
    if (const std::string weakness = rsa_exponent_weakness(k->pkey_); !weakness.empty()) {
        fail(Code::sp_key_invalid, "the SP signing key is " + weakness);
    }

    try {
        k->cert_ = parse_certificate_pem(cert_pem);
    } catch (const Error &e) {
        fail(Code::sp_key_invalid, std::string("the SP certificate does not parse: ") + e.what());
    }
    const auto *der = reinterpret_cast<const unsigned char *>(k->cert_.der.data());
    X509Ptr x509(d2i_X509(nullptr, &der, static_cast<long>(k->cert_.der.size())));
    if (!x509) fail(Code::sp_key_invalid, "the SP certificate does not parse: " + openssl_reason());
    // A certificate of another key would make every signature fail at the IdP with an error far
    // from its cause; catch the mix-up here.
    if (X509_check_private_key(x509.get(), k->pkey_) != 1) {
        ERR_clear_error();
        fail(Code::sp_key_invalid, "the SP certificate (SHA-256 " + k->cert_.sha256 + ", " + k->cert_.subject +
                                       ") is not the certificate of this private key");
    }
    k->cert_pem_ = to_pem(k->cert_);
    return k;
}

std::string SigningKey::sign_rsa_sha256(std::string_view bytes) const {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) fail(Code::out_of_memory, "EVP_MD_CTX_new failed");
    std::size_t len = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey_) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size()) !=
            1) {
        fail(Code::internal, "RSA-SHA256 signing failed: " + openssl_reason());
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(sig.data()), &len,
                       reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size()) != 1) {
        fail(Code::internal, "RSA-SHA256 signing failed: " + openssl_reason());
    }
    sig.resize(len);
    return sig;
}

void SigningKey::sign_enveloped(xmlDoc *doc, xmlNode *element) const {
    xml::ensure_initialized();
    auto id = xml::attribute(element, "ID");
    if (!id || id->empty()) fail(Code::internal, "the element to sign has no ID");

    xmlNode *sig =
        xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId, xmlSecTransformRsaSha256Id, nullptr, X("ds"));
    if (sig == nullptr) fail(Code::out_of_memory, "xmlSecTmplSignatureCreate failed");
    // saml-schema-protocol-2.0: Issuer, then Signature, then the rest.
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
    xmlNode *ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, nullptr, X(uri.c_str()), nullptr);
    if (ref == nullptr || xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) == nullptr ||
        xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) == nullptr) {
        fail(Code::internal, "building the signature template failed");
    }

    xml::ErrorCapture capture;
    // xmlsec1 takes ownership of the key data it adopts; give it its own reference on our EVP_PKEY
    // rather than a decoded copy (decoding a private key costs more than the signature).
    if (EVP_PKEY_up_ref(pkey_) != 1) fail(Code::internal, "EVP_PKEY_up_ref failed");
    xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(pkey_);
    if (data == nullptr) {
        EVP_PKEY_free(pkey_);
        fail(Code::internal, "xmlsec1 could not adopt the SP key: " + capture.text());
    }
    xmlSecKeyPtr key = xmlSecKeyCreate();
    if (key == nullptr || xmlSecKeySetValue(key, data) != 0) {
        xmlSecKeyDataDestroy(data);
        if (key != nullptr) xmlSecKeyDestroy(key);
        fail(Code::internal, "xmlsec1 could not wrap the SP key: " + capture.text());
    }
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(nullptr);
    if (ctx == nullptr) {
        xmlSecKeyDestroy(key);
        fail(Code::out_of_memory, "xmlSecDSigCtxCreate failed");
    }
    ctx->signKey = key;  // the context destroys it
    const int rc = xmlSecDSigCtxSign(ctx, sig);
    xmlSecDSigCtxDestroy(ctx);
    if (rc != 0) fail(Code::internal, "xmlsec1 could not sign the AuthnRequest: " + capture.text());

    // KeyInfo is outside SignedInfo, so it is added after signing, with the certificate as the SP
    // metadata publishes it. It only helps IdPs pick a key; trust comes from their metadata copy.
    xmlNs *ds = xmlSearchNsByHref(doc, sig, X(xml::ns_ds));
    xmlNode *key_info = xmlNewChild(sig, ds, X("KeyInfo"), nullptr);
    xmlNode *x509_data = key_info == nullptr ? nullptr : xmlNewChild(key_info, ds, X("X509Data"), nullptr);
    const std::string b64 = util::base64_encode(cert_.der);
    if (x509_data == nullptr || xmlNewChild(x509_data, ds, X("X509Certificate"), X(b64.c_str())) == nullptr) {
        fail(Code::out_of_memory, "adding KeyInfo failed");
    }
}

}  // namespace ssogate::core::crypto
