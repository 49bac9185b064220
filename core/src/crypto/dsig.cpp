#include "crypto/dsig.hpp"

#include "error.hpp"
#include "xml/xml.hpp"

#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/nodeset.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include <libxml/valid.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace ssogate::core::crypto {
namespace {

constexpr const char *ns_exc_c14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr const char *ns_xml = "http://www.w3.org/XML/1998/namespace";

bool is_ds(const xmlNode *n, const char *local) { return xml::is_element(n, xml::ns_ds, local); }

std::string_view algorithm_of(xml::AttributeReader &attr, const xmlNode *n) {
    return attr(n, "Algorithm").value_or("");
}

// IDs end up inside xmlsec1's XPointer expression id('...'), which also splits on whitespace: only
// plain tokens are acceptable, so no ID can smuggle a quote, a space or a second name into it.
bool plain_token(std::string_view v) {
    if (v.empty() || v.size() > 256) return false;
    for (char c : v) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                  c == '.' || c == ':';
        if (!ok) return false;
    }
    return true;
}

bool is_id_attribute(const xmlAttr *a) {
    const char *name = reinterpret_cast<const char *>(a->name);
    if (a->ns == nullptr) return std::strcmp(name, "ID") == 0 || std::strcmp(name, "Id") == 0;
    return std::strcmp(name, "id") == 0 && a->ns->href != nullptr &&
           std::strcmp(reinterpret_cast<const char *>(a->ns->href), ns_xml) == 0;
}

struct SignatureAlgorithm {
    const char *uri;
    bool sha1;
};
constexpr SignatureAlgorithm signature_algorithms[] = {
    {alg_rsa_sha256, false},   {alg_rsa_sha384, false},   {alg_rsa_sha512, false}, {alg_ecdsa_sha256, false},
    {alg_ecdsa_sha384, false}, {alg_ecdsa_sha512, false}, {alg_rsa_sha1, true},
};
constexpr SignatureAlgorithm digest_algorithms[] = {
    {alg_sha256, false}, {alg_sha384, false}, {alg_sha512, false}, {alg_sha1, true}};

template <std::size_t N>
void check_algorithm(std::string_view uri, const SignatureAlgorithm (&list)[N], const DsigPolicy &policy,
                     const char *what) {
    for (const auto &a : list) {
        if (uri == a.uri) {
            if (a.sha1 && !policy.allow_sha1) {
                fail(Code::signature_algorithm,
                     std::string(what) + " " + std::string(uri) +
                         " uses SHA-1, which this connection refuses; ask the IdP to sign with SHA-256, or enable "
                         "the connection's allow_sha1 setting for a legacy IdP");
            }
            return;
        }
    }
    std::string hint = uri.find("hmac") != std::string_view::npos
                           ? " (HMAC is never accepted: the key would be the public certificate)"
                           : "";
    fail(Code::signature_algorithm, std::string(what) + " '" + std::string(uri) + "' is not allowed" + hint +
                                        "; expected RSA or ECDSA with SHA-256/384/512 (SHA-256/384/512 digests)");
}

// exc-c14n may carry one ec:InclusiveNamespaces child; nothing else may hang below a method element.
void check_c14n_children(const xmlNode *method) {
    const std::string problem = inclusive_namespaces_problem(method);
    if (!problem.empty()) fail(Code::signature_transform, problem);
}

