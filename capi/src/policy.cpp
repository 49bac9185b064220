// Section 9 of ssogate.h, "Pure policy": the four decisions of core/src/policy over facts the caller
// passes in. Translation only: check the structs and enum numbers, build the core's fact structs,
// call the core, wrap the result in a handle. The password decision and the enforcement preview are
// the gate's handles (policy_handles.hpp), so their getters in gate.cpp serve both entry points.
#include "internal.hpp"
#include "policy_handles.hpp"

#include "policy/policy.hpp"

#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace core = ssogate::core;
namespace policy = ssogate::core::policy;
using core::Code;

struct ssogate_sso_decision {
    policy::SsoDecision d;
};

struct ssogate_invite_decision {
    policy::InviteDecision d;
};

struct ssogate_policy_members {
    std::vector<policy::MemberSummary> list;
};

static_assert(SSOGATE_SSO_OUTCOME_LOGIN == static_cast<int>(policy::SsoOutcome::login));
static_assert(SSOGATE_SSO_OUTCOME_JOIN_BY_INVITE == static_cast<int>(policy::SsoOutcome::join_by_invite));
static_assert(SSOGATE_SSO_OUTCOME_PROMPT_JOIN == static_cast<int>(policy::SsoOutcome::prompt_join));
static_assert(SSOGATE_SSO_OUTCOME_DENY == static_cast<int>(policy::SsoOutcome::deny));
static_assert(SSOGATE_POLICY_MEMBER_STATUS_ACTIVE == static_cast<int>(policy::MemberStatus::active));
static_assert(SSOGATE_POLICY_MEMBER_STATUS_DISABLED == static_cast<int>(policy::MemberStatus::disabled));
static_assert(SSOGATE_POLICY_JOINED_VIA_PASSWORD == static_cast<int>(policy::JoinedVia::password));
static_assert(SSOGATE_POLICY_JOINED_VIA_SSO == static_cast<int>(policy::JoinedVia::sso));
static_assert(SSOGATE_POLICY_INVITE_METHOD_PASSWORD == static_cast<int>(policy::InviteMethod::password));
static_assert(SSOGATE_POLICY_INVITE_METHOD_SSO == static_cast<int>(policy::InviteMethod::sso));
static_assert(SSOGATE_ROLE_OWNER == static_cast<int>(policy::Role::owner));
static_assert(SSOGATE_ROLE_ADMIN == static_cast<int>(policy::Role::admin));
static_assert(SSOGATE_SSO_MODE_MIXED == static_cast<int>(policy::SsoMode::mixed));

namespace {

// The first published version of each struct: every field up to and including the last one listed.
constexpr std::size_t account_v1_size = offsetof(ssogate_policy_account, sso_mode) + sizeof(int);
constexpr std::size_t connection_v1_size = offsetof(ssogate_policy_connection, allow_idp_initiated) + sizeof(int);
constexpr std::size_t facts_v1_size = offsetof(ssogate_policy_facts, has_pending_invite) + sizeof(int);

// An enum argument or field: `value` must be one of [lo, hi]; the message names the field and the
// accepted constants, so a caller sees at once which number was wrong.
template <typename E>
E enum_value(int value, int lo, int hi, const char *what, const char *names) {
    if (value < lo || value > hi)
        core::fail(Code::invalid_argument, std::string(what) + " must be " + names + ", got " + std::to_string(value));
    return static_cast<E>(value);
}

policy::SsoMode sso_mode_of(int v, const char *what) {
    return enum_value<policy::SsoMode>(v, SSOGATE_SSO_MODE_MIXED, SSOGATE_SSO_MODE_ENFORCED, what,
                                       "SSOGATE_SSO_MODE_MIXED or _ENFORCED");
}

policy::Role role_of(int v, const char *what) {
    return enum_value<policy::Role>(v, SSOGATE_ROLE_OWNER, SSOGATE_ROLE_MEMBER, what,
                                    "SSOGATE_ROLE_OWNER, _ADMIN or _MEMBER");
}

policy::MemberStatus status_of(int v, const char *what) {
    return enum_value<policy::MemberStatus>(v, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE,
                                            SSOGATE_POLICY_MEMBER_STATUS_DISABLED, what,
                                            "SSOGATE_POLICY_MEMBER_STATUS_ACTIVE or _DISABLED");
}

// A fact struct is required: unlike options, a missing fact is a caller bug, not "use the defaults"
// (a default member or connection would silently decide for someone the caller knows nothing about).
template <typename Struct>
const Struct &required(const Struct *s, std::size_t v1_size, const char *fn, const char *param, const char *type) {
    if (s == nullptr) core::fail(Code::invalid_argument, std::string(fn) + ": " + param + " is NULL");
    ssogate::capi::require_struct_size(s->struct_size, v1_size, type);
    return *s;
}

policy::AccountSettings account_of(const ssogate_policy_account *a, const char *fn) {
    const auto &s = required(a, account_v1_size, fn, "account", "ssogate_policy_account");
    policy::AccountSettings out;
    out.sso_mode = sso_mode_of(s.sso_mode, "ssogate_policy_account.sso_mode");
    return out;
}

policy::DirectoryFacts facts_of(const ssogate_policy_facts *f, const char *fn) {
    const auto &s = required(f, facts_v1_size, fn, "facts", "ssogate_policy_facts");
    policy::DirectoryFacts out;
    // Any non-zero flag is true, as C callers expect. The enums are checked even for a non-member:
    // an out-of-range number is a bug in the caller's mapping either way.
    out.member.is_member = s.is_member != 0;
    out.member.status = status_of(s.member_status, "ssogate_policy_facts.member_status");
    out.member.role = role_of(s.role, "ssogate_policy_facts.role");
    out.member.joined_via =
        enum_value<policy::JoinedVia>(s.joined_via, SSOGATE_POLICY_JOINED_VIA_PASSWORD, SSOGATE_POLICY_JOINED_VIA_SSO,
                                      "ssogate_policy_facts.joined_via", "SSOGATE_POLICY_JOINED_VIA_PASSWORD or _SSO");
    out.member.has_password = s.has_password != 0;
    out.member.sso_linked = s.sso_linked != 0;
    out.has_pending_invite = s.has_pending_invite != 0;
    return out;
}

}  // namespace

