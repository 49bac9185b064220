package dev.ssogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate through Java: the scenarios of tests/core/gate_test.cpp that the Go and Python tests run too
 * (bindings/go/gate_test.go, tests/python/test_gate.py), with the testing IdP.
 */
class GateTest {
    static TestIdp idp;
    static IdpMetadata imported;
    Connection conn;
    Gate gate;

    @BeforeAll
    static void makeIdp() {
        idp = TestIdp.create("https://okta.test.example/exk1", null, TestIdp.KeyType.RSA_2048);
        imported = IdpMetadata.importXml(idp.metadataXml());
    }

    @AfterAll
    static void closeIdp() {
        imported.close();
        idp.close();
    }

    /** A connection "okta" with IdP-initiated login and Just-in-Time on, saved for account "acme". */
    @BeforeEach
    void open() {
        conn = Connection.create(imported, new Connection.Settings().baseUrl("https://app.example.com").id("okta")
                .allowIdpInitiated(true).jitProvisioning(true));
        gate = Gate.open("memory:");
        gate.createAccount("acme", "Acme", List.of("example.com"));
        gate.addConnection("acme", conn);
    }

    @AfterEach
    void close() {
        gate.close();
        conn.close();
    }

    GateOutcome consume(String email) {
        return gate.consume(conn.id(), idp.response(conn, email).base64());
    }

    @Test
    void memberLoginLinksThenLogsIn() {
        gate.addMember("acme", "alice@example.com", Role.ADMIN, true);
        GateOutcome out = consume("alice@example.com");
        assertEquals(GateOutcomeKind.LOGIN, out.kind());
        assertEquals(Reason.FIRST_SSO_LOGIN, out.reason());
        assertTrue(out.accepted());
        assertEquals(Code.OK, out.error());
        assertEquals("alice@example.com", out.email());
        assertEquals("acme", out.accountId());
        assertEquals("okta", out.connectionId());
        assertEquals("alice@example.com", out.verifiedLogin().orElseThrow().email());
        assertEquals(Reason.MEMBER_LOGIN, consume("alice@example.com").reason());
        Member alice = gate.findMember("acme", "ALICE@example.com").orElseThrow();
        assertTrue(alice.ssoLinked());
        assertEquals(Role.ADMIN, alice.role());
        assertNotNull(alice.lastSsoLogin());
    }

    @Test
    void replayIsDeniedWithItsCode() {
        gate.addMember("acme", "alice@example.com", Role.MEMBER, false);
        String response = idp.response(conn, "alice@example.com").base64();
        assertTrue(gate.consume("okta", response).accepted());
        GateOutcome again = gate.consume("okta", response);
        assertEquals(GateOutcomeKind.DENIED, again.kind());
        assertEquals("REPLAYED", again.reasonName());
        assertEquals(Code.REPLAYED, again.error());
        assertNull(again.login());
        assertFalse(again.userMessage().isEmpty());
        List<AuditRow> rows = gate.readAudit("acme");
        assertEquals("REPLAYED", rows.get(rows.size() - 1).reason());
        // Refused after the signature verified: the outcome and the audit row say who it was for.
        assertTrue(again.signatureVerified());
        assertEquals("alice@example.com", again.email());
        assertEquals("alice@example.com", rows.get(rows.size() - 1).email());
        // Refused before any signature verified: nothing the sender wrote, and marked so.
        GateOutcome forged = gate.consume("okta", idp.response(conn,
                new TestIdp.ResponseParams().nameId("ceo@example.com").sign(TestIdp.Sign.NONE)).base64());
        assertEquals(GateOutcomeKind.DENIED, forged.kind());
        assertEquals("SIGNATURE_MISSING", forged.reasonName());
        assertFalse(forged.signatureVerified());
        assertEquals("", forged.email());
        rows = gate.readAudit("acme");
        AuditRow row = rows.get(rows.size() - 1);
        assertEquals("", row.email());
        assertTrue(row.detail().contains("before any signature was verified"), row.detail());
    }

