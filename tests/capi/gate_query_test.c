/*
 * The gate's reads through the C ABI: ssogate_gate_query_audit (filters, order, paging back),
 * ssogate_gate_confirm_join_member / _find_member / _list_members and ssogate_gate_check_stores, each
 * against the in-memory directory (filtered by the library) and a SQLite file (filtered by one SQL
 * statement), which must give the same answers.
 *
 * Usage: capi_gate_query_test SQLITE_PATH (the file is removed first; the test writes only there).
 */
#include <ssogate/ssogate.h>

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "gate_fixture.h"

/* Two clocks for the admin calls, so the time filters have rows on both sides. */
#define T1 1700000000
#define T2 1700086400

static ssogate_gate *gate_at(ssogate_directory *dir, const char *shared, int64_t now) {
    ssogate_gate_options o;
    ssogate_gate_options_init(&o, sizeof o);
    o.now = now;
    ssogate_replay_cache *replay = ssogate_replay_cache_open(shared, strlen(shared), NULL, err);
    ssogate_request_store *requests = ssogate_request_store_open(shared, strlen(shared), err);
    CHECK(replay != NULL && requests != NULL);
    ssogate_gate *g = ssogate_gate_new(dir, replay, requests, &o, err);
    CHECK(g != NULL);
    ssogate_replay_cache_free(replay);
    ssogate_request_store_free(requests);
    return g;
}

static ssogate_audit *query(ssogate_gate *g, const ssogate_audit_query *q) {
    ssogate_audit *a = ssogate_gate_query_audit(g, q, err);
    if (a == NULL) fprintf(stderr, "  query_audit: %s\n", ssogate_error_message(err));
    CHECK(a != NULL);
    return a;
}

static void check_members(ssogate_gate *g) {
    ssogate_member *m = ssogate_gate_find_member(g, S("acme"), S("Bob@EXAMPLE.com"), err);
    CHECK(m != NULL);
    CHECK_STR(ssogate_member_email(m), "bob@example.com");
    CHECK_STR(ssogate_member_account_id(m), "acme");
    CHECK(ssogate_member_role(m) == SSOGATE_ROLE_ADMIN);
    CHECK(ssogate_member_status(m) == SSOGATE_POLICY_MEMBER_STATUS_ACTIVE);
    CHECK(ssogate_member_joined_via(m) == SSOGATE_POLICY_JOINED_VIA_PASSWORD);
    CHECK(ssogate_member_has_password(m) == 1);
    CHECK(ssogate_member_sso_linked(m) == 0);
    CHECK(ssogate_member_last_sso_login(m) == 0);
    CHECK(ssogate_member_created_at(m) == T2);
    ssogate_member_free(m);

    CHECK(ssogate_gate_find_member(g, S("acme"), S("nobody@example.com"), err) == NULL);
    CHECK_CODE(err, SSOGATE_NOT_FOUND);
    CHECK_CONTAINS(ssogate_error_message(err), "nobody@example.com");
    CHECK(ssogate_gate_find_member(g, S("no-such-account"), S("bob@example.com"), err) == NULL);
    CHECK_CODE(err, SSOGATE_NOT_FOUND);

    ssogate_member_list *list = ssogate_gate_list_members(g, S("acme"), err);
    CHECK(list != NULL);
    CHECK(ssogate_member_list_count(list) == 4); /* alice, bob, carol (joined), owner */
    CHECK_STR(ssogate_member_email(ssogate_member_list_get(list, 0)), "alice@example.com");
    CHECK_STR(ssogate_member_email(ssogate_member_list_get(list, 1)), "bob@example.com");
    CHECK_STR(ssogate_member_email(ssogate_member_list_get(list, 2)), "carol@example.org");
    CHECK(ssogate_member_sso_linked(ssogate_member_list_get(list, 2)) == 1);
    CHECK(ssogate_member_list_get(list, 4) == NULL);
    ssogate_member_list_free(list);
    CHECK(ssogate_gate_list_members(g, S("no-such-account"), err) == NULL);
    CHECK_CODE(err, SSOGATE_NOT_FOUND);

    /* NULL handles answer neutral values instead of crashing. */
    CHECK_STR(ssogate_member_email(NULL), "");
    CHECK(ssogate_member_created_at(NULL) == 0);
    CHECK(ssogate_member_list_count(NULL) == 0);
    ssogate_member_free(NULL);
    ssogate_member_list_free(NULL);
}

/* The join: PROMPT_JOIN, then the member the confirmation created, handed back. */
static void join_carol(ssogate_gate *g) {
    ssogate_gate_outcome *o = consume_at(g, "carol@example.org");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_PROMPT_JOIN, "JIT_DOMAIN_MATCH");
    const char *token = ssogate_gate_outcome_join_token(o);
    ssogate_member *m = ssogate_gate_confirm_join_member(g, token, strlen(token), err);
    CHECK(m != NULL);
    CHECK_STR(ssogate_member_email(m), "carol@example.org");
    CHECK_STR(ssogate_member_account_id(m), "acme");
    CHECK(ssogate_member_role(m) == SSOGATE_ROLE_MEMBER);
    CHECK(ssogate_member_joined_via(m) == SSOGATE_POLICY_JOINED_VIA_SSO);
    CHECK(ssogate_member_sso_linked(m) == 1);
    CHECK(ssogate_member_has_password(m) == 0);
    CHECK(ssogate_member_created_at(m) > T2);
    ssogate_member_free(m);
    /* A second confirmation: the token is used up, so no member and the code says why. */
    CHECK(ssogate_gate_confirm_join_member(g, token, strlen(token), err) == NULL);
    CHECK_CODE(err, SSOGATE_NOT_FOUND);
    ssogate_gate_outcome_free(o);
}

