package dev.ssogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connections, verification and SP-initiated login without a gate, over the testing IdP. */
class LoginTest {
    static TestIdp idp;
    static IdpMetadata imported;
    static Connection conn;

    @BeforeAll
    static void setUp() {
        idp = TestIdp.create();
        imported = IdpMetadata.importXml(idp.metadataXml());
        conn = Connection.create(imported, new Connection.Settings().baseUrl("https://app.example.com").id("okta")
                .allowedDomain("example.com").returnOrigin("https://app.example.com"));
    }

    @AfterAll
    static void tearDown() {
        conn.close();
        imported.close();
        idp.close();
    }

    @Test
    void connectionValuesJsonAndSpMetadata() {
        assertEquals("okta", conn.id());
        assertEquals("https://app.example.com/sso/saml/okta/acs", conn.acsUrl());
        assertEquals("https://app.example.com/sso/saml/okta", conn.spEntityId());
        assertEquals(idp.entityId(), conn.idpEntityId());
        assertEquals(List.of("example.com"), conn.allowedDomains());
        assertTrue(conn.spMetadata().contains(conn.acsUrl()));
        try (Connection again = Connection.fromJson(conn.toJson())) {
            assertEquals(conn.acsUrl(), again.acsUrl());
            assertEquals(conn.toJson(), again.toJson());
        }
        assertEquals(Code.CONNECTION_JSON, assertThrows(SsogateException.class, () -> Connection.fromJson("{")).code());
        SsogateException e = assertThrows(SsogateException.class,
                () -> Connection.create(imported, new Connection.Settings().id("x")));
        assertTrue(e.code() == Code.INVALID_URL || e.code() == Code.INVALID_SETTING || e.code() == Code.INVALID_ARGUMENT,
                e.getMessage());
    }

    @Test
    void verifyAcceptsOnceThenRefusesTheReplay() {
        try (ReplayCache cache = ReplayCache.memory()) {
            String form = idp.response(conn, new TestIdp.ResponseParams().nameId("Alice@Example.com")
                    .attribute("groups", "admins").attribute("groups", "staff")).base64();
            // The connection does not allow IdP-initiated login: unsolicited responses are refused.
            SsogateException unsolicited = assertThrows(SsogateException.class, () -> conn.verify(form, new VerifyOptions(cache)));
            assertEquals(Code.UNSOLICITED_NOT_ALLOWED, unsolicited.code());
            assertFalse(unsolicited.userMessage().isEmpty());
            try (Connection open = Connection.create(imported, new Connection.Settings().baseUrl("https://app.example.com")
                    .id("okta").allowIdpInitiated(true))) {
                VerifiedLogin login = open.verify(form, new VerifyOptions(cache));
                assertEquals("Alice@example.com", login.email());
                assertEquals(List.of("admins", "staff"), login.attributeMap().get("groups"));
                assertEquals("", login.inResponseTo());
                SsogateException replay = assertThrows(SsogateException.class, () -> open.verify(form, new VerifyOptions(cache)));
                assertEquals(Code.REPLAYED, replay.code());
                assertTrue(replay.signatureVerified());
            }
        }
    }

    @Test
    void refusalsCarryTheirCode() {
        try (ReplayCache cache = ReplayCache.memory()) {
            VerifyOptions o = new VerifyOptions(cache).pendingRequestIds(List.of("_req1"));
            assertEquals(Code.ENCODING_INVALID, assertThrows(SsogateException.class, () -> conn.verify("%%%", o)).code());
            String other = idp.response(conn, new TestIdp.ResponseParams().nameId("eve@elsewhere.example.net")
                    .inResponseTo("_req1")).base64();
            assertEquals(Code.EMAIL_DOMAIN_NOT_ALLOWED, assertThrows(SsogateException.class, () -> conn.verify(other, o)).code());
            // An ID C would split in two is refused before the call.
            assertEquals(Code.INVALID_ARGUMENT, assertThrows(SsogateException.class,
                    () -> conn.verify(other, new VerifyOptions(cache).pendingRequestIds(List.of("_a _b")))).code());
            assertThrows(SsogateException.class, () -> new VerifyOptions(null));
        }
    }

    static String samlRequestOf(String html) {
        Matcher m = Pattern.compile("name=\"SAMLRequest\" value=\"([^\"]+)\"").matcher(html);
        assertTrue(m.find(), html);
        return m.group(1);
    }

