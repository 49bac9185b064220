// Section 3 of ssogate.h: IdP metadata.
#include "internal.hpp"

#include "crypto/certificate.hpp"

#include <algorithm>
#include <limits>

ssogate_idp::ssogate_idp(std::shared_ptr<const ssogate::core::IdpMetadata> metadata) : p(std::move(metadata)) {
    cert_pem.reserve(p->signing_certificates().size());
    for (const auto &cert : p->signing_certificates()) {
        cert_pem.push_back(ssogate::core::crypto::to_pem(cert));
    }
}

namespace ssogate::capi {

namespace {
// The first published ssogate_idp_options: struct_size, max_bytes, now.
constexpr std::size_t idp_options_v1_size = offsetof(ssogate_idp_options, now) + sizeof(std::int64_t);
}  // namespace

core::ImportOptions import_options(const ssogate_idp_options *opts) {
    core::ImportOptions out;
    if (opts == nullptr) {
        return out;
    }
    require_struct_size(opts->struct_size, idp_options_v1_size, "ssogate_idp_options");
    // 0 keeps the default, like every other zeroed field, so a zero-filled struct is a valid one.
    if (opts->max_bytes != 0) {
        const std::uint64_t size_max = std::numeric_limits<std::size_t>::max();
        out.max_bytes = static_cast<std::size_t>(std::min(opts->max_bytes, size_max));
    }
    if (opts->now != 0) {
        out.now = opts->now;
    }
    if (SSOGATE_CAPI_COVERS(opts, allow_sha1)) {
        out.allow_sha1 = opts->allow_sha1 != 0;
    }
    return out;
}

const char *binding_uri(int b) noexcept {
    switch (b) {
    case SSOGATE_BINDING_HTTP_REDIRECT: return core::binding_redirect;
    case SSOGATE_BINDING_HTTP_POST: return core::binding_post;
    default: return nullptr;
    }
}

int binding_code(std::string_view uri) noexcept {
    if (uri == core::binding_redirect) {
        return SSOGATE_BINDING_HTTP_REDIRECT;
    }
    if (uri == core::binding_post) {
        return SSOGATE_BINDING_HTTP_POST;
    }
    return SSOGATE_BINDING_OTHER;
}

}  // namespace ssogate::capi

namespace {

// Element i of a list, or nullptr past its end (getters are total: an index is never UB).
template <typename T>
const T *at(const std::vector<T> &v, std::size_t i) noexcept {
    return i < v.size() ? &v[i] : nullptr;
}

const ssogate::core::crypto::Certificate *cert_at(const ssogate_idp *idp, std::size_t i) noexcept {
    return idp == nullptr ? nullptr : at(idp->p->signing_certificates(), i);
}

const ssogate::core::Endpoint *sso_at(const ssogate_idp *idp, std::size_t i) noexcept {
    return idp == nullptr ? nullptr : at(idp->p->sso_endpoints(), i);
}

const ssogate::core::Endpoint *slo_at(const ssogate_idp *idp, std::size_t i) noexcept {
    return idp == nullptr ? nullptr : at(idp->p->slo_endpoints(), i);
}

}  // namespace

void ssogate_idp_options_init(ssogate_idp_options *opts, size_t size) noexcept {
    ssogate::capi::init_options(opts, size, [](ssogate_idp_options *o) {
        if (SSOGATE_CAPI_COVERS(o, max_bytes)) {
            o->max_bytes = ssogate::core::ImportOptions{}.max_bytes;
        }
        // now: 0 (the system clock) is already there.
    });
}

