// Section 5 of ssogate.h, the directory: the library's own (memory, SQLite) or the host's, over
// callbacks that exchange the records as JSON (store/records_json.hpp).
#include "internal.hpp"

#include "policy/policy.hpp"
#include "store/open.hpp"
#include "store/records_json.hpp"
#include "util/email.hpp"

#include <string>
#include <variant>
#include <vector>

// A callback's answer: `set` tells "found nothing" (never called ssogate_json_out_set) apart from a
// record, even an empty one.
struct ssogate_json_out {
    std::string json;
    bool set = false;
};

namespace {

namespace st = ssogate::core::store;
using ssogate::core::Code;
using ssogate::core::util::lower_ascii;
using ssogate::core::util::normalize_email;

// The smallest ssogate_directory_callbacks accepted: everything up to free_user_data (the struct as
// published with the apply callback).
constexpr std::size_t directory_callbacks_v1_size =
    offsetof(ssogate_directory_callbacks, free_user_data) + sizeof(void (*)(void *));

// Which of the two "answered, but no" codes a callback may return.
enum Allowed : unsigned { only_ok = 0, may_not_find = 1, may_conflict = 2 };

// The host's directory. C callbacks cannot throw: a return code is all they can say, and every code
// that is not one of the documented answers means the store could not answer, which must refuse the
// login rather than let it through. Records the host returns are read strictly (records_json).
class CallbackDirectory final : public st::Directory {
public:
    explicit CallbackDirectory(const ssogate_directory_callbacks &cb) : cb_(cb) {}
    ~CallbackDirectory() override {
        if (cb_.free_user_data != nullptr) {
            cb_.free_user_data(cb_.user_data);
        }
    }
    CallbackDirectory(const CallbackDirectory &) = delete;
    CallbackDirectory &operator=(const CallbackDirectory &) = delete;

    void put_account(const st::Account &account) override {
        st::Account a = account;
        for (auto &d : a.verified_domains) d = lower_ascii(d);
        for (auto &e : a.break_glass) e = normalize_email(e);
        const std::string json = st::to_json(a);
        check(cb_.put_account(cb_.user_data, json.data(), json.size()), "put_account", only_ok);
    }

    std::optional<st::Account> find_account(std::string_view id) override {
        const std::string key(id);
        ssogate_json_out out;
        check(cb_.find_account(cb_.user_data, key.c_str(), key.size(), &out), "find_account", only_ok);
        if (!out.set) return std::nullopt;
        auto a = st::account_from_json(out.json, returned("find_account"));
        if (a.id != key) mismatch("find_account", "an account", "id", a.id, key);
        return a;
    }

    void put_connection(const st::ConnectionRecord &connection) override {
        const std::string json = st::to_json(connection);
        check(cb_.put_connection(cb_.user_data, json.data(), json.size()), "put_connection", may_not_find,
              "no account \"" + connection.account_id + "\"");
    }

    std::optional<st::ConnectionRecord> find_connection(std::string_view id) override {
        const std::string key(id);
        ssogate_json_out out;
        check(cb_.find_connection(cb_.user_data, key.c_str(), key.size(), &out), "find_connection", only_ok);
        if (!out.set) return std::nullopt;
        auto c = st::connection_from_json(out.json, returned("find_connection"));
        if (c.id != key) mismatch("find_connection", "a connection", "id", c.id, key);
        return c;
    }

    std::vector<st::ConnectionRecord> list_connections(std::string_view account_id) override {
        const std::string key(account_id);
        ssogate_json_out out;
        check(cb_.list_connections(cb_.user_data, key.c_str(), key.size(), &out), "list_connections", only_ok);
        if (!out.set) return {};
        auto list = st::connections_from_json(out.json, returned("list_connections"));
        for (const auto &c : list) {
            if (c.account_id != key) mismatch("list_connections", "a connection", "account_id", c.account_id, key);
        }
        return list;
    }

    void remove_connection(std::string_view id) override {
        const std::string key(id);
        check(cb_.remove_connection(cb_.user_data, key.c_str(), key.size()), "remove_connection", may_not_find,
              "no connection with id \"" + key + "\"");
    }

