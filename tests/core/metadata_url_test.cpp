// Metadata by URL against a real HTTPS server on 127.0.0.1 with a test CA (tests/support/metadata_server.py):
// first import, 304, key rotation events, expiry, last-known-good on every kind of bad new document, and
// each refusal of the fetch policy (redirects, private addresses, timeouts, size, TLS). Plus the address
// guard's classification, manual set-up, the refresh schedule and the JSON round trip.
#include "connection/connection.hpp"
#include "fetch/fetch.hpp"
#include "metadata/refresh.hpp"
#include "metadata_server.hpp"
#include "support.hpp"
#include "testing/idp.hpp"
#include "util/encoding.hpp"
#include "xml/xml.hpp"

#include <arpa/inet.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace ssogate::core;
using metadata_test::MetadataServer;
using ssogate::core::test::expect_code;
using ssogate::core::test::fixed_now;
using ssogate::core::test::interop;

namespace {

const std::string entity = "https://idp.rotation.example/saml";

// IdP metadata with these certificates (DER), optionally with validUntil and cacheDuration.
std::string metadata(const std::vector<std::string> &certs_der,
                     const std::string &sso = "https://idp.rotation.example/sso", const std::string &attributes = "",
                     const std::string &entity_id = entity) {
    std::string keys;
    for (const auto &der : certs_der) {
        keys += "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
                util::base64_encode(der) + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>";
    }
    return "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
           "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" +
           entity_id + "\" " + attributes +
           "><md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">" + keys +
           "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"" + sso +
           "\"/></md:IDPSSODescriptor></md:EntityDescriptor>";
}

RefreshOptions options_for(const MetadataServer &server) {
    RefreshOptions o;
    o.policy.ca_file = server.ca_file();
    o.policy.allowed_networks = {fetch::parse_network("127.0.0.1/32")};
    o.policy.timeout_ms = 8000;
    return o;
}

std::shared_ptr<const Connection> connect(std::shared_ptr<const IdpMetadata> md) {
    ConnectionParams p;
    p.base_url = "https://app.example.com";
    p.id = "rot";
    return make_connection(std::move(md), p);
}

std::vector<std::string> names(const std::vector<MetadataEvent> &events) {
    std::vector<std::string> out;
    for (const auto &e : events) out.push_back(metadata_event_name(e.kind));
    return out;
}

bool has_event(const std::vector<MetadataEvent> &events, MetadataEventKind kind) {
    for (const auto &e : events)
        if (e.kind == kind) return true;
    return false;
}

struct Keys {
    ssogate::core::testing::TestIdp a{entity};
    ssogate::core::testing::TestIdp b{entity};
};

}  // namespace

TEST(MetadataUrl, ImportThen304ThenRotationWithEvents) {
    MetadataServer server;
    Keys k;
    server.put("md.xml",
               metadata({k.a.certificate_der()}, "https://idp.rotation.example/sso", "cacheDuration=\"PT1H\""));
    const RefreshOptions o = options_for(server);
    const UrlImport imported = import_idp_metadata_url(server.https("md.xml"), {}, o);
    EXPECT_EQ(imported.idp->entity_id(), entity);
    EXPECT_EQ(imported.idp->source().url, server.https("md.xml"));
    EXPECT_FALSE(imported.idp->source().etag.empty());
    EXPECT_FALSE(imported.idp->source().last_modified.empty());
    EXPECT_GT(imported.idp->source().next_refresh_at, imported.idp->source().fetched_at);
    EXPECT_TRUE(imported.events.empty()) << names(imported.events).size();
    auto conn = connect(imported.idp);

    // Nothing changed: a conditional GET and 304.
    RefreshResult r = refresh_connection(*conn, o);
    EXPECT_FALSE(r.failure) << r.failure->what();
    EXPECT_TRUE(r.not_modified);
    EXPECT_FALSE(r.applied);
    EXPECT_TRUE(r.events.empty());
    EXPECT_NE(server.requests().find("GET /md.xml \""), std::string::npos) << server.requests();

    // The IdP publishes its next key beside the current one: added.
    server.put("md.xml", metadata({k.a.certificate_der(), k.b.certificate_der()}));
    r = refresh_connection(*r.connection, o);
    ASSERT_FALSE(r.failure) << r.failure->what();
    EXPECT_TRUE(r.applied);
    ASSERT_EQ(names(r.events), (std::vector<std::string>{"METADATA_UPDATED", "SIGNING_KEY_ADDED"}));
    EXPECT_EQ(r.events[1].fingerprint, crypto::parse_certificate_der(k.b.certificate_der()).sha256);
    EXPECT_EQ(r.connection->idp()->signing_certificates().size(), 2u);

    // After the overlap the old key goes, and the SSO URL moves: removed, URL changed.
    server.put("md.xml", metadata({k.b.certificate_der()}, "https://idp.rotation.example/sso2"));
    r = refresh_connection(*r.connection, o);
    ASSERT_FALSE(r.failure) << r.failure->what();
    ASSERT_EQ(names(r.events),
              (std::vector<std::string>{"METADATA_UPDATED", "SIGNING_KEY_REMOVED", "SSO_URL_CHANGED"}));
    EXPECT_EQ(r.events[1].fingerprint, crypto::parse_certificate_der(k.a.certificate_der()).sha256);
    EXPECT_EQ(r.events[2].old_value, "https://idp.rotation.example/sso");
    EXPECT_EQ(r.events[2].new_value, "https://idp.rotation.example/sso2");
    EXPECT_EQ(r.connection->id(), "rot");
    EXPECT_EQ(r.connection->acs_url(), conn->acs_url());

    // The refresh state travels in the connection's JSON.
    const auto back = connection_from_json(r.connection->to_json());
    EXPECT_EQ(back->idp()->source().url, server.https("md.xml"));
    EXPECT_EQ(back->idp()->source().etag, r.connection->idp()->source().etag);
    EXPECT_EQ(back->idp()->signing_certificates().size(), 1u);
}

