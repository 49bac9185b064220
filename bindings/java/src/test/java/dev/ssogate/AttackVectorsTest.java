package dev.ssogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The attack suite (tests/vectors/attacks) through Java: every vector of its manifest, with the code the
 * C++, C, Python and Go tests assert for it, proving the binding only translates.
 */
class AttackVectorsTest {
    static final Path ATTACKS = Vectors.dir("attacks");
    static final List<Map<String, Object>> VECTORS = Json.arr(Vectors.manifest("attacks").get("vectors")).stream()
            .map(Json::obj).collect(Collectors.toList());

    static IdpMetadata idp;
    static SpKey spEncKey;
    static String spEncCert;

    @BeforeAll
    static void load() {
        idp = IdpMetadata.importXml(Vectors.bytes(ATTACKS.resolve("idp-metadata.xml")));
        spEncCert = Vectors.text(ATTACKS.resolve("TEST-SP-ENC-CERT.pem"));
        spEncKey = SpKey.of(Vectors.bytes(ATTACKS.resolve("TEST-SP-ENC-KEY-DO-NOT-USE.pem")),
                spEncCert.getBytes(StandardCharsets.US_ASCII));
    }

    @AfterAll
    static void close() {
        spEncKey.close();
        idp.close();
    }

    static boolean flag(Map<String, Object> c, String key) {
        return Boolean.TRUE.equals(c.get(key));
    }

    static Connection connection(Map<String, Object> c) {
        Connection.Settings s = new Connection.Settings().id("c1").acsUrl((String) c.get("acs_url"))
                .spEntityId((String) c.get("sp_entity_id")).allowIdpInitiated(flag(c, "allow_idp_initiated"))
                .allowSha1(flag(c, "allow_sha1")).clockSkewSeconds(((Long) c.get("clock_skew_seconds")).intValue())
                .allowRsa15(flag(c, "allow_rsa_1_5"));
        String attr = (String) c.get("email_attribute");
        if (attr != null && !attr.isEmpty()) {
            s.emailAttribute(attr);
        }
        for (Object d : Json.arr(c.get("allowed_domains"))) {
            s.allowedDomain((String) d);
        }
        if (flag(c, "sp_encryption")) {
            s.spEncryptionCertificate(spEncCert);
        }
        return Connection.create(idp, s);
    }

    /** The SAMLResponse form value of a vector: the file itself, or its base64. */
    static String formValue(Map<String, Object> v) {
        byte[] body = Vectors.bytes(ATTACKS.resolve((String) v.get("file")));
        return Boolean.TRUE.equals(v.get("form")) ? new String(body, StandardCharsets.ISO_8859_1)
                : Base64.getEncoder().encodeToString(body);
    }

    static void run(Map<String, Object> v) {
        Map<String, Object> c = Json.obj(v.get("context"));
        Instant now = Instant.ofEpochSecond((Long) c.get("now"));
        List<String> ids = new ArrayList<>();
        for (Object id : Json.arr(c.get("request_ids"))) {
            ids.add((String) id);
        }
        // The cache's clock is frozen too, or the replayed assertion would be forgotten at once.
        try (Connection conn = connection(c);
             ReplayCache cache = ReplayCache.memory(new ReplayCache.Options().now(now))) {
            VerifyOptions opts = new VerifyOptions(cache).pendingRequestIds(ids).now(now)
                    .maxBytes((Long) c.get("max_bytes"));
            if (flag(c, "sp_encryption")) {
                opts.decryptionKeys(List.of(spEncKey));
            }
            String form = formValue(v);
            long repeat = (Long) v.get("repeat");
            for (long i = 0; i < repeat - 1; i++) {
                conn.verify(form, opts);
            }
            String expect = (String) v.get("expect");
            if (expect.equals("OK")) {
                VerifiedLogin login = conn.verify(form, opts);
                assertEquals(v.get("email"), login.email());
                assertEquals("c1", login.connectionId());
                assertEquals(c.get("idp_entity_id"), login.idpEntityId());
                return;
            }
            SsogateException e = assertThrows(SsogateException.class, () -> conn.verify(form, opts));
            assertEquals(expect, e.code().name(), e.operatorMessage());
            assertTrue(e.userMessage().contains(expect), e.userMessage());
        }
    }

    @TestFactory
    Stream<DynamicTest> everyAttackVectorGetsItsCode() {
        return VECTORS.stream().map(v -> DynamicTest.dynamicTest((String) v.get("name"), () -> run(v)));
    }

    @Test
    void theSuiteCoversTheListedAttacks() {
        Set<String> names = VECTORS.stream().map(v -> (String) v.get("name")).collect(Collectors.toSet());
        assertEquals(8, names.stream().filter(n -> n.startsWith("xsw")).count());
        assertTrue(names.containsAll(Set.of("replay", "nameid-comment-injection", "attacker-cert-in-keyinfo",
                "entity-bomb", "xxe", "hmac-sha1", "sha1-refused", "valid-sha1-allowed", "enc-gcm-tag-tampered",
                "enc-wrong-sp-key", "enc-rsa-1_5-refused", "enc-unsigned")), names.toString());
        assertTrue(VECTORS.stream().filter(v -> "OK".equals(v.get("expect"))).count() >= 10);
        assertTrue(VECTORS.size() >= 60, "only " + VECTORS.size() + " vectors");
    }
}
