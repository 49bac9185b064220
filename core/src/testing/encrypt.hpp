// The testing IdP's XML Encryption: an element's XML encrypted to an SP certificate the way IdPs do
// it (an EncryptedData with its EncryptedKey inside its KeyInfo or beside it), with every algorithm
// ssogate accepts and some it refuses, so tests can post what Okta, AD FS or Shibboleth would.
#pragma once

#include <string>

namespace ssogate::core::testing {

// Where the EncryptedKey goes.
enum class KeyPlacement {
    in_key_info,       // inside the EncryptedData's KeyInfo (AD FS, Shibboleth, PingFederate)
    retrieval_method,  // beside the EncryptedData, named by a ds:RetrievalMethod (Okta)
    carried_key_name,  // beside it, named by KeyName and CarriedKeyName
};

struct Encryption {
    std::string certificate_pem;  // the SP's encryption certificate (RSA)
    // rsa-oaep-mgf1p (SHA-1), xmlenc11 rsa-oaep (written with SHA-256 and MGF1-SHA-256) or rsa-1_5.
    std::string key_transport = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    // AES-128/256-GCM (xmlenc11) or AES-128/256-CBC (xmlenc).
    std::string data_algorithm = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
    KeyPlacement placement = KeyPlacement::in_key_info;
    // What is encrypted: the Assertion (after it is signed), and, inside it before it is signed, the
    // NameID (as an EncryptedID) and each Attribute (as an EncryptedAttribute).
    bool assertion = true;
    bool nameid = false;
    bool attributes = false;
};

// `<saml:{wrapper} xmlns:saml=...>` holding the EncryptedData of `plain_xml` (and its EncryptedKey):
// wrapper is "EncryptedAssertion", "EncryptedID" or "EncryptedAttribute". Throws
// Error{invalid_argument} for an algorithm it does not know or a certificate that is not RSA.
std::string encrypt_element(const std::string &plain_xml, const Encryption &e,
                            const std::string &wrapper = "EncryptedAssertion");

}  // namespace ssogate::core::testing