TEST(MetadataUrl, ExpiringCertificateIsReported) {
    MetadataServer server;
    Keys k;
    server.put("md.xml", metadata({k.a.certificate_der()}));
    RefreshOptions o = options_for(server);
    const auto not_after = crypto::parse_certificate_der(k.a.certificate_der()).not_after;
    o.now = not_after - 10 * 86400;
    const UrlImport imported = import_idp_metadata_url(server.https("md.xml"), {}, o);
    ASSERT_EQ(names(imported.events), (std::vector<std::string>{"CERTIFICATE_EXPIRES_SOON"}));
    EXPECT_NE(imported.events[0].message.find("in 10 days"), std::string::npos) << imported.events[0].message;
    o.now = not_after + 1;
    const RefreshResult r = refresh_connection(*connect(imported.idp), o);
    EXPECT_TRUE(has_event(r.events, MetadataEventKind::certificate_expired));
}

TEST(MetadataUrl, BadNewDocumentsKeepTheLastKnownGood) {
    MetadataServer server;
    Keys k;
    server.put("md.xml", metadata({k.a.certificate_der()}));
    const RefreshOptions o = options_for(server);
    auto conn = connect(import_idp_metadata_url(server.https("md.xml"), {}, o).idp);
    const auto good = conn->idp()->source_xml();

    struct Case {
        std::string body;
        Code code;
    };
    const std::vector<Case> cases = {
        {"<md:EntityDescriptor", Code::xml_malformed},
        {metadata({k.b.certificate_der()}, "https://idp.rotation.example/sso", "validUntil=\"2001-01-01T00:00:00Z\""),
         Code::metadata_expired},
        {metadata({k.b.certificate_der()}, "https://idp.rotation.example/sso", "", "https://other.example/idp"),
         Code::metadata_entity_changed},
        {"<html><body>Sign in</body></html>", Code::metadata_not_saml},
    };
    int failures = 0;
    for (const Case &c : cases) {
        server.put("md.xml", c.body);
        const RefreshResult r = refresh_connection(*conn, o);
        ++failures;
        ASSERT_TRUE(r.failure) << c.body;
        EXPECT_EQ(r.failure->code(), c.code) << r.failure->what();
        EXPECT_FALSE(r.applied);
        EXPECT_EQ(r.connection->idp()->source_xml(), good) << "the last known good stays in force";
        EXPECT_EQ(r.connection->idp()->source().consecutive_failures, failures);
        EXPECT_EQ(r.connection->idp()->source().last_error_code, static_cast<int>(c.code));
        ASSERT_FALSE(r.events.empty());
        const MetadataEvent &e = r.events[0];
        EXPECT_EQ(e.kind, c.code == Code::metadata_entity_changed ? MetadataEventKind::entity_id_changed
                                                                  : MetadataEventKind::refresh_failed);
        EXPECT_EQ(e.failures, failures);
        EXPECT_EQ(e.error, c.code);
        EXPECT_GT(r.connection->idp()->source().next_refresh_at, 0);
        conn = r.connection;
    }
    // The server comes back with a good document: applied, the failure count starts again.
    server.put("md.xml", metadata({k.a.certificate_der(), k.b.certificate_der()}));
    const RefreshResult r = refresh_connection(*conn, o);
    ASSERT_FALSE(r.failure) << r.failure->what();
    EXPECT_EQ(r.connection->idp()->source().consecutive_failures, 0);
    EXPECT_EQ(r.connection->idp()->source().last_error_code, 0);
}

