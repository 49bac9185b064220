/*
 * Metadata by URL through the C ABI with a host fetch callback (the real HTTPS host is exercised by the
 * C++, Python and Go tests): the fetcher's settings and refusals, import, 304, a failed refresh that keeps
 * the last known good, an entityID change, the gate's refresh with audit rows and its event callback, and
 * the manual set-up.
 */
#include <ssogate/ssogate.h>

#include <stdio.h>
#include <string.h>

#include "check.h"

#define S(literal) literal, sizeof literal - 1

static ssogate_error *err;

/* What the host's HTTP client serves: one document with an ETag, a redirect in front of it. */
static const char *served;
static const char *served_etag;
static int fail_with; /* non-zero: the callback fails with this code */
static int calls;
static char last_if_none_match[128];

static int fetch(void *user_data, const char *url, size_t url_len, const char *inm, size_t inm_len, const char *ims,
                 size_t ims_len, ssogate_fetch_reply *reply) {
    (void)user_data;
    (void)ims;
    (void)ims_len;
    calls++;
    snprintf(last_if_none_match, sizeof last_if_none_match, "%.*s", (int)inm_len, inm);
    if (fail_with != 0) return fail_with;
    if (url_len >= 6 && memcmp(url + url_len - 6, "/start", 6) == 0) {
        return ssogate_fetch_reply_set(reply, 302, NULL, 0, NULL, 0, NULL, 0, S("/metadata"));
    }
    if (inm_len > 0 && strlen(served_etag) == inm_len && memcmp(inm, served_etag, inm_len) == 0) {
        return ssogate_fetch_reply_set(reply, 304, NULL, 0, served_etag, strlen(served_etag), NULL, 0, NULL, 0);
    }
    return ssogate_fetch_reply_set(reply, 200, served, strlen(served), served_etag, strlen(served_etag), NULL, 0, NULL,
                                   0);
}

static int events_seen;
static char last_event[64];
static void on_event(void *user_data, const char *connection_id, const ssogate_metadata_event_list *events, size_t i) {
    (void)user_data;
    if (strcmp(connection_id, "okta") == 0) events_seen++;
    snprintf(last_event, sizeof last_event, "%s", ssogate_metadata_event_list_name(events, i));
}

static void test_fetcher_settings(void) {
    ssogate_fetcher *f = ssogate_fetcher_new();
    CHECK(f != NULL);
    CHECK(ssogate_fetcher_set_allowed_networks(f, S("10.0.0.0/8, ::1 127.0.0.1/32"), err) == SSOGATE_OK);
    CHECK(ssogate_fetcher_set_allowed_networks(f, S("10.0.0.0/99"), err) == SSOGATE_INVALID_SETTING);
    CHECK_CONTAINS(ssogate_error_message(err), "10.0.0.0/99");
    CHECK(ssogate_fetcher_set_allowed_networks(f, S("intranet.example"), err) == SSOGATE_INVALID_SETTING);
    CHECK(ssogate_fetcher_set_timeout_ms(f, 5, err) == SSOGATE_INVALID_SETTING);
    CHECK(ssogate_fetcher_set_timeout_ms(f, 2000, err) == SSOGATE_OK);
    CHECK(ssogate_fetcher_set_max_bytes(f, 10, err) == SSOGATE_INVALID_SETTING);
    CHECK(ssogate_fetcher_set_max_redirects(f, 11, err) == SSOGATE_INVALID_SETTING);
    CHECK(ssogate_fetcher_set_expiry_warning_days(f, 0, err) == SSOGATE_INVALID_SETTING);
    CHECK(ssogate_fetcher_set_now(f, -1, err) == SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_fetcher_set_allow_http(NULL, 1, err) == SSOGATE_INVALID_ARGUMENT);
    /* URL rules hold whatever the transport. */
    CHECK(ssogate_fetcher_set_callback(f, fetch, NULL, err) == SSOGATE_OK);
    ssogate_idp *idp = ssogate_idp_import_url(S("http://idp.example/md"), NULL, 0, NULL, 0, NULL, f, err);
    CHECK(idp == NULL);
    CHECK_CODE(err, SSOGATE_METADATA_URL_INVALID);
    idp = ssogate_idp_import_url(S("https://user:pw@idp.example/md"), NULL, 0, NULL, 0, NULL, f, err);
    CHECK(idp == NULL);
    CHECK_CODE(err, SSOGATE_METADATA_URL_INVALID);
    ssogate_fetcher_free(f);
    ssogate_fetcher_free(NULL);
}