    @Test
    void inviteThenJitPromptAndJoin() {
        Invite invite = gate.invite("acme", "Bob@example.com", Role.ADMIN, 3600);
        assertEquals("bob@example.com", invite.email());
        assertEquals(22, invite.token().length());
        assertFalse(invite.toString().contains(invite.token()));
        GateOutcome out = consume("bob@example.com");
        assertEquals(GateOutcomeKind.JOINED_BY_INVITE, out.kind());
        assertEquals(Reason.INVITE_PENDING, out.reason());
        assertTrue(out.accepted());
        assertNotNull(out.login());

        out = consume("carol@example.com");
        assertEquals(GateOutcomeKind.PROMPT_JOIN, out.kind());
        assertEquals(Reason.JIT_DOMAIN_MATCH, out.reason());
        assertFalse(out.accepted());
        assertNull(out.login());
        assertFalse(out.joinToken().isEmpty());
        assertTrue(out.toString().contains("hidden") && !out.toString().contains(out.joinToken()));
        Member carol = gate.confirmJoin(out.joinToken());
        assertEquals(JoinedVia.SSO, carol.joinedVia());
        String token = out.joinToken();
        assertEquals(Code.NOT_FOUND, assertThrows(SsogateException.class, () -> gate.confirmJoin(token)).code());
        assertEquals(Reason.MEMBER_LOGIN, consume("carol@example.com").reason());

        GateOutcome denied = consume("eve@elsewhere.example.net");
        assertEquals(GateOutcomeKind.DENIED, denied.kind());
        assertEquals(Reason.DOMAIN_NOT_ALLOWED, denied.reason());
        assertEquals(Code.OK, denied.error());
    }

    @Test
    void confirmJoinDecidesAgain() {
        GateOutcome out = consume("carol@example.com");
        assertEquals(GateOutcomeKind.PROMPT_JOIN, out.kind());
        gate.setConnectionEnabled("okta", false); // the admin acts while Carol reads the prompt
        SsogateException e = assertThrows(SsogateException.class, () -> gate.confirmJoin(out.joinToken()));
        assertEquals(Code.POLICY_DENIED, e.code());
        assertTrue(e.getMessage().contains("CONNECTION_DISABLED"), e.getMessage());
        List<AuditRow> rows = gate.readAudit("acme");
        AuditRow row = rows.get(rows.size() - 1);
        assertEquals(List.of("JOIN_REFUSED", "CONNECTION_DISABLED", "carol@example.com"),
                List.of(row.outcome(), row.reason(), row.email()));
        gate.setConnectionEnabled("okta", true);
        gate.confirmJoin(out.joinToken()); // the refusal left the token unused
        rows = gate.readAudit("acme");
        assertEquals("JOIN_CONFIRMED", rows.get(rows.size() - 1).outcome());
    }

    @Test
    void inviteRequiredWithoutJit() {
        try (Connection strict = Connection.create(imported, new Connection.Settings().baseUrl("https://app.example.com")
                .id("strict"));
             Gate g = Gate.open("memory:")) {
            g.createAccount("acme", "Acme", List.of("example.com"));
            g.addConnection("acme", strict);
            g.addMember("acme", "alice@example.com", Role.MEMBER, false);
            // IdP-initiated is off for this connection: verification refuses it.
            GateOutcome out = g.consume("strict", idp.response(strict, "alice@example.com").base64());
            assertEquals("UNSOLICITED_NOT_ALLOWED", out.reasonName());
            assertEquals(Code.UNSOLICITED_NOT_ALLOWED, out.error());
            // SP-initiated works; a newcomer without an invite is refused by the policy.
            SpLoginRequest req = g.beginLogin("strict", new LoginOptions().returnTo("/dash"));
            String answer = idp.response(strict, new TestIdp.ResponseParams().nameId("dave@example.com")
                    .inResponseTo(req.requestId())).base64();
            out = g.consume("strict", answer, req.relayState());
            assertEquals(GateOutcomeKind.DENIED, out.kind());
            assertEquals(Reason.INVITE_REQUIRED, out.reason());
            assertEquals("/dash", out.returnTo());
        }
    }