// XML 1.0 (fifth edition) NameStartChar and NameChar, without ':' (an NCName).
bool ncname_start(std::uint32_t c) {
    return (c >= 'A' && c <= 'Z') || c == '_' || (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0xD6) ||
           (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x2FF) || (c >= 0x370 && c <= 0x37D) ||
           (c >= 0x37F && c <= 0x1FFF) || (c >= 0x200C && c <= 0x200D) || (c >= 0x2070 && c <= 0x218F) ||
           (c >= 0x2C00 && c <= 0x2FEF) || (c >= 0x3001 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
           (c >= 0xFDF0 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0xEFFFF);
}

bool ncname_char(std::uint32_t c) {
    return ncname_start(c) || c == '-' || c == '.' || (c >= '0' && c <= '9') || c == 0xB7 ||
           (c >= 0x300 && c <= 0x36F) || (c >= 0x203F && c <= 0x2040);
}

// The text is UTF-8 from libxml2 (already validated); a malformed sequence makes it no NCName.
bool is_ncname(std::string_view s) {
    std::size_t i = 0;
    bool first = true;
    while (i < s.size()) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        std::uint32_t c;
        std::size_t len;
        if (b0 < 0x80) {
            c = b0;
            len = 1;
        } else if ((b0 & 0xE0) == 0xC0) {
            c = b0 & 0x1Fu;
            len = 2;
        } else if ((b0 & 0xF0) == 0xE0) {
            c = b0 & 0x0Fu;
            len = 3;
        } else if ((b0 & 0xF8) == 0xF0) {
            c = b0 & 0x07u;
            len = 4;
        } else {
            return false;
        }
        if (i + len > s.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xC0) != 0x80) return false;
            c = (c << 6) | (b & 0x3Fu);
        }
        if (!(first ? ncname_start(c) : ncname_char(c))) return false;
        first = false;
        i += len;
    }
    return !first;
}

// The prefixes of a method's InclusiveNamespaces PrefixList (already checked), split as xmlsec1 does.
std::vector<std::string> inclusive_prefixes_of(const xmlNode *method) {
    std::vector<std::string> out;
    const xmlNode *inclusive = xml::first_child_element(method, ns_exc_c14n, "InclusiveNamespaces");
    if (inclusive == nullptr) return out;
    const std::string list = xml::attribute(inclusive, "PrefixList").value_or("");
    for (std::size_t i = 0; i < list.size();) {
        if (list[i] == ' ') {
            ++i;
            continue;
        }
        std::size_t j = list.find(' ', i);
        if (j == std::string::npos) j = list.size();
        out.push_back(list.substr(i, j - i));
        i = j;
    }
    return out;
}

std::size_t inclusive_prefix_count(const xmlNode *method) { return inclusive_prefixes_of(method).size(); }

std::string algorithm_of_node(const xmlNode *method) { return xml::attribute(method, "Algorithm").value_or(""); }

