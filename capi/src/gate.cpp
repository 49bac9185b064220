// Section 9 of ssogate.h: the gate (core::gate::Gate) and its result handles.
#include "internal.hpp"

#include "gate/gate.hpp"
#include "policy/policy.hpp"
#include "policy_handles.hpp"
#include "store/open.hpp"
#include "util/email.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace core = ssogate::core;
using core::Code;

// The gate, plus the ssogate_connection handles that ssogate_gate_begin_sp_login lends to
// ssogate_sp_login_begin (section 8 owns the request handle; building it through that entry point keeps
// one implementation of the options and the handle). Each is made once per cached core connection.
struct ssogate_gate {
    std::shared_ptr<core::gate::Gate> g;
    std::int64_t frozen_now = 0;
    ssogate_metadata_event_fn on_event = nullptr;  // set before the gate is shared (documented)
    void *on_event_data = nullptr;
    std::mutex handles_mu;
    std::map<std::string, std::shared_ptr<const ssogate_connection>, std::less<>> handles;
};

struct ssogate_invite {
    std::string token;
    std::string email;
    std::int64_t expires_at = 0;
};

// The outcome with its login in the section 6 handle shape, so ssogate_gate_outcome_verified_login can lend it.
struct ssogate_gate_outcome {
    core::gate::Outcome o;
    ssogate_verified_login login;
};

struct ssogate_audit {
    std::vector<core::store::AuditEntry> rows;
};

struct ssogate_member {
    core::store::Member m;
};

struct ssogate_member_list {
    std::vector<ssogate_member> members;
};

static_assert(SSOGATE_POLICY_MEMBER_STATUS_DISABLED == static_cast<int>(core::policy::MemberStatus::disabled));
static_assert(SSOGATE_POLICY_JOINED_VIA_SSO == static_cast<int>(core::policy::JoinedVia::sso));

static_assert(SSOGATE_GATE_OUTCOME_LOGIN == static_cast<int>(core::gate::OutcomeKind::login));
static_assert(SSOGATE_GATE_OUTCOME_PROMPT_JOIN == static_cast<int>(core::gate::OutcomeKind::prompt_join));
static_assert(SSOGATE_GATE_OUTCOME_JOINED_BY_INVITE == static_cast<int>(core::gate::OutcomeKind::joined_by_invite));
static_assert(SSOGATE_GATE_OUTCOME_DENIED == static_cast<int>(core::gate::OutcomeKind::denied));
static_assert(SSOGATE_SSO_MODE_ENFORCED == static_cast<int>(core::policy::SsoMode::enforced));
static_assert(SSOGATE_ROLE_MEMBER == static_cast<int>(core::policy::Role::member));
static_assert(SSOGATE_REASON_MEMBER_LOGIN == static_cast<int>(core::policy::Reason::member_login));
static_assert(SSOGATE_REASON_JIT_NO_DOMAINS == static_cast<int>(core::policy::Reason::jit_no_domains));
static_assert(SSOGATE_REASON_SSO_ONLY_MEMBER == static_cast<int>(core::policy::Reason::sso_only_member));
static_assert(SSOGATE_REASON_INVITE_EMAIL_MISMATCH == static_cast<int>(core::policy::Reason::invite_email_mismatch));
static_assert(SSOGATE_REASON_NO_ENABLED_CONNECTION == static_cast<int>(core::policy::Reason::no_enabled_connection));

