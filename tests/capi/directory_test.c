/*
 * The host's own directory (section 5, ssogate_directory_callbacks) from a C11 program that sees only
 * <ssogate/ssogate.h>: a complete directory kept in plain arrays, the whole dashboard flow through
 * ssogate_gate_new over it, and the fail-closed rules (a callback that cannot answer or answers
 * garbage refuses the login). Also the library's own directories through ssogate_directory_open.
 *
 * The first half is the worked example docs/stores.md points hosts to. A real host keeps these
 * records in its database: each callback is one query, and apply (every write with effects, computed
 * by the library) is one transaction. It also
 * reads the records with a real JSON library; this example gets by with a few string helpers because
 * the library writes compact JSON and the test's values need no escaping.
 *
 * Usage: capi_directory_test BUILD_DIR   (where the SQLite test file is written)
 */
#include <ssogate/ssogate.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gate_fixture.h"

/* ------------------------------------------------------------------ a little JSON, for this example */

/* A growing string. */
typedef struct {
    char *p;
    size_t len, cap;
} buf;

static void buf_add(buf *b, const char *s) {
    const size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        CHECK(b->p != NULL);
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

static char *copy_of(const char *s, size_t len) {
    char *out = malloc(len + 1);
    CHECK(out != NULL);
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

/* The string field `key` of a flat object the library wrote, into out (cap bytes). 0 when absent. */
static int get_str(const char *json, const char *key, char *out, size_t cap) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = strstr(json, pattern);
    if (p == NULL) return 0;
    p += strlen(pattern);
    const char *end = strchr(p, '"');
    if (end == NULL || (size_t)(end - p) >= cap) return 0;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return 1;
}

static int64_t get_int(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = strstr(json, pattern);
    return p == NULL ? 0 : strtoll(p + strlen(pattern), NULL, 10);
}

static int get_bool(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":true", key);
    return strstr(json, pattern) != NULL;
}

/* json with the first `from` replaced by `to`, newly allocated. */
static char *replaced(const char *json, const char *from, const char *to) {
    const char *at = strstr(json, from);
    buf b = {0};
    if (at == NULL) {
        buf_add(&b, json);
        return b.p;
    }
    char *head = copy_of(json, (size_t)(at - json));
    buf_add(&b, head);
    buf_add(&b, to);
    buf_add(&b, at + strlen(from));
    free(head);
    return b.p;
}

/* ------------------------------------------------------------------------ the host's directory */

#define MAX_ROWS 64

typedef struct {
    char id[64];
    char *json; /* kept verbatim: the host need not understand every field to store it */
} account_row;

typedef struct {
    char id[64];
    char account_id[64];
    char *json;
} connection_row;

/* Members are compared field by field (update_member's compare-and-swap), so they are kept as fields. */
typedef struct {
    char account_id[64];
    char email[128];
    char role[16];
    char status[16];
    int has_password;
    char joined_via[16];
    int sso_linked;
    int64_t last_sso_login;
    int64_t created_at;
} member_row;

typedef struct {
    char account_id[64];
    char email[128];
    char role[16];
    int64_t expires_at;
    char *json;
} invite_row;

typedef struct {
    char token[64];
    char account_id[64];
    char connection_id[64];
    char email[128];
    int64_t expires_at;
} join_token_row;

typedef struct {
    int64_t seq;
    char account_id[64];
    char *json; /* with its seq filled in */
} audit_row;

typedef struct {
    account_row accounts[MAX_ROWS];
    size_t n_accounts;
    connection_row connections[MAX_ROWS];
    size_t n_connections;
    member_row members[MAX_ROWS];
    size_t n_members;
    invite_row invites[MAX_ROWS];
    size_t n_invites;
    join_token_row join_tokens[MAX_ROWS];
    size_t n_join_tokens;
    audit_row audit[4 * MAX_ROWS];
    size_t n_audit;

    /* Fault injection, for the tests: the callback named fail_callback returns fail_rc, or, when
       fail_json is set, answers it instead of the real record. */
    const char *fail_callback;
    int fail_rc;
    const char *fail_json;

    int free_calls; /* free_user_data calls, which must end at exactly one */

    int no_compare_and_swap; /* a flawed store, which the contract must catch */
} host_directory;

static int injected(host_directory *d, const char *callback, ssogate_json_out *out, int *rc) {
    if (d->fail_callback == NULL || strcmp(d->fail_callback, callback) != 0) return 0;
    *rc = d->fail_rc;
    if (d->fail_json != NULL) *rc = ssogate_json_out_set(out, d->fail_json, strlen(d->fail_json));
    return 1;
}
#define INJECT(d, name, out)                                \
    do {                                                    \
        int rc_;                                            \
        if (injected((d), (name), (out), &rc_)) return rc_; \
    } while (0)

static account_row *account_by_id(host_directory *d, const char *id) {
    for (size_t i = 0; i < d->n_accounts; i++)
        if (strcmp(d->accounts[i].id, id) == 0) return &d->accounts[i];
    return NULL;
}

static member_row *member_by_key(host_directory *d, const char *account_id, const char *email) {
    for (size_t i = 0; i < d->n_members; i++)
        if (strcmp(d->members[i].account_id, account_id) == 0 && strcmp(d->members[i].email, email) == 0)
            return &d->members[i];
    return NULL;
}

static invite_row *invite_by_key(host_directory *d, const char *account_id, const char *email) {
    for (size_t i = 0; i < d->n_invites; i++)
        if (strcmp(d->invites[i].account_id, account_id) == 0 && strcmp(d->invites[i].email, email) == 0)
            return &d->invites[i];
    return NULL;
}

static void member_json(const member_row *m, buf *b) {
    char text[640];
    snprintf(text, sizeof text,
             "{\"account_id\":\"%s\",\"email\":\"%s\",\"role\":\"%s\",\"status\":\"%s\",\"has_password\":%s,"
             "\"joined_via\":\"%s\",\"sso_linked\":%s,\"last_sso_login\":%lld,\"created_at\":%lld}",
             m->account_id, m->email, m->role, m->status, m->has_password ? "true" : "false", m->joined_via,
             m->sso_linked ? "true" : "false", (long long)m->last_sso_login, (long long)m->created_at);
    buf_add(b, text);
}