std::string shown_prefix(std::string_view p) {
    std::string out;
    for (std::size_t i = 0; i < p.size() && i < 40; ++i) out += (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
    return "'" + out + (p.size() > 40 ? "...'" : "'");
}

// ds:Signature = SignedInfo, SignatureValue, KeyInfo?; ds:Object (and Manifests in it) are refused so
// nothing but the one Reference can be processed. Returns SignedInfo's children.
std::vector<xmlNode *> signed_info_of(xmlNode *signature, xmlNode *parent) {
    auto kids = xml::all_child_elements(signature);
    if (kids.size() < 2 || !is_ds(kids[0], "SignedInfo") || !is_ds(kids[1], "SignatureValue") || kids.size() > 3 ||
        (kids.size() == 3 && !is_ds(kids[2], "KeyInfo"))) {
        fail(Code::signature_malformed, "ds:Signature in " + xml::qualified_name(parent) +
                                            " must contain SignedInfo, SignatureValue and optionally KeyInfo, in "
                                            "that order, and nothing else");
    }
    auto si = xml::all_child_elements(kids[0]);
    if (si.size() < 2 || !is_ds(si[0], "CanonicalizationMethod") || !is_ds(si[1], "SignatureMethod")) {
        fail(Code::signature_malformed, "ds:SignedInfo in " + xml::qualified_name(parent) +
                                            " must start with CanonicalizationMethod and SignatureMethod");
    }
    for (std::size_t i = 2; i < si.size(); ++i) {
        if (!is_ds(si[i], "Reference")) {
            fail(Code::signature_malformed, "unexpected " + xml::qualified_name(si[i]) + " in ds:SignedInfo");
        }
    }
    if (si.size() != 3) {
        fail(Code::signature_reference, "ds:SignedInfo in " + xml::qualified_name(parent) + " has " +
                                            std::to_string(si.size() - 2) + " References; exactly one is allowed");
    }
    return si;
}

// SignedInfo's CanonicalizationMethod (exclusive c14n) and SignatureMethod (allowed, no parameters).
void check_signed_info_methods(xml::AttributeReader &attr, xmlNode *c14n_method, xmlNode *signature_method,
                               const DsigPolicy &policy, SignatureProfile &p) {
    const std::string_view c14n = algorithm_of(attr, c14n_method);
    if (c14n != alg_exc_c14n) {
        fail(Code::signature_transform, "CanonicalizationMethod is '" + std::string(c14n) +
                                            "'; expected exclusive c14n without "
                                            "comments (" +
                                            alg_exc_c14n + ")");
    }
    check_c14n_children(c14n_method);
    p.inclusive_prefixes = inclusive_prefix_count(c14n_method);
    p.signature_method = algorithm_of(attr, signature_method);
    check_algorithm(p.signature_method, signature_algorithms, policy, "SignatureMethod");
    if (!xml::all_child_elements(signature_method).empty()) {
        fail(Code::signature_algorithm, "SignatureMethod must not have child elements (such as HMACOutputLength)");
    }
}

// Transforms: enveloped-signature first, then optionally exclusive c14n, each once.
void check_transforms(xml::AttributeReader &attr, xmlNode *transforms_node, SignatureProfile &p) {
    auto transforms = xml::all_child_elements(transforms_node);
    bool enveloped = false, exc = false;
    for (std::size_t t = 0; t < transforms.size(); ++t) {
        xmlNode *tr = transforms[t];
        if (!is_ds(tr, "Transform")) {
            fail(Code::signature_transform, "unexpected " + xml::qualified_name(tr) + " in ds:Transforms");
        }
        const std::string_view alg = algorithm_of(attr, tr);
        if (alg == alg_enveloped && !enveloped && t == 0) {
            enveloped = true;
            if (!xml::all_child_elements(tr).empty()) {
                fail(Code::signature_transform, "the enveloped-signature Transform must be empty");
            }
        } else if (alg == alg_exc_c14n && !exc && enveloped) {
            exc = true;
            check_c14n_children(tr);
            p.inclusive_prefixes = std::max(p.inclusive_prefixes, inclusive_prefix_count(tr));
        } else {
            fail(Code::signature_transform, "Transform '" + std::string(alg) +
                                                "' is not allowed here; expected enveloped-signature, then optionally "
                                                "exclusive c14n without comments, each once");
        }
    }
    if (!enveloped) fail(Code::signature_transform, "the Reference has no enveloped-signature Transform");
}

// The Reference: URI "#" + the parent's ID, then Transforms, DigestMethod and DigestValue only.
void check_reference(xml::AttributeReader &attr, xmlNode *ref, xmlNode *parent, std::string_view id,
                     const DsigPolicy &policy, SignatureProfile &p) {
    auto uri = attr(ref, "URI");
    if (!uri || uri->size() != id.size() + 1 || uri->front() != '#' || uri->substr(1) != id) {
        fail(Code::signature_reference, "the Reference of the signature in " + xml::qualified_name(parent) +
                                            " has URI '" + std::string(uri.value_or("(none)")) + "'; expected '#" +
                                            std::string(id) + "', the ID of the element holding the signature");
    }
    auto rk = xml::all_child_elements(ref);
    if (rk.empty() || !is_ds(rk[0], "Transforms")) {
        fail(Code::signature_transform, "the Reference has no Transforms; expected enveloped-signature");
    }
    check_transforms(attr, rk[0], p);
    if (rk.size() != 3 || !is_ds(rk[1], "DigestMethod") || !is_ds(rk[2], "DigestValue")) {
        fail(Code::signature_malformed, "the Reference must hold Transforms, DigestMethod and DigestValue only");
    }
    p.digest_method = algorithm_of(attr, rk[1]);
    check_algorithm(p.digest_method, digest_algorithms, policy, "DigestMethod");
}

SignatureProfile check_profile(xmlDoc *doc, xmlNode *signature, const DsigPolicy &policy) {
    xmlNode *parent = signature->parent;
    if (parent == nullptr || parent->type != XML_ELEMENT_NODE) {
        fail(Code::signature_malformed, "ds:Signature has no parent element");
    }
    xml::AttributeReader attr;
    auto id = attr(parent, "ID");
    if (!id) {
        fail(Code::signature_reference,
             "the element " + xml::qualified_name(parent) + " that holds a ds:Signature has no ID attribute");
    }
    const std::vector<xmlNode *> si = signed_info_of(signature, parent);
    SignatureProfile p;
    check_signed_info_methods(attr, si[0], si[1], policy, p);
    check_reference(attr, si[2], parent, *id, policy, p);

    // Node identity: xmlsec1 resolves "#id" through the document's ID table (XPointer id()), the
    // same table we query here, and register_saml_ids() put only Response/Assertion IDs there and
    // refused duplicates. So the node the Reference digests is exactly this parent.
    p.id = *id;
    xmlAttr *registered = xmlGetID(doc, reinterpret_cast<const xmlChar *>(p.id.c_str()));
    if (registered == nullptr || registered->parent != parent) {
        fail(Code::signature_reference, "the Reference URI '#" + p.id + "' does not resolve to the element " +
                                            xml::qualified_name(parent) + " that holds the signature");
    }
    return p;
}

void enable_transforms(xmlSecDSigCtxPtr ctx, const DsigPolicy &policy) {
    // Belt and braces with check_profile(): even if a check above were wrong, xmlsec1 itself refuses
    // anything outside this list.
    xmlSecTransformId sig[] = {xmlSecTransformExclC14NId,   xmlSecTransformRsaSha256Id,   xmlSecTransformRsaSha384Id,
                               xmlSecTransformRsaSha512Id,  xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id,
                               xmlSecTransformEcdsaSha512Id};
    xmlSecTransformId ref[] = {xmlSecTransformExclC14NId, xmlSecTransformEnvelopedId, xmlSecTransformSha256Id,
                               xmlSecTransformSha384Id, xmlSecTransformSha512Id};
    for (auto t : sig) xmlSecDSigCtxEnableSignatureTransform(ctx, t);
    for (auto t : ref) xmlSecDSigCtxEnableReferenceTransform(ctx, t);
    if (policy.allow_sha1) {
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha1Id);
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha1Id);
    }
}

