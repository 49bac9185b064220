// The directory: accounts, their connections, members, invites, one-time join tokens, and the
// append-only audit log of every decision.
//
// Implementations: MemoryDirectory (tests, single process) and the SQLite one (the embedded default,
// see store/sqlite.hpp). Both pass tests/core/store_contract_test.cpp.
//
// Failure rule shared by every store: a store that cannot answer throws
// Error{store_unavailable} (or store_corrupt / store_schema_newer) with a specific message; it never
// answers "absent" when it does not know. "Absent" is std::nullopt or Error{not_found}, as documented
// per call. Times are Unix seconds passed in by the caller (injectable clock); emails are stored and
// compared lower-cased.
#pragma once

#include "policy/policy.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core::store {

struct Account {
    std::string id;
    std::string name;
    policy::SsoMode sso_mode = policy::SsoMode::mixed;
    std::vector<std::string> verified_domains;  // lower-case
    std::vector<std::string> break_glass;       // member emails, lower-case
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

class Directory {
public:
    virtual ~Directory() = default;
    Directory() = default;
    Directory(const Directory &) = delete;
    Directory &operator=(const Directory &) = delete;

    // Accounts: insert or replace (settings such as the SSO mode change through this).
    virtual void put_account(const Account &account) = 0;
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
    // reads it to decide again, with the settings of the moment, before redeem_join_token. (C ABI:
    // the find_join_token callback, same semantics.)
    virtual std::optional<JoinToken> find_join_token(std::string_view token, std::int64_t now) = 0;

    // The audit log only grows. `account_id` empty = every account. Rows with seq > after_seq, oldest
    // first, at most `limit`.
    virtual AuditEntry append_audit(const AuditEntry &entry) = 0;  // returns the row with its seq
    virtual std::vector<AuditEntry> read_audit(std::string_view account_id, std::int64_t after_seq,
                                               std::size_t limit) = 0;

    // Decisions with their effects: each is ONE transaction, so the directory change and its audit
    // row are both there or neither is (even if the process dies half-way).

    // LOGIN: marks the member sso_linked with last_sso_login = now. not_found when no such member.
    virtual void record_sso_login(std::string_view account_id, std::string_view email, std::int64_t now,
                                  const AuditEntry &audit) = 0;
    // JOIN_BY_INVITE (or a password acceptance in mixed mode): consumes the unexpired invite and
    // creates the member with the invite's role. not_found when there is no unexpired invite;
    // store_conflict when the member already exists.
    virtual Member accept_invite(std::string_view account_id, std::string_view email, policy::JoinedVia via,
                                 bool has_password, std::int64_t now, const AuditEntry &audit) = 0;
    // confirm_join: consumes the join token exactly once and creates the member (role member, joined
    // via SSO, linked). not_found when the token is unknown, used or expired (expires_at <= now);
    // store_conflict when the member already exists. Empty account/connection/email fields of
    // `audit` are filled from the token.
    virtual Member redeem_join_token(std::string_view token, std::int64_t now, const AuditEntry &audit) = 0;
    // Creates a member and its audit row; store_conflict when the member exists, not_found when the
    // account does not.
    virtual void add_member(const Member &member, const AuditEntry &audit) = 0;
};

std::unique_ptr<Directory> make_memory_directory();

}  // namespace ssogate::core::store
