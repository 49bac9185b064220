#include "crypto/xmlenc.hpp"

#include "error.hpp"
#include "util/encoding.hpp"
#include "util/text.hpp"
#include "xml/xml.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <xmlsec/buffer.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/list.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmlenc.h>

#include <optional>
#include <string_view>

namespace ssogate::core::crypto {
namespace {

using xml::ns_ds;
using xml::ns_xenc;

constexpr const char *type_element = "http://www.w3.org/2001/04/xmlenc#Element";
constexpr const char *type_encrypted_key = "http://www.w3.org/2001/04/xmlenc#EncryptedKey";

[[noreturn]] void malformed(const std::string &why) {
    fail(Code::encryption_malformed, "the encrypted element is not as SAML encrypts: " + why);
}

[[noreturn]] void algorithm_refused(std::string_view what, std::string_view uri, std::string_view accepted) {
    fail(Code::encryption_algorithm,
         std::string(what) + " " + util::quoted(uri) + " is not accepted (accepted: " + std::string(accepted) + ")");
}

struct DataAlgorithm {
    const char *uri;
    std::size_t key_bytes;
    bool authenticated;
    xmlSecTransformId (*transform)();
};

const DataAlgorithm data_algorithms[] = {
    {alg_aes256_gcm, 32, true, [] { return xmlSecTransformAes256GcmId; }},
    {alg_aes128_gcm, 16, true, [] { return xmlSecTransformAes128GcmId; }},
    {alg_aes256_cbc, 32, false, [] { return xmlSecTransformAes256CbcId; }},
    {alg_aes128_cbc, 16, false, [] { return xmlSecTransformAes128CbcId; }},
};

const DataAlgorithm &data_algorithm(std::string_view uri) {
    for (const DataAlgorithm &a : data_algorithms)
        if (uri == a.uri) return a;
    algorithm_refused("the data encryption algorithm", uri, "AES-128/256-GCM (xmlenc11) and AES-128/256-CBC (xmlenc)");
}

// The digests RSA-OAEP may name (DigestMethod) and the MGF1 variants of xmlenc11.
const EVP_MD *oaep_digest(std::string_view uri) {
    if (uri == "http://www.w3.org/2000/09/xmldsig#sha1") return EVP_sha1();
    if (uri == "http://www.w3.org/2001/04/xmlenc#sha256") return EVP_sha256();
    if (uri == "http://www.w3.org/2001/04/xmldsig-more#sha384") return EVP_sha384();
    if (uri == "http://www.w3.org/2001/04/xmlenc#sha512") return EVP_sha512();
    algorithm_refused("the RSA-OAEP DigestMethod", uri, "SHA-1, SHA-256, SHA-384, SHA-512");
}

const EVP_MD *mgf1_digest(std::string_view uri) {
    const std::string prefix = std::string(ns_xenc11) + "mgf1";
    if (uri.substr(0, prefix.size()) == prefix) {
        const std::string_view md = uri.substr(prefix.size());
        if (md == "sha1") return EVP_sha1();
        if (md == "sha224") return EVP_sha224();
        if (md == "sha256") return EVP_sha256();
        if (md == "sha384") return EVP_sha384();
        if (md == "sha512") return EVP_sha512();
    }
    algorithm_refused("the RSA-OAEP MGF", uri, "MGF1 with SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512 (xmlenc11)");
}

// How one EncryptedKey wraps its session key.
struct KeyTransport {
    bool oaep = true;
    const EVP_MD *digest = nullptr;
    const EVP_MD *mgf1 = nullptr;
    std::string label;  // OAEPparams, decoded
};

std::string algorithm_of(const xmlNode *method) { return xml::attribute(method, "Algorithm").value_or(""); }

// The bytes of a CipherData/CipherValue (never a CipherReference: that would fetch a URL).
std::string cipher_bytes(xmlNode *cipher_data, const char *whose) {
    const std::vector<xmlNode *> parts = xml::all_child_elements(cipher_data);
    if (parts.size() != 1 || !xml::is_element(parts[0], ns_xenc, "CipherValue")) {
        malformed(std::string("the ") + whose +
                  "'s CipherData must hold one CipherValue (a CipherReference is never "
                  "followed)");
    }
    if (!xml::has_only_text(parts[0])) malformed(std::string("the ") + whose + "'s CipherValue contains markup");
    try {
        return util::base64_decode(xml::text(parts[0]));
    } catch (const Error &) {
        malformed(std::string("the ") + whose + "'s CipherValue is not base64");
    }
}

KeyTransport key_transport_of(xmlNode *method, const DecryptPolicy &policy) {
    const std::string uri = algorithm_of(method);
    KeyTransport t;
    const bool xmlenc11 = uri == alg_rsa_oaep;
    if (uri == alg_rsa_1_5) {
        if (!policy.allow_rsa_1_5) {
            fail(Code::encryption_algorithm, "the key transport is RSA-1_5 (" + uri +
                                                 "), which is open to "
                                                 "Bleichenbacher's attack and refused unless the connection allows it; "
                                                 "choose RSA-OAEP at the IdP");
        }
        t.oaep = false;
        return t;
    }
    if (uri != alg_rsa_oaep_mgf1p && !xmlenc11) {
        algorithm_refused("the key transport algorithm", uri,
                          "RSA-OAEP (xmlenc rsa-oaep-mgf1p, xmlenc11 rsa-oaep)" +
                              std::string(policy.allow_rsa_1_5 ? " and RSA-1_5" : ""));
    }
    t.digest = EVP_sha1();
    t.mgf1 = EVP_sha1();  // rsa-oaep-mgf1p fixes MGF1 with SHA-1; xmlenc11's default too
    for (xmlNode *p : xml::all_child_elements(method)) {
        if (xml::is_element(p, ns_ds, "DigestMethod")) {
            t.digest = oaep_digest(algorithm_of(p));
        } else if (xmlenc11 && xml::is_element(p, ns_xenc11, "MGF")) {
            t.mgf1 = mgf1_digest(algorithm_of(p));
        } else if (xml::is_element(p, ns_xenc, "OAEPparams")) {
            try {
                t.label = util::base64_decode(xml::text(p));
            } catch (const Error &) {
                malformed("OAEPparams is not base64");
            }
        } else if (!xml::is_element(p, ns_xenc, "KeySize")) {
            malformed("the key transport EncryptionMethod holds " + xml::qualified_name(p));
        }
    }
    return t;
}

// One EncryptedKey: EncryptionMethod, KeyInfo (which names the recipient's key and is never used as
// a key), CipherData, then ReferenceList and CarriedKeyName, in schema order.
struct WrappedKey {
    KeyTransport transport;
    std::string wrapped;
};

WrappedKey read_encrypted_key(xmlNode *encrypted_key, const DecryptPolicy &policy) {
    xmlNode *method = nullptr, *cipher = nullptr;
    for (xmlNode *c : xml::all_child_elements(encrypted_key)) {
        if (xml::is_element(c, ns_xenc, "EncryptionMethod") && method == nullptr && cipher == nullptr) {
            method = c;
        } else if (xml::is_element(c, ns_xenc, "CipherData") && cipher == nullptr) {
            cipher = c;
        } else if (!xml::is_element(c, ns_ds, "KeyInfo") && !xml::is_element(c, ns_xenc, "ReferenceList") &&
                   !xml::is_element(c, ns_xenc, "CarriedKeyName") &&
                   !xml::is_element(c, ns_xenc, "EncryptionProperties")) {
            malformed("an EncryptedKey holds " + xml::qualified_name(c));
        }
    }
    if (method == nullptr) malformed("an EncryptedKey has no EncryptionMethod");
    if (cipher == nullptr) malformed("an EncryptedKey has no CipherData");
    return {key_transport_of(method, policy), cipher_bytes(cipher, "EncryptedKey")};
}

std::string carried_key_name(xmlNode *encrypted_key) {
    xmlNode *n = xml::first_child_element(encrypted_key, ns_xenc, "CarriedKeyName");
    return n == nullptr ? std::string() : xml::trimmed_text(n);
}

// Every EncryptedKey costs an RSA private-key operation per SP key: a real IdP sends one (a few when
// it encrypts for several recipients), so more than this many is refused before any is tried, and a
// crafted message cannot buy seconds of CPU. The same bound keeps the KeyInfo and sibling scans small.
constexpr std::size_t max_encrypted_keys = 8;
constexpr std::size_t max_key_info_children = 16;

// The EncryptedKeys the EncryptedData's KeyInfo points at, in document order: those inside it, the
// sibling a RetrievalMethod names by its Id, the siblings whose CarriedKeyName a KeyName gives.
std::vector<xmlNode *> candidate_keys(xmlNode *key_info, const std::vector<xmlNode *> &siblings) {
    if (xml::all_child_elements(key_info).size() > max_key_info_children) {
        malformed("the EncryptedData's KeyInfo holds more than " + std::to_string(max_key_info_children) + " elements");
    }
    std::vector<xmlNode *> out;
    auto add = [&out](xmlNode *k) {
        for (xmlNode *o : out)
            if (o == k) return;
        out.push_back(k);
    };
    for (xmlNode *c : xml::all_child_elements(key_info)) {
        if (xml::is_element(c, ns_xenc, "EncryptedKey")) {
            add(c);
        } else if (xml::is_element(c, ns_ds, "RetrievalMethod")) {
            if (xml::attribute(c, "Type").value_or("") != type_encrypted_key)
                malformed("a RetrievalMethod has a Type other than " + std::string(type_encrypted_key));
            if (!xml::all_child_elements(c).empty()) malformed("a RetrievalMethod has Transforms");
            const std::string uri = xml::attribute(c, "URI").value_or("");
            xmlNode *found = nullptr;
            for (xmlNode *k : siblings)
                if (uri.size() > 1 && uri[0] == '#' && xml::attribute(k, "Id").value_or("") == uri.substr(1)) found = k;
            if (found == nullptr) {
                malformed("a RetrievalMethod points at " + util::quoted(uri) +
                          ", which is not the Id of an "
                          "EncryptedKey beside the EncryptedData (no other place is looked at)");
            }
            add(found);
        } else if (xml::is_element(c, ns_ds, "KeyName")) {
            const std::string name = xml::trimmed_text(c);
            for (xmlNode *k : siblings)
                if (!name.empty() && carried_key_name(k) == name) add(k);
        } else {
            malformed("the EncryptedData's KeyInfo holds " + xml::qualified_name(c) +
                      "; only EncryptedKey, RetrievalMethod and KeyName are accepted (a key comes from the "
                      "connection's SP keys, never from the message)");
        }
    }
    if (out.empty()) malformed("the EncryptedData's KeyInfo leads to no EncryptedKey");
    if (out.size() > max_encrypted_keys) {
        malformed("the EncryptedData's KeyInfo leads to " + std::to_string(out.size()) +
                  " EncryptedKey elements; at most " + std::to_string(max_encrypted_keys) + " are tried");
    }
    return out;
}

// What decrypt_element works on, once the structure is checked.
struct Parts {
    xmlNode *data = nullptr;
    const DataAlgorithm *algorithm = nullptr;
    std::vector<WrappedKey> keys;
    std::size_t cipher_text_bytes = 0;
};

Parts read_structure(xmlNode *element, const DecryptPolicy &policy) {
    const std::vector<xmlNode *> children = xml::all_child_elements(element);
    if (children.empty() || !xml::is_element(children[0], ns_xenc, "EncryptedData"))
        malformed(xml::qualified_name(element) + " must start with one xenc:EncryptedData");
    std::vector<xmlNode *> siblings;
    for (std::size_t i = 1; i < children.size(); ++i) {
        if (!xml::is_element(children[i], ns_xenc, "EncryptedKey"))
            malformed(xml::qualified_name(element) + " holds " + xml::qualified_name(children[i]));
        siblings.push_back(children[i]);
    }
    if (siblings.size() > max_encrypted_keys) {
        malformed(xml::qualified_name(element) + " holds " + std::to_string(siblings.size()) +
                  " EncryptedKey elements beside its EncryptedData; at most " + std::to_string(max_encrypted_keys));
    }
    Parts p;
    p.data = children[0];
    if (auto type = xml::attribute(p.data, "Type"); type && *type != type_element)
        malformed("the EncryptedData's Type is " + util::quoted(*type) + "; expected " + type_element);
    xmlNode *method = nullptr, *key_info = nullptr, *cipher = nullptr;
    for (xmlNode *c : xml::all_child_elements(p.data)) {
        if (xml::is_element(c, ns_xenc, "EncryptionMethod") && !method && !key_info && !cipher) {
            method = c;
        } else if (xml::is_element(c, ns_ds, "KeyInfo") && !key_info && !cipher) {
            key_info = c;
        } else if (xml::is_element(c, ns_xenc, "CipherData") && !cipher) {
            cipher = c;
        } else if (!xml::is_element(c, ns_xenc, "EncryptionProperties")) {
            malformed("the EncryptedData holds " + xml::qualified_name(c) + " out of place");
        }
    }
    if (method == nullptr) malformed("the EncryptedData has no EncryptionMethod");
    if (key_info == nullptr) malformed("the EncryptedData has no KeyInfo leading to its EncryptedKey");
    if (cipher == nullptr) malformed("the EncryptedData has no CipherData");
    p.algorithm = &data_algorithm(algorithm_of(method));
    for (xmlNode *c : xml::all_child_elements(method))
        if (!xml::is_element(c, ns_xenc, "KeySize"))
            malformed("the data EncryptionMethod holds " + xml::qualified_name(c));
    p.cipher_text_bytes = cipher_bytes(cipher, "EncryptedData").size();
    if (p.cipher_text_bytes > policy.max_bytes) {
        fail(Code::input_too_large, "the EncryptedData holds " + std::to_string(p.cipher_text_bytes) +
                                        " bytes of cipher text; the cap is " + std::to_string(policy.max_bytes));
    }
    for (xmlNode *k : candidate_keys(key_info, siblings)) p.keys.push_back(read_encrypted_key(k, policy));
    return p;
}

template <class T, void (*F)(T *)>
struct Free {
    void operator()(T *p) const noexcept { F(p); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EncCtxPtr = std::unique_ptr<xmlSecEncCtx, Free<xmlSecEncCtx, xmlSecEncCtxDestroy>>;

// The session key, or nullopt. RSA-1_5 never fails here: a padding error gives random bytes of the
// expected length (the data step then fails like any wrong key), so its answer is no padding oracle.
std::optional<std::string> unwrap(const SigningKey &key, const WrappedKey &w, std::size_t key_bytes) {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key.private_key(), nullptr));
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) <= 0) return std::nullopt;
    bool ok = false;
    if (w.transport.oaep) {
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), w.transport.digest) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), w.transport.mgf1) > 0;
        if (ok && !w.transport.label.empty()) {
            void *label = OPENSSL_memdup(w.transport.label.data(), w.transport.label.size());
            ok = label != nullptr &&
                 EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), label, static_cast<int>(w.transport.label.size())) > 0;
            if (!ok) OPENSSL_free(label);
        }
    } else {
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) > 0;
    }
    std::string out;
    if (ok) {
        std::size_t size = 0;
        const auto *in = reinterpret_cast<const unsigned char *>(w.wrapped.data());
        ok = EVP_PKEY_decrypt(ctx.get(), nullptr, &size, in, w.wrapped.size()) > 0;
        out.resize(size);
        ok = ok && EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char *>(out.data()), &size, in,
                                    w.wrapped.size()) > 0;
        out.resize(ok ? size : 0);
    }
    ERR_clear_error();
    if (!w.transport.oaep && (!ok || out.size() != key_bytes)) {
        out.resize(key_bytes);
        if (RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), static_cast<int>(key_bytes)) != 1)
            return std::nullopt;
        ok = true;
    }
    if (!ok || out.size() != key_bytes) return std::nullopt;
    return out;
}

