// Signing with a private key that the host holds: the SP's AuthnRequests. The
// HTTP-Redirect binding signs the query string's bytes; the HTTP-POST binding carries an enveloped
// XML signature (exclusive c14n, made by xmlsec1 as the testing IdP's signatures are).
//
// The key never goes into a connection or its JSON: secrets stay with the host, which loads the key
// from its own secret store and hands it over per process.
#pragma once

#include "crypto/certificate.hpp"

#include <libxml/tree.h>
#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

namespace ssogate::core::crypto {

// An RSA private key (2048 bits or more) with its certificate. Immutable; safe to share across
// threads (OpenSSL 3 signing with one EVP_PKEY from several threads is safe).
class SigningKey {
public:
    // `key_pem`: an unencrypted PEM private key (PKCS#8 "PRIVATE KEY" or "RSA PRIVATE KEY");
    // `cert_pem`: the PEM certificate published in the SP metadata. Throws Error{sp_key_invalid}
    // when either does not parse, the key is encrypted, not RSA or under 2048 bits, or the
    // certificate is for another key. Messages never quote the key.
    // `min_rsa_bits` below 2048 is only for a key the host explicitly accepted as legacy.
    static std::shared_ptr<const SigningKey> from_pem(std::string_view key_pem, std::string_view cert_pem,
                                                      int min_rsa_bits = 2048);

    ~SigningKey();
    SigningKey(const SigningKey &) = delete;
    SigningKey &operator=(const SigningKey &) = delete;

    const Certificate &certificate() const noexcept { return cert_; }
    const std::string &certificate_pem() const noexcept { return cert_pem_; }
    // The private key, for the decryption of EncryptedKey elements (crypto/xmlenc); read-only.
    EVP_PKEY *private_key() const noexcept { return pkey_; }

    // RSASSA-PKCS1-v1_5 with SHA-256 over `bytes` (the signature algorithm alg_rsa_sha256 names).
    std::string sign_rsa_sha256(std::string_view bytes) const;

    // Adds an enveloped RSA-SHA256 / SHA-256 signature with exclusive c14n to `element`, which must
    // carry an ID attribute registered in the document (xmlAddID), right after its saml:Issuer child
    // (SAML's schema order), and a KeyInfo with the certificate (informational: verifiers must take
    // the key from metadata).
    void sign_enveloped(xmlDoc *doc, xmlNode *element) const;

private:
    SigningKey() = default;
    EVP_PKEY *pkey_ = nullptr;
    Certificate cert_;
    std::string cert_pem_;
};

}  // namespace ssogate::core::crypto
