// ssogate._ssogate: the low-level Python binding, over the public C ABI (libssogate.so.0).
//
// Python deliberately goes through ssogate.h (via its header-only RAII view ssogate.hpp) like C and
// Go do, not through the core, so every binding exercises one ABI and a vector that passes in C
// passes here for the same reason. This file only translates: handles become Python objects, bytes
// and str become (pointer, length) pairs, and ssogate::Error becomes the ssogate.Error subclass that
// ssogate/_errors.py picks for its code. The friendly objects (IdpMetadata, Connection, the
// dataclasses) are pure Python on top of this module.
#include "handles.hpp"

#include <ssogate/ssogate.hpp>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace {

// Sets the ssogate.Error subclass for `code` as the pending Python exception. The classes live in
// Python (ssogate/_errors.py) so the hierarchy is defined once; the extension only asks that module
// to build the instance. Needs the GIL (exception translators run with it).
void set_python_error(int code, const std::string &message, const std::string &user_message,
                      const std::optional<std::string> &signed_identity) {
    py::object identity = py::none();
    if (signed_identity) identity = ssogate_python::text(*signed_identity);
    py::object exc = py::module_::import("ssogate._errors")
                         .attr("_error_from_code")(code, ssogate_python::text(message),
                                                   ssogate_python::text(user_message), identity);
    PyErr_SetObject(reinterpret_cast<PyObject *>(Py_TYPE(exc.ptr())), exc.ptr());
}

// Idp and Connection live in handles.hpp: other areas' sources take them as arguments.
using ssogate_python::Connection;
using ssogate_python::Idp;

std::string_view bytes_view(const py::bytes &b) {
    // bytes are immutable and the caller's argument keeps the object alive, so this view stays valid
    // while the GIL is released.
    return {PyBytes_AS_STRING(b.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(b.ptr()))};
}

// None maps to the C defaults (now 0 = the system clock, max_bytes 8 MiB).
ssogate::IdpOptions idp_options(std::optional<std::int64_t> now, std::optional<std::uint64_t> max_bytes,
                                bool allow_sha1 = false) {
    ssogate::IdpOptions o;
    if (now) o.now = *now;
    if (max_bytes) o.max_bytes = *max_bytes;
    o.allow_sha1 = allow_sha1;
    return o;
}

Idp import_idp(const py::bytes &xml, const std::optional<std::string> &entity_id,
               const std::optional<py::bytes> &signer_pem, std::optional<std::int64_t> now,
               std::optional<std::uint64_t> max_bytes, bool allow_sha1) {
    const std::string_view xml_v = bytes_view(xml);
    const std::string_view pem_v = signer_pem ? bytes_view(*signer_pem) : std::string_view();
    const std::string_view id_v = entity_id ? std::string_view(*entity_id) : std::string_view();
    const ssogate::IdpOptions opts = idp_options(now, max_bytes, allow_sha1);
    std::shared_ptr<const ssogate::Idp> owned;
    {
        // Parsing, certificate checks and signature verification take real time on big aggregates;
        // other Python threads run meanwhile.
        py::gil_scoped_release nogil;
        owned = std::make_shared<const ssogate::Idp>(ssogate::Idp::import_metadata(xml_v, id_v, pem_v, opts));
    }
    const ssogate::IdpView view = *owned;
    return Idp{std::move(owned), view};
}

Connection connection_from_json(const py::bytes &json, std::optional<std::int64_t> now,
                                std::optional<std::uint64_t> max_bytes) {
    const std::string_view json_v = bytes_view(json);
    const ssogate::IdpOptions opts = idp_options(now, max_bytes);
    py::gil_scoped_release nogil;  // restoring imports the IdP metadata the JSON carries again
    return Connection{std::make_shared<const ssogate::Connection>(ssogate::Connection::from_json(json_v, opts))};
}

Connection connection_new(const Idp &idp, ssogate::ConnectionParams params, ssogate::ConnectionOptions opts) {
    return Connection{std::make_shared<const ssogate::Connection>(idp.view, params, opts)};
}

Idp connection_idp(const Connection &c) { return Idp{c.conn, c.conn->idp()}; }

using EndpointTuple = std::tuple<int, std::string, std::string>;

std::vector<EndpointTuple> endpoint_tuples(const std::vector<ssogate::Endpoint> &endpoints) {
    std::vector<EndpointTuple> out;
    out.reserve(endpoints.size());
    for (const auto &e : endpoints) out.emplace_back(static_cast<int>(e.binding), e.binding_uri, e.location);
    return out;
}