// Owns an xmlSecDSigCtx that borrows a KeySet key. The key must be detached before the context is
// destroyed, since xmlSecDSigCtxFinalize destroys whatever signKey points at.
class BorrowedKeyCtx {
public:
    BorrowedKeyCtx(xmlSecKeyPtr key) : ctx_(xmlSecDSigCtxCreate(nullptr)) {
        if (ctx_ == nullptr) fail(Code::out_of_memory, "xmlSecDSigCtxCreate failed");
        ctx_->signKey = key;
    }
    ~BorrowedKeyCtx() {
        ctx_->signKey = nullptr;
        xmlSecDSigCtxDestroy(ctx_);
    }
    BorrowedKeyCtx(const BorrowedKeyCtx &) = delete;
    BorrowedKeyCtx &operator=(const BorrowedKeyCtx &) = delete;
    xmlSecDSigCtxPtr get() const noexcept { return ctx_; }

private:
    xmlSecDSigCtxPtr ctx_;
};

}  // namespace

std::string inclusive_namespaces_problem(const xmlNode *method) {
    const xmlNode *inclusive = nullptr;
    for (xmlNode *c : xml::all_child_elements(method)) {
        if (xml::is_element(c, ns_exc_c14n, "InclusiveNamespaces") && inclusive == nullptr) {
            inclusive = c;
            continue;
        }
        return "unexpected " + xml::qualified_name(c) + " inside " + xml::qualified_name(method) +
               "; only one InclusiveNamespaces is allowed";
    }
    if (inclusive == nullptr) return {};
    if (!xml::all_child_elements(inclusive).empty())
        return "the InclusiveNamespaces inside " + xml::qualified_name(method) +
               " has child elements; it must be empty";
    xml::AttributeReader attr;
    const auto list = attr(inclusive, "PrefixList");
    if (!list) return "the InclusiveNamespaces inside " + xml::qualified_name(method) + " has no PrefixList";
    // Split as xmlsec1 does: on spaces only. (libxml2 has already turned literal tabs and line breaks in
    // the attribute into spaces; one written as a character reference stays, and is then no NCName.)
    std::size_t count = 0;
    for (std::size_t i = 0; i < list->size();) {
        if ((*list)[i] == ' ') {
            ++i;
            continue;
        }
        std::size_t j = list->find(' ', i);
        if (j == std::string_view::npos) j = list->size();
        const std::string_view prefix = list->substr(i, j - i);
        if (++count > max_inclusive_prefixes)
            return "the InclusiveNamespaces PrefixList inside " + xml::qualified_name(method) + " names more than " +
                   std::to_string(max_inclusive_prefixes) +
                   " prefixes; exclusive c14n searches each at every element, and real SAML signatures name a "
                   "handful (such as \"xs\")";
        if (prefix.size() > max_inclusive_prefix_length)
            return "the InclusiveNamespaces PrefixList inside " + xml::qualified_name(method) + " has a prefix of " +
                   std::to_string(prefix.size()) + " bytes; at most " + std::to_string(max_inclusive_prefix_length) +
                   " are accepted";
        if (prefix != "#default" && !is_ncname(prefix))
            return "the InclusiveNamespaces PrefixList inside " + xml::qualified_name(method) + " has " +
                   shown_prefix(prefix) + ", which is neither a namespace prefix (an NCName) nor #default";
        i = j;
    }
    return {};
}

