package ssogate_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"ssogate.dev/ssogate"
)

// The main rows of each precedence table in core/src/policy/policy.hpp through the Go package (every
// row is tested in C++ and through C in tests/capi/policy_test.c): the binding only translates.

var (
	policyAccount = ssogate.AccountSettings{VerifiedDomains: []string{"example.com"}, BreakGlass: []string{"Owner@Example.com"}}
	enforced      = ssogate.AccountSettings{SSOMode: ssogate.SSOModeEnforced, VerifiedDomains: []string{"example.com"},
		BreakGlass: []string{"Owner@Example.com"}}
	policyConn = ssogate.ConnectionSettings{ID: "conn1"}
	jitConn    = ssogate.ConnectionSettings{ID: "conn1", JITProvisioning: true}
	linked     = &ssogate.MemberFacts{Role: ssogate.RoleMember, SSOLinked: true}
)

func TestDecideSSOLoginRows(t *testing.T) {
	noDomains := policyAccount
	noDomains.VerifiedDomains = nil
	rows := []struct {
		name    string
		in      ssogate.SSOLoginInput
		outcome ssogate.SSOOutcome
		reason  string
		link    bool
	}{
		{"connection disabled", ssogate.SSOLoginInput{Account: policyAccount, Connection: ssogate.ConnectionSettings{ID: "c", Disabled: true},
			Member: linked, Email: "alice@example.com"}, ssogate.SSOOutcomeDeny, "CONNECTION_DISABLED", false},
		{"unsolicited, IdP-initiated off", ssogate.SSOLoginInput{Account: policyAccount, Connection: policyConn, Member: linked,
			Email: "alice@example.com", Unsolicited: true}, ssogate.SSOOutcomeDeny, "IDP_INITIATED_NOT_ALLOWED", false},
		{"unsolicited, IdP-initiated on", ssogate.SSOLoginInput{Account: policyAccount, Connection: ssogate.ConnectionSettings{AllowIdPInitiated: true},
			Member: linked, Email: "alice@example.com", Unsolicited: true}, ssogate.SSOOutcomeLogin, "MEMBER_LOGIN", false},
		{"email without a domain", ssogate.SSOLoginInput{Account: policyAccount, Connection: policyConn, Member: linked, Email: "alice@"},
			ssogate.SSOOutcomeDeny, "EMAIL_INVALID", false},
		{"connection domains apply to members", ssogate.SSOLoginInput{Account: policyAccount,
			Connection: ssogate.ConnectionSettings{AllowedDomains: []string{"corp.example"}}, Member: linked,
			Email: "alice@example.com"}, ssogate.SSOOutcomeDeny, "DOMAIN_NOT_ALLOWED", false},
		{"disabled member beats an invite", ssogate.SSOLoginInput{Account: policyAccount, Connection: policyConn,
			Member: &ssogate.MemberFacts{Role: ssogate.RoleMember, Status: ssogate.MemberDisabled}, HasPendingInvite: true,
			Email: "alice@example.com"}, ssogate.SSOOutcomeDeny, "MEMBER_DISABLED", false},
		{"linked member", ssogate.SSOLoginInput{Account: policyAccount, Connection: policyConn, Member: linked, Email: "alice@example.com"},
			ssogate.SSOOutcomeLogin, "MEMBER_LOGIN", false},
		{"first SSO login links", ssogate.SSOLoginInput{Account: policyAccount, Connection: policyConn, Member: &ssogate.MemberFacts{Role: ssogate.RoleAdmin},
			HasPendingInvite: true, Email: "Alice@EXAMPLE.com"}, ssogate.SSOOutcomeLogin, "FIRST_SSO_LOGIN", true},
		{"pending invite", ssogate.SSOLoginInput{Account: policyAccount, Connection: jitConn, HasPendingInvite: true, Email: "guest@other.org"},
			ssogate.SSOOutcomeJoinByInvite, "INVITE_PENDING", true},
		{"JiT off", ssogate.SSOLoginInput{Account: policyAccount, Connection: policyConn, Email: "bob@example.com"},
			ssogate.SSOOutcomeDeny, "INVITE_REQUIRED", false},
		{"JiT without any domain list", ssogate.SSOLoginInput{Account: noDomains, Connection: jitConn, Email: "bob@any.com"},
			ssogate.SSOOutcomeDeny, "JIT_NO_DOMAINS", false},
		{"JiT outside the verified domains", ssogate.SSOLoginInput{Account: policyAccount, Connection: jitConn, Email: "mallory@other.org"},
			ssogate.SSOOutcomeDeny, "DOMAIN_NOT_ALLOWED", false},
		{"JiT domain match", ssogate.SSOLoginInput{Account: policyAccount, Connection: jitConn, Email: "Bob@EXAMPLE.com"},
			ssogate.SSOOutcomePromptJoin, "JIT_DOMAIN_MATCH", false},
		{"JiT on the connection's list alone", ssogate.SSOLoginInput{Account: noDomains,
			Connection: ssogate.ConnectionSettings{JITProvisioning: true, AllowedDomains: []string{"corp.example"}},
			Email:      "x@corp.example"}, ssogate.SSOOutcomePromptJoin, "JIT_DOMAIN_MATCH", false},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			d, err := ssogate.DecideSSOLogin(r.in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Outcome != r.outcome || d.Reason.String() != r.reason || d.LinkIdentity != r.link {
				t.Fatalf("got %v %v link=%v (%s), want %v %s link=%v", d.Outcome, d.Reason, d.LinkIdentity, d.Detail,
					r.outcome, r.reason, r.link)
			}
			if d.Reason.Text() == "" {
				t.Error("the reason has no sentence")
			}
		})
	}
}

