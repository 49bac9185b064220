package dev.ssogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The interop corpus (tests/vectors/interop) through Java: every real IdP's metadata file and response
 * with the outcome its manifest gives, the same tables as tests/core/response_interop_test.cpp,
 * tests/python/test_attacks.py and bindings/go/interop_test.go.
 */
class InteropTest {
    static final Path INTEROP = Vectors.dir("interop");
    static final List<Map<String, Object>> FILES = Json.arr(Vectors.manifest("interop").get("files")).stream()
            .map(Json::obj).collect(Collectors.toList());

    // ------------------------------------------------------------------------------------ metadata

    /** The metadata files that must not import, with their code. */
    static final Map<String, Code> REFUSALS = Map.of(
            "metadata/google-1.xml", Code.METADATA_EXPIRED, // validUntil 2021-01-03
            "metadata/shibboleth-3.xml", Code.METADATA_EXPIRED, // validUntil 2017-04-22
            "metadata/simplesamlphp-1.xml", Code.METADATA_WEAK_KEY, // RSA-1024 signing key
            "metadata/federation-1.xml", Code.METADATA_AMBIGUOUS, // 39 IdPs, none chosen
            "metadata/federation-2.xml", Code.METADATA_AMBIGUOUS); // 10 IdPs, none chosen

    static IdpMetadata.Options atCorpusDate() {
        return new IdpMetadata.Options().now(Vectors.CORPUS_NOW);
    }

    /** openssl's "Sep  7 14:33:59 2028 GMT". */
    static Instant opensslTime(String s) {
        DateTimeFormatter f = DateTimeFormatter.ofPattern("MMM d HH:mm:ss yyyy 'GMT'", Locale.ROOT);
        return LocalDateTime.parse(s.replaceAll(" +", " "), f).toInstant(ZoneOffset.UTC);
    }

    /** '2028-07-19T17:28:34.000Z' to whole seconds, as the library reads it. */
    static Instant iso(String s) {
        return Instant.parse(s.replaceAll("\\.\\d+Z$", "Z").replaceAll("([^Z])$", "$1Z"));
    }

    @TestFactory
    Stream<DynamicTest> everyMetadataFileImportsAsItsManifestSays() {
        List<Map<String, Object>> files = FILES.stream().filter(f -> ((String) f.get("file")).startsWith("metadata/"))
                .collect(Collectors.toList());
        assertEquals(20, files.size(), "the corpus README lists 20 metadata files");
        return files.stream().map(f -> DynamicTest.dynamicTest((String) f.get("file"), () -> checkMetadata(f)));
    }

