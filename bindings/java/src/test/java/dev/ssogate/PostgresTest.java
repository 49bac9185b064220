package dev.ssogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL stores through Java: a private server (tests/support/pg_server.py, Debian's binaries) on
 * 127.0.0.1 with a password, stopped when its stdin closes; two gates act as two nodes over one database.
 */
class PostgresTest {
    static Process server;
    static String url;
    static String password;
    static int port;

    @BeforeAll
    static void startPostgres() throws Exception {
        Path script = Vectors.dir("..").resolve("support").resolve("pg_server.py").normalize();
        server = new ProcessBuilder(List.of("python3", script.toString())).redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String line = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        if (line == null) {
            throw new IllegalStateException("pg_server.py did not start");
        }
        url = field(line, "url");
        password = field(line, "password");
        port = Integer.parseInt(field(line, "port"));
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\": \"?([^\",}]*)\"?").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(1);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        server.getOutputStream().close();  // the server stops when its stdin closes
        server.waitFor();
    }

    @Test
    void twoGatesShareOneDatabase() {
        try (TestIdp idp = TestIdp.create("https://okta.pg-test.example/exk1", null, TestIdp.KeyType.RSA_2048);
                IdpMetadata imported = IdpMetadata.importXml(idp.metadataXml());
                Connection conn = Connection.create(imported, new Connection.Settings()
                        .baseUrl("https://app.example.com").id("okta").allowIdpInitiated(true));
                Gate nodeA = Gate.open(url);
                Gate nodeB = Gate.open(url)) {
            nodeA.createAccount("acme", "Acme", List.of("example.com"));
            nodeA.addConnection("acme", conn);
            nodeA.addMember("acme", "alice@example.com", Role.MEMBER, false);
            String response = idp.response(conn, "alice@example.com").base64();
            GateOutcome first = nodeB.consume("okta", response);
            assertEquals(GateOutcomeKind.LOGIN, first.kind());
            GateOutcome again = nodeA.consume("okta", response);
            assertEquals(GateOutcomeKind.DENIED, again.kind());
            assertEquals(Code.REPLAYED, again.error());
            Member m = nodeA.findMember("acme", "alice@example.com").orElseThrow();
            assertTrue(m.ssoLinked());
            // Enforced with alice as the only SSO-linked owner: removing her is refused on every node.
            nodeA.addMember("acme", "owner@example.com", Role.OWNER, true);
            nodeB.consume("okta", idp.response(conn, "owner@example.com").base64());
            assertTrue(nodeA.applySsoMode("acme", SsoMode.ENFORCED, false).applied());
            SsogateException refused = assertThrows(SsogateException.class,
                    () -> nodeB.removeMember("acme", "owner@example.com"));
            assertEquals(Code.POLICY_DENIED, refused.code());
            nodeB.removeMember("acme", "alice@example.com");
            assertTrue(nodeA.findMember("acme", "alice@example.com").isEmpty());
            SsogateException gone = assertThrows(SsogateException.class,
                    () -> nodeA.removeMember("acme", "alice@example.com"));
            assertEquals(Code.NOT_FOUND, gone.code());
        }
    }

    @Test
    void aWrongPasswordIsStoreAuthWithoutThePassword() {
        String bad = url.replace(password, "wrong-pass-55");
        SsogateException e = assertThrows(SsogateException.class, () -> Gate.open(bad));
        assertEquals(Code.STORE_AUTH, e.code());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port + "/postgres"), e.getMessage());
        assertFalse(e.getMessage().contains("wrong-pass-55"), e.getMessage());
    }

    @Test
    void migrateDatabaseReportsTheVersions() {
        Gate.Migration m = Gate.migrateDatabase(url);
        assertTrue(m.to() >= 3, m.toString());
        assertEquals(m.to(), Gate.migrateDatabase(url).from(), "a second run finds the work done");
        try (Gate g = Gate.open(url, null, new Gate.Options().migrateOnOpen(true))) {
            assertNotNull(g);
        }
        SsogateException e = assertThrows(SsogateException.class, () -> Gate.migrateDatabase("memory:"));
        assertEquals(Code.STORE_LOCATION, e.code());
    }
}
