/*
 * The C ABI from a C11 program that sees only <ssogate/ssogate.h> and links only libssogate.
 *
 * It walks the surface of sections 1-4 (version, codes, the error object, NULL safety, options
 * struct sizes, IdP metadata import over the interop corpus, connections, JSON, SP metadata), so
 * that the C++ core's behaviour is proven to reach C callers unchanged.
 *
 * Usage: capi_test VECTORS_DIR   (the tests/vectors folder; metadata is read from interop/metadata)
 */
#include <ssogate/ssogate.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* 2026-11-28T00:00:00Z: the corpus's generation date; every expectation below holds at this clock. */
static const int64_t NOW = 1795824000;

static const char *vectors_dir;

/* Reads vectors_dir/rel into a malloc'd buffer (NUL-terminated for convenience); exits on failure. */
static char *read_vector(const char *rel, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", vectors_dir, rel);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (buf == NULL) {
            fprintf(stderr, "out of memory reading %s\n", path);
            exit(2);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void idp_options_now(ssogate_idp_options *o) {
    ssogate_idp_options_init(o, sizeof *o);
    o->now = NOW;
}

/* Imports interop/metadata/<name>.xml at NOW; NULL on failure (the code is in err). */
static ssogate_idp *import_file(const char *name, const char *entity_id, ssogate_error *err) {
    char rel[256];
    size_t len = 0;
    snprintf(rel, sizeof rel, "interop/metadata/%s.xml", name);
    char *xml = read_vector(rel, &len);
    ssogate_idp_options o;
    idp_options_now(&o);
    ssogate_idp *idp = ssogate_idp_import(xml, len, entity_id, entity_id ? strlen(entity_id) : 0, NULL, 0, &o, err);
    free(xml);
    return idp;
}

/* --------------------------------------------------------------------------------------- version */

static void test_version(void) {
    char want[64];
    CHECK(ssogate_version_number() == SSOGATE_VERSION_NUMBER);
    snprintf(want, sizeof want, "%d.%d.%d", SSOGATE_VERSION_MAJOR, SSOGATE_VERSION_MINOR, SSOGATE_VERSION_PATCH);
    CHECK_STR(ssogate_version_string(), want);
}

/* ----------------------------------------------------------------------------------------- codes */

struct code_row {
    int code;
    const char *name;
};

static const struct code_row codes[] = {
    {SSOGATE_OK, "OK"},
    {SSOGATE_INVALID_ARGUMENT, "INVALID_ARGUMENT"},
    {SSOGATE_OPTIONS_SIZE, "OPTIONS_SIZE"},
    {SSOGATE_INVALID_URL, "INVALID_URL"},
    {SSOGATE_INVALID_SETTING, "INVALID_SETTING"},
    {SSOGATE_CONNECTION_JSON, "CONNECTION_JSON"},
    {SSOGATE_CONNECTION_VERSION, "CONNECTION_VERSION"},
    {SSOGATE_INDEX_OUT_OF_RANGE, "INDEX_OUT_OF_RANGE"},
    {SSOGATE_XML_MALFORMED, "XML_MALFORMED"},
    {SSOGATE_XML_DOCTYPE, "XML_DOCTYPE"},
    {SSOGATE_INPUT_TOO_LARGE, "INPUT_TOO_LARGE"},
    {SSOGATE_XML_LIMITS, "XML_LIMITS"},
    {SSOGATE_ENCODING_INVALID, "ENCODING_INVALID"},
    {SSOGATE_XML_ATTRIBUTE_LIMITS, "XML_ATTRIBUTE_LIMITS"},
    {SSOGATE_METADATA_NOT_SAML, "METADATA_NOT_SAML"},
    {SSOGATE_METADATA_NO_IDP, "METADATA_NO_IDP"},
    {SSOGATE_METADATA_NO_SAML2, "METADATA_NO_SAML2"},
    {SSOGATE_METADATA_NO_SSO_ENDPOINT, "METADATA_NO_SSO_ENDPOINT"},
    {SSOGATE_METADATA_NO_SIGNING_CERT, "METADATA_NO_SIGNING_CERT"},
    {SSOGATE_METADATA_BAD_CERT, "METADATA_BAD_CERT"},
    {SSOGATE_METADATA_WEAK_KEY, "METADATA_WEAK_KEY"},
    {SSOGATE_METADATA_EXPIRED, "METADATA_EXPIRED"},
    {SSOGATE_METADATA_AMBIGUOUS, "METADATA_AMBIGUOUS"},
    {SSOGATE_METADATA_ENTITY_NOT_FOUND, "METADATA_ENTITY_NOT_FOUND"},
    {SSOGATE_METADATA_SIGNATURE_INVALID, "METADATA_SIGNATURE_INVALID"},
    {SSOGATE_METADATA_UNSIGNED, "METADATA_UNSIGNED"},
    {SSOGATE_METADATA_INVALID, "METADATA_INVALID"},
    {SSOGATE_WARN_CERT_EXPIRED, "WARN_CERT_EXPIRED"},
    {SSOGATE_WARN_CERT_EXPIRES_SOON, "WARN_CERT_EXPIRES_SOON"},
    {SSOGATE_WARN_CERT_NOT_YET_VALID, "WARN_CERT_NOT_YET_VALID"},
    {SSOGATE_SIGNATURE_MISSING, "SIGNATURE_MISSING"},
    {SSOGATE_SIGNATURE_INVALID, "SIGNATURE_INVALID"},
    {SSOGATE_SIGNATURE_ALGORITHM, "SIGNATURE_ALGORITHM"},
    {SSOGATE_SIGNATURE_REFERENCE, "SIGNATURE_REFERENCE"},
    {SSOGATE_SIGNATURE_TRANSFORM, "SIGNATURE_TRANSFORM"},
    {SSOGATE_SIGNATURE_PLACEMENT, "SIGNATURE_PLACEMENT"},
    {SSOGATE_SIGNATURE_MALFORMED, "SIGNATURE_MALFORMED"},
    {SSOGATE_DUPLICATE_ID, "DUPLICATE_ID"},
    {SSOGATE_RESPONSE_MALFORMED, "RESPONSE_MALFORMED"},
    {SSOGATE_RESPONSE_VERSION, "RESPONSE_VERSION"},
    {SSOGATE_ISSUE_INSTANT, "ISSUE_INSTANT"},
    {SSOGATE_DESTINATION_MISMATCH, "DESTINATION_MISMATCH"},
    {SSOGATE_ISSUER_MISMATCH, "ISSUER_MISMATCH"},
    {SSOGATE_STATUS_NOT_SUCCESS, "STATUS_NOT_SUCCESS"},
    {SSOGATE_ASSERTION_ENCRYPTED, "ASSERTION_ENCRYPTED"},
    {SSOGATE_ASSERTION_COUNT, "ASSERTION_COUNT"},
    {SSOGATE_ASSERTION_MALFORMED, "ASSERTION_MALFORMED"},
    {SSOGATE_SUBJECT_CONFIRMATION, "SUBJECT_CONFIRMATION"},
    {SSOGATE_RECIPIENT_MISMATCH, "RECIPIENT_MISMATCH"},
    {SSOGATE_SUBJECT_EXPIRED, "SUBJECT_EXPIRED"},
    {SSOGATE_NOT_YET_VALID, "NOT_YET_VALID"},
    {SSOGATE_EXPIRED, "EXPIRED"},
    {SSOGATE_AUDIENCE_MISMATCH, "AUDIENCE_MISMATCH"},
    {SSOGATE_IN_RESPONSE_TO_UNKNOWN, "IN_RESPONSE_TO_UNKNOWN"},
    {SSOGATE_UNSOLICITED_NOT_ALLOWED, "UNSOLICITED_NOT_ALLOWED"},
    {SSOGATE_AUTHN_STATEMENT_MISSING, "AUTHN_STATEMENT_MISSING"},
    {SSOGATE_NAMEID_FORMAT, "NAMEID_FORMAT"},
    {SSOGATE_NAMEID_INVALID, "NAMEID_INVALID"},
    {SSOGATE_EMAIL_DOMAIN_NOT_ALLOWED, "EMAIL_DOMAIN_NOT_ALLOWED"},
    {SSOGATE_EMAIL_ATTRIBUTE, "EMAIL_ATTRIBUTE"},
    {SSOGATE_REPLAYED, "REPLAYED"},
    {SSOGATE_SESSION_EXPIRED, "SESSION_EXPIRED"},
    {SSOGATE_CONDITION_UNKNOWN, "CONDITION_UNKNOWN"},
    {SSOGATE_TIME_WINDOW_INVALID, "TIME_WINDOW_INVALID"},
    {SSOGATE_STORE_UNAVAILABLE, "STORE_UNAVAILABLE"},
    {SSOGATE_STORE_CORRUPT, "STORE_CORRUPT"},
    {SSOGATE_STORE_SCHEMA_NEWER, "STORE_SCHEMA_NEWER"},
    {SSOGATE_STORE_CONFLICT, "STORE_CONFLICT"},
    {SSOGATE_NOT_FOUND, "NOT_FOUND"},
    {SSOGATE_STORE_LOCATION, "STORE_LOCATION"},
    {SSOGATE_INTERNAL, "INTERNAL"},
    {SSOGATE_OUT_OF_MEMORY, "OUT_OF_MEMORY"},
};

static void test_code_names(void) {
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK_STR(ssogate_code_name(codes[i].code), codes[i].name);
        /* The numbers are a contract: 0 is success, every other code is positive. */
        CHECK(i == 0 ? codes[i].code == 0 : codes[i].code > 0);
    }
    CHECK_STR(ssogate_code_name(-1), "UNKNOWN");
    CHECK_STR(ssogate_code_name(99999), "UNKNOWN");
    /* Codes are grouped by hundreds; spot-check the group boundaries the header documents. */
    CHECK(SSOGATE_XML_MALFORMED / 100 == 1 && SSOGATE_WARN_CERT_EXPIRED / 100 == 1);
    CHECK(SSOGATE_INTERNAL / 100 == 9);
}

