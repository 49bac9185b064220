// The Python objects that hold C handles, shared by every area's binding source (python/src/*.cpp):
// a pybind11 class is registered once, in one translation unit, but other areas take it as an
// argument (SP-initiated login takes a Connection), so the C++ type must be the same in all of them.
#pragma once

#include <pybind11/pybind11.h>
#include <ssogate/ssogate.hpp>

#include <memory>
#include <string_view>

namespace ssogate_python {

// Library text as a Python str that cannot fail to decode: the C ABI hands out valid UTF-8, and should
// a byte ever be wrong it becomes U+FFFD here instead of a UnicodeDecodeError (a ValueError that would
// escape `except ssogate.Error`). Used for every message and for text that comes from uploaded files.
inline pybind11::str text(std::string_view s) {
    PyObject *o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
    if (o == nullptr) throw pybind11::error_already_set();
    return pybind11::reinterpret_steal<pybind11::str>(o);
}

// Read access to an IdP plus whatever keeps it alive: its own ssogate::Idp after an import, or the
// connection it is borrowed from (ssogate_connection_idp lends a handle that lives as long as the
// connection). Handles are immutable, so sharing them between Python objects and threads is fine.
struct Idp {
    std::shared_ptr<const void> owner;
    ssogate::IdpView view;
};

struct Connection {
    std::shared_ptr<const ssogate::Connection> conn;
};

// A replay cache, needed by verification and by SP-initiated login (registered once, as
// _ssogate.ReplayCache, by whichever area's bind_*() comes first).
struct ReplayCache {
    std::shared_ptr<const ssogate::ReplayCache> cache;
};

// The SP's signing key (registered as _ssogate.SpKey by the login area; the gate takes it too).
struct SpKey {
    std::shared_ptr<const ssogate::SpKey> key;
};

// A pending-request store (registered as _ssogate.RequestStore by the login area; a gate over the
// host's own stores takes it too).
struct RequestStore {
    std::shared_ptr<const ssogate::RequestStore> store;
};

// A gate (registered as _ssogate.Gate by the gate area; the directory area makes them too). The C
// gate is thread-safe, so one object serves every Python thread; shared_ptr lets a call in flight
// (GIL released) keep it alive even if Python drops the last reference meanwhile.
struct Gate {
    std::shared_ptr<const ssogate::Gate> gate;
};

// An explanation (ssogate_explain_response, ssogate_gate_explain) as the tuple ssogate/_explain.py
// reads: (first_failure, [(name, status, code, expected, got, detail)], [(name, text)]).
inline pybind11::tuple explanation_tuple(const ssogate::Explanation &x) {
    pybind11::list checks, hints;
    for (const auto &c : x.checks) {
        checks.append(pybind11::make_tuple(text(c.name), static_cast<int>(c.status), c.code, text(c.expected),
                                           text(c.got), text(c.detail)));
    }
    for (const auto &h : x.hints) hints.append(pybind11::make_tuple(text(h.name), text(h.text)));
    return pybind11::make_tuple(x.first_failure, checks, hints);
}

}  // namespace ssogate_python
