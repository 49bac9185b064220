#include "xml/xml.hpp"

#include "error.hpp"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <utility>

namespace ssogate::core::xml {

namespace {

// The innermost live ErrorCapture of this thread. xmlsec1 reports errors through one process-wide
// callback, so the only way to give each verification its own reasons is a per-thread sink.
thread_local ErrorCapture *current_capture = nullptr;

constexpr std::size_t max_capture_bytes = 4096;

// libxml2's per-thread handlers while an ErrorCapture is alive: never print, add to the capture.
// The generic handler may be called with a message in pieces; each piece is added as it comes.
void libxml2_generic_error(void * /*ctx*/, const char *msg, ...) {
    if (current_capture == nullptr || msg == nullptr) return;
    char buf[512];
    va_list args;
    va_start(args, msg);
    // libxml2 hands its own printf-style format with its arguments: formatting it is the point.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    const int n = std::vsnprintf(buf, sizeof buf, msg, args);
#pragma GCC diagnostic pop
    va_end(args);
    if (n <= 0) return;
    std::string_view piece(buf, std::min(static_cast<std::size_t>(n), sizeof buf - 1));
    while (!piece.empty() && (piece.back() == '\n' || piece.back() == '\r' || piece.back() == ' '))
        piece.remove_suffix(1);
    append_error_report(piece);
}

void libxml2_structured_error(void * /*ctx*/, xmlErrorPtr err) {
    if (current_capture == nullptr || err == nullptr || err->message == nullptr) return;
    std::string_view message(err->message);
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r' || message.back() == ' '))
        message.remove_suffix(1);
    append_error_report(message);
}

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
        fail(Code::internal,
             "the xmlsec1 library loaded at run time is not compatible with the headers ssogate "
             "was built with (" XMLSEC_VERSION ")");
    if (xmlSecCryptoAppInit(nullptr) < 0)
        fail(Code::internal, "xmlsec1 failed to initialise its OpenSSL backend (xmlSecCryptoAppInit)");
    if (xmlSecCryptoInit() < 0) fail(Code::internal, "xmlsec1-openssl failed to initialise (xmlSecCryptoInit)");
    // Last: xmlsec1-openssl's init installs its own printing callback, which must be replaced.
    xmlSecErrorsSetCallback(xmlsec_error_callback);
}

// ---- Messages

// A name from the input, for a message: printable ASCII kept, anything else as '?', cut to 64
// characters, so a hostile document cannot forge log lines or flood them.
std::string shown_text(std::string_view raw) {
    constexpr std::size_t cap = 64;
    std::string out;
    for (std::size_t i = 0; i < raw.size() && i < cap; ++i) {
        const char c = raw[i];
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    if (raw.size() > cap) out += "...";
    return out;
}

std::string shown_name(const xmlChar *local, const xmlChar *prefix) {
    std::string name = prefix != nullptr ? std::string(reinterpret_cast<const char *>(prefix)) + ":" : std::string();
    if (local != nullptr) name += reinterpret_cast<const char *>(local);
    return "<" + shown_text(name) + ">";
}

std::string attribute_limits_text(const Limits &limits) {
    return "ssogate accepts at most " + std::to_string(limits.max_attributes_per_element) + " attributes and " +
           std::to_string(limits.max_namespaces_per_element) + " namespace declarations on one element, and " +
           std::to_string(limits.max_namespaces_in_scope) +
           " namespace declarations in scope (on an element and its ancestors together)";
}

// 1-based line of a byte offset, for messages (only computed when refusing).
std::size_t line_at(std::string_view text, std::size_t offset) {
    const std::string_view before = text.substr(0, std::min(offset, text.size()));
    return 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
}

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// ---- Encodings (see parse() in xml.hpp)

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
        if (x != y) return false;
    }
    return true;
}

template <std::size_t N>
bool is_one_of(std::string_view label, const char *const (&names)[N]) {
    for (const char *n : names)
        if (equals_ignoring_case(label, n)) return true;
    return false;
}

