package ssogate

import (
	"fmt"
	"strings"

	"ssogate.dev/ssogate/internal/capi"
)

// The pure policy: the gate's four decisions over facts the host gathers from its own database (no
// store, no clock, no audit row), for hosts that keep accounts, members and invites themselves. The
// answers come from the same C functions the Gate uses (ssogate.h section 9, "Pure policy").

// SSOOutcome is what a verified SSO login becomes.
type SSOOutcome int

const (
	// SSOOutcomeLogin: an existing, active member; start a session (link the identity if
	// SSODecision.LinkIdentity says so).
	SSOOutcomeLogin SSOOutcome = 0
	// SSOOutcomeJoinByInvite: a pending invite for the verified email; create the member, then a session.
	SSOOutcomeJoinByInvite SSOOutcome = 1
	// SSOOutcomePromptJoin: Just-in-Time; ask the user to confirm joining, then create the member.
	SSOOutcomePromptJoin SSOOutcome = 2
	// SSOOutcomeDeny: refused; the reason says why.
	SSOOutcomeDeny SSOOutcome = 3
)

// String is the outcome's stable name ("LOGIN", "JOIN_BY_INVITE", ...).
func (o SSOOutcome) String() string {
	if name, ok := headerSSOOutcomeName(o); ok {
		return name
	}
	return fmt.Sprintf("SSOOutcome(%d)", int(o))
}

// InviteMethod is how an invite is being accepted.
type InviteMethod int

const (
	InviteViaPassword InviteMethod = 0
	InviteViaSSO      InviteMethod = 1
)

// AccountSettings are an account's settings; each decision reads only what it needs.
type AccountSettings struct {
	SSOMode SSOMode
	// VerifiedDomains are the domains the account has proven it owns.
	VerifiedDomains []string
	// BreakGlass are member emails that keep password login under enforcement.
	BreakGlass []string
}

// ConnectionSettings are a connection's settings as the policy reads them. The zero value is an
// enabled connection with Just-in-Time and IdP-initiated login off and any domain allowed.
type ConnectionSettings struct {
	ID                string
	Disabled          bool
	JITProvisioning   bool
	AllowIdPInitiated bool
	// AllowedDomains: none means any domain.
	AllowedDomains []string
}

// SettingsOf returns the policy settings of conn (not nil); whether it is disabled is the host's to say.
func SettingsOf(conn *Connection, disabled bool) ConnectionSettings {
	return ConnectionSettings{
		ID:                conn.ID(),
		Disabled:          disabled,
		JITProvisioning:   conn.JITProvisioning(),
		AllowIdPInitiated: conn.AllowIdPInitiated(),
		AllowedDomains:    conn.AllowedDomains(),
	}
}

// MemberFacts is what the host's directory knows about a member. The zero value is an active
// member (RoleMember) who joined with a password, has none now and never logged in through SSO.
type MemberFacts struct {
	Role        Role
	Status      MemberStatus
	JoinedVia   JoinedVia
	HasPassword bool
	// SSOLinked: the member has logged in through SSO at least once.
	SSOLinked bool
}

// MemberSummary is one member of the account, for PreviewEnforcement. Role's zero value is
// RoleMember, so a summary that leaves it out can never satisfy the lockout guard (which needs an
// owner or admin who logged in through SSO).
type MemberSummary struct {
	Email     string
	Role      Role
	Status    MemberStatus
	SSOLinked bool
}

// SSODecision is what a verified SSO login becomes.
type SSODecision struct {
	Outcome SSOOutcome
	// Reason: MEMBER_LOGIN, FIRST_SSO_LOGIN, INVITE_PENDING, JIT_DOMAIN_MATCH, INVITE_REQUIRED, ...
	Reason Reason
	// LinkIdentity: record that the member now logs in through SSO (first SSO login, invite).
	LinkIdentity bool
	// Detail: specifics for the host's audit log ("" when the reason says it all).
	Detail string
}

// InviteDecision says whether an invite may be accepted the way it is being accepted.
type InviteDecision struct {
	Allowed bool
	// Reason: INVITE_ACCEPTED_VIA_SSO, INVITE_PASSWORD_ALLOWED, INVITE_REQUIRES_SSO or INVITE_EMAIL_MISMATCH.
	Reason Reason
	Detail string
}

// SSOLoginInput are the facts of one SSO login.
type SSOLoginInput struct {
	Account    AccountSettings
	Connection ConnectionSettings
	// Member is nil when the email is not a member of the account.
	Member *MemberFacts
	// HasPendingInvite: an unexpired invite for this email exists in the account.
	HasPendingInvite bool
	// Email is the verified email.
	Email string
	// Unsolicited: the response was IdP-initiated (no InResponseTo).
	Unsolicited bool
}

