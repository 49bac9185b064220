// Metadata by URL, refresh and events for Python (ssogate.h section 3 and 4's refresh, and the gate's):
// translation only; ssogate/_metadata.py builds the friendly objects from these tuples.
#include "handles.hpp"

#include <ssogate/ssogate.hpp>

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace py = pybind11;

namespace {

using ssogate_python::Connection;
using ssogate_python::Gate;
using ssogate_python::Idp;

struct Fetcher {
    std::shared_ptr<ssogate::Fetcher> f;
};

// fetch(url, if_none_match, if_modified_since) -> (status, body: bytes, etag, last_modified, location).
using PyFetch = std::function<py::tuple(const std::string &, const std::string &, const std::string &)>;

Fetcher make_fetcher(const std::string &allowed_networks, const std::string &ca_file, std::int64_t timeout_ms,
                     std::uint64_t max_bytes, int max_redirects, bool allow_http, int expiry_warning_days,
                     std::int64_t now, std::optional<PyFetch> fetch) {
    auto f = std::make_shared<ssogate::Fetcher>();
    f->allowed_networks(allowed_networks).ca_file(ca_file).allow_http(allow_http).now(now);
    if (timeout_ms != 0) f->timeout_ms(timeout_ms);
    if (max_bytes != 0) f->max_bytes(max_bytes);
    if (max_redirects >= 0) f->max_redirects(max_redirects);
    if (expiry_warning_days != 0) f->expiry_warning_days(expiry_warning_days);
    if (fetch) {
        PyFetch fn = std::move(*fetch);
        f->callback([fn](const ssogate::FetchRequest &req) {
            py::gil_scoped_acquire gil;  // the library calls back with the GIL released
            const py::tuple t = fn(req.url, req.if_none_match, req.if_modified_since);
            ssogate::FetchReply r;
            r.status = t[0].cast<int>();
            r.body = t[1].cast<std::string>();
            r.etag = t[2].cast<std::string>();
            r.last_modified = t[3].cast<std::string>();
            r.location = t[4].cast<std::string>();
            return r;
        });
    }
    return Fetcher{std::move(f)};
}

// (kind, name, message, fingerprint, not_after, old_value, new_value, failures, error_code)
py::list event_tuples(const std::vector<ssogate::MetadataEvent> &events) {
    py::list out;
    for (const auto &e : events) {
        out.append(py::make_tuple(e.kind, e.name, ssogate_python::text(e.message), e.fingerprint, e.not_after,
                                  e.old_value, e.new_value, e.failures, e.error_code));
    }
    return out;
}

// (connection, applied, not_modified, error_code, error_message, events)
py::tuple refresh_tuple(ssogate::RefreshResult r) {
    Connection c{std::make_shared<const ssogate::Connection>(std::move(r.connection))};
    return py::make_tuple(c, r.applied, r.not_modified, r.error_code, ssogate_python::text(r.error_message),
                          event_tuples(r.events));
}

Idp owned_idp(ssogate::Idp idp) {
    auto owned = std::make_shared<const ssogate::Idp>(std::move(idp));
    const ssogate::IdpView view = *owned;
    return Idp{std::move(owned), view};
}

}  // namespace

void bind_metadata(py::module_ &m) {
    py::class_<Fetcher>(m, "Fetcher", "How metadata URLs are fetched (ssogate_fetcher).");
    m.def("make_fetcher", &make_fetcher, py::arg("allowed_networks"), py::arg("ca_file"), py::arg("timeout_ms"),
          py::arg("max_bytes"), py::arg("max_redirects"), py::arg("allow_http"), py::arg("expiry_warning_days"),
          py::arg("now"), py::arg("fetch"));
    m.def(
        "import_idp_url",
        [](const std::string &url, const std::string &entity_id, const std::string &signer_pem, bool allow_sha1,
           const Fetcher &fetcher) {
            ssogate::IdpOptions o;
            o.allow_sha1 = allow_sha1;
            const auto keep = fetcher.f;
            py::gil_scoped_release nogil;  // network and parsing: other Python threads run meanwhile
            return owned_idp(ssogate::Idp::import_url(url, entity_id, signer_pem, o, keep.get()));
        },
        py::arg("url"), py::arg("entity_id"), py::arg("signer_pem"), py::arg("allow_sha1"), py::arg("fetcher"));
    m.def(
        "idp_from_settings",
        [](const std::string &entity_id, const std::string &sso_url, const std::string &certificate) {
            py::gil_scoped_release nogil;
            return owned_idp(ssogate::Idp::from_settings(entity_id, sso_url, certificate));
        },
        py::arg("entity_id"), py::arg("sso_url"), py::arg("certificate"));
    m.def(
        "idp_events", [](const Idp &i) { return event_tuples(i.view.events()); }, py::arg("idp"));
    m.def(
        "idp_source",
        [](const Idp &i) {
            const ssogate::MetadataSource s = i.view.source();
            return py::make_tuple(s.url, s.etag, s.last_modified, s.fetched_at, s.attempted_at, s.next_refresh_at,
                                  s.failures, s.last_error_code, ssogate_python::text(s.last_error));
        },
        py::arg("idp"), "(url, etag, last_modified, fetched_at, attempted_at, next_refresh_at, failures, code, error)");
    m.def(
        "connection_refresh",
        [](const Connection &c, const Fetcher &fetcher) {
            const auto keep = fetcher.f;
            const auto conn = c.conn;
            std::optional<ssogate::RefreshResult> r;
            {
                py::gil_scoped_release nogil;
                r.emplace(ssogate::refresh_connection(*conn, keep.get()));
            }
            return refresh_tuple(std::move(*r));
        },
        py::arg("connection"), py::arg("fetcher"));
    m.def(
        "gate_refresh_connection",
        [](const Gate &g, const std::string &connection_id, const Fetcher &fetcher) {
            const auto keep = fetcher.f;
            const auto gate = g.gate;
            std::optional<ssogate::RefreshResult> r;
            {
                py::gil_scoped_release nogil;
                r.emplace(gate->refresh_connection(connection_id, keep.get()));
            }
            return refresh_tuple(std::move(*r));
        },
        py::arg("gate"), py::arg("connection_id"), py::arg("fetcher"));
}
