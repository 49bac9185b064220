/*
 * The pure policy (section 9, "Pure policy: the decisions without a gate") from a C11 program that
 * sees only <ssogate/ssogate.h>: every row of each precedence table in core/src/policy/policy.hpp,
 * with the exact outcome and reason, then the caller errors (NULL, small struct_size, numbers
 * outside their enum) with their codes. The core's own test (tests/core/policy_test.cpp) proves the
 * rules; this one proves the C ABI hands each fact to the right rule and each answer back unchanged.
 *
 * Usage: capi_policy_test
 */
#include <ssogate/ssogate.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define S(literal) literal, sizeof literal - 1

static ssogate_error *err;

/* A decision's outcome and reason, printing names (and the detail) on a mismatch. */
#define CHECK_SSO(d, want_outcome, want_reason)                                                        \
    do {                                                                                               \
        const ssogate_sso_decision *d_ = (d);                                                          \
        if (d_ != NULL && ssogate_sso_decision_outcome(d_) == (want_outcome) &&                        \
            ssogate_sso_decision_reason(d_) == (want_reason)) {                                        \
            passed++;                                                                                  \
        } else {                                                                                       \
            fprintf(stderr, "  got:  %d %s (%s)\n  want: %d %s\n", ssogate_sso_decision_outcome(d_),   \
                    ssogate_reason_name(ssogate_sso_decision_reason(d_)),                              \
                    d_ ? ssogate_sso_decision_detail(d_) : ssogate_error_message(err), (want_outcome), \
                    ssogate_reason_name(want_reason));                                                 \
            fail_at(__FILE__, __LINE__, "decision of " #d);                                            \
        }                                                                                              \
    } while (0)

#define CHECK_REASON(got, want)                                                                              \
    do {                                                                                                     \
        int g_ = (got);                                                                                      \
        if (g_ == (want)) {                                                                                  \
            passed++;                                                                                        \
        } else {                                                                                             \
            fprintf(stderr, "  got:  %s\n  want: %s\n", ssogate_reason_name(g_), ssogate_reason_name(want)); \
            fail_at(__FILE__, __LINE__, #got " == " #want);                                                  \
        }                                                                                                    \
    } while (0)

/* ---- the facts of one scenario, with the defaults of tests/core/policy_test.cpp ---- */

typedef struct scenario {
    ssogate_policy_account account;
    const char *verified_domains; /* "example.com" unless a row says otherwise */
    ssogate_policy_connection connection;
    const char *allowed_domains; /* "" = any domain */
    ssogate_policy_facts facts;
    const char *email;
    int unsolicited;
} scenario;

static scenario base(void) {
    scenario s;
    ssogate_policy_account_init(&s.account, sizeof s.account);
    s.verified_domains = "example.com";
    ssogate_policy_connection_init(&s.connection, sizeof s.connection);
    s.allowed_domains = "";
    ssogate_policy_facts_init(&s.facts, sizeof s.facts);
    s.email = "alice@example.com";
    s.unsolicited = 0;
    return s;
}

static scenario with_member(int linked, int status) {
    scenario s = base();
    s.facts.is_member = 1;
    s.facts.member_status = status;
    s.facts.sso_linked = linked;
    return s;
}

static ssogate_sso_decision *decide(const scenario *s) {
    ssogate_sso_decision *d = ssogate_policy_decide_sso_login(
        &s->account, s->verified_domains, strlen(s->verified_domains), &s->connection, S("conn1"), s->allowed_domains,
        strlen(s->allowed_domains), &s->facts, s->email, strlen(s->email), s->unsolicited, err);
    CHECK_CODE(err, SSOGATE_OK);
    return d;
}

/* Decides s, checks outcome and reason, frees the decision. */
static void expect_sso(const scenario *s, int outcome, int reason, int line) {
    ssogate_sso_decision *d = decide(s);
    if (d == NULL || ssogate_sso_decision_outcome(d) != outcome || ssogate_sso_decision_reason(d) != reason) {
        fprintf(stderr, "  row at line %d: got %d %s (%s), want %d %s\n", line, ssogate_sso_decision_outcome(d),
                ssogate_reason_name(ssogate_sso_decision_reason(d)), d ? ssogate_sso_decision_detail(d) : "", outcome,
                ssogate_reason_name(reason));
        fail_at(__FILE__, line, "SSO decision");
    }
    passed++;
    ssogate_sso_decision_free(d);
}
#define EXPECT_SSO(s, outcome, reason) expect_sso(&(s), (outcome), (reason), __LINE__)

/* ---- SSO login: the twelve rows, first match wins ---- */

static void test_sso_rows(void) {
    scenario s;

    /* 1: a disabled connection beats everything, even an active linked member. */
    s = with_member(1, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE);
    s.connection.enabled = 0;
    s.unsolicited = 1;
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_DENY, SSOGATE_REASON_CONNECTION_DISABLED);

    /* 2: unsolicited while the connection forbids IdP-initiated logins; allowed when it does not. */
    s = with_member(1, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE);
    s.unsolicited = 1;
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_DENY, SSOGATE_REASON_IDP_INITIATED_NOT_ALLOWED);
    s.connection.allow_idp_initiated = 1;
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_LOGIN, SSOGATE_REASON_MEMBER_LOGIN);

    /* 3: no usable email (empty, no '@', nothing after it). */
    s = with_member(1, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE);
    s.email = "";
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_DENY, SSOGATE_REASON_EMAIL_INVALID);
    s.email = "alice";
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_DENY, SSOGATE_REASON_EMAIL_INVALID);
    s.email = "alice@";
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_DENY, SSOGATE_REASON_EMAIL_INVALID);

    /* 4: the connection's allowed domains apply to members too. */
    s = with_member(1, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE);
    s.allowed_domains = "corp.example, partner.io";
    {
        ssogate_sso_decision *d = decide(&s);
        CHECK_SSO(d, SSOGATE_SSO_OUTCOME_DENY, SSOGATE_REASON_DOMAIN_NOT_ALLOWED);
        CHECK_CONTAINS(ssogate_sso_decision_detail(d), "example.com");
        CHECK_CONTAINS(ssogate_sso_decision_detail(d), "partner.io");
        ssogate_sso_decision_free(d);
    }

    /* 5: a disabled member is refused, and beats a pending invite. */
    s = with_member(1, SSOGATE_POLICY_MEMBER_STATUS_DISABLED);
    s.facts.has_pending_invite = 1;
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_DENY, SSOGATE_REASON_MEMBER_DISABLED);

    /* 6: an active member already linked: a plain login, nothing to link. */
    s = with_member(1, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE);
    {
        ssogate_sso_decision *d = decide(&s);
        CHECK_SSO(d, SSOGATE_SSO_OUTCOME_LOGIN, SSOGATE_REASON_MEMBER_LOGIN);
        CHECK(ssogate_sso_decision_link_identity(d) == 0);
        ssogate_sso_decision_free(d);
    }

    /* 7: an active member's first SSO login links the identity; membership beats an invite. */
    s = with_member(0, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE);
    s.facts.has_pending_invite = 1;
    s.email = "Alice@EXAMPLE.com";
    {
        ssogate_sso_decision *d = decide(&s);
        CHECK_SSO(d, SSOGATE_SSO_OUTCOME_LOGIN, SSOGATE_REASON_FIRST_SSO_LOGIN);
        CHECK(ssogate_sso_decision_link_identity(d) == 1);
        ssogate_sso_decision_free(d);
    }

    /* 8: a pending invite joins (and links), even with JiT on and the domain outside every list. */
    s = base();
    s.facts.has_pending_invite = 1;
    s.connection.jit_provisioning = 1;
    s.email = "guest@other.org";
    {
        ssogate_sso_decision *d = decide(&s);
        CHECK_SSO(d, SSOGATE_SSO_OUTCOME_JOIN_BY_INVITE, SSOGATE_REASON_INVITE_PENDING);
        CHECK(ssogate_sso_decision_link_identity(d) == 1);
        ssogate_sso_decision_free(d);
    }

    /* 9: a newcomer without JiT needs an invite. The member fields are ignored for a non-member. */
    s = base();
    s.facts.member_status = SSOGATE_POLICY_MEMBER_STATUS_DISABLED;
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_DENY, SSOGATE_REASON_INVITE_REQUIRED);

    /* 10: JiT with no domain list at all refuses every newcomer. */
    s = base();
    s.connection.jit_provisioning = 1;
    s.verified_domains = "";
    s.email = "x@anything.com";
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_DENY, SSOGATE_REASON_JIT_NO_DOMAINS);

    /* 11: JiT, domain outside the verified domains; and outside their intersection with the connection's. */
    s = base();
    s.connection.jit_provisioning = 1;
    s.email = "mallory@other.org";
    {
        ssogate_sso_decision *d = decide(&s);
        CHECK_SSO(d, SSOGATE_SSO_OUTCOME_DENY, SSOGATE_REASON_DOMAIN_NOT_ALLOWED);
        CHECK_CONTAINS(ssogate_sso_decision_detail(d), "other.org");
        ssogate_sso_decision_free(d);
    }
    s.allowed_domains = "example.com partner.io";
    s.email = "x@partner.io";
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_DENY, SSOGATE_REASON_DOMAIN_NOT_ALLOWED);

    /* 12: JiT and a matching domain (compared case-insensitively): the user is asked to join. */
    s = base();
    s.connection.jit_provisioning = 1;
    s.email = "Bob@EXAMPLE.com";
    {
        ssogate_sso_decision *d = decide(&s);
        CHECK_SSO(d, SSOGATE_SSO_OUTCOME_PROMPT_JOIN, SSOGATE_REASON_JIT_DOMAIN_MATCH);
        CHECK(ssogate_sso_decision_link_identity(d) == 0);
        CHECK_STR(ssogate_sso_decision_detail(d), "domain example.com");
        ssogate_sso_decision_free(d);
    }
    s.allowed_domains = "example.com,partner.io"; /* in both lists */
    s.email = "x@example.com";
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_PROMPT_JOIN, SSOGATE_REASON_JIT_DOMAIN_MATCH);
    s.verified_domains = ""; /* the connection's list alone decides */
    s.allowed_domains = "corp.example";
    s.email = "x@corp.example";
    EXPECT_SSO(s, SSOGATE_SSO_OUTCOME_PROMPT_JOIN, SSOGATE_REASON_JIT_DOMAIN_MATCH);
}

