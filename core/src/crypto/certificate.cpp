#include "crypto/certificate.hpp"

#include "error.hpp"
#include "util/encoding.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

namespace ssogate::core::crypto {

namespace {

struct X509Free {
    void operator()(X509 *x) const noexcept { X509_free(x); }
};
struct BioFree {
    void operator()(BIO *b) const noexcept { BIO_free(b); }
};
struct BnFree {
    void operator()(BIGNUM *b) const noexcept { BN_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// OpenSSL's queue is per thread; leaving entries behind would make a later, unrelated caller
// report our failure.
std::string take_openssl_error() {
    unsigned long e = ERR_get_error();
    std::string out;
    if (e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out = buf;
    }
    ERR_clear_error();
    return out;
}

std::string name_text(const X509_NAME *name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) fail(Code::out_of_memory, "could not allocate an OpenSSL BIO");
    // RFC 2253 order and escaping, but UTF-8 kept as text rather than \XX escapes, so admins can
    // read non-ASCII names.
    constexpr unsigned long flags = XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB);
    if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) {
        take_openssl_error();
        return {};
    }
    char *data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string{};
}

std::int64_t time_of(const ASN1_TIME *t, const char *which) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
        take_openssl_error();
        fail(Code::metadata_bad_cert, std::string("the certificate's ") + which + " date does not parse");
    }
    return util::utc_seconds(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string curve_name(const EVP_PKEY *pkey) {
    char group[80] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(pkey, group, sizeof group, &len) != 1) {
        take_openssl_error();
        return {};
    }
    // OpenSSL names the NIST curves prime256v1/secp384r1/secp521r1; admins and specs say P-256...
    int nid = OBJ_txt2nid(group);
    const char *nist = nid != NID_undef ? EC_curve_nid2nist(nid) : nullptr;
    return nist != nullptr ? std::string(nist) : std::string(group);
}

std::string rsa_exponent_text(const EVP_PKEY *pkey) {
    BIGNUM *raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &raw) != 1 || raw == nullptr) {
        take_openssl_error();
        return {};
    }
    const std::unique_ptr<BIGNUM, BnFree> e(raw);
    char *dec = BN_bn2dec(e.get());
    std::string out = dec != nullptr ? dec : "";
    OPENSSL_free(dec);
    return out;
}

std::string key_type_name(int id) {
    switch (id) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_RSA_PSS: return "RSA-PSS";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_DSA: return "DSA";
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_ED448: return "Ed448";
    default: break;
    }
    const char *sn = OBJ_nid2sn(id);
    return sn != nullptr ? std::string(sn) : "unknown";
}

}  // namespace

Certificate parse_certificate_der(std::string_view der) {
    if (der.empty()) fail(Code::metadata_bad_cert, "the certificate is empty");
    if (der.size() > (1u << 20)) fail(Code::metadata_bad_cert, "the certificate is larger than 1 MiB");
    const auto *p = reinterpret_cast<const unsigned char *>(der.data());
    const unsigned char *const start = p;
    X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!x509) {
        std::string why = take_openssl_error();
        fail(Code::metadata_bad_cert,
             "the certificate is not a DER X.509 certificate" + (why.empty() ? std::string{} : " (" + why + ")"));
    }
    // Trailing bytes would let two different texts name the same certificate (and fingerprint).
    if (p != start + der.size())
        fail(Code::metadata_bad_cert,
             "the certificate has " + std::to_string(start + der.size() - p) + " bytes after its end");

    Certificate cert;
    cert.der = std::string(der);
    cert.sha256 = util::hex_colon(util::sha256(der));
    // Names come from the certificate's bytes: a malformed UTF8String must not reach a host as such.
    cert.subject = util::valid_utf8(name_text(X509_get_subject_name(x509.get())));
    cert.issuer = util::valid_utf8(name_text(X509_get_issuer_name(x509.get())));
    cert.not_before = time_of(X509_get0_notBefore(x509.get()), "notBefore");
    cert.not_after = time_of(X509_get0_notAfter(x509.get()), "notAfter");

    EVP_PKEY *pkey = X509_get0_pubkey(x509.get());  // owned by the certificate
    if (pkey == nullptr) {
        std::string why = take_openssl_error();
        fail(Code::metadata_bad_cert,
             "the certificate's public key does not parse" + (why.empty() ? std::string{} : " (" + why + ")"));
    }
    const int id = EVP_PKEY_get_base_id(pkey);
    cert.key_type = key_type_name(id);
    cert.key_bits = EVP_PKEY_get_bits(pkey);
    if (id == EVP_PKEY_EC) cert.key_curve = curve_name(pkey);
    if (id == EVP_PKEY_RSA) cert.key_rsa_exponent = rsa_exponent_text(pkey);
    ERR_clear_error();
    return cert;
}

