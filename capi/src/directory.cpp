// Section 5 of ssogate.h, the directory: the library's own (memory, SQLite) or the host's, over
// callbacks that exchange the records as JSON (store/records_json.hpp).
#include "internal.hpp"

#include "policy/policy.hpp"
#include "store/records_json.hpp"
#include "store/sqlite.hpp"
#include "util/email.hpp"
#include "util/text.hpp"

#include <string>

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

// The first published ssogate_directory_callbacks: everything up to free_user_data.
constexpr std::size_t directory_callbacks_v1_size =
    offsetof(ssogate_directory_callbacks, free_user_data) + sizeof(void (*)(void *));

// Which of the two "answered, but no" codes a callback may return.
enum Allowed : unsigned { only_ok = 0, may_not_find = 1, may_conflict = 2 };

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

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

    st::AuditEntry append_audit(const st::AuditEntry &entry) override {
        st::AuditEntry row = audit_row(entry);
        const std::string json = st::to_json(row);
        std::int64_t seq = 0;
        check(cb_.append_audit(cb_.user_data, json.data(), json.size(), &seq), "append_audit", only_ok);
        if (seq <= 0)
            ssogate::core::fail(Code::store_unavailable,
                                "the host's directory append_audit callback returned 0 but set "
                                "*seq to " +
                                    std::to_string(seq) + "; expected a number > 0");
        row.seq = seq;
        return row;
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

    void record_sso_login(std::string_view account_id, std::string_view email, std::int64_t now,
                          const st::AuditEntry &audit) override {
        const std::string account(account_id);
        const std::string address = normalize_email(email);
        const std::string json = st::to_json(audit_row(audit));
        check(cb_.record_sso_login(cb_.user_data, account.c_str(), account.size(), address.c_str(), address.size(), now,
                                   json.data(), json.size()),
              "record_sso_login", may_not_find, "no member " + address + " in account " + account);
    }

    st::Member accept_invite(std::string_view account_id, std::string_view email, ssogate::core::policy::JoinedVia via,
                             bool has_password, std::int64_t now, const st::AuditEntry &audit) override {
        const std::string account(account_id);
        const std::string address = normalize_email(email);
        const std::string json = st::to_json(audit_row(audit));
        ssogate_json_out out;
        check(cb_.accept_invite(cb_.user_data, account.c_str(), account.size(), address.c_str(), address.size(),
                                static_cast<int>(via), has_password ? 1 : 0, now, json.data(), json.size(), &out),
              "accept_invite", may_not_find | may_conflict,
              "no pending invite for " + address + " in account " + account,
              address + " is already a member of account " + account);
        auto m = answered_member(out, "accept_invite");
        require_key("accept_invite", "a member", m.account_id, m.email, account, address);
        return m;
    }

    st::Member redeem_join_token(std::string_view token, std::int64_t now, const st::AuditEntry &audit) override {
        const std::string key(token);
        const std::string json = st::to_json(audit_row(audit));
        ssogate_json_out out;
        check(cb_.redeem_join_token(cb_.user_data, key.c_str(), key.size(), now, json.data(), json.size(), &out),
              "redeem_join_token", may_not_find | may_conflict, "the join token is unknown, already used or expired",
              "the join token's email is already a member of its account");
        return answered_member(out, "redeem_join_token");
    }

    void add_member(const st::Member &member, const st::AuditEntry &audit) override {
        st::Member m = member;
        m.email = normalize_email(m.email);
        const std::string json = st::to_json(m);
        const std::string audit_json = st::to_json(audit_row(audit));
        check(cb_.add_member(cb_.user_data, json.data(), json.size(), audit_json.data(), audit_json.size()),
              "add_member", may_not_find | may_conflict, "no account \"" + m.account_id + "\"",
              m.email + " is already a member of account " + m.account_id);
    }

private:
    static std::string returned(const char *callback) {
        return std::string("the host's directory ") + callback + " callback returned";
    }

    // The row as the host receives it: seq 0 (the host assigns it), email lower-cased.
    static st::AuditEntry audit_row(const st::AuditEntry &entry) {
        st::AuditEntry row = entry;
        row.seq = 0;
        row.email = normalize_email(row.email);
        return row;
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

    static st::Member answered_member(const ssogate_json_out &out, const char *callback) {
        if (!out.set)
            ssogate::core::fail(Code::store_unavailable,
                                returned(callback) + " 0 without calling ssogate_json_out_set with the new member");
        return st::member_from_json(out.json, returned(callback));
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
    SSOGATE_REQUIRE_CB(append_audit);
    SSOGATE_REQUIRE_CB(read_audit);
    SSOGATE_REQUIRE_CB(record_sso_login);
    SSOGATE_REQUIRE_CB(accept_invite);
    SSOGATE_REQUIRE_CB(redeem_join_token);
    SSOGATE_REQUIRE_CB(add_member);
#undef SSOGATE_REQUIRE_CB
    return nullptr;
}

}  // namespace

ssogate_directory *ssogate_directory_open(const char *location, size_t location_len, ssogate_error *err) noexcept {
    SSOGATE_CAPI_BEGIN(err) {
        const std::string_view loc = ssogate::capi::input(location, location_len, "location");
        if (loc == "memory:") {
            return new ssogate_directory{st::make_memory_directory()};
        }
        if (starts_with(loc, "sqlite:")) {
            const std::string path(loc.substr(7));
            if (path.empty()) {
                ssogate::core::fail(Code::store_location, "store location \"sqlite:\" has no path after sqlite:");
            }
            return new ssogate_directory{st::make_sqlite_directory(st::open_sqlite(path))};
        }
        const std::string shown = ssogate::core::util::printable(loc);
        if (starts_with(loc, "redis://")) {
            ssogate::core::fail(Code::store_location,
                                "store location \"" + shown +
                                    "\": the directory needs sqlite:PATH or memory:; Redis can hold only the shared "
                                    "state (the replay cache and pending requests)");
        }
        ssogate::core::fail(Code::store_location, "store location \"" + shown + "\": expected memory: or sqlite:PATH");
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
