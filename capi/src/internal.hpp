// Shared plumbing of the C ABI: the handle structs behind the opaque typedefs of ssogate.h, the one
// exception-to-error translation, and the options-struct reader. Nothing here is exported.
#pragma once

#include "ssogate/ssogate.h"

#include "connection/connection.hpp"
#include "crypto/sign.hpp"
#include "error.hpp"
#include "metadata/idp.hpp"
#include "metadata/refresh.hpp"
#include "response/explain.hpp"
#include "response/verify.hpp"
#include "store/directory.hpp"
#include "store/pending_requests.hpp"
#include "store/replay.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// The caller-owned error object. A plain code + message: nothing in it refers to library state, so it
// stays valid after the handle that failed is gone.
struct ssogate_error {
    int code = SSOGATE_OK;
    std::string message;
    // Safe for the end user (ssogate_error_user_message): a core::Rejection's own, else a generic
    // text for the code (core::user_message_for).
    std::string user_message;
    // A core::Rejection's signed identity (ssogate_error_signed_identity): set only for a refusal
    // that came after the response's signature verified.
    bool has_signed_identity = false;
    std::string signed_identity;
};

// Imported metadata. `p` is the core object; the strings that the core does not hold in C form
// (PEM text) are computed once, at construction, because handles are shared across threads and
// must never be mutated after they are handed out.
// Metadata events (ssogate_metadata_event_list): of an import or of a refresh.
struct ssogate_metadata_event_list {
    std::vector<ssogate::core::MetadataEvent> events;
};

struct ssogate_idp {
    std::shared_ptr<const ssogate::core::IdpMetadata> p;
    std::vector<std::string> cert_pem;
    ssogate_metadata_event_list events;  // of the URL import that made it; empty otherwise

    explicit ssogate_idp(std::shared_ptr<const ssogate::core::IdpMetadata> metadata);
};

// How metadata URLs are fetched: the core's options plus the host's callback, if any.
struct ssogate_fetcher {
    ssogate::core::RefreshOptions o;
    ssogate_fetch_fn fn = nullptr;
    void *user_data = nullptr;
};

// The mutable builder behind ssogate_connection_params_*: just the core's parameter struct.
struct ssogate_connection_params {
    ssogate::core::ConnectionParams p;
};

// A connection, with its IdP embedded so that ssogate_connection_idp can hand out a borrowed
// ssogate_idp* that lives exactly as long as the connection. The JSON and the SP metadata are
// rendered at construction for the same reason as the PEM strings above.
struct ssogate_connection {
    std::shared_ptr<const ssogate::core::Connection> p;
    ssogate_idp idp;
    std::string json;
    std::string sp_metadata;
    std::string sp_certificate_sha256;  // "" without an SP certificate

    explicit ssogate_connection(std::shared_ptr<const ssogate::core::Connection> connection);
};

// A replay cache (section 5): shared ownership, because the core's store factories hand out
// shared_ptrs and a SQLite cache shares its database with the other stores of the same file.
struct ssogate_replay_cache {
    std::shared_ptr<ssogate::core::ReplayCache> p;
};

// A verified login (section 6): the core's value, immutable once made.
struct ssogate_sp_key {
    std::shared_ptr<const ssogate::core::crypto::SigningKey> p;
};

struct ssogate_verified_login {
    ssogate::core::VerifiedLogin v;
    // Section 8 (ssogate_sp_login_finish): the return-to stored with the pending request; "" otherwise.
    std::string return_to = {};
};

// An explanation (section 6): the core's value, immutable once made.
struct ssogate_explanation {
    ssogate::core::Explanation e;
};

// A pending-request store (section 5), shared like the replay cache: a SQLite store shares its
// database with the other stores of the same file.
struct ssogate_request_store {
    std::shared_ptr<ssogate::core::store::PendingRequests> p;
};

// A directory (section 5), shared like the other stores: every gate made over it by ssogate_gate_new
// holds a reference, so the caller may free its handle at once.
struct ssogate_directory {
    std::shared_ptr<ssogate::core::store::Directory> p;
};

