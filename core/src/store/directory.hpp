// The directory: accounts, their connections, members, invites, one-time join tokens, and the
// append-only audit log of every decision.
//
// Implementations: MemoryDirectory (tests, single process), the SQLite one (the embedded default,
// see store/sqlite.hpp) and a host's own behind the C ABI's callbacks. Every one passes the same
// contract (testing/directory_contract.hpp), run by tests/core/store_contract_test.cpp and through
// the C ABI, Python and Go.
//
// A directory only stores. What a decision does to it (which member row to insert or update, which
// invite or join token to consume, which audit row to write) is computed by the Gate and handed to
// apply() as a Change: a list of storage operations, each with a precondition, applied in one
// transaction. No membership rule lives in a backend.
//
// Failure rule shared by every store: a store that cannot answer throws
// Error{store_unavailable} (or store_corrupt / store_schema_newer) with a specific message; it never
// answers "absent" when it does not know. "Absent" is std::nullopt or Error{not_found}, as documented
// per call. Times are Unix seconds passed in by the caller (injectable clock); emails are stored and
// compared lower-cased.
#pragma once

#include "error.hpp"
#include "policy/policy.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ssogate::core::store {

struct Account {
    std::string id;
    std::string name;
    policy::SsoMode sso_mode = policy::SsoMode::mixed;
    std::vector<std::string> verified_domains;  // lower-case
    std::vector<std::string> break_glass;       // member emails, lower-case
    // Moves forward at every change to the account or its members (UpdateAccount, InsertMember,
    // UpdateMember, RemoveMember, put_account), so that a decision read with one revision (the
    // lockout guard over the member list, say) is refused by UpdateAccount if anything moved since.
    // Read from the store; ignored by put_account and insert_account.
    std::int64_t revision = 0;
};

struct ConnectionRecord {
    std::string id;
    std::string account_id;
    std::string json;  // core::Connection::to_json(), kept verbatim
    bool enabled = true;
};

struct Member {
    std::string account_id;
    std::string email;  // lower-case; the member's key within the account
    policy::Role role = policy::Role::member;
    policy::MemberStatus status = policy::MemberStatus::active;
    bool has_password = false;
    policy::JoinedVia joined_via = policy::JoinedVia::password;
    bool sso_linked = false;
    std::int64_t last_sso_login = 0;  // 0 = never
    std::int64_t created_at = 0;

    bool operator==(const Member &) const = default;
};

struct Invite {
    std::string account_id;
    std::string email;  // lower-case; at most one invite per (account, email)
    policy::Role role = policy::Role::member;
    std::string token;  // unique
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
};

// Issued with a PROMPT_JOIN decision; redeemed once by confirm_join.
struct JoinToken {
    std::string token;
    std::string account_id;
    std::string connection_id;
    std::string email;
    std::int64_t expires_at = 0;
};

struct AuditEntry {
    std::int64_t seq = 0;  // assigned by the store on append, increasing
    std::int64_t time = 0;
    std::string account_id;
    std::string connection_id;
    std::string email;
    std::string outcome;  // "LOGIN", "DENY", "PASSWORD_REFUSED", ...
    std::string reason;   // policy::reason_name or an error code name
    std::string detail;
};

// A filtered read of the audit log (Directory::query_audit). Every filter is optional; rows match
// all the filters given.
struct AuditQuery {
    std::string account_id;             // empty = every account
    std::string email;                  // normalized before comparing; empty = any
    std::vector<std::string> outcomes;  // any of these; empty = any
    std::vector<std::string> reasons;   // any of these; empty = any
    std::int64_t after_seq = 0;         // seq > after_seq
    std::int64_t before_seq = 0;        // seq < before_seq; 0 = no bound
    std::int64_t since = 0;             // time >= since; 0 = no bound
    std::int64_t until = 0;             // time < until; 0 = no bound
    bool newest_first = false;          // order by seq descending (the limit then keeps the newest rows)
    std::size_t limit = 1000;

    bool matches(const AuditEntry &e) const;  // every filter but the order and the limit
};

// ---- a Change: storage operations with preconditions, applied all or nothing ----

// Deletes the invite of (account_id, email) if it exists, its token equals `token` and
// expires_at > now. Otherwise the change fails with not_found.
struct TakeInvite {
    std::string account_id;
    std::string email;
    std::string token;
    std::int64_t now = 0;
};

// Deletes the join token if it is known and expires_at > now (a used token is gone). Otherwise the
// change fails with not_found.
struct TakeJoinToken {
    std::string token;
    std::int64_t now = 0;
};

// Inserts the member and moves its account's revision forward. not_found when its account does not
// exist; store_conflict when a member with its (account_id, email) exists. The account is checked
// first.
struct InsertMember {
    Member member;
};

// Replaces the member row only if the stored row still equals `before`, field by field (a
// compare-and-swap on the whole row, so an admin's edit made since the read is never overwritten).
// not_found when there is no member (account_id, email); store_conflict when the stored row differs.
// `before` and `after` have the same (account_id, email) (invalid_argument otherwise). Moves the
// account's revision forward.
struct UpdateMember {
    Member before;
    Member after;
};

// Deletes the member row only if the stored row still equals `before`, field by field (the same
// compare-and-swap as UpdateMember), and moves the account's revision forward. not_found when there
// is no member (account_id, email); store_conflict when the stored row differs.
struct RemoveMember {
    Member before;
};

