// Verification and replay caches for Python (ssogate.h sections 5 and 6), over ssogate.hpp like the
// rest of the extension. Translation only: the friendly objects (VerifiedLogin, Attribute,
// ReplayCache) are in ssogate/_verify.py.
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

using ssogate_python::Connection;
using ssogate_python::ReplayCache;

// The host's Python callable behind ssogate_replay_callbacks. Verification runs with the GIL
// released, so the callback takes it back. Whatever the callable does wrong (raises, returns
// something other than a bool) is reported to the library as "the store could not answer", and
// the login is refused with STORE_UNAVAILABLE: never accepted unchecked.
struct PyReplayCallable {
    py::object fn;
};

int insert_if_absent(void *user_data, const char *key, size_t key_len, int64_t expires_at, int *inserted) {
    py::gil_scoped_acquire gil;
    try {
        py::object result = static_cast<PyReplayCallable *>(user_data)->fn(py::str(key, key_len), expires_at);
        if (!py::isinstance<py::bool_>(result)) {
            return 2;  // the contract is True (first use) or False (replay); anything else is a bug
        }
        *inserted = result.cast<bool>() ? 1 : 0;
        return 0;
    } catch (py::error_already_set &e) {
        // The exception cannot travel through C; the host sees its effect (STORE_UNAVAILABLE), and
        // Python's unraisable hook gets the traceback so it is not lost.
        e.discard_as_unraisable("ssogate ReplayCache.from_callable callback");
        return 1;
    } catch (...) {
        return 1;
    }
}

void free_callable(void *user_data) {
    py::gil_scoped_acquire gil;  // dropping the last reference to a Python object needs the GIL
    delete static_cast<PyReplayCallable *>(user_data);
}

ssogate::ReplayCacheOptions cache_options(std::optional<std::int64_t> now, std::optional<std::uint64_t> max_entries,
                                          std::optional<std::uint64_t> max_entries_per_connection) {
    ssogate::ReplayCacheOptions o;
    if (now) o.now = *now;
    if (max_entries) o.max_entries = *max_entries;
    if (max_entries_per_connection) o.max_entries_per_connection = *max_entries_per_connection;
    return o;
}

using AttributeTuple = std::tuple<std::string, std::string, std::string, std::vector<std::string>>;
using LoginTuple = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string,
                              std::int64_t, std::optional<std::int64_t>, std::string, std::vector<AttributeTuple>>;

LoginTuple verify(const Connection &conn, const py::bytes &saml_response, const ReplayCache &replay,
                  const std::vector<std::string> &pending_request_ids, std::optional<std::int64_t> now,
                  std::optional<std::uint64_t> max_bytes, std::optional<std::int64_t> max_age_seconds,
                  const std::vector<ssogate_python::SpKey> &decryption_keys) {
    ssogate::VerifyOptions o;
    // The SpKey objects (and so the C handles) stay alive in the argument list for the call.
    for (const auto &k : decryption_keys) o.decryption_keys.push_back(k.key->get());
    if (now) o.now = *now;
    if (max_bytes) o.max_bytes = *max_bytes;
    if (max_age_seconds) o.max_age_seconds = *max_age_seconds;
    // bytes are immutable and the argument keeps the object alive while the GIL is released.
    const std::string_view response(PyBytes_AS_STRING(saml_response.ptr()),
                                    static_cast<std::size_t>(PyBytes_GET_SIZE(saml_response.ptr())));
    ssogate::VerifiedLogin v;
    {
        // Signature checks and store I/O take real time; other Python threads run meanwhile (and a
        // from_callable store takes the GIL back for its own call).
        py::gil_scoped_release nogil;
        v = ssogate::verify_response(*conn.conn, response, pending_request_ids, *replay.cache, o);
    }
    std::vector<AttributeTuple> attrs;
    attrs.reserve(v.attributes.size());
    for (auto &a : v.attributes) {
        attrs.emplace_back(std::move(a.name), std::move(a.name_format), std::move(a.friendly_name),
                           std::move(a.values));
    }
    return LoginTuple{std::move(v.email),
                      std::move(v.nameid),
                      std::move(v.nameid_format),
                      std::move(v.idp_entity_id),
                      std::move(v.connection_id),
                      std::move(v.assertion_id),
                      std::move(v.session_index),
                      v.authn_instant,
                      v.session_not_on_or_after,
                      std::move(v.in_response_to),
                      std::move(attrs)};
}

