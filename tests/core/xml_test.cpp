#include "support.hpp"
#include "xml/xml.hpp"

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
    xml::Document doc = xml::parse("<r xmlns='urn:r' xmlns:o='urn:o'>t<c n='1'/><!----><o:c/><c n='2'/><d/></r>", {},
                                   "test input");
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
    std::string msg = expect_code(Code::xml_malformed, [] { xml::parse(crafted("malformed.xml"), {}, "the IdP metadata"); });
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
    EXPECT_NE(msg.find("NUL byte at offset 4"), std::string::npos) << msg;
    const std::string inside("<a>x\0y</a>", 10);
    expect_code(Code::xml_malformed, [&] { xml::parse(inside, {}, "x"); });
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
    std::string msg = expect_code(Code::xml_doctype, [] { xml::parse(crafted("doctype.xml"), {}, "the IdP metadata"); });
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
    EXPECT_NE(msg.find("128"), std::string::npos) << msg;

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
