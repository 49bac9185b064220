// SP-initiated login for Python (ssogate.h section 8, and the pending-request store of section 5),
// over ssogate.hpp like the rest of the extension. Translation only: the friendly objects
// (SpLoginRequest, RequestStore, SpKey) are in ssogate/_login.py.
#include "handles.hpp"

#include <ssogate/ssogate.hpp>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace py = pybind11;

namespace {

using ssogate_python::Connection;

using ssogate_python::RequestStore;

using ssogate_python::SpKey;

// The host's Python callables behind ssogate_request_callbacks. The library calls the callbacks
// with the GIL released (begin/finish release it), so each one takes it back. A callable that
// raises, or returns something else than the contract says, makes the callback report failure:
// the library then refuses the login (STORE_UNAVAILABLE), never lets it through.
struct PyCallbacks {
    py::object put, take, take_by_request_id;
};

using Record = std::tuple<std::string, std::string, std::string, std::int64_t, std::int64_t>;

int fill(ssogate_pending_request *out, int *found, const py::object &result) {
    if (result.is_none()) {
        *found = 0;
        return 0;
    }
    const auto r = result.cast<Record>();
    const auto &[request_id, connection_id, return_to, created_at, expires_at] = r;
    *found = 1;
    return ssogate_pending_request_set(out, request_id.data(), request_id.size(), connection_id.data(),
                                       connection_id.size(), return_to.data(), return_to.size(), created_at,
                                       expires_at) == SSOGATE_OK
               ? 0
               : 1;
}

int cb_put(void *ud, const char *token, size_t token_len, const ssogate_pending_request *r) {
    py::gil_scoped_acquire gil;
    try {
        static_cast<PyCallbacks *>(ud)->put(std::string(token, token_len), ssogate_pending_request_request_id(r),
                                            ssogate_pending_request_connection_id(r),
                                            ssogate_pending_request_return_to(r), ssogate_pending_request_created_at(r),
                                            ssogate_pending_request_expires_at(r));
        return 0;
    } catch (py::error_already_set &e) {
        e.discard_as_unraisable("ssogate RequestStore put callback");
    } catch (...) {
    }
    return 1;
}

int cb_take(void *ud, const char *token, size_t token_len, int64_t now, ssogate_pending_request *out, int *found) {
    py::gil_scoped_acquire gil;
    try {
        return fill(out, found, static_cast<PyCallbacks *>(ud)->take(std::string(token, token_len), now));
    } catch (py::error_already_set &e) {
        e.discard_as_unraisable("ssogate RequestStore take callback");
    } catch (...) {
    }
    return 1;
}

int cb_take_by_id(void *ud, const char *connection_id, size_t connection_id_len, const char *request_id,
                  size_t request_id_len, int64_t now, ssogate_pending_request *out, int *found) {
    py::gil_scoped_acquire gil;
    try {
        return fill(out, found,
                    static_cast<PyCallbacks *>(ud)->take_by_request_id(std::string(connection_id, connection_id_len),
                                                                       std::string(request_id, request_id_len), now));
    } catch (py::error_already_set &e) {
        e.discard_as_unraisable("ssogate RequestStore take_by_request_id callback");
    } catch (...) {
    }
    return 1;
}

void cb_free(void *ud) {
    py::gil_scoped_acquire gil;
    delete static_cast<PyCallbacks *>(ud);
}

RequestStore store_from_callables(py::object put, py::object take, py::object take_by_request_id) {
    auto *state = new PyCallbacks{std::move(put), std::move(take), std::move(take_by_request_id)};
    ssogate_request_callbacks cb{};
    cb.user_data = state;
    cb.put = cb_put;
    cb.take = cb_take;
    cb.take_by_request_id = state->take_by_request_id.is_none() ? nullptr : cb_take_by_id;
    cb.free_user_data = cb_free;
    try {
        return RequestStore{std::make_shared<const ssogate::RequestStore>(ssogate::RequestStore::from_callbacks(cb))};
    } catch (...) {
        delete state;  // the library does not call free_user_data when it refuses the callbacks
        throw;
    }
}

// (request_id, relay_state, binding, destination, redirect_url, post_form_html, xml, is_signed,
// issued_at, expires_at)
py::tuple begin(const Connection &conn, const RequestStore &store, const std::optional<std::string> &return_to,
                const std::optional<SpKey> &sp_key, int binding, bool force_authn, bool is_passive,
                std::int64_t ttl_seconds, std::optional<std::int64_t> now) {
    ssogate::SpLoginOptions o;
    o.binding = static_cast<ssogate::Binding>(binding);
    o.force_authn = force_authn;
    o.is_passive = is_passive;
    o.ttl_seconds = ttl_seconds;
    if (now) o.now = *now;
    const std::string rt = return_to.value_or("");
    ssogate::SpLoginRequest r;
    {
        py::gil_scoped_release nogil;  // signing and store I/O
        r = ssogate::begin_sp_login(*conn.conn, *store.store, rt, sp_key ? sp_key->key.get() : nullptr, o);
    }
    return py::make_tuple(r.request_id, r.relay_state, static_cast<int>(r.binding), r.destination, r.redirect_url,
                          r.post_form_html, r.xml, r.is_signed, r.issued_at, r.expires_at);
}

using ssogate_python::ReplayCache;

// ssogate::VerifiedLogin as plain Python values: (email, nameid, nameid_format, idp_entity_id,
// connection_id, assertion_id, session_index, authn_instant, session_not_on_or_after, in_response_to,
// [(name, name_format, friendly_name, [values])]).
py::tuple login_tuple(const ssogate::VerifiedLogin &v) {
    py::list attrs;
    for (const auto &a : v.attributes) attrs.append(py::make_tuple(a.name, a.name_format, a.friendly_name, a.values));
    return py::make_tuple(v.email, v.nameid, v.nameid_format, v.idp_entity_id, v.connection_id, v.assertion_id,
                          v.session_index, v.authn_instant, v.session_not_on_or_after, v.in_response_to, attrs);
}

// (login tuple, return_to)
py::tuple finish(const Connection &conn, const RequestStore &store, const std::string &relay_state,
                 const py::bytes &saml_response, const ReplayCache &replay, std::optional<std::int64_t> now,
                 const std::vector<SpKey> &decryption_keys) {
    ssogate::VerifyOptions o;
    for (const auto &k : decryption_keys) o.decryption_keys.push_back(k.key->get());
    if (now) o.now = *now;
    const std::string response(saml_response);
    ssogate::FinishedSpLogin f;
    {
        py::gil_scoped_release nogil;  // verification and store I/O
        f = ssogate::finish_sp_login(*conn.conn, *store.store, relay_state, response, *replay.cache, o);
    }
    return py::make_tuple(login_tuple(f.login), f.return_to);
}

}  // namespace

