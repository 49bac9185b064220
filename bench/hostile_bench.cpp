// Hostile XML shapes at the size caps (1 MiB for a response, the 8 MiB default for metadata), each
// beside the reference: libxml2's parse (xmlReadMemory, safe options) of a benign document of the
// same size, measured in the same run, in alternating turns. docs/performance.md ("Hostile
// documents") reports the ratios; absolute times depend on the machine and its load.
//
//   ssogate_bench_hostile [ROUNDS]        (bench/run.sh runs it with 5 rounds; HOSTILE=0 skips it)
//
// Each shape goes through the whole host path: verify_response_xml for responses (with the bench
// connection: an Okta-like IdP, its metadata imported), import_idp_metadata for metadata. Shapes
// that reach xmlsec1 are signed with another key (an attacker's own), over their whole bulk, so
// xmlsec1 canonicalizes and digests everything before the key fails: no IdP key is needed for that.
// Each round times the reference and the shape back to back (their order alternating), each
// repeated for at least 20 ms of thread CPU time; the median of the per-round ratios is reported.
// The last column is libxml2's own parse of the same bytes against the same reference, where that
// parse is linear: how much of a row is the parser's inherent work on that shape (tree nodes per
// byte, nesting) rather than ssogate's.
#include "fixtures.hpp"

#include "crypto/dsig.hpp"
#include "metadata/idp.hpp"
#include "response/verify.hpp"
#include "testing/idp.hpp"
#include "util/encoding.hpp"
#include "xml/xml.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace core = ssogate::core;
using ssogate::bench::fixtures;

constexpr std::size_t response_cap = 1u << 20;                   // VerifyContext::max_bytes default
const std::size_t metadata_cap = core::xml::Limits{}.max_bytes;  // import_idp_metadata default

double thread_cpu() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string repeat_to(const std::string &unit, std::size_t bytes) {
    std::string out;
    if (unit.empty()) return out;
    out.reserve(bytes);
    while (out.size() + unit.size() <= bytes) out += unit;
    return out;
}

// ---- the reference: libxml2 alone, on a benign document of the same size

void reference_parse(const std::string &xml) {
    xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "benign.xml", nullptr,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == nullptr) throw std::runtime_error("the benign reference does not parse");
    xmlFreeDoc(doc);
}

// ---- responses

core::testing::ResponseOptions response_options() {
    core::testing::ResponseOptions o;
    o.now = ssogate::bench::signed_at;
    o.acs_url = ssogate::bench::acs_url;
    o.sp_entity_id = ssogate::bench::sp_entity_id;
    o.in_response_to = ssogate::bench::request_id;
    o.nameid = "jane.doe@example.com";
    return o;
}

// The attacker: the IdP's entity ID (public), a key of its own.
const core::testing::TestIdp &attacker() {
    static const core::testing::TestIdp idp("http://www.okta.com/exk1bench0000000000");
    return idp;
}

