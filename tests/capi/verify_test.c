/*
 * Verification, replay caches and the testing IdP from a C11 program that sees only
 * <ssogate/ssogate.h> and links only libssogate.
 *
 * The attack-suite vectors (tests/vectors/attacks/manifest.json, the same file the C++, Python and Go
 * tests read) must get exactly their codes here: the C ABI only translates. The manifest keeps one
 * vector per line with flat keys, so a few string searches read it without a JSON library. A context
 * with "sp_encryption": true gives the connection the published TEST SP encryption certificate and
 * verification its key; "allow_rsa_1_5" goes to the connection options; either key missing (an older
 * manifest) means false. Before the last verification of each vector, ssogate_explain_response runs in
 * the same state, and its first failing check must carry the code (and message) verification gives;
 * the same holds for every response of the real-IdP corpus (interop/manifest.json).
 *
 * Usage: verify_test VECTORS_DIR WORK_DIR   (the tests/vectors folder; a writable folder for a SQLite file)
 */
#include <ssogate/ssogate.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char *vectors_dir;
static const char *work_dir;

/* Reads vectors_dir/rel into a malloc'd, NUL-terminated buffer; exits on failure. */
static char *read_vector(const char *rel, size_t *len) {
    char path[4096];
    FILE *f;
    long size;
    char *buf;
    snprintf(path, sizeof path, "%s/%s", vectors_dir, rel);
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)size + 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    buf[size] = '\0';
    fclose(f);
    if (len != NULL) {
        *len = (size_t)size;
    }
    return buf;
}

/* ------------------------------------------------------------------------ base64 (the form value) */