void bind_login(py::module_ &m) {
    // _ssogate.ReplayCache (handles.hpp) is registered by bind_verify; pybind11 resolves argument
    // types when a function is called, so the order of the bind_*() calls does not matter.
    py::class_<RequestStore>(m, "RequestStore", "A pending-request store (ssogate_request_store handle).");
    py::class_<SpKey>(m, "SpKey", "An SP signing key and certificate (ssogate_sp_key handle).")
        .def_property_readonly("certificate_pem", [](const SpKey &k) { return k.key->certificate_pem(); });

    m.def("request_store_memory",
          [] { return RequestStore{std::make_shared<const ssogate::RequestStore>(ssogate::RequestStore::memory())}; });
    m.def(
        "request_store_open",
        [](const std::string &location) {
            py::gil_scoped_release nogil;  // opening SQLite may wait for a lock
            return RequestStore{std::make_shared<const ssogate::RequestStore>(ssogate::RequestStore::open(location))};
        },
        py::arg("location"));
    m.def("request_store_from_callables", &store_from_callables, py::arg("put"), py::arg("take"),
          py::arg("take_by_request_id"),
          "put(token, request_id, connection_id, return_to, created_at, expires_at); take(token, now) and "
          "take_by_request_id(connection_id, request_id, now) -> None or that 5-tuple.");
    m.def(
        "sp_key_new",
        [](const py::bytes &key_pem, const py::bytes &cert_pem) {
            return SpKey{std::make_shared<const ssogate::SpKey>(std::string(key_pem), std::string(cert_pem))};
        },
        py::arg("key_pem"), py::arg("cert_pem"));
    m.def(
        "sp_key_new_legacy",
        [](const py::bytes &key_pem, const py::bytes &cert_pem) {
            return SpKey{std::make_shared<const ssogate::SpKey>(
                ssogate::SpKey::legacy(std::string(key_pem), std::string(cert_pem)))};
        },
        py::arg("key_pem"), py::arg("cert_pem"));
    m.def("sp_login_begin", &begin, py::arg("connection"), py::arg("store"), py::kw_only(), py::arg("return_to"),
          py::arg("sp_key"), py::arg("binding"), py::arg("force_authn"), py::arg("is_passive"), py::arg("ttl_seconds"),
          py::arg("now"), "ssogate_sp_login_begin; releases the GIL.");
    m.def("sp_login_finish", &finish, py::arg("connection"), py::arg("store"), py::arg("relay_state"),
          py::arg("saml_response"), py::kw_only(), py::arg("replay"), py::arg("now"),
          py::arg("decryption_keys") = std::vector<SpKey>(),
          "ssogate_sp_login_finish; releases the GIL. Returns (login tuple, return_to).");
}
