package ssogate_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"ssogate.dev/ssogate"
)

// The attack-suite vectors shared by the C++, C, Python and Go tests (attacksDir, vectors_test.go;
// see their README).

type attackVector struct {
	Name    string `json:"name"`
	Expect  string `json:"expect"`
	Email   string `json:"email"`
	File    string `json:"file"`
	Form    bool   `json:"form"`
	Repeat  int    `json:"repeat"`
	Context struct {
		Now               int64    `json:"now"`
		ACSURL            string   `json:"acs_url"`
		SPEntityID        string   `json:"sp_entity_id"`
		IdPEntityID       string   `json:"idp_entity_id"`
		RequestIDs        []string `json:"request_ids"`
		AllowIdPInitiated bool     `json:"allow_idp_initiated"`
		AllowSHA1         bool     `json:"allow_sha1"`
		ClockSkewSeconds  int      `json:"clock_skew_seconds"`
		EmailAttribute    string   `json:"email_attribute"`
		AllowedDomains    []string `json:"allowed_domains"`
		MaxBytes          uint64   `json:"max_bytes"`
		// SPEncryption gives the connection the corpus's SP encryption certificate and verification
		// its key; AllowRSA15 goes to the connection. Both false when missing (older manifests).
		SPEncryption bool `json:"sp_encryption"`
		AllowRSA15   bool `json:"allow_rsa_1_5"`
	} `json:"context"`
}

// The corpus's SP encryption key and certificate, for the vectors whose context has sp_encryption.
const (
	attackSPEncCert = "TEST-SP-ENC-CERT.pem"
	attackSPEncKey  = "TEST-SP-ENC-KEY-DO-NOT-USE.pem"
)