    static void checkMetadata(Map<String, Object> f) {
        String file = (String) f.get("file");
        byte[] raw = Vectors.bytes(INTEROP.resolve(file));
        Code refusal = REFUSALS.get(file);
        if (refusal != null) {
            SsogateException e = assertThrows(SsogateException.class, () -> IdpMetadata.importXml(raw, atCorpusDate()));
            assertEquals(refusal, e.code(), e.getMessage());
            return;
        }
        Map<String, Object> facts = Json.obj(f.get("facts"));
        Map<String, Object> entry = null;
        for (Object o : Json.arr(facts.get("entity_details"))) {
            if (Json.arr(Json.obj(o).get("roles")).contains("IDPSSODescriptor")) {
                entry = Json.obj(o);
                break;
            }
        }
        assertNotNull(entry, "manifest has no IdP entity for " + file);
        try (IdpMetadata idp = IdpMetadata.importXml(raw, atCorpusDate())) {
            assertEquals(entry.get("entity_id"), idp.entityId());
            assertEquals("true".equals(entry.get("want_authn_requests_signed")), idp.wantAuthnRequestsSigned());
            assertFalse(idp.signatureVerified(), "no signer was given");
            Object validUntil = facts.get("valid_until");
            if (validUntil == null) {
                assertTrue(idp.validUntil().isEmpty());
            } else {
                assertEquals(iso((String) validUntil), idp.validUntil().orElseThrow());
            }
            List<Object> sso = Json.arr(entry.get("sso"));
            assertEquals(sso.size(), idp.ssoServices().size(), "SSO endpoints");
            for (int i = 0; i < sso.size(); i++) {
                Map<String, Object> want = Json.obj(sso.get(i));
                IdpMetadata.Endpoint got = idp.ssoServices().get(i);
                String uri = got.bindingUri();
                assertEquals(want.get("binding"), uri.substring(uri.lastIndexOf(':') + 1));
                assertEquals(want.get("location"), got.location());
                Binding b = uri.endsWith(":HTTP-Redirect") ? Binding.HTTP_REDIRECT
                        : uri.endsWith(":HTTP-POST") ? Binding.HTTP_POST : Binding.OTHER;
                assertEquals(b, got.binding());
            }
            assertEquals(Json.arr(entry.get("nameid_formats")), new ArrayList<Object>(idp.nameIdFormats()));
            // KeyDescriptors without use count as signing; encryption-only keys are not listed.
            List<Map<String, Object>> signing = Json.arr(entry.get("idp_key_descriptors")).stream().map(Json::obj)
                    .filter(k -> !"encryption".equals(k.get("use"))).collect(Collectors.toList());
            assertEquals(signing.size(), idp.certificates().size(), "signing certificates");
            boolean expired = false;
            boolean expiresSoon = false;
            for (int i = 0; i < signing.size(); i++) {
                IdpMetadata.Certificate c = idp.certificates().get(i);
                assertEquals(signing.get(i).get("sha256"), c.sha256());
                Instant notAfter = opensslTime((String) signing.get(i).get("not_after"));
                assertEquals(notAfter, c.notAfter());
                assertTrue(c.pem().startsWith("-----BEGIN CERTIFICATE-----"));
                if (!notAfter.isAfter(Vectors.CORPUS_NOW)) {
                    expired = true;
                } else if (notAfter.isBefore(Vectors.CORPUS_NOW.plus(Duration.ofDays(30)))) {
                    expiresSoon = true;
                }
            }
            Set<Code> codes = new HashSet<>();
            for (IdpMetadata.Warning w : idp.warnings()) {
                assertTrue(w.code().number() >= 180 && w.code().number() <= 189 && !w.message().isEmpty(), w.toString());
                codes.add(w.code());
            }
            assertEquals(expired, codes.contains(Code.WARN_CERT_EXPIRED), "WARN_CERT_EXPIRED");
            assertEquals(expiresSoon, codes.contains(Code.WARN_CERT_EXPIRES_SOON), "WARN_CERT_EXPIRES_SOON");
        }
    }

    @Test
    void aggregatesNeedAnEntityIdAndNameTheChoices() {
        for (String file : List.of("metadata/federation-1.xml", "metadata/federation-2.xml")) {
            byte[] raw = Vectors.bytes(INTEROP.resolve(file));
            SsogateException e = assertThrows(SsogateException.class, () -> IdpMetadata.importXml(raw, atCorpusDate()));
            assertEquals(Code.METADATA_AMBIGUOUS, e.code());
            SsogateException missing = assertThrows(SsogateException.class, () -> IdpMetadata.importXml(raw,
                    atCorpusDate().entityId("https://not-in-this-aggregate.example/idp")));
            assertEquals(Code.METADATA_ENTITY_NOT_FOUND, missing.code());
        }
    }

    @Test
    void signedMetadataVerifiesOnlyWithItsSigner() {
        byte[] raw = Vectors.bytes(INTEROP.resolve("metadata/entra-1.xml"));
        String signer;
        try (IdpMetadata plain = IdpMetadata.importXml(raw, atCorpusDate())) {
            signer = plain.certificates().get(0).pem();
        }
        try (IdpMetadata idp = IdpMetadata.importXml(raw, atCorpusDate().signerPem(signer))) {
            assertTrue(idp.signatureVerified());
        }
        byte[] okta = Vectors.bytes(INTEROP.resolve("metadata/okta-1.xml"));
        String wrong;
        try (IdpMetadata o = IdpMetadata.importXml(okta, atCorpusDate())) {
            wrong = o.certificates().get(0).pem();
        }
        assertEquals(Code.METADATA_SIGNATURE_INVALID, assertThrows(SsogateException.class,
                () -> IdpMetadata.importXml(raw, atCorpusDate().signerPem(wrong))).code());
        assertEquals(Code.METADATA_UNSIGNED, assertThrows(SsogateException.class,
                () -> IdpMetadata.importXml(okta, atCorpusDate().signerPem(signer))).code());
    }