// PasswordLoginInput are the facts of one password login attempt.
type PasswordLoginInput struct {
	Account AccountSettings
	// Member is nil when the email is not a member of the account.
	Member *MemberFacts
	Email  string
	// SSOConnectionID is the account's enabled connection, returned as PasswordDecision.ConnectionID
	// when the answer is to use SSO instead ("" for none).
	SSOConnectionID string
}

// InviteAcceptanceInput are the facts of one invite acceptance.
type InviteAcceptanceInput struct {
	Account      AccountSettings
	InvitedEmail string
	Method       InviteMethod
	// SSOEmail is the email the IdP verified, for InviteViaSSO.
	SSOEmail string
}

// EnforcementInput are the facts PreviewEnforcement weighs.
type EnforcementInput struct {
	Account              AccountSettings
	Members              []MemberSummary
	HasEnabledConnection bool
	Force                bool
}

// joinList renders a list in the C calls' syntax (items separated by spaces), refusing an item that
// the syntax would split in two or drop.
func joinList(what string, items []string) (string, error) {
	for _, item := range items {
		if item == "" || strings.ContainsAny(item, " ,") {
			return "", &Error{Code: CodeInvalidArgument,
				Message: fmt.Sprintf("%s items must be non-empty, without spaces or commas, got %q", what, item)}
		}
	}
	return strings.Join(items, " "), nil
}

// policyCall holds the C structs and error object of one decision, freed together.
type policyCall struct {
	e       *cError
	account capi.Ssogate_policy_account
	facts   capi.Ssogate_policy_facts
}

func newPolicyCall(a AccountSettings, member *MemberFacts, hasPendingInvite bool) (*policyCall, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	c := &policyCall{e: e, account: capi.NewSsogate_policy_account(), facts: capi.NewSsogate_policy_facts()}
	if c.account.Swigcptr() == 0 || c.facts.Swigcptr() == 0 {
		c.free()
		return nil, &Error{Code: CodeOutOfMemory, Message: "allocating the policy structs failed"}
	}
	c.account.SetSso_mode(int(a.SSOMode))
	if member != nil {
		c.facts.SetIs_member(1)
		c.facts.SetRole(cRole(member.Role))
		c.facts.SetMember_status(int(member.Status))
		c.facts.SetJoined_via(int(member.JoinedVia))
		c.facts.SetHas_password(boolInt(member.HasPassword))
		c.facts.SetSso_linked(boolInt(member.SSOLinked))
	}
	c.facts.SetHas_pending_invite(boolInt(hasPendingInvite))
	return c, nil
}

func (c *policyCall) free() {
	if c.account.Swigcptr() != 0 {
		capi.DeleteSsogate_policy_account(c.account)
	}
	if c.facts.Swigcptr() != 0 {
		capi.DeleteSsogate_policy_facts(c.facts)
	}
	c.e.free()
}

// DecideSSOLogin decides what a verified SSO login becomes (the SSO table of docs/policy.md).
// Refusals are decisions (SSOOutcomeDeny), not errors; the error is for caller mistakes (a number
// outside its enum, a list item with a space or comma).
func DecideSSOLogin(in SSOLoginInput) (*SSODecision, error) {
	verified, err := joinList("VerifiedDomains", in.Account.VerifiedDomains)
	if err != nil {
		return nil, err
	}
	allowed, err := joinList("AllowedDomains", in.Connection.AllowedDomains)
	if err != nil {
		return nil, err
	}
	c, err := newPolicyCall(in.Account, in.Member, in.HasPendingInvite)
	if err != nil {
		return nil, err
	}
	defer c.free()
	conn := capi.NewSsogate_policy_connection()
	if conn.Swigcptr() == 0 {
		return nil, &Error{Code: CodeOutOfMemory, Message: "allocating ssogate_policy_connection failed"}
	}
	defer capi.DeleteSsogate_policy_connection(conn)
	conn.SetEnabled(boolInt(!in.Connection.Disabled))
	conn.SetJit_provisioning(boolInt(in.Connection.JITProvisioning))
	conn.SetAllow_idp_initiated(boolInt(in.Connection.AllowIdPInitiated))
	d := capi.Ssogate_policy_decide_sso_login(c.account, verified, conn, in.Connection.ID, allowed, c.facts, in.Email,
		boolInt(in.Unsolicited), c.e.h)
	if d.Swigcptr() == 0 {
		return nil, c.e.failure("ssogate_policy_decide_sso_login")
	}
	defer capi.Ssogate_sso_decision_free(d)
	return &SSODecision{
		Outcome:      SSOOutcome(capi.Ssogate_sso_decision_outcome(d)),
		Reason:       Reason(capi.Ssogate_sso_decision_reason(d)),
		LinkIdentity: capi.Ssogate_sso_decision_link_identity(d) != 0,
		Detail:       capi.Ssogate_sso_decision_detail(d),
	}, nil
}

