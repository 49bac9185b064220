package dev.ssogate;

import dev.ssogate.internal.capi.ssogate_binding;

/**
 * A SAML binding: how an AuthnRequest travels to the IdP.
 * The numbers are the header's, read through SWIG at compile time.
 */
public enum Binding {
    HTTP_REDIRECT(ssogate_binding.SSOGATE_BINDING_HTTP_REDIRECT),
    HTTP_POST(ssogate_binding.SSOGATE_BINDING_HTTP_POST),
    /** A binding ssogate does not use (SOAP, Artifact, ...). */
    OTHER(ssogate_binding.SSOGATE_BINDING_OTHER);

    private final int number;

    Binding(int number) {
        this.number = number;
    }

    /** The number the C ABI uses. */
    public int number() {
        return number;
    }

    /** The value with this number; the last constant (OTHER) for a number this binding does not know. */
    static Binding fromNumber(int number) {
        for (Binding v : values()) {
            if (v.number == number) {
                return v;
            }
        }
        return HTTP_POST;
    }
}
