// Section 7 of ssogate.h: the testing IdP, for hosts that test their ACS handler end to end.
#include "internal.hpp"

#include "testing/answer.hpp"
#include "testing/directory_contract.hpp"
#include "testing/idp.hpp"
#include "util/encoding.hpp"
#include "util/time.hpp"

#include <memory>
#include <optional>
#include <string>

namespace core = ssogate::core;
using core::Code;

// The IdP and its metadata, rendered once: the handle is shared across threads and never changes.
struct ssogate_test_idp {
    core::testing::TestIdp idp;
    std::string metadata;

    ssogate_test_idp(std::string entity_id, core::testing::KeyType type, const std::string &sso_url)
        : idp(std::move(entity_id), type), metadata(idp.metadata_xml(sso_url)) {}
    ssogate_test_idp(std::string entity_id, const std::string &key_pem, const std::string &cert_pem,
                     const std::string &sso_url)
        : idp(std::move(entity_id), key_pem, cert_pem), metadata(idp.metadata_xml(sso_url)) {}
};

// The builder: the core's options, plus whether `now` was set (unset means the clock at signing
// time, not 1970).
struct ssogate_test_response_params {
    core::testing::ResponseOptions o;
    bool now_set = false;
    std::string relay_state;  // read by answer_request from a Redirect URL
};

struct ssogate_test_response {
    std::string xml;
    std::string base64;
};

namespace {

constexpr const char *default_entity_id = "https://idp.test.example/saml";
constexpr const char *default_sso_url = "https://idp.test.example/sso";

// The shared body of every params setter: check the handle, store, report the code.
template <typename Store>
int set_param(ssogate_test_response_params *params, const char *what, ssogate_error *err, Store store) noexcept {
    ssogate_error local;
    ssogate_error *e = err != nullptr ? err : &local;
    SSOGATE_CAPI_BEGIN(e) {
        if (params == nullptr) {
            core::fail(Code::invalid_argument,
                       std::string("ssogate_test_response_params_") + what + ": params is NULL");
        }
        store(*params);
        return SSOGATE_OK;
    }
    SSOGATE_CAPI_END(e, e->code)
}

template <typename Store>
int set_string(ssogate_test_response_params *params, const char *v, size_t len, const char *what, ssogate_error *err,
               Store store) noexcept {
    return set_param(params, what, err, [&](ssogate_test_response_params &p) {
        store(p.o, std::string(ssogate::capi::input(v, len, what)));
    });
}

}  // namespace