    @Test
    void weakRsaPublicExponentsAreRefused() {
        Path dir = Vectors.dir("metadata");
        for (String e : List.of("1", "2", "3")) {
            SsogateException x = assertThrows(SsogateException.class, () -> IdpMetadata.importXml(
                    Vectors.bytes(dir.resolve("rsa-e" + e + "-idp.xml")), atCorpusDate()));
            assertEquals(Code.METADATA_WEAK_KEY, x.code());
            assertTrue(x.operatorMessage().contains("public exponent " + e + " "), x.operatorMessage());
        }
        IdpMetadata.importXml(Vectors.bytes(dir.resolve("rsa-e65537-idp.xml")), atCorpusDate()).close();
    }

    // ----------------------------------------------------------------------------------- responses

    /** The code of each `reject` entry, with SHA-1 and IdP-initiated login allowed. */
    static final Map<String, String> REJECT_CODES = Map.ofEntries(
            Map.entry("okta-5", "SIGNATURE_INVALID"), Map.entry("okta-6", "SIGNATURE_INVALID"),
            Map.entry("okta-7", "SIGNATURE_ALGORITHM"), Map.entry("entra-2", "SIGNATURE_INVALID"),
            Map.entry("google-4", "SIGNATURE_INVALID"), Map.entry("onelogin-5", "SIGNATURE_INVALID"),
            Map.entry("onelogin-6", "SIGNATURE_INVALID"), Map.entry("onelogin-7", "DESTINATION_MISMATCH"),
            Map.entry("onelogin-8", "AUDIENCE_MISMATCH"), Map.entry("onelogin-9", "SIGNATURE_MISSING"),
            Map.entry("onelogin-10", "ASSERTION_COUNT"), Map.entry("onelogin-11", "ASSERTION_COUNT"));
    /** Accepted by plain SAML, refused by an explicit ssogate rule (markup inside NameID). */
    static final Map<String, String> STRICTER_THAN_SAML = Map.of("google-3", "NAMEID_INVALID");
    static final Set<String> UNSPECIFIED = Set.of("", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified");

    static List<Map<String, Object>> responses() {
        return FILES.stream().filter(f -> "saml-response".equals(f.get("kind"))).collect(Collectors.toList());
    }

    static Set<String> flags(Map<String, Object> entry) {
        return Json.arr(entry.get("policy_flags")).stream().map(o -> (String) o).collect(Collectors.toSet());
    }

    /** Minimal IdP metadata around the first certificate of a PEM file (as the C++ test does). */
    static String metadataForPem(String entityId, Path pem) {
        List<String> lines = List.of(Vectors.text(pem).split("\\r?\\n"));
        int start = lines.indexOf("-----BEGIN CERTIFICATE-----");
        int end = lines.subList(start, lines.size()).indexOf("-----END CERTIFICATE-----") + start;
        String der = String.join("", lines.subList(start + 1, end));
        return "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"" + entityId + "\">"
                + "<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
                + "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
                + "<ds:X509Data><ds:X509Certificate>" + der + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
                + "</md:KeyDescriptor>"
                + "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
                + "Location=\"https://idp.invalid/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>";
    }

    /** One response of the corpus, verified under a context as the C++ test does. */
    static final class Run {
        final Map<String, Object> entry;
        final String form;
        final Path cert;
        SpKey spKey;
        String spCert = "";
        boolean giveKey = true;

        Run(Map<String, Object> entry) {
            this.entry = entry;
            form = Base64.getEncoder().encodeToString(Vectors.bytes(INTEROP.resolve((String) entry.get("file"))));
            cert = INTEROP.resolve((String) Json.obj(entry.get("certificate")).get("file"));
            if (flags(entry).contains("encrypted-assertion")) {
                Path keyFile = INTEROP.resolve((String) Json.obj(entry.get("sp_decryption_key")).get("file"));
                spCert = Vectors.text(keyFile.resolveSibling(keyFile.getFileName().toString()
                        .replace(".sp-key.pem", ".sp-cert.pem")));
                spKey = SpKey.legacy(Vectors.bytes(keyFile), spCert.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
        }

        String code(Map<String, Object> ctx, boolean allowSha1, boolean allowIdpInitiated) {
            Instant now = iso((String) ctx.get("now"));
            try (IdpMetadata idp = IdpMetadata.importXml(metadataForPem((String) ctx.get("idp_entity_id"), cert)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8), new IdpMetadata.Options().now(now))) {
                Connection.Settings s = new Connection.Settings().id("interop").acsUrl((String) ctx.get("acs_url"))
                        .spEntityId((String) ctx.get("sp_entity_id")).clockSkewSeconds(0).allowSha1(allowSha1)
                        .allowIdpInitiated(allowIdpInitiated).allowLegacySpKey(spKey != null);
                if (spKey != null) {
                    s.spEncryptionCertificate(spCert);
                }
                try (Connection conn = Connection.create(idp, s);
                     ReplayCache cache = ReplayCache.memory(new ReplayCache.Options().now(now))) {
                    String rid = (String) ctx.get("request_id");
                    VerifyOptions o = new VerifyOptions(cache).now(now)
                            .pendingRequestIds(rid == null || rid.isEmpty() ? List.of() : List.of(rid));
                    if (spKey != null && giveKey) {
                        o.decryptionKeys(List.of(spKey));
                    }
                    VerifiedLogin login = conn.verify(form, o);
                    Map<String, Object> assertion = Json.obj(entry.get("assertion"));
                    assertEquals(assertion.get("nameid"), login.nameId());
                    assertEquals(assertion.get("id"), login.assertionId());
                    return "OK";
                }
            } catch (SsogateException e) {
                return e.code().name();
            }
        }
    }

    static boolean validEmail(String a) {
        int at = a.indexOf('@');
        return at > 0 && a.substring(at + 1).contains(".") && !a.contains(" ");
    }

    static String expected(Map<String, Object> entry, String name) {
        Set<String> flags = flags(entry);
        if ("reject".equals(entry.get("expect"))) {
            return REJECT_CODES.get(name);
        }
        if (STRICTER_THAN_SAML.containsKey(name)) {
            return STRICTER_THAN_SAML.get(name);
        }
        if (flags.contains("no-authn-statement")) {
            return "AUTHN_STATEMENT_MISSING";
        }
        if (flags.contains("nameid-format-not-email")) {
            Map<String, Object> a = Json.obj(entry.get("assertion"));
            String fmt = a.get("nameid_format") == null ? "" : (String) a.get("nameid_format");
            return UNSPECIFIED.contains(fmt) && validEmail((String) a.get("nameid")) ? "OK" : "NAMEID_FORMAT";
        }
        return "OK";
    }

    static String name(Map<String, Object> entry) {
        String f = (String) entry.get("file");
        return f.substring("responses/".length(), f.length() - ".xml".length());
    }

    @TestFactory
    Stream<DynamicTest> everyResponseGetsItsOutcome() {
        return responses().stream().map(e -> DynamicTest.dynamicTest(name(e), () -> checkResponse(e)));
    }

    static void checkResponse(Map<String, Object> entry) {
        String name = name(entry);
        Map<String, Object> ctx = new HashMap<>(Json.obj(entry.get("context")));
        Run run = new Run(entry);
        try {
            if (name.equals("oracle-oam-1")) {
                // A 1024-bit RSA IdP key cannot even be configured.
                SsogateException e = assertThrows(SsogateException.class, () -> IdpMetadata.importXml(
                        metadataForPem((String) ctx.get("idp_entity_id"), run.cert)));
                assertEquals(Code.METADATA_WEAK_KEY, e.code());
                return;
            }
            String expected = expected(entry, name);
            assertNotNull(expected, name + " has no expected code");
            boolean idpInitiated = Boolean.TRUE.equals(ctx.get("idp_initiated"));
            // Some contexts put `now` before the IssueInstant; ssogate refuses an IssueInstant in the future
            // (beyond the skew), then the response is checked at its IssueInstant (as the C++ test does).
            String latest = null;
            for (String part : List.of("response", "assertion")) {
                Object p = entry.get(part);
                if (p != null && Json.obj(p).get("issue_instant") != null) {
                    String t = (String) Json.obj(p).get("issue_instant");
                    if (latest == null || iso(t).isAfter(iso(latest))) {
                        latest = t;
                    }
                }
            }
            if (latest != null && iso(latest).isAfter(iso((String) ctx.get("now")))) {
                String early = run.code(ctx, true, idpInitiated);
                assertTrue(early.equals("ISSUE_INSTANT") || (!expected.equals("OK") && early.equals(expected)), early);
                ctx.put("now", latest);
            }
            assertEquals(expected, run.code(ctx, true, idpInitiated));
            if (run.spKey != null) {
                // Without the key, the refusal says the assertion is encrypted.
                run.giveKey = false;
                assertEquals("ASSERTION_ENCRYPTED", run.code(ctx, true, idpInitiated));
                run.giveKey = true;
            }
            boolean accept = "accept".equals(entry.get("expect"));
            if (flags(entry).contains("sha1-signature") && accept) {
                assertEquals("SIGNATURE_ALGORITHM", run.code(ctx, false, idpInitiated));
            }
            if (flags(entry).contains("unsolicited-idp-initiated") && accept) {
                assertEquals("UNSOLICITED_NOT_ALLOWED", run.code(ctx, true, false));
            }
            for (Object o : Json.arr(entry.get("reject_variants"))) {
                Map<String, Object> change = Json.obj(Json.obj(o).get("change"));
                Map<String, Object> c = new HashMap<>(ctx);
                boolean allowUnsolicited = idpInitiated;
                Set<String> codes = new HashSet<>();
                if (change.containsKey("now")) {
                    c.put("now", change.get("now"));
                    codes.addAll(Set.of("EXPIRED", "SUBJECT_EXPIRED", "NOT_YET_VALID", "ISSUE_INSTANT"));
                } else if (change.containsKey("sp_entity_id")) {
                    c.put("sp_entity_id", change.get("sp_entity_id"));
                    codes.add("AUDIENCE_MISMATCH");
                } else if (change.containsKey("acs_url")) {
                    c.put("acs_url", change.get("acs_url"));
                    codes.addAll(Set.of("DESTINATION_MISMATCH", "RECIPIENT_MISMATCH"));
                } else if (change.containsKey("idp_entity_id")) {
                    c.put("idp_entity_id", change.get("idp_entity_id"));
                    codes.add("ISSUER_MISMATCH");
                } else if (change.containsKey("request_id")) {
                    c.put("request_id", change.get("request_id"));
                    codes.add("IN_RESPONSE_TO_UNKNOWN");
                } else if (change.containsKey("allow_idp_initiated")) {
                    allowUnsolicited = Boolean.TRUE.equals(change.get("allow_idp_initiated"));
                    codes.add("UNSOLICITED_NOT_ALLOWED");
                } else {
                    fail("unknown variant " + change);
                }
                if (!expected.equals("OK")) {
                    codes.add(expected); // refused earlier for its own reason
                }
                String got = run.code(c, true, allowUnsolicited);
                assertTrue(codes.contains(got), "variant " + change + ": " + got);
            }
        } finally {
            if (run.spKey != null) {
                run.spKey.close();
            }
        }
    }

    @Test
    void theCorpusHasItsSize() {
        List<Map<String, Object>> r = responses();
        assertEquals(36, r.size());
        assertEquals(6, r.stream().filter(e -> flags(e).contains("encrypted-assertion")).count());
        assertTrue(r.stream().mapToInt(e -> Json.arr(e.get("reject_variants")).size()).sum() >= 100);
        assertTrue(Files.isDirectory(INTEROP.resolve("responses")));
    }
}