TEST(MetadataUrl, PinnedSignerIsCheckedOnEveryRefresh) {
    MetadataServer server;
    const std::string signed_md = interop("metadata/entra-1.xml");
    server.put("entra.xml", signed_md);
    RefreshOptions o = options_for(server);
    o.now = fixed_now();
    ImportOptions io;
    io.trusted_signer_pem = ssogate::core::test::embedded_signer_pem(signed_md);
    const UrlImport imported = import_idp_metadata_url(server.https("entra.xml"), io, o);
    EXPECT_TRUE(imported.idp->signature_verified());
    std::string tampered = signed_md;
    const std::string from = "https://login.microsoftonline.com/";
    tampered.replace(tampered.find(from), from.size(), "https://login.micr0softonline.com/");
    server.put("entra.xml", tampered);
    const RefreshResult r = refresh_connection(*connect(imported.idp), o);
    ASSERT_TRUE(r.failure);
    EXPECT_EQ(r.failure->code(), Code::metadata_signature_invalid) << r.failure->what();
    EXPECT_EQ(r.connection->idp()->source_xml(), signed_md);
}

TEST(MetadataUrl, FetchPolicyRefusals) {
    MetadataServer server;
    Keys k;
    server.put("md.xml", metadata({k.a.certificate_der()}));
    const RefreshOptions o = options_for(server);
    const auto code_of = [&](const std::string &url, const RefreshOptions &opts) {
        try {
            import_idp_metadata_url(url, {}, opts);
        } catch (const Error &e) {
            return std::make_pair(e.code(), std::string(e.what()));
        }
        return std::make_pair(Code::ok, std::string());
    };
    auto [code, msg] = code_of(server.https("redirect/md.xml"), o);
    EXPECT_EQ(code, Code::ok) << msg << " (a relative redirect on the same host is followed)";
    std::tie(code, msg) = code_of(server.https("to-http/md.xml"), o);
    EXPECT_EQ(code, Code::metadata_redirect_refused) << msg;
    EXPECT_NE(msg.find("from https to plain http"), std::string::npos) << msg;
    std::tie(code, msg) = code_of(server.https("to-private"), o);
    EXPECT_EQ(code, Code::metadata_address_blocked) << msg;
    EXPECT_NE(msg.find("10.1.2.3 (private)"), std::string::npos) << msg;
    std::tie(code, msg) = code_of(server.https("to-localhost/md.xml"), o);
    EXPECT_EQ(code, Code::ok) << msg << " (a redirect to another name is followed; it resolves to an allowed address)";
    std::tie(code, msg) = code_of(server.https("loop"), o);
    EXPECT_EQ(code, Code::metadata_redirect_refused) << msg;
    EXPECT_NE(msg.find("more than 3 redirects"), std::string::npos) << msg;
    std::tie(code, msg) = code_of(server.https("status/404"), o);
    EXPECT_EQ(code, Code::metadata_http_status) << msg;
    EXPECT_NE(msg.find("404"), std::string::npos) << msg;
    std::tie(code, msg) = code_of(server.https("big"), o);
    EXPECT_EQ(code, Code::metadata_fetch_too_large) << msg;
    std::tie(code, msg) = code_of(server.https("big-unsized"), o);
    EXPECT_EQ(code, Code::metadata_fetch_too_large) << msg;

    RefreshOptions quick = o;
    quick.policy.timeout_ms = 1000;
    std::tie(code, msg) = code_of(server.https("slow/md.xml"), quick);
    EXPECT_EQ(code, Code::metadata_fetch_timeout) << msg;

    // No allow-list: the loopback address is refused, by IP and by name.
    RefreshOptions strict = o;
    strict.policy.allowed_networks.clear();
    std::tie(code, msg) = code_of(server.https("md.xml"), strict);
    EXPECT_EQ(code, Code::metadata_address_blocked) << msg;
    EXPECT_NE(msg.find("127.0.0.1 (loopback)"), std::string::npos) << msg;
    std::tie(code, msg) = code_of(server.localhost("md.xml"), strict);
    EXPECT_EQ(code, Code::metadata_address_blocked) << msg;

    // A CA the client does not trust.
    RefreshOptions untrusted = o;
    untrusted.policy.ca_file.clear();
    std::tie(code, msg) = code_of(server.https("md.xml"), untrusted);
    EXPECT_EQ(code, Code::metadata_tls) << msg;

    // Plain http only when allowed.
    std::tie(code, msg) = code_of(server.http("md.xml"), o);
    EXPECT_EQ(code, Code::metadata_url_invalid) << msg;
    RefreshOptions http = o;
    http.policy.allow_http = true;
    std::tie(code, msg) = code_of(server.http("md.xml"), http);
    EXPECT_EQ(code, Code::ok) << msg;

    for (const char *bad : {"ftp://127.0.0.1/x", "https://user:pw@127.0.0.1/x", "127.0.0.1/md.xml", "https:///x",
                            "https://127.0.0.1/a b"}) {
        std::tie(code, msg) = code_of(bad, o);
        EXPECT_EQ(code, Code::metadata_url_invalid) << bad << ": " << msg;
    }
}

