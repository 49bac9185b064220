// Section 8 of ssogate.h: SP-initiated login (the SP key, ssogate_sp_login_begin, ssogate_sp_login_finish).
#include "internal.hpp"

#include "login/login.hpp"

#include <algorithm>
#include <limits>
#include <string>

struct ssogate_sp_login_request {
    ssogate::core::BegunLogin b;
};

namespace {

using ssogate::core::Code;

// Request signing keys are 2048 bits or more; ssogate_sp_key_new_legacy's keys (1024 and up) decrypt only.
constexpr int min_signing_key_bits = 2048;
constexpr int min_legacy_key_bits = 1024;

// The first published ssogate_sp_login_options: struct_size, binding, force_authn, is_passive,
// ttl_seconds, now.
constexpr std::size_t login_options_v1_size = offsetof(ssogate_sp_login_options, now) + sizeof(std::int64_t);

ssogate::core::LoginBinding login_binding(std::int32_t b) {
    if (b == SSOGATE_BINDING_HTTP_REDIRECT) return ssogate::core::LoginBinding::redirect;
    if (b == SSOGATE_BINDING_HTTP_POST) return ssogate::core::LoginBinding::post;
    ssogate::core::fail(Code::invalid_argument, "ssogate_sp_login_options.binding is " + std::to_string(b) +
                                                    "; expected SSOGATE_BINDING_HTTP_REDIRECT (1) or "
                                                    "SSOGATE_BINDING_HTTP_POST (2)");
}

}  // namespace

