// The gate for Python (ssogate.h section 9), over ssogate.hpp like the rest of the extension.
// Translation only: results leave as tuples and ssogate/_gate.py turns them into the friendly
// objects. Every call that reaches a store or verifies a response releases the GIL.
#include "handles.hpp"

#include <ssogate/ssogate.hpp>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace {

using ssogate_python::Connection;

using ssogate_python::Gate;  // handles.hpp: the directory area makes gates too

std::string_view bytes_view(const py::bytes &b) {
    // bytes are immutable and the caller's argument keeps the object alive while the GIL is released.
    return {PyBytes_AS_STRING(b.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(b.ptr()))};
}

using AttributeTuple = std::tuple<std::string, std::string, std::string, std::vector<std::string>>;
using LoginTuple = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string,
                              std::int64_t, std::optional<std::int64_t>, std::string, std::vector<AttributeTuple>>;

// The same shape as verify.cpp's login tuple, so _gate.py builds the same VerifiedLogin.
LoginTuple login_tuple(ssogate::VerifiedLogin v) {
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

// (kind, reason, reason_name, reason_text, user_message, error_code, email, account_id,
//  connection_id, join_token, return_to, login tuple or None, signature_verified)
py::tuple outcome_tuple(ssogate::GateOutcome o) {
    py::object login = py::none();
    if (o.login) login = py::cast(login_tuple(std::move(*o.login)));
    return py::make_tuple(static_cast<int>(o.kind), o.reason, o.reason_name, o.reason_text, o.user_message,
                          o.error_code, o.email, o.account_id, o.connection_id, o.join_token, o.return_to, login,
                          o.signature_verified);
}

// (allowed, applied, mode, reason, detail, losing_access, break_glass)
py::tuple preview_tuple(const ssogate::EnforcementPreview &p) {
    return py::make_tuple(p.allowed, p.applied, static_cast<int>(p.mode), p.reason, p.detail, p.losing_access,
                          p.break_glass);
}

// (account_id, email, role, status, has_password, joined_via, sso_linked, last_sso_login, created_at),
// the enums as their numbers.
py::tuple member_tuple(const ssogate::MemberRecord &m) {
    return py::make_tuple(m.account_id, m.email, static_cast<int>(m.role), static_cast<int>(m.status), m.has_password,
                          static_cast<int>(m.joined_via), m.sso_linked, m.last_sso_login, m.created_at);
}

py::list audit_list(const std::vector<ssogate::AuditRow> &rows) {
    py::list out;
    for (const auto &r : rows) {
        out.append(
            py::make_tuple(r.seq, r.time, r.account_id, r.connection_id, r.email, r.outcome, r.reason, r.detail));
    }
    return out;
}

// Runs f on the gate with the GIL released and returns what it returns.
template <typename F>
auto nogil(const Gate &g, F f) {
    const std::shared_ptr<const ssogate::Gate> keep = g.gate;
    py::gil_scoped_release release;
    return f(*keep);
}

}  // namespace