/* Rows written: T1 ACCOUNT_CREATED, CONNECTION_SAVED, MEMBER_ADDED alice, MEMBER_ADDED owner; T2
   MEMBER_ADDED bob, INVITED dave; now: LOGIN alice, DENIED/REPLAYED alice, PROMPT_JOIN carol,
   JOIN_CONFIRMED carol; and one ACCOUNT_CREATED of account "beta" at T2. */
static void check_queries(ssogate_gate *g) {
    ssogate_audit_query q;
    ssogate_audit_query_init(&q, sizeof q);
    CHECK(q.struct_size == sizeof q && q.limit == 0 && q.newest_first == 0 && q.outcomes == NULL);

    ssogate_audit *all = query(g, &q);
    const size_t n = ssogate_audit_count(all);
    CHECK(n == 11);
    for (size_t i = 1; i < n; i++) CHECK(ssogate_audit_seq(all, i) > ssogate_audit_seq(all, i - 1));
    const int64_t last = ssogate_audit_seq(all, n - 1);
    ssogate_audit_free(all);

    /* Newest first, at most 3: the last three rows, in reverse. */
    q.newest_first = 1;
    q.limit = 3;
    ssogate_audit *a = query(g, &q);
    CHECK(ssogate_audit_count(a) == 3);
    CHECK(ssogate_audit_seq(a, 0) == last);
    CHECK(ssogate_audit_seq(a, 1) < ssogate_audit_seq(a, 0));
    CHECK(ssogate_audit_seq(a, 2) < ssogate_audit_seq(a, 1));
    /* Paging back: the page before the oldest row of this one. */
    q.before_seq = ssogate_audit_seq(a, 2);
    ssogate_audit_free(a);
    a = query(g, &q);
    CHECK(ssogate_audit_count(a) == 3);
    CHECK(ssogate_audit_seq(a, 0) == q.before_seq - 1);
    ssogate_audit_free(a);

    /* One account, one email (any case), several outcomes. */
    ssogate_audit_query_init(&q, sizeof q);
    q.account_id = "acme";
    q.account_id_len = 4;
    q.email = "ALICE@example.com";
    q.email_len = strlen(q.email);
    q.outcomes = "LOGIN, DENIED";
    q.outcomes_len = strlen(q.outcomes);
    a = query(g, &q);
    CHECK(ssogate_audit_count(a) == 2);
    CHECK_STR(ssogate_audit_outcome(a, 0), "LOGIN");
    CHECK_STR(ssogate_audit_outcome(a, 1), "DENIED");
    CHECK_STR(ssogate_audit_reason(a, 1), "REPLAYED");
    CHECK_STR(ssogate_audit_email(a, 1), "alice@example.com");
    ssogate_audit_free(a);

    /* By reason only. */
    ssogate_audit_query_init(&q, sizeof q);
    q.reasons = "REPLAYED";
    q.reasons_len = strlen(q.reasons);
    a = query(g, &q);
    CHECK(ssogate_audit_count(a) == 1);
    ssogate_audit_free(a);

    /* Time window: [T1, T2) holds the four rows of T1; [T2, T2 + 1) the three of T2 (beta's too). */
    ssogate_audit_query_init(&q, sizeof q);
    q.since = T1;
    q.until = T2;
    a = query(g, &q);
    CHECK(ssogate_audit_count(a) == 4);
    CHECK_STR(ssogate_audit_outcome(a, 0), "ACCOUNT_CREATED");
    ssogate_audit_free(a);
    q.since = T2;
    q.until = T2 + 1;
    a = query(g, &q);
    CHECK(ssogate_audit_count(a) == 3);
    ssogate_audit_free(a);
    q.account_id = "beta";
    q.account_id_len = 4;
    a = query(g, &q);
    CHECK(ssogate_audit_count(a) == 1);
    CHECK_STR(ssogate_audit_account_id(a, 0), "beta");
    ssogate_audit_free(a);

    /* after_seq with newest first: the newest rows, but none at or before after_seq. */
    ssogate_audit_query_init(&q, sizeof q);
    q.after_seq = last - 2;
    q.newest_first = 1;
    a = query(g, &q);
    CHECK(ssogate_audit_count(a) == 2);
    ssogate_audit_free(a);

    /* Nothing matches: an empty page, not an error. */
    ssogate_audit_query_init(&q, sizeof q);
    q.outcomes = "NO_SUCH_OUTCOME";
    q.outcomes_len = strlen(q.outcomes);
    a = query(g, &q);
    CHECK(ssogate_audit_count(a) == 0);
    ssogate_audit_free(a);

    /* Refusals: a name that is not one, negative seqs, a struct from nowhere, NULL. */
    q.outcomes = "LOGIN' OR 1=1 --";
    q.outcomes_len = strlen(q.outcomes);
    CHECK(ssogate_gate_query_audit(g, &q, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "is not a name");
    ssogate_audit_query_init(&q, sizeof q);
    q.after_seq = -1;
    CHECK(ssogate_gate_query_audit(g, &q, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    q.after_seq = 0;
    q.struct_size = 8;
    CHECK(ssogate_gate_query_audit(g, &q, err) == NULL);
    CHECK_CODE(err, SSOGATE_OPTIONS_SIZE);
    CHECK(ssogate_gate_query_audit(g, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_gate_query_audit(NULL, &q, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
}

static void run(const char *location) {
    printf("-- %s\n", location);
    ssogate_directory *dir = ssogate_directory_open(location, strlen(location), err);
    CHECK(dir != NULL);
    const char *shared = "memory:";

    ssogate_gate *g1 = gate_at(dir, shared, T1);
    CHECK(ssogate_gate_create_account(g1, S("acme"), S("Acme"), S("example.com example.org"), err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_connection(g1, S("acme"), conn, 1, err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_member(g1, S("acme"), S("alice@example.com"), SSOGATE_ROLE_MEMBER, 0, err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_member(g1, S("acme"), S("owner@example.com"), SSOGATE_ROLE_OWNER, 1, err) == SSOGATE_OK);
    ssogate_gate *g2 = gate_at(dir, shared, T2);
    CHECK(ssogate_gate_add_member(g2, S("acme"), S("bob@example.com"), SSOGATE_ROLE_ADMIN, 1, err) == SSOGATE_OK);
    ssogate_invite *inv = ssogate_gate_invite(g2, S("acme"), S("dave@example.com"), SSOGATE_ROLE_MEMBER, 3600, err);
    CHECK(inv != NULL);
    ssogate_invite_free(inv);
    CHECK(ssogate_gate_create_account(g2, S("beta"), S("Beta"), NULL, 0, err) == SSOGATE_OK);

    /* Logins at the system clock (the testing IdP signs for now). */
    ssogate_gate *g = gate_at(dir, shared, 0);
    ssogate_test_response *r = response_for("alice@example.com", NULL);
    const char *b64 = ssogate_test_response_base64(r);
    ssogate_gate_outcome *o = ssogate_gate_consume(g, S("okta"), b64, strlen(b64), NULL, 0, err);
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_LOGIN, "FIRST_SSO_LOGIN");
    ssogate_gate_outcome_free(o);
    o = ssogate_gate_consume(g, S("okta"), b64, strlen(b64), NULL, 0, err);
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_DENIED, "REPLAYED");
    ssogate_gate_outcome_free(o);
    ssogate_test_response_free(r);
    join_carol(g);

    check_members(g);
    check_queries(g);
    CHECK(ssogate_gate_check_stores(g, err) == SSOGATE_OK);

    ssogate_gate_free(g);
    ssogate_gate_free(g2);
    ssogate_gate_free(g1);
    ssogate_directory_free(dir);
}

/* A Redis that does not answer: opening succeeds (it connects lazily), the check fails at once and
   names the address; a gate with no shared store checks its SQLite file. */
static void check_stores_refusal(void) {
    ssogate_gate *g = ssogate_gate_open(S("memory:"), S("redis://127.0.0.1:1"), NULL, err);
    CHECK(g != NULL);
    CHECK(ssogate_gate_check_stores(g, err) == SSOGATE_STORE_UNAVAILABLE);
    CHECK_CODE(err, SSOGATE_STORE_UNAVAILABLE);
    CHECK_CONTAINS(ssogate_error_message(err), "127.0.0.1:1");
    ssogate_gate_free(g);
    CHECK(ssogate_gate_check_stores(NULL, err) == SSOGATE_INVALID_ARGUMENT);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SQLITE_PATH\n", argv[0]);
        return 2;
    }
    setup_okta();
    run("memory:");
    char location[4096];
    remove(argv[1]);
    snprintf(location, sizeof location, "sqlite:%s", argv[1]);
    run(location);
    /* The file the gate wrote is at the current schema: migrating finds nothing to do. */
    int from = -1, to = -1;
    CHECK(ssogate_db_migrate(location, strlen(location), &from, &to, err) == SSOGATE_OK);
    CHECK(from == to && to >= 3);
    /* A new file receives the whole schema (found: 0). */
    char fresh[4096];
    snprintf(fresh, sizeof fresh, "sqlite:%s.fresh", argv[1]);
    remove(fresh + 7);
    CHECK(ssogate_db_migrate(fresh, strlen(fresh), &from, NULL, err) == SSOGATE_OK);
    CHECK(from == 0);
    remove(fresh + 7);
    check_stores_refusal();
    ssogate_connection_free(conn);
    ssogate_test_idp_free(idp);
    ssogate_error_free(err);
    printf("%d passed\n", passed);
    return 0;
}