ssogate_sp_key *ssogate_sp_key_new(const char *key_pem, size_t key_pem_len, const char *cert_pem, size_t cert_pem_len,
                                   ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){const auto key = ssogate::capi::input(key_pem, key_pem_len, "key_pem");
const auto cert = ssogate::capi::input(cert_pem, cert_pem_len, "cert_pem");
return new ssogate_sp_key{ssogate::core::SpKey::from_pem(key, cert)};
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_sp_key *ssogate_sp_key_new_legacy(const char *key_pem, size_t key_pem_len, const char *cert_pem,
                                          size_t cert_pem_len, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        const auto key = ssogate::capi::input(key_pem, key_pem_len, "key_pem");
        const auto cert = ssogate::capi::input(cert_pem, cert_pem_len, "cert_pem");
        return new ssogate_sp_key{ssogate::core::SpKey::from_pem(key, cert, min_legacy_key_bits)};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_sp_key_free(ssogate_sp_key *key) noexcept { delete key; }

const char *ssogate_sp_key_certificate_pem(const ssogate_sp_key *key) noexcept {
    return key == nullptr ? nullptr : key->p->certificate_pem().c_str();
}

void ssogate_sp_login_options_init(ssogate_sp_login_options *opts, size_t size) noexcept {
    ssogate::capi::init_options(opts, size, [](ssogate_sp_login_options *o) {
        if (SSOGATE_CAPI_COVERS(o, binding)) {
            o->binding = SSOGATE_BINDING_HTTP_REDIRECT;
        }
        if (SSOGATE_CAPI_COVERS(o, ttl_seconds)) {
            o->ttl_seconds = ssogate::core::default_login_ttl_seconds;
        }
        // force_authn, is_passive: 0; now: 0, the system clock.
    });
}

ssogate_sp_login_request *ssogate_sp_login_begin(const ssogate_connection *conn, ssogate_request_store *store,
                                                 const char *return_to, size_t return_to_len,
                                                 const ssogate_sp_key *sp_key, const ssogate_sp_login_options *opts,
                                                 ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        if (conn == nullptr) {
            ssogate::core::fail(Code::invalid_argument, "ssogate_sp_login_begin: conn is NULL");
        }
        if (store == nullptr) {
            ssogate::core::fail(Code::invalid_argument,
                                "ssogate_sp_login_begin: store is NULL; the pending request must be recorded so the "
                                "ACS can match the IdP's answer");
        }
        ssogate::core::LoginOptions o;
        o.return_to = std::string(ssogate::capi::input(return_to, return_to_len, "return_to"));
        if (sp_key != nullptr) {
            if (sp_key->p->certificate().key_bits < min_signing_key_bits) {
                ssogate::core::fail(Code::sp_key_invalid,
                                    "ssogate_sp_login_begin: the SP key has " +
                                        std::to_string(sp_key->p->certificate().key_bits) +
                                        " bits; a legacy key (ssogate_sp_key_new_legacy) only decrypts, and "
                                        "requests are signed with an RSA key of 2048 bits or more");
            }
            o.sp_key = sp_key->p;
        }
        if (opts != nullptr) {
            ssogate::capi::require_struct_size(opts->struct_size, login_options_v1_size, "ssogate_sp_login_options");
            // A zero-filled struct is a valid one: binding 0 and ttl 0 mean their defaults.
            o.binding = opts->binding == 0 ? ssogate::core::LoginBinding::redirect : login_binding(opts->binding);
            o.force_authn = opts->force_authn != 0;
            o.is_passive = opts->is_passive != 0;
            if (opts->ttl_seconds != 0) {
                o.ttl_seconds = opts->ttl_seconds;
            }
            if (opts->now != 0) {
                o.now = opts->now;
            }
        }
        return new ssogate_sp_login_request{ssogate::core::begin_login(*conn->p, *store->p, o)};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_sp_login_request_free(ssogate_sp_login_request *req) noexcept { delete req; }

const char *ssogate_sp_login_request_id(const ssogate_sp_login_request *req) noexcept {
    return req == nullptr ? nullptr : req->b.request_id.c_str();
}

const char *ssogate_sp_login_request_relay_state(const ssogate_sp_login_request *req) noexcept {
    return req == nullptr ? nullptr : req->b.relay_state.c_str();
}

int ssogate_sp_login_request_binding(const ssogate_sp_login_request *req) noexcept {
    if (req == nullptr) {
        return SSOGATE_BINDING_OTHER;
    }
    return req->b.binding == ssogate::core::LoginBinding::post ? SSOGATE_BINDING_HTTP_POST
                                                               : SSOGATE_BINDING_HTTP_REDIRECT;
}

const char *ssogate_sp_login_request_destination(const ssogate_sp_login_request *req) noexcept {
    return req == nullptr ? nullptr : req->b.destination.c_str();
}

const char *ssogate_sp_login_request_redirect_url(const ssogate_sp_login_request *req) noexcept {
    return req == nullptr ? nullptr : req->b.redirect_url.c_str();
}

const char *ssogate_sp_login_request_post_form_html(const ssogate_sp_login_request *req) noexcept {
    return req == nullptr ? nullptr : req->b.post_form_html.c_str();
}

const char *ssogate_sp_login_request_xml(const ssogate_sp_login_request *req) noexcept {
    return req == nullptr ? nullptr : req->b.xml.c_str();
}

int ssogate_sp_login_request_is_signed(const ssogate_sp_login_request *req) noexcept {
    return req != nullptr && req->b.is_signed ? 1 : 0;
}

int64_t ssogate_sp_login_request_issued_at(const ssogate_sp_login_request *req) noexcept {
    return req == nullptr ? 0 : req->b.issued_at;
}

int64_t ssogate_sp_login_request_expires_at(const ssogate_sp_login_request *req) noexcept {
    return req == nullptr ? 0 : req->b.expires_at;
}

ssogate_verified_login *ssogate_sp_login_finish(const ssogate_connection *conn, ssogate_request_store *store,
                                                const char *relay_state, size_t relay_state_len,
                                                const char *saml_response, size_t saml_response_len,
                                                ssogate_replay_cache *replay, const ssogate_verify_options *opts,
                                                ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        if (conn == nullptr) {
            ssogate::core::fail(Code::invalid_argument, "ssogate_sp_login_finish: conn is NULL");
        }
        if (store == nullptr) {
            ssogate::core::fail(Code::invalid_argument, "ssogate_sp_login_finish: store is NULL");
        }
        if (replay == nullptr) {
            ssogate::core::fail(Code::invalid_argument,
                                "ssogate_sp_login_finish: replay is NULL; verification without a replay cache would "
                                "accept a replayed SAMLResponse");
        }
        const auto rs = ssogate::capi::input(relay_state, relay_state_len, "relay_state");
        const auto response = ssogate::capi::input(saml_response, saml_response_len, "saml_response");
        ssogate::core::VerifyContext ctx;
        ssogate::core::crypto::DecryptionKeys keys;
        ssogate::capi::read_verify_options(opts, ctx, keys);
        ctx.replay = replay->p.get();
        ssogate::core::FinishedLogin f = ssogate::core::finish_login(*conn->p, *store->p, rs, response, ctx);
        auto *login = new ssogate_verified_login{std::move(f.login)};
        login->return_to = std::move(f.return_to);
        return login;
    }
    SSOGATE_CAPI_END(err, nullptr)
}

const char *ssogate_verified_login_return_to(const ssogate_verified_login *login) noexcept {
    return login == nullptr ? nullptr : login->return_to.c_str();
}
