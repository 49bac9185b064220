// Section 4 of ssogate.h: connections.
#include "crypto/certificate.hpp"
#include "internal.hpp"

#include <string>

ssogate_connection::ssogate_connection(std::shared_ptr<const ssogate::core::Connection> connection)
    : p(std::move(connection)),
      idp(p->idp()),
      json(p->to_json()),
      sp_metadata(p->sp_metadata()),
      sp_certificate_sha256(p->sp_certificate_pem().empty()
                                ? std::string()
                                : ssogate::core::crypto::parse_certificate_pem(p->sp_certificate_pem()).sha256) {}

namespace {

// The first published ssogate_connection_options: struct_size and the four int32 settings.
constexpr std::size_t connection_options_v1_size =
    offsetof(ssogate_connection_options, allow_sha1) + sizeof(std::int32_t);

// The shared body of the params setters: check the handle and the input, then store. They return
// the failure code too, so a local error object records it when the caller passed none.
template <typename Store>
int set_param(ssogate_connection_params *params, const char *v, size_t len, const char *what, ssogate_error *err,
              Store store) noexcept {
    ssogate_error local;
    ssogate_error *e = err != nullptr ? err : &local;
    SSOGATE_CAPI_BEGIN(e) {
        if (params == nullptr) {
            ssogate::core::fail(ssogate::core::Code::invalid_argument,
                                std::string("ssogate_connection_params_") + what + ": params is NULL");
        }
        store(params->p, std::string(ssogate::capi::input(v, len, what)));
        return SSOGATE_OK;
    }
    SSOGATE_CAPI_END(e, e->code)
}

const ssogate::core::ConnectionSettings *settings(const ssogate_connection *conn) noexcept {
    return conn == nullptr ? nullptr : &conn->p->settings();
}

}  // namespace

void ssogate_connection_options_init(ssogate_connection_options *opts, size_t size) noexcept {
    ssogate::capi::init_options(opts, size, [](ssogate_connection_options *o) {
        const ssogate::core::ConnectionSettings defaults;
        if (SSOGATE_CAPI_COVERS(o, clock_skew_seconds)) {
            o->clock_skew_seconds = defaults.clock_skew_seconds;
        }
        // allow_idp_initiated, jit_provisioning, allow_sha1, allow_rsa_1_5, allow_legacy_sp_key: off (0)
        // by default, already zero.
    });
}

ssogate_connection_params *ssogate_connection_params_new(void) noexcept {
    try {
        return new ssogate_connection_params();
    } catch (...) {
        return nullptr;  // only bad_alloc can happen here; the header promises NULL for it
    }
}

void ssogate_connection_params_free(ssogate_connection_params *params) noexcept { delete params; }

int ssogate_connection_params_set_base_url(ssogate_connection_params *params, const char *v, size_t len,
                                           ssogate_error *err) noexcept {
    return set_param(params, v, len, "base_url", err, [](auto &p, std::string &&s) { p.base_url = std::move(s); });
}

int ssogate_connection_params_set_id(ssogate_connection_params *params, const char *v, size_t len,
                                     ssogate_error *err) noexcept {
    return set_param(params, v, len, "id", err, [](auto &p, std::string &&s) { p.id = std::move(s); });
}

int ssogate_connection_params_set_description(ssogate_connection_params *params, const char *v, size_t len,
                                              ssogate_error *err) noexcept {
    return set_param(params, v, len, "description", err,
                     [](auto &p, std::string &&s) { p.description = std::move(s); });
}

int ssogate_connection_params_set_acs_url(ssogate_connection_params *params, const char *v, size_t len,
                                          ssogate_error *err) noexcept {
    return set_param(params, v, len, "acs_url", err, [](auto &p, std::string &&s) { p.acs_url = std::move(s); });
}

int ssogate_connection_params_set_sp_entity_id(ssogate_connection_params *params, const char *v, size_t len,
                                               ssogate_error *err) noexcept {
    return set_param(params, v, len, "sp_entity_id", err,
                     [](auto &p, std::string &&s) { p.sp_entity_id = std::move(s); });
}

int ssogate_connection_params_set_acs_url_template(ssogate_connection_params *params, const char *v, size_t len,
                                                   ssogate_error *err) noexcept {
    return set_param(params, v, len, "acs_url_template", err,
                     [](auto &p, std::string &&s) { p.acs_url_template = std::move(s); });
}