namespace {

// The first published ssogate_gate_options: struct_size, now, join_token_ttl_seconds, max_response_bytes.
constexpr std::size_t gate_options_v1_size = offsetof(ssogate_gate_options, max_response_bytes) + sizeof(std::uint64_t);

// ssogate_gate_options -> the core's, shared by ssogate_gate_open and ssogate_gate_new; `frozen`
// receives opts->now (0 = the system clock).
core::gate::GateOptions gate_options(const ssogate_gate_options *opts, std::int64_t &frozen) {
    core::gate::GateOptions o;
    frozen = 0;
    if (opts != nullptr) {
        ssogate::capi::require_struct_size(opts->struct_size, gate_options_v1_size, "ssogate_gate_options");
        if (opts->now < 0) core::fail(Code::invalid_argument, "ssogate_gate_options.now is negative");
        if (opts->join_token_ttl_seconds < 0)
            core::fail(Code::invalid_argument, "ssogate_gate_options.join_token_ttl_seconds is negative");
        frozen = opts->now;
        if (frozen != 0) {
            const std::int64_t now = frozen;
            o.clock = [now] { return now; };
        }
        if (opts->join_token_ttl_seconds != 0) o.join_token_ttl_seconds = opts->join_token_ttl_seconds;
        if (opts->max_response_bytes != 0) o.max_response_bytes = static_cast<std::size_t>(opts->max_response_bytes);
        if (SSOGATE_CAPI_COVERS(opts, migrate_on_open)) {
            if (opts->migrate_on_open > 1)
                core::fail(Code::invalid_argument, "ssogate_gate_options.migrate_on_open must be 0 or 1");
            o.stores.migrate_on_open = opts->migrate_on_open == 1;
        }
    }
    return o;
}

core::gate::Gate &require(ssogate_gate *gate, const char *fn) {
    if (gate == nullptr) core::fail(Code::invalid_argument, std::string(fn) + ": gate is NULL");
    return *gate->g;
}

core::policy::Role role_of(int role) {
    if (role < SSOGATE_ROLE_OWNER || role > SSOGATE_ROLE_MEMBER)
        core::fail(Code::invalid_argument,
                   "role must be SSOGATE_ROLE_OWNER, _ADMIN or _MEMBER, got " + std::to_string(role));
    return static_cast<core::policy::Role>(role);
}

using ssogate::capi::split_list;  // policy_handles.hpp, shared with the pure policy

// The admin calls' shared shape: run, and return the code (also recorded in a local error object
// when the caller passed none).
template <typename Body>
int admin_call(ssogate_error *err, Body body) noexcept {
    ssogate_error local;
    ssogate_error *e = err != nullptr ? err : &local;
    SSOGATE_CAPI_BEGIN(e) {
        body();
        return SSOGATE_OK;
    }
    SSOGATE_CAPI_END(e, e->code)
}

const core::store::AuditEntry *row(const ssogate_audit *a, size_t i) noexcept {
    return a == nullptr || i >= a->rows.size() ? nullptr : &a->rows[i];
}

// The first published ssogate_audit_query ends with limit.
constexpr std::size_t audit_query_v1_size = offsetof(ssogate_audit_query, limit) + sizeof(size_t);

core::store::AuditQuery audit_query_of(const ssogate_audit_query *q) {
    if (q == nullptr) core::fail(Code::invalid_argument, "ssogate_gate_query_audit: q is NULL");
    ssogate::capi::require_struct_size(q->struct_size, audit_query_v1_size, "ssogate_audit_query");
    core::store::AuditQuery out;
    out.account_id = ssogate::capi::input(q->account_id, q->account_id_len, "account_id");
    out.email = ssogate::capi::input(q->email, q->email_len, "email");
    out.outcomes = split_list(ssogate::capi::input(q->outcomes, q->outcomes_len, "outcomes"));
    out.reasons = split_list(ssogate::capi::input(q->reasons, q->reasons_len, "reasons"));
    out.after_seq = q->after_seq;
    out.before_seq = q->before_seq;
    out.since = q->since;
    out.until = q->until;
    out.newest_first = q->newest_first != 0;
    out.limit = q->limit;
    return out;
}

const char *item(const std::vector<std::string> *list, size_t i) noexcept {
    return list == nullptr || i >= list->size() ? nullptr : (*list)[i].c_str();
}

}  // namespace

const char *ssogate_reason_name(int reason) noexcept {
    return core::policy::reason_name(static_cast<core::policy::Reason>(reason));
}

const char *ssogate_reason_text(int reason) noexcept {
    return core::policy::reason_text(static_cast<core::policy::Reason>(reason));
}

void ssogate_gate_options_init(ssogate_gate_options *opts, size_t size) noexcept {
    ssogate::capi::init_options(opts, size, [](ssogate_gate_options *) {
        // Every field's default is 0 ("the library's default"), already written by init_options.
    });
}

