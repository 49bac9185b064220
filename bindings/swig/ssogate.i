/*
 * SWIG interface for libssogate, shared by every SWIG target language (Go today).
 *
 * The declarations come from the real public header, never from a copy: this file only says how
 * SWIG should map the few C idioms that have no direct counterpart in a target language. Whatever
 * the header gains later is wrapped automatically; a new idiom needs a typemap here.
 *
 * The low-level module this produces mirrors the C ABI one to one and is not meant for end users;
 * each language puts an idiomatic package on top (for Go: bindings/go).
 */
%module ssogate

/*
 * SSOGATE_API, SSOGATE_NOEXCEPT and SSOGATE_MUST_CHECK must mean nothing to SWIG's parser. The header
 * sees to it: SSOGATE_API is empty unless SSOGATE_BUILDING (only the library's own build sets it),
 * SSOGATE_NOEXCEPT is empty unless __cplusplus (SWIG defines it only with -c++, and SWIG 4 parses
 * noexcept anyway), and SSOGATE_MUST_CHECK checks for SWIG. The generated wrapper, compiled by a C
 * compiler, does see warn_unused_result, which is harmless: the wrapper passes every result on.
 */

%{
#include <stdlib.h>

#include "ssogate/ssogate.h"
%}

%include <stdint.i>

/*
 * Inputs are (pointer, length) pairs that need not be NUL-terminated. Each target language has a
 * (char *STRING, size_t LENGTH) typemap that turns one native string (Go string, Python bytes, ...)
 * into such a pair, length included, so bytes after an embedded NUL reach the library and are judged
 * there instead of being silently cut off.
 */
%apply (char *STRING, size_t LENGTH) {
    (const char *xml, size_t xml_len),
    (const char *entity_id, size_t entity_id_len),
    (const char *signer_pem, size_t signer_pem_len),
    (const char *json, size_t json_len),
    (const char *v, size_t len)
};

/*
 * The DER getter returns a borrowed byte pointer plus an out-parameter length, an idiom with no
 * portable SWIG typemap (each language would need its own). The PEM getter returns the same
 * certificate as text, which every language can decode with its standard library, so the DER
 * getter is left out of the SWIG module; the Go tests check that the decoded bytes hash to the
 * library's own SHA-256 fingerprint.
 */
%ignore ssogate_idp_cert_der;

/*
 * ssogate_email_normalize rewrites a caller's buffer in place: a target language's string is
 * immutable (a Go string) or copied, so the function cannot be mapped as written. Each language
 * calls it natively on a mutable copy (Go: cgo in ssogate.NormalizeEmail; Python: the C++ view).
 */
%ignore ssogate_email_normalize;

/*
 * Options structs must be filled by their _init function with sizeof as the caller compiled it,
 * which a target language cannot compute. A constructor that does it in C makes a freshly created
 * options object always valid; struct_size stays readable for tests.
 */
%extend ssogate_idp_options {
    ssogate_idp_options() {
        ssogate_idp_options *o = (ssogate_idp_options *)calloc(1, sizeof *o);
        if (o != NULL) {
            ssogate_idp_options_init(o, sizeof *o);
        }
        return o;
    }
    ~ssogate_idp_options() { free($self); }
}

%extend ssogate_connection_options {
    ssogate_connection_options() {
        ssogate_connection_options *o = (ssogate_connection_options *)calloc(1, sizeof *o);
        if (o != NULL) {
            ssogate_connection_options_init(o, sizeof *o);
        }
        return o;
    }
    ~ssogate_connection_options() { free($self); }
}

/*
 * Replay caches (section 5), verification (section 6) and the testing IdP (section 7). The
 * host-callback replay cache takes C function pointers, which SWIG cannot build from a target
 * language's function: the Go package calls ssogate_replay_cache_new_callbacks itself, through a
 * small cgo //export trampoline (bindings/go/replay_callbacks.go), and hands SWIG the handle.
 */
%apply (char *STRING, size_t LENGTH) {
    (const char *saml_response, size_t saml_response_len),
    (const char *pending_request_ids, size_t pending_request_ids_len),
    (const char *location, size_t location_len),
    (const char *sso_url, size_t sso_url_len),
    (const char *name, size_t name_len),
    (const char *name_format, size_t name_format_len),
    (const char *friendly_name, size_t friendly_name_len),
    (const char *value, size_t value_len)
};
%ignore ssogate_replay_callbacks;
%ignore ssogate_replay_cache_new_callbacks;
%extend ssogate_replay_cache_options {
    ssogate_replay_cache_options() {
        ssogate_replay_cache_options *o = (ssogate_replay_cache_options *)calloc(1, sizeof *o);
        if (o != NULL) {
            ssogate_replay_cache_options_init(o, sizeof *o);
        }
        return o;
    }
    ~ssogate_replay_cache_options() { free($self); }
}
%extend ssogate_verify_options {
    ssogate_verify_options() {
        ssogate_verify_options *o = (ssogate_verify_options *)calloc(1, sizeof *o);
        if (o != NULL) {
            ssogate_verify_options_init(o, sizeof *o);
        }
        return o;
    }
    ~ssogate_verify_options() { free($self); }
}
%ignore ssogate_replay_cache_options_init;
%ignore ssogate_verify_options_init;

