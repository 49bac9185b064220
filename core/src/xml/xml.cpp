#include "xml/xml.hpp"

#include "error.hpp"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include <climits>
#include <cstring>
#include <mutex>

namespace ssogate::core::xml {

namespace {

// The innermost live ErrorCapture of this thread. xmlsec1 reports errors through one process-wide
// callback, so the only way to give each verification its own reasons is a per-thread sink.
thread_local ErrorCapture *current_capture = nullptr;

constexpr std::size_t max_capture_bytes = 4096;

// Never prints: a library must not write to the host's stderr, and the reasons belong to the call
// that caused them (see ErrorCapture).
void xmlsec_error_callback(const char * /*file*/, int /*line*/, const char *func, const char *error_object,
                           const char *error_subject, int reason, const char *msg) {
    if (current_capture == nullptr) return;
    const char *reason_text = nullptr;
    for (xmlSecSize i = 0; xmlSecErrorsGetMsg(i) != nullptr; ++i) {
        if (xmlSecErrorsGetCode(i) == reason) {
            reason_text = xmlSecErrorsGetMsg(i);
            break;
        }
    }
    std::string report;
    if (func != nullptr) report += func;
    if (error_object != nullptr && std::strcmp(error_object, "unknown") != 0) {
        report += report.empty() ? "" : " ";
        report += "[";
        report += error_object;
        report += "]";
    }
    if (error_subject != nullptr && std::strcmp(error_subject, "unknown") != 0) {
        report += report.empty() ? "" : ": ";
        report += error_subject;
    }
    if (reason_text != nullptr) {
        report += report.empty() ? "" : ": ";
        report += reason_text;
    }
    if (msg != nullptr && *msg != '\0') {
        report += report.empty() ? "" : ": ";
        report += msg;
    }
    append_error_report(report);
}

void initialize_once() {
    xmlInitParser();
    if (xmlSecInit() < 0) fail(Code::internal, "xmlsec1 failed to initialise (xmlSecInit)");
    // The headers we compiled against must match the library loaded at run time: xmlsec1 exposes
    // structs whose layout changes between minor versions.
    if (xmlSecCheckVersion() != 1)
        fail(Code::internal, "the xmlsec1 library loaded at run time is not compatible with the headers ssogate "
                             "was built with (" XMLSEC_VERSION ")");
    if (xmlSecCryptoAppInit(nullptr) < 0)
        fail(Code::internal, "xmlsec1 failed to initialise its OpenSSL backend (xmlSecCryptoAppInit)");
    if (xmlSecCryptoInit() < 0) fail(Code::internal, "xmlsec1-openssl failed to initialise (xmlSecCryptoInit)");
    // Last: xmlsec1-openssl's init installs its own printing callback, which must be replaced.
    xmlSecErrorsSetCallback(xmlsec_error_callback);
}

// Per-parse state reached from the SAX callbacks through ctxt->_private.
struct ParseState {
    const Limits *limits = nullptr;
    bool doctype = false;
    bool over_depth = false;
    bool over_nodes = false;
    unsigned depth = 0;
    std::size_t nodes = 0;
    // The first error is the cause; libxml2's last one is often a consequence ("premature end").
    bool have_error = false;
    int error_line = 0;
    std::string error_message;
    startElementNsSAX2Func start_element = nullptr;
    endElementNsSAX2Func end_element = nullptr;
    charactersSAXFunc characters = nullptr;
    cdataBlockSAXFunc cdata = nullptr;
    commentSAXFunc comment = nullptr;
    processingInstructionSAXFunc pi = nullptr;
};

ParseState *state_of(void *ctx) {
    auto *ctxt = static_cast<xmlParserCtxtPtr>(ctx);
    return static_cast<ParseState *>(ctxt->_private);
}

// A DOCTYPE is where entity declarations live; stopping at its first callback means nothing
// declared inside it is ever registered, let alone expanded (billion laughs, external entities).
void on_internal_subset(void *ctx, const xmlChar *, const xmlChar *, const xmlChar *) {
    state_of(ctx)->doctype = true;
    xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

void on_entity_decl(void *ctx, const xmlChar *, int, const xmlChar *, const xmlChar *, xmlChar *) {
    state_of(ctx)->doctype = true;
    xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

// An entity reference reaches the tree only for an entity declared in a DTD, and a DTD stops the
// parser at its first callback; this is the second lock on the same door.
void on_reference(void *ctx, const xmlChar *) {
    state_of(ctx)->doctype = true;
    xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

// Every node the tree will hold is counted as the parser reports it, and the parse stops at the cap:
// a huge document must not cost memory first, and no walk of the finished tree is needed (this runs
// on every login). Text is counted per chunk the parser reports, which is at least once per text node.
bool count_nodes(void *ctx, ParseState *st, std::size_t n) {
    st->nodes += n;
    if (st->nodes <= st->limits->max_nodes) return true;
    st->over_nodes = true;
    xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
    return false;
}

void on_characters(void *ctx, const xmlChar *ch, int len) {
    ParseState *st = state_of(ctx);
    if (count_nodes(ctx, st, 1)) st->characters(ctx, ch, len);
}

void on_cdata(void *ctx, const xmlChar *value, int len) {
    ParseState *st = state_of(ctx);
    if (count_nodes(ctx, st, 1)) st->cdata(ctx, value, len);
}

void on_comment(void *ctx, const xmlChar *value) {
    ParseState *st = state_of(ctx);
    if (count_nodes(ctx, st, 1)) st->comment(ctx, value);
}

void on_pi(void *ctx, const xmlChar *target, const xmlChar *data) {
    ParseState *st = state_of(ctx);
    if (count_nodes(ctx, st, 1)) st->pi(ctx, target, data);
}

void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                      int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                      const xmlChar **attributes) {
    ParseState *st = state_of(ctx);
    ++st->depth;
    // Stop while building, not after: a deep or huge document must not cost memory first.
    if (st->depth > st->limits->max_depth) {
        st->over_depth = true;
        xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
        return;
    }
    if (!count_nodes(ctx, st, 1 + static_cast<std::size_t>(nb_attributes))) return;
    st->start_element(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted,
                      attributes);
}

void on_end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
    ParseState *st = state_of(ctx);
    if (st->depth > 0) --st->depth;
    st->end_element(ctx, localname, prefix, uri);
}

std::string trim_message(const char *msg) {
    std::string s = msg != nullptr ? msg : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s.empty() ? "unknown parser error" : s;
}

// Having our own structured handler keeps parse errors away from any process-wide handler the
// host (e.g. lxml) may have installed, and lets us report the first error, not the last.
void on_structured_error(void *ctx, xmlErrorPtr err) {
    if (ctx == nullptr || err == nullptr || err->level < XML_ERR_ERROR) return;
    ParseState *st = state_of(ctx);
    if (st == nullptr || st->have_error) return;
    try {
        st->error_message = trim_message(err->message);
        st->error_line = err->line;
        st->have_error = true;
    } catch (...) {
        // Out of memory: the parse still fails; only the detail is lost.
    }
}

struct CtxtDeleter {
    void operator()(xmlParserCtxt *ctxt) const noexcept {
        if (ctxt->myDoc != nullptr) {
            xmlFreeDoc(ctxt->myDoc);
            ctxt->myDoc = nullptr;
        }
        xmlFreeParserCtxt(ctxt);
    }
};

}  // namespace

void ensure_initialized() {
    static std::once_flag once;
    std::call_once(once, initialize_once);
}

void DocDeleter::operator()(xmlDoc *doc) const noexcept { xmlFreeDoc(doc); }

xmlNode *Document::root() const noexcept { return doc_ ? xmlDocGetRootElement(doc_.get()) : nullptr; }

Document parse(std::string_view bytes, const Limits &limits, std::string_view what) {
    // The size check comes first so an oversized upload costs nothing but this comparison.
    if (bytes.size() > limits.max_bytes)
        fail(Code::input_too_large, std::string(what) + " is " + std::to_string(bytes.size()) +
                                        " bytes; the limit is " + std::to_string(limits.max_bytes) + " bytes");
    if (bytes.size() > static_cast<std::size_t>(INT_MAX))
        fail(Code::input_too_large, std::string(what) + " is " + std::to_string(bytes.size()) +
                                        " bytes; the XML parser takes at most " + std::to_string(INT_MAX));
    if (bytes.empty()) fail(Code::xml_malformed, std::string(what) + " is empty: expected an XML document");
    // libxml2 stops reading at a NUL after the root element and ignores what follows, so a document with
    // trailing bytes after a NUL would parse as if they were not there: a parser differential with any
    // other consumer of the same bytes. XML text can never contain U+0000, so refuse it outright.
    // UTF-16 (announced by its byte-order mark) is decoded as a whole and has zero bytes by design.
    const bool utf16 = bytes.size() >= 2 && ((static_cast<unsigned char>(bytes[0]) == 0xFF &&
                                              static_cast<unsigned char>(bytes[1]) == 0xFE) ||
                                             (static_cast<unsigned char>(bytes[0]) == 0xFE &&
                                              static_cast<unsigned char>(bytes[1]) == 0xFF));
    if (const auto nul = bytes.find('\0'); !utf16 && nul != std::string_view::npos)
        fail(Code::xml_malformed, std::string(what) + " contains a NUL byte at offset " + std::to_string(nul) +
                                      "; XML text cannot contain NUL characters");
    ensure_initialized();

    std::unique_ptr<xmlParserCtxt, CtxtDeleter> ctxt(
        xmlCreateMemoryParserCtxt(bytes.data(), static_cast<int>(bytes.size())));
    if (!ctxt) fail(Code::out_of_memory, "could not create an XML parser context");

    // Per-context options only (never the xmlXxxDefault globals): no network, no entity
    // substitution, no DTD loading, blanks kept (signatures cover exact whitespace), no output.
    xmlCtxtUseOptions(ctxt.get(), XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

    ParseState st;
    st.limits = &limits;
    xmlSAXHandler *sax = ctxt->sax;  // this context's own copy, so changing it affects no one else
    st.start_element = sax->startElementNs;
    st.end_element = sax->endElementNs;
    st.characters = sax->characters;
    st.cdata = sax->cdataBlock;
    st.comment = sax->comment;
    st.pi = sax->processingInstruction;
    if (st.start_element == nullptr || st.end_element == nullptr || st.characters == nullptr ||
        st.cdata == nullptr || st.comment == nullptr || st.pi == nullptr)
        fail(Code::internal, "libxml2 parser context lacks a SAX2 tree-building handler");
    sax->internalSubset = on_internal_subset;
    sax->externalSubset = on_internal_subset;
    sax->entityDecl = on_entity_decl;
    sax->reference = on_reference;
    sax->startElementNs = on_start_element;
    sax->endElementNs = on_end_element;
    sax->characters = on_characters;
    // Whitespace is data here (signatures cover it): the same handler for both, which also tells
    // libxml2 never to classify blanks as ignorable, whatever a host set with xmlKeepBlanksDefault().
    sax->ignorableWhitespace = on_characters;
    sax->cdataBlock = on_cdata;
    sax->comment = on_comment;
    sax->processingInstruction = on_pi;
    sax->serror = on_structured_error;
    sax->error = nullptr;
    sax->warning = nullptr;
    ctxt->_private = &st;

    xmlParseDocument(ctxt.get());

    if (st.doctype)
        fail(Code::xml_doctype, std::string(what) + " contains a DOCTYPE; ssogate refuses DTDs and entity "
                                                    "declarations (they can expand without bound or read files)");
    if (st.over_depth)
        fail(Code::xml_limits, std::string(what) + " nests elements deeper than " + std::to_string(limits.max_depth) +
                                   " levels");
    if (st.over_nodes)
        fail(Code::xml_limits, std::string(what) + " has more than " + std::to_string(limits.max_nodes) +
                                   " XML nodes");
    if (!ctxt->wellFormed || ctxt->myDoc == nullptr) {
        std::string msg = std::string(what) + " is not well-formed XML";
        const xmlError *err = xmlCtxtGetLastError(ctxt.get());
        if (st.have_error) {
            msg += " (line " + std::to_string(st.error_line) + "): " + st.error_message;
        } else if (err != nullptr && err->code != XML_ERR_OK) {
            msg += " (line " + std::to_string(err->line) + "): " + trim_message(err->message);
        }
        fail(Code::xml_malformed, msg);
    }

    Document doc(ctxt->myDoc);
    ctxt->myDoc = nullptr;
    if (doc.get()->intSubset != nullptr || doc.get()->extSubset != nullptr)
        fail(Code::xml_doctype, std::string(what) + " contains a DOCTYPE; ssogate refuses DTDs");
    if (doc.root() == nullptr) fail(Code::xml_malformed, std::string(what) + " has no root element");
    return doc;
}

bool is_element(const xmlNode *node, const char *ns, const char *local) noexcept {
    if (node == nullptr || node->type != XML_ELEMENT_NODE || node->name == nullptr) return false;
    // Most calls are misses (walks looking for one name): the first byte settles most of them.
    if (node->name[0] != static_cast<unsigned char>(local[0])) return false;
    if (std::strcmp(reinterpret_cast<const char *>(node->name), local) != 0) return false;
    const char *node_ns = node->ns != nullptr ? reinterpret_cast<const char *>(node->ns->href) : nullptr;
    if (ns == nullptr || *ns == '\0') return node_ns == nullptr || *node_ns == '\0';
    return node_ns != nullptr && std::strcmp(node_ns, ns) == 0;
}

std::vector<xmlNode *> child_elements(const xmlNode *parent, const char *ns, const char *local) {
    std::vector<xmlNode *> out;
    if (parent == nullptr) return out;
    for (xmlNode *n = parent->children; n != nullptr; n = n->next)
        if (is_element(n, ns, local)) out.push_back(n);
    return out;
}

std::vector<xmlNode *> all_child_elements(const xmlNode *parent) {
    std::vector<xmlNode *> out;
    if (parent == nullptr) return out;
    for (xmlNode *n = parent->children; n != nullptr; n = n->next)
        if (n->type == XML_ELEMENT_NODE) out.push_back(n);
    return out;
}

xmlNode *first_child_element(const xmlNode *parent, const char *ns, const char *local) noexcept {
    if (parent == nullptr) return nullptr;
    for (xmlNode *n = parent->children; n != nullptr; n = n->next)
        if (is_element(n, ns, local)) return n;
    return nullptr;
}

xmlAttr *attribute_node(const xmlNode *node, const char *name) noexcept {
    if (node == nullptr || node->type != XML_ELEMENT_NODE) return nullptr;
    // Attributes in a namespace never match; DTD defaults do not exist (documents with a DTD are refused).
    for (xmlAttr *a = node->properties; a != nullptr; a = a->next) {
        if (a->ns != nullptr || a->name == nullptr || a->name[0] != static_cast<unsigned char>(name[0])) continue;
        if (std::strcmp(reinterpret_cast<const char *>(a->name), name) == 0) return a;
    }
    return nullptr;
}

namespace {

// The value's text and CDATA children, joined.
std::string joined_value(const xmlAttr *attr) {
    std::string value;
    for (const xmlNode *c = attr->children; c != nullptr; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content != nullptr)
            value += reinterpret_cast<const char *>(c->content);
    return value;
}

}  // namespace

std::optional<std::string> attribute(const xmlNode *node, const char *name) {
    const xmlAttr *attr = attribute_node(node, name);
    if (attr == nullptr) return std::nullopt;
    return joined_value(attr);
}

std::optional<std::string_view> AttributeReader::operator()(const xmlNode *node, const char *name) {
    const xmlAttr *attr = attribute_node(node, name);
    if (attr == nullptr) return std::nullopt;
    return value(attr);
}

std::string_view AttributeReader::value(const xmlAttr *attr) {
    const xmlNode *c = attr->children;
    if (c == nullptr) return std::string_view();
    if (c->next == nullptr && (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)) {
        return c->content != nullptr ? std::string_view(reinterpret_cast<const char *>(c->content))
                                     : std::string_view();
    }
    return joined_.emplace_back(joined_value(attr));
}

std::string text(const xmlNode *node) {
    std::string out;
    if (node == nullptr) return out;
    for (const xmlNode *c = node->children; c != nullptr; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content != nullptr)
            out += reinterpret_cast<const char *>(c->content);
    return out;
}

std::string trimmed_text(const xmlNode *node) {
    std::string s = text(node);
    auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    std::size_t b = 0, e = s.size();
    while (b < e && is_ws(s[b])) ++b;
    while (e > b && is_ws(s[e - 1])) --e;
    return s.substr(b, e - b);
}

bool has_only_text(const xmlNode *node) noexcept {
    if (node == nullptr) return false;
    for (const xmlNode *c = node->children; c != nullptr; c = c->next)
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) return false;
    return true;
}

std::string qualified_name(const xmlNode *node) {
    if (node == nullptr) return "(none)";
    std::string out = "{";
    if (node->ns != nullptr && node->ns->href != nullptr) out += reinterpret_cast<const char *>(node->ns->href);
    out += "}";
    if (node->name != nullptr) out += reinterpret_cast<const char *>(node->name);
    return out;
}

ErrorCapture::ErrorCapture() : previous_(current_capture) { current_capture = this; }

ErrorCapture::~ErrorCapture() { current_capture = previous_; }

void append_error_report(std::string_view report) noexcept {
    ErrorCapture *cap = current_capture;
    if (cap == nullptr || report.empty()) return;
    try {
        std::string &t = cap->text_;
        if (t.size() >= max_capture_bytes) return;
        if (!t.empty()) t += "; ";
        t.append(report.substr(0, max_capture_bytes - t.size()));
    } catch (...) {
        // Out of memory while recording a reason: the verification result itself still stands.
    }
}

}  // namespace ssogate::core::xml