func TestDecideSSOLoginDetailAndSettingsOf(t *testing.T) {
	d, err := ssogate.DecideSSOLogin(ssogate.SSOLoginInput{Account: policyAccount, Connection: jitConn, Email: "m@other.org"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Detail, "other.org") || !strings.Contains(d.Detail, "example.com") {
		t.Errorf("detail %q names neither the domain nor the list", d.Detail)
	}

	_, imported := newTestIdP(t, ssogate.TestIdPConfig{EntityID: "https://okta.test.example/exk1"})
	conn := newConn(t, imported, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "okta",
		JITProvisioning: true, AllowedDomains: []string{"example.com"}})
	s := ssogate.SettingsOf(conn, false)
	want := ssogate.ConnectionSettings{ID: "okta", JITProvisioning: true, AllowedDomains: []string{"example.com"}}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("SettingsOf = %+v, want %+v", s, want)
	}
	d, err = ssogate.DecideSSOLogin(ssogate.SSOLoginInput{Account: policyAccount, Connection: s, Email: "bob@example.com"})
	if err != nil || d.Outcome != ssogate.SSOOutcomePromptJoin {
		t.Fatalf("got %+v, %v; want PROMPT_JOIN", d, err)
	}
}

func TestDecidePasswordLoginRows(t *testing.T) {
	withPassword := func(m ssogate.MemberFacts) *ssogate.MemberFacts { m.HasPassword = true; return &m }
	rows := []struct {
		name    string
		account ssogate.AccountSettings
		member  *ssogate.MemberFacts
		email   string
		allowed bool
		reason  string
		connID  string
	}{
		{"not a member", policyAccount, nil, "nobody@example.com", false, "NOT_A_MEMBER", ""},
		{"disabled, even break-glass", enforced, withPassword(ssogate.MemberFacts{Role: ssogate.RoleOwner,
			Status: ssogate.MemberDisabled}), "owner@example.com", false, "MEMBER_DISABLED", ""},
		{"no password", policyAccount, &ssogate.MemberFacts{Role: ssogate.RoleMember}, "alice@example.com", false,
			"NO_PASSWORD", "conn1"},
		{"enforced, break-glass", enforced, withPassword(ssogate.MemberFacts{Role: ssogate.RoleOwner}), "OWNER@example.com",
			true, "BREAK_GLASS", ""},
		{"enforced", enforced, withPassword(ssogate.MemberFacts{Role: ssogate.RoleMember}), "alice@example.com", false,
			"SSO_REQUIRED", "conn1"},
		{"enforced, named break-glass but no longer an owner or admin", enforced,
			withPassword(ssogate.MemberFacts{Role: ssogate.RoleMember}), "owner@example.com", false, "SSO_REQUIRED", "conn1"},
		{"mixed, joined through SSO", policyAccount, withPassword(ssogate.MemberFacts{Role: ssogate.RoleMember,
			JoinedVia: ssogate.JoinedViaSSO}), "alice@example.com", false, "SSO_ONLY_MEMBER", "conn1"},
		{"mixed, had a password", policyAccount, withPassword(ssogate.MemberFacts{Role: ssogate.RoleMember}),
			"alice@example.com", true, "PASSWORD_ALLOWED", ""},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			d, err := ssogate.DecidePasswordLogin(ssogate.PasswordLoginInput{Account: r.account, Member: r.member,
				Email: r.email, SSOConnectionID: "conn1"})
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed != r.allowed || d.Reason.String() != r.reason || d.ConnectionID != r.connID {
				t.Fatalf("got %v %v %q, want %v %s %q", d.Allowed, d.Reason, d.ConnectionID, r.allowed, r.reason, r.connID)
			}
		})
	}
}

