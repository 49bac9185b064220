package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_idp;
import dev.ssogate.internal.capi.SsogateCapi;
import dev.ssogate.internal.capi.ssogate_idp_options;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Imported metadata of one IdP: immutable and safe to share between threads. Every value is read once
 * at import; {@link #close()} releases the native copy (connections made from it keep their own).
 */
public final class IdpMetadata implements AutoCloseable {
    /** A SingleSignOnService endpoint. */
    public record Endpoint(Binding binding, String bindingUri, String location) {}

    /** A signing certificate of the IdP, as the metadata carries it. */
    public record Certificate(String pem, String sha256, String subject, String issuer, Instant notBefore,
                              Instant notAfter, String keyType, int keyBits) {}

    /** Something an admin should know about metadata that was nevertheless imported (codes 180-189). */
    public record Warning(Code code, String message) {}

    /** Optional inputs of {@link #importXml(byte[], Options)}. */
    public static final class Options {
        String entityId;
        String signerPem;
        Instant now;
        long maxBytes;
        boolean allowSha1;

        /** Selects one IdP of an aggregate (EntitiesDescriptor) by its entityID. */
        public Options entityId(String entityId) {
            this.entityId = entityId;
            return this;
        }

        /**
         * A certificate (PEM) the caller trusts: the metadata must then be signed with its key
         * (METADATA_UNSIGNED, METADATA_SIGNATURE_INVALID otherwise).
         */
        public Options signerPem(String signerPem) {
            this.signerPem = signerPem;
            return this;
        }

        /** Freezes the clock for validUntil and certificate expiry (tests); null: the system clock. */
        public Options now(Instant now) {
            this.now = now;
            return this;
        }

        /** Refuses larger input with INPUT_TOO_LARGE; 0: the default (8 MiB). */
        public Options maxBytes(long maxBytes) {
            this.maxBytes = maxBytes;
            return this;
        }

        /** Accepts a SHA-1 signature on the metadata itself (only with a signer). */
        public Options allowSha1(boolean allowSha1) {
            this.allowSha1 = allowSha1;
            return this;
        }

        ssogate_idp_options toNative() {
            ssogate_idp_options o = new ssogate_idp_options();
            o.setNow(Native.unixOrZero(now));
            o.setMax_bytes(maxBytes);
            o.setAllow_sha1(Native.bool(allowSha1));
            return o;
        }
    }

    final Native.Ref<SWIGTYPE_p_ssogate_idp> ref;
    private final String entityId;
    private final boolean wantAuthnRequestsSigned;
    private final Instant validUntil;
    private final boolean signatureVerified;
    private final List<Endpoint> ssoServices;
    private final List<String> nameIdFormats;
    private final List<Certificate> certificates;
    private final List<Warning> warnings;

    private IdpMetadata(SWIGTYPE_p_ssogate_idp h) {
        ref = new Native.Ref<>("the IdP metadata", h, SsogateCapi::ssogate_idp_free).cleanedWith(this);
        entityId = SsogateCapi.ssogate_idp_entity_id(h);
        wantAuthnRequestsSigned = SsogateCapi.ssogate_idp_want_authn_requests_signed(h) != 0;
        validUntil = Native.instantOrNull(SsogateCapi.ssogate_idp_valid_until(h));
        signatureVerified = SsogateCapi.ssogate_idp_signature_verified(h) != 0;
        List<Endpoint> sso = new ArrayList<>();
        for (long i = 0, n = SsogateCapi.ssogate_idp_sso_count(h); i < n; i++) {
            sso.add(new Endpoint(Binding.fromNumber(SsogateCapi.ssogate_idp_sso_binding(h, i)),
                    SsogateCapi.ssogate_idp_sso_binding_uri(h, i), SsogateCapi.ssogate_idp_sso_location(h, i)));
        }
        ssoServices = List.copyOf(sso);
        List<String> formats = new ArrayList<>();
        for (long i = 0, n = SsogateCapi.ssogate_idp_nameid_format_count(h); i < n; i++) {
            formats.add(SsogateCapi.ssogate_idp_nameid_format(h, i));
        }
        nameIdFormats = List.copyOf(formats);
        List<Certificate> certs = new ArrayList<>();
        for (long i = 0, n = SsogateCapi.ssogate_idp_cert_count(h); i < n; i++) {
            certs.add(new Certificate(SsogateCapi.ssogate_idp_cert_pem(h, i), SsogateCapi.ssogate_idp_cert_sha256(h, i),
                    SsogateCapi.ssogate_idp_cert_subject(h, i), SsogateCapi.ssogate_idp_cert_issuer(h, i),
                    Instant.ofEpochSecond(SsogateCapi.ssogate_idp_cert_not_before(h, i)),
                    Instant.ofEpochSecond(SsogateCapi.ssogate_idp_cert_not_after(h, i)),
                    SsogateCapi.ssogate_idp_cert_key_type(h, i), SsogateCapi.ssogate_idp_cert_key_bits(h, i)));
        }
        certificates = List.copyOf(certs);
        List<Warning> warns = new ArrayList<>();
        for (long i = 0, n = SsogateCapi.ssogate_idp_warning_count(h); i < n; i++) {
            int code = SsogateCapi.ssogate_idp_warning_code(h, i);
            Code c = Code.fromNumber(code);
            warns.add(new Warning(c == null ? Code.INTERNAL : c, SsogateCapi.ssogate_idp_warning_message(h, i)));
        }
        warnings = List.copyOf(warns);
    }

    /** Imports IdP metadata, the bytes as the admin uploaded them, with the default options. */
    public static IdpMetadata importXml(byte[] xml) {
        return importXml(xml, new Options());
    }

    /** Imports IdP metadata as a string (encoded as UTF-8). */
    public static IdpMetadata importXml(String xml) {
        return importXml(Native.utf8(xml), new Options());
    }

    /**
     * Imports IdP metadata. A refusal is a {@link SsogateException} with a 1xx code (METADATA_NO_IDP,
     * METADATA_EXPIRED, METADATA_WEAK_KEY, ...); what was imported with reservations is in
     * {@link #warnings()}.
     */
    public static IdpMetadata importXml(byte[] xml, Options options) {
        if (xml == null) {
            throw new SsogateException(Code.INVALID_ARGUMENT, "IdpMetadata.importXml: xml is null");
        }
        Options opts = options == null ? new Options() : options;
        try (Native.Err e = new Native.Err()) {
            ssogate_idp_options o = opts.toNative();
            try {
                SWIGTYPE_p_ssogate_idp h = SsogateCapi.ssogate_idp_import(xml, Native.utf8(opts.entityId),
                        Native.utf8(opts.signerPem), o, e.h);
                return new IdpMetadata(e.made(h, "ssogate_idp_import"));
            } finally {
                o.delete();
            }
        }
    }

    public String entityId() {
        return entityId;
    }

    public boolean wantAuthnRequestsSigned() {
        return wantAuthnRequestsSigned;
    }

    /** The metadata's validUntil, if it has one. */
    public Optional<Instant> validUntil() {
        return Optional.ofNullable(validUntil);
    }

    /** True when the metadata was signed and its signature verified with the signer given to the import. */
    public boolean signatureVerified() {
        return signatureVerified;
    }

    public List<Endpoint> ssoServices() {
        return ssoServices;
    }

    public List<String> nameIdFormats() {
        return nameIdFormats;
    }

    public List<Certificate> certificates() {
        return certificates;
    }

    public List<Warning> warnings() {
        return warnings;
    }

    /** The SSO URL for a binding, if the IdP has one. */
    public Optional<String> ssoUrl(Binding binding) {
        for (Endpoint e : ssoServices) {
            if (e.binding() == binding) {
                return Optional.of(e.location());
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        ref.close();
    }

    @Override
    public String toString() {
        return "IdpMetadata[" + entityId + ", " + certificates.size() + " certificate(s), " + warnings.size() + " warning(s)]";
    }
}
