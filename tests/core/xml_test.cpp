#include "xml/xml.hpp"
#include "support.hpp"

#include <libxml/parser.h>

#include <chrono>
#include <optional>
#include <string>

namespace ssogate::core {
namespace {

using test::crafted;
using test::expect_code;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(XmlParse, ParsesAndNavigates) {
    const std::string doc_text =
        "<r:root xmlns:r='urn:r' xmlns:o='urn:o' a='1'>"
        "  <r:child>  one <!-- c --> two  </r:child><o:child/><r:child><![CDATA[x<y]]></r:child>"
        "</r:root>";
    xml::Document doc = xml::parse(doc_text, {}, "test input");
    ASSERT_TRUE(doc);
    xmlNode *root = doc.root();
    EXPECT_TRUE(xml::is_element(root, "urn:r", "root"));
    EXPECT_FALSE(xml::is_element(root, "urn:o", "root"));
    EXPECT_EQ(xml::qualified_name(root), "{urn:r}root");
    EXPECT_EQ(xml::attribute(root, "a"), "1");
    EXPECT_EQ(xml::attribute(root, "b"), std::nullopt);
    auto children = xml::child_elements(root, "urn:r", "child");
    ASSERT_EQ(children.size(), 2u);
    EXPECT_EQ(xml::all_child_elements(root).size(), 3u);
    EXPECT_EQ(xml::text(children[0]), "  one  two  ");
    EXPECT_EQ(xml::trimmed_text(children[0]), "one  two");
    EXPECT_FALSE(xml::has_only_text(children[0]));  // the comment
    EXPECT_TRUE(xml::has_only_text(children[1]));
    EXPECT_EQ(xml::text(children[1]), "x<y");
    EXPECT_EQ(xml::first_child_element(root, "urn:o", "child"), xml::all_child_elements(root)[1]);
    EXPECT_EQ(xml::first_child_element(root, "urn:o", "missing"), nullptr);
}

TEST(XmlParse, KeepsWhitespaceExactly) {
    // Signatures cover whitespace, so the parser must not drop "blank" text nodes.
    xml::Document doc = xml::parse("<a>\n  <b/>\n</a>", {}, "test input");
    ASSERT_NE(doc.root()->children, nullptr);
    EXPECT_EQ(doc.root()->children->type, XML_TEXT_NODE);
}

TEST(XmlParse, KeepsWhitespaceWhateverTheHostsDefault) {
    // xmlKeepBlanksDefault(0) is process-wide (lxml users set it); our parser contexts must not follow it.
    const int before = xmlKeepBlanksDefault(0);
    xml::Document doc = xml::parse("<a>\n  <b/>\n</a>", {}, "test input");
    xmlKeepBlanksDefault(before);
    ASSERT_NE(doc.root()->children, nullptr);
    EXPECT_EQ(doc.root()->children->type, XML_TEXT_NODE);
    EXPECT_EQ(xml::text(doc.root()), "\n  \n");
}

TEST(XmlParse, AttributeReaderGivesViewsIntoTheTree) {
    xml::Document doc = xml::parse("<a x='1' y='caf&#233; &amp; more' xmlns:n='urn:n' n:x='2'/>", {}, "test input");
    xml::AttributeReader attr;
    const auto x = attr(doc.root(), "x");
    ASSERT_TRUE(x);
    EXPECT_EQ(*x, "1");
    // One text node in the tree, character and entity references already resolved: a view, no copy.
    EXPECT_EQ(x->data(), reinterpret_cast<const char *>(xml::attribute_node(doc.root(), "x")->children->content));
    EXPECT_EQ(attr(doc.root(), "y"), "caf\xc3\xa9 & more");
    EXPECT_EQ(attr(doc.root(), "z"), std::nullopt);
    EXPECT_EQ(xml::attribute_node(doc.root(), "n:x"), nullptr);  // never matches a namespaced attribute by name

    // A value split over several text nodes (only code that edits a tree makes one) is joined.
    xmlAttr *split = xml::attribute_node(doc.root(), "x");
    // (Linked by hand: xmlAddChild would merge the two text nodes.)
    xmlNode *more = xmlNewDocText(doc.get(), reinterpret_cast<const xmlChar *>("23"));
    more->parent = reinterpret_cast<xmlNode *>(split);
    more->prev = split->children;
    split->children->next = more;
    split->last = more;
    EXPECT_EQ(attr(doc.root(), "x"), "123");
    EXPECT_EQ(xml::attribute(doc.root(), "x"), "123");
    EXPECT_EQ(*x, "1");  // the first view still stands
}

TEST(XmlParse, NamedChildrenWalksWithoutCollecting) {
    xml::Document doc =
        xml::parse("<r xmlns='urn:r' xmlns:o='urn:o'>t<c n='1'/><!----><o:c/><c n='2'/><d/></r>", {}, "test input");
    const xml::NamedChildren cs(doc.root(), "urn:r", "c");
    EXPECT_EQ(cs.size(), 2u);
    ASSERT_FALSE(cs.empty());
    EXPECT_EQ(xml::attribute(cs.front(), "n"), "1");
    std::string seen;
    for (xmlNode *c : cs) seen += *xml::attribute(c, "n");
    EXPECT_EQ(seen, "12");
    EXPECT_EQ(xml::child_elements(doc.root(), "urn:r", "c").size(), cs.size());
    const xml::NamedChildren none(doc.root(), "urn:o", "d");
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(none.size(), 0u);
    EXPECT_EQ(none.front(), nullptr);
    EXPECT_TRUE(none.begin() == none.end());
}

TEST(XmlParse, MalformedReportsLineAndReason) {
    std::string msg =
        expect_code(Code::xml_malformed, [] { xml::parse(crafted("malformed.xml"), {}, "the IdP metadata"); });
    EXPECT_NE(msg.find("the IdP metadata is not well-formed XML"), std::string::npos) << msg;
    EXPECT_NE(msg.find("line 10"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mismatch"), std::string::npos) << msg;
    expect_code(Code::xml_malformed, [] { xml::parse("", {}, "x"); });
    expect_code(Code::xml_malformed, [] { xml::parse("not xml at all", {}, "x"); });
    expect_code(Code::xml_malformed, [] { xml::parse("<a>&undefined;</a>", {}, "x"); });
    expect_code(Code::xml_malformed, [] { xml::parse("<a/><b/>", {}, "x"); });
}

TEST(XmlParse, RefusesNulBytesInsteadOfStoppingAtThem) {
    // libxml2 reads UTF-8 input only up to a NUL after the root element: without this check, a valid
    // document followed by "\0<garbage/>" would parse as the valid part alone.
    const std::string doc("<a/>\0<garbage/>", 15);
    std::string msg = expect_code(Code::xml_malformed, [&] { xml::parse(doc, {}, "the IdP metadata"); });
    EXPECT_NE(msg.find("NUL character at byte offset 4"), std::string::npos) << msg;
    const std::string inside("<a>x\0y</a>", 10);
    expect_code(Code::xml_malformed, [&] { xml::parse(inside, {}, "x"); });
}

// UTF-16 code units of an ASCII string, with a byte-order mark, little- or big-endian.
std::string utf16(const std::string &ascii, bool little_endian = true) {
    std::string out = little_endian ? "\xFF\xFE" : "\xFE\xFF";
    for (char c : ascii) {
        if (little_endian) {
            out.push_back(c);
            out.push_back('\0');
        } else {
            out.push_back('\0');
            out.push_back(c);
        }
    }
    return out;
}

TEST(XmlParse, RefusesUtf16WithNulAndTrailingContent) {
    // libxml2 decodes UTF-16 itself and then stops at the U+0000 it produced: a second Response after
    // it was silently ignored. Nothing may follow the root element, in any encoding.
    for (bool le : {true, false}) {
        const std::string doc = utf16("<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>hi</a>", le) +
                                std::string("\0\0", 2) + utf16("<b>second root</b>", le).substr(2);
        const std::string msg = expect_code(Code::xml_malformed, [&] { xml::parse(doc, {}, "SAML Response"); });
        EXPECT_NE(msg.find("NUL character at byte offset"), std::string::npos) << msg;
    }
    // Without a NUL, trailing content is what libxml2 itself refuses ("Extra content").
    const std::string trailing = utf16("<a>hi</a><b/>");
    expect_code(Code::xml_malformed, [&] { xml::parse(trailing, {}, "x"); });
    // Only white space, comments and processing instructions may follow the root, as XML allows.
    xml::Document ok = xml::parse(utf16("<a>hi</a>\n<!-- c --><?p x?>\n"), {}, "x");
    EXPECT_EQ(xml::text(ok.root()), "hi");
    // The same rules for UTF-8 with a byte-order mark.
    expect_code(Code::xml_malformed, [] { xml::parse(std::string("\xEF\xBB\xBF<a/>\0<b/>", 11), {}, "x"); });
    EXPECT_TRUE(xml::is_element(xml::parse("\xEF\xBB\xBF<a/>", {}, "x").root(), nullptr, "a"));
}

TEST(XmlParse, DecodesUtf16ItselfAndRefusesBrokenUtf16) {
    // Non-ASCII characters, one outside the BMP (a surrogate pair), in both byte orders.
    const std::u16string units = u"<a t='\u00e9'>\u20ac\U0001F600</a>";
    for (bool le : {true, false}) {
        std::string doc = le ? "\xFF\xFE" : "\xFE\xFF";
        for (char16_t u : units) {
            const char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
            doc.push_back(le ? lo : hi);
            doc.push_back(le ? hi : lo);
        }
        xml::Document d = xml::parse(doc, {}, "x");
        EXPECT_EQ(xml::text(d.root()), "\xE2\x82\xAC\xF0\x9F\x98\x80");
        EXPECT_EQ(xml::attribute(d.root(), "t"), "\xC3\xA9");
    }
    // An odd number of bytes, a lone low surrogate, a high surrogate without its low half.
    std::string odd = utf16("<a/>");
    odd.push_back('x');
    EXPECT_NE(expect_code(Code::xml_malformed, [&] { xml::parse(odd, {}, "x"); }).find("odd number of bytes"),
              std::string::npos);
    std::string lone = utf16("<a>") + std::string("\x00\xDC", 2) + utf16("</a>").substr(2);
    EXPECT_NE(expect_code(Code::xml_malformed, [&] { xml::parse(lone, {}, "x"); }).find("unpaired UTF-16 surrogate"),
              std::string::npos);
    std::string high = utf16("<a>") + std::string("\x3D\xD8", 2) + utf16("x</a>").substr(2);
    expect_code(Code::xml_malformed, [&] { xml::parse(high, {}, "x"); });
    // A byte-order mark and a declaration that disagree.
    const std::string msg = expect_code(
        Code::xml_malformed, [] { xml::parse(utf16("<?xml version='1.0' encoding='UTF-8'?><a/>"), {}, "x"); });
    EXPECT_NE(msg.find("declares encoding 'UTF-8' but starts with a UTF-16LE byte-order mark"), std::string::npos)
        << msg;
    EXPECT_NO_THROW(xml::parse(utf16("<?xml version='1.0' encoding='utf-16le'?><a/>"), {}, "x"));
    expect_code(Code::xml_malformed,
                [] { xml::parse(utf16("<?xml version='1.0' encoding='UTF-16BE'?><a/>"), {}, "x"); });
}

TEST(XmlParse, ReadsLatin1AndAsciiAndRefusesOtherEncodings) {
    // ISO-8859-1 is decoded here (every byte is one character); libxml2 only ever reads UTF-8.
    xml::Document latin1 = xml::parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xE9</a>", {}, "x");
    EXPECT_EQ(xml::text(latin1.root()), "caf\xC3\xA9");
    EXPECT_NO_THROW(xml::parse("<?xml version='1.0' encoding='us-ascii'?><a>plain</a>", {}, "x"));
    EXPECT_NO_THROW(xml::parse("<?xml version='1.0' encoding='utf-8' standalone='yes'?><a>caf\xC3\xA9</a>", {}, "x"));
    // A byte outside ASCII in a document that says it is ASCII.
    const std::string ascii = expect_code(Code::xml_malformed, [] {
        xml::parse("<?xml version='1.0' encoding='US-ASCII'?><a>caf\xC3\xA9</a>", {}, "x");
    });
    EXPECT_NE(ascii.find("byte outside ASCII at offset 47"), std::string::npos) << ascii;
    // Encodings ssogate does not decode: refused, named, before libxml2 (and iconv) see a byte.
    for (const char *enc : {"Shift_JIS", "UTF-7", "EBCDIC-US", "windows-1252", "UTF-32", "ISO-2022-JP"}) {
        const std::string msg = expect_code(Code::xml_malformed, [&] {
            xml::parse(std::string("<?xml version='1.0' encoding='") + enc + "'?><a>\x81\x40</a>", {},
                       "the IdP metadata");
        });
        EXPECT_NE(msg.find(std::string("the IdP metadata declares encoding '") + enc + "'"), std::string::npos) << msg;
    }
    // A UTF-8 byte-order mark with another label, and EBCDIC's signature (which libxml2 would decode).
    expect_code(Code::xml_malformed,
                [] { xml::parse("\xEF\xBB\xBF<?xml version='1.0' encoding='ISO-8859-1'?><a/>", {}, "x"); });
    const std::string ebcdic =
        expect_code(Code::xml_malformed, [] { xml::parse("\x4C\x6F\xA7\x94\x93\x40", {}, "x"); });
    EXPECT_NE(ebcdic.find("does not start with '<'"), std::string::npos) << ebcdic;
    // <?xml-stylesheet is a processing instruction, not a declaration.
    EXPECT_NO_THROW(xml::parse("<?xml-stylesheet encoding='Shift_JIS'?><a/>", {}, "x"));
}

TEST(XmlParse, AcceptsUtf16WithByteOrderMark) {
    // UTF-16 has zero bytes by design; with a BOM libxml2 decodes the whole input.
    const std::string ascii = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>hi</a>";
    std::string le = "\xFF\xFE";
    for (char c : ascii) {
        le.push_back(c);
        le.push_back('\0');
    }
    xml::Document doc = xml::parse(le, {}, "x");
    ASSERT_TRUE(doc);
    EXPECT_TRUE(xml::is_element(doc.root(), nullptr, "a"));
    EXPECT_EQ(xml::text(doc.root()), "hi");
}

TEST(XmlParse, RefusesDoctype) {
    std::string msg =
        expect_code(Code::xml_doctype, [] { xml::parse(crafted("doctype.xml"), {}, "the IdP metadata"); });
    EXPECT_NE(msg.find("DOCTYPE"), std::string::npos);
    expect_code(Code::xml_doctype, [] { xml::parse(crafted("external-entity.xml"), {}, "x"); });
    expect_code(Code::xml_doctype,
                [] { xml::parse("<!DOCTYPE a SYSTEM 'http://127.0.0.1:9/never-fetched.dtd'><a/>", {}, "x"); });
}

TEST(XmlParse, RefusesEntityBombQuickly) {
    const std::string bomb = crafted("billion-laughs.xml");
    auto start = std::chrono::steady_clock::now();
    expect_code(Code::xml_doctype, [&] { xml::parse(bomb, {}, "x"); });
    // Expanding it would take gigabytes and minutes; refusing it takes nothing.
    EXPECT_LT(seconds_since(start), 0.5);
}

TEST(XmlParse, RefusesOversizedInputBeforeParsing) {
    const std::string big(50u << 20, '<');  // 50 MB, not even XML: the size check must come first
    auto start = std::chrono::steady_clock::now();
    std::string msg = expect_code(Code::input_too_large, [&] { xml::parse(big, {}, "the IdP metadata"); });
    EXPECT_LT(seconds_since(start), 0.5);
    EXPECT_NE(msg.find("52428800"), std::string::npos) << msg;
    EXPECT_NE(msg.find("8388608"), std::string::npos) << msg;

    xml::Limits small;
    small.max_bytes = 10;
    expect_code(Code::input_too_large, [&] { xml::parse("<a>0123456789</a>", small, "x"); });
}

TEST(XmlParse, RefusesDeepNesting) {
    std::string deep;
    for (int i = 0; i < 200; ++i) deep += "<a>";
    for (int i = 0; i < 200; ++i) deep += "</a>";
    std::string msg = expect_code(Code::xml_limits, [&] { xml::parse(deep, {}, "x"); });
    EXPECT_NE(msg.find("deeper than 32 levels"), std::string::npos) << msg;

    // Beyond libxml2's own limit of 256 it is still our limit that reports.
    std::string deeper;
    for (int i = 0; i < 5000; ++i) deeper += "<a>";
    expect_code(Code::xml_limits, [&] { xml::parse(deeper, {}, "x"); });

    xml::Limits limits;
    limits.max_depth = 3;
    EXPECT_NO_THROW(xml::parse("<a><b><c/></b></a>", limits, "x"));
    expect_code(Code::xml_limits, [&] { xml::parse("<a><b><c><d/></c></b></a>", limits, "x"); });
}

TEST(XmlParse, RefusesTooManyNodes) {
    std::string many = "<a>";
    for (int i = 0; i < 1000; ++i) many += "<b x='1'/>";
    many += "</a>";
    xml::Limits limits;
    limits.max_nodes = 500;
    expect_code(Code::xml_limits, [&] { xml::parse(many, limits, "x"); });
    limits.max_nodes = 5000;
    EXPECT_NO_THROW(xml::parse(many, limits, "x"));
    // Text nodes count too (they are only visible after the tree is built).
    std::string texty = "<a>";
    for (int i = 0; i < 300; ++i) texty += "t<b/>";
    texty += "</a>";
    limits.max_nodes = 400;
    expect_code(Code::xml_limits, [&] { xml::parse(texty, limits, "x"); });
    // Comments and processing instructions are nodes as well: a document of nothing else is stopped
    // while it is being read, like one of elements.
    std::string comments = "<a>";
    for (int i = 0; i < 1000; ++i) comments += (i % 2) ? "<!---->" : "<?p?>";
    comments += "</a>";
    limits.max_nodes = 500;
    std::string msg = expect_code(Code::xml_limits, [&] { xml::parse(comments, limits, "x"); });
    EXPECT_NE(msg.find("more than 500 XML nodes"), std::string::npos) << msg;
    limits.max_nodes = 1001;
    EXPECT_NO_THROW(xml::parse(comments, limits, "x"));
}

std::string element_with(const std::string &name, int attributes, int declarations, const std::string &body = "") {
    std::string x = "<" + name;
    for (int i = 0; i < declarations; ++i) x += " xmlns:p" + std::to_string(i) + "='urn:p" + std::to_string(i) + "'";
    for (int i = 0; i < attributes; ++i) x += " a" + std::to_string(i) + "=''";
    return body.empty() ? x + "/>" : x + ">" + body + "</" + name + ">";
}

TEST(XmlParse, RefusesManyAttributesOnOneElementBeforeParsing) {
    // The reviewers' shape: a 1 MB body <x a0='' a1='' ... /> with 110,000 attributes. libxml2 used to
    // spend tens of seconds on its start tag (work that grows with the square of the attributes).
    const std::string huge = element_with("x", 110000, 0);
    ASSERT_GT(huge.size(), 1000000u);
    std::string msg = expect_code(Code::xml_attribute_limits, [&] { xml::parse(huge, {}, "SAML Response"); });
    EXPECT_NE(msg.find("SAML Response: the element <x> at line 1 has more than 32 attributes"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("at most 32 attributes and 32 namespace declarations on one element"), std::string::npos) << msg;

    // Exactly at the bound is fine; one more is refused; the bound is the caller's to lower.
    const xml::Limits d;
    const int attrs = static_cast<int>(d.max_attributes_per_element),
              decls = static_cast<int>(d.max_namespaces_per_element);
    EXPECT_NO_THROW(xml::parse(element_with("x", attrs, decls), {}, "x"));
    expect_code(Code::xml_attribute_limits, [&] { xml::parse(element_with("x", attrs + 1, 0), {}, "x"); });
    xml::Limits limits;
    limits.max_attributes_per_element = 3;
    EXPECT_NO_THROW(xml::parse("<r a='1' b=\"2\" c = '3'><s a='1' b='2' c='3'/></r>", limits, "x"));
    msg = expect_code(Code::xml_attribute_limits,
                      [&] { xml::parse("<r>\n<s:t xmlns:s='u' a='1' b='2' c='3' d='4'/></r>", limits, "x"); });
    EXPECT_NE(msg.find("the element <s:t> at line 2 has more than 3 attributes"), std::string::npos) << msg;
}

TEST(XmlParse, RefusesManyNamespaceDeclarations) {
    // 40,000 declarations on one element used to cost seconds, and they were not even counted as nodes.
    const xml::Limits d;
    const int per = static_cast<int>(d.max_namespaces_per_element), scope = static_cast<int>(d.max_namespaces_in_scope);
    ASSERT_EQ(per, 32);
    ASSERT_EQ(scope, 32);
    std::string msg = expect_code(Code::xml_attribute_limits, [] { xml::parse(element_with("x", 0, 40000), {}, "x"); });
    EXPECT_NE(msg.find("declares more than 32 namespaces"), std::string::npos) << msg;
    expect_code(Code::xml_attribute_limits, [&] { xml::parse(element_with("x", 0, per + 1), {}, "x"); });
    expect_code(Code::xml_attribute_limits,
                [&] { xml::parse("<x xmlns='urn:a'" + element_with("", 0, per).substr(1), {}, "x"); });

    // In scope: declarations on an element and all its ancestors together, 32 at most.
    std::string two_levels = element_with("a", 0, scope / 2, element_with("b", 0, scope / 2, "<c/>"));
    EXPECT_NO_THROW(xml::parse(two_levels, {}, "x"));
    std::string three_levels =
        element_with("a", 0, scope / 2, element_with("b", 0, scope / 2, element_with("c", 0, 1)));
    msg = expect_code(Code::xml_attribute_limits, [&] { xml::parse(three_levels, {}, "x"); });
    EXPECT_NE(msg.find("the element <c> at line 1 has more than 32 namespace declarations in scope"), std::string::npos)
        << msg;
    // Declarations leave scope at their element's end tag: siblings do not add up.
    std::string siblings = "<r>";
    for (int i = 0; i < 50; ++i) siblings += element_with("s", 0, per, "<t/>");
    siblings += "</r>";
    EXPECT_NO_THROW(xml::parse(siblings, {}, "x"));
    // Deep nesting with declarations on every level (the other way to pile them up).
    std::string deep;
    for (int i = 0; i < 20; ++i)
        deep += "<e xmlns:q" + std::to_string(i) + "='urn:q' xmlns:r" + std::to_string(i) + "='urn:r'>";
    for (int i = 0; i < 20; ++i) deep += "</e>";
    msg = expect_code(Code::xml_attribute_limits, [&] { xml::parse(deep, {}, "x"); });
    EXPECT_NE(msg.find("more than 32 namespace declarations in scope"), std::string::npos) << msg;
    xml::Limits limits;
    limits.max_namespaces_in_scope = 40;
    EXPECT_NO_THROW(xml::parse(deep, limits, "x"));
}

// A document cannot carry many more nodes than its size allows an ordinary one: tiny elements are
// what make a parse cost several times that of a benign document of the same size.
TEST(XmlParse, RefusesMoreNodesThanItsSizeAllows) {
    const xml::Limits d;
    std::string dense = "<a>";
    while (dense.size() < 200000) dense += "<b/>";
    dense += "</a>";
    std::string msg = expect_code(Code::xml_limits, [&] { xml::parse(dense, {}, "x"); });
    EXPECT_NE(msg.find("plus one per 8 bytes"), std::string::npos) << msg;
    // The same number of nodes with room around them, as ordinary documents have, is fine.
    std::string airy = "<a>";
    while (airy.size() < 200000) airy += "<b>a value of some length</b>";
    airy += "</a>";
    EXPECT_NO_THROW(xml::parse(airy, {}, "x"));
    // Small documents always get the allowance.
    std::string small = "<a>";
    for (std::size_t i = 0; i + 2 < d.node_allowance; ++i) small += "<b/>";
    small += "</a>";
    EXPECT_NO_THROW(xml::parse(small, {}, "x"));
    xml::Limits off;
    off.min_bytes_per_node = 0;
    EXPECT_NO_THROW(xml::parse(dense, off, "x"));
}

TEST(XmlParse, CountsNamespaceDeclarationsAsNodes) {
    // They become nodes of the tree (xmlNs) like attributes.
    xml::Limits limits;
    limits.max_nodes = 10;
    expect_code(Code::xml_limits, [&] { xml::parse(element_with("x", 0, 10), limits, "x"); });
    EXPECT_NO_THROW(xml::parse(element_with("x", 0, 9), limits, "x"));
}

TEST(XmlParse, ScanCountsOnlyRealAttributes) {
    // What looks like a start tag inside a comment, a CDATA section, a processing instruction or an
    // attribute value is text: only real start tags count.
    const std::string fake = element_with("x", 500, 100);
    const std::string doc = "<?pi " + fake + "?><a><!-- " + fake + " --><![CDATA[" + fake + "]]><?pi " + fake +
                            "?><b c=\"it's > here\" d='say \"=\" &amp; &lt;x a=1&gt;'/></a><!--" + fake + "-->";
    xml::Document d = xml::parse(doc, {}, "x");
    xmlNode *b = xml::first_child_element(d.root(), nullptr, "b");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(xml::attribute(b, "c"), "it's > here");
    EXPECT_EQ(xml::attribute(b, "d"), "say \"=\" & <x a=1>");
    // An unterminated CDATA section or processing instruction is the parser's to refuse, and the scan
    // stays linear however many openers follow.
    std::string openers = "<a>";
    for (int i = 0; i < 20000; ++i) openers += "<![CDATA[<?";
    expect_code(Code::xml_malformed, [&] { xml::parse(openers, {}, "x"); });
}

TEST(XmlParse, RefusesDoubleHyphensInCommentsBeforeParsing) {
    // XML allows no "--" inside a comment; libxml2 2.9 spends time that grows with the square of their
    // number on such a comment (about a minute for 1 MB of them, terminated or not).
    std::string full = "<a><!--";
    for (int i = 0; i < 200000; ++i) full += "-- ";
    const std::string msg =
        expect_code(Code::xml_malformed, [&] { xml::parse(full + "--></a>", {}, "SAML Response"); });
    EXPECT_NE(msg.find("SAML Response is not well-formed XML (line 1): a comment contains \"--\""), std::string::npos)
        << msg;
    expect_code(Code::xml_malformed, [&] { xml::parse(full, {}, "x"); });
    expect_code(Code::xml_malformed, [] { xml::parse("<a><!-- ends with a hyphen ---></a>", {}, "x"); });
    // Comments as XML allows them, hyphens included.
    xml::Document d = xml::parse("<!-- a - b --><a><!----><!-- - --></a><!-- -->", {}, "x");
    EXPECT_TRUE(xml::is_element(d.root(), nullptr, "a"));
}

TEST(XmlParse, LeavesLibxml2GlobalsAlone) {
    // A host may use lxml in the same process: parsing must not flip libxml2's process-wide defaults.
    const int substitute = xmlSubstituteEntitiesDefault(0);
    xmlSubstituteEntitiesDefault(substitute);
    const int keep_blanks = xmlKeepBlanksDefault(1);
    xmlKeepBlanksDefault(keep_blanks);
    const int load_ext = xmlLoadExtDtdDefaultValue;
    xml::parse("<a> <b/> </a>", {}, "x");
    EXPECT_THROW(xml::parse(crafted("doctype.xml"), {}, "x"), Error);
    EXPECT_EQ(xmlSubstituteEntitiesDefault(substitute), substitute);
    EXPECT_EQ(xmlKeepBlanksDefault(keep_blanks), keep_blanks);
    EXPECT_EQ(xmlLoadExtDtdDefaultValue, load_ext);
}

TEST(ErrorCapture, CollectsPerThreadAndNests) {
    xml::append_error_report("dropped: no capture alive");
    xml::ErrorCapture outer;
    xml::append_error_report("first");
    {
        xml::ErrorCapture inner;
        xml::append_error_report("inner only");
        EXPECT_EQ(inner.text(), "inner only");
    }
    xml::append_error_report("second");
    EXPECT_EQ(outer.text(), "first; second");
    outer.clear();
    EXPECT_EQ(outer.text(), "");
}

}  // namespace
}  // namespace ssogate::core
