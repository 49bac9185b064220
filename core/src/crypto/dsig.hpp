// Verification of one enveloped XML signature (ds:Signature) with xmlsec1, behind our own profile
// check (DESIGN principle 3: allow-listed algorithms and transforms, exactly one Reference that points
// at the signature's parent, keys only from the metadata).
#pragma once

#include "crypto/keys.hpp"
#include "xml/xml.hpp"

#include <libxml/tree.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core::crypto {

inline constexpr const char *alg_exc_c14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
inline constexpr const char *alg_enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
inline constexpr const char *alg_rsa_sha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
inline constexpr const char *alg_rsa_sha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
inline constexpr const char *alg_rsa_sha384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
inline constexpr const char *alg_rsa_sha512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
inline constexpr const char *alg_ecdsa_sha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
inline constexpr const char *alg_ecdsa_sha384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
inline constexpr const char *alg_ecdsa_sha512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512";
inline constexpr const char *alg_sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";
inline constexpr const char *alg_sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
inline constexpr const char *alg_sha384 = "http://www.w3.org/2001/04/xmldsig-more#sha384";
inline constexpr const char *alg_sha512 = "http://www.w3.org/2001/04/xmlenc#sha512";

// ec:InclusiveNamespaces (exclusive c14n): exclusive c14n searches every prefix of its PrefixList at
// every element of the document, through every namespace declaration in scope, and does it again for
// each canonicalization xmlsec1 runs (SignedInfo, the Reference); xmlsec1 does it before any key is
// tried. Real SAML signatures name one prefix ("xs") or a handful ("#default saml samlp ds xs xsi").
inline constexpr std::size_t max_inclusive_prefixes = 16;
inline constexpr std::size_t max_inclusive_prefix_length = 64;

// The children of an exclusive c14n method element (ds:CanonicalizationMethod or ds:Transform): at most
// one ec:InclusiveNamespaces and nothing else; it has no child elements and a PrefixList of at most
// max_inclusive_prefixes names separated by spaces, each "#default" or an NCName of at most
// max_inclusive_prefix_length bytes. Returns what is wrong, for a message, or "" when all is well.
std::string inclusive_namespaces_problem(const xmlNode *method);

struct DsigPolicy {
    bool allow_sha1 = false;  // rsa-sha1 / sha1 digests (ConnectionSettings::allow_sha1)
    // Check the SignatureValue over SignedInfo, with each key, before xmlsec1 digests the Reference
    // (see canonicalization_may_be_costly); the one key that verifies it is then the only one
    // xmlsec1 is given.
    bool signature_value_first = false;
};

// What a successful verification established.
struct VerifiedSignature {
    xmlNode *signed_element = nullptr;  // the signature's parent; the node the Reference resolved to
    std::string signature_method;
    std::string digest_method;
    std::string certificate_sha256;  // the metadata certificate whose key verified it
};

// Registers the `ID` attribute of every samlp:Response and saml:Assertion element in the document's
// ID table (so "#id" references resolve only to them) after checking that no ID value appears twice
// among all ID-like attributes (ID, Id, xml:id) of the document. Throws Error{duplicate_id}, or
// Error{signature_reference} for an ID value that is empty or not a plain token. Call once per
// document, before verify_enveloped().
void register_saml_ids(xmlDoc *doc);

// register_saml_ids() for a caller that already walks the whole tree: visit() every element in
// document order (the root included), then commit() once. Same checks, same errors; commit() throws.
class IdRegistry {
public:
    void visit(xmlNode *element);
    void commit(xmlDoc *doc);

private:
    struct Entry {
        std::string_view value;  // read by `values_`
        xmlNode *element;
        xmlAttr *attr;
        bool saml;  // the ID attribute of a samlp:Response or saml:Assertion: registered
    };
    std::vector<Entry> entries_;
    xml::AttributeReader values_;
};

// The profile check alone (no cryptography): lets a caller refuse a document by the shape of all its
// signatures before verifying any. Same errors as verify_enveloped() minus signature_invalid.
// What check_signature_profile() established about one signature, to hand to verify_enveloped().
struct SignatureProfile {
    std::string id;  // the ID of the signed element (the signature's parent), which the Reference names
    std::string signature_method;
    std::string digest_method;
    std::size_t inclusive_prefixes = 0;  // the longer PrefixList of the two c14n methods
};
SignatureProfile check_signature_profile(xmlDoc *doc, xmlNode *signature, const DsigPolicy &policy);

// xmlsec1 canonicalizes the whole document for the Reference and again for SignedInfo (it walks
// every node whatever the node set), once per key it tries, and only then looks at the
// SignatureValue: an unsigned document costs a full canonicalization per key, and exclusive c14n
// costs per node grow with the nesting depth, the declarations in scope and the PrefixList. Real
// responses are small, shallow and plain, where that costs little; this says when a document is
// not (over 64 KiB, nested deeper than 16, more than 16 declarations in scope, more than one node
// per 16 bytes, or a PrefixList of more than one prefix), so that the SignatureValue is checked
// first (DsigPolicy::signature_value_first).
bool canonicalization_may_be_costly(const xml::Document::Shape &shape, std::size_t inclusive_prefixes) noexcept;

// Whether `signature`'s SignatureValue verifies over its SignedInfo with `key`, computed as xmlsec1
// computes it (the CanonicalizationMethod and SignatureMethod transforms, read from the elements)
// on a copy of SignedInfo alone, standalone, carrying the namespaces in scope it uses or its
// PrefixList names: microseconds, however large the document. Call after check_signature_profile
// (which guarantees the shape). Errors from xmlsec1 go to the calling thread's ErrorCapture.
bool signature_value_verifies(xmlNode *signature, _xmlSecKey *key);

// Checks the profile of `signature` (a ds:Signature element) and verifies it with each key of `keys`
// in turn (key rollover). Throws Error with signature_malformed, signature_algorithm,
// signature_transform, signature_reference or signature_invalid (the message lists the certificates
// tried and xmlsec1's reason). Never reads KeyInfo.
VerifiedSignature verify_enveloped(xmlDoc *doc, xmlNode *signature, const KeySet &keys, const DsigPolicy &policy);
// The same for a signature whose profile the caller has just checked (check_signature_profile() on
// the same document, unchanged since): the profile check is not repeated.
VerifiedSignature verify_enveloped(xmlNode *signature, const SignatureProfile &profile, const KeySet &keys,
                                   const DsigPolicy &policy);

}  // namespace ssogate::core::crypto
