// What every directory backend shares about a Change: the operations' names, the normal form they
// are stored in, and the messages of failed preconditions (so that a refusal reads the same whatever
// the backend).
#include "store/directory.hpp"

#include "util/email.hpp"

#include <algorithm>
#include <deque>
#include <iterator>
#include <type_traits>

namespace ssogate::core::store {

namespace {

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

// Domains and break-glass emails as every store keeps them.
void normalize_lists(Account &a) {
    for (auto &d : a.verified_domains) d = util::lower_ascii(d);
    for (auto &e : a.break_glass) e = util::normalize_email(e);
}

}  // namespace

const char *op_name(const Operation &op) noexcept {
    return std::visit(
        overloaded{
            [](const TakeInvite &) { return "take_invite"; }, [](const TakeJoinToken &) { return "take_join_token"; },
            [](const InsertMember &) { return "insert_member"; }, [](const UpdateMember &) { return "update_member"; },
            [](const AppendAudit &) { return "append_audit"; }, [](const UpdateAccount &) { return "update_account"; },
            [](const RemoveMember &) { return "remove_member"; }},
        op);
}

Change normalized(const Change &change) {
    using util::normalize_email;
    Change out = change;
    for (auto &op : out.ops) {
        std::visit(overloaded{[](TakeInvite &o) { o.email = normalize_email(o.email); }, [](TakeJoinToken &) {},
                              [](InsertMember &o) { o.member.email = normalize_email(o.member.email); },
                              [](UpdateMember &o) {
                                  o.before.email = normalize_email(o.before.email);
                                  o.after.email = normalize_email(o.after.email);
                                  if (o.before.account_id != o.after.account_id || o.before.email != o.after.email)
                                      fail(Code::invalid_argument,
                                           "update_member: before is " + o.before.email + " of account " +
                                               o.before.account_id + " but after is " + o.after.email + " of account " +
                                               o.after.account_id + "; an update keeps the key");
                              },
                              [](AppendAudit &o) {
                                  o.entry.seq = 0;
                                  o.entry.email = normalize_email(o.entry.email);
                              },
                              [](UpdateAccount &o) {
                                  normalize_lists(o.before);
                                  normalize_lists(o.after);
                                  if (o.before.id != o.after.id)
                                      fail(Code::invalid_argument, "update_account: before is account " + o.before.id +
                                                                       " but after is account " + o.after.id +
                                                                       "; an update keeps the id");
                                  o.after.revision = o.before.revision + 1;
                              },
                              [](RemoveMember &o) { o.before.email = normalize_email(o.before.email); }},
                   op);
    }
    return out;
}

void fail_precondition(const Operation &op, Code code) {
    const auto member_text = [](const Member &m) { return m.email + " in account " + m.account_id; };
    std::string why = std::visit(
        overloaded{
            [](const TakeInvite &o) { return "no pending invite for " + o.email + " in account " + o.account_id; },
            [](const TakeJoinToken &) { return std::string("the join token is unknown, already used or expired"); },
            [&](const InsertMember &o) {
                return code == Code::not_found
                           ? "no account with id \"" + o.member.account_id + "\""
                           : o.member.email + " is already a member of account " + o.member.account_id;
            },
            [&](const UpdateMember &o) {
                return code == Code::not_found ? "no member " + member_text(o.before)
                                               : "the member " + member_text(o.before) +
                                                     " changed since it was read (another node or an admin wrote it)";
            },
            [](const AppendAudit &) { return std::string("the audit row could not be appended"); },
            [&](const UpdateAccount &o) {
                return code == Code::not_found ? "no account with id \"" + o.before.id + "\""
                                               : "the account " + o.before.id +
                                                     " or one of its members changed since it was read (another "
                                                     "node or an admin wrote it)";
            },
            [&](const RemoveMember &o) {
                return code == Code::not_found ? "no member " + member_text(o.before)
                                               : "the member " + member_text(o.before) +
                                                     " changed since it was read (another node or an admin wrote it)";
            }},
        op);
    fail(code, why);
}

namespace {

std::vector<AuditEntry> ordered(std::deque<AuditEntry> rows, bool newest_first) {
    std::vector<AuditEntry> out(std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
    if (newest_first) std::reverse(out.begin(), out.end());
    return out;
}

}  // namespace

void Directory::insert_account(const Account &account) {
    if (find_account(account.id))
        fail(Code::store_conflict, "an account with id \"" + account.id + "\" already exists");
    put_account(account);
}

AuditEntry Directory::append_audit(const AuditEntry &entry) {
    const auto seqs = apply(Change{{AppendAudit{entry}}});
    if (seqs.size() != 1) fail(Code::store_unavailable, "the directory gave no seq to the appended audit row");
    AuditEntry row = entry;
    row.email = util::normalize_email(entry.email);
    row.seq = seqs[0];
    return row;
}

bool AuditQuery::matches(const AuditEntry &e) const {
    const auto in = [](const std::vector<std::string> &names, const std::string &v) {
        return names.empty() || std::find(names.begin(), names.end(), v) != names.end();
    };
    return e.seq > after_seq && (before_seq == 0 || e.seq < before_seq) && (since == 0 || e.time >= since) &&
           (until == 0 || e.time < until) && (account_id.empty() || e.account_id == account_id) &&
           (email.empty() || e.email == email) && in(outcomes, e.outcome) && in(reasons, e.reason);
}

std::vector<AuditEntry> Directory::query_audit(const AuditQuery &q) {
    constexpr std::size_t page = 1000;
    if (q.limit == 0) return {};
    std::deque<AuditEntry> found;
    std::int64_t cursor = q.after_seq;
    while (true) {
        const auto rows = read_audit(q.account_id, cursor, page);
        for (const auto &row : rows) {
            // A host store that answers out of order or repeats rows would loop forever otherwise.
            if (row.seq <= cursor) fail(Code::store_corrupt, "the directory's read_audit returned rows out of order");
            cursor = row.seq;
            if (q.before_seq != 0 && row.seq >= q.before_seq) return ordered(std::move(found), q.newest_first);
            if (!q.matches(row)) continue;
            found.push_back(row);
            if (found.size() > q.limit) found.pop_front();  // newest first keeps the last `limit` matches
            if (!q.newest_first && found.size() == q.limit) return ordered(std::move(found), false);
        }
        if (rows.size() < page) return ordered(std::move(found), q.newest_first);
    }
}

}  // namespace ssogate::core::store
