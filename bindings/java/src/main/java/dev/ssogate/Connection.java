package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_connection;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_connection_params;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_error;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_verified_login;
import dev.ssogate.internal.capi.SsogateCapi;
import dev.ssogate.internal.capi.ssogate_connection_options;
import dev.ssogate.internal.capi.ssogate_idp_options;

import java.util.ArrayList;
import java.util.List;

/**
 * A connection: one IdP of an account, with the SP side (ACS URL, SP entity ID) the IdP is told about.
 * Immutable and safe to share between threads; {@link #close()} releases it.
 */
public final class Connection implements AutoCloseable {
    /** The settings of a new connection; unset values take the library's defaults. */
    public static final class Settings {
        private final List<String[]> strings = new ArrayList<>();
        boolean allowIdpInitiated;
        boolean jitProvisioning;
        int clockSkewSeconds = -1;
        boolean allowSha1;
        boolean allowRsa15;
        boolean allowLegacySpKey;

        private Settings add(String field, String value) {
            strings.add(new String[] {field, value});
            return this;
        }

        /** The service's base URL ("https://app.example.com"); the ACS URL and SP entity ID derive from it. */
        public Settings baseUrl(String v) {
            return add("base_url", v);
        }

        /** The connection id; unset: 128 random bits. */
        public Settings id(String v) {
            return add("id", v);
        }

        public Settings description(String v) {
            return add("description", v);
        }

        /** An explicit ACS URL, for an IdP app that exists already. */
        public Settings acsUrl(String v) {
            return add("acs_url", v);
        }

        /** An explicit SP entity ID. */
        public Settings spEntityId(String v) {
            return add("sp_entity_id", v);
        }

        public Settings acsUrlTemplate(String v) {
            return add("acs_url_template", v);
        }

        public Settings spEntityIdTemplate(String v) {
            return add("sp_entity_id_template", v);
        }

        /** Adds an email domain allowed to log in; none added allows any. */
        public Settings allowedDomain(String v) {
            return add("allowed_domain", v);
        }

        /** Takes the email from this SAML attribute instead of the NameID. */
        public Settings emailAttribute(String v) {
            return add("email_attribute", v);
        }

        /** The certificate (PEM) of the SP key AuthnRequests are signed with. */
        public Settings spCertificatePem(String v) {
            return add("sp_certificate_pem", v);
        }

        /** Adds an origin an SP-initiated login may return to with an absolute URL. */
        public Settings returnOrigin(String v) {
            return add("return_origin", v);
        }

        /** Adds the certificate (PEM) of an SP encryption key the IdP encrypts assertions to. */
        public Settings spEncryptionCertificate(String v) {
            return add("sp_encryption_certificate", v);
        }

        /** Accepts unsolicited (IdP-initiated) responses. */
        public Settings allowIdpInitiated(boolean v) {
            allowIdpInitiated = v;
            return this;
        }

        /** Newcomers from allowed domains are prompted to join (Just-in-Time). */
        public Settings jitProvisioning(boolean v) {
            jitProvisioning = v;
            return this;
        }

        /** Tolerated clock difference with the IdP, 0..600 seconds (default 180). */
        public Settings clockSkewSeconds(int v) {
            clockSkewSeconds = v;
            return this;
        }

        public Settings allowSha1(boolean v) {
            allowSha1 = v;
            return this;
        }

        /** Accepts RSA-1_5 key transport in encrypted assertions (legacy IdPs only). */
        public Settings allowRsa15(boolean v) {
            allowRsa15 = v;
            return this;
        }

        /** Accepts SP encryption certificates of 1024 to 2047 bits (published test keys). */
        public Settings allowLegacySpKey(boolean v) {
            allowLegacySpKey = v;
            return this;
        }

        private static int set(SWIGTYPE_p_ssogate_connection_params p, String field, byte[] v, SWIGTYPE_p_ssogate_error e) {
            switch (field) {
                case "base_url": return SsogateCapi.ssogate_connection_params_set_base_url(p, v, e);
                case "id": return SsogateCapi.ssogate_connection_params_set_id(p, v, e);
                case "description": return SsogateCapi.ssogate_connection_params_set_description(p, v, e);
                case "acs_url": return SsogateCapi.ssogate_connection_params_set_acs_url(p, v, e);
                case "sp_entity_id": return SsogateCapi.ssogate_connection_params_set_sp_entity_id(p, v, e);
                case "acs_url_template": return SsogateCapi.ssogate_connection_params_set_acs_url_template(p, v, e);
                case "sp_entity_id_template":
                    return SsogateCapi.ssogate_connection_params_set_sp_entity_id_template(p, v, e);
                case "allowed_domain": return SsogateCapi.ssogate_connection_params_add_allowed_domain(p, v, e);
                case "email_attribute": return SsogateCapi.ssogate_connection_params_set_email_attribute(p, v, e);
                case "sp_certificate_pem": return SsogateCapi.ssogate_connection_params_set_sp_certificate_pem(p, v, e);
                case "return_origin": return SsogateCapi.ssogate_connection_params_add_return_origin(p, v, e);
                case "sp_encryption_certificate":
                    return SsogateCapi.ssogate_connection_params_add_sp_encryption_certificate(p, v, e);
                default: throw new IllegalStateException(field);
            }
        }
    }

