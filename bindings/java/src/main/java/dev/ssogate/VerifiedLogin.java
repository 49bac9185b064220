package dev.ssogate;

import dev.ssogate.internal.capi.SWIGTYPE_p_ssogate_verified_login;
import dev.ssogate.internal.capi.SsogateCapi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A verified login: every value comes from the Assertion a verified signature covers. Immutable.
 *
 * @param email          local@domain, the domain lower-cased
 * @param nameIdFormat   "" when absent (unspecified)
 * @param sessionIndex   "" when absent
 * @param sessionNotOnOrAfter null when the IdP did not set it
 * @param inResponseTo   the AuthnRequest ID answered, "" for an unsolicited (IdP-initiated) login
 * @param returnTo       after {@link Connection#finishLogin} or the gate: the return-to given when the
 *                       login began, as validated then; "" otherwise. It never comes from the IdP.
 */
public record VerifiedLogin(String email, String nameId, String nameIdFormat, String idpEntityId,
                            String connectionId, String assertionId, String sessionIndex, Instant authnInstant,
                            Instant sessionNotOnOrAfter, String inResponseTo, String returnTo,
                            List<Attribute> attributes) {
    /** A SAML attribute of a verified login. */
    public record Attribute(String name, String nameFormat, String friendlyName, List<String> values) {
        public Attribute {
            values = List.copyOf(values);
        }
    }

    public VerifiedLogin {
        attributes = List.copyOf(attributes);
    }

    /** Name to values; the values of attributes that share a name are joined, in document order. */
    public Map<String, List<String>> attributeMap() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Attribute a : attributes) {
            out.computeIfAbsent(a.name(), k -> new ArrayList<>()).addAll(a.values());
        }
        out.replaceAll((k, v) -> List.copyOf(v));
        return Map.copyOf(out);
    }

    /** The first value of an attribute, if any. */
    public Optional<String> attribute(String name) {
        List<String> v = attributeMap().get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    /** Copies every value out of a login handle (which the caller frees). */
    static VerifiedLogin read(SWIGTYPE_p_ssogate_verified_login h) {
        List<Attribute> attrs = new ArrayList<>();
        for (long i = 0, n = SsogateCapi.ssogate_verified_login_attribute_count(h); i < n; i++) {
            List<String> values = new ArrayList<>();
            for (long j = 0, m = SsogateCapi.ssogate_verified_login_attribute_value_count(h, i); j < m; j++) {
                values.add(SsogateCapi.ssogate_verified_login_attribute_value(h, i, j));
            }
            attrs.add(new Attribute(SsogateCapi.ssogate_verified_login_attribute_name(h, i),
                    SsogateCapi.ssogate_verified_login_attribute_name_format(h, i),
                    SsogateCapi.ssogate_verified_login_attribute_friendly_name(h, i), values));
        }
        return new VerifiedLogin(SsogateCapi.ssogate_verified_login_email(h),
                SsogateCapi.ssogate_verified_login_nameid(h),
                Native.orEmpty(SsogateCapi.ssogate_verified_login_nameid_format(h)),
                SsogateCapi.ssogate_verified_login_idp_entity_id(h),
                SsogateCapi.ssogate_verified_login_connection_id(h),
                SsogateCapi.ssogate_verified_login_assertion_id(h),
                Native.orEmpty(SsogateCapi.ssogate_verified_login_session_index(h)),
                Instant.ofEpochSecond(SsogateCapi.ssogate_verified_login_authn_instant(h)),
                Native.instantOrNull(SsogateCapi.ssogate_verified_login_session_not_on_or_after(h)),
                Native.orEmpty(SsogateCapi.ssogate_verified_login_in_response_to(h)),
                Native.orEmpty(SsogateCapi.ssogate_verified_login_return_to(h)), attrs);
    }
}