static char *base64(const char *in, size_t n) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((n + 2) / 3 * 4 + 1);
    size_t i, o = 0;
    if (out == NULL) {
        exit(1);
    }
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = ((unsigned)(unsigned char)in[i] << 16) | ((unsigned)(unsigned char)in[i + 1] << 8) |
                     (unsigned char)in[i + 2];
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        out[o++] = abc[(v >> 6) & 63];
        out[o++] = abc[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)(unsigned char)in[i] << 16;
        if (i + 1 < n) {
            v |= (unsigned)(unsigned char)in[i + 1] << 8;
        }
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        out[o++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------------------------ manifest line reading */

/* Points just after `"key": ` in line, or NULL. */
static const char *field(const char *line, const char *key) {
    char pattern[64];
    const char *p;
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    p = strstr(line, pattern);
    return p == NULL ? NULL : p + strlen(pattern);
}

/* A string value (no escapes in the fields read here) into out; exits when absent. */
static void get_str(const char *line, const char *key, char *out, size_t n) {
    const char *p = field(line, key);
    size_t i = 0;
    if (p == NULL || *p != '"') {
        fprintf(stderr, "manifest line without string %s: %.200s\n", key, line);
        exit(1);
    }
    for (++p; *p != '"' && *p != '\0' && i + 1 < n; ++p) {
        out[i++] = *p;
    }
    out[i] = '\0';
}

static long long get_int(const char *line, const char *key) {
    const char *p = field(line, key);
    if (p == NULL) {
        fprintf(stderr, "manifest line without number %s\n", key);
        exit(1);
    }
    return strtoll(p, NULL, 10);
}

static int get_bool(const char *line, const char *key) {
    const char *p = field(line, key);
    return p != NULL && strncmp(p, "true", 4) == 0;
}

/* A list of strings, joined with spaces: exactly the form ssogate_verify_response takes for IDs. */
static void get_list(const char *line, const char *key, char *out, size_t n) {
    const char *p = field(line, key);
    size_t i = 0;
    if (p == NULL || *p != '[') {
        fprintf(stderr, "manifest line without list %s\n", key);
        exit(1);
    }
    for (++p; *p != ']' && *p != '\0' && i + 1 < n; ++p) {
        if (*p == '"') {
            continue;
        }
        out[i++] = *p == ',' ? ' ' : *p;
    }
    out[i] = '\0';
}

/* --------------------------------------------------------------------------------- the vectors */

/* The published TEST SP encryption key and its certificate, loaded once, for "sp_encryption": true. */
static ssogate_sp_key *vector_enc_key;
static char *vector_enc_cert;
static size_t vector_enc_cert_len;

static const ssogate_sp_key *enc_key(void) {
    if (vector_enc_key == NULL) {
        ssogate_error *err = ssogate_error_new();
        size_t key_len = 0;
        char *key = read_vector("attacks/TEST-SP-ENC-KEY-DO-NOT-USE.pem", &key_len);
        vector_enc_cert = read_vector("attacks/TEST-SP-ENC-CERT.pem", &vector_enc_cert_len);
        vector_enc_key = ssogate_sp_key_new(key, key_len, vector_enc_cert, vector_enc_cert_len, err);
        CHECK_CODE(err, SSOGATE_OK);
        free(key);
        ssogate_error_free(err);
    }
    return vector_enc_key;
}

static ssogate_connection *connection_for(const ssogate_idp *idp, const char *line, ssogate_error *err) {
    char acs[256], sp[256], attr[64], domains[256];
    ssogate_connection_params *params = ssogate_connection_params_new();
    ssogate_connection_options opts;
    ssogate_connection *conn;
    char *d;
    get_str(line, "acs_url", acs, sizeof acs);
    get_str(line, "sp_entity_id", sp, sizeof sp);
    get_str(line, "email_attribute", attr, sizeof attr);
    get_list(line, "allowed_domains", domains, sizeof domains);
    CHECK(params != NULL);
    CHECK(ssogate_connection_params_set_id(params, "c1", 2, err) == SSOGATE_OK);
    CHECK(ssogate_connection_params_set_acs_url(params, acs, strlen(acs), err) == SSOGATE_OK);
    CHECK(ssogate_connection_params_set_sp_entity_id(params, sp, strlen(sp), err) == SSOGATE_OK);
    if (attr[0] != '\0') {
        CHECK(ssogate_connection_params_set_email_attribute(params, attr, strlen(attr), err) == SSOGATE_OK);
    }
    for (d = strtok(domains, " "); d != NULL; d = strtok(NULL, " ")) {
        CHECK(ssogate_connection_params_add_allowed_domain(params, d, strlen(d), err) == SSOGATE_OK);
    }
    if (get_bool(line, "sp_encryption")) {
        CHECK(enc_key() != NULL);
        CHECK(ssogate_connection_params_add_sp_encryption_certificate(params, vector_enc_cert, vector_enc_cert_len,
                                                                      err) == SSOGATE_OK);
    }
    ssogate_connection_options_init(&opts, sizeof opts);
    opts.allow_idp_initiated = get_bool(line, "allow_idp_initiated");
    opts.allow_sha1 = get_bool(line, "allow_sha1");
    opts.allow_rsa_1_5 = get_bool(line, "allow_rsa_1_5");
    opts.clock_skew_seconds = (int32_t)get_int(line, "clock_skew_seconds");
    conn = ssogate_connection_new(idp, params, &opts, err);
    ssogate_connection_params_free(params);
    CHECK_CODE(err, SSOGATE_OK);
    return conn;
}

/*
 * The explain call's invariant: its first failing check carries the code verification refused with
 * (err), with the same message, and every check passes when verification accepted.
 */
static void check_explanation_agrees(const ssogate_explanation *x, const ssogate_error *err) {
    size_t i, n = ssogate_explanation_check_count(x);
    int first = -1;
    CHECK(n >= 25);
    CHECK(ssogate_explanation_first_failure(x) == ssogate_error_code(err));
    for (i = 0; i < n; ++i) {
        int status = ssogate_explanation_check_status(x, i);
        CHECK(ssogate_check_status_name(status) != NULL);
        CHECK(strlen(ssogate_explanation_check_name(x, i)) > 0);
        CHECK(ssogate_explanation_check_expected(x, i) != NULL && ssogate_explanation_check_got(x, i) != NULL);
        if (ssogate_error_code(err) == SSOGATE_OK) {
            CHECK(status == SSOGATE_CHECK_STATUS_PASS);
        } else if (first < 0 && status == SSOGATE_CHECK_STATUS_FAIL) {
            first = (int)i;
            CHECK(ssogate_explanation_check_code(x, i) == ssogate_error_code(err));
            CHECK_STR(ssogate_explanation_check_detail(x, i), ssogate_error_message(err));
        } else if (first < 0) {
            CHECK(status == SSOGATE_CHECK_STATUS_PASS);
        }
    }
    if (ssogate_error_code(err) != SSOGATE_OK) {
        CHECK(first >= 0);
    }
    CHECK(ssogate_explanation_check_name(x, n) == NULL);
    CHECK(ssogate_explanation_check_status(x, n) == -1);
    CHECK(ssogate_explanation_hint_name(x, ssogate_explanation_hint_count(x)) == NULL);
}

/* Verifies form (the posted value) in the vector's context and checks its expected code and email. */
static void check_vector(const ssogate_idp *idp, const char *line, const char *form, ssogate_error *err) {
    char name[128], expect[64], email[128], ids[256];
    long long repeat = get_int(line, "repeat"), i;
    const ssogate_sp_key *keys[1];
    ssogate_connection *conn;
    ssogate_replay_cache *cache;
    ssogate_replay_cache_options ro;
    ssogate_verify_options vo;
    ssogate_verified_login *login = NULL;
    get_str(line, "name", name, sizeof name);
    get_str(line, "expect", expect, sizeof expect);
    get_str(line, "email", email, sizeof email);
    get_list(line, "request_ids", ids, sizeof ids);

    conn = connection_for(idp, line, err);
    ssogate_replay_cache_options_init(&ro, sizeof ro);
    ro.now = get_int(line, "now"); /* frozen like verification, so the replay is remembered */
    cache = ssogate_replay_cache_new_memory(&ro, err);
    CHECK(cache != NULL);
    ssogate_verify_options_init(&vo, sizeof vo);
    vo.now = get_int(line, "now");
    if (get_int(line, "max_bytes") != 0) {
        vo.max_bytes = (uint64_t)get_int(line, "max_bytes");
    }
    if (get_bool(line, "sp_encryption")) {
        keys[0] = enc_key();
        vo.decryption_keys = keys;
        vo.decryption_key_count = 1;
    }
    for (i = 0; i < repeat; ++i) {
        ssogate_explanation *x = NULL;
        ssogate_verified_login_free(login);
        if (i + 1 == repeat) {
            /* The explanation, in the state the last verification meets; explain records nothing, so
             * verification then decides as if it had not run. */
            x = ssogate_explain_response(conn, form, strlen(form), ids, strlen(ids), cache, NULL, &vo, err);
            CHECK(x != NULL);
        }
        login = ssogate_verify_response(conn, form, strlen(form), ids, strlen(ids), cache, &vo, err);
        if (i + 1 < repeat) {
            CHECK(login != NULL);
        } else {
            check_explanation_agrees(x, err);
            ssogate_explanation_free(x);
        }
    }
    if (strcmp(ssogate_code_name(ssogate_error_code(err)), expect) != 0) {
        fprintf(stderr, "vector %s: got %s (%s), want %s\n", name, ssogate_code_name(ssogate_error_code(err)),
                ssogate_error_message(err), expect);
        fail_at(__FILE__, __LINE__, "vector code");
    }
    passed++;
    if (strcmp(expect, "OK") == 0) {
        CHECK(login != NULL);
        CHECK_STR(ssogate_verified_login_email(login), email);
        CHECK_STR(ssogate_verified_login_connection_id(login), "c1");
        CHECK_STR(ssogate_error_user_message(err), "");
    } else {
        CHECK(login == NULL);
        CHECK(strstr(ssogate_error_user_message(err), expect) != NULL);
    }
    ssogate_verified_login_free(login);
    ssogate_replay_cache_free(cache);
    ssogate_connection_free(conn);
}

static ssogate_idp *attacks_idp(ssogate_error *err) {
    size_t md_len = 0;
    char *md = read_vector("attacks/idp-metadata.xml", &md_len);
    ssogate_idp *idp = ssogate_idp_import(md, md_len, NULL, 0, NULL, 0, NULL, err);
    CHECK(idp != NULL);
    free(md);
    return idp;
}

static void test_attack_vectors(void) {
    ssogate_error *err = ssogate_error_new();
    ssogate_idp *idp = attacks_idp(err);
    char *manifest = read_vector("attacks/manifest.json", NULL);
    char *line, *next;
    int vectors = 0, accepted = 0;
    for (line = manifest; line != NULL; line = next) {
        char file[256], path[300];
        size_t body_len = 0;
        char *body, *form;
        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        if (strncmp(line, "{\"name\": ", 9) != 0) {
            continue; /* the header and footer lines */
        }
        ++vectors;
        get_str(line, "file", file, sizeof file);
        snprintf(path, sizeof path, "attacks/%s", file);
        body = read_vector(path, &body_len);
        form = get_bool(line, "form") ? body : base64(body, body_len);
        check_vector(idp, line, form, err);
        if (strstr(line, "\"expect\": \"OK\"") != NULL) {
            ++accepted;
        }
        if (form != body) {
            free(form);
        }
        free(body);
    }
    CHECK(vectors >= 80);
    CHECK(accepted >= 10);
    printf("attack vectors: %d (%d accepted)\n", vectors, accepted);
    free(manifest);
    ssogate_idp_free(idp);
    ssogate_error_free(err);
}

/* A manifest line in the corpus's form: a vector for alice@example.com answering _req1, its context
 * ending with `extra` (the encryption keys, or nothing as in an older manifest). */
static void vector_line(char *out, size_t n, const char *expect, const char *extra) {
    snprintf(out, n,
             "{\"name\": \"generated-encrypted\", \"expect\": \"%s\", \"email\": \"alice@example.com\", \"file\": "
             "\"(generated)\", \"form\": true, \"repeat\": 1, \"context\": {\"now\": 1767225600, \"acs_url\": "
             "\"https://app.example.com/sso/saml/c1/acs\", \"sp_entity_id\": \"https://app.example.com/sso/saml/c1\", "
             "\"idp_entity_id\": \"https://idp.attacks.test.example/saml\", \"request_ids\": [\"_req1\"], "
             "\"allow_idp_initiated\": false, \"allow_sha1\": false, \"clock_skew_seconds\": 180, "
             "\"email_attribute\": \"\", \"allowed_domains\": [], \"max_bytes\": 0%s}}",
             expect, extra);
}

/* The attacks IdP (its published TEST key) answering _req1 with an Assertion encrypted to the TEST SP
 * encryption certificate with key_transport; the form value, malloc'd. */
static char *encrypted_attack_response(const char *key_transport, ssogate_error *err) {
    static const char issuer[] = "https://idp.attacks.test.example/saml";
    static const char acs[] = "https://app.example.com/sso/saml/c1/acs";
    static const char sp[] = "https://app.example.com/sso/saml/c1";
    size_t key_len = 0, cert_len = 0;
    char *key = read_vector("attacks/TEST-IDP-KEY-DO-NOT-USE.pem", &key_len);
    char *cert = read_vector("attacks/TEST-IDP-CERT.pem", &cert_len);
    ssogate_test_idp *tidp =
        ssogate_test_idp_from_pem(issuer, strlen(issuer), NULL, 0, key, key_len, cert, cert_len, err);
    ssogate_test_response_params *p = ssogate_test_response_params_new();
    ssogate_test_response *r;
    char *out;
    CHECK(tidp != NULL && p != NULL && enc_key() != NULL);
    CHECK(ssogate_test_response_params_set_acs_url(p, acs, strlen(acs), err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_sp_entity_id(p, sp, strlen(sp), err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_in_response_to(p, "_req1", 5, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_nameid(p, "alice@example.com", 17, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_now(p, 1767225600, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_encryption(p, vector_enc_cert, vector_enc_cert_len, key_transport,
                                                      strlen(key_transport), NULL, 0,
                                                      SSOGATE_TEST_KEY_PLACEMENT_IN_KEY_INFO, err) == SSOGATE_OK);
    r = ssogate_test_response_new(tidp, p, err);
    CHECK(r != NULL);
    CHECK_CONTAINS(ssogate_test_response_xml(r), "EncryptedAssertion");
    out = malloc(strlen(ssogate_test_response_base64(r)) + 1);
    CHECK(out != NULL);
    strcpy(out, ssogate_test_response_base64(r));
    ssogate_test_response_free(r);
    ssogate_test_response_params_free(p);
    ssogate_test_idp_free(tidp);
    free(cert);
    free(key);
    return out;
}

/* The runner honours "sp_encryption" and "allow_rsa_1_5", and reads their absence as false, whether or
 * not the current manifest has encrypted vectors yet. */
static void test_vector_encryption_keys(void) {
    static const char oaep[] = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    static const char rsa15[] = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
    ssogate_error *err = ssogate_error_new();
    ssogate_idp *idp = attacks_idp(err);
    char *with_oaep = encrypted_attack_response(oaep, err);
    char *with_rsa15 = encrypted_attack_response(rsa15, err);
    char line[2048];
    vector_line(line, sizeof line, "OK", ", \"sp_encryption\": true, \"allow_rsa_1_5\": false");
    check_vector(idp, line, with_oaep, err);
    vector_line(line, sizeof line, "ENCRYPTION_ALGORITHM", ", \"sp_encryption\": true, \"allow_rsa_1_5\": false");
    check_vector(idp, line, with_rsa15, err);
    vector_line(line, sizeof line, "OK", ", \"sp_encryption\": true, \"allow_rsa_1_5\": true");
    check_vector(idp, line, with_rsa15, err);
    vector_line(line, sizeof line, "ASSERTION_ENCRYPTED", ", \"sp_encryption\": false, \"allow_rsa_1_5\": true");
    check_vector(idp, line, with_oaep, err);
    /* Missing keys: no SP encryption certificate, and RSA-1_5 is not allowed. */
    vector_line(line, sizeof line, "ASSERTION_ENCRYPTED", "");
    check_vector(idp, line, with_oaep, err);
    CHECK(!get_bool(line, "allow_rsa_1_5") && !get_bool(line, "sp_encryption"));
    free(with_rsa15);
    free(with_oaep);
    ssogate_idp_free(idp);
    ssogate_error_free(err);
}

/* ---------------------------------------------------------- testing IdP, login getters, replay caches */

static const int64_t T0 = 1767225600; /* 2026-01-01T00:00:00Z */

struct fake_store {
    int calls;
    int fail;      /* return non-zero: the store could not answer */
    int bad_value; /* return 0 but an *inserted that is neither 0 nor 1 */
    int freed;
    char last_key[256];
    int64_t last_expiry;
};

static int fake_insert(void *user_data, const char *key, size_t key_len, int64_t expires_at, int *inserted) {
    struct fake_store *s = user_data;
    s->calls++;
    if (s->fail) {
        return 5;
    }
    if (s->bad_value) {
        *inserted = 7;
        return 0;
    }
    /* First use of a key is an insert; the same key again is a replay. */
    *inserted =
        !(key_len < sizeof s->last_key && strncmp(s->last_key, key, key_len) == 0 && s->last_key[key_len] == '\0');
    if (key_len < sizeof s->last_key) {
        memcpy(s->last_key, key, key_len);
        s->last_key[key_len] = '\0';
    }
    s->last_expiry = expires_at;
    return 0;
}

static void fake_free(void *user_data) { ((struct fake_store *)user_data)->freed++; }

static void test_testing_idp_end_to_end(void) {
    ssogate_error *err = ssogate_error_new();
    ssogate_test_idp *tidp =
        ssogate_test_idp_new("https://idp.c.example/saml", 26, NULL, 0, SSOGATE_KEY_TYPE_EC_P256, err);
    const char *md;
    ssogate_idp *idp;
    ssogate_connection_params *cp = ssogate_connection_params_new();
    ssogate_connection *conn;
    ssogate_test_response_params *rp = ssogate_test_response_params_new();
    ssogate_test_response *resp;
    ssogate_replay_cache *cache;
    ssogate_replay_cache_options ro;
    ssogate_verify_options vo;
    ssogate_verified_login *login;
    struct fake_store store;
    ssogate_replay_callbacks cb;
    const char *b64;

    CHECK(tidp != NULL);
    CHECK_STR(ssogate_test_idp_entity_id(tidp), "https://idp.c.example/saml");
    CHECK(strstr(ssogate_test_idp_certificate_pem(tidp), "BEGIN CERTIFICATE") != NULL);
    md = ssogate_test_idp_metadata_xml(tidp);
    CHECK(strstr(md, "https://idp.test.example/sso") != NULL); /* the default SSO URL */
    idp = ssogate_idp_import(md, strlen(md), NULL, 0, NULL, 0, NULL, err);
    CHECK(idp != NULL);
    CHECK_STR(ssogate_idp_cert_key_type(idp, 0), "EC");
    CHECK(ssogate_connection_params_set_base_url(cp, "https://app.example.com", 23, err) == SSOGATE_OK);
    CHECK(ssogate_connection_params_set_id(cp, "c9", 2, err) == SSOGATE_OK);
    conn = ssogate_connection_new(idp, cp, NULL, err);
    CHECK(conn != NULL);

    /* Without ACS URL and SP entity ID the builder is refused. */
    CHECK(ssogate_test_response_new(tidp, rp, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_test_response_params_set_connection(rp, conn, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_in_response_to(rp, "_r1", 3, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_nameid(rp, "carol@example.com", 17, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_session_index(rp, "_s7", 3, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_now(rp, T0, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_sign(rp, SSOGATE_TEST_SIGN_ASSERTION, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_add_attribute(rp, "groups", 6, NULL, 0, "Groups", 6, "admins", 6, err) ==
          SSOGATE_OK);
    CHECK(ssogate_test_response_params_add_attribute(rp, "groups", 6, NULL, 0, NULL, 0, "dev", 3, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_add_attribute(rp, "dept", 4, "urn:x", 5, NULL, 0, "R&D", 3, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_sign(rp, 9, err) == SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_test_response_params_set_nameid(NULL, "x", 1, err) == SSOGATE_INVALID_ARGUMENT);
    resp = ssogate_test_response_new(tidp, rp, err);
    CHECK(resp != NULL);
    CHECK(strstr(ssogate_test_response_xml(resp), "ecdsa-sha256") != NULL);
    CHECK(strstr(ssogate_test_response_xml(resp), "R&amp;D") != NULL);
    b64 = ssogate_test_response_base64(resp);

    ssogate_replay_cache_options_init(&ro, sizeof ro);
    ro.now = T0;
    cache = ssogate_replay_cache_new_memory(&ro, err);
    ssogate_verify_options_init(&vo, sizeof vo);
    CHECK(vo.max_bytes == 1u << 20);
    CHECK(vo.max_age_seconds == 600);
    vo.now = T0 + 10;

    /* Pending IDs: commas and spaces both separate. */
    login = ssogate_verify_response(conn, b64, strlen(b64), "_a, _r1  _b", 11, cache, &vo, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(login != NULL);
    CHECK_STR(ssogate_verified_login_email(login), "carol@example.com");
    CHECK_STR(ssogate_verified_login_nameid(login), "carol@example.com");
    CHECK_STR(ssogate_verified_login_nameid_format(login), "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
    CHECK_STR(ssogate_verified_login_idp_entity_id(login), "https://idp.c.example/saml");
    CHECK_STR(ssogate_verified_login_connection_id(login), "c9");
    CHECK(strlen(ssogate_verified_login_assertion_id(login)) > 10);
    CHECK_STR(ssogate_verified_login_session_index(login), "_s7");
    CHECK(ssogate_verified_login_authn_instant(login) == T0);
    CHECK(ssogate_verified_login_session_not_on_or_after(login) == 0);
    CHECK_STR(ssogate_verified_login_in_response_to(login), "_r1");
    CHECK(ssogate_verified_login_attribute_count(login) == 2);
    CHECK_STR(ssogate_verified_login_attribute_name(login, 0), "groups");
    CHECK_STR(ssogate_verified_login_attribute_friendly_name(login, 0), "Groups");
    CHECK_STR(ssogate_verified_login_attribute_name_format(login, 0),
              "urn:oasis:names:tc:SAML:2.0:attrname-format:basic");
    CHECK(ssogate_verified_login_attribute_value_count(login, 0) == 2);
    CHECK_STR(ssogate_verified_login_attribute_value(login, 0, 1), "dev");
    CHECK_STR(ssogate_verified_login_attribute_name_format(login, 1), "urn:x");
    CHECK_STR(ssogate_verified_login_attribute_value(login, 1, 0), "R&D");
    CHECK(ssogate_verified_login_attribute_value(login, 1, 1) == NULL);
    CHECK(ssogate_verified_login_attribute_name(login, 2) == NULL);
    CHECK(ssogate_verified_login_attribute_value_count(login, 2) == 0);
    ssogate_verified_login_free(login);

    /* The same bytes again: a replay. Refused after the signature verified, so the error names who
       the signed assertion is for. */
    CHECK(ssogate_verify_response(conn, b64, strlen(b64), "_r1", 3, cache, &vo, err) == NULL);
    CHECK_CODE(err, SSOGATE_REPLAYED);
    CHECK(strstr(ssogate_error_user_message(err), "REPLAYED") != NULL);
    CHECK(strstr(ssogate_error_message(err), "already used") != NULL);
    CHECK(ssogate_error_signed_identity(err) != NULL);
    CHECK_STR(ssogate_error_signed_identity(err), "carol@example.com");
    /* No pending request: the InResponseTo is unknown. */
    CHECK(ssogate_verify_response(conn, b64, strlen(b64), NULL, 0, cache, &vo, err) == NULL);
    CHECK_CODE(err, SSOGATE_IN_RESPONSE_TO_UNKNOWN);
    CHECK_STR(ssogate_error_signed_identity(err), "carol@example.com");
    /* Refused before any signature verified (not base64): nothing the sender chose. */
    CHECK(ssogate_verify_response(conn, "!!", 2, "_r1", 3, cache, &vo, err) == NULL);
    CHECK_CODE(err, SSOGATE_ENCODING_INVALID);
    CHECK(ssogate_error_signed_identity(err) == NULL);
    CHECK(ssogate_error_signed_identity(NULL) == NULL);
    /* A replay cache is required; NULL handles are argument errors, not login refusals. */
    CHECK(ssogate_verify_response(conn, b64, strlen(b64), "_r1", 3, NULL, &vo, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_verify_response(NULL, b64, strlen(b64), "_r1", 3, cache, &vo, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    /* A too-small options struct. */
    vo.struct_size = 4;
    CHECK(ssogate_verify_response(conn, b64, strlen(b64), "_r1", 3, cache, &vo, err) == NULL);
    CHECK_CODE(err, SSOGATE_OPTIONS_SIZE);
    vo.struct_size = sizeof vo;
    ssogate_replay_cache_free(cache);

    /* The host's own store through callbacks: it sees the key and expiry, and says "replay". */
    memset(&store, 0, sizeof store);
    memset(&cb, 0, sizeof cb);
    cb.struct_size = sizeof cb;
    cb.user_data = &store;
    cb.insert_if_absent = fake_insert;
    cb.free_user_data = fake_free;
    cache = ssogate_replay_cache_new_callbacks(&cb, err);
    CHECK(cache != NULL);
    login = ssogate_verify_response(conn, b64, strlen(b64), "_r1", 3, cache, &vo, err);
    CHECK(login != NULL);
    CHECK(store.calls == 1);
    CHECK(strstr(store.last_key, ssogate_verified_login_assertion_id(login)) != NULL);
    CHECK(store.last_expiry >= T0 + 300);
    ssogate_verified_login_free(login);
    CHECK(ssogate_verify_response(conn, b64, strlen(b64), "_r1", 3, cache, &vo, err) == NULL);
    CHECK_CODE(err, SSOGATE_REPLAYED);
    /* A store that cannot answer refuses the login (fail closed), with a "try again" user message. */
    store.fail = 1;
    CHECK(ssogate_verify_response(conn, b64, strlen(b64), "_r1", 3, cache, &vo, err) == NULL);
    CHECK_CODE(err, SSOGATE_STORE_UNAVAILABLE);
    CHECK(strstr(ssogate_error_user_message(err), "temporarily unavailable") != NULL);
    store.fail = 0;
    store.bad_value = 1;
    store.last_key[0] = '\0';
    CHECK(ssogate_verify_response(conn, b64, strlen(b64), "_r1", 3, cache, &vo, err) == NULL);
    CHECK_CODE(err, SSOGATE_STORE_UNAVAILABLE);
    CHECK(store.freed == 0);
    ssogate_replay_cache_free(cache);
    CHECK(store.freed == 1);
    cb.insert_if_absent = NULL;
    CHECK(ssogate_replay_cache_new_callbacks(&cb, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(store.freed == 1); /* not taken over, so not freed */
    CHECK(ssogate_replay_cache_new_callbacks(NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);

    ssogate_test_response_free(resp);
    ssogate_test_response_params_free(rp);
    ssogate_connection_params_free(cp);
    ssogate_connection_free(conn);
    ssogate_idp_free(idp);
    ssogate_test_idp_free(tidp);
    ssogate_error_free(err);
}

static void test_store_locations(void) {
    ssogate_error *err = ssogate_error_new();
    ssogate_replay_cache *cache;
    char path[256];
    char location[300];
    snprintf(path, sizeof path, "%s/verify_test_replay.db", work_dir);
    remove(path);
    snprintf(location, sizeof location, "sqlite:%s", path);
    cache = ssogate_replay_cache_open("memory:", 7, NULL, err);
    CHECK(cache != NULL);
    ssogate_replay_cache_free(cache);
    cache = ssogate_replay_cache_open(location, strlen(location), NULL, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(cache != NULL);
    ssogate_replay_cache_free(cache);
    remove(path);
    {
        char side[320];
        snprintf(side, sizeof side, "%s-wal", path);
        remove(side);
        snprintf(side, sizeof side, "%s-shm", path);
        remove(side);
    }
    CHECK(ssogate_replay_cache_open("mysql://x", 9, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_STORE_LOCATION);
    CHECK(ssogate_replay_cache_open("sqlite:", 7, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_STORE_LOCATION);
    ssogate_replay_cache_free(NULL);
    ssogate_verified_login_free(NULL);
    ssogate_test_idp_free(NULL);
    ssogate_test_response_free(NULL);
    CHECK(ssogate_verified_login_email(NULL) == NULL);
    CHECK(ssogate_verified_login_authn_instant(NULL) == 0);
    CHECK(ssogate_test_idp_metadata_xml(NULL) == NULL);
    CHECK_STR(ssogate_error_user_message(NULL), "");
    CHECK(ssogate_test_idp_new(NULL, 0, NULL, 0, 7, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_STR(ssogate_error_user_message(err),
              "Sign-in failed. Ask your administrator to check the SSO configuration (error INVALID_ARGUMENT).");
    ssogate_error_free(err);
}

/* ---------------------------------------------------------------- the interop responses, explained */

/*
 * Every response of the real-IdP corpus (interop/manifest.json) with its manifest context, SHA-1
 * allowed or not and IdP-initiated login allowed or not: ssogate_explain_response agrees with
 * ssogate_verify_response (check_explanation_agrees). The manifest is pretty-printed JSON; each entry
 * of "files" sits between a line "  {" and a line "  }", so the fields read here are found by string
 * search inside one entry (and the context fields inside its "context" object), as above.
 */

/* A JSON string value starting at p (at its opening quote), with \" and \\ escapes, into out. */
static void json_string(const char *p, char *out, size_t n) {
    size_t i = 0;
    if (*p != '"') {
        out[0] = '\0';
        return;
    }
    for (++p; *p != '"' && *p != '\0' && i + 1 < n; ++p) {
        if (*p == '\\' && p[1] != '\0') {
            ++p;
        }
        out[i++] = *p;
    }
    out[i] = '\0';
}

/* The string field `key` inside [from, to): "" when absent or null. */
static void entry_str(const char *from, const char *to, const char *key, char *out, size_t n) {
    const char *p = field(from, key);
    out[0] = '\0';
    if (p != NULL && p < to) {
        json_string(p, out, n);
    }
}

/* "2016-07-25T23:16:00.000Z" -> Unix seconds (UTC; days from the civil date, proleptic Gregorian). */
static int64_t iso_seconds(const char *t) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    int64_t era, yoe, doy, doe;
    if (sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) {
        fprintf(stderr, "not a time: \"%s\"\n", t);
        fail_at(__FILE__, __LINE__, "an xs:dateTime");
    }
    passed++;
    y -= mo <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era * 146097 + doe - 719468) * 86400 + h * 3600 + mi * 60 + s;
}

/* Minimal IdP metadata around the first certificate of a PEM text (as the C++ tests make it). */
static char *metadata_for_pem(const char *entity_id, const char *pem) {
    const char *begin = strstr(pem, "-----BEGIN CERTIFICATE-----");
    const char *end = strstr(pem, "-----END CERTIFICATE-----");
    char *out = malloc(strlen(pem) + 2048), *o;
    CHECK(begin != NULL && end != NULL && out != NULL);
    o = out + sprintf(out,
                      "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"%s\">"
                      "<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
                      "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
                      "<ds:X509Data><ds:X509Certificate>",
                      entity_id);
    for (begin += strlen("-----BEGIN CERTIFICATE-----"); begin < end; ++begin) {
        if (*begin != '\n' && *begin != '\r' && *begin != ' ') {
            *o++ = *begin;
        }
    }
    strcpy(o,
           "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
           "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
           "Location=\"https://idp.invalid/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>");
    return out;
}

/* One interop entry [from, to) in every configuration; returns how many runs it made (0 for an IdP key
 * that cannot be configured). */
static int explain_interop_entry(const char *from, const char *to, ssogate_error *err) {
    char file[256], cert_file[256], key_file[300], acs[512], sp[512], idp_id[512], request_id[256], now_text[64];
    const char *ctx = strstr(from, "\"context\": {"), *ctx_end, *cert = strstr(from, "\"certificate\": {");
    const char *key = strstr(from, "\"sp_decryption_key\": ");
    char *pem, *md, *body, *form, *key_pem = NULL, *sp_cert = NULL;
    size_t body_len = 0, key_len = 0, sp_cert_len = 0;
    ssogate_sp_key *sp_key = NULL;
    ssogate_idp_options io;
    ssogate_idp *idp;
    int64_t now;
    int config, runs = 0, idp_initiated;
    CHECK(ctx != NULL && ctx < to && cert != NULL && cert < to && key != NULL && key < to);
    ctx_end = strstr(ctx, "\n   }"); /* the object's closing line (a value may hold a brace: "{audience}") */
    entry_str(from, to, "file", file, sizeof file);
    entry_str(cert, to, "file", cert_file, sizeof cert_file);
    entry_str(ctx, ctx_end, "acs_url", acs, sizeof acs);
    entry_str(ctx, ctx_end, "sp_entity_id", sp, sizeof sp);
    entry_str(ctx, ctx_end, "idp_entity_id", idp_id, sizeof idp_id);
    entry_str(ctx, ctx_end, "request_id", request_id, sizeof request_id);
    entry_str(ctx, ctx_end, "now", now_text, sizeof now_text);
    idp_initiated = get_bool(ctx, "idp_initiated");
    now = iso_seconds(now_text);

    snprintf(key_file, sizeof key_file, "interop/%s", cert_file);
    pem = read_vector(key_file, NULL);
    md = metadata_for_pem(idp_id, pem);
    ssogate_idp_options_init(&io, sizeof io);
    io.now = now;
    idp = ssogate_idp_import(md, strlen(md), NULL, 0, NULL, 0, &io, err);
    free(md);
    free(pem);
    if (idp == NULL) {
        CHECK_CODE(err, SSOGATE_METADATA_WEAK_KEY); /* oracle-oam-1: a 1024-bit IdP key */
        return 0;
    }
    if (strncmp(key + strlen("\"sp_decryption_key\": "), "null", 4) != 0) {
        char rel[320];
        entry_str(key, to, "file", file, sizeof file);
        snprintf(key_file, sizeof key_file, "%s", file);
        snprintf(rel, sizeof rel, "interop/%s", key_file);
        key_pem = read_vector(rel, &key_len);
        strcpy(strstr(rel, ".sp-key.pem"), ".sp-cert.pem");
        sp_cert = read_vector(rel, &sp_cert_len);
        sp_key = ssogate_sp_key_new_legacy(key_pem, key_len, sp_cert, sp_cert_len, err);
        CHECK(sp_key != NULL);
    }
    entry_str(from, to, "file", file, sizeof file);
    snprintf(key_file, sizeof key_file, "interop/%s", file);
    body = read_vector(key_file, &body_len);
    form = base64(body, body_len);

    for (config = 0; config < 4; ++config) {
        ssogate_connection_params *params = ssogate_connection_params_new();
        ssogate_connection_options opts;
        ssogate_connection *conn;
        ssogate_replay_cache_options ro;
        ssogate_replay_cache *cache;
        ssogate_verify_options vo;
        const ssogate_sp_key *keys[1];
        ssogate_explanation *x;
        ssogate_verified_login *login;
        CHECK(ssogate_connection_params_set_id(params, "interop", 7, err) == SSOGATE_OK);
        CHECK(ssogate_connection_params_set_acs_url(params, acs, strlen(acs), err) == SSOGATE_OK);
        CHECK(ssogate_connection_params_set_sp_entity_id(params, sp, strlen(sp), err) == SSOGATE_OK);
        if (sp_key != NULL) {
            CHECK(ssogate_connection_params_add_sp_encryption_certificate(params, sp_cert, sp_cert_len, err) ==
                  SSOGATE_OK);
        }
        ssogate_connection_options_init(&opts, sizeof opts);
        opts.clock_skew_seconds = 0;
        opts.allow_sha1 = config & 1;
        opts.allow_idp_initiated = (config & 2) ? 1 : idp_initiated;
        opts.allow_legacy_sp_key = sp_key != NULL;
        conn = ssogate_connection_new(idp, params, &opts, err);
        ssogate_connection_params_free(params);
        CHECK(conn != NULL);
        ssogate_replay_cache_options_init(&ro, sizeof ro);
        ro.now = now;
        cache = ssogate_replay_cache_new_memory(&ro, err);
        ssogate_verify_options_init(&vo, sizeof vo);
        vo.now = now;
        if (sp_key != NULL) {
            keys[0] = sp_key;
            vo.decryption_keys = keys;
            vo.decryption_key_count = 1;
        }
        x = ssogate_explain_response(conn, form, strlen(form), request_id, strlen(request_id), cache, NULL, &vo, err);
        CHECK(x != NULL);
        login = ssogate_verify_response(conn, form, strlen(form), request_id, strlen(request_id), cache, &vo, err);
        if ((login == NULL) != (ssogate_error_code(err) != SSOGATE_OK)) {
            fail_at(__FILE__, __LINE__, "a login exactly when no error");
        }
        check_explanation_agrees(x, err);
        ssogate_explanation_free(x);
        ssogate_verified_login_free(login);
        ssogate_replay_cache_free(cache);
        ssogate_connection_free(conn);
        ++runs;
    }
    free(form);
    free(body);
    free(key_pem);
    free(sp_cert);
    ssogate_sp_key_free(sp_key);
    ssogate_idp_free(idp);
    return runs;
}

static void test_interop_explained(void) {
    ssogate_error *err = ssogate_error_new();
    char *manifest = read_vector("interop/manifest.json", NULL);
    const char *p = manifest;
    int responses = 0, runs = 0;
    while ((p = strstr(p, "\n  {\n")) != NULL) {
        const char *end = strstr(p + 1, "\n  }");
        const char *kind = strstr(p, "\"kind\": \"saml-response\"");
        CHECK(end != NULL);
        if (kind != NULL && kind < end) {
            ++responses;
            runs += explain_interop_entry(p, end, err);
        }
        p = end;
    }
    CHECK(responses == 36);
    CHECK(runs >= 140);
    printf("interop responses explained: %d (%d runs)\n", responses, runs);
    free(manifest);
    ssogate_error_free(err);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s VECTORS_DIR WORK_DIR\n", argv[0]);
        return 2;
    }
    vectors_dir = argv[1];
    work_dir = argv[2];
    test_attack_vectors();
    test_interop_explained();
    test_vector_encryption_keys();
    test_testing_idp_end_to_end();
    test_store_locations();
    ssogate_sp_key_free(vector_enc_key);
    free(vector_enc_cert);
    printf("%d passed, 0 failed\n", passed);
    return 0;
}