/* ---- password login: the seven rows ---- */

static ssogate_password_decision *password(int mode, const ssogate_policy_facts *facts, const char *email) {
    ssogate_policy_account a;
    ssogate_policy_account_init(&a, sizeof a);
    a.sso_mode = mode;
    ssogate_password_decision *d = ssogate_policy_decide_password_login(&a, S("Owner@Example.com ops@example.com"),
                                                                        facts, email, strlen(email), S("conn1"), err);
    CHECK(d != NULL);
    CHECK_CODE(err, SSOGATE_OK);
    return d;
}

static void expect_password(int mode, const ssogate_policy_facts *facts, const char *email, int allowed, int reason,
                            const char *connection_id, int line) {
    ssogate_password_decision *d = password(mode, facts, email);
    if (ssogate_password_decision_allowed(d) != allowed || ssogate_password_decision_reason(d) != reason ||
        strcmp(ssogate_password_decision_connection_id(d), connection_id) != 0) {
        fprintf(stderr, "  row at line %d: got %d %s \"%s\", want %d %s \"%s\"\n", line,
                ssogate_password_decision_allowed(d), ssogate_reason_name(ssogate_password_decision_reason(d)),
                ssogate_password_decision_connection_id(d), allowed, ssogate_reason_name(reason), connection_id);
        fail_at(__FILE__, line, "password decision");
    }
    passed++;
    ssogate_password_decision_free(d);
}
#define EXPECT_PASSWORD(mode, facts, email, allowed, reason, conn) \
    expect_password((mode), &(facts), (email), (allowed), (reason), (conn), __LINE__)