func TestDecideInviteAcceptanceRows(t *testing.T) {
	rows := []struct {
		name     string
		mode     ssogate.SSOMode
		method   ssogate.InviteMethod
		ssoEmail string
		allowed  bool
		reason   string
	}{
		{"sso as the invited email", ssogate.SSOModeEnforced, ssogate.InviteViaSSO, "GUEST@example.com", true, "INVITE_ACCEPTED_VIA_SSO"},
		{"sso as another email", ssogate.SSOModeMixed, ssogate.InviteViaSSO, "mallory@example.com", false, "INVITE_EMAIL_MISMATCH"},
		{"password, enforced", ssogate.SSOModeEnforced, ssogate.InviteViaPassword, "", false, "INVITE_REQUIRES_SSO"},
		{"password, mixed", ssogate.SSOModeMixed, ssogate.InviteViaPassword, "", true, "INVITE_PASSWORD_ALLOWED"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			d, err := ssogate.DecideInviteAcceptance(ssogate.InviteAcceptanceInput{
				Account: ssogate.AccountSettings{SSOMode: r.mode}, InvitedEmail: "guest@example.com", Method: r.method,
				SSOEmail: r.ssoEmail})
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed != r.allowed || d.Reason.String() != r.reason {
				t.Fatalf("got %v %v, want %v %s", d.Allowed, d.Reason, r.allowed, r.reason)
			}
		})
	}
}

func TestPreviewEnforcementRows(t *testing.T) {
	members := []ssogate.MemberSummary{
		{Email: "owner@example.com", Role: ssogate.RoleOwner},
		{Email: "bob@example.com", Role: ssogate.RoleMember},
		{Email: "gone@example.com", Role: ssogate.RoleAdmin, Status: ssogate.MemberDisabled, SSOLinked: true},
		{Email: "carol@example.com", Role: ssogate.RoleMember},
	}
	withAdmin := append(append([]ssogate.MemberSummary(nil), members...),
		ssogate.MemberSummary{Email: "admin@example.com", Role: ssogate.RoleAdmin, SSOLinked: true})
	rows := []struct {
		name       string
		members    []ssogate.MemberSummary
		connection bool
		force      bool
		allowed    bool
		reason     string
	}{
		{"lockout guard", members, true, false, false, "LOCKOUT_GUARD"},
		{"forced", members, true, true, true, "FORCED"},
		{"no enabled connection, even forced", members, false, true, false, "NO_ENABLED_CONNECTION"},
		{"an admin linked to SSO", withAdmin, true, false, true, "ENFORCEMENT_SAFE"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			p, err := ssogate.PreviewEnforcement(ssogate.EnforcementInput{Account: policyAccount, Members: r.members,
				HasEnabledConnection: r.connection, Force: r.force})
			if err != nil {
				t.Fatal(err)
			}
			if p.Allowed != r.allowed || p.Reason.String() != r.reason || p.Applied || p.Mode != ssogate.SSOModeMixed {
				t.Fatalf("got %+v, want allowed=%v %s", p, r.allowed, r.reason)
			}
			// Active, never linked, not break-glass, in input order; the disabled admin is nobody's concern.
			if !reflect.DeepEqual(p.LosingAccess, []string{"bob@example.com", "carol@example.com"}) ||
				!reflect.DeepEqual(p.BreakGlass, []string{"owner@example.com"}) {
				t.Fatalf("losing %v, break-glass %v", p.LosingAccess, p.BreakGlass)
			}
		})
	}
}

