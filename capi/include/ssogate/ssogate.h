/*
 * ssogate: SAML 2.0 single sign-on for products with a web dashboard.
 *
 * This is the one public C header. It is stable: functions and fields are only ever added, codes are
 * never renumbered, and the soname (libssogate.so.0) moves only on a break.
 *
 * Conventions, everywhere in this file:
 *  - Handles are opaque and immutable once made. A function that makes a handle returns it, or NULL
 *    on failure, and the caller frees it with the handle's NULL-safe _free. Such a function says that
 *    it makes something: _new, _open, _import, _from_json, _begin/_finish, _decide_*, _preview_*,
 *    or a verb whose result is the handle (ssogate_verify_response, ssogate_gate_consume,
 *    ssogate_gate_invite, ssogate_gate_apply_sso_mode, ssogate_gate_read_audit). Getters return
 *    borrowed values.
 *  - One prefix, one meaning: ssogate_X_* functions take an ssogate_X handle first. A verified login
 *    is an ssogate_verified_login; the SP-initiated login flow is ssogate_sp_login_*.
 *  - An enum's values are prefixed by the name of what they list: ssogate_role has SSOGATE_ROLE_*,
 *    ssogate_gate_outcome_kinds (the kinds of an ssogate_gate_outcome) has SSOGATE_GATE_OUTCOME_*.
 *    The result codes (ssogate_code) are SSOGATE_<NAME>.
 *  - Strings going in are (pointer, length) pairs and need not be NUL-terminated; the library copies
 *    whatever it keeps. Strings coming out are NUL-terminated UTF-8, borrowed from their handle and
 *    valid until that handle is freed. Nothing the library returns is released with free().
 *  - The last argument of a function that can fail is an ssogate_error* that the caller owns
 *    (ssogate_error_new). It may be NULL; when given, it is reset on entry and filled on failure.
 *    There is no thread-local or global "last error".
 *  - Times are Unix seconds (UTC) as int64_t.
 *  - Options structs start with struct_size; fill them with the matching _options_init(&o, sizeof o).
 *  - No call needs library initialisation; everything is safe to call from any thread, and handles
 *    may be shared across threads.
 *
 * Sections: 1 version, 2 errors, 3 IdP metadata, 4 connections, 5 state stores, 6 verification,
 * 7 testing IdP, 8 SP-initiated login, 9 membership policy and gate.
 */
#ifndef SSOGATE_H
#define SSOGATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SSOGATE_BUILDING) && defined(__GNUC__)
#define SSOGATE_API __attribute__((visibility("default")))
#else
#define SSOGATE_API
#endif

#if defined(__cplusplus)
#define SSOGATE_NOEXCEPT noexcept
#else
#define SSOGATE_NOEXCEPT
#endif

#if defined(__GNUC__) && !defined(SWIG)
#define SSOGATE_MUST_CHECK __attribute__((warn_unused_result))
#else
#define SSOGATE_MUST_CHECK
#endif

/* ===================================================================================== 1. Version */

#define SSOGATE_VERSION_MAJOR 0
#define SSOGATE_VERSION_MINOR 2
#define SSOGATE_VERSION_PATCH 0
/** MAJOR * 1000000 + MINOR * 1000 + PATCH. */
#define SSOGATE_VERSION_NUMBER (SSOGATE_VERSION_MAJOR * 1000000 + SSOGATE_VERSION_MINOR * 1000 + SSOGATE_VERSION_PATCH)

/** The version of the library actually loaded, as SSOGATE_VERSION_NUMBER. */
SSOGATE_API int ssogate_version_number(void) SSOGATE_NOEXCEPT;
/** The version of the library actually loaded, as "MAJOR.MINOR.PATCH". */
SSOGATE_API const char *ssogate_version_string(void) SSOGATE_NOEXCEPT;

/* ====================================================================================== 2. Errors */

/**
 * Result codes. 0 is success; every failure is positive. Grouped by hundreds: 1-99 usage, 1xx XML and
 * metadata, 2xx signature, 3xx response and assertion conditions, 4xx state stores, 9xx internal.
 * Codes 180-189 are warnings: never returned as a failure, only listed beside a successful import.
 */
typedef enum ssogate_code {
    SSOGATE_OK = 0,

    /** A NULL handle, an empty required string or an unknown value. */
    SSOGATE_INVALID_ARGUMENT = 1,
    /** An options struct whose struct_size is smaller than the first version of the struct. */
    SSOGATE_OPTIONS_SIZE = 2,
    /** A base URL, ACS URL, entity ID template or endpoint that is not an absolute http(s) URL. */
    SSOGATE_INVALID_URL = 3,
    /** A connection setting out of range (clock skew above 600 s, a malformed email domain). */
    SSOGATE_INVALID_SETTING = 4,
    /** Connection JSON that does not parse or lacks a required field. */
    SSOGATE_CONNECTION_JSON = 5,
    /** Connection JSON written by a newer version of ssogate (its schema_version is unknown). */
    SSOGATE_CONNECTION_VERSION = 6,
    /** A getter's index is past the end of its list. */
    SSOGATE_INDEX_OUT_OF_RANGE = 7,
    /** A login's return-to is neither a path on the service ("/dashboard") nor a URL whose origin the connection
       allows. */
    SSOGATE_RETURN_TO_NOT_ALLOWED = 8,
    /** An SP signing key or certificate that does not parse, is not RSA of 2048 bits or more, or does not match. */
    SSOGATE_SP_KEY_INVALID = 9,
    /** The IdP wants signed AuthnRequests (WantAuthnRequestsSigned) and no SP signing key was given. */
    SSOGATE_SP_KEY_REQUIRED = 10,
    /**
     * The membership policy refuses the call as things stand now: ssogate_gate_confirm_join after an admin
     * disabled the connection, turned Just-in-Time provisioning off or removed the domain. The message
     * names the policy reason (e.g. CONNECTION_DISABLED).
     */
    SSOGATE_POLICY_DENIED = 11,

    /** The input is not well-formed XML. */
    SSOGATE_XML_MALFORMED = 100,
    /** The input has a DOCTYPE or an entity declaration; refused before anything is expanded. */
    SSOGATE_XML_DOCTYPE = 101,
    /** The input is larger than the configured cap. */
    SSOGATE_INPUT_TOO_LARGE = 102,
    /** The XML nests too deeply or has too many nodes. */
    SSOGATE_XML_LIMITS = 103,
    /** Invalid base64 or character encoding. */
    SSOGATE_ENCODING_INVALID = 104,
    /**
     * One element carries more attributes or namespace declarations than the per-element cap, or more namespace
     * declarations are in scope at one element than allowed (refused before the parser does work that grows with
     * their square).
     */
    SSOGATE_XML_ATTRIBUTE_LIMITS = 105,
    /** The root element is not SAML 2.0 metadata (md:EntityDescriptor or md:EntitiesDescriptor). */
    SSOGATE_METADATA_NOT_SAML = 110,
    /** The entity has no IDPSSODescriptor (for example, an SP's metadata uploaded by mistake). */
    SSOGATE_METADATA_NO_IDP = 111,
    /** The IDPSSODescriptor does not list the SAML 2.0 protocol. */
    SSOGATE_METADATA_NO_SAML2 = 112,
    /** No SingleSignOnService with the HTTP-Redirect or HTTP-POST binding. */
    SSOGATE_METADATA_NO_SSO_ENDPOINT = 113,
    /** No signing certificate (KeyDescriptor use="signing" or without use). */
    SSOGATE_METADATA_NO_SIGNING_CERT = 114,
    /** A certificate in the metadata does not parse. */
    SSOGATE_METADATA_BAD_CERT = 115,
    /** A signing key is too weak (RSA below 2048 bits) or of an unsupported type. */
    SSOGATE_METADATA_WEAK_KEY = 116,
    /** The metadata's validUntil has passed: download it again from the IdP. */
    SSOGATE_METADATA_EXPIRED = 117,
    /** An aggregate (EntitiesDescriptor) holds several IdPs and no entityID was chosen. */
    SSOGATE_METADATA_AMBIGUOUS = 118,
    /** The chosen entityID is not in the document. */
    SSOGATE_METADATA_ENTITY_NOT_FOUND = 119,
    /** The metadata's own signature does not verify with the trusted certificate. */
    SSOGATE_METADATA_SIGNATURE_INVALID = 120,
    /** Signature verification was asked for, but the metadata is not signed. */
    SSOGATE_METADATA_UNSIGNED = 121,
    /** Other structural problems (missing entityID, an endpoint without Location, ...). */
    SSOGATE_METADATA_INVALID = 122,

    /**
     * A metadata URL that is not absolute https (http only when the host allows it), carries user
     * credentials, or is malformed.
     */
    SSOGATE_METADATA_URL_INVALID = 130,
    /**
     * The metadata host resolves to an address the fetch policy refuses (loopback, link-local, private,
     * unique-local, multicast, unspecified, ...) and not on the host's allow-list: the URL came from a
     * tenant admin and must not reach the service's own network.
     */
    SSOGATE_METADATA_ADDRESS_BLOCKED = 131,
    /** The metadata could not be fetched: the name does not resolve, the connection was refused or reset. */
    SSOGATE_METADATA_FETCH_FAILED = 132,
    /** The metadata server did not answer within the timeout. */
    SSOGATE_METADATA_FETCH_TIMEOUT = 133,
    /** The metadata document is larger than the fetch limit (the download was stopped). */
    SSOGATE_METADATA_FETCH_TOO_LARGE = 134,
    /** A redirect the policy refuses: from https to http, to another scheme, or too many. */
    SSOGATE_METADATA_REDIRECT_REFUSED = 135,
    /** The metadata server answered with an HTTP status other than 200 (or 304 to a conditional refresh). */
    SSOGATE_METADATA_HTTP_STATUS = 136,
    /** The metadata server's TLS certificate did not verify (unknown CA, wrong name, expired). */
    SSOGATE_METADATA_TLS = 137,
    /**
     * A refresh found another entityID at the metadata URL: not applied (the last known good metadata
     * stays); an admin must check the IdP and import it again.
     */
    SSOGATE_METADATA_ENTITY_CHANGED = 138,

    /** Warning: a signing certificate has expired (many IdPs still sign with it; rotate soon). */
    SSOGATE_WARN_CERT_EXPIRED = 180,
    /** Warning: a signing certificate expires within 30 days. */
    SSOGATE_WARN_CERT_EXPIRES_SOON = 181,
    /** Warning: a signing certificate is not valid yet. */
    SSOGATE_WARN_CERT_NOT_YET_VALID = 182,

    /** The Assertion is not covered by any signature (neither its own nor the Response's). */
    SSOGATE_SIGNATURE_MISSING = 200,
    /** A signature does not verify with any signing certificate from the IdP metadata (digest or signature value
       mismatch, or another key). */
    SSOGATE_SIGNATURE_INVALID = 201,
    /** A signature or digest algorithm outside the allow-list (SHA-1 without the allow_sha1 setting, HMAC, unknown). */
    SSOGATE_SIGNATURE_ALGORITHM = 202,
    /** A signature does not have exactly one Reference whose URI is "#" + the ID of the element that holds the
       signature. */
    SSOGATE_SIGNATURE_REFERENCE = 203,
    /** A canonicalization method or transform other than enveloped-signature and exclusive c14n without comments. */
    SSOGATE_SIGNATURE_TRANSFORM = 204,
    /** A ds:Signature somewhere other than directly inside the Response or the Assertion (signature wrapping). */
    SSOGATE_SIGNATURE_PLACEMENT = 205,
    /** A ds:Signature whose structure is broken (no SignedInfo, SignatureMethod or SignatureValue, ...). */
    SSOGATE_SIGNATURE_MALFORMED = 206,
    /** The same ID value appears on two elements (signature wrapping). */
    SSOGATE_DUPLICATE_ID = 207,
    /**
     * An encrypted element did not decrypt with the connection's SP encryption keys. One code and one
     * message for every cause (key transport, padding, authentication tag, and the plain text's own
     * checks when nothing verified covered the cipher text), so that no answer helps an attacker.
     */
    SSOGATE_DECRYPTION_FAILED = 208,
    /** An encryption algorithm outside the connection's allow-list (RSA-1_5 without allow_rsa_1_5, 3DES, ...). */
    SSOGATE_ENCRYPTION_ALGORITHM = 209,
    /**
     * Encrypted markup outside what SAML uses: a CipherReference, a key carried in KeyInfo, a
     * RetrievalMethod that does not name an EncryptedKey beside the EncryptedData, no EncryptedKey.
     */
    SSOGATE_ENCRYPTION_MALFORMED = 210,
    /** The document is not a SAML 2.0 samlp:Response, or a required Response attribute is missing or invalid. */
    SSOGATE_RESPONSE_MALFORMED = 300,
    /** The Response or Assertion Version is not 2.0. */
    SSOGATE_RESPONSE_VERSION = 301,
    /**
     * The Response or Assertion IssueInstant is older than the maximum age plus the clock skew, or later than now
     * plus the clock skew.
     */
    SSOGATE_ISSUE_INSTANT = 302,
    /** The Response Destination is not the connection's ACS URL, or is missing on a signed Response. */
    SSOGATE_DESTINATION_MISMATCH = 303,
    /**
     * The Response or Assertion Issuer is not the IdP's entityID from its metadata, or has a Format other than
     * urn:oasis:names:tc:SAML:2.0:nameid-format:entity.
     */
    SSOGATE_ISSUER_MISMATCH = 304,
    /** The IdP answered with a status other than Success (its StatusCode and StatusMessage are in the message). */
    SSOGATE_STATUS_NOT_SUCCESS = 305,
    /**
     * The Response carries an EncryptedAssertion but the connection has no SP encryption key (or the host
     * gave no private key for its certificates): add one, or turn assertion encryption off at the IdP.
     */
    SSOGATE_ASSERTION_ENCRYPTED = 306,
    /** The document does not contain exactly one Assertion (counting nested ones). */
    SSOGATE_ASSERTION_COUNT = 307,
    /** The Assertion lacks a required element or attribute (ID, IssueInstant, Issuer, Subject, ...) or has an invalid
       one. */
    SSOGATE_ASSERTION_MALFORMED = 308,
    /** No bearer SubjectConfirmation with SubjectConfirmationData. */
    SSOGATE_SUBJECT_CONFIRMATION = 309,
    /** The SubjectConfirmationData Recipient is not the connection's ACS URL. */
    SSOGATE_RECIPIENT_MISMATCH = 310,
    /** The SubjectConfirmationData NotOnOrAfter has passed (or its NotBefore is in the future), with the clock skew. */
    SSOGATE_SUBJECT_EXPIRED = 311,
    /** The Conditions NotBefore is in the future, with the clock skew. */
    SSOGATE_NOT_YET_VALID = 312,
    /** The Conditions NotOnOrAfter has passed, with the clock skew. */
    SSOGATE_EXPIRED = 313,
    /** An AudienceRestriction does not list the connection's SP entity ID. */
    SSOGATE_AUDIENCE_MISMATCH = 314,
    /** InResponseTo is not one of the pending AuthnRequest IDs, or the Response and Assertion disagree on it. */
    SSOGATE_IN_RESPONSE_TO_UNKNOWN = 315,
    /** An unsolicited (IdP-initiated) Response, and the connection does not set allow_idp_initiated. */
    SSOGATE_UNSOLICITED_NOT_ALLOWED = 316,
    /** The Assertion has no AuthnStatement (the Web SSO profile requires one). */
    SSOGATE_AUTHN_STATEMENT_MISSING = 317,
    /** The NameID format is not emailAddress (choose "EmailAddress" as Name ID format at the IdP). */
    SSOGATE_NAMEID_FORMAT = 318,
    /** The NameID is missing, holds markup (comments, processing instructions), or is not a valid email address. */
    SSOGATE_NAMEID_INVALID = 319,
    /** The email address's domain is not among the connection's allowed domains. */
    SSOGATE_EMAIL_DOMAIN_NOT_ALLOWED = 320,
    /** The configured email attribute is missing or does not hold exactly one valid address. */
    SSOGATE_EMAIL_ATTRIBUTE = 321,
    /** This Assertion was already used (replay). */
    SSOGATE_REPLAYED = 322,
    /** The AuthnStatement's SessionNotOnOrAfter has passed, with the clock skew: the IdP session the login rests on is
       over. */
    SSOGATE_SESSION_EXPIRED = 323,
    /**
     * The Conditions hold a condition ssogate does not understand (anything but AudienceRestriction, OneTimeUse
     * and ProxyRestriction); SAML core 2.5.1.1 makes such an assertion Indeterminate.
     */
    SSOGATE_CONDITION_UNKNOWN = 324,
    /** A NotBefore that is not earlier than its NotOnOrAfter (Conditions or SubjectConfirmationData). */
    SSOGATE_TIME_WINDOW_INVALID = 325,
    /** No pending login for this RelayState: unknown, already used, or removed long after it expired. Start the login
       again. */
    SSOGATE_REQUEST_UNKNOWN = 330,
    /** The pending login's time to live (default 10 minutes) has passed. Start the login again. */
    SSOGATE_REQUEST_EXPIRED = 331,
    /** The pending login belongs to another connection than the one whose ACS received the response. */
    SSOGATE_REQUEST_CONNECTION_MISMATCH = 332,
    /** A RelayState that ssogate cannot have issued (too long, or characters outside base64url). */
    SSOGATE_RELAY_STATE_INVALID = 333,
    /** The IdP's metadata has no SingleSignOnService for the requested binding (the message lists those it has). */
    SSOGATE_BINDING_UNSUPPORTED = 334,
    /** A state store (replay cache, pending requests) could not answer; the login is refused (fail closed). */
    SSOGATE_STORE_UNAVAILABLE = 400,
    /** A store's file is not a database or its content is damaged (SQLite reported corruption). */
    SSOGATE_STORE_CORRUPT = 401,
    /** The store was written by a newer ssogate (its schema_version is higher than this build knows). */
    SSOGATE_STORE_SCHEMA_NEWER = 402,
    /** The record already exists (a member of the account, a join token, a pending request token). */
    SSOGATE_STORE_CONFLICT = 403,
    /** No such account, connection, member, invite or token (or the token was already used or expired). */
    SSOGATE_NOT_FOUND = 404,
    /** A store location that is not "sqlite:PATH", "memory:", "postgresql://..." or "redis://...", or that
     * names a store that cannot hold what is asked of it (the message says which part is wrong). */
    SSOGATE_STORE_LOCATION = 405,
    /** The database or Redis server refused the credentials of the location (wrong user or password, or a user
     * without the right to that database); the message names the server, never the password. */
    SSOGATE_STORE_AUTH = 406,
    /** The database's schema is older than this ssogate and migration on open is off: run
     * "ssogate db migrate LOCATION" (or open with migration on). */
    SSOGATE_STORE_SCHEMA_OLDER = 407,

    /** A bug in ssogate or a dependency; the message has details. */
    SSOGATE_INTERNAL = 900,
    /** Memory allocation failed. */
    SSOGATE_OUT_OF_MEMORY = 901
} ssogate_code;

/** The stable name of a code, e.g. "METADATA_EXPIRED"; "UNKNOWN" for other numbers. Static storage. */
SSOGATE_API const char *ssogate_code_name(int code) SSOGATE_NOEXCEPT;

/** A caller-owned error object. One per thread or per call; never shared while in use. */
typedef struct ssogate_error ssogate_error;

