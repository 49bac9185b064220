// The only code that touches libxml2 directly (crypto/ adds xmlsec1 on top of these documents).
//
// Parsing is safe by construction (DESIGN principle 4): options are set per parser context, never as
// libxml2 process-wide defaults (a host may run lxml in the same process); a DOCTYPE or entity
// declaration stops the parser from its SAX callback before anything is expanded; the network is
// never touched; size, depth and node count are capped.
#pragma once

#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core::xml {

inline constexpr const char *ns_md = "urn:oasis:names:tc:SAML:2.0:metadata";
inline constexpr const char *ns_saml = "urn:oasis:names:tc:SAML:2.0:assertion";
inline constexpr const char *ns_samlp = "urn:oasis:names:tc:SAML:2.0:protocol";
inline constexpr const char *ns_ds = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr const char *ns_xenc = "http://www.w3.org/2001/04/xmlenc#";
inline constexpr const char *protocol_saml2 = "urn:oasis:names:tc:SAML:2.0:protocol";

// Every parse of untrusted bytes takes these (the defaults apply unless a caller lowers them).
//
// The per-element bounds exist because libxml2 2.9's work on one start tag grows with the square of
// its attributes and namespace declarations (duplicate checks, list appends, prefix lookups), and
// exclusive c14n later walks every namespace declaration in scope for each element. They are checked
// by a linear scan of the bytes before libxml2 sees them, so a refused document costs one pass.
// Real SAML elements carry a handful of each (the interop corpus: at most 6 attributes and 12
// declarations on one element, 13 declarations in scope); the defaults are ten times that or more.
// Every bound is several times what real SAML documents use (the interop corpus nests at most 11 deep,
// has at most 6 attributes and 13 declarations on or above an element, and at least 30 bytes per node),
// and low enough that no document within them costs libxml2 much more than a benign one of its size
// (docs/performance.md, "Hostile documents").
struct Limits {
    std::size_t max_bytes = 8u << 20;  // refused with input_too_large before parsing
    unsigned max_depth = 32;           // element nesting
    std::size_t max_nodes = 500000;    // all nodes (elements, attributes, namespace declarations, text)
    // Parse work per size: at most node_allowance + (bytes of text) / min_bytes_per_node, where a node
    // counts 1 and an element also a quarter of the namespace declarations in scope and 1/16 of the square
    // of its attributes (what libxml2's work on it grows with). So a document of tiny elements, of
    // elements laden with attributes, or deep under many declarations cannot cost several times what an
    // ordinary one of its size does. 0: off.
    std::size_t min_bytes_per_node = 8;
    std::size_t node_allowance = 4096;
    unsigned max_attributes_per_element = 32;  // attributes on one element, namespace declarations not counted
    unsigned max_namespaces_per_element = 32;  // xmlns and xmlns:p declarations on one element
    unsigned max_namespaces_in_scope = 32;     // declarations on an element and all its ancestors together
};

// Sets up libxml2, xmlsec1 and OpenSSL once per process (std::call_once), never changing libxml2's
// global parser defaults. Every entry point that parses or verifies calls it; users never do.
void ensure_initialized();

struct DocDeleter {
    void operator()(xmlDoc *doc) const noexcept;
};

// An owned, parsed document. Immutable once parse() returns, except through crypto/ (which may add
// ID attributes to the document's ID table before verification).
class Document {
public:
    // What parse() measured while reading the document, for callers whose work grows with more than
    // its size (exclusive c14n: see crypto::canonicalization_may_be_costly). Zero for a document
    // that parse() did not make.
    struct Shape {
        std::size_t bytes = 0;                    // the UTF-8 text parsed
        std::size_t nodes = 0;                    // as counted against Limits::max_nodes
        unsigned max_depth = 0;                   // deepest element nesting
        std::size_t max_namespaces_in_scope = 0;  // most declarations in scope at one element
    };

    Document() = default;
    explicit Document(xmlDoc *doc) : doc_(doc) {}
    Document(xmlDoc *doc, const Shape &shape) : doc_(doc), shape_(shape) {}
    xmlDoc *get() const noexcept { return doc_.get(); }
    xmlNode *root() const noexcept;
    explicit operator bool() const noexcept { return static_cast<bool>(doc_); }
    const Shape &shape() const noexcept { return shape_; }

private:
    std::unique_ptr<xmlDoc, DocDeleter> doc_;
    Shape shape_;
};

// Parses untrusted bytes. Throws Error with input_too_large, xml_malformed (message carries libxml2's
// line and reason), xml_doctype, xml_limits or xml_attribute_limits. `what` names the input in
// messages ("IdP metadata").
//
// Encodings: UTF-8 (with or without a byte-order mark; also when labelled US-ASCII, whose bytes must
// then all be ASCII), ISO-8859-1 (by its declaration) and UTF-16 (by its byte-order mark) are decoded
// here, in one linear pass, into UTF-8; any other declared encoding is refused. libxml2 is then told
// to ignore the declaration, so it never converts anything itself: one decoder, whose every refusal
// has a message, instead of iconv's (which prints to stderr and stops quietly at some errors). No
// NUL character is accepted anywhere, in any encoding, so nothing can hide after the root element.
Document parse(std::string_view bytes, const Limits &limits, std::string_view what);