bool canonicalization_may_be_costly(const xml::Document::Shape &shape, std::size_t inclusive_prefixes) noexcept {
    // The large benchmark response (200 attributes, 52 KB) and every response of the interop corpus
    // are well inside all of these.
    return shape.bytes > (64u << 10) || shape.max_depth > 16 || shape.max_namespaces_in_scope > 16 ||
           shape.nodes * 16 > shape.bytes || inclusive_prefixes > 1;
}

namespace {

struct DocFree {
    void operator()(xmlDoc *doc) const noexcept { xmlFreeDoc(doc); }
};

class TransformCtx {
public:
    TransformCtx() {
        if (xmlSecTransformCtxInitialize(&ctx_) < 0) fail(Code::out_of_memory, "xmlSecTransformCtxInitialize failed");
    }
    ~TransformCtx() { xmlSecTransformCtxFinalize(&ctx_); }
    TransformCtx(const TransformCtx &) = delete;
    TransformCtx &operator=(const TransformCtx &) = delete;
    xmlSecTransformCtxPtr get() noexcept { return &ctx_; }

private:
    xmlSecTransformCtx ctx_;
};

class KeyReq {
public:
    KeyReq() {
        if (xmlSecKeyReqInitialize(&req_) < 0) fail(Code::out_of_memory, "xmlSecKeyReqInitialize failed");
    }
    ~KeyReq() { xmlSecKeyReqFinalize(&req_); }
    KeyReq(const KeyReq &) = delete;
    KeyReq &operator=(const KeyReq &) = delete;
    xmlSecKeyReqPtr get() noexcept { return &req_; }

private:
    xmlSecKeyReq req_;
};

class NodeSet {
public:
    explicit NodeSet(xmlSecNodeSetPtr set) : set_(set) {
        if (set_ == nullptr) fail(Code::out_of_memory, "xmlSecNodeSetGetChildren failed");
    }
    ~NodeSet() { xmlSecNodeSetDestroy(set_); }
    NodeSet(const NodeSet &) = delete;
    NodeSet &operator=(const NodeSet &) = delete;
    xmlSecNodeSetPtr get() const noexcept { return set_; }

private:
    xmlSecNodeSetPtr set_;
};

}  // namespace

