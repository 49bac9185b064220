package main

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"ssogate.dev/ssogate"
)

// An end-to-end run over real HTTP (httptest): the testing IdP answers the AuthnRequest the handler
// redirected to, the response is posted to the ACS as the browser would, cookies in a jar.
type fixture struct {
	t      *testing.T
	srv    *httptest.Server
	gate   *ssogate.Gate
	idp    *ssogate.TestIdP
	conn   *ssogate.Connection
	logged []string
	mu     sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t}
	f.srv = httptest.NewUnstartedServer(nil)
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	var err error
	if f.gate, err = ssogate.OpenGate("memory:", ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.gate.Close() })
	if f.idp, err = ssogate.NewTestIdP(ssogate.TestIdPConfig{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.idp.Close() })
	meta, err := ssogate.ImportIdPMetadata(f.idp.MetadataXML(), ssogate.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.conn, err = ssogate.NewConnection(meta, ssogate.ConnectionConfig{BaseURL: f.srv.URL, ID: "okta",
		Description: "Okta", JITProvisioning: true})
	if err != nil {
		t.Fatal(err)
	}
	must(t, f.gate.CreateAccount("acme", "Acme Inc.", []string{"acme.example"}))
	must(t, f.gate.AddConnection("acme", f.conn, true))
	must(t, f.gate.AddMember("acme", "alice@acme.example", ssogate.RoleAdmin, false))
	sso := &SSO{Gate: f.gate, AccountNames: map[string]string{"acme": "Acme <Inc.>"},
		Log: func(format string, args ...any) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.logged = append(f.logged, fmt.Sprintf(format, args...))
		}}
	f.srv.Config.Handler = sso.Handler()
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is a client with a cookie jar that does not follow redirects (each hop is checked).
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	must(t, err)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	must(t, err)
	return string(b)
}

// spLogin: GET /sso/start, the IdP answers the Redirect URL for email, POST to the ACS.
func (f *fixture) spLogin(c *http.Client, email, returnTo string) (*http.Response, *ssogate.TestResponse) {
	f.t.Helper()
	r, err := c.Get(f.srv.URL + "/sso/start?connection=okta&return_to=" + url.QueryEscape(returnTo))
	must(f.t, err)
	if r.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("start: %d %s", r.StatusCode, body(f.t, r))
	}
	r.Body.Close()
	answer, err := f.idp.Response(f.conn, ssogate.TestResponseParams{AnswerRequest: r.Header.Get("Location"), NameID: email})
	must(f.t, err)
	return f.post(c, answer), answer
}

func (f *fixture) post(c *http.Client, answer *ssogate.TestResponse) *http.Response {
	f.t.Helper()
	r, err := c.PostForm(f.conn.ACSURL(), url.Values{"SAMLResponse": {answer.Base64}, "RelayState": {answer.RelayState}})
	must(f.t, err)
	return r
}

func TestSPInitiatedLoginReturnsWhereItStarted(t *testing.T) {
	f := newFixture(t)
	c := browser(t)
	r, _ := f.spLogin(c, "alice@acme.example", "/reports?month=11")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/reports?month=11" {
		t.Fatalf("ACS: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	cookie := r.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	r.Body.Close()
	r, err := c.Get(f.srv.URL + "/")
	must(t, err)
	if page := body(t, r); !strings.Contains(page, `<strong id=email>alice@acme.example</strong>`) ||
		!strings.Contains(page, "Acme &lt;Inc.&gt;") {
		t.Fatalf("home: %s", page)
	}
}

func TestOffSiteReturnToIsDropped(t *testing.T) {
	f := newFixture(t)
	for _, evil := range []string{"https://evil.example/", "//evil.example", `/\evil.example`} {
		r, _ := f.spLogin(browser(t), "alice@acme.example", evil)
		if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("return_to %q: %d to %q", evil, r.StatusCode, loc)
		}
		r.Body.Close()
	}
}