/* ---------------------------------------------------------------------------------- error object */

static void test_error_lifecycle(void) {
    ssogate_error *err = ssogate_error_new();
    CHECK(err != NULL);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK_STR(ssogate_error_message(err), "");

    /* A failure fills it... */
    CHECK(ssogate_idp_import("<nope", 5, NULL, 0, NULL, 0, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_XML_MALFORMED);
    CHECK(strlen(ssogate_error_message(err)) > 0);

    /* ...and the next call that can fail resets it on entry, even when it succeeds. */
    ssogate_idp *idp = import_file("okta-1", NULL, err);
    CHECK(idp != NULL);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK_STR(ssogate_error_message(err), "");
    ssogate_idp_free(idp);

    /* The error outlives the failed call's inputs: it holds its own copy of the message. */
    {
        char *doc = malloc(16);
        CHECK(doc != NULL);
        memcpy(doc, "<a></b>", 7);
        CHECK(ssogate_idp_import(doc, 7, NULL, 0, NULL, 0, NULL, err) == NULL);
        memset(doc, 'x', 7);
        free(doc);
        CHECK_CODE(err, SSOGATE_XML_MALFORMED);
        CHECK(strlen(ssogate_error_message(err)) > 0);
    }

    ssogate_error_free(err);
    ssogate_error_free(NULL);
    CHECK(ssogate_error_code(NULL) == SSOGATE_OK);
    CHECK_STR(ssogate_error_message(NULL), "");
}

/* ----------------------------------------------------------------------------------- NULL safety */

static void test_null_safety(void) {
    size_t len = 99;
    ssogate_error *err = ssogate_error_new();

    ssogate_idp_free(NULL);
    ssogate_connection_free(NULL);
    ssogate_connection_params_free(NULL);

    CHECK(ssogate_idp_entity_id(NULL) == NULL);
    CHECK(ssogate_idp_want_authn_requests_signed(NULL) == 0);
    CHECK(ssogate_idp_valid_until(NULL) == 0);
    CHECK(ssogate_idp_cache_duration(NULL) == NULL);
    CHECK(ssogate_idp_signature_verified(NULL) == 0);
    CHECK(ssogate_idp_sso_count(NULL) == 0);
    CHECK(ssogate_idp_sso_binding(NULL, 0) == SSOGATE_BINDING_OTHER);
    CHECK(ssogate_idp_sso_binding_uri(NULL, 0) == NULL);
    CHECK(ssogate_idp_sso_location(NULL, 0) == NULL);
    CHECK(ssogate_idp_sso_url(NULL, SSOGATE_BINDING_HTTP_POST) == NULL);
    CHECK(ssogate_idp_slo_count(NULL) == 0);
    CHECK(ssogate_idp_slo_binding(NULL, 0) == SSOGATE_BINDING_OTHER);
    CHECK(ssogate_idp_slo_binding_uri(NULL, 0) == NULL);
    CHECK(ssogate_idp_slo_location(NULL, 0) == NULL);
    CHECK(ssogate_idp_nameid_format_count(NULL) == 0);
    CHECK(ssogate_idp_nameid_format(NULL, 0) == NULL);
    CHECK(ssogate_idp_cert_count(NULL) == 0);
    CHECK(ssogate_idp_cert_der(NULL, 0, &len) == NULL && len == 0);
    CHECK(ssogate_idp_cert_der(NULL, 0, NULL) == NULL);
    CHECK(ssogate_idp_cert_pem(NULL, 0) == NULL);
    CHECK(ssogate_idp_cert_sha256(NULL, 0) == NULL);
    CHECK(ssogate_idp_cert_subject(NULL, 0) == NULL);
    CHECK(ssogate_idp_cert_issuer(NULL, 0) == NULL);
    CHECK(ssogate_idp_cert_not_before(NULL, 0) == 0);
    CHECK(ssogate_idp_cert_not_after(NULL, 0) == 0);
    CHECK(ssogate_idp_cert_key_type(NULL, 0) == NULL);
    CHECK(ssogate_idp_cert_key_bits(NULL, 0) == 0);
    CHECK(ssogate_idp_warning_count(NULL) == 0);
    CHECK(ssogate_idp_warning_code(NULL, 0) == SSOGATE_OK);
    CHECK(ssogate_idp_warning_message(NULL, 0) == NULL);

    CHECK(ssogate_connection_id(NULL) == NULL);
    CHECK(ssogate_connection_acs_url(NULL) == NULL);
    CHECK(ssogate_connection_sp_entity_id(NULL) == NULL);
    CHECK(ssogate_connection_allow_idp_initiated(NULL) == 0);
    CHECK(ssogate_connection_jit_provisioning(NULL) == 0);
    CHECK(ssogate_connection_clock_skew_seconds(NULL) == 0);
    CHECK(ssogate_connection_allow_sha1(NULL) == 0);
    CHECK(ssogate_connection_allowed_domain_count(NULL) == 0);
    CHECK(ssogate_connection_allowed_domain(NULL, 0) == NULL);
    CHECK(ssogate_connection_description(NULL) == NULL);
    CHECK(ssogate_connection_email_attribute(NULL) == NULL);
    CHECK(ssogate_connection_idp(NULL) == NULL);
    CHECK(ssogate_connection_to_json(NULL) == NULL);
    CHECK(ssogate_connection_sp_metadata(NULL) == NULL);

    /* A NULL pointer with a length is a caller bug, reported, never dereferenced. */
    CHECK(ssogate_idp_import(NULL, 10, NULL, 0, NULL, 0, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_idp_import("<x/>", 4, NULL, 3, NULL, 0, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_connection_from_json(NULL, 10, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    /* No error object at all is allowed too. */
    CHECK(ssogate_idp_import(NULL, 10, NULL, 0, NULL, 0, NULL, NULL) == NULL);

    CHECK(ssogate_connection_new(NULL, NULL, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);

    /* Setters report through their return value and err, with or without an error object. */
    CHECK(ssogate_connection_params_set_base_url(NULL, "https://a.example", 17, err) == SSOGATE_INVALID_ARGUMENT);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_connection_params_set_base_url(NULL, "https://a.example", 17, NULL) == SSOGATE_INVALID_ARGUMENT);
    {
        ssogate_connection_params *p = ssogate_connection_params_new();
        CHECK(p != NULL);
        CHECK(ssogate_connection_params_set_id(p, NULL, 4, err) == SSOGATE_INVALID_ARGUMENT);
        CHECK(ssogate_connection_params_set_id(p, "abc", 3, err) == SSOGATE_OK);
        CHECK_CODE(err, SSOGATE_OK);
        ssogate_connection_params_free(p);
    }
    ssogate_error_free(err);
}

/* --------------------------------------------------------------------------------------- options */

static void test_options(void) {
    ssogate_error *err = ssogate_error_new();
    size_t len = 0;
    char *xml = read_vector("interop/metadata/okta-1.xml", &len);

    /* Defaults. */
    {
        ssogate_idp_options o;
        memset(&o, 0xAB, sizeof o);
        ssogate_idp_options_init(&o, sizeof o);
        CHECK(o.struct_size == sizeof o);
        CHECK(o.max_bytes == 8u * 1024 * 1024);
        CHECK(o.now == 0);
        CHECK(o.allow_sha1 == 0);

        ssogate_connection_options c;
        memset(&c, 0xAB, sizeof c);
        ssogate_connection_options_init(&c, sizeof c);
        CHECK(c.struct_size == sizeof c);
        CHECK(c.allow_idp_initiated == 0 && c.jit_provisioning == 0 && c.allow_sha1 == 0);
        CHECK(c.clock_skew_seconds == 180);
    }

    /* A caller whose struct is smaller than the first version: init writes nothing past the size it
     * was given, and the import refuses the struct rather than read past it. */
    {
        union {
            ssogate_idp_options o;
            unsigned char bytes[sizeof(ssogate_idp_options)];
        } u;
        const size_t small = offsetof(ssogate_idp_options, now);
        size_t i;
        int untouched = 1;
        memset(&u, 0xAB, sizeof u);
        ssogate_idp_options_init(&u.o, small);
        CHECK(u.o.struct_size == small);
        for (i = small; i < sizeof u.bytes; i++) {
            untouched = untouched && u.bytes[i] == 0xAB;
        }
        CHECK(untouched);
        CHECK(ssogate_idp_import(xml, len, NULL, 0, NULL, 0, &u.o, err) == NULL);
        CHECK_CODE(err, SSOGATE_OPTIONS_SIZE);
        CHECK_CONTAINS(ssogate_error_message(err), "struct_size");

        ssogate_connection_options c;
        ssogate_connection_options_init(&c, sizeof c);
        c.struct_size = (uint32_t)offsetof(ssogate_connection_options, allow_sha1);
        ssogate_idp *idp = ssogate_idp_import(xml, len, NULL, 0, NULL, 0, NULL, err);
        CHECK(idp != NULL);
        ssogate_connection_params *p = ssogate_connection_params_new();
        CHECK(ssogate_connection_params_set_base_url(p, "https://app.example.com", 23, err) == SSOGATE_OK);
        CHECK(ssogate_connection_new(idp, p, &c, err) == NULL);
        CHECK_CODE(err, SSOGATE_OPTIONS_SIZE);
        ssogate_connection_params_free(p);
        ssogate_idp_free(idp);
    }

    /* A caller built against a newer header (a bigger struct): the library zeroes the fields it does
     * not know, reads only its own, and works. */
    {
        struct {
            ssogate_idp_options o;
            unsigned char future[16];
        } big;
        size_t i;
        int zeroed = 1;
        memset(&big, 0xAB, sizeof big);
        ssogate_idp_options_init(&big.o, sizeof big);
        CHECK(big.o.struct_size == sizeof big);
        for (i = 0; i < sizeof big.future; i++) {
            zeroed = zeroed && big.future[i] == 0;
        }
        CHECK(zeroed);
        big.o.now = NOW;
        ssogate_idp *idp = ssogate_idp_import(xml, len, NULL, 0, NULL, 0, &big.o, err);
        CHECK(idp != NULL);
        CHECK_CODE(err, SSOGATE_OK);
        ssogate_idp_free(idp);
    }

    /* The fields do what they say. */
    {
        ssogate_idp_options o;
        ssogate_idp_options_init(&o, sizeof o);
        o.max_bytes = 100;
        CHECK(ssogate_idp_import(xml, len, NULL, 0, NULL, 0, &o, err) == NULL);
        CHECK_CODE(err, SSOGATE_INPUT_TOO_LARGE);
        o.max_bytes = len;
        ssogate_idp *idp = ssogate_idp_import(xml, len, NULL, 0, NULL, 0, &o, err);
        CHECK(idp != NULL);
        ssogate_idp_free(idp);
        /* 0 keeps the default cap. */
        o.max_bytes = 0;
        idp = ssogate_idp_import(xml, len, NULL, 0, NULL, 0, &o, err);
        CHECK(idp != NULL);
        ssogate_idp_free(idp);
    }
    free(xml);
    ssogate_error_free(err);
}

/* ------------------------------------------------------------------------------ interop metadata */

struct metadata_row {
    const char *file;
    int code;              /* expected outcome at NOW without an entity id */
    const char *entity_id; /* expected entityID when it imports (manifest: facts.entity_details) */
    size_t signing_certs;  /* signing KeyDescriptors (use="signing" or none) */
    const char *sha256;    /* the first signing certificate's fingerprint (manifest) */
};

static const struct metadata_row metadata[] = {
    {"okta-1", SSOGATE_OK, "http://www.okta.com/exkppsa1qwuFV4D7z0h7", 1,
     "D4:0D:F0:1C:CE:DE:49:D2:07:CB:6D:8A:BD:15:77:0A:4B:6E:CA:14:A8:54:48:C2:95:9A:98:F8:5D:C3:1E:D4"},
    {"okta-2", SSOGATE_OK, "http://www.okta.com/exkdoocxa1VmjpXmX697", 1,
     "21:D5:E6:FF:D3:60:7D:88:BD:8E:EE:5F:97:9F:CB:E9:C3:A3:08:BF:E8:E4:42:A4:41:36:AB:60:B9:21:6B:CF"},
    {"entra-1", SSOGATE_OK, "https://sts.windows.net/a9054a0f-2011-4e31-b3ac-fd8c354146ec/", 1,
     "20:76:D8:86:41:0A:00:A7:5A:CD:B8:AE:DB:93:D3:87:7B:4F:AD:BD:8E:A9:72:F6:37:30:77:91:7B:2E:50:49"},
    {"adfs-1", SSOGATE_OK, "http://idp.adfs.example.com/adfs/services/trust", 1,
     "96:E3:1C:CC:DD:6D:F0:3E:AB:4A:E1:B9:D3:E7:2D:44:4A:64:F5:8E:D0:ED:D6:F1:90:41:88:81:3B:49:70:F3"},
    {"adfs-2", SSOGATE_OK, "http://adfs.server.url/adfs/services/trust", 1,
     "56:0A:89:B3:3E:4D:23:02:C6:5B:FA:99:6F:FE:D1:A7:D6:27:3B:DA:93:55:AF:A7:75:A7:EC:DA:59:02:54:8C"},
    {"google-1", SSOGATE_METADATA_EXPIRED, NULL, 0, NULL},
    {"google-2", SSOGATE_OK, "https://accounts.google.com/o/saml2?idpid=C029op2ga", 1,
     "85:EF:56:F2:38:25:54:3D:9F:12:FF:E4:B5:6A:D7:6D:60:70:DC:A8:54:3D:3E:41:36:A4:2F:A2:A9:EA:2A:D7"},
    {"onelogin-1", SSOGATE_OK, "https://app.onelogin.com/saml/metadata/503983", 1,
     "E4:71:3D:80:5C:35:99:1D:E0:B6:AD:AC:86:44:AD:9C:32:F2:4A:5E:7B:F8:A0:9D:AA:56:54:89:8E:7B:2C:3E"},
    {"onelogin-2", SSOGATE_OK, "https://app.onelogin.com/saml/metadata/645460", 1,
     "E5:52:D9:2C:3C:DC:3D:09:5C:90:76:82:AB:B6:75:B4:92:92:2C:42:87:7E:18:EB:17:F3:1F:39:FE:9F:7C:6A"},
    {"onelogin-3", SSOGATE_OK, "https://app.onelogin.com/saml/metadata/383123", 1,
     "46:E3:68:F4:ED:61:43:2B:EC:36:E3:99:E9:03:4B:99:E5:B3:58:EF:A9:A9:00:FC:2D:C8:7C:14:C6:60:E3:8F"},
    {"keycloak-1", SSOGATE_OK, "http://localhost:8085/realms/master", 1,
     "9F:8A:E3:AD:F4:41:1E:73:BD:5F:2F:49:FB:1C:D8:89:2A:88:AA:DB:3B:FE:F2:8A:1B:58:2A:19:AD:AD:0E:51"},
    {"jumpcloud-1", SSOGATE_OK, "IdP Entity ID", 1,
     "6D:84:10:51:9E:E2:66:3E:55:1D:F1:C4:09:B0:0F:FE:CE:74:4D:A0:8D:D0:E2:A8:E4:B4:5F:15:49:D2:61:BE"},
    {"pingone-1", SSOGATE_OK, "https://auth.pingone.com/3030059e-440b-4ad0-9217-44326f1757f6", 1,
     "D8:E5:94:BE:AE:EB:4A:14:25:80:2D:E0:B9:DB:81:D8:08:88:73:3D:C2:80:AB:F8:30:0B:99:16:A8:29:24:FB"},
    {"shibboleth-1", SSOGATE_OK, "https://idp.testshib.org/idp/shibboleth", 1,
     "83:F3:FE:E4:51:35:8C:5F:60:76:96:03:C2:7F:9F:64:D3:B6:52:B3:C9:7A:E7:DC:57:86:DE:E5:6C:72:B3:2D"},
    {"shibboleth-2", SSOGATE_OK, "https://samltest.id/saml/idp", 2,
     "E5:E0:E6:57:8A:27:B5:3A:2C:A0:51:82:FB:0A:D2:3C:97:F3:33:49:74:69:C8:70:8B:3A:CA:61:BE:5F:A7:9E"},
    {"shibboleth-3", SSOGATE_METADATA_EXPIRED, NULL, 0, NULL},
    {"simplesamlphp-1", SSOGATE_METADATA_WEAK_KEY, NULL, 0, NULL},
    {"simplesamlphp-2", SSOGATE_OK, "https://idp.example.org/saml2/idp/metadata.php", 1,
     "05:45:AB:4F:0F:AF:B0:39:1A:C3:0E:1D:4B:DD:D1:B5:6C:C0:47:36:D3:E2:58:E9:D7:16:44:C0:69:0A:5A:63"},
    {"federation-1", SSOGATE_METADATA_AMBIGUOUS, NULL, 0, NULL},
    {"federation-2", SSOGATE_METADATA_AMBIGUOUS, NULL, 0, NULL},
};

static int has_warning(const ssogate_idp *idp, int code) {
    size_t i;
    for (i = 0; i < ssogate_idp_warning_count(idp); i++) {
        if (ssogate_idp_warning_code(idp, i) == code) {
            return 1;
        }
    }
    return 0;
}

static void test_interop_metadata(void) {
    ssogate_error *err = ssogate_error_new();
    size_t i;
    for (i = 0; i < sizeof metadata / sizeof metadata[0]; i++) {
        const struct metadata_row *row = &metadata[i];
        ssogate_idp *idp = import_file(row->file, NULL, err);
        if (ssogate_error_code(err) != row->code) {
            fprintf(stderr, "metadata %s:\n", row->file);
        }
        CHECK_CODE(err, row->code);
        if (row->code != SSOGATE_OK) {
            CHECK(idp == NULL);
            /* Every refusal tells the admin something. */
            CHECK(strlen(ssogate_error_message(err)) > 0);
            continue;
        }
        CHECK(idp != NULL);
        CHECK_STR(ssogate_idp_entity_id(idp), row->entity_id);
        CHECK(ssogate_idp_cert_count(idp) == row->signing_certs);
        CHECK_STR(ssogate_idp_cert_sha256(idp, 0), row->sha256);
        /* Every accepted IdP has somewhere to send the user. */
        CHECK(ssogate_idp_sso_url(idp, SSOGATE_BINDING_HTTP_REDIRECT) != NULL ||
              ssogate_idp_sso_url(idp, SSOGATE_BINDING_HTTP_POST) != NULL);
        CHECK(ssogate_idp_cert_key_bits(idp, 0) >= 2048);
        ssogate_idp_free(idp);
    }
    ssogate_error_free(err);
}

/* An RSA public exponent of 1, 2 or 3 is refused at import (e = 1 makes every forgery trivial). */
static void test_weak_rsa_exponents(void) {
    static const char *const exponents[] = {"1", "2", "3"};
    for (size_t i = 0; i < sizeof exponents / sizeof exponents[0]; ++i) {
        char rel[64], needle[64];
        size_t len = 0;
        snprintf(rel, sizeof rel, "metadata/rsa-e%s-idp.xml", exponents[i]);
        char *xml = read_vector(rel, &len);
        ssogate_error *err = ssogate_error_new();
        ssogate_idp_options o;
        idp_options_now(&o);
        ssogate_idp *idp = ssogate_idp_import(xml, len, NULL, 0, NULL, 0, &o, err);
        CHECK(idp == NULL);
        CHECK(ssogate_error_code(err) == SSOGATE_METADATA_WEAK_KEY);
        snprintf(needle, sizeof needle, "public exponent %s ", exponents[i]);
        CHECK(strstr(ssogate_error_message(err), needle) != NULL);
        ssogate_error_free(err);
        free(xml);
    }
    size_t len = 0;
    char *xml = read_vector("metadata/rsa-e65537-idp.xml", &len);
    ssogate_idp_options o;
    idp_options_now(&o);
    ssogate_idp *idp = ssogate_idp_import(xml, len, NULL, 0, NULL, 0, &o, NULL);
    CHECK(idp != NULL);
    ssogate_idp_free(idp);
    free(xml);
}

static void test_okta_details(void) {
    ssogate_error *err = ssogate_error_new();
    const char *sso = "https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml";
    size_t der_len = 0;
    ssogate_idp *idp = import_file("okta-1", NULL, err);
    CHECK(idp != NULL);
    CHECK(ssogate_idp_sso_count(idp) == 2);
    CHECK(ssogate_idp_sso_binding(idp, 0) == SSOGATE_BINDING_HTTP_POST);
    CHECK_STR(ssogate_idp_sso_binding_uri(idp, 0), "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
    CHECK(ssogate_idp_sso_binding(idp, 1) == SSOGATE_BINDING_HTTP_REDIRECT);
    CHECK_STR(ssogate_idp_sso_location(idp, 0), sso);
    CHECK_STR(ssogate_idp_sso_url(idp, SSOGATE_BINDING_HTTP_POST), sso);
    CHECK_STR(ssogate_idp_sso_url(idp, SSOGATE_BINDING_HTTP_REDIRECT), sso);
    CHECK(ssogate_idp_sso_url(idp, SSOGATE_BINDING_OTHER) == NULL);
    CHECK(ssogate_idp_sso_url(idp, 42) == NULL);
    CHECK(ssogate_idp_sso_location(idp, 2) == NULL);
    CHECK(ssogate_idp_sso_binding(idp, 2) == SSOGATE_BINDING_OTHER);
    CHECK(ssogate_idp_slo_count(idp) == 0);
    CHECK(ssogate_idp_nameid_format_count(idp) == 2);
    CHECK_STR(ssogate_idp_nameid_format(idp, 1), "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
    CHECK(ssogate_idp_nameid_format(idp, 2) == NULL);
    CHECK(ssogate_idp_want_authn_requests_signed(idp) == 0);
    CHECK(ssogate_idp_valid_until(idp) == 0);
    CHECK_STR(ssogate_idp_cache_duration(idp), "");
    CHECK(ssogate_idp_signature_verified(idp) == 0);
    CHECK(ssogate_idp_warning_count(idp) == 0);

    CHECK(ssogate_idp_cert_der(idp, 0, &der_len) != NULL);
    CHECK(der_len > 500 && ssogate_idp_cert_der(idp, 0, NULL)[0] == 0x30); /* a DER SEQUENCE */
    CHECK(ssogate_idp_cert_der(idp, 1, &der_len) == NULL && der_len == 0);
    CHECK_CONTAINS(ssogate_idp_cert_pem(idp, 0), "-----BEGIN CERTIFICATE-----\nMIIDpDCCAoygAwIBAgIGAWW0dDUQ");
    CHECK_CONTAINS(ssogate_idp_cert_subject(idp, 0), "CN=dev-513394");
    CHECK_CONTAINS(ssogate_idp_cert_issuer(idp, 0), "O=Okta");
    CHECK(ssogate_idp_cert_not_after(idp, 0) == 1851950039); /* Sep  7 14:33:59 2028 GMT */
    CHECK(ssogate_idp_cert_not_before(idp, 0) < ssogate_idp_cert_not_after(idp, 0));
    CHECK_STR(ssogate_idp_cert_key_type(idp, 0), "RSA");
    CHECK(ssogate_idp_cert_key_bits(idp, 0) == 2048);
    CHECK(ssogate_idp_cert_sha256(idp, 1) == NULL);
    CHECK(ssogate_idp_cert_key_bits(idp, 1) == 0);
    ssogate_idp_free(idp);
    ssogate_error_free(err);
}

static void test_adfs_expired_cert_warning(void) {
    ssogate_error *err = ssogate_error_new();
    ssogate_idp *idp = import_file("adfs-1", NULL, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(has_warning(idp, SSOGATE_WARN_CERT_EXPIRED));
    CHECK(strlen(ssogate_idp_warning_message(idp, 0)) > 0);
    CHECK(ssogate_idp_warning_message(idp, ssogate_idp_warning_count(idp)) == NULL);
    CHECK(ssogate_idp_cert_not_after(idp, 0) < NOW);
    ssogate_idp_free(idp);
    ssogate_error_free(err);
}

/* federation-1 (signed SWAMID, 39 IdPs) and federation-2 (unsigned test aggregate, 10 IdPs): refused
 * as ambiguous, with the IdPs listed, and importable by entityID when the IdP has an RSA-2048 key. The
 * chosen IdPs speak SAML 2.0 with a 2048-bit signing key (found with openssl over the files). */
static void test_federations(void) {
    static const struct {
        const char *file;
        const char *listed; /* an IdP entityID the ambiguity message must name */
        const char *choose; /* an IdP with an RSA-2048 signing key */
    } feds[] = {
        {"federation-1", "https://idp.protectnetwork.org/protectnetwork-idp", "https://idp.nordu.net/idp/shibboleth"},
        {"federation-2", "https://idp.umu.se/saml2/idp/metadata.php", "https://idp.umu.se/saml2/idp/metadata.php"},
    };
    ssogate_error *err = ssogate_error_new();
    size_t i;
    for (i = 0; i < sizeof feds / sizeof feds[0]; i++) {
        ssogate_idp *idp = import_file(feds[i].file, NULL, err);
        CHECK(idp == NULL);
        CHECK_CODE(err, SSOGATE_METADATA_AMBIGUOUS);
        CHECK_CONTAINS(ssogate_error_message(err), feds[i].listed);

        idp = import_file(feds[i].file, feds[i].choose, err);
        CHECK_CODE(err, SSOGATE_OK);
        CHECK_STR(ssogate_idp_entity_id(idp), feds[i].choose);
        CHECK(ssogate_idp_cert_count(idp) >= 1);
        CHECK(ssogate_idp_cert_key_bits(idp, 0) == 2048);
        ssogate_idp_free(idp);

        idp = import_file(feds[i].file, "https://no-such-idp.example.org/idp", err);
        CHECK(idp == NULL);
        CHECK_CODE(err, SSOGATE_METADATA_ENTITY_NOT_FOUND);
    }
    ssogate_error_free(err);
}

/* ----------------------------------------------------------------------------------- connections */

static int set(int (*setter)(ssogate_connection_params *, const char *, size_t, ssogate_error *),
               ssogate_connection_params *p, const char *v, ssogate_error *err) {
    return setter(p, v, strlen(v), err);
}

/* A connection for okta-1 at base https://app.example.com with the given id and options (NULL: defaults). */
static ssogate_connection *okta_connection(const ssogate_idp *idp, const char *id,
                                           const ssogate_connection_options *opts, ssogate_error *err) {
    ssogate_connection_params *p = ssogate_connection_params_new();
    CHECK(set(ssogate_connection_params_set_base_url, p, "https://app.example.com", err) == SSOGATE_OK);
    if (id != NULL) {
        CHECK(set(ssogate_connection_params_set_id, p, id, err) == SSOGATE_OK);
    }
    ssogate_connection *conn = ssogate_connection_new(idp, p, opts, err);
    ssogate_connection_params_free(p);
    return conn;
}

static void test_connection_derived(void) {
    ssogate_error *err = ssogate_error_new();
    ssogate_idp *idp = import_file("okta-1", NULL, err);
    ssogate_connection *conn = okta_connection(idp, "okta-prod", NULL, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK_STR(ssogate_connection_id(conn), "okta-prod");
    CHECK_STR(ssogate_connection_acs_url(conn), "https://app.example.com/sso/saml/okta-prod/acs");
    CHECK_STR(ssogate_connection_sp_entity_id(conn), "https://app.example.com/sso/saml/okta-prod");
    CHECK(ssogate_connection_allow_idp_initiated(conn) == 0);
    CHECK(ssogate_connection_jit_provisioning(conn) == 0);
    CHECK(ssogate_connection_clock_skew_seconds(conn) == 180);
    CHECK(ssogate_connection_allow_sha1(conn) == 0);
    CHECK(ssogate_connection_allowed_domain_count(conn) == 0);
    CHECK(ssogate_connection_allowed_domain(conn, 0) == NULL);
    CHECK_STR(ssogate_connection_description(conn), "");
    CHECK_STR(ssogate_connection_email_attribute(conn), "");

    /* The borrowed IdP lives as long as the connection, not as long as the caller's IdP handle. */
    ssogate_idp_free(idp);
    CHECK_STR(ssogate_idp_entity_id(ssogate_connection_idp(conn)), "http://www.okta.com/exkppsa1qwuFV4D7z0h7");
    CHECK(ssogate_idp_cert_count(ssogate_connection_idp(conn)) == 1);
    CHECK_CONTAINS(ssogate_idp_cert_pem(ssogate_connection_idp(conn), 0), "BEGIN CERTIFICATE");

    /* SP metadata names the ACS URL (HTTP-POST) and the SP entity ID. */
    {
        const char *md = ssogate_connection_sp_metadata(conn);
        CHECK_CONTAINS(md, "SPSSODescriptor");
        CHECK_CONTAINS(md, "Location=\"https://app.example.com/sso/saml/okta-prod/acs\"");
        CHECK_CONTAINS(md, "entityID=\"https://app.example.com/sso/saml/okta-prod\"");
        CHECK_CONTAINS(md, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
        CHECK_CONTAINS(md, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
    }
    ssogate_connection_free(conn);
    ssogate_error_free(err);
}

static void test_connection_generated_id(void) {
    ssogate_error *err = ssogate_error_new();
    ssogate_idp *idp = import_file("okta-1", NULL, err);
    ssogate_connection *a = okta_connection(idp, NULL, NULL, err);
    ssogate_connection *b = okta_connection(idp, NULL, NULL, err);
    const char *id = ssogate_connection_id(a);
    size_t i;
    int url_safe = 1;
    CHECK(a != NULL && b != NULL);
    CHECK(strlen(id) == 22); /* 128 bits, base64url without padding */
    for (i = 0; id[i] != '\0'; i++) {
        char c = id[i];
        url_safe = url_safe &&
                   ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
    }
    CHECK(url_safe);
    CHECK(strcmp(ssogate_connection_id(a), ssogate_connection_id(b)) != 0);
    CHECK_CONTAINS(ssogate_connection_acs_url(a), id);
    ssogate_connection_free(a);
    ssogate_connection_free(b);
    ssogate_idp_free(idp);
    ssogate_error_free(err);
}

static void test_connection_explicit_and_settings(void) {
    ssogate_error *err = ssogate_error_new();
    ssogate_idp *idp = import_file("okta-1", NULL, err);
    ssogate_connection_params *p = ssogate_connection_params_new();
    ssogate_connection_options o;
    ssogate_connection *conn;

    /* Explicit URLs, for an IdP app that already exists: no base URL needed. */
    CHECK(set(ssogate_connection_params_set_acs_url, p, "https://sso.example.net/saml/consume", err) == SSOGATE_OK);
    CHECK(set(ssogate_connection_params_set_sp_entity_id, p, "https://sso.example.net/sp", err) == SSOGATE_OK);
    CHECK(set(ssogate_connection_params_set_description, p, "Okta, production", err) == SSOGATE_OK);
    CHECK(set(ssogate_connection_params_add_allowed_domain, p, "example.com", err) == SSOGATE_OK);
    CHECK(set(ssogate_connection_params_add_allowed_domain, p, "example.org", err) == SSOGATE_OK);
    CHECK(set(ssogate_connection_params_set_email_attribute, p, "email", err) == SSOGATE_OK);
    ssogate_connection_options_init(&o, sizeof o);
    o.allow_idp_initiated = 1;
    o.jit_provisioning = 1;
    o.clock_skew_seconds = 600;
    conn = ssogate_connection_new(idp, p, &o, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK_STR(ssogate_connection_acs_url(conn), "https://sso.example.net/saml/consume");
    CHECK_STR(ssogate_connection_sp_entity_id(conn), "https://sso.example.net/sp");
    CHECK_STR(ssogate_connection_description(conn), "Okta, production");
    CHECK(ssogate_connection_allowed_domain_count(conn) == 2);
    CHECK_STR(ssogate_connection_allowed_domain(conn, 1), "example.org");
    CHECK_STR(ssogate_connection_email_attribute(conn), "email");
    CHECK(ssogate_connection_allow_idp_initiated(conn) == 1);
    CHECK(ssogate_connection_jit_provisioning(conn) == 1);
    CHECK(ssogate_connection_clock_skew_seconds(conn) == 600);
    CHECK_CONTAINS(ssogate_connection_sp_metadata(conn), "https://sso.example.net/saml/consume");

    /* The params were copied: changing the builder afterwards does not touch the connection. */
    CHECK(set(ssogate_connection_params_set_acs_url, p, "https://changed.example.net/acs", err) == SSOGATE_OK);
    CHECK_STR(ssogate_connection_acs_url(conn), "https://sso.example.net/saml/consume");
    ssogate_connection_free(conn);

    /* Clock skew is capped at 600 s. */
    o.clock_skew_seconds = 601;
    CHECK(ssogate_connection_new(idp, p, &o, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_SETTING);
    o.clock_skew_seconds = -1;
    CHECK(ssogate_connection_new(idp, p, &o, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_SETTING);
    /* An allowed domain no address can have (an IP address, a single label) is refused when saved. */
    o.clock_skew_seconds = 600;
    CHECK(set(ssogate_connection_params_add_allowed_domain, p, "127.0.0.1", err) == SSOGATE_OK);
    CHECK(ssogate_connection_new(idp, p, &o, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_SETTING);
    CHECK_CONTAINS(ssogate_error_message(err), "\"127.0.0.1\"");
    ssogate_connection_params_free(p);
    p = ssogate_connection_params_new();
    CHECK(set(ssogate_connection_params_set_base_url, p, "https://app.example.com", err) == SSOGATE_OK);
    CHECK(set(ssogate_connection_params_add_allowed_domain, p, "example", err) == SSOGATE_OK);
    CHECK(ssogate_connection_new(idp, p, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_SETTING);
    CHECK_CONTAINS(ssogate_error_message(err), "single label");
    ssogate_connection_params_free(p);

    /* URLs must be absolute http(s). */
    p = ssogate_connection_params_new();
    CHECK(set(ssogate_connection_params_set_base_url, p, "not a url", err) == SSOGATE_OK);
    CHECK(ssogate_connection_new(idp, p, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_URL);
    CHECK(set(ssogate_connection_params_set_base_url, p, "ftp://app.example.com", err) == SSOGATE_OK);
    CHECK(ssogate_connection_new(idp, p, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_URL);
    CHECK(set(ssogate_connection_params_set_base_url, p, "https://app.example.com", err) == SSOGATE_OK);
    CHECK(set(ssogate_connection_params_set_acs_url, p, "/relative/acs", err) == SSOGATE_OK);
    CHECK(ssogate_connection_new(idp, p, NULL, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_URL);
    ssogate_connection_params_free(p);

    /* No params at all: there is no base URL to derive from. */
    CHECK(ssogate_connection_new(idp, NULL, NULL, err) == NULL);
    CHECK(ssogate_error_code(err) == SSOGATE_INVALID_URL || ssogate_error_code(err) == SSOGATE_INVALID_ARGUMENT);

    ssogate_idp_free(idp);
    ssogate_error_free(err);
}

/* The SP metadata says what the connection does: an IdP that wants signed AuthnRequests gets signed ones
   (ssogate_sp_login_begin refuses unsigned ones), so AuthnRequestsSigned is "true", and the SP certificate
   given to the connection is its signing KeyDescriptor. */
static void test_sp_metadata_says_what_the_connection_does(void) {
    ssogate_error *err = ssogate_error_new();
    size_t md_len = 0, cert_len = 0;
    char *md = read_vector("metadata/minimal-idp.xml", &md_len); /* WantAuthnRequestsSigned="true" */
    char *cert = read_vector("metadata/rsa-2048.crt", &cert_len);
    ssogate_idp_options io;
    idp_options_now(&io);
    ssogate_idp *wants = ssogate_idp_import(md, md_len, NULL, 0, NULL, 0, &io, err);
    CHECK(wants != NULL);
    CHECK(ssogate_idp_want_authn_requests_signed(wants) == 1);
    ssogate_connection_params *p = ssogate_connection_params_new();
    CHECK(set(ssogate_connection_params_set_base_url, p, "https://app.example.com", err) == SSOGATE_OK);
    CHECK(ssogate_connection_params_set_sp_certificate_pem(p, cert, cert_len, err) == SSOGATE_OK);
    ssogate_connection *conn = ssogate_connection_new(wants, p, NULL, err);
    CHECK(conn != NULL);
    CHECK_CONTAINS(ssogate_connection_sp_metadata(conn), "AuthnRequestsSigned=\"true\"");
    CHECK_CONTAINS(ssogate_connection_sp_metadata(conn), "<md:KeyDescriptor use=\"signing\">");
    CHECK(ssogate_connection_authn_requests_signed(conn) == 1);
    CHECK_CONTAINS(ssogate_connection_sp_certificate_pem(conn), "-----BEGIN CERTIFICATE-----");
    /* The fingerprint an admin compares with the IdP's console (openssl x509 -fingerprint -sha256). */
    CHECK_STR(ssogate_connection_sp_certificate_sha256(conn),
              "B0:D6:5D:8D:91:6F:0A:09:57:0B:A7:E1:AE:D2:C4:91:3A:E7:3B:D4:84:C0:CF:90:0B:5D:1A:6C:AE:2B:58:29");
    ssogate_connection_free(conn);

    /* Okta's metadata does not ask: a login may be begun unsigned, so nothing is promised. */
    ssogate_idp *okta = import_file("okta-1", NULL, err);
    CHECK(okta != NULL);
    conn = ssogate_connection_new(okta, p, NULL, err);
    CHECK(conn != NULL);
    CHECK_CONTAINS(ssogate_connection_sp_metadata(conn), "AuthnRequestsSigned=\"false\"");
    CHECK_CONTAINS(ssogate_connection_sp_metadata(conn), "<md:KeyDescriptor use=\"signing\">");
    CHECK(ssogate_connection_authn_requests_signed(conn) == 0);
    ssogate_connection_free(conn);
    ssogate_connection_params_free(p);

    /* Without an SP certificate there is no fingerprint to show. */
    p = ssogate_connection_params_new();
    CHECK(set(ssogate_connection_params_set_base_url, p, "https://app.example.com", err) == SSOGATE_OK);
    conn = ssogate_connection_new(okta, p, NULL, err);
    CHECK(conn != NULL);
    CHECK_STR(ssogate_connection_sp_certificate_pem(conn), "");
    CHECK_STR(ssogate_connection_sp_certificate_sha256(conn), "");
    ssogate_connection_free(conn);
    CHECK(ssogate_connection_sp_certificate_sha256(NULL) == NULL);
    CHECK(ssogate_connection_authn_requests_signed(NULL) == 0);

    ssogate_connection_params_free(p);
    ssogate_idp_free(okta);
    ssogate_idp_free(wants);
    free(cert);
    free(md);
    ssogate_error_free(err);
}

/* The directories' email form, from the library: ASCII A-Z only, in place, length unchanged. */
static void test_email_normalize(void) {
    char email[] = "Zed.O'Neil@\xc3\x89xample.COM";
    ssogate_email_normalize(email, strlen(email));
    CHECK_STR(email, "zed.o'neil@\xc3\x89xample.com");
    char part[] = "ABC";
    ssogate_email_normalize(part, 2); /* only the bytes given */
    CHECK_STR(part, "abC");
    ssogate_email_normalize(NULL, 0);
    ssogate_email_normalize(NULL, 5);
}

/* Replaces the number after "schema_version" in json (in place) with `digit`; 0 if not found. */
static int bump_schema_version(char *json, char digit) {
    char *p = strstr(json, "\"schema_version\"");
    if (p == NULL) {
        return 0;
    }
    p += strlen("\"schema_version\"");
    while (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t') {
        p++;
    }
    if (*p < '0' || *p > '9') {
        return 0;
    }
    *p = digit;
    return 1;
}

static void test_connection_json(void) {
    ssogate_error *err = ssogate_error_new();
    ssogate_idp_options io;
    ssogate_idp *idp = import_file("okta-1", NULL, err);
    ssogate_connection_options o;
    ssogate_connection_params *p = ssogate_connection_params_new();
    ssogate_connection *conn, *back;
    const char *json;
    char *copy;
    size_t json_len;

    idp_options_now(&io);
    ssogate_connection_options_init(&o, sizeof o);
    o.jit_provisioning = 1;
    o.clock_skew_seconds = 60;
    CHECK(set(ssogate_connection_params_set_base_url, p, "https://app.example.com", err) == SSOGATE_OK);
    CHECK(set(ssogate_connection_params_set_id, p, "conn-1", err) == SSOGATE_OK);
    CHECK(set(ssogate_connection_params_add_allowed_domain, p, "example.com", err) == SSOGATE_OK);
    conn = ssogate_connection_new(idp, p, &o, err);
    ssogate_connection_params_free(p);
    CHECK_CODE(err, SSOGATE_OK);

    json = ssogate_connection_to_json(conn);
    json_len = strlen(json);
    CHECK_CONTAINS(json, "\"schema_version\"");

    /* Round trip: everything comes back, and serialises the same way again. */
    back = ssogate_connection_from_json(json, json_len, &io, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK_STR(ssogate_connection_id(back), "conn-1");
    CHECK_STR(ssogate_connection_acs_url(back), ssogate_connection_acs_url(conn));
    CHECK_STR(ssogate_connection_sp_entity_id(back), ssogate_connection_sp_entity_id(conn));
    CHECK(ssogate_connection_jit_provisioning(back) == 1);
    CHECK(ssogate_connection_clock_skew_seconds(back) == 60);
    CHECK(ssogate_connection_allowed_domain_count(back) == 1);
    CHECK_STR(ssogate_idp_entity_id(ssogate_connection_idp(back)), ssogate_idp_entity_id(idp));
    CHECK_STR(ssogate_idp_cert_sha256(ssogate_connection_idp(back), 0), ssogate_idp_cert_sha256(idp, 0));
    CHECK_STR(ssogate_connection_to_json(back), json);
    CHECK_STR(ssogate_connection_sp_metadata(back), ssogate_connection_sp_metadata(conn));
    ssogate_connection_free(back);

    /* NULL options: the system clock (okta-1 has no validUntil, so it still imports). */
    back = ssogate_connection_from_json(json, json_len, NULL, err);
    CHECK_CODE(err, SSOGATE_OK);
    ssogate_connection_free(back);

    /* A newer schema is refused as such, not as malformed. */
    copy = malloc(json_len + 1);
    CHECK(copy != NULL);
    memcpy(copy, json, json_len + 1);
    CHECK(bump_schema_version(copy, '9'));
    CHECK(ssogate_connection_from_json(copy, json_len, &io, err) == NULL);
    CHECK_CODE(err, SSOGATE_CONNECTION_VERSION);
    CHECK(ssogate_connection_from_json("{\"schema_version\": 2}", 21, &io, err) == NULL);
    CHECK_CODE(err, SSOGATE_CONNECTION_VERSION);

    /* Malformed JSON, missing fields, truncation. */
    CHECK(ssogate_connection_from_json("{not json", 9, &io, err) == NULL);
    CHECK_CODE(err, SSOGATE_CONNECTION_JSON);
    CHECK(ssogate_connection_from_json("", 0, &io, err) == NULL);
    CHECK_CODE(err, SSOGATE_CONNECTION_JSON);
    CHECK(ssogate_connection_from_json("{\"schema_version\": 1}", 21, &io, err) == NULL);
    CHECK_CODE(err, SSOGATE_CONNECTION_JSON);
    CHECK(ssogate_connection_from_json("[1, 2]", 6, &io, err) == NULL);
    CHECK_CODE(err, SSOGATE_CONNECTION_JSON);
    CHECK(ssogate_connection_from_json(json, json_len / 2, &io, err) == NULL);
    CHECK_CODE(err, SSOGATE_CONNECTION_JSON);

    free(copy);
    ssogate_connection_free(conn);
    ssogate_idp_free(idp);
    ssogate_error_free(err);
}

/* An IdP chosen from an aggregate comes back as the same IdP from JSON. */
static void test_connection_json_federation(void) {
    const char *chosen = "https://idp.umu.se/saml2/idp/metadata.php";
    ssogate_error *err = ssogate_error_new();
    ssogate_idp_options io;
    ssogate_idp *idp = import_file("federation-2", chosen, err);
    ssogate_connection *conn = okta_connection(idp, "umu", NULL, err);
    ssogate_connection *back;
    CHECK_CODE(err, SSOGATE_OK);
    idp_options_now(&io);
    back = ssogate_connection_from_json(ssogate_connection_to_json(conn), strlen(ssogate_connection_to_json(conn)), &io,
                                        err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK_STR(ssogate_idp_entity_id(ssogate_connection_idp(back)), chosen);
    ssogate_connection_free(back);
    ssogate_connection_free(conn);
    ssogate_idp_free(idp);
    ssogate_error_free(err);
}

/*
 * A testing IdP kept across runs: its key and certificate come out as PEM and make the same IdP again,
 * whose Responses verify against the metadata of the first; a key from another IdP is refused.
 */
static void test_test_idp_from_pem(void) {
    ssogate_error *err = ssogate_error_new();
    ssogate_test_idp *first = ssogate_test_idp_new(NULL, 0, NULL, 0, SSOGATE_KEY_TYPE_EC_P256, err);
    ssogate_test_idp *other = ssogate_test_idp_new(NULL, 0, NULL, 0, SSOGATE_KEY_TYPE_RSA_2048, err);
    CHECK(first != NULL && other != NULL);
    const char *key = ssogate_test_idp_private_key_pem(first);
    const char *cert = ssogate_test_idp_certificate_pem(first);
    CHECK_CONTAINS(key, "-----BEGIN PRIVATE KEY-----");
    const char *eid = "https://idp.kept.example/saml";
    ssogate_test_idp *again =
        ssogate_test_idp_from_pem(eid, strlen(eid), NULL, 0, key, strlen(key), cert, strlen(cert), err);
    CHECK(again != NULL);
    CHECK_STR(ssogate_test_idp_certificate_pem(again), cert);
    CHECK_STR(ssogate_test_idp_private_key_pem(again), key);
    CHECK_STR(ssogate_test_idp_entity_id(again), eid);

    /* Its Response verifies against a connection made from its own metadata with the first's key. */
    ssogate_idp *idp = ssogate_idp_import(ssogate_test_idp_metadata_xml(again),
                                          strlen(ssogate_test_idp_metadata_xml(again)), NULL, 0, NULL, 0, NULL, err);
    CHECK(idp != NULL);
    ssogate_connection_params *p = ssogate_connection_params_new();
    CHECK(set(ssogate_connection_params_set_base_url, p, "https://app.example.com", err) == SSOGATE_OK);
    ssogate_connection_options co;
    ssogate_connection_options_init(&co, sizeof co);
    co.allow_idp_initiated = 1;
    ssogate_connection *conn = ssogate_connection_new(idp, p, &co, err);
    CHECK(conn != NULL);
    ssogate_test_response_params *rp = ssogate_test_response_params_new();
    CHECK(ssogate_test_response_params_set_connection(rp, conn, err) == SSOGATE_OK);
    CHECK(ssogate_test_response_params_set_nameid(rp, "kim@example.com", 15, err) == SSOGATE_OK);
    ssogate_test_response *r = ssogate_test_response_new(again, rp, err);
    CHECK(r != NULL);
    ssogate_replay_cache *replay = ssogate_replay_cache_new_memory(NULL, err);
    const char *b64 = ssogate_test_response_base64(r);
    ssogate_verified_login *login = ssogate_verify_response(conn, b64, strlen(b64), NULL, 0, replay, NULL, err);
    CHECK_CODE(err, SSOGATE_OK);
    CHECK(login != NULL);
    CHECK_STR(ssogate_verified_login_email(login), "kim@example.com");

    /* The other IdP's key with the first one's certificate: refused, with nothing made. */
    const char *other_key = ssogate_test_idp_private_key_pem(other);
    CHECK(ssogate_test_idp_from_pem(NULL, 0, NULL, 0, other_key, strlen(other_key), cert, strlen(cert), err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_test_idp_from_pem(NULL, 0, NULL, 0, "not pem", 7, cert, strlen(cert), err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_test_idp_private_key_pem(NULL) == NULL);

    ssogate_verified_login_free(login);
    ssogate_replay_cache_free(replay);
    ssogate_test_response_free(r);
    ssogate_test_response_params_free(rp);
    ssogate_connection_free(conn);
    ssogate_connection_params_free(p);
    ssogate_idp_free(idp);
    ssogate_test_idp_free(again);
    ssogate_test_idp_free(other);
    ssogate_test_idp_free(first);
    ssogate_error_free(err);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    vectors_dir = argv[1];

    test_version();
    test_code_names();
    test_error_lifecycle();
    test_null_safety();
    test_options();
    test_interop_metadata();
    test_weak_rsa_exponents();
    test_okta_details();
    test_adfs_expired_cert_warning();
    test_federations();
    test_connection_derived();
    test_connection_generated_id();
    test_connection_explicit_and_settings();
    test_connection_json();
    test_connection_json_federation();
    test_email_normalize();
    test_sp_metadata_says_what_the_connection_does();
    test_test_idp_from_pem();

    printf("%d passed, 0 failed\n", passed);
    return 0;
}
