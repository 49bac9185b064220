// The directory over any SQL Connection: the same logic for every dialect, statements by Id.
#include "store/sql/connection.hpp"

#include "error.hpp"
#include "util/email.hpp"

#include <nlohmann/json.hpp>

#include <utility>
#include <variant>

namespace ssogate::core::store::sql {

namespace {

using util::lower_ascii;
using util::normalize_email;

std::string list_to_json(const std::vector<std::string> &list) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto &s : list) j.push_back(lower_ascii(s));
    return j.dump();
}

std::vector<std::string> list_from_json(const std::string &text) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_array()) fail(Code::store_corrupt, "an account's domain or break-glass list is not a JSON array");
    std::vector<std::string> out;
    for (const auto &item : j) {
        if (!item.is_string()) fail(Code::store_corrupt, "an account's domain or break-glass list holds a non-string");
        out.push_back(item.get<std::string>());
    }
    return out;
}

// A stored enum name that this build does not know means the file was edited or damaged.
template <typename F>
auto parse_stored(F parse, const std::string &text) {
    try {
        return parse(text);
    } catch (const Error &e) {
        fail(Code::store_corrupt, std::string("stored value: ") + e.what());
    }
}

// The columns of member_find / member_list, in order.
Member read_member(const Query &q) {
    Member m;
    m.account_id = q.col_text(0);
    m.email = q.col_text(1);
    m.role = parse_stored(policy::parse_role, q.col_text(2));
    m.status = parse_stored(policy::parse_member_status, q.col_text(3));
    m.has_password = q.col_num(4) != 0;
    m.joined_via = parse_stored(policy::parse_joined_via, q.col_text(5));
    m.sso_linked = q.col_num(6) != 0;
    m.last_sso_login = q.col_num(7);
    m.created_at = q.col_num(8);
    return m;
}

// The seven fields after the key, at parameters first .. first + 6.
Query &bind_fields(Query &q, int first, const Member &m) {
    return q.text(first, policy::to_string(m.role))
        .text(first + 1, policy::to_string(m.status))
        .num(first + 2, m.has_password ? 1 : 0)
        .text(first + 3, policy::to_string(m.joined_via))
        .num(first + 4, m.sso_linked ? 1 : 0)
        .num(first + 5, m.last_sso_login)
        .num(first + 6, m.created_at);
}

// The columns of audit_read / audit_query_*, in order.
AuditEntry read_audit_row(const Query &q) {
    return AuditEntry{q.col_num(0),  q.col_num(1),  q.col_text(2), q.col_text(3),
                      q.col_text(4), q.col_text(5), q.col_text(6), q.col_text(7)};
}

// A list of names as the audit queries' parameter: ",A,B," (names hold no comma: the Gate checks), or
// "" for any.
std::string name_set(const std::vector<std::string> &names) {
    if (names.empty()) return {};
    std::string out = ",";
    for (const auto &n : names) out += n + ",";
    return out;
}

ConnectionRecord read_connection(const Query &q) {
    return ConnectionRecord{q.col_text(0), q.col_text(1), q.col_text(2), q.col_num(3) != 0};
}

class SqlDirectory final : public Directory {
public:
    explicit SqlDirectory(std::shared_ptr<Connection> db) : db_(std::move(db)) {}

    void put_account(const Account &a) override {
        db_->write(doing(Id::account_put), [&] {
            db_->query(Id::account_put)
                ->text(1, a.id)
                .text(2, a.name)
                .text(3, policy::to_string(a.sso_mode))
                .text(4, list_to_json(a.verified_domains))
                .text(5, list_to_json(a.break_glass))
                .run();
        });
    }
    std::optional<Account> find_account(std::string_view id) override {
        return db_->read([&]() -> std::optional<Account> {
            auto q = db_->query(Id::account_find);
            if (!q->text(1, id).step()) return std::nullopt;
            Account a;
            a.id = q->col_text(0);
            a.name = q->col_text(1);
            a.sso_mode = parse_stored(policy::parse_sso_mode, q->col_text(2));
            a.verified_domains = list_from_json(q->col_text(3));
            a.break_glass = list_from_json(q->col_text(4));
            a.revision = q->col_num(5);
            return a;
        });
    }
    void insert_account(const Account &a) override {
        db_->write(doing(Id::account_insert), [&] {
            if (account_exists(a.id)) fail(Code::store_conflict, "an account with id \"" + a.id + "\" already exists");
            // The statement fails on an existing id too (the primary key), should another writer
            // slip in where the transaction does not lock (a dialect whose read does not).
            db_->query(Id::account_insert)
                ->text(1, a.id)
                .text(2, a.name)
                .text(3, policy::to_string(a.sso_mode))
                .text(4, list_to_json(a.verified_domains))
                .text(5, list_to_json(a.break_glass))
                .run();
        });
    }

