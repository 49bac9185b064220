package ssogate_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ssogate.dev/ssogate"
)

// faultyDirectory is the host's directory with a switch: while broken names a method, that method
// fails the chosen way (an error, a panic, or a record it should not return). Everything else goes
// to the MemoryDirectory underneath.
type faultyDirectory struct {
	*ssogate.MemoryDirectory
	mu     sync.Mutex
	broken string
	how    string // "error", "panic", "not found", "bad role", "other email", "no member"
}

func (f *faultyDirectory) breakIt(method, how string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.broken, f.how = method, how
}

// fault returns how method fails now, "" when it works.
func (f *faultyDirectory) fault(method string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.broken != method {
		return ""
	}
	if f.how == "panic" {
		panic("the host's code is broken")
	}
	return f.how
}

func (f *faultyDirectory) FindAccount(id string) (*ssogate.Account, error) {
	if f.fault("FindAccount") != "" {
		return nil, errors.New("connection refused")
	}
	return f.MemoryDirectory.FindAccount(id)
}

func (f *faultyDirectory) FindMember(accountID, email string) (*ssogate.Member, error) {
	switch f.fault("FindMember") {
	case "error":
		return nil, errors.New("connection refused")
	case "not found":
		return nil, ssogate.ErrNotFound // not an answer find_member may give: "nothing" is nil, nil
	case "bad role":
		m, err := f.MemoryDirectory.FindMember(accountID, email)
		if m != nil {
			m.Role = ssogate.Role(99)
		}
		return m, err
	case "other email":
		m, err := f.MemoryDirectory.FindMember(accountID, email)
		if m != nil {
			m.Email = "mallory@example.com"
		}
		return m, err
	}
	return f.MemoryDirectory.FindMember(accountID, email)
}

func (f *faultyDirectory) Apply(change []ssogate.Operation) ([]int64, error) {
	switch f.fault("Apply") {
	case "error":
		return nil, fmt.Errorf("deadlock detected")
	case "no seqs":
		return nil, nil // "done", but without the audit seqs the library needs: a broken store
	}
	return f.MemoryDirectory.Apply(change)
}

func (f *faultyDirectory) FindJoinToken(token string, now time.Time) (*ssogate.JoinToken, error) {
	if f.fault("FindJoinToken") != "" {
		return nil, errors.New("connection refused")
	}
	return f.MemoryDirectory.FindJoinToken(token, now)
}

// hostGate: the testing IdP playing Okta, connection "okta" (IdP-initiated and JiT on), and a gate
// made by NewGate over dir and in-memory replay and request stores. The caller's handles are closed
// at once: the gate shares the stores.
type hostGate struct {
	idp  *ssogate.TestIdP
	conn *ssogate.Connection
	gate *ssogate.Gate
}

func newHostGate(t *testing.T, dir *ssogate.DirectoryHandle, requests *ssogate.RequestStore, opts ssogate.GateOptions) *hostGate {
	t.Helper()
	idp, imported := newTestIdP(t, ssogate.TestIdPConfig{EntityID: "https://okta.test.example/exk1"})
	conn := newConn(t, imported, ssogate.ConnectionConfig{
		BaseURL: "https://app.example.com", ID: "okta", AllowIdPInitiated: true, JITProvisioning: true,
	})
	replay, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if requests == nil {
		if requests, err = ssogate.NewMemoryRequestStore(); err != nil {
			t.Fatal(err)
		}
	}
	gate, err := ssogate.NewGate(dir, replay, requests, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gate.Close() })
	dir.Close()
	replay.Close()
	requests.Close()
	return &hostGate{idp: idp, conn: conn, gate: gate}
}