// A benign response of (just under) `bytes`: the large fixture's attributes, as many as fit,
// signed by the IdP (verification accepts it).
std::string benign_response(std::size_t bytes) {
    auto make = [](int n) {
        core::testing::ResponseOptions o = response_options();
        for (int i = 0; i < n; ++i) {
            o.attributes.push_back({"urn:oid:1.3.6.1.4.1.99999.1." + std::to_string(i),
                                    {"value " + std::to_string(i) + " of a large profile"},
                                    "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                                    "attribute" + std::to_string(i)});
        }
        return fixtures().idp->response_xml(o);
    };
    const std::size_t per = make(101).size() - make(100).size();
    int n = static_cast<int>((bytes - make(0).size()) / per);
    std::string xml = make(n);
    while (xml.size() > bytes) xml = make(--n);
    return xml;
}

// The attacker's unsigned response with `bulk` (sized to fill `bytes` once signed) before its end.
std::string with_bulk(const std::string &prefix, const std::string &unit, const std::string &suffix, std::size_t bytes,
                      std::size_t reserve = 6000) {
    core::testing::ResponseOptions o = response_options();
    o.sign = core::testing::Sign::none;
    std::string xml = attacker().unsigned_response_xml(o);
    const std::size_t room = bytes - xml.size() - prefix.size() - suffix.size() - reserve;
    xml.insert(xml.rfind("</samlp:Response>"), prefix + repeat_to(unit, room) + suffix);
    return xml;
}

// Signs the Response (whole document) with the attacker's key, optionally with PrefixLists.
std::string attacker_signed(const std::string &xml, const std::string &transform_prefixes = {},
                            const std::string &c14n_prefixes = {}) {
    core::xml::Limits relaxed;
    relaxed.max_bytes = 64u << 20;
    relaxed.max_nodes = 100000000;
    relaxed.max_depth = 10000;
    relaxed.max_attributes_per_element = 1000000;
    relaxed.max_namespaces_per_element = 1000000;
    relaxed.max_namespaces_in_scope = 1000000;
    relaxed.min_bytes_per_node = 0;
    core::xml::Document doc = core::xml::parse(xml, relaxed, "bench document");
    core::crypto::register_saml_ids(doc.get());
    attacker().sign_element(doc.get(), doc.root(), {}, {}, transform_prefixes, c14n_prefixes);
    return core::testing::serialize(doc.get());
}

std::string prefixes(int n, const std::string &stem = "p") {
    std::string out;
    for (int i = 0; i < n; ++i) out += (i ? " " : "") + stem + std::to_string(i);
    return out;
}

std::string declarations(int n, const std::string &stem) {
    std::string out;
    for (int i = 0; i < n; ++i) out += " xmlns:" + stem + std::to_string(i) + "='urn:" + stem + std::to_string(i) + "'";
    return out;
}

std::string attributes(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += " a" + std::to_string(i) + "=''";
    return out;
}

std::string utf16le(const std::string &ascii) {
    std::string out = "\xFF\xFE";
    out.reserve(2 + 2 * ascii.size());
    for (char c : ascii) {
        out.push_back(c);
        out.push_back('\0');
    }
    return out;
}

// ---- metadata

// A benign aggregate of (just under) `bytes`: copies of the bench IdP's metadata, each its own entity.
std::string benign_aggregate(std::size_t bytes) {
    std::string entity = fixtures().metadata_xml;
    if (entity.rfind("<?xml", 0) == 0) entity = entity.substr(entity.find("?>") + 2);
    const std::string open = "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">";
    const std::string close = "</md:EntitiesDescriptor>";
    std::string out = open;
    for (int i = 0;; ++i) {
        std::string e = entity;
        const std::string id = "http://www.okta.com/exk1bench0000000000";
        e.replace(e.find(id), id.size(), id + "-" + std::to_string(i));
        if (out.size() + e.size() + close.size() > bytes) break;
        out += e;
    }
    return out + close;
}

std::string metadata_with_bulk(const std::string &prefix, const std::string &unit, const std::string &suffix,
                               std::size_t bytes) {
    std::string md = fixtures().metadata_xml;
    const std::size_t room = bytes - md.size() - prefix.size() - suffix.size() - 1000;
    md.insert(md.rfind("</md:EntityDescriptor>"), prefix + repeat_to(unit, room) + suffix);
    return md;
}

// ---- the table

struct Row {
    std::string kind;  // "response" or "metadata"
    std::string name;
    std::function<std::string()> run;  // returns the outcome (a code name or OK)
};

std::string outcome_of(const std::function<void()> &f) {
    try {
        f();
        return "OK";
    } catch (const core::Error &e) {
        return core::code_name(e.code());
    }
}

struct Measured {
    double reference = 0, shape = 0, ratio = 0, low = 0, high = 0;
};

// Runs `f` repeatedly for at least `min_seconds` of thread CPU; returns seconds per run.
double per_run(const std::function<void()> &f, double min_seconds = 0.02) {
    int n = 0;
    const double start = thread_cpu();
    double elapsed = 0;
    do {
        f();
        ++n;
        elapsed = thread_cpu() - start;
    } while (elapsed < min_seconds);
    return elapsed / n;
}

Measured measure(const std::function<void()> &reference, const std::function<void()> &shape, int rounds) {
    std::vector<double> refs, shapes, ratios;
    for (int r = 0; r < rounds; ++r) {
        double a, b;
        if (r % 2 == 0) {
            a = per_run(reference);
            b = per_run(shape);
        } else {
            b = per_run(shape);
            a = per_run(reference);
        }
        refs.push_back(a);
        shapes.push_back(b);
        ratios.push_back(b / a);
    }
    return {median(refs), median(shapes), median(ratios), *std::min_element(ratios.begin(), ratios.end()),
            *std::max_element(ratios.begin(), ratios.end())};
}

}  // namespace

int main(int argc, char **argv) {
    const int rounds = argc >= 2 ? std::max(1, std::atoi(argv[1])) : 5;
    core::xml::ensure_initialized();
    const auto &fx = fixtures();
    const core::Connection &conn = *fx.connection;
    const core::crypto::KeySet &keys = conn.verification_keys();
    ssogate::bench::AcceptEveryReplayCache replay;
    core::VerifyContext ctx;
    ctx.now = ssogate::bench::verified_at;
    ctx.pending_request_ids = {ssogate::bench::request_id};
    ctx.replay = &replay;

    std::fprintf(stderr, "building the documents (signing the large ones takes a while)...\n");
    const std::string benign_resp = benign_response(response_cap);
    const std::string benign_md = benign_aggregate(metadata_cap);

    struct Doc {
        std::string kind, name, bytes;
        core::ImportOptions import;
        bool libxml2_alone = true;  // false: libxml2 alone spends seconds to minutes on these bytes
    };
    std::vector<Doc> docs;
    auto response = [&](std::string name, std::string bytes, bool libxml2_alone = true) {
        if (bytes.size() > response_cap) throw std::runtime_error(name + " is over the response cap");
        docs.push_back({"response", std::move(name), std::move(bytes), {}, libxml2_alone});
    };
    auto metadata = [&](std::string name, std::string bytes, core::ImportOptions o = {}, bool libxml2_alone = true) {
        if (bytes.size() > metadata_cap) throw std::runtime_error(name + " is over the metadata cap");
        o.now = ssogate::bench::signed_at;
        docs.push_back({"metadata", std::move(name), std::move(bytes), std::move(o), libxml2_alone});
    };

    // Benign, at the cap: what a legitimate maximal document costs.
    response("benign, signed by the IdP (accepted)", benign_resp);

    // Refused before libxml2 parses (the scan) or before any digest (the signature profile).
    {
        std::string x = with_bulk("", "", "", response_cap);
        const std::size_t at = x.find("<samlp:Response") + std::string("<samlp:Response").size();
        std::string attrs;
        for (int i = 0; attrs.size() + x.size() + 16 < response_cap; ++i) attrs += " a" + std::to_string(i) + "=''";
        std::string one = x;
        one.insert(at, attrs);
        response("attributes on one element (~110,000)", one, false);
        std::string decls;
        for (int i = 0; decls.size() + x.size() + 32 < response_cap; ++i)
            decls += " xmlns:p" + std::to_string(i) + "='urn:p" + std::to_string(i) + "'";
        std::string nsone = x;
        nsone.insert(at, decls);
        response("namespace declarations on one element (~40,000)", nsone, false);
    }
    {
        // The reviewers' item 2 shape at the cap: 5,000 prefixes, and the bulk the list is searched at.
        std::string signed_small = attacker_signed(with_bulk("", "", "", 8000, 0));
        const std::string plain = "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>";
        const std::size_t t = signed_small.find(plain);
        if (t == std::string::npos) throw std::runtime_error("no exc-c14n Transform");
        signed_small.replace(t, plain.size(),
                             "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"><InclusiveNamespaces "
                             "xmlns=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"" +
                                 prefixes(5000) + "\"/></ds:Transform>");
        // The filler is shaped like the benign response's attributes, so the row shows the list alone.
        const std::size_t end = signed_small.rfind("</samlp:Response>");
        signed_small.insert(end,
                            repeat_to("<saml:Attribute Name=\"urn:oid:1.3.6.1.4.1.99999.1.1\" NameFormat=\"urn:oasis:"
                                      "names:tc:SAML:2.0:attrname-format:uri\"><saml:AttributeValue>value 1 of a large "
                                      "profile</saml:AttributeValue></saml:Attribute>",
                                      response_cap - signed_small.size() - 16));
        response("InclusiveNamespaces of 5,000 prefixes", signed_small);
    }
    response("a comment full of \"--\"", with_bulk("<!--", "-- ", "-->", response_cap), false);
    {
        std::string genuine = benign_response(response_cap / 2 - 64);
        const std::string decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
        genuine.replace(0, decl.size(), "<?xml version=\"1.0\" encoding=\"UTF-16\"?>");
        response("UTF-16 response (accepted)", utf16le(genuine));
        // Then U+0000 and anything (refused at the first NUL, wherever the tail goes).
        const std::string head = utf16le(genuine) + std::string("\0\0", 2);
        response("UTF-16, U+0000, then more",
                 head + utf16le(repeat_to("<y/>", (response_cap - head.size()) / 2 - 2)).substr(2));
    }

    // Within every bound (each shape as close to a bound as a real document's root allows): parsed, then
    // canonicalized and digested by xmlsec1 before the key fails.
    std::fprintf(stderr, "signing the shapes that reach xmlsec1...\n");
    const core::xml::Limits lim;
    const int n_attrs = static_cast<int>(lim.max_attributes_per_element);
    const int n_decls = static_cast<int>(lim.max_namespaces_per_element);
    // The response's root and assertion declare a few namespaces of their own.
    const int n_scope = static_cast<int>(lim.max_namespaces_in_scope) - 4;
    const int n_depth = static_cast<int>(std::min(lim.max_depth, lim.max_namespaces_in_scope)) - 6;
    response(std::to_string(n_attrs) + " attributes on every element",
             attacker_signed(with_bulk("", "<x" + attributes(n_attrs) + "/>", "", response_cap)));
    response(std::to_string(n_decls) + " declarations on every element",
             attacker_signed(with_bulk("", "<x" + declarations(n_decls - 4, "p") + "/>", "", response_cap)));
    response(std::to_string(n_scope) + " declarations in scope, prefixed leaves",
             attacker_signed(with_bulk(
                 "<e" + declarations(n_scope / 2, "p") + "><f" + declarations(n_scope - n_scope / 2, "q") + ">",
                 "<p0:y p1:a=''/>", "</f></e>", response_cap)));
    {
        std::string open, close;
        for (int i = 0; i < n_depth; ++i) {
            open += "<e xmlns:d" + std::to_string(i) + "='urn:d" + std::to_string(i) + "'>";
            close += "</e>";
        }
        response("depth " + std::to_string(n_depth) + ", a declaration on each level",
                 attacker_signed(with_bulk(open, "<d0:y/>", close, response_cap)));
        response("the same, 16-prefix lists on both c14n methods",
                 attacker_signed(with_bulk(open, "<y/>", close, response_cap), prefixes(16), prefixes(16, "q")));
    }
    // As many nodes as the size allows (one per 8 bytes), then past it (refused while parsing).
    response("one empty element per 8 bytes", attacker_signed(with_bulk("", "<yyyyy/>", "", response_cap)));
    response("empty elements, one per 4 bytes", attacker_signed(with_bulk("", "<y/>", "", response_cap)));

    // Metadata, at the import cap.
    {
        const std::string md = fx.metadata_xml;
        metadata("benign aggregate, 1 IdP chosen (accepted)", benign_md, [] {
            core::ImportOptions o;
            o.entity_id = "http://www.okta.com/exk1bench0000000000-7";
            return o;
        }());
        const std::size_t at = md.find("<md:EntityDescriptor") + std::string("<md:EntityDescriptor").size();
        std::string attrs;
        for (int i = 0; attrs.size() + md.size() + 16 < metadata_cap; ++i) attrs += " a" + std::to_string(i) + "=''";
        std::string one = md;
        one.insert(at, attrs);
        metadata("attributes on one element (~800,000)", one, {}, false);
        std::string decls;
        for (int i = 0; decls.size() + md.size() + 32 < metadata_cap; ++i)
            decls += " xmlns:p" + std::to_string(i) + "='urn:p" + std::to_string(i) + "'";
        std::string nsone = md;
        nsone.insert(at, decls);
        metadata("namespace declarations on one element", nsone, {}, false);
        metadata("a comment full of \"--\"", metadata_with_bulk("<!--", "-- ", "-->", metadata_cap), {}, false);
        metadata(
            std::to_string(n_attrs) + " attributes on every element",
            metadata_with_bulk("<md:Extensions>", "<x" + attributes(n_attrs) + "/>", "</md:Extensions>", metadata_cap));
        std::string open = "<md:Extensions>", close;
        for (int i = 0; i < n_depth; ++i) {
            open += "<e xmlns:d" + std::to_string(i) + "='urn:d" + std::to_string(i) + "'>";
            close += "</e>";
        }
        metadata("depth " + std::to_string(n_depth) + ", a declaration on each level",
                 metadata_with_bulk(open, "<d0:y/>", close + "</md:Extensions>", metadata_cap));
        metadata("one empty element per 8 bytes",
                 metadata_with_bulk("<md:Extensions>", "<yyyyy/>", "</md:Extensions>", metadata_cap));
        // A trusted signer is configured (a federation): the 5,000-prefix list is refused before
        // xmlsec1 canonicalizes anything.
        core::xml::Document doc = core::xml::parse(md, {}, "metadata");
        xmlNode *root = doc.root();
        xmlSetProp(root, reinterpret_cast<const xmlChar *>("ID"), reinterpret_cast<const xmlChar *>("_md"));
        core::crypto::register_saml_ids(doc.get());
        xmlAttr *id = xmlHasProp(root, reinterpret_cast<const xmlChar *>("ID"));
        xmlAddID(nullptr, doc.get(), reinterpret_cast<const xmlChar *>("_md"), id);
        attacker().sign_element(doc.get(), root);
        std::string signed_md = core::testing::serialize(doc.get());
        const std::string plain = "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>";
        signed_md.replace(signed_md.find(plain), plain.size(),
                          "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"><InclusiveNamespaces "
                          "xmlns=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"" +
                              prefixes(5000) + "\"/></ds:Transform>");
        // (Leaves with text, so the node count stays under its cap and the profile check is reached.)
        signed_md.insert(
            signed_md.rfind("</md:EntityDescriptor>"),
            "<md:Extensions>" +
                repeat_to("<y>a value of forty bytes, give or take.</y>", metadata_cap - signed_md.size() - 64) +
                "</md:Extensions>");
        core::ImportOptions o;
        o.trusted_signer_pem = fx.idp->certificate_pem();
        metadata("signed, InclusiveNamespaces of 5,000 prefixes", signed_md, o);
        // The benign aggregate signed with another key than the trusted signer's: refused after the
        // SignatureValue check over SignedInfo, before the 8 MiB are canonicalized.
        core::xml::Limits big;
        big.max_bytes = 64u << 20;
        core::xml::Document agg = core::xml::parse(benign_aggregate(metadata_cap - 8192), big, "aggregate");
        xmlSetProp(agg.root(), reinterpret_cast<const xmlChar *>("ID"), reinterpret_cast<const xmlChar *>("_agg"));
        xmlAddID(nullptr, agg.get(), reinterpret_cast<const xmlChar *>("_agg"),
                 xmlHasProp(agg.root(), reinterpret_cast<const xmlChar *>("ID")));
        attacker().sign_element(agg.get(), agg.root());
        core::ImportOptions other = o;
        other.entity_id = "http://www.okta.com/exk1bench0000000000-7";
        metadata("benign aggregate signed with another key", core::testing::serialize(agg.get()), other);
    }

    std::printf(
        "hostile documents beside libxml2's parse of a benign document of the same size (the reference),\n"
        "thread CPU time, %d rounds, median of per-round ratios (lowest-highest round); load average %s",
        rounds, [] {
            static char buf[64] = "?\n";
            if (std::FILE *f = std::fopen("/proc/loadavg", "r")) {
                double a = 0, b = 0, c = 0;
                if (std::fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
                    std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f\n", a, b, c);
                std::fclose(f);
            }
            return buf;
        }());
    std::printf("%-9s %-50s %6s %-27s %9s %12s %8s %15s %16s\n", "input", "shape", "KiB", "outcome", "ref (ms)",
                "ssogate (ms)", "ratio", "range", "libxml2 alone");
    for (const Doc &d : docs) {
        const bool is_response = d.kind == "response";
        const std::string &ref_doc = is_response ? benign_resp : benign_md;
        auto run = [&]() -> std::string {
            if (is_response) return outcome_of([&] { core::verify_response_xml(conn, keys, d.bytes, ctx); });
            return outcome_of([&] { core::import_idp_metadata(d.bytes, d.import); });
        };
        const std::string outcome = run();  // warm-up, and what the row is about
        const Measured m = measure([&] { reference_parse(ref_doc); }, [&] { run(); }, rounds);
        // libxml2's own parse of the very same bytes (no checks, no signature), beside the same
        // reference: how much of the row is the parser's work on that shape.
        std::string alone = "-";
        if (d.libxml2_alone) {
            auto parse_only = [&] {
                xmlDocPtr doc =
                    xmlReadMemory(d.bytes.data(), static_cast<int>(d.bytes.size()), "shape.xml", nullptr,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE);
                xmlFreeDoc(doc);
            };
            const Measured l = measure([&] { reference_parse(ref_doc); }, parse_only, rounds);
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.2fx", l.ratio);
            alone = buf;
        }
        std::printf("%-9s %-50s %6zu %-27s %9.2f %12.2f %7.2fx %7.2f-%.2fx %16s\n", d.kind.c_str(), d.name.c_str(),
                    d.bytes.size() / 1024, outcome.c_str(), m.reference * 1e3, m.shape * 1e3, m.ratio, m.low, m.high,
                    alone.c_str());
        std::fflush(stdout);
    }
    return 0;
}