constexpr const char *utf8_labels[] = {"UTF-8", "UTF8"};
constexpr const char *ascii_labels[] = {"US-ASCII", "ASCII"};
constexpr const char *latin1_labels[] = {"ISO-8859-1", "ISO_8859-1", "ISO-LATIN-1", "LATIN1", "L1"};

// The value of the encoding pseudo-attribute of an XML declaration at the start of `text` (in any
// ASCII-compatible encoding), or nullopt without a declaration or without that attribute. A
// declaration this does not understand is left to libxml2, which refuses a malformed one; since
// libxml2 is told to ignore the label, a misreading here can refuse a document but never make
// libxml2 decode it differently.
std::optional<std::string_view> declared_encoding(std::string_view text) {
    if (text.size() < 6 || text.substr(0, 5) != "<?xml" || !is_xml_space(text[5])) return std::nullopt;
    const std::size_t close = text.find("?>", 5);
    const std::string_view decl = text.substr(5, close == std::string_view::npos ? std::string_view::npos : close - 5);
    std::size_t i = 0;
    while (true) {
        while (i < decl.size() && is_xml_space(decl[i])) ++i;
        const std::size_t name_start = i;
        while (i < decl.size() && ((decl[i] >= 'a' && decl[i] <= 'z') || (decl[i] >= 'A' && decl[i] <= 'Z'))) ++i;
        const std::string_view name = decl.substr(name_start, i - name_start);
        if (name.empty()) return std::nullopt;
        while (i < decl.size() && is_xml_space(decl[i])) ++i;
        if (i >= decl.size() || decl[i] != '=') return std::nullopt;
        ++i;
        while (i < decl.size() && is_xml_space(decl[i])) ++i;
        if (i >= decl.size() || (decl[i] != '"' && decl[i] != '\'')) return std::nullopt;
        const char quote = decl[i++];
        const std::size_t value_end = decl.find(quote, i);
        if (value_end == std::string_view::npos) return std::nullopt;
        if (name == "encoding") return decl.substr(i, value_end - i);
        i = value_end + 1;
    }
}

void append_utf8(std::string &out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

[[noreturn]] void nul_at(std::string_view what, std::size_t offset) {
    fail(Code::xml_malformed, std::string(what) + " contains a NUL character at byte offset " + std::to_string(offset) +
                                  "; XML text cannot contain NUL characters (and nothing may hide after the root "
                                  "element)");
}

[[noreturn]] void unsupported_encoding(std::string_view what, std::string_view label, std::string_view why) {
    fail(Code::xml_malformed, std::string(what) + " declares encoding '" + shown_text(label) + "'" + std::string(why) +
                                  "; ssogate reads XML in UTF-8 (also labelled US-ASCII), ISO-8859-1, or UTF-16 "
                                  "with a byte-order mark");
}

// UTF-16 (after its byte-order mark) to UTF-8, refusing U+0000 and unpaired surrogates.
void utf16_to_utf8(std::string_view bytes, bool little_endian, std::string &out, std::string_view what) {
    if (bytes.size() % 2 != 0)
        fail(Code::xml_malformed, std::string(what) +
                                      " starts with a UTF-16 byte-order mark but has an odd number "
                                      "of bytes (" +
                                      std::to_string(bytes.size()) + ")");
    auto unit = [&](std::size_t i) -> std::uint32_t {
        const auto a = static_cast<unsigned char>(bytes[i]), b = static_cast<unsigned char>(bytes[i + 1]);
        return little_endian ? (a | (std::uint32_t{b} << 8)) : ((std::uint32_t{a} << 8) | b);
    };
    out.reserve(bytes.size() / 2 + bytes.size() / 8 + 16);
    for (std::size_t i = 2; i < bytes.size(); i += 2) {
        std::uint32_t cp = unit(i);
        if (cp == 0) nul_at(what, i);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            const std::uint32_t low = i + 3 < bytes.size() ? unit(i + 2) : 0;
            if (low < 0xDC00 || low > 0xDFFF)
                fail(Code::xml_malformed,
                     std::string(what) + " has an unpaired UTF-16 surrogate at byte offset " + std::to_string(i));
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 2;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail(Code::xml_malformed,
                 std::string(what) + " has an unpaired UTF-16 surrogate at byte offset " + std::to_string(i));
        }
        append_utf8(out, cp);
    }
}

