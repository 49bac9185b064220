// The header-only C++17 view (ssogate.hpp) over libssogate: ownership, values and exceptions.
// Usage: capi_hpp_test VECTORS_DIR
#include <ssogate/ssogate.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace {

int passed = 0;

[[noreturn]] void fail_at(int line, const char *what) {
    std::fprintf(stderr, "hpp_test.cpp:%d: check failed: %s\n", line, what);
    std::printf("%d passed, 1 failed\n", passed);
    std::exit(1);
}

#define CHECK(cond)                   \
    do {                              \
        if (cond) {                   \
            ++passed;                 \
        } else {                      \
            fail_at(__LINE__, #cond); \
        }                             \
    } while (0)

// Runs `body`, which must throw ssogate::Error with `code`.
template <typename Body>
void expect_error(int line, int code, Body body) {
    try {
        body();
    } catch (const ssogate::Error &e) {
        if (e.code() != code) {
            std::fprintf(stderr, "  got %s: %s\n", e.code_name(), e.message().c_str());
            fail_at(line, "ssogate::Error with the expected code");
        }
        ++passed;
        return;
    }
    fail_at(line, "an ssogate::Error was thrown");
}

std::string vectors;

std::string read(const std::string &rel) {
    std::ifstream in(vectors + "/" + rel, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot open %s/%s\n", vectors.c_str(), rel.c_str());
        std::exit(2);
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

ssogate::IdpOptions at_corpus_date() {
    ssogate::IdpOptions o;
    o.now = 1795824000;  // 2026-11-28T00:00:00Z
    return o;
}

void test_idp() {
    const auto xml = read("interop/metadata/okta-1.xml");
    auto idp = ssogate::Idp::import_metadata(xml, {}, {}, at_corpus_date());
    CHECK(idp.entity_id() == "http://www.okta.com/exkppsa1qwuFV4D7z0h7");
    const auto sso = idp.sso_endpoints();
    CHECK(sso.size() == 2);
    CHECK(sso[0].binding == ssogate::Binding::http_post);
    CHECK(sso[1].binding_uri == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect");
    CHECK(idp.sso_url(ssogate::Binding::http_redirect) == sso[1].location);
    CHECK(!idp.sso_url(ssogate::Binding::other).has_value());
    CHECK(idp.slo_endpoints().empty());
    CHECK(idp.nameid_formats().size() == 2);
    CHECK(!idp.valid_until().has_value());
    CHECK(!idp.want_authn_requests_signed());
    CHECK(!idp.signature_verified());
    const auto certs = idp.certificates();
    CHECK(certs.size() == 1);
    CHECK(certs[0].sha256 ==
          "D4:0D:F0:1C:CE:DE:49:D2:07:CB:6D:8A:BD:15:77:0A:4B:6E:CA:14:A8:54:48:C2:95:9A:98:F8:5D:C3:1E:D4");
    CHECK(certs[0].der.size() > 500 && static_cast<unsigned char>(certs[0].der[0]) == 0x30);
    CHECK(certs[0].pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
    CHECK(certs[0].key_type == "RSA" && certs[0].key_bits == 2048);
    CHECK(certs[0].not_after == 1851950039);
    CHECK(idp.warnings().empty());

    // Move-only ownership: the moved-from object is empty and its destructor frees nothing.
    ssogate::Idp moved = std::move(idp);
    CHECK(moved && !idp);
    CHECK(moved.entity_id() == "http://www.okta.com/exkppsa1qwuFV4D7z0h7");
    CHECK(idp.entity_id().empty() && idp.certificates().empty());

    const auto adfs = ssogate::Idp::import_metadata(read("interop/metadata/adfs-1.xml"), {}, {}, at_corpus_date());
    const auto warnings = adfs.warnings();
    CHECK(!warnings.empty() && warnings[0].code == SSOGATE_WARN_CERT_EXPIRED && !warnings[0].message.empty());
}

void test_errors() {
    expect_error(__LINE__, SSOGATE_METADATA_EXPIRED, [] {
        ssogate::Idp::import_metadata(read("interop/metadata/google-1.xml"), {}, {}, at_corpus_date());
    });
    expect_error(__LINE__, SSOGATE_METADATA_AMBIGUOUS, [] {
        ssogate::Idp::import_metadata(read("interop/metadata/federation-2.xml"), {}, {}, at_corpus_date());
    });
    const auto fed = ssogate::Idp::import_metadata(read("interop/metadata/federation-2.xml"),
                                                   "https://idp.umu.se/saml2/idp/metadata.php", {}, at_corpus_date());
    CHECK(fed.entity_id() == "https://idp.umu.se/saml2/idp/metadata.php");
    try {
        ssogate::Idp::import_metadata("<not-xml");
        fail_at(__LINE__, "malformed XML throws");
    } catch (const ssogate::Error &e) {
        CHECK(e.code() == SSOGATE_XML_MALFORMED);
        CHECK(std::string(e.code_name()) == "XML_MALFORMED");
        CHECK(std::string(e.what()).rfind("XML_MALFORMED: ", 0) == 0);
        CHECK(!e.message().empty());
    }
    CHECK(std::string(ssogate::code_name(SSOGATE_INVALID_URL)) == "INVALID_URL");
    CHECK(ssogate::version_number() == SSOGATE_VERSION_NUMBER);
    CHECK(!ssogate::version_string().empty());
}

void test_connection() {
    auto idp = ssogate::Idp::import_metadata(read("interop/metadata/okta-1.xml"), {}, {}, at_corpus_date());
    ssogate::ConnectionParams params;
    params.base_url = "https://app.example.com";
    params.id = "okta-prod";
    params.description = "Okta, production";
    params.allowed_domains = {"example.com"};
    ssogate::ConnectionOptions options;
    options.jit_provisioning = true;
    options.clock_skew_seconds = 120;
    ssogate::Connection conn(idp, params, options);
    CHECK(conn.id() == "okta-prod");
    CHECK(conn.acs_url() == "https://app.example.com/sso/saml/okta-prod/acs");
    CHECK(conn.sp_entity_id() == "https://app.example.com/sso/saml/okta-prod");
    CHECK(conn.description() == "Okta, production");
    CHECK(conn.jit_provisioning() && !conn.allow_idp_initiated() && !conn.allow_sha1());
    CHECK(conn.clock_skew_seconds() == 120);
    CHECK(conn.allowed_domains() == std::vector<std::string>{"example.com"});
    CHECK(conn.email_attribute().empty());
    CHECK(conn.sp_metadata().find("https://app.example.com/sso/saml/okta-prod/acs") != std::string::npos);

    // The borrowed IdP view outlives the Idp it was made from: the connection holds its own.
    idp = ssogate::Idp(nullptr);
    CHECK(conn.idp().entity_id() == "http://www.okta.com/exkppsa1qwuFV4D7z0h7");

    const auto back = ssogate::Connection::from_json(conn.to_json(), at_corpus_date());
    CHECK(back.to_json() == conn.to_json());
    CHECK(back.idp().certificates().size() == 1);

    expect_error(__LINE__, SSOGATE_CONNECTION_JSON, [] { ssogate::Connection::from_json("{oops"); });

    auto fresh = ssogate::Idp::import_metadata(read("interop/metadata/okta-1.xml"), {}, {}, at_corpus_date());
    expect_error(__LINE__, SSOGATE_INVALID_SETTING, [&] {
        ssogate::ConnectionOptions bad;
        bad.clock_skew_seconds = 601;
        ssogate::Connection c(fresh, params, bad);
    });
    expect_error(__LINE__, SSOGATE_INVALID_URL, [&] {
        ssogate::ConnectionParams p;
        p.base_url = "app.example.com";
        ssogate::Connection c(fresh, p);
    });

    ssogate::Connection other = std::move(conn);
    CHECK(other && !conn && conn.get() == nullptr && conn.acs_url().empty());
}

// The explanation values through the C++ view: a response the connection accepts (nothing recorded),
// then one posted to a proxy's address.
void test_explain() {
    ssogate::TestIdp idp("https://idp.test.example/saml");
    auto imported = ssogate::Idp::import_metadata(idp.metadata_xml());
    ssogate::ConnectionParams params;
    params.base_url = "https://app.example.com";
    params.id = "c1";
    ssogate::Connection conn(imported, params);
    auto cache = ssogate::ReplayCache::memory();
    const auto good = idp.response(ssogate::TestResponseParams().connection(conn).in_response_to("_r1"));
    auto x = ssogate::explain_response(conn, good.base64, {"_r1"}, &cache);
    CHECK(x.first_failure == SSOGATE_OK);
    CHECK(x.checks.size() >= 25 && x.hints.empty());
    for (const auto &c : x.checks) CHECK(c.status == ssogate::CheckStatus::pass && c.code == SSOGATE_OK);
    CHECK(x.checks.back().name == "replay");
    // Verification after it accepts: explaining recorded nothing.
    CHECK(ssogate::verify_response(conn, good.base64, {"_r1"}, cache).email == "alice@example.com");
    CHECK(ssogate::explain_response(conn, good.base64, {"_r1"}, &cache).first_failure == SSOGATE_REPLAYED);

    const auto proxied = idp.response(ssogate::TestResponseParams().connection(conn).in_response_to("_r1").acs_url(
        "http://10.0.0.5:8080/sso/saml/c1/acs"));
    x = ssogate::explain_response(conn, proxied.base64, {"_r1"});
    CHECK(x.first_failure == SSOGATE_DESTINATION_MISMATCH);
    bool proxy_hint = false;
    for (const auto &h : x.hints) proxy_hint |= h.name == "acs_behind_proxy";
    CHECK(proxy_hint);
    for (const auto &c : x.checks) {
        if (c.name == "destination") {
            CHECK(c.status == ssogate::CheckStatus::fail && c.code == SSOGATE_DESTINATION_MISMATCH);
            CHECK(c.expected == "https://app.example.com/sso/saml/c1/acs");
            CHECK(c.got == "http://10.0.0.5:8080/sso/saml/c1/acs");
        }
    }
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    vectors = argv[1];
    test_idp();
    test_errors();
    test_connection();
    test_explain();
    std::printf("%d passed, 0 failed\n", passed);
    return 0;
}