static void test_password_rows(void) {
    ssogate_policy_facts f;
    const int mixed = SSOGATE_SSO_MODE_MIXED, enforced = SSOGATE_SSO_MODE_ENFORCED;

    /* 1: not a member, in either mode. */
    ssogate_policy_facts_init(&f, sizeof f);
    EXPECT_PASSWORD(mixed, f, "nobody@example.com", 0, SSOGATE_REASON_NOT_A_MEMBER, "");
    EXPECT_PASSWORD(enforced, f, "nobody@example.com", 0, SSOGATE_REASON_NOT_A_MEMBER, "");

    /* 2: disabled, even as a break-glass member under enforcement. */
    f.is_member = 1;
    f.has_password = 1;
    f.member_status = SSOGATE_POLICY_MEMBER_STATUS_DISABLED;
    EXPECT_PASSWORD(enforced, f, "owner@example.com", 0, SSOGATE_REASON_MEMBER_DISABLED, "");
    EXPECT_PASSWORD(mixed, f, "alice@example.com", 0, SSOGATE_REASON_MEMBER_DISABLED, "");

    /* 3: no password: pointed at SSO. */
    f.member_status = SSOGATE_POLICY_MEMBER_STATUS_ACTIVE;
    f.has_password = 0;
    EXPECT_PASSWORD(mixed, f, "alice@example.com", 0, SSOGATE_REASON_NO_PASSWORD, "conn1");

    /* 4: enforced, break-glass (compared case-insensitively, any item of the list). */
    f.has_password = 1;
    f.role = SSOGATE_ROLE_OWNER;
    EXPECT_PASSWORD(enforced, f, "owner@EXAMPLE.com", 1, SSOGATE_REASON_BREAK_GLASS, "");
    EXPECT_PASSWORD(enforced, f, "ops@example.com", 1, SSOGATE_REASON_BREAK_GLASS, "");

    /* 5: enforced, everyone else: SSO required, with the connection to use. */
    f.role = SSOGATE_ROLE_MEMBER;
    EXPECT_PASSWORD(enforced, f, "alice@example.com", 0, SSOGATE_REASON_SSO_REQUIRED, "conn1");
    /* ...including one the list names who is not (or no longer) an owner or admin: the role decides. */
    EXPECT_PASSWORD(enforced, f, "ops@example.com", 0, SSOGATE_REASON_SSO_REQUIRED, "conn1");

    /* 6: mixed, joined through SSO. */
    f.joined_via = SSOGATE_POLICY_JOINED_VIA_SSO;
    EXPECT_PASSWORD(mixed, f, "alice@example.com", 0, SSOGATE_REASON_SSO_ONLY_MEMBER, "conn1");

    /* 7: mixed, joined with a password. */
    f.joined_via = SSOGATE_POLICY_JOINED_VIA_PASSWORD;
    EXPECT_PASSWORD(mixed, f, "alice@example.com", 1, SSOGATE_REASON_PASSWORD_ALLOWED, "");

    /* No connection to point at: the refusal says so with "". */
    ssogate_policy_account a;
    ssogate_policy_account_init(&a, sizeof a);
    a.sso_mode = SSOGATE_SSO_MODE_ENFORCED;
    ssogate_password_decision *d =
        ssogate_policy_decide_password_login(&a, NULL, 0, &f, S("alice@example.com"), NULL, 0, err);
    CHECK(d != NULL);
    CHECK_REASON(ssogate_password_decision_reason(d), SSOGATE_REASON_SSO_REQUIRED);
    CHECK_STR(ssogate_password_decision_connection_id(d), "");
    ssogate_password_decision_free(d);
}

