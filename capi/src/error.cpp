// Section 2 of ssogate.h: errors, and the one place where C++ exceptions become C error codes.
#include "internal.hpp"

#include "util/text.hpp"

#include <exception>
#include <new>

namespace {

using ssogate::core::Code;

// The C enum repeats the core's numbers; a mismatch would silently mislabel every failure, so the
// build refuses it. One line per code, in header order.
constexpr bool same(int c_value, Code core_value) { return c_value == static_cast<int>(core_value); }
static_assert(same(SSOGATE_OK, Code::ok));
static_assert(same(SSOGATE_INVALID_ARGUMENT, Code::invalid_argument));
static_assert(same(SSOGATE_OPTIONS_SIZE, Code::options_size));
static_assert(same(SSOGATE_INVALID_URL, Code::invalid_url));
static_assert(same(SSOGATE_INVALID_SETTING, Code::invalid_setting));
static_assert(same(SSOGATE_CONNECTION_JSON, Code::connection_json));
static_assert(same(SSOGATE_CONNECTION_VERSION, Code::connection_version));
static_assert(same(SSOGATE_INDEX_OUT_OF_RANGE, Code::index_out_of_range));
static_assert(same(SSOGATE_RETURN_TO_NOT_ALLOWED, Code::return_to_not_allowed));
static_assert(same(SSOGATE_SP_KEY_INVALID, Code::sp_key_invalid));
static_assert(same(SSOGATE_SP_KEY_REQUIRED, Code::sp_key_required));
static_assert(same(SSOGATE_POLICY_DENIED, Code::policy_denied));
static_assert(same(SSOGATE_XML_MALFORMED, Code::xml_malformed));
static_assert(same(SSOGATE_XML_DOCTYPE, Code::xml_doctype));
static_assert(same(SSOGATE_INPUT_TOO_LARGE, Code::input_too_large));
static_assert(same(SSOGATE_XML_LIMITS, Code::xml_limits));
static_assert(same(SSOGATE_ENCODING_INVALID, Code::encoding_invalid));
static_assert(same(SSOGATE_XML_ATTRIBUTE_LIMITS, Code::xml_attribute_limits));
static_assert(same(SSOGATE_METADATA_NOT_SAML, Code::metadata_not_saml));
static_assert(same(SSOGATE_METADATA_NO_IDP, Code::metadata_no_idp));
static_assert(same(SSOGATE_METADATA_NO_SAML2, Code::metadata_no_saml2));
static_assert(same(SSOGATE_METADATA_NO_SSO_ENDPOINT, Code::metadata_no_sso_endpoint));
static_assert(same(SSOGATE_METADATA_NO_SIGNING_CERT, Code::metadata_no_signing_cert));
static_assert(same(SSOGATE_METADATA_BAD_CERT, Code::metadata_bad_cert));
static_assert(same(SSOGATE_METADATA_WEAK_KEY, Code::metadata_weak_key));
static_assert(same(SSOGATE_METADATA_EXPIRED, Code::metadata_expired));
static_assert(same(SSOGATE_METADATA_AMBIGUOUS, Code::metadata_ambiguous));
static_assert(same(SSOGATE_METADATA_ENTITY_NOT_FOUND, Code::metadata_entity_not_found));
static_assert(same(SSOGATE_METADATA_SIGNATURE_INVALID, Code::metadata_signature_invalid));
static_assert(same(SSOGATE_METADATA_UNSIGNED, Code::metadata_unsigned));
static_assert(same(SSOGATE_METADATA_INVALID, Code::metadata_invalid));
static_assert(same(SSOGATE_WARN_CERT_EXPIRED, Code::warn_cert_expired));
static_assert(same(SSOGATE_WARN_CERT_EXPIRES_SOON, Code::warn_cert_expires_soon));
static_assert(same(SSOGATE_WARN_CERT_NOT_YET_VALID, Code::warn_cert_not_yet_valid));
static_assert(same(SSOGATE_SIGNATURE_MISSING, Code::signature_missing));
static_assert(same(SSOGATE_SIGNATURE_INVALID, Code::signature_invalid));
static_assert(same(SSOGATE_SIGNATURE_ALGORITHM, Code::signature_algorithm));
static_assert(same(SSOGATE_SIGNATURE_REFERENCE, Code::signature_reference));
static_assert(same(SSOGATE_SIGNATURE_TRANSFORM, Code::signature_transform));
static_assert(same(SSOGATE_SIGNATURE_PLACEMENT, Code::signature_placement));
static_assert(same(SSOGATE_SIGNATURE_MALFORMED, Code::signature_malformed));
static_assert(same(SSOGATE_DUPLICATE_ID, Code::duplicate_id));
static_assert(same(SSOGATE_RESPONSE_MALFORMED, Code::response_malformed));
static_assert(same(SSOGATE_RESPONSE_VERSION, Code::response_version));
static_assert(same(SSOGATE_ISSUE_INSTANT, Code::issue_instant));
static_assert(same(SSOGATE_DESTINATION_MISMATCH, Code::destination_mismatch));
static_assert(same(SSOGATE_ISSUER_MISMATCH, Code::issuer_mismatch));
static_assert(same(SSOGATE_STATUS_NOT_SUCCESS, Code::status_not_success));
static_assert(same(SSOGATE_ASSERTION_ENCRYPTED, Code::assertion_encrypted));
static_assert(same(SSOGATE_ASSERTION_COUNT, Code::assertion_count));
static_assert(same(SSOGATE_ASSERTION_MALFORMED, Code::assertion_malformed));
static_assert(same(SSOGATE_SUBJECT_CONFIRMATION, Code::subject_confirmation));
static_assert(same(SSOGATE_RECIPIENT_MISMATCH, Code::recipient_mismatch));
static_assert(same(SSOGATE_SUBJECT_EXPIRED, Code::subject_expired));
static_assert(same(SSOGATE_NOT_YET_VALID, Code::not_yet_valid));
static_assert(same(SSOGATE_EXPIRED, Code::expired));
static_assert(same(SSOGATE_AUDIENCE_MISMATCH, Code::audience_mismatch));
static_assert(same(SSOGATE_IN_RESPONSE_TO_UNKNOWN, Code::in_response_to_unknown));
static_assert(same(SSOGATE_UNSOLICITED_NOT_ALLOWED, Code::unsolicited_not_allowed));
static_assert(same(SSOGATE_AUTHN_STATEMENT_MISSING, Code::authn_statement_missing));
static_assert(same(SSOGATE_NAMEID_FORMAT, Code::nameid_format));
static_assert(same(SSOGATE_NAMEID_INVALID, Code::nameid_invalid));
static_assert(same(SSOGATE_EMAIL_DOMAIN_NOT_ALLOWED, Code::email_domain_not_allowed));
static_assert(same(SSOGATE_EMAIL_ATTRIBUTE, Code::email_attribute));
static_assert(same(SSOGATE_REPLAYED, Code::replayed));
static_assert(same(SSOGATE_SESSION_EXPIRED, Code::session_expired));
static_assert(same(SSOGATE_CONDITION_UNKNOWN, Code::condition_unknown));
static_assert(same(SSOGATE_TIME_WINDOW_INVALID, Code::time_window_invalid));
static_assert(same(SSOGATE_REQUEST_UNKNOWN, Code::request_unknown));
static_assert(same(SSOGATE_REQUEST_EXPIRED, Code::request_expired));
static_assert(same(SSOGATE_REQUEST_CONNECTION_MISMATCH, Code::request_connection_mismatch));
static_assert(same(SSOGATE_RELAY_STATE_INVALID, Code::relay_state_invalid));
static_assert(same(SSOGATE_BINDING_UNSUPPORTED, Code::binding_unsupported));
static_assert(same(SSOGATE_STORE_UNAVAILABLE, Code::store_unavailable));
static_assert(same(SSOGATE_STORE_CORRUPT, Code::store_corrupt));
static_assert(same(SSOGATE_STORE_SCHEMA_NEWER, Code::store_schema_newer));
static_assert(same(SSOGATE_STORE_CONFLICT, Code::store_conflict));
static_assert(same(SSOGATE_NOT_FOUND, Code::not_found));
static_assert(same(SSOGATE_STORE_LOCATION, Code::store_location));
static_assert(same(SSOGATE_INTERNAL, Code::internal));
static_assert(same(SSOGATE_OUT_OF_MEMORY, Code::out_of_memory));

}  // namespace

