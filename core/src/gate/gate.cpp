#include "gate/gate.hpp"

#include "util/email.hpp"
#include "util/encoding.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <new>
#include <utility>

namespace ssogate::core::gate {

namespace {

using util::normalize_email;

constexpr std::size_t kMaxIdLength = 256;

// Why a break-glass name is dropped when its email becomes a member again.
constexpr const char *kNewMembership =
    "a new membership starts without break-glass (the name was left from an earlier membership)";

std::string require_text(std::string_view value, const char *what) {
    if (value.empty()) fail(Code::invalid_argument, std::string(what) + " is empty");
    if (value.size() > kMaxIdLength)
        fail(Code::invalid_argument, std::string(what) + " is " + std::to_string(value.size()) + " bytes; at most " +
                                         std::to_string(kMaxIdLength) + " are accepted");
    return std::string(value);
}

// The email as every store keys it; checked with the verifier's own rule so an admin cannot create a
// member or invite that no verified login could ever match.
std::string require_email(std::string_view email) {
    const std::string e = require_text(email, "email");
    if (!util::is_valid_email(e))
        fail(Code::invalid_argument, "\"" + util::printable(e) + "\" is not a valid email address");
    return normalize_email(e);
}

policy::AccountSettings settings_of(const store::Account &a) {
    policy::AccountSettings s;
    s.sso_mode = a.sso_mode;
    s.break_glass = a.break_glass;
    s.verified_domains = a.verified_domains;
    return s;
}

policy::MemberFacts facts_of(const std::optional<store::Member> &m) {
    policy::MemberFacts f;
    if (!m) return f;
    f.is_member = true;
    f.status = m->status;
    f.role = m->role;
    f.joined_via = m->joined_via;
    f.has_password = m->has_password;
    f.sso_linked = m->sso_linked;
    return f;
}

policy::ConnectionFacts connection_facts(const store::ConnectionRecord &record, const Connection &connection) {
    policy::ConnectionFacts cf;
    cf.id = record.id;
    cf.enabled = record.enabled;
    cf.jit_provisioning = connection.settings().jit_provisioning;
    cf.allow_idp_initiated = connection.settings().allow_idp_initiated;
    cf.allowed_domains = connection.settings().allowed_email_domains;
    return cf;
}

std::string with_detail(const char *text, const std::string &detail) {
    return detail.empty() ? std::string(text) : std::string(text) + " (" + detail + ")";
}

// A store error that must refuse the login. Only these codes mean "the state could not be read or
// written"; anything else from a store is a bug and propagates.
bool is_store_failure(Code c) {
    return c == Code::store_unavailable || c == Code::store_corrupt || c == Code::store_schema_newer ||
           c == Code::store_schema_older || c == Code::store_auth;
}

// How many times a login decides and writes before a store that keeps changing under it refuses the
// login. Each retry means someone else's change (an admin edit, a login or an invite accepted on
// another node) landed between the read and the write; three attempts are plenty.
constexpr int kMaxDecisionAttempts = 3;

// The member as a LOGIN leaves it: linked to SSO, logged in now.
store::Member logged_in(store::Member m, std::int64_t now) {
    m.sso_linked = true;
    m.last_sso_login = now;
    return m;
}

// A newcomer joining through SSO (by invite with the invite's role, or Just-in-Time as a member):
// active, no password, linked, logged in now.
store::Member joined_via_sso(std::string account_id, std::string email, policy::Role role, std::int64_t now) {
    store::Member m;
    m.account_id = std::move(account_id);
    m.email = std::move(email);
    m.role = role;
    m.joined_via = policy::JoinedVia::sso;
    m.sso_linked = true;
    m.last_sso_login = now;
    m.created_at = now;
    return m;
}

}  // namespace

const char *to_string(OutcomeKind k) noexcept {
    switch (k) {
    case OutcomeKind::login: return "LOGIN";
    case OutcomeKind::prompt_join: return "PROMPT_JOIN";
    case OutcomeKind::joined_by_invite: return "JOINED_BY_INVITE";
    case OutcomeKind::denied: return "DENIED";
    }
    return "DENIED";
}

std::shared_ptr<Gate> Gate::open(std::string_view location, std::string_view shared_location, GateOptions options) {
    if (options.clock && !options.stores.clock) options.stores.clock = options.clock;
    store::Stores stores = store::open_stores(location, shared_location, options.stores);
    return std::make_shared<Gate>(std::move(stores), std::move(options));
}

Gate::Gate(store::Stores stores, GateOptions options) : stores_(std::move(stores)), options_(std::move(options)) {
    if (!stores_.directory || !stores_.replay || !stores_.pending)
        fail(Code::invalid_argument, "a Gate needs a directory, a replay cache and a pending-request store");
    if (options_.join_token_ttl_seconds <= 0)
        fail(Code::invalid_argument,
             "join_token_ttl_seconds must be positive, got " + std::to_string(options_.join_token_ttl_seconds));
}

std::int64_t Gate::now() const { return options_.clock ? options_.clock() : util::now_seconds(); }

store::AuditEntry Gate::audit(std::string_view account_id, std::string_view connection_id, std::string_view email,
                              std::string_view outcome, std::string_view reason, std::string detail) const {
    store::AuditEntry e;
    e.time = now();
    e.account_id = std::string(account_id);
    e.connection_id = std::string(connection_id);
    e.email = std::string(email);
    e.outcome = std::string(outcome);
    e.reason = std::string(reason);
    e.detail = std::move(detail);
    return e;
}

store::Account Gate::require_account(std::string_view id) {
    auto account = stores_.directory->find_account(id);
    if (!account) fail(Code::not_found, "no account with id \"" + std::string(id.substr(0, kMaxIdLength)) + "\"");
    return *account;
}

// ---- admin calls ----

void Gate::create_account(std::string_view id, std::string_view name,
                          const std::vector<std::string> &verified_domains) {
    const std::string account_id = require_text(id, "account id");
    store::Account a;
    a.id = account_id;
    a.name = std::string(name);
    for (const auto &d : verified_domains) {
        std::string domain = util::require_domain(d, "verified domain");
        if (std::find(a.verified_domains.begin(), a.verified_domains.end(), domain) == a.verified_domains.end())
            a.verified_domains.push_back(std::move(domain));
    }
    // One statement decides: of two creates of one id (threads, processes, nodes) exactly one inserts,
    // the other gets store_conflict.
    stores_.directory->insert_account(a);
    std::string detail = "name \"" + a.name + "\"";
    for (const auto &d : a.verified_domains) detail += (&d == &a.verified_domains.front() ? "; domains " : ", ") + d;
    stores_.directory->append_audit(audit(account_id, {}, {}, "ACCOUNT_CREATED", "ADMIN", detail));
}

std::optional<store::Account> Gate::find_account(std::string_view id) { return stores_.directory->find_account(id); }

policy::EnforcementPreview Gate::preview_enforcement(std::string_view account_id) {
    const store::Account a = require_account(account_id);
    std::vector<policy::MemberSummary> members;
    for (const auto &m : stores_.directory->list_members(a.id)) {
        members.push_back({m.email, m.role, m.status, m.sso_linked});
    }
    const bool has_enabled = !first_enabled_connection(a.id).empty();
    return policy::preview_enforcement(settings_of(a), members, has_enabled, false);
}

namespace {

std::vector<policy::MemberSummary> summaries(const std::vector<store::Member> &members, std::string_view except = {}) {
    std::vector<policy::MemberSummary> out;
    for (const auto &m : members) {
        if (m.email != except) out.push_back({m.email, m.role, m.status, m.sso_linked});
    }
    return out;
}

// Whether a change refused by the store was refused because someone else's write landed since the
// read (the decision is then made again on fresh facts).
bool lost_race(const Error &e) { return e.code() == Code::store_conflict || e.code() == Code::not_found; }

}  // namespace

// The account's settings are written with a compare-and-swap on the revision read with the member
// list: a member removed or demoted (or the account edited) by another process between the preview
// and the write makes the store refuse, and the preview runs again on what is there now. admin_mu_
// only spares this process's threads the retry.
ModeChange Gate::set_sso_mode(std::string_view account_id, policy::SsoMode mode, bool force) {
    std::lock_guard lock(admin_mu_);
    for (int attempt = 1;; ++attempt) {
        const store::Account a = require_account(account_id);
        const auto members = summaries(stores_.directory->list_members(a.id));
        const bool has_enabled = !first_enabled_connection(a.id).empty();
        ModeChange change;
        change.preview = policy::preview_enforcement(settings_of(a), members, has_enabled, force);
        change.applied = mode == policy::SsoMode::mixed || change.preview.allowed;
        change.mode = change.applied ? mode : a.sso_mode;
        std::string detail = std::string(policy::to_string(a.sso_mode)) + " -> " + policy::to_string(mode);
        if (mode == policy::SsoMode::enforced) detail += "; " + change.preview.detail;
        const char *reason = mode == policy::SsoMode::enforced ? policy::reason_name(change.preview.reason) : "ADMIN";
        store::Change c;
        if (change.applied) {
            store::Account after = a;
            after.sso_mode = mode;
            c.ops.emplace_back(store::UpdateAccount{a, after});
        }
        c.ops.emplace_back(store::AppendAudit{
            audit(a.id, {}, {}, change.applied ? "SSO_MODE_CHANGED" : "SSO_MODE_REFUSED", reason, detail)});
        try {
            stores_.directory->apply(c);
            return change;
        } catch (const Error &e) {
            if (!lost_race(e) || attempt >= kMaxDecisionAttempts) throw;
        }
    }
}

void Gate::add_break_glass(std::string_view account_id, std::string_view email) {
    const std::string e = require_email(email);
    std::lock_guard lock(admin_mu_);
    for (int attempt = 1;; ++attempt) {
        const store::Account a = require_account(account_id);
        // Break-glass keeps password login when SSO is enforced, so that an owner or admin can repair
        // the SSO setup during an IdP outage. Naming anyone else (a newcomer not yet added, an ordinary
        // member) would hand that door to someone the account never made an admin.
        const auto m = stores_.directory->find_member(a.id, e);
        if (!m) {
            fail(Code::not_found, e + " is not a member of account " + a.id +
                                      ": break-glass members are owners or admins of the account; add them first");
        }
        if (m->role != policy::Role::owner && m->role != policy::Role::admin) {
            fail(Code::policy_denied, e + " is a member of account " + a.id + " with role " +
                                          policy::to_string(m->role) + ": break-glass is for owners and admins only");
        }
        if (m->status != policy::MemberStatus::active) {
            fail(Code::policy_denied, e + " is a disabled " + policy::to_string(m->role) + " of account " + a.id +
                                          ": re-enable them before naming them break-glass");
        }
        // Written even when the name is there already: the revision check then proves the member was
        // still an active owner or admin when the row was written.
        store::Account after = a;
        if (std::find(after.break_glass.begin(), after.break_glass.end(), e) == after.break_glass.end())
            after.break_glass.push_back(e);
        const auto row =
            audit(a.id, {}, e, "BREAK_GLASS_ADDED", "ADMIN", std::string("role ") + policy::to_string(m->role));
        try {
            stores_.directory->apply(store::Change{{store::UpdateAccount{a, after}, store::AppendAudit{row}}});
            return;
        } catch (const Error &err) {
            if (!lost_race(err) || attempt >= kMaxDecisionAttempts) throw;
        }
    }
}

void Gate::forget_break_glass(const std::string &account_id, const std::string &email, const char *why) {
    std::lock_guard lock(admin_mu_);
    for (int attempt = 1;; ++attempt) {
        const auto a = stores_.directory->find_account(account_id);
        if (!a) return;
        store::Account after = *a;
        const auto it = std::find(after.break_glass.begin(), after.break_glass.end(), email);
        if (it == after.break_glass.end()) return;
        after.break_glass.erase(it);
        const auto row = audit(a->id, {}, email, "BREAK_GLASS_REMOVED", "ADMIN", why);
        try {
            stores_.directory->apply(store::Change{{store::UpdateAccount{*a, after}, store::AppendAudit{row}}});
            return;
        } catch (const Error &e) {
            if (!lost_race(e) || attempt >= kMaxDecisionAttempts) throw;
        }
    }
}

// The same guard as set_sso_mode, over the members without this one: refused only when the account
// enforces SSO and this removal is what would leave no active owner or admin who signed in through
// SSO (an account already without one is not made worse by removing someone else). The removal is
// written with the revision read with the member list, so a concurrent removal of the other owner,
// or an enforcement, makes it decide again.
void Gate::remove_member(std::string_view account_id, std::string_view email) {
    const std::string e = require_email(email);
    std::lock_guard lock(admin_mu_);
    for (int attempt = 1;; ++attempt) {
        const store::Account a = require_account(account_id);
        const auto members = stores_.directory->list_members(a.id);
        const auto m =
            std::find_if(members.begin(), members.end(), [&](const store::Member &x) { return x.email == e; });
        if (m == members.end()) fail(Code::not_found, e + " is not a member of account " + a.id);
        store::Account after = a;
        after.break_glass.erase(std::remove(after.break_glass.begin(), after.break_glass.end(), e),
                                after.break_glass.end());
        if (a.sso_mode == policy::SsoMode::enforced) {
            const auto with = policy::preview_enforcement(settings_of(a), summaries(members), true, false);
            const auto without = policy::preview_enforcement(settings_of(after), summaries(members, e), true, false);
            if (with.allowed && !without.allowed) {
                const std::string why = "removing " + e + " would leave account " + a.id +
                                        ", which enforces SSO, without an active owner or admin who has signed in "
                                        "through SSO (LOCKOUT_GUARD): link another owner or admin through SSO "
                                        "first, or switch the account to mixed";
                stores_.directory->append_audit(
                    audit(a.id, {}, e, "MEMBER_REMOVE_REFUSED", policy::reason_name(without.reason), why));
                fail(Code::policy_denied, why);
            }
        }
        store::Change c{{store::UpdateAccount{a, after}, store::RemoveMember{*m}}};
        c.ops.emplace_back(store::AppendAudit{
            audit(a.id, {}, e, "MEMBER_REMOVED", "ADMIN", std::string("role ") + policy::to_string(m->role))});
        if (after.break_glass.size() != a.break_glass.size())
            c.ops.emplace_back(store::AppendAudit{
                audit(a.id, {}, e, "BREAK_GLASS_REMOVED", "ADMIN", "the member was removed from the account")});
        try {
            stores_.directory->apply(c);
            return;
        } catch (const Error &err) {
            if (!lost_race(err) || attempt >= kMaxDecisionAttempts) throw;
        }
    }
}

void Gate::add_connection(std::string_view account_id, const std::shared_ptr<const Connection> &connection,
                          bool enabled) {
    if (!connection) fail(Code::invalid_argument, "add_connection: the connection is null");
    const store::Account a = require_account(account_id);
    store::ConnectionRecord r;
    r.id = connection->id();
    r.account_id = a.id;
    r.json = connection->to_json();
    r.enabled = enabled;
    if (auto existing = stores_.directory->find_connection(r.id)) {
        if (existing->account_id != a.id)
            fail(Code::store_conflict, "connection \"" + r.id + "\" belongs to account \"" + existing->account_id +
                                           "\", not \"" + a.id + "\"");
        refuse_moved_urls(*existing, *connection);
    }
    stores_.directory->put_connection(r);
    {
        std::unique_lock lock(cache_mu_);
        cache_[r.id] = CachedConnection{r.json, connection};
    }
    stores_.directory->append_audit(
        audit(a.id, r.id, {}, "CONNECTION_SAVED", "ADMIN",
              std::string("idp ") + connection->idp()->entity_id() + (enabled ? "; enabled" : "; disabled")));
}

void Gate::set_connection_enabled(std::string_view connection_id, bool enabled) {
    auto r = stores_.directory->find_connection(connection_id);
    if (!r)
        fail(Code::not_found, "no connection with id \"" + std::string(connection_id.substr(0, kMaxIdLength)) + "\"");
    r->enabled = enabled;
    stores_.directory->put_connection(*r);
    stores_.directory->append_audit(
        audit(r->account_id, r->id, {}, enabled ? "CONNECTION_ENABLED" : "CONNECTION_DISABLED", "ADMIN", {}));
}

// Saving a connection again changes its settings; its ACS URL and SP entity ID are what the IdP was
// given, so a save that moves them would refuse every login until the admin edits the IdP too. A
// stored connection that no longer rebuilds (its metadata expired) is replaced without the check:
// the admin is then saving refreshed metadata.
void Gate::refuse_moved_urls(const store::ConnectionRecord &existing, const Connection &next) {
    std::shared_ptr<const Connection> before;
    try {
        before = cached(existing);
    } catch (const Error &) {
        return;
    }
    if (before->acs_url() == next.acs_url() && before->sp_entity_id() == next.sp_entity_id()) return;
    fail(Code::store_conflict, "connection \"" + existing.id + "\" is saved with ACS URL " + before->acs_url() +
                                   " and SP entity ID " + before->sp_entity_id() +
                                   ", which the IdP was given; this one has " + next.acs_url() + " and " +
                                   next.sp_entity_id() +
                                   ": to change settings keep both (Connection.with_settings), or give the new "
                                   "connection another id and the IdP its new URLs");
}

std::shared_ptr<const Connection> Gate::cached(const store::ConnectionRecord &record) {
    {
        std::shared_lock lock(cache_mu_);
        auto it = cache_.find(record.id);
        if (it != cache_.end() && it->second.json == record.json) return it->second.connection;
    }
    // Rebuilt outside the lock: re-importing metadata takes real time and other logins go on. Two
    // threads may both build it the first time; either result is the same immutable object.
    ImportOptions import;
    import.now = now();
    auto built = connection_from_json(record.json, import);
    std::unique_lock lock(cache_mu_);
    cache_[record.id] = CachedConnection{record.json, built};
    return built;
}

std::shared_ptr<const Connection> Gate::connection(std::string_view connection_id) {
    auto r = stores_.directory->find_connection(connection_id);
    if (!r)
        fail(Code::not_found, "no connection with id \"" + std::string(connection_id.substr(0, kMaxIdLength)) + "\"");
    return cached(*r);
}

std::string Gate::first_enabled_connection(std::string_view account_id) {
    for (const auto &c : stores_.directory->list_connections(account_id)) {
        if (c.enabled) return c.id;
    }
    return {};
}

void Gate::add_member(std::string_view account_id, std::string_view email, policy::Role role, bool has_password) {
    store::Member m;
    m.account_id = require_text(account_id, "account id");
    m.email = require_email(email);
    m.role = role;
    m.has_password = has_password;
    m.joined_via = has_password ? policy::JoinedVia::password : policy::JoinedVia::sso;
    m.created_at = now();
    const auto row =
        audit(m.account_id, {}, m.email, "MEMBER_ADDED", "ADMIN",
              std::string("role ") + policy::to_string(role) + (has_password ? "; has a password" : "; SSO only"));
    stores_.directory->apply(store::Change{{store::InsertMember{m}, store::AppendAudit{row}}});
    forget_break_glass(m.account_id, m.email, kNewMembership);
}

std::optional<store::Member> Gate::find_member(std::string_view account_id, std::string_view email) {
    return stores_.directory->find_member(account_id, email);
}

store::Invite Gate::invite(std::string_view account_id, std::string_view email, policy::Role role,
                           std::int64_t ttl_seconds) {
    const std::string e = require_email(email);
    if (ttl_seconds <= 0)
        fail(Code::invalid_argument, "invite ttl must be positive, got " + std::to_string(ttl_seconds));
    const store::Account a = require_account(account_id);
    if (stores_.directory->find_member(a.id, e))
        fail(Code::store_conflict, e + " is already a member of account " + a.id);
    store::Invite inv;
    inv.account_id = a.id;
    inv.email = e;
    inv.role = role;
    inv.token = util::random_token(16);
    inv.created_at = now();
    inv.expires_at = inv.created_at + ttl_seconds;
    stores_.directory->put_invite(inv);
    stores_.directory->append_audit(
        audit(a.id, {}, e, "INVITED", "ADMIN",
              std::string("role ") + policy::to_string(role) + "; expires " + util::format_datetime(inv.expires_at)));
    forget_break_glass(a.id, e, kNewMembership);
    return inv;
}

// ---- login calls ----

BegunLogin Gate::begin_login(std::string_view connection_id, std::string_view return_to, LoginBinding binding,
                             LoginOptions options) {
    const auto conn = connection(require_text(connection_id, "connection id"));
    options.return_to = std::string(return_to);
    options.binding = binding;
    if (!options.now) options.now = now();
    return core::begin_login(*conn, *stores_.pending, options);
}

void Gate::audit_outcome(Outcome &out, std::string_view detail) {
    try {
        stores_.directory->append_audit(
            audit(out.account_id, out.connection_id, out.email, to_string(out.kind), out.reason, std::string(detail)));
    } catch (const Error &e) {
        // The refusal stands either way; a directory that cannot take the row is what the outcome
        // then reports, so the operator sees the store problem rather than a silent gap.
        if (!is_store_failure(e.code())) throw;
        if (out.error == Code::ok) {
            out.error = e.code();
            out.reason = code_name(e.code());
            out.reason_text += "; the audit row could not be written: " + std::string(e.what());
        }
    }
}

Outcome Gate::consume(std::string_view connection_id, std::string_view saml_response, std::string_view relay_state,
                      std::optional<std::int64_t> now_opt) {
    const std::string conn_id = require_text(connection_id, "connection id");
    const std::int64_t t = now_opt ? *now_opt : now();

    Outcome out;
    out.connection_id = conn_id;
    auto refuse = [&](const Error &e) {
        out = Outcome{};
        out.connection_id = conn_id;
        out.kind = OutcomeKind::denied;
        out.error = e.code();
        out.reason = code_name(e.code());
        out.reason_text = e.what();
        if (const auto *r = dynamic_cast<const Rejection *>(&e)) {
            out.user_message = r->user_message();
            if (r->signed_identity()) {
                out.signature_verified = true;
                out.email = *r->signed_identity();
            }
        } else {
            out.user_message = user_message_for(e.code());
        }
    };
    // The audit row says which kind of refusal it is, so that an empty email is never ambiguous.
    auto refusal_detail = [&] {
        return out.reason_text + (out.signature_verified
                                      ? "; refused after the signature verified (identity from the signed assertion)"
                                      : "; refused before any signature was verified (no identity recorded)");
    };

    std::optional<store::ConnectionRecord> record;
    std::shared_ptr<const Connection> conn;
    try {
        record = stores_.directory->find_connection(conn_id);
        if (!record) fail(Code::not_found, "no connection with id \"" + conn_id + "\"");
        out.account_id = record->account_id;
        conn = cached(*record);
    } catch (const Error &e) {
        refuse(e);
        if (record) out.account_id = record->account_id;
        audit_outcome(out, refusal_detail());
        return out;
    }

    VerifiedLogin verified;
    std::string return_to;
    try {
        VerifyContext ctx;
        ctx.now = t;
        ctx.replay = stores_.replay.get();
        ctx.max_bytes = options_.max_response_bytes;
        ctx.max_age_seconds = options_.max_response_age_seconds;
        std::shared_ptr<const crypto::DecryptionKeys> keys;
        {
            const std::lock_guard<std::mutex> lock(keys_mu_);
            keys = keys_;
        }
        ctx.decryption_keys = keys.get();
        FinishedLogin fin = finish_login(*conn, *stores_.pending, relay_state, saml_response, ctx);
        verified = std::move(fin.login);
        return_to = std::move(fin.return_to);
    } catch (const Error &e) {
        refuse(e);
        out.account_id = record->account_id;
        audit_outcome(out, refusal_detail());
        return out;
    }
    return decide_and_record(*record, *conn, std::move(verified), std::move(return_to), t);
}

void Gate::add_decryption_key(std::shared_ptr<const crypto::SigningKey> key) {
    if (!key) fail(Code::invalid_argument, "no SP encryption key given");
    const std::lock_guard<std::mutex> lock(keys_mu_);
    for (const auto &held : *keys_)
        if (held->certificate().der == key->certificate().der) return;
    auto next = std::make_shared<crypto::DecryptionKeys>(*keys_);
    next->push_back(std::move(key));
    keys_ = std::move(next);
}

Outcome Gate::refuse_for_store(Outcome out, const Error &e) {
    out.kind = OutcomeKind::denied;
    out.policy_reason.reset();
    out.error = e.code();
    out.reason = code_name(e.code());
    out.reason_text = e.what();
    out.user_message = user_message_for(e.code());
    out.join_token.clear();
    out.login.reset();
    audit_outcome(out, out.reason_text);
    return out;
}

Gate::LoginFacts Gate::read_login_facts(const std::string &account_id, const std::string &email, std::int64_t t) {
    LoginFacts f{require_account(account_id), stores_.directory->find_member(account_id, email), std::nullopt};
    if (!f.member) f.invite = stores_.directory->find_invite(account_id, email, t);
    return f;
}

Outcome Gate::decide_and_record(const store::ConnectionRecord &record, const Connection &connection,
                                VerifiedLogin verified, std::string return_to, std::int64_t t) {
    Outcome out;
    out.signature_verified = true;
    out.account_id = record.account_id;
    out.connection_id = record.id;
    out.email = normalize_email(verified.email);
    out.return_to = std::move(return_to);

    const policy::ConnectionFacts cf = connection_facts(record, connection);
    const policy::SsoLoginInput input{out.email, verified.in_response_to.empty()};

    // The facts may change between reading them and writing the effect (an admin edit, an invite
    // accepted, a member created or logged in on another node); the store then refuses the change
    // (a precondition: not_found / store_conflict) and the policy decides again on fresh facts. The
    // response is never verified again and its assertion ID never taken again: that happened once,
    // before this function.
    for (int attempt = 1;; ++attempt) {
        LoginFacts facts;
        policy::SsoDecision d;
        try {
            facts = read_login_facts(record.account_id, out.email, t);
            policy::DirectoryFacts df;
            df.member = facts_of(facts.member);
            df.has_pending_invite = facts.invite.has_value();
            d = policy::decide_sso_login(settings_of(facts.account), cf, df, input);
        } catch (const Error &e) {
            if (!is_store_failure(e.code()) && e.code() != Code::not_found) throw;
            return refuse_for_store(std::move(out), e);
        }
        out.policy_reason = d.reason;
        out.reason = policy::reason_name(d.reason);
        out.reason_text = with_detail(policy::reason_text(d.reason), d.detail);
        out.error = Code::ok;
        const std::string detail = "assertion " + verified.assertion_id + (input.unsolicited ? "; IdP-initiated" : "") +
                                   (d.detail.empty() ? "" : "; " + d.detail);
        try {
            record_decision(out, d.outcome, facts, detail, t);
            if (out.accepted()) out.login = std::move(verified);
            return out;
        } catch (const Error &e) {
            const bool raced = e.code() == Code::not_found || e.code() == Code::store_conflict;
            if (raced && attempt < kMaxDecisionAttempts) continue;
            if (!raced && !is_store_failure(e.code())) throw;
            return refuse_for_store(std::move(out), e);
        }
    }
}

void Gate::record_decision(Outcome &out, policy::SsoOutcome decided, const LoginFacts &facts, const std::string &detail,
                           std::int64_t t) {
    switch (decided) {
    case policy::SsoOutcome::login: {
        out.kind = OutcomeKind::login;
        if (!facts.member) fail(Code::internal, "the policy decided LOGIN for someone who is not a member");
        // Compare-and-swap on the whole row: an admin's edit since the read (disabled, demoted) makes
        // the store refuse, and the next attempt decides on the edited row.
        const auto row = audit(out.account_id, out.connection_id, out.email, "LOGIN", out.reason, detail);
        stores_.directory->apply(
            store::Change{{store::UpdateMember{*facts.member, logged_in(*facts.member, t)}, store::AppendAudit{row}}});
        return;
    }
    case policy::SsoOutcome::join_by_invite: {
        out.kind = OutcomeKind::joined_by_invite;
        if (!facts.invite) fail(Code::internal, "the policy decided JOIN_BY_INVITE without a pending invite");
        const auto row = audit(out.account_id, out.connection_id, out.email, "JOINED_BY_INVITE", out.reason, detail);
        stores_.directory->apply(
            store::Change{{store::TakeInvite{out.account_id, out.email, facts.invite->token, t},
                           store::InsertMember{joined_via_sso(out.account_id, out.email, facts.invite->role, t)},
                           store::AppendAudit{row}}});
        return;
    }
    case policy::SsoOutcome::prompt_join: {
        out.kind = OutcomeKind::prompt_join;
        store::JoinToken token;
        token.token = util::random_token(16);
        token.account_id = out.account_id;
        token.connection_id = out.connection_id;
        token.email = out.email;
        token.expires_at = t + options_.join_token_ttl_seconds;
        stores_.directory->put_join_token(token);
        out.join_token = token.token;
        // Not one transaction with the token: if this row cannot be written the outcome becomes
        // STORE_UNAVAILABLE and the unused token simply expires.
        stores_.directory->append_audit(
            audit(out.account_id, out.connection_id, out.email, "PROMPT_JOIN", out.reason, detail));
        return;
    }
    case policy::SsoOutcome::deny:
        out.kind = OutcomeKind::denied;
        out.user_message = "You cannot sign in to this account with single sign-on: " + std::string(out.reason) +
                           ". Contact your administrator.";
        audit_outcome(out, detail);
        return;
    }
}

policy::SsoDecision Gate::decide_join_again(const store::Account &account, const store::JoinToken &token,
                                            std::int64_t t) {
    policy::SsoDecision d;
    auto record = stores_.directory->find_connection(token.connection_id);
    if (!record) {
        d.outcome = policy::SsoOutcome::deny;
        d.reason = policy::Reason::connection_disabled;
        d.detail = "connection " + token.connection_id + " was removed";
        return d;
    }
    const auto conn = cached(*record);
    policy::DirectoryFacts facts;
    facts.member = facts_of(stores_.directory->find_member(account.id, token.email));
    facts.has_pending_invite =
        !facts.member.is_member && stores_.directory->find_invite(account.id, token.email, t).has_value();
    return policy::decide_sso_login(settings_of(account), connection_facts(*record, *conn), facts,
                                    policy::SsoLoginInput{token.email, false});
}

store::Member Gate::confirm_join(std::string_view join_token, std::optional<std::int64_t> now_opt) {
    const std::string token = require_text(join_token, "join token");
    const std::int64_t t = now_opt ? *now_opt : now();
    const auto found = stores_.directory->find_join_token(token, t);
    if (!found) fail(Code::not_found, "the join token is unknown, already used or expired");

    // Decide again with the settings of this moment: the user may have sat at the prompt for minutes
    // while an admin disabled the connection, turned Just-in-Time provisioning off or removed the
    // domain. Only a decision that would still prompt to join lets the token create the member. (The
    // token does not record whether the login was IdP-initiated; that was decided when it was issued.)
    const store::Account account = require_account(found->account_id);
    const policy::SsoDecision d = decide_join_again(account, *found, t);
    if (d.outcome != policy::SsoOutcome::prompt_join) {
        const std::string why = with_detail(policy::reason_text(d.reason), d.detail);
        stores_.directory->append_audit(
            audit(account.id, found->connection_id, found->email, "JOIN_REFUSED", policy::reason_name(d.reason), why));
        if (d.outcome == policy::SsoOutcome::login)
            fail(Code::store_conflict, found->email + " is already a member of account " + account.id);
        if (d.outcome == policy::SsoOutcome::join_by_invite)
            fail(Code::policy_denied,
                 "an invite for " + found->email +
                     " is now pending: sign in again to join with the invited role (INVITE_PENDING)");
        fail(Code::policy_denied,
             std::string("joining is no longer allowed: ") + policy::reason_name(d.reason) + ": " + why);
    }
    // The token is consumed in the same transaction that creates the member: a token redeemed
    // meanwhile (another tab, another node) makes the whole change fail with not_found.
    store::Member joined = joined_via_sso(found->account_id, found->email, policy::Role::member, t);
    const auto row =
        audit(found->account_id, found->connection_id, found->email, "JOIN_CONFIRMED", "JIT_DOMAIN_MATCH", {});
    stores_.directory->apply(
        store::Change{{store::TakeJoinToken{token, t}, store::InsertMember{joined}, store::AppendAudit{row}}});
    forget_break_glass(joined.account_id, joined.email, kNewMembership);
    return joined;
}

PasswordDecision Gate::password_login_allowed(std::string_view account_id, std::string_view email) {
    const std::string e = normalize_email(require_text(email, "email"));
    const store::Account a = require_account(account_id);
    const auto member = stores_.directory->find_member(a.id, e);
    PasswordDecision d =
        policy::decide_password_login(settings_of(a), facts_of(member), e, first_enabled_connection(a.id));
    std::string detail = d.detail;
    if (!d.sso_connection_id.empty())
        detail += (detail.empty() ? "" : "; ") + std::string("use connection ") + d.sso_connection_id;
    stores_.directory->append_audit(
        audit(a.id, {}, e, d.allowed ? "PASSWORD_ALLOWED" : "PASSWORD_REFUSED", policy::reason_name(d.reason), detail));
    return d;
}

std::vector<store::AuditEntry> Gate::read_audit(std::string_view account_id, std::int64_t after_seq,
                                                std::size_t limit) {
    return stores_.directory->read_audit(account_id, after_seq, limit);
}

namespace {

void require_names(const std::vector<std::string> &names, const char *what) {
    for (const auto &n : names) {
        const bool word = !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        });
        if (!word)
            fail(Code::invalid_argument, std::string("audit query: ") + what + " \"" + util::printable(n) +
                                             "\" is not a name such as LOGIN or REPLAYED (A-Z, 0-9, _)");
    }
}

}  // namespace

