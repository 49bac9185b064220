/*
 * SWIG interface for libssogate, shared by every SWIG target language (Go today).
 *
 * The declarations come from the real public header, never from a copy: this file only says how
 * SWIG should map the few C idioms that have no direct counterpart in a target language. The
 * mechanical part, generated from the header by scripts/gen_tables.py, is in ssogate_generated.i:
 * a typemap for every (const char *, size_t) input pair and a constructor for every struct filled by
 * an _init function. What is here by hand is what needs a decision: the functions left out, and why.
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
#include <string.h>

#include "ssogate/ssogate.h"
%}

%include <stdint.i>
%include <typemaps.i>

/*
 * ssogate_db_migrate reports two versions through int out-parameters: SWIG's OUTPUT typemaps turn each
 * into a one-element array the caller passes (Go: []int, Java: int[]).
 */
%apply int *OUTPUT { int *from_version, int *to_version };

%include "ssogate_generated.i"

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
 * Host callbacks are C function pointers, which SWIG cannot build from a target language's function:
 * the Go package makes the replay cache, the pending-request store and the directory over its own
 * callbacks through small cgo //export trampolines (bindings/go/replay_callbacks.go,
 * request_callbacks.go, directory.go) and hands SWIG the handle. The setters and out-parameters only
 * those callbacks see are left out with them.
 */
%ignore ssogate_replay_callbacks;
%ignore ssogate_replay_cache_new_callbacks;
%ignore ssogate_request_callbacks;
%ignore ssogate_request_store_new_callbacks;
%ignore ssogate_pending_request_set;
%ignore ssogate_directory_callbacks;
%ignore ssogate_directory_new_callbacks;
%ignore ssogate_json_out_set;
/* The same for the metadata fetch callback and the gate's metadata event callback: a Go host reads the
   events a refresh returns (bindings/go calls its listener with them). */
%ignore ssogate_fetcher_set_callback;
%ignore ssogate_fetch_reply_set;
%ignore ssogate_gate_set_metadata_event_callback;

/*
 * ssogate_verify_options.decryption_keys is an array of key pointers (const ssogate_sp_key *const *)
 * that a target language cannot build: SWIG would hand out an untyped pointer-to-pointer with no way
 * to allocate or fill it. The options struct gets three methods instead, which own the array: make
 * room for n keys (all NULL, which the library skips), put a key in slot i, and free the array. The
 * raw field is left out and the count is read-only, so the count always describes the array that is
 * there. The array borrows the keys: the caller keeps them alive (and open) until the call returns,
 * and frees the array before deleting the options (the generated destructor frees only the struct).
 */
%ignore ssogate_verify_options::decryption_keys;
%immutable ssogate_verify_options::decryption_key_count;
%extend ssogate_verify_options {
    /* Replaces any earlier array with n empty slots; SSOGATE_OUT_OF_MEMORY if it cannot be allocated. */
    int alloc_decryption_keys(size_t n) {
        const ssogate_sp_key **keys = NULL;
        free((void *)$self->decryption_keys);
        $self->decryption_keys = NULL;
        $self->decryption_key_count = 0;
        if (n == 0) {
            return SSOGATE_OK;
        }
        keys = (const ssogate_sp_key **)calloc(n, sizeof *keys);
        if (keys == NULL) {
            return SSOGATE_OUT_OF_MEMORY;
        }
        $self->decryption_keys = keys;
        $self->decryption_key_count = n;
        return SSOGATE_OK;
    }
    /* Puts key (NULL allowed) in slot i; SSOGATE_INVALID_ARGUMENT when i is past the array. */
    int set_decryption_key(size_t i, const ssogate_sp_key *key) {
        if (i >= $self->decryption_key_count) {
            return SSOGATE_INVALID_ARGUMENT;
        }
        ((const ssogate_sp_key **)$self->decryption_keys)[i] = key;
        return SSOGATE_OK;
    }
    /* Frees the array (idempotent). */
    void free_decryption_keys() {
        free((void *)$self->decryption_keys);
        $self->decryption_keys = NULL;
        $self->decryption_key_count = 0;
    }
}

/*
 * ssogate_audit_query's filters are borrowed (pointer, length) pairs. A SWIG setter would keep a pointer
 * to a target-language string that moves or dies after the call, so the fields are left out and the
 * struct gets two methods that own copies instead: set filter `which` (0 account_id, 1 email,
 * 2 outcomes, 3 reasons) to a copy of v, and free the copies. The caller frees them before deleting
 * the struct (the generated destructor frees only the struct).
 */
%ignore ssogate_audit_query::account_id;
%ignore ssogate_audit_query::account_id_len;
%ignore ssogate_audit_query::email;
%ignore ssogate_audit_query::email_len;
%ignore ssogate_audit_query::outcomes;
%ignore ssogate_audit_query::outcomes_len;
%ignore ssogate_audit_query::reasons;
%ignore ssogate_audit_query::reasons_len;
%extend ssogate_audit_query {
    /* SSOGATE_INVALID_ARGUMENT for another `which`, SSOGATE_OUT_OF_MEMORY when the copy fails. */
    int set_filter(int which, const char *v, size_t len) {
        const char **field = NULL;
        size_t *field_len = NULL;
        char *copy = NULL;
        switch (which) {
        case 0: field = &$self->account_id; field_len = &$self->account_id_len; break;
        case 1: field = &$self->email; field_len = &$self->email_len; break;
        case 2: field = &$self->outcomes; field_len = &$self->outcomes_len; break;
        case 3: field = &$self->reasons; field_len = &$self->reasons_len; break;
        default: return SSOGATE_INVALID_ARGUMENT;
        }
        copy = (char *)malloc(len + 1);
        if (copy == NULL) {
            return SSOGATE_OUT_OF_MEMORY;
        }
        if (len > 0) {
            memcpy(copy, v, len);
        }
        copy[len] = 0;
        free((void *)*field);
        *field = copy;
        *field_len = len;
        return SSOGATE_OK;
    }
    /* Frees the copies (idempotent). */
    void free_filters() {
        free((void *)$self->account_id);
        free((void *)$self->email);
        free((void *)$self->outcomes);
        free((void *)$self->reasons);
        $self->account_id = $self->email = $self->outcomes = $self->reasons = NULL;
        $self->account_id_len = $self->email_len = $self->outcomes_len = $self->reasons_len = 0;
    }
}

%include "ssogate/ssogate.h"
