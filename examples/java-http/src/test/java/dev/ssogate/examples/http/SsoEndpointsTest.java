package dev.ssogate.examples.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.ssogate.Connection;
import dev.ssogate.Gate;
import dev.ssogate.IdpMetadata;
import dev.ssogate.TestIdp;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The example end to end over real HTTP on 127.0.0.1: a browser (java.net.http, cookies by hand, no
 * redirects followed) and the testing IdP, which answers the AuthnRequest the server redirected to.
 */
class SsoEndpointsTest {
    TestIdp idp;
    IdpMetadata metadata;
    Connection okta;
    Connection strict;
    Gate gate;
    HttpServer server;
    String base;
    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        idp = TestIdp.create();
        metadata = IdpMetadata.importXml(idp.metadataXml());
        okta = Connection.create(metadata, new Connection.Settings().baseUrl(base).id("okta").jitProvisioning(true));
        strict = Connection.create(metadata, new Connection.Settings().baseUrl(base).id("strict"));
        gate = Gate.open("memory:");
        gate.createAccount("acme", "Acme", List.of("example.com"));
        gate.addConnection("acme", okta);
        gate.addConnection("acme", strict);
        gate.addMember("acme", "alice@example.com", dev.ssogate.Role.MEMBER, false);
        new SsoEndpoints(gate, false, Map.of("acme", "Acme Inc.")).register(server);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        gate.close();
        strict.close();
        okta.close();
        metadata.close();
        idp.close();
    }

    HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, Map<String, String> form, String cookie) throws Exception {
        StringBuilder body = new StringBuilder();
        for (Map.Entry<String, String> e : form.entrySet()) {
            if (body.length() > 0) {
                body.append('&');
            }
            body.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String cookieOf(HttpResponse<?> r) {
        String set = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(set.contains("HttpOnly") && set.contains("SameSite=Lax"), set);
        return set.substring(0, set.indexOf(';'));
    }

    /** The browser at the IdP: the server's redirect answered, posted back to the ACS. */
    HttpResponse<String> loginAs(Connection conn, String startPath, String email) throws Exception {
        HttpResponse<String> start = get(startPath, null);
        assertEquals(303, start.statusCode());
        String location = start.headers().firstValue("Location").orElseThrow();
        assertTrue(location.startsWith("https://idp.test.example/sso?SAMLRequest="), location);
        TestIdp.Response answer = idp.response(conn, new TestIdp.ResponseParams().answering(location).nameId(email));
        return post("/sso/saml/" + conn.id() + "/acs",
                Map.of("SAMLResponse", answer.base64(), "RelayState", answer.relayState()), null);
    }

    @Test
    void spInitiatedLoginReturnsWhereItStarted() throws Exception {
        HttpResponse<String> acs = loginAs(okta, "/sso/start?connection=okta&return_to=%2Fdashboard%3Ftab%3D1",
                "alice@example.com");
        assertEquals(303, acs.statusCode());
        assertEquals("/dashboard?tab=1", acs.headers().firstValue("Location").orElseThrow());
        HttpResponse<String> home = get("/", cookieOf(acs));
        assertEquals(200, home.statusCode());
        assertTrue(home.body().contains("alice@example.com in Acme Inc."), home.body());
        assertEquals(401, get("/", null).statusCode());
    }

    @Test
    void offSiteReturnToIsDropped() throws Exception {
        HttpResponse<String> acs = loginAs(okta, "/sso/start?connection=okta&return_to=https%3A%2F%2Fevil.example.net%2F",
                "alice@example.com");
        assertEquals(303, acs.statusCode());
        assertEquals("/", acs.headers().firstValue("Location").orElseThrow());
        assertEquals(404, get("/sso/start?connection=nope", null).statusCode());
    }

    @Test
    void replayIsRefusedWithAReferenceAndSignsNobodyIn() throws Exception {
        HttpResponse<String> start = get("/sso/start?connection=okta", null);
        TestIdp.Response answer = idp.response(okta, new TestIdp.ResponseParams()
                .answering(start.headers().firstValue("Location").orElseThrow()).nameId("alice@example.com"));
        Map<String, String> form = Map.of("SAMLResponse", answer.base64(), "RelayState", answer.relayState());
        assertEquals(303, post("/sso/saml/okta/acs", form, null).statusCode());
        HttpResponse<String> again = post("/sso/saml/okta/acs", form, null);
        assertEquals(403, again.statusCode());
        assertTrue(again.body().contains("Reference: R-"), again.body());
        assertTrue(again.headers().firstValue("Set-Cookie").isEmpty());
    }

    @Test
    void idpInitiatedIsRefusedWhileTheToggleIsOff() throws Exception {
        HttpResponse<String> r = post("/sso/saml/strict/acs",
                Map.of("SAMLResponse", idp.response(strict, "alice@example.com").base64()), null);
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("UNSOLICITED_NOT_ALLOWED"), r.body());
    }

    @Test
    void justInTimeJoinThroughThePrompt() throws Exception {
        HttpResponse<String> acs = loginAs(okta, "/sso/start?connection=okta", "carol@example.com");
        assertEquals(303, acs.statusCode());
        assertEquals("/join", acs.headers().firstValue("Location").orElseThrow());
        String cookie = cookieOf(acs);
        HttpResponse<String> prompt = get("/join", cookie);
        assertTrue(prompt.body().contains("Join Acme Inc.?") && prompt.body().contains("carol@example.com"), prompt.body());
        Matcher m = Pattern.compile("name=\"csrf_token\" value=\"([^\"]+)\"").matcher(prompt.body());
        assertTrue(m.find());
        assertEquals(403, post("/join", Map.of("csrf_token", "wrong"), cookie).statusCode());
        HttpResponse<String> joined = post("/join", Map.of("csrf_token", m.group(1)), cookie);
        assertEquals(303, joined.statusCode());
        assertTrue(get("/", cookieOf(joined)).body().contains("carol@example.com"));
        assertTrue(gate.findMember("acme", "carol@example.com").isPresent());
    }

    @Test
    void postBindingPageAllowsOnlyItsOwnScript() throws Exception {
        HttpResponse<String> r = get("/sso/start?connection=okta&binding=post", null);
        assertEquals(200, r.statusCode());
        String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.contains("script-src 'sha256-8lDeP0UDwCO6/RhblgeH/ctdBzjVpJxrXizsnIk3cEQ='"), csp);
        assertTrue(csp.contains("form-action https://idp.test.example"), csp);
        assertTrue(r.body().contains("SAMLRequest"));
        assertFalse(csp.contains("unsafe-inline"));
    }
}