// The document as UTF-8 without a byte-order mark: a view of `bytes`, or of `storage` when it had to
// be decoded. Refuses NUL characters, undecodable input and encodings ssogate does not decode.
std::string_view as_utf8(std::string_view bytes, std::string &storage, std::string_view what) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    if (bytes.size() >= 2 && ((byte(0) == 0xFF && byte(1) == 0xFE) || (byte(0) == 0xFE && byte(1) == 0xFF))) {
        const bool little_endian = byte(0) == 0xFF;
        utf16_to_utf8(bytes, little_endian, storage, what);
        if (auto label = declared_encoding(storage)) {
            constexpr const char *utf16[] = {"UTF-16", "UTF16"};
            const bool same_order = equals_ignoring_case(*label, little_endian ? "UTF-16LE" : "UTF-16BE");
            if (!is_one_of(*label, utf16) && !same_order)
                unsupported_encoding(what, *label,
                                     little_endian ? " but starts with a UTF-16LE byte-order mark"
                                                   : " but starts with a UTF-16BE byte-order mark");
        }
        return storage;
    }
    const bool bom = bytes.size() >= 3 && byte(0) == 0xEF && byte(1) == 0xBB && byte(2) == 0xBF;
    const std::string_view text = bom ? bytes.substr(3) : bytes;
    if (const auto nul = bytes.find('\0'); nul != std::string_view::npos) nul_at(what, nul);
    const auto label = declared_encoding(text);
    if (!label || is_one_of(*label, utf8_labels)) return text;
    if (bom) unsupported_encoding(what, *label, " but starts with a UTF-8 byte-order mark");
    if (is_one_of(*label, ascii_labels)) {
        for (std::size_t i = 0; i < text.size(); ++i)
            if (static_cast<unsigned char>(text[i]) >= 0x80)
                fail(Code::xml_malformed, std::string(what) + " declares encoding '" + shown_text(*label) +
                                              "' but has a byte outside ASCII at offset " + std::to_string(i));
        return text;
    }
    if (is_one_of(*label, latin1_labels)) {
        storage.reserve(text.size() + text.size() / 8);
        for (char c : text) append_utf8(storage, static_cast<unsigned char>(c));
        return storage;
    }
    unsupported_encoding(what, *label, "");
}

// ---- The scan before parsing

// Byte classes for the scan's inner loops (one lookup per byte instead of a chain of compares).
constexpr unsigned char ends_element_name = 1;     // space, '>', '/', '<'
constexpr unsigned char separates_attributes = 2;  // space, '=', '/'
constexpr unsigned char ends_attribute_name = 4;   // space, '=', '>', '/', '<', quotes

constexpr std::array<unsigned char, 256> make_markup_classes() {
    std::array<unsigned char, 256> t{};
    for (unsigned char c : {' ', '\t', '\r', '\n'})
        t[c] = ends_element_name | separates_attributes | ends_attribute_name;
    t[static_cast<unsigned char>('>')] = ends_element_name | ends_attribute_name;
    t[static_cast<unsigned char>('<')] = ends_element_name | ends_attribute_name;
    t[static_cast<unsigned char>('/')] = ends_element_name | separates_attributes | ends_attribute_name;
    t[static_cast<unsigned char>('=')] = separates_attributes | ends_attribute_name;
    t[static_cast<unsigned char>('"')] = ends_attribute_name;
    t[static_cast<unsigned char>('\'')] = ends_attribute_name;
    return t;
}
constexpr std::array<unsigned char, 256> markup_classes = make_markup_classes();

unsigned char markup_class(char c) { return markup_classes[static_cast<unsigned char>(c)]; }