std::string rsa_exponent_weakness(const EVP_PKEY *pkey) {
    if (pkey == nullptr || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) return {};
    BIGNUM *raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &raw) != 1 || raw == nullptr) {
        take_openssl_error();
        return "an RSA key whose public exponent cannot be read";
    }
    const std::unique_ptr<BIGNUM, BnFree> e(raw);
    const int bits = BN_num_bits(e.get());
    if (BN_is_odd(e.get()) && bits >= 17 && bits <= 256) return {};  // odd and 65537 <= e < 2^256
    std::string shown = bits <= 64 ? std::to_string(BN_get_word(e.get())) : "a " + std::to_string(bits) + "-bit number";
    std::string why = BN_is_one(e.get())    ? " (with e = 1 the signature of any message is its padded digest: anyone "
                                              "can forge it)"
                      : !BN_is_odd(e.get()) ? " (an even exponent is not RSA)"
                      : bits <= 256         ? " (small exponents allow signature forgeries against lenient verifiers)"
                                            : "";
    return "an RSA key with public exponent " + shown + why +
           "; the exponent must be odd, at least 65537 and below 2^256 (FIPS 186-5)";
}

std::string key_weakness(const Certificate &c) {
    if (c.key_type == "RSA") {
        if (c.key_bits < 2048)
            return "a " + std::to_string(c.key_bits) + "-bit RSA key; at least 2048 bits are required";
        const auto *p = reinterpret_cast<const unsigned char *>(c.der.data());
        X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(c.der.size())));
        if (!x509) {
            take_openssl_error();
            return "an RSA key that cannot be read back from its certificate";
        }
        return rsa_exponent_weakness(X509_get0_pubkey(x509.get()));
    }
    if (c.key_type == "EC") {
        if (c.key_curve == "P-256" || c.key_curve == "P-384" || c.key_curve == "P-521") return {};
        return "an EC key on curve " + (c.key_curve.empty() ? std::string("(unknown)") : c.key_curve) +
               "; EC keys are accepted on P-256, P-384 and P-521 only";
    }
    return "a " + c.key_type +
           " key, which is not supported for SAML signatures (RSA of at least 2048 bits, or "
           "EC on P-256, P-384, P-521)";
}

Certificate parse_certificate_base64(std::string_view b64) {
    std::string der;
    try {
        der = util::base64_decode(b64);
    } catch (const Error &e) {
        fail(Code::metadata_bad_cert, std::string("the certificate's base64 text is invalid: ") + e.what());
    }
    return parse_certificate_der(der);
}

Certificate parse_certificate_pem(std::string_view pem) {
    static constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----";
    static constexpr std::string_view end = "-----END CERTIFICATE-----";
    std::size_t b = pem.find(begin);
    if (b == std::string_view::npos)
        fail(Code::invalid_argument, "expected a PEM certificate (-----BEGIN CERTIFICATE-----); none found");
    std::size_t e = pem.find(end, b);
    if (e == std::string_view::npos)
        fail(Code::invalid_argument, "the PEM certificate has no -----END CERTIFICATE----- line");
    if (pem.find(begin, e) != std::string_view::npos)
        fail(Code::invalid_argument, "expected one PEM certificate; found more than one");
    // Decoding the body ourselves keeps the strict base64 rules; PEM headers (Proc-Type...) are
    // for encrypted keys and have no place in a certificate.
    std::string_view body = pem.substr(b + begin.size(), e - b - begin.size());
    if (body.find(':') != std::string_view::npos)
        fail(Code::invalid_argument, "the PEM certificate has header lines; expected base64 only");
    try {
        return parse_certificate_base64(body);
    } catch (const Error &err) {
        fail(Code::invalid_argument, std::string("the PEM certificate does not parse: ") + err.what());
    }
}

std::string to_pem(const Certificate &cert) {
    std::string b64 = util::base64_encode(cert.der);
    std::string out = "-----BEGIN CERTIFICATE-----\n";
    for (std::size_t i = 0; i < b64.size(); i += 64) {
        out.append(b64, i, 64);
        out += '\n';
    }
    out += "-----END CERTIFICATE-----\n";
    return out;
}

}  // namespace ssogate::core::crypto
