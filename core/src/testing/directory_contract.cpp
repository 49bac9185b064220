#include "testing/directory_contract.hpp"

#include "error.hpp"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ssogate::core::testing {

namespace {

using namespace store;

constexpr std::int64_t kNow = 1'700'000'000;

std::string str(Code c) { return code_name(c); }

// One run of the contract: the check being run (for messages) and the helpers the checks share.
class Contract {
public:
    explicit Contract(Directory &dir) : d_(dir) {}

    void run() {
        check("accounts", [&] { accounts(); });
        check("connections", [&] { connections(); });
        check("members", [&] { members(); });
        check("invites", [&] { invites(); });
        check("join tokens", [&] { join_tokens(); });
        check("audit log", [&] { audit_log(); });
        check("take_invite", [&] { take_invite(); });
        check("take_join_token", [&] { take_join_token(); });
        check("insert_member", [&] { insert_member(); });
        check("update_member", [&] { update_member(); });
        check("update_account", [&] { update_account(); });
        check("remove_member", [&] { remove_member(); });
        check("operations see the earlier ones of their change", [&] { in_order(); });
        check("a failed change leaves nothing behind", [&] { all_or_nothing(); });
        check("apply answers the audit seqs", [&] { seqs(); });
    }

private:
    void check(const char *name, const std::function<void()> &body) {
        name_ = name;
        try {
            body();
        } catch (const Error &e) {
            if (e.code() == Code::store_corrupt && std::string(e.what()).rfind("directory contract, ", 0) == 0) throw;
            fail(e.code(),
                 "directory contract, " + name_ + ": the directory failed with " + str(e.code()) + ": " + e.what());
        }
    }

    void expect(bool ok, const std::string &what) {
        if (!ok) fail(Code::store_corrupt, "directory contract, " + name_ + ": " + what);
    }

    // `f` must fail with `want`.
    void expect_code(Code want, const std::function<void()> &f, const std::string &what) {
        Code got = Code::ok;
        try {
            f();
        } catch (const Error &e) {
            got = e.code();
        }
        expect(got == want, what + ": expected " + str(want) + ", got " + (got == Code::ok ? "success" : str(got)));
    }

    std::string account(const std::string &suffix) {
        Account a;
        a.id = "contract-" + suffix;
        a.name = "Contract " + suffix;
        d_.put_account(a);
        return a.id;
    }

    static Member member(const std::string &account_id, const std::string &email) {
        Member m;
        m.account_id = account_id;
        m.email = email;
        m.role = policy::Role::admin;
        m.has_password = true;
        m.created_at = kNow - 100;
        return m;
    }

    static AuditEntry row(const std::string &account_id, const std::string &outcome, const std::string &email = {}) {
        AuditEntry e;
        e.time = kNow;
        e.account_id = account_id;
        e.connection_id = "conn";
        e.email = email;
        e.outcome = outcome;
        e.reason = "CONTRACT";
        e.detail = "detail of " + outcome;
        return e;
    }

    std::size_t audit_rows(const std::string &account_id) { return d_.read_audit(account_id, 0, 1000).size(); }

    void accounts();
    void connections();
    void members();
    void invites();
    void join_tokens();
    void audit_log();
    void take_invite();
    void take_join_token();
    void insert_member();
    void update_member();
    void update_account();
    void remove_member();
    void in_order();
    void all_or_nothing();
    void seqs();