static int answer_member(const member_row *m, ssogate_json_out *out) {
    buf b = {0};
    member_json(m, &b);
    const int rc = ssogate_json_out_set(out, b.p, b.len);
    free(b.p);
    return rc;
}

static int member_from_json(const char *json, member_row *m) {
    memset(m, 0, sizeof *m);
    if (!get_str(json, "account_id", m->account_id, sizeof m->account_id) ||
        !get_str(json, "email", m->email, sizeof m->email) || !get_str(json, "role", m->role, sizeof m->role) ||
        !get_str(json, "status", m->status, sizeof m->status) ||
        !get_str(json, "joined_via", m->joined_via, sizeof m->joined_via))
        return -1; /* any non-zero code: "could not answer" */
    m->has_password = get_bool(json, "has_password");
    m->sso_linked = get_bool(json, "sso_linked");
    m->last_sso_login = get_int(json, "last_sso_login");
    m->created_at = get_int(json, "created_at");
    return 0;
}

/* Appends an audit row, giving it the next sequence number (its JSON arrives with "seq":0). */
static int64_t append_row(host_directory *d, const char *json) {
    if (d->n_audit == sizeof d->audit / sizeof d->audit[0]) return 0;
    audit_row *r = &d->audit[d->n_audit];
    r->seq = (int64_t)d->n_audit + 1;
    char seq[40];
    snprintf(seq, sizeof seq, "\"seq\":%lld", (long long)r->seq);
    r->json = replaced(json, "\"seq\":0", seq);
    if (!get_str(json, "account_id", r->account_id, sizeof r->account_id)) r->account_id[0] = '\0';
    d->n_audit++;
    return r->seq;
}

static int put_account(void *user_data, const char *account_json, size_t len) {
    host_directory *d = user_data;
    char id[64];
    if (!get_str(account_json, "id", id, sizeof id)) return -1;
    account_row *a = account_by_id(d, id);
    if (a == NULL) {
        if (d->n_accounts == MAX_ROWS) return -1;
        a = &d->accounts[d->n_accounts++];
        strcpy(a->id, id);
    } else {
        free(a->json);
    }
    a->json = copy_of(account_json, len);
    return 0;
}

static int find_account(void *user_data, const char *id, size_t id_len, ssogate_json_out *out) {
    host_directory *d = user_data;
    (void)id_len; /* strings also arrive NUL-terminated */
    INJECT(d, "find_account", out);
    const account_row *a = account_by_id(d, id);
    return a == NULL ? 0 : ssogate_json_out_set(out, a->json, strlen(a->json));
}

static int put_connection(void *user_data, const char *connection_json, size_t len) {
    host_directory *d = user_data;
    char id[64], account_id[64];
    if (!get_str(connection_json, "id", id, sizeof id) ||
        !get_str(connection_json, "account_id", account_id, sizeof account_id))
        return -1;
    if (account_by_id(d, account_id) == NULL) return SSOGATE_NOT_FOUND;
    connection_row *c = NULL;
    for (size_t i = 0; i < d->n_connections; i++)
        if (strcmp(d->connections[i].id, id) == 0) c = &d->connections[i];
    if (c == NULL) {
        if (d->n_connections == MAX_ROWS) return -1;
        c = &d->connections[d->n_connections++];
        strcpy(c->id, id);
    } else {
        free(c->json);
    }
    strcpy(c->account_id, account_id);
    c->json = copy_of(connection_json, len);
    return 0;
}

static int find_connection(void *user_data, const char *id, size_t id_len, ssogate_json_out *out) {
    host_directory *d = user_data;
    (void)id_len;
    INJECT(d, "find_connection", out);
    for (size_t i = 0; i < d->n_connections; i++)
        if (strcmp(d->connections[i].id, id) == 0)
            return ssogate_json_out_set(out, d->connections[i].json, strlen(d->connections[i].json));
    return 0;
}

/* A JSON array of the account's connections, by id: a selection sort keeps the example short. */
static int list_connections(void *user_data, const char *account_id, size_t account_id_len, ssogate_json_out *out) {
    host_directory *d = user_data;
    (void)account_id_len;
    buf b = {0};
    buf_add(&b, "[");
    const char *last = "";
    for (;;) {
        const connection_row *next = NULL;
        for (size_t i = 0; i < d->n_connections; i++) {
            const connection_row *c = &d->connections[i];
            if (strcmp(c->account_id, account_id) == 0 && strcmp(c->id, last) > 0 &&
                (next == NULL || strcmp(c->id, next->id) < 0))
                next = c;
        }
        if (next == NULL) break;
        if (b.len > 1) buf_add(&b, ",");
        buf_add(&b, next->json);
        last = next->id;
    }
    buf_add(&b, "]");
    const int rc = ssogate_json_out_set(out, b.p, b.len);
    free(b.p);
    return rc;
}

static int remove_connection(void *user_data, const char *id, size_t id_len) {
    host_directory *d = user_data;
    (void)id_len;
    for (size_t i = 0; i < d->n_connections; i++) {
        if (strcmp(d->connections[i].id, id) == 0) {
            free(d->connections[i].json);
            d->connections[i] = d->connections[--d->n_connections];
            return 0;
        }
    }
    return SSOGATE_NOT_FOUND;
}

static int put_member(void *user_data, const char *json, size_t len) {
    host_directory *d = user_data;
    (void)len;
    member_row m;
    if (member_from_json(json, &m) != 0) return -1;
    if (account_by_id(d, m.account_id) == NULL) return SSOGATE_NOT_FOUND;
    member_row *existing = member_by_key(d, m.account_id, m.email);
    if (existing == NULL) {
        if (d->n_members == MAX_ROWS) return -1;
        existing = &d->members[d->n_members++];
    }
    *existing = m;
    return 0;
}

static int find_member(void *user_data, const char *account_id, size_t account_id_len, const char *email,
                       size_t email_len, ssogate_json_out *out) {
    host_directory *d = user_data;
    (void)account_id_len;
    (void)email_len;
    INJECT(d, "find_member", out);
    const member_row *m = member_by_key(d, account_id, email);
    return m == NULL ? 0 : answer_member(m, out);
}