// Counts the attributes and namespace declarations of every start tag, and the declarations in scope,
// in one pass over the UTF-8 text, and refuses the document at the first element over a bound.
//
// It must never count less than libxml2 parses, and on well-formed XML it counts exactly. Every '<'
// outside a comment, CDATA section or processing instruction starts markup (XML allows no raw '<' in
// text or in attribute values); a start tag ends at its '>' (outside quotes) or at the next '<',
// where libxml2 also stops it (an attribute value cannot hold '<'). Each quoted value in a start tag
// is counted as one attribute, a namespace declaration when the name before it is xmlns or xmlns:*;
// libxml2 keeps nothing that has no quoted value. Declarations stay in scope until the matching
// end tag ('</'), as in libxml2, whose namespace stack pops at every end tag. What the scan does not
// recognise it reads as text and goes on: at worst it counts something libxml2 would not parse.
class MarkupScan {
public:
    MarkupScan(std::string_view text, const Limits &limits, std::string_view what)
        : text_(text),
          limits_(limits),
          what_(what),
          begin_(text.data()),
          end_(text.data() + text.size()),
          count_declarations_(has_many_declarations(text, limits)),
          short_tag_(5 * (static_cast<std::size_t>(limits.max_attributes_per_element) + 1)) {}

    void run();

private:
    // The common case costs one search per tag. Every namespace declaration has "xmlns" in its bytes,
    // so a document with few of them cannot cross either namespace bound, and its tags need no
    // counting for them; and a start tag holds n attributes only in 5n bytes or more (a space, a name,
    // '=' and two quotes each; libxml2 keeps nothing past a missing space), so a shorter stretch to
    // the next '<' cannot cross the attribute bound.
    static bool has_many_declarations(std::string_view text, const Limits &limits) {
        const std::size_t enough =
            std::min<std::size_t>(limits.max_namespaces_per_element, limits.max_namespaces_in_scope) + 1;
        std::size_t n = 0;
        for (std::size_t at = text.find("xmlns"); at != std::string_view::npos; at = text.find("xmlns", at + 5))
            if (++n >= enough) return true;
        return false;
    }

    bool starts(const char *p, std::string_view s) const {
        return static_cast<std::size_t>(end_ - p) >= s.size() && std::memcmp(p, s.data(), s.size()) == 0;
    }

    // Skips past `terminator` from `from`; nullptr (and `missing` set) when absent. Once a terminator
    // is missing, it is missing for every later opener too, so no search is repeated to the end (that
    // would be quadratic).
    const char *skip(const char *from, std::string_view terminator, bool &missing) const {
        if (missing) return nullptr;
        const std::size_t at = text_.find(terminator, static_cast<std::size_t>(from - begin_));
        if (at == std::string_view::npos) {
            missing = true;
            return nullptr;
        }
        return begin_ + at + terminator.size();
    }

    [[noreturn]] void refuse(const char *tag, const char *name_end, const std::string &why) const {
        fail(Code::xml_attribute_limits,
             std::string(what_) + ": the element <" +
                 shown_text(std::string_view(tag + 1, static_cast<std::size_t>(name_end - tag - 1))) + "> at line " +
                 std::to_string(line_at(text_, static_cast<std::size_t>(tag - begin_))) + " " + why + "; " +
                 attribute_limits_text(limits_));
    }

    const char *after_bang(const char *q);
    void check_comment_hyphens(const char *q);
    void end_tag();
    const char *start_tag(const char *lt, const char *q);
    void count_value(std::string_view name, const char *lt, const char *name_end, unsigned &attributes,
                     unsigned &declarations) const;

    std::string_view text_;
    const Limits &limits_;
    std::string_view what_;
    const char *const begin_;
    const char *const end_;
    const bool count_declarations_;
    const std::size_t short_tag_;
    // Elements that declared namespaces and are still open: (nesting level, declarations). The
    // in-scope bound keeps it short.
    std::vector<std::pair<std::size_t, unsigned>> declaring_;
    std::size_t level_ = 0;
    std::size_t in_scope_ = 0;
    bool no_comment_end_ = false, no_cdata_end_ = false, no_pi_end_ = false, no_double_hyphen_ = false;
};

