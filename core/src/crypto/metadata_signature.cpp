#include "crypto/metadata_signature.hpp"

#include "crypto/dsig.hpp"
#include "error.hpp"
#include "util/text.hpp"
#include "xml/xml.hpp"

#include <libxml/valid.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace ssogate::core::crypto {

namespace {

constexpr const char *ns_ds = xml::ns_ds;

enum class Role { c14n, transform, signature, digest };

struct Algorithm {
    const char *uri;
    Role role;
    bool sha1;
};

// The allow-list. c14n 1.0 variants with comments are accepted because aggregates use them after
// URI="" (whose node-set excludes comments anyway), and the importer reads text by concatenating
// text nodes, so a comment cannot change what it reads.
constexpr Algorithm algorithms[] = {
    {"http://www.w3.org/TR/2001/REC-xml-c14n-20010315", Role::c14n, false},
    {"http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments", Role::c14n, false},
    {"http://www.w3.org/2001/10/xml-exc-c14n#", Role::c14n, false},
    {"http://www.w3.org/2001/10/xml-exc-c14n#WithComments", Role::c14n, false},
    {"http://www.w3.org/2000/09/xmldsig#enveloped-signature", Role::transform, false},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", Role::signature, false},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", Role::signature, false},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", Role::signature, false},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", Role::signature, false},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", Role::signature, false},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", Role::signature, false},
    {"http://www.w3.org/2000/09/xmldsig#rsa-sha1", Role::signature, true},
    {"http://www.w3.org/2001/04/xmlenc#sha256", Role::digest, false},
    {"http://www.w3.org/2001/04/xmldsig-more#sha384", Role::digest, false},
    {"http://www.w3.org/2001/04/xmlenc#sha512", Role::digest, false},
    {"http://www.w3.org/2000/09/xmldsig#sha1", Role::digest, true},
};

[[noreturn]] void invalid(const std::string &why) {
    fail(Code::metadata_signature_invalid, "the metadata's signature is not acceptable: " + why);
}

std::string algorithm_of(const xmlNode *node, const char *what) {
    auto alg = xml::attribute(node, "Algorithm");
    if (!alg || alg->empty()) invalid(std::string(what) + " has no Algorithm");
    return *alg;
}

// Refuses anything outside the allow-list before xmlsec1 sees it, so the message names the
// offending algorithm instead of a generic xmlsec1 failure.
void check_algorithm(const std::string &uri, Role role, const char *what, const MetadataSignaturePolicy &policy) {
    for (const Algorithm &a : algorithms) {
        if (uri == a.uri && a.role == role) {
            if (a.sha1 && !policy.allow_sha1)
                invalid(std::string(what) + " is " + uri + " (SHA-1), which is refused unless SHA-1 is allowed");
            return;
        }
    }
    invalid(std::string(what) + " " + uri + " is not allowed");
}

struct DsigCtxFree {
    void operator()(xmlSecDSigCtx *ctx) const noexcept { xmlSecDSigCtxDestroy(ctx); }
};
struct KeyFree {
    void operator()(xmlSecKey *key) const noexcept { xmlSecKeyDestroy(key); }
};

// The number of prefixes in a method's InclusiveNamespaces PrefixList (already checked).
std::size_t inclusive_prefix_count_of(const xmlNode *method) {
    const xmlNode *inclusive =
        xml::first_child_element(method, "http://www.w3.org/2001/10/xml-exc-c14n#", "InclusiveNamespaces");
    if (inclusive == nullptr) return 0;
    const std::string list = xml::attribute(inclusive, "PrefixList").value_or("");
    std::size_t n = 0;
    for (std::size_t i = 0; i < list.size(); ++i)
        if (list[i] != ' ' && (i == 0 || list[i - 1] == ' ')) ++n;
    return n;
}

void enable(int rc, const char *what) {
    if (rc < 0) fail(Code::internal, std::string("xmlsec1 refused to enable ") + what);
}

}  // namespace