ssogate_gate *ssogate_gate_open(const char *location, size_t location_len, const char *shared_location,
                                size_t shared_location_len, const ssogate_gate_options *opts,
                                ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        const auto loc = ssogate::capi::input(location, location_len, "location");
        const auto shared = ssogate::capi::input(shared_location, shared_location_len, "shared_location");
        std::int64_t frozen = 0;
        auto o = gate_options(opts, frozen);
        auto g = core::gate::Gate::open(loc, shared, std::move(o));
        auto *h = new ssogate_gate();
        h->g = std::move(g);
        h->frozen_now = frozen;
        return h;
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_gate_free(ssogate_gate *gate) noexcept { delete gate; }

ssogate_gate *ssogate_gate_new(ssogate_directory *directory, ssogate_replay_cache *replay,
                               ssogate_request_store *requests, const ssogate_gate_options *opts,
                               ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        if (directory == nullptr || replay == nullptr || requests == nullptr)
            core::fail(Code::invalid_argument, std::string("ssogate_gate_new: ") +
                                                   (directory == nullptr ? "directory"
                                                    : replay == nullptr  ? "replay"
                                                                         : "requests") +
                                                   " is NULL");
        std::int64_t frozen = 0;
        auto o = gate_options(opts, frozen);
        // The gate takes its own references: the caller's handles may be freed right after.
        core::store::Stores stores{directory->p, replay->p, requests->p};
        auto *h = new ssogate_gate();
        std::unique_ptr<ssogate_gate> guard(h);
        h->g = std::make_shared<core::gate::Gate>(std::move(stores), std::move(o));
        h->frozen_now = frozen;
        return guard.release();
    }
    SSOGATE_CAPI_END(err, nullptr)
}

int ssogate_gate_create_account(ssogate_gate *gate, const char *account_id, size_t account_id_len, const char *name,
                                size_t name_len, const char *verified_domains, size_t verified_domains_len,
                                ssogate_error *err) noexcept {
    return admin_call(err, [&] {
        auto &g = require(gate, "ssogate_gate_create_account");
        g.create_account(ssogate::capi::input(account_id, account_id_len, "account_id"),
                         ssogate::capi::input(name, name_len, "name"),
                         split_list(ssogate::capi::input(verified_domains, verified_domains_len, "verified_domains")));
    });
}

int ssogate_gate_add_break_glass(ssogate_gate *gate, const char *account_id, size_t account_id_len, const char *email,
                                 size_t email_len, ssogate_error *err) noexcept {
    return admin_call(err, [&] {
        require(gate, "ssogate_gate_add_break_glass")
            .add_break_glass(ssogate::capi::input(account_id, account_id_len, "account_id"),
                             ssogate::capi::input(email, email_len, "email"));
    });
}

int ssogate_gate_add_connection(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                const ssogate_connection *conn, int enabled, ssogate_error *err) noexcept {
    return admin_call(err, [&] {
        auto &g = require(gate, "ssogate_gate_add_connection");
        if (conn == nullptr) core::fail(Code::invalid_argument, "ssogate_gate_add_connection: conn is NULL");
        g.add_connection(ssogate::capi::input(account_id, account_id_len, "account_id"), conn->p, enabled != 0);
    });
}

int ssogate_gate_set_connection_enabled(ssogate_gate *gate, const char *connection_id, size_t connection_id_len,
                                        int enabled, ssogate_error *err) noexcept {
    return admin_call(err, [&] {
        require(gate, "ssogate_gate_set_connection_enabled")
            .set_connection_enabled(ssogate::capi::input(connection_id, connection_id_len, "connection_id"),
                                    enabled != 0);
    });
}

int ssogate_gate_add_decryption_key(ssogate_gate *gate, const ssogate_sp_key *key, ssogate_error *err) noexcept {
    return admin_call(err, [&] {
        auto &g = require(gate, "ssogate_gate_add_decryption_key");
        if (key == nullptr) core::fail(Code::invalid_argument, "ssogate_gate_add_decryption_key: key is NULL");
        g.add_decryption_key(key->p);
    });
}