/* ---- invite acceptance ---- */

static void expect_invite(int mode, int method, const char *sso_email, int allowed, int reason, int line) {
    ssogate_policy_account a;
    ssogate_policy_account_init(&a, sizeof a);
    a.sso_mode = mode;
    ssogate_invite_decision *d = ssogate_policy_decide_invite_acceptance(&a, S("Guest@Example.com"), method, sso_email,
                                                                         sso_email ? strlen(sso_email) : 0, err);
    CHECK_CODE(err, SSOGATE_OK);
    if (d == NULL || ssogate_invite_decision_allowed(d) != allowed || ssogate_invite_decision_reason(d) != reason) {
        fprintf(stderr, "  row at line %d: got %d %s, want %d %s\n", line, ssogate_invite_decision_allowed(d),
                ssogate_reason_name(ssogate_invite_decision_reason(d)), allowed, ssogate_reason_name(reason));
        fail_at(__FILE__, line, "invite decision");
    }
    passed++;
    if (reason == SSOGATE_REASON_INVITE_EMAIL_MISMATCH) {
        CHECK(strlen(ssogate_invite_decision_detail(d)) > 0);
    }
    ssogate_invite_decision_free(d);
}
#define EXPECT_INVITE(mode, method, sso_email, allowed, reason) \
    expect_invite((mode), (method), (sso_email), (allowed), (reason), __LINE__)

