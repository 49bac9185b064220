#include "store/records_json.hpp"

#include "error.hpp"
#include "policy/policy.hpp"
#include "util/email.hpp"
#include "util/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <variant>

namespace ssogate::core::store {

namespace {

using json = nlohmann::json;
using util::lower_ascii;
using util::normalize_email;

// A value from the host, cut short for a message: enough to recognise, never a whole record.
std::string shown(std::string_view value) { return "\"" + util::printable(value, 40) + "\""; }

const char *type_name(const json &v) {
    switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::number_float: return "a fractional number";
    default: return "a number";
    }
}

// Text from records is UTF-8 already (verified SAML, Connection JSON); should a byte sequence be
// invalid anyway, it is an error rather than a silently altered email.
std::string dump(const json &j) {
    try {
        return j.dump();
    } catch (const json::exception &e) {
        fail(Code::invalid_argument, std::string("a directory record holds text that is not valid UTF-8: ") + e.what());
    }
}

json parse(std::string_view text, std::string_view what, const char *expected) {
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::parse_error &e) {
        fail(Code::store_corrupt, std::string(what) + " malformed JSON where " + expected +
                                      " was expected (parse error at byte " + std::to_string(e.byte) + ")");
    }
}

// Reads one JSON object field by field, remembering which fields it took, so that done() can refuse
// the fields it did not expect. `noun` names the record in messages ("a member", "a member (item 2
// of the list)").
class Fields {
public:
    Fields(const json &j, std::string_view what, std::string_view noun)
        : j_(j), prefix_(std::string(what) + " " + std::string(noun)) {
        if (!j.is_object())
            fail(Code::store_corrupt, std::string(what) + " " + type_name(j) + " where " + std::string(noun) +
                                          " (a JSON object) was expected");
    }

    std::string str(const char *key) {
        const json &v = field(key);
        if (!v.is_string()) wrong_type(key, v, "a string");
        return v.get<std::string>();
    }

    bool boolean(const char *key) {
        const json &v = field(key);
        if (!v.is_boolean()) wrong_type(key, v, "true or false");
        return v.get<bool>();
    }

    std::int64_t integer(const char *key) {
        const json &v = field(key);
        if (v.is_number_unsigned()) {
            const auto u = v.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                fail(Code::store_corrupt, prefix_ + " whose \"" + key + "\" does not fit a 64-bit signed integer");
            return static_cast<std::int64_t>(u);
        }
        if (!v.is_number_integer()) wrong_type(key, v, "an integer");
        return v.get<std::int64_t>();
    }

    std::vector<std::string> strings(const char *key) {
        const json &v = field(key);
        if (!v.is_array()) wrong_type(key, v, "an array of strings");
        std::vector<std::string> out;
        out.reserve(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!v[i].is_string())
                fail(Code::store_corrupt, prefix_ + " whose \"" + key + "\" item " + std::to_string(i) + " is " +
                                              type_name(v[i]) + "; expected a string");
            out.push_back(v[i].get<std::string>());
        }
        return out;
    }

    // An enum by its stable name: `names` lists every accepted name, in value order.
    template <typename Enum, std::size_t N>
    Enum name(const char *key, const char *const (&names)[N], const char *expected) {
        const std::string s = str(key);
        for (std::size_t i = 0; i < N; ++i) {
            if (s == names[i]) return static_cast<Enum>(i);
        }
        fail(Code::store_corrupt, prefix_ + " whose \"" + key + "\" is " + shown(s) + "; expected " + expected);
    }

    // Whether the object has the field (for the few that a host may leave out).
    bool has(const char *key) const { return j_.contains(key); }

    // Every field was read: anything left is a field this version does not know.
    void done() const {
        if (taken_.size() == j_.size()) return;
        for (const auto &[k, v] : j_.items()) {
            if (std::find(taken_.begin(), taken_.end(), k) == taken_.end())
                fail(Code::store_corrupt, prefix_ + " with an unknown field " + shown(k));
        }
    }

