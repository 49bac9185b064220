/*
 * The C runner of the cross-runtime check: every case of the case file through the C ABI, as a C
 * user calls it, one JSON line per case (tests/cross_runtime/README.md).
 *
 *   ssogate_cross_runtime_runner CASES_FILE VECTORS_DIR OUTPUT_FILE
 *
 * Exit 0 when every case ran and its line was written, whatever the outcomes; 1 when the runner itself
 * failed (the case file is not as the README says, a file cannot be read, out of memory).
 */
#include <ssogate/ssogate.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ the runner's own failures */

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("cross-runtime C runner: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n == 0 ? 1 : n);
    if (p == NULL) die("out of memory");
    return p;
}

/* The whole file, NUL-terminated (the length excludes the NUL). */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long size = 0;
    if (f == NULL) die("cannot open %s", path);
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) die("cannot size %s", path);
    buf = xmalloc((size_t)size + 1);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) die("cannot read %s", path);
    fclose(f);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

static char *read_vector(const char *vectors, const char *rel, size_t *len) {
    size_t n = strlen(vectors) + strlen(rel) + 2;
    char *path = xmalloc(n);
    char *data;
    snprintf(path, n, "%s/%s", vectors, rel);
    data = read_file(path, len);
    free(path);
    return data;
}

/* ------------------------------------------------------------------------ base64 (the form value) */

static char *base64(const char *in, size_t n) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = xmalloc((n + 2) / 3 * 4 + 1);
    size_t i, o = 0;
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
        if (i + 1 < n) v |= (unsigned)(unsigned char)in[i + 1] << 8;
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        out[o++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------------------------ a case: KEY<TAB>VALUE lines */

#define MAX_FIELDS 128

struct field {
    const char *key;
    const char *value;
};

struct kase {
    struct field f[MAX_FIELDS];
    size_t n;
};

static const char *const import_keys[] = {"input", "op", "metadata_file", "entity_id", "now", NULL};
static const char *const verify_keys[] = {"input",
                                          "op",
                                          "idp_metadata_file",
                                          "idp_metadata_xml",
                                          "import_now",
                                          "connection_id",
                                          "acs_url",
                                          "sp_entity_id",
                                          "allow_idp_initiated",
                                          "allow_sha1",
                                          "clock_skew_seconds",
                                          "email_attribute",
                                          "allowed_domain",
                                          "sp_encryption_cert_file",
                                          "allow_rsa_1_5",
                                          "allow_legacy_sp_key",
                                          "response_file",
                                          "form",
                                          "now",
                                          "max_bytes",
                                          "request_id",
                                          "decryption_key_file",
                                          "decryption_cert_file",
                                          "decryption_key_legacy",
                                          "repeat",
                                          NULL};
static const char *const repeatable_keys[] = {"allowed_domain", "sp_encryption_cert_file", "request_id", NULL};

static int in_list(const char *const *list, const char *key) {
    for (; *list != NULL; list++) {
        if (strcmp(*list, key) == 0) return 1;
    }
    return 0;
}

static const char *optional(const struct kase *c, const char *key) {
    size_t i;
    for (i = 0; i < c->n; i++) {
        if (strcmp(c->f[i].key, key) == 0) return c->f[i].value;
    }
    return NULL;
}

static const char *required(const struct kase *c, const char *key) {
    const char *v = optional(c, key);
    if (v == NULL) die("%s: no %s", c->f[0].value, key);
    return v;
}

static int64_t integer(const struct kase *c, const char *key) {
    const char *v = required(c, key);
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0') die("%s: %s is not an integer: %s", c->f[0].value, key, v);
    return (int64_t)n;
}

static int32_t flag(const struct kase *c, const char *key) {
    const char *v = required(c, key);
    if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) die("%s: %s is not 0 or 1: %s", c->f[0].value, key, v);
    return v[0] == '1';
}