    @Test
    void spInitiatedLoginRedirectAndPost(@TempDir Path tmp) throws Exception {
        try (RequestStore store = RequestStore.open("sqlite:" + tmp.resolve("requests.db"));
             ReplayCache cache = ReplayCache.open("sqlite:" + tmp.resolve("requests.db"))) {
            SpLoginRequest req = conn.beginLogin(store, new LoginOptions().returnTo("https://app.example.com/home"));
            assertTrue(req.redirectUrl().startsWith(req.destination() + "?SAMLRequest="));
            assertTrue(req.xml().contains(req.requestId()));
            assertTrue(req.expiresAt().isAfter(req.issuedAt()));
            TestIdp.Response answer = idp.response(conn, new TestIdp.ResponseParams().answering(req.redirectUrl())
                    .nameId("alice@example.com"));
            VerifiedLogin login = conn.finishLogin(store, answer.relayState(), answer.base64(), new VerifyOptions(cache));
            assertEquals("https://app.example.com/home", login.returnTo());
            assertEquals(req.requestId(), login.inResponseTo());
            // The pending request was taken: a second post of a fresh answer finds nothing.
            TestIdp.Response again = idp.response(conn, new TestIdp.ResponseParams().answering(req.redirectUrl())
                    .nameId("alice@example.com"));
            assertEquals(Code.REQUEST_UNKNOWN, assertThrows(SsogateException.class,
                    () -> conn.finishLogin(store, again.relayState(), again.base64(), new VerifyOptions(cache))).code());

            SpLoginRequest post = conn.beginLogin(store, new LoginOptions().binding(Binding.HTTP_POST).returnTo("/x"));
            assertEquals("", post.redirectUrl());
            String samlRequest = samlRequestOf(post.postFormHtml());
            assertTrue(new String(Base64.getDecoder().decode(samlRequest), StandardCharsets.UTF_8).contains(post.requestId()));
            TestIdp.Response postAnswer = idp.response(conn, new TestIdp.ResponseParams().answering(samlRequest)
                    .nameId("bob@example.com"));
            VerifiedLogin bob = conn.finishLogin(store, post.relayState(), postAnswer.base64(), new VerifyOptions(cache));
            assertEquals("/x", bob.returnTo());
            assertEquals("bob@example.com", bob.email());

            assertEquals(Code.RELAY_STATE_INVALID, assertThrows(SsogateException.class,
                    () -> conn.finishLogin(store, "not a token", postAnswer.base64(), new VerifyOptions(cache))).code());
            assertEquals(Code.RETURN_TO_NOT_ALLOWED, assertThrows(SsogateException.class,
                    () -> conn.beginLogin(store, new LoginOptions().returnTo("https://evil.example.net/"))).code());
        }
    }

    @Test
    void storesRefuseUnknownLocations() {
        assertEquals(Code.STORE_LOCATION, assertThrows(SsogateException.class, () -> ReplayCache.open("mysql://x")).code());
        assertEquals(Code.STORE_LOCATION, assertThrows(SsogateException.class, () -> RequestStore.open("nope")).code());
    }

    @Test
    void encryptedAssertionsNeedTheSpKey(@TempDir Path tmp) throws Exception {
        TestKeys.Pair enc = TestKeys.selfSigned(tmp, "enc");
        try (Connection c = Connection.create(imported, new Connection.Settings().baseUrl("https://app.example.com")
                .id("enc").allowIdpInitiated(true).spEncryptionCertificate(enc.certPem()));
             SpKey key = SpKey.of(enc.keyPem(), enc.certPem());
             ReplayCache cache = ReplayCache.memory()) {
            String form = idp.response(c, new TestIdp.ResponseParams().nameId("alice@example.com")
                    .encryptTo(enc.certPem(), null, null, TestIdp.KeyPlacement.RETRIEVAL_METHOD)).base64();
            assertEquals(Code.ASSERTION_ENCRYPTED, assertThrows(SsogateException.class,
                    () -> c.verify(form, new VerifyOptions(cache))).code());
            assertEquals("alice@example.com", c.verify(form, new VerifyOptions(cache).decryptionKeys(List.of(key))).email());
        }
    }
}