static int list_members(void *user_data, const char *account_id, size_t account_id_len, ssogate_json_out *out) {
    host_directory *d = user_data;
    (void)account_id_len;
    buf b = {0};
    buf_add(&b, "[");
    const char *last = "";
    for (;;) {
        const member_row *next = NULL;
        for (size_t i = 0; i < d->n_members; i++) {
            const member_row *m = &d->members[i];
            if (strcmp(m->account_id, account_id) == 0 && strcmp(m->email, last) > 0 &&
                (next == NULL || strcmp(m->email, next->email) < 0))
                next = m;
        }
        if (next == NULL) break;
        if (b.len > 1) buf_add(&b, ",");
        member_json(next, &b);
        last = next->email;
    }
    buf_add(&b, "]");
    const int rc = ssogate_json_out_set(out, b.p, b.len);
    free(b.p);
    return rc;
}

static int put_invite(void *user_data, const char *json, size_t len) {
    host_directory *d = user_data;
    invite_row r;
    memset(&r, 0, sizeof r);
    if (!get_str(json, "account_id", r.account_id, sizeof r.account_id) ||
        !get_str(json, "email", r.email, sizeof r.email) || !get_str(json, "role", r.role, sizeof r.role))
        return -1;
    if (account_by_id(d, r.account_id) == NULL) return SSOGATE_NOT_FOUND;
    r.expires_at = get_int(json, "expires_at");
    invite_row *existing = invite_by_key(d, r.account_id, r.email);
    if (existing == NULL) {
        if (d->n_invites == MAX_ROWS) return -1;
        existing = &d->invites[d->n_invites++];
    } else {
        free(existing->json);
    }
    r.json = copy_of(json, len);
    *existing = r;
    return 0;
}

static int find_invite(void *user_data, const char *account_id, size_t account_id_len, const char *email,
                       size_t email_len, int64_t now, ssogate_json_out *out) {
    host_directory *d = user_data;
    (void)account_id_len;
    (void)email_len;
    const invite_row *r = invite_by_key(d, account_id, email);
    if (r == NULL || r->expires_at <= now) return 0;
    return ssogate_json_out_set(out, r->json, strlen(r->json));
}

static void delete_invite(host_directory *d, invite_row *r) {
    free(r->json);
    *r = d->invites[--d->n_invites];
}

static int revoke_invite(void *user_data, const char *account_id, size_t account_id_len, const char *email,
                         size_t email_len) {
    host_directory *d = user_data;
    (void)account_id_len;
    (void)email_len;
    invite_row *r = invite_by_key(d, account_id, email);
    if (r == NULL) return SSOGATE_NOT_FOUND;
    delete_invite(d, r);
    return 0;
}

static int put_join_token(void *user_data, const char *json, size_t len) {
    host_directory *d = user_data;
    (void)len;
    join_token_row t;
    memset(&t, 0, sizeof t);
    if (!get_str(json, "token", t.token, sizeof t.token) ||
        !get_str(json, "account_id", t.account_id, sizeof t.account_id) ||
        !get_str(json, "connection_id", t.connection_id, sizeof t.connection_id) ||
        !get_str(json, "email", t.email, sizeof t.email))
        return -1;
    t.expires_at = get_int(json, "expires_at");
    for (size_t i = 0; i < d->n_join_tokens; i++)
        if (strcmp(d->join_tokens[i].token, t.token) == 0) return SSOGATE_STORE_CONFLICT;
    if (d->n_join_tokens == MAX_ROWS) return -1;
    d->join_tokens[d->n_join_tokens++] = t;
    return 0;
}

static int find_join_token(void *user_data, const char *token, size_t token_len, int64_t now, ssogate_json_out *out) {
    host_directory *d = user_data;
    (void)token_len;
    INJECT(d, "find_join_token", out);
    for (size_t i = 0; i < d->n_join_tokens; i++) {
        const join_token_row *t = &d->join_tokens[i];
        if (strcmp(t->token, token) == 0 && t->expires_at > now) {
            char json[512];
            snprintf(json, sizeof json,
                     "{\"token\":\"%s\",\"account_id\":\"%s\",\"connection_id\":\"%s\",\"email\":\"%s\","
                     "\"expires_at\":%lld}",
                     t->token, t->account_id, t->connection_id, t->email, (long long)t->expires_at);
            return ssogate_json_out_set(out, json, strlen(json));
        }
    }
    return 0;
}

static int read_audit(void *user_data, const char *account_id, size_t account_id_len, int64_t after_seq, uint64_t limit,
                      ssogate_json_out *out) {
    host_directory *d = user_data;
    buf b = {0};
    buf_add(&b, "[");
    uint64_t n = 0;
    for (size_t i = 0; i < d->n_audit && n < limit; i++) {
        const audit_row *r = &d->audit[i];
        if (r->seq <= after_seq || (account_id_len > 0 && strcmp(r->account_id, account_id) != 0)) continue;
        if (n++ > 0) buf_add(&b, ",");
        buf_add(&b, r->json);
    }
    buf_add(&b, "]");
    const int rc = ssogate_json_out_set(out, b.p, b.len);
    free(b.p);
    return rc;
}

/*
 * apply: the one write with effects. The library sends a "directory change" (a JSON array of
 * operations) it computed itself; this store only checks each operation's precondition and stores.
 * The operations run in order, and the first refusal undoes the whole change: the store is copied
 * before the change and put back on failure, which is what BEGIN ... ROLLBACK gives a database host.
 */

/* The end of the JSON value starting at p (an object, array or string), or NULL. */
static const char *value_end(const char *p) {
    int depth = 0;
    for (; *p != '\0'; p++) {
        if (*p == '"') {
            for (p++; *p != '"'; p++) {
                if (*p == '\0') return NULL;
                if (*p == '\\' && p[1] != '\0') p++;
            }
            if (depth == 0) return p + 1;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            if (--depth == 0) return p + 1;
        }
    }
    return NULL;
}

/* The object field `key` of json, newly allocated, or NULL. */
static char *get_obj(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":{", key);
    const char *p = strstr(json, pattern);
    if (p == NULL) return NULL;
    p += strlen(pattern) - 1;
    const char *end = value_end(p);
    return end == NULL ? NULL : copy_of(p, (size_t)(end - p));
}