func (h *hostGate) consume(t *testing.T, email string) *ssogate.GateOutcome {
	t.Helper()
	r, err := h.idp.Response(h.conn, ssogate.TestResponseParams{NameID: email})
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.gate.Consume("okta", r.Base64, "")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// setUp: account acme (verifying example.com) with the connection and admin alice.
func (h *hostGate) setUp(t *testing.T) {
	t.Helper()
	if err := h.gate.CreateAccount("acme", "Acme", []string{"Example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := h.gate.CreateAccount("acme", "Acme", []string{"example.com"}); !errors.Is(err, ssogate.ErrStoreConflict) {
		t.Errorf("creating the account twice: %v; want ErrStoreConflict", err)
	}
	if err := h.gate.AddConnection("acme", h.conn, true); err != nil {
		t.Fatal(err)
	}
	if err := h.gate.AddMember("acme", "Alice@Example.com", ssogate.RoleAdmin, true); err != nil {
		t.Fatal(err)
	}
	if err := h.gate.AddMember("acme", "alice@example.com", ssogate.RoleAdmin, true); !errors.Is(err, ssogate.ErrStoreConflict) {
		t.Errorf("adding alice twice: %v; want ErrStoreConflict", err)
	}
}

func hostDirectory(t *testing.T, d ssogate.Directory) *ssogate.DirectoryHandle {
	t.Helper()
	dir, err := ssogate.NewDirectoryFromStore(d)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func member(t *testing.T, d ssogate.Directory, email string) *ssogate.Member {
	t.Helper()
	m, err := d.FindMember("acme", email)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The dashboard flow through NewGate over the Go reference directory: the gate decides, the records
// land in the host's directory.
func TestHostDirectoryDashboardFlow(t *testing.T) {
	mem := ssogate.NewMemoryDirectory()
	h := newHostGate(t, hostDirectory(t, mem), nil, ssogate.GateOptions{})
	h.setUp(t)

	acct, err := mem.FindAccount("acme")
	if err != nil || acct == nil || acct.Name != "Acme" || acct.SSOMode != ssogate.SSOModeMixed ||
		strings.Join(acct.VerifiedDomains, ",") != "example.com" {
		t.Fatalf("the host keeps the account %+v (%v)", acct, err)
	}
	conns, err := mem.ListConnections("acme")
	if err != nil || len(conns) != 1 || conns[0].ID != "okta" || !conns[0].Enabled ||
		!strings.Contains(conns[0].JSON, `"schema_version"`) {
		t.Fatalf("the host keeps the connections %+v (%v)", conns, err)
	}

	out := h.consume(t, "alice@example.com")
	expectOutcome(t, out, ssogate.GateOutcomeLogin, "FIRST_SSO_LOGIN")
	if out.Login == nil || out.Login.Email != "alice@example.com" {
		t.Fatalf("login %+v", out.Login)
	}
	expectOutcome(t, h.consume(t, "alice@example.com"), ssogate.GateOutcomeLogin, "MEMBER_LOGIN")
	if a := member(t, mem, "alice@example.com"); a == nil || !a.SSOLinked || a.LastSSOLogin.IsZero() ||
		a.Role != ssogate.RoleAdmin || !a.HasPassword || a.JoinedVia != ssogate.JoinedViaPassword {
		t.Errorf("alice in the host's directory: %+v", a)
	}

	prompt := h.consume(t, "carol@example.com")
	expectOutcome(t, prompt, ssogate.GateOutcomePromptJoin, "JIT_DOMAIN_MATCH")
	if prompt.Login != nil || prompt.JoinToken == "" {
		t.Fatalf("prompt %+v", prompt)
	}
	if member(t, mem, "carol@example.com") != nil {
		t.Error("carol is a member before confirming")
	}
	if err := h.gate.ConfirmJoin(prompt.JoinToken); err != nil {
		t.Fatal(err)
	}
	if err := h.gate.ConfirmJoin(prompt.JoinToken); !errors.Is(err, ssogate.ErrNotFound) {
		t.Errorf("second ConfirmJoin: %v; want ErrNotFound", err)
	}
	if c := member(t, mem, "carol@example.com"); c == nil || c.Role != ssogate.RoleMember ||
		c.JoinedVia != ssogate.JoinedViaSSO || !c.SSOLinked || c.HasPassword {
		t.Errorf("carol in the host's directory: %+v", c)
	}
	expectOutcome(t, h.consume(t, "carol@example.com"), ssogate.GateOutcomeLogin, "MEMBER_LOGIN")

	if _, err := h.gate.Invite("acme", "bob@partner.example.net", ssogate.RoleAdmin, time.Hour); err != nil {
		t.Fatal(err)
	}
	if inv, err := mem.FindInvite("acme", "bob@partner.example.net", time.Now()); err != nil || inv == nil ||
		inv.Role != ssogate.RoleAdmin || len(inv.Token) != 22 {
		t.Fatalf("the host keeps the invite %+v (%v)", inv, err)
	}
	joined := h.consume(t, "bob@partner.example.net")
	expectOutcome(t, joined, ssogate.GateOutcomeJoinedByInvite, "INVITE_PENDING")
	if !joined.Accepted() || joined.Login == nil {
		t.Errorf("joined by invite: accepted %v, login %v", joined.Accepted(), joined.Login)
	}
	if b := member(t, mem, "bob@partner.example.net"); b == nil || b.Role != ssogate.RoleAdmin || b.JoinedVia != ssogate.JoinedViaSSO {
		t.Errorf("bob in the host's directory: %+v", b)
	}
	if inv, _ := mem.FindInvite("acme", "bob@partner.example.net", time.Now()); inv != nil {
		t.Errorf("the invite is still pending after its use: %+v", inv)
	}
	expectOutcome(t, h.consume(t, "bob@partner.example.net"), ssogate.GateOutcomeLogin, "MEMBER_LOGIN")
	expectOutcome(t, h.consume(t, "eve@elsewhere.example.org"), ssogate.GateOutcomeDenied, "DOMAIN_NOT_ALLOWED")

	// Settings go through the host's records too.
	if err := h.gate.AddBreakGlass("acme", "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	p, err := h.gate.ApplySSOMode("acme", ssogate.SSOModeEnforced, false)
	if err != nil || !p.Applied {
		t.Fatalf("enforcing after an admin's SSO login: %+v, %v", p, err)
	}
	if acct, _ := mem.FindAccount("acme"); acct.SSOMode != ssogate.SSOModeEnforced || strings.Join(acct.BreakGlass, ",") != "alice@example.com" {
		t.Errorf("the account after enforcing: %+v", acct)
	}

	rows, err := h.gate.ReadAudit("acme", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for i, r := range rows {
		if r.AccountID != "acme" || (i > 0 && r.Seq <= rows[i-1].Seq) || r.Time.IsZero() {
			t.Errorf("audit row %d: %+v", i, r)
		}
		counts[r.Outcome]++
		if r.Outcome == "JOIN_CONFIRMED" && (r.Email != "carol@example.com" || r.ConnectionID != "okta") {
			t.Errorf("the JOIN_CONFIRMED row is filled from the join token: %+v", r)
		}
	}
	if counts["LOGIN"] != 4 || counts["JOINED_BY_INVITE"] != 1 || counts["JOIN_CONFIRMED"] != 1 || counts["PROMPT_JOIN"] != 1 {
		t.Errorf("audit outcomes %v; want 4 LOGIN, 1 each of JOINED_BY_INVITE, JOIN_CONFIRMED and PROMPT_JOIN", counts)
	}
	// The gate read the host's log: the same rows.
	own, err := mem.ReadAudit("acme", 0, 1000)
	if err != nil || len(own) != len(rows) || own[0].Seq != 1 || own[len(own)-1] != rows[len(rows)-1] {
		t.Errorf("the host's log has %d rows, the gate read %d (%v)", len(own), len(rows), err)
	}
	if tail, err := h.gate.ReadAudit("", rows[len(rows)-2].Seq, 5); err != nil || len(tail) != 1 {
		t.Errorf("ReadAudit after the last but one row: %d rows, %v; want 1", len(tail), err)
	}
}

// A directory that cannot answer, or answers with a record that breaks the schema, refuses the
// login: never an accepted login without its checks, and never a crash.
func TestHostDirectoryFailsClosed(t *testing.T) {
	f := &faultyDirectory{MemoryDirectory: ssogate.NewMemoryDirectory()}
	h := newHostGate(t, hostDirectory(t, f), nil, ssogate.GateOptions{})
	h.setUp(t)
	expectOutcome(t, h.consume(t, "alice@example.com"), ssogate.GateOutcomeLogin, "FIRST_SSO_LOGIN")
	before := member(t, f.MemoryDirectory, "alice@example.com").LastSSOLogin

	for _, c := range []struct {
		method, how string
		want        *ssogate.Error
		text        string
	}{
		{"FindMember", "error", ssogate.ErrStoreUnavailable, "find_member callback returned 1"},
		{"FindMember", "panic", ssogate.ErrStoreUnavailable, "find_member callback returned 1"},
		{"FindMember", "not found", ssogate.ErrStoreUnavailable, "which this callback may not return"},
		{"Apply", "error", ssogate.ErrStoreUnavailable, "apply callback returned 1"},
		{"FindMember", "bad role", ssogate.ErrStoreCorrupt, `a member whose "role" is "Role(99)"`},
		{"FindMember", "other email", ssogate.ErrStoreCorrupt, `"email" is "mallory@example.com"`},
	} {
		f.breakIt(c.method, c.how)
		out := h.consume(t, "alice@example.com")
		if out.Kind != ssogate.GateOutcomeDenied || !errors.Is(out.Error, c.want) || out.Login != nil ||
			!strings.Contains(out.ReasonText, c.text) {
			t.Errorf("%s %s: %v %v (%s); want DENIED with %v saying %q", c.method, c.how, out.Kind, out.Error,
				out.ReasonText, c.want.Code, c.text)
		}
	}
	f.breakIt("", "")
	if got := member(t, f.MemoryDirectory, "alice@example.com").LastSSOLogin; !got.Equal(before) {
		t.Errorf("a refused login changed alice's last SSO login from %v to %v", before, got)
	}

	// Admin calls fail with the store's code too.
	f.breakIt("FindAccount", "error")
	if err := h.gate.AddBreakGlass("acme", "alice@example.com"); !errors.Is(err, ssogate.ErrStoreUnavailable) ||
		!strings.Contains(err.Error(), "find_account callback returned 1") {
		t.Errorf("AddBreakGlass over a broken directory: %v; want ErrStoreUnavailable", err)
	}

	// An invite accepted without the audit seqs handed back is no answer.
	f.breakIt("", "")
	if _, err := h.gate.Invite("acme", "bob@example.com", ssogate.RoleMember, time.Hour); err != nil {
		t.Fatal(err)
	}
	f.breakIt("Apply", "no seqs")
	if out := h.consume(t, "bob@example.com"); out.Kind != ssogate.GateOutcomeDenied || !errors.Is(out.Error, ssogate.ErrStoreCorrupt) {
		t.Errorf("Apply without the seqs: %v %v; want DENIED with STORE_CORRUPT", out.Kind, out.Error)
	}
	if member(t, f.MemoryDirectory, "bob@example.com") != nil {
		t.Error("bob became a member through a change the directory did not confirm")
	}

	// ConfirmJoin reads the token first; a store that cannot answer refuses the join.
	f.breakIt("", "")
	prompt := h.consume(t, "dave@example.com")
	expectOutcome(t, prompt, ssogate.GateOutcomePromptJoin, "JIT_DOMAIN_MATCH")
	f.breakIt("FindJoinToken", "panic")
	if err := h.gate.ConfirmJoin(prompt.JoinToken); !errors.Is(err, ssogate.ErrStoreUnavailable) {
		t.Errorf("ConfirmJoin over a broken directory: %v; want ErrStoreUnavailable", err)
	}
	if member(t, f.MemoryDirectory, "dave@example.com") != nil {
		t.Error("dave became a member through a directory that could not answer")
	}
	f.breakIt("", "")
	if err := h.gate.ConfirmJoin(prompt.JoinToken); err != nil {
		t.Errorf("ConfirmJoin once the directory is back: %v", err)
	}
	expectOutcome(t, h.consume(t, "alice@example.com"), ssogate.GateOutcomeLogin, "MEMBER_LOGIN")
}

// SP-initiated logins through a gate over the host's directory and the host's own pending-request
// store: the RelayState works once.
func TestHostStoresSPInitiated(t *testing.T) {
	requests := newMapRequests()
	store, err := ssogate.NewRequestStoreFromStore(requests)
	if err != nil {
		t.Fatal(err)
	}
	h := newHostGate(t, hostDirectory(t, ssogate.NewMemoryDirectory()), store, ssogate.GateOptions{})
	h.setUp(t)
	req, err := h.gate.BeginSPLogin("okta", ssogate.SPLoginOptions{ReturnTo: "/dashboard"})
	if err != nil {
		t.Fatal(err)
	}
	if requests.size() != 1 {
		t.Fatalf("the host's request store holds %d records; want 1", requests.size())
	}
	answer := func() string {
		r, err := h.idp.Response(h.conn, ssogate.TestResponseParams{NameID: "alice@example.com", InResponseTo: req.RequestID})
		if err != nil {
			t.Fatal(err)
		}
		return r.Base64
	}
	out, err := h.gate.Consume("okta", answer(), req.RelayState)
	if err != nil {
		t.Fatal(err)
	}
	expectOutcome(t, out, ssogate.GateOutcomeLogin, "FIRST_SSO_LOGIN")
	if out.ReturnTo != "/dashboard" || requests.size() != 0 {
		t.Errorf("return-to %q, %d records left", out.ReturnTo, requests.size())
	}
	again, err := h.gate.Consume("okta", answer(), req.RelayState)
	if err != nil {
		t.Fatal(err)
	}
	if again.Kind != ssogate.GateOutcomeDenied || !errors.Is(again.Error, ssogate.ErrRequestUnknown) {
		t.Errorf("the same RelayState twice: %v %v; want DENIED with ErrRequestUnknown", again.Kind, again.Error)
	}
}

// Members join concurrently through the host's directory (run with -race).
func TestHostDirectoryConcurrent(t *testing.T) {
	mem := ssogate.NewMemoryDirectory()
	h := newHostGate(t, hostDirectory(t, mem), nil, ssogate.GateOptions{})
	h.setUp(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := h.idp.Response(h.conn, ssogate.TestResponseParams{NameID: fmt.Sprintf("user%d@example.com", i)})
			if err != nil {
				errs[i] = err
				return
			}
			out, err := h.gate.Consume("okta", r.Base64, "")
			if err != nil {
				errs[i] = err
				return
			}
			if out.Kind != ssogate.GateOutcomePromptJoin {
				errs[i] = fmt.Errorf("outcome %v %s", out.Kind, out.ReasonText)
				return
			}
			errs[i] = h.gate.ConfirmJoin(out.JoinToken)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("user %d: %v", i, err)
		}
	}
	members, err := mem.ListMembers("acme")
	if err != nil || len(members) != n+1 {
		t.Fatalf("%d members (%v); want %d", len(members), err, n+1)
	}
	for i := 1; i < len(members); i++ {
		if members[i-1].Email >= members[i].Email {
			t.Errorf("members not ordered by email: %q before %q", members[i-1].Email, members[i].Email)
		}
	}
	rows, err := mem.ReadAudit("acme", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	confirmed := 0
	for i, r := range rows {
		if r.Seq != int64(i+1) {
			t.Errorf("row %d has seq %d", i, r.Seq)
		}
		if r.Outcome == "JOIN_CONFIRMED" {
			confirmed++
		}
	}
	if confirmed != n {
		t.Errorf("%d JOIN_CONFIRMED rows; want %d", confirmed, n)
	}
}

// The library's own directories through OpenDirectory and NewGate, the gate options, and the
// argument checks.
func TestOpenDirectoryAndNewGate(t *testing.T) {
	for _, location := range []string{"memory:", "sqlite:" + filepath.Join(t.TempDir(), "dir.db")} {
		dir, err := ssogate.OpenDirectory(location)
		if err != nil {
			t.Fatalf("%s: %v", location, err)
		}
		h := newHostGate(t, dir, nil, ssogate.GateOptions{})
		h.setUp(t)
		expectOutcome(t, h.consume(t, "alice@example.com"), ssogate.GateOutcomeLogin, "FIRST_SSO_LOGIN")
	}
	for _, bad := range []string{"redis://127.0.0.1:6379", "mysql://db", "sqlite:"} {
		if _, err := ssogate.OpenDirectory(bad); !errors.Is(err, ssogate.ErrStoreLocation) {
			t.Errorf("OpenDirectory(%q): %v; want ErrStoreLocation", bad, err)
		}
	}

	// MaxResponseBytes reaches the gate: a normal response is too large for 1,000 bytes.
	dir, err := ssogate.OpenDirectory("memory:")
	if err != nil {
		t.Fatal(err)
	}
	h := newHostGate(t, dir, nil, ssogate.GateOptions{MaxResponseBytes: 1000})
	h.setUp(t)
	if out := h.consume(t, "alice@example.com"); out.Kind != ssogate.GateOutcomeDenied || !errors.Is(out.Error, ssogate.ErrInputTooLarge) {
		t.Errorf("MaxResponseBytes 1000: %v %v; want DENIED with ErrInputTooLarge", out.Kind, out.Error)
	}

	if _, err := ssogate.NewDirectoryFromStore(nil); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("NewDirectoryFromStore(nil): %v; want ErrInvalidArgument", err)
	}
	replay, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer replay.Close()
	requests := memoryStore(t)
	if _, err := ssogate.NewGate(nil, replay, requests, ssogate.GateOptions{}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("NewGate without a directory: %v; want ErrInvalidArgument", err)
	}
	closed, err := ssogate.OpenDirectory("memory:")
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	if _, err := ssogate.NewGate(closed, replay, requests, ssogate.GateOptions{}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("NewGate over a closed directory: %v; want ErrInvalidArgument", err)
	}
	open, err := ssogate.OpenDirectory("memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if _, err := ssogate.NewGate(open, replay, requests, ssogate.GateOptions{JoinTokenTTL: 1500 * time.Millisecond}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("fractional JoinTokenTTL: %v; want ErrInvalidArgument", err)
	}
}

// NormalizeEmail is the library's rule (ssogate_email_normalize): A-Z only. strings.ToLower would
// fold the Kelvin sign into "k" and make two emails one member.
func TestNormalizeEmailIsTheLibrarysRule(t *testing.T) {
	for in, want := range map[string]string{
		"Zed.O'Neil@Example.COM": "zed.o'neil@example.com",
		"\u00c9lise@EXAMPLE.com": "\u00c9lise@example.com",
		"\u212a@example.com":     "\u212a@example.com",
		"":                       "",
	} {
		if got := ssogate.NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q; want %q", in, got, want)
		}
	}
	if strings.ToLower("\u212a") != "k" {
		t.Fatal("the Kelvin sign case no longer shows the difference")
	}
	mem := ssogate.NewMemoryDirectory()
	if err := mem.PutAccount(ssogate.Account{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if err := mem.PutMember(ssogate.Member{AccountID: "acme", Email: "Kim@Example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"kim@EXAMPLE.COM", "\u212aim@example.com"} {
		m, err := mem.FindMember("acme", email)
		if err != nil || (m != nil) != (email == "kim@EXAMPLE.COM") {
			t.Errorf("FindMember(%q) = %v, %v", email, m, err)
		}
	}
}

// noCompareAndSwap is a flawed directory: its updates overwrite whatever is stored, so a login could
// undo an admin's edit. The contract must catch it.
type noCompareAndSwap struct{ *ssogate.MemoryDirectory }

func (d noCompareAndSwap) Apply(change []ssogate.Operation) ([]int64, error) {
	for i, op := range change {
		if u, ok := op.(ssogate.UpdateMember); ok {
			if stored, _ := d.FindMember(u.Before.AccountID, u.Before.Email); stored != nil {
				u.Before = *stored
				change[i] = u
			}
		}
	}
	return d.MemoryDirectory.Apply(change)
}

// The directory contract (the library's own checks, through ssogate_test_directory_contract) over
// the Go MemoryDirectory and the library's directories, and a flawed directory it must refuse.
func TestDirectoryContract(t *testing.T) {
	native, err := ssogate.OpenDirectory("sqlite:" + filepath.Join(t.TempDir(), "contract.db"))
	if err != nil {
		t.Fatal(err)
	}
	memory, err := ssogate.OpenDirectory("memory:")
	if err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]*ssogate.DirectoryHandle{
		"MemoryDirectory": hostDirectory(t, ssogate.NewMemoryDirectory()),
		"sqlite":          native,
		"memory":          memory,
	} {
		if err := ssogate.CheckDirectoryContract(dir); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		dir.Close()
	}

	flawed := hostDirectory(t, noCompareAndSwap{ssogate.NewMemoryDirectory()})
	defer flawed.Close()
	err = ssogate.CheckDirectoryContract(flawed)
	var e *ssogate.Error
	if !errors.As(err, &e) || e.Code != ssogate.CodeStoreCorrupt ||
		!strings.HasPrefix(e.Message, "directory contract, update_member: ") {
		t.Errorf("a directory without compare-and-swap: %v; want STORE_CORRUPT from the update_member check", err)
	}
}