/** A new, empty error (code SSOGATE_OK). NULL only when out of memory. */
SSOGATE_API ssogate_error *ssogate_error_new(void) SSOGATE_NOEXCEPT;
/** Frees an error; NULL is allowed. */
SSOGATE_API void ssogate_error_free(ssogate_error *err) SSOGATE_NOEXCEPT;
/** The code of the last failure recorded in err, SSOGATE_OK if none (or err is NULL). */
SSOGATE_API int ssogate_error_code(const ssogate_error *err) SSOGATE_NOEXCEPT;
/** The operator message: what was expected and what came. "" when OK. Valid until err is reused or freed. */
SSOGATE_API const char *ssogate_error_message(const ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * A short message safe to show the end user whose login failed: generic, names the code for their
 * administrator, never echoes input. "" when OK. Valid until err is reused or freed.
 */
SSOGATE_API const char *ssogate_error_user_message(const ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * For a refused login whose refusal came after the response's signature verified (IdP-initiated not
 * allowed, NameID format, email domain, replay, a store that could not answer, ...): who the signed
 * Assertion names, so the operator can see who was refused. A valid address in the form directories
 * key emails by (ssogate_email_normalize); otherwise the NameID (or email attribute value) as the
 * Assertion states it, XML whitespace trimmed, cut to 256 bytes on a character boundary (then "..."),
 * control characters as '?'; "" when the Assertion names nobody readable. NULL when the refusal came
 * before any signature verified (then nothing the sender chose is reported), for every other failure,
 * and for a NULL err. Valid until err is reused or freed.
 */
SSOGATE_API const char *ssogate_error_signed_identity(const ssogate_error *err) SSOGATE_NOEXCEPT;

/* ================================================================================= 3. IdP metadata */

/** A SAML binding as the library names it. */
typedef enum ssogate_binding {
    SSOGATE_BINDING_OTHER = 0,
    SSOGATE_BINDING_HTTP_REDIRECT = 1,
    SSOGATE_BINDING_HTTP_POST = 2
} ssogate_binding;

/** Options for ssogate_idp_import. Initialise with ssogate_idp_options_init. */
typedef struct ssogate_idp_options {
    uint32_t struct_size;
    /** Inputs larger than this are refused with SSOGATE_INPUT_TOO_LARGE. Default 8 MiB; 0 = the default. */
    uint64_t max_bytes;
    /** The clock for validUntil and certificate expiry, Unix seconds; 0 = the system clock. */
    int64_t now;
    /**
     * 1 accepts an rsa-sha1 signature or sha1 digest on the metadata itself when signer_pem is given
     * (some federations still sign aggregates with SHA-1). Default 0: SHA-1 is refused.
     */
    int32_t allow_sha1;
} ssogate_idp_options;

/**
 * Fills opts with defaults. `size` is sizeof *opts as the caller compiled it: the `size` bytes are
 * zeroed first, so the fields a header newer than this library appended read as 0 (their default).
 */
SSOGATE_API void ssogate_idp_options_init(ssogate_idp_options *opts, size_t size) SSOGATE_NOEXCEPT;

/** Imported metadata of one IdP: immutable, shareable across threads. */
typedef struct ssogate_idp ssogate_idp;

/**
 * Imports IdP metadata, the bytes as the admin uploaded them.
 *
 * entity_id selects one IdP from an aggregate (EntitiesDescriptor); pass (NULL, 0) for a document with
 * one IdP. signer_pem, when given, is a PEM certificate the caller trusts: the metadata must then be
 * signed, and the signature must verify with it (SSOGATE_METADATA_UNSIGNED / _SIGNATURE_INVALID).
 * opts may be NULL for defaults. Returns NULL on failure with a 1xx code in err.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_idp *ssogate_idp_import(const char *xml, size_t xml_len, const char *entity_id,
                                                               size_t entity_id_len, const char *signer_pem,
                                                               size_t signer_pem_len, const ssogate_idp_options *opts,
                                                               ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees an IdP; NULL is allowed. Connections made from it keep their own reference. */
SSOGATE_API void ssogate_idp_free(ssogate_idp *idp) SSOGATE_NOEXCEPT;

/** The IdP's entityID. */
SSOGATE_API const char *ssogate_idp_entity_id(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
/** 1 if the IdP asks for signed AuthnRequests (WantAuthnRequestsSigned), else 0. */
SSOGATE_API int ssogate_idp_want_authn_requests_signed(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
/** validUntil as Unix seconds, 0 when absent. */
SSOGATE_API int64_t ssogate_idp_valid_until(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
/** cacheDuration as written (e.g. "PT5H"), "" when absent. */
SSOGATE_API const char *ssogate_idp_cache_duration(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
/** 1 if the metadata's signature was verified against the caller's signer certificate, else 0. */
SSOGATE_API int ssogate_idp_signature_verified(const ssogate_idp *idp) SSOGATE_NOEXCEPT;

/** SingleSignOnService endpoints, in document order. Out-of-range indexes give NULL / OTHER. */
SSOGATE_API size_t ssogate_idp_sso_count(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
SSOGATE_API int ssogate_idp_sso_binding(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
/** The binding's full URI (also for bindings other than Redirect and POST). */
SSOGATE_API const char *ssogate_idp_sso_binding_uri(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_idp_sso_location(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
/** The first SSO location with that binding (ssogate_binding), or NULL if the IdP has none. */
SSOGATE_API const char *ssogate_idp_sso_url(const ssogate_idp *idp, int binding) SSOGATE_NOEXCEPT;

/** SingleLogoutService endpoints, in document order. */
SSOGATE_API size_t ssogate_idp_slo_count(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
SSOGATE_API int ssogate_idp_slo_binding(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_idp_slo_binding_uri(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_idp_slo_location(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;

/** NameIDFormat values, in document order. */
SSOGATE_API size_t ssogate_idp_nameid_format_count(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_idp_nameid_format(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;

/** Signing certificates, in document order (every one is trusted, so key rollover works). */
SSOGATE_API size_t ssogate_idp_cert_count(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
/** DER bytes of certificate i; *len receives their length. NULL (and *len 0) when out of range. */
SSOGATE_API const unsigned char *ssogate_idp_cert_der(const ssogate_idp *idp, size_t i, size_t *len) SSOGATE_NOEXCEPT;
/** The certificate as PEM text. */
SSOGATE_API const char *ssogate_idp_cert_pem(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
/** SHA-256 of the DER, "AB:CD:..." upper-case hex with colons, as IdP consoles show it. */
SSOGATE_API const char *ssogate_idp_cert_sha256(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
/** Subject and issuer distinguished names, one line (RFC 2253). */
SSOGATE_API const char *ssogate_idp_cert_subject(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_idp_cert_issuer(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
/** Validity period, Unix seconds. */
SSOGATE_API int64_t ssogate_idp_cert_not_before(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
SSOGATE_API int64_t ssogate_idp_cert_not_after(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
/** Key type ("RSA", "EC", ...) and size in bits. */
SSOGATE_API const char *ssogate_idp_cert_key_type(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
SSOGATE_API int ssogate_idp_cert_key_bits(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;

/** Warnings found on import (e.g. SSOGATE_WARN_CERT_EXPIRED): show them to the admin. */
SSOGATE_API size_t ssogate_idp_warning_count(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
SSOGATE_API int ssogate_idp_warning_code(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_idp_warning_message(const ssogate_idp *idp, size_t i) SSOGATE_NOEXCEPT;

/* ---- Metadata by URL, refresh, events, manual set-up ---- */

/**
 * How metadata URLs are fetched: a mutable builder owned by one thread at a time; the calls that take
 * one only read it. The defaults: https only, certificate verification against the system's CA store,
 * 8 MiB, 10 s for the whole transfer, at most 3 redirects (never from https to http), and the address
 * guard: a name that resolves to a loopback, link-local, private, unique-local, multicast or otherwise
 * non-public address is refused (SSOGATE_METADATA_ADDRESS_BLOCKED), on every hop, unless it is in an
 * allowed network. The transport is libcurl unless a fetch callback is set.
 */
typedef struct ssogate_fetcher ssogate_fetcher;

/** A fetcher with the defaults. NULL only when out of memory. */
SSOGATE_API ssogate_fetcher *ssogate_fetcher_new(void) SSOGATE_NOEXCEPT;
/** Frees a fetcher; NULL is allowed. */
SSOGATE_API void ssogate_fetcher_free(ssogate_fetcher *fetcher) SSOGATE_NOEXCEPT;
/**
 * Networks allowed although the guard refuses their kind, for tests and on-premises IdPs: addresses
 * with an optional prefix, separated by spaces or commas ("10.20.0.0/16 127.0.0.1 ::1"). Replaces the
 * earlier list; "" clears it. SSOGATE_INVALID_SETTING for anything else.
 */
SSOGATE_API int ssogate_fetcher_set_allowed_networks(ssogate_fetcher *fetcher, const char *allowed_networks,
                                                     size_t allowed_networks_len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** A PEM file of the CAs to trust instead of the system's (a private CA of an on-premises IdP, tests). */
SSOGATE_API int ssogate_fetcher_set_ca_file(ssogate_fetcher *fetcher, const char *path, size_t path_len,
                                            ssogate_error *err) SSOGATE_NOEXCEPT;
/** The whole transfer's time limit, 100..120000 ms (default 10000). */
SSOGATE_API int ssogate_fetcher_set_timeout_ms(ssogate_fetcher *fetcher, int64_t timeout_ms,
                                               ssogate_error *err) SSOGATE_NOEXCEPT;
/** The largest document, 1 KiB..64 MiB (default 8 MiB); a larger one is stopped (SSOGATE_METADATA_FETCH_TOO_LARGE). */
SSOGATE_API int ssogate_fetcher_set_max_bytes(ssogate_fetcher *fetcher, uint64_t max_bytes,
                                              ssogate_error *err) SSOGATE_NOEXCEPT;
/** Redirects followed, 0..10 (default 3). */
SSOGATE_API int ssogate_fetcher_set_max_redirects(ssogate_fetcher *fetcher, int max_redirects,
                                                  ssogate_error *err) SSOGATE_NOEXCEPT;
/** Non-zero also fetches plain http URLs (never reached from https by a redirect). Default 0. */
SSOGATE_API int ssogate_fetcher_set_allow_http(ssogate_fetcher *fetcher, int allow,
                                               ssogate_error *err) SSOGATE_NOEXCEPT;
/** Certificates expiring within this many days give a CERTIFICATE_EXPIRES_SOON event, 1..365 (default 30). */
SSOGATE_API int ssogate_fetcher_set_expiry_warning_days(ssogate_fetcher *fetcher, int days,
                                                        ssogate_error *err) SSOGATE_NOEXCEPT;
/** A frozen clock for imports and refreshes, Unix seconds (tests); 0 = the system clock. */
SSOGATE_API int ssogate_fetcher_set_now(ssogate_fetcher *fetcher, int64_t now, ssogate_error *err) SSOGATE_NOEXCEPT;

/** One HTTP answer, filled by a fetch callback with ssogate_fetch_reply_set. */
typedef struct ssogate_fetch_reply ssogate_fetch_reply;

/**
 * A host's own HTTP client: one GET of url, without following redirects, sending If-None-Match and
 * If-Modified-Since when they are not empty, and honouring the fetcher's limits. It fills reply and
 * returns 0, or returns SSOGATE_METADATA_FETCH_FAILED / _FETCH_TIMEOUT / _TLS / _ADDRESS_BLOCKED when
 * it could not. The library then applies the same rules as to libcurl's answers (redirect rules, status,
 * size); the address guard is the callback's own. Called on the thread of the import or refresh.
 */
typedef int (*ssogate_fetch_fn)(void *user_data, const char *url, size_t url_len, const char *if_none_match,
                                size_t if_none_match_len, const char *if_modified_since, size_t if_modified_since_len,
                                ssogate_fetch_reply *reply);
/** The answer: its status, body, ETag and Last-Modified validators, and a redirect's Location ("" when none). */
SSOGATE_API int ssogate_fetch_reply_set(ssogate_fetch_reply *reply, int status, const char *body, size_t body_len,
                                        const char *etag, size_t etag_len, const char *last_modified,
                                        size_t last_modified_len, const char *location,
                                        size_t location_len) SSOGATE_NOEXCEPT;
/** Fetches through fn (with user_data) instead of libcurl; fn NULL returns to libcurl. */
SSOGATE_API int ssogate_fetcher_set_callback(ssogate_fetcher *fetcher, ssogate_fetch_fn fn, void *user_data,
                                             ssogate_error *err) SSOGATE_NOEXCEPT;

/** What a metadata event is about. Numbers are stable; ssogate_metadata_event_list_name gives the name. */
typedef enum ssogate_metadata_event {
    /** The IdP published a signing certificate the connection did not have: responses signed with it verify. */
    SSOGATE_METADATA_EVENT_SIGNING_KEY_ADDED = 1,
    /** A signing certificate is no longer listed: responses signed with it are refused from now on. */
    SSOGATE_METADATA_EVENT_SIGNING_KEY_REMOVED = 2,
    /** A signing certificate expires within the warning window. */
    SSOGATE_METADATA_EVENT_CERTIFICATE_EXPIRES_SOON = 3,
    /** A signing certificate has expired. */
    SSOGATE_METADATA_EVENT_CERTIFICATE_EXPIRED = 4,
    /** The IdP's single sign-on URL changed (old and new values). */
    SSOGATE_METADATA_EVENT_SSO_URL_CHANGED = 5,
    /** The metadata in force is past its validUntil and nothing newer applied: logins are refused. */
    SSOGATE_METADATA_EVENT_METADATA_EXPIRED = 6,
    /** A refresh failed (error code, consecutive failures); the last known good metadata stays. */
    SSOGATE_METADATA_EVENT_REFRESH_FAILED = 7,
    /** The URL now describes another entityID: not applied, an admin must act. */
    SSOGATE_METADATA_EVENT_ENTITY_ID_CHANGED = 8,
    /** A new document is in force. */
    SSOGATE_METADATA_EVENT_METADATA_UPDATED = 9
} ssogate_metadata_event;

/** A list of metadata events: immutable, owned by the handle it came from. */
typedef struct ssogate_metadata_event_list ssogate_metadata_event_list;
/** How many events (0 for NULL). */
SSOGATE_API size_t ssogate_metadata_event_list_count(const ssogate_metadata_event_list *events) SSOGATE_NOEXCEPT;
/** ssogate_metadata_event of event i (0 when out of range). */
SSOGATE_API int ssogate_metadata_event_list_kind(const ssogate_metadata_event_list *events, size_t i) SSOGATE_NOEXCEPT;
/** Its stable name ("SIGNING_KEY_ADDED"; the audit log's outcome for it); NULL when out of range. */
SSOGATE_API const char *ssogate_metadata_event_list_name(const ssogate_metadata_event_list *events,
                                                         size_t i) SSOGATE_NOEXCEPT;
/** One sentence for the admin: what happened and what to do. */
SSOGATE_API const char *ssogate_metadata_event_list_message(const ssogate_metadata_event_list *events,
                                                            size_t i) SSOGATE_NOEXCEPT;
/** Key and certificate events: the certificate's SHA-256 ("AB:CD:..."); "" otherwise. */
SSOGATE_API const char *ssogate_metadata_event_list_fingerprint(const ssogate_metadata_event_list *events,
                                                                size_t i) SSOGATE_NOEXCEPT;
/** Key and certificate events: the certificate's notAfter, Unix seconds; 0 otherwise. */
SSOGATE_API int64_t ssogate_metadata_event_list_not_after(const ssogate_metadata_event_list *events,
                                                          size_t i) SSOGATE_NOEXCEPT;
/** SSO_URL_CHANGED: the old and the new URL; "" otherwise. */
SSOGATE_API const char *ssogate_metadata_event_list_old_value(const ssogate_metadata_event_list *events,
                                                              size_t i) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_metadata_event_list_new_value(const ssogate_metadata_event_list *events,
                                                              size_t i) SSOGATE_NOEXCEPT;
/** REFRESH_FAILED and ENTITY_ID_CHANGED: the consecutive failures, this one included; 0 otherwise. */
SSOGATE_API int ssogate_metadata_event_list_failures(const ssogate_metadata_event_list *events,
                                                     size_t i) SSOGATE_NOEXCEPT;
/** REFRESH_FAILED and ENTITY_ID_CHANGED: the failure's code; SSOGATE_OK otherwise. */
SSOGATE_API int ssogate_metadata_event_list_error_code(const ssogate_metadata_event_list *events,
                                                       size_t i) SSOGATE_NOEXCEPT;

/**
 * Imports IdP metadata from an https URL an admin gave, through fetcher (NULL: the defaults). entity_id
 * and signer_pem as for ssogate_idp_import; a signer given here is pinned: every refresh must verify
 * with it too. The IdP remembers its URL and validators (ssogate_idp_source_url, ...), and a
 * connection made from it can be refreshed. Returns NULL with a 13x code (the fetch) or a 1xx code
 * (the document) in err. ssogate_idp_events lists certificates expired or expiring.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_idp *ssogate_idp_import_url(const char *url, size_t url_len,
                                                                   const char *entity_id, size_t entity_id_len,
                                                                   const char *signer_pem, size_t signer_pem_len,
                                                                   const ssogate_idp_options *opts,
                                                                   const ssogate_fetcher *fetcher,
                                                                   ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * IdP metadata from the values an IdP's set-up page shows when there is no metadata file (Okta: "View
 * SAML setup instructions"): its entity ID, its single sign-on URL (used for the Redirect and POST
 * bindings) and its signing certificate, PEM or base64 DER. The same checks as an import apply.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_idp *ssogate_idp_from_settings(const char *entity_id, size_t entity_id_len,
                                                                      const char *sso_url, size_t sso_url_len,
                                                                      const char *certificate, size_t certificate_len,
                                                                      const ssogate_idp_options *opts,
                                                                      ssogate_error *err) SSOGATE_NOEXCEPT;
/** The events of the import or refresh that made this IdP (empty for a file). Owned by the IdP. */
SSOGATE_API const ssogate_metadata_event_list *ssogate_idp_events(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
/** The URL the metadata came from; "" for a file or a manual set-up. */
SSOGATE_API const char *ssogate_idp_source_url(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
/** The server's ETag and Last-Modified of the copy in force ("" when it sent none). */
SSOGATE_API const char *ssogate_idp_source_etag(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_idp_source_last_modified(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
/** The last successful fetch and the last attempt, Unix seconds (0 for a file). */
SSOGATE_API int64_t ssogate_idp_source_fetched_at(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
SSOGATE_API int64_t ssogate_idp_source_attempted_at(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
/**
 * When to refresh next, Unix seconds (0 for a file): after a success the metadata's cacheDuration (6
 * hours without one) kept within 10 minutes and 24 hours and before three quarters of the time left to
 * validUntil; after failures 5 minutes, doubling up to an hour.
 */
SSOGATE_API int64_t ssogate_idp_source_next_refresh_at(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
/** Consecutive failed refreshes (0 after a success), and the last failure's code and message. */
SSOGATE_API int ssogate_idp_source_failures(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
SSOGATE_API int ssogate_idp_source_last_error_code(const ssogate_idp *idp) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_idp_source_last_error(const ssogate_idp *idp) SSOGATE_NOEXCEPT;

/* ================================================================================== 4. Connections */

/** Options for ssogate_connection_new. Initialise with ssogate_connection_options_init. */
typedef struct ssogate_connection_options {
    uint32_t struct_size;
    /** Accept unsolicited responses (login from the IdP's dashboard). Default 0; any non-zero is 1. */
    int32_t allow_idp_initiated;
    /** Newcomers from allowed domains are prompted to join (Just-in-Time). Default 0. */
    int32_t jit_provisioning;
    /** Tolerated clock difference with the IdP, 0..600 seconds. Default 180. */
    int32_t clock_skew_seconds;
    /** Accept SHA-1 signatures and digests (legacy IdPs). Default 0. */
    int32_t allow_sha1;
    /**
     * Accept RSA-1_5 (PKCS #1 v1.5) key transport in encrypted assertions. Default 0: it is open to
     * Bleichenbacher's padding-oracle attack, so only a legacy IdP that cannot use RSA-OAEP needs it.
     */
    int32_t allow_rsa_1_5;
    /**
     * Accept SP encryption certificates (and keys) of 1024 to 2047 bits, for test keys other projects
     * publish. Default 0: an SP encryption key has 2048 bits or more.
     */
    int32_t allow_legacy_sp_key;
} ssogate_connection_options;

/** Fills opts with defaults. `size` is sizeof *opts as the caller compiled it. */
SSOGATE_API void ssogate_connection_options_init(ssogate_connection_options *opts, size_t size) SSOGATE_NOEXCEPT;

/** A connection (one IdP of an account): immutable, shareable across threads. */
typedef struct ssogate_connection ssogate_connection;

/**
 * Parameters for a new connection's strings: a mutable builder, owned by one thread at a time.
 * Make one, set what you need, pass it to ssogate_connection_new, free it (the connection copies it).
 */
typedef struct ssogate_connection_params ssogate_connection_params;

/** A new, empty builder. NULL only when out of memory. */
SSOGATE_API ssogate_connection_params *ssogate_connection_params_new(void) SSOGATE_NOEXCEPT;
/** Frees a builder; NULL is allowed. */
SSOGATE_API void ssogate_connection_params_free(ssogate_connection_params *params) SSOGATE_NOEXCEPT;
/**
 * The service's base URL, e.g. "https://app.example.com". Required unless both the ACS URL and the SP
 * entity ID are set explicitly. The setters below return SSOGATE_OK or a failure code (also in err);
 * values are checked by ssogate_connection_new.
 */
SSOGATE_API int ssogate_connection_params_set_base_url(ssogate_connection_params *params, const char *v, size_t len,
                                                       ssogate_error *err) SSOGATE_NOEXCEPT;
/** The connection id; unset generates 128 random bits, URL-safe (22 characters). */
SSOGATE_API int ssogate_connection_params_set_id(ssogate_connection_params *params, const char *v, size_t len,
                                                 ssogate_error *err) SSOGATE_NOEXCEPT;
/** A description for people ("Okta, production"). */
SSOGATE_API int ssogate_connection_params_set_description(ssogate_connection_params *params, const char *v, size_t len,
                                                          ssogate_error *err) SSOGATE_NOEXCEPT;
/** An explicit ACS URL, for an IdP app that already exists. Default: the template below. */
SSOGATE_API int ssogate_connection_params_set_acs_url(ssogate_connection_params *params, const char *v, size_t len,
                                                      ssogate_error *err) SSOGATE_NOEXCEPT;
/** An explicit SP entity ID. Default: the template below. */
SSOGATE_API int ssogate_connection_params_set_sp_entity_id(ssogate_connection_params *params, const char *v, size_t len,
                                                           ssogate_error *err) SSOGATE_NOEXCEPT;
/** The ACS URL template, with {base} and {id}. Default "{base}/sso/saml/{id}/acs". */
SSOGATE_API int ssogate_connection_params_set_acs_url_template(ssogate_connection_params *params, const char *v,
                                                               size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The SP entity ID template, with {base} and {id}. Default "{base}/sso/saml/{id}". */
SSOGATE_API int ssogate_connection_params_set_sp_entity_id_template(ssogate_connection_params *params, const char *v,
                                                                    size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** Adds an email domain allowed to log in ("example.com"); none added allows any domain. */
SSOGATE_API int ssogate_connection_params_add_allowed_domain(ssogate_connection_params *params, const char *v,
                                                             size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** Take the email from this SAML attribute (e.g. "email") instead of the NameID. */
SSOGATE_API int ssogate_connection_params_set_email_attribute(ssogate_connection_params *params, const char *v,
                                                              size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * The certificate (PEM) of the SP key logins are begun with: published in the SP metadata as its signing
 * KeyDescriptor, and ssogate_sp_login_begin refuses a key with another certificate (SSOGATE_SP_KEY_INVALID:
 * the IdP would not verify its signatures).
 */
SSOGATE_API int ssogate_connection_params_set_sp_certificate_pem(ssogate_connection_params *params, const char *v,
                                                                 size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * Adds an origin ("https://app.example.com", scheme://host[:port] only) that an SP-initiated login may
 * return to with an absolute URL (ssogate_sp_login_begin's return_to). Paths on the service ("/x") are
 * always allowed; with no origin added, only they are. Checked by ssogate_connection_new
 * (SSOGATE_INVALID_SETTING for a URL with a path, query or another scheme).
 */
SSOGATE_API int ssogate_connection_params_add_return_origin(ssogate_connection_params *params, const char *v,
                                                            size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * Adds the certificate (PEM, RSA of 2048 bits or more) of an SP encryption key: the IdP encrypts
 * assertions to it. Add the current and, during a key rollover, the next one: SP metadata lists each as
 * a KeyDescriptor use="encryption" with the accepted EncryptionMethod algorithms, and verification tries
 * each key. It may be the certificate of the request-signing key or of another key. The private key
 * never enters the connection or its JSON: the host loads it (ssogate_sp_key_new) from its own secret
 * store and gives it to verification (ssogate_verify_options.decryption_keys,
 * ssogate_gate_add_decryption_key). Checked by ssogate_connection_new (SSOGATE_INVALID_SETTING).
 */
SSOGATE_API int ssogate_connection_params_add_sp_encryption_certificate(ssogate_connection_params *params,
                                                                        const char *v, size_t len,
                                                                        ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * Makes a connection for an imported IdP from params (NULL: every default, which fails without a
 * base URL) and opts (NULL for defaults). Fails with SSOGATE_INVALID_URL, SSOGATE_INVALID_SETTING or
 * SSOGATE_INVALID_ARGUMENT, naming the field.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_connection *ssogate_connection_new(const ssogate_idp *idp,
                                                                          const ssogate_connection_params *params,
                                                                          const ssogate_connection_options *opts,
                                                                          ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * Restores a connection from ssogate_connection_to_json's output. Malformed JSON gives
 * SSOGATE_CONNECTION_JSON; JSON from a newer schema gives SSOGATE_CONNECTION_VERSION. The IdP metadata
 * inside is imported again with opts (so metadata whose validUntil has passed is refused).
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_connection *ssogate_connection_from_json(const char *json, size_t json_len,
                                                                                const ssogate_idp_options *opts,
                                                                                ssogate_error *err) SSOGATE_NOEXCEPT;

/** Frees a connection; NULL is allowed. */
SSOGATE_API void ssogate_connection_free(ssogate_connection *conn) SSOGATE_NOEXCEPT;

/**
 * Getters of a connection. Strings are borrowed from conn; a NULL conn gives NULL (strings) or 0.
 * The connection id, as given or generated.
 */
SSOGATE_API const char *ssogate_connection_id(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/** The ACS URL to paste into the IdP ("Single sign on URL" in Okta). */
SSOGATE_API const char *ssogate_connection_acs_url(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/** The SP Entity ID to paste into the IdP ("Audience URI (SP Entity ID)" in Okta). */
SSOGATE_API const char *ssogate_connection_sp_entity_id(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/** The settings of ssogate_connection_options, as the connection holds them (flags are 0 or 1). */
SSOGATE_API int ssogate_connection_allow_idp_initiated(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
SSOGATE_API int ssogate_connection_jit_provisioning(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
SSOGATE_API int ssogate_connection_clock_skew_seconds(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
SSOGATE_API int ssogate_connection_allow_sha1(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/** Allowed email domains, in the order added; none means any domain. Out of range gives NULL. */
SSOGATE_API size_t ssogate_connection_allowed_domain_count(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_connection_allowed_domain(const ssogate_connection *conn, size_t i) SSOGATE_NOEXCEPT;
/** Allowed return origins, normalised ("https://app.example.com", default port dropped). Out of range gives NULL. */
SSOGATE_API size_t ssogate_connection_return_origin_count(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_connection_return_origin(const ssogate_connection *conn, size_t i) SSOGATE_NOEXCEPT;
/** The description given in the params, "" when none. */
SSOGATE_API const char *ssogate_connection_description(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/** The attribute the email is read from, "" when it is the NameID. */
SSOGATE_API const char *ssogate_connection_email_attribute(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/**
 * The IdP of this connection, borrowed: valid as long as conn. Do not free it.
 */
SSOGATE_API const ssogate_idp *ssogate_connection_idp(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/** The SP certificate (PEM) given with ssogate_connection_params_set_sp_certificate_pem, "" when none. */
SSOGATE_API const char *ssogate_connection_sp_certificate_pem(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/**
 * The SHA-256 fingerprint of the SP certificate ("AB:CD:...", the form IdP consoles show), "" when the
 * connection has none: what an admin compares with what the IdP received.
 */
SSOGATE_API const char *ssogate_connection_sp_certificate_sha256(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/**
 * 1 when every login begun for this connection is signed (its IdP's metadata wants signed
 * AuthnRequests; the SP metadata then says AuthnRequestsSigned="true"), else 0.
 */
SSOGATE_API int ssogate_connection_authn_requests_signed(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/** The SP encryption certificates, in the order added: PEM and SHA-256 fingerprint ("AB:CD:..."). */
SSOGATE_API size_t ssogate_connection_sp_encryption_certificate_count(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_connection_sp_encryption_certificate_pem(const ssogate_connection *conn,
                                                                         size_t i) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_connection_sp_encryption_certificate_sha256(const ssogate_connection *conn,
                                                                            size_t i) SSOGATE_NOEXCEPT;
/** The connection options allow_rsa_1_5 and allow_legacy_sp_key: 1 or 0. */
SSOGATE_API int ssogate_connection_allow_rsa_1_5(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
SSOGATE_API int ssogate_connection_allow_legacy_sp_key(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/** JSON with a schema version, for the host to keep in its database. */
SSOGATE_API const char *ssogate_connection_to_json(const ssogate_connection *conn) SSOGATE_NOEXCEPT;
/**
 * SAML 2.0 SP metadata (SPSSODescriptor) for IdPs that import it. It says what the connection does:
 * AuthnRequestsSigned is "true" when the IdP's metadata wants signed AuthnRequests (every login begun
 * for the connection is then signed; ssogate_sp_login_begin refuses an unsigned one with
 * SSOGATE_SP_KEY_REQUIRED), else "false" (a login may be begun without a key). The SP certificate, when
 * set, is its KeyDescriptor use="signing".
 */
SSOGATE_API const char *ssogate_connection_sp_metadata(const ssogate_connection *conn) SSOGATE_NOEXCEPT;

/** What a refresh did: immutable. */
typedef struct ssogate_refresh ssogate_refresh;

/**
 * Refreshes a connection imported from a URL (ssogate_idp_import_url) through fetcher (NULL: the
 * defaults): a conditional GET; a new document is imported with the same checks, the pinned signer and
 * the same entityID. A document that fails (unreachable, malformed, expired, wrongly signed, another
 * entityID) is not applied: the result's connection keeps the last known good metadata, with the
 * failure counted, and ssogate_refresh_error_code says why. Returns NULL only for caller errors:
 * SSOGATE_INVALID_ARGUMENT when conn has no metadata URL. The host stores the result's connection JSON
 * (it carries the refresh state) and calls again at ssogate_idp_source_next_refresh_at.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_refresh *ssogate_connection_refresh(const ssogate_connection *conn,
                                                                           const ssogate_fetcher *fetcher,
                                                                           ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees a refresh result; NULL is allowed (connections taken from it stay valid). */
SSOGATE_API void ssogate_refresh_free(ssogate_refresh *refresh) SSOGATE_NOEXCEPT;
/**
 * The connection to keep: a new handle (free it with ssogate_connection_free) over the new metadata when
 * ssogate_refresh_applied, else over the last known good with its refresh state updated.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_connection *ssogate_refresh_connection(const ssogate_refresh *refresh,
                                                                              ssogate_error *err) SSOGATE_NOEXCEPT;
/** 1 when a new document is in force, else 0. */
SSOGATE_API int ssogate_refresh_applied(const ssogate_refresh *refresh) SSOGATE_NOEXCEPT;
/** 1 when the server had nothing newer (304, or the same bytes), else 0. */
SSOGATE_API int ssogate_refresh_not_modified(const ssogate_refresh *refresh) SSOGATE_NOEXCEPT;
/** SSOGATE_OK, or the code of the failure that kept the last known good; and its message ("" on success). */
SSOGATE_API int ssogate_refresh_error_code(const ssogate_refresh *refresh) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_refresh_error_message(const ssogate_refresh *refresh) SSOGATE_NOEXCEPT;
/** The events, in order (owned by the result). */
SSOGATE_API const ssogate_metadata_event_list *ssogate_refresh_events(const ssogate_refresh *refresh) SSOGATE_NOEXCEPT;

/* ================================================================================= 5. State stores */

/* Replay cache */

/**
 * A replay cache: remembers assertion IDs until they expire, so an intercepted SAMLResponse cannot be
 * posted twice. Thread-safe; share one per process (memory) or per deployment (SQLite file, Redis).
 * A cache that cannot answer makes verification refuse the login with SSOGATE_STORE_UNAVAILABLE.
 */
typedef struct ssogate_replay_cache ssogate_replay_cache;

/** Options for ssogate_replay_cache_new_memory and _open. Initialise with ssogate_replay_cache_options_init. */
typedef struct ssogate_replay_cache_options {
    uint32_t struct_size;
    /**
     * The clock that decides when a remembered ID has expired and may be forgotten, Unix seconds;
     * 0 = the system clock. Tests that verify with a frozen ssogate_verify_options.now freeze this
     * too, or an old test response would be forgotten at once and its replay not recognised.
     */
    int64_t now;
    /**
     * At most this many live entries in all (memory, SQLite and Redis alike); beyond it inserts fail closed
     * with SSOGATE_STORE_UNAVAILABLE, never by forgetting an entry. 0 = 1,000,000. An entry lives no longer
     * than its assertion could be accepted: at most the signed IssueInstant + the maximum age + the clock skew.
     */
    uint64_t max_entries;
    /**
     * At most this many live entries for one connection, so that one connection's volume (an IdP minting
     * assertions in a loop) refuses only that connection's logins, never another's. 0 = a tenth of max_entries.
     */
    uint64_t max_entries_per_connection;
} ssogate_replay_cache_options;

/** Fills opts with defaults. `size` is sizeof *opts as the caller compiled it. */
SSOGATE_API void ssogate_replay_cache_options_init(ssogate_replay_cache_options *opts, size_t size) SSOGATE_NOEXCEPT;

/** An in-memory replay cache for one process. opts may be NULL for defaults. */
SSOGATE_API ssogate_replay_cache *ssogate_replay_cache_new_memory(const ssogate_replay_cache_options *opts,
                                                                  ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * Opens a replay cache at a store location: "memory:", "sqlite:PATH" (one file, WAL, shared by the
 * processes of one machine), "postgresql://..." or "redis://[USER:PASSWORD@]HOST:PORT[/DB]" (shared by many
 * nodes; see ssogate_gate_open for their parameters). A malformed location
 * gives SSOGATE_STORE_LOCATION. A Redis server that is down does not fail here: verification does,
 * with SSOGATE_STORE_UNAVAILABLE. opts may be NULL; its limits apply to every kind of location.
 */
SSOGATE_API ssogate_replay_cache *ssogate_replay_cache_open(const char *location, size_t location_len,
                                                            const ssogate_replay_cache_options *opts,
                                                            ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * The host's own replay store, as callbacks. The library calls them from whichever thread verifies,
 * possibly from several threads at once.
 */
typedef struct ssogate_replay_callbacks {
    /** sizeof(ssogate_replay_callbacks) as the caller compiled it (there is no _init: set every field). */
    uint32_t struct_size;
    /** Passed back to every callback. */
    void *user_data;
    /**
     * Records key (key_len bytes, not NUL-terminated) until expires_at (Unix seconds), atomically: sets
     * *inserted to 1 when the key was absent (first use) and 0 when present (a replay). Returns 0 when
     * the store answered; any other value means it could not, and the login is refused with
     * SSOGATE_STORE_UNAVAILABLE (fail closed). Required.
     */
    int (*insert_if_absent)(void *user_data, const char *key, size_t key_len, int64_t expires_at, int *inserted);
    /** Called once with user_data when the cache is freed; may be NULL. */
    void (*free_user_data)(void *user_data);
} ssogate_replay_callbacks;

/**
 * A replay cache over the host's callbacks; cb is copied. NULL cb or insert_if_absent gives
 * SSOGATE_INVALID_ARGUMENT (free_user_data is then not called).
 */
SSOGATE_API ssogate_replay_cache *ssogate_replay_cache_new_callbacks(const ssogate_replay_callbacks *cb,
                                                                     ssogate_error *err) SSOGATE_NOEXCEPT;

/** Frees a replay cache (closing its database or Redis connection); NULL is allowed. */
SSOGATE_API void ssogate_replay_cache_free(ssogate_replay_cache *cache) SSOGATE_NOEXCEPT;

/* Pending-request store */

/**
 * The pending SP-initiated logins (section 8): for each AuthnRequest, its ID, connection, return-to
 * and expiry, keyed by the opaque RelayState token the browser carries to the IdP and back. Each
 * record is taken exactly once. Thread-safe; share one per process (memory) or per deployment
 * (SQLite file, Redis). A store that cannot answer refuses the login (SSOGATE_STORE_UNAVAILABLE).
 */
typedef struct ssogate_request_store ssogate_request_store;

/**
 * An in-memory store for one process (records are lost on restart; not shared between nodes). Logins
 * begun and never finished are dropped once expired; beyond 1,000,000 unexpired ones, beginning
 * another fails closed with SSOGATE_STORE_UNAVAILABLE.
 */
SSOGATE_API ssogate_request_store *ssogate_request_store_new_memory(ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * Opens a store at a location: "memory:", "sqlite:PATH" (one file, WAL, shared by the processes of one
 * machine; the same file as the replay cache is fine), "postgresql://..." or
 * "redis://[USER:PASSWORD@]HOST:PORT[/DB]" (shared by many nodes). A malformed location gives SSOGATE_STORE_LOCATION; a
 * Redis server that is down does not fail here but at the first login, with SSOGATE_STORE_UNAVAILABLE.
 */
SSOGATE_API ssogate_request_store *ssogate_request_store_open(const char *location, size_t location_len,
                                                              ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * One pending request as the host's callbacks see it: read it in put with the getters, fill it in
 * take with ssogate_pending_request_set. Valid only during the callback.
 */
typedef struct ssogate_pending_request ssogate_pending_request;

/** The AuthnRequest ID (the InResponseTo of the answer). */
SSOGATE_API const char *ssogate_pending_request_request_id(const ssogate_pending_request *r) SSOGATE_NOEXCEPT;
/** The id of the connection the login was begun for. */
SSOGATE_API const char *ssogate_pending_request_connection_id(const ssogate_pending_request *r) SSOGATE_NOEXCEPT;
/** Where to send the user after the login ("" for none), validated when the login began. */
SSOGATE_API const char *ssogate_pending_request_return_to(const ssogate_pending_request *r) SSOGATE_NOEXCEPT;
/** When the login began and when it expires, Unix seconds. */
SSOGATE_API int64_t ssogate_pending_request_created_at(const ssogate_pending_request *r) SSOGATE_NOEXCEPT;
SSOGATE_API int64_t ssogate_pending_request_expires_at(const ssogate_pending_request *r) SSOGATE_NOEXCEPT;
/**
 * Fills r (in a take callback) with a record the host found; the library copies every string. Returns
 * SSOGATE_OK, or SSOGATE_INVALID_ARGUMENT for a NULL r or a (NULL, n > 0) string.
 */
SSOGATE_API int ssogate_pending_request_set(ssogate_pending_request *r, const char *request_id, size_t request_id_len,
                                            const char *connection_id, size_t connection_id_len, const char *return_to,
                                            size_t return_to_len, int64_t created_at,
                                            int64_t expires_at) SSOGATE_NOEXCEPT;

/**
 * The host's own pending-request store, as callbacks. The library calls them from whichever thread
 * begins or finishes a login, possibly from several threads at once. Every callback returns 0 when
 * the store answered; any other value means it could not, and the call fails with
 * SSOGATE_STORE_UNAVAILABLE (fail closed).
 */
typedef struct ssogate_request_callbacks {
    /** sizeof(ssogate_request_callbacks) as the caller compiled it (there is no _init: set every field). */
    uint32_t struct_size;
    /** Passed back to every callback. */
    void *user_data;
    /** Stores request under token (token_len bytes, not NUL-terminated) until its expires_at. Required. */
    int (*put)(void *user_data, const char *token, size_t token_len, const ssogate_pending_request *request);
    /**
     * Removes and returns the record stored under token, atomically (two concurrent takes must not both
     * find it): fill out with ssogate_pending_request_set and set *found to 1, or set *found to 0.
     * Return records whose expires_at <= now as not found, except that `now` may be INT64_MIN, which
     * asks for the record whatever its expiry (the library then reports "expired" itself). Required.
     */
    int (*take)(void *user_data, const char *token, size_t token_len, int64_t now, ssogate_pending_request *out,
                int *found);
    /**
     * The same, finding the record by (connection id, request id), for IdPs that drop the RelayState.
     * May be NULL: such responses are then refused with SSOGATE_REQUEST_UNKNOWN.
     */
    int (*take_by_request_id)(void *user_data, const char *connection_id, size_t connection_id_len,
                              const char *request_id, size_t request_id_len, int64_t now, ssogate_pending_request *out,
                              int *found);
    /** Called once with user_data when the store is freed; may be NULL. */
    void (*free_user_data)(void *user_data);
} ssogate_request_callbacks;

/**
 * A pending-request store over the host's callbacks; cb is copied. NULL cb, put or take gives
 * SSOGATE_INVALID_ARGUMENT (free_user_data is then not called).
 */
SSOGATE_API ssogate_request_store *ssogate_request_store_new_callbacks(const ssogate_request_callbacks *cb,
                                                                       ssogate_error *err) SSOGATE_NOEXCEPT;

/** Frees a store (closing its database or Redis connection); NULL is allowed. */
SSOGATE_API void ssogate_request_store_free(ssogate_request_store *store) SSOGATE_NOEXCEPT;

/* Directory */

/**
 * The directory a gate decides with: accounts, their connections, members, invites, one-time join
 * tokens and the append-only audit log. Thread-safe; made by ssogate_directory_open (the library's own
 * stores) or ssogate_directory_new_callbacks (the host's), and shared with gates by ssogate_gate_new.
 */
typedef struct ssogate_directory ssogate_directory;

/**
 * Opens a directory at a location: "memory:" (this process; tests), "sqlite:PATH" (one file, WAL;
 * the same file as the replay cache and pending requests is fine) or "postgresql://..." (one database shared
 * by many nodes; see ssogate_gate_open). Anything else gives
 * SSOGATE_STORE_LOCATION, "redis://..." included: the directory is the durable record (members, audit
 * log) and needs transactions, so it is never in Redis. A database that cannot be opened gives
 * SSOGATE_STORE_UNAVAILABLE / _AUTH / _CORRUPT / _SCHEMA_NEWER / _SCHEMA_OLDER.
 */
SSOGATE_API ssogate_directory *ssogate_directory_open(const char *location, size_t location_len,
                                                      ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * Where a directory callback puts the JSON it answers with (one record, or a JSON array of records:
 * see ssogate_directory_callbacks). Valid only during the callback.
 */
typedef struct ssogate_json_out ssogate_json_out;

/**
 * Copies json (len bytes, UTF-8) as the callback's answer; a second call replaces the first. Returns
 * SSOGATE_OK, or SSOGATE_INVALID_ARGUMENT for a NULL out or (NULL, len > 0). The JSON is read when the
 * callback returns: malformed JSON or a record that breaks the schema fails the call with
 * SSOGATE_STORE_CORRUPT.
 */
SSOGATE_API int ssogate_json_out_set(ssogate_json_out *out, const char *json, size_t len) SSOGATE_NOEXCEPT;

/**
 * Rewrites email (email_len bytes) in place into the form every ssogate directory keys members,
 * invites and join tokens by, the form the library passes to the callbacks: ASCII A-Z lower-cased,
 * every other byte unchanged, so the length never changes (the same rule gives a domain's form). Use it
 * where your own code writes an email into your directory or looks one up outside the gate (an admin
 * screen, an import), so that the gate finds it; never your language's own lower-casing, which may fold
 * other characters too and then disagree with the gate about who is who. It does not check the address
 * (ssogate_gate_add_member, ssogate_gate_invite and verification do). NULL email is allowed (nothing
 * happens).
 */
SSOGATE_API void ssogate_email_normalize(char *email, size_t email_len) SSOGATE_NOEXCEPT;

/**
 * The host's own directory, as callbacks (there is no _init: set every field). Records cross as JSON
 * objects, "directory records, schema 1"; every field is required, unknown fields are refused, emails
 * and domains are lower-case (the library passes them lower-cased), ints are Unix seconds or sequence
 * numbers (int64):
 *
 * account {"id", "name", "sso_mode": "mixed"|"enforced", "verified_domains": [str], "break_glass": [str],
 * optional "revision": int (see update_account)};
 * connection {"id", "account_id", "json": the connection's JSON verbatim, "enabled": bool};
 * member {"account_id", "email", "role": "owner"|"admin"|"member", "status": "active"|"disabled",
 * "has_password": bool, "joined_via": "password"|"sso", "sso_linked": bool, "last_sso_login": int (0 =
 * never), "created_at": int}; invite {"account_id", "email", "role", "token", "created_at": int,
 * "expires_at": int}; join token {"token", "account_id", "connection_id", "email", "expires_at": int};
 * audit row {"seq": int, "time": int, "account_id", "connection_id", "email", "outcome", "reason",
 * "detail"}. Lists are JSON arrays of records.
 *
 * Return codes, checked fail-closed: 0 when the store answered; SSOGATE_NOT_FOUND or
 * SSOGATE_STORE_CONFLICT only where the callback's comment allows it (the call then fails with that
 * code); any other value means the store could not answer, and the call fails with
 * SSOGATE_STORE_UNAVAILABLE (a login is refused, never let through), the message naming the callback
 * and the value. A record that breaks the schema fails the call with SSOGATE_STORE_CORRUPT.
 *
 * Strings passed in are (ptr, len) and also NUL-terminated, valid during the callback only. A find_*
 * that finds nothing returns 0 without calling ssogate_json_out_set; a list_* or read_audit that does
 * not call it answers an empty list. The library calls the callbacks from whichever thread uses the
 * directory, possibly from several threads at once.
 *
 * Writes with effects go through ONE callback, apply, which receives a "directory change, schema 1":
 * a JSON array of operations, each an object with its "op" name, to apply IN ORDER and in ONE
 * transaction of the host's store (all or nothing, even if the process dies half-way; each operation
 * sees the effect of the earlier ones). The library computes every change (the member row, the
 * invite or token consumed, the audit row); the host only stores. The operations and their
 * preconditions; the first that does not hold fails the whole change, which must then leave nothing
 * behind:
 *
 * {"op": "take_invite", "account_id", "email", "token", "now": int}: deletes the invite of
 * (account_id, email) if it exists, its token equals "token" and expires_at > now; otherwise
 * SSOGATE_NOT_FOUND.
 *
 * {"op": "take_join_token", "token", "now": int}: deletes the join token if it exists and
 * expires_at > now; otherwise SSOGATE_NOT_FOUND.
 *
 * {"op": "insert_member", "member": member}: inserts the member; SSOGATE_NOT_FOUND when its account
 * does not exist (checked first), SSOGATE_STORE_CONFLICT when a member with its (account_id, email)
 * exists.
 *
 * {"op": "update_member", "before": member, "after": member}: replaces the member row with "after"
 * only if the stored row equals "before" in every field (a compare-and-swap: a row another writer
 * changed since the library read it is never overwritten); SSOGATE_NOT_FOUND when there is no such
 * member, SSOGATE_STORE_CONFLICT when the stored row differs. before and after have the same key.
 *
 * {"op": "append_audit", "entry": audit row}: appends the row (its "seq" is 0), giving it the next
 * sequence number: > 0 and greater than every earlier row's. No precondition. This is the only way
 * rows enter the audit log, which only grows.
 *
 * {"op": "update_account", "before": account, "after": account}, both with "revision": int:
 * replaces the account's settings with "after" only if the stored account is still "before" (a
 * compare-and-swap); SSOGATE_NOT_FOUND when there is no such account, SSOGATE_STORE_CONFLICT when it
 * changed. "after" may equal "before" but for its revision (before's + 1): the change then only
 * proves that nothing moved since the read. An account carries "revision" (int; 0 when left out): the
 * host keeps it, compares it here, stores after's, and moves it forward (+1) at every insert_member,
 * update_member and remove_member of the account in the same transaction. That is what serialises the
 * lockout guard (ssogate_gate_apply_sso_mode, ssogate_gate_remove_member) against member changes made
 * by other processes or nodes; ssogate_test_directory_contract checks it.
 *
 * {"op": "remove_member", "before": member}: deletes the member row only if the stored row equals
 * "before" in every field; SSOGATE_NOT_FOUND when there is no such member, SSOGATE_STORE_CONFLICT when
 * the stored row differs.
 *
 * update_account and remove_member came after the other operations: a host written before them must
 * learn them (it fails them as any unknown operation, and set_sso_mode, break-glass and remove_member
 * then fail with SSOGATE_STORE_UNAVAILABLE, the message naming these operations).
 *
 * On success apply answers, through seqs_out, a JSON array of the seqs given to the change's
 * append_audit rows, in order (e.g. [41]; [] or nothing when the change has none).
 * tests/capi/directory_test.c is a complete example, and ssogate_test_directory_contract checks a
 * directory against these rules.
 */
typedef struct ssogate_directory_callbacks {
    /** sizeof(ssogate_directory_callbacks) as the caller compiled it. */
    uint32_t struct_size;
    /** Passed back to every callback. */
    void *user_data;
    /** Inserts or replaces the account (settings such as the SSO mode change through this). Returns 0. */
    int (*put_account)(void *user_data, const char *account_json, size_t len);
    /** The account with this id, through out, or nothing when there is none. Returns 0. */
    int (*find_account)(void *user_data, const char *id, size_t id_len, ssogate_json_out *out);
    /** Inserts or replaces the connection. Returns 0, or SSOGATE_NOT_FOUND when its account does not exist. */
    int (*put_connection)(void *user_data, const char *connection_json, size_t len);
    /** The connection with this id, through out, or nothing when there is none. Returns 0. */
    int (*find_connection)(void *user_data, const char *id, size_t id_len, ssogate_json_out *out);
    /** The account's connections as a JSON array, ordered by id. Returns 0. */
    int (*list_connections)(void *user_data, const char *account_id, size_t account_id_len, ssogate_json_out *out);
    /** Deletes the connection. Returns 0, or SSOGATE_NOT_FOUND when there is none. */
    int (*remove_connection)(void *user_data, const char *id, size_t id_len);
    /** Inserts or replaces the member (admin edits). Returns 0, or SSOGATE_NOT_FOUND when its account does not exist.
     */
    int (*put_member)(void *user_data, const char *member_json, size_t len);
    /** The member (account_id, email), through out, or nothing when there is none. Returns 0. */
    int (*find_member)(void *user_data, const char *account_id, size_t account_id_len, const char *email,
                       size_t email_len, ssogate_json_out *out);
    /** The account's members as a JSON array, ordered by email. Returns 0. */
    int (*list_members)(void *user_data, const char *account_id, size_t account_id_len, ssogate_json_out *out);
    /**
     * Inserts or replaces the invite of (account_id, email): at most one per email, tokens unique.
     * Returns 0, or SSOGATE_NOT_FOUND when the account does not exist.
     */
    int (*put_invite)(void *user_data, const char *invite_json, size_t len);
    /** The invite of (account_id, email) if unexpired (expires_at > now), through out. Returns 0. */
    int (*find_invite)(void *user_data, const char *account_id, size_t account_id_len, const char *email,
                       size_t email_len, int64_t now, ssogate_json_out *out);
    /** Deletes the invite of (account_id, email). Returns 0, or SSOGATE_NOT_FOUND when there is none. */
    int (*revoke_invite)(void *user_data, const char *account_id, size_t account_id_len, const char *email,
                         size_t email_len);
    /** Stores a new join token. Returns 0, or SSOGATE_STORE_CONFLICT when a token with this value exists. */
    int (*put_join_token)(void *user_data, const char *join_token_json, size_t len);
    /**
     * The join token if it is known, unused and unexpired (expires_at > now), through out, or nothing;
     * consumes nothing (ssogate_gate_confirm_join reads it to decide again before a take_join_token
     * consumes it). Returns 0.
     */
    int (*find_join_token)(void *user_data, const char *token, size_t token_len, int64_t now, ssogate_json_out *out);
    /**
     * Audit rows with seq > after_seq, oldest first, at most limit, as a JSON array; account_id "" means
     * every account. Returns 0.
     */
    int (*read_audit)(void *user_data, const char *account_id, size_t account_id_len, int64_t after_seq, uint64_t limit,
                      ssogate_json_out *out);
    /**
     * Applies the directory change change_json (see above) in one transaction and answers the seqs of
     * its append_audit rows through seqs_out. Returns 0; SSOGATE_NOT_FOUND or SSOGATE_STORE_CONFLICT
     * when an operation's precondition does not hold (and then nothing of the change remains).
     */
    int (*apply)(void *user_data, const char *change_json, size_t len, ssogate_json_out *seqs_out);
    /** Called once with user_data when the directory is freed (by the last gate sharing it); may be NULL. */
    void (*free_user_data)(void *user_data);
} ssogate_directory_callbacks;

/**
 * A directory over the host's callbacks; cb is copied. NULL cb, or any NULL callback other than
 * free_user_data, gives SSOGATE_INVALID_ARGUMENT; a struct_size smaller than the first published
 * struct gives SSOGATE_OPTIONS_SIZE (free_user_data is then not called).
 */
SSOGATE_API ssogate_directory *ssogate_directory_new_callbacks(const ssogate_directory_callbacks *cb,
                                                               ssogate_error *err) SSOGATE_NOEXCEPT;

/** Frees the caller's handle; NULL is allowed. Gates made over the directory keep it alive. */
SSOGATE_API void ssogate_directory_free(ssogate_directory *directory) SSOGATE_NOEXCEPT;

/* ================================================================================= 6. Verification */

/**
 * An SP key: an RSA private key (2048 bits or more) and its certificate, for signing AuthnRequests
 * (section 8) and for decrypting encrypted assertions. Hosts keep the key in their own secret store;
 * ssogate never writes it into a connection or its JSON. Made by ssogate_sp_key_new (section 8).
 * Immutable, shareable across threads.
 */
typedef struct ssogate_sp_key ssogate_sp_key;

/** Options for ssogate_verify_response. Initialise with ssogate_verify_options_init. */
typedef struct ssogate_verify_options {
    uint32_t struct_size;
    /** The clock for every time check, Unix seconds; 0 = the system clock. */
    int64_t now;
    /** Decoded Responses larger than this are refused (SSOGATE_INPUT_TOO_LARGE). 0 = 1 MiB. */
    uint64_t max_bytes;
    /** The oldest (and furthest in the future) a Response IssueInstant may be, plus the clock skew. 0 = 600. */
    int64_t max_age_seconds;
    /**
     * The SP's encryption keys, for a Response with an EncryptedAssertion: an array of
     * decryption_key_count keys, borrowed for the call (NULL entries are skipped). Only the keys whose
     * certificate is one of the connection's SP encryption certificates are tried, each in turn (key
     * rollover). NULL, 0 (the default): an encrypted Response is refused with SSOGATE_ASSERTION_ENCRYPTED.
     */
    const ssogate_sp_key *const *decryption_keys;
    size_t decryption_key_count;
} ssogate_verify_options;

/** Fills opts with defaults. `size` is sizeof *opts as the caller compiled it. */
SSOGATE_API void ssogate_verify_options_init(ssogate_verify_options *opts, size_t size) SSOGATE_NOEXCEPT;

/**
 * A verified login: immutable, its values read only from the signed Assertion. Strings are borrowed
 * from the handle; a NULL login gives NULL (strings) or 0.
 */
typedef struct ssogate_verified_login ssogate_verified_login;

/**
 * Verifies a SAMLResponse as posted to the ACS URL (the form value, base64; line breaks allowed).
 *
 * pending_request_ids lists the IDs of the AuthnRequests this browser is waiting for (from the host's
 * session), separated by spaces or commas (IDs are XML NCNames, which contain neither); (NULL, 0) for
 * none, so only an unsolicited login can pass, and only when the connection sets allow_idp_initiated.
 * replay is required (SSOGATE_INVALID_ARGUMENT without one): the assertion ID is recorded in it.
 * opts may be NULL for defaults.
 *
 * Returns the login, or NULL with the refusal in err: a stable code, an operator message (what was
 * expected, what came) and ssogate_error_user_message for the end user.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_verified_login *ssogate_verify_response(
    const ssogate_connection *conn, const char *saml_response, size_t saml_response_len,
    const char *pending_request_ids, size_t pending_request_ids_len, ssogate_replay_cache *replay,
    const ssogate_verify_options *opts, ssogate_error *err) SSOGATE_NOEXCEPT;

/** Frees a login; NULL is allowed. */
SSOGATE_API void ssogate_verified_login_free(ssogate_verified_login *login) SSOGATE_NOEXCEPT;

/** The user's email address (from the NameID, or the connection's email attribute), its domain lower-cased. */
SSOGATE_API const char *ssogate_verified_login_email(const ssogate_verified_login *login) SSOGATE_NOEXCEPT;
/** The NameID value as sent. */
SSOGATE_API const char *ssogate_verified_login_nameid(const ssogate_verified_login *login) SSOGATE_NOEXCEPT;
/** The NameID Format as sent, "" when absent (unspecified). */
SSOGATE_API const char *ssogate_verified_login_nameid_format(const ssogate_verified_login *login) SSOGATE_NOEXCEPT;
/** The IdP's entityID. */
SSOGATE_API const char *ssogate_verified_login_idp_entity_id(const ssogate_verified_login *login) SSOGATE_NOEXCEPT;
/** The id of the connection that verified it. */
SSOGATE_API const char *ssogate_verified_login_connection_id(const ssogate_verified_login *login) SSOGATE_NOEXCEPT;
/** The Assertion's ID (recorded in the replay cache). */
SSOGATE_API const char *ssogate_verified_login_assertion_id(const ssogate_verified_login *login) SSOGATE_NOEXCEPT;
/** The AuthnStatement SessionIndex, "" when absent (needed for single logout). */
SSOGATE_API const char *ssogate_verified_login_session_index(const ssogate_verified_login *login) SSOGATE_NOEXCEPT;
/** The AuthnStatement AuthnInstant, Unix seconds. */
SSOGATE_API int64_t ssogate_verified_login_authn_instant(const ssogate_verified_login *login) SSOGATE_NOEXCEPT;
/** The AuthnStatement SessionNotOnOrAfter, Unix seconds; 0 when absent. */
SSOGATE_API int64_t ssogate_verified_login_session_not_on_or_after(const ssogate_verified_login *login)
    SSOGATE_NOEXCEPT;
/** The AuthnRequest ID this login answers, "" for an unsolicited (IdP-initiated) login. */
SSOGATE_API const char *ssogate_verified_login_in_response_to(const ssogate_verified_login *login) SSOGATE_NOEXCEPT;

/** The Assertion's attributes, in document order. Out-of-range indexes give NULL or 0. */
SSOGATE_API size_t ssogate_verified_login_attribute_count(const ssogate_verified_login *login) SSOGATE_NOEXCEPT;
/** Attribute i's Name. */
SSOGATE_API const char *ssogate_verified_login_attribute_name(const ssogate_verified_login *login,
                                                              size_t i) SSOGATE_NOEXCEPT;
/** Attribute i's NameFormat, "" when absent. */
SSOGATE_API const char *ssogate_verified_login_attribute_name_format(const ssogate_verified_login *login,
                                                                     size_t i) SSOGATE_NOEXCEPT;
/** Attribute i's FriendlyName, "" when absent. */
SSOGATE_API const char *ssogate_verified_login_attribute_friendly_name(const ssogate_verified_login *login,
                                                                       size_t i) SSOGATE_NOEXCEPT;
/** The number of AttributeValues of attribute i. */
SSOGATE_API size_t ssogate_verified_login_attribute_value_count(const ssogate_verified_login *login,
                                                                size_t i) SSOGATE_NOEXCEPT;
/** Value j of attribute i, as text. */
SSOGATE_API const char *ssogate_verified_login_attribute_value(const ssogate_verified_login *login, size_t i,
                                                               size_t j) SSOGATE_NOEXCEPT;

/*
 * "Why did this login fail?" (docs/diagnosing-a-failed-login.md). An explanation runs every check of
 * ssogate_verify_response on a SAMLResponse, as a dry run, and lists them in order: each check with a
 * stable name, its status (ssogate_check_status), the code verification refuses with when it fails,
 * and the values it compared (expected and got: ACS URL, audience, issuer, the certificate that
 * signed vs those of the metadata, times with the clock skew, NameID format, InResponseTo). Hints name
 * the usual causes in plain words. The first failing check's code is always the code
 * ssogate_verify_response refuses the same response with, in the same state; when it accepts, every
 * check passes. Nobody is logged in, and nothing is recorded anywhere.
 */

/** The status of one check of an explanation. */
typedef enum ssogate_check_status {
    /** The check ran and passed. */
    SSOGATE_CHECK_STATUS_PASS = 0,
    /** The check ran and refused: ssogate_explanation_check_code says with which code. */
    SSOGATE_CHECK_STATUS_FAIL = 1,
    /** The check did not run: an earlier one failed, or (replay) no readable replay cache was given. */
    SSOGATE_CHECK_STATUS_NOT_REACHED = 2
} ssogate_check_status;

/** An explanation: immutable; strings are borrowed from it. */
typedef struct ssogate_explanation ssogate_explanation;

/**
 * Explains how ssogate_verify_response would decide on saml_response (the form value, base64) for conn,
 * with the same pending_request_ids and opts (time, size cap, maximum age, decryption keys).
 *
 * replay may be NULL. When given, it is only read, never written: an assertion ID it holds fails the
 * "replay" check with SSOGATE_REPLAYED. The memory, SQLite and Redis caches are read without a change;
 * without a cache, with one over the host's callbacks (which have no read), or with a store that cannot
 * answer, the "replay" check is not reached and its detail says why. No pending request is ever taken.
 *
 * candidate_idp may be NULL: otherwise a second metadata of the same IdP (for example freshly fetched
 * from its metadata URL), never trusted; the hints then say whether it has the key the response was
 * signed with ("candidate_metadata_has_key", "candidate_metadata_lacks_key") or no longer has the one
 * that verified ("candidate_metadata_drops_key").
 *
 * Returns NULL only for an unusable argument (SSOGATE_INVALID_ARGUMENT in err); a refused response is
 * an explanation with a failing check.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_explanation *ssogate_explain_response(
    const ssogate_connection *conn, const char *saml_response, size_t saml_response_len,
    const char *pending_request_ids, size_t pending_request_ids_len, ssogate_replay_cache *replay,
    const ssogate_idp *candidate_idp, const ssogate_verify_options *opts, ssogate_error *err) SSOGATE_NOEXCEPT;

/** Frees an explanation; NULL is allowed. */
SSOGATE_API void ssogate_explanation_free(ssogate_explanation *explanation) SSOGATE_NOEXCEPT;
/**
 * The code of the first failing check: what ssogate_verify_response refuses the response with.
 * SSOGATE_OK when every check that ran passed; SSOGATE_INVALID_ARGUMENT for NULL.
 */
SSOGATE_API int ssogate_explanation_first_failure(const ssogate_explanation *explanation) SSOGATE_NOEXCEPT;
/** The number of checks. Out-of-range indexes in the getters below give NULL, or -1 for the numbers. */
SSOGATE_API size_t ssogate_explanation_check_count(const ssogate_explanation *explanation) SSOGATE_NOEXCEPT;
/**
 * Check i's stable name, in verification order: "form_size", "base64", "input_size", "xml", "response",
 * "response_issue_instant", "destination", "response_issuer", "status", "assertion", ("decryption_key"),
 * "signatures", ("decryption", "decrypted_signatures"), "signature_coverage", "assertion_header",
 * "assertion_issue_instant", "assertion_issuer", "subject_confirmation", "in_response_to", "conditions",
 * "conditions_time", "condition_kinds", "audience", "authn_statement", "attributes", "identity",
 * "email_domain", "replay". The names in parentheses appear for an EncryptedAssertion only.
 */
SSOGATE_API const char *ssogate_explanation_check_name(const ssogate_explanation *explanation,
                                                       size_t i) SSOGATE_NOEXCEPT;
/** Check i's status (ssogate_check_status). */
SSOGATE_API int ssogate_explanation_check_status(const ssogate_explanation *explanation, size_t i) SSOGATE_NOEXCEPT;
/** Check i's code: the refusal's code when it failed, SSOGATE_OK otherwise. */
SSOGATE_API int ssogate_explanation_check_code(const ssogate_explanation *explanation, size_t i) SSOGATE_NOEXCEPT;
/** What the connection expects for check i ("" when it compares nothing). */
SSOGATE_API const char *ssogate_explanation_check_expected(const ssogate_explanation *explanation,
                                                           size_t i) SSOGATE_NOEXCEPT;
/** What the response holds for check i ("" when not read). */
SSOGATE_API const char *ssogate_explanation_check_got(const ssogate_explanation *explanation,
                                                      size_t i) SSOGATE_NOEXCEPT;
/** For a failed check, the refusal's operator message; otherwise a note (why it was not reached) or "". */
SSOGATE_API const char *ssogate_explanation_check_detail(const ssogate_explanation *explanation,
                                                         size_t i) SSOGATE_NOEXCEPT;
/** The number of hints: the likely causes, in plain words, each with a stable name. */
SSOGATE_API size_t ssogate_explanation_hint_count(const ssogate_explanation *explanation) SSOGATE_NOEXCEPT;
/**
 * Hint i's stable name: "signing_key_not_in_metadata", "signature_does_not_verify",
 * "candidate_metadata_has_key", "candidate_metadata_lacks_key", "candidate_metadata_drops_key",
 * "acs_behind_proxy", "acs_url_mismatch", "nameid_format_not_email", "clock_off", "issuer_mismatch",
 * "idp_refused", "audience_mismatch", "idp_initiated_not_allowed", "request_unknown",
 * "decryption_key_missing", "unsigned", "signature_algorithm", "email_domain_not_allowed",
 * "authn_statement_missing" or "email_attribute"; more may be added.
 */
SSOGATE_API const char *ssogate_explanation_hint_name(const ssogate_explanation *explanation,
                                                      size_t i) SSOGATE_NOEXCEPT;
/** Hint i's text, for the operator (it may quote values from the response, never keys). */
SSOGATE_API const char *ssogate_explanation_hint_text(const ssogate_explanation *explanation,
                                                      size_t i) SSOGATE_NOEXCEPT;
/** The stable name of a ssogate_check_status: "pass", "fail", "not_reached"; NULL for other numbers. */
SSOGATE_API const char *ssogate_check_status_name(int status) SSOGATE_NOEXCEPT;

/* ================================================================================== 7. Testing IdP */

/*
 * An IdP for tests: it makes its own key and self-signed certificate, publishes IdP metadata, and
 * signs SAML Responses with the knobs a test needs (what is signed, algorithms, times, audience,
 * NameID, attributes, InResponseTo). Use it to test your ACS handler end to end. Its key lives in
 * memory only; nothing it signs proves anything to a real SP.
 */

/** The key a testing IdP makes. */
typedef enum ssogate_key_type { SSOGATE_KEY_TYPE_RSA_2048 = 0, SSOGATE_KEY_TYPE_EC_P256 = 1 } ssogate_key_type;

/** What a testing IdP signs (ssogate_test_response_params_set_sign). */
typedef enum ssogate_test_sign {
    SSOGATE_TEST_SIGN_NONE = 0,
    SSOGATE_TEST_SIGN_RESPONSE = 1,
    SSOGATE_TEST_SIGN_ASSERTION = 2,
    SSOGATE_TEST_SIGN_BOTH = 3
} ssogate_test_sign;

/** A testing IdP: immutable, shareable across threads. */
typedef struct ssogate_test_idp ssogate_test_idp;

/**
 * A testing IdP with a fresh key of key_type (ssogate_key_type). entity_id (NULL, 0) gives
 * "https://idp.test.example/saml"; sso_url (NULL, 0) gives "https://idp.test.example/sso", the
 * SingleSignOnService (Redirect and POST) its metadata publishes.
 */
SSOGATE_API ssogate_test_idp *ssogate_test_idp_new(const char *entity_id, size_t entity_id_len, const char *sso_url,
                                                   size_t sso_url_len, int key_type,
                                                   ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * A testing IdP over a key and certificate the caller kept (PEM, as ssogate_test_idp_private_key_pem
 * and ssogate_test_idp_certificate_pem gave them), so that its metadata stays the same across runs.
 * entity_id and sso_url default as for ssogate_test_idp_new. A key that does not match the
 * certificate, or PEM that does not parse, gives SSOGATE_INVALID_ARGUMENT.
 */
SSOGATE_API ssogate_test_idp *ssogate_test_idp_from_pem(const char *entity_id, size_t entity_id_len,
                                                        const char *sso_url, size_t sso_url_len, const char *key_pem,
                                                        size_t key_pem_len, const char *cert_pem, size_t cert_pem_len,
                                                        ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees a testing IdP; NULL is allowed. */
SSOGATE_API void ssogate_test_idp_free(ssogate_test_idp *idp) SSOGATE_NOEXCEPT;
/** Its private key, PEM (PKCS #8): a throwaway for tests, never for a real IdP. */
SSOGATE_API const char *ssogate_test_idp_private_key_pem(const ssogate_test_idp *idp) SSOGATE_NOEXCEPT;
/** Its entityID. */
SSOGATE_API const char *ssogate_test_idp_entity_id(const ssogate_test_idp *idp) SSOGATE_NOEXCEPT;
/** Its signing certificate, PEM. */
SSOGATE_API const char *ssogate_test_idp_certificate_pem(const ssogate_test_idp *idp) SSOGATE_NOEXCEPT;
/** Its IdP metadata (certificate, emailAddress NameID format, SSO URL), for ssogate_idp_import. */
SSOGATE_API const char *ssogate_test_idp_metadata_xml(const ssogate_test_idp *idp) SSOGATE_NOEXCEPT;

/**
 * The knobs of one test Response: a mutable builder, owned by one thread at a time. Unset knobs take
 * the defaults noted; the windows default around `now`. Setters return SSOGATE_OK or a failure code
 * (also in err).
 */
typedef struct ssogate_test_response_params ssogate_test_response_params;

/** A new builder with every default. NULL only when out of memory. */
SSOGATE_API ssogate_test_response_params *ssogate_test_response_params_new(void) SSOGATE_NOEXCEPT;
/** Frees a builder; NULL is allowed. */
SSOGATE_API void ssogate_test_response_params_free(ssogate_test_response_params *params) SSOGATE_NOEXCEPT;

/** Sets the ACS URL and SP entity ID from a connection (the usual first call). */
SSOGATE_API int ssogate_test_response_params_set_connection(ssogate_test_response_params *params,
                                                            const ssogate_connection *conn,
                                                            ssogate_error *err) SSOGATE_NOEXCEPT;
/** The ACS URL: Destination and Recipient unless set separately. */
SSOGATE_API int ssogate_test_response_params_set_acs_url(ssogate_test_response_params *params, const char *v,
                                                         size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The SP entity ID: the Audience unless set separately. */
SSOGATE_API int ssogate_test_response_params_set_sp_entity_id(ssogate_test_response_params *params, const char *v,
                                                              size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** InResponseTo (Response and SubjectConfirmationData); unset or "" gives an unsolicited Response. */
SSOGATE_API int ssogate_test_response_params_set_in_response_to(ssogate_test_response_params *params, const char *v,
                                                                size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The Response Destination; "" leaves the attribute out. */
SSOGATE_API int ssogate_test_response_params_set_destination(ssogate_test_response_params *params, const char *v,
                                                             size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The SubjectConfirmationData Recipient. */
SSOGATE_API int ssogate_test_response_params_set_recipient(ssogate_test_response_params *params, const char *v,
                                                           size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The Audience; "" leaves the AudienceRestriction out. */
SSOGATE_API int ssogate_test_response_params_set_audience(ssogate_test_response_params *params, const char *v,
                                                          size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The Issuer of the Response and the Assertion. Default: the IdP's entityID. */
SSOGATE_API int ssogate_test_response_params_set_issuer(ssogate_test_response_params *params, const char *v, size_t len,
                                                        ssogate_error *err) SSOGATE_NOEXCEPT;
/** The NameID value. Default "alice@example.com". */
SSOGATE_API int ssogate_test_response_params_set_nameid(ssogate_test_response_params *params, const char *v, size_t len,
                                                        ssogate_error *err) SSOGATE_NOEXCEPT;
/** The NameID Format. Default emailAddress; "" leaves the attribute out. */
SSOGATE_API int ssogate_test_response_params_set_nameid_format(ssogate_test_response_params *params, const char *v,
                                                               size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The top-level StatusCode. Default urn:oasis:names:tc:SAML:2.0:status:Success. */
SSOGATE_API int ssogate_test_response_params_set_status(ssogate_test_response_params *params, const char *v, size_t len,
                                                        ssogate_error *err) SSOGATE_NOEXCEPT;
/** A second-level StatusCode (e.g. ...:status:AuthnFailed); none by default. */
SSOGATE_API int ssogate_test_response_params_set_sub_status(ssogate_test_response_params *params, const char *v,
                                                            size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** A StatusMessage; none by default. */
SSOGATE_API int ssogate_test_response_params_set_status_message(ssogate_test_response_params *params, const char *v,
                                                                size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The SessionIndex. Default "_session-1"; "" leaves it out. */
SSOGATE_API int ssogate_test_response_params_set_session_index(ssogate_test_response_params *params, const char *v,
                                                               size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The Response ID. Default: fresh and random for every Response. */
SSOGATE_API int ssogate_test_response_params_set_response_id(ssogate_test_response_params *params, const char *v,
                                                             size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The Assertion ID. Default: fresh and random for every Response. */
SSOGATE_API int ssogate_test_response_params_set_assertion_id(ssogate_test_response_params *params, const char *v,
                                                              size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The SignatureMethod URI. Default rsa-sha256 or ecdsa-sha256, after the key. */
SSOGATE_API int ssogate_test_response_params_set_signature_method(ssogate_test_response_params *params, const char *v,
                                                                  size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The DigestMethod URI. Default sha256. */
SSOGATE_API int ssogate_test_response_params_set_digest_method(ssogate_test_response_params *params, const char *v,
                                                               size_t len, ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * Adds an Attribute with one value. Called again with the same name as the attribute added last, it
 * appends the value to that attribute instead (its name_format and friendly_name stay as first given).
 * name_format (NULL, 0) gives the basic format; friendly_name (NULL, 0) none.
 */
SSOGATE_API int ssogate_test_response_params_add_attribute(ssogate_test_response_params *params, const char *name,
                                                           size_t name_len, const char *name_format,
                                                           size_t name_format_len, const char *friendly_name,
                                                           size_t friendly_name_len, const char *value,
                                                           size_t value_len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** The IdP's clock, Unix seconds: IssueInstant and AuthnInstant. Default: the system clock when signed. */
SSOGATE_API int ssogate_test_response_params_set_now(ssogate_test_response_params *params, int64_t t,
                                                     ssogate_error *err) SSOGATE_NOEXCEPT;
/** The Response and Assertion IssueInstant. Default: now. */
SSOGATE_API int ssogate_test_response_params_set_issue_instant(ssogate_test_response_params *params, int64_t t,
                                                               ssogate_error *err) SSOGATE_NOEXCEPT;
/** The Conditions NotBefore. Default: now - 60. */
SSOGATE_API int ssogate_test_response_params_set_not_before(ssogate_test_response_params *params, int64_t t,
                                                            ssogate_error *err) SSOGATE_NOEXCEPT;
/** The Conditions NotOnOrAfter. Default: now + 300. */
SSOGATE_API int ssogate_test_response_params_set_not_on_or_after(ssogate_test_response_params *params, int64_t t,
                                                                 ssogate_error *err) SSOGATE_NOEXCEPT;
/** The SubjectConfirmationData NotOnOrAfter. Default: now + 300. */
SSOGATE_API int ssogate_test_response_params_set_subject_not_on_or_after(ssogate_test_response_params *params,
                                                                         int64_t t,
                                                                         ssogate_error *err) SSOGATE_NOEXCEPT;
/** 1 (default) includes the AuthnStatement, 0 leaves it out. */
SSOGATE_API int ssogate_test_response_params_set_authn_statement(ssogate_test_response_params *params, int on,
                                                                 ssogate_error *err) SSOGATE_NOEXCEPT;
/** What to sign (ssogate_test_sign). Default SSOGATE_TEST_SIGN_BOTH. */
SSOGATE_API int ssogate_test_response_params_set_sign(ssogate_test_response_params *params, int sign,
                                                      ssogate_error *err) SSOGATE_NOEXCEPT;

/** Where an encrypting testing IdP puts the EncryptedKey (ssogate_test_response_params_set_encryption). */
typedef enum ssogate_test_key_placement {
    /** Inside the EncryptedData's KeyInfo (AD FS, Shibboleth, PingFederate). */
    SSOGATE_TEST_KEY_PLACEMENT_IN_KEY_INFO = 0,
    /** Beside the EncryptedData, named by a same-document ds:RetrievalMethod (Okta). */
    SSOGATE_TEST_KEY_PLACEMENT_RETRIEVAL_METHOD = 1,
    /** Beside the EncryptedData, named by KeyName and CarriedKeyName. */
    SSOGATE_TEST_KEY_PLACEMENT_CARRIED_KEY_NAME = 2
} ssogate_test_key_placement;

/**
 * Encrypts the Assertion to an SP certificate (PEM, RSA), as an IdP with assertion encryption on does:
 * the Assertion is signed first (SSOGATE_TEST_SIGN_ASSERTION or _BOTH), then encrypted into an
 * EncryptedAssertion, then the Response is signed over it (SSOGATE_TEST_SIGN_RESPONSE or _BOTH).
 * key_transport (NULL, 0: xmlenc rsa-oaep-mgf1p) is the key transport algorithm URI: rsa-oaep-mgf1p,
 * xmlenc11 rsa-oaep (written with SHA-256 digest and MGF1-SHA-256) or rsa-1_5. data_algorithm (NULL, 0:
 * xmlenc11 aes256-gcm) is AES-128/256-GCM (xmlenc11) or AES-128/256-CBC (xmlenc), or tripledes-cbc,
 * which verification refuses (for tests of that refusal). placement is an
 * ssogate_test_key_placement. Checked when the Response is built (SSOGATE_INVALID_ARGUMENT for an
 * unknown algorithm or a certificate that is not RSA). cert_pem (NULL, 0) turns encryption off again.
 */
SSOGATE_API int ssogate_test_response_params_set_encryption(ssogate_test_response_params *params, const char *cert_pem,
                                                            size_t cert_pem_len, const char *key_transport,
                                                            size_t key_transport_len, const char *data_algorithm,
                                                            size_t data_algorithm_len, int placement,
                                                            ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * Sets params to answer an AuthnRequest as the IdP receives it, so that a host's tests can run a whole
 * SP-initiated login: request is the HTTP-Redirect URL (ssogate_sp_login_request_redirect_url) or its
 * query string, or the SAMLRequest form value of HTTP-POST (base64 of ssogate_sp_login_request_xml).
 * The request is parsed with the hardened parser and checked against conn: a samlp:AuthnRequest of
 * Version 2.0 with an ID, its Issuer the connection's SP entity ID, its AssertionConsumerServiceURL
 * (when present) the ACS URL, its ProtocolBinding (when present) HTTP-POST, its Destination (when
 * present) an SSO URL of the IdP, and signed when the IdP wants signed requests (presence only: the
 * signature itself is not verified). Then sets the ACS URL and SP entity ID from conn, InResponseTo to
 * the request's ID, and the RelayState read from a Redirect URL (ssogate_test_response_params_relay_state).
 * SSOGATE_INVALID_ARGUMENT says what was wrong; params is then unchanged.
 */
SSOGATE_API int ssogate_test_response_params_answer_request(ssogate_test_response_params *params,
                                                            const ssogate_connection *conn, const char *request,
                                                            size_t request_len, ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * The RelayState ssogate_test_response_params_answer_request read from a Redirect URL, to post back
 * with the Response as the IdP does; "" when none was read (and for a POST form value, whose RelayState
 * travels in its own form field). Borrowed from params until it changes; NULL params gives NULL.
 */
SSOGATE_API const char *ssogate_test_response_params_relay_state(const ssogate_test_response_params *params)
    SSOGATE_NOEXCEPT;

/** A signed test Response: immutable. */
typedef struct ssogate_test_response ssogate_test_response;

/**
 * Builds and signs a Response with params (which must set the ACS URL and SP entity ID, e.g. with
 * ssogate_test_response_params_set_connection). params stays the caller's and may be reused.
 */
SSOGATE_API ssogate_test_response *ssogate_test_response_new(const ssogate_test_idp *idp,
                                                             const ssogate_test_response_params *params,
                                                             ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees a test Response; NULL is allowed. */
SSOGATE_API void ssogate_test_response_free(ssogate_test_response *response) SSOGATE_NOEXCEPT;
/** The Response as an HTML form posts it (the SAMLResponse value, base64), for ssogate_verify_response. */
SSOGATE_API const char *ssogate_test_response_base64(const ssogate_test_response *response) SSOGATE_NOEXCEPT;
/** The Response XML. */
SSOGATE_API const char *ssogate_test_response_xml(const ssogate_test_response *response) SSOGATE_NOEXCEPT;

/**
 * Runs the directory contract, the checks every directory passes (the library's memory and SQLite
 * ones included), against directory: each read and plain write, each "directory change" operation's
 * precondition and error (expired or wrong invite and join token, member exists, account missing,
 * compare-and-swap mismatch), all-or-nothing changes (a failed operation undoes the earlier ones of
 * its change, audit row and consumed token included), ordered operations and increasing audit seqs.
 * For the tests of a host's own directory (ssogate_directory_new_callbacks): the directory must start
 * empty, and the checks WRITE test data to it (accounts named "contract-..." and their records), so
 * never point it at a production store. Returns SSOGATE_OK when every check passed. At the first
 * failed check, SSOGATE_STORE_CORRUPT with err's message "directory contract, <check>: <what was
 * expected>; <what came>"; when the directory could not answer, its own code (e.g.
 * SSOGATE_STORE_UNAVAILABLE naming the callback), the message starting with the check's name. NULL
 * directory gives SSOGATE_INVALID_ARGUMENT.
 */
SSOGATE_API int ssogate_test_directory_contract(ssogate_directory *directory, ssogate_error *err) SSOGATE_NOEXCEPT;

/* ========================================================================== 8. SP-initiated login */

/*
 * The product sends the browser to the IdP with an AuthnRequest ("Log in with SSO") and matches the
 * IdP's answer to it at the ACS. The request is recorded in an ssogate_request_store under an opaque
 * RelayState token, so no cookie is needed (the IdP's cross-site POST arrives without SameSite=Lax
 * cookies). The return-to address is checked when the login begins and never read from the IdP's POST.
 */

/**
 * Loads an unencrypted PEM private key ("PRIVATE KEY" or "RSA PRIVATE KEY") and its PEM certificate.
 * Fails with SSOGATE_SP_KEY_INVALID when either does not parse, the key is encrypted, not RSA or
 * under 2048 bits, or the certificate is for another key. Messages never quote the key.
 */
SSOGATE_API ssogate_sp_key *ssogate_sp_key_new(const char *key_pem, size_t key_pem_len, const char *cert_pem,
                                               size_t cert_pem_len, ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * Loads an SP key as ssogate_sp_key_new does, but accepts RSA keys of 1024 bits or more: only to decrypt
 * for a connection with allow_legacy_sp_key (test keys published by other projects). Such a key never
 * signs: ssogate_sp_login_begin refuses a key under 2048 bits with SSOGATE_SP_KEY_INVALID.
 */
SSOGATE_API ssogate_sp_key *ssogate_sp_key_new_legacy(const char *key_pem, size_t key_pem_len, const char *cert_pem,
                                                      size_t cert_pem_len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees an SP key (its memory is cleared by OpenSSL); NULL is allowed. */
SSOGATE_API void ssogate_sp_key_free(ssogate_sp_key *key) SSOGATE_NOEXCEPT;
/** The certificate, PEM: give it to the IdP (or set it on the connection for the SP metadata). */
SSOGATE_API const char *ssogate_sp_key_certificate_pem(const ssogate_sp_key *key) SSOGATE_NOEXCEPT;

/** Options for ssogate_sp_login_begin. Initialise with ssogate_sp_login_options_init. */
typedef struct ssogate_sp_login_options {
    uint32_t struct_size;
    /** SSOGATE_BINDING_HTTP_REDIRECT (default) or SSOGATE_BINDING_HTTP_POST. */
    int32_t binding;
    /** 1: ForceAuthn="true", the IdP must authenticate the user again. Default 0. */
    int32_t force_authn;
    /** 1: IsPassive="true", the IdP must not interact with the user. Default 0. */
    int32_t is_passive;
    /** How long the request stays pending, 1..86400 seconds. 0 = 600. */
    int64_t ttl_seconds;
    /** The clock (IssueInstant, expiry), Unix seconds; 0 = the system clock. */
    int64_t now;
} ssogate_sp_login_options;

/** Fills opts with defaults. `size` is sizeof *opts as the caller compiled it. */
SSOGATE_API void ssogate_sp_login_options_init(ssogate_sp_login_options *opts, size_t size) SSOGATE_NOEXCEPT;

/** A begun login: the AuthnRequest, ready for the browser. Immutable. */
typedef struct ssogate_sp_login_request ssogate_sp_login_request;

/**
 * Begins an SP-initiated login for conn: builds the AuthnRequest (fresh ID, Destination = the IdP's SSO
 * URL for the binding, Issuer = SP entity ID, AssertionConsumerServiceURL = the ACS, NameIDPolicy
 * emailAddress) and records it in store under a fresh RelayState token.
 *
 * return_to (NULL, 0 for none) is where to send the user after the login: a path on the service
 * ("/dashboard?tab=1": one leading "/", printable ASCII, no backslash) or an absolute URL whose origin
 * the connection allows (ssogate_connection_params_add_return_origin); anything else fails with
 * SSOGATE_RETURN_TO_NOT_ALLOWED. sp_key (may be NULL) signs the request: RSA-SHA256 over the query
 * string (Redirect) or an enveloped XML signature (POST); an IdP that wants signed requests and no key
 * gives SSOGATE_SP_KEY_REQUIRED; a key whose certificate is not the connection's SP certificate (when
 * one is set) gives SSOGATE_SP_KEY_INVALID. An IdP without an SSO endpoint for the binding gives
 * SSOGATE_BINDING_UNSUPPORTED naming those it has. opts may be NULL for defaults.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_sp_login_request *ssogate_sp_login_begin(
    const ssogate_connection *conn, ssogate_request_store *store, const char *return_to, size_t return_to_len,
    const ssogate_sp_key *sp_key, const ssogate_sp_login_options *opts, ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees a login request; NULL is allowed. */
SSOGATE_API void ssogate_sp_login_request_free(ssogate_sp_login_request *req) SSOGATE_NOEXCEPT;
/** The AuthnRequest ID ("_" + 160 random bits, base64url). */
SSOGATE_API const char *ssogate_sp_login_request_id(const ssogate_sp_login_request *req) SSOGATE_NOEXCEPT;
/** The RelayState token (256 random bits, base64url): the key of the pending request. */
SSOGATE_API const char *ssogate_sp_login_request_relay_state(const ssogate_sp_login_request *req) SSOGATE_NOEXCEPT;
/** The binding (ssogate_binding) the request was built for. */
SSOGATE_API int ssogate_sp_login_request_binding(const ssogate_sp_login_request *req) SSOGATE_NOEXCEPT;
/** The IdP's SSO URL for that binding (the AuthnRequest's Destination). */
SSOGATE_API const char *ssogate_sp_login_request_destination(const ssogate_sp_login_request *req) SSOGATE_NOEXCEPT;
/** HTTP-Redirect: the URL to redirect the browser to (303 See Other). "" for HTTP-POST. */
SSOGATE_API const char *ssogate_sp_login_request_redirect_url(const ssogate_sp_login_request *req) SSOGATE_NOEXCEPT;
/**
 * HTTP-POST: a self-submitting HTML page to serve (text/html; "" for HTTP-Redirect). It holds one
 * constant inline script, allowed under a strict Content-Security-Policy by
 * script-src 'sha256-8lDeP0UDwCO6/RhblgeH/ctdBzjVpJxrXizsnIk3cEQ=', and a <noscript> button.
 */
SSOGATE_API const char *ssogate_sp_login_request_post_form_html(const ssogate_sp_login_request *req) SSOGATE_NOEXCEPT;
/** The AuthnRequest XML as sent (with its enveloped signature for a signed POST). */
SSOGATE_API const char *ssogate_sp_login_request_xml(const ssogate_sp_login_request *req) SSOGATE_NOEXCEPT;
/** 1 if the request is signed, else 0. */
SSOGATE_API int ssogate_sp_login_request_is_signed(const ssogate_sp_login_request *req) SSOGATE_NOEXCEPT;
/** IssueInstant and the pending request's expiry, Unix seconds. */
SSOGATE_API int64_t ssogate_sp_login_request_issued_at(const ssogate_sp_login_request *req) SSOGATE_NOEXCEPT;
SSOGATE_API int64_t ssogate_sp_login_request_expires_at(const ssogate_sp_login_request *req) SSOGATE_NOEXCEPT;

/**
 * Finishes a login at the ACS: the RelayState and SAMLResponse form values as posted.
 *
 * With a RelayState, its pending request is taken from store first (exactly once: a second use gives
 * SSOGATE_REQUEST_UNKNOWN), then the response is verified and must answer that request (InResponseTo).
 * Refusals: SSOGATE_RELAY_STATE_INVALID (not a token ssogate issues), SSOGATE_REQUEST_UNKNOWN,
 * SSOGATE_REQUEST_EXPIRED, SSOGATE_REQUEST_CONNECTION_MISMATCH, and every verification code. With no
 * RelayState (NULL, 0), a response with InResponseTo is verified first and its request then taken by
 * ID (IdPs that drop RelayState); one without is an unsolicited login, accepted only with
 * allow_idp_initiated. replay is required. opts may be NULL for defaults.
 *
 * Returns the verified login (section 6 getters, plus ssogate_verified_login_return_to), or NULL with the
 * refusal in err (ssogate_error_user_message is safe to show).
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_verified_login *ssogate_sp_login_finish(
    const ssogate_connection *conn, ssogate_request_store *store, const char *relay_state, size_t relay_state_len,
    const char *saml_response, size_t saml_response_len, ssogate_replay_cache *replay,
    const ssogate_verify_options *opts, ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * Where to send the user now: the return-to given to ssogate_sp_login_begin, as validated then; "" when
 * none was given, for an unsolicited login, and for logins from ssogate_verify_response.
 */
SSOGATE_API const char *ssogate_verified_login_return_to(const ssogate_verified_login *login) SSOGATE_NOEXCEPT;

/* ==================================================================== 9. Membership policy and gate */

/*
 * The membership policy decides what a verified login becomes (a session, a new member, a refusal),
 * and the gate runs the whole SSO flow over its stores: begin a login, consume the IdP's answer
 * (verification + policy + directory update + audit row, in one call), confirm a Just-in-Time join,
 * decide password logins, and the admin calls (accounts, connections, members, invites, SSO mode).
 * docs/policy.md has the full table of settings x situations -> decisions.
 */

/** An account's SSO mode. */
typedef enum ssogate_sso_mode {
    /** Password logins stay for members who had a password before SSO; newcomers use SSO. */
    SSOGATE_SSO_MODE_MIXED = 0,
    /** Everyone logs in through SSO, except break-glass members. */
    SSOGATE_SSO_MODE_ENFORCED = 1
} ssogate_sso_mode;

/** A member's role in an account. */
typedef enum ssogate_role { SSOGATE_ROLE_OWNER = 0, SSOGATE_ROLE_ADMIN = 1, SSOGATE_ROLE_MEMBER = 2 } ssogate_role;

/**
 * Why a policy decision came out as it did. Numbers are stable. ssogate_reason_name gives the name
 * ("MEMBER_DISABLED"), ssogate_reason_text a sentence for the operator.
 */
typedef enum ssogate_reason {
    /** No policy reason: verification or a store refused (see ssogate_gate_outcome_error_code). */
    SSOGATE_REASON_NONE = 0,
    /** SSO login: an active member already linked to SSO. */
    SSOGATE_REASON_MEMBER_LOGIN = 1,
    /** SSO login: an active member's first SSO login; the identity is now linked. */
    SSOGATE_REASON_FIRST_SSO_LOGIN = 2,
    /** SSO login: a pending invite for the verified email was accepted. */
    SSOGATE_REASON_INVITE_PENDING = 3,
    /** SSO login: Just-in-Time is on and the domain is allowed; the user is asked to join. */
    SSOGATE_REASON_JIT_DOMAIN_MATCH = 4,
    /** SSO login: the connection is disabled. */
    SSOGATE_REASON_CONNECTION_DISABLED = 10,
    /** SSO login: unsolicited and the connection does not allow IdP-initiated login. */
    SSOGATE_REASON_IDP_INITIATED_NOT_ALLOWED = 11,
    /** SSO login: no usable email address. */
    SSOGATE_REASON_EMAIL_INVALID = 12,
    /** SSO login: the email's domain is not accepted by the connection or the account. */
    SSOGATE_REASON_DOMAIN_NOT_ALLOWED = 13,
    /** SSO or password login: the member is disabled. */
    SSOGATE_REASON_MEMBER_DISABLED = 14,
    /** SSO login: not a member, no invite, Just-in-Time off. */
    SSOGATE_REASON_INVITE_REQUIRED = 15,
    /** SSO login: Just-in-Time is on but there is no domain to match newcomers against. */
    SSOGATE_REASON_JIT_NO_DOMAINS = 16,
    /** Password login: allowed in Mixed mode. */
    SSOGATE_REASON_PASSWORD_ALLOWED = 30,
    /** Password login: SSO is enforced but the member is break-glass. */
    SSOGATE_REASON_BREAK_GLASS = 31,
    /** Password login: no member with this email. */
    SSOGATE_REASON_NOT_A_MEMBER = 32,
    /** Password login: the member has no password. */
    SSOGATE_REASON_NO_PASSWORD = 33,
    /** Password login: SSO is enforced; use the connection named in the decision. */
    SSOGATE_REASON_SSO_REQUIRED = 34,
    /** Password login: the member joined through SSO (Mixed mode). */
    SSOGATE_REASON_SSO_ONLY_MEMBER = 35,
    /** Invite: accepted through SSO as the invited email. */
    SSOGATE_REASON_INVITE_ACCEPTED_VIA_SSO = 50,
    /** Invite: may be accepted with a password (Mixed mode). */
    SSOGATE_REASON_INVITE_PASSWORD_ALLOWED = 51,
    /** Invite: SSO is enforced; accept it through SSO. */
    SSOGATE_REASON_INVITE_REQUIRES_SSO = 52,
    /** Invite: the IdP verified another email than the invited one. */
    SSOGATE_REASON_INVITE_EMAIL_MISMATCH = 53,
    /** Enforcement: an owner or admin has logged in through SSO; safe. */
    SSOGATE_REASON_ENFORCEMENT_SAFE = 70,
    /** Enforcement: no owner or admin has logged in through SSO yet (refused unless forced). */
    SSOGATE_REASON_LOCKOUT_GUARD = 71,
    /** Enforcement: the lockout guard was overridden. */
    SSOGATE_REASON_FORCED = 72,
    /** Enforcement: the account has no enabled connection (refused even when forced). */
    SSOGATE_REASON_NO_ENABLED_CONNECTION = 73
} ssogate_reason;

/** The stable name of a reason ("MEMBER_DISABLED"); "UNKNOWN" for other numbers. Static storage. */
SSOGATE_API const char *ssogate_reason_name(int reason) SSOGATE_NOEXCEPT;
/** One sentence for the operator explaining the reason; never contains user data. Static storage. */
SSOGATE_API const char *ssogate_reason_text(int reason) SSOGATE_NOEXCEPT;

/* Pure policy: the decisions without a gate */

/*
 * The four decisions the gate makes, as pure functions of facts the caller gathers from its own
 * database: no store, no clock, no audit row. A host that keeps its own accounts and members calls
 * these directly; the gate calls the same core functions, so the answers are the same.
 *
 * Facts come in as flat structs (scalars, filled by their _init) and strings as (pointer, length)
 * arguments; lists of domains or emails are one string, items separated by spaces or commas, as in
 * the gate's admin calls. Emails and domains are compared case-insensitively. Each decision takes
 * only the account settings it reads. A refusal is a decision (a handle with a reason), not an
 * error: NULL comes back only for caller errors (a NULL or too small struct, a number outside its
 * enum: SSOGATE_INVALID_ARGUMENT / SSOGATE_OPTIONS_SIZE) or out of memory.
 */

/**
 * A password-login decision: immutable. Made by ssogate_policy_decide_password_login and
 * ssogate_gate_decide_password_login; its getters are with the latter, below.
 */
typedef struct ssogate_password_decision ssogate_password_decision;
/**
 * An enforcement preview (and, from ssogate_gate_apply_sso_mode, whether the mode changed): immutable.
 * Made by ssogate_policy_preview_enforcement, ssogate_gate_preview_enforcement and
 * ssogate_gate_apply_sso_mode; its getters are with ssogate_gate_preview_enforcement, below.
 */
typedef struct ssogate_enforcement ssogate_enforcement;

/** What an SSO login becomes (ssogate_sso_decision_outcome). */
typedef enum ssogate_sso_outcome {
    /** An existing, active member: start a session (and link the identity if the decision says so). */
    SSOGATE_SSO_OUTCOME_LOGIN = 0,
    /** A pending invite for the verified email: create the member from the invite, then a session. */
    SSOGATE_SSO_OUTCOME_JOIN_BY_INVITE = 1,
    /** Just-in-Time: ask the user to confirm joining the account, then create the member. */
    SSOGATE_SSO_OUTCOME_PROMPT_JOIN = 2,
    /** Refused: the reason says why. */
    SSOGATE_SSO_OUTCOME_DENY = 3
} ssogate_sso_outcome;

/** A member's status in an account (ssogate_policy_facts.member_status, ssogate_policy_members_add). */
typedef enum ssogate_policy_member_status {
    SSOGATE_POLICY_MEMBER_STATUS_ACTIVE = 0,
    /** Disabled by an admin: refused through SSO and with a password, pending invites notwithstanding. */
    SSOGATE_POLICY_MEMBER_STATUS_DISABLED = 1
} ssogate_policy_member_status;

/** How a member joined the account (ssogate_policy_facts.joined_via). */
typedef enum ssogate_policy_joined_via {
    /** With a password, before SSO was set up: keeps password login in Mixed mode. */
    SSOGATE_POLICY_JOINED_VIA_PASSWORD = 0,
    /** Through SSO (an invite or Just-in-Time): SSO only. */
    SSOGATE_POLICY_JOINED_VIA_SSO = 1
} ssogate_policy_joined_via;

/** How an invite is being accepted (ssogate_policy_decide_invite_acceptance). */
typedef enum ssogate_policy_invite_method {
    SSOGATE_POLICY_INVITE_METHOD_PASSWORD = 0,
    SSOGATE_POLICY_INVITE_METHOD_SSO = 1
} ssogate_policy_invite_method;

/** The account's scalar settings. Its lists (verified domains, break-glass members) are arguments. */
typedef struct ssogate_policy_account {
    uint32_t struct_size;
    /** ssogate_sso_mode. Default SSOGATE_SSO_MODE_MIXED. */
    int sso_mode;
} ssogate_policy_account;

/** Fills account with defaults. `size` is sizeof *account as the caller compiled it. */
SSOGATE_API void ssogate_policy_account_init(ssogate_policy_account *account, size_t size) SSOGATE_NOEXCEPT;

/** The connection's settings. Its id and allowed domains are arguments. */
typedef struct ssogate_policy_connection {
    uint32_t struct_size;
    /** 1 (default) if the connection is enabled; 0 refuses every login through it. */
    int enabled;
    /** 1 if Just-in-Time provisioning is on. Default 0. */
    int jit_provisioning;
    /** 1 if unsolicited (IdP-initiated) responses are accepted. Default 0. */
    int allow_idp_initiated;
} ssogate_policy_connection;

/** Fills connection with defaults. `size` is sizeof *connection as the caller compiled it. */
SSOGATE_API void ssogate_policy_connection_init(ssogate_policy_connection *connection, size_t size) SSOGATE_NOEXCEPT;

/** What the host's directory knows about one (account, email). Defaults: not a member, no invite. */
typedef struct ssogate_policy_facts {
    uint32_t struct_size;
    /** 1 if the email is a member of the account; 0 makes the member_* fields below ignored. */
    int is_member;
    /** ssogate_policy_member_status. Default SSOGATE_POLICY_MEMBER_STATUS_ACTIVE. */
    int member_status;
    /** ssogate_role. Default SSOGATE_ROLE_MEMBER. */
    int role;
    /** ssogate_policy_joined_via. Default SSOGATE_POLICY_JOINED_VIA_PASSWORD. */
    int joined_via;
    /** 1 if the member has a password. Default 0. */
    int has_password;
    /** 1 if the member has logged in through SSO at least once. Default 0. */
    int sso_linked;
    /** 1 if there is an unexpired invite for this email in this account. Default 0. */
    int has_pending_invite;
} ssogate_policy_facts;

/** Fills facts with defaults. `size` is sizeof *facts as the caller compiled it. */
SSOGATE_API void ssogate_policy_facts_init(ssogate_policy_facts *facts, size_t size) SSOGATE_NOEXCEPT;

/** An SSO login decision: immutable. */
typedef struct ssogate_sso_decision ssogate_sso_decision;

/**
 * What a verified SSO login becomes, by the first matching row of the SSO table in docs/policy.md:
 * a disabled connection, an unsolicited response the connection forbids, an email without a domain,
 * a domain outside the connection's allowed_domains, a disabled member (DENY); an active member
 * (LOGIN, linking the identity on the first SSO login); a pending invite (JOIN_BY_INVITE); with
 * Just-in-Time on and the domain in the account's verified_domains (narrowed to allowed_domains),
 * PROMPT_JOIN; otherwise DENY (INVITE_REQUIRED, JIT_NO_DOMAINS, DOMAIN_NOT_ALLOWED).
 *
 * verified_domains: the account's; allowed_domains: the connection's ((NULL, 0) = any domain);
 * connection_id: for the detail text; email: the verified email; unsolicited: 1 for an IdP-initiated
 * response (no InResponseTo).
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_sso_decision *ssogate_policy_decide_sso_login(
    const ssogate_policy_account *account, const char *verified_domains, size_t verified_domains_len,
    const ssogate_policy_connection *connection, const char *connection_id, size_t connection_id_len,
    const char *allowed_domains, size_t allowed_domains_len, const ssogate_policy_facts *facts, const char *email,
    size_t email_len, int unsolicited, ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees a decision; NULL is allowed. */
SSOGATE_API void ssogate_sso_decision_free(ssogate_sso_decision *d) SSOGATE_NOEXCEPT;
/** The outcome (ssogate_sso_outcome); SSOGATE_SSO_OUTCOME_DENY for NULL. */
SSOGATE_API int ssogate_sso_decision_outcome(const ssogate_sso_decision *d) SSOGATE_NOEXCEPT;
/** The reason (ssogate_reason); SSOGATE_REASON_NONE for NULL. */
SSOGATE_API int ssogate_sso_decision_reason(const ssogate_sso_decision *d) SSOGATE_NOEXCEPT;
/** 1 if the host must record that the member is now linked to SSO (first SSO login, invite), else 0. */
SSOGATE_API int ssogate_sso_decision_link_identity(const ssogate_sso_decision *d) SSOGATE_NOEXCEPT;
/** Specifics for the audit log ("domain other.org is not one of ..."); "" when the reason says it all. */
SSOGATE_API const char *ssogate_sso_decision_detail(const ssogate_sso_decision *d) SSOGATE_NOEXCEPT;

/**
 * May this member log in with a password? By the password table: not a member, disabled, no password
 * (refused); Enforced mode: break-glass members allowed, others SSO_REQUIRED; Mixed mode: members who
 * joined through SSO refused (SSO_ONLY_MEMBER), the others allowed. break_glass: the account's
 * break-glass emails; a name there counts only when facts->role is SSOGATE_ROLE_OWNER or
 * SSOGATE_ROLE_ADMIN (otherwise SSO_REQUIRED, the detail saying why); sso_connection_id: the account's enabled
 * connection, returned by ssogate_password_decision_connection_id for refusals that point at SSO ((NULL, 0) for none).
 * The result is the gate's ssogate_password_decision handle.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_password_decision *ssogate_policy_decide_password_login(
    const ssogate_policy_account *account, const char *break_glass, size_t break_glass_len,
    const ssogate_policy_facts *facts, const char *email, size_t email_len, const char *sso_connection_id,
    size_t sso_connection_id_len, ssogate_error *err) SSOGATE_NOEXCEPT;

/** An invite-acceptance decision: immutable. */
typedef struct ssogate_invite_decision ssogate_invite_decision;

/**
 * May an invite to invited_email be accepted this way (ssogate_policy_invite_method)? Through SSO
 * only as the invited email (sso_email is the verified one; INVITE_EMAIL_MISMATCH otherwise); with a
 * password only in Mixed mode (INVITE_REQUIRES_SSO in Enforced). sso_email is ignored for passwords.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_invite_decision *ssogate_policy_decide_invite_acceptance(
    const ssogate_policy_account *account, const char *invited_email, size_t invited_email_len, int method,
    const char *sso_email, size_t sso_email_len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees a decision; NULL is allowed. */
SSOGATE_API void ssogate_invite_decision_free(ssogate_invite_decision *d) SSOGATE_NOEXCEPT;
/** 1 if the invite may be accepted this way, else 0 (also for NULL). */
SSOGATE_API int ssogate_invite_decision_allowed(const ssogate_invite_decision *d) SSOGATE_NOEXCEPT;
/** The reason (ssogate_reason); SSOGATE_REASON_NONE for NULL. */
SSOGATE_API int ssogate_invite_decision_reason(const ssogate_invite_decision *d) SSOGATE_NOEXCEPT;
/** Specifics for the audit log; "" when the reason says it all. */
SSOGATE_API const char *ssogate_invite_decision_detail(const ssogate_invite_decision *d) SSOGATE_NOEXCEPT;

/** The account's members, for ssogate_policy_preview_enforcement: a mutable builder, one per call. */
typedef struct ssogate_policy_members ssogate_policy_members;

/** A new, empty list. NULL only when out of memory. */
SSOGATE_API ssogate_policy_members *ssogate_policy_members_new(void) SSOGATE_NOEXCEPT;
/** Frees a list; NULL is allowed. */
SSOGATE_API void ssogate_policy_members_free(ssogate_policy_members *members) SSOGATE_NOEXCEPT;
/**
 * Appends a member: role (ssogate_role), status (ssogate_policy_member_status), sso_linked 1 if they
 * have logged in through SSO. The preview lists emails in the order added. SSOGATE_INVALID_ARGUMENT for
 * an empty email or a number outside its enum.
 */
SSOGATE_API int ssogate_policy_members_add(ssogate_policy_members *members, const char *email, size_t email_len,
                                           int role, int status, int sso_linked, ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * What switching the account to SSOGATE_SSO_MODE_ENFORCED would do, as ssogate_gate_preview_enforcement
 * but over the caller's member list: who loses access (active, never logged in through SSO, not
 * break-glass), who keeps password login (break-glass: named in break_glass and an owner or admin), and
 * whether the lockout guard allows it (ENFORCEMENT_SAFE when an active owner or admin has logged in
 * through SSO, else LOCKOUT_GUARD, or FORCED when force is 1; NO_ENABLED_CONNECTION refuses even when
 * forced). members may be NULL (no members). The result is the gate's ssogate_enforcement handle:
 * ssogate_enforcement_mode is account->sso_mode and ssogate_enforcement_applied is 0.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_enforcement *ssogate_policy_preview_enforcement(
    const ssogate_policy_account *account, const char *break_glass, size_t break_glass_len,
    const ssogate_policy_members *members, int has_enabled_connection, int force, ssogate_error *err) SSOGATE_NOEXCEPT;

/** What ssogate_gate_consume made of a response. */
typedef enum ssogate_gate_outcome_kinds {
    /** A member logged in: start a session for ssogate_gate_outcome_email. */
    SSOGATE_GATE_OUTCOME_LOGIN = 0,
    /** A newcomer may join (Just-in-Time): ask them, then call ssogate_gate_confirm_join with the join token. */
    SSOGATE_GATE_OUTCOME_PROMPT_JOIN = 1,
    /** A pending invite was accepted: the member now exists; start a session. */
    SSOGATE_GATE_OUTCOME_JOINED_BY_INVITE = 2,
    /**
     * Refused: by the policy (ssogate_gate_outcome_reason), by verification or by a store
     * (ssogate_gate_outcome_error_code).
     */
    SSOGATE_GATE_OUTCOME_DENIED = 3
} ssogate_gate_outcome_kinds;

/** Options for ssogate_gate_open. Initialise with ssogate_gate_options_init. */
typedef struct ssogate_gate_options {
    uint32_t struct_size;
    /** A frozen clock for every call, Unix seconds (tests and demos); 0 = the system clock. */
    int64_t now;
    /** How long a PROMPT_JOIN's join token waits for ssogate_gate_confirm_join, seconds. 0 = 900. */
    int64_t join_token_ttl_seconds;
    /** Decoded Responses larger than this are refused (SSOGATE_INPUT_TOO_LARGE). 0 = 1 MiB. */
    uint64_t max_response_bytes;
    /**
     * 1: bring an older database schema (SQLite or PostgreSQL) up to date when opening, in one transaction.
     * 0 (default): an older schema is refused with SSOGATE_STORE_SCHEMA_OLDER and ssogate_db_migrate (or the
     * CLI's "ssogate db migrate LOCATION") upgrades it, as a deliberate step; an empty database always
     * receives the current schema.
     */
    uint32_t migrate_on_open;
} ssogate_gate_options;

/** Fills opts with defaults. `size` is sizeof *opts as the caller compiled it. */
SSOGATE_API void ssogate_gate_options_init(ssogate_gate_options *opts, size_t size) SSOGATE_NOEXCEPT;

/** A gate over its stores. Thread-safe: share one per process. */
typedef struct ssogate_gate ssogate_gate;

/**
 * Opens a gate. location holds the directory (accounts, connections, members, invites, audit log):
 * "sqlite:PATH" (the embedded default: one file, WAL), "postgresql://USER:PASSWORD@HOST:PORT/DB[?...]"
 * (many nodes over one database: everything, shared state included, in it) or "memory:" (tests).
 * shared_location holds the replay cache and the pending requests: (NULL, 0) for the same store, or
 * "redis://[USER:PASSWORD@]HOST:PORT[/DB]" so that several nodes share them. A PostgreSQL location takes
 * libpq's parameters (sslmode, sslrootcert, connect_timeout, ...) and ssogate's pool_max (1..64, default 4),
 * statement_timeout_ms (default 5000) and pool_wait_ms (default 5000). A malformed location gives
 * SSOGATE_STORE_LOCATION; a database that cannot be opened SSOGATE_STORE_UNAVAILABLE (the message names the
 * address, never the password), SSOGATE_STORE_AUTH (credentials refused), _CORRUPT, _SCHEMA_NEWER or
 * _SCHEMA_OLDER. A Redis that is down does not fail here: logins do, with SSOGATE_STORE_UNAVAILABLE. opts
 * may be NULL for defaults.
 */
SSOGATE_API ssogate_gate *ssogate_gate_open(const char *location, size_t location_len, const char *shared_location,
                                            size_t shared_location_len, const ssogate_gate_options *opts,
                                            ssogate_error *err) SSOGATE_NOEXCEPT;
/** Closes a gate and its stores; NULL is allowed. Handles it returned stay valid. */
SSOGATE_API void ssogate_gate_free(ssogate_gate *gate) SSOGATE_NOEXCEPT;

/**
 * A gate over stores the caller made: its own directory, replay cache and pending-request store, each
 * of any kind (memory, SQLite, Redis, the host's callbacks). The gate shares them: the caller may free
 * its handles right after. NULL directory, replay or requests gives SSOGATE_INVALID_ARGUMENT. opts may
 * be NULL; it is honoured exactly as by ssogate_gate_open (now, join_token_ttl_seconds,
 * max_response_bytes). Freeing the gate releases its share of each store.
 */
SSOGATE_API ssogate_gate *ssogate_gate_new(ssogate_directory *directory, ssogate_replay_cache *replay,
                                           ssogate_request_store *requests, const ssogate_gate_options *opts,
                                           ssogate_error *err) SSOGATE_NOEXCEPT;

/*
 * Admin calls. Each returns SSOGATE_OK or a failure code (also in err), and writes an audit row.
 * Lists of domains are one string, items separated by spaces or commas.
 */

/** Creates an account with its verified email domains. SSOGATE_STORE_CONFLICT when it exists. */
SSOGATE_API int ssogate_gate_create_account(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                            const char *name, size_t name_len, const char *verified_domains,
                                            size_t verified_domains_len, ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * Names an owner or admin who keeps password login when SSO is enforced (so an IdP outage cannot lock
 * the account out). SSOGATE_NOT_FOUND when the email is not a member of the account;
 * SSOGATE_POLICY_DENIED when the member is not an active owner or admin. The name counts only while its
 * member is an owner or admin: every password decision and preview checks the role of that moment, so a
 * demotion takes break-glass away at once (promoting the same member again gives it back). When the
 * email becomes a member again through the gate (ssogate_gate_add_member, ssogate_gate_invite,
 * ssogate_gate_confirm_join), a name left from an earlier membership is dropped (audit row
 * BREAK_GLASS_REMOVED): a new membership starts without break-glass.
 */
SSOGATE_API int ssogate_gate_add_break_glass(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                             const char *email, size_t email_len, ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * Saves conn for the account (its JSON; insert or replace, so saving it again with new settings
 * changes them for the next login). enabled: 1 or 0. SSOGATE_STORE_CONFLICT when the connection id
 * belongs to another account, or when the saved connection of that id has another ACS URL or SP entity
 * ID (the IdP knows the saved ones: a connection made again without its id or URLs would break logins;
 * change settings on the saved connection instead).
 */
SSOGATE_API int ssogate_gate_add_connection(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                            const ssogate_connection *conn, int enabled,
                                            ssogate_error *err) SSOGATE_NOEXCEPT;
/** Enables (1) or disables (0) a saved connection. SSOGATE_NOT_FOUND when unknown. */
SSOGATE_API int ssogate_gate_set_connection_enabled(ssogate_gate *gate, const char *connection_id,
                                                    size_t connection_id_len, int enabled,
                                                    ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * Adds a member (ssogate_role). has_password 1: the member had a password before SSO (keeps it in
 * Mixed mode); 0: SSO only. SSOGATE_STORE_CONFLICT when already a member.
 */
SSOGATE_API int ssogate_gate_add_member(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                        const char *email, size_t email_len, int role, int has_password,
                                        ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * Removes a member from the account, with their break-glass name, in one change with its audit row
 * (MEMBER_REMOVED). SSOGATE_NOT_FOUND when the email is not a member. SSOGATE_POLICY_DENIED (audit row
 * MEMBER_REMOVE_REFUSED, the message saying why) when the account enforces SSO and the removal would
 * leave it without an active owner or admin who has signed in through SSO: the lockout guard of
 * ssogate_gate_apply_sso_mode, over the members without this one. The decision is written only if the
 * account and its members are as they were read (a compare-and-swap on the account's revision), so an
 * enforcement or another removal made meanwhile by another process or node makes it decide again.
 * SSOGATE_STORE_CONFLICT when they kept changing under it.
 */
SSOGATE_API int ssogate_gate_remove_member(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                           const char *email, size_t email_len, ssogate_error *err) SSOGATE_NOEXCEPT;

/** An invite: immutable. */
typedef struct ssogate_invite ssogate_invite;

/**
 * Invites email to the account with role (ssogate_role), valid ttl_seconds. The next SSO login of that
 * email joins the account (SSOGATE_GATE_OUTCOME_JOINED_BY_INVITE). Replaces an earlier invite for the same
 * email. SSOGATE_STORE_CONFLICT when the email is already a member.
 */
SSOGATE_API ssogate_invite *ssogate_gate_invite(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                                const char *email, size_t email_len, int role, int64_t ttl_seconds,
                                                ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees an invite; NULL is allowed. */
SSOGATE_API void ssogate_invite_free(ssogate_invite *invite) SSOGATE_NOEXCEPT;
/** The invite token (128 random bits, base64url), for the link the host mails. */
SSOGATE_API const char *ssogate_invite_token(const ssogate_invite *invite) SSOGATE_NOEXCEPT;
/** The invited email, lower-cased. */
SSOGATE_API const char *ssogate_invite_email(const ssogate_invite *invite) SSOGATE_NOEXCEPT;
/** When the invite expires, Unix seconds. */
SSOGATE_API int64_t ssogate_invite_expires_at(const ssogate_invite *invite) SSOGATE_NOEXCEPT;

/**
 * What switching the account to SSOGATE_SSO_MODE_ENFORCED would do: who loses password login, whether
 * the lockout guard allows it. Changes nothing.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_enforcement *ssogate_gate_preview_enforcement(
    ssogate_gate *gate, const char *account_id, size_t account_id_len, ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * Applies an SSO mode (ssogate_sso_mode) to the account and says what happened. Switching to enforced
 * runs the preview and applies only when it allows: the lockout guard refuses unless force is 1, and
 * no enabled connection refuses even when forced. A refusal is a decision (ssogate_enforcement_applied
 * 0), not an error. Switching to mixed always applies.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_enforcement *ssogate_gate_apply_sso_mode(ssogate_gate *gate,
                                                                                const char *account_id,
                                                                                size_t account_id_len, int mode,
                                                                                int force,
                                                                                ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees a preview; NULL is allowed. */
SSOGATE_API void ssogate_enforcement_free(ssogate_enforcement *e) SSOGATE_NOEXCEPT;
/** 1 if enforcing is allowed (safe, or forced), else 0. */
SSOGATE_API int ssogate_enforcement_allowed(const ssogate_enforcement *e) SSOGATE_NOEXCEPT;
/** 1 if ssogate_gate_apply_sso_mode changed the mode; always 0 for a preview. */
SSOGATE_API int ssogate_enforcement_applied(const ssogate_enforcement *e) SSOGATE_NOEXCEPT;
/** The account's mode after the call (ssogate_sso_mode). */
SSOGATE_API int ssogate_enforcement_mode(const ssogate_enforcement *e) SSOGATE_NOEXCEPT;
/** The reason (ssogate_reason): ENFORCEMENT_SAFE, LOCKOUT_GUARD, FORCED or NO_ENABLED_CONNECTION. */
SSOGATE_API int ssogate_enforcement_reason(const ssogate_enforcement *e) SSOGATE_NOEXCEPT;
/** Specifics for the operator ("2 member(s) have never logged in through SSO"). */
SSOGATE_API const char *ssogate_enforcement_detail(const ssogate_enforcement *e) SSOGATE_NOEXCEPT;
/** Members who would lose access (active, never logged in through SSO, not break-glass), by email. */
SSOGATE_API size_t ssogate_enforcement_losing_access_count(const ssogate_enforcement *e) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_enforcement_losing_access(const ssogate_enforcement *e, size_t i) SSOGATE_NOEXCEPT;
/** Break-glass members who keep password login: named break-glass and an active owner or admin. */
SSOGATE_API size_t ssogate_enforcement_break_glass_count(const ssogate_enforcement *e) SSOGATE_NOEXCEPT;
SSOGATE_API const char *ssogate_enforcement_break_glass(const ssogate_enforcement *e, size_t i) SSOGATE_NOEXCEPT;

/**
 * Gives the gate an SP encryption key for encrypted assertions (the gate keeps its own reference; the
 * caller still frees key). Each connection uses the keys whose certificate is one of its SP encryption
 * certificates, so one gate holds the keys of every connection, and a current and next key during a
 * rollover. Adding a key the gate holds already does nothing. Safe beside concurrent consume calls.
 * SSOGATE_INVALID_ARGUMENT for a NULL gate or key.
 */
SSOGATE_API int ssogate_gate_add_decryption_key(ssogate_gate *gate, const ssogate_sp_key *key,
                                                ssogate_error *err) SSOGATE_NOEXCEPT;

/*
 * Login calls.
 */

/**
 * Begins an SP-initiated login on a saved connection: as ssogate_sp_login_begin, with the gate's
 * pending-request store (shared through Redis when the gate was opened with it) and the gate's clock
 * when opts->now is 0. SSOGATE_NOT_FOUND for an unknown connection id.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_sp_login_request *ssogate_gate_begin_sp_login(
    ssogate_gate *gate, const char *connection_id, size_t connection_id_len, const char *return_to,
    size_t return_to_len, const ssogate_sp_key *sp_key, const ssogate_sp_login_options *opts,
    ssogate_error *err) SSOGATE_NOEXCEPT;

/** The result of ssogate_gate_consume: immutable. */
typedef struct ssogate_gate_outcome ssogate_gate_outcome;

/**
 * The ACS: consumes the SAMLResponse and RelayState form values posted to the connection's ACS URL.
 * Verifies the response (with its pending request when there is a RelayState, as ssogate_sp_login_finish),
 * applies the account's policy to the verified email, makes the directory change the decision calls
 * for (links the identity, accepts the invite, or issues a one-time join token) and writes an audit
 * row, for refusals too.
 *
 * Returns an outcome for every login attempt, refused ones included: check ssogate_gate_outcome_kind. Only
 * SSOGATE_GATE_OUTCOME_LOGIN and SSOGATE_GATE_OUTCOME_JOINED_BY_INVITE let the user in. A store that cannot
 * answer gives SSOGATE_GATE_OUTCOME_DENIED with SSOGATE_STORE_UNAVAILABLE, never an accepted login. NULL
 * (with err) only for a caller error (NULL gate, empty connection id) or out of memory.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_gate_outcome *ssogate_gate_consume(
    ssogate_gate *gate, const char *connection_id, size_t connection_id_len, const char *saml_response,
    size_t saml_response_len, const char *relay_state, size_t relay_state_len, ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees an outcome (and its login); NULL is allowed. */
SSOGATE_API void ssogate_gate_outcome_free(ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/** The kind (ssogate_gate_outcome_kinds); SSOGATE_GATE_OUTCOME_DENIED for a NULL outcome. */
SSOGATE_API int ssogate_gate_outcome_kind(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/** The policy reason (ssogate_reason); SSOGATE_REASON_NONE when verification or a store refused. */
SSOGATE_API int ssogate_gate_outcome_reason(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/** The reason's stable name: a ssogate_reason name, or the error code's name ("REPLAYED"). */
SSOGATE_API const char *ssogate_gate_outcome_reason_name(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/** For the operator: the reason's sentence with its specifics, or the refusal's message. */
SSOGATE_API const char *ssogate_gate_outcome_reason_text(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/** Safe to show the end user of a refused login; "" for accepted ones. */
SSOGATE_API const char *ssogate_gate_outcome_user_message(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/** SSOGATE_OK when the policy decided; else the code that refused the login (2xx, 3xx, 4xx). */
SSOGATE_API int ssogate_gate_outcome_error_code(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/**
 * 1 if the response's signature had verified: every accepted outcome and policy decision, and refusals
 * after verification (then ssogate_gate_outcome_email names who was refused). 0 when the refusal came before
 * any signature verified (malformed, unsigned, forged, an unknown RelayState, ...): ssogate_gate_outcome_email
 * is then "" and nothing the sender chose is recorded, in the outcome or in its audit row.
 */
SSOGATE_API int ssogate_gate_outcome_signature_verified(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/**
 * Who: the verified email, lower-cased, for accepted outcomes and policy decisions; for a refusal after
 * verification, the identity the signed Assertion states (as ssogate_error_signed_identity: an address
 * in its normalised form, else the NameID as stated); "" when the refusal came before any signature
 * verified. The audit row records the same.
 */
SSOGATE_API const char *ssogate_gate_outcome_email(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/** The connection's account; "" when the connection is unknown. */
SSOGATE_API const char *ssogate_gate_outcome_account_id(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/** The connection id the response was posted for. */
SSOGATE_API const char *ssogate_gate_outcome_connection_id(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/** SSOGATE_GATE_OUTCOME_PROMPT_JOIN: the one-time token for ssogate_gate_confirm_join; "" otherwise. */
SSOGATE_API const char *ssogate_gate_outcome_join_token(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/** SP-initiated logins: the return-to given when the login began (validated then); "" otherwise. */
SSOGATE_API const char *ssogate_gate_outcome_return_to(const ssogate_gate_outcome *outcome) SSOGATE_NOEXCEPT;
/**
 * The verified login (section 6 getters) for SSOGATE_GATE_OUTCOME_LOGIN and SSOGATE_GATE_OUTCOME_JOINED_BY_INVITE,
 * borrowed: valid as long as the outcome. Do not free it. NULL for the other kinds.
 */
SSOGATE_API const ssogate_verified_login *ssogate_gate_outcome_verified_login(const ssogate_gate_outcome *outcome)
    SSOGATE_NOEXCEPT;

/**
 * ssogate_explain_response for a response posted to the gate's stored connection connection_id, with
 * the gate's decryption keys, size cap and maximum age. Read-only: the gate's replay cache, pending
 * requests and RelayState are never touched, so the "replay" check is not reached, and
 * pending_request_ids ((NULL, 0) for none; separated as for ssogate_verify_response) are the IDs to
 * compare InResponseTo with (for an SP-initiated login: the request ID the RelayState named, which
 * ssogate_gate_begin_sp_login returned). candidate_idp as for ssogate_explain_response. now: Unix
 * seconds, 0 for the gate's clock (explain a captured response at the time it was posted). NULL with
 * SSOGATE_NOT_FOUND in err for an unknown connection.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_explanation *ssogate_gate_explain(
    ssogate_gate *gate, const char *connection_id, size_t connection_id_len, const char *saml_response,
    size_t saml_response_len, const char *pending_request_ids, size_t pending_request_ids_len,
    const ssogate_idp *candidate_idp, int64_t now, ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * The user confirmed joining after SSOGATE_GATE_OUTCOME_PROMPT_JOIN: decides again with the settings of this
 * moment, then creates the member (role member, linked to SSO) and uses the token up. SSOGATE_NOT_FOUND
 * when the token is unknown, already used or expired; SSOGATE_STORE_CONFLICT when the email became a
 * member meanwhile; SSOGATE_POLICY_DENIED (the message names the policy reason; the token stays unused)
 * when the policy no longer prompts to join: connection disabled or removed, JiT off, domain no longer
 * allowed, or an invite now pending (sign in again to join by it).
 */
SSOGATE_API SSOGATE_MUST_CHECK int ssogate_gate_confirm_join(ssogate_gate *gate, const char *join_token,
                                                             size_t join_token_len,
                                                             ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * Refreshes the gate's stored connection (ssogate_connection_refresh) and stores the result: the new
 * metadata, or the last known good with its refresh state. Every event is written to the audit log (the
 * event's name as outcome, reason METADATA) and passed to the gate's event callback. SSOGATE_NOT_FOUND
 * for an unknown connection, SSOGATE_INVALID_ARGUMENT for one not imported from a URL,
 * SSOGATE_STORE_CONFLICT when the stored connection changed while the metadata was fetched (an admin's
 * edit on another node: nothing is stored, refresh again); a failed refresh is in the result
 * (ssogate_refresh_error_code), not in err. A host calls it from its scheduler, at the
 * connection's ssogate_idp_source_next_refresh_at.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_refresh *ssogate_gate_refresh_connection(ssogate_gate *gate,
                                                                                const char *connection_id,
                                                                                size_t connection_id_len,
                                                                                const ssogate_fetcher *fetcher,
                                                                                ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * Called once per metadata event of ssogate_gate_refresh_connection, after its audit row is written, on
 * the refreshing thread: the connection's id and the list with the event at index i.
 */
typedef void (*ssogate_metadata_event_fn)(void *user_data, const char *connection_id,
                                          const ssogate_metadata_event_list *events, size_t i);
/** Sets (fn NULL: clears) the gate's event callback. Set it before sharing the gate between threads. */
SSOGATE_API int ssogate_gate_set_metadata_event_callback(ssogate_gate *gate, ssogate_metadata_event_fn fn,
                                                         void *user_data, ssogate_error *err) SSOGATE_NOEXCEPT;

/** A member of an account: immutable. */
typedef struct ssogate_member ssogate_member;

/**
 * ssogate_gate_confirm_join, returning the member it created (role member, joined through SSO, linked),
 * or NULL with the same codes as ssogate_gate_confirm_join in err.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_member *ssogate_gate_confirm_join_member(ssogate_gate *gate,
                                                                                const char *join_token,
                                                                                size_t join_token_len,
                                                                                ssogate_error *err) SSOGATE_NOEXCEPT;
/**
 * The member (account_id, email), the email compared in the normal form of ssogate_normalize_email. NULL
 * with SSOGATE_NOT_FOUND in err when the account has no such member (or the account is unknown).
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_member *ssogate_gate_find_member(ssogate_gate *gate, const char *account_id,
                                                                        size_t account_id_len, const char *email,
                                                                        size_t email_len,
                                                                        ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees a member; NULL is allowed. */
SSOGATE_API void ssogate_member_free(ssogate_member *member) SSOGATE_NOEXCEPT;
/** The account's ID ("" for NULL). */
SSOGATE_API const char *ssogate_member_account_id(const ssogate_member *member) SSOGATE_NOEXCEPT;
/** The email, in normal form ("" for NULL). */
SSOGATE_API const char *ssogate_member_email(const ssogate_member *member) SSOGATE_NOEXCEPT;
/** ssogate_role (SSOGATE_ROLE_MEMBER for NULL). */
SSOGATE_API int ssogate_member_role(const ssogate_member *member) SSOGATE_NOEXCEPT;
/** ssogate_policy_member_status (SSOGATE_POLICY_MEMBER_STATUS_ACTIVE for NULL). */
SSOGATE_API int ssogate_member_status(const ssogate_member *member) SSOGATE_NOEXCEPT;
/** ssogate_policy_joined_via. */
SSOGATE_API int ssogate_member_joined_via(const ssogate_member *member) SSOGATE_NOEXCEPT;
/** 1 when the member has a password (the host keeps it), else 0. */
SSOGATE_API int ssogate_member_has_password(const ssogate_member *member) SSOGATE_NOEXCEPT;
/** 1 when the member's identity is linked to SSO (an SSO login happened), else 0. */
SSOGATE_API int ssogate_member_sso_linked(const ssogate_member *member) SSOGATE_NOEXCEPT;
/** The last SSO login, Unix seconds; 0 = never. */
SSOGATE_API int64_t ssogate_member_last_sso_login(const ssogate_member *member) SSOGATE_NOEXCEPT;
/** When the member was created, Unix seconds. */
SSOGATE_API int64_t ssogate_member_created_at(const ssogate_member *member) SSOGATE_NOEXCEPT;

/** An account's members, by email: immutable. */
typedef struct ssogate_member_list ssogate_member_list;
/** The account's members, ordered by email. NULL with SSOGATE_NOT_FOUND in err for an unknown account. */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_member_list *ssogate_gate_list_members(ssogate_gate *gate,
                                                                              const char *account_id,
                                                                              size_t account_id_len,
                                                                              ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees a list and the members it lends; NULL is allowed. */
SSOGATE_API void ssogate_member_list_free(ssogate_member_list *list) SSOGATE_NOEXCEPT;
/** How many members (0 for NULL). */
SSOGATE_API size_t ssogate_member_list_count(const ssogate_member_list *list) SSOGATE_NOEXCEPT;
/** The i-th member, lent by the list (valid until it is freed; do not free it); NULL when out of range. */
SSOGATE_API const ssogate_member *ssogate_member_list_get(const ssogate_member_list *list, size_t i) SSOGATE_NOEXCEPT;

/**
 * One round trip to each of the gate's stores (the directory, the replay cache, the pending requests):
 * SSOGATE_OK when all answer, else the first failure (SSOGATE_STORE_UNAVAILABLE, the message naming the
 * store and its address, e.g. "Redis at 127.0.0.1:6390 did not answer: Connection refused"). Writes
 * nothing. ssogate_gate_open does not connect to Redis; a host calls this after opening to fail at start
 * rather than at the first login. Stores the host implements with callbacks are not asked.
 */
SSOGATE_API SSOGATE_MUST_CHECK int ssogate_gate_check_stores(ssogate_gate *gate, ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * Brings the database at location ("sqlite:PATH" or "postgresql://...") to the schema this library writes:
 * the forward-only migrations it ships, in one transaction (PostgreSQL: under a lock, so that two nodes
 * migrating at once migrate once); an empty database receives the whole schema. *from_version receives the
 * version found (0: empty), *to_version the version now (either may be NULL). Back the database up first.
 * SSOGATE_STORE_SCHEMA_NEWER when the database was written by a newer ssogate (nothing is changed);
 * SSOGATE_STORE_LOCATION for "memory:" or "redis://...", which have no schema.
 */
SSOGATE_API SSOGATE_MUST_CHECK int ssogate_db_migrate(const char *location, size_t location_len, int *from_version,
                                                      int *to_version, ssogate_error *err) SSOGATE_NOEXCEPT;

/**
 * May this email log in to the account with a password? The policy's answer (audited): Mixed mode keeps
 * passwords for members who had one; Enforced refuses with SSOGATE_REASON_SSO_REQUIRED and the
 * connection to use, except break-glass members. The host still checks the password itself.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_password_decision *ssogate_gate_decide_password_login(
    ssogate_gate *gate, const char *account_id, size_t account_id_len, const char *email, size_t email_len,
    ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees a decision; NULL is allowed. */
SSOGATE_API void ssogate_password_decision_free(ssogate_password_decision *d) SSOGATE_NOEXCEPT;
/** 1 if a password login is allowed, else 0 (also for NULL). */
SSOGATE_API int ssogate_password_decision_allowed(const ssogate_password_decision *d) SSOGATE_NOEXCEPT;
/** The reason (ssogate_reason). */
SSOGATE_API int ssogate_password_decision_reason(const ssogate_password_decision *d) SSOGATE_NOEXCEPT;
/** For a refusal that points at SSO: the account's enabled connection to send the user to; "" otherwise. */
SSOGATE_API const char *ssogate_password_decision_connection_id(const ssogate_password_decision *d) SSOGATE_NOEXCEPT;

/** A page of the audit log: immutable. */
typedef struct ssogate_audit ssogate_audit;

/**
 * Reads audit rows with seq > after_seq, oldest first, at most limit (0 = 1000). account_id (NULL, 0)
 * reads every account.
 */
SSOGATE_API ssogate_audit *ssogate_gate_read_audit(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                                   int64_t after_seq, size_t limit,
                                                   ssogate_error *err) SSOGATE_NOEXCEPT;

/** A filtered read of the audit log (ssogate_gate_query_audit). Initialise with ssogate_audit_query_init. */
typedef struct ssogate_audit_query {
    uint32_t struct_size;
    /** One account's rows; (NULL, 0) = every account. */
    const char *account_id;
    size_t account_id_len;
    /** Rows about this email (compared in normal form); (NULL, 0) = any. */
    const char *email;
    size_t email_len;
    /** Rows whose outcome is one of these names ("LOGIN,DENIED", comma- or space-separated); (NULL, 0) = any. */
    const char *outcomes;
    size_t outcomes_len;
    /** Rows whose reason is one of these names ("REPLAYED INVITE_REQUIRED"); (NULL, 0) = any. */
    const char *reasons;
    size_t reasons_len;
    /** Rows with seq > after_seq. */
    int64_t after_seq;
    /** Rows with seq < before_seq; 0 = no bound. To page back from the newest rows, pass the last seq read. */
    int64_t before_seq;
    /** Rows with time >= since, Unix seconds; 0 = no bound. */
    int64_t since;
    /** Rows with time < until, Unix seconds; 0 = no bound. */
    int64_t until;
    /** Non-zero: newest first (the limit then keeps the newest matching rows); 0: oldest first. */
    int newest_first;
    /** At most this many rows; 0 = 1000. */
    size_t limit;
} ssogate_audit_query;

/** Fills q with defaults (every filter off, oldest first, limit 1000). `size` is sizeof *q as compiled. */
SSOGATE_API void ssogate_audit_query_init(ssogate_audit_query *q, size_t size) SSOGATE_NOEXCEPT;

/**
 * Reads the audit rows that match every filter of q, in its order, at most its limit. The SQLite
 * directory answers with one statement; memory and host directories read forward and filter. An
 * outcome or reason that is not a name of A-Z, 0-9 and _ gives SSOGATE_INVALID_ARGUMENT.
 */
SSOGATE_API SSOGATE_MUST_CHECK ssogate_audit *ssogate_gate_query_audit(ssogate_gate *gate, const ssogate_audit_query *q,
                                                                       ssogate_error *err) SSOGATE_NOEXCEPT;
/** Frees a page; NULL is allowed. */
SSOGATE_API void ssogate_audit_free(ssogate_audit *audit) SSOGATE_NOEXCEPT;
/** The number of rows. Row getters with i out of range give NULL or 0. */
SSOGATE_API size_t ssogate_audit_count(const ssogate_audit *audit) SSOGATE_NOEXCEPT;
/** Row i's sequence number (increasing; pass the last one as after_seq to read on). */
SSOGATE_API int64_t ssogate_audit_seq(const ssogate_audit *audit, size_t i) SSOGATE_NOEXCEPT;
/** Row i's time, Unix seconds. */
SSOGATE_API int64_t ssogate_audit_time(const ssogate_audit *audit, size_t i) SSOGATE_NOEXCEPT;
/** Row i's account id ("" when the connection was unknown). */
SSOGATE_API const char *ssogate_audit_account_id(const ssogate_audit *audit, size_t i) SSOGATE_NOEXCEPT;
/** Row i's connection id ("" for admin rows about the account). */
SSOGATE_API const char *ssogate_audit_connection_id(const ssogate_audit *audit, size_t i) SSOGATE_NOEXCEPT;
/** Row i's email ("" when none is known). */
SSOGATE_API const char *ssogate_audit_email(const ssogate_audit *audit, size_t i) SSOGATE_NOEXCEPT;
/** Row i's outcome: "LOGIN", "PROMPT_JOIN", "JOINED_BY_INVITE", "DENIED", "JOIN_CONFIRMED", "PASSWORD_ALLOWED", ... */
SSOGATE_API const char *ssogate_audit_outcome(const ssogate_audit *audit, size_t i) SSOGATE_NOEXCEPT;
/** Row i's reason: a ssogate_reason name, an error code name, or "ADMIN". */
SSOGATE_API const char *ssogate_audit_reason(const ssogate_audit *audit, size_t i) SSOGATE_NOEXCEPT;
/** Row i's specifics for the operator. */
SSOGATE_API const char *ssogate_audit_detail(const ssogate_audit *audit, size_t i) SSOGATE_NOEXCEPT;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SSOGATE_H */