static int same_member(const member_row *a, const member_row *b) {
    return strcmp(a->account_id, b->account_id) == 0 && strcmp(a->email, b->email) == 0 &&
           strcmp(a->role, b->role) == 0 && strcmp(a->status, b->status) == 0 && a->has_password == b->has_password &&
           strcmp(a->joined_via, b->joined_via) == 0 && a->sso_linked == b->sso_linked &&
           a->last_sso_login == b->last_sso_login && a->created_at == b->created_at;
}

/* A member nested in an operation ("member", "before", "after"). */
static int op_member(const char *op, const char *key, member_row *m) {
    char *json = get_obj(op, key);
    if (json == NULL) return -1;
    const int rc = member_from_json(json, m);
    free(json);
    return rc;
}

/* What a change allocated and what it dropped: freed once it commits or fails. */
typedef struct {
    char *fresh[4 * MAX_ROWS];
    size_t n_fresh;
    char *dropped[MAX_ROWS];
    size_t n_dropped;
} change_memory;

static int take_invite(host_directory *d, const char *op, change_memory *mem) {
    char account_id[64], email[128], token[64], stored[64];
    if (!get_str(op, "account_id", account_id, sizeof account_id) || !get_str(op, "email", email, sizeof email) ||
        !get_str(op, "token", token, sizeof token))
        return -1;
    invite_row *r = invite_by_key(d, account_id, email);
    if (r == NULL || r->expires_at <= get_int(op, "now") || !get_str(r->json, "token", stored, sizeof stored) ||
        strcmp(stored, token) != 0)
        return SSOGATE_NOT_FOUND;
    mem->dropped[mem->n_dropped++] = r->json; /* freed when the change commits */
    *r = d->invites[--d->n_invites];
    return 0;
}

static int take_join_token(host_directory *d, const char *op) {
    char token[64];
    if (!get_str(op, "token", token, sizeof token)) return -1;
    for (size_t i = 0; i < d->n_join_tokens; i++) {
        if (strcmp(d->join_tokens[i].token, token) == 0 && d->join_tokens[i].expires_at > get_int(op, "now")) {
            d->join_tokens[i] = d->join_tokens[--d->n_join_tokens];
            return 0;
        }
    }
    return SSOGATE_NOT_FOUND;
}

/* Every member operation moves its account's revision (kept in the account's JSON) forward, in the same
 * change, so that an update_account decided on the member list read before it is refused. */
static int bump_revision(host_directory *d, const char *account_id, change_memory *mem) {
    account_row *a = account_by_id(d, account_id);
    if (a == NULL) return 0;
    char number[32];
    snprintf(number, sizeof number, "%lld", (long long)(get_int(a->json, "revision") + 1));
    const size_t len = strlen(a->json);
    char *next = malloc(len + sizeof number + 16);
    if (next == NULL) return -1;
    const char *at = strstr(a->json, "\"revision\":");
    if (at != NULL) { /* replace the number */
        const char *value = at + strlen("\"revision\":");
        const char *rest = value;
        while (*rest == '-' || (*rest >= '0' && *rest <= '9')) rest++;
        snprintf(next, len + sizeof number + 16, "%.*s%s%s", (int)(value - a->json), a->json, number, rest);
    } else { /* add it before the closing brace */
        snprintf(next, len + sizeof number + 16, "%.*s,\"revision\":%s}", (int)(len - 1), a->json, number);
    }
    mem->dropped[mem->n_dropped++] = a->json; /* freed when the change commits */
    mem->fresh[mem->n_fresh++] = next;        /* freed if it fails */
    a->json = next;
    return 0;
}

static int insert_member(host_directory *d, const char *op, change_memory *mem) {
    member_row m;
    if (op_member(op, "member", &m) != 0) return -1;
    if (account_by_id(d, m.account_id) == NULL) return SSOGATE_NOT_FOUND;
    if (member_by_key(d, m.account_id, m.email) != NULL) return SSOGATE_STORE_CONFLICT;
    if (d->n_members == MAX_ROWS) return -1;
    d->members[d->n_members++] = m;
    return bump_revision(d, m.account_id, mem);
}

static int update_member(host_directory *d, const char *op, change_memory *mem) {
    member_row before, after;
    if (op_member(op, "before", &before) != 0 || op_member(op, "after", &after) != 0) return -1;
    member_row *stored = member_by_key(d, before.account_id, before.email);
    if (stored == NULL) return SSOGATE_NOT_FOUND;
    if (!same_member(stored, &before) && !d->no_compare_and_swap) return SSOGATE_STORE_CONFLICT;
    *stored = after;
    return bump_revision(d, before.account_id, mem);
}

/* This host keeps the account JSON verbatim, the revision in it (0 before any update_account or member
 * operation); it compares revisions and stores "after", which carries the next one. */
static int update_account(host_directory *d, const char *op, change_memory *mem) {
    char *before = get_obj(op, "before");
    char *after = get_obj(op, "after");
    char id[64];
    int rc = -1;
    if (before != NULL && after != NULL && get_str(before, "id", id, sizeof id)) {
        account_row *a = account_by_id(d, id);
        if (a == NULL) {
            rc = SSOGATE_NOT_FOUND;
        } else if (get_int(a->json, "revision") != get_int(before, "revision")) {
            rc = SSOGATE_STORE_CONFLICT;
        } else {
            mem->dropped[mem->n_dropped++] = a->json; /* freed when the change commits */
            mem->fresh[mem->n_fresh++] = after;       /* freed if it fails */
            a->json = after;
            after = NULL;
            rc = 0;
        }
    }
    free(before);
    free(after);
    return rc;
}

static int remove_member(host_directory *d, const char *op, change_memory *mem) {
    member_row before;
    if (op_member(op, "before", &before) != 0) return -1;
    member_row *stored = member_by_key(d, before.account_id, before.email);
    if (stored == NULL) return SSOGATE_NOT_FOUND;
    if (!same_member(stored, &before)) return SSOGATE_STORE_CONFLICT;
    *stored = d->members[--d->n_members];
    return bump_revision(d, before.account_id, mem);
}