    void put_connection(const ConnectionRecord &c) override {
        db_->write(doing(Id::connection_put), [&] {
            require_account(c.account_id);
            db_->query(Id::connection_put)
                ->text(1, c.id)
                .text(2, c.account_id)
                .text(3, c.json)
                .num(4, c.enabled ? 1 : 0)
                .run();
        });
    }
    std::optional<ConnectionRecord> find_connection(std::string_view id) override {
        return db_->read([&]() -> std::optional<ConnectionRecord> {
            auto q = db_->query(Id::connection_find);
            if (!q->text(1, id).step()) return std::nullopt;
            return read_connection(*q);
        });
    }
    std::vector<ConnectionRecord> list_connections(std::string_view account_id) override {
        return db_->read([&] {
            auto q = db_->query(Id::connection_list);
            q->text(1, account_id);
            std::vector<ConnectionRecord> out;
            while (q->step()) out.push_back(read_connection(*q));
            return out;
        });
    }
    void remove_connection(std::string_view id) override {
        db_->write(doing(Id::connection_remove), [&] {
            if (!db_->query(Id::connection_remove)->text(1, id).step())
                fail(Code::not_found, "no connection with id \"" + std::string(id) + "\"");
        });
    }

    void put_member(const Member &m) override {
        db_->write(doing(Id::member_put), [&] {
            require_account(m.account_id);
            write_member(Id::member_put, m);
            bump(m.account_id);
        });
    }
    std::optional<Member> find_member(std::string_view account_id, std::string_view email) override {
        return db_->read([&] { return find_member_locked(account_id, email); });
    }
    std::vector<Member> list_members(std::string_view account_id) override {
        return db_->read([&] {
            auto q = db_->query(Id::member_list);
            q->text(1, account_id);
            std::vector<Member> out;
            while (q->step()) out.push_back(read_member(*q));
            return out;
        });
    }

    void put_invite(const Invite &i) override {
        db_->write(doing(Id::invite_put), [&] {
            require_account(i.account_id);
            db_->query(Id::invite_put)
                ->text(1, i.account_id)
                .text(2, normalize_email(i.email))
                .text(3, policy::to_string(i.role))
                .text(4, i.token)
                .num(5, i.created_at)
                .num(6, i.expires_at)
                .run();
        });
    }
    std::optional<Invite> find_invite(std::string_view account_id, std::string_view email, std::int64_t now) override {
        return db_->read([&]() -> std::optional<Invite> {
            auto q = db_->query(Id::invite_find);
            if (!q->text(1, account_id).text(2, normalize_email(email)).num(3, now).step()) return std::nullopt;
            Invite i;
            i.account_id = q->col_text(0);
            i.email = q->col_text(1);
            i.role = parse_stored(policy::parse_role, q->col_text(2));
            i.token = q->col_text(3);
            i.created_at = q->col_num(4);
            i.expires_at = q->col_num(5);
            return i;
        });
    }
    void revoke_invite(std::string_view account_id, std::string_view email) override {
        db_->write(doing(Id::invite_remove), [&] {
            const std::string e = normalize_email(email);
            if (!db_->query(Id::invite_remove)->text(1, account_id).text(2, e).step())
                fail(Code::not_found, "no invite for " + e + " in account " + std::string(account_id));
        });
    }

    void put_join_token(const JoinToken &t) override {
        db_->write(doing(Id::join_token_put), [&] {
            db_->query(Id::join_token_put)
                ->text(1, t.token)
                .text(2, t.account_id)
                .text(3, t.connection_id)
                .text(4, normalize_email(t.email))
                .num(5, t.expires_at)
                .run();
        });
    }
    std::optional<JoinToken> find_join_token(std::string_view token, std::int64_t now) override {
        return db_->read([&]() -> std::optional<JoinToken> {
            auto q = db_->query(Id::join_token_find);
            if (!q->text(1, token).num(2, now).step()) return std::nullopt;
            return JoinToken{std::string(token), q->col_text(0), q->col_text(1), q->col_text(2), q->col_num(3)};
        });
    }

    std::vector<AuditEntry> read_audit(std::string_view account_id, std::int64_t after_seq,
                                       std::size_t limit) override {
        return db_->read([&] {
            auto q = db_->query(Id::audit_read);
            q->num(1, after_seq).text(2, account_id).num(3, static_cast<std::int64_t>(limit));
            std::vector<AuditEntry> out;
            while (q->step()) out.push_back(read_audit_row(*q));
            return out;
        });
    }

    void check() override {
        db_->read([&] { db_->query(Id::schema_version_read)->run(); });
    }

    // One statement: ?1 after ?2 before (0 = none) ?3 since ?4 until (0 = none) ?5 account ?6 email
    // ('' = any) ?7 outcomes ?8 reasons (",A,B," or '' = any) ?9 limit.
    std::vector<AuditEntry> query_audit(const AuditQuery &aq) override {
        return db_->read([&] {
            auto q = db_->query(aq.newest_first ? Id::audit_query_newest : Id::audit_query_oldest);
            q->num(1, aq.after_seq)
                .num(2, aq.before_seq)
                .num(3, aq.since)
                .num(4, aq.until)
                .text(5, aq.account_id)
                .text(6, aq.email)
                .text(7, name_set(aq.outcomes))
                .text(8, name_set(aq.reasons))
                .num(9, static_cast<std::int64_t>(aq.limit));
            std::vector<AuditEntry> out;
            while (q->step()) out.push_back(read_audit_row(*q));
            return out;
        });
    }