TEST(MetadataUrl, HostTransportGetsTheSameRules) {
    Keys k;
    const std::string doc = metadata({k.a.certificate_der()});
    std::vector<std::string> asked;
    RefreshOptions o;
    o.transport = [&](const fetch::Request &req, const fetch::Policy &) {
        asked.push_back(req.url + " " + req.if_none_match);
        fetch::Reply r;
        if (req.url == "https://idp.example/start") {
            r.status = 302;
            r.location = "/metadata";
        } else if (req.if_none_match == "\"v1\"") {
            r.status = 304;
        } else {
            r.status = 200;
            r.body = doc;
            r.etag = "\"v1\"";
        }
        return r;
    };
    const UrlImport imported = import_idp_metadata_url("https://idp.example/start", {}, o);
    EXPECT_EQ(imported.idp->source().etag, "\"v1\"");
    const RefreshResult refreshed = refresh_connection(*connect(imported.idp), o);
    EXPECT_TRUE(refreshed.not_modified);
    EXPECT_EQ(asked,
              (std::vector<std::string>{"https://idp.example/start ", "https://idp.example/metadata ",
                                        "https://idp.example/start \"v1\"", "https://idp.example/metadata \"v1\""}));
    // A transport's redirect to plain http is refused as for libcurl.
    o.transport = [](const fetch::Request &, const fetch::Policy &) {
        fetch::Reply r;
        r.status = 301;
        r.location = "http://idp.example/metadata";
        return r;
    };
    expect_code(Code::metadata_redirect_refused, [&] { import_idp_metadata_url("https://idp.example/x", {}, o); });
}

TEST(MetadataUrl, AddressGuard) {
    const auto kind = [](const char *ip, std::vector<fetch::Network> allowed = {}) -> std::string {
        unsigned char buf[16];
        const bool v4 = inet_pton(AF_INET, ip, buf) == 1;
        if (!v4 && inet_pton(AF_INET6, ip, buf) != 1) return "bad test input";
        const char *k = fetch::refused_address_kind(buf, v4 ? 4 : 16, allowed);
        return k == nullptr ? "allowed" : k;
    };
    EXPECT_EQ(kind("8.8.8.8"), "allowed");
    EXPECT_EQ(kind("2606:4700::1111"), "allowed");
    EXPECT_EQ(kind("127.0.0.1"), "loopback");
    EXPECT_EQ(kind("127.9.9.9"), "loopback");
    EXPECT_EQ(kind("10.0.0.1"), "private");
    EXPECT_EQ(kind("172.16.0.1"), "private");
    EXPECT_EQ(kind("172.32.0.1"), "allowed");
    EXPECT_EQ(kind("192.168.1.1"), "private");
    EXPECT_EQ(kind("169.254.169.254").rfind("link-local", 0), 0u);
    EXPECT_EQ(kind("100.64.0.1").rfind("shared", 0), 0u);
    EXPECT_EQ(kind("0.0.0.0").rfind("unspecified", 0), 0u);
    EXPECT_EQ(kind("224.0.0.1"), "multicast");
    EXPECT_EQ(kind("::1"), "loopback");
    EXPECT_EQ(kind("::"), "unspecified");
    EXPECT_EQ(kind("fe80::1"), "link-local");
    EXPECT_EQ(kind("fd00::1"), "unique-local");
    EXPECT_EQ(kind("::ffff:127.0.0.1"), "loopback") << "IPv4-mapped addresses are judged as IPv4";
    EXPECT_EQ(kind("::ffff:10.1.2.3"), "private");
    EXPECT_EQ(kind("64:ff9b::a01:203"), "private") << "NAT64 too";
    EXPECT_EQ(kind("10.1.2.3", {fetch::parse_network("10.0.0.0/8")}), "allowed");
    EXPECT_EQ(kind("10.1.2.3", {fetch::parse_network("10.1.2.4/32")}), "private");
    EXPECT_EQ(kind("::1", {fetch::parse_network("::1")}), "allowed");
    EXPECT_EQ(kind("::ffff:127.0.0.1", {fetch::parse_network("127.0.0.0/8")}), "allowed");
    for (const char *bad : {"10.0.0.0/33", "host.example", "::1/129", "1.2.3.4/x", ""}) {
        expect_code(Code::invalid_setting, [&] { fetch::parse_network(bad); });
    }
}

