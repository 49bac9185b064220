package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_error;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_test_idp;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_test_response;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_test_response_params;
import dev.ssogate.internal.capi.SsogateCapi;
import dev.ssogate.internal.capi.ssogate_key_type;
import dev.ssogate.internal.capi.ssogate_test_key_placement;
import dev.ssogate.internal.capi.ssogate_test_sign;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An IdP for tests: it makes its own key and self-signed certificate, publishes IdP metadata, and signs
 * SAML Responses with the knobs a test needs. Use it to test an ACS handler end to end. Its key lives in
 * memory only; nothing it signs proves anything to a real SP. Immutable, safe to share between threads.
 */
public final class TestIdp implements AutoCloseable {
    /** The key a testing IdP makes. */
    public enum KeyType {
        RSA_2048(ssogate_key_type.SSOGATE_KEY_TYPE_RSA_2048),
        EC_P256(ssogate_key_type.SSOGATE_KEY_TYPE_EC_P256);

        final int number;

        KeyType(int number) {
            this.number = number;
        }
    }

    /** What a testing IdP signs. */
    public enum Sign {
        NONE(ssogate_test_sign.SSOGATE_TEST_SIGN_NONE),
        RESPONSE(ssogate_test_sign.SSOGATE_TEST_SIGN_RESPONSE),
        ASSERTION(ssogate_test_sign.SSOGATE_TEST_SIGN_ASSERTION),
        BOTH(ssogate_test_sign.SSOGATE_TEST_SIGN_BOTH);

        final int number;

        Sign(int number) {
            this.number = number;
        }
    }

    /** Where an encrypting testing IdP puts the EncryptedKey. */
    public enum KeyPlacement {
        IN_KEY_INFO(ssogate_test_key_placement.SSOGATE_TEST_KEY_PLACEMENT_IN_KEY_INFO),
        RETRIEVAL_METHOD(ssogate_test_key_placement.SSOGATE_TEST_KEY_PLACEMENT_RETRIEVAL_METHOD),
        CARRIED_KEY_NAME(ssogate_test_key_placement.SSOGATE_TEST_KEY_PLACEMENT_CARRIED_KEY_NAME);

        final int number;

        KeyPlacement(int number) {
            this.number = number;
        }
    }

    /** A signed test Response: the form value to post and its XML. */
    public record Response(String base64, String xml, String relayState) {}

    private interface Knob {
        int apply(SWIGTYPE_p_ssogate_test_response_params p, SWIGTYPE_p_ssogate_error e);
    }

    /**
     * The knobs of one test Response, applied in the order they were set. Unset knobs take the
     * library's defaults (signed twice, RSA-SHA256, windows around now, the connection's URLs).
     */
    public static final class ResponseParams {
        private final List<Knob> knobs = new ArrayList<>();
        private String answering;

        private ResponseParams knob(Knob k) {
            knobs.add(k);
            return this;
        }

        public ResponseParams nameId(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_nameid(p, Native.utf8(v), e));
        }