    // One transaction; a failed precondition throws out of it, which rolls every earlier operation
    // of the change back.
    std::vector<std::int64_t> apply(const Change &change) override {
        const Change c = normalized(change);
        return db_->write("applying a directory change", [&] {
            std::vector<std::int64_t> seqs;
            for (const auto &op : c.ops) {
                std::visit([&](const auto &o) { apply_one(op, o, seqs); }, op);
            }
            return seqs;
        });
    }

private:
    void apply_one(const Operation &op, const TakeInvite &o, std::vector<std::int64_t> &) {
        auto q = db_->query(Id::invite_take);
        if (!q->text(1, o.account_id).text(2, o.email).text(3, o.token).num(4, o.now).step())
            fail_precondition(op, Code::not_found);
    }
    void apply_one(const Operation &op, const TakeJoinToken &o, std::vector<std::int64_t> &) {
        if (!db_->query(Id::join_token_take)->text(1, o.token).num(2, o.now).step())
            fail_precondition(op, Code::not_found);
    }
    void apply_one(const Operation &op, const InsertMember &o, std::vector<std::int64_t> &) {
        if (!account_exists(o.member.account_id)) fail_precondition(op, Code::not_found);
        if (find_member_locked(o.member.account_id, o.member.email)) fail_precondition(op, Code::store_conflict);
        write_member(Id::member_insert, o.member);
        bump(o.member.account_id);
    }
    void apply_one(const Operation &op, const UpdateMember &o, std::vector<std::int64_t> &) {
        auto q = db_->query(Id::member_update_if);
        q->text(1, o.before.account_id).text(2, o.before.email);
        bind_fields(*q, 3, o.before);
        bind_fields(*q, 10, o.after);
        finish_member_cas(op, std::move(q), o.before);
    }
    void apply_one(const Operation &op, const RemoveMember &o, std::vector<std::int64_t> &) {
        auto q = db_->query(Id::member_remove_if);
        q->text(1, o.before.account_id).text(2, o.before.email);
        bind_fields(*q, 3, o.before);
        finish_member_cas(op, std::move(q), o.before);
    }
    // Runs a member compare-and-swap (update or remove, bound): when it held, the account's revision moves;
    // otherwise the change fails with store_conflict (the row changed) or not_found (it is gone).
    void finish_member_cas(const Operation &op, std::unique_ptr<Query> q, const Member &before) {
        const bool held = q->step();
        q.reset();  // done with the statement before the same connection runs another
        if (held) {
            bump(before.account_id);
            return;
        }
        const bool exists = find_member_locked(before.account_id, before.email).has_value();
        fail_precondition(op, exists ? Code::store_conflict : Code::not_found);
    }
    void apply_one(const Operation &op, const UpdateAccount &o, std::vector<std::int64_t> &) {
        auto q = db_->query(Id::account_update_if);
        q->text(1, o.before.id)
            .num(2, o.before.revision)
            .text(3, o.after.name)
            .text(4, policy::to_string(o.after.sso_mode))
            .text(5, list_to_json(o.after.verified_domains))
            .text(6, list_to_json(o.after.break_glass));
        if (q->step()) return;
        q.reset();
        fail_precondition(op, account_exists(o.before.id) ? Code::store_conflict : Code::not_found);
    }
    void apply_one(const Operation &, const AppendAudit &o, std::vector<std::int64_t> &seqs) {
        const AuditEntry &e = o.entry;
        auto q = db_->query(Id::audit_append);
        q->num(1, e.time)
            .text(2, e.account_id)
            .text(3, e.connection_id)
            .text(4, e.email)
            .text(5, e.outcome)
            .text(6, e.reason)
            .text(7, e.detail);
        if (!q->step()) fail(Code::store_unavailable, std::string(db_->dialect()) + " gave the audit row no seq");
        seqs.push_back(q->col_num(0));
    }

    // A member change moves its account's revision (see store::Account::revision).
    void bump(std::string_view account_id) { db_->query(Id::account_bump)->text(1, account_id).run(); }

    bool account_exists(std::string_view id) { return db_->query(Id::account_exists)->text(1, id).step(); }

    void require_account(std::string_view id) {
        if (!account_exists(id)) fail(Code::not_found, "no account with id \"" + std::string(id) + "\"");
    }

    std::optional<Member> find_member_locked(std::string_view account_id, std::string_view email) {
        auto q = db_->query(Id::member_find);
        if (!q->text(1, account_id).text(2, normalize_email(email)).step()) return std::nullopt;
        return read_member(*q);
    }

    void write_member(Id id, const Member &m) {
        auto q = db_->query(id);
        q->text(1, m.account_id).text(2, normalize_email(m.email));
        bind_fields(*q, 3, m).run();
    }

    std::shared_ptr<Connection> db_;
};

}  // namespace

std::unique_ptr<Directory> make_directory(std::shared_ptr<Connection> db) {
    return std::make_unique<SqlDirectory>(std::move(db));
}

}  // namespace ssogate::core::store::sql