void MarkupScan::run() {
    const char *p = begin_;
    const char *next_lt = static_cast<const char *>(std::memchr(p, '<', static_cast<std::size_t>(end_ - p)));
    while (p < end_) {
        const char *lt = next_lt != nullptr && next_lt >= p
                             ? next_lt
                             : static_cast<const char *>(std::memchr(p, '<', static_cast<std::size_t>(end_ - p)));
        if (lt == nullptr) break;
        const char *q = lt + 1;
        const char first = q < end_ ? *q : '\0';
        if (first == '!') {
            p = after_bang(q);
        } else if (first == '?') {
            const char *after = skip(q + 1, "?>", no_pi_end_);
            p = after != nullptr ? after : q + 1;
        } else if (first == '/') {
            end_tag();
            p = q + 1;
        } else {
            if (!count_declarations_) {
                next_lt = static_cast<const char *>(std::memchr(q, '<', static_cast<std::size_t>(end_ - q)));
                const char *stretch_end = next_lt != nullptr ? next_lt : end_;
                if (static_cast<std::size_t>(stretch_end - lt) < short_tag_) {
                    p = stretch_end;
                    continue;
                }
            }
            p = start_tag(lt, q);
        }
    }
}

// A comment, a CDATA section, or a DOCTYPE and its declarations (which the parser refuses).
const char *MarkupScan::after_bang(const char *q) {
    if (starts(q, "!--")) {
        check_comment_hyphens(q);
        const char *after = skip(q + 3, "-->", no_comment_end_);
        return after != nullptr ? after : q + 3;
    }
    if (starts(q, "![CDATA[")) {
        const char *after = skip(q + 8, "]]>", no_cdata_end_);
        return after != nullptr ? after : q + 8;
    }
    return q + 1;
}

// XML allows no "--" inside a comment, and libxml2 2.9 spends time that grows with the square of their
// number on a comment full of them (terminated or not): refused here, with one search per comment.
void MarkupScan::check_comment_hyphens(const char *q) {
    if (no_double_hyphen_) return;
    const std::size_t hyphens = text_.find("--", static_cast<std::size_t>(q + 3 - begin_));
    if (hyphens == std::string_view::npos) {
        no_double_hyphen_ = true;
    } else if (hyphens + 2 >= text_.size() || text_[hyphens + 2] != '>') {
        fail(Code::xml_malformed, std::string(what_) + " is not well-formed XML (line " +
                                      std::to_string(line_at(text_, hyphens)) +
                                      "): a comment contains \"--\", which XML does not allow");
    }
}

// An end tag closes the innermost open element and its declarations.
void MarkupScan::end_tag() {
    if (level_ == 0) return;
    if (!declaring_.empty() && declaring_.back().first == level_) {
        in_scope_ -= declaring_.back().second;
        declaring_.pop_back();
    }
    --level_;
}

// One quoted value of a start tag: a namespace declaration when the name before it is xmlns or
// xmlns:*, else an attribute; either may cross its bound.
void MarkupScan::count_value(std::string_view name, const char *lt, const char *name_end, unsigned &attributes,
                             unsigned &declarations) const {
    const bool declaration =
        name.size() >= 5 && name.substr(0, 5) == "xmlns" && (name.size() == 5 || (name.size() > 6 && name[5] == ':'));
    if (declaration) {
        if (++declarations > limits_.max_namespaces_per_element)
            refuse(lt, name_end,
                   "declares more than " + std::to_string(limits_.max_namespaces_per_element) + " namespaces");
        if (in_scope_ + declarations > limits_.max_namespaces_in_scope)
            refuse(lt, name_end,
                   "has more than " + std::to_string(limits_.max_namespaces_in_scope) +
                       " namespace declarations in scope");
    } else if (++attributes > limits_.max_attributes_per_element) {
        refuse(lt, name_end, "has more than " + std::to_string(limits_.max_attributes_per_element) + " attributes");
    }
}