/* Checks the keys against the op's list: the first is input, none unknown, only lists repeat. */
static void check_keys(const struct kase *c) {
    const char *op;
    const char *const *known;
    size_t i, j;
    if (c->n < 2 || strcmp(c->f[0].key, "input") != 0) die("a case does not start with input");
    op = required(c, "op");
    if (strcmp(op, "import") == 0) {
        known = import_keys;
    } else if (strcmp(op, "verify") == 0) {
        known = verify_keys;
    } else {
        die("%s: unknown op %s", c->f[0].value, op);
        return;
    }
    for (i = 0; i < c->n; i++) {
        if (!in_list(known, c->f[i].key)) die("%s: unknown key %s", c->f[0].value, c->f[i].key);
        if (in_list(repeatable_keys, c->f[i].key)) continue;
        for (j = 0; j < i; j++) {
            if (strcmp(c->f[i].key, c->f[j].key) == 0) die("%s: %s repeated", c->f[0].value, c->f[i].key);
        }
    }
}

/*
 * Reads the next case from *cursor (the case file's text, changed in place: tabs and line ends become
 * NULs). Returns 0 at the end of the file.
 */
static int next_case(char **cursor, struct kase *c) {
    char *p = *cursor;
    c->n = 0;
    while (*p != '\0') {
        char *line = p;
        char *end = strchr(p, '\n');
        char *tab;
        if (end != NULL) {
            *end = '\0';
            p = end + 1;
        } else {
            p += strlen(p);
        }
        if (line[0] == '#') continue;
        if (line[0] == '\0') {
            if (c->n > 0) break;
            continue;
        }
        tab = strchr(line, '\t');
        if (tab == NULL) die("a line without a tab: %s", line);
        if (c->n == MAX_FIELDS) die("a case with more than %d lines", MAX_FIELDS);
        *tab = '\0';
        c->f[c->n].key = line;
        c->f[c->n].value = tab + 1;
        c->n++;
    }
    *cursor = p;
    return c->n > 0;
}

/* ------------------------------------------------------------------------ JSON output */

static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            fputc('\\', out);
            fputc(ch, out);
        } else if (ch < 0x20) {
            fprintf(out, "\\u%04x", ch);
        } else {
            fputc(ch, out);  // UTF-8 passes through: JSON text is UTF-8
        }
    }
    fputc('"', out);
}

static void json_key(FILE *out, const char *key) {
    fputs(", ", out);
    json_string(out, key);
    fputs(": ", out);
}

static void begin_line(FILE *out, const struct kase *c, const char *outcome, const char *code) {
    fputs("{\"input\": ", out);
    json_string(out, c->f[0].value);
    json_key(out, "outcome");
    json_string(out, outcome);
    json_key(out, "code");
    json_string(out, code);
}

static void refused(FILE *out, const struct kase *c, const ssogate_error *err) {
    begin_line(out, c, "REFUSED", ssogate_code_name(ssogate_error_code(err)));
    fputs("}\n", out);
}

/* ------------------------------------------------------------------------ op import */

static void run_import(FILE *out, const struct kase *c, const char *vectors, ssogate_error *err) {
    size_t len, i;
    char *xml = read_vector(vectors, required(c, "metadata_file"), &len);
    const char *entity_id = optional(c, "entity_id");
    ssogate_idp_options opts;
    ssogate_idp *idp;
    ssogate_idp_options_init(&opts, sizeof opts);
    opts.now = integer(c, "now");
    idp = ssogate_idp_import(xml, len, entity_id, entity_id ? strlen(entity_id) : 0, NULL, 0, &opts, err);
    free(xml);
    if (idp == NULL) {
        refused(out, c, err);
        return;
    }
    begin_line(out, c, "OK", "OK");
    json_key(out, "entity_id");
    json_string(out, ssogate_idp_entity_id(idp));
    json_key(out, "certificates");
    fputc('[', out);
    for (i = 0; i < ssogate_idp_cert_count(idp); i++) {
        if (i > 0) fputs(", ", out);
        json_string(out, ssogate_idp_cert_sha256(idp, i));
    }
    fputc(']', out);
    json_key(out, "warnings");
    fputc('[', out);
    for (i = 0; i < ssogate_idp_warning_count(idp); i++) {
        if (i > 0) fputs(", ", out);
        json_string(out, ssogate_code_name(ssogate_idp_warning_code(idp, i)));
    }
    fputs("]}\n", out);
    ssogate_idp_free(idp);
}

/* ------------------------------------------------------------------------ op verify */