std::vector<store::AuditEntry> Gate::query_audit(store::AuditQuery query) {
    require_names(query.outcomes, "outcome");
    require_names(query.reasons, "reason");
    if (query.after_seq < 0 || query.before_seq < 0)
        fail(Code::invalid_argument, "audit query: after_seq and before_seq must not be negative");
    query.email = util::normalize_email(query.email);
    if (query.limit == 0) query.limit = 1000;
    return stores_.directory->query_audit(query);
}

RefreshResult Gate::refresh_connection(std::string_view connection_id, const RefreshOptions &options) {
    const auto record = stores_.directory->find_connection(connection_id);
    if (!record)
        fail(Code::not_found, "no connection with id \"" + std::string(connection_id.substr(0, kMaxIdLength)) + "\"");
    // The copy in force may have expired (that is what the refresh is for): read it anyway.
    ImportOptions import;
    import.now = now();
    import.accept_expired = true;
    const auto current = connection_from_json(record->json, import);
    RefreshOptions o = options;
    if (!o.now) o.now = now();
    RefreshResult r = core::refresh_connection(*current, o);
    // The fetch took time (and ran without the admin lock, so admin calls went on): an admin may have
    // saved the connection meanwhile, here or on another node. Their edit wins; this refresh is not
    // stored and says so (the next one starts from their copy).
    std::lock_guard lock(admin_mu_);
    const auto latest = stores_.directory->find_connection(connection_id);
    if (!latest || latest->json != record->json)
        fail(Code::store_conflict, "connection \"" + record->id +
                                       "\" was changed or removed while its metadata was being refreshed: "
                                       "nothing stored; refresh again");
    store::ConnectionRecord next = *record;
    next.json = r.connection->to_json();
    stores_.directory->put_connection(next);
    for (const MetadataEvent &e : r.events) {
        stores_.directory->append_audit(
            audit(record->account_id, record->id, {}, metadata_event_name(e.kind), "METADATA", e.message));
    }
    return r;
}

std::vector<store::Member> Gate::list_members(std::string_view account_id) {
    const store::Account a = require_account(account_id);
    return stores_.directory->list_members(a.id);
}

void Gate::check_stores() {
    stores_.directory->check();
    stores_.replay->check();
    stores_.pending->check();
}

Explanation Gate::explain(std::string_view connection_id, std::string_view saml_response,
                          std::vector<std::string> pending_request_ids, const ExplainOptions &options,
                          std::optional<std::int64_t> now_opt) {
    const std::shared_ptr<const Connection> conn = connection(require_text(connection_id, "connection id"));
    VerifyContext ctx;
    ctx.now = now_opt ? *now_opt : now();
    ctx.max_bytes = options_.max_response_bytes;
    ctx.max_age_seconds = options_.max_response_age_seconds;
    ctx.pending_request_ids = std::move(pending_request_ids);
    std::shared_ptr<const crypto::DecryptionKeys> keys;
    {
        const std::lock_guard<std::mutex> lock(keys_mu_);
        keys = keys_;
    }
    ctx.decryption_keys = keys.get();
    // ctx.replay and ctx.pending stay null: nothing of the gate's state is read or written.
    return explain_response(*conn, saml_response, ctx, options);
}

}  // namespace ssogate::core::gate