private:
    const json &field(const char *key) {
        auto it = j_.find(key);
        if (it == j_.end()) fail(Code::store_corrupt, prefix_ + " without the field \"" + key + "\"");
        taken_.emplace_back(key);
        return *it;
    }

    [[noreturn]] void wrong_type(const char *key, const json &v, const char *expected) const {
        fail(Code::store_corrupt, prefix_ + " whose \"" + key + "\" is " + type_name(v) + "; expected " + expected);
    }

    const json &j_;
    std::string prefix_;
    std::vector<std::string> taken_;
};

// Names in enum value order (policy::SsoMode, Role, MemberStatus, JoinedVia).
constexpr const char *kModes[] = {"mixed", "enforced"};
constexpr const char *kRoles[] = {"owner", "admin", "member"};
constexpr const char *kStatuses[] = {"active", "disabled"};
constexpr const char *kVias[] = {"password", "sso"};

json to_j(const Account &a) {
    return {{"id", a.id},
            {"name", a.name},
            {"sso_mode", policy::to_string(a.sso_mode)},
            {"verified_domains", a.verified_domains},
            {"break_glass", a.break_glass}};
}

json to_j(const ConnectionRecord &c) {
    return {{"id", c.id}, {"account_id", c.account_id}, {"json", c.json}, {"enabled", c.enabled}};
}

json to_j(const Member &m) {
    return {{"account_id", m.account_id},        {"email", m.email},
            {"role", policy::to_string(m.role)}, {"status", policy::to_string(m.status)},
            {"has_password", m.has_password},    {"joined_via", policy::to_string(m.joined_via)},
            {"sso_linked", m.sso_linked},        {"last_sso_login", m.last_sso_login},
            {"created_at", m.created_at}};
}

json to_j(const Invite &i) {
    return {{"account_id", i.account_id}, {"email", i.email},           {"role", policy::to_string(i.role)},
            {"token", i.token},           {"created_at", i.created_at}, {"expires_at", i.expires_at}};
}

json to_j(const JoinToken &t) {
    return {{"token", t.token},
            {"account_id", t.account_id},
            {"connection_id", t.connection_id},
            {"email", t.email},
            {"expires_at", t.expires_at}};
}

json to_j(const AuditEntry &e) {
    return {
        {"seq", e.seq},     {"time", e.time},       {"account_id", e.account_id}, {"connection_id", e.connection_id},
        {"email", e.email}, {"outcome", e.outcome}, {"reason", e.reason},         {"detail", e.detail}};
}

Account from_j(const json &j, std::string_view what, std::string_view noun, Account *) {
    Fields f(j, what, noun);
    Account a;
    a.id = f.str("id");
    a.name = f.str("name");
    a.sso_mode = f.name<policy::SsoMode>("sso_mode", kModes, "mixed or enforced");
    a.verified_domains = f.strings("verified_domains");
    a.break_glass = f.strings("break_glass");
    // Optional: a host that keeps no revision leaves it out (0), and update_account then compares
    // the other fields.
    if (f.has("revision")) a.revision = f.integer("revision");
    f.done();
    for (auto &d : a.verified_domains) d = lower_ascii(d);
    for (auto &e : a.break_glass) e = normalize_email(e);
    return a;
}

ConnectionRecord from_j(const json &j, std::string_view what, std::string_view noun, ConnectionRecord *) {
    Fields f(j, what, noun);
    ConnectionRecord c;
    c.id = f.str("id");
    c.account_id = f.str("account_id");
    c.json = f.str("json");
    c.enabled = f.boolean("enabled");
    f.done();
    return c;
}

