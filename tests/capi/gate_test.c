/*
 * The gate (section 9) from a C11 program that sees only <ssogate/ssogate.h> and links only
 * libssogate: the main scenarios of tests/core/gate_test.cpp, with responses from the testing IdP
 * (section 7), so the C++ rules are shown to reach C callers unchanged.
 *
 * Usage: capi_gate_test
 */
#include <ssogate/ssogate.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gate_fixture.h"

static ssogate_gate *gate;

/* Consumes a fresh unsolicited response for email. */
static ssogate_gate_outcome *consume_for(const char *email) { return consume_at(gate, email); }

static void setup(void) {
    setup_okta();

    ssogate_gate_options gopts;
    ssogate_gate_options_init(&gopts, sizeof gopts);
    CHECK(gopts.struct_size == sizeof gopts);
    CHECK(gopts.now == 0);
    gate = ssogate_gate_open(S("memory:"), NULL, 0, &gopts, err);
    CHECK(gate != NULL);
    CHECK(ssogate_gate_create_account(gate, S("acme"), S("Acme"), S("example.com, example.org"), err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_connection(gate, S("acme"), conn, 1, err) == SSOGATE_OK);
}

static void test_open_refuses_bad_locations(void) {
    ssogate_gate *g = ssogate_gate_open(S("mysql://db"), NULL, 0, NULL, err);
    CHECK(g == NULL);
    CHECK_CODE(err, SSOGATE_STORE_LOCATION);
    g = ssogate_gate_open(S("redis://127.0.0.1:1"), NULL, 0, NULL, err);
    CHECK(g == NULL);
    CHECK_CODE(err, SSOGATE_STORE_LOCATION);
    /* PostgreSQL: nothing listens on port 1, so the open fails at once, naming the server and not the password. */
    g = ssogate_gate_open(S("postgresql://app:pw-secret-9@127.0.0.1:1/appdb?connect_timeout=2"), NULL, 0, NULL, err);
    CHECK(g == NULL);
    CHECK_CODE(err, SSOGATE_STORE_UNAVAILABLE);
    CHECK(strstr(ssogate_error_message(err), "PostgreSQL at 127.0.0.1:1/appdb (user app)") != NULL);
    CHECK(strstr(ssogate_error_message(err), "pw-secret-9") == NULL);
    g = ssogate_gate_open(S("postgresql://app:pw-secret-9@127.0.0.1/appdb?pool_max=100"), NULL, 0, NULL, err);
    CHECK(g == NULL);
    CHECK_CODE(err, SSOGATE_STORE_LOCATION);
    CHECK(strstr(ssogate_error_message(err), "pw-secret-9") == NULL);
    /* The standalone stores take the same locations (here a server that is not there). */
    CHECK(ssogate_request_store_open(S("postgresql://app:pw-secret-9@127.0.0.1:1/appdb?connect_timeout=2"), err) ==
          NULL);
    CHECK_CODE(err, SSOGATE_STORE_UNAVAILABLE);
    CHECK(ssogate_replay_cache_open(S("postgresql://app:pw-secret-9@127.0.0.1:1/appdb?connect_timeout=2"), NULL, err) ==
          NULL);
    CHECK_CODE(err, SSOGATE_STORE_UNAVAILABLE);
    CHECK(strstr(ssogate_error_message(err), "pw-secret-9") == NULL);
    /* Only databases have a schema to migrate; the versions are left alone on failure. */
    int from = -1, to = -1;
    CHECK(ssogate_db_migrate(S("memory:"), &from, &to, err) == SSOGATE_STORE_LOCATION);
    CHECK(from == -1 && to == -1);
    ssogate_gate_options migrate;
    ssogate_gate_options_init(&migrate, sizeof migrate);
    migrate.migrate_on_open = 2;
    g = ssogate_gate_open(S("memory:"), NULL, 0, &migrate, err);
    CHECK(g == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    ssogate_gate_options small;
    memset(&small, 0, sizeof small);
    small.struct_size = 4;
    g = ssogate_gate_open(S("memory:"), NULL, 0, &small, err);
    CHECK(g == NULL);
    CHECK_CODE(err, SSOGATE_OPTIONS_SIZE);
    CHECK(ssogate_gate_create_account(NULL, S("x"), S("x"), NULL, 0, err) == SSOGATE_INVALID_ARGUMENT);
}

static void test_member_login_and_replay(void) {
    CHECK(ssogate_gate_add_member(gate, S("acme"), S("alice@example.com"), SSOGATE_ROLE_ADMIN, 1, err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_member(gate, S("acme"), S("Alice@example.com"), SSOGATE_ROLE_ADMIN, 1, err) ==
          SSOGATE_STORE_CONFLICT);

    ssogate_test_response *r = response_for("alice@example.com", NULL);
    const char *b64 = ssogate_test_response_base64(r);
    ssogate_gate_outcome *o = ssogate_gate_consume(gate, S("okta"), b64, strlen(b64), NULL, 0, err);
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_LOGIN, "FIRST_SSO_LOGIN");
    CHECK(ssogate_gate_outcome_reason(o) == SSOGATE_REASON_FIRST_SSO_LOGIN);
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_OK);
    CHECK_STR(ssogate_gate_outcome_email(o), "alice@example.com");
    CHECK_STR(ssogate_gate_outcome_account_id(o), "acme");
    CHECK_STR(ssogate_gate_outcome_connection_id(o), "okta");
    const ssogate_verified_login *login = ssogate_gate_outcome_verified_login(o);
    CHECK(login != NULL);
    CHECK_STR(ssogate_verified_login_email(login), "alice@example.com");
    CHECK_STR(ssogate_verified_login_connection_id(login), "okta");
    CHECK_STR(ssogate_verified_login_in_response_to(login), "");
    ssogate_gate_outcome_free(o);

    /* The same response again: refused by the replay cache, with the verification code. */
    o = ssogate_gate_consume(gate, S("okta"), b64, strlen(b64), NULL, 0, err);
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_DENIED, "REPLAYED");
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_REPLAYED);
    CHECK(ssogate_gate_outcome_reason(o) == SSOGATE_REASON_NONE);
    CHECK(ssogate_gate_outcome_verified_login(o) == NULL);
    CHECK(strlen(ssogate_gate_outcome_user_message(o)) > 0);
    /* Refused after the signature verified: the outcome and its audit row say who it was. */
    CHECK(ssogate_gate_outcome_signature_verified(o) == 1);
    CHECK_STR(ssogate_gate_outcome_email(o), "alice@example.com");
    ssogate_gate_outcome_free(o);
    ssogate_test_response_free(r);
    ssogate_audit *a = ssogate_gate_read_audit(gate, S("acme"), 0, 0, err);
    CHECK(a != NULL && ssogate_audit_count(a) > 0);
    CHECK_STR(ssogate_audit_reason(a, ssogate_audit_count(a) - 1), "REPLAYED");
    CHECK_STR(ssogate_audit_email(a, ssogate_audit_count(a) - 1), "alice@example.com");
    ssogate_audit_free(a);

    /* Refused before any signature verified (not even well-formed): no identity, and marked so. */
    o = ssogate_gate_consume(gate, S("okta"), S("PHNhbWxwOlJlc3BvbnNlLz4="), NULL, 0, err);
    CHECK(ssogate_gate_outcome_kind(o) == SSOGATE_GATE_OUTCOME_DENIED);
    CHECK(ssogate_gate_outcome_signature_verified(o) == 0);
    CHECK_STR(ssogate_gate_outcome_email(o), "");
    ssogate_gate_outcome_free(o);
    a = ssogate_gate_read_audit(gate, S("acme"), 0, 0, err);
    CHECK(a != NULL && ssogate_audit_count(a) > 0);
    CHECK_STR(ssogate_audit_email(a, ssogate_audit_count(a) - 1), "");
    CHECK_CONTAINS(ssogate_audit_detail(a, ssogate_audit_count(a) - 1), "before any signature was verified");
    ssogate_audit_free(a);
    CHECK(ssogate_gate_outcome_signature_verified(NULL) == 0);

    o = consume_for("alice@example.com");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_LOGIN, "MEMBER_LOGIN");
    ssogate_gate_outcome_free(o);
}

