// The directory for Python (ssogate.h section 5, "Directory", and ssogate_gate_new of section 9), over
// ssogate.hpp like the rest of the extension. Translation only: a host's ssogate.Directory is reached
// through the bridge object of ssogate/_directory.py, which turns the JSON records into dataclasses
// and its exceptions into (code, answer) pairs; this file moves strings and codes between that
// bridge and the C callbacks.
#include "handles.hpp"

#include <ssogate/ssogate.hpp>

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace py = pybind11;

namespace {

using ssogate_python::Gate;
using ssogate_python::ReplayCache;
using ssogate_python::RequestStore;

struct Directory {
    std::shared_ptr<const ssogate::Directory> dir;
};

// The bridge (ssogate._directory._Bridge) behind one ssogate_directory_callbacks. The library calls
// the callbacks from whichever thread runs a gate call, with the GIL released (every gate call
// releases it), so each callback takes the GIL back for its own call.
struct PyDirectory {
    py::object bridge;
};

py::object bridge_of(void *user_data) { return static_cast<PyDirectory *>(user_data)->bridge; }

// The library passes (ptr, len) UTF-8; a string that does not decode raises inside the guarded call
// and so becomes "could not answer" (as a Python exception, so the error indicator is cleared).
py::str text(const char *s, size_t len) {
    PyObject *decoded = PyUnicode_DecodeUTF8(s, static_cast<Py_ssize_t>(len), "strict");
    if (decoded == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::str>(decoded);
}

// Runs `call` (a Python call that returns the bridge's (code, answer)) with the GIL, and turns the
// answer into the callback's result: the code as is (0, NOT_FOUND, STORE_CONFLICT), the JSON answer
// copied into `out`. Whatever goes wrong (the host's directory raised, the answer has the wrong
// shape) is "could not answer": the library then fails the call with STORE_UNAVAILABLE, so a login
// is refused, never let through.
template <typename Call>
int guarded(const char *callback, ssogate_json_out *out, Call call) {
    py::gil_scoped_acquire gil;
    try {
        const py::tuple result = call().template cast<py::tuple>();
        if (result.size() != 2) return 1;
        const int code = result[0].cast<int>();
        if (code != 0) return code;
        const py::object answer = result[1];
        if (out != nullptr && !answer.is_none()) {
            const std::string json = answer.cast<std::string>();
            if (ssogate_json_out_set(out, json.data(), json.size()) != SSOGATE_OK) return 1;
        }
        return 0;
    } catch (py::error_already_set &e) {
        // The exception cannot travel through C; the host sees its effect (STORE_UNAVAILABLE), and
        // Python's unraisable hook gets the traceback so it is not lost.
        const std::string context = std::string("ssogate Directory.") + callback + " callback";
        e.discard_as_unraisable(context.c_str());
    } catch (...) {
    }
    return 1;
}

int cb_put_account(void *ud, const char *json, size_t len) {
    return guarded("put_account", nullptr, [&] { return bridge_of(ud).attr("put_account")(text(json, len)); });
}

int cb_find_account(void *ud, const char *id, size_t id_len, ssogate_json_out *out) {
    return guarded("find_account", out, [&] { return bridge_of(ud).attr("find_account")(text(id, id_len)); });
}

int cb_put_connection(void *ud, const char *json, size_t len) {
    return guarded("put_connection", nullptr, [&] { return bridge_of(ud).attr("put_connection")(text(json, len)); });
}

int cb_find_connection(void *ud, const char *id, size_t id_len, ssogate_json_out *out) {
    return guarded("find_connection", out, [&] { return bridge_of(ud).attr("find_connection")(text(id, id_len)); });
}

int cb_list_connections(void *ud, const char *account_id, size_t account_id_len, ssogate_json_out *out) {
    return guarded("list_connections", out,
                   [&] { return bridge_of(ud).attr("list_connections")(text(account_id, account_id_len)); });
}

int cb_remove_connection(void *ud, const char *id, size_t id_len) {
    return guarded("remove_connection", nullptr,
                   [&] { return bridge_of(ud).attr("remove_connection")(text(id, id_len)); });
}

int cb_put_member(void *ud, const char *json, size_t len) {
    return guarded("put_member", nullptr, [&] { return bridge_of(ud).attr("put_member")(text(json, len)); });
}

int cb_find_member(void *ud, const char *account_id, size_t account_id_len, const char *email, size_t email_len,
                   ssogate_json_out *out) {
    return guarded("find_member", out, [&] {
        return bridge_of(ud).attr("find_member")(text(account_id, account_id_len), text(email, email_len));
    });
}

int cb_list_members(void *ud, const char *account_id, size_t account_id_len, ssogate_json_out *out) {
    return guarded("list_members", out,
                   [&] { return bridge_of(ud).attr("list_members")(text(account_id, account_id_len)); });
}

int cb_put_invite(void *ud, const char *json, size_t len) {
    return guarded("put_invite", nullptr, [&] { return bridge_of(ud).attr("put_invite")(text(json, len)); });
}

int cb_find_invite(void *ud, const char *account_id, size_t account_id_len, const char *email, size_t email_len,
                   int64_t now, ssogate_json_out *out) {
    return guarded("find_invite", out, [&] {
        return bridge_of(ud).attr("find_invite")(text(account_id, account_id_len), text(email, email_len), now);
    });
}

int cb_revoke_invite(void *ud, const char *account_id, size_t account_id_len, const char *email, size_t email_len) {
    return guarded("revoke_invite", nullptr, [&] {
        return bridge_of(ud).attr("revoke_invite")(text(account_id, account_id_len), text(email, email_len));
    });
}

int cb_put_join_token(void *ud, const char *json, size_t len) {
    return guarded("put_join_token", nullptr, [&] { return bridge_of(ud).attr("put_join_token")(text(json, len)); });
}

int cb_find_join_token(void *ud, const char *token, size_t token_len, int64_t now, ssogate_json_out *out) {
    return guarded("find_join_token", out,
                   [&] { return bridge_of(ud).attr("find_join_token")(text(token, token_len), now); });
}

int cb_read_audit(void *ud, const char *account_id, size_t account_id_len, int64_t after_seq, uint64_t limit,
                  ssogate_json_out *out) {
    return guarded("read_audit", out, [&] {
        return bridge_of(ud).attr("read_audit")(text(account_id, account_id_len), after_seq, limit);
    });
}

int cb_apply(void *ud, const char *change, size_t len, ssogate_json_out *seqs_out) {
    return guarded("apply", seqs_out, [&] { return bridge_of(ud).attr("apply")(text(change, len)); });
}

void cb_free(void *ud) {
    py::gil_scoped_acquire gil;  // dropping the last reference to a Python object needs the GIL
    delete static_cast<PyDirectory *>(ud);
}

Directory directory_from_python(py::object bridge) {
    auto *state = new PyDirectory{std::move(bridge)};
    ssogate_directory_callbacks cb{};
    cb.struct_size = sizeof cb;
    cb.user_data = state;
    cb.put_account = cb_put_account;
    cb.find_account = cb_find_account;
    cb.put_connection = cb_put_connection;
    cb.find_connection = cb_find_connection;
    cb.list_connections = cb_list_connections;
    cb.remove_connection = cb_remove_connection;
    cb.put_member = cb_put_member;
    cb.find_member = cb_find_member;
    cb.list_members = cb_list_members;
    cb.put_invite = cb_put_invite;
    cb.find_invite = cb_find_invite;
    cb.revoke_invite = cb_revoke_invite;
    cb.put_join_token = cb_put_join_token;
    cb.find_join_token = cb_find_join_token;
    cb.read_audit = cb_read_audit;
    cb.apply = cb_apply;
    cb.free_user_data = cb_free;
    try {
        return Directory{std::make_shared<const ssogate::Directory>(ssogate::Directory::from_callbacks(cb))};
    } catch (...) {
        delete state;  // the library does not call free_user_data when it refuses the callbacks
        throw;
    }
}

}  // namespace

void bind_directory(py::module_ &m) {
    py::class_<Directory>(m, "Directory", "A directory (ssogate_directory handle): thread-safe.");

    m.def(
        "directory_open",
        [](const std::string &location) {
            py::gil_scoped_release nogil;  // opening SQLite creates or migrates the file
            return Directory{std::make_shared<const ssogate::Directory>(ssogate::Directory::open(location))};
        },
        py::arg("location"), "ssogate_directory_open: \"memory:\" or \"sqlite:PATH\".");
    m.def("email_normalize", &ssogate::email_normalize, py::arg("email"),
          "ssogate_email_normalize: ASCII A-Z lower-cased, every other character unchanged.");
    m.def(
        "testing_directory_contract",
        [](const Directory &directory) {
            py::gil_scoped_release nogil;  // a Python directory's callbacks take the GIL back
            ssogate::testing_directory_contract(*directory.dir);
        },
        py::arg("directory"),
        "ssogate_test_directory_contract: runs the directory contract; raises at the first failure.");
    m.def("directory_from_python", &directory_from_python, py::arg("bridge"),
          "ssogate_directory_new_callbacks over ssogate._directory._Bridge: each method returns (code, answer).");
    m.def(
        "gate_new",
        [](const Directory &directory, const ReplayCache &replay, const RequestStore &requests, std::int64_t now,
           std::int64_t join_token_ttl) {
            ssogate::GateOptions o;
            o.now = now;
            o.join_token_ttl_seconds = join_token_ttl;
            py::gil_scoped_release nogil;  // the gate may reach its stores while it is made
            return Gate{std::make_shared<const ssogate::Gate>(
                ssogate::gate_with_stores(*directory.dir, *replay.cache, *requests.store, o))};
        },
        py::arg("directory"), py::arg("replay"), py::arg("requests"), py::arg("now"), py::arg("join_token_ttl_seconds"),
        "ssogate_gate_new: a gate sharing these stores; releases the GIL.");
}