Member from_j(const json &j, std::string_view what, std::string_view noun, Member *) {
    Fields f(j, what, noun);
    Member m;
    m.account_id = f.str("account_id");
    m.email = normalize_email(f.str("email"));
    m.role = f.name<policy::Role>("role", kRoles, "owner, admin or member");
    m.status = f.name<policy::MemberStatus>("status", kStatuses, "active or disabled");
    m.has_password = f.boolean("has_password");
    m.joined_via = f.name<policy::JoinedVia>("joined_via", kVias, "password or sso");
    m.sso_linked = f.boolean("sso_linked");
    m.last_sso_login = f.integer("last_sso_login");
    m.created_at = f.integer("created_at");
    f.done();
    return m;
}

Invite from_j(const json &j, std::string_view what, std::string_view noun, Invite *) {
    Fields f(j, what, noun);
    Invite i;
    i.account_id = f.str("account_id");
    i.email = normalize_email(f.str("email"));
    i.role = f.name<policy::Role>("role", kRoles, "owner, admin or member");
    i.token = f.str("token");
    i.created_at = f.integer("created_at");
    i.expires_at = f.integer("expires_at");
    f.done();
    return i;
}

JoinToken from_j(const json &j, std::string_view what, std::string_view noun, JoinToken *) {
    Fields f(j, what, noun);
    JoinToken t;
    t.token = f.str("token");
    t.account_id = f.str("account_id");
    t.connection_id = f.str("connection_id");
    t.email = normalize_email(f.str("email"));
    t.expires_at = f.integer("expires_at");
    f.done();
    return t;
}

AuditEntry from_j(const json &j, std::string_view what, std::string_view noun, AuditEntry *) {
    Fields f(j, what, noun);
    AuditEntry e;
    e.seq = f.integer("seq");
    e.time = f.integer("time");
    e.account_id = f.str("account_id");
    e.connection_id = f.str("connection_id");
    e.email = normalize_email(f.str("email"));
    e.outcome = f.str("outcome");
    e.reason = f.str("reason");
    e.detail = f.str("detail");
    f.done();
    return e;
}

template <typename T>
std::string write_one(const T &record) {
    return dump(to_j(record));
}

template <typename T>
std::string write_list(const std::vector<T> &records) {
    json arr = json::array();
    for (const auto &r : records) arr.push_back(to_j(r));
    return dump(arr);
}

// The tag pointer only picks the from_j overload.
template <typename T>
T read_one(std::string_view text, std::string_view what, const char *noun) {
    const json j = parse(text, what, noun);
    return from_j(j, what, noun, static_cast<T *>(nullptr));
}

template <typename T>
std::vector<T> read_list(std::string_view text, std::string_view what, const char *noun, const char *plural) {
    const std::string list_of = std::string("a list of ") + plural;
    const json j = parse(text, what, list_of.c_str());
    if (!j.is_array())
        fail(Code::store_corrupt,
             std::string(what) + " " + type_name(j) + " where " + list_of + " (a JSON array) was expected");
    std::vector<T> out;
    out.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) {
        out.push_back(from_j(j[i], what, std::string(noun) + " (item " + std::to_string(i) + " of the list)",
                             static_cast<T *>(nullptr)));
    }
    return out;
}

}  // namespace

std::string to_json(const Account &account) { return write_one(account); }
std::string to_json(const ConnectionRecord &connection) { return write_one(connection); }
std::string to_json(const Member &member) { return write_one(member); }
std::string to_json(const Invite &invite) { return write_one(invite); }
std::string to_json(const JoinToken &token) { return write_one(token); }
std::string to_json(const AuditEntry &entry) { return write_one(entry); }

std::string to_json(const std::vector<Account> &accounts) { return write_list(accounts); }
std::string to_json(const std::vector<ConnectionRecord> &connections) { return write_list(connections); }
std::string to_json(const std::vector<Member> &members) { return write_list(members); }
std::string to_json(const std::vector<Invite> &invites) { return write_list(invites); }
std::string to_json(const std::vector<JoinToken> &tokens) { return write_list(tokens); }
std::string to_json(const std::vector<AuditEntry> &entries) { return write_list(entries); }

