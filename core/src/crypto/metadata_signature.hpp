// The optional check of a metadata document's own XML signature (federation aggregates are signed
// by the federation operator, whose certificate the caller trusts out of band).
#pragma once

#include "crypto/certificate.hpp"
#include "xml/xml.hpp"

#include <libxml/tree.h>

namespace ssogate::core::crypto {

struct MetadataSignaturePolicy {
    // rsa-sha1 / sha1 digests; off by default (DESIGN principle 3). Long-lived federation
    // aggregates (e.g. SWAMID's) are still signed with SHA-1.
    bool allow_sha1 = false;
    // What parse() measured of the document (xml::Document::shape()): when canonicalizing it may be
    // costly (crypto::canonicalization_may_be_costly), the SignatureValue is checked over SignedInfo
    // with the trusted key before xmlsec1 digests the whole document.
    xml::Document::Shape document;
};

// Verifies the enveloped ds:Signature that is a direct child of the document's root element with
// the key of `trusted` only (KeyInfo in the document is never read). The one Reference must be ""
// or "#" + the root's ID attribute; only c14n 1.0 / exclusive c14n and enveloped-signature
// transforms and SHA-2 RSA/ECDSA algorithms are accepted. Registers the root's ID attribute in the
// document's ID table. Throws Error{metadata_unsigned} when there is no such signature and
// Error{metadata_signature_invalid} (with the reason, xmlsec1's included) when it does not verify.
void verify_metadata_signature(xmlDoc *doc, const Certificate &trusted, const MetadataSignaturePolicy &policy);

}  // namespace ssogate::core::crypto