    final Native.Ref<SWIGTYPE_p_ssogate_connection> ref;
    private final String id;
    private final String acsUrl;
    private final String spEntityId;
    private final String idpEntityId;
    private final boolean allowIdpInitiated;
    private final boolean jitProvisioning;
    private final List<String> allowedDomains;

    private Connection(SWIGTYPE_p_ssogate_connection h) {
        ref = new Native.Ref<>("the connection", h, SsogateCapi::ssogate_connection_free).cleanedWith(this);
        id = SsogateCapi.ssogate_connection_id(h);
        acsUrl = SsogateCapi.ssogate_connection_acs_url(h);
        spEntityId = SsogateCapi.ssogate_connection_sp_entity_id(h);
        idpEntityId = SsogateCapi.ssogate_idp_entity_id(SsogateCapi.ssogate_connection_idp(h));
        allowIdpInitiated = SsogateCapi.ssogate_connection_allow_idp_initiated(h) != 0;
        jitProvisioning = SsogateCapi.ssogate_connection_jit_provisioning(h) != 0;
        List<String> domains = new ArrayList<>();
        for (long i = 0, n = SsogateCapi.ssogate_connection_allowed_domain_count(h); i < n; i++) {
            domains.add(SsogateCapi.ssogate_connection_allowed_domain(h, i));
        }
        allowedDomains = List.copyOf(domains);
    }

    /**
     * Makes a connection for imported metadata. INVALID_URL, INVALID_SETTING or INVALID_ARGUMENT name
     * the field that was refused.
     */
    public static Connection create(IdpMetadata idp, Settings settings) {
        if (idp == null || settings == null) {
            throw new SsogateException(Code.INVALID_ARGUMENT, "Connection.create: the metadata and the settings are required");
        }
        try (Native.Err e = new Native.Err()) {
            SWIGTYPE_p_ssogate_connection_params p = SsogateCapi.ssogate_connection_params_new();
            if (p == null) {
                throw new OutOfMemoryError("ssogate_connection_params_new returned NULL");
            }
            ssogate_connection_options o = new ssogate_connection_options();
            try {
                for (String[] kv : settings.strings) {
                    e.check(Settings.set(p, kv[0], Native.utf8(kv[1]), e.h), "ssogate_connection_params " + kv[0]);
                }
                o.setAllow_idp_initiated(Native.bool(settings.allowIdpInitiated));
                o.setJit_provisioning(Native.bool(settings.jitProvisioning));
                if (settings.clockSkewSeconds >= 0) {
                    o.setClock_skew_seconds(settings.clockSkewSeconds);
                }
                o.setAllow_sha1(Native.bool(settings.allowSha1));
                o.setAllow_rsa_1_5(Native.bool(settings.allowRsa15));
                o.setAllow_legacy_sp_key(Native.bool(settings.allowLegacySpKey));
                SWIGTYPE_p_ssogate_connection h = idp.ref.use(ih -> SsogateCapi.ssogate_connection_new(ih, p, o, e.h));
                return new Connection(e.made(h, "ssogate_connection_new"));
            } finally {
                o.delete();
                SsogateCapi.ssogate_connection_params_free(p);
            }
        }
    }

    /**
     * Restores a connection from {@link #toJson()}; its metadata is imported again with options (so
     * expired metadata is refused). CONNECTION_JSON for malformed JSON, CONNECTION_VERSION for a newer schema.
     */
    public static Connection fromJson(String json, IdpMetadata.Options options) {
        if (json == null) {
            throw new SsogateException(Code.INVALID_ARGUMENT, "Connection.fromJson: json is null");
        }
        try (Native.Err e = new Native.Err()) {
            ssogate_idp_options o = (options == null ? new IdpMetadata.Options() : options).toNative();
            try {
                return new Connection(e.made(SsogateCapi.ssogate_connection_from_json(Native.utf8(json), o, e.h),
                        "ssogate_connection_from_json"));
            } finally {
                o.delete();
            }
        }
    }

    public static Connection fromJson(String json) {
        return fromJson(json, null);
    }