// xmlsec1 decrypts the EncryptedData with the session key set on its context: with a key present and
// no keys manager it reads no KeyInfo, and only the one allowed transform is enabled.
std::optional<std::string> decrypt_data(xmlNode *data, const DataAlgorithm &algorithm, const std::string &session_key) {
    EncCtxPtr ctx(xmlSecEncCtxCreate(nullptr));
    if (!ctx) fail(Code::out_of_memory, "could not create an xmlsec1 encryption context");
    ctx->encKey = xmlSecKeyReadMemory(xmlSecKeyDataAesId, reinterpret_cast<const xmlSecByte *>(session_key.data()),
                                      static_cast<xmlSecSize>(session_key.size()));
    if (ctx->encKey == nullptr) return std::nullopt;
    // The list holds transform classes (const in xmlsec1's types, stored as plain pointers).
    void *transform = const_cast<void *>(static_cast<const void *>(algorithm.transform()));
    if (xmlSecPtrListAdd(&ctx->transformCtx.enabledTransforms, transform) < 0)
        fail(Code::internal, "xmlsec1 refused to enable the data encryption algorithm");
    ctx->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
    xmlSecBufferPtr result = xmlSecEncCtxDecryptToBuffer(ctx.get(), data);
    if (result == nullptr) return std::nullopt;
    return std::string(reinterpret_cast<const char *>(xmlSecBufferGetData(result)), xmlSecBufferGetSize(result));
}