void bind_gate(py::module_ &m) {
    py::class_<Gate>(m, "Gate", "A gate (ssogate_gate handle): thread-safe.");

    m.attr("GATE_OUTCOME_LOGIN") = static_cast<int>(ssogate::GateOutcomeKind::login);
    m.attr("GATE_OUTCOME_PROMPT_JOIN") = static_cast<int>(ssogate::GateOutcomeKind::prompt_join);
    m.attr("GATE_OUTCOME_JOINED_BY_INVITE") = static_cast<int>(ssogate::GateOutcomeKind::joined_by_invite);
    m.attr("GATE_OUTCOME_DENIED") = static_cast<int>(ssogate::GateOutcomeKind::denied);

    m.def("reason_name", &ssogate::reason_name, py::arg("reason"));
    m.def("reason_text", &ssogate::reason_text, py::arg("reason"));

    m.def(
        "gate_open",
        [](const std::string &location, const std::string &shared, std::int64_t now, std::int64_t join_token_ttl,
           bool migrate_on_open) {
            ssogate::GateOptions o;
            o.now = now;
            o.join_token_ttl_seconds = join_token_ttl;
            o.migrate_on_open = migrate_on_open;
            py::gil_scoped_release release;  // opening a database connects to it and checks its schema
            return Gate{std::make_shared<const ssogate::Gate>(ssogate::Gate::open(location, shared, o))};
        },
        py::arg("location"), py::arg("shared"), py::arg("now"), py::arg("join_token_ttl_seconds"),
        py::arg("migrate_on_open") = false);

    m.def(
        "db_migrate",
        [](const std::string &location) {
            py::gil_scoped_release release;
            const ssogate::Migration r = ssogate::migrate_database(location);
            return std::make_pair(r.from, r.to);
        },
        py::arg("location"));

    m.def(
        "gate_create_account",
        [](const Gate &g, const std::string &id, const std::string &name, const std::vector<std::string> &domains) {
            nogil(g, [&](const ssogate::Gate &x) { x.create_account(id, name, domains); });
        },
        py::arg("gate"), py::arg("id"), py::arg("name"), py::arg("verified_domains"));
    m.def(
        "gate_add_break_glass",
        [](const Gate &g, const std::string &account, const std::string &email) {
            nogil(g, [&](const ssogate::Gate &x) { x.add_break_glass(account, email); });
        },
        py::arg("gate"), py::arg("account_id"), py::arg("email"));
    m.def(
        "gate_add_connection",
        [](const Gate &g, const std::string &account, const Connection &conn, bool enabled) {
            nogil(g, [&](const ssogate::Gate &x) { x.add_connection(account, *conn.conn, enabled); });
        },
        py::arg("gate"), py::arg("account_id"), py::arg("connection"), py::arg("enabled"));
    m.def(
        "gate_add_decryption_key",
        [](const Gate &g, const ssogate_python::SpKey &key) {
            nogil(g, [&](const ssogate::Gate &x) { x.add_decryption_key(*key.key); });
        },
        py::arg("gate"), py::arg("key"));
    m.def(
        "gate_set_connection_enabled",
        [](const Gate &g, const std::string &id, bool enabled) {
            nogil(g, [&](const ssogate::Gate &x) { x.set_connection_enabled(id, enabled); });
        },
        py::arg("gate"), py::arg("connection_id"), py::arg("enabled"));
    m.def(
        "gate_add_member",
        [](const Gate &g, const std::string &account, const std::string &email, int role, bool has_password) {
            nogil(g, [&](const ssogate::Gate &x) {
                x.add_member(account, email, static_cast<ssogate::Role>(role), has_password);
            });
        },
        py::arg("gate"), py::arg("account_id"), py::arg("email"), py::arg("role"), py::arg("has_password"));
    m.def(
        "gate_remove_member",
        [](const Gate &g, const std::string &account, const std::string &email) {
            nogil(g, [&](const ssogate::Gate &x) { x.remove_member(account, email); });
        },
        py::arg("gate"), py::arg("account_id"), py::arg("email"));
    m.def(
        "gate_invite",
        [](const Gate &g, const std::string &account, const std::string &email, int role, std::int64_t ttl) {
            const auto inv = nogil(g, [&](const ssogate::Gate &x) {
                return x.invite(account, email, static_cast<ssogate::Role>(role), ttl);
            });
            return std::make_tuple(inv.token, inv.email, inv.expires_at);
        },
        py::arg("gate"), py::arg("account_id"), py::arg("email"), py::arg("role"), py::arg("ttl_seconds"));
    m.def(
        "gate_preview_enforcement",
        [](const Gate &g, const std::string &account) {
            return preview_tuple(nogil(g, [&](const ssogate::Gate &x) { return x.preview_enforcement(account); }));
        },
        py::arg("gate"), py::arg("account_id"));
    m.def(
        "gate_apply_sso_mode",
        [](const Gate &g, const std::string &account, int mode, bool force) {
            return preview_tuple(nogil(g, [&](const ssogate::Gate &x) {
                return x.apply_sso_mode(account, static_cast<ssogate::SsoMode>(mode), force);
            }));
        },
        py::arg("gate"), py::arg("account_id"), py::arg("mode"), py::arg("force"));
    m.def(
        "gate_begin_sp_login",
        [](const Gate &g, const std::string &connection_id, const std::string &return_to,
           const std::optional<ssogate_python::SpKey> &sp_key, int binding, bool force_authn, bool is_passive,
           std::int64_t ttl_seconds) {
            ssogate::SpLoginOptions o;
            o.binding = static_cast<ssogate::Binding>(binding);
            o.force_authn = force_authn;
            o.is_passive = is_passive;
            o.ttl_seconds = ttl_seconds;
            const ssogate::SpKey *key = sp_key ? sp_key->key.get() : nullptr;
            auto r =
                nogil(g, [&](const ssogate::Gate &x) { return x.begin_sp_login(connection_id, return_to, key, o); });
            // The same tuple as login.cpp's sp_login_begin, so _gate.py builds the same SpLoginRequest.
            return py::make_tuple(r.request_id, r.relay_state, static_cast<int>(r.binding), r.destination,
                                  r.redirect_url, r.post_form_html, r.xml, r.is_signed, r.issued_at, r.expires_at);
        },
        py::arg("gate"), py::arg("connection_id"), py::arg("return_to"), py::arg("sp_key"), py::arg("binding"),
        py::arg("force_authn"), py::arg("is_passive"), py::arg("ttl_seconds"));
    m.def(
        "gate_consume",
        [](const Gate &g, const std::string &connection_id, const py::bytes &saml_response,
           const std::string &relay_state) {
            const std::string_view response = bytes_view(saml_response);
            return outcome_tuple(
                nogil(g, [&](const ssogate::Gate &x) { return x.consume(connection_id, response, relay_state); }));
        },
        py::arg("gate"), py::arg("connection_id"), py::arg("saml_response"), py::arg("relay_state"));
    m.def(
        "gate_explain",
        [](const Gate &g, const std::string &connection_id, const py::bytes &saml_response,
           const std::vector<std::string> &pending_request_ids, const std::optional<ssogate_python::Idp> &candidate,
           std::int64_t now) {
            const std::string_view response = bytes_view(saml_response);
            const ssogate::IdpView view = candidate ? candidate->view : ssogate::IdpView{};
            return ssogate_python::explanation_tuple(nogil(g, [&](const ssogate::Gate &x) {
                return x.explain(connection_id, response, pending_request_ids, view, now);
            }));
        },
        py::arg("gate"), py::arg("connection_id"), py::arg("saml_response"), py::arg("pending_request_ids"),
        py::arg("candidate"), py::arg("now"));
    m.def(
        "gate_confirm_join",
        [](const Gate &g, const std::string &token) {
            nogil(g, [&](const ssogate::Gate &x) { x.confirm_join(token); });
        },
        py::arg("gate"), py::arg("join_token"));
    m.def(
        "gate_confirm_join_member",
        [](const Gate &g, const std::string &token) {
            return member_tuple(nogil(g, [&](const ssogate::Gate &x) { return x.confirm_join_member(token); }));
        },
        py::arg("gate"), py::arg("join_token"));
    m.def(
        "gate_find_member",
        [](const Gate &g, const std::string &account, const std::string &email) -> py::object {
            const auto found = nogil(g, [&](const ssogate::Gate &x) { return x.find_member(account, email); });
            if (!found) return py::none();
            return member_tuple(*found);
        },
        py::arg("gate"), py::arg("account_id"), py::arg("email"));
    m.def(
        "gate_list_members",
        [](const Gate &g, const std::string &account) {
            const auto members = nogil(g, [&](const ssogate::Gate &x) { return x.list_members(account); });
            py::list out;
            for (const auto &member : members) out.append(member_tuple(member));
            return out;
        },
        py::arg("gate"), py::arg("account_id"));
    m.def(
        "gate_check_stores", [](const Gate &g) { nogil(g, [](const ssogate::Gate &x) { x.check_stores(); }); },
        py::arg("gate"));
    m.def(
        "gate_query_audit",
        [](const Gate &g, const std::string &account, const std::string &email, const std::string &outcomes,
           const std::string &reasons, std::int64_t after_seq, std::int64_t before_seq, std::int64_t since,
           std::int64_t until, bool newest_first, std::size_t limit) {
            ssogate::AuditQuery q;
            q.account_id = account;
            q.email = email;
            q.outcomes = outcomes;
            q.reasons = reasons;
            q.after_seq = after_seq;
            q.before_seq = before_seq;
            q.since = since;
            q.until = until;
            q.newest_first = newest_first;
            q.limit = limit;
            return audit_list(nogil(g, [&](const ssogate::Gate &x) { return x.query_audit(q); }));
        },
        py::arg("gate"), py::arg("account_id"), py::arg("email"), py::arg("outcomes"), py::arg("reasons"),
        py::arg("after_seq"), py::arg("before_seq"), py::arg("since"), py::arg("until"), py::arg("newest_first"),
        py::arg("limit"));
    m.def(
        "gate_decide_password_login",
        [](const Gate &g, const std::string &account, const std::string &email) {
            const auto d = nogil(g, [&](const ssogate::Gate &x) { return x.decide_password_login(account, email); });
            return std::make_tuple(d.allowed, d.reason, d.connection_id);
        },
        py::arg("gate"), py::arg("account_id"), py::arg("email"));
    m.def(
        "gate_read_audit",
        [](const Gate &g, const std::string &account, std::int64_t after_seq, std::size_t limit) {
            return audit_list(
                nogil(g, [&](const ssogate::Gate &x) { return x.read_audit(account, after_seq, limit); }));
        },
        py::arg("gate"), py::arg("account_id"), py::arg("after_seq"), py::arg("limit"));
}