    void put_member(const st::Member &member) override {
        st::Member m = member;
        m.email = normalize_email(m.email);
        const std::string json = st::to_json(m);
        check(cb_.put_member(cb_.user_data, json.data(), json.size()), "put_member", may_not_find,
              "no account \"" + m.account_id + "\"");
    }

    std::optional<st::Member> find_member(std::string_view account_id, std::string_view email) override {
        const std::string account(account_id);
        const std::string address = normalize_email(email);
        ssogate_json_out out;
        check(cb_.find_member(cb_.user_data, account.c_str(), account.size(), address.c_str(), address.size(), &out),
              "find_member", only_ok);
        if (!out.set) return std::nullopt;
        auto m = st::member_from_json(out.json, returned("find_member"));
        require_key("find_member", "a member", m.account_id, m.email, account, address);
        return m;
    }

    std::vector<st::Member> list_members(std::string_view account_id) override {
        const std::string key(account_id);
        ssogate_json_out out;
        check(cb_.list_members(cb_.user_data, key.c_str(), key.size(), &out), "list_members", only_ok);
        if (!out.set) return {};
        auto list = st::members_from_json(out.json, returned("list_members"));
        for (const auto &m : list) {
            if (m.account_id != key) mismatch("list_members", "a member", "account_id", m.account_id, key);
        }
        return list;
    }

    void put_invite(const st::Invite &invite) override {
        st::Invite i = invite;
        i.email = normalize_email(i.email);
        const std::string json = st::to_json(i);
        check(cb_.put_invite(cb_.user_data, json.data(), json.size()), "put_invite", may_not_find,
              "no account \"" + i.account_id + "\"");
    }

    std::optional<st::Invite> find_invite(std::string_view account_id, std::string_view email,
                                          std::int64_t now) override {
        const std::string account(account_id);
        const std::string address = normalize_email(email);
        ssogate_json_out out;
        check(
            cb_.find_invite(cb_.user_data, account.c_str(), account.size(), address.c_str(), address.size(), now, &out),
            "find_invite", only_ok);
        if (!out.set) return std::nullopt;
        auto i = st::invite_from_json(out.json, returned("find_invite"));
        require_key("find_invite", "an invite", i.account_id, i.email, account, address);
        // An expired invite must not let anyone in, whatever the host's clock said.
        if (i.expires_at <= now) return std::nullopt;
        return i;
    }

    void revoke_invite(std::string_view account_id, std::string_view email) override {
        const std::string account(account_id);
        const std::string address = normalize_email(email);
        check(cb_.revoke_invite(cb_.user_data, account.c_str(), account.size(), address.c_str(), address.size()),
              "revoke_invite", may_not_find, "no invite for " + address + " in account " + account);
    }

    void put_join_token(const st::JoinToken &token) override {
        st::JoinToken t = token;
        t.email = normalize_email(t.email);
        const std::string json = st::to_json(t);
        check(cb_.put_join_token(cb_.user_data, json.data(), json.size()), "put_join_token", may_conflict,
              "this join token already exists");
    }

    std::optional<st::JoinToken> find_join_token(std::string_view token, std::int64_t now) override {
        const std::string key(token);
        ssogate_json_out out;
        check(cb_.find_join_token(cb_.user_data, key.c_str(), key.size(), now, &out), "find_join_token", only_ok);
        if (!out.set) return std::nullopt;
        auto t = st::join_token_from_json(out.json, returned("find_join_token"));
        if (t.token != key) mismatch("find_join_token", "a join token", "token", t.token, key);
        // Expired is absent, whatever the host's clock said.
        if (t.expires_at <= now) return std::nullopt;
        return t;
    }

    std::vector<st::AuditEntry> read_audit(std::string_view account_id, std::int64_t after_seq,
                                           std::size_t limit) override {
        const std::string key(account_id);
        ssogate_json_out out;
        check(
            cb_.read_audit(cb_.user_data, key.c_str(), key.size(), after_seq, static_cast<std::uint64_t>(limit), &out),
            "read_audit", only_ok);
        if (!out.set) return {};
        auto rows = st::audit_entries_from_json(out.json, returned("read_audit"));
        if (rows.size() > limit) rows.resize(limit);
        return rows;
    }