static void test_invite_rows(void) {
    const int mixed = SSOGATE_SSO_MODE_MIXED, enforced = SSOGATE_SSO_MODE_ENFORCED;
    const int sso = SSOGATE_POLICY_INVITE_METHOD_SSO, pw = SSOGATE_POLICY_INVITE_METHOD_PASSWORD;
    /* Through SSO: as the invited email (case-insensitively) in either mode, never as another. */
    EXPECT_INVITE(enforced, sso, "guest@example.COM", 1, SSOGATE_REASON_INVITE_ACCEPTED_VIA_SSO);
    EXPECT_INVITE(mixed, sso, "guest@example.com", 1, SSOGATE_REASON_INVITE_ACCEPTED_VIA_SSO);
    EXPECT_INVITE(enforced, sso, "mallory@example.com", 0, SSOGATE_REASON_INVITE_EMAIL_MISMATCH);
    EXPECT_INVITE(mixed, sso, NULL, 0, SSOGATE_REASON_INVITE_EMAIL_MISMATCH);
    /* With a password: only in Mixed mode; sso_email is ignored. */
    EXPECT_INVITE(enforced, pw, NULL, 0, SSOGATE_REASON_INVITE_REQUIRES_SSO);
    EXPECT_INVITE(mixed, pw, "someone@else.org", 1, SSOGATE_REASON_INVITE_PASSWORD_ALLOWED);
}

/* ---- enforcement preview ---- */

static ssogate_enforcement *preview(int mode, const ssogate_policy_members *m, int has_connection, int force) {
    ssogate_policy_account a;
    ssogate_policy_account_init(&a, sizeof a);
    a.sso_mode = mode;
    ssogate_enforcement *e =
        ssogate_policy_preview_enforcement(&a, S("owner@example.com"), m, has_connection, force, err);
    CHECK(e != NULL);
    CHECK_CODE(err, SSOGATE_OK);
    return e;
}