static int append_audit_op(host_directory *d, const char *op, buf *seqs, change_memory *mem) {
    char *entry = get_obj(op, "entry");
    if (entry == NULL) return -1;
    const int64_t seq = append_row(d, entry);
    free(entry);
    if (seq == 0) return -1;
    mem->fresh[mem->n_fresh++] = d->audit[d->n_audit - 1].json; /* freed if the change fails */
    char text[32];
    snprintf(text, sizeof text, "%s%lld", seqs->len > 1 ? "," : "", (long long)seq);
    buf_add(seqs, text);
    return 0;
}

static int apply_op(host_directory *d, const char *op, buf *seqs, change_memory *mem) {
    char name[32];
    if (!get_str(op, "op", name, sizeof name)) return -1;
    if (strcmp(name, "take_invite") == 0) return take_invite(d, op, mem);
    if (strcmp(name, "take_join_token") == 0) return take_join_token(d, op);
    if (strcmp(name, "insert_member") == 0) return insert_member(d, op, mem);
    if (strcmp(name, "update_member") == 0) return update_member(d, op, mem);
    if (strcmp(name, "append_audit") == 0) return append_audit_op(d, op, seqs, mem);
    if (strcmp(name, "update_account") == 0) return update_account(d, op, mem);
    if (strcmp(name, "remove_member") == 0) return remove_member(d, op, mem);
    return -1; /* an operation this store does not know: it cannot apply the change */
}

static int apply(void *user_data, const char *change_json, size_t len, ssogate_json_out *seqs_out) {
    host_directory *d = user_data;
    (void)len;
    INJECT(d, "apply", NULL);
    host_directory *saved = malloc(sizeof *saved);
    change_memory *mem = calloc(1, sizeof *mem);
    CHECK(saved != NULL && mem != NULL);
    *saved = *d;
    buf seqs = {0};
    buf_add(&seqs, "[");
    int rc = change_json[0] == '[' ? 0 : -1;
    const char *p = change_json + 1;
    while (rc == 0) {
        while (*p == ',' || *p == ' ') p++;
        if (*p == ']') break;
        const char *end = *p == '{' ? value_end(p) : NULL;
        if (end == NULL) {
            rc = -1;
            break;
        }
        char *op = copy_of(p, (size_t)(end - p));
        rc = apply_op(d, op, &seqs, mem);
        free(op);
        p = end;
    }
    buf_add(&seqs, "]");
    if (rc == 0) {
        for (size_t i = 0; i < mem->n_dropped; i++) free(mem->dropped[i]);
        rc = ssogate_json_out_set(seqs_out, seqs.p, seqs.len);
    } else {
        for (size_t i = 0; i < mem->n_fresh; i++) free(mem->fresh[i]);
        *d = *saved; /* the rollback */
    }
    free(seqs.p);
    free(saved);
    free(mem);
    return rc;
}

static void free_host_directory(void *user_data) {
    host_directory *d = user_data;
    d->free_calls++;
    for (size_t i = 0; i < d->n_accounts; i++) free(d->accounts[i].json);
    for (size_t i = 0; i < d->n_connections; i++) free(d->connections[i].json);
    for (size_t i = 0; i < d->n_invites; i++) free(d->invites[i].json);
    for (size_t i = 0; i < d->n_audit; i++) free(d->audit[i].json);
    d->n_accounts = d->n_connections = d->n_invites = d->n_audit = 0;
}

static ssogate_directory_callbacks host_callbacks(host_directory *d) {
    ssogate_directory_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.struct_size = sizeof cb;
    cb.user_data = d;
    cb.put_account = put_account;
    cb.find_account = find_account;
    cb.put_connection = put_connection;
    cb.find_connection = find_connection;
    cb.list_connections = list_connections;
    cb.remove_connection = remove_connection;
    cb.put_member = put_member;
    cb.find_member = find_member;
    cb.list_members = list_members;
    cb.put_invite = put_invite;
    cb.find_invite = find_invite;
    cb.revoke_invite = revoke_invite;
    cb.put_join_token = put_join_token;
    cb.find_join_token = find_join_token;
    cb.read_audit = read_audit;
    cb.apply = apply;
    cb.free_user_data = free_host_directory;
    return cb;
}

/* The host's own admin screen (or an import) writes a member straight into its table, not through the
   gate. The email goes through ssogate_email_normalize first: the gate looks members up by the
   normalised form, and the host must not lower-case with a rule of its own that could disagree. */
static void host_admin_adds_member(host_directory *d, const char *account_id, const char *typed_email,
                                   const char *role) {
    CHECK(d->n_members < MAX_ROWS);
    member_row m;
    memset(&m, 0, sizeof m);
    snprintf(m.account_id, sizeof m.account_id, "%s", account_id);
    snprintf(m.email, sizeof m.email, "%s", typed_email);
    ssogate_email_normalize(m.email, strlen(m.email));
    snprintf(m.role, sizeof m.role, "%s", role);
    snprintf(m.status, sizeof m.status, "active");
    m.has_password = 1;
    snprintf(m.joined_via, sizeof m.joined_via, "password");
    d->members[d->n_members++] = m;
}

/* ------------------------------------------------------------------------------------- the tests */

/* Consumes a fresh unsolicited response of the testing IdP for email. */
static ssogate_gate_outcome *consume_for(ssogate_gate *gate, const char *email) { return consume_at(gate, email); }

static void setup(void) { setup_okta(); }

/* A gate over `directory` with in-memory replay cache and pending requests; frees the caller's handles
   at once, since the gate shares the stores. */
static ssogate_gate *gate_over(ssogate_directory *directory) {
    ssogate_replay_cache *replay = ssogate_replay_cache_new_memory(NULL, err);
    ssogate_request_store *requests = ssogate_request_store_new_memory(err);
    CHECK(replay != NULL && requests != NULL);
    ssogate_gate *gate = ssogate_gate_new(directory, replay, requests, NULL, err);
    CHECK(gate != NULL);
    ssogate_directory_free(directory);
    ssogate_replay_cache_free(replay);
    ssogate_request_store_free(requests);
    return gate;
}