%extend ssogate_sp_login_options {
    ssogate_sp_login_options() {
        ssogate_sp_login_options *o = (ssogate_sp_login_options *)calloc(1, sizeof *o);
        if (o != NULL) {
            ssogate_sp_login_options_init(o, sizeof *o);
        }
        return o;
    }
    ~ssogate_sp_login_options() { free($self); }
}

/*
 * SP-initiated login (section 8) and its pending-request store (section 5). The host-callback store
 * is C function pointers, which SWIG cannot build from a Go func: as for the replay cache, the Go
 * package calls ssogate_request_store_new_callbacks through a cgo //export trampoline
 * (bindings/go/request_callbacks.go).
 */
%apply (char *STRING, size_t LENGTH) {
    (const char *return_to, size_t return_to_len),
    (const char *key_pem, size_t key_pem_len),
    (const char *cert_pem, size_t cert_pem_len),
    (const char *relay_state, size_t relay_state_len)
};
%ignore ssogate_request_callbacks;
%ignore ssogate_request_store_new_callbacks;
%ignore ssogate_pending_request_set;

/*
 * The host's directory (section 5): C function pointers and a JSON out-parameter only its callbacks
 * see; the Go package builds it through a cgo //export trampoline (bindings/go/directory.go).
 * ssogate_directory_open and ssogate_gate_new are wrapped as usual.
 */
%ignore ssogate_directory_callbacks;
%ignore ssogate_directory_new_callbacks;
%ignore ssogate_json_out_set;
%ignore ssogate_sp_login_options_init;

/*
 * The gate (section 9): its string inputs, and its options constructor. (Some of these pairs are
 * also applied for other sections; applying a typemap twice is harmless.)
 */
%apply (char *STRING, size_t LENGTH) {
    (const char *location, size_t location_len),
    (const char *shared_location, size_t shared_location_len),
    (const char *account_id, size_t account_id_len),
    (const char *name, size_t name_len),
    (const char *verified_domains, size_t verified_domains_len),
    (const char *email, size_t email_len),
    (const char *connection_id, size_t connection_id_len),
    (const char *saml_response, size_t saml_response_len),
    (const char *relay_state, size_t relay_state_len),
    (const char *return_to, size_t return_to_len),
    (const char *join_token, size_t join_token_len)
};
%extend ssogate_gate_options {
    ssogate_gate_options() {
        ssogate_gate_options *o = (ssogate_gate_options *)calloc(1, sizeof *o);
        if (o != NULL) {
            ssogate_gate_options_init(o, sizeof *o);
        }
        return o;
    }
    ~ssogate_gate_options() { free($self); }
}
%ignore ssogate_gate_options_init;

/*
 * The pure policy (section 9, "Pure policy"): its string inputs, and constructors for its fact
 * structs that run their _init (so a fresh struct has the C defaults, e.g. an enabled connection).
 * The members list is an opaque builder, wrapped as usual.
 */
%apply (char *STRING, size_t LENGTH) {
    (const char *verified_domains, size_t verified_domains_len),
    (const char *allowed_domains, size_t allowed_domains_len),
    (const char *break_glass, size_t break_glass_len),
    (const char *sso_connection_id, size_t sso_connection_id_len),
    (const char *invited_email, size_t invited_email_len),
    (const char *sso_email, size_t sso_email_len)
};
%extend ssogate_policy_account {
    ssogate_policy_account() {
        ssogate_policy_account *a = (ssogate_policy_account *)calloc(1, sizeof *a);
        if (a != NULL) {
            ssogate_policy_account_init(a, sizeof *a);
        }
        return a;
    }
    ~ssogate_policy_account() { free($self); }
}
%extend ssogate_policy_connection {
    ssogate_policy_connection() {
        ssogate_policy_connection *c = (ssogate_policy_connection *)calloc(1, sizeof *c);
        if (c != NULL) {
            ssogate_policy_connection_init(c, sizeof *c);
        }
        return c;
    }
    ~ssogate_policy_connection() { free($self); }
}
%extend ssogate_policy_facts {
    ssogate_policy_facts() {
        ssogate_policy_facts *f = (ssogate_policy_facts *)calloc(1, sizeof *f);
        if (f != NULL) {
            ssogate_policy_facts_init(f, sizeof *f);
        }
        return f;
    }
    ~ssogate_policy_facts() { free($self); }
}
%ignore ssogate_policy_account_init;
%ignore ssogate_policy_connection_init;
%ignore ssogate_policy_facts_init;

/* The _init functions take sizeof, which only C knows; the constructors above call them instead. */
%ignore ssogate_idp_options_init;
%ignore ssogate_connection_options_init;

%include "ssogate/ssogate.h"
