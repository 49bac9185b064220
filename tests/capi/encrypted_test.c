/*
 * Encrypted assertions through the C ABI only, from a strict C11 program that sees only
 * <ssogate/ssogate.h> and links only libssogate: SP encryption certificates on a connection and its
 * getters, decryption keys given to ssogate_verify_response, ssogate_sp_login_finish and a gate, every
 * key placement and algorithm the testing IdP writes, the refusals (ASSERTION_ENCRYPTED,
 * ENCRYPTION_ALGORITHM, DECRYPTION_FAILED), legacy 1024-bit keys, and callers built against the
 * first, shorter, ssogate_verify_options and ssogate_connection_options.
 *
 * Keys: one RSA-2048 pair made by a testing IdP (any RSA-2048 key and certificate serve as an SP
 * encryption key), the published TEST SP encryption key of the attack suite (a second key, for
 * rollover), and okta-3's published 1024-bit SP key from the interop corpus (legacy keys).
 *
 * Usage: capi_encrypted_test VECTORS_DIR   (the tests/vectors folder)
 */
#include <ssogate/ssogate.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define S(literal) literal, sizeof literal - 1

static const int64_t T0 = 1767225600; /* 2026-01-01T00:00:00Z */

static const char OAEP_MGF1P[] = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
static const char OAEP_11[] = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
static const char RSA_1_5[] = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
static const char AES128_GCM[] = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
static const char AES256_GCM[] = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
static const char AES128_CBC[] = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
static const char AES256_CBC[] = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";

static const char *vectors_dir;
static ssogate_error *err;
static ssogate_test_idp *tidp; /* the IdP, RSA-2048 */
static ssogate_idp *idp;       /* its metadata, imported */

/* An SP encryption key: its PEM files' contents and the loaded key. */
struct sp_pair {
    char *key_pem, *cert_pem;
    size_t key_len, cert_len;
    ssogate_sp_key *key;
};
static struct sp_pair key_a;      /* made by a testing IdP */
static struct sp_pair key_b;      /* the attack suite's TEST SP encryption key */
static struct sp_pair key_legacy; /* okta-3's 1024-bit key */

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
    *len = (size_t)size;
    return buf;
}

static char *copy_str(const char *s) {
    char *out = malloc(strlen(s) + 1);
    if (out == NULL) {
        exit(1);
    }
    strcpy(out, s);
    return out;
}

/* ------------------------------------------------------------------------------------- base64 */