bool signature_value_verifies(xmlNode *signature, xmlSecKeyPtr key) {
    xml::ensure_initialized();
    xmlNode *signed_info = xmlSecGetNextElementNode(signature->children);
    xmlNode *value = signed_info != nullptr ? xmlSecGetNextElementNode(signed_info->next) : nullptr;
    if (signed_info == nullptr || value == nullptr || !is_ds(signed_info, "SignedInfo") ||
        !is_ds(value, "SignatureValue"))
        fail(Code::signature_malformed, "ds:Signature must contain SignedInfo and SignatureValue");

    // SignedInfo alone in a document of its own, in the context it has in the whole document.
    // libxml2's copy declares, at the copy's root, the namespaces its nodes use that were declared on
    // ancestors; every other namespace in scope is declared there too (exclusive c14n writes only
    // those used or named by its PrefixList, inclusive c14n writes them all at the top); and for
    // inclusive c14n the xml:* attributes SignedInfo inherits are put on the copy's root, where
    // inclusive c14n would have written them. The canonical bytes are then those xmlsec1 computes
    // in the whole document.
    std::unique_ptr<xmlDoc, DocFree> copy(xmlNewDoc(reinterpret_cast<const xmlChar *>("1.0")));
    xmlNode *root = copy ? xmlDocCopyNode(signed_info, copy.get(), 1) : nullptr;
    if (root == nullptr) fail(Code::out_of_memory, "could not copy ds:SignedInfo");
    xmlDocSetRootElement(copy.get(), root);
    xmlNode *c14n_method = xmlSecGetNextElementNode(root->children);
    xmlNode *sign_method = c14n_method != nullptr ? xmlSecGetNextElementNode(c14n_method->next) : nullptr;
    if (c14n_method == nullptr || sign_method == nullptr)
        fail(Code::signature_malformed, "ds:SignedInfo must start with CanonicalizationMethod and SignatureMethod");
    if (xmlNs **in_scope = xmlGetNsList(signed_info->doc, signed_info)) {
        for (xmlNs **ns = in_scope; *ns != nullptr; ++ns) {
            if ((*ns)->href == nullptr || ((*ns)->prefix == nullptr && (*ns)->href[0] == '\0')) continue;
            if (xmlSearchNs(copy.get(), root, (*ns)->prefix) != nullptr) continue;
            if (xmlNewNs(root, (*ns)->href, (*ns)->prefix) == nullptr) {
                xmlFree(in_scope);
                fail(Code::out_of_memory, "could not copy a namespace declaration");
            }
        }
        xmlFree(in_scope);
    }
    const std::string c14n_alg(algorithm_of_node(c14n_method));
    if (c14n_alg.rfind("http://www.w3.org/TR/2001/REC-xml-c14n-20010315", 0) == 0) {
        for (const xmlNode *a = signed_info->parent; a != nullptr && a->type == XML_ELEMENT_NODE; a = a->parent) {
            for (const xmlAttr *attr = a->properties; attr != nullptr; attr = attr->next) {
                if (attr->ns == nullptr || !xmlStrEqual(attr->ns->href, XML_XML_NAMESPACE)) continue;
                if (xmlHasNsProp(root, attr->name, XML_XML_NAMESPACE) != nullptr) continue;  // nearer wins
                xmlChar *v = xmlNodeListGetString(a->doc, attr->children, 1);
                xmlNs *xml_ns = xmlSearchNs(copy.get(), root, reinterpret_cast<const xmlChar *>("xml"));
                const bool ok = xml_ns != nullptr && xmlSetNsProp(root, xml_ns, attr->name, v) != nullptr;
                xmlFree(v);
                if (!ok) fail(Code::out_of_memory, "could not copy an xml: attribute");
            }
        }
    }

    // As xmlsec1 verifies SignedInfo (xmlSecDSigCtxProcessSignatureNode, xmlSecDSigCtxVerify): the
    // two methods read from their elements, the key's type checked against the SignatureMethod, the
    // node set SignedInfo and its descendants, the SignatureValue element's content compared.
    TransformCtx ctx;
    xmlSecTransformPtr c14n = xmlSecTransformCtxNodeRead(ctx.get(), c14n_method, xmlSecTransformUsageC14NMethod);
    xmlSecTransformPtr sign =
        c14n != nullptr ? xmlSecTransformCtxNodeRead(ctx.get(), sign_method, xmlSecTransformUsageSignatureMethod)
                        : nullptr;
    if (sign == nullptr) return false;
    sign->operation = xmlSecTransformOperationVerify;
    KeyReq req;
    if (xmlSecTransformSetKeyReq(sign, req.get()) < 0 || xmlSecKeyMatch(key, nullptr, req.get()) != 1) return false;
    if (xmlSecTransformSetKey(sign, key) < 0) return false;
    NodeSet nodes(xmlSecNodeSetGetChildren(copy.get(), root, 1, 0));
    if (xmlSecTransformCtxXmlExecute(ctx.get(), nodes.get()) < 0) return false;
    if (xmlSecTransformVerifyNodeContent(sign, value, ctx.get()) < 0) return false;
    return sign->status == xmlSecTransformStatusOk;
}

