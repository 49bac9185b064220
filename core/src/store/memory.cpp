// In-memory directory and pending requests: one mutex each; every call is atomic under it, and a
// Change is undone step by step when one of its operations fails, which gives apply() the same
// all-or-nothing behaviour the SQLite transaction gives.
#include "error.hpp"
#include "store/directory.hpp"
#include "store/pending_requests.hpp"
#include "util/email.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <variant>

namespace ssogate::core::store {

namespace {

using util::lower_ascii;
using util::normalize_email;
using Key = std::pair<std::string, std::string>;

class MemoryDirectory final : public Directory {
public:
    void put_account(const Account &a) override {
        std::lock_guard lock(mu_);
        Account copy = normalised(a);
        auto it = accounts_.find(a.id);
        copy.revision = it == accounts_.end() ? 0 : it->second.revision + 1;
        accounts_[a.id] = copy;
    }
    void insert_account(const Account &a) override {
        std::lock_guard lock(mu_);
        if (accounts_.count(a.id) != 0)
            fail(Code::store_conflict, "an account with id \"" + a.id + "\" already exists");
        Account copy = normalised(a);
        copy.revision = 0;
        accounts_[a.id] = copy;
    }
    std::optional<Account> find_account(std::string_view id) override {
        std::lock_guard lock(mu_);
        auto it = accounts_.find(std::string(id));
        if (it == accounts_.end()) return std::nullopt;
        return it->second;
    }

    void put_connection(const ConnectionRecord &c) override {
        std::lock_guard lock(mu_);
        require_account(c.account_id);
        connections_[c.id] = c;
    }
    std::optional<ConnectionRecord> find_connection(std::string_view id) override {
        std::lock_guard lock(mu_);
        auto it = connections_.find(std::string(id));
        if (it == connections_.end()) return std::nullopt;
        return it->second;
    }
    std::vector<ConnectionRecord> list_connections(std::string_view account_id) override {
        std::lock_guard lock(mu_);
        std::vector<ConnectionRecord> out;
        for (const auto &[id, c] : connections_) {
            if (c.account_id == account_id) out.push_back(c);
        }
        return out;
    }
    void remove_connection(std::string_view id) override {
        std::lock_guard lock(mu_);
        if (connections_.erase(std::string(id)) == 0)
            fail(Code::not_found, "no connection with id \"" + std::string(id) + "\"");
    }

    void put_member(const Member &m) override {
        std::lock_guard lock(mu_);
        require_account(m.account_id);
        Member copy = m;
        copy.email = normalize_email(m.email);
        members_[{copy.account_id, copy.email}] = copy;
    }
    std::optional<Member> find_member(std::string_view account_id, std::string_view email) override {
        std::lock_guard lock(mu_);
        auto it = members_.find({std::string(account_id), normalize_email(email)});
        if (it == members_.end()) return std::nullopt;
        return it->second;
    }
    std::vector<Member> list_members(std::string_view account_id) override {
        std::lock_guard lock(mu_);
        std::vector<Member> out;
        for (const auto &[key, m] : members_) {
            if (key.first == account_id) out.push_back(m);
        }
        return out;
    }

    void put_invite(const Invite &i) override {
        std::lock_guard lock(mu_);
        require_account(i.account_id);
        Invite copy = i;
        copy.email = normalize_email(i.email);
        for (auto it = invites_.begin(); it != invites_.end(); ++it) {
            if (it->second.token == copy.token && it->first != Key{copy.account_id, copy.email})
                fail(Code::store_conflict, "an invite with this token already exists for another email");
        }
        invites_[{copy.account_id, copy.email}] = copy;
    }
    std::optional<Invite> find_invite(std::string_view account_id, std::string_view email, std::int64_t now) override {
        std::lock_guard lock(mu_);
        auto it = invites_.find({std::string(account_id), normalize_email(email)});
        if (it == invites_.end() || it->second.expires_at <= now) return std::nullopt;
        return it->second;
    }
    void revoke_invite(std::string_view account_id, std::string_view email) override {
        std::lock_guard lock(mu_);
        if (invites_.erase({std::string(account_id), normalize_email(email)}) == 0)
            fail(Code::not_found, "no invite for " + normalize_email(email) + " in account " + std::string(account_id));
    }

    void put_join_token(const JoinToken &t) override {
        std::lock_guard lock(mu_);
        if (join_tokens_.count(t.token) != 0) fail(Code::store_conflict, "this join token already exists");
        JoinToken copy = t;
        copy.email = normalize_email(t.email);
        join_tokens_[t.token] = copy;
    }