namespace ssogate::capi {

void set_error(ssogate_error *err, int code, std::string_view message) noexcept {
    if (err == nullptr) {
        return;
    }
    err->code = code;
    err->has_signed_identity = false;
    err->signed_identity.clear();
    try {
        // Messages quote input; whatever they hold, hosts get valid UTF-8 (no binding's string
        // conversion may fail on an error it is reporting).
        err->message = core::util::valid_utf8(message);
    } catch (...) {
        err->message.clear();
    }
    try {
        err->user_message = core::user_message_for(static_cast<core::Code>(code));
    } catch (...) {
        err->user_message.clear();
    }
}

void record_current_exception(ssogate_error *err) noexcept {
    try {
        throw;
    } catch (const core::Rejection &e) {
        set_error(err, static_cast<int>(e.code()), e.what());
        if (err != nullptr) {
            try {
                err->user_message = e.user_message();
            } catch (...) {
                // keep the generic text set_error chose
            }
            if (e.signed_identity()) {
                try {
                    err->signed_identity = *e.signed_identity();
                    err->has_signed_identity = true;
                } catch (...) {
                    // out of memory: report no identity rather than a wrong one
                }
            }
        }
    } catch (const core::Error &e) {
        set_error(err, static_cast<int>(e.code()), e.what());
    } catch (const std::bad_alloc &) {
        set_error(err, SSOGATE_OUT_OF_MEMORY, "out of memory");
    } catch (const std::exception &e) {
        set_error(err, SSOGATE_INTERNAL, e.what());
    } catch (...) {
        set_error(err, SSOGATE_INTERNAL, "unexpected non-standard exception in ssogate");
    }
}

std::string_view input(const char *ptr, std::size_t len, const char *what) {
    if (ptr == nullptr) {
        if (len != 0) {
            core::fail(core::Code::invalid_argument,
                       std::string(what) + " is NULL but its length is " + std::to_string(len));
        }
        return {};
    }
    return {ptr, len};
}

void require_struct_size(std::uint32_t struct_size, std::size_t first_version_size, const char *name) {
    if (struct_size < first_version_size) {
        core::fail(core::Code::options_size, std::string(name) + ".struct_size is " + std::to_string(struct_size) +
                                                 ", expected at least " + std::to_string(first_version_size) +
                                                 " (initialise it with " + name + "_init(&opts, sizeof opts))");
    }
}

}  // namespace ssogate::capi

ssogate_error *ssogate_error_new(void) noexcept { return new (std::nothrow) ssogate_error(); }

void ssogate_error_free(ssogate_error *err) noexcept { delete err; }

int ssogate_error_code(const ssogate_error *err) noexcept { return err == nullptr ? SSOGATE_OK : err->code; }

const char *ssogate_error_message(const ssogate_error *err) noexcept {
    return err == nullptr ? "" : err->message.c_str();
}

const char *ssogate_error_user_message(const ssogate_error *err) noexcept {
    return err == nullptr ? "" : err->user_message.c_str();
}

const char *ssogate_error_signed_identity(const ssogate_error *err) noexcept {
    return err == nullptr || !err->has_signed_identity ? nullptr : err->signed_identity.c_str();
}

const char *ssogate_code_name(int code) noexcept { return ssogate::core::code_name(code); }