std::string tried(const DecryptionKeys &keys) {
    std::string out;
    for (const auto &k : keys) {
        out += (out.empty() ? "" : ", ") + std::string("SHA-256 ") + k->certificate().sha256 + " (" +
               util::printable(k->certificate().subject) + ")";
    }
    return out;
}

}  // namespace

std::vector<std::string> accepted_encryption_algorithms(const DecryptPolicy &policy) {
    std::vector<std::string> out;
    for (const DataAlgorithm &a : data_algorithms) out.emplace_back(a.uri);
    out.emplace_back(alg_rsa_oaep);
    out.emplace_back(alg_rsa_oaep_mgf1p);
    if (policy.allow_rsa_1_5) out.emplace_back(alg_rsa_1_5);
    return out;
}

void fail_decryption(const DecryptionKeys &keys) {
    fail(Code::decryption_failed,
         "the encrypted element could not be decrypted with this connection's SP "
         "encryption keys (tried: " +
             tried(keys) + ")");
}

Decrypted decrypt_element(xmlNode *element, const DecryptionKeys &keys, const DecryptPolicy &policy) {
    xml::ensure_initialized();
    if (keys.empty()) fail(Code::internal, "decrypt_element called without a key");
    const Parts parts = read_structure(element, policy);
    // xmlsec1 reports through its error callback; the capture keeps that off the host's stderr and
    // out of every message (a message that said why the bytes failed would be an oracle).
    xml::ErrorCapture quiet;
    Decrypted out;
    out.authenticated = parts.algorithm->authenticated;
    bool found = false;
    for (const WrappedKey &w : parts.keys) {
        for (const auto &key : keys) {
            const auto session_key = unwrap(*key, w, parts.algorithm->key_bytes);
            if (!session_key) continue;
            auto plain = decrypt_data(parts.data, *parts.algorithm, *session_key);
            if (!plain) continue;
            // Never longer than the cipher text, which was capped; capped again so that no
            // decryption path can hand the parser more than the caller allowed.
            if (plain->size() > policy.max_bytes) fail_decryption(keys);
            // RSA-OAEP refuses a wrong key, and AES-GCM's tag a wrong session key: the first success
            // is the one. RSA-1_5 with AES-CBC may "succeed" with a wrong key: keep looking.
            const bool certain = w.transport.oaep || parts.algorithm->authenticated;
            if (!found) {
                out.plain_text = std::move(*plain);
                found = true;
            } else {
                out.alternatives.push_back(std::move(*plain));
            }
            if (certain) return out;
        }
    }
    if (!found) fail_decryption(keys);
    return out;
}

}  // namespace ssogate::core::crypto
