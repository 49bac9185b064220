#include "crypto/keys.hpp"

#include "error.hpp"
#include "metadata/idp.hpp"
#include "xml/xml.hpp"

#include <xmlsec/keys.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/xmlsec.h>

namespace ssogate::core::crypto {

KeySet::~KeySet() {
    for (auto &e : entries_) {
        if (e.key != nullptr) xmlSecKeyDestroy(e.key);
    }
}

std::shared_ptr<const KeySet> KeySet::from(const IdpMetadata &idp) {
    return from_certificates(idp.signing_certificates());
}

std::shared_ptr<const KeySet> KeySet::from_certificates(const std::vector<Certificate> &certs) {
    xml::ensure_initialized();
    std::shared_ptr<KeySet> set(new KeySet());
    set->entries_.reserve(certs.size());
    for (const auto &cert : certs) {
        // The importer refuses weak keys already; checked again here because KeySet can be built
        // from certificates directly (or from a connection file written elsewhere), and a verifier must
        // never trust a key that makes forgery easy.
        if (const std::string weakness = key_weakness(cert); !weakness.empty()) {
            fail(Code::metadata_weak_key, "signing certificate " + cert.sha256 + " has " + weakness);
        }
        xml::ErrorCapture capture;
        // Loads the certificate's public key (and the certificate as X509 key data, unused for trust).
        xmlSecKeyPtr key = xmlSecOpenSSLAppKeyLoadMemory(reinterpret_cast<const xmlSecByte *>(cert.der.data()),
                                                         static_cast<xmlSecSize>(cert.der.size()),
                                                         xmlSecKeyDataFormatCertDer, nullptr, nullptr, nullptr);
        if (key == nullptr) {
            fail(Code::metadata_bad_cert, "xmlsec1 cannot load the public key of signing certificate " + cert.sha256 +
                                              " (" + cert.subject + "): " + capture.text());
        }
        set->entries_.push_back(Entry{cert, key});
    }
    return set;
}

std::string KeySet::describe() const {
    std::string out;
    for (const auto &e : entries_) {
        if (!out.empty()) out += ", ";
        out += "SHA-256 " + e.certificate.sha256 + " (" + e.certificate.subject + ")";
    }
    return out.empty() ? "no certificate" : out;
}

}  // namespace ssogate::core::crypto
