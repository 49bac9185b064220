package ssogate_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"ssogate.dev/ssogate"
)

// gateFixture: a testing IdP playing Okta, a connection for it (IdP-initiated and JiT on), and a
// gate with account "acme" verifying example.com.
type gateFixture struct {
	idp  *ssogate.TestIdP
	conn *ssogate.Connection
	gate *ssogate.Gate
}

func newGateFixture(t *testing.T, location string) *gateFixture {
	t.Helper()
	idp, imported := newTestIdP(t, ssogate.TestIdPConfig{EntityID: "https://okta.test.example/exk1"})
	conn := newConn(t, imported, ssogate.ConnectionConfig{
		BaseURL: "https://app.example.com", ID: "okta", AllowIdPInitiated: true, JITProvisioning: true,
	})
	gate, err := ssogate.OpenGate(location, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gate.Close() })
	if err := gate.CreateAccount("acme", "Acme", []string{"example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := gate.AddConnection("acme", conn, true); err != nil {
		t.Fatal(err)
	}
	return &gateFixture{idp: idp, conn: conn, gate: gate}
}

func (f *gateFixture) response(t *testing.T, email, inResponseTo string) string {
	t.Helper()
	r, err := f.idp.Response(f.conn, ssogate.TestResponseParams{NameID: email, InResponseTo: inResponseTo})
	if err != nil {
		t.Fatal(err)
	}
	return r.Base64
}