int ssogate_connection_params_set_sp_entity_id_template(ssogate_connection_params *params, const char *v, size_t len,
                                                        ssogate_error *err) noexcept {
    return set_param(params, v, len, "sp_entity_id_template", err,
                     [](auto &p, std::string &&s) { p.sp_entity_id_template = std::move(s); });
}

int ssogate_connection_params_add_allowed_domain(ssogate_connection_params *params, const char *v, size_t len,
                                                 ssogate_error *err) noexcept {
    return set_param(params, v, len, "allowed_domain", err,
                     [](auto &p, std::string &&s) { p.settings.allowed_email_domains.push_back(std::move(s)); });
}

int ssogate_connection_params_set_email_attribute(ssogate_connection_params *params, const char *v, size_t len,
                                                  ssogate_error *err) noexcept {
    return set_param(params, v, len, "email_attribute", err,
                     [](auto &p, std::string &&s) { p.settings.email_attribute = std::move(s); });
}

int ssogate_connection_params_set_sp_certificate_pem(ssogate_connection_params *params, const char *v, size_t len,
                                                     ssogate_error *err) noexcept {
    return set_param(params, v, len, "sp_certificate_pem", err,
                     [](auto &p, std::string &&s) { p.sp_certificate_pem = std::move(s); });
}

int ssogate_connection_params_add_sp_encryption_certificate(ssogate_connection_params *params, const char *v,
                                                            size_t len, ssogate_error *err) noexcept {
    return set_param(params, v, len, "sp_encryption_certificate", err,
                     [](auto &p, std::string &&s) { p.sp_encryption_certificates_pem.push_back(std::move(s)); });
}

int ssogate_connection_params_add_return_origin(ssogate_connection_params *params, const char *v, size_t len,
                                                ssogate_error *err) noexcept {
    return set_param(params, v, len, "return_origin", err,
                     [](auto &p, std::string &&s) { p.settings.allowed_return_origins.push_back(std::move(s)); });
}

