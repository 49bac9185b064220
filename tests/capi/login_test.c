/*
 * SP-initiated login through the C ABI only (section 8 of ssogate.h, with the pending-request store of
 * section 5 and the testing IdP of section 7): begin, let the testing IdP answer the request, finish;
 * then the refusals a host meets (used twice, expired, open redirect, broken store), and a store made
 * of the host's own callbacks.
 */
#include <ssogate/ssogate.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                              \
        }                                                                            \
    } while (0)

#define CHECK_CODE(err, expected)                                                                                \
    do {                                                                                                         \
        if (ssogate_error_code(err) != (expected)) {                                                             \
            fprintf(stderr, "%s:%d: expected %s, got %s: %s\n", __FILE__, __LINE__, ssogate_code_name(expected), \
                    ssogate_code_name(ssogate_error_code(err)), ssogate_error_message(err));                     \
            ++failures;                                                                                          \
        }                                                                                                        \
    } while (0)

static const int64_t t0 = 1767225600; /* 2026-01-01T00:00:00Z */
static const char *sso_url = "https://idp.test.example/sso";

static int starts_with(const char *s, const char *prefix) {
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The testing IdP's signed answer to request_id ("" for an unsolicited one), made at `now`. */
static char *answer(const ssogate_test_idp *idp, const ssogate_connection *conn, const char *request_id, int64_t now) {
    ssogate_error *err = ssogate_error_new();
    ssogate_test_response_params *p = ssogate_test_response_params_new();
    ssogate_test_response *r = NULL;
    char *out = NULL;
    if (ssogate_test_response_params_set_connection(p, conn, err) == SSOGATE_OK &&
        ssogate_test_response_params_set_in_response_to(p, request_id, strlen(request_id), err) == SSOGATE_OK &&
        ssogate_test_response_params_set_now(p, now, err) == SSOGATE_OK) {
        r = ssogate_test_response_new(idp, p, err);
    }
    CHECK_CODE(err, SSOGATE_OK);
    if (r != NULL) {
        const char *b64 = ssogate_test_response_base64(r);
        out = malloc(strlen(b64) + 1);
        if (out != NULL) {
            strcpy(out, b64);
        }
    }
    ssogate_test_response_free(r);
    ssogate_test_response_params_free(p);
    ssogate_error_free(err);
    return out;
}

static ssogate_verified_login *finish(const ssogate_connection *conn, ssogate_request_store *store,
                                      const char *relay_state, const char *response, ssogate_replay_cache *replay,
                                      int64_t now, ssogate_error *err) {
    ssogate_verify_options vo;
    ssogate_verify_options_init(&vo, sizeof vo);
    vo.now = now;
    return ssogate_sp_login_finish(conn, store, relay_state, strlen(relay_state), response,
                                   response == NULL ? 0 : strlen(response), replay, &vo, err);
}

/* ---- a host store made of callbacks: a fixed array, single-threaded here ---- */

struct slot {
    int used;
    char token[96], request_id[96], connection_id[96], return_to[256];
    int64_t created_at, expires_at;
};

struct host_store {
    struct slot slots[8];
    int fail;  /* non-zero: every callback reports that the store is down */
    int freed; /* set by free_user_data */
    int calls;
};

static void copy(char *dst, size_t cap, const char *src, size_t len) {
    if (len >= cap) {
        len = cap - 1;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static int host_put(void *ud, const char *token, size_t token_len, const ssogate_pending_request *r) {
    struct host_store *s = ud;
    int i;
    s->calls++;
    if (s->fail) {
        return 1;
    }
    for (i = 0; i < 8; ++i) {
        if (!s->slots[i].used) {
            struct slot *x = &s->slots[i];
            x->used = 1;
            copy(x->token, sizeof x->token, token, token_len);
            copy(x->request_id, sizeof x->request_id, ssogate_pending_request_request_id(r),
                 strlen(ssogate_pending_request_request_id(r)));
            copy(x->connection_id, sizeof x->connection_id, ssogate_pending_request_connection_id(r),
                 strlen(ssogate_pending_request_connection_id(r)));
            copy(x->return_to, sizeof x->return_to, ssogate_pending_request_return_to(r),
                 strlen(ssogate_pending_request_return_to(r)));
            x->created_at = ssogate_pending_request_created_at(r);
            x->expires_at = ssogate_pending_request_expires_at(r);
            return 0;
        }
    }
    return 2; /* full */
}

static int hand_back(struct slot *x, int64_t now, ssogate_pending_request *out, int *found) {
    x->used = 0;
    if (x->expires_at <= now) {
        *found = 0;
        return 0;
    }
    *found = 1;
    return ssogate_pending_request_set(out, x->request_id, strlen(x->request_id), x->connection_id,
                                       strlen(x->connection_id), x->return_to, strlen(x->return_to), x->created_at,
                                       x->expires_at) == SSOGATE_OK
               ? 0
               : 3;
}

static int host_take(void *ud, const char *token, size_t token_len, int64_t now, ssogate_pending_request *out,
                     int *found) {
    struct host_store *s = ud;
    int i;
    s->calls++;
    if (s->fail) {
        return 1;
    }
    for (i = 0; i < 8; ++i) {
        struct slot *x = &s->slots[i];
        if (x->used && strlen(x->token) == token_len && memcmp(x->token, token, token_len) == 0) {
            return hand_back(x, now, out, found);
        }
    }
    *found = 0;
    return 0;
}

static int host_take_by_id(void *ud, const char *connection_id, size_t connection_id_len, const char *request_id,
                           size_t request_id_len, int64_t now, ssogate_pending_request *out, int *found) {
    struct host_store *s = ud;
    int i;
    s->calls++;
    if (s->fail) {
        return 1;
    }
    for (i = 0; i < 8; ++i) {
        struct slot *x = &s->slots[i];
        if (x->used && strlen(x->connection_id) == connection_id_len &&
            memcmp(x->connection_id, connection_id, connection_id_len) == 0 &&
            strlen(x->request_id) == request_id_len && memcmp(x->request_id, request_id, request_id_len) == 0) {
            return hand_back(x, now, out, found);
        }
    }
    *found = 0;
    return 0;
}

static void host_free(void *ud) { ((struct host_store *)ud)->freed = 1; }

int main(void) {
    ssogate_error *err = ssogate_error_new();
    ssogate_test_idp *tidp = ssogate_test_idp_new(NULL, 0, sso_url, strlen(sso_url), SSOGATE_KEY_TYPE_RSA_2048, err);
    const char *md;
    ssogate_idp *idp;
    ssogate_connection_params *params = ssogate_connection_params_new();
    ssogate_connection_options copts;
    ssogate_connection *conn;
    ssogate_request_store *store;
    ssogate_replay_cache_options ro;
    ssogate_replay_cache *replay;
    ssogate_sp_login_options lo;
    ssogate_sp_login_request *req;
    ssogate_verified_login *login;
    char *resp;
    const char *base = "https://app.example.com";
    const char *origin = "https://APP.example.com:443";

    CHECK_CODE(err, SSOGATE_OK);
    if (tidp == NULL) {
        return 1;
    }
    md = ssogate_test_idp_metadata_xml(tidp);
    idp = ssogate_idp_import(md, strlen(md), NULL, 0, NULL, 0, NULL, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(ssogate_connection_params_set_base_url(params, base, strlen(base), err) == SSOGATE_OK);
    CHECK(ssogate_connection_params_set_id(params, "c1", 2, err) == SSOGATE_OK);
    CHECK(ssogate_connection_params_add_return_origin(params, origin, strlen(origin), err) == SSOGATE_OK);
    ssogate_connection_options_init(&copts, sizeof copts);
    conn = ssogate_connection_new(idp, params, &copts, err);
    CHECK_CODE(err, SSOGATE_OK);
    if (conn == NULL) {
        return 1;
    }
    CHECK(ssogate_connection_return_origin_count(conn) == 1);
    CHECK(strcmp(ssogate_connection_return_origin(conn, 0), "https://app.example.com") == 0);
    CHECK(ssogate_connection_return_origin(conn, 1) == NULL);
    CHECK(strstr(ssogate_connection_to_json(conn), "\"allowed_return_origins\"") != NULL);

    store = ssogate_request_store_new_memory(err);
    ssogate_replay_cache_options_init(&ro, sizeof ro);
    ro.now = t0;
    replay = ssogate_replay_cache_new_memory(&ro, err);
    CHECK(store != NULL && replay != NULL);

    ssogate_sp_login_options_init(&lo, sizeof lo);
    CHECK(lo.struct_size == sizeof lo);
    CHECK(lo.binding == SSOGATE_BINDING_HTTP_REDIRECT);
    CHECK(lo.ttl_seconds == 600 && lo.now == 0 && lo.force_authn == 0 && lo.is_passive == 0);
    lo.now = t0;

    /* Redirect: begin, the IdP answers, finish returns the login and the return-to. */
    req = ssogate_sp_login_begin(conn, store, "/dashboard?tab=1", 16, NULL, &lo, err);
    CHECK_CODE(err, SSOGATE_OK);
    if (req == NULL) {
        return 1;
    }
    CHECK(starts_with(ssogate_sp_login_request_redirect_url(req), "https://idp.test.example/sso?SAMLRequest="));
    CHECK(strstr(ssogate_sp_login_request_redirect_url(req), ssogate_sp_login_request_relay_state(req)) != NULL);
    CHECK(strcmp(ssogate_sp_login_request_post_form_html(req), "") == 0);
    CHECK(ssogate_sp_login_request_binding(req) == SSOGATE_BINDING_HTTP_REDIRECT);
    CHECK(strcmp(ssogate_sp_login_request_destination(req), sso_url) == 0);
    CHECK(ssogate_sp_login_request_id(req)[0] == '_');
    CHECK(strstr(ssogate_sp_login_request_xml(req), ssogate_sp_login_request_id(req)) != NULL);
    CHECK(ssogate_sp_login_request_is_signed(req) == 0);
    CHECK(ssogate_sp_login_request_issued_at(req) == t0);
    CHECK(ssogate_sp_login_request_expires_at(req) == t0 + 600);

    resp = answer(tidp, conn, ssogate_sp_login_request_id(req), t0);
    login = finish(conn, store, ssogate_sp_login_request_relay_state(req), resp, replay, t0, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(login != NULL);
    if (login != NULL) {
        CHECK(strcmp(ssogate_verified_login_email(login), "alice@example.com") == 0);
        CHECK(strcmp(ssogate_verified_login_return_to(login), "/dashboard?tab=1") == 0);
        CHECK(strcmp(ssogate_verified_login_in_response_to(login), ssogate_sp_login_request_id(req)) == 0);
    }
    ssogate_verified_login_free(login);
    free(resp);

    /* The testing IdP reads the Redirect URL itself: the request's ID and RelayState come from it. */
    {
        ssogate_sp_login_request *req2 = ssogate_sp_login_begin(conn, store, "/r", 2, NULL, &lo, err);
        ssogate_test_response_params *p = ssogate_test_response_params_new();
        ssogate_test_response *r = NULL;
        const char *url = req2 == NULL ? "" : ssogate_sp_login_request_redirect_url(req2);
        const char *other = "SAMLRequest=%ZZ";
        CHECK(ssogate_test_response_params_answer_request(p, conn, url, strlen(url), err) == SSOGATE_OK);
        CHECK(req2 != NULL &&
              strcmp(ssogate_test_response_params_relay_state(p), ssogate_sp_login_request_relay_state(req2)) == 0);
        CHECK(ssogate_test_response_params_set_now(p, t0, err) == SSOGATE_OK);
        r = ssogate_test_response_new(tidp, p, err);
        CHECK(r != NULL && req2 != NULL &&
              strstr(ssogate_test_response_xml(r), ssogate_sp_login_request_id(req2)) != NULL);
        login = r == NULL ? NULL
                          : finish(conn, store, ssogate_test_response_params_relay_state(p),
                                   ssogate_test_response_base64(r), replay, t0, err);
        CHECK_CODE(err, SSOGATE_OK);
        CHECK(login != NULL && strcmp(ssogate_verified_login_return_to(login), "/r") == 0);
        ssogate_verified_login_free(login);
        /* A broken request: refused, the reason in the message, params unchanged. */
        CHECK(ssogate_test_response_params_answer_request(p, conn, other, strlen(other), err) ==
              SSOGATE_INVALID_ARGUMENT);
        CHECK(strcmp(ssogate_test_response_params_relay_state(p), ssogate_sp_login_request_relay_state(req2)) == 0);
        CHECK(ssogate_test_response_params_answer_request(p, NULL, url, strlen(url), err) == SSOGATE_INVALID_ARGUMENT);
        CHECK(ssogate_test_response_params_relay_state(NULL) == NULL);
        ssogate_test_response_free(r);
        ssogate_test_response_params_free(p);
        ssogate_sp_login_request_free(req2);
    }

    /* The same request answered again (a fresh assertion, so not a replay): used up. */
    resp = answer(tidp, conn, ssogate_sp_login_request_id(req), t0);
    login = finish(conn, store, ssogate_sp_login_request_relay_state(req), resp, replay, t0, err);
    CHECK(login == NULL);
    CHECK_CODE(err, SSOGATE_REQUEST_UNKNOWN);
    CHECK(strstr(ssogate_error_user_message(err), "again") != NULL);
    free(resp);
    ssogate_sp_login_request_free(req);

    /* POST, with an absolute return-to on an allowed origin. */
    lo.binding = SSOGATE_BINDING_HTTP_POST;
    req = ssogate_sp_login_begin(conn, store, "https://app.example.com/x", 25, NULL, &lo, err);
    CHECK_CODE(err, SSOGATE_OK);
    if (req != NULL) {
        CHECK(strcmp(ssogate_sp_login_request_redirect_url(req), "") == 0);
        CHECK(strstr(ssogate_sp_login_request_post_form_html(req), "name=\"SAMLRequest\"") != NULL);
        CHECK(strstr(ssogate_sp_login_request_post_form_html(req), ssogate_sp_login_request_relay_state(req)) != NULL);
        /* Expired when the answer arrives. */
        resp = answer(tidp, conn, ssogate_sp_login_request_id(req), t0 + 601);
        login = finish(conn, store, ssogate_sp_login_request_relay_state(req), resp, replay, t0 + 601, err);
        CHECK(login == NULL);
        CHECK_CODE(err, SSOGATE_REQUEST_EXPIRED);
        free(resp);
    }
    ssogate_sp_login_request_free(req);

    /* Open redirects, bad options, a bad key. */
    CHECK(ssogate_sp_login_begin(conn, store, "//evil.com", 10, NULL, &lo, err) == NULL);
    CHECK_CODE(err, SSOGATE_RETURN_TO_NOT_ALLOWED);
    CHECK(ssogate_sp_login_begin(conn, store, "https://evil.com/", 17, NULL, &lo, err) == NULL);
    CHECK_CODE(err, SSOGATE_RETURN_TO_NOT_ALLOWED);
    lo.binding = 7;
    CHECK(ssogate_sp_login_begin(conn, store, NULL, 0, NULL, &lo, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    lo.binding = SSOGATE_BINDING_HTTP_REDIRECT;
    CHECK(ssogate_sp_login_begin(conn, NULL, NULL, 0, NULL, &lo, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_sp_key_new("nope", 4, "nope", 4, err) == NULL);
    CHECK_CODE(err, SSOGATE_SP_KEY_INVALID);
    CHECK(finish(conn, store, "not/a/token", "", replay, t0, err) == NULL);
    CHECK_CODE(err, SSOGATE_RELAY_STATE_INVALID);
    CHECK(ssogate_request_store_open("mysql://x", 9, err) == NULL);
    CHECK_CODE(err, SSOGATE_STORE_LOCATION);

    /* The host's own store, through callbacks: a round trip found by RelayState, one by InResponseTo. */
    {
        struct host_store hs;
        ssogate_request_callbacks cb;
        ssogate_request_store *mine;
        memset(&hs, 0, sizeof hs);
        memset(&cb, 0, sizeof cb);
        cb.struct_size = sizeof cb;
        cb.user_data = &hs;
        cb.put = host_put;
        cb.take = host_take;
        cb.take_by_request_id = host_take_by_id;
        cb.free_user_data = host_free;
        mine = ssogate_request_store_new_callbacks(&cb, err);
        CHECK_CODE(err, SSOGATE_OK);
        req = ssogate_sp_login_begin(conn, mine, "/cb", 3, NULL, &lo, err);
        CHECK_CODE(err, SSOGATE_OK);
        if (req != NULL) {
            CHECK(hs.slots[0].used && strcmp(hs.slots[0].return_to, "/cb") == 0);
            resp = answer(tidp, conn, ssogate_sp_login_request_id(req), t0);
            login = finish(conn, mine, ssogate_sp_login_request_relay_state(req), resp, replay, t0, err);
            CHECK_CODE(err, SSOGATE_OK);
            CHECK(login != NULL && strcmp(ssogate_verified_login_return_to(login), "/cb") == 0);
            CHECK(!hs.slots[0].used);
            ssogate_verified_login_free(login);
            free(resp);
        }
        ssogate_sp_login_request_free(req);

        req = ssogate_sp_login_begin(conn, mine, "/by-id", 6, NULL, &lo, err);
        if (req != NULL) {
            resp = answer(tidp, conn, ssogate_sp_login_request_id(req), t0);
            login = finish(conn, mine, "", resp, replay, t0, err); /* the IdP dropped RelayState */
            CHECK_CODE(err, SSOGATE_OK);
            CHECK(login != NULL && strcmp(ssogate_verified_login_return_to(login), "/by-id") == 0);
            ssogate_verified_login_free(login);
            free(resp);
        }
        ssogate_sp_login_request_free(req);

        /* A store that is down refuses both halves. */
        req = ssogate_sp_login_begin(conn, mine, NULL, 0, NULL, &lo, err);
        CHECK_CODE(err, SSOGATE_OK);
        hs.fail = 1;
        CHECK(ssogate_sp_login_begin(conn, mine, NULL, 0, NULL, &lo, err) == NULL);
        CHECK_CODE(err, SSOGATE_STORE_UNAVAILABLE);
        if (req != NULL) {
            resp = answer(tidp, conn, ssogate_sp_login_request_id(req), t0);
            CHECK(finish(conn, mine, ssogate_sp_login_request_relay_state(req), resp, replay, t0, err) == NULL);
            CHECK_CODE(err, SSOGATE_STORE_UNAVAILABLE);
            free(resp);
        }
        ssogate_sp_login_request_free(req);
        ssogate_request_store_free(mine);
        CHECK(hs.freed == 1);

        cb.take = NULL;
        CHECK(ssogate_request_store_new_callbacks(&cb, err) == NULL);
        CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    }

    ssogate_replay_cache_free(replay);
    ssogate_request_store_free(store);
    ssogate_connection_free(conn);
    ssogate_connection_params_free(params);
    ssogate_idp_free(idp);
    ssogate_test_idp_free(tidp);
    ssogate_error_free(err);
    if (failures != 0) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("login_test: all checks passed\n");
    return 0;
}
