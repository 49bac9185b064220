// X.509 certificates as read from metadata (OpenSSL).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ssogate::core::crypto {

struct Certificate {
    std::string der;          // the certificate as DER bytes
    std::string sha256;       // SHA-256 of the DER, "AB:CD:..." upper-case with colons
    std::string subject;      // one line, RFC 2253 style ("CN=dev-513394,O=Okta,...")
    std::string issuer;
    std::int64_t not_before = 0;  // Unix seconds
    std::int64_t not_after = 0;
    std::string key_type;     // "RSA", "EC", "Ed25519", ...
    int key_bits = 0;         // RSA modulus bits / EC group order bits
    std::string key_curve;    // EC only: "P-256", "P-384", "P-521", or OpenSSL's name for other curves
};

// Parses DER. Throws Error{metadata_bad_cert} with what went wrong.
Certificate parse_certificate_der(std::string_view der);
// The base64 text of a ds:X509Certificate element (whitespace allowed).
Certificate parse_certificate_base64(std::string_view b64);
// One PEM certificate ("-----BEGIN CERTIFICATE-----"). Throws Error{invalid_argument} when not PEM.
Certificate parse_certificate_pem(std::string_view pem);
// PEM text of a DER certificate.
std::string to_pem(const Certificate &cert);

}  // namespace ssogate::core::crypto
