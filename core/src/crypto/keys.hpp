// The verification keys of one IdP, decoded once per connection (DESIGN "Keys are parsed once per
// connection, not per login").
//
// Why an object of its own: with OpenSSL 3, letting xmlsec1 load or duplicate a certificate-backed
// key for every signature doubles the cost of a verification. A KeySet holds one xmlSecKey per
// signing certificate of the metadata; crypto/dsig lends that key to each verification without
// copying it (xmlsec1 only reads the key: it takes its own reference on the EVP_PKEY inside).
#pragma once

#include "crypto/certificate.hpp"

#include <memory>
#include <string>
#include <vector>

struct _xmlSecKey;

namespace ssogate::core {
class IdpMetadata;
}

namespace ssogate::core::crypto {

// Immutable after from(); safe to share across threads.
class KeySet {
public:
    struct Entry {
        Certificate certificate;    // fingerprint and subject, for messages
        _xmlSecKey *key = nullptr;  // owned; read-only after construction
    };

    // One key per signing certificate of the metadata, in metadata order (key rollover: every one is
    // tried). Throws Error{metadata_bad_cert} if xmlsec1 cannot load a certificate's key.
    static std::shared_ptr<const KeySet> from(const IdpMetadata &idp);
    // The same from certificates directly (tests, tools).
    static std::shared_ptr<const KeySet> from_certificates(const std::vector<Certificate> &certs);

    ~KeySet();
    KeySet(const KeySet &) = delete;
    KeySet &operator=(const KeySet &) = delete;

    const std::vector<Entry> &entries() const noexcept { return entries_; }
    // "AB:CD:.. (CN=..), ..." for messages: which certificates were tried.
    std::string describe() const;

private:
    KeySet() = default;
    std::vector<Entry> entries_;
};

}  // namespace ssogate::core::crypto
