package dev.ssogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Redis stores through Java: a private redis-server (Debian's, which scripts/dev.sh installs) on a
 * free 127.0.0.1 port, stopped by its own process handle afterwards.
 */
class RedisTest {
    static Process server;
    static String url;

    @BeforeAll
    static void startRedis(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        server = new ProcessBuilder(List.of("/usr/bin/redis-server", "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        // Wait until it answers PING (or has exited), at most about 30 s, so a broken server fails here.
        for (int i = 0; !ping(port); i++) {
            if (!server.isAlive() || i == 600) {
                throw new IllegalStateException("redis-server did not start on 127.0.0.1:" + port);
            }
            Thread.sleep(50);
        }
        url = "redis://127.0.0.1:" + port + "/0";
    }

    static boolean ping(int port) {
        try (Socket c = new Socket()) {
            c.connect(new InetSocketAddress("127.0.0.1", port), 200);
            c.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = c.getInputStream();
            byte[] b = in.readNBytes(5);
            return new String(b, StandardCharsets.US_ASCII).equals("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        if (server != null) {
            server.destroy();
            server.waitFor();
        }
    }

    @Test
    void twoNodesShareTheReplayCacheAndPendingRequests(@TempDir Path tmp) {
        try (TestIdp idp = TestIdp.create();
             IdpMetadata md = IdpMetadata.importXml(idp.metadataXml());
             Connection conn = Connection.create(md, new Connection.Settings().baseUrl("https://app.example.com")
                     .id("okta").allowIdpInitiated(true));
             // Two nodes: each its own directory copy, the replay cache and pending requests in Redis.
             Gate a = Gate.open("sqlite:" + tmp.resolve("a.db"), url, null);
             Gate b = Gate.open("sqlite:" + tmp.resolve("b.db"), url, null)) {
            a.checkStores();
            for (Gate g : List.of(a, b)) {
                g.createAccount("acme", "Acme", List.of("example.com"));
                g.addConnection("acme", conn);
                g.addMember("acme", "alice@example.com", Role.MEMBER, false);
            }
            String response = idp.response(conn, "alice@example.com").base64();
            assertTrue(a.consume("okta", response).accepted());
            // The same response at the other node is a replay: the nodes share the cache.
            GateOutcome again = b.consume("okta", response);
            assertEquals(Code.REPLAYED, again.error());
            // A login begun on one node finishes on the other.
            SpLoginRequest req = a.beginLogin("okta", new LoginOptions().returnTo("/r"));
            TestIdp.Response answer = idp.response(conn, new TestIdp.ResponseParams().answering(req.redirectUrl())
                    .nameId("alice@example.com"));
            GateOutcome out = b.consume("okta", answer.base64(), answer.relayState());
            assertTrue(out.accepted());
            assertEquals("/r", out.returnTo());
        }
    }

    @Test
    void aReplayCacheInRedisRefusesTheSecondPost() {
        try (TestIdp idp = TestIdp.create();
             IdpMetadata md = IdpMetadata.importXml(idp.metadataXml());
             Connection conn = Connection.create(md, new Connection.Settings().baseUrl("https://app.example.com")
                     .id("r").allowIdpInitiated(true));
             ReplayCache one = ReplayCache.open(url);
             ReplayCache two = ReplayCache.open(url)) {
            String form = idp.response(conn, "bob@example.com").base64();
            assertEquals("bob@example.com", conn.verify(form, new VerifyOptions(one)).email());
            assertEquals(Code.REPLAYED, assertThrows(SsogateException.class,
                    () -> conn.verify(form, new VerifyOptions(two))).code());
        }
    }

    @Test
    void aRedisThatDoesNotAnswerFailsTheCheckNotTheOpen() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (Gate g = Gate.open("memory:", "redis://127.0.0.1:" + port + "/0", null)) {
            SsogateException e = assertThrows(SsogateException.class, g::checkStores);
            assertEquals(Code.STORE_UNAVAILABLE, e.code());
        }
    }
}