Account account_from_json(std::string_view json, std::string_view what) {
    return read_one<Account>(json, what, "an account");
}
ConnectionRecord connection_from_json(std::string_view json, std::string_view what) {
    return read_one<ConnectionRecord>(json, what, "a connection");
}
Member member_from_json(std::string_view json, std::string_view what) {
    return read_one<Member>(json, what, "a member");
}
Invite invite_from_json(std::string_view json, std::string_view what) {
    return read_one<Invite>(json, what, "an invite");
}
JoinToken join_token_from_json(std::string_view json, std::string_view what) {
    return read_one<JoinToken>(json, what, "a join token");
}
AuditEntry audit_from_json(std::string_view json, std::string_view what) {
    return read_one<AuditEntry>(json, what, "an audit row");
}

namespace {

json op_to_j(const TakeInvite &o) {
    return {
        {"op", "take_invite"}, {"account_id", o.account_id}, {"email", o.email}, {"token", o.token}, {"now", o.now}};
}
json op_to_j(const TakeJoinToken &o) { return {{"op", "take_join_token"}, {"token", o.token}, {"now", o.now}}; }
json op_to_j(const InsertMember &o) { return {{"op", "insert_member"}, {"member", to_j(o.member)}}; }
json op_to_j(const UpdateMember &o) {
    return {{"op", "update_member"}, {"before", to_j(o.before)}, {"after", to_j(o.after)}};
}
json op_to_j(const AppendAudit &o) { return {{"op", "append_audit"}, {"entry", to_j(o.entry)}}; }
// The account records of an update_account carry the revision (put_account's do not: it is ignored
// there).
json with_revision(const Account &a) {
    json j = to_j(a);
    j["revision"] = a.revision;
    return j;
}
json op_to_j(const UpdateAccount &o) {
    return {{"op", "update_account"}, {"before", with_revision(o.before)}, {"after", with_revision(o.after)}};
}
json op_to_j(const RemoveMember &o) { return {{"op", "remove_member"}, {"before", to_j(o.before)}}; }

}  // namespace

std::string to_json(const Change &change) {
    json ops = json::array();
    for (const auto &op : change.ops) ops.push_back(std::visit([](const auto &o) { return op_to_j(o); }, op));
    return dump(ops);
}

std::vector<std::int64_t> seqs_from_json(std::string_view text, std::string_view what) {
    const json j = parse(text, what, "an array of audit seqs");
    if (!j.is_array())
        fail(Code::store_corrupt,
             std::string(what) + " " + type_name(j) + " where an array of audit seqs was expected");
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        if (!j[i].is_number_integer() || j[i].get<std::int64_t>() <= 0)
            fail(Code::store_corrupt, std::string(what) + " an array of audit seqs whose item " + std::to_string(i) +
                                          " is not an integer > 0");
        out.push_back(j[i].get<std::int64_t>());
    }
    return out;
}

std::vector<Account> accounts_from_json(std::string_view json, std::string_view what) {
    return read_list<Account>(json, what, "an account", "accounts");
}
std::vector<ConnectionRecord> connections_from_json(std::string_view json, std::string_view what) {
    return read_list<ConnectionRecord>(json, what, "a connection", "connections");
}
std::vector<Member> members_from_json(std::string_view json, std::string_view what) {
    return read_list<Member>(json, what, "a member", "members");
}
std::vector<Invite> invites_from_json(std::string_view json, std::string_view what) {
    return read_list<Invite>(json, what, "an invite", "invites");
}
std::vector<JoinToken> join_tokens_from_json(std::string_view json, std::string_view what) {
    return read_list<JoinToken>(json, what, "a join token", "join tokens");
}
std::vector<AuditEntry> audit_entries_from_json(std::string_view json, std::string_view what) {
    return read_list<AuditEntry>(json, what, "an audit row", "audit rows");
}

}  // namespace ssogate::core::store