func (f *gateFixture) consume(t *testing.T, email string) *ssogate.GateOutcome {
	t.Helper()
	out, err := f.gate.Consume("okta", f.response(t, email, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func expectOutcome(t *testing.T, o *ssogate.GateOutcome, kind ssogate.GateOutcomeKind, reason string) {
	t.Helper()
	if o.Kind != kind || o.ReasonName != reason {
		t.Fatalf("outcome %v %s (%s); want %v %s", o.Kind, o.ReasonName, o.ReasonText, kind, reason)
	}
}

func TestGateMemberLoginAndReplay(t *testing.T) {
	f := newGateFixture(t, "memory:")
	if err := f.gate.AddMember("acme", "alice@example.com", ssogate.RoleAdmin, true); err != nil {
		t.Fatal(err)
	}
	if err := f.gate.AddMember("acme", "Alice@example.com", ssogate.RoleAdmin, true); !errors.Is(err, ssogate.ErrStoreConflict) {
		t.Errorf("adding a member twice: %v; want ErrStoreConflict", err)
	}
	resp := f.response(t, "alice@example.com", "")
	out, err := f.gate.Consume("okta", resp, "")
	if err != nil {
		t.Fatal(err)
	}
	expectOutcome(t, out, ssogate.GateOutcomeLogin, "FIRST_SSO_LOGIN")
	if !out.Accepted() || out.Error != nil || out.Reason.String() != "FIRST_SSO_LOGIN" || out.AccountID != "acme" {
		t.Errorf("accepted %v, error %v, reason %v, account %q", out.Accepted(), out.Error, out.Reason, out.AccountID)
	}
	if out.Login == nil || out.Login.Email != "alice@example.com" || out.Login.ConnectionID != "okta" {
		t.Fatalf("login %+v", out.Login)
	}

	again, err := f.gate.Consume("okta", resp, "")
	if err != nil {
		t.Fatal(err)
	}
	expectOutcome(t, again, ssogate.GateOutcomeDenied, "REPLAYED")
	if !errors.Is(again.Error, ssogate.ErrReplayed) || again.Login != nil || again.UserMessage == "" {
		t.Errorf("error %v, login %v, user message %q", again.Error, again.Login, again.UserMessage)
	}
	if again.Reason != ssogate.ReasonNone {
		t.Errorf("a verification refusal has no policy reason, got %v", again.Reason)
	}
	// Refused after the signature verified: the outcome, its error and the audit row name who.
	var e *ssogate.Error
	if !again.SignatureVerified || again.Email != "alice@example.com" || !errors.As(again.Error, &e) ||
		e.SignedIdentity != "alice@example.com" {
		t.Errorf("replay: verified %v, email %q, error %+v", again.SignatureVerified, again.Email, again.Error)
	}
	if rows, err := f.gate.ReadAudit("acme", 0, 0); err != nil || rows[len(rows)-1].Email != "alice@example.com" {
		t.Errorf("audit of the replay: %v, %v", rows, err)
	}
	// Refused before any signature verified (not even XML): nothing the sender chose, marked so.
	garbage, err := f.gate.Consume("okta", "PHNhbWxwOlJlc3BvbnNlLz4=", "")
	if err != nil || garbage.Kind != ssogate.GateOutcomeDenied || garbage.SignatureVerified || garbage.Email != "" {
		t.Errorf("garbage: %+v, %v", garbage, err)
	}
	if rows, err := f.gate.ReadAudit("acme", 0, 0); err != nil ||
		!strings.Contains(rows[len(rows)-1].Detail, "before any signature was verified") {
		t.Errorf("audit of the garbage: %v, %v", rows, err)
	}
	expectOutcome(t, f.consume(t, "alice@example.com"), ssogate.GateOutcomeLogin, "MEMBER_LOGIN")
}

func TestGateInviteAndJIT(t *testing.T) {
	f := newGateFixture(t, "memory:")
	inv, err := f.gate.Invite("acme", "Bob@example.com", ssogate.RoleMember, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Token) != 22 || inv.Email != "bob@example.com" || inv.ExpiresAt.Before(time.Now()) {
		t.Errorf("invite %+v", inv)
	}
	out := f.consume(t, "bob@example.com")
	expectOutcome(t, out, ssogate.GateOutcomeJoinedByInvite, "INVITE_PENDING")
	if !out.Accepted() || out.Login == nil {
		t.Errorf("accepted %v, login %v", out.Accepted(), out.Login)
	}

	prompt := f.consume(t, "carol@example.com")
	expectOutcome(t, prompt, ssogate.GateOutcomePromptJoin, "JIT_DOMAIN_MATCH")
	if prompt.Accepted() || prompt.Login != nil || len(prompt.JoinToken) != 22 {
		t.Fatalf("prompt %+v", prompt)
	}
	if err := f.gate.ConfirmJoin(prompt.JoinToken); err != nil {
		t.Fatal(err)
	}
	if err := f.gate.ConfirmJoin(prompt.JoinToken); !errors.Is(err, ssogate.ErrNotFound) {
		t.Errorf("second ConfirmJoin: %v; want ErrNotFound", err)
	}
	expectOutcome(t, f.consume(t, "carol@example.com"), ssogate.GateOutcomeLogin, "MEMBER_LOGIN")
	expectOutcome(t, f.consume(t, "eve@elsewhere.example.net"), ssogate.GateOutcomeDenied, "DOMAIN_NOT_ALLOWED")

	// ConfirmJoin decides again: Dan is prompted, then the admin disables the connection.
	dan := f.consume(t, "dan@example.com")
	expectOutcome(t, dan, ssogate.GateOutcomePromptJoin, "JIT_DOMAIN_MATCH")
	if err := f.gate.SetConnectionEnabled("okta", false); err != nil {
		t.Fatal(err)
	}
	if err := f.gate.ConfirmJoin(dan.JoinToken); !errors.Is(err, ssogate.ErrPolicyDenied) ||
		!strings.Contains(err.Error(), "CONNECTION_DISABLED") {
		t.Errorf("ConfirmJoin with the connection disabled: %v; want ErrPolicyDenied naming CONNECTION_DISABLED", err)
	}
	if rows, err := f.gate.ReadAudit("acme", 0, 0); err != nil || rows[len(rows)-1].Outcome != "JOIN_REFUSED" {
		t.Errorf("last audit row after the refused join: %v %v", rows[len(rows)-1], err)
	}

	if err := f.gate.SetConnectionEnabled("okta", false); err != nil {
		t.Fatal(err)
	}
	expectOutcome(t, f.consume(t, "carol@example.com"), ssogate.GateOutcomeDenied, "CONNECTION_DISABLED")
}

func TestGateSPInitiated(t *testing.T) {
	f := newGateFixture(t, "memory:")
	if err := f.gate.AddMember("acme", "alice@example.com", ssogate.RoleMember, false); err != nil {
		t.Fatal(err)
	}
	req, err := f.gate.BeginSPLogin("okta", ssogate.SPLoginOptions{ReturnTo: "/dashboard"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(req.RedirectURL, "https://idp.test.example/sso?SAMLRequest=") {
		t.Errorf("redirect %q", req.RedirectURL)
	}
	out, err := f.gate.Consume("okta", f.response(t, "alice@example.com", req.RequestID), req.RelayState)
	if err != nil {
		t.Fatal(err)
	}
	expectOutcome(t, out, ssogate.GateOutcomeLogin, "FIRST_SSO_LOGIN")
	if out.ReturnTo != "/dashboard" || out.Login.InResponseTo != req.RequestID {
		t.Errorf("return-to %q, InResponseTo %q", out.ReturnTo, out.Login.InResponseTo)
	}
	again, err := f.gate.Consume("okta", f.response(t, "alice@example.com", req.RequestID), req.RelayState)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(again.Error, ssogate.ErrRequestUnknown) {
		t.Errorf("the same RelayState twice: %v; want ErrRequestUnknown", again.Error)
	}
	if _, err := f.gate.BeginSPLogin("okta", ssogate.SPLoginOptions{ReturnTo: "https://evil.example.net/"}); !errors.Is(err, ssogate.ErrReturnToNotAllowed) {
		t.Errorf("open redirect: %v; want ErrReturnToNotAllowed", err)
	}
	if _, err := f.gate.BeginSPLogin("nope", ssogate.SPLoginOptions{}); !errors.Is(err, ssogate.ErrNotFound) {
		t.Errorf("unknown connection: %v; want ErrNotFound", err)
	}
}

func TestGatePasswordAndEnforcement(t *testing.T) {
	f := newGateFixture(t, "memory:")
	for _, m := range []struct {
		email string
		role  ssogate.Role
	}{{"owner@example.com", ssogate.RoleOwner}, {"pat@example.com", ssogate.RoleMember}} {
		if err := f.gate.AddMember("acme", m.email, m.role, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.gate.AddBreakGlass("acme", "owner@example.com"); err != nil {
		t.Fatal(err)
	}
	d, err := f.gate.DecidePasswordLogin("acme", "pat@example.com")
	if err != nil || !d.Allowed || d.Reason.String() != "PASSWORD_ALLOWED" {
		t.Fatalf("mixed: %+v, %v", d, err)
	}

	p, err := f.gate.PreviewEnforcement("acme")
	if err != nil {
		t.Fatal(err)
	}
	if p.Allowed || p.Reason.String() != "LOCKOUT_GUARD" || !reflect.DeepEqual(p.LosingAccess, []string{"pat@example.com"}) ||
		!reflect.DeepEqual(p.BreakGlass, []string{"owner@example.com"}) {
		t.Errorf("preview %+v", p)
	}
	if p.Reason.Text() == "" {
		t.Error("reason text is empty")
	}
	refused, err := f.gate.ApplySSOMode("acme", ssogate.SSOModeEnforced, false)
	if err != nil || refused.Applied || refused.Mode != ssogate.SSOModeMixed {
		t.Fatalf("unforced switch: %+v, %v", refused, err)
	}
	forced, err := f.gate.ApplySSOMode("acme", ssogate.SSOModeEnforced, true)
	if err != nil || !forced.Applied || forced.Mode != ssogate.SSOModeEnforced || forced.Reason.String() != "FORCED" {
		t.Fatalf("forced switch: %+v, %v", forced, err)
	}
	d, err = f.gate.DecidePasswordLogin("acme", "pat@example.com")
	if err != nil || d.Allowed || d.Reason.String() != "SSO_REQUIRED" || d.ConnectionID != "okta" {
		t.Errorf("enforced: %+v, %v", d, err)
	}
	d, err = f.gate.DecidePasswordLogin("acme", "owner@example.com")
	if err != nil || !d.Allowed || d.Reason.String() != "BREAK_GLASS" {
		t.Errorf("break-glass: %+v, %v", d, err)
	}

	rows, err := f.gate.ReadAudit("acme", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	last := rows[len(rows)-1]
	if last.Outcome != "PASSWORD_ALLOWED" || last.Reason != "BREAK_GLASS" || last.Email != "owner@example.com" {
		t.Errorf("last audit row %+v", last)
	}
	more, err := f.gate.ReadAudit("", last.Seq, 10)
	if err != nil || len(more) != 0 {
		t.Errorf("rows after the last: %v, %v", more, err)
	}
}

func TestGateBreakGlassIsForOwnersAndAdminsWhoAreMembersNow(t *testing.T) {
	f := newGateFixture(t, "memory:")
	// Named in advance, then added with a password: refused when named, so never BREAK_GLASS.
	var e *ssogate.Error
	if err := f.gate.AddBreakGlass("acme", "newbie@example.com"); !errors.Is(err, ssogate.ErrNotFound) ||
		!errors.As(err, &e) || !strings.Contains(e.Message, "owners or admins") {
		t.Fatalf("a non-member: %v; want ErrNotFound saying who may be break-glass", err)
	}
	if err := f.gate.AddMember("acme", "newbie@example.com", ssogate.RoleMember, true); err != nil {
		t.Fatal(err)
	}
	if err := f.gate.AddBreakGlass("acme", "newbie@example.com"); !errors.Is(err, ssogate.ErrPolicyDenied) ||
		!errors.As(err, &e) || !strings.Contains(e.Message, "role member") {
		t.Fatalf("an ordinary member: %v; want ErrPolicyDenied naming the role", err)
	}
	if err := f.gate.AddMember("acme", "boss@example.com", ssogate.RoleAdmin, true); err != nil {
		t.Fatal(err)
	}
	if err := f.gate.AddBreakGlass("acme", "boss@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gate.ApplySSOMode("acme", ssogate.SSOModeEnforced, true); err != nil {
		t.Fatal(err)
	}
	for email, want := range map[string]string{"newbie@example.com": "SSO_REQUIRED", "boss@example.com": "BREAK_GLASS"} {
		if d, err := f.gate.DecidePasswordLogin("acme", email); err != nil || d.Reason.String() != want {
			t.Errorf("%s: %+v, %v; want %s", email, d, err, want)
		}
	}
}

func TestGateRemoveMemberKeepsALinkedOwnerOnAnEnforcedAccount(t *testing.T) {
	f := newGateFixture(t, "memory:")
	for _, m := range []struct {
		email string
		role  ssogate.Role
	}{{"alice@example.com", ssogate.RoleOwner}, {"pat@example.com", ssogate.RoleMember}} {
		if err := f.gate.AddMember("acme", m.email, m.role, true); err != nil {
			t.Fatal(err)
		}
	}
	expectOutcome(t, f.consume(t, "alice@example.com"), ssogate.GateOutcomeLogin, "FIRST_SSO_LOGIN")
	if p, err := f.gate.ApplySSOMode("acme", ssogate.SSOModeEnforced, false); err != nil || !p.Applied {
		t.Fatalf("enforcing: %+v, %v", p, err)
	}
	// Alice is the only owner who signed in through SSO: removing her would lock the account out.
	var e *ssogate.Error
	if err := f.gate.RemoveMember("acme", "alice@example.com"); !errors.Is(err, ssogate.ErrPolicyDenied) ||
		!errors.As(err, &e) || !strings.Contains(e.Message, "LOCKOUT_GUARD") {
		t.Fatalf("removing the last linked owner: %v; want ErrPolicyDenied naming LOCKOUT_GUARD", err)
	}
	if m, err := f.gate.FindMember("acme", "alice@example.com"); err != nil || m == nil {
		t.Fatalf("alice after the refusal: %v, %v", m, err)
	}
	if err := f.gate.RemoveMember("acme", "Pat@Example.com"); err != nil {
		t.Fatal(err)
	}
	if m, err := f.gate.FindMember("acme", "pat@example.com"); m != nil || err != nil {
		t.Errorf("pat after the removal: %+v, %v", m, err)
	}
	rows, err := f.gate.ReadAudit("acme", 0, 0)
	if err != nil || rows[len(rows)-1].Outcome != "MEMBER_REMOVED" || rows[len(rows)-1].Email != "pat@example.com" {
		t.Errorf("last audit row: %+v, %v", rows[len(rows)-1], err)
	}
	if err := f.gate.RemoveMember("acme", "pat@example.com"); !errors.Is(err, ssogate.ErrNotFound) {
		t.Errorf("removing a non-member: %v; want ErrNotFound", err)
	}
}

func TestGateRefusesVerifiedDomainsNoAddressCanHave(t *testing.T) {
	g, err := ssogate.OpenGate("memory:", "")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for _, d := range []string{"127.0.0.1", "example", "example.123"} {
		err := g.CreateAccount("b", "B", []string{d})
		var e *ssogate.Error
		if !errors.Is(err, ssogate.ErrInvalidSetting) || !errors.As(err, &e) || !strings.Contains(e.Message, `"`+d+`"`) {
			t.Errorf("verified domain %q: %v; want ErrInvalidSetting naming it", d, err)
		}
	}
	if rows, err := g.ReadAudit("b", 0, 0); err != nil || len(rows) != 0 {
		t.Errorf("audit of the refused account: %v, %v", rows, err)
	}
}

func TestGateOpenAndClose(t *testing.T) {
	if _, err := ssogate.OpenGate("mysql://db", ""); !errors.Is(err, ssogate.ErrStoreLocation) {
		t.Errorf("bad location: %v; want ErrStoreLocation", err)
	}
	g, err := ssogate.OpenGate("memory:", "")
	if err != nil {
		t.Fatal(err)
	}
	g.Close()
	g.Close()
	if err := g.CreateAccount("a", "A", nil); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("after Close: %v; want ErrInvalidArgument", err)
	}
}

// Goroutines share one gate on SQLite: every consume succeeds and every one has its audit row.
func TestGateConcurrentSQLite(t *testing.T) {
	f := newGateFixture(t, "sqlite:"+filepath.Join(t.TempDir(), "gate.db"))
	const workers, each = 4, 5
	responses := make([][]string, workers)
	for w := range responses {
		email := "user" + string(rune('a'+w)) + "@example.com"
		if err := f.gate.AddMember("acme", email, ssogate.RoleMember, false); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < each; i++ {
			responses[w] = append(responses[w], f.response(t, email, ""))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, workers*each)
	for _, batch := range responses {
		wg.Add(1)
		go func(batch []string) {
			defer wg.Done()
			for _, r := range batch {
				out, err := f.gate.Consume("okta", r, "")
				if err != nil {
					errs <- err.Error()
				} else if !out.Accepted() {
					errs <- out.ReasonName + ": " + out.ReasonText
				}
			}
		}(batch)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	rows, err := f.gate.ReadAudit("acme", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	logins := 0
	for _, r := range rows {
		if r.Outcome == "LOGIN" {
			logins++
		}
	}
	if logins != workers*each {
		t.Errorf("%d LOGIN rows; want %d", logins, workers*each)
	}
}
