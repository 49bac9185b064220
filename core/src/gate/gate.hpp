// The Gate: one facade that runs the whole SSO flow for a host.
//
//   auto gate = Gate::open("sqlite:/var/lib/app/ssogate.db");            // or "memory:" in tests
//   gate->create_account("acme", "Acme", {"acme.com"});
//   gate->add_connection("acme", connection);                              // imported Okta metadata
//   auto req = gate->begin_login(connection->id(), "/dashboard");          // SP-initiated: redirect
//   auto out = gate->consume(connection_id, form["SAMLResponse"], form["RelayState"]);
//   switch (out.kind) { case OutcomeKind::login: ...start a session for out.email... }
//
// consume() is verification + policy + directory update + audit in one call, and always answers
// with an Outcome: a refused verification, a policy denial and a store that cannot answer are all
// DENIED outcomes with a stable reason, each with its audit row. It throws only for caller bugs
// (an empty connection id) and for failures that are neither (out of memory). No path returns an
// accepted outcome without its directory change committed: the Gate computes the change (the member
// row to update or insert, the invite to consume, the audit row) and the directory applies it and
// its audit row in one transaction (Directory::apply); if that fails the outcome is DENIED with the
// store's code.
//
// A Gate is thread-safe: the stores are, connections are immutable and cached (rebuilt from their
// stored JSON once, and again only when another node replaced that JSON), and the admin calls that
// change an account write it with a compare-and-swap on its revision (store::UpdateAccount), deciding
// again when another process's write landed since the read. Several Gates (processes, nodes) may share
// one SQLite file (SQLite serialises writers) or, for the replay cache and pending requests, one Redis.
#pragma once

#include "connection/connection.hpp"
#include "crypto/xmlenc.hpp"
#include "error.hpp"
#include "login/login.hpp"
#include "metadata/refresh.hpp"
#include "policy/policy.hpp"
#include "response/explain.hpp"
#include "response/verify.hpp"
#include "store/directory.hpp"
#include "store/open.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core::gate {

struct GateOptions {
    store::StoreOptions stores;
    // The clock of every call that takes no explicit `now` (Unix seconds); empty = the system clock.
    std::function<std::int64_t()> clock;
    // How long a PROMPT_JOIN's join token may wait for the user's confirmation.
    std::int64_t join_token_ttl_seconds = std::int64_t{15} * 60;
    // Verification limits (see VerifyContext).
    std::size_t max_response_bytes = 1u << 20;
    std::int64_t max_response_age_seconds = 600;
};

enum class OutcomeKind : int { login = 0, prompt_join = 1, joined_by_invite = 2, denied = 3 };
// "LOGIN", "PROMPT_JOIN", "JOINED_BY_INVITE", "DENIED".
const char *to_string(OutcomeKind) noexcept;

// The one answer of consume().
struct Outcome {
    OutcomeKind kind = OutcomeKind::denied;
    // Why, as a stable name: a policy reason ("MEMBER_LOGIN", "INVITE_REQUIRED", ...) or, when
    // `error` is set, the error code's name ("REPLAYED", "STORE_UNAVAILABLE", ...).
    std::string reason;
    // For the operator: the policy reason's sentence (plus its specifics), or the verification's
    // message (what was expected, what came). Never keys or whole documents.
    std::string reason_text;
    // Safe to show the end user (generic; names the code for the admin).
    std::string user_message;
    // The policy reason when the policy decided; nullopt when verification or a store refused.
    std::optional<policy::Reason> policy_reason;
    // Code::ok when the policy decided; otherwise what refused the login (a 2xx/3xx verification
    // code, 4xx store code).
    Code error = Code::ok;

    // Whether the response's signature had verified: true for every accepted outcome, every policy
    // decision, and refusals after verification (IdP-initiated not allowed, NameID format, domain,
    // replay, a store that could not answer, ...); false when the refusal came before any signature
    // verified (and then `email` is empty: nothing the sender chose is recorded).
    bool signature_verified = false;
    // The verified email (lower-cased) for accepted outcomes and policy decisions. For a refusal after
    // verification, who the signed Assertion names (Rejection::signed_identity: its email, or the
    // NameID as stated when that is not an address; "" when it names nobody readable). Empty when
    // the refusal came before any signature verified.
    std::string email;
    std::string account_id;  // empty when the connection is unknown
    std::string connection_id;
    std::string join_token;              // PROMPT_JOIN only: give it back to confirm_join()
    std::string return_to;               // SP-initiated logins: the path recorded by begin_login()
    std::optional<VerifiedLogin> login;  // LOGIN and JOINED_BY_INVITE only

    bool accepted() const noexcept { return kind == OutcomeKind::login || kind == OutcomeKind::joined_by_invite; }
};