static void test_enforcement_rows(void) {
    ssogate_policy_members *m = ssogate_policy_members_new();
    CHECK(m != NULL);
    /* Order matters: the lists come back in input order. */
    CHECK(ssogate_policy_members_add(m, S("owner@example.com"), SSOGATE_ROLE_OWNER, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE,
                                     0, err) == SSOGATE_OK);
    CHECK(ssogate_policy_members_add(m, S("bob@example.com"), SSOGATE_ROLE_MEMBER, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE,
                                     0, err) == SSOGATE_OK);
    CHECK(ssogate_policy_members_add(m, S("gone@example.com"), SSOGATE_ROLE_ADMIN,
                                     SSOGATE_POLICY_MEMBER_STATUS_DISABLED, 1, err) == SSOGATE_OK);
    CHECK(ssogate_policy_members_add(m, S("carol@example.com"), SSOGATE_ROLE_MEMBER,
                                     SSOGATE_POLICY_MEMBER_STATUS_ACTIVE, 0, err) == SSOGATE_OK);
    CHECK(ssogate_policy_members_add(m, S("dave@example.com"), SSOGATE_ROLE_MEMBER, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE,
                                     1, err) == SSOGATE_OK);

    /* Lockout guard: the only SSO-linked admin is disabled, so no active owner/admin has used SSO. */
    ssogate_enforcement *e = preview(SSOGATE_SSO_MODE_MIXED, m, 1, 0);
    CHECK(ssogate_enforcement_allowed(e) == 0);
    CHECK_REASON(ssogate_enforcement_reason(e), SSOGATE_REASON_LOCKOUT_GUARD);
    CHECK(ssogate_enforcement_applied(e) == 0);
    CHECK(ssogate_enforcement_mode(e) == SSOGATE_SSO_MODE_MIXED);
    CHECK(ssogate_enforcement_losing_access_count(e) == 2);
    CHECK_STR(ssogate_enforcement_losing_access(e, 0), "bob@example.com");
    CHECK_STR(ssogate_enforcement_losing_access(e, 1), "carol@example.com");
    CHECK(ssogate_enforcement_losing_access(e, 2) == NULL);
    CHECK(ssogate_enforcement_break_glass_count(e) == 1);
    CHECK_STR(ssogate_enforcement_break_glass(e, 0), "owner@example.com");
    CHECK_STR(ssogate_enforcement_detail(e), "2 member(s) have never logged in through SSO");
    ssogate_enforcement_free(e);

    /* Forced past the guard. */
    e = preview(SSOGATE_SSO_MODE_MIXED, m, 1, 1);
    CHECK(ssogate_enforcement_allowed(e) == 1);
    CHECK_REASON(ssogate_enforcement_reason(e), SSOGATE_REASON_FORCED);
    ssogate_enforcement_free(e);

    /* No enabled connection refuses even when forced. */
    e = preview(SSOGATE_SSO_MODE_MIXED, m, 0, 1);
    CHECK(ssogate_enforcement_allowed(e) == 0);
    CHECK_REASON(ssogate_enforcement_reason(e), SSOGATE_REASON_NO_ENABLED_CONNECTION);
    CHECK(ssogate_enforcement_losing_access_count(e) == 2);
    ssogate_enforcement_free(e);

    /* An active admin linked to SSO makes it safe; the mode reported is the account's. */
    CHECK(ssogate_policy_members_add(m, S("admin@example.com"), SSOGATE_ROLE_ADMIN, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE,
                                     1, err) == SSOGATE_OK);
    e = preview(SSOGATE_SSO_MODE_ENFORCED, m, 1, 0);
    CHECK(ssogate_enforcement_allowed(e) == 1);
    CHECK_REASON(ssogate_enforcement_reason(e), SSOGATE_REASON_ENFORCEMENT_SAFE);
    CHECK(ssogate_enforcement_mode(e) == SSOGATE_SSO_MODE_ENFORCED);
    CHECK(ssogate_enforcement_applied(e) == 0);
    CHECK(ssogate_enforcement_losing_access_count(e) == 2);
    ssogate_enforcement_free(e);
    ssogate_policy_members_free(m);

    /* No members (NULL list): nobody loses access, and nobody can vouch for SSO. */
    e = preview(SSOGATE_SSO_MODE_MIXED, NULL, 1, 0);
    CHECK_REASON(ssogate_enforcement_reason(e), SSOGATE_REASON_LOCKOUT_GUARD);
    CHECK(ssogate_enforcement_losing_access_count(e) == 0);
    CHECK(ssogate_enforcement_break_glass_count(e) == 0);
    ssogate_enforcement_free(e);
}

/* ---- caller errors ---- */

