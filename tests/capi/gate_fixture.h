/*
 * Shared by the gate programs (gate_test.c, directory_test.c), included after check.h: the testing
 * IdP playing Okta, the connection "okta" to it (IdP-initiated login and Just-in-Time provisioning
 * on), responses it signs for an email, and a check of an outcome's kind and reason.
 */
#ifndef SSOGATE_TESTS_GATE_FIXTURE_H
#define SSOGATE_TESTS_GATE_FIXTURE_H

#include <ssogate/ssogate.h>

#include <stdio.h>
#include <string.h>

#include "check.h"

#define S(literal) literal, sizeof literal - 1

/* An outcome's kind and reason name, printing its text on a mismatch. */
#define CHECK_OUTCOME(o, kind, reason)                                                           \
    do {                                                                                         \
        const ssogate_gate_outcome *o_ = (o);                                                    \
        if (o_ != NULL && ssogate_gate_outcome_kind(o_) == (kind) &&                             \
            strcmp(ssogate_gate_outcome_reason_name(o_), (reason)) == 0) {                       \
            passed++;                                                                            \
        } else {                                                                                 \
            fprintf(stderr, "  got:  %d %s: %s\n  want: %d %s\n", ssogate_gate_outcome_kind(o_), \
                    o_ ? ssogate_gate_outcome_reason_name(o_) : "(NULL)",                        \
                    o_ ? ssogate_gate_outcome_reason_text(o_) : "", (kind), (reason));           \
            fail_at(__FILE__, __LINE__, "outcome of " #o);                                       \
        }                                                                                        \
    } while (0)

static ssogate_error *err;
static ssogate_test_idp *idp;
static ssogate_connection *conn;

/* Makes err, idp and conn. */
static inline void setup_okta(void) {
    err = ssogate_error_new();
    idp = ssogate_test_idp_new(S("https://okta.test.example/exk1"), NULL, 0, SSOGATE_KEY_TYPE_RSA_2048, err);
    CHECK(idp != NULL);
    const char *xml = ssogate_test_idp_metadata_xml(idp);
    ssogate_idp *imported = ssogate_idp_import(xml, strlen(xml), NULL, 0, NULL, 0, NULL, err);
    CHECK(imported != NULL);
    ssogate_connection_params *params = ssogate_connection_params_new();
    CHECK(ssogate_connection_params_set_base_url(params, S("https://app.example.com"), err) == SSOGATE_OK);
    CHECK(ssogate_connection_params_set_id(params, S("okta"), err) == SSOGATE_OK);
    ssogate_connection_options opts;
    ssogate_connection_options_init(&opts, sizeof opts);
    opts.allow_idp_initiated = 1;
    opts.jit_provisioning = 1;
    conn = ssogate_connection_new(imported, params, &opts, err);
    CHECK(conn != NULL);
    ssogate_connection_params_free(params);
    ssogate_idp_free(imported); /* the connection keeps its own reference */
}

/* A response signed by the testing IdP for conn, for email, answering in_response_to (NULL: unsolicited). */
static inline ssogate_test_response *response_for(const char *email, const char *in_response_to) {
    ssogate_test_response_params *p = ssogate_test_response_params_new();
    CHECK(p != NULL);
    CHECK(ssogate_test_response_params_set_connection(p, conn, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_nameid(p, email, strlen(email), err) == SSOGATE_OK);
    if (in_response_to != NULL) {
        CHECK(ssogate_test_response_params_set_in_response_to(p, in_response_to, strlen(in_response_to), err) ==
              SSOGATE_OK);
    }
    ssogate_test_response *r = ssogate_test_response_new(idp, p, err);
    CHECK(r != NULL);
    ssogate_test_response_params_free(p);
    return r;
}

/* Consumes a fresh unsolicited response for email at gate g. */
static inline ssogate_gate_outcome *consume_at(ssogate_gate *g, const char *email) {
    ssogate_test_response *r = response_for(email, NULL);
    const char *b64 = ssogate_test_response_base64(r);
    ssogate_gate_outcome *o = ssogate_gate_consume(g, S("okta"), b64, strlen(b64), NULL, 0, err);
    CHECK(o != NULL);
    ssogate_test_response_free(r);
    return o;
}

#endif