    // The change as JSON ("directory change, schema 1") to the host's apply callback, which answers
    // the seqs of its append_audit rows. A refused precondition comes back as a bare code; the
    // message names the operation that can give it when only one in the change can.
    std::vector<std::int64_t> apply(const st::Change &change) override {
        if (change.ops.empty()) return {};
        const st::Change c = st::normalized(change);
        const std::string json = st::to_json(c);
        ssogate_json_out out;
        const int rc = cb_.apply(cb_.user_data, json.data(), json.size(), &out);
        try {
            check(rc, "apply", may_not_find | may_conflict, refusal(c, Code::not_found),
                  refusal(c, Code::store_conflict));
        } catch (const ssogate::core::Error &e) {
            if (e.code() != Code::store_unavailable || !has_newer_op(c)) throw;
            // A host written before these operations existed fails them as it fails any unknown
            // one; say which operation that may be, so that the fix (teach the host) is plain.
            ssogate::core::fail(Code::store_unavailable,
                                std::string(e.what()) +
                                    "; the change holds update_account or remove_member, operations a host directory "
                                    "written for an older ssogate may not know (see ssogate_directory_callbacks)");
        }
        std::size_t audits = 0;
        for (const auto &op : c.ops) audits += std::holds_alternative<st::AppendAudit>(op) ? 1 : 0;
        std::vector<std::int64_t> seqs;
        if (out.set) seqs = st::seqs_from_json(out.json, returned("apply"));
        if (seqs.size() != audits)
            ssogate::core::fail(Code::store_corrupt, returned("apply") + " " + std::to_string(seqs.size()) +
                                                         " audit seqs for a change with " + std::to_string(audits) +
                                                         " append_audit operations");
        return seqs;
    }

private:
    // The message of a refused change: the precondition's own (as every backend words it) when a
    // single operation of the change can fail with `code`, else the list of those that can.
    static std::string refusal(const st::Change &c, Code code) {
        std::vector<const st::Operation *> can;
        for (const auto &op : c.ops) {
            const bool takes =
                std::holds_alternative<st::TakeInvite>(op) || std::holds_alternative<st::TakeJoinToken>(op);
            const bool member =
                std::holds_alternative<st::InsertMember>(op) || std::holds_alternative<st::UpdateMember>(op) ||
                std::holds_alternative<st::RemoveMember>(op) || std::holds_alternative<st::UpdateAccount>(op);
            if (member || (takes && code == Code::not_found)) can.push_back(&op);
        }
        if (can.size() == 1) {
            try {
                st::fail_precondition(*can.front(), code);
            } catch (const ssogate::core::Error &e) {
                return e.what();
            }
        }
        std::string names;
        for (const auto *op : can) names += (names.empty() ? "" : ", ") + std::string(st::op_name(*op));
        return "a precondition of the change did not hold (one of: " + names + ")";
    }

    static bool has_newer_op(const st::Change &c) {
        for (const auto &op : c.ops) {
            if (std::holds_alternative<st::UpdateAccount>(op) || std::holds_alternative<st::RemoveMember>(op))
                return true;
        }
        return false;
    }

    static std::string returned(const char *callback) {
        return std::string("the host's directory ") + callback + " callback returned";
    }

    // 0 passes; NOT_FOUND / STORE_CONFLICT become those errors where `allowed`; anything else is a
    // store that could not answer.
    static void check(int rc, const char *callback, unsigned allowed, const std::string &not_found = {},
                      const std::string &conflict = {}) {
        if (rc == 0) return;
        if (rc == SSOGATE_NOT_FOUND && (allowed & may_not_find) != 0)
            ssogate::core::fail(Code::not_found, not_found + " (the host's directory " + callback + " callback)");
        if (rc == SSOGATE_STORE_CONFLICT && (allowed & may_conflict) != 0)
            ssogate::core::fail(Code::store_conflict, conflict + " (the host's directory " + callback + " callback)");
        std::string why = returned(callback) + " " + std::to_string(rc);
        if (rc == SSOGATE_NOT_FOUND || rc == SSOGATE_STORE_CONFLICT)
            why += std::string(" (") + (rc == SSOGATE_NOT_FOUND ? "SSOGATE_NOT_FOUND" : "SSOGATE_STORE_CONFLICT") +
                   ", which this callback may not return)";
        ssogate::core::fail(Code::store_unavailable, why);
    }