// set_sso_mode's answer: the preview it ran and whether the mode was changed.
struct ModeChange {
    bool applied = false;
    policy::SsoMode mode = policy::SsoMode::mixed;  // the mode in effect after the call
    policy::EnforcementPreview preview;             // computed for enforcement (informational for mixed)
};

// password_login_allowed's answer: the policy's decision.
using PasswordDecision = policy::PasswordDecision;

class Gate {
public:
    // `location`: "sqlite:PATH" (the default for hosts), "postgresql://..." (many nodes) or "memory:";
    // `shared_location`: empty (the same store), or "redis://[USER:PASSWORD@]HOST:PORT[/DB]" for the replay
    // cache and pending requests shared by several nodes. Throws what store::open_stores throws.
    static std::shared_ptr<Gate> open(std::string_view location, std::string_view shared_location = {},
                                      GateOptions options = {});
    // Over stores a host built itself (its own Directory, say).
    Gate(store::Stores stores, GateOptions options);

    Gate(const Gate &) = delete;
    Gate &operator=(const Gate &) = delete;

    // ---- admin calls (each writes an audit row) ----

    // store_conflict when the account exists.
    void create_account(std::string_view id, std::string_view name, const std::vector<std::string> &verified_domains);
    std::optional<store::Account> find_account(std::string_view id);
    // Switching to enforced runs preview_enforcement and applies only when it allows (the lockout
    // guard refuses unless `force`; no enabled connection refuses even when forced). Switching to
    // mixed always applies. A refusal is a decision (applied = false), not an error.
    ModeChange set_sso_mode(std::string_view account_id, policy::SsoMode mode, bool force);
    policy::EnforcementPreview preview_enforcement(std::string_view account_id);
    // Names an owner or admin who keeps password login when SSO is enforced. not_found when the email
    // is not a member; policy_denied when the member is not an active owner or admin. The name counts
    // only while its member is an owner or admin (checked at every password login and preview), so a
    // demotion takes it away at once; promoting the same member again gives it back. When the email
    // becomes a member again through this gate (add_member, invite, confirm_join), a name left from
    // an earlier membership is dropped (audited BREAK_GLASS_REMOVED): a new membership starts
    // without break-glass.
    void add_break_glass(std::string_view account_id, std::string_view email);
    // Stores the connection's JSON for the account (insert or replace, enabled). A replaced
    // connection's new settings apply to the next consume on every node.
    void add_connection(std::string_view account_id, const std::shared_ptr<const Connection> &connection,
                        bool enabled = true);
    void set_connection_enabled(std::string_view connection_id, bool enabled);
    // The connection as stored (rebuilt from its JSON once, then cached). not_found when unknown.
    std::shared_ptr<const Connection> connection(std::string_view connection_id);
    // joined_via is password when the member has one, else SSO. store_conflict when a member.
    void add_member(std::string_view account_id, std::string_view email, policy::Role role, bool has_password);
    // Removes the member (and their break-glass name) in one change with its MEMBER_REMOVED audit row.
    // not_found when the email is not a member. policy_denied (with a MEMBER_REMOVE_REFUSED audit row)
    // when the account enforces SSO and the removal would leave it without an active owner or admin
    // linked to SSO: the lockout guard of set_sso_mode, over the members without this one. Decided on
    // the account's revision, so a concurrent enforcement or removal on another node makes it decide
    // again rather than lock the account out.
    void remove_member(std::string_view account_id, std::string_view email);
    std::optional<store::Member> find_member(std::string_view account_id, std::string_view email);
    // Returns the invite; its token is for the link the host mails. Replaces an earlier invite for
    // the same email. store_conflict when the email is already a member.
    store::Invite invite(std::string_view account_id, std::string_view email, policy::Role role,
                         std::int64_t ttl_seconds);

    // ---- login calls ----

    // SP-initiated login: an AuthnRequest for the connection, recorded in the pending-request store
    // under a fresh RelayState (core::begin_login). `return_to` is validated there (no open
    // redirect); it and `binding` replace those of `options`, whose clock defaults to the Gate's.
    // not_found for an unknown connection.
    BegunLogin begin_login(std::string_view connection_id, std::string_view return_to, LoginBinding binding,
                           LoginOptions options = {});
    // The ACS: see the file comment. Verification is core::finish_login: with a RelayState, the
    // pending request it names (taken exactly once) must be the one answered; without one, the
    // response is unsolicited (IdP-initiated) unless it carries an InResponseTo, which is then
    // matched in the pending-request store. `now`: nullopt = the Gate's clock.
    Outcome consume(std::string_view connection_id, std::string_view saml_response, std::string_view relay_state,
                    std::optional<std::int64_t> now = std::nullopt);
    // "Why did this login fail?" for a response posted to a stored connection: explain_response with
    // the Gate's decryption keys, size cap and maximum age. Read-only: the replay cache, the pending
    // requests and RelayState are never touched (the "replay" check is not reached), so the pending
    // request IDs to compare InResponseTo with are the caller's. not_found for an unknown connection.
    Explanation explain(std::string_view connection_id, std::string_view saml_response,
                        std::vector<std::string> pending_request_ids, const ExplainOptions &options = {},
                        std::optional<std::int64_t> now = std::nullopt);
    // The user confirmed joining after PROMPT_JOIN: decides again with the account's and the
    // connection's settings of this moment, then creates the member (role member, linked to SSO) and
    // consumes the token. not_found when the token is unknown, used or expired; store_conflict when
    // the email became a member meanwhile; policy_denied (with the policy reason in the message, and
    // a JOIN_REFUSED audit row) when the policy no longer prompts to join: connection disabled or
    // removed, JiT turned off, domain no longer verified/allowed, or an invite now pending.
    store::Member confirm_join(std::string_view join_token, std::optional<std::int64_t> now = std::nullopt);
    // The policy's answer for a password login attempt (audited). `sso_connection_id` of a refusal
    // names the account's first enabled connection.
    PasswordDecision password_login_allowed(std::string_view account_id, std::string_view email);