namespace ssogate::capi {

// The core's refresh options of a fetcher (NULL: the defaults), with the host's callback as transport.
core::RefreshOptions refresh_options(const ssogate_fetcher *fetcher);
// Clears err (code OK, empty message). Safe on NULL.
inline void reset(ssogate_error *err) noexcept {
    if (err != nullptr) {
        err->code = SSOGATE_OK;
        err->message.clear();
        err->user_message.clear();
        err->has_signed_identity = false;
        err->signed_identity.clear();
    }
}

// Records a failure. Never throws: if the message cannot be copied (out of memory) the code is still
// set and the message stays empty, which is better than losing the code.
void set_error(ssogate_error *err, int code, std::string_view message) noexcept;

// Called from a catch (...) block: rethrows the in-flight exception and records it in err
// (core::Error -> its code and message; bad_alloc -> OUT_OF_MEMORY; anything else -> INTERNAL).
void record_current_exception(ssogate_error *err) noexcept;

// Every entry point that can fail is written as
//     SSOGATE_CAPI_BEGIN(err) { ...body, returns on success... } SSOGATE_CAPI_END(err, value on failure)
// so that no exception ever crosses into C, and err is reset on entry.
#define SSOGATE_CAPI_BEGIN(err)  \
    ::ssogate::capi::reset(err); \
    try
#define SSOGATE_CAPI_END(err, on_failure)               \
    catch (...) {                                       \
        ::ssogate::capi::record_current_exception(err); \
    }                                                   \
    return on_failure;

// A (pointer, length) input as a string_view. (NULL, 0) is the empty string; (NULL, n > 0) is a
// caller bug and fails with INVALID_ARGUMENT naming the parameter.
std::string_view input(const char *ptr, std::size_t len, const char *what);

// Options structs: the first version of each struct is what every caller has at least; later
// fields are read only when the caller's struct_size covers them (a caller built against an older
// header gets their defaults).
template <typename Struct>
bool covers(const Struct *opts, std::size_t field_offset, std::size_t field_size) noexcept {
    return opts->struct_size >= field_offset + field_size;
}
#define SSOGATE_CAPI_COVERS(opts, field)                                                                      \
    ::ssogate::capi::covers((opts), offsetof(std::remove_cv_t<std::remove_pointer_t<decltype(opts)>>, field), \
                            sizeof((opts)->field))

// Throws options_size when opts->struct_size is below the first version's size.
void require_struct_size(std::uint32_t struct_size, std::size_t first_version_size, const char *name);

// ssogate_verify_options as ssogate_verify_response and ssogate_sp_login_finish read it (NULL or
// 0 keeps each default) into `ctx`, the decryption keys into `keys`, which ctx then points to: keep
// both alive for the call.
void read_verify_options(const ssogate_verify_options *opts, core::VerifyContext &ctx,
                         core::crypto::DecryptionKeys &keys);

// "id1 id2,id3" -> {"id1", "id2", "id3"}: the pending request IDs of ssogate_verify_response.
std::vector<std::string> split_ids(std::string_view text);

// Shared by ssogate_idp_import and ssogate_connection_from_json.
core::ImportOptions import_options(const ssogate_idp_options *opts);

// The binding URI of ssogate_binding `b`, or nullptr for OTHER and unknown numbers; and back.
const char *binding_uri(int b) noexcept;
int binding_code(std::string_view uri) noexcept;

// Fills the caller's options struct: zeroes the `size` bytes the caller owns (fields a newer header
// appended default to 0), then lets `fill` set the defaults of the fields this library knows.
template <typename Struct, typename Fill>
void init_options(Struct *opts, std::size_t size, Fill fill) noexcept {
    if (opts == nullptr || size < sizeof(std::uint32_t)) {
        return;  // not even struct_size fits: nothing can be written safely
    }
    std::memset(static_cast<void *>(opts), 0, size);
    opts->struct_size = size > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(size);
    fill(opts);
}

}  // namespace ssogate::capi