    std::optional<JoinToken> find_join_token(std::string_view token, std::int64_t now) override {
        std::lock_guard lock(mu_);
        auto it = join_tokens_.find(std::string(token));
        if (it == join_tokens_.end() || it->second.expires_at <= now) return std::nullopt;
        return it->second;
    }

    std::vector<AuditEntry> read_audit(std::string_view account_id, std::int64_t after_seq,
                                       std::size_t limit) override {
        std::lock_guard lock(mu_);
        std::vector<AuditEntry> out;
        for (const auto &e : audit_) {
            if (out.size() >= limit) break;
            if (e.seq > after_seq && (account_id.empty() || e.account_id == account_id)) out.push_back(e);
        }
        return out;
    }

    // Each operation is applied in turn and leaves an undo step; the first failure runs the undo
    // steps backwards, so a refused change leaves the maps exactly as they were (what a rolled-back
    // SQLite transaction gives).
    std::vector<std::int64_t> apply(const Change &change) override {
        const Change c = normalized(change);
        std::lock_guard lock(mu_);
        std::vector<std::function<void()>> undo;
        std::vector<std::int64_t> seqs;
        try {
            for (const auto &op : c.ops) {
                std::visit([&](const auto &o) { apply_one(op, o, undo, seqs); }, op);
            }
        } catch (...) {
            for (auto it = undo.rbegin(); it != undo.rend(); ++it) (*it)();
            throw;
        }
        return seqs;
    }

private:
    static Account normalised(const Account &a) {
        Account copy = a;
        for (auto &d : copy.verified_domains) d = lower_ascii(d);
        for (auto &e : copy.break_glass) e = normalize_email(e);
        return copy;
    }
    void require_account(const std::string &id) const {
        if (accounts_.count(id) == 0) fail(Code::not_found, "no account with id \"" + id + "\"");
    }
    using Undo = std::vector<std::function<void()>>;

    void apply_one(const Operation &op, const TakeInvite &o, Undo &undo, std::vector<std::int64_t> &) {
        auto it = invites_.find({o.account_id, o.email});
        if (it == invites_.end() || it->second.token != o.token || it->second.expires_at <= o.now)
            fail_precondition(op, Code::not_found);
        undo.push_back([this, kept = it->second] { invites_[{kept.account_id, kept.email}] = kept; });
        invites_.erase(it);
    }
    void apply_one(const Operation &op, const TakeJoinToken &o, Undo &undo, std::vector<std::int64_t> &) {
        auto it = join_tokens_.find(o.token);
        if (it == join_tokens_.end() || it->second.expires_at <= o.now) fail_precondition(op, Code::not_found);
        undo.push_back([this, kept = it->second] { join_tokens_[kept.token] = kept; });
        join_tokens_.erase(it);
    }
    void apply_one(const Operation &op, const InsertMember &o, Undo &undo, std::vector<std::int64_t> &) {
        const Key key{o.member.account_id, o.member.email};
        if (accounts_.count(key.first) == 0) fail_precondition(op, Code::not_found);
        if (members_.count(key) != 0) fail_precondition(op, Code::store_conflict);
        members_[key] = o.member;
        undo.push_back([this, key] { members_.erase(key); });
        bump(key.first, undo);
    }
    void apply_one(const Operation &op, const UpdateMember &o, Undo &undo, std::vector<std::int64_t> &) {
        auto it = members_.find({o.before.account_id, o.before.email});
        if (it == members_.end()) fail_precondition(op, Code::not_found);
        if (!(it->second == o.before)) fail_precondition(op, Code::store_conflict);
        undo.push_back([this, kept = it->second] { members_[{kept.account_id, kept.email}] = kept; });
        it->second = o.after;
        bump(o.before.account_id, undo);
    }
    void apply_one(const Operation &op, const RemoveMember &o, Undo &undo, std::vector<std::int64_t> &) {
        auto it = members_.find({o.before.account_id, o.before.email});
        if (it == members_.end()) fail_precondition(op, Code::not_found);
        if (!(it->second == o.before)) fail_precondition(op, Code::store_conflict);
        undo.push_back([this, kept = it->second] { members_[{kept.account_id, kept.email}] = kept; });
        members_.erase(it);
        bump(o.before.account_id, undo);
    }
    void apply_one(const Operation &op, const UpdateAccount &o, Undo &undo, std::vector<std::int64_t> &) {
        auto it = accounts_.find(o.before.id);
        if (it == accounts_.end()) fail_precondition(op, Code::not_found);
        if (it->second.revision != o.before.revision) fail_precondition(op, Code::store_conflict);
        undo.push_back([this, kept = it->second] { accounts_[kept.id] = kept; });
        Account next = o.after;
        next.revision = it->second.revision + 1;
        it->second = next;
    }
    // A member change moves its account's revision, so that an UpdateAccount decided on the member
    // list read before it fails.
    void bump(const std::string &account_id, Undo &undo) {
        auto it = accounts_.find(account_id);
        if (it == accounts_.end()) return;
        ++it->second.revision;
        undo.push_back([this, account_id] { --accounts_[account_id].revision; });
    }
    void apply_one(const Operation &, const AppendAudit &o, Undo &undo, std::vector<std::int64_t> &seqs) {
        AuditEntry row = o.entry;
        row.seq = static_cast<std::int64_t>(audit_.size()) + 1;
        audit_.push_back(row);
        undo.push_back([this] { audit_.pop_back(); });
        seqs.push_back(row.seq);
    }