static void test_bad_inputs(void) {
    ssogate_policy_account a;
    ssogate_policy_connection c;
    ssogate_policy_facts f;
    ssogate_policy_account_init(&a, sizeof a);
    ssogate_policy_connection_init(&c, sizeof c);
    ssogate_policy_facts_init(&f, sizeof f);

    /* The defaults _init writes. */
    CHECK(a.struct_size == sizeof a);
    CHECK(a.sso_mode == SSOGATE_SSO_MODE_MIXED);
    CHECK(c.enabled == 1 && c.jit_provisioning == 0 && c.allow_idp_initiated == 0);
    CHECK(f.is_member == 0 && f.role == SSOGATE_ROLE_MEMBER && f.member_status == SSOGATE_POLICY_MEMBER_STATUS_ACTIVE);
    CHECK(f.joined_via == SSOGATE_POLICY_JOINED_VIA_PASSWORD && f.has_pending_invite == 0);
    ssogate_policy_account_init(NULL, sizeof a); /* must not crash */
    ssogate_policy_facts_init(&f, 2);            /* too small even for struct_size: left alone */
    CHECK(f.struct_size == sizeof f);

    /* NULL fact structs. */
    CHECK(ssogate_policy_decide_sso_login(NULL, NULL, 0, &c, NULL, 0, NULL, 0, &f, S("a@b.c"), 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "account is NULL");
    CHECK(ssogate_policy_decide_sso_login(&a, NULL, 0, NULL, NULL, 0, NULL, 0, &f, S("a@b.c"), 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "connection is NULL");
    CHECK(ssogate_policy_decide_sso_login(&a, NULL, 0, &c, NULL, 0, NULL, 0, NULL, S("a@b.c"), 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "facts is NULL");
    CHECK(ssogate_policy_decide_password_login(&a, NULL, 0, NULL, S("a@b.c"), NULL, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_policy_decide_invite_acceptance(NULL, S("a@b.c"), SSOGATE_POLICY_INVITE_METHOD_SSO, S("a@b.c"),
                                                  err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_policy_preview_enforcement(NULL, NULL, 0, NULL, 1, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);

    /* A (NULL, n > 0) string is a caller bug, not an empty string. */
    CHECK(ssogate_policy_decide_sso_login(&a, NULL, 0, &c, NULL, 0, NULL, 0, &f, NULL, 5, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "email");
    CHECK(ssogate_policy_decide_password_login(&a, NULL, 3, &f, S("a@b.c"), NULL, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "break_glass");
    /* An invite is always to someone. */
    CHECK(ssogate_policy_decide_invite_acceptance(&a, NULL, 0, SSOGATE_POLICY_INVITE_METHOD_SSO, NULL, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);

    /* struct_size below the first version. */
    ssogate_policy_account small_a = a;
    small_a.struct_size = 4;
    CHECK(ssogate_policy_decide_invite_acceptance(&small_a, S("a@b.c"), SSOGATE_POLICY_INVITE_METHOD_SSO, S("a@b.c"),
                                                  err) == NULL);
    CHECK_CODE(err, SSOGATE_OPTIONS_SIZE);
    CHECK_CONTAINS(ssogate_error_message(err), "ssogate_policy_account.struct_size is 4");
    ssogate_policy_connection small_c = c;
    small_c.struct_size = (uint32_t)offsetof(ssogate_policy_connection, allow_idp_initiated);
    CHECK(ssogate_policy_decide_sso_login(&a, NULL, 0, &small_c, NULL, 0, NULL, 0, &f, S("a@b.c"), 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_OPTIONS_SIZE);
    ssogate_policy_facts small_f = f;
    small_f.struct_size = 0;
    CHECK(ssogate_policy_decide_password_login(&a, NULL, 0, &small_f, S("a@b.c"), NULL, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_OPTIONS_SIZE);

    /* A struct from a newer header (larger than this library's): the known prefix is read. */
    struct {
        ssogate_policy_account a;
        int appended_by_a_newer_header;
    } big;
    ssogate_policy_account_init(&big.a, sizeof big);
    CHECK(big.a.struct_size == sizeof big);
    CHECK(big.appended_by_a_newer_header == 0);
    big.a.sso_mode = SSOGATE_SSO_MODE_ENFORCED;
    ssogate_invite_decision *inv = ssogate_policy_decide_invite_acceptance(
        &big.a, S("a@b.c"), SSOGATE_POLICY_INVITE_METHOD_PASSWORD, NULL, 0, err);
    CHECK_REASON(ssogate_invite_decision_reason(inv), SSOGATE_REASON_INVITE_REQUIRES_SSO);
    ssogate_invite_decision_free(inv);

    /* Numbers outside their enum. */
    ssogate_policy_account bad_a = a;
    bad_a.sso_mode = 2;
    CHECK(ssogate_policy_decide_password_login(&bad_a, NULL, 0, &f, S("a@b.c"), NULL, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "sso_mode must be SSOGATE_SSO_MODE_MIXED or _ENFORCED, got 2");
    ssogate_policy_facts bad_f = f;
    bad_f.role = -1;
    CHECK(ssogate_policy_decide_sso_login(&a, NULL, 0, &c, NULL, 0, NULL, 0, &bad_f, S("a@b.c"), 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "ssogate_policy_facts.role");
    bad_f = f;
    bad_f.member_status = 7;
    CHECK(ssogate_policy_decide_password_login(&a, NULL, 0, &bad_f, S("a@b.c"), NULL, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "member_status");
    bad_f = f;
    bad_f.joined_via = 2;
    CHECK(ssogate_policy_decide_password_login(&a, NULL, 0, &bad_f, S("a@b.c"), NULL, 0, err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "joined_via");
    CHECK(ssogate_policy_decide_invite_acceptance(&a, S("a@b.c"), 2, S("a@b.c"), err) == NULL);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "method");

    /* The member list builder. */
    ssogate_policy_members *m = ssogate_policy_members_new();
    CHECK(ssogate_policy_members_add(NULL, S("a@b.c"), SSOGATE_ROLE_MEMBER, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE, 0,
                                     err) == SSOGATE_INVALID_ARGUMENT);
    CHECK_CODE(err, SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_policy_members_add(m, NULL, 0, SSOGATE_ROLE_MEMBER, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE, 0, err) ==
          SSOGATE_INVALID_ARGUMENT);
    CHECK(ssogate_policy_members_add(m, S("a@b.c"), 3, SSOGATE_POLICY_MEMBER_STATUS_ACTIVE, 0, err) ==
          SSOGATE_INVALID_ARGUMENT);
    CHECK_CONTAINS(ssogate_error_message(err), "role must be");
    CHECK(ssogate_policy_members_add(m, S("a@b.c"), SSOGATE_ROLE_MEMBER, 2, 0, NULL) == SSOGATE_INVALID_ARGUMENT);
    /* A refused add leaves the list as it was (still empty). */
    ssogate_enforcement *e = ssogate_policy_preview_enforcement(&a, NULL, 0, m, 1, 0, err);
    CHECK(e != NULL);
    CHECK(ssogate_enforcement_losing_access_count(e) == 0);
    ssogate_enforcement_free(e);
    ssogate_policy_members_free(m);

    /* A success resets err. */
    ssogate_invite_decision *ok =
        ssogate_policy_decide_invite_acceptance(&a, S("a@b.c"), SSOGATE_POLICY_INVITE_METHOD_PASSWORD, NULL, 0, err);
    CHECK(ok != NULL);
    CHECK_CODE(err, SSOGATE_OK);
    ssogate_invite_decision_free(ok);

    /* NULL handles: getters give the safe answers, frees do nothing. */
    CHECK(ssogate_sso_decision_outcome(NULL) == SSOGATE_SSO_OUTCOME_DENY);
    CHECK(ssogate_sso_decision_reason(NULL) == SSOGATE_REASON_NONE);
    CHECK(ssogate_sso_decision_link_identity(NULL) == 0);
    CHECK(ssogate_sso_decision_detail(NULL) == NULL);
    CHECK(ssogate_invite_decision_allowed(NULL) == 0);
    CHECK(ssogate_invite_decision_reason(NULL) == SSOGATE_REASON_NONE);
    CHECK(ssogate_invite_decision_detail(NULL) == NULL);
    ssogate_sso_decision_free(NULL);
    ssogate_invite_decision_free(NULL);
    ssogate_policy_members_free(NULL);
}

/* The reasons the decisions give have names and sentences (shared with the gate). */
static void test_reason_names(void) {
    CHECK_STR(ssogate_reason_name(SSOGATE_REASON_JIT_DOMAIN_MATCH), "JIT_DOMAIN_MATCH");
    CHECK_STR(ssogate_reason_name(SSOGATE_REASON_INVITE_EMAIL_MISMATCH), "INVITE_EMAIL_MISMATCH");
    CHECK_CONTAINS(ssogate_reason_text(SSOGATE_REASON_LOCKOUT_GUARD), "force");
}

int main(void) {
    err = ssogate_error_new();
    CHECK(err != NULL);
    test_sso_rows();
    test_password_rows();
    test_invite_rows();
    test_enforcement_rows();
    test_bad_inputs();
    test_reason_names();
    ssogate_error_free(err);
    printf("%d passed\n", passed);
    return 0;
}
