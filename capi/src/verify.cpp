// Section 6 of ssogate.h: verification of a SAMLResponse at the ACS, and the verified login.
#include "internal.hpp"

#include <limits>
#include <string>

namespace {

using ssogate::core::Code;

// The first published ssogate_verify_options: struct_size, now, max_bytes, max_age_seconds.
constexpr std::size_t verify_options_v1_size = offsetof(ssogate_verify_options, max_age_seconds) + sizeof(std::int64_t);

const ssogate::core::Attribute *attribute(const ssogate_verified_login *login, size_t i) noexcept {
    if (login == nullptr || i >= login->v.attributes.size()) {
        return nullptr;
    }
    return &login->v.attributes[i];
}

}  // namespace

// "id1 id2,id3" -> {"id1", "id2", "id3"}. IDs are NCNames, so neither separator can be part of one;
// empty pieces (doubled separators) are skipped.
std::vector<std::string> ssogate::capi::split_ids(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() &&
               (text[i] == ' ' || text[i] == ',' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) {
            ++i;
        }
        std::size_t end = i;
        while (end < text.size() && text[end] != ' ' && text[end] != ',' && text[end] != '\t' && text[end] != '\n' &&
               text[end] != '\r') {
            ++end;
        }
        if (end > i) {
            out.emplace_back(text.substr(i, end - i));
        }
        i = end;
    }
    return out;
}

void ssogate::capi::read_verify_options(const ssogate_verify_options *opts, core::VerifyContext &ctx,
                                        core::crypto::DecryptionKeys &keys) {
    if (opts == nullptr) {
        return;
    }
    require_struct_size(opts->struct_size, verify_options_v1_size, "ssogate_verify_options");
    // 0 keeps each default, so a zero-filled struct is a valid one.
    if (opts->now != 0) {
        ctx.now = opts->now;
    }
    if (opts->max_bytes != 0) {
        const std::uint64_t size_max = std::numeric_limits<std::size_t>::max();
        ctx.max_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(opts->max_bytes, size_max));
    }
    if (opts->max_age_seconds < 0) {
        core::fail(Code::invalid_argument, "ssogate_verify_options.max_age_seconds is " +
                                               std::to_string(opts->max_age_seconds) +
                                               ", expected 0 (the default) or more");
    }
    if (opts->max_age_seconds != 0) {
        ctx.max_age_seconds = opts->max_age_seconds;
    }
    if (SSOGATE_CAPI_COVERS(opts, decryption_key_count) && opts->decryption_key_count != 0) {
        if (opts->decryption_keys == nullptr) {
            core::fail(Code::invalid_argument,
                       "ssogate_verify_options.decryption_keys is NULL but decryption_key_count is " +
                           std::to_string(opts->decryption_key_count));
        }
        for (std::size_t i = 0; i < opts->decryption_key_count; ++i) {
            if (opts->decryption_keys[i] != nullptr) {
                keys.push_back(opts->decryption_keys[i]->p);
            }
        }
        ctx.decryption_keys = &keys;
    }
}

void ssogate_verify_options_init(ssogate_verify_options *opts, size_t size) noexcept {
    ssogate::capi::init_options(opts, size, [](ssogate_verify_options *o) {
        const ssogate::core::VerifyContext defaults;
        if (SSOGATE_CAPI_COVERS(o, max_bytes)) {
            o->max_bytes = defaults.max_bytes;
        }
        if (SSOGATE_CAPI_COVERS(o, max_age_seconds)) {
            o->max_age_seconds = defaults.max_age_seconds;
        }
        // now: 0, the system clock.
    });
}

ssogate_verified_login *ssogate_verify_response(const ssogate_connection *conn, const char *saml_response,
                                                size_t saml_response_len, const char *pending_request_ids,
                                                size_t pending_request_ids_len, ssogate_replay_cache *replay,
                                                const ssogate_verify_options *opts, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        if (conn == nullptr) {
            ssogate::core::fail(Code::invalid_argument, "ssogate_verify_response: conn is NULL");
        }
        if (replay == nullptr) {
            ssogate::core::fail(Code::invalid_argument,
                                "ssogate_verify_response: replay is NULL; verification without a replay cache "
                                "would accept a replayed SAMLResponse");
        }
        const auto response = ssogate::capi::input(saml_response, saml_response_len, "saml_response");
        const auto ids = ssogate::capi::input(pending_request_ids, pending_request_ids_len, "pending_request_ids");
        ssogate::core::VerifyContext ctx;
        ssogate::core::crypto::DecryptionKeys keys;
        ssogate::capi::read_verify_options(opts, ctx, keys);
        ctx.replay = replay->p.get();
        ctx.pending_request_ids = ssogate::capi::split_ids(ids);
        return new ssogate_verified_login{ssogate::core::verify_response(*conn->p, response, ctx)};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_verified_login_free(ssogate_verified_login *login) noexcept { delete login; }

const char *ssogate_verified_login_email(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? nullptr : login->v.email.c_str();
}

const char *ssogate_verified_login_nameid(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? nullptr : login->v.nameid.c_str();
}

const char *ssogate_verified_login_nameid_format(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? nullptr : login->v.nameid_format.c_str();
}

const char *ssogate_verified_login_idp_entity_id(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? nullptr : login->v.idp_entity_id.c_str();
}

const char *ssogate_verified_login_connection_id(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? nullptr : login->v.connection_id.c_str();
}

const char *ssogate_verified_login_assertion_id(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? nullptr : login->v.assertion_id.c_str();
}

const char *ssogate_verified_login_session_index(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? nullptr : login->v.session_index.c_str();
}

int64_t ssogate_verified_login_authn_instant(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? 0 : login->v.authn_instant;
}

int64_t ssogate_verified_login_session_not_on_or_after(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? 0 : login->v.session_not_on_or_after.value_or(0);
}

const char *ssogate_verified_login_in_response_to(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? nullptr : login->v.in_response_to.c_str();
}

size_t ssogate_verified_login_attribute_count(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? 0 : login->v.attributes.size();
}

const char *ssogate_verified_login_attribute_name(const ssogate_verified_login *login, size_t i) noexcept {
    const auto *a = attribute(login, i);
    return a == nullptr ? nullptr : a->name.c_str();
}

const char *ssogate_verified_login_attribute_name_format(const ssogate_verified_login *login, size_t i) noexcept {
    const auto *a = attribute(login, i);
    return a == nullptr ? nullptr : a->name_format.c_str();
}

const char *ssogate_verified_login_attribute_friendly_name(const ssogate_verified_login *login, size_t i) noexcept {
    const auto *a = attribute(login, i);
    return a == nullptr ? nullptr : a->friendly_name.c_str();
}

size_t ssogate_verified_login_attribute_value_count(const ssogate_verified_login *login, size_t i) noexcept {
    const auto *a = attribute(login, i);
    return a == nullptr ? 0 : a->values.size();
}

const char *ssogate_verified_login_attribute_value(const ssogate_verified_login *login, size_t i, size_t j) noexcept {
    const auto *a = attribute(login, i);
    return a == nullptr || j >= a->values.size() ? nullptr : a->values[j].c_str();
}