/* The dashboard flow: account, connection, a member's login, a JiT newcomer, an invitee, the audit log. */
static void dashboard_flow(ssogate_gate *gate) {
    CHECK(ssogate_gate_create_account(gate, S("acme"), S("Acme"), S("example.com"), err) == SSOGATE_OK);
    CHECK(ssogate_gate_create_account(gate, S("acme"), S("Acme"), S("example.com"), err) == SSOGATE_STORE_CONFLICT);
    CHECK(ssogate_gate_add_connection(gate, S("acme"), conn, 1, err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_member(gate, S("acme"), S("Alice@Example.com"), SSOGATE_ROLE_ADMIN, 1, err) == SSOGATE_OK);
    CHECK(ssogate_gate_add_member(gate, S("acme"), S("alice@example.com"), SSOGATE_ROLE_ADMIN, 1, err) ==
          SSOGATE_STORE_CONFLICT);

    ssogate_gate_outcome *o = consume_for(gate, "alice@example.com");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_LOGIN, "FIRST_SSO_LOGIN");
    CHECK(ssogate_gate_outcome_verified_login(o) != NULL);
    ssogate_gate_outcome_free(o);
    o = consume_for(gate, "alice@example.com");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_LOGIN, "MEMBER_LOGIN");
    ssogate_gate_outcome_free(o);

    o = consume_for(gate, "carol@example.com");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_PROMPT_JOIN, "JIT_DOMAIN_MATCH");
    CHECK(ssogate_gate_outcome_verified_login(o) == NULL);
    const char *token = ssogate_gate_outcome_join_token(o);
    CHECK(ssogate_gate_confirm_join(gate, token, strlen(token), err) == SSOGATE_OK);
    CHECK(ssogate_gate_confirm_join(gate, token, strlen(token), err) == SSOGATE_NOT_FOUND);
    ssogate_gate_outcome_free(o);
    o = consume_for(gate, "carol@example.com");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_LOGIN, "MEMBER_LOGIN");
    ssogate_gate_outcome_free(o);

    ssogate_invite *inv =
        ssogate_gate_invite(gate, S("acme"), S("bob@partner.example.net"), SSOGATE_ROLE_ADMIN, 3600, err);
    CHECK(inv != NULL);
    ssogate_invite_free(inv);
    o = consume_for(gate, "bob@partner.example.net");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_JOINED_BY_INVITE, "INVITE_PENDING");
    ssogate_gate_outcome_free(o);
    o = consume_for(gate, "bob@partner.example.net");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_LOGIN, "MEMBER_LOGIN");
    ssogate_gate_outcome_free(o);

    /* Someone else from an unverified domain is refused by the policy. */
    o = consume_for(gate, "eve@elsewhere.example.org");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_DENIED, "DOMAIN_NOT_ALLOWED");
    ssogate_gate_outcome_free(o);

    ssogate_audit *a = ssogate_gate_read_audit(gate, S("acme"), 0, 0, err);
    CHECK(a != NULL);
    int logins = 0, joined = 0, confirmed = 0;
    for (size_t i = 0; i < ssogate_audit_count(a); i++) {
        if (i > 0) CHECK(ssogate_audit_seq(a, i) > ssogate_audit_seq(a, i - 1));
        CHECK_STR(ssogate_audit_account_id(a, i), "acme");
        const char *outcome = ssogate_audit_outcome(a, i);
        logins += strcmp(outcome, "LOGIN") == 0;
        joined += strcmp(outcome, "JOINED_BY_INVITE") == 0;
        if (strcmp(outcome, "JOIN_CONFIRMED") == 0) {
            confirmed++;
            /* filled from the join token by the library, not the directory */
            CHECK_STR(ssogate_audit_email(a, i), "carol@example.com");
            CHECK_STR(ssogate_audit_connection_id(a, i), "okta");
        }
    }
    CHECK(logins == 4);
    CHECK(joined == 1);
    CHECK(confirmed == 1);
    ssogate_audit_free(a);
}