namespace {

// The one enveloped ds:Signature directly inside the root.
xmlNode *only_signature(xmlNode *root) {
    std::vector<xmlNode *> signatures = xml::child_elements(root, ns_ds, "Signature");
    if (signatures.empty())
        fail(Code::metadata_unsigned, "the metadata is not signed (no ds:Signature in its root element " +
                                          xml::qualified_name(root) +
                                          ") but a trusted signer was given: get the signed metadata from your "
                                          "federation or IdP, or import it without a trusted signer");
    if (signatures.size() > 1)
        invalid("its root element carries " + std::to_string(signatures.size()) + " ds:Signature elements");
    return signatures.front();
}

struct SignedInfoParts {
    xmlNode *canonicalization = nullptr;
    xmlNode *reference = nullptr;
};

// Structure first: exactly what an enveloped signature over the root looks like, with allowed algorithms.
SignedInfoParts check_signed_info(xmlNode *signature, const MetadataSignaturePolicy &policy) {
    std::vector<xmlNode *> parts = xml::all_child_elements(signature);
    if (parts.empty() || !xml::is_element(parts[0], ns_ds, "SignedInfo")) invalid("ds:SignedInfo is missing");
    if (parts.size() < 2 || !xml::is_element(parts[1], ns_ds, "SignatureValue"))
        invalid("ds:SignatureValue does not follow ds:SignedInfo");
    for (std::size_t i = 2; i < parts.size(); ++i)
        if (xml::is_element(parts[i], ns_ds, "Object")) invalid("ds:Object elements are not accepted");

    std::vector<xmlNode *> si = xml::all_child_elements(parts[0]);
    if (si.size() < 3 || !xml::is_element(si[0], ns_ds, "CanonicalizationMethod") ||
        !xml::is_element(si[1], ns_ds, "SignatureMethod"))
        invalid("ds:SignedInfo must hold CanonicalizationMethod, SignatureMethod and one Reference");
    check_algorithm(algorithm_of(si[0], "CanonicalizationMethod"), Role::c14n, "CanonicalizationMethod", policy);
    // The same bound on InclusiveNamespaces as for responses: xmlsec1 canonicalizes before it checks
    // the signer's key.
    if (const std::string problem = inclusive_namespaces_problem(si[0]); !problem.empty()) invalid(problem);
    check_algorithm(algorithm_of(si[1], "SignatureMethod"), Role::signature, "SignatureMethod", policy);
    if (si.size() != 3 || !xml::is_element(si[2], ns_ds, "Reference"))
        invalid("ds:SignedInfo must hold exactly one ds:Reference; it has " + std::to_string(si.size() - 2) +
                " elements after SignatureMethod");
    return {si[0], si[2]};
}

// The Reference URI is "" or "#" + the root's ID, and that ID resolves to the root and nothing else.
void check_reference_uri(xmlDoc *doc, xmlNode *root, xmlNode *reference) {
    auto uri = xml::attribute(reference, "URI");
    if (!uri) invalid("the ds:Reference has no URI; expected \"\" or \"#\" + the root's ID");
    if (uri->empty()) return;
    auto root_id = xml::attribute(root, "ID");
    if (uri->front() != '#' || !root_id || uri->substr(1) != *root_id)
        invalid("the ds:Reference URI is \"" + util::printable(*uri) + "\"; expected \"\"" +
                (root_id ? " or \"#" + *root_id + "\" (the root's ID)" : std::string{}));
    // xmlAddID fails when the value is already registered (a second import of the same document, or an
    // xml:id elsewhere); then the registered attribute must be the root's own.
    xmlAttr *attr = xmlHasNsProp(root, reinterpret_cast<const xmlChar *>("ID"), nullptr);
    const auto *id_value = reinterpret_cast<const xmlChar *>(root_id->c_str());
    if (xmlGetID(doc, id_value) == nullptr) xmlAddID(nullptr, doc, id_value, attr);
    xmlAttr *registered = xmlGetID(doc, id_value);
    if (registered == nullptr || registered->parent != root)
        invalid("the ID \"" + util::printable(*root_id) + "\" of the root element also names another element");
}

// The Reference's transforms (enveloped-signature and at most one canonicalization) and its digest
// method. Returns the transforms, for the cost estimate.
std::vector<xmlNode *> check_reference_body(xmlNode *reference, const MetadataSignaturePolicy &policy) {
    std::vector<xmlNode *> ref_parts = xml::all_child_elements(reference);
    std::vector<xmlNode *> transforms;
    std::size_t k = 0;
    if (k < ref_parts.size() && xml::is_element(ref_parts[k], ns_ds, "Transforms")) {
        transforms = xml::all_child_elements(ref_parts[k]);
        if (transforms.empty() || transforms.size() > 2)
            invalid("the ds:Reference has " + std::to_string(transforms.size()) +
                    " transforms; expected enveloped-signature and at most one canonicalization");
        for (xmlNode *t : transforms) {
            if (!xml::is_element(t, ns_ds, "Transform"))
                invalid("ds:Transforms holds an element that is not ds:Transform");
            std::string alg = algorithm_of(t, "Transform");
            bool ok = false;
            for (const Algorithm &a : algorithms)
                if (alg == a.uri && (a.role == Role::transform || a.role == Role::c14n)) ok = true;
            if (!ok) invalid("the transform " + alg + " is not allowed");
            if (const std::string problem = inclusive_namespaces_problem(t); !problem.empty()) invalid(problem);
        }
        ++k;
    }
    if (k >= ref_parts.size() || !xml::is_element(ref_parts[k], ns_ds, "DigestMethod"))
        invalid("the ds:Reference has no DigestMethod");
    check_algorithm(algorithm_of(ref_parts[k], "DigestMethod"), Role::digest, "DigestMethod", policy);
    return transforms;
}

// An xmlsec1 context that verifies with the trusted key alone: with signKey set and no keys manager,
// xmlsec1 never consults KeyInfo. Only the allowed algorithms are enabled.
std::unique_ptr<xmlSecDSigCtx, DsigCtxFree> trusted_context(const Certificate &trusted,
                                                            const MetadataSignaturePolicy &policy) {
    std::unique_ptr<xmlSecKey, KeyFree> key(xmlSecCryptoAppKeyLoadMemory(
        reinterpret_cast<const xmlSecByte *>(trusted.der.data()), static_cast<xmlSecSize>(trusted.der.size()),
        xmlSecKeyDataFormatCertDer, nullptr, nullptr, nullptr));
    if (!key)
        fail(Code::invalid_argument, "xmlsec1 cannot load the key of the trusted signer certificate " + trusted.sha256);
    std::unique_ptr<xmlSecDSigCtx, DsigCtxFree> ctx(xmlSecDSigCtxCreate(nullptr));
    if (!ctx) fail(Code::out_of_memory, "could not create an xmlsec1 signature context");
    ctx->signKey = key.release();
    ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument;

    // SignedInfo: canonicalization and signature methods.
    for (xmlSecTransformId id :
         {xmlSecTransformInclC14NId, xmlSecTransformInclC14NWithCommentsId, xmlSecTransformExclC14NId,
          xmlSecTransformExclC14NWithCommentsId, xmlSecTransformRsaSha256Id, xmlSecTransformRsaSha384Id,
          xmlSecTransformRsaSha512Id, xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id,
          xmlSecTransformEcdsaSha512Id})
        enable(xmlSecDSigCtxEnableSignatureTransform(ctx.get(), id), "a SignedInfo transform");
    if (policy.allow_sha1)
        enable(xmlSecDSigCtxEnableSignatureTransform(ctx.get(), xmlSecTransformRsaSha1Id), "rsa-sha1");

    // Reference: transforms and digest.
    for (xmlSecTransformId id :
         {xmlSecTransformEnvelopedId, xmlSecTransformInclC14NId, xmlSecTransformInclC14NWithCommentsId,
          xmlSecTransformExclC14NId, xmlSecTransformExclC14NWithCommentsId, xmlSecTransformSha256Id,
          xmlSecTransformSha384Id, xmlSecTransformSha512Id})
        enable(xmlSecDSigCtxEnableReferenceTransform(ctx.get(), id), "a reference transform");
    if (policy.allow_sha1) enable(xmlSecDSigCtxEnableReferenceTransform(ctx.get(), xmlSecTransformSha1Id), "sha1");
    return ctx;
}

}  // namespace