TEST(MetadataUrl, ManualSetUp) {
    ssogate::core::testing::TestIdp idp("http://www.okta.com/exk123");
    const auto md = idp_from_settings("http://www.okta.com/exk123", "https://dev-1.okta.com/app/x/sso/saml",
                                      idp.certificate_pem(), {});
    EXPECT_EQ(md->entity_id(), "http://www.okta.com/exk123");
    ASSERT_NE(md->sso_endpoint(binding_redirect), nullptr);
    EXPECT_EQ(md->sso_endpoint(binding_post)->location, "https://dev-1.okta.com/app/x/sso/saml");
    EXPECT_EQ(md->signing_certificates().at(0).der, idp.certificate_der());
    // Base64 DER as copied from a set-up page, with line breaks, works the same.
    std::string b64 = util::base64_encode(idp.certificate_der());
    b64.insert(40, "\n");
    EXPECT_EQ(idp_from_settings("e", "https://idp.example/sso", b64, {})->signing_certificates().at(0).der,
              idp.certificate_der());
    // The same checks as an import: a weak key, no certificate, a relative SSO URL, markup in values.
    expect_code(Code::metadata_no_signing_cert, [&] { idp_from_settings("e", "https://idp.example/sso", " ", {}); });
    expect_code(Code::metadata_bad_cert,
                [&] { idp_from_settings("e", "https://idp.example/sso", "bm90IGEgY2VydA==", {}); });
    ConnectionParams params;
    params.base_url = "https://app.example.com";
    params.id = "okta";
    const auto made = make_connection(md, params);
    EXPECT_EQ(connection_from_json(made->to_json())->idp()->entity_id(), "http://www.okta.com/exk123");
    const auto tricky = idp_from_settings("urn:x\"<&>", "https://idp.example/sso", idp.certificate_pem(), {});
    EXPECT_EQ(tricky->entity_id(), "urn:x\"<&>");
}

TEST(MetadataUrl, RefreshSchedule) {
    ssogate::core::testing::TestIdp idp(entity);
    const auto md = import_idp_metadata(metadata({idp.certificate_der()}), {});
    const std::int64_t t = 1'800'000'000;
    EXPECT_EQ(next_refresh_time(*md, t, 0), t + 6 * 3600) << "no cacheDuration: 6 hours";
    const auto hourly = import_idp_metadata(
        metadata({idp.certificate_der()}, "https://idp.rotation.example/sso", "cacheDuration=\"PT1H\""), {});
    EXPECT_EQ(next_refresh_time(*hourly, t, 0), t + 3600);
    const auto tiny = import_idp_metadata(
        metadata({idp.certificate_der()}, "https://idp.rotation.example/sso", "cacheDuration=\"PT5S\""), {});
    EXPECT_EQ(next_refresh_time(*tiny, t, 0), t + 600) << "at least 10 minutes";
    EXPECT_EQ(next_refresh_time(*md, t, 1), t + 300);
    EXPECT_EQ(next_refresh_time(*md, t, 2), t + 600);
    EXPECT_EQ(next_refresh_time(*md, t, 9), t + 3600) << "backoff is capped at an hour";
}

TEST(MetadataUrl, RefreshNeedsAUrl) {
    ssogate::core::testing::TestIdp idp(entity);
    const auto conn = connect(import_idp_metadata(metadata({idp.certificate_der()}), {}));
    expect_code(Code::invalid_argument, [&] { refresh_connection(*conn, {}); });
}