ssogate_test_idp *ssogate_test_idp_new(const char *entity_id, size_t entity_id_len, const char *sso_url,
                                       size_t sso_url_len, int key_type, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){std::string id(ssogate::capi::input(entity_id, entity_id_len, "entity_id"));
std::string sso(ssogate::capi::input(sso_url, sso_url_len, "sso_url"));
core::testing::KeyType type{};
switch (key_type) {
case SSOGATE_KEY_TYPE_RSA_2048: type = core::testing::KeyType::rsa2048; break;
case SSOGATE_KEY_TYPE_EC_P256: type = core::testing::KeyType::ec_p256; break;
default:
    core::fail(Code::invalid_argument, "ssogate_test_idp_new: key_type is " + std::to_string(key_type) +
                                           ", expected SSOGATE_KEY_TYPE_RSA_2048 (0) or SSOGATE_KEY_TYPE_EC_P256 (1)");
}
return new ssogate_test_idp(id.empty() ? default_entity_id : std::move(id), type, sso.empty() ? default_sso_url : sso);
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_test_idp *ssogate_test_idp_from_pem(const char *entity_id, size_t entity_id_len, const char *sso_url,
                                            size_t sso_url_len, const char *key_pem, size_t key_pem_len,
                                            const char *cert_pem, size_t cert_pem_len, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        std::string id(ssogate::capi::input(entity_id, entity_id_len, "entity_id"));
        std::string sso(ssogate::capi::input(sso_url, sso_url_len, "sso_url"));
        const std::string key(ssogate::capi::input(key_pem, key_pem_len, "key_pem"));
        const std::string cert(ssogate::capi::input(cert_pem, cert_pem_len, "cert_pem"));
        return new ssogate_test_idp(id.empty() ? default_entity_id : std::move(id), key, cert,
                                    sso.empty() ? default_sso_url : sso);
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_test_idp_free(ssogate_test_idp *idp) noexcept { delete idp; }

const char *ssogate_test_idp_private_key_pem(const ssogate_test_idp *idp) noexcept {
    return idp == nullptr ? nullptr : idp->idp.private_key_pem().c_str();
}

const char *ssogate_test_idp_entity_id(const ssogate_test_idp *idp) noexcept {
    return idp == nullptr ? nullptr : idp->idp.entity_id().c_str();
}

const char *ssogate_test_idp_certificate_pem(const ssogate_test_idp *idp) noexcept {
    return idp == nullptr ? nullptr : idp->idp.certificate_pem().c_str();
}

const char *ssogate_test_idp_metadata_xml(const ssogate_test_idp *idp) noexcept {
    return idp == nullptr ? nullptr : idp->metadata.c_str();
}

ssogate_test_response_params *ssogate_test_response_params_new(void) noexcept {
    try {
        return new ssogate_test_response_params();
    } catch (...) {
        return nullptr;  // only bad_alloc can happen here
    }
}

void ssogate_test_response_params_free(ssogate_test_response_params *params) noexcept { delete params; }

int ssogate_test_response_params_set_connection(ssogate_test_response_params *params, const ssogate_connection *conn,
                                                ssogate_error *err) noexcept {
    return set_param(params, "set_connection", err, [conn](ssogate_test_response_params &p) {
        if (conn == nullptr) {
            core::fail(Code::invalid_argument, "ssogate_test_response_params_set_connection: conn is NULL");
        }
        p.o.acs_url = conn->p->acs_url();
        p.o.sp_entity_id = conn->p->sp_entity_id();
    });
}

// One line per string knob; the lambda says where the value goes.
#define SSOGATE_TEST_STRING_SETTER(field, target)                                                                 \
    int ssogate_test_response_params_set_##field(ssogate_test_response_params *params, const char *v, size_t len, \
                                                 ssogate_error *err) noexcept {                                   \
        return set_string(params, v, len, #field, err,                                                            \
                          [](core::testing::ResponseOptions &o, std::string s) { o.target = std::move(s); });     \
    }

SSOGATE_TEST_STRING_SETTER(acs_url, acs_url)
SSOGATE_TEST_STRING_SETTER(sp_entity_id, sp_entity_id)
SSOGATE_TEST_STRING_SETTER(in_response_to, in_response_to)
SSOGATE_TEST_STRING_SETTER(destination, destination)
SSOGATE_TEST_STRING_SETTER(recipient, recipient)
SSOGATE_TEST_STRING_SETTER(audience, audience)
SSOGATE_TEST_STRING_SETTER(issuer, issuer)
SSOGATE_TEST_STRING_SETTER(nameid, nameid)
SSOGATE_TEST_STRING_SETTER(nameid_format, nameid_format)
SSOGATE_TEST_STRING_SETTER(status, status)
SSOGATE_TEST_STRING_SETTER(sub_status, sub_status)
SSOGATE_TEST_STRING_SETTER(status_message, status_message)
SSOGATE_TEST_STRING_SETTER(session_index, session_index)
SSOGATE_TEST_STRING_SETTER(response_id, response_id)
SSOGATE_TEST_STRING_SETTER(assertion_id, assertion_id)
SSOGATE_TEST_STRING_SETTER(signature_method, signature_method)
SSOGATE_TEST_STRING_SETTER(digest_method, digest_method)

#undef SSOGATE_TEST_STRING_SETTER

int ssogate_test_response_params_add_attribute(ssogate_test_response_params *params, const char *name, size_t name_len,
                                               const char *name_format, size_t name_format_len,
                                               const char *friendly_name, size_t friendly_name_len, const char *value,
                                               size_t value_len, ssogate_error *err) noexcept {
    return set_param(params, "add_attribute", err, [&](ssogate_test_response_params &p) {
        std::string n(ssogate::capi::input(name, name_len, "name"));
        std::string fmt(ssogate::capi::input(name_format, name_format_len, "name_format"));
        std::string friendly(ssogate::capi::input(friendly_name, friendly_name_len, "friendly_name"));
        std::string val(ssogate::capi::input(value, value_len, "value"));
        if (n.empty()) {
            core::fail(Code::invalid_argument, "ssogate_test_response_params_add_attribute: name is empty");
        }
        auto &attrs = p.o.attributes;
        if (!attrs.empty() && attrs.back().name == n) {
            attrs.back().values.push_back(std::move(val));
            return;
        }
        core::testing::TestAttribute a;
        a.name = std::move(n);
        if (!fmt.empty()) {
            a.name_format = std::move(fmt);
        }
        a.friendly_name = std::move(friendly);
        a.values.push_back(std::move(val));
        attrs.push_back(std::move(a));
    });
}

int ssogate_test_response_params_set_now(ssogate_test_response_params *params, int64_t t, ssogate_error *err) noexcept {
    return set_param(params, "set_now", err, [t](ssogate_test_response_params &p) {
        p.o.now = t;
        p.now_set = true;
    });
}

int ssogate_test_response_params_set_issue_instant(ssogate_test_response_params *params, int64_t t,
                                                   ssogate_error *err) noexcept {
    return set_param(params, "set_issue_instant", err, [t](ssogate_test_response_params &p) { p.o.issue_instant = t; });
}

int ssogate_test_response_params_set_not_before(ssogate_test_response_params *params, int64_t t,
                                                ssogate_error *err) noexcept {
    return set_param(params, "set_not_before", err, [t](ssogate_test_response_params &p) { p.o.not_before = t; });
}

int ssogate_test_response_params_set_not_on_or_after(ssogate_test_response_params *params, int64_t t,
                                                     ssogate_error *err) noexcept {
    return set_param(params, "set_not_on_or_after", err,
                     [t](ssogate_test_response_params &p) { p.o.not_on_or_after = t; });
}

int ssogate_test_response_params_set_subject_not_on_or_after(ssogate_test_response_params *params, int64_t t,
                                                             ssogate_error *err) noexcept {
    return set_param(params, "set_subject_not_on_or_after", err,
                     [t](ssogate_test_response_params &p) { p.o.subject_not_on_or_after = t; });
}

int ssogate_test_response_params_set_authn_statement(ssogate_test_response_params *params, int on,
                                                     ssogate_error *err) noexcept {
    return set_param(params, "set_authn_statement", err,
                     [on](ssogate_test_response_params &p) { p.o.authn_statement = on != 0; });
}

int ssogate_test_response_params_set_sign(ssogate_test_response_params *params, int sign, ssogate_error *err) noexcept {
    return set_param(params, "set_sign", err, [sign](ssogate_test_response_params &p) {
        switch (sign) {
        case SSOGATE_TEST_SIGN_NONE: p.o.sign = core::testing::Sign::none; break;
        case SSOGATE_TEST_SIGN_RESPONSE: p.o.sign = core::testing::Sign::response; break;
        case SSOGATE_TEST_SIGN_ASSERTION: p.o.sign = core::testing::Sign::assertion; break;
        case SSOGATE_TEST_SIGN_BOTH: p.o.sign = core::testing::Sign::both; break;
        default:
            core::fail(Code::invalid_argument, "ssogate_test_response_params_set_sign: sign is " +
                                                   std::to_string(sign) + ", expected a ssogate_test_sign value (0-3)");
        }
    });
}

int ssogate_test_response_params_set_encryption(ssogate_test_response_params *params, const char *cert_pem,
                                                size_t cert_pem_len, const char *key_transport,
                                                size_t key_transport_len, const char *data_algorithm,
                                                size_t data_algorithm_len, int placement, ssogate_error *err) noexcept {
    return set_param(params, "set_encryption", err, [&](ssogate_test_response_params &p) {
        const auto cert = ssogate::capi::input(cert_pem, cert_pem_len, "cert_pem");
        const auto transport = ssogate::capi::input(key_transport, key_transport_len, "key_transport");
        const auto data = ssogate::capi::input(data_algorithm, data_algorithm_len, "data_algorithm");
        core::testing::Encryption e;
        switch (placement) {
        case SSOGATE_TEST_KEY_PLACEMENT_IN_KEY_INFO: e.placement = core::testing::KeyPlacement::in_key_info; break;
        case SSOGATE_TEST_KEY_PLACEMENT_RETRIEVAL_METHOD:
            e.placement = core::testing::KeyPlacement::retrieval_method;
            break;
        case SSOGATE_TEST_KEY_PLACEMENT_CARRIED_KEY_NAME:
            e.placement = core::testing::KeyPlacement::carried_key_name;
            break;
        default:
            core::fail(Code::invalid_argument, "ssogate_test_response_params_set_encryption: placement is " +
                                                   std::to_string(placement) +
                                                   ", expected a ssogate_test_key_placement value (0-2)");
        }
        if (cert.empty()) {
            p.o.encrypt.reset();
            return;
        }
        e.certificate_pem = std::string(cert);
        if (!transport.empty()) e.key_transport = std::string(transport);
        if (!data.empty()) e.data_algorithm = std::string(data);
        p.o.encrypt = std::move(e);
    });
}

int ssogate_test_response_params_answer_request(ssogate_test_response_params *params, const ssogate_connection *conn,
                                                const char *request, size_t request_len, ssogate_error *err) noexcept {
    return set_param(params, "answer_request", err, [&](ssogate_test_response_params &p) {
        if (conn == nullptr)
            core::fail(Code::invalid_argument, "ssogate_test_response_params_answer_request: conn is NULL");
        const auto text = ssogate::capi::input(request, request_len, "request");
        const core::testing::ReceivedRequest r = core::testing::read_authn_request(text, *conn->p);
        p.o.acs_url = conn->p->acs_url();
        p.o.sp_entity_id = conn->p->sp_entity_id();
        p.o.in_response_to = r.id;
        p.relay_state = r.relay_state;
    });
}

const char *ssogate_test_response_params_relay_state(const ssogate_test_response_params *params) noexcept {
    return params == nullptr ? nullptr : params->relay_state.c_str();
}

ssogate_test_response *ssogate_test_response_new(const ssogate_test_idp *idp,
                                                 const ssogate_test_response_params *params,
                                                 ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        if (idp == nullptr || params == nullptr) {
            core::fail(Code::invalid_argument,
                       std::string("ssogate_test_response_new: ") + (idp == nullptr ? "idp" : "params") + " is NULL");
        }
        if (params->o.acs_url.empty() || params->o.sp_entity_id.empty()) {
            core::fail(Code::invalid_argument,
                       "ssogate_test_response_new: set the ACS URL and the SP entity ID "
                       "(ssogate_test_response_params_set_connection)");
        }
        core::testing::ResponseOptions o = params->o;
        if (!params->now_set) {
            o.now = core::util::now_seconds();
        }
        auto out = std::make_unique<ssogate_test_response>();
        out->xml = idp->idp.response_xml(o);
        out->base64 = core::util::base64_encode(out->xml);
        return out.release();
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_test_response_free(ssogate_test_response *response) noexcept { delete response; }

const char *ssogate_test_response_base64(const ssogate_test_response *response) noexcept {
    return response == nullptr ? nullptr : response->base64.c_str();
}

const char *ssogate_test_response_xml(const ssogate_test_response *response) noexcept {
    return response == nullptr ? nullptr : response->xml.c_str();
}

int ssogate_test_directory_contract(ssogate_directory *directory, ssogate_error *err) noexcept {
    ssogate_error local;
    ssogate_error *e = err != nullptr ? err : &local;
    SSOGATE_CAPI_BEGIN(e) {
        if (directory == nullptr) {
            core::fail(Code::invalid_argument, "ssogate_test_directory_contract: directory is NULL");
        }
        core::testing::check_directory_contract(*directory->p);
        return SSOGATE_OK;
    }
    SSOGATE_CAPI_END(e, e->code)
}