    // A record for another key than the one asked for would decide about the wrong user: refuse it.
    [[noreturn]] static void mismatch(const char *callback, const char *noun, const char *field, const std::string &got,
                                      const std::string &want) {
        constexpr std::size_t max = 80;
        ssogate::core::fail(Code::store_corrupt, returned(callback) + " " + noun + " whose \"" + field + "\" is \"" +
                                                     got.substr(0, max) + "\"; expected \"" + want.substr(0, max) +
                                                     "\"");
    }

    static void require_key(const char *callback, const char *noun, const std::string &account_id,
                            const std::string &email, const std::string &want_account, const std::string &want_email) {
        if (account_id != want_account) mismatch(callback, noun, "account_id", account_id, want_account);
        if (email != want_email) mismatch(callback, noun, "email", email, want_email);
    }

    ssogate_directory_callbacks cb_;
};

// The first NULL required callback's name, or nullptr when all are set.
const char *missing_callback(const ssogate_directory_callbacks &cb) {
#define SSOGATE_REQUIRE_CB(name) \
    if (cb.name == nullptr) return #name
    SSOGATE_REQUIRE_CB(put_account);
    SSOGATE_REQUIRE_CB(find_account);
    SSOGATE_REQUIRE_CB(put_connection);
    SSOGATE_REQUIRE_CB(find_connection);
    SSOGATE_REQUIRE_CB(list_connections);
    SSOGATE_REQUIRE_CB(remove_connection);
    SSOGATE_REQUIRE_CB(put_member);
    SSOGATE_REQUIRE_CB(find_member);
    SSOGATE_REQUIRE_CB(list_members);
    SSOGATE_REQUIRE_CB(put_invite);
    SSOGATE_REQUIRE_CB(find_invite);
    SSOGATE_REQUIRE_CB(revoke_invite);
    SSOGATE_REQUIRE_CB(put_join_token);
    SSOGATE_REQUIRE_CB(find_join_token);
    SSOGATE_REQUIRE_CB(read_audit);
    SSOGATE_REQUIRE_CB(apply);
#undef SSOGATE_REQUIRE_CB
    return nullptr;
}

}  // namespace

ssogate_directory *ssogate_directory_open(const char *location, size_t location_len, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        const std::string_view loc = ssogate::capi::input(location, location_len, "location");
        return new ssogate_directory{st::open_directory(loc)};
    }
    SSOGATE_CAPI_END(err, nullptr)
}

int ssogate_json_out_set(ssogate_json_out *out, const char *json, size_t len) noexcept {
    ssogate_error local;
    SSOGATE_CAPI_BEGIN(&local) {
        if (out == nullptr) {
            ssogate::core::fail(Code::invalid_argument, "ssogate_json_out_set: out is NULL");
        }
        out->json = std::string(ssogate::capi::input(json, len, "json"));
        out->set = true;
        return SSOGATE_OK;
    }
    SSOGATE_CAPI_END(&local, local.code)
}

void ssogate_email_normalize(char *email, size_t email_len) noexcept {
    ssogate::core::util::normalize_email_in_place(email, email_len);
}

ssogate_directory *ssogate_directory_new_callbacks(const ssogate_directory_callbacks *cb, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        if (cb == nullptr) {
            ssogate::core::fail(Code::invalid_argument, "ssogate_directory_new_callbacks: cb is NULL");
        }
        ssogate::capi::require_struct_size(cb->struct_size, directory_callbacks_v1_size, "ssogate_directory_callbacks");
        if (const char *missing = missing_callback(*cb)) {
            ssogate::core::fail(Code::invalid_argument, std::string("ssogate_directory_new_callbacks: ") + missing +
                                                            " is NULL; every callback except free_user_data is "
                                                            "required");
        }
        // The handle first: should allocating it fail, no CallbackDirectory exists yet to call
        // free_user_data, as documented for a refused call.
        auto handle = std::make_unique<ssogate_directory>();
        handle->p = std::make_shared<CallbackDirectory>(*cb);
        return handle.release();
    }
    SSOGATE_CAPI_END(err, nullptr)
}

void ssogate_directory_free(ssogate_directory *directory) noexcept { delete directory; }