    Directory &d_;
    std::string name_;
};

void Contract::accounts() {
    Account a;
    a.id = "contract-accounts";
    a.name = "Acme";
    a.verified_domains = {"Example.COM"};
    a.break_glass = {"Owner@Example.com"};
    d_.put_account(a);
    auto got = d_.find_account(a.id);
    expect(got.has_value(), "find_account found nothing after put_account");
    expect(got->name == "Acme" && got->sso_mode == policy::SsoMode::mixed, "the account did not round-trip");
    expect(got->verified_domains == std::vector<std::string>{"example.com"}, "verified domains are not lower-cased");
    expect(got->break_glass == std::vector<std::string>{"owner@example.com"}, "break-glass emails are not lower-cased");
    got->sso_mode = policy::SsoMode::enforced;
    d_.put_account(*got);
    expect(d_.find_account(a.id)->sso_mode == policy::SsoMode::enforced, "put_account did not replace the account");
    expect(!d_.find_account("contract-no-such-account"), "find_account found an account never put");
}

void Contract::connections() {
    const std::string acc = account("connections");
    const std::string json = R"({"schema_version":1,"id":"c-1","x":"\u00e9 é"})";
    d_.put_connection({"contract-c1", acc, json, true});
    d_.put_connection({"contract-c0", acc, "{}", false});
    const auto c = d_.find_connection("contract-c1");
    expect(c && c->json == json && c->enabled && c->account_id == acc, "the connection did not round-trip verbatim");
    const auto list = d_.list_connections(acc);
    expect(list.size() == 2 && list[0].id == "contract-c0" && !list[0].enabled && list[1].id == "contract-c1",
           "list_connections did not answer both connections ordered by id");
    d_.remove_connection("contract-c0");
    expect(!d_.find_connection("contract-c0"), "a removed connection is still found");
    expect_code(
        Code::not_found, [&] { d_.remove_connection("contract-c0"); }, "removing an absent connection");
    expect_code(
        Code::not_found,
        [&] {
            d_.put_connection({"contract-cx", "contract-none", "{}", true});
        },
        "a connection of an account that does not exist");
}

void Contract::members() {
    const std::string acc = account("members");
    Member m = member(acc, "Alice@Example.COM");
    d_.put_member(m);
    auto got = d_.find_member(acc, "alice@example.com");
    expect(got.has_value(), "find_member found nothing after put_member");
    expect(got->email == "alice@example.com", "the email was not lower-cased");
    m.email = "alice@example.com";
    expect(*got == m, "the member did not round-trip field by field");
    expect(d_.find_member(acc, "ALICE@example.com").has_value(), "find_member is not case-insensitive on ASCII");
    expect(!d_.find_member("contract-accounts", "alice@example.com"), "a member was found in another account");
    m.status = policy::MemberStatus::disabled;
    d_.put_member(m);
    expect(d_.find_member(acc, m.email)->status == policy::MemberStatus::disabled, "put_member did not replace");
    d_.put_member(member(acc, "aaron@example.com"));
    const auto list = d_.list_members(acc);
    expect(list.size() == 2 && list[0].email == "aaron@example.com" && list[1].email == "alice@example.com",
           "list_members did not answer the account's members ordered by email");
    expect_code(
        Code::not_found, [&] { d_.put_member(member("contract-none", "x@example.com")); },
        "put_member for an account that does not exist");
}

void Contract::invites() {
    const std::string acc = account("invites");
    d_.put_invite({acc, "New@Example.com", policy::Role::admin, "contract-inv-1", kNow, kNow + 60});
    const auto i = d_.find_invite(acc, "new@example.com", kNow + 59);
    expect(i && i->email == "new@example.com" && i->role == policy::Role::admin && i->token == "contract-inv-1" &&
               i->created_at == kNow && i->expires_at == kNow + 60,
           "the invite did not round-trip (email lower-cased)");
    expect(!d_.find_invite(acc, "new@example.com", kNow + 60), "an invite is found at its expires_at");
    d_.put_invite({acc, "new@example.com", policy::Role::member, "contract-inv-2", kNow, kNow + 600});
    const auto replaced = d_.find_invite(acc, "new@example.com", kNow);
    expect(replaced && replaced->token == "contract-inv-2" && replaced->role == policy::Role::member,
           "put_invite did not replace the invite of the same email");
    d_.revoke_invite(acc, "NEW@example.com");
    expect(!d_.find_invite(acc, "new@example.com", kNow), "a revoked invite is still found");
    expect_code(
        Code::not_found, [&] { d_.revoke_invite(acc, "new@example.com"); }, "revoking an absent invite");
    expect_code(
        Code::not_found,
        [&] {
            d_.put_invite({"contract-none", "x@example.com", policy::Role::member, "t", kNow, kNow + 1});
        },
        "an invite for an account that does not exist");
}

void Contract::join_tokens() {
    d_.put_join_token({"contract-jt-1", "contract-x", "conn", "Carol@Example.com", kNow + 600});
    expect_code(
        Code::store_conflict,
        [&] {
            d_.put_join_token({"contract-jt-1", "contract-x", "conn", "x@example.com", kNow + 600});
        },
        "a second join token with the same value");
    const auto t = d_.find_join_token("contract-jt-1", kNow);
    expect(t && t->account_id == "contract-x" && t->connection_id == "conn" && t->email == "carol@example.com" &&
               t->expires_at == kNow + 600,
           "the join token did not round-trip (email lower-cased)");
    expect(!d_.find_join_token("contract-jt-1", kNow + 600), "a join token is found at its expires_at");
    expect(!d_.find_join_token("contract-jt-none", kNow), "an unknown join token is found");
    expect(d_.find_join_token("contract-jt-1", kNow).has_value(), "finding a join token consumed it");
}

void Contract::audit_log() {
    std::vector<std::int64_t> seqs;
    for (int i = 0; i < 5; ++i) {
        AuditEntry e = row(i % 2 ? "contract-audit-b" : "contract-audit-a", "ROW", "Mixed@Example.com");
        e.detail = std::to_string(i);
        const AuditEntry written = d_.append_audit(e);
        expect(written.seq > 0 && (seqs.empty() || written.seq > seqs.back()),
               "append_audit gave seq " + std::to_string(written.seq) + ", not above the previous row's");
        seqs.push_back(written.seq);
    }
    const auto a = d_.read_audit("contract-audit-a", 0, 100);
    expect(a.size() == 3, "read_audit of one account answered " + std::to_string(a.size()) + " rows, expected 3");
    expect(a[0].email == "mixed@example.com" && a[0].outcome == "ROW" && a[0].reason == "CONTRACT" &&
               a[0].connection_id == "conn" && a[0].time == kNow && a[0].detail == "0" && a[0].seq == seqs[0],
           "the audit row did not round-trip (email lower-cased)");
    const auto all = d_.read_audit("", 0, 100000);
    for (std::size_t i = 1; i < all.size(); ++i) expect(all[i - 1].seq < all[i].seq, "read_audit is not by seq");
    const auto page = d_.read_audit("", seqs[1], 2);
    expect(page.size() == 2 && page[0].seq == seqs[2] && page[1].seq == seqs[3],
           "read_audit after a seq with a limit did not answer the next two rows");
}

void Contract::take_invite() {
    const std::string acc = account("take-invite");
    d_.put_invite({acc, "bob@example.com", policy::Role::owner, "contract-ti", kNow, kNow + 60});
    const auto take = [&](const std::string &email, const std::string &token, std::int64_t now) {
        d_.apply(Change{{TakeInvite{acc, email, token, now}}});
    };
    expect_code(
        Code::not_found, [&] { take("bob@example.com", "contract-other", kNow); }, "take_invite, wrong token");
    expect_code(
        Code::not_found, [&] { take("bob@example.com", "contract-ti", kNow + 60); },
        "take_invite at the invite's expires_at");
    expect_code(
        Code::not_found, [&] { take("nobody@example.com", "contract-ti", kNow); }, "take_invite, no invite");
    expect(d_.find_invite(acc, "bob@example.com", kNow).has_value(), "a refused take_invite removed the invite");
    take("Bob@Example.com", "contract-ti", kNow + 59);
    expect(!d_.find_invite(acc, "bob@example.com", kNow), "take_invite left the invite");
    expect_code(
        Code::not_found, [&] { take("bob@example.com", "contract-ti", kNow); }, "take_invite twice");
}

void Contract::take_join_token() {
    d_.put_join_token({"contract-tj", "contract-x", "conn", "dave@example.com", kNow + 10});
    const auto take = [&](const std::string &token, std::int64_t now) {
        d_.apply(Change{{TakeJoinToken{token, now}}});
    };
    expect_code(
        Code::not_found, [&] { take("contract-tj-none", kNow); }, "take_join_token, unknown token");
    expect_code(
        Code::not_found, [&] { take("contract-tj", kNow + 10); }, "take_join_token at its expires_at");
    expect(d_.find_join_token("contract-tj", kNow).has_value(), "a refused take_join_token consumed the token");
    take("contract-tj", kNow + 9);
    expect(!d_.find_join_token("contract-tj", kNow), "take_join_token left the token");
    expect_code(
        Code::not_found, [&] { take("contract-tj", kNow); }, "take_join_token twice");
}

void Contract::insert_member() {
    const std::string acc = account("insert-member");
    expect_code(
        Code::not_found, [&] { d_.apply(Change{{InsertMember{member("contract-none", "e@example.com")}}}); },
        "insert_member for an account that does not exist");
    Member m = member(acc, "Eve@Example.com");
    m.joined_via = policy::JoinedVia::sso;
    m.sso_linked = true;
    m.last_sso_login = kNow;
    d_.apply(Change{{InsertMember{m}}});
    m.email = "eve@example.com";
    const auto got = d_.find_member(acc, "eve@example.com");
    expect(got && *got == m, "insert_member did not store the member field by field (email lower-cased)");
    Member other = m;
    other.role = policy::Role::owner;
    expect_code(
        Code::store_conflict, [&] { d_.apply(Change{{InsertMember{other}}}); },
        "insert_member for a member that exists");
    expect(d_.find_member(acc, m.email)->role == policy::Role::admin, "a refused insert_member changed the member");
}

void Contract::update_member() {
    const std::string acc = account("update-member");
    const Member before = member(acc, "frank@example.com");
    Member after = before;
    after.sso_linked = true;
    after.last_sso_login = kNow;
    expect_code(
        Code::not_found,
        [&] {
            d_.apply(Change{{UpdateMember{before, after}}});
        },
        "update_member of a member that does not exist");
    d_.put_member(before);
    // Another writer disabled the member since `before` was read: the update must not undo that.
    Member disabled = before;
    disabled.status = policy::MemberStatus::disabled;
    d_.put_member(disabled);
    expect_code(
        Code::store_conflict,
        [&] {
            d_.apply(Change{{UpdateMember{before, after}}});
        },
        "update_member whose before no longer matches (status changed)");
    expect(*d_.find_member(acc, before.email) == disabled, "a refused update_member changed the member");
    Member stale = disabled;
    stale.last_sso_login = 1;  // every field counts, not just the ones the change touches
    expect_code(
        Code::store_conflict,
        [&] {
            d_.apply(Change{{UpdateMember{stale, after}}});
        },
        "update_member whose before differs in last_sso_login only");
    Member relinked = disabled;
    relinked.sso_linked = true;
    relinked.last_sso_login = kNow;
    Member upper = disabled;
    upper.email = "Frank@Example.com";
    d_.apply(Change{{UpdateMember{upper, relinked}}});
    expect(*d_.find_member(acc, before.email) == relinked, "update_member did not store the new row");
}

void Contract::update_account() {
    Account ghost;
    ghost.id = "contract-no-such-account";
    expect_code(
        Code::not_found,
        [&] {
            d_.apply(Change{{UpdateAccount{ghost, ghost}}});
        },
        "update_account of an account that does not exist");
    const std::string acc = account("update-account");
    const Account read = *d_.find_account(acc);
    Account after = read;
    after.sso_mode = policy::SsoMode::enforced;
    after.break_glass = {"Owner@Example.com"};
    d_.apply(Change{{UpdateAccount{read, after}}});
    const Account stored = *d_.find_account(acc);
    expect(stored.sso_mode == policy::SsoMode::enforced &&
               stored.break_glass == std::vector<std::string>{"owner@example.com"},
           "update_account did not store the new settings (break-glass lower-cased)");
    Account back = read;
    back.sso_mode = policy::SsoMode::mixed;
    expect_code(
        Code::store_conflict,
        [&] {
            d_.apply(Change{{UpdateAccount{read, back}}});
        },
        "update_account from a read made before another update_account");
    expect(d_.find_account(acc)->sso_mode == policy::SsoMode::enforced, "a refused update_account changed the account");
    // A member change moves the revision: a decision made on the member list before it is refused.
    const Account before_member = *d_.find_account(acc);
    d_.apply(Change{{InsertMember{member(acc, "hal@example.com")}}});
    expect_code(
        Code::store_conflict,
        [&] {
            d_.apply(Change{{UpdateAccount{before_member, before_member}}});
        },
        "update_account from a read made before an insert_member of the account (the revision must move)");
    const Account fresh = *d_.find_account(acc);
    d_.apply(Change{{UpdateAccount{fresh, fresh}}});
    expect_code(
        Code::store_conflict,
        [&] {
            d_.apply(Change{{UpdateAccount{fresh, fresh}}});
        },
        "a second update_account from the same read (an update_account must move the revision)");
}

void Contract::remove_member() {
    const std::string acc = account("remove-member");
    const Member m = member(acc, "ivy@example.com");
    expect_code(
        Code::not_found, [&] { d_.apply(Change{{RemoveMember{m}}}); }, "remove_member of a member that does not exist");
    d_.put_member(m);
    Member stale = m;
    stale.last_sso_login = 1;
    expect_code(
        Code::store_conflict, [&] { d_.apply(Change{{RemoveMember{stale}}}); },
        "remove_member whose before differs in last_sso_login only");
    expect(d_.find_member(acc, m.email).has_value(), "a refused remove_member removed the member");
    const Account before = *d_.find_account(acc);
    Member upper = m;
    upper.email = "Ivy@Example.com";
    d_.apply(Change{{RemoveMember{upper}}});
    expect(!d_.find_member(acc, m.email), "remove_member left the member");
    expect(d_.list_members(acc).empty(), "remove_member left the member in list_members");
    expect_code(
        Code::store_conflict,
        [&] {
            d_.apply(Change{{UpdateAccount{before, before}}});
        },
        "update_account from a read made before a remove_member of the account (the revision must move)");
}

void Contract::in_order() {
    const std::string acc = account("in-order");
    const Member m = member(acc, "gina@example.com");
    Member linked = m;
    linked.sso_linked = true;
    d_.apply(Change{{InsertMember{m}, UpdateMember{m, linked}}});
    expect(*d_.find_member(acc, m.email) == linked, "an update_member did not see the member inserted before it");
}

void Contract::all_or_nothing() {
    const std::string acc = account("all-or-nothing");
    d_.put_join_token({"contract-aon", acc, "conn", "hal@example.com", kNow + 600});
    // The token would be taken and the row appended, then the member's account is missing.
    expect_code(
        Code::not_found,
        [&] {
            d_.apply(Change{{TakeJoinToken{"contract-aon", kNow}, AppendAudit{row(acc, "JOINED")},
                             InsertMember{member("contract-none", "hal@example.com")}}});
        },
        "a change whose last operation fails");
    expect(d_.find_join_token("contract-aon", kNow).has_value(), "the failed change consumed the join token");
    expect(audit_rows(acc) == 0, "the failed change left its audit row");

    d_.put_invite({acc, "ida@example.com", policy::Role::admin, "contract-aon-inv", kNow, kNow + 600});
    Member ida = member(acc, "ida@example.com");
    Member absent = member(acc, "nobody@example.com");
    expect_code(
        Code::store_conflict,
        [&] {
            d_.put_member(absent);
            Member stale = absent;
            stale.role = policy::Role::owner;
            d_.apply(Change{{TakeInvite{acc, "ida@example.com", "contract-aon-inv", kNow}, InsertMember{ida},
                             AppendAudit{row(acc, "JOINED_BY_INVITE")}, UpdateMember{stale, absent}}});
        },
        "a change whose compare-and-swap fails");
    expect(d_.find_invite(acc, "ida@example.com", kNow).has_value(), "the failed change consumed the invite");
    expect(!d_.find_member(acc, "ida@example.com"), "the failed change left the member it inserted");
    expect(audit_rows(acc) == 0, "the failed change left its audit row");

    const auto seqs = d_.apply(Change{{TakeInvite{acc, "ida@example.com", "contract-aon-inv", kNow}, InsertMember{ida},
                                       AppendAudit{row(acc, "JOINED_BY_INVITE", "ida@example.com")}}});
    expect(seqs.size() == 1 && d_.find_member(acc, ida.email) && !d_.find_invite(acc, ida.email, kNow) &&
               audit_rows(acc) == 1,
           "the same change, once it can succeed, did not apply every operation");
}

void Contract::seqs() {
    const std::string acc = account("seqs");
    expect(d_.apply(Change{}).empty(), "an empty change answered seqs");
    const AuditEntry first = d_.append_audit(row(acc, "FIRST"));
    const auto seqs = d_.apply(Change{{AppendAudit{row(acc, "SECOND")}, AppendAudit{row(acc, "THIRD")}}});
    expect(seqs.size() == 2, "apply answered " + std::to_string(seqs.size()) + " seqs for two append_audit");
    expect(seqs[0] > first.seq && seqs[1] > seqs[0], "the seqs of a change do not follow the earlier rows'");
    const auto rows = d_.read_audit(acc, 0, 100);
    expect(rows.size() == 3 && rows[1].seq == seqs[0] && rows[1].outcome == "SECOND" && rows[2].seq == seqs[1] &&
               rows[2].outcome == "THIRD",
           "read_audit does not show the rows under the seqs apply answered");
}

}  // namespace

void check_directory_contract(store::Directory &dir) { Contract(dir).run(); }

}  // namespace ssogate::core::testing
