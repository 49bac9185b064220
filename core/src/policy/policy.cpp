#include "policy/policy.hpp"

#include "error.hpp"
#include "util/email.hpp"
#include "util/text.hpp"

#include <algorithm>

namespace ssogate::core::policy {

namespace {

using util::domain_in;
using util::email_domain;

bool has_email(const std::vector<std::string> &list, std::string_view email) {
    return std::any_of(list.begin(), list.end(),
                       [&](const std::string &item) { return util::same_email(item, email); });
}

bool is_break_glass_role(Role role) { return role == Role::owner || role == Role::admin; }

std::string join(const std::vector<std::string> &list) {
    std::string out;
    for (const auto &item : list) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

template <typename E, std::size_t N>
E parse_name(std::string_view text, const char *const (&names)[N], const char *what) {
    for (std::size_t i = 0; i < N; ++i) {
        if (text == names[i]) return static_cast<E>(i);
    }
    fail(Code::invalid_argument, std::string("unknown ") + what + " \"" + util::printable(text, 40) + "\"");
}

constexpr const char *kSsoModes[] = {"mixed", "enforced"};
constexpr const char *kRoles[] = {"owner", "admin", "member"};
constexpr const char *kStatuses[] = {"active", "disabled"};
constexpr const char *kJoinedVia[] = {"password", "sso"};

}  // namespace

const char *to_string(SsoMode v) noexcept { return kSsoModes[static_cast<int>(v) & 1]; }
const char *to_string(Role v) noexcept {
    const int i = static_cast<int>(v);
    return i >= 0 && i < 3 ? kRoles[i] : "member";
}
const char *to_string(MemberStatus v) noexcept { return kStatuses[static_cast<int>(v) & 1]; }
const char *to_string(JoinedVia v) noexcept { return kJoinedVia[static_cast<int>(v) & 1]; }
SsoMode parse_sso_mode(std::string_view t) { return parse_name<SsoMode>(t, kSsoModes, "SSO mode"); }
Role parse_role(std::string_view t) { return parse_name<Role>(t, kRoles, "role"); }
MemberStatus parse_member_status(std::string_view t) { return parse_name<MemberStatus>(t, kStatuses, "member status"); }
JoinedVia parse_joined_via(std::string_view t) { return parse_name<JoinedVia>(t, kJoinedVia, "joined_via"); }

const char *to_string(SsoOutcome o) noexcept {
    switch (o) {
    case SsoOutcome::login: return "LOGIN";
    case SsoOutcome::join_by_invite: return "JOIN_BY_INVITE";
    case SsoOutcome::prompt_join: return "PROMPT_JOIN";
    case SsoOutcome::deny: return "DENY";
    }
    return "DENY";
}

const char *reason_name(Reason r) noexcept {
    switch (r) {
    case Reason::member_login: return "MEMBER_LOGIN";
    case Reason::first_sso_login: return "FIRST_SSO_LOGIN";
    case Reason::invite_pending: return "INVITE_PENDING";
    case Reason::jit_domain_match: return "JIT_DOMAIN_MATCH";
    case Reason::connection_disabled: return "CONNECTION_DISABLED";
    case Reason::idp_initiated_not_allowed: return "IDP_INITIATED_NOT_ALLOWED";
    case Reason::email_invalid: return "EMAIL_INVALID";
    case Reason::domain_not_allowed: return "DOMAIN_NOT_ALLOWED";
    case Reason::member_disabled: return "MEMBER_DISABLED";
    case Reason::invite_required: return "INVITE_REQUIRED";
    case Reason::jit_no_domains: return "JIT_NO_DOMAINS";
    case Reason::password_allowed: return "PASSWORD_ALLOWED";
    case Reason::break_glass: return "BREAK_GLASS";
    case Reason::not_a_member: return "NOT_A_MEMBER";
    case Reason::no_password: return "NO_PASSWORD";
    case Reason::sso_required: return "SSO_REQUIRED";
    case Reason::sso_only_member: return "SSO_ONLY_MEMBER";
    case Reason::invite_accepted_via_sso: return "INVITE_ACCEPTED_VIA_SSO";
    case Reason::invite_password_allowed: return "INVITE_PASSWORD_ALLOWED";
    case Reason::invite_requires_sso: return "INVITE_REQUIRES_SSO";
    case Reason::invite_email_mismatch: return "INVITE_EMAIL_MISMATCH";
    case Reason::enforcement_safe: return "ENFORCEMENT_SAFE";
    case Reason::lockout_guard: return "LOCKOUT_GUARD";
    case Reason::forced: return "FORCED";
    case Reason::no_enabled_connection: return "NO_ENABLED_CONNECTION";
    }
    return "UNKNOWN";
}

const char *reason_text(Reason r) noexcept {
    switch (r) {
    case Reason::member_login: return "An active member logged in through SSO.";
    case Reason::first_sso_login:
        return "An active member logged in through SSO for the first time; their identity is now linked.";
    case Reason::invite_pending: return "A pending invite for this email was accepted through SSO.";
    case Reason::jit_domain_match:
        return "Just-in-Time provisioning is on and the email's domain is allowed; the user is asked to confirm "
               "joining the account.";
    case Reason::connection_disabled: return "The SSO connection is disabled; an admin must enable it.";
    case Reason::idp_initiated_not_allowed:
        return "The login started at the IdP (unsolicited) and the connection does not allow IdP-initiated login; "
               "turn on allow_idp_initiated or start the login from the application.";
    case Reason::email_invalid: return "The verified identity carries no usable email address.";
    case Reason::domain_not_allowed: return "The email's domain is not one this connection or account accepts.";
    case Reason::member_disabled: return "The member is disabled in this account; an admin must re-enable them.";
    case Reason::invite_required:
        return "The user is not a member, has no pending invite, and Just-in-Time provisioning is off; an admin "
               "must invite them.";
    case Reason::jit_no_domains:
        return "Just-in-Time provisioning is on but the account has no verified domain and the connection no "
               "allowed domain, so no newcomer can be matched; verify a domain first.";
    case Reason::password_allowed: return "Password login is allowed for this member in Mixed mode.";
    case Reason::break_glass:
        return "SSO is enforced but this member is a break-glass member and keeps password login.";
    case Reason::not_a_member: return "No member of this account has this email.";
    case Reason::no_password: return "This member has no password; they log in through SSO.";
    case Reason::sso_required: return "The account enforces SSO; log in through the account's SSO connection.";
    case Reason::sso_only_member:
        return "This member joined through SSO; in Mixed mode only members who had a password before SSO keep "
               "password login.";
    case Reason::invite_accepted_via_sso: return "The invite was accepted through SSO as the invited email.";
    case Reason::invite_password_allowed:
        return "The account is in Mixed mode; the invite may be accepted with a password.";
    case Reason::invite_requires_sso: return "The account enforces SSO; the invite can be accepted only through SSO.";
    case Reason::invite_email_mismatch:
        return "The invite was issued to another email than the one the IdP verified; it must be accepted as the "
               "invited email.";
    case Reason::enforcement_safe:
        return "At least one owner or admin has logged in through SSO; enforcing SSO is safe.";
    case Reason::lockout_guard:
        return "No owner or admin has logged in through SSO yet; enforcing SSO now could lock the account out. Log "
               "in through SSO as an admin first, or force the switch.";
    case Reason::forced:
        return "No owner or admin has logged in through SSO yet, but the switch to enforced was forced.";
    case Reason::no_enabled_connection:
        return "The account has no enabled SSO connection; enforcing SSO would leave only break-glass members able "
               "to log in.";
    }
    return "Unknown reason.";
}

SsoDecision decide_sso_login(const AccountSettings &account, const ConnectionFacts &connection,
                             const DirectoryFacts &facts, const SsoLoginInput &input) {
    auto deny = [](Reason reason, std::string detail) {
        return SsoDecision{SsoOutcome::deny, reason, false, std::move(detail)};
    };
    if (!connection.enabled) return deny(Reason::connection_disabled, "connection " + connection.id);
    if (input.unsolicited && !connection.allow_idp_initiated)
        return deny(Reason::idp_initiated_not_allowed, "connection " + connection.id + " has allow_idp_initiated off");
    // The verifier's own rule (util::is_valid_email): a host that calls this with an address from
    // elsewhere gets the same answer as a login the verifier accepted.
    if (!util::is_valid_email(input.email))
        return deny(Reason::email_invalid, input.email.empty() ? std::string("the verified email is empty")
                                                               : "the verified email is not a valid address");
    const std::string domain = email_domain(input.email);
    if (!connection.allowed_domains.empty() && !domain_in(domain, connection.allowed_domains))
        return deny(Reason::domain_not_allowed, "domain " + domain + " is not in the connection's allowed domains (" +
                                                    join(connection.allowed_domains) + ")");

    const MemberFacts &m = facts.member;
    if (m.is_member) {
        if (m.status == MemberStatus::disabled) return deny(Reason::member_disabled, {});
        if (m.sso_linked) return SsoDecision{SsoOutcome::login, Reason::member_login, false, {}};
        return SsoDecision{SsoOutcome::login, Reason::first_sso_login, true, {}};
    }
    if (facts.has_pending_invite) return SsoDecision{SsoOutcome::join_by_invite, Reason::invite_pending, true, {}};
    if (!connection.jit_provisioning) return deny(Reason::invite_required, "jit_provisioning is off");

    const auto &verified = account.verified_domains;
    const auto &allowed = connection.allowed_domains;
    if (verified.empty() && allowed.empty()) return deny(Reason::jit_no_domains, {});
    if (!verified.empty() && !domain_in(domain, verified))
        return deny(Reason::domain_not_allowed,
                    "domain " + domain + " is not one of the account's verified domains (" + join(verified) + ")");
    // The connection's list was checked above (row 4), so reaching here means the domain is in it.
    return SsoDecision{SsoOutcome::prompt_join, Reason::jit_domain_match, false, "domain " + domain};
}

PasswordDecision decide_password_login(const AccountSettings &account, const MemberFacts &member,
                                       std::string_view email, std::string_view sso_connection_id) {
    PasswordDecision d;
    if (!member.is_member) {
        d.reason = Reason::not_a_member;
        return d;
    }
    if (member.status == MemberStatus::disabled) {
        d.reason = Reason::member_disabled;
        return d;
    }
    if (!member.has_password) {
        d.reason = Reason::no_password;
        d.sso_connection_id = std::string(sso_connection_id);
        return d;
    }
    if (account.sso_mode == SsoMode::enforced) {
        // Break-glass is for the owners and admins who must be able to fix the SSO setup when the IdP
        // is down; the list only names them. Checked against the member's role of this moment, so a
        // member demoted, or removed and added again as an ordinary member, does not keep it.
        const bool named = has_email(account.break_glass, email);
        if (named && is_break_glass_role(member.role)) {
            d.allowed = true;
            d.reason = Reason::break_glass;
            return d;
        }
        d.reason = Reason::sso_required;
        d.sso_connection_id = std::string(sso_connection_id);
        if (named) {
            d.detail = std::string("named as break-glass, but the member's role is ") + to_string(member.role) +
                       "; break-glass applies to owners and admins only";
        }
        return d;
    }
    if (member.joined_via == JoinedVia::sso) {
        d.reason = Reason::sso_only_member;
        d.sso_connection_id = std::string(sso_connection_id);
        return d;
    }
    d.allowed = true;
    d.reason = Reason::password_allowed;
    return d;
}

InviteDecision decide_invite_acceptance(const AccountSettings &account, std::string_view invited_email,
                                        InviteMethod method, std::string_view sso_email) {
    if (method == InviteMethod::sso) {
        if (!util::same_email(invited_email, sso_email))
            return {false, Reason::invite_email_mismatch, "the IdP verified another email than the invited one"};
        return {true, Reason::invite_accepted_via_sso, {}};
    }
    if (account.sso_mode == SsoMode::enforced) return {false, Reason::invite_requires_sso, {}};
    return {true, Reason::invite_password_allowed, {}};
}

EnforcementPreview preview_enforcement(const AccountSettings &account, const std::vector<MemberSummary> &members,
                                       bool has_enabled_connection, bool force) {
    EnforcementPreview p;
    bool admin_linked = false;
    for (const auto &m : members) {
        if (m.status != MemberStatus::active) continue;
        if ((m.role == Role::owner || m.role == Role::admin) && m.sso_linked) admin_linked = true;
        if (has_email(account.break_glass, m.email) && is_break_glass_role(m.role)) {
            p.break_glass_kept.push_back(m.email);
        } else if (!m.sso_linked) {
            p.losing_access.push_back(m.email);
        }
    }
    p.detail = std::to_string(p.losing_access.size()) + " member(s) have never logged in through SSO";
    if (!has_enabled_connection) {
        p.reason = Reason::no_enabled_connection;
        return p;
    }
    if (admin_linked) {
        p.allowed = true;
        p.reason = Reason::enforcement_safe;
    } else if (force) {
        p.allowed = true;
        p.reason = Reason::forced;
    } else {
        p.reason = Reason::lockout_guard;
    }
    return p;
}

}  // namespace ssogate::core::policy
