// XML Encryption, the receiving side: the EncryptedData of a saml:EncryptedAssertion (EncryptedID,
// EncryptedAttribute) opened with the connection's own SP keys, and nothing else.
//
// The structure is checked first, against what SAML's profiles use: one EncryptedData, its
// EncryptedKey inside its KeyInfo or beside it (found by a same-document RetrievalMethod or by
// CarriedKeyName), algorithms from an allow-list, the cipher text inline. A key carried in the message,
// a URL or any other KeyInfo content is refused before any cryptography.
//
// Then every candidate EncryptedKey is tried with every SP key (key rollover). The session key is
// unwrapped with OpenSSL (RSA-OAEP as xmlenc and xmlenc11 define it; RSA-1_5 only when allowed), the
// data decrypted by xmlsec1's xmlenc API with that session key set directly on its context, so
// xmlsec1 never resolves a key itself. Every failure from the first unwrap to the end (padding, tag,
// key length, wrong key) is one and the same Error{decryption_failed} with one message, so no answer
// can tell an attacker which step failed.
#pragma once

#include "crypto/sign.hpp"

#include <libxml/tree.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace ssogate::core::crypto {

inline constexpr const char *ns_xenc11 = "http://www.w3.org/2009/xmlenc11#";

// Key transport.
inline constexpr const char *alg_rsa_oaep_mgf1p = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
inline constexpr const char *alg_rsa_oaep = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
inline constexpr const char *alg_rsa_1_5 = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
// Data.
inline constexpr const char *alg_aes128_cbc = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
inline constexpr const char *alg_aes256_cbc = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
inline constexpr const char *alg_aes128_gcm = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
inline constexpr const char *alg_aes256_gcm = "http://www.w3.org/2009/xmlenc11#aes256-gcm";

struct DecryptPolicy {
    // RSA-1_5 key transport (PKCS #1 v1.5 padding, open to Bleichenbacher's attack): off unless the
    // connection opts in, as SHA-1 signatures are.
    bool allow_rsa_1_5 = false;
    // Decoded cipher text larger than this is refused (INPUT_TOO_LARGE) before any decryption; the
    // plain text is never longer than the cipher text.
    std::size_t max_bytes = 1u << 20;
};

using DecryptionKeys = std::vector<std::shared_ptr<const SigningKey>>;

// The key transport and data algorithms accepted under `policy`, for SP metadata's EncryptionMethod
// elements: data algorithms first, strongest first.
std::vector<std::string> accepted_encryption_algorithms(const DecryptPolicy &policy);

struct Decrypted {
    std::string plain_text;  // the XML of the element the IdP encrypted, as it serialised it
    // AES-GCM: the cipher text's integrity was checked. AES-CBC has no integrity, so bytes changed in
    // transit decrypt to garbled plain text, which later checks must refuse as uniformly as a wrong key.
    bool authenticated = false;
    // AES-CBC under RSA-1_5 only: a wrong SP key unwraps to a random stand-in session key (no padding
    // oracle), and CBC's padding check passes for about one such key in 16. So with several SP keys
    // (rollover) or EncryptedKeys, every pair that decrypted is kept, in the order tried: plain_text is
    // the first, these the others. The caller takes the first whose checks pass.
    std::vector<std::string> alternatives;
};

// Decrypts the EncryptedData of `element` (a saml:EncryptedAssertion, EncryptedID or
// EncryptedAttribute). Throws Error{encryption_malformed} for a structure outside the profile,
// Error{encryption_algorithm} for an algorithm outside the allow-list, Error{input_too_large}, or
// Error{decryption_failed} (uniform: fail_decryption's message).
Decrypted decrypt_element(xmlNode *element, const DecryptionKeys &keys, const DecryptPolicy &policy);

// The one refusal of every decryption failure, and of the checks on plain text that CBC leaves
// unprotected: the same code and message whatever went wrong, naming the keys tried.
[[noreturn]] void fail_decryption(const DecryptionKeys &keys);

}  // namespace ssogate::core::crypto
