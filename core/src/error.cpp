#include "error.hpp"

namespace ssogate::core {

const char *code_name(Code code) noexcept {
    switch (code) {
    case Code::ok: return "OK";
    case Code::invalid_argument: return "INVALID_ARGUMENT";
    case Code::options_size: return "OPTIONS_SIZE";
    case Code::invalid_url: return "INVALID_URL";
    case Code::invalid_setting: return "INVALID_SETTING";
    case Code::connection_json: return "CONNECTION_JSON";
    case Code::connection_version: return "CONNECTION_VERSION";
    case Code::index_out_of_range: return "INDEX_OUT_OF_RANGE";
    case Code::return_to_not_allowed: return "RETURN_TO_NOT_ALLOWED";
    case Code::sp_key_invalid: return "SP_KEY_INVALID";
    case Code::sp_key_required: return "SP_KEY_REQUIRED";
    case Code::policy_denied: return "POLICY_DENIED";
    case Code::xml_malformed: return "XML_MALFORMED";
    case Code::xml_doctype: return "XML_DOCTYPE";
    case Code::input_too_large: return "INPUT_TOO_LARGE";
    case Code::xml_limits: return "XML_LIMITS";
    case Code::encoding_invalid: return "ENCODING_INVALID";
    case Code::xml_attribute_limits: return "XML_ATTRIBUTE_LIMITS";
    case Code::metadata_not_saml: return "METADATA_NOT_SAML";
    case Code::metadata_no_idp: return "METADATA_NO_IDP";
    case Code::metadata_no_saml2: return "METADATA_NO_SAML2";
    case Code::metadata_no_sso_endpoint: return "METADATA_NO_SSO_ENDPOINT";
    case Code::metadata_no_signing_cert: return "METADATA_NO_SIGNING_CERT";
    case Code::metadata_bad_cert: return "METADATA_BAD_CERT";
    case Code::metadata_weak_key: return "METADATA_WEAK_KEY";
    case Code::metadata_expired: return "METADATA_EXPIRED";
    case Code::metadata_ambiguous: return "METADATA_AMBIGUOUS";
    case Code::metadata_entity_not_found: return "METADATA_ENTITY_NOT_FOUND";
    case Code::metadata_signature_invalid: return "METADATA_SIGNATURE_INVALID";
    case Code::metadata_unsigned: return "METADATA_UNSIGNED";
    case Code::metadata_invalid: return "METADATA_INVALID";
    case Code::warn_cert_expired: return "WARN_CERT_EXPIRED";
    case Code::warn_cert_expires_soon: return "WARN_CERT_EXPIRES_SOON";
    case Code::warn_cert_not_yet_valid: return "WARN_CERT_NOT_YET_VALID";
    case Code::signature_missing: return "SIGNATURE_MISSING";
    case Code::signature_invalid: return "SIGNATURE_INVALID";
    case Code::signature_algorithm: return "SIGNATURE_ALGORITHM";
    case Code::signature_reference: return "SIGNATURE_REFERENCE";
    case Code::signature_transform: return "SIGNATURE_TRANSFORM";
    case Code::signature_placement: return "SIGNATURE_PLACEMENT";
    case Code::signature_malformed: return "SIGNATURE_MALFORMED";
    case Code::duplicate_id: return "DUPLICATE_ID";
    case Code::decryption_failed: return "DECRYPTION_FAILED";
    case Code::encryption_algorithm: return "ENCRYPTION_ALGORITHM";
    case Code::encryption_malformed: return "ENCRYPTION_MALFORMED";
    case Code::response_malformed: return "RESPONSE_MALFORMED";
    case Code::response_version: return "RESPONSE_VERSION";
    case Code::issue_instant: return "ISSUE_INSTANT";
    case Code::destination_mismatch: return "DESTINATION_MISMATCH";
    case Code::issuer_mismatch: return "ISSUER_MISMATCH";
    case Code::status_not_success: return "STATUS_NOT_SUCCESS";
    case Code::assertion_encrypted: return "ASSERTION_ENCRYPTED";
    case Code::assertion_count: return "ASSERTION_COUNT";
    case Code::assertion_malformed: return "ASSERTION_MALFORMED";
    case Code::subject_confirmation: return "SUBJECT_CONFIRMATION";
    case Code::recipient_mismatch: return "RECIPIENT_MISMATCH";
    case Code::subject_expired: return "SUBJECT_EXPIRED";
    case Code::not_yet_valid: return "NOT_YET_VALID";
    case Code::expired: return "EXPIRED";
    case Code::audience_mismatch: return "AUDIENCE_MISMATCH";
    case Code::in_response_to_unknown: return "IN_RESPONSE_TO_UNKNOWN";
    case Code::unsolicited_not_allowed: return "UNSOLICITED_NOT_ALLOWED";
    case Code::authn_statement_missing: return "AUTHN_STATEMENT_MISSING";
    case Code::nameid_format: return "NAMEID_FORMAT";
    case Code::nameid_invalid: return "NAMEID_INVALID";
    case Code::email_domain_not_allowed: return "EMAIL_DOMAIN_NOT_ALLOWED";
    case Code::email_attribute: return "EMAIL_ATTRIBUTE";
    case Code::replayed: return "REPLAYED";
    case Code::session_expired: return "SESSION_EXPIRED";
    case Code::condition_unknown: return "CONDITION_UNKNOWN";
    case Code::time_window_invalid: return "TIME_WINDOW_INVALID";
    case Code::request_unknown: return "REQUEST_UNKNOWN";
    case Code::request_expired: return "REQUEST_EXPIRED";
    case Code::request_connection_mismatch: return "REQUEST_CONNECTION_MISMATCH";
    case Code::relay_state_invalid: return "RELAY_STATE_INVALID";
    case Code::binding_unsupported: return "BINDING_UNSUPPORTED";
    case Code::store_unavailable: return "STORE_UNAVAILABLE";
    case Code::store_corrupt: return "STORE_CORRUPT";
    case Code::store_schema_newer: return "STORE_SCHEMA_NEWER";
    case Code::store_conflict: return "STORE_CONFLICT";
    case Code::not_found: return "NOT_FOUND";
    case Code::store_location: return "STORE_LOCATION";
    case Code::internal: return "INTERNAL";
    case Code::out_of_memory: return "OUT_OF_MEMORY";
    }
    return "UNKNOWN";
}

const char *code_name(int code) noexcept { return code_name(static_cast<Code>(code)); }

}  // namespace ssogate::core