static void test_host_directory(void) {
    static host_directory d; /* large: not on the stack */
    ssogate_directory_callbacks cb = host_callbacks(&d);
    ssogate_directory *directory = ssogate_directory_new_callbacks(&cb, err);
    CHECK(directory != NULL);
    ssogate_gate *gate = gate_over(directory);
    CHECK(d.free_calls == 0); /* the gate still holds the directory */

    dashboard_flow(gate);
    /* The records are the host's: what the gate decided is in its arrays. */
    const member_row *alice = member_by_key(&d, "acme", "alice@example.com");
    CHECK(alice != NULL);
    CHECK(alice->sso_linked == 1);
    CHECK(alice->last_sso_login > 0);
    CHECK_STR(alice->role, "admin");
    const member_row *bob = member_by_key(&d, "acme", "bob@partner.example.net");
    CHECK(bob != NULL);
    CHECK_STR(bob->role, "admin");
    CHECK_STR(bob->joined_via, "sso");
    CHECK(d.n_invites == 0);
    CHECK(d.n_join_tokens == 0);
    CHECK(member_by_key(&d, "acme", "carol@example.com") != NULL);
    CHECK(d.n_audit > 10);
    CHECK(get_int(d.audit[0].json, "seq") == 1);

    /* A member the host added itself, typed in mixed case: found by the gate's lookup. */
    host_admin_adds_member(&d, "acme", "Dana@Example.COM", "member");
    CHECK_STR(d.members[d.n_members - 1].email, "dana@example.com");
    ssogate_gate_outcome *dana = consume_for(gate, "dana@example.com");
    CHECK_OUTCOME(dana, SSOGATE_GATE_OUTCOME_LOGIN, "FIRST_SSO_LOGIN");
    ssogate_gate_outcome_free(dana);

    /* A callback that cannot answer: the login is refused, never let through. */
    d.fail_callback = "find_member";
    d.fail_rc = 7;
    ssogate_gate_outcome *o = consume_for(gate, "alice@example.com");
    CHECK(ssogate_gate_outcome_kind(o) == SSOGATE_GATE_OUTCOME_DENIED);
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_STORE_UNAVAILABLE);
    CHECK(ssogate_gate_outcome_verified_login(o) == NULL);
    CHECK_CONTAINS(ssogate_gate_outcome_reason_text(o), "find_member callback returned 7");
    ssogate_gate_outcome_free(o);

    /* NOT_FOUND is not an answer find_member may give ("nothing" is 0 without a record). */
    d.fail_rc = SSOGATE_NOT_FOUND;
    o = consume_for(gate, "alice@example.com");
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_STORE_UNAVAILABLE);
    CHECK(ssogate_gate_outcome_verified_login(o) == NULL);
    ssogate_gate_outcome_free(o);

    /* The transaction of a login fails: DENIED, and the member is left as it was. */
    const int64_t before = alice->last_sso_login;
    d.fail_callback = "apply";
    d.fail_rc = -1;
    o = consume_for(gate, "alice@example.com");
    CHECK(ssogate_gate_outcome_kind(o) == SSOGATE_GATE_OUTCOME_DENIED);
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_STORE_UNAVAILABLE);
    CHECK(ssogate_gate_outcome_verified_login(o) == NULL);
    CHECK_CONTAINS(ssogate_gate_outcome_reason_text(o), "apply callback returned -1");
    ssogate_gate_outcome_free(o);
    CHECK(alice->last_sso_login == before);

    /* Garbage instead of a record: STORE_CORRUPT, naming the callback and the field. */
    d.fail_callback = "find_member";
    d.fail_json = "{\"account_id\": \"acme\", \"email\": ";
    o = consume_for(gate, "alice@example.com");
    CHECK(ssogate_gate_outcome_kind(o) == SSOGATE_GATE_OUTCOME_DENIED);
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_STORE_CORRUPT);
    CHECK(ssogate_gate_outcome_verified_login(o) == NULL);
    CHECK_CONTAINS(ssogate_gate_outcome_reason_text(o), "find_member callback returned malformed JSON");
    ssogate_gate_outcome_free(o);

    d.fail_json =
        "{\"account_id\":\"acme\",\"email\":\"alice@example.com\",\"role\":\"boss\",\"status\":\"active\","
        "\"has_password\":true,\"joined_via\":\"password\",\"sso_linked\":true,\"last_sso_login\":1,"
        "\"created_at\":1}";
    o = consume_for(gate, "alice@example.com");
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_STORE_CORRUPT);
    CHECK(ssogate_gate_outcome_verified_login(o) == NULL);
    CHECK_CONTAINS(ssogate_gate_outcome_reason_text(o),
                   "a member whose \"role\" is \"boss\"; expected owner, admin or member");
    ssogate_gate_outcome_free(o);

    /* A well-formed record for someone else is no answer for alice either. */
    d.fail_json =
        "{\"account_id\":\"acme\",\"email\":\"mallory@example.com\",\"role\":\"owner\",\"status\":\"active\","
        "\"has_password\":true,\"joined_via\":\"password\",\"sso_linked\":true,\"last_sso_login\":1,"
        "\"created_at\":1}";
    o = consume_for(gate, "alice@example.com");
    CHECK(ssogate_gate_outcome_error_code(o) == SSOGATE_STORE_CORRUPT);
    CHECK(ssogate_gate_outcome_verified_login(o) == NULL);
    ssogate_gate_outcome_free(o);

    /* Admin calls fail with the store's code too. */
    d.fail_callback = "find_account";
    d.fail_json = NULL;
    d.fail_rc = 99;
    CHECK(ssogate_gate_add_break_glass(gate, S("acme"), S("alice@example.com"), err) == SSOGATE_STORE_UNAVAILABLE);
    CHECK_CONTAINS(ssogate_error_message(err), "the host's directory find_account callback returned 99");

    /* A host that fails apply (as one written before update_account would fail that operation): the
       message names the operations it may not know. */
    d.fail_callback = "apply";
    ssogate_enforcement *mode = ssogate_gate_apply_sso_mode(gate, S("acme"), SSOGATE_SSO_MODE_MIXED, 0, err);
    CHECK(mode == NULL);
    CHECK_CODE(err, SSOGATE_STORE_UNAVAILABLE);
    CHECK_CONTAINS(ssogate_error_message(err), "the host's directory apply callback returned 99");
    CHECK_CONTAINS(ssogate_error_message(err), "update_account or remove_member");

    /* confirm_join reads the token before redeeming it; a store that cannot answer refuses the join. */
    d.fail_callback = NULL;
    o = consume_for(gate, "dave@example.com");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_PROMPT_JOIN, "JIT_DOMAIN_MATCH");
    const char *token = ssogate_gate_outcome_join_token(o);
    d.fail_callback = "find_join_token";
    d.fail_rc = 5;
    CHECK(ssogate_gate_confirm_join(gate, token, strlen(token), err) == SSOGATE_STORE_UNAVAILABLE);
    CHECK_CONTAINS(ssogate_error_message(err), "find_join_token callback returned 5");
    CHECK(member_by_key(&d, "acme", "dave@example.com") == NULL);
    d.fail_callback = NULL;
    CHECK(ssogate_gate_confirm_join(gate, token, strlen(token), err) == SSOGATE_OK);
    CHECK(member_by_key(&d, "acme", "dave@example.com") != NULL);
    ssogate_gate_outcome_free(o);

    /* Healthy again: alice logs in. */
    d.fail_callback = NULL;
    o = consume_for(gate, "alice@example.com");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_LOGIN, "MEMBER_LOGIN");
    ssogate_gate_outcome_free(o);

    ssogate_gate_free(gate);
    CHECK(d.free_calls == 1); /* the last holder let go: exactly once */
}

static int refusing_callback_freed;
static void count_free(void *user_data) {
    (void)user_data;
    refusing_callback_freed++;
}

