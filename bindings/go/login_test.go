package ssogate_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"ssogate.dev/ssogate"
)

var loginNow = time.Unix(1767225600, 0).UTC()

func loginConn(t *testing.T) *ssogate.Connection {
	t.Helper()
	return newConn(t, importOkta(t), ssogate.ConnectionConfig{
		BaseURL: "https://app.example.com", ID: "c1", AllowedReturnOrigins: []string{"https://APP.example.com:443"},
	})
}

func memoryStore(t *testing.T) *ssogate.RequestStore {
	t.Helper()
	s, err := ssogate.NewMemoryRequestStore()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestBeginLoginRedirect(t *testing.T) {
	conn := loginConn(t)
	if got := conn.AllowedReturnOrigins(); len(got) != 1 || got[0] != "https://app.example.com" {
		t.Fatalf("AllowedReturnOrigins = %q; want the normalised origin", got)
	}
	req, err := ssogate.BeginSPLogin(conn, memoryStore(t), ssogate.SPLoginOptions{ReturnTo: "/dashboard", Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	if req.Binding != ssogate.BindingHTTPRedirect || req.PostFormHTML != "" || req.Signed {
		t.Errorf("binding %v, form %q, signed %v", req.Binding, req.PostFormHTML, req.Signed)
	}
	if !req.IssuedAt.Equal(loginNow) || !req.ExpiresAt.Equal(loginNow.Add(10*time.Minute)) {
		t.Errorf("issued %v, expires %v", req.IssuedAt, req.ExpiresAt)
	}
	u, err := url.Parse(req.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	if base := u.Scheme + "://" + u.Host + u.Path; base != req.Destination {
		t.Errorf("redirect goes to %q; the Destination is %q", base, req.Destination)
	}
	q := u.Query()
	if q.Get("RelayState") != req.RelayState || len(q) != 2 {
		t.Errorf("query %v; want SAMLRequest and RelayState %q", q, req.RelayState)
	}
	deflated, err := base64.StdEncoding.DecodeString(q.Get("SAMLRequest"))
	if err != nil {
		t.Fatal(err)
	}
	xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(deflated)))
	if err != nil {
		t.Fatal(err)
	}
	if string(xml) != req.XML || !strings.Contains(req.XML, `ID="`+req.RequestID+`"`) ||
		!strings.Contains(req.XML, `AssertionConsumerServiceURL="`+conn.ACSURL()+`"`) {
		t.Errorf("inflated request %s", xml)
	}
}

func TestBeginLoginPost(t *testing.T) {
	req, err := ssogate.BeginSPLogin(loginConn(t), memoryStore(t), ssogate.SPLoginOptions{
		Binding: ssogate.BindingHTTPPost, ForceAuthn: true, TTL: time.Minute, Now: loginNow,
	})
	if err != nil {
		t.Fatal(err)
	}
	if req.RedirectURL != "" || !strings.Contains(req.PostFormHTML, `name="RelayState" value="`+req.RelayState+`"`) ||
		!strings.Contains(req.XML, `ForceAuthn="true"`) || !req.ExpiresAt.Equal(loginNow.Add(time.Minute)) {
		t.Errorf("POST login: %+v", req)
	}
}

func TestBeginLoginRefusals(t *testing.T) {
	conn := loginConn(t)
	store := memoryStore(t)
	for _, bad := range []string{"//evil.com", `/\evil.com`, "https://evil.com/", "javascript:alert(1)", "x"} {
		_, err := ssogate.BeginSPLogin(conn, store, ssogate.SPLoginOptions{ReturnTo: bad})
		if !errors.Is(err, ssogate.ErrReturnToNotAllowed) {
			t.Errorf("ReturnTo %q: %v; want ErrReturnToNotAllowed", bad, err)
		}
	}
	if _, err := ssogate.BeginSPLogin(conn, store, ssogate.SPLoginOptions{TTL: 1500 * time.Millisecond}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("fractional TTL: %v", err)
	}
	if _, err := ssogate.NewSPKey([]byte("not a key"), []byte("not a cert")); !errors.Is(err, ssogate.ErrSPKeyInvalid) {
		t.Errorf("NewSPKey: %v; want ErrSPKeyInvalid", err)
	}
	if _, err := ssogate.OpenRequestStore("mysql://db"); !errors.Is(err, ssogate.ErrStoreLocation) {
		t.Errorf("OpenRequestStore: %v; want ErrStoreLocation", err)
	}
	closed, err := ssogate.NewMemoryRequestStore()
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	if _, err := ssogate.BeginSPLogin(conn, closed, ssogate.SPLoginOptions{}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("closed store: %v; want ErrInvalidArgument", err)
	}
}

// The testing IdP answers our request: FinishSPLogin returns the login and its return-to, exactly once.
func TestBeginFinishRoundTrip(t *testing.T) {
	tidp, idp := newTestIdP(t, ssogate.TestIdPConfig{})
	conn := newConn(t, idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "c1"})
	store := memoryStore(t)
	replay, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	defer replay.Close()
	answer := func(requestID string, now time.Time) string {
		r, err := tidp.Response(conn, ssogate.TestResponseParams{InResponseTo: requestID, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return r.Base64
	}
	vo := ssogate.VerifyOptions{ReplayCache: replay, Now: loginNow}

	req, err := ssogate.BeginSPLogin(conn, store, ssogate.SPLoginOptions{ReturnTo: "/after", Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	done, err := ssogate.FinishSPLogin(conn, store, req.RelayState, answer(req.RequestID, loginNow), vo)
	if err != nil {
		t.Fatal(err)
	}
	if done.Email != "alice@example.com" || done.InResponseTo != req.RequestID || done.ReturnTo != "/after" {
		t.Errorf("finished login: email %q, InResponseTo %q (want %q), ReturnTo %q", done.Email, done.InResponseTo,
			req.RequestID, done.ReturnTo)
	}
	if _, err := ssogate.FinishSPLogin(conn, store, req.RelayState, answer(req.RequestID, loginNow), vo); !errors.Is(err, ssogate.ErrRequestUnknown) {
		t.Errorf("second use: %v; want ErrRequestUnknown", err)
	}

	// Expired; a RelayState ssogate never issued.
	old, err := ssogate.BeginSPLogin(conn, store, ssogate.SPLoginOptions{TTL: time.Minute, Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	later := loginNow.Add(61 * time.Second)
	_, err = ssogate.FinishSPLogin(conn, store, old.RelayState, answer(old.RequestID, later),
		ssogate.VerifyOptions{ReplayCache: replay, Now: later})
	if !errors.Is(err, ssogate.ErrRequestExpired) {
		t.Errorf("expired: %v; want ErrRequestExpired", err)
	}
	if _, err := ssogate.FinishSPLogin(conn, store, "/dashboard", answer(old.RequestID, loginNow), vo); !errors.Is(err, ssogate.ErrRelayStateInvalid) {
		t.Errorf("RelayState /dashboard: %v; want ErrRelayStateInvalid", err)
	}
}

// The testing IdP reads the AuthnRequest itself (Redirect URL or POST form value) and answers it.
func TestTestIdPAnswersTheRequest(t *testing.T) {
	tidp, idp := newTestIdP(t, ssogate.TestIdPConfig{})
	conn := newConn(t, idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "c1"})
	store := memoryStore(t)
	replay, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	defer replay.Close()
	vo := ssogate.VerifyOptions{ReplayCache: replay, Now: loginNow}
	for _, binding := range []ssogate.Binding{ssogate.BindingHTTPRedirect, ssogate.BindingHTTPPost} {
		req, err := ssogate.BeginSPLogin(conn, store, ssogate.SPLoginOptions{ReturnTo: "/x", Binding: binding, Now: loginNow})
		if err != nil {
			t.Fatal(err)
		}
		r, err := tidp.Answer(conn, req, ssogate.TestResponseParams{Now: loginNow})
		if err != nil {
			t.Fatal(err)
		}
		if r.RelayState != req.RelayState || !strings.Contains(r.XML, `InResponseTo="`+req.RequestID+`"`) {
			t.Errorf("binding %d: RelayState %q (want %q), or InResponseTo missing", binding, r.RelayState, req.RelayState)
		}
		done, err := ssogate.FinishSPLogin(conn, store, r.RelayState, r.Base64, vo)
		if err != nil {
			t.Fatal(err)
		}
		if done.ReturnTo != "/x" || done.InResponseTo != req.RequestID {
			t.Errorf("binding %d: ReturnTo %q, InResponseTo %q", binding, done.ReturnTo, done.InResponseTo)
		}
	}
	// Another SP's request, a broken URL, and InResponseTo beside AnswerRequest are refused.
	other := newConn(t, idp, ssogate.ConnectionConfig{BaseURL: "https://other.example.com", ID: "c2"})
	req, err := ssogate.BeginSPLogin(other, store, ssogate.SPLoginOptions{Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]ssogate.TestResponseParams{
		"another SP":   {AnswerRequest: req.RedirectURL},
		"broken":       {AnswerRequest: "https://idp.example/sso?SAMLRequest=%ZZ"},
		"InResponseTo": {AnswerRequest: req.RedirectURL, InResponseTo: "_x"},
	} {
		if _, err := tidp.Response(conn, p); !errors.Is(err, ssogate.ErrInvalidArgument) {
			t.Errorf("%s: %v; want ErrInvalidArgument", name, err)
		}
	}
}
