// The pure policy for Python (ssogate.h section 9, "Pure policy"), over ssogate.hpp like the rest of
// the extension. Inputs arrive as plain tuples and results leave as tuples; ssogate/_policy.py turns
// keyword arguments and NamedTuples into the former and the latter into NamedTuples. The decisions
// are pure and fast (no store, no I/O), so the GIL stays held.
#include <ssogate/ssogate.hpp>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace py = pybind11;
namespace policy = ssogate::policy;

namespace {

// (sso_mode, verified_domains, break_glass)
using AccountTuple = std::tuple<int, std::vector<std::string>, std::vector<std::string>>;
// (id, enabled, jit_provisioning, allow_idp_initiated, allowed_domains)
using ConnectionTuple = std::tuple<std::string, bool, bool, bool, std::vector<std::string>>;
// (is_member, status, role, joined_via, has_password, sso_linked, has_pending_invite)
using FactsTuple = std::tuple<bool, int, int, int, bool, bool, bool>;
// (email, role, status, sso_linked)
using MemberTuple = std::tuple<std::string, int, int, bool>;

// Numbers are passed through unchecked: the C library refuses one outside its enum with
// INVALID_ARGUMENT, so the rule (and its message) lives in one place.
policy::Account account_of(AccountTuple t) {
    policy::Account a;
    a.sso_mode = static_cast<ssogate::SsoMode>(std::get<0>(t));
    a.verified_domains = std::move(std::get<1>(t));
    a.break_glass = std::move(std::get<2>(t));
    return a;
}

policy::Facts facts_of(const FactsTuple &t) {
    policy::Facts f;
    f.is_member = std::get<0>(t);
    f.status = static_cast<policy::MemberStatus>(std::get<1>(t));
    f.role = static_cast<ssogate::Role>(std::get<2>(t));
    f.joined_via = static_cast<policy::JoinedVia>(std::get<3>(t));
    f.has_password = std::get<4>(t);
    f.sso_linked = std::get<5>(t);
    f.has_pending_invite = std::get<6>(t);
    return f;
}

}  // namespace

void bind_policy(py::module_ &m) {
    m.attr("SSO_OUTCOME_LOGIN") = static_cast<int>(policy::SsoOutcome::login);
    m.attr("SSO_OUTCOME_JOIN_BY_INVITE") = static_cast<int>(policy::SsoOutcome::join_by_invite);
    m.attr("SSO_OUTCOME_PROMPT_JOIN") = static_cast<int>(policy::SsoOutcome::prompt_join);
    m.attr("SSO_OUTCOME_DENY") = static_cast<int>(policy::SsoOutcome::deny);

    m.def(
        "policy_decide_sso_login",
        [](AccountTuple account, ConnectionTuple connection, const FactsTuple &facts, const std::string &email,
           bool unsolicited) {
            policy::ConnectionFacts c;
            c.id = std::move(std::get<0>(connection));
            c.enabled = std::get<1>(connection);
            c.jit_provisioning = std::get<2>(connection);
            c.allow_idp_initiated = std::get<3>(connection);
            c.allowed_domains = std::move(std::get<4>(connection));
            const auto d =
                policy::decide_sso_login(account_of(std::move(account)), c, facts_of(facts), email, unsolicited);
            return std::make_tuple(static_cast<int>(d.outcome), d.reason, d.link_identity, d.detail);
        },
        py::arg("account"), py::arg("connection"), py::arg("facts"), py::arg("email"), py::arg("unsolicited"),
        "ssogate_policy_decide_sso_login -> (outcome, reason, link_identity, detail).");

    m.def(
        "policy_decide_password_login",
        [](AccountTuple account, const FactsTuple &facts, const std::string &email,
           const std::string &sso_connection_id) {
            const auto d = policy::decide_password_login(account_of(std::move(account)), facts_of(facts), email,
                                                         sso_connection_id);
            return std::make_tuple(d.allowed, d.reason, d.connection_id);
        },
        py::arg("account"), py::arg("facts"), py::arg("email"), py::arg("sso_connection_id"),
        "ssogate_policy_decide_password_login -> (allowed, reason, connection_id).");

    m.def(
        "policy_decide_invite_acceptance",
        [](AccountTuple account, const std::string &invited_email, int method, const std::string &sso_email) {
            const auto d = policy::decide_invite_acceptance(account_of(std::move(account)), invited_email,
                                                            static_cast<policy::InviteMethod>(method), sso_email);
            return std::make_tuple(d.allowed, d.reason, d.detail);
        },
        py::arg("account"), py::arg("invited_email"), py::arg("method"), py::arg("sso_email"),
        "ssogate_policy_decide_invite_acceptance -> (allowed, reason, detail).");

    m.def(
        "policy_preview_enforcement",
        [](AccountTuple account, const std::vector<MemberTuple> &members, bool has_enabled_connection, bool force) {
            std::vector<policy::Member> list;
            list.reserve(members.size());
            for (const auto &t : members) {
                list.push_back(policy::Member{std::get<0>(t), static_cast<ssogate::Role>(std::get<1>(t)),
                                              static_cast<policy::MemberStatus>(std::get<2>(t)), std::get<3>(t)});
            }
            const auto p =
                policy::preview_enforcement(account_of(std::move(account)), list, has_enabled_connection, force);
            // The gate's preview tuple, so _gate.py's EnforcementPreview is built the same way.
            return py::make_tuple(p.allowed, p.applied, static_cast<int>(p.mode), p.reason, p.detail, p.losing_access,
                                  p.break_glass);
        },
        py::arg("account"), py::arg("members"), py::arg("has_enabled_connection"), py::arg("force"),
        "ssogate_policy_preview_enforcement -> (allowed, applied, mode, reason, detail, losing_access, break_glass).");
}