/* The case's IdP: metadata from a file or inline, imported at import_now. NULL with err set. */
static ssogate_idp *import_idp(const struct kase *c, const char *vectors, ssogate_error *err) {
    const char *inline_xml = optional(c, "idp_metadata_xml");
    size_t len;
    char *xml = inline_xml ? NULL : read_vector(vectors, required(c, "idp_metadata_file"), &len);
    ssogate_idp_options opts;
    ssogate_idp *idp;
    ssogate_idp_options_init(&opts, sizeof opts);
    opts.now = integer(c, "import_now");
    if (inline_xml != NULL) {
        idp = ssogate_idp_import(inline_xml, strlen(inline_xml), NULL, 0, NULL, 0, &opts, err);
    } else {
        idp = ssogate_idp_import(xml, len, NULL, 0, NULL, 0, &opts, err);
    }
    free(xml);
    return idp;
}

/* Sets one string parameter of the connection; its refusal is the case's outcome (err holds it). */
#define SET(call, value)                                                \
    do {                                                                \
        const char *v_ = (value);                                       \
        if (call(params, v_, strlen(v_), err) != SSOGATE_OK) goto done; \
    } while (0)

static ssogate_connection *make_connection(const struct kase *c, const ssogate_idp *idp, const char *vectors,
                                           ssogate_error *err) {
    ssogate_connection_params *params = ssogate_connection_params_new();
    ssogate_connection_options opts;
    ssogate_connection *conn = NULL;
    const char *attr = optional(c, "email_attribute");
    size_t i;
    if (params == NULL) die("out of memory");
    SET(ssogate_connection_params_set_id, required(c, "connection_id"));
    SET(ssogate_connection_params_set_acs_url, required(c, "acs_url"));
    SET(ssogate_connection_params_set_sp_entity_id, required(c, "sp_entity_id"));
    if (attr != NULL) SET(ssogate_connection_params_set_email_attribute, attr);
    for (i = 0; i < c->n; i++) {
        if (strcmp(c->f[i].key, "allowed_domain") == 0) {
            SET(ssogate_connection_params_add_allowed_domain, c->f[i].value);
        } else if (strcmp(c->f[i].key, "sp_encryption_cert_file") == 0) {
            size_t len;
            char *pem = read_vector(vectors, c->f[i].value, &len);
            int rc = ssogate_connection_params_add_sp_encryption_certificate(params, pem, len, err);
            free(pem);
            if (rc != SSOGATE_OK) goto done;
        }
    }
    ssogate_connection_options_init(&opts, sizeof opts);
    opts.allow_idp_initiated = flag(c, "allow_idp_initiated");
    opts.allow_sha1 = flag(c, "allow_sha1");
    opts.clock_skew_seconds = (int32_t)integer(c, "clock_skew_seconds");
    opts.allow_rsa_1_5 = flag(c, "allow_rsa_1_5");
    opts.allow_legacy_sp_key = flag(c, "allow_legacy_sp_key");
    conn = ssogate_connection_new(idp, params, &opts, err);
done:
    ssogate_connection_params_free(params);
    return conn;
}

/* The case's decryption key, or NULL: *failed says whether loading it was refused (err set). */
static ssogate_sp_key *load_key(const struct kase *c, const char *vectors, ssogate_error *err, int *failed) {
    const char *key_file = optional(c, "decryption_key_file");
    size_t key_len, cert_len;
    char *key_pem, *cert_pem;
    ssogate_sp_key *key;
    *failed = 0;
    if (key_file == NULL) return NULL;
    key_pem = read_vector(vectors, key_file, &key_len);
    cert_pem = read_vector(vectors, required(c, "decryption_cert_file"), &cert_len);
    if (flag(c, "decryption_key_legacy")) {
        key = ssogate_sp_key_new_legacy(key_pem, key_len, cert_pem, cert_len, err);
    } else {
        key = ssogate_sp_key_new(key_pem, key_len, cert_pem, cert_len, err);
    }
    free(key_pem);
    free(cert_pem);
    *failed = key == NULL;
    return key;
}

/* The pending request IDs, joined with spaces as ssogate_verify_response takes them. */
static char *request_ids(const struct kase *c) {
    size_t i, n = 1;
    char *ids;
    for (i = 0; i < c->n; i++) {
        if (strcmp(c->f[i].key, "request_id") == 0) n += strlen(c->f[i].value) + 1;
    }
    ids = xmalloc(n);
    ids[0] = '\0';
    for (i = 0; i < c->n; i++) {
        if (strcmp(c->f[i].key, "request_id") != 0) continue;
        if (ids[0] != '\0') strcat(ids, " ");
        strcat(ids, c->f[i].value);
    }
    return ids;
}

