/**
 * SAML single sign-on for services with accounts, over libssogate's C ABI: import an IdP's metadata
 * ({@link dev.ssogate.IdpMetadata}), make a {@link dev.ssogate.Connection}, verify what the IdP posts
 * ({@link dev.ssogate.Connection#verify}) or run the whole flow with a {@link dev.ssogate.Gate}; test it with
 * a {@link dev.ssogate.TestIdp}. Every check is the C library's: this package translates and never decides.
 *
 * <p>Handles are {@link java.lang.AutoCloseable} and safe to share between threads; results are immutable
 * records; a refusal is a {@link dev.ssogate.SsogateException} with a stable {@link dev.ssogate.Code}. The
 * package {@code dev.ssogate.internal.capi} is SWIG's output and not API.
 */
package dev.ssogate;