static void test_invite_and_jit(void) {
    ssogate_invite *inv = ssogate_gate_invite(gate, S("acme"), S("Bob@Example.com"), SSOGATE_ROLE_MEMBER, 3600, err);
    CHECK(inv != NULL);
    CHECK(strlen(ssogate_invite_token(inv)) == 22);
    CHECK_STR(ssogate_invite_email(inv), "bob@example.com");
    CHECK(ssogate_invite_expires_at(inv) > 0);
    ssogate_invite_free(inv);
    CHECK(ssogate_gate_invite(gate, S("acme"), S("bob@example.com"), 7, 3600, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);

    ssogate_gate_outcome *o = consume_for("bob@example.com");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_JOINED_BY_INVITE, "INVITE_PENDING");
    CHECK(ssogate_gate_outcome_verified_login(o) != NULL);
    ssogate_gate_outcome_free(o);

    /* Just-in-Time: a newcomer from a verified domain is prompted; the token creates the member once. */
    o = consume_for("carol@example.org");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_PROMPT_JOIN, "JIT_DOMAIN_MATCH");
    CHECK(ssogate_gate_outcome_verified_login(o) == NULL);
    const char *token = ssogate_gate_outcome_join_token(o);
    CHECK(strlen(token) == 22);
    CHECK(ssogate_gate_confirm_join(gate, token, strlen(token), err) == SSOGATE_OK);
    CHECK(ssogate_gate_confirm_join(gate, token, strlen(token), err) == SSOGATE_NOT_FOUND);
    CHECK_CODE(err, SSOGATE_NOT_FOUND);
    ssogate_gate_outcome_free(o);
    o = consume_for("carol@example.org");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_LOGIN, "MEMBER_LOGIN");
    ssogate_gate_outcome_free(o);

    /* A domain the account has not verified. */
    o = consume_for("eve@elsewhere.example.net");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_DENIED, "DOMAIN_NOT_ALLOWED");
    CHECK(ssogate_gate_outcome_reason(o) == SSOGATE_REASON_DOMAIN_NOT_ALLOWED);
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_OK);
    ssogate_gate_outcome_free(o);

    /* A disabled connection beats everything, a pending join confirmation included: confirm_join
       decides again and leaves the token unused. */
    ssogate_gate_outcome *dan = consume_for("dan@example.org");
    CHECK_OUTCOME(dan, SSOGATE_GATE_OUTCOME_PROMPT_JOIN, "JIT_DOMAIN_MATCH");
    const char *dan_token = ssogate_gate_outcome_join_token(dan);
    CHECK(ssogate_gate_set_connection_enabled(gate, S("okta"), 0, err) == SSOGATE_OK);
    o = consume_for("alice@example.com");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_DENIED, "CONNECTION_DISABLED");
    ssogate_gate_outcome_free(o);
    CHECK(ssogate_gate_confirm_join(gate, dan_token, strlen(dan_token), err) == SSOGATE_POLICY_DENIED);
    CHECK_CODE(err, SSOGATE_POLICY_DENIED);
    CHECK(strstr(ssogate_error_message(err), "CONNECTION_DISABLED") != NULL);
    CHECK(ssogate_gate_set_connection_enabled(gate, S("okta"), 1, err) == SSOGATE_OK);
    CHECK(ssogate_gate_confirm_join(gate, dan_token, strlen(dan_token), err) == SSOGATE_OK);
    ssogate_gate_outcome_free(dan);
}

