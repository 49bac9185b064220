#include "testing/encrypt.hpp"

#include "crypto/certificate.hpp"
#include "error.hpp"
#include "util/encoding.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

namespace ssogate::core::testing {
namespace {

template <class T, void (*F)(T *)>
struct Free {
    void operator()(T *p) const noexcept { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Free<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;

constexpr const char *xenc = "http://www.w3.org/2001/04/xmlenc#";
constexpr const char *xenc11 = "http://www.w3.org/2009/xmlenc11#";

[[noreturn]] void refuse(const std::string &why) { fail(Code::invalid_argument, "test IdP encryption: " + why); }

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), static_cast<int>(n)) != 1)
        refuse("RAND_bytes failed");
    return out;
}

struct Cipher {
    const EVP_CIPHER *cipher;
    std::size_t key_bytes;
    bool gcm;
};

Cipher cipher_for(const std::string &uri) {
    if (uri == std::string(xenc11) + "aes128-gcm") return {EVP_aes_128_gcm(), 16, true};
    if (uri == std::string(xenc11) + "aes256-gcm") return {EVP_aes_256_gcm(), 32, true};
    if (uri == std::string(xenc) + "aes128-cbc") return {EVP_aes_128_cbc(), 16, false};
    if (uri == std::string(xenc) + "aes256-cbc") return {EVP_aes_256_cbc(), 32, false};
    if (uri == std::string(xenc) + "tripledes-cbc") return {EVP_des_ede3_cbc(), 24, false};
    refuse("unknown data algorithm " + uri);
}

// IV || cipher text (|| tag for GCM), as xmlenc lays it out.
std::string encrypt_data(const Cipher &c, const std::string &key, const std::string &plain) {
    const std::string iv = random_bytes(c.gcm ? 12 : static_cast<std::size_t>(EVP_CIPHER_get_iv_length(c.cipher)));
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    const auto *k = reinterpret_cast<const unsigned char *>(key.data());
    const auto *v = reinterpret_cast<const unsigned char *>(iv.data());
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), c.cipher, nullptr, k, v) != 1) refuse("EVP_EncryptInit_ex failed");
    std::string out(plain.size() + 32, '\0');
    int n = 0, tail = 0;
    auto *o = reinterpret_cast<unsigned char *>(out.data());
    if (EVP_EncryptUpdate(ctx.get(), o, &n, reinterpret_cast<const unsigned char *>(plain.data()),
                          static_cast<int>(plain.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), o + n, &tail) != 1)
        refuse("AES encryption failed");
    out.resize(static_cast<std::size_t>(n) + static_cast<std::size_t>(tail));
    if (c.gcm) {
        std::string tag(16, '\0');
        if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag.data()) != 1) refuse("GCM tag failed");
        out += tag;
    }
    return iv + out;
}

PkeyPtr public_key(const std::string &certificate_pem) {
    const crypto::Certificate cert = crypto::parse_certificate_pem(certificate_pem);
    const auto *der = reinterpret_cast<const unsigned char *>(cert.der.data());
    X509Ptr x509(d2i_X509(nullptr, &der, static_cast<long>(cert.der.size())));
    if (!x509) refuse("the certificate does not parse");
    PkeyPtr key(X509_get_pubkey(x509.get()));
    if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) refuse("the certificate's key is not RSA");
    return key;
}

// The wrapped session key and the EncryptionMethod element that says how it was wrapped.
std::pair<std::string, std::string> wrap(EVP_PKEY *key, const std::string &uri, const std::string &session_key) {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1) refuse("EVP_PKEY_encrypt_init failed");
    std::string method = "<xenc:EncryptionMethod Algorithm=\"" + uri + "\">";
    if (uri == std::string(xenc) + "rsa-oaep-mgf1p") {
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING);
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha1());
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha1());
        method += "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>";
    } else if (uri == std::string(xenc11) + "rsa-oaep") {
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING);
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256());
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256());
        method +=
            "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
            "<xenc11:MGF xmlns:xenc11=\"http://www.w3.org/2009/xmlenc11#\" "
            "Algorithm=\"http://www.w3.org/2009/xmlenc11#mgf1sha256\"/>";
    } else if (uri == std::string(xenc) + "rsa-1_5") {
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
    } else {
        refuse("unknown key transport " + uri);
    }
    method += "</xenc:EncryptionMethod>";
    std::size_t size = 0;
    const auto *in = reinterpret_cast<const unsigned char *>(session_key.data());
    if (EVP_PKEY_encrypt(ctx.get(), nullptr, &size, in, session_key.size()) != 1) refuse("RSA encryption failed");
    std::string out(size, '\0');
    if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char *>(out.data()), &size, in, session_key.size()) != 1)
        refuse("RSA encryption failed");
    out.resize(size);
    return {out, method};
}

std::string certificate_base64(const std::string &certificate_pem) {
    return util::base64_encode(crypto::parse_certificate_pem(certificate_pem).der);
}

}  // namespace

std::string encrypt_element(const std::string &plain_xml, const Encryption &e, const std::string &wrapper) {
    const Cipher cipher = cipher_for(e.data_algorithm);
    const std::string session_key = random_bytes(cipher.key_bytes);
    const PkeyPtr key = public_key(e.certificate_pem);
    const auto [wrapped, method] = wrap(key.get(), e.key_transport, session_key);
    const std::string key_id = "_ek" + util::random_token(12);
    const std::string key_name = "ssogate-test-key";

    std::string encrypted_key =
        "<xenc:EncryptedKey xmlns:xenc=\"" + std::string(xenc) + "\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"";
    if (e.placement == KeyPlacement::retrieval_method) encrypted_key += " Id=\"" + key_id + "\"";
    encrypted_key += ">" + method +
                     "<ds:KeyInfo><ds:X509Data>"
                     "<ds:X509Certificate>" +
                     certificate_base64(e.certificate_pem) +
                     "</ds:X509Certificate></ds:X509Data></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>" +
                     util::base64_encode(wrapped) + "</xenc:CipherValue></xenc:CipherData>";
    if (e.placement == KeyPlacement::carried_key_name)
        encrypted_key += "<xenc:CarriedKeyName>" + key_name + "</xenc:CarriedKeyName>";
    encrypted_key += "</xenc:EncryptedKey>";

    std::string key_info = "<ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">";
    switch (e.placement) {
    case KeyPlacement::in_key_info: key_info += encrypted_key; break;
    case KeyPlacement::retrieval_method:
        key_info +=
            "<ds:RetrievalMethod Type=\"http://www.w3.org/2001/04/xmlenc#EncryptedKey\" URI=\"#" + key_id + "\"/>";
        break;
    case KeyPlacement::carried_key_name: key_info += "<ds:KeyName>" + key_name + "</ds:KeyName>"; break;
    }
    key_info += "</ds:KeyInfo>";

    std::string out = "<saml:" + wrapper +
                      " xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">"
                      "<xenc:EncryptedData xmlns:xenc=\"" +
                      std::string(xenc) + "\" Type=\"" + std::string(xenc) +
                      "Element\"><xenc:EncryptionMethod Algorithm=\"" + e.data_algorithm + "\"/>" + key_info +
                      "<xenc:CipherData><xenc:CipherValue>" +
                      util::base64_encode(encrypt_data(cipher, session_key, plain_xml)) +
                      "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>";
    if (e.placement != KeyPlacement::in_key_info) out += encrypted_key;
    out += "</saml:" + wrapper + ">";
    return out;
}

}  // namespace ssogate::core::testing