func attackVectors(t *testing.T, dir string) []attackVector {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Vectors []attackVector `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m.Vectors
}

func mustClose(t *testing.T, c interface{ Close() error }) {
	t.Helper()
	t.Cleanup(func() { _ = c.Close() })
}

func TestAttackVectors(t *testing.T) {
	vectors := attackVectors(t, attacksDir(t))
	if len(vectors) < 80 {
		t.Fatalf("%d vectors, expected the whole suite", len(vectors))
	}
	runAttackVectors(t, attacksDir(t), vectors)
}

// runAttackVectors verifies each vector of the corpus in dir as its manifest context says and checks
// the outcome: the expected login, or a refusal with the expected code.
func runAttackVectors(t *testing.T, dir string, vectors []attackVector) {
	md, err := os.ReadFile(filepath.Join(dir, "idp-metadata.xml"))
	if err != nil {
		t.Fatal(err)
	}
	idp, err := ssogate.ImportIdPMetadata(md, ssogate.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, idp)
	// The SP encryption key is loaded once, and only when a vector needs it.
	var spCert string
	var spKey *ssogate.SPKey
	loadSPKey := func(t *testing.T) {
		if spKey != nil {
			return
		}
		certPEM, err := os.ReadFile(filepath.Join(dir, attackSPEncCert))
		if err != nil {
			t.Fatal(err)
		}
		keyPEM, err := os.ReadFile(filepath.Join(dir, attackSPEncKey))
		if err != nil {
			t.Fatal(err)
		}
		if spKey, err = ssogate.NewSPKey(keyPEM, certPEM); err != nil {
			t.Fatal(err)
		}
		spCert = string(certPEM)
	}
	t.Cleanup(func() {
		if spKey != nil {
			_ = spKey.Close()
		}
	})
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			c := v.Context
			skew := time.Duration(c.ClockSkewSeconds) * time.Second
			cfg := ssogate.ConnectionConfig{
				ID: "c1", ACSURL: c.ACSURL, SPEntityID: c.SPEntityID, AllowIdPInitiated: c.AllowIdPInitiated,
				AllowSHA1: c.AllowSHA1, ClockSkew: &skew, EmailAttribute: c.EmailAttribute,
				AllowedDomains: c.AllowedDomains, AllowRSA15: c.AllowRSA15,
			}
			var keys []*ssogate.SPKey
			if c.SPEncryption {
				loadSPKey(t)
				cfg.SPEncryptionCertificates = []string{spCert}
				keys = []*ssogate.SPKey{spKey}
			}
			conn, err := ssogate.NewConnection(idp, cfg)
			if err != nil {
				t.Fatal(err)
			}
			mustClose(t, conn)
			now := time.Unix(c.Now, 0)
			// Frozen like verification, or the replay of an old vector would be forgotten at once.
			cache, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			mustClose(t, cache)
			body, err := os.ReadFile(filepath.Join(dir, v.File))
			if err != nil {
				t.Fatal(err)
			}
			form := string(body)
			if !v.Form {
				form = base64.StdEncoding.EncodeToString(body)
			}
			opts := ssogate.VerifyOptions{ReplayCache: cache, PendingRequestIDs: c.RequestIDs, Now: now, MaxBytes: c.MaxBytes,
				DecryptionKeys: keys}
			for i := 1; i < v.Repeat; i++ {
				if _, err := ssogate.Verify(conn, form, opts); err != nil {
					t.Fatalf("use %d: %v", i, err)
				}
			}
			// The explanation in the same state: its first failing check is this refusal (explainAgrees
			// checks it after Verify, which explaining must not have changed).
			x, xerr := ssogate.Explain(conn, form, ssogate.ExplainOptions{VerifyOptions: opts})
			if xerr != nil {
				t.Fatalf("Explain: %v", xerr)
			}
			login, err := ssogate.Verify(conn, form, opts)
			explainAgrees(t, x, err)
			if x.FirstFailure.String() != v.Expect {
				t.Errorf("explanation's first failure %s, manifest %s", x.FirstFailure, v.Expect)
			}
			if v.Expect == "OK" {
				if err != nil {
					t.Fatalf("want OK, got %v", err)
				}
				if login.Email != v.Email || login.ConnectionID != "c1" || login.IdPEntityID != c.IdPEntityID {
					t.Errorf("login %+v", login)
				}
				return
			}
			var e *ssogate.Error
			if !errors.As(err, &e) {
				t.Fatalf("want %s, got %v", v.Expect, err)
			}
			if e.Code.String() != v.Expect {
				t.Errorf("want %s, got %s: %s", v.Expect, e.Code, e.Message)
			}
			if !utf8.ValidString(e.Message) || strings.ContainsRune(e.Message, utf8.RuneError) {
				t.Errorf("message is not clean UTF-8: %q", e.Message)
			}
			if !strings.Contains(e.UserMessage, v.Expect) {
				t.Errorf("user message %q does not name %s", e.UserMessage, v.Expect)
			}
			if login != nil {
				t.Errorf("a refusal returned a login")
			}
		})
	}
}

// testIdPConnection makes a TestIdP and a connection for it.
func testIdPConnection(t *testing.T, cfg ssogate.TestIdPConfig, conf ssogate.ConnectionConfig) (*ssogate.TestIdP, *ssogate.Connection) {
	t.Helper()
	tidp, err := ssogate.NewTestIdP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, tidp)
	idp, err := ssogate.ImportIdPMetadata(tidp.MetadataXML(), ssogate.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, idp)
	if conf.BaseURL == "" {
		conf.BaseURL = "https://app.example.com"
	}
	conn, err := ssogate.NewConnection(idp, conf)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, conn)
	return tidp, conn
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestVerifyLoginValuesAndReplay(t *testing.T) {
	tidp, conn := testIdPConnection(t, ssogate.TestIdPConfig{EntityID: "https://idp.go.example/saml"},
		ssogate.ConnectionConfig{ID: "go1"})
	si := "_s5"
	r, err := tidp.Response(conn, ssogate.TestResponseParams{
		InResponseTo: "_r1", Now: t0, SessionIndex: &si, NameID: "dora@Example.ORG",
		Attributes: []ssogate.TestAttribute{{Name: "groups", Values: []string{"admins", "dev"}, FriendlyName: "Groups"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cache, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, cache)
	opts := ssogate.VerifyOptions{ReplayCache: cache, PendingRequestIDs: []string{"_a", "_r1"}, Now: t0.Add(5 * time.Second)}
	login, err := ssogate.Verify(conn, r.Base64, opts)
	if err != nil {
		t.Fatal(err)
	}
	if login.Email != "dora@example.org" || login.NameID != "dora@Example.ORG" || login.ConnectionID != "go1" ||
		login.IdPEntityID != "https://idp.go.example/saml" || login.SessionIndex != "_s5" || login.InResponseTo != "_r1" ||
		!login.AuthnInstant.Equal(t0) || !login.SessionNotOnOrAfter.IsZero() || !strings.Contains(r.XML, login.AssertionID) {
		t.Errorf("login %+v", login)
	}
	if got := fmt.Sprint(login.AttributeMap()); got != "map[groups:[admins dev]]" || login.Attributes[0].FriendlyName != "Groups" {
		t.Errorf("attributes %s %+v", got, login.Attributes)
	}
	_, err = ssogate.Verify(conn, r.Base64, opts)
	if !errors.Is(err, ssogate.ErrReplayed) {
		t.Fatalf("second use: %v", err)
	}
	var e *ssogate.Error
	errors.As(err, &e)
	if !strings.Contains(e.UserMessage, "already used") || !strings.Contains(e.Message, login.AssertionID) {
		t.Errorf("messages %q / %q", e.Message, e.UserMessage)
	}
	// Refused after the signature verified: who the signed assertion names, normalised.
	if !e.SignatureVerified || e.SignedIdentity != "dora@example.org" {
		t.Errorf("replay: verified %v, identity %q; want the signed identity", e.SignatureVerified, e.SignedIdentity)
	}
	// Refused before any signature verified: nothing.
	_, err = ssogate.Verify(conn, "!!", opts)
	if !errors.As(err, &e) || e.Code != ssogate.CodeEncodingInvalid || e.SignatureVerified || e.SignedIdentity != "" {
		t.Errorf("not base64: %+v", err)
	}
	// Argument errors are not refusals of a login.
	if _, err := ssogate.Verify(conn, r.Base64, ssogate.VerifyOptions{}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("no cache: %v", err)
	}
	if _, err := ssogate.Verify(conn, r.Base64, ssogate.VerifyOptions{ReplayCache: cache, PendingRequestIDs: []string{"_a _b"}}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("bad ID: %v", err)
	}
	_ = cache.Close()
	if _, err := ssogate.Verify(conn, r.Base64, opts); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("closed cache: %v", err)
	}
}

func TestReplayCacheLocations(t *testing.T) {
	tidp, conn := testIdPConnection(t, ssogate.TestIdPConfig{}, ssogate.ConnectionConfig{ID: "go2"})
	r, err := tidp.Response(conn, ssogate.TestResponseParams{InResponseTo: "_r1", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	location := "sqlite:" + filepath.Join(t.TempDir(), "replay.db")
	for i, want := range []error{nil, ssogate.ErrReplayed} {
		// A second handle on the same file (another process, in real life) sees the first use.
		cache, err := ssogate.OpenReplayCache(location, ssogate.ReplayCacheOptions{Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		_, err = ssogate.Verify(conn, r.Base64, ssogate.VerifyOptions{ReplayCache: cache, PendingRequestIDs: []string{"_r1"}, Now: t0})
		_ = cache.Close()
		if !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Errorf("use %d: want %v, got %v", i, want, err)
		}
	}
	for _, bad := range []string{"mysql://db", "sqlite:", "memory"} {
		if _, err := ssogate.OpenReplayCache(bad, ssogate.ReplayCacheOptions{}); !errors.Is(err, ssogate.ErrStoreLocation) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	// Nothing listens on port 1: the cache opens, the login is refused (fail closed).
	down, err := ssogate.OpenReplayCache("redis://127.0.0.1:1/0", ssogate.ReplayCacheOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, down)
	if _, err := ssogate.Verify(conn, r.Base64, ssogate.VerifyOptions{ReplayCache: down, PendingRequestIDs: []string{"_r1"}, Now: t0}); !errors.Is(err, ssogate.ErrStoreUnavailable) {
		t.Errorf("redis down: %v", err)
	}
}

// One tenant's IdP minting ten-year assertions in a loop fills its own share of a shared replay cache
// (memory, SQLite or Redis) and no more: its logins fail closed, another tenant's go on.
func TestReplayCacheFloodByOneConnectionSparesAnother(t *testing.T) {
	tidp, flooding := testIdPConnection(t, ssogate.TestIdPConfig{}, ssogate.ConnectionConfig{ID: "go-flood"})
	otherIdP, quiet := testIdPConnection(t, ssogate.TestIdPConfig{EntityID: "https://idp.other-tenant.example/saml"},
		ssogate.ConnectionConfig{ID: "go-quiet"})
	tenYears := t0.Add(10 * 365 * 24 * time.Hour)
	locations := map[string]string{
		"memory": "memory:",
		"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "replay.db"),
		"redis":  startRedis(t),
	}
	for kind, location := range locations {
		t.Run(kind, func(t *testing.T) {
			cache, err := ssogate.OpenReplayCache(location, ssogate.ReplayCacheOptions{Now: t0, MaxEntries: 50})
			if err != nil {
				t.Fatal(err)
			}
			mustClose(t, cache)
			opts := ssogate.VerifyOptions{ReplayCache: cache, PendingRequestIDs: []string{"_r1"}, Now: t0}
			var got []string
			for i := 0; i < 8; i++ {
				r, err := tidp.Response(flooding, ssogate.TestResponseParams{InResponseTo: "_r1", Now: t0,
					NotOnOrAfter: tenYears, SubjectNotOnOrAfter: tenYears})
				if err != nil {
					t.Fatal(err)
				}
				_, err = ssogate.Verify(flooding, r.Base64, opts)
				var e *ssogate.Error
				switch {
				case err == nil:
					got = append(got, "OK")
				case errors.As(err, &e):
					got = append(got, e.Code.String())
					if !strings.Contains(e.Message, "go-flood") || !strings.Contains(e.Message, "share") {
						t.Errorf("message %q", e.Message)
					}
				default:
					t.Fatal(err)
				}
			}
			want := "OK OK OK OK OK STORE_UNAVAILABLE STORE_UNAVAILABLE STORE_UNAVAILABLE"
			if strings.Join(got, " ") != want {
				t.Errorf("flooding connection: %v; want %s", got, want)
			}
			r, err := otherIdP.Response(quiet, ssogate.TestResponseParams{InResponseTo: "_r1", Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			login, err := ssogate.Verify(quiet, r.Base64, opts)
			if err != nil {
				t.Fatalf("the other connection was locked out: %v", err)
			}
			if login.ConnectionID != "go-quiet" {
				t.Errorf("connection %q", login.ConnectionID)
			}
		})
	}
}

// mapStore is a host store: a map under a mutex.
type mapStore struct {
	mu    sync.Mutex
	seen  map[string]time.Time
	calls int
}

func (s *mapStore) InsertIfAbsent(key string, expiresAt time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if _, ok := s.seen[key]; ok {
		return false, nil
	}
	s.seen[key] = expiresAt
	return true, nil
}

func TestReplayCacheFromGoStore(t *testing.T) {
	tidp, conn := testIdPConnection(t, ssogate.TestIdPConfig{}, ssogate.ConnectionConfig{ID: "go3"})
	store := &mapStore{seen: map[string]time.Time{}}
	cache, err := ssogate.NewReplayCacheFromStore(store)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, cache)

	// Goroutines verify at once through the cgo trampoline: each response is accepted exactly once.
	var forms []string
	for i := 0; i < 4; i++ {
		r, err := tidp.Response(conn, ssogate.TestResponseParams{InResponseTo: "_r1", Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		forms = append(forms, r.Base64)
	}
	var mu sync.Mutex
	accepted, replayed := 0, 0
	var wg sync.WaitGroup
	for _, f := range forms {
		for k := 0; k < 3; k++ {
			wg.Add(1)
			go func(form string) {
				defer wg.Done()
				_, err := ssogate.Verify(conn, form, ssogate.VerifyOptions{ReplayCache: cache, PendingRequestIDs: []string{"_r1"}, Now: t0})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					accepted++
				case errors.Is(err, ssogate.ErrReplayed):
					replayed++
				default:
					t.Errorf("unexpected %v", err)
				}
			}(f)
		}
	}
	wg.Wait()
	if accepted != 4 || replayed != 8 || store.calls != 12 {
		t.Errorf("accepted %d, replayed %d, calls %d", accepted, replayed, store.calls)
	}
	for key, exp := range store.seen {
		if !strings.HasPrefix(key, "saml-assertion ") || exp.Before(t0.Add(300*time.Second)) {
			t.Errorf("key %q until %v", key, exp)
		}
	}
}

func TestGoStoreFailuresRefuseTheLogin(t *testing.T) {
	tidp, conn := testIdPConnection(t, ssogate.TestIdPConfig{}, ssogate.ConnectionConfig{ID: "go4"})
	r, err := tidp.Response(conn, ssogate.TestResponseParams{InResponseTo: "_r1", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for name, store := range map[string]ssogate.ReplayStoreFunc{
		"error": func(string, time.Time) (bool, error) { return false, errors.New("database is down") },
		"panic": func(string, time.Time) (bool, error) { panic("store bug") },
	} {
		cache, err := ssogate.NewReplayCacheFromStore(store)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ssogate.Verify(conn, r.Base64, ssogate.VerifyOptions{ReplayCache: cache, PendingRequestIDs: []string{"_r1"}, Now: t0})
		_ = cache.Close()
		var e *ssogate.Error
		if !errors.As(err, &e) || e.Code != ssogate.CodeStoreUnavailable || !strings.Contains(e.UserMessage, "temporarily unavailable") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ssogate.NewReplayCacheFromStore(nil); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("nil store: %v", err)
	}
}
