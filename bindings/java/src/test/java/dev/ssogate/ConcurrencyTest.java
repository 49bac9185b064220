package dev.ssogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * Two threads verify through one connection and one replay cache at once (the C ABI's handles are
 * immutable and its stores thread-safe): each accepted response is accepted exactly once, whichever
 * thread gets it, and every other attempt is a replay.
 */
class ConcurrencyTest {
    @Test
    void twoThreadsVerifyTheSameResponsesAndEachIsAcceptedOnce() throws Exception {
        try (TestIdp idp = TestIdp.create();
             IdpMetadata md = IdpMetadata.importXml(idp.metadataXml());
             Connection conn = Connection.create(md, new Connection.Settings().baseUrl("https://app.example.com")
                     .id("c").allowIdpInitiated(true));
             ReplayCache cache = ReplayCache.memory()) {
            List<String> responses = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                responses.add(idp.response(conn, "user" + i + "@example.com").base64());
            }
            Set<String> accepted = ConcurrentHashMap.newKeySet();
            List<Throwable> unexpected = new ArrayList<>();
            int[] replays = new int[2];
            CyclicBarrier start = new CyclicBarrier(2);
            Thread[] threads = new Thread[2];
            for (int t = 0; t < 2; t++) {
                int me = t;
                threads[t] = new Thread(() -> {
                    try {
                        start.await();
                        for (String r : responses) {
                            try {
                                VerifiedLogin login = conn.verify(r, new VerifyOptions(cache));
                                assertTrue(accepted.add(login.assertionId()), "accepted twice: " + login.assertionId());
                            } catch (SsogateException e) {
                                assertEquals(Code.REPLAYED, e.code(), e.getMessage());
                                replays[me]++;
                            }
                        }
                    } catch (Throwable e) {
                        synchronized (unexpected) {
                            unexpected.add(e);
                        }
                    }
                });
                threads[t].start();
            }
            for (Thread th : threads) {
                th.join();
            }
            assertEquals(List.of(), unexpected);
            assertEquals(40, accepted.size());
            assertEquals(40, replays[0] + replays[1]);
        }
    }

    @Test
    void aClosedHandleIsRefusedNamingIt() {
        TestIdp idp = TestIdp.create();
        try (IdpMetadata md = IdpMetadata.importXml(idp.metadataXml());
             Connection conn = Connection.create(md, new Connection.Settings().baseUrl("https://app.example.com"))) {
            idp.close();
            idp.close(); // idempotent
            SsogateException e = org.junit.jupiter.api.Assertions.assertThrows(SsogateException.class,
                    () -> idp.response(conn, "x@example.com"));
            assertEquals(Code.INVALID_ARGUMENT, e.code());
            assertTrue(e.getMessage().contains("the testing IdP is closed"), e.getMessage());
        }
    }
}