static void test_refused_callbacks(void) {
    static host_directory d;
    CHECK(ssogate_directory_new_callbacks(NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);

    ssogate_directory_callbacks cb = host_callbacks(&d);
    cb.free_user_data = count_free;
    cb.find_member = NULL;
    CHECK(ssogate_directory_new_callbacks(&cb, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "find_member is NULL");

    cb = host_callbacks(&d);
    cb.free_user_data = count_free;
    cb.apply = NULL;
    CHECK(ssogate_directory_new_callbacks(&cb, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "apply is NULL");

    cb = host_callbacks(&d);
    cb.free_user_data = count_free;
    cb.struct_size = (uint32_t)offsetof(ssogate_directory_callbacks, apply);
    CHECK(ssogate_directory_new_callbacks(&cb, err) == NULL);
    CHECK_CODE(err, SSOGATE_OPTIONS_SIZE);
    CHECK(refusing_callback_freed == 0); /* refused: the host keeps its user_data */

    /* free_user_data is optional. */
    cb = host_callbacks(&d);
    cb.free_user_data = NULL;
    ssogate_directory *directory = ssogate_directory_new_callbacks(&cb, err);
    CHECK(directory != NULL);
    ssogate_directory_free(directory);
    ssogate_directory_free(NULL);

    CHECK(ssogate_json_out_set(NULL, S("{}")) == SSOGATE_INVALID_ARGUMENT);

    /* ssogate_gate_new wants all three stores. */
    directory = ssogate_directory_open(S("memory:"), err);
    ssogate_replay_cache *replay = ssogate_replay_cache_new_memory(NULL, err);
    ssogate_request_store *requests = ssogate_request_store_new_memory(err);
    CHECK(ssogate_gate_new(NULL, replay, requests, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_gate_new(directory, NULL, requests, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_gate_new(directory, replay, NULL, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    ssogate_gate_options small;
    memset(&small, 0, sizeof small);
    small.struct_size = 4;
    CHECK(ssogate_gate_new(directory, replay, requests, &small, err) == NULL);
    CHECK_CODE(err, SSOGATE_OPTIONS_SIZE);
    ssogate_directory_free(directory);
    ssogate_replay_cache_free(replay);
    ssogate_request_store_free(requests);
}

/* The same contract the library's own directories pass, run over this store through the C ABI. */
static void test_directory_contract(const char *build_dir) {
    static host_directory fresh;
    ssogate_directory_callbacks cb = host_callbacks(&fresh);
    ssogate_directory *directory = ssogate_directory_new_callbacks(&cb, err);
    CHECK(directory != NULL);
    const int rc = ssogate_test_directory_contract(directory, err);
    if (rc != SSOGATE_OK) fprintf(stderr, "contract: %s\n", ssogate_error_message(err));
    CHECK(rc == SSOGATE_OK);
    ssogate_directory_free(directory);
    CHECK(fresh.free_calls == 1);

    /* A store that skips the compare-and-swap would let a login undo an admin's edit: caught. */
    static host_directory flawed;
    flawed.no_compare_and_swap = 1;
    cb = host_callbacks(&flawed);
    directory = ssogate_directory_new_callbacks(&cb, err);
    CHECK(directory != NULL);
    CHECK(ssogate_test_directory_contract(directory, err) == SSOGATE_STORE_CORRUPT);
    CHECK_CONTAINS(ssogate_error_message(err), "directory contract, update_member: ");
    ssogate_directory_free(directory);

    /* A store that cannot answer: its own code, the message naming the check and the callback. */
    static host_directory failing;
    failing.fail_callback = "apply";
    failing.fail_rc = 3;
    cb = host_callbacks(&failing);
    directory = ssogate_directory_new_callbacks(&cb, err);
    CHECK(directory != NULL);
    CHECK(ssogate_test_directory_contract(directory, err) == SSOGATE_STORE_UNAVAILABLE);
    CHECK_CONTAINS(ssogate_error_message(err), "apply callback returned 3");
    ssogate_directory_free(directory);
    CHECK(ssogate_test_directory_contract(NULL, err) == SSOGATE_INVALID_ARGUMENT);

    /* The library's own directories pass it too. */
    directory = ssogate_directory_open(S("memory:"), err);
    CHECK(directory != NULL);
    CHECK(ssogate_test_directory_contract(directory, err) == SSOGATE_OK);
    ssogate_directory_free(directory);
    char path[4096], location[4200];
    snprintf(path, sizeof path, "%s/capi_directory_contract.db", build_dir);
    remove(path);
    snprintf(location, sizeof location, "%s-wal", path);
    remove(location);
    snprintf(location, sizeof location, "%s-shm", path);
    remove(location);
    snprintf(location, sizeof location, "sqlite:%s", path);
    directory = ssogate_directory_open(location, strlen(location), err);
    CHECK(directory != NULL);
    CHECK(ssogate_test_directory_contract(directory, err) == SSOGATE_OK);
    ssogate_directory_free(directory);
}

static void test_library_directories(const char *build_dir) {
    CHECK(ssogate_directory_open(S("redis://127.0.0.1:6379"), err) == NULL);
    CHECK_CODE(err, SSOGATE_STORE_LOCATION);
    CHECK_CONTAINS(ssogate_error_message(err), "Redis can hold only the shared state");
    CHECK(ssogate_directory_open(S("mysql://db"), err) == NULL);
    CHECK_CODE(err, SSOGATE_STORE_LOCATION);
    CHECK(ssogate_directory_open(S("sqlite:"), err) == NULL);
    CHECK_CODE(err, SSOGATE_STORE_LOCATION);

    ssogate_directory *directory = ssogate_directory_open(S("memory:"), err);
    CHECK(directory != NULL);
    ssogate_gate *gate = gate_over(directory);
    dashboard_flow(gate);
    ssogate_gate_free(gate);

    char path[4096], location[4200], extra[4200];
    snprintf(path, sizeof path, "%s/capi_directory_test.db", build_dir);
    remove(path);
    snprintf(extra, sizeof extra, "%s-wal", path);
    remove(extra);
    snprintf(extra, sizeof extra, "%s-shm", path);
    remove(extra);
    snprintf(location, sizeof location, "sqlite:%s", path);
    directory = ssogate_directory_open(location, strlen(location), err);
    CHECK(directory != NULL);
    gate = gate_over(directory);
    dashboard_flow(gate);
    ssogate_gate_free(gate);

    /* The records outlived the gate: a new one over the same file finds them. */
    directory = ssogate_directory_open(location, strlen(location), err);
    CHECK(directory != NULL);
    gate = gate_over(directory);
    ssogate_gate_outcome *o = consume_for(gate, "carol@example.com");
    CHECK_OUTCOME(o, SSOGATE_GATE_OUTCOME_LOGIN, "MEMBER_LOGIN");
    ssogate_gate_outcome_free(o);
    ssogate_gate_free(gate);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s BUILD_DIR\n", argv[0]);
        return 2;
    }
    setup();
    test_host_directory();
    test_refused_callbacks();
    test_directory_contract(argv[1]);
    test_library_directories(argv[1]);
    ssogate_connection_free(conn);
    ssogate_test_idp_free(idp);
    ssogate_error_free(err);
    printf("%d passed\n", passed);
    return 0;
}