static int count_code(const ssogate_metadata_event_list *l, const char *name) {
    int n = 0;
    for (size_t i = 0; i < ssogate_metadata_event_list_count(l); i++)
        if (strcmp(ssogate_metadata_event_list_name(l, i), name) == 0) n++;
    return n;
}

static void test_import_refresh_and_gate(void) {
    ssogate_test_idp *tidp =
        ssogate_test_idp_new(S("https://okta.test.example/exk1"), NULL, 0, SSOGATE_KEY_TYPE_RSA_2048, err);
    ssogate_test_idp *other =
        ssogate_test_idp_new(S("https://elsewhere.example/idp"), NULL, 0, SSOGATE_KEY_TYPE_RSA_2048, err);
    CHECK(tidp != NULL && other != NULL);
    served = ssogate_test_idp_metadata_xml(tidp);
    served_etag = "\"v1\"";
    ssogate_fetcher *f = ssogate_fetcher_new();
    CHECK(ssogate_fetcher_set_callback(f, fetch, NULL, err) == SSOGATE_OK);

    ssogate_idp *idp = ssogate_idp_import_url(S("https://idp.example/start"), NULL, 0, NULL, 0, NULL, f, err);
    CHECK(idp != NULL);
    CHECK(calls == 2); /* the redirect, then the document */
    CHECK_STR(ssogate_idp_entity_id(idp), "https://okta.test.example/exk1");
    CHECK_STR(ssogate_idp_source_url(idp), "https://idp.example/start");
    CHECK_STR(ssogate_idp_source_etag(idp), "\"v1\"");
    CHECK(ssogate_idp_source_next_refresh_at(idp) > ssogate_idp_source_fetched_at(idp));
    CHECK(ssogate_idp_source_failures(idp) == 0);
    CHECK(ssogate_metadata_event_list_count(ssogate_idp_events(idp)) == 0);

    ssogate_connection_params *p = ssogate_connection_params_new();
    CHECK(ssogate_connection_params_set_base_url(p, S("https://app.example.com"), err) == SSOGATE_OK);
    CHECK(ssogate_connection_params_set_id(p, S("okta"), err) == SSOGATE_OK);
    ssogate_connection *conn = ssogate_connection_new(idp, p, NULL, err);
    CHECK(conn != NULL);
    ssogate_connection_params_free(p);
    CHECK_STR(ssogate_idp_source_url(ssogate_connection_idp(conn)), "https://idp.example/start");
    CHECK(strstr(ssogate_connection_to_json(conn), "\"source\"") != NULL);

    /* Not modified: the validator went out, the server said 304. */
    ssogate_refresh *r = ssogate_connection_refresh(conn, f, err);
    CHECK(r != NULL);
    CHECK_STR(last_if_none_match, "\"v1\"");
    CHECK(ssogate_refresh_not_modified(r) == 1 && ssogate_refresh_applied(r) == 0);
    CHECK(ssogate_refresh_error_code(r) == SSOGATE_OK);
    ssogate_refresh_free(r);

    /* The URL now describes another entity: refused, the last known good stays. */
    served = ssogate_test_idp_metadata_xml(other);
    served_etag = "\"v2\"";
    r = ssogate_connection_refresh(conn, f, err);
    CHECK(r != NULL);
    CHECK(ssogate_refresh_error_code(r) == SSOGATE_METADATA_ENTITY_CHANGED);
    CHECK_CONTAINS(ssogate_refresh_error_message(r), "https://elsewhere.example/idp");
    CHECK(count_code(ssogate_refresh_events(r), "ENTITY_ID_CHANGED") == 1);
    ssogate_connection *kept = ssogate_refresh_connection(r, err);
    CHECK(kept != NULL);
    CHECK_STR(ssogate_idp_entity_id(ssogate_connection_idp(kept)), "https://okta.test.example/exk1");
    CHECK(ssogate_idp_source_failures(ssogate_connection_idp(kept)) == 1);
    CHECK(ssogate_idp_source_last_error_code(ssogate_connection_idp(kept)) == SSOGATE_METADATA_ENTITY_CHANGED);
    ssogate_connection_free(kept);
    ssogate_refresh_free(r);

    /* Through the gate: stored, audited, and the event callback called once per event. */
    ssogate_gate *gate = ssogate_gate_open(S("memory:"), NULL, 0, NULL, err);
    CHECK(gate != NULL);
    CHECK(ssogate_gate_set_metadata_event_callback(gate, on_event, NULL, err) == SSOGATE_OK);
    CHECK(ssogate_gate_create_account(gate, S("acme"), S("Acme"), S("example.com"), err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_connection(gate, S("acme"), conn, 1, err) == SSOGATE_OK);
    fail_with = SSOGATE_METADATA_FETCH_TIMEOUT;
    r = ssogate_gate_refresh_connection(gate, S("okta"), f, err);
    CHECK(r != NULL);
    CHECK(ssogate_refresh_error_code(r) == SSOGATE_METADATA_FETCH_TIMEOUT);
    CHECK_CONTAINS(ssogate_refresh_error_message(r), "fetch callback");
    const ssogate_metadata_event_list *ev = ssogate_refresh_events(r);
    CHECK(ssogate_metadata_event_list_kind(ev, 0) == SSOGATE_METADATA_EVENT_REFRESH_FAILED);
    CHECK(ssogate_metadata_event_list_failures(ev, 0) == 1);
    CHECK(ssogate_metadata_event_list_error_code(ev, 0) == SSOGATE_METADATA_FETCH_TIMEOUT);
    CHECK(ssogate_metadata_event_list_name(ev, 99) == NULL);
    CHECK(events_seen == (int)ssogate_metadata_event_list_count(ev));
    CHECK_STR(last_event, ssogate_metadata_event_list_name(ev, ssogate_metadata_event_list_count(ev) - 1));
    ssogate_refresh_free(r);
    fail_with = 0;
    served = ssogate_test_idp_metadata_xml(tidp);
    r = ssogate_gate_refresh_connection(gate, S("okta"), f, err);
    CHECK(r != NULL && ssogate_refresh_error_code(r) == SSOGATE_OK);
    ssogate_refresh_free(r);

    ssogate_audit_query q;
    ssogate_audit_query_init(&q, sizeof q);
    q.reasons = "METADATA";
    q.reasons_len = 8;
    ssogate_audit *a = ssogate_gate_query_audit(gate, &q, err);
    CHECK(a != NULL);
    CHECK(ssogate_audit_count(a) >= 1);
    CHECK_STR(ssogate_audit_outcome(a, 0), "METADATA_REFRESH_FAILED");
    CHECK_STR(ssogate_audit_connection_id(a, 0), "okta");
    ssogate_audit_free(a);
    CHECK(ssogate_gate_refresh_connection(gate, S("nope"), f, err) == NULL);
    CHECK_CODE(err, SSOGATE_NOT_FOUND);

    ssogate_gate_free(gate);
    ssogate_connection_free(conn);
    ssogate_idp_free(idp);
    ssogate_fetcher_free(f);

    /* Manual set-up: no URL, so no refresh. */
    const char *pem = ssogate_test_idp_certificate_pem(tidp);
    ssogate_idp *manual = ssogate_idp_from_settings(S("https://okta.test.example/exk1"),
                                                    S("https://okta.test.example/sso"), pem, strlen(pem), NULL, err);
    CHECK(manual != NULL);
    CHECK_STR(ssogate_idp_sso_url(manual, SSOGATE_BINDING_HTTP_POST), "https://okta.test.example/sso");
    CHECK_STR(ssogate_idp_source_url(manual), "");
    ssogate_connection_params *mp = ssogate_connection_params_new();
    CHECK(ssogate_connection_params_set_base_url(mp, S("https://app.example.com"), err) == SSOGATE_OK);
    ssogate_connection *mc = ssogate_connection_new(manual, mp, NULL, err);
    CHECK(mc != NULL);
    CHECK(ssogate_connection_refresh(mc, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_idp_from_settings(S("e"), S("https://idp.example/sso"), S("garbage"), NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_METADATA_BAD_CERT);
    ssogate_connection_free(mc);
    ssogate_connection_params_free(mp);
    ssogate_idp_free(manual);
    ssogate_test_idp_free(tidp);
    ssogate_test_idp_free(other);
}

int main(void) {
    err = ssogate_error_new();
    test_fetcher_settings();
    test_import_refresh_and_gate();
    ssogate_error_free(err);
    printf("%d passed\n", passed);
    return 0;
}