    // Gives the Gate an SP encryption key (private key and certificate) for encrypted assertions. A
    // connection uses the keys whose certificate is one of its SP encryption certificates, so one
    // Gate holds the keys of every connection (and a current and next key during a rollover); a
    // key already held is not added twice. Safe beside concurrent consume calls.
    void add_decryption_key(std::shared_ptr<const crypto::SigningKey> key);

    // The audit log, oldest first (account_id empty = every account).
    std::vector<store::AuditEntry> read_audit(std::string_view account_id, std::int64_t after_seq = 0,
                                              std::size_t limit = 1000);

    // Refreshes a connection imported from a URL (core::refresh_connection) and stores the result: the
    // new metadata when it applied, else the last known good with its refresh state. Each event is
    // written to the audit log (outcome: its name, reason METADATA); the caller passes them on.
    // not_found for an unknown connection; invalid_argument for one not imported from a URL. A failed
    // refresh is in the result, not thrown.
    RefreshResult refresh_connection(std::string_view connection_id, const RefreshOptions &options);

    // The audit log filtered and ordered by the directory (one SQL statement in a database). The
    // email is normalized here; outcome and reason names must be words of A-Z, 0-9 and _
    // (invalid_argument otherwise); a limit of 0 means 1000.
    std::vector<store::AuditEntry> query_audit(store::AuditQuery query);
    // The account's members, by email. not_found when the account is unknown.
    std::vector<store::Member> list_members(std::string_view account_id);
    // One round trip to each store (directory, replay cache, pending requests): throws the first
    // store's store_unavailable (naming its address) when it does not answer. Writes nothing.
    void check_stores();

    const store::Stores &stores() const noexcept { return stores_; }

private:
    struct CachedConnection {
        std::string json;
        std::shared_ptr<const Connection> connection;
    };

    std::int64_t now() const;
    store::Account require_account(std::string_view id);
    std::shared_ptr<const Connection> cached(const store::ConnectionRecord &record);
    void refuse_moved_urls(const store::ConnectionRecord &existing, const Connection &next);
    std::string first_enabled_connection(std::string_view account_id);
    store::AuditEntry audit(std::string_view account_id, std::string_view connection_id, std::string_view email,
                            std::string_view outcome, std::string_view reason, std::string detail) const;
    // What a login decides on, read afresh at each attempt.
    struct LoginFacts {
        store::Account account;
        std::optional<store::Member> member;
        std::optional<store::Invite> invite;  // the unexpired invite, read only for a non-member
    };
    LoginFacts read_login_facts(const std::string &account_id, const std::string &email, std::int64_t now);
    Outcome decide_and_record(const store::ConnectionRecord &record, const Connection &connection, VerifiedLogin login,
                              std::string return_to, std::int64_t now);
    // Writes the decision's effect and audit row (one Change where there is an effect). Throws the
    // store's not_found / store_conflict when the facts changed since they were read.
    void record_decision(Outcome &out, policy::SsoOutcome decided, const LoginFacts &facts, const std::string &detail,
                         std::int64_t now);
    Outcome refuse_for_store(Outcome out, const Error &e);
    policy::SsoDecision decide_join_again(const store::Account &account, const store::JoinToken &token,
                                          std::int64_t now);
    void audit_outcome(Outcome &out, std::string_view detail);
    void forget_break_glass(const std::string &account_id, const std::string &email, const char *why);

    store::Stores stores_;
    GateOptions options_;
    std::shared_mutex cache_mu_;
    std::map<std::string, CachedConnection, std::less<>> cache_;
    std::mutex admin_mu_;  // spares this process's admin calls on accounts the store's retries
    mutable std::mutex keys_mu_;
    std::shared_ptr<const crypto::DecryptionKeys> keys_ = std::make_shared<crypto::DecryptionKeys>();
};

}  // namespace ssogate::core::gate
