// The directory records as JSON ("directory records, schema 1"): how a host's own directory, behind
// the C ABI's callbacks (ssogate_directory_callbacks), receives and returns accounts, connections,
// members, invites, join tokens and audit rows. JSON keeps the callback struct small, lets Python and
// Go map records with their own JSON libraries, and lets records gain fields without an ABI change.
//
// Writing is plain. Reading is strict, because what the host returns decides logins: malformed JSON,
// a missing field, a field of the wrong type, an unknown enum name or an unknown field all throw
// Error{store_corrupt}. `what` starts every message and names the source ("the host's directory
// find_member callback returned"); the message goes on with the record and the offending field
// ("... a member whose \"role\" is \"boss\"; expected owner, admin or member"), and never quotes more
// of the record than that field. Emails and domains are lower-cased on the way in, as the stores
// keep them.
#pragma once

#include "store/directory.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core::store {

std::string to_json(const Account &account);
std::string to_json(const ConnectionRecord &connection);
std::string to_json(const Member &member);
std::string to_json(const Invite &invite);
std::string to_json(const JoinToken &token);
std::string to_json(const AuditEntry &entry);

std::string to_json(const std::vector<Account> &accounts);
std::string to_json(const std::vector<ConnectionRecord> &connections);
std::string to_json(const std::vector<Member> &members);
std::string to_json(const std::vector<Invite> &invites);
std::string to_json(const std::vector<JoinToken> &tokens);
std::string to_json(const std::vector<AuditEntry> &entries);

Account account_from_json(std::string_view json, std::string_view what);
ConnectionRecord connection_from_json(std::string_view json, std::string_view what);
Member member_from_json(std::string_view json, std::string_view what);
Invite invite_from_json(std::string_view json, std::string_view what);
JoinToken join_token_from_json(std::string_view json, std::string_view what);
AuditEntry audit_from_json(std::string_view json, std::string_view what);

// Arrays of records (the list_* and read_audit answers).
std::vector<Account> accounts_from_json(std::string_view json, std::string_view what);
std::vector<ConnectionRecord> connections_from_json(std::string_view json, std::string_view what);
std::vector<Member> members_from_json(std::string_view json, std::string_view what);
std::vector<Invite> invites_from_json(std::string_view json, std::string_view what);
std::vector<JoinToken> join_tokens_from_json(std::string_view json, std::string_view what);
std::vector<AuditEntry> audit_entries_from_json(std::string_view json, std::string_view what);

// A Change as the C ABI's apply callback receives it ("directory change, schema 1"): a JSON array of
// operation objects, each with its "op" name and fields, records as above (audit seqs 0):
//   {"op": "take_invite", "account_id", "email", "token", "now": int}
//   {"op": "take_join_token", "token", "now": int}
//   {"op": "insert_member", "member": member}
//   {"op": "update_member", "before": member, "after": member}
//   {"op": "append_audit", "entry": audit row}
//   {"op": "update_account", "before": account, "after": account}   (both with "revision": int)
//   {"op": "remove_member", "before": member}
// An account a host returns may carry "revision" (int; absent = 0).
std::string to_json(const Change &change);

// The apply callback's answer: a JSON array with the seq (> 0) of each append_audit, in order.
// store_corrupt for anything else.
std::vector<std::int64_t> seqs_from_json(std::string_view json, std::string_view what);

}  // namespace ssogate::core::store