// Replaces the account's settings (name, SSO mode, verified domains, break-glass) with `after`'s only
// if its stored revision still equals `before.revision` (a compare-and-swap: a change to the account
// or to any of its members since the read makes it fail), and moves the revision forward. With
// `after` equal to `before` it changes nothing but the revision: a guard that the decision's facts
// still hold. not_found when there is no account; store_conflict when the revision moved. `before`
// and `after` have the same id (invalid_argument otherwise); after.revision is ignored.
struct UpdateAccount {
    Account before;
    Account after;
};

// Appends the row (its seq is ignored): the store gives it the next sequence number, greater than
// every earlier row's. No precondition.
struct AppendAudit {
    AuditEntry entry;
};

using Operation =
    std::variant<TakeInvite, TakeJoinToken, InsertMember, UpdateMember, AppendAudit, UpdateAccount, RemoveMember>;

// Applied in order, in ONE transaction: either every operation takes effect, or (the first failed
// precondition, or a store failure) none does, whatever ran before it in the same change.
struct Change {
    std::vector<Operation> ops;
};

// The operation's name in the change JSON and in messages: "take_invite", "take_join_token",
// "insert_member", "update_member", "append_audit", "update_account", "remove_member".
const char *op_name(const Operation &op) noexcept;

// The change with emails and domains lower-cased and audit seqs zeroed, as every backend stores it;
// throws invalid_argument for an update_member or update_account whose before and after differ in key. Backends call it
// first, so that each one checks the same things.
Change normalized(const Change &change);

// The error of a failed precondition (code not_found or store_conflict), with the message every
// backend uses for it: "no pending invite for bob@example.com in account acme", ...
[[noreturn]] void fail_precondition(const Operation &op, Code code);

class Directory {
public:
    virtual ~Directory() = default;
    Directory() = default;
    Directory(const Directory &) = delete;
    Directory &operator=(const Directory &) = delete;

    // Accounts: insert or replace (settings such as the SSO mode change through this; the Gate uses
    // UpdateAccount instead, which cannot overwrite a change made since its read).
    virtual void put_account(const Account &account) = 0;
    // Inserts a new account; store_conflict when one with its id exists (of two concurrent inserts of
    // one id exactly one succeeds). This default checks then puts, which is atomic only within one
    // process; the library's directories answer it in one statement.
    virtual void insert_account(const Account &account);
    virtual std::optional<Account> find_account(std::string_view id) = 0;

    // Connections: insert or replace; the account must exist (not_found).
    virtual void put_connection(const ConnectionRecord &connection) = 0;
    virtual std::optional<ConnectionRecord> find_connection(std::string_view id) = 0;
    virtual std::vector<ConnectionRecord> list_connections(std::string_view account_id) = 0;  // by id
    virtual void remove_connection(std::string_view id) = 0;                                  // not_found when absent

    // Members: insert or replace (admin edits); the account must exist (not_found).
    virtual void put_member(const Member &member) = 0;
    virtual std::optional<Member> find_member(std::string_view account_id, std::string_view email) = 0;
    virtual std::vector<Member> list_members(std::string_view account_id) = 0;  // by email

    // Invites: insert or replace the invite for (account, email); the account must exist (not_found).
    virtual void put_invite(const Invite &invite) = 0;
    // The unexpired invite for (account, email), if any.
    virtual std::optional<Invite> find_invite(std::string_view account_id, std::string_view email,
                                              std::int64_t now) = 0;
    virtual void revoke_invite(std::string_view account_id, std::string_view email) = 0;  // not_found

    // Join tokens: store_conflict when the token exists.
    virtual void put_join_token(const JoinToken &token) = 0;
    // The token if it is known, unused and unexpired (expires_at > now); nothing is consumed. The Gate
    // reads it to decide again, with the settings of the moment, before a TakeJoinToken consumes it.
    virtual std::optional<JoinToken> find_join_token(std::string_view token, std::int64_t now) = 0;

    // The audit log only grows (through AppendAudit). `account_id` empty = every account. Rows with
    // seq > after_seq, oldest first, at most `limit`.
    virtual std::vector<AuditEntry> read_audit(std::string_view account_id, std::int64_t after_seq,
                                               std::size_t limit) = 0;
    // The rows that match the query, in its order, at most its limit. `q.email` is normalized by the
    // caller. This default reads the log forward in pages through read_audit and keeps the matches
    // (linear in the rows after q.after_seq, memory bounded by the limit); a database answers it with
    // one statement instead.
    virtual std::vector<AuditEntry> query_audit(const AuditQuery &q);

    // Whether the store answers now (a round trip to a server, a read of a file); throws
    // store_unavailable (or what the store throws) when it does not. The default has nothing to ask.
    virtual void check() {}

    // Applies the change in one transaction, all or nothing (see Change and each operation), and
    // returns the seqs given to its AppendAudit rows, in order. Throws the first failed
    // precondition's not_found / store_conflict (fail_precondition's message), or what the store
    // throws when it cannot answer; either way nothing of the change remains.
    virtual std::vector<std::int64_t> apply(const Change &change) = 0;

    // One audit row on its own: apply({AppendAudit{entry}}). Returns the row with its seq.
    AuditEntry append_audit(const AuditEntry &entry);
};

std::unique_ptr<Directory> make_memory_directory();

}  // namespace ssogate::core::store
