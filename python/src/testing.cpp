// The testing IdP for Python (ssogate.h section 7), over ssogate.hpp. The friendly object is
// ssogate.testing.TestIdp (ssogate/testing.py).
#include "handles.hpp"

#include <ssogate/ssogate.hpp>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace {

using ssogate_python::Connection;

struct TestIdp {
    std::shared_ptr<const ssogate::TestIdp> idp;
};

using Params = ssogate::TestResponseParams;
using StringSetter = Params &(Params::*)(std::string_view);
using TimeSetter = Params &(Params::*)(std::int64_t);

// Knob name (as the Python keyword) -> setter; an unknown name is a caller bug, refused by name.
const std::map<std::string, StringSetter> &string_knobs() {
    static const std::map<std::string, StringSetter> knobs = {
        {"acs_url", &Params::acs_url},
        {"sp_entity_id", &Params::sp_entity_id},
        {"in_response_to", &Params::in_response_to},
        {"destination", &Params::destination},
        {"recipient", &Params::recipient},
        {"audience", &Params::audience},
        {"issuer", &Params::issuer},
        {"nameid", &Params::nameid},
        {"nameid_format", &Params::nameid_format},
        {"status", &Params::status},
        {"sub_status", &Params::sub_status},
        {"status_message", &Params::status_message},
        {"session_index", &Params::session_index},
        {"response_id", &Params::response_id},
        {"assertion_id", &Params::assertion_id},
        {"signature_method", &Params::signature_method},
        {"digest_method", &Params::digest_method},
    };
    return knobs;
}

const std::map<std::string, TimeSetter> &time_knobs() {
    static const std::map<std::string, TimeSetter> knobs = {
        {"now", &Params::now},
        {"issue_instant", &Params::issue_instant},
        {"not_before", &Params::not_before},
        {"not_on_or_after", &Params::not_on_or_after},
        {"subject_not_on_or_after", &Params::subject_not_on_or_after},
    };
    return knobs;
}

using AttributeSpec = std::tuple<std::string, std::vector<std::string>, std::string, std::string>;
// (certificate PEM, key transport URI, data algorithm URI, placement); "" keeps a default.
using EncryptionSpec = std::tuple<std::string, std::string, std::string, int>;

std::pair<std::string, std::string> build_response(
    const TestIdp &t, const Connection &conn, const std::map<std::string, std::string> &strings,
    const std::map<std::string, std::int64_t> &times, const std::vector<AttributeSpec> &attributes,
    std::optional<bool> authn_statement, std::optional<int> sign, const std::optional<EncryptionSpec> &encryption,
    const std::optional<std::string> &answering, std::string &relay_state) {
    Params p;
    p.connection(*conn.conn);
    if (answering) {
        p.answer(*conn.conn, *answering);
        relay_state = p.relay_state();
    }
    for (const auto &[name, value] : strings) {
        auto it = string_knobs().find(name);
        if (it == string_knobs().end()) throw py::type_error("unknown test response knob: " + name);
        (p.*(it->second))(value);
    }
    for (const auto &[name, value] : times) {
        auto it = time_knobs().find(name);
        if (it == time_knobs().end()) throw py::type_error("unknown test response time knob: " + name);
        (p.*(it->second))(value);
    }
    for (const auto &[name, values, name_format, friendly_name] : attributes) {
        for (const auto &v : values) p.add_attribute(name, v, name_format, friendly_name);
    }
    if (authn_statement) p.authn_statement(*authn_statement);
    if (sign) p.sign(static_cast<ssogate::TestSign>(*sign));
    if (encryption) {
        const auto &[cert, transport, data, placement] = *encryption;
        p.encrypt(cert, transport, data, static_cast<ssogate::TestKeyPlacement>(placement));
    }
    ssogate::TestResponse r;
    {
        py::gil_scoped_release nogil;  // signing is RSA work
        r = t.idp->response(p);
    }
    return {std::move(r.base64), std::move(r.xml)};
}

// (base64, xml, relay_state): the Response, and the RelayState read from the request it answers.
std::tuple<std::string, std::string, std::string> response(const TestIdp &t, const Connection &conn,
                                                           const std::map<std::string, std::string> &strings,
                                                           const std::map<std::string, std::int64_t> &times,
                                                           const std::vector<AttributeSpec> &attributes,
                                                           std::optional<bool> authn_statement, std::optional<int> sign,
                                                           const std::optional<EncryptionSpec> &encryption,
                                                           const std::optional<std::string> &answering) {
    std::string relay_state;
    auto [b64, xml] =
        build_response(t, conn, strings, times, attributes, authn_statement, sign, encryption, answering, relay_state);
    return {std::move(b64), std::move(xml), std::move(relay_state)};
}

}  // namespace

void bind_testing(py::module_ &m) {
    m.attr("TEST_SIGN_NONE") = static_cast<int>(ssogate::TestSign::none);
    m.attr("TEST_SIGN_RESPONSE") = static_cast<int>(ssogate::TestSign::response);
    m.attr("TEST_SIGN_ASSERTION") = static_cast<int>(ssogate::TestSign::assertion);
    m.attr("TEST_SIGN_BOTH") = static_cast<int>(ssogate::TestSign::both);
    m.attr("KEY_RSA_2048") = static_cast<int>(ssogate::KeyType::rsa_2048);
    m.attr("KEY_EC_P256") = static_cast<int>(ssogate::KeyType::ec_p256);

    py::class_<TestIdp>(m, "TestIdp", "A testing IdP (ssogate_test_idp handle), immutable.")
        .def_property_readonly("entity_id", [](const TestIdp &t) { return t.idp->entity_id(); })
        .def_property_readonly("certificate_pem", [](const TestIdp &t) { return t.idp->certificate_pem(); })
        .def_property_readonly("private_key_pem", [](const TestIdp &t) { return t.idp->private_key_pem(); })
        .def_property_readonly("metadata_xml", [](const TestIdp &t) { return t.idp->metadata_xml(); });
    m.def(
        "test_idp_new",
        [](const std::string &entity_id, int key_type, const std::string &sso_url) {
            py::gil_scoped_release nogil;  // key generation
            return TestIdp{
                std::make_shared<const ssogate::TestIdp>(entity_id, static_cast<ssogate::KeyType>(key_type), sso_url)};
        },
        py::arg("entity_id"), py::arg("key_type"), py::arg("sso_url"), "ssogate_test_idp_new.");
    m.def(
        "test_idp_from_pem",
        [](const std::string &entity_id, const std::string &sso_url, const std::string &key_pem,
           const std::string &cert_pem) {
            return TestIdp{std::make_shared<const ssogate::TestIdp>(
                ssogate::TestIdp::from_pem(key_pem, cert_pem, entity_id, sso_url))};
        },
        py::arg("entity_id"), py::arg("sso_url"), py::arg("key_pem"), py::arg("cert_pem"),
        "ssogate_test_idp_from_pem.");
    m.def("test_response_new", &response, py::arg("idp"), py::arg("connection"), py::arg("strings"), py::arg("times"),
          py::arg("attributes"), py::arg("authn_statement"), py::arg("sign"), py::arg("encryption") = py::none(),
          py::arg("answering") = py::none(),
          "ssogate_test_response_new with a params builder (answering: an AuthnRequest to answer); returns "
          "(base64, xml, relay_state).");
}