// (der, pem, sha256, subject, issuer, not_before, not_after, key_type, key_bits); der as bytes.
py::list certificate_tuples(const Idp &idp) {
    py::list out;
    for (const auto &c : idp.view.certificates())
        out.append(py::make_tuple(py::bytes(c.der), c.pem, c.sha256, ssogate_python::text(c.subject),
                                  ssogate_python::text(c.issuer), c.not_before, c.not_after, c.key_type, c.key_bits));
    return out;
}

py::list warning_tuples(const Idp &idp) {
    py::list out;
    for (const auto &w : idp.view.warnings()) out.append(py::make_tuple(w.code, ssogate_python::text(w.message)));
    return out;
}

}  // namespace

void bind_login(py::module_ &m);
void bind_verify(py::module_ &m);
void bind_testing(py::module_ &m);
void bind_gate(py::module_ &m);
void bind_policy(py::module_ &m);
void bind_directory(py::module_ &m);
void bind_metadata(py::module_ &m);

PYBIND11_MODULE(_ssogate, m) {
    m.doc() = "Low-level binding over the ssogate C ABI (libssogate.so.0). Use the `ssogate` package instead.";

    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const ssogate::Error &e) {
            set_python_error(e.code(), e.message(), e.user_message(), e.signed_identity());
        }
    });

    m.attr("HEADER_VERSION_NUMBER") = SSOGATE_VERSION_NUMBER;
    m.attr("BINDING_OTHER") = static_cast<int>(ssogate::Binding::other);
    m.attr("BINDING_HTTP_REDIRECT") = static_cast<int>(ssogate::Binding::http_redirect);
    m.attr("BINDING_HTTP_POST") = static_cast<int>(ssogate::Binding::http_post);

    m.def("version_string", &ssogate::version_string, "The loaded library's version, \"MAJOR.MINOR.PATCH\".");
    m.def("version_number", &ssogate::version_number,
          "The loaded library's version as MAJOR*1000000 + MINOR*1000 + PATCH.");
    m.def("code_name", &ssogate::code_name, py::arg("code"),
          "The stable name of a result code, \"UNKNOWN\" for other numbers.");

    py::class_<Idp>(m, "Idp", "An imported IdP (ssogate_idp handle), immutable.")
        .def_property_readonly("entity_id", [](const Idp &i) { return i.view.entity_id(); })
        .def_property_readonly("want_authn_requests_signed",
                               [](const Idp &i) { return i.view.want_authn_requests_signed(); })
        .def_property_readonly("valid_until", [](const Idp &i) { return i.view.valid_until(); })
        .def_property_readonly("cache_duration", [](const Idp &i) { return i.view.cache_duration(); })
        .def_property_readonly("signature_verified", [](const Idp &i) { return i.view.signature_verified(); })
        .def(
            "sso_endpoints", [](const Idp &i) { return endpoint_tuples(i.view.sso_endpoints()); },
            "[(binding, binding_uri, location)] in document order.")
        .def(
            "slo_endpoints", [](const Idp &i) { return endpoint_tuples(i.view.slo_endpoints()); },
            "[(binding, binding_uri, location)] in document order.")
        .def("nameid_formats", [](const Idp &i) { return i.view.nameid_formats(); })
        .def("certificates", &certificate_tuples,
             "[(der, pem, sha256, subject, issuer, not_before, not_after, key_type, key_bits)].")
        .def("warnings", &warning_tuples, "[(code, message)].")
        .def(
            "sso_url", [](const Idp &i, int binding) { return i.view.sso_url(static_cast<ssogate::Binding>(binding)); },
            py::arg("binding"));

    m.def("import_idp", &import_idp, py::arg("xml"), py::arg("entity_id"), py::arg("signer_pem"), py::arg("now"),
          py::arg("max_bytes"), py::arg("allow_sha1") = false,
          "ssogate_idp_import; releases the GIL while the library works.");

    py::class_<Connection>(m, "Connection", "A connection (ssogate_connection handle), immutable.")
        .def_property_readonly("id", [](const Connection &c) { return c.conn->id(); })
        .def_property_readonly("description", [](const Connection &c) { return c.conn->description(); })
        .def_property_readonly("acs_url", [](const Connection &c) { return c.conn->acs_url(); })
        .def_property_readonly("sp_entity_id", [](const Connection &c) { return c.conn->sp_entity_id(); })
        .def_property_readonly("allow_idp_initiated", [](const Connection &c) { return c.conn->allow_idp_initiated(); })
        .def_property_readonly("jit_provisioning", [](const Connection &c) { return c.conn->jit_provisioning(); })
        .def_property_readonly("clock_skew_seconds", [](const Connection &c) { return c.conn->clock_skew_seconds(); })
        .def_property_readonly("allow_sha1", [](const Connection &c) { return c.conn->allow_sha1(); })
        .def_property_readonly("email_attribute", [](const Connection &c) { return c.conn->email_attribute(); })
        .def_property_readonly("sp_certificate_pem", [](const Connection &c) { return c.conn->sp_certificate_pem(); })
        .def_property_readonly("sp_certificate_sha256",
                               [](const Connection &c) { return c.conn->sp_certificate_sha256(); })
        .def_property_readonly("authn_requests_signed",
                               [](const Connection &c) { return c.conn->authn_requests_signed(); })
        .def_property_readonly("allow_rsa_1_5", [](const Connection &c) { return c.conn->allow_rsa_1_5(); })
        .def_property_readonly("allow_legacy_sp_key", [](const Connection &c) { return c.conn->allow_legacy_sp_key(); })
        .def("sp_encryption_certificates", [](const Connection &c) { return c.conn->sp_encryption_certificates(); })
        .def("sp_encryption_certificate_sha256s",
             [](const Connection &c) { return c.conn->sp_encryption_certificate_sha256s(); })
        .def("allowed_domains", [](const Connection &c) { return c.conn->allowed_domains(); })
        .def("allowed_return_origins", [](const Connection &c) { return c.conn->allowed_return_origins(); })
        .def("idp", &connection_idp, "The connection's IdP; keeps the connection alive.")
        .def("to_json", [](const Connection &c) { return c.conn->to_json(); })
        .def("sp_metadata", [](const Connection &c) { return c.conn->sp_metadata(); });

    // Strings: None (or "") leaves the library's default, as in ssogate_connection_params.
    m.def(
        "connection_new",
        [](const Idp &idp, std::optional<std::string> base_url, std::optional<std::string> id,
           std::optional<std::string> description, std::optional<std::string> acs_url,
           std::optional<std::string> sp_entity_id, std::optional<std::string> acs_url_template,
           std::optional<std::string> sp_entity_id_template, std::vector<std::string> allowed_domains,
           std::optional<std::string> email_attribute, std::optional<std::string> sp_certificate_pem,
           bool allow_idp_initiated, bool jit_provisioning, int clock_skew_seconds, bool allow_sha1,
           std::vector<std::string> allowed_return_origins, std::vector<std::string> sp_encryption_certificates,
           bool allow_rsa_1_5, bool allow_legacy_sp_key) {
            ssogate::ConnectionParams p;
            p.base_url = base_url.value_or("");
            p.id = id.value_or("");
            p.description = description.value_or("");
            p.acs_url = acs_url.value_or("");
            p.sp_entity_id = sp_entity_id.value_or("");
            p.acs_url_template = acs_url_template.value_or("");
            p.sp_entity_id_template = sp_entity_id_template.value_or("");
            p.allowed_domains = std::move(allowed_domains);
            p.email_attribute = email_attribute.value_or("");
            p.sp_certificate_pem = sp_certificate_pem.value_or("");
            p.allowed_return_origins = std::move(allowed_return_origins);
            p.sp_encryption_certificates = std::move(sp_encryption_certificates);
            ssogate::ConnectionOptions o;
            o.allow_idp_initiated = allow_idp_initiated;
            o.jit_provisioning = jit_provisioning;
            o.clock_skew_seconds = clock_skew_seconds;
            o.allow_sha1 = allow_sha1;
            o.allow_rsa_1_5 = allow_rsa_1_5;
            o.allow_legacy_sp_key = allow_legacy_sp_key;
            return connection_new(idp, std::move(p), o);
        },
        py::arg("idp"), py::kw_only(), py::arg("base_url"), py::arg("id"), py::arg("description"), py::arg("acs_url"),
        py::arg("sp_entity_id"), py::arg("acs_url_template"), py::arg("sp_entity_id_template"),
        py::arg("allowed_domains"), py::arg("email_attribute"), py::arg("sp_certificate_pem"),
        py::arg("allow_idp_initiated"), py::arg("jit_provisioning"), py::arg("clock_skew_seconds"),
        py::arg("allow_sha1"), py::arg("allowed_return_origins") = std::vector<std::string>(),
        py::arg("sp_encryption_certificates") = std::vector<std::string>(), py::arg("allow_rsa_1_5") = false,
        py::arg("allow_legacy_sp_key") = false, "ssogate_connection_new with a params builder and options.");

    m.def("connection_from_json", &connection_from_json, py::arg("json"), py::arg("now"), py::arg("max_bytes"),
          "ssogate_connection_from_json; releases the GIL while the IdP metadata is imported again.");

    bind_login(m);
    bind_verify(m);
    bind_testing(m);
    bind_gate(m);
    bind_policy(m);
    bind_directory(m);
    bind_metadata(m);
}