// Navigation. Names are compared by namespace URI and local name, never by prefix.
bool is_element(const xmlNode *node, const char *ns, const char *local) noexcept;
std::vector<xmlNode *> child_elements(const xmlNode *parent, const char *ns, const char *local);
std::vector<xmlNode *> all_child_elements(const xmlNode *parent);
xmlNode *first_child_element(const xmlNode *parent, const char *ns, const char *local) noexcept;

// child_elements() without collecting them into a vector, for code that runs on every login:
//   for (xmlNode *c : xml::NamedChildren(parent, ns, "Attribute")) ...
class NamedChildren {
public:
    NamedChildren(const xmlNode *parent, const char *ns, const char *local) noexcept
        : first_(first_child_element(parent, ns, local)), ns_(ns), local_(local) {}

    class iterator {
    public:
        xmlNode *operator*() const noexcept { return node_; }
        iterator &operator++() noexcept {
            do node_ = node_->next;
            while (node_ != nullptr && !is_element(node_, ns_, local_));
            return *this;
        }
        bool operator==(const iterator &other) const noexcept { return node_ == other.node_; }
        bool operator!=(const iterator &other) const noexcept { return node_ != other.node_; }

    private:
        friend class NamedChildren;
        iterator(xmlNode *node, const char *ns, const char *local) noexcept : node_(node), ns_(ns), local_(local) {}
        xmlNode *node_;
        const char *ns_;
        const char *local_;
    };

    iterator begin() const noexcept { return {first_, ns_, local_}; }
    iterator end() const noexcept { return {nullptr, ns_, local_}; }
    bool empty() const noexcept { return first_ == nullptr; }
    xmlNode *front() const noexcept { return first_; }  // nullptr when empty
    std::size_t size() const noexcept {
        std::size_t n = 0;
        for (auto it = begin(); it != end(); ++it) ++n;
        return n;
    }

private:
    xmlNode *first_;
    const char *ns_;
    const char *local_;
};
// An attribute without namespace; nullopt when absent.
std::optional<std::string> attribute(const xmlNode *node, const char *name);

// The attribute itself (without namespace), or nullptr.
xmlAttr *attribute_node(const xmlNode *node, const char *name) noexcept;

// Attribute values (without namespace) as views into the tree, for code that reads many of them on
// every login. A value held in one text node (every value parse() produces) is not copied; any other
// shape is joined into storage the reader owns. A view stays valid while the document and the reader
// both live.
class AttributeReader {
public:
    std::optional<std::string_view> operator()(const xmlNode *node, const char *name);
    // The value of an attribute already in hand (any namespace).
    std::string_view value(const xmlAttr *attr);

private:
    std::deque<std::string> joined_;
};
// The concatenated text of the node's direct text and CDATA children.
std::string text(const xmlNode *node);
// Text with XML whitespace trimmed at both ends.
std::string trimmed_text(const xmlNode *node);
// True when the element has only text/CDATA children (no elements, comments or processing instructions).
bool has_only_text(const xmlNode *node) noexcept;
// "{ns}local" for messages.
std::string qualified_name(const xmlNode *node);

// Collects xmlsec1's and libxml2's error reports raised on this thread while it is alive, so a
// verification can say why it failed, and so that nothing is ever printed to the host's stderr.
// xmlsec1 reports through one process-wide callback; ensure_initialized() installs a callback that
// never prints and appends to the innermost live capture of the calling thread (reports with no
// capture alive are dropped). libxml2's generic and structured error handlers are per thread: a
// capture points this thread's at itself for its lifetime and puts back whatever was there before
// (a host's own handler, lxml's for instance), so no process-wide default is ever changed. Every
// call into libxml2 or xmlsec1 that may report an error runs with a capture alive. Not copyable;
// create it on the stack.
class ErrorCapture {
public:
    ErrorCapture();
    ~ErrorCapture();
    ErrorCapture(const ErrorCapture &) = delete;
    ErrorCapture &operator=(const ErrorCapture &) = delete;

    // "; "-separated reports, oldest first, capped at a few KiB. Empty when xmlsec1 said nothing.
    const std::string &text() const noexcept { return text_; }
    void clear() noexcept { text_.clear(); }

private:
    friend void append_error_report(std::string_view report) noexcept;
    std::string text_;
    ErrorCapture *previous_;
    // This thread's libxml2 handlers as they were before this capture, restored by the destructor.
    xmlGenericErrorFunc saved_generic_;
    void *saved_generic_context_;
    xmlStructuredErrorFunc saved_structured_;
    void *saved_structured_context_;
};

// Adds one report to the calling thread's innermost capture (no-op without one). Used by the
// xmlsec1 callback; verification code may add its own context the same way.
void append_error_report(std::string_view report) noexcept;

}  // namespace ssogate::core::xml