void ssogate_policy_account_init(ssogate_policy_account *account, size_t size) noexcept {
    ssogate::capi::init_options(account, size, [](ssogate_policy_account *a) {
        if (SSOGATE_CAPI_COVERS(a, sso_mode)) a->sso_mode = SSOGATE_SSO_MODE_MIXED;
    });
}

void ssogate_policy_connection_init(ssogate_policy_connection *connection, size_t size) noexcept {
    ssogate::capi::init_options(connection, size, [](ssogate_policy_connection *c) {
        if (SSOGATE_CAPI_COVERS(c, enabled)) c->enabled = 1;
    });
}

void ssogate_policy_facts_init(ssogate_policy_facts *facts, size_t size) noexcept {
    ssogate::capi::init_options(facts, size, [](ssogate_policy_facts *f) {
        if (SSOGATE_CAPI_COVERS(f, member_status)) f->member_status = SSOGATE_POLICY_MEMBER_STATUS_ACTIVE;
        if (SSOGATE_CAPI_COVERS(f, role)) f->role = SSOGATE_ROLE_MEMBER;
        if (SSOGATE_CAPI_COVERS(f, joined_via)) f->joined_via = SSOGATE_POLICY_JOINED_VIA_PASSWORD;
    });
}

ssogate_sso_decision *ssogate_policy_decide_sso_login(const ssogate_policy_account *account,
                                                      const char *verified_domains, size_t verified_domains_len,
                                                      const ssogate_policy_connection *connection,
                                                      const char *connection_id, size_t connection_id_len,
                                                      const char *allowed_domains, size_t allowed_domains_len,
                                                      const ssogate_policy_facts *facts, const char *email,
                                                      size_t email_len, int unsolicited, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        constexpr const char *fn = "ssogate_policy_decide_sso_login";
        policy::AccountSettings a = account_of(account, fn);
        a.verified_domains =
            ssogate::capi::split_list(ssogate::capi::input(verified_domains, verified_domains_len, "verified_domains"));
        const auto &cs = required(connection, connection_v1_size, fn, "connection", "ssogate_policy_connection");
        policy::ConnectionFacts c;
        c.id = std::string(ssogate::capi::input(connection_id, connection_id_len, "connection_id"));
        c.enabled = cs.enabled != 0;
        c.jit_provisioning = cs.jit_provisioning != 0;
        c.allow_idp_initiated = cs.allow_idp_initiated != 0;
        c.allowed_domains =
            ssogate::capi::split_list(ssogate::capi::input(allowed_domains, allowed_domains_len, "allowed_domains"));
        const policy::DirectoryFacts f = facts_of(facts, fn);
        const policy::SsoLoginInput in{ssogate::capi::input(email, email_len, "email"), unsolicited != 0};
        return new ssogate_sso_decision{policy::decide_sso_login(a, c, f, in)};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_sso_decision_free(ssogate_sso_decision *d) noexcept { delete d; }

int ssogate_sso_decision_outcome(const ssogate_sso_decision *d) noexcept {
    return d == nullptr ? SSOGATE_SSO_OUTCOME_DENY : static_cast<int>(d->d.outcome);
}

int ssogate_sso_decision_reason(const ssogate_sso_decision *d) noexcept {
    return d == nullptr ? SSOGATE_REASON_NONE : static_cast<int>(d->d.reason);
}

int ssogate_sso_decision_link_identity(const ssogate_sso_decision *d) noexcept {
    return d != nullptr && d->d.link_identity ? 1 : 0;
}

const char *ssogate_sso_decision_detail(const ssogate_sso_decision *d) noexcept {
    return d == nullptr ? nullptr : d->d.detail.c_str();
}

ssogate_password_decision *ssogate_policy_decide_password_login(const ssogate_policy_account *account,
                                                                const char *break_glass, size_t break_glass_len,
                                                                const ssogate_policy_facts *facts, const char *email,
                                                                size_t email_len, const char *sso_connection_id,
                                                                size_t sso_connection_id_len,
                                                                ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){constexpr const char *fn = "ssogate_policy_decide_password_login";
policy::AccountSettings a = account_of(account, fn);
a.break_glass = ssogate::capi::split_list(ssogate::capi::input(break_glass, break_glass_len, "break_glass"));
const policy::DirectoryFacts f = facts_of(facts, fn);
return new ssogate_password_decision{
    policy::decide_password_login(a, f.member, ssogate::capi::input(email, email_len, "email"),
                                  ssogate::capi::input(sso_connection_id, sso_connection_id_len, "sso_connection_id"))};
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_invite_decision *ssogate_policy_decide_invite_acceptance(const ssogate_policy_account *account,
                                                                 const char *invited_email, size_t invited_email_len,
                                                                 int method, const char *sso_email,
                                                                 size_t sso_email_len, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        const policy::AccountSettings a = account_of(account, "ssogate_policy_decide_invite_acceptance");
        const auto m = enum_value<policy::InviteMethod>(method, SSOGATE_POLICY_INVITE_METHOD_PASSWORD,
                                                        SSOGATE_POLICY_INVITE_METHOD_SSO, "method",
                                                        "SSOGATE_POLICY_INVITE_METHOD_PASSWORD or _SSO");
        const auto invited = ssogate::capi::input(invited_email, invited_email_len, "invited_email");
        if (invited.empty())
            core::fail(Code::invalid_argument, "ssogate_policy_decide_invite_acceptance: invited_email is empty");
        return new ssogate_invite_decision{policy::decide_invite_acceptance(
            a, invited, m, ssogate::capi::input(sso_email, sso_email_len, "sso_email"))};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_invite_decision_free(ssogate_invite_decision *d) noexcept { delete d; }

int ssogate_invite_decision_allowed(const ssogate_invite_decision *d) noexcept {
    return d != nullptr && d->d.allowed ? 1 : 0;
}

int ssogate_invite_decision_reason(const ssogate_invite_decision *d) noexcept {
    return d == nullptr ? SSOGATE_REASON_NONE : static_cast<int>(d->d.reason);
}

const char *ssogate_invite_decision_detail(const ssogate_invite_decision *d) noexcept {
    return d == nullptr ? nullptr : d->d.detail.c_str();
}

ssogate_policy_members *ssogate_policy_members_new(void) noexcept {
    return new (std::nothrow) ssogate_policy_members();
}

void ssogate_policy_members_free(ssogate_policy_members *members) noexcept { delete members; }

int ssogate_policy_members_add(ssogate_policy_members *members, const char *email, size_t email_len, int role,
                               int status, int sso_linked, ssogate_error *err) noexcept {
    ssogate_error local;
    ssogate_error *e = err != nullptr ? err : &local;
    SSOGATE_CAPI_BEGIN(e) {
        if (members == nullptr) core::fail(Code::invalid_argument, "ssogate_policy_members_add: members is NULL");
        policy::MemberSummary m;
        m.email = std::string(ssogate::capi::input(email, email_len, "email"));
        if (m.email.empty()) core::fail(Code::invalid_argument, "ssogate_policy_members_add: email is empty");
        m.role = role_of(role, "role");
        m.status = status_of(status, "status");
        m.sso_linked = sso_linked != 0;
        members->list.push_back(std::move(m));
        return SSOGATE_OK;
    }
    SSOGATE_CAPI_END(e, e->code)
}

ssogate_enforcement *ssogate_policy_preview_enforcement(const ssogate_policy_account *account, const char *break_glass,
                                                        size_t break_glass_len, const ssogate_policy_members *members,
                                                        int has_enabled_connection, int force,
                                                        ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        policy::AccountSettings a = account_of(account, "ssogate_policy_preview_enforcement");
        a.break_glass = ssogate::capi::split_list(ssogate::capi::input(break_glass, break_glass_len, "break_glass"));
        static const std::vector<policy::MemberSummary> none;
        const auto &list = members == nullptr ? none : members->list;
        auto h = std::make_unique<ssogate_enforcement>();
        h->p = policy::preview_enforcement(a, list, has_enabled_connection != 0, force != 0);
        h->mode = a.sso_mode;
        return h.release();
    }
    SSOGATE_CAPI_END(err, nullptr)
}
