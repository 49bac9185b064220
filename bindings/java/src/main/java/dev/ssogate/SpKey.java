package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_error;
import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_sp_key;
import dev.ssogate.internal.capi.SsogateCapi;

/**
 * An SP key (RSA) and its certificate: it signs AuthnRequests and decrypts encrypted assertions. Keep
 * the key in your own secret store: ssogate never writes it into a connection or its JSON.
 */
public final class SpKey implements AutoCloseable {
    final Native.Ref<SWIGTYPE_p_ssogate_sp_key> ref;
    private final String certificatePem;

    private SpKey(SWIGTYPE_p_ssogate_sp_key h) {
        ref = new Native.Ref<>("the SP key", h, SsogateCapi::ssogate_sp_key_free).cleanedWith(this);
        certificatePem = SsogateCapi.ssogate_sp_key_certificate_pem(h);
    }

    private interface Load {
        SWIGTYPE_p_ssogate_sp_key apply(byte[] key, byte[] cert, SWIGTYPE_p_ssogate_error e);
    }

    private static SpKey load(Load load, String call, byte[] keyPem, byte[] certificatePem) {
        try (Native.Err e = new Native.Err()) {
            return new SpKey(e.made(load.apply(keyPem, certificatePem, e.h), call));
        }
    }

    /**
     * An unencrypted PEM private key and its PEM certificate. SP_KEY_INVALID for a key that cannot sign
     * (encrypted, not RSA, under 2048 bits, another key's certificate).
     */
    public static SpKey of(byte[] privateKeyPem, byte[] certificatePem) {
        return load(SsogateCapi::ssogate_sp_key_new, "ssogate_sp_key_new", privateKeyPem, certificatePem);
    }

    public static SpKey of(String privateKeyPem, String certificatePem) {
        return of(Native.utf8(privateKeyPem), Native.utf8(certificatePem));
    }

    /**
     * As {@link #of} but accepts RSA keys of 1024 bits or more, only to decrypt for a connection with
     * allowLegacySpKey; such a key never signs.
     */
    public static SpKey legacy(byte[] privateKeyPem, byte[] certificatePem) {
        return load(SsogateCapi::ssogate_sp_key_new_legacy, "ssogate_sp_key_new_legacy", privateKeyPem, certificatePem);
    }

    /** The certificate to give the IdP. */
    public String certificatePem() {
        return certificatePem;
    }

    @Override
    public void close() {
        ref.close();
    }
}