void verify_metadata_signature(xmlDoc *doc, const Certificate &trusted, const MetadataSignaturePolicy &policy) {
    xml::ensure_initialized();
    xmlNode *root = doc != nullptr ? xmlDocGetRootElement(doc) : nullptr;
    if (root == nullptr) fail(Code::internal, "verify_metadata_signature called without a document");

    xmlNode *signature = only_signature(root);
    const SignedInfoParts si = check_signed_info(signature, policy);
    check_reference_uri(doc, root, si.reference);
    const std::vector<xmlNode *> transforms = check_reference_body(si.reference, policy);
    auto ctx = trusted_context(trusted, policy);

    xml::ErrorCapture capture;
    auto reason = [&capture]() {
        return capture.text().empty() ? std::string{} : " (xmlsec1: " + capture.text() + ")";
    };
    // The same order as for responses: a document whose canonicalization may be costly is digested
    // only once its SignatureValue verified with the trusted key.
    std::size_t prefixes = inclusive_prefix_count_of(si.canonicalization);
    for (xmlNode *t : transforms) prefixes = std::max(prefixes, inclusive_prefix_count_of(t));
    if (canonicalization_may_be_costly(policy.document, prefixes) && !signature_value_verifies(signature, ctx->signKey))
        invalid("it does not verify with the trusted signer's key " + trusted.sha256 + " (" + trusted.subject +
                "); its SignatureValue was checked over SignedInfo before the document was canonicalized" + reason());
    int rc = xmlSecDSigCtxVerify(ctx.get(), signature);
    if (rc < 0) invalid("xmlsec1 could not process it" + reason());
    if (ctx->status != xmlSecDSigStatusSucceeded)
        invalid("it does not verify with the trusted signer's key " + trusted.sha256 + " (" + trusted.subject + ")" +
                reason());
    if (xmlSecPtrListGetSize(&ctx->signedInfoReferences) != 1)
        invalid("xmlsec1 processed " + std::to_string(xmlSecPtrListGetSize(&ctx->signedInfoReferences)) +
                " references; expected 1");
}

}  // namespace ssogate::core::crypto