ssogate_connection *ssogate_connection_new(const ssogate_idp *idp, const ssogate_connection_params *params,
                                           const ssogate_connection_options *opts, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){using ssogate::core::Code;
if (idp == nullptr) {
    ssogate::core::fail(Code::invalid_argument, "ssogate_connection_new: idp is NULL");
}
ssogate::core::ConnectionParams p = params == nullptr ? ssogate::core::ConnectionParams{} : params->p;
if (opts != nullptr) {
    ssogate::capi::require_struct_size(opts->struct_size, connection_options_v1_size, "ssogate_connection_options");
    // Any non-zero value is true, as C callers expect; the range check of the skew is the core's.
    p.settings.allow_idp_initiated = opts->allow_idp_initiated != 0;
    p.settings.jit_provisioning = opts->jit_provisioning != 0;
    p.settings.clock_skew_seconds = opts->clock_skew_seconds;
    p.settings.allow_sha1 = opts->allow_sha1 != 0;
    if (SSOGATE_CAPI_COVERS(opts, allow_rsa_1_5)) {
        p.settings.allow_rsa_1_5 = opts->allow_rsa_1_5 != 0;
    }
    if (SSOGATE_CAPI_COVERS(opts, allow_legacy_sp_key)) {
        p.settings.allow_legacy_sp_key = opts->allow_legacy_sp_key != 0;
    }
}
return new ssogate_connection(ssogate::core::make_connection(idp->p, p));
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_connection *ssogate_connection_from_json(const char *json, size_t json_len, const ssogate_idp_options *opts,
                                                 ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        const auto text = ssogate::capi::input(json, json_len, "json");
        const auto options = ssogate::capi::import_options(opts);
        return new ssogate_connection(ssogate::core::connection_from_json(text, options));
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_connection_free(ssogate_connection *conn) noexcept { delete conn; }

const char *ssogate_connection_id(const ssogate_connection *conn) noexcept {
    return conn == nullptr ? nullptr : conn->p->id().c_str();
}

const char *ssogate_connection_acs_url(const ssogate_connection *conn) noexcept {
    return conn == nullptr ? nullptr : conn->p->acs_url().c_str();
}

const char *ssogate_connection_sp_entity_id(const ssogate_connection *conn) noexcept {
    return conn == nullptr ? nullptr : conn->p->sp_entity_id().c_str();
}

int ssogate_connection_allow_idp_initiated(const ssogate_connection *conn) noexcept {
    const auto *s = settings(conn);
    return s != nullptr && s->allow_idp_initiated ? 1 : 0;
}

int ssogate_connection_jit_provisioning(const ssogate_connection *conn) noexcept {
    const auto *s = settings(conn);
    return s != nullptr && s->jit_provisioning ? 1 : 0;
}

int ssogate_connection_clock_skew_seconds(const ssogate_connection *conn) noexcept {
    const auto *s = settings(conn);
    return s == nullptr ? 0 : s->clock_skew_seconds;
}

int ssogate_connection_allow_sha1(const ssogate_connection *conn) noexcept {
    const auto *s = settings(conn);
    return s != nullptr && s->allow_sha1 ? 1 : 0;
}

size_t ssogate_connection_allowed_domain_count(const ssogate_connection *conn) noexcept {
    const auto *s = settings(conn);
    return s == nullptr ? 0 : s->allowed_email_domains.size();
}

const char *ssogate_connection_allowed_domain(const ssogate_connection *conn, size_t i) noexcept {
    const auto *s = settings(conn);
    if (s == nullptr || i >= s->allowed_email_domains.size()) {
        return nullptr;
    }
    return s->allowed_email_domains[i].c_str();
}

size_t ssogate_connection_return_origin_count(const ssogate_connection *conn) noexcept {
    const auto *s = settings(conn);
    return s == nullptr ? 0 : s->allowed_return_origins.size();
}

const char *ssogate_connection_return_origin(const ssogate_connection *conn, size_t i) noexcept {
    const auto *s = settings(conn);
    if (s == nullptr || i >= s->allowed_return_origins.size()) {
        return nullptr;
    }
    return s->allowed_return_origins[i].c_str();
}

const char *ssogate_connection_description(const ssogate_connection *conn) noexcept {
    return conn == nullptr ? nullptr : conn->p->description().c_str();
}

const char *ssogate_connection_email_attribute(const ssogate_connection *conn) noexcept {
    const auto *s = settings(conn);
    return s == nullptr ? nullptr : s->email_attribute.c_str();
}

const char *ssogate_connection_sp_certificate_pem(const ssogate_connection *conn) noexcept {
    return conn == nullptr ? nullptr : conn->p->sp_certificate_pem().c_str();
}

const char *ssogate_connection_sp_certificate_sha256(const ssogate_connection *conn) noexcept {
    return conn == nullptr ? nullptr : conn->sp_certificate_sha256.c_str();
}

size_t ssogate_connection_sp_encryption_certificate_count(const ssogate_connection *conn) noexcept {
    return conn == nullptr ? 0 : conn->p->sp_encryption_certificates().size();
}

const char *ssogate_connection_sp_encryption_certificate_pem(const ssogate_connection *conn, size_t i) noexcept {
    if (conn == nullptr || i >= conn->p->sp_encryption_certificate_pems().size()) {
        return nullptr;
    }
    return conn->p->sp_encryption_certificate_pems()[i].c_str();
}

const char *ssogate_connection_sp_encryption_certificate_sha256(const ssogate_connection *conn, size_t i) noexcept {
    if (conn == nullptr || i >= conn->p->sp_encryption_certificates().size()) {
        return nullptr;
    }
    return conn->p->sp_encryption_certificates()[i].sha256.c_str();
}

int ssogate_connection_allow_rsa_1_5(const ssogate_connection *conn) noexcept {
    const auto *s = settings(conn);
    return s != nullptr && s->allow_rsa_1_5 ? 1 : 0;
}

int ssogate_connection_allow_legacy_sp_key(const ssogate_connection *conn) noexcept {
    const auto *s = settings(conn);
    return s != nullptr && s->allow_legacy_sp_key ? 1 : 0;
}

int ssogate_connection_authn_requests_signed(const ssogate_connection *conn) noexcept {
    return conn != nullptr && conn->p->signs_every_request() ? 1 : 0;
}

const ssogate_idp *ssogate_connection_idp(const ssogate_connection *conn) noexcept {
    return conn == nullptr ? nullptr : &conn->idp;
}

const char *ssogate_connection_to_json(const ssogate_connection *conn) noexcept {
    return conn == nullptr ? nullptr : conn->json.c_str();
}

const char *ssogate_connection_sp_metadata(const ssogate_connection *conn) noexcept {
    return conn == nullptr ? nullptr : conn->sp_metadata.c_str();
}