// A start tag from its '<' (lt); q is just after it. The element name runs to the first space, '>',
// '/' or '<'; the tag ends at its '>' (outside quotes) or at the next '<'. Returns where scanning goes on.
const char *MarkupScan::start_tag(const char *lt, const char *q) {
    while (q < end_ && !(markup_class(*q) & ends_element_name)) ++q;
    const char *name_end = q;
    unsigned attributes = 0, declarations = 0;
    std::string_view last_name;  // the attribute name a value belongs to
    bool closed = false, empty = false;
    while (q < end_) {
        const char c = *q;
        if (c == '<') break;
        if (c == '>') {
            closed = true;
            ++q;
            break;
        }
        if (c == '/' && q + 1 < end_ && q[1] == '>') {
            closed = empty = true;
            q += 2;
            break;
        }
        if (c == '"' || c == '\'') {
            // The value runs to its closing quote, or to a '<' before it (two vectorised searches:
            // values are most of the bytes of a SAML start tag).
            const char *v = q + 1;
            const auto *close = static_cast<const char *>(std::memchr(v, c, static_cast<std::size_t>(end_ - v)));
            const char *limit = close != nullptr ? close : end_;
            const auto *lt_in = static_cast<const char *>(std::memchr(v, '<', static_cast<std::size_t>(limit - v)));
            v = lt_in != nullptr ? lt_in : limit;
            count_value(last_name, lt, name_end, attributes, declarations);
            last_name = {};
            q = (v < end_ && *v == c) ? v + 1 : v;
            continue;
        }
        if (markup_class(c) & separates_attributes) {
            ++q;
            continue;
        }
        const char *n = q;
        while (q < end_ && !(markup_class(*q) & ends_attribute_name)) ++q;
        last_name = std::string_view(n, static_cast<std::size_t>(q - n));
    }
    if (closed && !empty) {
        ++level_;
        if (declarations > 0) {
            declaring_.emplace_back(level_, declarations);
            in_scope_ += declarations;
        }
    }
    return q;
}

void check_markup(std::string_view text, const Limits &limits, std::string_view what) {
    MarkupScan(text, limits, what).run();
}