static void test_sp_initiated(void) {
    ssogate_sp_login_request *req = ssogate_gate_begin_sp_login(gate, S("okta"), S("/dashboard"), NULL, NULL, err);
    CHECK(req != NULL);
    CHECK(strncmp(ssogate_sp_login_request_redirect_url(req), "https://idp.test.example/sso?", 29) == 0);
    const char *relay = ssogate_sp_login_request_relay_state(req);

    ssogate_test_response *r = response_for("alice@example.com", ssogate_sp_login_request_id(req));
    const char *b64 = ssogate_test_response_base64(r);
    ssogate_gate_outcome *o = ssogate_gate_consume(gate, S("okta"), b64, strlen(b64), relay, strlen(relay), err);
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_LOGIN, "MEMBER_LOGIN");
    CHECK_STR(ssogate_gate_outcome_return_to(o), "/dashboard");
    CHECK_STR(ssogate_verified_login_return_to(ssogate_gate_outcome_verified_login(o)), "/dashboard");
    CHECK_STR(ssogate_verified_login_in_response_to(ssogate_gate_outcome_verified_login(o)),
              ssogate_sp_login_request_id(req));
    ssogate_gate_outcome_free(o);
    ssogate_test_response_free(r);

    /* The RelayState was used up. */
    r = response_for("alice@example.com", ssogate_sp_login_request_id(req));
    b64 = ssogate_test_response_base64(r);
    o = ssogate_gate_consume(gate, S("okta"), b64, strlen(b64), relay, strlen(relay), err);
    CHECK(ssogate_gate_outcome_kind(o) == SSOGATE_GATE_OUTCOME_DENIED);
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_REQUEST_UNKNOWN);
    ssogate_gate_outcome_free(o);
    ssogate_test_response_free(r);
    ssogate_sp_login_request_free(req);

    /* The POST binding through the options, and an open redirect refused. */
    ssogate_sp_login_options lo;
    ssogate_sp_login_options_init(&lo, sizeof lo);
    lo.binding = SSOGATE_BINDING_HTTP_POST;
    req = ssogate_gate_begin_sp_login(gate, S("okta"), NULL, 0, NULL, &lo, err);
    CHECK(req != NULL);
    CHECK(strstr(ssogate_sp_login_request_post_form_html(req), "SAMLRequest") != NULL);
    ssogate_sp_login_request_free(req);
    CHECK(ssogate_gate_begin_sp_login(gate, S("okta"), S("https://evil.example.net/"), NULL, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_RETURN_TO_NOT_ALLOWED);
    CHECK(ssogate_gate_begin_sp_login(gate, S("nope"), NULL, 0, NULL, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_NOT_FOUND);
}

static void test_password_and_enforcement(void) {
    CHECK(ssogate_gate_add_member(gate, S("acme"), S("pat@example.com"), SSOGATE_ROLE_MEMBER, 1, err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_member(gate, S("acme"), S("owner@example.com"), SSOGATE_ROLE_OWNER, 1, err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_break_glass(gate, S("acme"), S("owner@example.com"), err) == SSOGATE_OK);
    /* Break-glass is for owners and admins who are members now: a newcomer named in advance, or an
       ordinary member, is refused with a code and a message that says why. */
    CHECK(ssogate_gate_add_break_glass(gate, S("acme"), S("newbie@example.com"), err) == SSOGATE_NOT_FOUND);
    CHECK_CONTAINS(ssogate_error_message(err), "owners or admins");
    CHECK(ssogate_gate_add_break_glass(gate, S("acme"), S("pat@example.com"), err) == SSOGATE_POLICY_DENIED);
    CHECK_CONTAINS(ssogate_error_message(err), "role member");

    ssogate_password_decision *d = ssogate_gate_decide_password_login(gate, S("acme"), S("pat@example.com"), err);
    CHECK(d != NULL);
    CHECK(ssogate_password_decision_allowed(d) == 1);
    CHECK(ssogate_password_decision_reason(d) == SSOGATE_REASON_PASSWORD_ALLOWED);
    CHECK_STR(ssogate_reason_name(ssogate_password_decision_reason(d)), "PASSWORD_ALLOWED");
    ssogate_password_decision_free(d);

    ssogate_enforcement *e = ssogate_gate_preview_enforcement(gate, S("acme"), err);
    CHECK(e != NULL);
    /* alice (admin) logged in through SSO above, so enforcing is safe; pat never did. */
    CHECK(ssogate_enforcement_allowed(e) == 1);
    CHECK(ssogate_enforcement_applied(e) == 0);
    CHECK(ssogate_enforcement_reason(e) == SSOGATE_REASON_ENFORCEMENT_SAFE);
    CHECK(ssogate_enforcement_losing_access_count(e) == 1);
    CHECK_STR(ssogate_enforcement_losing_access(e, 0), "pat@example.com");
    CHECK(ssogate_enforcement_losing_access(e, 1) == NULL);
    CHECK(ssogate_enforcement_break_glass_count(e) == 1);
    CHECK_STR(ssogate_enforcement_break_glass(e, 0), "owner@example.com");
    ssogate_enforcement_free(e);

    e = ssogate_gate_apply_sso_mode(gate, S("acme"), SSOGATE_SSO_MODE_ENFORCED, 0, err);
    CHECK(e != NULL);
    CHECK(ssogate_enforcement_applied(e) == 1);
    CHECK(ssogate_enforcement_mode(e) == SSOGATE_SSO_MODE_ENFORCED);
    ssogate_enforcement_free(e);

    d = ssogate_gate_decide_password_login(gate, S("acme"), S("pat@example.com"), err);
    CHECK(ssogate_password_decision_allowed(d) == 0);
    CHECK(ssogate_password_decision_reason(d) == SSOGATE_REASON_SSO_REQUIRED);
    CHECK_STR(ssogate_password_decision_connection_id(d), "okta");
    ssogate_password_decision_free(d);
    d = ssogate_gate_decide_password_login(gate, S("acme"), S("owner@example.com"), err);
    CHECK(ssogate_password_decision_allowed(d) == 1);
    CHECK(ssogate_password_decision_reason(d) == SSOGATE_REASON_BREAK_GLASS);
    ssogate_password_decision_free(d);

    /* A second account whose admins never used SSO: the lockout guard refuses until forced. */
    CHECK(ssogate_gate_create_account(gate, S("beta"), S("Beta"), NULL, 0, err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_member(gate, S("beta"), S("root@example.com"), SSOGATE_ROLE_OWNER, 1, err) == SSOGATE_OK);
    e = ssogate_gate_apply_sso_mode(gate, S("beta"), SSOGATE_SSO_MODE_ENFORCED, 1, err);
    CHECK(ssogate_enforcement_applied(e) == 0);
    CHECK(ssogate_enforcement_reason(e) == SSOGATE_REASON_NO_ENABLED_CONNECTION);
    ssogate_enforcement_free(e);
    CHECK(ssogate_gate_apply_sso_mode(gate, S("beta"), 9, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
}

static void test_audit(void) {
    ssogate_audit *a = ssogate_gate_read_audit(gate, S("acme"), 0, 0, err);
    CHECK(a != NULL);
    const size_t n = ssogate_audit_count(a);
    CHECK(n > 10);
    int denied_replay = 0, prompt = 0, join_refused = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK_STR(ssogate_audit_account_id(a, i), "acme");
        if (i > 0) CHECK(ssogate_audit_seq(a, i) > ssogate_audit_seq(a, i - 1));
        if (strcmp(ssogate_audit_outcome(a, i), "DENIED") == 0 && strcmp(ssogate_audit_reason(a, i), "REPLAYED") == 0)
            denied_replay++;
        if (strcmp(ssogate_audit_outcome(a, i), "PROMPT_JOIN") == 0) {
            /* carol, then dan (whose first confirmation was refused, then accepted) */
            CHECK_STR(ssogate_audit_email(a, i), prompt++ == 0 ? "carol@example.org" : "dan@example.org");
            CHECK_STR(ssogate_audit_connection_id(a, i), "okta");
        }
        if (strcmp(ssogate_audit_outcome(a, i), "JOIN_REFUSED") == 0) {
            join_refused++;
            CHECK_STR(ssogate_audit_reason(a, i), "CONNECTION_DISABLED");
        }
    }
    CHECK(denied_replay == 1);
    CHECK(prompt == 2);
    CHECK(join_refused == 1);
    CHECK(ssogate_audit_outcome(a, n) == NULL);
    const int64_t last = ssogate_audit_seq(a, n - 1);
    ssogate_audit_free(a);
    a = ssogate_gate_read_audit(gate, NULL, 0, last, 0, err);
    CHECK(a != NULL);
    CHECK(ssogate_audit_count(a) == 3); /* the "beta" rows written after the last "acme" row */
    ssogate_audit_free(a);
    CHECK_STR(ssogate_reason_name(12345), "UNKNOWN");
}

/* After test_password_and_enforcement (and test_audit, which counts acme's rows): acme enforces SSO and
   alice is its only admin who signed in through SSO, so removing her is refused (the lockout guard);
   pat can go; a non-member is NOT_FOUND. */
static void test_remove_member(void) {
    CHECK(ssogate_gate_remove_member(gate, S("acme"), S("alice@example.com"), err) == SSOGATE_POLICY_DENIED);
    CHECK_CONTAINS(ssogate_error_message(err), "LOCKOUT_GUARD");
    ssogate_member *m = ssogate_gate_find_member(gate, S("acme"), S("alice@example.com"), err);
    CHECK(m != NULL);
    ssogate_member_free(m);
    CHECK(ssogate_gate_remove_member(gate, S("acme"), S("Pat@Example.com"), err) == SSOGATE_OK);
    CHECK(ssogate_gate_find_member(gate, S("acme"), S("pat@example.com"), err) == NULL);
    CHECK_CODE(err, SSOGATE_NOT_FOUND);
    CHECK(ssogate_gate_remove_member(gate, S("acme"), S("pat@example.com"), err) == SSOGATE_NOT_FOUND);
    CHECK(ssogate_gate_remove_member(NULL, S("acme"), S("pat@example.com"), err) == SSOGATE_INVALID_ARGUMENT);
    ssogate_audit *a = ssogate_gate_read_audit(gate, S("acme"), 0, 0, err);
    CHECK(a != NULL);
    CHECK_STR(ssogate_audit_outcome(a, ssogate_audit_count(a) - 1), "MEMBER_REMOVED");
    CHECK_STR(ssogate_audit_email(a, ssogate_audit_count(a) - 1), "pat@example.com");
    ssogate_audit_free(a);
}

/* The index of the check named name in x; exits when absent. */
static size_t check_index(const ssogate_explanation *x, const char *name) {
    size_t i;
    for (i = 0; i < ssogate_explanation_check_count(x); ++i) {
        if (strcmp(ssogate_explanation_check_name(x, i), name) == 0) {
            return i;
        }
    }
    fprintf(stderr, "no check %s\n", name);
    fail_at(__FILE__, __LINE__, "check present");
    return 0;
}

static int has_hint(const ssogate_explanation *x, const char *name) {
    size_t i;
    for (i = 0; i < ssogate_explanation_hint_count(x); ++i) {
        if (strcmp(ssogate_explanation_hint_name(x, i), name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ssogate_gate_explain: read-only (explaining never consumes the response), over the stored connection. */
static void test_explain(void) {
    ssogate_test_response *r = response_for("erin@example.com", NULL);
    const char *b64 = ssogate_test_response_base64(r);
    ssogate_explanation *x = ssogate_gate_explain(gate, S("okta"), b64, strlen(b64), NULL, 0, NULL, 0, err);
    size_t i;
    CHECK(x != NULL);
    CHECK(ssogate_explanation_first_failure(x) == SSOGATE_OK);
    for (i = 0; i < ssogate_explanation_check_count(x); ++i) {
        if (strcmp(ssogate_explanation_check_name(x, i), "replay") == 0) {
            /* the gate's replay cache is never read */
            CHECK(ssogate_explanation_check_status(x, i) == SSOGATE_CHECK_STATUS_NOT_REACHED);
        } else {
            CHECK(ssogate_explanation_check_status(x, i) == SSOGATE_CHECK_STATUS_PASS);
        }
    }
    CHECK_STR(ssogate_explanation_check_expected(x, check_index(x, "destination")),
              "https://app.example.com/sso/saml/okta/acs");
    ssogate_explanation_free(x);
    /* Explaining consumed nothing: the login goes through, once. */
    ssogate_gate_outcome *o = ssogate_gate_consume(gate, S("okta"), b64, strlen(b64), NULL, 0, err);
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_OK);
    ssogate_gate_outcome_free(o);
    o = ssogate_gate_consume(gate, S("okta"), b64, strlen(b64), NULL, 0, err);
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_REPLAYED);
    ssogate_gate_outcome_free(o);
    ssogate_test_response_free(r);

    /* The IdP rotated its key: the response is signed by a key the stored metadata lacks, and the
     * fresh metadata (as fetched from its URL) has it. */
    ssogate_test_idp *rotated =
        ssogate_test_idp_new(S("https://okta.test.example/exk1"), NULL, 0, SSOGATE_KEY_TYPE_RSA_2048, err);
    CHECK(rotated != NULL);
    const char *md = ssogate_test_idp_metadata_xml(rotated);
    ssogate_idp *fresh = ssogate_idp_import(md, strlen(md), NULL, 0, NULL, 0, NULL, err);
    CHECK(fresh != NULL);
    ssogate_test_response_params *p = ssogate_test_response_params_new();
    CHECK(ssogate_test_response_params_set_connection(p, conn, err) == SSOGATE_OK);
    r = ssogate_test_response_new(rotated, p, err);
    CHECK(r != NULL);
    ssogate_test_response_params_free(p);
    b64 = ssogate_test_response_base64(r);
    x = ssogate_gate_explain(gate, S("okta"), b64, strlen(b64), NULL, 0, fresh, 0, err);
    CHECK(x != NULL);
    CHECK(ssogate_explanation_first_failure(x) == SSOGATE_SIGNATURE_INVALID);
    i = check_index(x, "signatures");
    CHECK(ssogate_explanation_check_status(x, i) == SSOGATE_CHECK_STATUS_FAIL);
    CHECK(ssogate_explanation_check_code(x, i) == SSOGATE_SIGNATURE_INVALID);
    CHECK_CONTAINS(ssogate_explanation_check_got(x, i), "not in the metadata");
    CHECK(ssogate_explanation_check_status(x, check_index(x, "signature_coverage")) ==
          SSOGATE_CHECK_STATUS_NOT_REACHED);
    CHECK(has_hint(x, "signing_key_not_in_metadata"));
    CHECK(has_hint(x, "candidate_metadata_has_key"));
    CHECK(ssogate_explanation_hint_text(x, 0) != NULL && strlen(ssogate_explanation_hint_text(x, 0)) > 40);
    ssogate_explanation_free(x);
    /* Explained at a later time: the clock hint names the distance. */
    x = ssogate_gate_explain(gate, S("okta"), b64, strlen(b64), NULL, 0, NULL, 4102444800, err);
    CHECK(ssogate_explanation_first_failure(x) == SSOGATE_ISSUE_INSTANT);
    CHECK(has_hint(x, "clock_off"));
    ssogate_explanation_free(x);
    ssogate_test_response_free(r);
    ssogate_idp_free(fresh);
    ssogate_test_idp_free(rotated);

    CHECK(ssogate_gate_explain(gate, S("nope"), S("x"), NULL, 0, NULL, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_NOT_FOUND);
    CHECK(ssogate_gate_explain(NULL, S("okta"), S("x"), NULL, 0, NULL, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_explanation_first_failure(NULL) == SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_explanation_check_count(NULL) == 0);
    CHECK(ssogate_check_status_name(SSOGATE_CHECK_STATUS_NOT_REACHED) != NULL);
    CHECK_STR(ssogate_check_status_name(SSOGATE_CHECK_STATUS_NOT_REACHED), "not_reached");
    CHECK(ssogate_check_status_name(7) == NULL);
}

int main(void) {
    setup();
    test_open_refuses_bad_locations();
    test_member_login_and_replay();
    test_invite_and_jit();
    test_sp_initiated();
    test_password_and_enforcement();
    test_audit();
    test_remove_member();
    test_explain();
    ssogate_gate_free(gate);
    ssogate_connection_free(conn);
    ssogate_test_idp_free(idp);
    ssogate_error_free(err);
    printf("%d passed\n", passed);
    return 0;
}