// DecidePasswordLogin decides whether a password login is allowed (the host still checks the
// password itself); the same PasswordDecision as Gate.DecidePasswordLogin.
func DecidePasswordLogin(in PasswordLoginInput) (*PasswordDecision, error) {
	glass, err := joinList("BreakGlass", in.Account.BreakGlass)
	if err != nil {
		return nil, err
	}
	c, err := newPolicyCall(in.Account, in.Member, false)
	if err != nil {
		return nil, err
	}
	defer c.free()
	d := capi.Ssogate_policy_decide_password_login(c.account, glass, c.facts, in.Email, in.SSOConnectionID, c.e.h)
	if d.Swigcptr() == 0 {
		return nil, c.e.failure("ssogate_policy_decide_password_login")
	}
	defer capi.Ssogate_password_decision_free(d)
	return readPasswordDecision(d), nil
}

// DecideInviteAcceptance decides whether an invite may be accepted this way: through SSO only as the
// invited email, with a password only in Mixed mode.
func DecideInviteAcceptance(in InviteAcceptanceInput) (*InviteDecision, error) {
	c, err := newPolicyCall(in.Account, nil, false)
	if err != nil {
		return nil, err
	}
	defer c.free()
	d := capi.Ssogate_policy_decide_invite_acceptance(c.account, in.InvitedEmail, int(in.Method), in.SSOEmail, c.e.h)
	if d.Swigcptr() == 0 {
		return nil, c.e.failure("ssogate_policy_decide_invite_acceptance")
	}
	defer capi.Ssogate_invite_decision_free(d)
	return &InviteDecision{
		Allowed: capi.Ssogate_invite_decision_allowed(d) != 0,
		Reason:  Reason(capi.Ssogate_invite_decision_reason(d)),
		Detail:  capi.Ssogate_invite_decision_detail(d),
	}, nil
}

// PreviewEnforcement tells what switching the account to SSOModeEnforced would do over the given
// members: the same EnforcementPreview as Gate.PreviewEnforcement, with Mode the account's and
// Applied false (nothing is changed).
func PreviewEnforcement(in EnforcementInput) (*EnforcementPreview, error) {
	glass, err := joinList("BreakGlass", in.Account.BreakGlass)
	if err != nil {
		return nil, err
	}
	c, err := newPolicyCall(in.Account, nil, false)
	if err != nil {
		return nil, err
	}
	defer c.free()
	list := capi.Ssogate_policy_members_new()
	if list.Swigcptr() == 0 {
		return nil, &Error{Code: CodeOutOfMemory, Message: "allocating ssogate_policy_members failed"}
	}
	defer capi.Ssogate_policy_members_free(list)
	for _, m := range in.Members {
		if capi.Ssogate_policy_members_add(list, m.Email, cRole(m.Role), int(m.Status), boolInt(m.SSOLinked), c.e.h) != int(CodeOK) {
			return nil, c.e.failure("ssogate_policy_members_add")
		}
	}
	p := capi.Ssogate_policy_preview_enforcement(c.account, glass, list, boolInt(in.HasEnabledConnection),
		boolInt(in.Force), c.e.h)
	if p.Swigcptr() == 0 {
		return nil, c.e.failure("ssogate_policy_preview_enforcement")
	}
	defer capi.Ssogate_enforcement_free(p)
	return readEnforcement(p), nil
}

// readEnforcement copies an enforcement handle out (the pure preview and the gate hand out the same
// handle).
func readEnforcement(p capi.Struct_SS_ssogate_enforcement) *EnforcementPreview {
	out := &EnforcementPreview{
		Allowed: capi.Ssogate_enforcement_allowed(p) != 0,
		Applied: capi.Ssogate_enforcement_applied(p) != 0,
		Mode:    SSOMode(capi.Ssogate_enforcement_mode(p)),
		Reason:  Reason(capi.Ssogate_enforcement_reason(p)),
		Detail:  capi.Ssogate_enforcement_detail(p),
	}
	for i := int64(0); i < capi.Ssogate_enforcement_losing_access_count(p); i++ {
		out.LosingAccess = append(out.LosingAccess, capi.Ssogate_enforcement_losing_access(p, i))
	}
	for i := int64(0); i < capi.Ssogate_enforcement_break_glass_count(p); i++ {
		out.BreakGlass = append(out.BreakGlass, capi.Ssogate_enforcement_break_glass(p, i))
	}
	return out
}

// readPasswordDecision copies a password-decision handle out (shared with the gate's handle).
func readPasswordDecision(d capi.Struct_SS_ssogate_password_decision) *PasswordDecision {
	return &PasswordDecision{
		Allowed:      capi.Ssogate_password_decision_allowed(d) != 0,
		Reason:       Reason(capi.Ssogate_password_decision_reason(d)),
		ConnectionID: capi.Ssogate_password_decision_connection_id(d),
	}
}