        public ResponseParams nameIdFormat(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_nameid_format(p, Native.utf8(v), e));
        }

        /** The AuthnRequest ID answered; unset: unsolicited (IdP-initiated). */
        public ResponseParams inResponseTo(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_in_response_to(p, Native.utf8(v), e));
        }

        public ResponseParams destination(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_destination(p, Native.utf8(v), e));
        }

        public ResponseParams recipient(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_recipient(p, Native.utf8(v), e));
        }

        /** "" leaves the Audience out. */
        public ResponseParams audience(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_audience(p, Native.utf8(v), e));
        }

        public ResponseParams issuer(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_issuer(p, Native.utf8(v), e));
        }

        public ResponseParams status(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_status(p, Native.utf8(v), e));
        }

        public ResponseParams sessionIndex(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_session_index(p, Native.utf8(v), e));
        }

        public ResponseParams assertionId(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_assertion_id(p, Native.utf8(v), e));
        }

        public ResponseParams responseId(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_response_id(p, Native.utf8(v), e));
        }

        public ResponseParams signatureMethod(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_signature_method(p, Native.utf8(v), e));
        }

        public ResponseParams digestMethod(String v) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_digest_method(p, Native.utf8(v), e));
        }

        /** Adds an attribute value (a second call with the same name appends to it). */
        public ResponseParams attribute(String name, String value) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_add_attribute(p, Native.utf8(name), null,
                    null, Native.utf8(value), e));
        }

        /** The IdP's clock: IssueInstant, AuthnInstant and the windows around them. */
        public ResponseParams now(Instant t) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_now(p, t.getEpochSecond(), e));
        }

        public ResponseParams issueInstant(Instant t) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_issue_instant(p, t.getEpochSecond(), e));
        }

        public ResponseParams notBefore(Instant t) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_not_before(p, t.getEpochSecond(), e));
        }

        public ResponseParams notOnOrAfter(Instant t) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_not_on_or_after(p, t.getEpochSecond(), e));
        }

        public ResponseParams subjectNotOnOrAfter(Instant t) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_subject_not_on_or_after(p,
                    t.getEpochSecond(), e));
        }

        public ResponseParams authnStatement(boolean on) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_authn_statement(p, Native.bool(on), e));
        }

        public ResponseParams sign(Sign what) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_sign(p, what.number, e));
        }

        /**
         * Encrypts the Assertion to an SP certificate (PEM); null algorithms take the defaults
         * (rsa-oaep-mgf1p, aes256-gcm).
         */
        public ResponseParams encryptTo(String certPem, String keyTransport, String dataAlgorithm, KeyPlacement placement) {
            return knob((p, e) -> SsogateCapi.ssogate_test_response_params_set_encryption(p, Native.utf8(certPem),
                    Native.utf8(keyTransport), Native.utf8(dataAlgorithm), placement.number, e));
        }

        /**
         * Answers an AuthnRequest as the IdP receives it: the Redirect URL (or its query) or the POST
         * SAMLRequest value. Sets InResponseTo, and the RelayState to post back ({@link Response#relayState()}).
         */
        public ResponseParams answering(String request) {
            answering = request;
            return this;
        }
    }

    private final Native.Ref<SWIGTYPE_p_ssogate_test_idp> ref;
    private final String entityId;
    private final String certificatePem;
    private final String privateKeyPem;
    private final String metadataXml;

    private TestIdp(SWIGTYPE_p_ssogate_test_idp h) {
        ref = new Native.Ref<>("the testing IdP", h, SsogateCapi::ssogate_test_idp_free).cleanedWith(this);
        entityId = SsogateCapi.ssogate_test_idp_entity_id(h);
        certificatePem = SsogateCapi.ssogate_test_idp_certificate_pem(h);
        privateKeyPem = SsogateCapi.ssogate_test_idp_private_key_pem(h);
        metadataXml = SsogateCapi.ssogate_test_idp_metadata_xml(h);
    }

    /** A testing IdP "https://idp.test.example/saml" with a fresh RSA-2048 key. */
    public static TestIdp create() {
        return create(null, null, KeyType.RSA_2048);
    }

    /** A testing IdP; null entityId or ssoUrl take the defaults. */
    public static TestIdp create(String entityId, String ssoUrl, KeyType keyType) {
        try (Native.Err e = new Native.Err()) {
            return new TestIdp(e.made(SsogateCapi.ssogate_test_idp_new(Native.utf8(entityId), Native.utf8(ssoUrl),
                    keyType.number, e.h), "ssogate_test_idp_new"));
        }
    }

    /** A testing IdP over a key and certificate kept from an earlier one, so its metadata stays the same. */
    public static TestIdp fromPem(String entityId, String ssoUrl, String keyPem, String certPem) {
        try (Native.Err e = new Native.Err()) {
            return new TestIdp(e.made(SsogateCapi.ssogate_test_idp_from_pem(Native.utf8(entityId), Native.utf8(ssoUrl),
                    Native.utf8(keyPem), Native.utf8(certPem), e.h), "ssogate_test_idp_from_pem"));
        }
    }

    public String entityId() {
        return entityId;
    }

    public String certificatePem() {
        return certificatePem;
    }

    /** A throwaway key for tests, never for a real IdP. */
    public String privateKeyPem() {
        return privateKeyPem;
    }

    /** Its IdP metadata, for {@link IdpMetadata#importXml(String)}. */
    public String metadataXml() {
        return metadataXml;
    }

    /** A Response for conn (its ACS URL and SP entity ID) with the default knobs and this NameID. */
    public Response response(Connection conn, String nameId) {
        return response(conn, new ResponseParams().nameId(nameId));
    }

    /** A signed Response for conn with params. */
    public Response response(Connection conn, ResponseParams params) {
        if (conn == null || params == null) {
            throw new SsogateException(Code.INVALID_ARGUMENT, "TestIdp.response: the connection and the params are required");
        }
        try (Native.Err e = new Native.Err()) {
            SWIGTYPE_p_ssogate_test_response_params p = SsogateCapi.ssogate_test_response_params_new();
            if (p == null) {
                throw new OutOfMemoryError("ssogate_test_response_params_new returned NULL");
            }
            try {
                String relayState = conn.ref.use(ch -> {
                    e.check(SsogateCapi.ssogate_test_response_params_set_connection(p, ch, e.h),
                            "ssogate_test_response_params_set_connection");
                    if (params.answering == null) {
                        return "";
                    }
                    e.check(SsogateCapi.ssogate_test_response_params_answer_request(p, ch, Native.utf8(params.answering),
                            e.h), "ssogate_test_response_params_answer_request");
                    return Native.orEmpty(SsogateCapi.ssogate_test_response_params_relay_state(p));
                });
                for (Knob k : params.knobs) {
                    e.check(k.apply(p, e.h), "ssogate_test_response_params");
                }
                return ref.use(h -> {
                    SWIGTYPE_p_ssogate_test_response r = e.made(SsogateCapi.ssogate_test_response_new(h, p, e.h),
                            "ssogate_test_response_new");
                    try {
                        return new Response(SsogateCapi.ssogate_test_response_base64(r),
                                SsogateCapi.ssogate_test_response_xml(r), relayState);
                    } finally {
                        SsogateCapi.ssogate_test_response_free(r);
                    }
                });
            } finally {
                SsogateCapi.ssogate_test_response_params_free(p);
            }
        }
    }

    @Override
    public void close() {
        ref.close();
    }
}