void IdRegistry::visit(xmlNode *element) {
    for (xmlAttr *a = element->properties; a != nullptr; a = a->next) {
        if (!is_id_attribute(a)) continue;
        const std::string_view value = values_.value(a);
        const bool saml = a->ns == nullptr && a->name[0] == 'I' && a->name[1] == 'D' && a->name[2] == '\0' &&
                          (xml::is_element(element, xml::ns_samlp, "Response") ||
                           xml::is_element(element, xml::ns_saml, "Assertion"));
        entries_.push_back(Entry{value, element, a, saml});
    }
}

void IdRegistry::commit(xmlDoc *doc) {
    // Duplicates among all ID-like values: a pairwise look for the handful a SAML document carries,
    // a sort beyond that (a hostile document may carry thousands).
    auto duplicate = [](const Entry &first, const Entry &second) {
        fail(Code::duplicate_id, "the ID value '" + std::string(first.value.substr(0, 80)) + "' appears on both " +
                                     xml::qualified_name(first.element) + " and " +
                                     xml::qualified_name(second.element) + "; IDs must be unique (signature wrapping)");
    };
    if (entries_.size() <= 16) {
        for (std::size_t i = 0; i < entries_.size(); ++i)
            for (std::size_t j = i + 1; j < entries_.size(); ++j)
                if (entries_[i].value == entries_[j].value) duplicate(entries_[i], entries_[j]);
    } else {
        std::vector<const Entry *> sorted;
        sorted.reserve(entries_.size());
        for (const Entry &e : entries_) sorted.push_back(&e);
        // Stable, so the pair named is the first two in document order.
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const Entry *x, const Entry *y) { return x->value < y->value; });
        for (std::size_t i = 1; i < sorted.size(); ++i)
            if (sorted[i - 1]->value == sorted[i]->value) duplicate(*sorted[i - 1], *sorted[i]);
    }
    for (const Entry &e : entries_) {
        if (!e.saml) continue;
        if (!plain_token(e.value)) {
            fail(Code::signature_reference,
                 "the ID of " + xml::qualified_name(e.element) + " is empty or has characters outside [A-Za-z0-9_.:-]");
        }
    }
    for (const Entry &e : entries_) {
        if (!e.saml) continue;
        // plain_token() bounds the value to 256 characters; xmlGetID and xmlAddID want it terminated.
        const std::string value(e.value);
        const xmlChar *v = reinterpret_cast<const xmlChar *>(value.c_str());
        xmlAttr *existing = xmlGetID(doc, v);
        if (existing != nullptr) {
            if (existing == e.attr) continue;
            fail(Code::duplicate_id, "the ID value '" + value.substr(0, 80) + "' is already declared elsewhere");
        }
        if (xmlAddID(nullptr, doc, v, e.attr) == nullptr) {
            fail(Code::duplicate_id, "cannot register the ID '" + value.substr(0, 80) + "'");
        }
    }
}

void register_saml_ids(xmlDoc *doc) {
    IdRegistry registry;
    xmlNode *root = xmlDocGetRootElement(doc);
    // Iterative walk: depth is capped by the parser, but recursion is not needed anyway.
    for (xmlNode *n = root; n != nullptr;) {
        if (n->type == XML_ELEMENT_NODE) registry.visit(n);
        if (n->children != nullptr && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n != nullptr && n != root && n->next == nullptr) n = n->parent;
        if (n == nullptr || n == root) break;
        n = n->next;
    }
    registry.commit(doc);
}

SignatureProfile check_signature_profile(xmlDoc *doc, xmlNode *signature, const DsigPolicy &policy) {
    return check_profile(doc, signature, policy);
}