py::tuple explain(const Connection &conn, const py::bytes &saml_response, const std::optional<ReplayCache> &replay,
                  const std::optional<ssogate_python::Idp> &candidate,
                  const std::vector<std::string> &pending_request_ids, std::optional<std::int64_t> now,
                  std::optional<std::uint64_t> max_bytes, std::optional<std::int64_t> max_age_seconds,
                  const std::vector<ssogate_python::SpKey> &decryption_keys) {
    ssogate::VerifyOptions o;
    for (const auto &k : decryption_keys) o.decryption_keys.push_back(k.key->get());
    if (now) o.now = *now;
    if (max_bytes) o.max_bytes = *max_bytes;
    if (max_age_seconds) o.max_age_seconds = *max_age_seconds;
    const std::string_view response(PyBytes_AS_STRING(saml_response.ptr()),
                                    static_cast<std::size_t>(PyBytes_GET_SIZE(saml_response.ptr())));
    ssogate::Explanation x;
    {
        py::gil_scoped_release nogil;
        x = ssogate::explain_response(*conn.conn, response, pending_request_ids, replay ? replay->cache.get() : nullptr,
                                      candidate ? candidate->view : ssogate::IdpView{}, o);
    }
    return ssogate_python::explanation_tuple(x);
}

}  // namespace

void bind_verify(py::module_ &m) {
    // The ReplayCache type is shared with SP-initiated login (handles.hpp): registered once, by
    // whichever area comes first.
    if (py::detail::get_type_info(typeid(ReplayCache)) == nullptr) {
        py::class_<ReplayCache>(m, "ReplayCache", "A replay cache (ssogate_replay_cache handle).");
    }
    m.def(
        "replay_cache_new_memory",
        [](std::optional<std::int64_t> now, std::optional<std::uint64_t> max_entries,
           std::optional<std::uint64_t> max_entries_per_connection) {
            return ReplayCache{std::make_shared<const ssogate::ReplayCache>(
                ssogate::ReplayCache::memory(cache_options(now, max_entries, max_entries_per_connection)))};
        },
        py::arg("now"), py::arg("max_entries"), py::arg("max_entries_per_connection"),
        "ssogate_replay_cache_new_memory.");
    m.def(
        "replay_cache_open_location",
        [](const std::string &location, std::optional<std::int64_t> now, std::optional<std::uint64_t> max_entries,
           std::optional<std::uint64_t> max_entries_per_connection) {
            const auto o = cache_options(now, max_entries, max_entries_per_connection);
            py::gil_scoped_release nogil;  // opening a SQLite file may wait on a lock
            return ReplayCache{std::make_shared<const ssogate::ReplayCache>(ssogate::ReplayCache::open(location, o))};
        },
        py::arg("location"), py::arg("now"), py::arg("max_entries"), py::arg("max_entries_per_connection"),
        "ssogate_replay_cache_open.");
    m.def(
        "replay_cache_from_callable",
        [](py::object fn) {
            if (!PyCallable_Check(fn.ptr())) throw py::type_error("the replay store must be callable");
            ssogate_replay_callbacks cb{};
            cb.user_data = new PyReplayCallable{std::move(fn)};
            cb.insert_if_absent = &insert_if_absent;
            cb.free_user_data = &free_callable;
            try {
                return ReplayCache{
                    std::make_shared<const ssogate::ReplayCache>(ssogate::ReplayCache::from_callbacks(cb))};
            } catch (...) {
                delete static_cast<PyReplayCallable *>(cb.user_data);  // not taken over by the library
                throw;
            }
        },
        py::arg("fn"), "ssogate_replay_cache_new_callbacks over fn(key: str, expires_at: int) -> bool.");
    m.def("verify_response", &verify, py::arg("connection"), py::arg("saml_response"), py::arg("replay"),
          py::arg("pending_request_ids"), py::arg("now"), py::arg("max_bytes"), py::arg("max_age_seconds"),
          py::arg("decryption_keys") = std::vector<ssogate_python::SpKey>(),
          "ssogate_verify_response; releases the GIL. Returns (email, nameid, nameid_format, idp_entity_id, "
          "connection_id, assertion_id, session_index, authn_instant, session_not_on_or_after, in_response_to, "
          "[(name, name_format, friendly_name, [values])]).");
    m.def("explain_response", &explain, py::arg("connection"), py::arg("saml_response"), py::arg("replay"),
          py::arg("candidate"), py::arg("pending_request_ids"), py::arg("now"), py::arg("max_bytes"),
          py::arg("max_age_seconds"), py::arg("decryption_keys") = std::vector<ssogate_python::SpKey>(),
          "ssogate_explain_response; releases the GIL. Returns (first_failure, [(name, status, code, expected, "
          "got, detail)], [(name, text)]).");
}
