// X.509 certificates as read from metadata (OpenSSL).
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace ssogate::core::crypto {

struct Certificate {
    std::string der;      // the certificate as DER bytes
    std::string sha256;   // SHA-256 of the DER, "AB:CD:..." upper-case with colons
    std::string subject;  // one line, RFC 2253 style ("CN=dev-513394,O=Okta,...")
    std::string issuer;
    std::int64_t not_before = 0;  // Unix seconds
    std::int64_t not_after = 0;
    std::string key_type;          // "RSA", "EC", "Ed25519", ...
    int key_bits = 0;              // RSA modulus bits / EC group order bits
    std::string key_curve;         // EC only: "P-256", "P-384", "P-521", or OpenSSL's name for other curves
    std::string key_rsa_exponent;  // RSA only: the public exponent e, in decimal
};

// Parses DER. Throws Error{metadata_bad_cert} with what went wrong.
Certificate parse_certificate_der(std::string_view der);
// The base64 text of a ds:X509Certificate element (whitespace allowed).
Certificate parse_certificate_base64(std::string_view b64);
// One PEM certificate ("-----BEGIN CERTIFICATE-----"). Throws Error{invalid_argument} when not PEM.
Certificate parse_certificate_pem(std::string_view pem);
// PEM text of a DER certificate.
std::string to_pem(const Certificate &cert);

// Why a certificate's key must not be trusted to sign SAML messages, or "" when it may be: RSA of at
// least 2048 bits with an acceptable public exponent (rsa_exponent_weakness), or EC on P-256, P-384 or
// P-521. Every other key type is unsupported. Said as the end of a sentence ("has a 1024-bit RSA key;
// at least 2048 bits are required").
std::string key_weakness(const Certificate &cert);

// Why an RSA key's public exponent is unacceptable, or "" when it is fine (also "" for non-RSA keys).
// Accepted: odd values from 65537 up to 2^256 - 1, the range FIPS 186-5 and NIST SP 800-56B allow. Not
// only 65537, since a few CAs and HSMs issue other large odd exponents that are as sound. Refused: e = 1
// (the "signature" of any message is its padded digest: anyone forges), even values such as 2 (not RSA),
// and small odd values such as 3 (signature forgery against lenient PKCS#1 v1.5 checks).
std::string rsa_exponent_weakness(const EVP_PKEY *pkey);

}  // namespace ssogate::core::crypto