ssogate_idp *ssogate_idp_import(const char *xml, size_t xml_len, const char *entity_id, size_t entity_id_len,
                                const char *signer_pem, size_t signer_pem_len, const ssogate_idp_options *opts,
                                ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        using namespace ssogate::capi;
        const auto doc = input(xml, xml_len, "xml");
        auto options = import_options(opts);
        options.entity_id = input(entity_id, entity_id_len, "entity_id");
        options.trusted_signer_pem = input(signer_pem, signer_pem_len, "signer_pem");
        return new ssogate_idp(ssogate::core::import_idp_metadata(doc, options));
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_idp_free(ssogate_idp *idp) noexcept { delete idp; }

const char *ssogate_idp_entity_id(const ssogate_idp *idp) noexcept {
    return idp == nullptr ? nullptr : idp->p->entity_id().c_str();
}

int ssogate_idp_want_authn_requests_signed(const ssogate_idp *idp) noexcept {
    return idp != nullptr && idp->p->want_authn_requests_signed() ? 1 : 0;
}

int64_t ssogate_idp_valid_until(const ssogate_idp *idp) noexcept {
    return idp == nullptr ? 0 : idp->p->valid_until().value_or(0);
}

const char *ssogate_idp_cache_duration(const ssogate_idp *idp) noexcept {
    return idp == nullptr ? nullptr : idp->p->cache_duration().c_str();
}

int ssogate_idp_signature_verified(const ssogate_idp *idp) noexcept {
    return idp != nullptr && idp->p->signature_verified() ? 1 : 0;
}

size_t ssogate_idp_sso_count(const ssogate_idp *idp) noexcept {
    return idp == nullptr ? 0 : idp->p->sso_endpoints().size();
}

int ssogate_idp_sso_binding(const ssogate_idp *idp, size_t i) noexcept {
    const auto *e = sso_at(idp, i);
    return e == nullptr ? SSOGATE_BINDING_OTHER : ssogate::capi::binding_code(e->binding);
}

const char *ssogate_idp_sso_binding_uri(const ssogate_idp *idp, size_t i) noexcept {
    const auto *e = sso_at(idp, i);
    return e == nullptr ? nullptr : e->binding.c_str();
}

const char *ssogate_idp_sso_location(const ssogate_idp *idp, size_t i) noexcept {
    const auto *e = sso_at(idp, i);
    return e == nullptr ? nullptr : e->location.c_str();
}

const char *ssogate_idp_sso_url(const ssogate_idp *idp, int binding) noexcept {
    const char *uri = ssogate::capi::binding_uri(binding);
    if (idp == nullptr || uri == nullptr) {
        return nullptr;
    }
    const auto *e = idp->p->sso_endpoint(uri);
    return e == nullptr ? nullptr : e->location.c_str();
}

size_t ssogate_idp_slo_count(const ssogate_idp *idp) noexcept {
    return idp == nullptr ? 0 : idp->p->slo_endpoints().size();
}

int ssogate_idp_slo_binding(const ssogate_idp *idp, size_t i) noexcept {
    const auto *e = slo_at(idp, i);
    return e == nullptr ? SSOGATE_BINDING_OTHER : ssogate::capi::binding_code(e->binding);
}

const char *ssogate_idp_slo_binding_uri(const ssogate_idp *idp, size_t i) noexcept {
    const auto *e = slo_at(idp, i);
    return e == nullptr ? nullptr : e->binding.c_str();
}

const char *ssogate_idp_slo_location(const ssogate_idp *idp, size_t i) noexcept {
    const auto *e = slo_at(idp, i);
    return e == nullptr ? nullptr : e->location.c_str();
}

size_t ssogate_idp_nameid_format_count(const ssogate_idp *idp) noexcept {
    return idp == nullptr ? 0 : idp->p->nameid_formats().size();
}

const char *ssogate_idp_nameid_format(const ssogate_idp *idp, size_t i) noexcept {
    const auto *f = idp == nullptr ? nullptr : at(idp->p->nameid_formats(), i);
    return f == nullptr ? nullptr : f->c_str();
}

size_t ssogate_idp_cert_count(const ssogate_idp *idp) noexcept {
    return idp == nullptr ? 0 : idp->p->signing_certificates().size();
}

const unsigned char *ssogate_idp_cert_der(const ssogate_idp *idp, size_t i, size_t *len) noexcept {
    const auto *c = cert_at(idp, i);
    if (len != nullptr) {
        *len = c == nullptr ? 0 : c->der.size();
    }
    return c == nullptr ? nullptr : reinterpret_cast<const unsigned char *>(c->der.data());
}

const char *ssogate_idp_cert_pem(const ssogate_idp *idp, size_t i) noexcept {
    const auto *pem = idp == nullptr ? nullptr : at(idp->cert_pem, i);
    return pem == nullptr ? nullptr : pem->c_str();
}

const char *ssogate_idp_cert_sha256(const ssogate_idp *idp, size_t i) noexcept {
    const auto *c = cert_at(idp, i);
    return c == nullptr ? nullptr : c->sha256.c_str();
}

const char *ssogate_idp_cert_subject(const ssogate_idp *idp, size_t i) noexcept {
    const auto *c = cert_at(idp, i);
    return c == nullptr ? nullptr : c->subject.c_str();
}

const char *ssogate_idp_cert_issuer(const ssogate_idp *idp, size_t i) noexcept {
    const auto *c = cert_at(idp, i);
    return c == nullptr ? nullptr : c->issuer.c_str();
}

int64_t ssogate_idp_cert_not_before(const ssogate_idp *idp, size_t i) noexcept {
    const auto *c = cert_at(idp, i);
    return c == nullptr ? 0 : c->not_before;
}

int64_t ssogate_idp_cert_not_after(const ssogate_idp *idp, size_t i) noexcept {
    const auto *c = cert_at(idp, i);
    return c == nullptr ? 0 : c->not_after;
}

const char *ssogate_idp_cert_key_type(const ssogate_idp *idp, size_t i) noexcept {
    const auto *c = cert_at(idp, i);
    return c == nullptr ? nullptr : c->key_type.c_str();
}

int ssogate_idp_cert_key_bits(const ssogate_idp *idp, size_t i) noexcept {
    const auto *c = cert_at(idp, i);
    return c == nullptr ? 0 : c->key_bits;
}

size_t ssogate_idp_warning_count(const ssogate_idp *idp) noexcept {
    return idp == nullptr ? 0 : idp->p->warnings().size();
}

int ssogate_idp_warning_code(const ssogate_idp *idp, size_t i) noexcept {
    const auto *w = idp == nullptr ? nullptr : at(idp->p->warnings(), i);
    return w == nullptr ? SSOGATE_OK : static_cast<int>(w->code);
}

const char *ssogate_idp_warning_message(const ssogate_idp *idp, size_t i) noexcept {
    const auto *w = idp == nullptr ? nullptr : at(idp->p->warnings(), i);
    return w == nullptr ? nullptr : w->message.c_str();
}