func TestPolicyCallerErrors(t *testing.T) {
	check := func(name string, err error) {
		t.Helper()
		var e *ssogate.Error
		if !errors.As(err, &e) || !errors.Is(err, ssogate.ErrInvalidArgument) {
			t.Errorf("%s: got %v, want an *Error with CodeInvalidArgument", name, err)
		}
	}
	_, err := ssogate.DecideSSOLogin(ssogate.SSOLoginInput{Account: ssogate.AccountSettings{SSOMode: 5}, Email: "a@b.c"})
	check("unknown SSO mode", err)
	if err != nil && !strings.Contains(err.Error(), "sso_mode") {
		t.Errorf("the message does not name the field: %v", err)
	}
	_, err = ssogate.DecidePasswordLogin(ssogate.PasswordLoginInput{Member: &ssogate.MemberFacts{Role: 9}, Email: "a@b.c"})
	check("unknown role", err)
	_, err = ssogate.DecidePasswordLogin(ssogate.PasswordLoginInput{Member: &ssogate.MemberFacts{Status: 3}, Email: "a@b.c"})
	check("unknown status", err)
	_, err = ssogate.DecideInviteAcceptance(ssogate.InviteAcceptanceInput{InvitedEmail: "a@b.c", Method: 7})
	check("unknown invite method", err)
	_, err = ssogate.DecideInviteAcceptance(ssogate.InviteAcceptanceInput{Method: ssogate.InviteViaSSO, SSOEmail: "a@b.c"})
	check("no invited email", err)
	_, err = ssogate.PreviewEnforcement(ssogate.EnforcementInput{Members: []ssogate.MemberSummary{{Email: ""}}})
	check("member without an email", err)
	_, err = ssogate.DecideSSOLogin(ssogate.SSOLoginInput{
		Account: ssogate.AccountSettings{VerifiedDomains: []string{"a.com,b.com"}}, Email: "a@b.c"})
	check("list item the C syntax would split", err)
	_, err = ssogate.DecidePasswordLogin(ssogate.PasswordLoginInput{
		Account: ssogate.AccountSettings{BreakGlass: []string{""}}, Email: "a@b.c"})
	check("empty list item", err)
	if s := ssogate.SSOOutcome(9).String(); s != "SSOOutcome(9)" {
		t.Errorf("String of an unknown outcome = %q", s)
	}
}

// A MemberSummary that leaves Role out is a plain member: even SSO-linked, it cannot satisfy the
// lockout guard, which needs an owner or admin who has logged in through SSO.
func TestRoleZeroValueIsTheLeastPrivileged(t *testing.T) {
	if ssogate.Role(0) != ssogate.RoleMember {
		t.Fatalf("Role's zero value is %v, want RoleMember", ssogate.Role(0))
	}
	p, err := ssogate.PreviewEnforcement(ssogate.EnforcementInput{
		Members:              []ssogate.MemberSummary{{Email: "someone@example.com", SSOLinked: true}},
		HasEnabledConnection: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Allowed || p.Reason.String() != "LOCKOUT_GUARD" {
		t.Errorf("a role-less SSO-linked summary: %+v; want refused with LOCKOUT_GUARD", p)
	}
}
