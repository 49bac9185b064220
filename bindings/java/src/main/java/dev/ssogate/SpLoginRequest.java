package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_sp_login_request;
import dev.ssogate.internal.capi.SsogateCapi;

import java.time.Instant;

/**
 * A begun SP-initiated login: redirect the browser to {@link #redirectUrl()} (303) for HTTP-Redirect,
 * or serve {@link #postFormHtml()} for HTTP-POST. Immutable.
 *
 * @param requestId  the AuthnRequest ID
 * @param relayState the opaque token the browser carries to the IdP and back
 * @param redirectUrl "" for HTTP-POST
 * @param postFormHtml "" for HTTP-Redirect
 */
public record SpLoginRequest(String requestId, String relayState, Binding binding, String destination,
                             String redirectUrl, String postFormHtml, String xml, boolean signed, Instant issuedAt,
                             Instant expiresAt) {

    /** Copies a login request out of its handle and frees it; NULL throws the recorded error. */
    static SpLoginRequest take(SWIGTYPE_p_ssogate_sp_login_request h, Native.Err e, String call) {
        e.made(h, call);
        try {
            return new SpLoginRequest(SsogateCapi.ssogate_sp_login_request_id(h),
                    SsogateCapi.ssogate_sp_login_request_relay_state(h),
                    Binding.fromNumber(SsogateCapi.ssogate_sp_login_request_binding(h)),
                    SsogateCapi.ssogate_sp_login_request_destination(h),
                    Native.orEmpty(SsogateCapi.ssogate_sp_login_request_redirect_url(h)),
                    Native.orEmpty(SsogateCapi.ssogate_sp_login_request_post_form_html(h)),
                    SsogateCapi.ssogate_sp_login_request_xml(h),
                    SsogateCapi.ssogate_sp_login_request_is_signed(h) != 0,
                    Instant.ofEpochSecond(SsogateCapi.ssogate_sp_login_request_issued_at(h)),
                    Instant.ofEpochSecond(SsogateCapi.ssogate_sp_login_request_expires_at(h)));
        } finally {
            SsogateCapi.ssogate_sp_login_request_free(h);
        }
    }
}