    @Test
    void spInitiatedLoginBothBindings() {
        gate.addMember("acme", "alice@example.com", Role.MEMBER, false);
        SpLoginRequest req = gate.beginLogin("okta", new LoginOptions().returnTo("/dashboard"));
        assertEquals(Binding.HTTP_REDIRECT, req.binding());
        assertTrue(req.redirectUrl().startsWith("https://idp.test.example/sso?SAMLRequest="), req.redirectUrl());
        TestIdp.Response answer = idp.response(conn, new TestIdp.ResponseParams().answering(req.redirectUrl())
                .nameId("alice@example.com"));
        assertEquals(req.relayState(), answer.relayState());
        GateOutcome out = gate.consume("okta", answer.base64(), answer.relayState());
        assertTrue(out.accepted());
        assertEquals("/dashboard", out.returnTo());
        assertEquals(req.requestId(), out.login().inResponseTo());

        SpLoginRequest post = gate.beginLogin("okta", new LoginOptions().binding(Binding.HTTP_POST));
        assertEquals(Binding.HTTP_POST, post.binding());
        assertFalse(post.postFormHtml().isEmpty());
        assertEquals("", post.redirectUrl());
        SsogateException e = assertThrows(SsogateException.class,
                () -> gate.beginLogin("okta", new LoginOptions().returnTo("https://evil.example.net/")));
        assertEquals(Code.RETURN_TO_NOT_ALLOWED, e.code());
        assertEquals(Code.NOT_FOUND, assertThrows(SsogateException.class,
                () -> gate.beginLogin("nope", null)).code());
    }

    @Test
    void spInitiatedLoginSignedWithAnSpKey(@TempDir Path tmp) throws Exception {
        TestKeys.Pair pair = TestKeys.selfSigned(tmp, "sp");
        try (SpKey sp = SpKey.of(pair.keyPem(), pair.certPem())) {
            gate.addMember("acme", "bob@example.com", Role.MEMBER, false);
            SpLoginRequest req = gate.beginLogin("okta", new LoginOptions().returnTo("/signed").spKey(sp));
            assertTrue(req.signed());
            assertTrue(req.redirectUrl().contains("&SigAlg=") && req.redirectUrl().contains("&Signature="));
            SpLoginRequest unsigned = gate.beginLogin("okta", null);
            assertFalse(unsigned.signed());
            assertFalse(unsigned.redirectUrl().contains("Signature="));
            String answer = idp.response(conn, new TestIdp.ResponseParams().nameId("bob@example.com")
                    .inResponseTo(req.requestId())).base64();
            GateOutcome out = gate.consume("okta", answer, req.relayState());
            assertTrue(out.accepted());
            assertEquals("/signed", out.returnTo());
        }
    }

    @Test
    void passwordLoginsAndEnforcement() {
        gate.addMember("acme", "owner@example.com", Role.OWNER, true);
        gate.addMember("acme", "pat@example.com", Role.MEMBER, true);
        gate.addBreakGlass("acme", "owner@example.com");
        PasswordDecision d = gate.decidePasswordLogin("acme", "pat@example.com");
        assertEquals(new PasswordDecision(true, Reason.PASSWORD_ALLOWED, ""), d);

        Enforcement preview = gate.previewEnforcement("acme");
        assertFalse(preview.allowed());
        assertEquals(Reason.LOCKOUT_GUARD, preview.reason());
        assertEquals(List.of("pat@example.com"), preview.losingAccess());
        assertEquals(List.of("owner@example.com"), preview.breakGlass());
        Enforcement refused = gate.applySsoMode("acme", SsoMode.ENFORCED, false);
        assertFalse(refused.applied());
        assertEquals(SsoMode.MIXED, refused.mode());
        Enforcement forced = gate.applySsoMode("acme", SsoMode.ENFORCED, true);
        assertTrue(forced.applied());
        assertEquals(SsoMode.ENFORCED, forced.mode());
        assertEquals(Reason.FORCED, forced.reason());

        d = gate.decidePasswordLogin("acme", "pat@example.com");
        assertFalse(d.allowed());
        assertEquals(Reason.SSO_REQUIRED, d.reason());
        assertEquals("okta", d.connectionId());
        assertTrue(d.reasonText().contains("enforces SSO"), d.reasonText());
        assertEquals(Reason.BREAK_GLASS, gate.decidePasswordLogin("acme", "owner@example.com").reason());
    }

