// Membership policy: who may get in, and how. Pure functions of plain facts; no I/O, no clock.
//
// Verification says who the person is; this decides whether that person becomes a session, a new
// member, or a refusal. Every outcome carries a stable Reason (a name for logs and tests, and a
// sentence for an operator), so a host never has to reverse-engineer why someone was let in or not.
//
// The caller (the Gate facade, or a host with its own database) gathers the facts from its
// directory and passes them in; nothing here reads a store, so each rule is tested in isolation.
//
// SSO login precedence (first matching row wins; later rows are only reached when earlier ones
// did not match):
//
//   #  situation                                                   outcome         reason
//   1  connection disabled                                         DENY            CONNECTION_DISABLED
//   2  unsolicited response and connection forbids IdP-initiated   DENY            IDP_INITIATED_NOT_ALLOWED
//   3  email not a valid address                                   DENY            EMAIL_INVALID
//   4  connection has allowed domains and email's is not one       DENY            DOMAIN_NOT_ALLOWED
//   5  member exists and is disabled                               DENY            MEMBER_DISABLED
//   6  member exists, active, already linked to SSO                LOGIN           MEMBER_LOGIN
//   7  member exists, active, never logged in through SSO          LOGIN (+link)   FIRST_SSO_LOGIN
//   8  pending (unexpired) invite for this email                   JOIN_BY_INVITE  INVITE_PENDING
//   9  JiT provisioning off                                        DENY            INVITE_REQUIRED
//  10  JiT on, no domain list to match against                     DENY            JIT_NO_DOMAINS
//  11  JiT on, email domain not in the JiT domains                 DENY            DOMAIN_NOT_ALLOWED
//  12  JiT on, domain matches                                      PROMPT_JOIN     JIT_DOMAIN_MATCH
//
// So: a disabled connection beats everything; a disabled member beats a pending invite (an admin
// who disabled someone must re-enable them, not be overridden by an old invite); an existing
// membership beats an invite (no duplicate membership). The JiT domains are the account's verified
// domains, narrowed to the connection's allowed domains when the connection lists some: when both
// lists are non-empty the domain must be in both, when one is empty the other alone decides, and
// when both are empty JiT refuses (it never admits "anyone the IdP vouches for").
//
// Password login precedence:
//
//   #  situation                                                   allowed  reason
//   1  no member with this email                                   no       NOT_A_MEMBER
//   2  member disabled                                             no       MEMBER_DISABLED
//   3  member has no password                                      no       NO_PASSWORD
//   4  enforced mode, break-glass: named and an owner or admin     yes      BREAK_GLASS
//   5  enforced mode                                               no       SSO_REQUIRED (+connection id)
//   6  mixed mode, member joined through SSO                       no       SSO_ONLY_MEMBER (+connection id)
//   7  mixed mode, member joined with a password                   yes      PASSWORD_ALLOWED
//
// Invite acceptance: through SSO the invite is matched by the verified email (so it is always "as
// the invited email", see the SSO table); with a password it is refused in enforced mode
// (INVITE_REQUIRES_SSO) and allowed in mixed mode (INVITE_PASSWORD_ALLOWED). Through SSO with an
// email other than the invited one: INVITE_EMAIL_MISMATCH.
//
// Break-glass: the account's list names members; a name counts only while that member is an owner or
// an admin (MemberFacts.role / MemberSummary.role, read at each decision), so a demoted member, or one
// removed and added again as an ordinary member, has no break-glass whatever the list says.
//
// Enforcement preview (switching an account from mixed to enforced):
//   - lists every active member who has never logged in through SSO and is not break-glass: they
//     lose access on the switch;
//   - refuses with NO_ENABLED_CONNECTION when the account has no enabled connection (even when
//     forced: nobody but break-glass members could log in at all);
//   - refuses with LOCKOUT_GUARD when no active owner or admin has logged in through SSO yet, unless
//     forced (then the reason is FORCED); otherwise ENFORCEMENT_SAFE.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ssogate::core::policy {

enum class SsoMode : int { mixed = 0, enforced = 1 };
enum class Role : int { owner = 0, admin = 1, member = 2 };
enum class MemberStatus : int { active = 0, disabled = 1 };
enum class JoinedVia : int { password = 0, sso = 1 };

// Stable lower-case names ("mixed", "owner", ...) used in storage and JSON; parse_* throw
// Error{invalid_argument} on an unknown name.
const char *to_string(SsoMode) noexcept;
const char *to_string(Role) noexcept;
const char *to_string(MemberStatus) noexcept;
const char *to_string(JoinedVia) noexcept;
SsoMode parse_sso_mode(std::string_view);
Role parse_role(std::string_view);
MemberStatus parse_member_status(std::string_view);
JoinedVia parse_joined_via(std::string_view);