VerifiedSignature verify_enveloped(xmlDoc *doc, xmlNode *signature, const KeySet &keys, const DsigPolicy &policy) {
    return verify_enveloped(signature, check_profile(doc, signature, policy), keys, policy);
}

VerifiedSignature verify_enveloped(xmlNode *signature, const SignatureProfile &profile, const KeySet &keys,
                                   const DsigPolicy &policy) {
    xml::ensure_initialized();
    // Only for messages, so built only when one is needed.
    auto where = [&] { return xml::qualified_name(signature->parent) + " ID=" + profile.id; };
    if (keys.entries().empty()) {
        fail(Code::signature_invalid, "the signature on " + where() + " cannot be checked: no trusted certificate");
    }
    std::vector<const KeySet::Entry *> candidates;
    for (const auto &entry : keys.entries()) candidates.push_back(&entry);
    if (policy.signature_value_first) {
        // Only a key that verifies the SignatureValue over SignedInfo reaches xmlsec1, whose digest
        // of the Reference would otherwise cost a canonicalization of the whole document per key,
        // for anyone with a key of their own.
        const KeySet::Entry *signer = nullptr;
        std::string details;
        for (const KeySet::Entry *entry : candidates) {
            xml::ErrorCapture capture;
            if (signature_value_verifies(signature, entry->key)) {
                signer = entry;
                break;
            }
            if (!capture.text().empty()) details += (details.empty() ? "" : "; ") + capture.text();
        }
        if (signer == nullptr) {
            fail(Code::signature_invalid,
                 "the signature on " + where() + " (" + profile.signature_method +
                     ") does not verify with any trusted certificate from the IdP metadata; tried " + keys.describe() +
                     ". Its SignatureValue was checked over SignedInfo before the document was canonicalized (it is "
                     "large, deeply nested or has many namespace declarations)" +
                     (details.empty() ? std::string() : ". Details: " + details.substr(0, 1500)));
        }
        candidates = {signer};
    }
    std::string reasons;
    for (const KeySet::Entry *candidate : candidates) {
        const KeySet::Entry &entry = *candidate;
        xml::ErrorCapture capture;
        BorrowedKeyCtx ctx(entry.key);
        xmlSecDSigCtxPtr c = ctx.get();
        c->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
        c->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
        enable_transforms(c, policy);
        int rc = xmlSecDSigCtxVerify(c, signature);
        xmlSecSize nrefs = xmlSecPtrListGetSize(&c->signedInfoReferences);
        auto *refctx = nrefs == 1
                           ? static_cast<xmlSecDSigReferenceCtxPtr>(xmlSecPtrListGetItem(&c->signedInfoReferences, 0))
                           : nullptr;
        if (rc == 0 && c->status == xmlSecDSigStatusSucceeded) {
            const char *uri = refctx != nullptr ? reinterpret_cast<const char *>(refctx->uri) : nullptr;
            if (uri == nullptr || refctx->status != xmlSecDSigStatusSucceeded || uri[0] != '#' ||
                profile.id != uri + 1) {
                fail(Code::signature_reference,
                     "xmlsec1 verified a different Reference than the one checked for " + where());
            }
            return VerifiedSignature{signature->parent, profile.signature_method, profile.digest_method,
                                     entry.certificate.sha256};
        }
        if (refctx != nullptr && refctx->status == xmlSecDSigStatusInvalid) {
            // The digest is computed before any key is used: no other key can help.
            fail(Code::signature_invalid, "the digest of " + where() +
                                              " does not match its signature's DigestValue: the element was changed "
                                              "after it was signed");
        }
        if (!reasons.empty()) reasons += "; ";
        reasons += entry.certificate.sha256 + ": " +
                   (rc == 0 ? std::string("signature value does not verify")
                            : "xmlsec1 error" + (capture.text().empty() ? std::string() : " (" + capture.text() + ")"));
    }
    fail(Code::signature_invalid, "the signature on " + where() + " (" + profile.signature_method +
                                      ") does not verify with any trusted certificate from the IdP metadata; tried " +
                                      keys.describe() + ". Details: " + reasons.substr(0, 1500));
}

}  // namespace ssogate::core::crypto