    @Test
    void breakGlassIsForOwnersAndAdminsWhoAreMembersNow() {
        SsogateException e = assertThrows(SsogateException.class, () -> gate.addBreakGlass("acme", "newbie@example.com"));
        assertEquals(Code.NOT_FOUND, e.code());
        assertTrue(e.operatorMessage().contains("owners or admins"), e.operatorMessage());
        gate.addMember("acme", "newbie@example.com", Role.MEMBER, true);
        SsogateException bad = assertThrows(SsogateException.class, () -> gate.addBreakGlass("acme", "newbie@example.com"));
        assertEquals(Code.POLICY_DENIED, bad.code());
        assertTrue(bad.operatorMessage().contains("role member"), bad.operatorMessage());
        gate.addMember("acme", "boss@example.com", Role.ADMIN, true);
        gate.addBreakGlass("acme", "boss@example.com");
        gate.applySsoMode("acme", SsoMode.ENFORCED, true);
        assertEquals(Reason.SSO_REQUIRED, gate.decidePasswordLogin("acme", "newbie@example.com").reason());
        assertEquals(Reason.BREAK_GLASS, gate.decidePasswordLogin("acme", "boss@example.com").reason());
    }

    @Test
    void auditRowsAndAdminErrors() {
        assertEquals(Code.STORE_CONFLICT, assertThrows(SsogateException.class,
                () -> gate.createAccount("acme", "again", List.of())).code());
        for (String domain : List.of("127.0.0.1", "example")) {
            SsogateException bad = assertThrows(SsogateException.class,
                    () -> gate.createAccount("b", "B", List.of(domain)));
            assertEquals(Code.INVALID_SETTING, bad.code());
            assertTrue(bad.operatorMessage().contains("\"" + domain + "\""), bad.operatorMessage());
        }
        // A list item C would split differently is refused before the call.
        assertEquals(Code.INVALID_ARGUMENT, assertThrows(SsogateException.class,
                () -> gate.createAccount("b", "B", List.of("a.example, b.example"))).code());
        assertEquals(List.of(), gate.readAudit("b")); // nothing was saved
        List<AuditRow> rows = gate.readAudit("acme");
        assertEquals(List.of("ACCOUNT_CREATED", "CONNECTION_SAVED"), rows.stream().map(AuditRow::outcome).toList());
        assertEquals(List.of(), gate.readAudit("acme", rows.get(rows.size() - 1).seq(), 0));
        assertEquals(Code.STORE_LOCATION, assertThrows(SsogateException.class, () -> Gate.open("mysql://db")).code());
        assertTrue(gate.findMember("acme", "nobody@example.com").isEmpty());
        gate.checkStores();
    }

    @Test
    void aClosedGateSaysSo() {
        Gate g = Gate.open("memory:");
        g.close();
        g.close(); // idempotent
        SsogateException e = assertThrows(SsogateException.class, () -> g.createAccount("x", "X", List.of()));
        assertEquals(Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("the gate is closed"), e.getMessage());
    }

    @Test
    void threadsShareOneSqliteGate(@TempDir Path tmp) throws Exception {
        try (Gate g = Gate.open("sqlite:" + tmp.resolve("gate.db"))) {
            g.createAccount("acme", "Acme", List.of("example.com"));
            g.addConnection("acme", conn);
            List<List<String>> batches = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                g.addMember("acme", "user" + t + "@example.com", Role.MEMBER, false);
                List<String> batch = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    batch.add(idp.response(conn, "user" + t + "@example.com").base64());
                }
                batches.add(batch);
            }
            List<GateOutcomeKind> results = Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (List<String> batch : batches) {
                threads.add(new Thread(() -> batch.forEach(r -> results.add(g.consume("okta", r).kind()))));
            }
            threads.forEach(Thread::start);
            for (Thread th : threads) {
                th.join();
            }
            assertEquals(Collections.nCopies(20, GateOutcomeKind.LOGIN), results);
            assertEquals(20, g.readAudit("acme").stream().filter(r -> r.outcome().equals("LOGIN")).count());
        }
    }
}