int ssogate_gate_add_member(ssogate_gate *gate, const char *account_id, size_t account_id_len, const char *email,
                            size_t email_len, int role, int has_password, ssogate_error *err) noexcept {
    return admin_call(err, [&] {
        require(gate, "ssogate_gate_add_member")
            .add_member(ssogate::capi::input(account_id, account_id_len, "account_id"),
                        ssogate::capi::input(email, email_len, "email"), role_of(role), has_password != 0);
    });
}

int ssogate_gate_remove_member(ssogate_gate *gate, const char *account_id, size_t account_id_len, const char *email,
                               size_t email_len, ssogate_error *err) noexcept {
    return admin_call(err, [&] {
        require(gate, "ssogate_gate_remove_member")
            .remove_member(ssogate::capi::input(account_id, account_id_len, "account_id"),
                           ssogate::capi::input(email, email_len, "email"));
    });
}

ssogate_invite *ssogate_gate_invite(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                    const char *email, size_t email_len, int role, int64_t ttl_seconds,
                                    ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        auto &g = require(gate, "ssogate_gate_invite");
        const auto account = ssogate::capi::input(account_id, account_id_len, "account_id");
        const auto address = ssogate::capi::input(email, email_len, "email");
        const auto inv = g.invite(account, address, role_of(role), ttl_seconds);
        return new ssogate_invite{inv.token, inv.email, inv.expires_at};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_invite_free(ssogate_invite *invite) noexcept { delete invite; }

const char *ssogate_invite_token(const ssogate_invite *invite) noexcept {
    return invite == nullptr ? nullptr : invite->token.c_str();
}

const char *ssogate_invite_email(const ssogate_invite *invite) noexcept {
    return invite == nullptr ? nullptr : invite->email.c_str();
}

int64_t ssogate_invite_expires_at(const ssogate_invite *invite) noexcept {
    return invite == nullptr ? 0 : invite->expires_at;
}

ssogate_enforcement *ssogate_gate_preview_enforcement(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                                      ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){auto &g = require(gate, "ssogate_gate_preview_enforcement");
const auto account = ssogate::capi::input(account_id, account_id_len, "account_id");
auto *e = new ssogate_enforcement();
std::unique_ptr<ssogate_enforcement> guard(e);
e->p = g.preview_enforcement(account);
const auto a = g.find_account(account);
e->mode = a ? a->sso_mode : core::policy::SsoMode::mixed;
return guard.release();
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_enforcement *ssogate_gate_apply_sso_mode(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                                 int mode, int force, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        auto &g = require(gate, "ssogate_gate_apply_sso_mode");
        if (mode != SSOGATE_SSO_MODE_MIXED && mode != SSOGATE_SSO_MODE_ENFORCED)
            core::fail(Code::invalid_argument,
                       "mode must be SSOGATE_SSO_MODE_MIXED or _ENFORCED, got " + std::to_string(mode));
        const auto change = g.set_sso_mode(ssogate::capi::input(account_id, account_id_len, "account_id"),
                                           static_cast<core::policy::SsoMode>(mode), force != 0);
        return new ssogate_enforcement{change.preview, change.applied, change.mode};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_enforcement_free(ssogate_enforcement *e) noexcept { delete e; }

int ssogate_enforcement_allowed(const ssogate_enforcement *e) noexcept { return e != nullptr && e->p.allowed ? 1 : 0; }

int ssogate_enforcement_applied(const ssogate_enforcement *e) noexcept { return e != nullptr && e->applied ? 1 : 0; }

int ssogate_enforcement_mode(const ssogate_enforcement *e) noexcept {
    return e == nullptr ? SSOGATE_SSO_MODE_MIXED : static_cast<int>(e->mode);
}

int ssogate_enforcement_reason(const ssogate_enforcement *e) noexcept {
    return e == nullptr ? SSOGATE_REASON_NONE : static_cast<int>(e->p.reason);
}

const char *ssogate_enforcement_detail(const ssogate_enforcement *e) noexcept {
    return e == nullptr ? nullptr : e->p.detail.c_str();
}

size_t ssogate_enforcement_losing_access_count(const ssogate_enforcement *e) noexcept {
    return e == nullptr ? 0 : e->p.losing_access.size();
}

const char *ssogate_enforcement_losing_access(const ssogate_enforcement *e, size_t i) noexcept {
    return item(e == nullptr ? nullptr : &e->p.losing_access, i);
}

size_t ssogate_enforcement_break_glass_count(const ssogate_enforcement *e) noexcept {
    return e == nullptr ? 0 : e->p.break_glass_kept.size();
}

const char *ssogate_enforcement_break_glass(const ssogate_enforcement *e, size_t i) noexcept {
    return item(e == nullptr ? nullptr : &e->p.break_glass_kept, i);
}

ssogate_sp_login_request *ssogate_gate_begin_sp_login(
    ssogate_gate *gate, const char *connection_id, size_t connection_id_len, const char *return_to,
    size_t return_to_len, const ssogate_sp_key *sp_key, const ssogate_sp_login_options *opts,
    ssogate_error *err) noexcept {SSOGATE_CAPI_BEGIN(err){auto &g = require(gate, "ssogate_gate_begin_sp_login");
const auto id = ssogate::capi::input(connection_id, connection_id_len, "connection_id");
const auto conn = g.connection(id);  // not_found for an unknown id; the gate's cached object
std::shared_ptr<const ssogate_connection> handle;
{
    std::lock_guard lock(gate->handles_mu);
    auto it = gate->handles.find(id);
    if (it == gate->handles.end() || it->second->p != conn) {
        // New, or saved again with other settings since: a handle for the current version.
        it = gate->handles.insert_or_assign(std::string(id), std::make_shared<const ssogate_connection>(conn)).first;
    }
    handle = it->second;  // our own reference: a concurrent replacement cannot free it under us
}
ssogate_sp_login_options o;
ssogate_sp_login_options_init(&o, sizeof o);
if (opts != nullptr) {
    // What the caller's struct covers, no more; ssogate_sp_login_begin checks the size as usual.
    const std::size_t n = std::min<std::size_t>(sizeof o, opts->struct_size);
    std::memcpy(static_cast<void *>(&o), opts, n);
    o.struct_size = static_cast<std::uint32_t>(n);
}
if (o.struct_size >= offsetof(ssogate_sp_login_options, now) + sizeof o.now && o.now == 0) {
    o.now = gate->frozen_now;
}
ssogate_request_store store{g.stores().pending};
return ssogate_sp_login_begin(handle.get(), &store, return_to, return_to_len, sp_key, &o, err);
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_gate_outcome *ssogate_gate_consume(ssogate_gate *gate, const char *connection_id, size_t connection_id_len,
                                           const char *saml_response, size_t saml_response_len, const char *relay_state,
                                           size_t relay_state_len, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        auto &g = require(gate, "ssogate_gate_consume");
        const auto id = ssogate::capi::input(connection_id, connection_id_len, "connection_id");
        const auto response = ssogate::capi::input(saml_response, saml_response_len, "saml_response");
        const auto relay = ssogate::capi::input(relay_state, relay_state_len, "relay_state");
        auto *out = new ssogate_gate_outcome();
        std::unique_ptr<ssogate_gate_outcome> guard(out);
        out->o = g.consume(id, response, relay);
        if (out->o.login) {
            out->login.v = std::move(*out->o.login);
            out->o.login.reset();
            out->login.return_to = out->o.return_to;
        }
        return guard.release();
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_gate_outcome_free(ssogate_gate_outcome *outcome) noexcept { delete outcome; }

int ssogate_gate_outcome_kind(const ssogate_gate_outcome *outcome) noexcept {
    return outcome == nullptr ? SSOGATE_GATE_OUTCOME_DENIED : static_cast<int>(outcome->o.kind);
}

int ssogate_gate_outcome_reason(const ssogate_gate_outcome *outcome) noexcept {
    return outcome == nullptr || !outcome->o.policy_reason ? SSOGATE_REASON_NONE
                                                           : static_cast<int>(*outcome->o.policy_reason);
}

const char *ssogate_gate_outcome_reason_name(const ssogate_gate_outcome *outcome) noexcept {
    return outcome == nullptr ? nullptr : outcome->o.reason.c_str();
}

const char *ssogate_gate_outcome_reason_text(const ssogate_gate_outcome *outcome) noexcept {
    return outcome == nullptr ? nullptr : outcome->o.reason_text.c_str();
}

const char *ssogate_gate_outcome_user_message(const ssogate_gate_outcome *outcome) noexcept {
    return outcome == nullptr ? nullptr : outcome->o.user_message.c_str();
}

int ssogate_gate_outcome_error_code(const ssogate_gate_outcome *outcome) noexcept {
    return outcome == nullptr ? SSOGATE_INVALID_ARGUMENT : static_cast<int>(outcome->o.error);
}

int ssogate_gate_outcome_signature_verified(const ssogate_gate_outcome *outcome) noexcept {
    return outcome != nullptr && outcome->o.signature_verified ? 1 : 0;
}

const char *ssogate_gate_outcome_email(const ssogate_gate_outcome *outcome) noexcept {
    return outcome == nullptr ? nullptr : outcome->o.email.c_str();
}

const char *ssogate_gate_outcome_account_id(const ssogate_gate_outcome *outcome) noexcept {
    return outcome == nullptr ? nullptr : outcome->o.account_id.c_str();
}

const char *ssogate_gate_outcome_connection_id(const ssogate_gate_outcome *outcome) noexcept {
    return outcome == nullptr ? nullptr : outcome->o.connection_id.c_str();
}

const char *ssogate_gate_outcome_join_token(const ssogate_gate_outcome *outcome) noexcept {
    return outcome == nullptr ? nullptr : outcome->o.join_token.c_str();
}

const char *ssogate_gate_outcome_return_to(const ssogate_gate_outcome *outcome) noexcept {
    return outcome == nullptr ? nullptr : outcome->o.return_to.c_str();
}

const ssogate_verified_login *ssogate_gate_outcome_verified_login(const ssogate_gate_outcome *outcome) noexcept {
    return outcome != nullptr && outcome->o.accepted() ? &outcome->login : nullptr;
}

int ssogate_gate_confirm_join(ssogate_gate *gate, const char *join_token, size_t join_token_len,
                              ssogate_error *err) noexcept {
    return admin_call(err, [&] {
        (void)require(gate, "ssogate_gate_confirm_join")
            .confirm_join(ssogate::capi::input(join_token, join_token_len, "join_token"));
    });
}

ssogate_password_decision *ssogate_gate_decide_password_login(ssogate_gate *gate, const char *account_id,
                                                              size_t account_id_len, const char *email,
                                                              size_t email_len, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        auto &g = require(gate, "ssogate_gate_decide_password_login");
        return new ssogate_password_decision{
            g.password_login_allowed(ssogate::capi::input(account_id, account_id_len, "account_id"),
                                     ssogate::capi::input(email, email_len, "email"))};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_password_decision_free(ssogate_password_decision *d) noexcept { delete d; }

int ssogate_password_decision_allowed(const ssogate_password_decision *d) noexcept {
    return d != nullptr && d->d.allowed ? 1 : 0;
}

int ssogate_password_decision_reason(const ssogate_password_decision *d) noexcept {
    return d == nullptr ? SSOGATE_REASON_NONE : static_cast<int>(d->d.reason);
}

const char *ssogate_password_decision_connection_id(const ssogate_password_decision *d) noexcept {
    return d == nullptr ? nullptr : d->d.sso_connection_id.c_str();
}

ssogate_audit *ssogate_gate_read_audit(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                       int64_t after_seq, size_t limit, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        auto &g = require(gate, "ssogate_gate_read_audit");
        return new ssogate_audit{g.read_audit(ssogate::capi::input(account_id, account_id_len, "account_id"), after_seq,
                                              limit == 0 ? 1000 : limit)};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_audit_free(ssogate_audit *audit) noexcept { delete audit; }

size_t ssogate_audit_count(const ssogate_audit *audit) noexcept { return audit == nullptr ? 0 : audit->rows.size(); }

int64_t ssogate_audit_seq(const ssogate_audit *audit, size_t i) noexcept {
    const auto *r = row(audit, i);
    return r == nullptr ? 0 : r->seq;
}

int64_t ssogate_audit_time(const ssogate_audit *audit, size_t i) noexcept {
    const auto *r = row(audit, i);
    return r == nullptr ? 0 : r->time;
}

const char *ssogate_audit_account_id(const ssogate_audit *audit, size_t i) noexcept {
    const auto *r = row(audit, i);
    return r == nullptr ? nullptr : r->account_id.c_str();
}

const char *ssogate_audit_connection_id(const ssogate_audit *audit, size_t i) noexcept {
    const auto *r = row(audit, i);
    return r == nullptr ? nullptr : r->connection_id.c_str();
}

const char *ssogate_audit_email(const ssogate_audit *audit, size_t i) noexcept {
    const auto *r = row(audit, i);
    return r == nullptr ? nullptr : r->email.c_str();
}

const char *ssogate_audit_outcome(const ssogate_audit *audit, size_t i) noexcept {
    const auto *r = row(audit, i);
    return r == nullptr ? nullptr : r->outcome.c_str();
}

const char *ssogate_audit_reason(const ssogate_audit *audit, size_t i) noexcept {
    const auto *r = row(audit, i);
    return r == nullptr ? nullptr : r->reason.c_str();
}

const char *ssogate_audit_detail(const ssogate_audit *audit, size_t i) noexcept {
    const auto *r = row(audit, i);
    return r == nullptr ? nullptr : r->detail.c_str();
}

void ssogate_audit_query_init(ssogate_audit_query *q, size_t size) noexcept {
    ssogate::capi::init_options(q, size, [](ssogate_audit_query *) {
        // Every field's default is 0 or NULL (no filter, oldest first, limit 1000).
    });
}

ssogate_audit *ssogate_gate_query_audit(ssogate_gate *gate, const ssogate_audit_query *q, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){auto &g = require(gate, "ssogate_gate_query_audit");
return new ssogate_audit{g.query_audit(audit_query_of(q))};
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_member *ssogate_gate_confirm_join_member(ssogate_gate *gate, const char *join_token, size_t join_token_len,
                                                 ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err){auto &g = require(gate, "ssogate_gate_confirm_join_member");
return new ssogate_member{g.confirm_join(ssogate::capi::input(join_token, join_token_len, "join_token"))};
}
SSOGATE_CAPI_END(err, nullptr)
}

ssogate_member *ssogate_gate_find_member(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                         const char *email, size_t email_len, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        auto &g = require(gate, "ssogate_gate_find_member");
        const std::string account(ssogate::capi::input(account_id, account_id_len, "account_id"));
        const std::string address(ssogate::capi::input(email, email_len, "email"));
        auto m = g.find_member(account, core::util::normalize_email(address));
        if (!m) core::fail(Code::not_found, "no member " + address + " in account " + account);
        return new ssogate_member{std::move(*m)};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_member_free(ssogate_member *member) noexcept { delete member; }

const char *ssogate_member_account_id(const ssogate_member *member) noexcept {
    return member == nullptr ? "" : member->m.account_id.c_str();
}

const char *ssogate_member_email(const ssogate_member *member) noexcept {
    return member == nullptr ? "" : member->m.email.c_str();
}

int ssogate_member_role(const ssogate_member *member) noexcept {
    return member == nullptr ? SSOGATE_ROLE_MEMBER : static_cast<int>(member->m.role);
}

int ssogate_member_status(const ssogate_member *member) noexcept {
    return member == nullptr ? SSOGATE_POLICY_MEMBER_STATUS_ACTIVE : static_cast<int>(member->m.status);
}

int ssogate_member_joined_via(const ssogate_member *member) noexcept {
    return member == nullptr ? SSOGATE_POLICY_JOINED_VIA_PASSWORD : static_cast<int>(member->m.joined_via);
}

int ssogate_member_has_password(const ssogate_member *member) noexcept {
    return member != nullptr && member->m.has_password ? 1 : 0;
}

int ssogate_member_sso_linked(const ssogate_member *member) noexcept {
    return member != nullptr && member->m.sso_linked ? 1 : 0;
}

int64_t ssogate_member_last_sso_login(const ssogate_member *member) noexcept {
    return member == nullptr ? 0 : member->m.last_sso_login;
}

int64_t ssogate_member_created_at(const ssogate_member *member) noexcept {
    return member == nullptr ? 0 : member->m.created_at;
}

ssogate_member_list *ssogate_gate_list_members(ssogate_gate *gate, const char *account_id, size_t account_id_len,
                                               ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        auto &g = require(gate, "ssogate_gate_list_members");
        auto list = std::make_unique<ssogate_member_list>();
        for (auto &m : g.list_members(ssogate::capi::input(account_id, account_id_len, "account_id")))
            list->members.push_back(ssogate_member{std::move(m)});
        return list.release();
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_member_list_free(ssogate_member_list *list) noexcept { delete list; }

size_t ssogate_member_list_count(const ssogate_member_list *list) noexcept {
    return list == nullptr ? 0 : list->members.size();
}

const ssogate_member *ssogate_member_list_get(const ssogate_member_list *list, size_t i) noexcept {
    return list == nullptr || i >= list->members.size() ? nullptr : &list->members[i];
}

int ssogate_gate_check_stores(ssogate_gate *gate, ssogate_error *err) noexcept {
    return admin_call(err, [&] { require(gate, "ssogate_gate_check_stores").check_stores(); });
}

int ssogate_db_migrate(const char *location, size_t location_len, int *from_version, int *to_version,
                       ssogate_error *err) noexcept {
    return admin_call(err, [&] {
        const auto m = core::store::migrate_database(ssogate::capi::input(location, location_len, "location"));
        if (from_version != nullptr) *from_version = m.from;
        if (to_version != nullptr) *to_version = m.to;
    });
}

namespace ssogate::capi {
ssogate_refresh *make_refresh(core::RefreshResult r);  // metadata_url.cpp
const ssogate_metadata_event_list *refresh_event_list(const ssogate_refresh *refresh) noexcept;
}  // namespace ssogate::capi

ssogate_refresh *ssogate_gate_refresh_connection(ssogate_gate *gate, const char *connection_id,
                                                 size_t connection_id_len, const ssogate_fetcher *fetcher,
                                                 ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        auto &g = require(gate, "ssogate_gate_refresh_connection");
        core::RefreshOptions o = ssogate::capi::refresh_options(fetcher);
        const std::string id(ssogate::capi::input(connection_id, connection_id_len, "connection_id"));
        ssogate_refresh *r = ssogate::capi::make_refresh(g.refresh_connection(id, o));
        if (gate->on_event != nullptr) {
            const ssogate_metadata_event_list *events = ssogate::capi::refresh_event_list(r);
            for (size_t i = 0; i < ssogate_metadata_event_list_count(events); ++i)
                gate->on_event(gate->on_event_data, id.c_str(), events, i);
        }
        return r;
    }
    SSOGATE_CAPI_END(err, nullptr)
}

int ssogate_gate_set_metadata_event_callback(ssogate_gate *gate, ssogate_metadata_event_fn fn, void *user_data,
                                             ssogate_error *err) noexcept {
    return admin_call(err, [&] {
        (void)require(gate, "ssogate_gate_set_metadata_event_callback");
        gate->on_event = fn;
        gate->on_event_data = fn == nullptr ? nullptr : user_data;
    });
}

ssogate_explanation *ssogate_gate_explain(ssogate_gate *gate, const char *connection_id, size_t connection_id_len,
                                          const char *saml_response, size_t saml_response_len,
                                          const char *pending_request_ids, size_t pending_request_ids_len,
                                          const ssogate_idp *candidate_idp, int64_t now, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        auto &g = require(gate, "ssogate_gate_explain");
        const auto id = ssogate::capi::input(connection_id, connection_id_len, "connection_id");
        const auto response = ssogate::capi::input(saml_response, saml_response_len, "saml_response");
        const auto ids = ssogate::capi::input(pending_request_ids, pending_request_ids_len, "pending_request_ids");
        core::ExplainOptions options;
        options.candidate_metadata = candidate_idp == nullptr ? nullptr : candidate_idp->p.get();
        std::optional<std::int64_t> at;
        if (now != 0) at = now;
        return new ssogate_explanation{g.explain(id, response, ssogate::capi::split_ids(ids), options, at)};
    }
    SSOGATE_CAPI_END(err, nullptr)
}