struct AccountSettings {
    SsoMode sso_mode = SsoMode::mixed;
    // Owners and admins (by email, compared case-insensitively) who keep password login under
    // enforcement, so an IdP outage cannot lock the account out. A name here counts only while its
    // member is an owner or admin.
    std::vector<std::string> break_glass;
    // Domains the account has proven it owns; compared case-insensitively.
    std::vector<std::string> verified_domains;
};

struct ConnectionFacts {
    std::string id;
    bool enabled = true;
    bool jit_provisioning = false;
    bool allow_idp_initiated = false;
    std::vector<std::string> allowed_domains;  // empty = any domain
};

// What the directory knows about one (account, email). `is_member` false means the other member
// fields are ignored.
struct MemberFacts {
    bool is_member = false;
    MemberStatus status = MemberStatus::active;
    Role role = Role::member;
    JoinedVia joined_via = JoinedVia::password;
    bool has_password = false;
    bool sso_linked = false;  // has logged in through SSO at least once
};

struct DirectoryFacts {
    MemberFacts member;
    bool has_pending_invite = false;  // an unexpired invite for this email in this account
};

enum class SsoOutcome : int { login = 0, join_by_invite = 1, prompt_join = 2, deny = 3 };
const char *to_string(SsoOutcome) noexcept;  // "LOGIN", "JOIN_BY_INVITE", "PROMPT_JOIN", "DENY"

// Every reason any decision here can give. Numbers are stable (they cross the C ABI); never reuse.
enum class Reason : int {
    // SSO login
    member_login = 1,
    first_sso_login = 2,
    invite_pending = 3,
    jit_domain_match = 4,
    connection_disabled = 10,
    idp_initiated_not_allowed = 11,
    email_invalid = 12,
    domain_not_allowed = 13,
    member_disabled = 14,
    invite_required = 15,
    jit_no_domains = 16,
    // password login
    password_allowed = 30,
    break_glass = 31,
    not_a_member = 32,
    no_password = 33,
    sso_required = 34,
    sso_only_member = 35,
    // invite acceptance
    invite_accepted_via_sso = 50,
    invite_password_allowed = 51,
    invite_requires_sso = 52,
    invite_email_mismatch = 53,
    // enforcement preview
    enforcement_safe = 70,
    lockout_guard = 71,
    forced = 72,
    no_enabled_connection = 73,
};
// "MEMBER_DISABLED"; "UNKNOWN" for numbers not in the list.
const char *reason_name(Reason) noexcept;
// One sentence for the operator ("The member is disabled in this account; an admin must re-enable
// them."); never contains user data.
const char *reason_text(Reason) noexcept;

struct SsoDecision {
    SsoOutcome outcome = SsoOutcome::deny;
    Reason reason = Reason::invite_required;
    bool link_identity = false;  // first SSO login: the host records the link (sso_linked)
    std::string detail;          // specifics for the audit log (which domain, which list)
};

struct SsoLoginInput {
    std::string_view email;    // the verified email; compared case-insensitively
    bool unsolicited = false;  // IdP-initiated (no InResponseTo)
};

SsoDecision decide_sso_login(const AccountSettings &account, const ConnectionFacts &connection,
                             const DirectoryFacts &facts, const SsoLoginInput &input);

struct PasswordDecision {
    bool allowed = false;
    Reason reason = Reason::not_a_member;
    std::string sso_connection_id;  // for SSO_REQUIRED / SSO_ONLY_MEMBER: where to send the user
    std::string detail;
};

// `sso_connection_id`: the account's enabled connection to point refused users at (may be empty).
PasswordDecision decide_password_login(const AccountSettings &account, const MemberFacts &member,
                                       std::string_view email, std::string_view sso_connection_id);

enum class InviteMethod : int { password = 0, sso = 1 };

struct InviteDecision {
    bool allowed = false;
    Reason reason = Reason::invite_requires_sso;
    std::string detail;
};

// `sso_email` is the verified email when `method` is sso (ignored otherwise).
InviteDecision decide_invite_acceptance(const AccountSettings &account, std::string_view invited_email,
                                        InviteMethod method, std::string_view sso_email);

struct MemberSummary {
    std::string email;
    Role role = Role::member;
    MemberStatus status = MemberStatus::active;
    bool sso_linked = false;
};

struct EnforcementPreview {
    bool allowed = false;  // may the switch to enforced go ahead
    Reason reason = Reason::lockout_guard;
    std::vector<std::string> losing_access;     // emails, in input order
    std::vector<std::string> break_glass_kept;  // break-glass members who keep password login
    std::string detail;
};

EnforcementPreview preview_enforcement(const AccountSettings &account, const std::vector<MemberSummary> &members,
                                       bool has_enabled_connection, bool force);

}  // namespace ssogate::core::policy