static void write_login(FILE *out, const struct kase *c, const ssogate_verified_login *login) {
    begin_line(out, c, "OK", "OK");
    json_key(out, "email");
    json_string(out, ssogate_verified_login_email(login));
    json_key(out, "nameid");
    json_string(out, ssogate_verified_login_nameid(login));
    json_key(out, "assertion_id");
    json_string(out, ssogate_verified_login_assertion_id(login));
    json_key(out, "idp_entity_id");
    json_string(out, ssogate_verified_login_idp_entity_id(login));
    fputs("}\n", out);
}

/* Verifies `repeat` times with one replay cache frozen at `now`; the last attempt is the outcome. */
static void verify(FILE *out, const struct kase *c, const ssogate_connection *conn, const ssogate_sp_key *key,
                   const char *vectors, ssogate_error *err) {
    size_t body_len;
    char *body = read_vector(vectors, required(c, "response_file"), &body_len);
    char *form = flag(c, "form") ? body : base64(body, body_len);
    char *ids = request_ids(c);
    int64_t repeat = integer(c, "repeat"), i;
    ssogate_replay_cache_options ro;
    ssogate_verify_options vo;
    ssogate_replay_cache *cache;
    ssogate_verified_login *login = NULL;
    ssogate_replay_cache_options_init(&ro, sizeof ro);
    ro.now = integer(c, "now");
    cache = ssogate_replay_cache_new_memory(&ro, err);
    if (cache == NULL) die("%s: no replay cache: %s", c->f[0].value, ssogate_error_message(err));
    ssogate_verify_options_init(&vo, sizeof vo);
    vo.now = integer(c, "now");
    vo.max_bytes = (uint64_t)integer(c, "max_bytes");
    vo.decryption_keys = key != NULL ? &key : NULL;
    vo.decryption_key_count = key != NULL ? 1 : 0;
    if (repeat < 1) die("%s: repeat %lld", c->f[0].value, (long long)repeat);
    for (i = 0; i < repeat; i++) {
        ssogate_verified_login_free(login);
        login = ssogate_verify_response(conn, form, strlen(form), ids, strlen(ids), cache, &vo, err);
    }
    if (login != NULL) {
        write_login(out, c, login);
    } else {
        refused(out, c, err);
    }
    ssogate_verified_login_free(login);
    ssogate_replay_cache_free(cache);
    free(ids);
    if (form != body) free(form);
    free(body);
}

static void run_verify(FILE *out, const struct kase *c, const char *vectors, ssogate_error *err) {
    ssogate_idp *idp = import_idp(c, vectors, err);
    ssogate_connection *conn = NULL;
    ssogate_sp_key *key = NULL;
    int key_failed = 0;
    if (idp == NULL) goto refused;
    conn = make_connection(c, idp, vectors, err);
    if (conn == NULL) goto refused;
    key = load_key(c, vectors, err, &key_failed);
    if (key_failed) goto refused;
    verify(out, c, conn, key, vectors, err);
    goto done;
refused:
    refused(out, c, err);
done:
    ssogate_sp_key_free(key);
    ssogate_connection_free(conn);
    ssogate_idp_free(idp);
}

int main(int argc, char **argv) {
    size_t len, count = 0;
    char *text, *cursor;
    struct kase c;
    FILE *out;
    ssogate_error *err;
    if (argc != 4) {
        fprintf(stderr, "usage: %s CASES_FILE VECTORS_DIR OUTPUT_FILE\n", argv[0]);
        return 2;
    }
    text = read_file(argv[1], &len);
    if (strlen(text) != len) die("%s holds a NUL byte", argv[1]);
    out = fopen(argv[3], "w");
    if (out == NULL) die("cannot write %s", argv[3]);
    err = ssogate_error_new();
    if (err == NULL) die("out of memory");
    cursor = text;
    while (next_case(&cursor, &c)) {
        check_keys(&c);
        if (strcmp(required(&c, "op"), "import") == 0) {
            run_import(out, &c, argv[2], err);
        } else {
            run_verify(out, &c, argv[2], err);
        }
        count++;
    }
    if (fclose(out) != 0) die("cannot write %s", argv[3]);
    ssogate_error_free(err);
    free(text);
    fprintf(stderr, "cross-runtime C runner: %zu cases -> %s\n", count, argv[3]);
    return 0;
}