static const char b64_abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64_encode(const unsigned char *in, size_t n) {
    char *out = malloc((n + 2) / 3 * 4 + 1);
    size_t i, o = 0;
    if (out == NULL) {
        exit(1);
    }
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = ((unsigned)in[i] << 16) | ((unsigned)in[i + 1] << 8) | in[i + 2];
        out[o++] = b64_abc[(v >> 18) & 63];
        out[o++] = b64_abc[(v >> 12) & 63];
        out[o++] = b64_abc[(v >> 6) & 63];
        out[o++] = b64_abc[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n) {
            v |= (unsigned)in[i + 1] << 8;
        }
        out[o++] = b64_abc[(v >> 18) & 63];
        out[o++] = b64_abc[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64_abc[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

/* Decodes base64 text (whitespace skipped, '=' ends it) into out (room for len * 3 / 4 bytes); returns
 * the number of bytes. */
static size_t base64_decode(const char *in, size_t len, unsigned char *out) {
    unsigned v = 0;
    int bits = 0;
    size_t i, o = 0;
    for (i = 0; i < len && in[i] != '='; ++i) {
        const char *p = strchr(b64_abc, in[i]);
        if (in[i] == '\0' || p == NULL) {
            continue; /* line breaks and spaces */
        }
        v = (v << 6) | (unsigned)(p - b64_abc);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((v >> bits) & 0xFF);
        }
    }
    return o;
}

/* -------------------------------------------------------------------------------------- set up */

static void load_pair(struct sp_pair *p, const char *key_rel, const char *cert_rel) {
    p->key_pem = read_vector(key_rel, &p->key_len);
    p->cert_pem = read_vector(cert_rel, &p->cert_len);
}

static void setup(void) {
    ssogate_test_idp *maker;
    const char *md;
    err = ssogate_error_new();
    tidp = ssogate_test_idp_new(S("https://idp.enc.example/saml"), NULL, 0, SSOGATE_KEY_TYPE_RSA_2048, err);
    CHECK(tidp != NULL);
    md = ssogate_test_idp_metadata_xml(tidp);
    idp = ssogate_idp_import(md, strlen(md), NULL, 0, NULL, 0, NULL, err);
    CHECK(idp != NULL);

    /* A testing IdP's RSA-2048 key and certificate, used here as the SP's encryption key. */
    maker = ssogate_test_idp_new(NULL, 0, NULL, 0, SSOGATE_KEY_TYPE_RSA_2048, err);
    CHECK(maker != NULL);
    key_a.key_pem = copy_str(ssogate_test_idp_private_key_pem(maker));
    key_a.cert_pem = copy_str(ssogate_test_idp_certificate_pem(maker));
    key_a.key_len = strlen(key_a.key_pem);
    key_a.cert_len = strlen(key_a.cert_pem);
    ssogate_test_idp_free(maker);
    key_a.key = ssogate_sp_key_new(key_a.key_pem, key_a.key_len, key_a.cert_pem, key_a.cert_len, err);
    CHECK_CODE(err, SSOGATE_OK);

    load_pair(&key_b, "attacks/TEST-SP-ENC-KEY-DO-NOT-USE.pem", "attacks/TEST-SP-ENC-CERT.pem");
    key_b.key = ssogate_sp_key_new(key_b.key_pem, key_b.key_len, key_b.cert_pem, key_b.cert_len, err);
    CHECK_CODE(err, SSOGATE_OK);

    load_pair(&key_legacy, "interop/responses/okta-3.sp-key.pem", "interop/responses/okta-3.sp-cert.pem");
    key_legacy.key = NULL; /* loaded by test_legacy_key */
}

static void free_pair(struct sp_pair *p) {
    ssogate_sp_key_free(p->key);
    free(p->key_pem);
    free(p->cert_pem);
}

/* A connection "enc" to the IdP with the given SP encryption certificates and options (NULL: defaults). */
static ssogate_connection *connection_with(const struct sp_pair *const *certs, size_t n,
                                           const ssogate_connection_options *opts) {
    ssogate_connection_params *params = ssogate_connection_params_new();
    ssogate_connection *conn;
    size_t i;
    CHECK(params != NULL);
    CHECK(ssogate_connection_params_set_base_url(params, S("https://app.example.com"), err) == SSOGATE_OK);
    CHECK(ssogate_connection_params_set_id(params, S("enc"), err) == SSOGATE_OK);
    for (i = 0; i < n; ++i) {
        CHECK(ssogate_connection_params_add_sp_encryption_certificate(params, certs[i]->cert_pem, certs[i]->cert_len,
                                                                      err) == SSOGATE_OK);
    }
    conn = ssogate_connection_new(idp, params, opts, err);
    ssogate_connection_params_free(params);
    return conn;
}

/* How the testing IdP builds one Response. */
struct enc {
    const char *cert_pem;                       /* NULL: not encrypted */
    const char *key_transport, *data_algorithm; /* NULL: the defaults */
    int placement;
    int sign; /* ssogate_test_sign */
    const char *in_response_to;
};

/* The IdP's Response for conn (for dave@example.com), as built with e; xml_out (may be NULL) gets
 * its XML. Both malloc'd. */
static char *response(const ssogate_connection *conn, const struct enc *e, char **xml_out) {
    ssogate_test_response_params *p = ssogate_test_response_params_new();
    ssogate_test_response *r;
    char *out;
    CHECK(p != NULL);
    CHECK(ssogate_test_response_params_set_connection(p, conn, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_nameid(p, S("dave@example.com"), err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_now(p, T0, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_sign(p, e->sign, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_in_response_to(
              p, e->in_response_to, e->in_response_to ? strlen(e->in_response_to) : 0, err) == SSOGATE_OK);
    if (e->cert_pem != NULL) {
        CHECK(ssogate_test_response_params_set_encryption(
                  p, e->cert_pem, strlen(e->cert_pem), e->key_transport,
                  e->key_transport ? strlen(e->key_transport) : 0, e->data_algorithm,
                  e->data_algorithm ? strlen(e->data_algorithm) : 0, e->placement, err) == SSOGATE_OK);
    }
    r = ssogate_test_response_new(tidp, p, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(r != NULL);
    out = copy_str(ssogate_test_response_base64(r));
    if (xml_out != NULL) {
        *xml_out = copy_str(ssogate_test_response_xml(r));
    }
    ssogate_test_response_free(r);
    ssogate_test_response_params_free(p);
    return out;
}

/* A Response for conn answering _r1, encrypted to cert_pem with the defaults. */
static char *encrypted_to(const ssogate_connection *conn, const char *cert_pem) {
    struct enc e;
    memset(&e, 0, sizeof e);
    e.cert_pem = cert_pem;
    e.sign = SSOGATE_TEST_SIGN_BOTH;
    e.in_response_to = "_r1";
    return response(conn, &e, NULL);
}

/* Verifies b64 for conn at T0 + 5, answering _r1, with n decryption keys (a fresh replay cache). */
static ssogate_verified_login *verify_with(const ssogate_connection *conn, const char *b64,
                                           const ssogate_sp_key *const *keys, size_t n) {
    ssogate_replay_cache_options ro;
    ssogate_replay_cache *cache;
    ssogate_verify_options vo;
    ssogate_verified_login *login;
    ssogate_replay_cache_options_init(&ro, sizeof ro);
    ro.now = T0;
    cache = ssogate_replay_cache_new_memory(&ro, err);
    CHECK(cache != NULL);
    ssogate_verify_options_init(&vo, sizeof vo);
    CHECK(vo.decryption_keys == NULL && vo.decryption_key_count == 0);
    vo.now = T0 + 5;
    vo.decryption_keys = keys;
    vo.decryption_key_count = n;
    login = ssogate_verify_response(conn, b64, strlen(b64), S("_r1"), cache, &vo, err);
    ssogate_replay_cache_free(cache);
    return login;
}

/* Verifies and expects dave's login. */
static void expect_login(const ssogate_connection *conn, const char *b64, const ssogate_sp_key *const *keys, size_t n) {
    ssogate_verified_login *login = verify_with(conn, b64, keys, n);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(login != NULL);
    CHECK_STR(ssogate_verified_login_email(login), "dave@example.com");
    CHECK_STR(ssogate_verified_login_in_response_to(login), "_r1");
    ssogate_verified_login_free(login);
}

/* Verifies and expects the refusal `code`. */
static void expect_refusal(const ssogate_connection *conn, const char *b64, const ssogate_sp_key *const *keys, size_t n,
                           int code) {
    CHECK(verify_with(conn, b64, keys, n) == NULL);
    CHECK_CODE(err, code);
    CHECK_CONTAINS(ssogate_error_user_message(err), ssogate_code_name(code));
}

/* ------------------------------------------------------------------------------------ the tests */

/* The fifth base64 line of a PEM certificate, inside its public key: enough to tell two certificates
 * apart (their first lines can match), and found in a PEM or in metadata, which drops line breaks. */
static void key_b64_line(const char *pem, char *out, size_t n) {
    const char *start = pem, *end;
    int i;
    for (i = 0; i < 5 && start != NULL; ++i) {
        start = strchr(start + 1, '\n');
    }
    end = start != NULL ? strchr(start + 1, '\n') : NULL;
    CHECK(end != NULL && end - start > 40);
    snprintf(out, n, "%.*s", (int)(end - start - 1), start + 1);
}

static void test_connection_getters(void) {
    const struct sp_pair *both[2];
    ssogate_connection_options o;
    ssogate_connection *conn, *again;
    const char *json;
    char line_b[80];
    ssogate_test_idp *a_as_idp;
    ssogate_idp *a_imported;
    const char *a_md;
    both[0] = &key_a;
    both[1] = &key_b;

    ssogate_connection_options_init(&o, sizeof o);
    CHECK(o.allow_rsa_1_5 == 0 && o.allow_legacy_sp_key == 0);
    o.allow_rsa_1_5 = 1;
    conn = connection_with(both, 2, &o);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(conn != NULL);
    CHECK(ssogate_connection_sp_encryption_certificate_count(conn) == 2);
    CHECK(ssogate_connection_allow_rsa_1_5(conn) == 1);
    CHECK(ssogate_connection_allow_legacy_sp_key(conn) == 0);
    /* The certificates in the order added: B's is the second. */
    key_b64_line(key_b.cert_pem, line_b, sizeof line_b);
    CHECK_CONTAINS(ssogate_connection_sp_encryption_certificate_pem(conn, 0), "BEGIN CERTIFICATE");
    CHECK_CONTAINS(ssogate_connection_sp_encryption_certificate_pem(conn, 1), line_b);
    CHECK(strstr(ssogate_connection_sp_encryption_certificate_pem(conn, 0), line_b) == NULL);
    CHECK(ssogate_connection_sp_encryption_certificate_pem(conn, 2) == NULL);
    CHECK(ssogate_connection_sp_encryption_certificate_sha256(conn, 2) == NULL);
    CHECK(strlen(ssogate_connection_sp_encryption_certificate_sha256(conn, 1)) == 95);
    /* A's fingerprint as an import of the same certificate (a testing IdP's metadata over key A) reads it. */
    a_as_idp =
        ssogate_test_idp_from_pem(NULL, 0, NULL, 0, key_a.key_pem, key_a.key_len, key_a.cert_pem, key_a.cert_len, err);
    CHECK(a_as_idp != NULL);
    a_md = ssogate_test_idp_metadata_xml(a_as_idp);
    a_imported = ssogate_idp_import(a_md, strlen(a_md), NULL, 0, NULL, 0, NULL, err);
    CHECK(a_imported != NULL);
    CHECK_STR(ssogate_connection_sp_encryption_certificate_sha256(conn, 0), ssogate_idp_cert_sha256(a_imported, 0));
    ssogate_idp_free(a_imported);
    ssogate_test_idp_free(a_as_idp);
    /* NULL handles. */
    CHECK(ssogate_connection_sp_encryption_certificate_count(NULL) == 0);
    CHECK(ssogate_connection_sp_encryption_certificate_pem(NULL, 0) == NULL);
    CHECK(ssogate_connection_sp_encryption_certificate_sha256(NULL, 0) == NULL);
    CHECK(ssogate_connection_allow_rsa_1_5(NULL) == 0);
    CHECK(ssogate_connection_allow_legacy_sp_key(NULL) == 0);

    /* The JSON keeps the certificates and the settings, never a private key; restored, the same. */
    json = ssogate_connection_to_json(conn);
    CHECK_CONTAINS(json, "\"sp_encryption_certificates\"");
    CHECK_CONTAINS(json, "\"allow_rsa_1_5\"");
    CHECK(strstr(json, "PRIVATE KEY") == NULL);
    again = ssogate_connection_from_json(json, strlen(json), NULL, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(again != NULL);
    CHECK(ssogate_connection_sp_encryption_certificate_count(again) == 2);
    CHECK_STR(ssogate_connection_sp_encryption_certificate_sha256(again, 1),
              ssogate_connection_sp_encryption_certificate_sha256(conn, 1));
    CHECK(ssogate_connection_allow_rsa_1_5(again) == 1);
    ssogate_connection_free(again);
    ssogate_connection_free(conn);
}

static void test_sp_metadata(void) {
    const struct sp_pair *both[2];
    ssogate_connection_options o;
    ssogate_connection *conn;
    const char *md, *kd;
    char line[80];
    int n_enc = 0;
    both[0] = &key_a;
    both[1] = &key_b;
    ssogate_connection_options_init(&o, sizeof o);
    o.allow_rsa_1_5 = 1;
    conn = connection_with(both, 2, &o);
    CHECK(conn != NULL);

    /* One encryption KeyDescriptor per certificate, with the algorithms accepted (RSA-1_5 listed only
     * because this connection allows it). */
    md = ssogate_connection_sp_metadata(conn);
    for (kd = strstr(md, "KeyDescriptor use=\"encryption\""); kd != NULL;
         kd = strstr(kd + 1, "KeyDescriptor use=\"encryption\"")) {
        ++n_enc;
    }
    CHECK(n_enc == 2);
    CHECK_CONTAINS(md, "EncryptionMethod");
    CHECK_CONTAINS(md, AES256_GCM);
    CHECK_CONTAINS(md, OAEP_MGF1P);
    CHECK_CONTAINS(md, RSA_1_5);
    key_b64_line(key_a.cert_pem, line, sizeof line);
    CHECK_CONTAINS(md, line);
    key_b64_line(key_b.cert_pem, line, sizeof line);
    CHECK_CONTAINS(md, line);
    ssogate_connection_free(conn);

    /* Without allow_rsa_1_5 the metadata does not offer it. */
    conn = connection_with(both, 1, NULL);
    CHECK(conn != NULL);
    CHECK(ssogate_connection_allow_rsa_1_5(conn) == 0);
    CHECK(strstr(ssogate_connection_sp_metadata(conn), RSA_1_5) == NULL);
    ssogate_connection_free(conn);

    /* A certificate that does not parse is refused when the connection is made. */
    {
        ssogate_connection_params *params = ssogate_connection_params_new();
        CHECK(ssogate_connection_params_set_base_url(params, S("https://app.example.com"), err) == SSOGATE_OK);
        CHECK(ssogate_connection_params_add_sp_encryption_certificate(params, S("not a certificate"), err) ==
              SSOGATE_OK);
        CHECK(ssogate_connection_new(idp, params, NULL, err) == NULL);
        CHECK_CODE(err, SSOGATE_INVALID_SETTING);
        ssogate_connection_params_free(params);
        CHECK(ssogate_connection_params_add_sp_encryption_certificate(NULL, S("x"), err) == SSOGATE_INVALID_ARGUMENT);
    }
}

static void test_every_placement_and_algorithm(void) {
    static const char *const transports[] = {OAEP_MGF1P, OAEP_11};
    static const char *const datas[] = {AES128_GCM, AES256_GCM, AES128_CBC, AES256_CBC};
    static const int placements[] = {SSOGATE_TEST_KEY_PLACEMENT_IN_KEY_INFO,
                                     SSOGATE_TEST_KEY_PLACEMENT_RETRIEVAL_METHOD,
                                     SSOGATE_TEST_KEY_PLACEMENT_CARRIED_KEY_NAME};
    static const int signs[] = {SSOGATE_TEST_SIGN_BOTH, SSOGATE_TEST_SIGN_ASSERTION, SSOGATE_TEST_SIGN_RESPONSE};
    const struct sp_pair *a[1];
    const ssogate_sp_key *keys[1];
    ssogate_connection *conn;
    size_t t, d, p;
    a[0] = &key_a;
    keys[0] = key_a.key;
    conn = connection_with(a, 1, NULL);
    CHECK(conn != NULL);
    for (t = 0; t < 2; ++t) {
        for (d = 0; d < 4; ++d) {
            for (p = 0; p < 3; ++p) {
                struct enc e;
                char *xml, *b64;
                memset(&e, 0, sizeof e);
                e.cert_pem = key_a.cert_pem;
                e.key_transport = transports[t];
                e.data_algorithm = datas[d];
                e.placement = placements[p];
                e.sign = signs[(t + d + p) % 3];
                e.in_response_to = "_r1";
                b64 = response(conn, &e, &xml);
                /* The Assertion is not in the clear; the algorithms are the ones asked for. */
                CHECK_CONTAINS(xml, "EncryptedAssertion");
                CHECK(strstr(xml, "dave@example.com") == NULL);
                CHECK_CONTAINS(xml, transports[t]);
                CHECK_CONTAINS(xml, datas[d]);
                expect_login(conn, b64, keys, 1);
                free(xml);
                free(b64);
            }
        }
    }
    ssogate_connection_free(conn);
}

static void test_rollover_and_key_matching(void) {
    const struct sp_pair *both[2], *only_a[1];
    const ssogate_sp_key *b_then_a[3], *only_b[1];
    ssogate_connection *conn, *conn_a, *plain;
    char *to_a, *to_b;
    both[0] = &key_a;
    both[1] = &key_b;
    only_a[0] = &key_a;
    b_then_a[0] = NULL; /* NULL entries are skipped */
    b_then_a[1] = key_b.key;
    b_then_a[2] = key_a.key;
    only_b[0] = key_b.key;
    conn = connection_with(both, 2, NULL);
    conn_a = connection_with(only_a, 1, NULL);
    plain = connection_with(NULL, 0, NULL);
    CHECK(conn != NULL && conn_a != NULL && plain != NULL);

    /* Current and next key: a Response encrypted to either decrypts with both keys given. */
    to_a = encrypted_to(conn, key_a.cert_pem);
    to_b = encrypted_to(conn, key_b.cert_pem);
    expect_login(conn, to_a, b_then_a, 3);
    expect_login(conn, to_b, b_then_a, 3);
    expect_login(conn, to_b, only_b, 1);

    /* No key given: refused, naming the certificates a key is wanted for. */
    expect_refusal(conn, to_a, NULL, 0, SSOGATE_ASSERTION_ENCRYPTED);
    CHECK_CONTAINS(ssogate_error_message(err), ssogate_connection_sp_encryption_certificate_sha256(conn, 0));
    CHECK_CONTAINS(ssogate_error_message(err), ssogate_connection_sp_encryption_certificate_sha256(conn, 1));
    /* Only a key whose certificate the connection does not list: it is not tried. */
    expect_refusal(conn_a, to_b, only_b, 1, SSOGATE_ASSERTION_ENCRYPTED);
    /* A connection without SP encryption certificates: refused even with keys at hand. */
    expect_refusal(plain, to_a, b_then_a, 3, SSOGATE_ASSERTION_ENCRYPTED);
    CHECK_CONTAINS(ssogate_error_message(err), "no SP encryption key");
    /* The other listed key: it cannot open what was encrypted to A. */
    expect_refusal(conn, to_a, only_b, 1, SSOGATE_DECRYPTION_FAILED);

    /* NULL keys with a count: a caller error, not a refusal of the login. */
    CHECK(verify_with(conn, to_a, NULL, 2) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "decryption_keys");
    free(to_a);
    free(to_b);
    ssogate_connection_free(plain);
    ssogate_connection_free(conn_a);
    ssogate_connection_free(conn);
}

static void test_rsa_1_5(void) {
    const struct sp_pair *a[1];
    const ssogate_sp_key *keys[1];
    ssogate_connection_options o;
    ssogate_connection *strict, *legacy_idp;
    struct enc e;
    char *b64;
    a[0] = &key_a;
    keys[0] = key_a.key;
    strict = connection_with(a, 1, NULL);
    ssogate_connection_options_init(&o, sizeof o);
    o.allow_rsa_1_5 = 1;
    legacy_idp = connection_with(a, 1, &o);
    CHECK(strict != NULL && legacy_idp != NULL);
    memset(&e, 0, sizeof e);
    e.cert_pem = key_a.cert_pem;
    e.key_transport = RSA_1_5;
    e.sign = SSOGATE_TEST_SIGN_BOTH;
    e.in_response_to = "_r1";
    b64 = response(strict, &e, NULL);
    expect_refusal(strict, b64, keys, 1, SSOGATE_ENCRYPTION_ALGORITHM);
    CHECK_CONTAINS(ssogate_error_message(err), "RSA-1_5");
    expect_login(legacy_idp, b64, keys, 1);
    free(b64);
    ssogate_connection_free(legacy_idp);
    ssogate_connection_free(strict);
}

/* Flips bits of one byte in the middle of the data's ciphertext (the CipherValue just before
 * </xenc:EncryptedData>, not the EncryptedKey's) and returns the Response as a form posts it. */
static char *tamper_data_cipher(const char *xml) {
    const char *end = strstr(xml, "EncryptedData>");
    const char *open_tag = NULL, *p, *value, *value_end;
    unsigned char *cipher;
    char *cipher_b64, *out_xml, *out;
    size_t cipher_len, prefix, rest;
    CHECK(end != NULL);
    /* The last CipherValue opening before the EncryptedData closes. */
    for (p = strstr(xml, "CipherValue>"); p != NULL && p < end; p = strstr(p + 1, "CipherValue>")) {
        const char *lt = p;
        while (lt > xml && *lt != '<') {
            --lt;
        }
        if (lt[1] != '/') {
            open_tag = p;
        }
    }
    CHECK(open_tag != NULL);
    value = open_tag + strlen("CipherValue>");
    value_end = strchr(value, '<');
    CHECK(value_end != NULL && value_end < end);
    cipher = malloc((size_t)(value_end - value));
    CHECK(cipher != NULL);
    cipher_len = base64_decode(value, (size_t)(value_end - value), cipher);
    CHECK(cipher_len > 64);
    cipher[cipher_len / 2] ^= 0x5A;
    cipher_b64 = base64_encode(cipher, cipher_len);
    prefix = (size_t)(value - xml);
    rest = strlen(value_end);
    out_xml = malloc(prefix + strlen(cipher_b64) + rest + 1);
    CHECK(out_xml != NULL);
    memcpy(out_xml, xml, prefix);
    strcpy(out_xml + prefix, cipher_b64);
    strcat(out_xml, value_end);
    out = base64_encode((const unsigned char *)out_xml, strlen(out_xml));
    free(out_xml);
    free(cipher_b64);
    free(cipher);
    return out;
}

static void test_decryption_failed(void) {
    static const char *const datas[] = {AES256_GCM, AES128_CBC};
    const struct sp_pair *a[1];
    const ssogate_sp_key *keys[1];
    ssogate_connection *conn;
    char messages[2][512];
    size_t d;
    a[0] = &key_a;
    keys[0] = key_a.key;
    conn = connection_with(a, 1, NULL);
    CHECK(conn != NULL);
    for (d = 0; d < 2; ++d) {
        struct enc e;
        char *xml, *b64, *tampered, *again;
        memset(&e, 0, sizeof e);
        e.cert_pem = key_a.cert_pem;
        e.data_algorithm = datas[d];
        /* Only the Assertion is signed (inside the encryption), so nothing but decryption can notice. */
        e.sign = SSOGATE_TEST_SIGN_ASSERTION;
        e.in_response_to = "_r1";
        b64 = response(conn, &e, &xml);
        /* Untouched, re-encoded from its XML: accepted, so the edit below is what is refused. */
        again = base64_encode((const unsigned char *)xml, strlen(xml));
        expect_login(conn, again, keys, 1);
        tampered = tamper_data_cipher(xml);
        expect_refusal(conn, tampered, keys, 1, SSOGATE_DECRYPTION_FAILED);
        snprintf(messages[d], sizeof messages[d], "%s", ssogate_error_message(err));
        free(tampered);
        free(again);
        free(xml);
        free(b64);
    }
    /* One message for a wrong GCM tag and a CBC plaintext that does not parse: no oracle. */
    CHECK_STR(messages[0], messages[1]);
    ssogate_connection_free(conn);
}

/* ssogate_verify_options and ssogate_connection_options as the first published header declared them. */
struct verify_options_v1 {
    uint32_t struct_size;
    int64_t now;
    uint64_t max_bytes;
    int64_t max_age_seconds;
};
struct connection_options_v1 {
    uint32_t struct_size;
    int32_t allow_idp_initiated;
    int32_t jit_provisioning;
    int32_t clock_skew_seconds;
    int32_t allow_sha1;
};

static void test_old_callers(void) {
    union {
        ssogate_verify_options current;
        struct verify_options_v1 old;
        unsigned char bytes[sizeof(ssogate_verify_options)];
    } vo;
    union {
        ssogate_connection_options current;
        struct connection_options_v1 old;
        unsigned char bytes[sizeof(ssogate_connection_options)];
    } co;
    const struct sp_pair *a[1];
    ssogate_connection *conn;
    ssogate_replay_cache *cache;
    ssogate_verified_login *login;
    char *plain_b64, *enc_b64;
    struct enc e;
    size_t i;
    int untouched = 1;
    a[0] = &key_a;

    /* The old structs end where the new fields begin. */
    CHECK(sizeof(struct verify_options_v1) == offsetof(ssogate_verify_options, decryption_keys));
    CHECK(sizeof(struct connection_options_v1) == offsetof(ssogate_connection_options, allow_rsa_1_5));

    /* Connection options: init fills only the old size; the bytes past it (where an old caller's
     * memory ends) hold garbage that must not be read as allow_rsa_1_5 or allow_legacy_sp_key. */
    memset(&co, 0xAB, sizeof co);
    ssogate_connection_options_init(&co.current, sizeof co.old);
    CHECK(co.old.struct_size == sizeof co.old);
    CHECK(co.old.clock_skew_seconds == 180);
    for (i = sizeof co.old; i < sizeof co.bytes; ++i) {
        untouched = untouched && co.bytes[i] == 0xAB;
    }
    CHECK(untouched);
    conn = connection_with(a, 1, &co.current);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(conn != NULL);
    CHECK(ssogate_connection_allow_rsa_1_5(conn) == 0);
    CHECK(ssogate_connection_allow_legacy_sp_key(conn) == 0);

    memset(&e, 0, sizeof e);
    e.sign = SSOGATE_TEST_SIGN_BOTH;
    e.in_response_to = "_r1";
    plain_b64 = response(conn, &e, NULL);
    enc_b64 = encrypted_to(conn, key_a.cert_pem);

    /* Verify options: the same, garbage where decryption_keys and decryption_key_count would be. */
    memset(&vo, 0xAB, sizeof vo);
    ssogate_verify_options_init(&vo.current, sizeof vo.old);
    CHECK(vo.old.struct_size == sizeof vo.old);
    CHECK(vo.old.max_age_seconds == 600);
    untouched = 1;
    for (i = sizeof vo.old; i < sizeof vo.bytes; ++i) {
        untouched = untouched && vo.bytes[i] == 0xAB;
    }
    CHECK(untouched);
    vo.old.now = T0 + 5;
    {
        ssogate_replay_cache_options ro;
        ssogate_replay_cache_options_init(&ro, sizeof ro);
        ro.now = T0;
        cache = ssogate_replay_cache_new_memory(&ro, err);
        CHECK(cache != NULL);
    }
    /* An old caller verifies a plain Response as before ... */
    login = ssogate_verify_response(conn, plain_b64, strlen(plain_b64), S("_r1"), cache, &vo.current, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(login != NULL);
    CHECK_STR(ssogate_verified_login_email(login), "dave@example.com");
    ssogate_verified_login_free(login);
    /* ... and, having no way to give keys, gets the refusal that says so for an encrypted one. */
    login = ssogate_verify_response(conn, enc_b64, strlen(enc_b64), S("_r1"), cache, &vo.current, err);
    CHECK(login == NULL);
    CHECK_CODE(err, SSOGATE_ASSERTION_ENCRYPTED);
    ssogate_replay_cache_free(cache);
    free(enc_b64);
    free(plain_b64);
    ssogate_connection_free(conn);
}

static void test_legacy_key(void) {
    const struct sp_pair *legacy[1];
    const ssogate_sp_key *keys[1];
    ssogate_connection_options o;
    ssogate_connection *conn;
    ssogate_request_store *store;
    char *b64;
    legacy[0] = &key_legacy;

    /* 1024 bits: refused by ssogate_sp_key_new, loaded by _legacy, which still checks the PEM. */
    CHECK(ssogate_sp_key_new(key_legacy.key_pem, key_legacy.key_len, key_legacy.cert_pem, key_legacy.cert_len, err) ==
          NULL);
    CHECK_CODE(err, SSOGATE_SP_KEY_INVALID);
    CHECK(ssogate_sp_key_new_legacy(S("nope"), key_legacy.cert_pem, key_legacy.cert_len, err) == NULL);
    CHECK_CODE(err, SSOGATE_SP_KEY_INVALID);
    CHECK(ssogate_sp_key_new_legacy(key_legacy.key_pem, key_legacy.key_len, key_a.cert_pem, key_a.cert_len, err) ==
          NULL);
    CHECK_CODE(err, SSOGATE_SP_KEY_INVALID);
    key_legacy.key = ssogate_sp_key_new_legacy(key_legacy.key_pem, key_legacy.key_len, key_legacy.cert_pem,
                                               key_legacy.cert_len, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(key_legacy.key != NULL);
    keys[0] = key_legacy.key;

    /* Its certificate needs allow_legacy_sp_key on the connection. */
    CHECK(connection_with(legacy, 1, NULL) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_SETTING);
    ssogate_connection_options_init(&o, sizeof o);
    o.allow_legacy_sp_key = 1;
    conn = connection_with(legacy, 1, &o);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(conn != NULL);
    CHECK(ssogate_connection_allow_legacy_sp_key(conn) == 1);

    /* It decrypts ... */
    b64 = encrypted_to(conn, key_legacy.cert_pem);
    expect_login(conn, b64, keys, 1);
    free(b64);

    /* ... but never signs a request. */
    store = ssogate_request_store_new_memory(err);
    CHECK(store != NULL);
    CHECK(ssogate_sp_login_begin(conn, store, NULL, 0, key_legacy.key, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_SP_KEY_INVALID);
    CHECK_CONTAINS(ssogate_error_message(err), "1024");
    ssogate_request_store_free(store);
    ssogate_connection_free(conn);
}

static void test_sp_login_finish(void) {
    const struct sp_pair *a[1];
    const ssogate_sp_key *keys[1];
    ssogate_connection *conn;
    ssogate_request_store *store;
    ssogate_replay_cache_options ro;
    ssogate_replay_cache *replay;
    ssogate_sp_login_options lo;
    ssogate_verify_options vo;
    int round;
    a[0] = &key_a;
    keys[0] = key_a.key;
    conn = connection_with(a, 1, NULL);
    store = ssogate_request_store_new_memory(err);
    ssogate_replay_cache_options_init(&ro, sizeof ro);
    ro.now = T0;
    replay = ssogate_replay_cache_new_memory(&ro, err);
    CHECK(conn != NULL && store != NULL && replay != NULL);
    ssogate_sp_login_options_init(&lo, sizeof lo);
    lo.now = T0;
    ssogate_verify_options_init(&vo, sizeof vo);
    vo.now = T0 + 5;

    /* Round 0 finishes without the key (refused), round 1 with it (the login and its return-to). The
     * same key also signs the request: an SP may use one key for both. */
    for (round = 0; round < 2; ++round) {
        ssogate_sp_login_request *req = ssogate_sp_login_begin(conn, store, S("/settings"), key_a.key, &lo, err);
        ssogate_verified_login *login;
        struct enc e;
        char *b64;
        CHECK_CODE(err, SSOGATE_OK);
        CHECK(req != NULL);
        CHECK(ssogate_sp_login_request_is_signed(req) == 1);
        memset(&e, 0, sizeof e);
        e.cert_pem = key_a.cert_pem;
        e.placement = SSOGATE_TEST_KEY_PLACEMENT_RETRIEVAL_METHOD;
        e.sign = SSOGATE_TEST_SIGN_RESPONSE;
        e.in_response_to = ssogate_sp_login_request_id(req);
        b64 = response(conn, &e, NULL);
        vo.decryption_keys = round == 0 ? NULL : keys;
        vo.decryption_key_count = round == 0 ? 0 : 1;
        login = ssogate_sp_login_finish(conn, store, ssogate_sp_login_request_relay_state(req),
                                        strlen(ssogate_sp_login_request_relay_state(req)), b64, strlen(b64), replay,
                                        &vo, err);
        if (round == 0) {
            CHECK(login == NULL);
            CHECK_CODE(err, SSOGATE_ASSERTION_ENCRYPTED);
        } else {
            CHECK_CODE(err, SSOGATE_OK);
            CHECK(login != NULL);
            CHECK_STR(ssogate_verified_login_email(login), "dave@example.com");
            CHECK_STR(ssogate_verified_login_return_to(login), "/settings");
            CHECK_STR(ssogate_verified_login_in_response_to(login), ssogate_sp_login_request_id(req));
        }
        ssogate_verified_login_free(login);
        free(b64);
        ssogate_sp_login_request_free(req);
    }
    /* The options are read the same way as by ssogate_verify_response. */
    vo.decryption_keys = NULL;
    vo.decryption_key_count = 1;
    CHECK(ssogate_sp_login_finish(conn, store, S("x"), S("x"), replay, &vo, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    ssogate_replay_cache_free(replay);
    ssogate_request_store_free(store);
    ssogate_connection_free(conn);
}

/* Consumes a fresh unsolicited Response for dave, encrypted to key A, at gate g. Made on the system
 * clock, which the gate runs on. */
static ssogate_gate_outcome *consume_encrypted(ssogate_gate *g, const ssogate_connection *conn) {
    ssogate_test_response_params *p = ssogate_test_response_params_new();
    ssogate_test_response *r;
    ssogate_gate_outcome *o;
    const char *b64;
    CHECK(p != NULL);
    CHECK(ssogate_test_response_params_set_connection(p, conn, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_nameid(p, S("dave@example.com"), err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_encryption(p, key_a.cert_pem, key_a.cert_len, NULL, 0, NULL, 0,
                                                      SSOGATE_TEST_KEY_PLACEMENT_CARRIED_KEY_NAME, err) == SSOGATE_OK);
    r = ssogate_test_response_new(tidp, p, err);
    CHECK(r != NULL);
    b64 = ssogate_test_response_base64(r);
    o = ssogate_gate_consume(g, S("enc"), b64, strlen(b64), NULL, 0, err);
    CHECK(o != NULL);
    ssogate_test_response_free(r);
    ssogate_test_response_params_free(p);
    return o;
}

static void test_gate(void) {
    const struct sp_pair *a[1];
    ssogate_connection_options co;
    ssogate_connection *conn;
    ssogate_gate *gate;
    ssogate_gate_outcome *o;
    a[0] = &key_a;
    ssogate_connection_options_init(&co, sizeof co);
    co.allow_idp_initiated = 1;
    conn = connection_with(a, 1, &co);
    CHECK(conn != NULL);
    gate = ssogate_gate_open(S("memory:"), NULL, 0, NULL, err);
    CHECK(gate != NULL);
    CHECK(ssogate_gate_create_account(gate, S("acme"), S("Acme"), S("example.com"), err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_connection(gate, S("acme"), conn, 1, err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_member(gate, S("acme"), S("dave@example.com"), SSOGATE_ROLE_MEMBER, 1, err) == SSOGATE_OK);

    /* No key yet: denied, and the outcome says why. */
    o = consume_encrypted(gate, conn);
    CHECK(ssogate_gate_outcome_kind(o) == SSOGATE_GATE_OUTCOME_DENIED);
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_ASSERTION_ENCRYPTED);
    CHECK_STR(ssogate_gate_outcome_reason_name(o), "ASSERTION_ENCRYPTED");
    ssogate_gate_outcome_free(o);

    /* A key whose certificate the connection does not list is held, but not used for it. */
    CHECK(ssogate_gate_add_decryption_key(gate, key_b.key, err) == SSOGATE_OK);
    o = consume_encrypted(gate, conn);
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_ASSERTION_ENCRYPTED);
    ssogate_gate_outcome_free(o);

    /* With key A (added twice: the second does nothing), the member logs in. */
    CHECK(ssogate_gate_add_decryption_key(gate, key_a.key, err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_decryption_key(gate, key_a.key, err) == SSOGATE_OK);
    o = consume_encrypted(gate, conn);
    CHECK(ssogate_gate_outcome_kind(o) == SSOGATE_GATE_OUTCOME_LOGIN);
    CHECK_STR(ssogate_gate_outcome_email(o), "dave@example.com");
    CHECK(ssogate_gate_outcome_verified_login(o) != NULL);
    ssogate_gate_outcome_free(o);

    CHECK(ssogate_gate_add_decryption_key(NULL, key_a.key, err) == SSOGATE_INVALID_ARGUMENT);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_gate_add_decryption_key(gate, NULL, err) == SSOGATE_INVALID_ARGUMENT);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    ssogate_gate_free(gate);
    ssogate_connection_free(conn);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    vectors_dir = argv[1];
    setup();
    test_connection_getters();
    test_sp_metadata();
    test_every_placement_and_algorithm();
    test_rollover_and_key_matching();
    test_rsa_1_5();
    test_decryption_failed();
    test_old_callers();
    test_legacy_key();
    test_sp_login_finish();
    test_gate();
    free_pair(&key_legacy);
    free_pair(&key_b);
    free_pair(&key_a);
    ssogate_idp_free(idp);
    ssogate_test_idp_free(tidp);
    ssogate_error_free(err);
    printf("%d passed, 0 failed\n", passed);
    return 0;
}