    public String id() {
        return id;
    }

    /** The ACS URL to give the IdP (where it posts its responses). */
    public String acsUrl() {
        return acsUrl;
    }

    /** The SP entity ID to give the IdP (the audience of its assertions). */
    public String spEntityId() {
        return spEntityId;
    }

    public String idpEntityId() {
        return idpEntityId;
    }

    public boolean allowIdpInitiated() {
        return allowIdpInitiated;
    }

    public boolean jitProvisioning() {
        return jitProvisioning;
    }

    public List<String> allowedDomains() {
        return allowedDomains;
    }

    /** The connection as JSON, to store it (the IdP metadata included, no private key). */
    public String toJson() {
        return ref.use(SsogateCapi::ssogate_connection_to_json);
    }

    /** The SP metadata to give the IdP: entity ID, ACS, certificates. */
    public String spMetadata() {
        return ref.use(SsogateCapi::ssogate_connection_sp_metadata);
    }

    /**
     * Verifies the SAMLResponse form value posted to this connection's ACS URL. A refusal is a
     * {@link SsogateException} with a stable code, an operator message and a user message.
     */
    public VerifiedLogin verify(String samlResponse, VerifyOptions options) {
        if (samlResponse == null || options == null) {
            throw new SsogateException(Code.INVALID_ARGUMENT, "Connection.verify: the response and the options are required");
        }
        byte[] ids = options.pendingIdsArgument("Connection.verify");
        return options.run("Connection.verify", (o, e) -> ref.use(ch -> options.replayCache().ref.use(rh -> {
            SWIGTYPE_p_ssogate_verified_login h = SsogateCapi.ssogate_verify_response(ch, Native.utf8(samlResponse), ids,
                    rh, o, e.h);
            e.made(h, "ssogate_verify_response");
            try {
                return VerifiedLogin.read(h);
            } finally {
                SsogateCapi.ssogate_verified_login_free(h);
            }
        })));
    }

    /**
     * Begins an SP-initiated login: builds the AuthnRequest and records it in store under a fresh
     * RelayState. RETURN_TO_NOT_ALLOWED, BINDING_UNSUPPORTED, SP_KEY_REQUIRED, SP_KEY_INVALID,
     * STORE_UNAVAILABLE.
     */
    public SpLoginRequest beginLogin(RequestStore store, LoginOptions options) {
        if (store == null) {
            throw new SsogateException(Code.INVALID_ARGUMENT, "Connection.beginLogin: the store is required");
        }
        LoginOptions opts = options == null ? new LoginOptions() : options;
        return opts.run((key, o, e) -> ref.use(ch -> store.ref.use(sh -> SpLoginRequest.take(
                SsogateCapi.ssogate_sp_login_begin(ch, sh, Native.utf8(opts.returnTo), key, o, e.h), e,
                "ssogate_sp_login_begin"))));
    }

    /**
     * Finishes a login at the ACS: the RelayState (null when the IdP sent none) and SAMLResponse form
     * values. The pending request is taken from store exactly once and the response must answer it.
     * {@link VerifiedLogin#returnTo()} is where to send the user. REQUEST_UNKNOWN, REQUEST_EXPIRED,
     * REQUEST_CONNECTION_MISMATCH, RELAY_STATE_INVALID and every code of {@link #verify}.
     */
    public VerifiedLogin finishLogin(RequestStore store, String relayState, String samlResponse, VerifyOptions options) {
        if (store == null || samlResponse == null || options == null) {
            throw new SsogateException(Code.INVALID_ARGUMENT,
                    "Connection.finishLogin: the store, the response and the options are required");
        }
        if (!options.pendingRequestIds().isEmpty()) {
            throw new SsogateException(Code.INVALID_ARGUMENT,
                    "Connection.finishLogin: pendingRequestIds must be empty; the pending request comes from the store");
        }
        return options.run("Connection.finishLogin", (o, e) -> ref.use(ch -> store.ref.use(sh ->
                options.replayCache().ref.use(rh -> {
                    SWIGTYPE_p_ssogate_verified_login h = SsogateCapi.ssogate_sp_login_finish(ch, sh,
                            Native.utf8(relayState), Native.utf8(samlResponse), rh, o, e.h);
                    e.made(h, "ssogate_sp_login_finish");
                    try {
                        return VerifiedLogin.read(h);
                    } finally {
                        SsogateCapi.ssogate_verified_login_free(h);
                    }
                }))));
    }

    @Override
    public void close() {
        ref.close();
    }

    @Override
    public String toString() {
        return "Connection[" + id + ", ACS " + acsUrl + ", IdP " + idpEntityId + "]";
    }
}