func TestReplayIsRefusedWithAReferenceAndSignsNobodyOut(t *testing.T) {
	f := newFixture(t)
	c := browser(t)
	r, answer := f.spLogin(c, "alice@acme.example", "")
	r.Body.Close()
	r = f.post(c, answer)
	page := body(t, r)
	ref := regexp.MustCompile(`id=reference>(R-[A-Z0-9_-]+)<`).FindStringSubmatch(page)
	if r.StatusCode != http.StatusForbidden || ref == nil || !strings.Contains(page, "already used") {
		t.Fatalf("replay: %d %s", r.StatusCode, page)
	}
	f.mu.Lock()
	last := f.logged[len(f.logged)-1]
	f.mu.Unlock()
	if !strings.HasPrefix(last, "SSO refused ("+ref[1]+"): REQUEST_UNKNOWN: ") {
		t.Fatalf("log line %q does not carry the reference %s", last, ref[1])
	}
	r, err := c.Get(f.srv.URL + "/")
	must(t, err)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("after a refused replay the session is gone: %d", r.StatusCode)
	}
	r.Body.Close()
}

func TestIdPInitiatedIsRefusedWhileTheToggleIsOff(t *testing.T) {
	f := newFixture(t)
	answer, err := f.idp.Response(f.conn, ssogate.TestResponseParams{NameID: "alice@acme.example"})
	must(t, err)
	r := f.post(browser(t), answer)
	if page := body(t, r); r.StatusCode != http.StatusForbidden || !strings.Contains(page, "id=reference>R-") {
		t.Fatalf("unsolicited: %d %s", r.StatusCode, page)
	}
	if !strings.Contains(f.logged[0], "UNSOLICITED_NOT_ALLOWED") {
		t.Fatalf("log: %q", f.logged)
	}
}

func TestJustInTimeJoinThroughThePrompt(t *testing.T) {
	f := newFixture(t)
	c := browser(t)
	r, _ := f.spLogin(c, "bob@acme.example", "")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/join" {
		t.Fatalf("ACS: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	r.Body.Close()
	r, err := c.Get(f.srv.URL + "/join")
	must(t, err)
	page := body(t, r)
	if !strings.Contains(page, "<h1>Join Acme &lt;Inc.&gt;?</h1>") {
		t.Fatalf("prompt: %s", page)
	}
	csrf := regexp.MustCompile(`name=csrf_token value="([^"]+)"`).FindStringSubmatch(page)[1]
	// Without the token: refused, nobody joined.
	r, err = c.PostForm(f.srv.URL+"/join", url.Values{"csrf_token": {"forged"}})
	must(t, err)
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("forged token: %d", r.StatusCode)
	}
	r.Body.Close()
	r, err = c.PostForm(f.srv.URL+"/join", url.Values{"csrf_token": {csrf}})
	must(t, err)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("join: %d %s", r.StatusCode, body(t, r))
	}
	r.Body.Close()
	r, err = c.Get(f.srv.URL + "/")
	must(t, err)
	if page := body(t, r); !strings.Contains(page, "bob@acme.example") {
		t.Fatalf("home after join: %s", page)
	}
	rows, err := f.gate.ReadAudit("acme", 0, 100)
	must(t, err)
	if last := rows[len(rows)-1]; last.Outcome != "JOIN_CONFIRMED" || last.Email != "bob@acme.example" {
		t.Fatalf("last audit row: %+v", last)
	}
}

func TestPostBindingPageAllowsOnlyItsOwnScript(t *testing.T) {
	page := `<form action="https://idp.example/sso"></form><script>document.forms[0].submit();</script>`
	sum := sha256.Sum256([]byte("document.forms[0].submit();"))
	if got, want := scriptHashes(page), "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'"; got != want {
		t.Fatalf("hash %q, want %q", got, want)
	}
	if scriptHashes("<p>no script</p>") != "'none'" {
		t.Fatal("a page without scripts allows none")
	}
}