// Per-parse state reached from the SAX callbacks through ctxt->_private.
struct ParseState {
    const Limits *limits = nullptr;
    // The parse work allowed for this document's size (Limits::min_bytes_per_node) and spent so far: a
    // node counts 1, an element also a quarter of the namespace declarations in scope (libxml2 searches
    // them to resolve its prefixes) and 1/16 of the square of its attributes (compared pairwise).
    std::size_t work_budget = SIZE_MAX;
    std::size_t work = 0;
    bool over_work = false;
    bool doctype = false;
    bool over_depth = false;
    bool over_nodes = false;
    unsigned depth = 0;
    unsigned max_depth = 0;
    std::size_t nodes = 0;
    std::size_t max_namespaces_in_scope = 0;
    // The per-element bounds again, as libxml2 reports each element: the scan before parsing
    // (check_markup) refuses first; these hold the tree to the same bounds should the two ever
    // disagree about a start tag.
    std::string over_attributes;           // the message, when a bound was crossed
    std::vector<int> namespaces_declared;  // per open element
    std::size_t namespaces_in_scope = 0;
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
bool count_nodes(void *ctx, ParseState *st, std::size_t n, std::size_t extra_work = 0) {
    st->nodes += n;
    st->work += n + extra_work;
    if (st->nodes <= st->limits->max_nodes && st->work <= st->work_budget) return true;
    (st->nodes > st->limits->max_nodes ? st->over_nodes : st->over_work) = true;
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

void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri, int nb_namespaces,
                      const xmlChar **namespaces, int nb_attributes, int nb_defaulted, const xmlChar **attributes) {
    ParseState *st = state_of(ctx);
    ++st->depth;
    // Stop while building, not after: a deep or huge document must not cost memory first.
    if (st->depth > st->limits->max_depth) {
        st->over_depth = true;
        xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
        return;
    }
    const auto attrs = static_cast<std::size_t>(nb_attributes);
    const auto decls = static_cast<std::size_t>(nb_namespaces);
    const std::size_t in_scope = st->namespaces_in_scope + decls;
    if (attrs > st->limits->max_attributes_per_element || decls > st->limits->max_namespaces_per_element ||
        in_scope > st->limits->max_namespaces_in_scope) {
        try {
            st->over_attributes = "the element " + shown_name(localname, prefix) + " has " + std::to_string(attrs) +
                                  " attributes and " + std::to_string(decls) + " namespace declarations (" +
                                  std::to_string(in_scope) + " in scope); " + attribute_limits_text(*st->limits);
        } catch (...) {
            st->over_attributes = "an element crosses the attribute or namespace limits";
        }
        xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
        return;
    }
    // Namespace declarations become nodes of the tree (xmlNs) like attributes do.
    if (!count_nodes(ctx, st, 1 + attrs + decls, in_scope / 4 + attrs * attrs / 16)) return;
    st->namespaces_declared.push_back(nb_namespaces);
    st->namespaces_in_scope = in_scope;
    st->max_namespaces_in_scope = std::max(st->max_namespaces_in_scope, in_scope);
    st->max_depth = std::max(st->max_depth, st->depth);
    st->start_element(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted, attributes);
}

void on_end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
    ParseState *st = state_of(ctx);
    if (st->depth > 0) --st->depth;
    if (!st->namespaces_declared.empty()) {
        st->namespaces_in_scope -= static_cast<std::size_t>(st->namespaces_declared.back());
        st->namespaces_declared.pop_back();
    }
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

namespace {

// The checks on the bytes before any parsing; returns the document as UTF-8 (a view of `bytes`, or of
// `decoded` when it had to be decoded).
std::string_view checked_text(std::string_view bytes, const Limits &limits, std::string_view what,
                              std::string &decoded) {
    // The size check comes first so an oversized upload costs nothing but this comparison.
    if (bytes.size() > limits.max_bytes)
        fail(Code::input_too_large, std::string(what) + " is " + std::to_string(bytes.size()) +
                                        " bytes; the limit is " + std::to_string(limits.max_bytes) + " bytes");
    if (bytes.size() > static_cast<std::size_t>(INT_MAX))
        fail(Code::input_too_large, std::string(what) + " is " + std::to_string(bytes.size()) +
                                        " bytes; the XML parser takes at most " + std::to_string(INT_MAX));
    if (bytes.empty()) fail(Code::xml_malformed, std::string(what) + " is empty: expected an XML document");
    // One decoder (ours) for every accepted encoding, so libxml2 only ever reads UTF-8 without NUL
    // characters: libxml2 stops reading at a NUL and ignores what follows, so a document with bytes
    // after a NUL (in any encoding) would parse as if they were not there, a parser differential with
    // any other consumer of the same bytes.
    const std::string_view text = as_utf8(bytes, decoded, what);
    if (text.empty()) fail(Code::xml_malformed, std::string(what) + " is empty: expected an XML document");
    // A document starts with '<' (or with white space before its first element). Anything else is not
    // XML, and some such starts (EBCDIC's "<?xm") would make libxml2 switch to a decoder of its own.
    if (text[0] != '<' && !is_xml_space(text[0]))
        fail(Code::xml_malformed, std::string(what) +
                                      " does not start with '<' (or white space): expected an XML "
                                      "document in UTF-8, ISO-8859-1 or UTF-16");
    if (text.size() > static_cast<std::size_t>(INT_MAX))
        fail(Code::input_too_large, std::string(what) + " is " + std::to_string(text.size()) +
                                        " bytes once decoded; the XML parser takes at most " + std::to_string(INT_MAX));
    // Before libxml2 sees a start tag: its work on one grows with the square of the attributes and
    // namespace declarations it carries.
    check_markup(text, limits, what);
    return text;
}

// Routes the context's SAX events through the bounding handlers (which forward to libxml2's own
// tree-building ones, kept in `st`). Only this context's own copy of the handler table changes.
void install_handlers(xmlParserCtxt *ctxt, ParseState &st) {
    xmlSAXHandler *sax = ctxt->sax;
    st.start_element = sax->startElementNs;
    st.end_element = sax->endElementNs;
    st.characters = sax->characters;
    st.cdata = sax->cdataBlock;
    st.comment = sax->comment;
    st.pi = sax->processingInstruction;
    if (st.start_element == nullptr || st.end_element == nullptr || st.characters == nullptr || st.cdata == nullptr ||
        st.comment == nullptr || st.pi == nullptr)
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
}

// After the parse: a bound the handlers stopped at, or a document that is not well-formed, is refused
// with what was found.
void check_parse_outcome(xmlParserCtxt *ctxt, const ParseState &st, const Limits &limits, std::string_view what,
                         std::size_t text_size) {
    if (st.doctype)
        fail(Code::xml_doctype, std::string(what) +
                                    " contains a DOCTYPE; ssogate refuses DTDs and entity "
                                    "declarations (they can expand without bound or read files)");
    if (st.over_depth)
        fail(Code::xml_limits,
             std::string(what) + " nests elements deeper than " + std::to_string(limits.max_depth) + " levels");
    if (st.over_nodes)
        fail(Code::xml_limits, std::string(what) + " has more than " + std::to_string(limits.max_nodes) + " XML nodes");
    if (st.over_work)
        fail(Code::xml_limits,
             std::string(what) + " has more XML nodes than its size allows: at most " + std::to_string(st.work_budget) +
                 " (" + std::to_string(limits.node_allowance) + " plus one per " +
                 std::to_string(limits.min_bytes_per_node) + " bytes of its " + std::to_string(text_size) +
                 "), an element counting also a quarter of the namespace declarations in scope and 1/16 of the "
                 "square of its attributes; ordinary documents use one per 20 bytes or less");
    if (!st.over_attributes.empty()) fail(Code::xml_attribute_limits, std::string(what) + ": " + st.over_attributes);
    if (!ctxt->wellFormed || ctxt->myDoc == nullptr) {
        std::string msg = std::string(what) + " is not well-formed XML";
        const xmlError *err = xmlCtxtGetLastError(ctxt);
        if (st.have_error) {
            msg += " (line " + std::to_string(st.error_line) + "): " + st.error_message;
        } else if (err != nullptr && err->code != XML_ERR_OK) {
            msg += " (line " + std::to_string(err->line) + "): " + trim_message(err->message);
        }
        fail(Code::xml_malformed, msg);
    }
}

}  // namespace

Document parse(std::string_view bytes, const Limits &limits, std::string_view what) {
    std::string decoded;
    const std::string_view text = checked_text(bytes, limits, what, decoded);
    ensure_initialized();
    // libxml2 reports a few errors (I/O, encoding, memory) through this thread's generic handlers
    // rather than the parser context's; the capture keeps them off stderr.
    ErrorCapture quiet;

    std::unique_ptr<xmlParserCtxt, CtxtDeleter> ctxt(
        xmlCreateMemoryParserCtxt(text.data(), static_cast<int>(text.size())));
    if (!ctxt) fail(Code::out_of_memory, "could not create an XML parser context");

    // Per-context options only (never the xmlXxxDefault globals): no network, no entity
    // substitution, no DTD loading, blanks kept (signatures cover exact whitespace), no output, and
    // the encoding declaration ignored (the text is UTF-8 by now, whatever it was labelled).
    xmlCtxtUseOptions(ctxt.get(), XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);

    ParseState st;
    st.limits = &limits;
    if (limits.min_bytes_per_node != 0)
        st.work_budget = limits.node_allowance + text.size() / limits.min_bytes_per_node;
    install_handlers(ctxt.get(), st);
    xmlParseDocument(ctxt.get());
    check_parse_outcome(ctxt.get(), st, limits, what, text.size());

    Document::Shape shape;
    shape.bytes = text.size();
    shape.nodes = st.nodes;
    shape.max_depth = st.max_depth;
    shape.max_namespaces_in_scope = st.max_namespaces_in_scope;
    Document doc(ctxt->myDoc, shape);
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

ErrorCapture::ErrorCapture()
    : previous_(current_capture),
      saved_generic_(xmlGenericError),
      saved_generic_context_(xmlGenericErrorContext),
      saved_structured_(xmlStructuredError),
      saved_structured_context_(xmlStructuredErrorContext) {
    current_capture = this;
    // This thread's handlers only (libxml2 keeps them per thread); a parser context's own handler,
    // set in parse(), still takes precedence for parse errors.
    xmlSetGenericErrorFunc(nullptr, libxml2_generic_error);
    xmlSetStructuredErrorFunc(nullptr, libxml2_structured_error);
}

ErrorCapture::~ErrorCapture() {
    xmlSetStructuredErrorFunc(saved_structured_context_, saved_structured_);
    xmlSetGenericErrorFunc(saved_generic_context_, saved_generic_);
    current_capture = previous_;
}

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