    std::mutex mu_;
    std::map<std::string, Account> accounts_;
    std::map<std::string, ConnectionRecord> connections_;
    std::map<Key, Member> members_;
    std::map<Key, Invite> invites_;
    std::map<std::string, JoinToken> join_tokens_;
    std::vector<AuditEntry> audit_;
};

class MemoryPendingRequests final : public PendingRequests {
public:
    explicit MemoryPendingRequests(std::size_t max_entries) : max_entries_(max_entries) {}

    void put(std::string_view token, const PendingRequest &r) override {
        std::lock_guard lock(mu_);
        // Logins begun and never finished (a closed tab, or someone requesting login pages in a loop)
        // are dropped here once expired, as the SQLite store does, so memory follows the live ones.
        purge_locked(r.created_at);
        if (by_token_.size() >= max_entries_)
            fail(Code::store_unavailable, "the in-memory pending-request store is full (" +
                                              std::to_string(max_entries_) +
                                              " unexpired logins begun and not finished); refusing to begin another");
        const Key by_id{r.connection_id, r.request_id};
        if (by_token_.count(std::string(token)) != 0 || by_id_.count(by_id) != 0)
            fail(Code::store_conflict, "a pending request with this RelayState token or request ID already exists");
        by_token_[std::string(token)] = r;
        by_id_[by_id] = std::string(token);
        by_expiry_.emplace(r.expires_at, std::string(token));
    }
    std::optional<PendingRequest> take(std::string_view token, std::int64_t now) override {
        std::lock_guard lock(mu_);
        return take_locked(std::string(token), now);
    }
    std::optional<PendingRequest> take_by_request_id(std::string_view connection_id, std::string_view request_id,
                                                     std::int64_t now) override {
        std::lock_guard lock(mu_);
        auto it = by_id_.find({std::string(connection_id), std::string(request_id)});
        if (it == by_id_.end()) return std::nullopt;
        return take_locked(std::string(it->second), now);
    }

private:
    std::optional<PendingRequest> take_locked(const std::string &token, std::int64_t now) {
        auto it = by_token_.find(token);
        if (it == by_token_.end()) return std::nullopt;
        PendingRequest r = std::move(it->second);
        by_token_.erase(it);
        by_id_.erase({r.connection_id, r.request_id});
        erase_expiry(r.expires_at, token);
        if (r.expires_at <= now) return std::nullopt;  // expired: removed, never returned
        return r;
    }

    void erase_expiry(std::int64_t expires_at, const std::string &token) {
        auto [first, last] = by_expiry_.equal_range(expires_at);
        for (auto it = first; it != last; ++it) {
            if (it->second == token) {
                by_expiry_.erase(it);
                return;
            }
        }
    }

    // Drops every request with expires_at <= now, oldest first: O(number dropped).
    void purge_locked(std::int64_t now) {
        while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
            auto it = by_token_.find(by_expiry_.begin()->second);
            if (it != by_token_.end()) {
                by_id_.erase({it->second.connection_id, it->second.request_id});
                by_token_.erase(it);
            }
            by_expiry_.erase(by_expiry_.begin());
        }
    }

    std::size_t max_entries_;
    std::mutex mu_;
    std::map<std::string, PendingRequest> by_token_;
    std::map<Key, std::string> by_id_;
    std::multimap<std::int64_t, std::string> by_expiry_;  // expires_at -> token, for the purge
};

}  // namespace

std::unique_ptr<Directory> make_memory_directory() { return std::make_unique<MemoryDirectory>(); }
std::unique_ptr<PendingRequests> make_memory_pending_requests(std::size_t max_entries) {
    if (max_entries == 0) fail(Code::invalid_argument, "the in-memory pending-request store needs max_entries > 0");
    return std::make_unique<MemoryPendingRequests>(max_entries);
}

}  // namespace ssogate::core::store
