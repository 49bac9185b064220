package ssogate_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ssogate.dev/ssogate"
)

// The algorithm URIs of XML Encryption 1.0 and 1.1 that SAML IdPs use.
const (
	rsaOAEPMGF1P = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
	rsaOAEP11    = "http://www.w3.org/2009/xmlenc11#rsa-oaep"
	rsa15        = "http://www.w3.org/2001/04/xmlenc#rsa-1_5"
	aes128GCM    = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
	aes256GCM    = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
	aes128CBC    = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
	aes256CBC    = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
)

// spEncPair is an SP encryption key: its PEM certificate and the loaded key.
type spEncPair struct {
	cert string
	key  *ssogate.SPKey
}

// committedSPEncPair loads the published TEST SP encryption key of the attack corpus.
func committedSPEncPair(t *testing.T) spEncPair {
	t.Helper()
	certPEM, err := os.ReadFile(filepath.Join(attacksDir(t), attackSPEncCert))
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(attacksDir(t), attackSPEncKey))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssogate.NewSPKey(keyPEM, certPEM)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, key)
	return spEncPair{cert: string(certPEM), key: key}
}

// freshSPEncPair makes an RSA-2048 key and its self-signed certificate (connection_test.go).
func freshSPEncPair(t *testing.T, cn string) spEncPair {
	t.Helper()
	keyPEM, certPEM := selfSigned(t, cn)
	key, err := ssogate.NewSPKey(keyPEM, certPEM)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, key)
	return spEncPair{cert: string(certPEM), key: key}
}

// encFixture: a testing IdP, a connection for it that takes encrypted assertions, a replay cache.
type encFixture struct {
	tidp  *ssogate.TestIdP
	conn  *ssogate.Connection
	cache *ssogate.ReplayCache
}

func newEncFixture(t *testing.T, cfg ssogate.ConnectionConfig) *encFixture {
	t.Helper()
	tidp, conn := testIdPConnection(t, ssogate.TestIdPConfig{EntityID: "https://idp.enc.example/saml"}, cfg)
	cache, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, cache)
	return &encFixture{tidp: tidp, conn: conn, cache: cache}
}

// response is a Response to the pending request "_r1" at t0 with the knobs of p.
func (f *encFixture) response(t *testing.T, p ssogate.TestResponseParams) *ssogate.TestResponse {
	t.Helper()
	p.InResponseTo, p.Now = "_r1", t0
	if p.NameID == "" {
		p.NameID = "carol@enc.example"
	}
	r, err := f.tidp.Response(f.conn, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *encFixture) verify(form string, keys ...*ssogate.SPKey) (*ssogate.VerifiedLogin, error) {
	return ssogate.Verify(f.conn, form, ssogate.VerifyOptions{ReplayCache: f.cache, PendingRequestIDs: []string{"_r1"},
		Now: t0, DecryptionKeys: keys})
}

// wantCode fails unless err is an *ssogate.Error with code want and login is nil.
func wantCode(t *testing.T, what string, login *ssogate.VerifiedLogin, err error, want ssogate.Code) {
	t.Helper()
	var e *ssogate.Error
	if !errors.As(err, &e) || e.Code != want {
		t.Errorf("%s: got %v; want %s", what, err, want)
		return
	}
	if login != nil {
		t.Errorf("%s: a refusal returned a login", what)
	}
}

// wantEncrypted fails unless xml holds an EncryptedAssertion and no Assertion or NameID in clear.
func wantEncrypted(t *testing.T, xmlText, email string) {
	t.Helper()
	if !strings.Contains(xmlText, "EncryptedAssertion") || strings.Contains(xmlText, email) ||
		strings.Contains(xmlText, ":Assertion ") || strings.Contains(xmlText, "<Assertion") {
		t.Errorf("the Response is not encrypted:\n%s", xmlText)
	}
}

// The published TEST key end to end through Verify: the testing IdP encrypts to its certificate, the
// Response carries only cipher text, and verification with the key gives the signed email.
func TestEncryptedVerify(t *testing.T) {
	sp := committedSPEncPair(t)
	f := newEncFixture(t, ssogate.ConnectionConfig{ID: "enc1", SPEncryptionCertificates: []string{sp.cert}})
	r := f.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert,
		Attributes: []ssogate.TestAttribute{{Name: "groups", Values: []string{"ops"}}}})
	wantEncrypted(t, r.XML, "carol@enc.example")
	login, err := f.verify(r.Base64, sp.key)
	if err != nil {
		t.Fatal(err)
	}
	if login.Email != "carol@enc.example" || login.ConnectionID != "enc1" || login.InResponseTo != "_r1" ||
		login.IdPEntityID != "https://idp.enc.example/saml" || fmt.Sprint(login.AttributeMap()) != "map[groups:[ops]]" {
		t.Errorf("login %+v", login)
	}
	// The assertion ID was recorded like a clear one's: the same Response again is a replay.
	login, err = f.verify(r.Base64, sp.key)
	wantCode(t, "replay", login, err, ssogate.CodeReplayed)
}

// An SP-initiated login whose answer is encrypted: BeginSPLogin, then FinishSPLogin with the key.
func TestEncryptedFinishSPLogin(t *testing.T) {
	sp := freshSPEncPair(t, "sp-enc.finish.test")
	tidp, idp := newTestIdP(t, ssogate.TestIdPConfig{})
	conn := newConn(t, idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "encfin",
		SPEncryptionCertificates: []string{sp.cert}})
	store := memoryStore(t)
	replay, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: loginNow})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, replay)
	begin := func() (*ssogate.SPLoginRequest, string) {
		req, err := ssogate.BeginSPLogin(conn, store, ssogate.SPLoginOptions{ReturnTo: "/inbox", Now: loginNow})
		if err != nil {
			t.Fatal(err)
		}
		r, err := tidp.Response(conn, ssogate.TestResponseParams{InResponseTo: req.RequestID, Now: loginNow,
			EncryptTo: sp.cert, KeyPlacement: ssogate.TestKeyPlacementRetrievalMethod})
		if err != nil {
			t.Fatal(err)
		}
		wantEncrypted(t, r.XML, "alice@example.com")
		return req, r.Base64
	}

	req, form := begin()
	_, err = ssogate.FinishSPLogin(conn, store, req.RelayState, form, ssogate.VerifyOptions{ReplayCache: replay, Now: loginNow})
	if !errors.Is(err, ssogate.ErrAssertionEncrypted) {
		t.Errorf("finish without a key: %v; want ErrAssertionEncrypted", err)
	}

	req, form = begin()
	done, err := ssogate.FinishSPLogin(conn, store, req.RelayState, form,
		ssogate.VerifyOptions{ReplayCache: replay, Now: loginNow, DecryptionKeys: []*ssogate.SPKey{sp.key}})
	if err != nil {
		t.Fatal(err)
	}
	if done.Email != "alice@example.com" || done.InResponseTo != req.RequestID || done.ReturnTo != "/inbox" {
		t.Errorf("finished login: %+v, ReturnTo %q", done.VerifiedLogin, done.ReturnTo)
	}
}

// The Gate holds the keys of its connections: without one an encrypted login is denied with
// ASSERTION_ENCRYPTED; after AddDecryptionKey it is accepted, even once the caller closed its key.
func TestEncryptedGate(t *testing.T) {
	sp := freshSPEncPair(t, "sp-enc.gate.test")
	tidp, idp := newTestIdP(t, ssogate.TestIdPConfig{EntityID: "https://okta.enc.example/exk1"})
	conn := newConn(t, idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "okta-enc",
		AllowIdPInitiated: true, SPEncryptionCertificates: []string{sp.cert}})
	gate, err := ssogate.OpenGate("memory:", "")
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, gate)
	if err := gate.CreateAccount("acme", "Acme", []string{"example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := gate.AddConnection("acme", conn, true); err != nil {
		t.Fatal(err)
	}
	if err := gate.AddMember("acme", "alice@example.com", ssogate.RoleMember, false); err != nil {
		t.Fatal(err)
	}
	consume := func() *ssogate.GateOutcome {
		r, err := tidp.Response(conn, ssogate.TestResponseParams{EncryptTo: sp.cert})
		if err != nil {
			t.Fatal(err)
		}
		out, err := gate.Consume("okta-enc", r.Base64, "")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	denied := consume()
	if denied.Kind != ssogate.GateOutcomeDenied || denied.ReasonName != "ASSERTION_ENCRYPTED" ||
		!errors.Is(denied.Error, ssogate.ErrAssertionEncrypted) || denied.Login != nil {
		t.Errorf("without a key: %+v", denied)
	}

	if err := gate.AddDecryptionKey(sp.key); err != nil {
		t.Fatal(err)
	}
	if err := gate.AddDecryptionKey(sp.key); err != nil {
		t.Errorf("adding the same key again: %v; want nil", err)
	}
	_ = sp.key.Close() // the gate keeps its own reference
	out := consume()
	if !out.Accepted() || out.Kind != ssogate.GateOutcomeLogin || out.Login == nil ||
		out.Login.Email != "alice@example.com" || out.Email != "alice@example.com" {
		t.Errorf("with the key: %v %s (%s), login %+v", out.Kind, out.ReasonName, out.ReasonText, out.Login)
	}

	if err := gate.AddDecryptionKey(sp.key); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("a closed key: %v; want ErrInvalidArgument", err)
	}
	if err := gate.AddDecryptionKey(nil); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("a nil key: %v; want ErrInvalidArgument", err)
	}
}

// Key rollover: the connection publishes the current and the next certificate; an IdP that moved
// to the next one is accepted when both keys are given, in either order.
func TestEncryptedRollover(t *testing.T) {
	current := freshSPEncPair(t, "sp-enc.current.test")
	next := freshSPEncPair(t, "sp-enc.next.test")
	f := newEncFixture(t, ssogate.ConnectionConfig{ID: "roll", SPEncryptionCertificates: []string{current.cert, next.cert}})
	for _, keys := range [][]*ssogate.SPKey{{current.key, next.key}, {next.key, current.key}} {
		r := f.response(t, ssogate.TestResponseParams{EncryptTo: next.cert})
		login, err := f.verify(r.Base64, keys...)
		if err != nil || login.Email != "carol@enc.example" {
			t.Errorf("encrypted to the next certificate, both keys: %+v, %v", login, err)
		}
	}
	// Only the current key: it is the connection's, so it is tried, and it cannot decrypt.
	r := f.response(t, ssogate.TestResponseParams{EncryptTo: next.cert})
	login, err := f.verify(r.Base64, current.key)
	wantCode(t, "only the current key", login, err, ssogate.CodeDecryptionFailed)
}

// Refusals, each with its own code.
func TestEncryptedRefusals(t *testing.T) {
	sp := freshSPEncPair(t, "sp-enc.refusals.test")
	stranger := freshSPEncPair(t, "sp-enc.stranger.test")
	f := newEncFixture(t, ssogate.ConnectionConfig{ID: "refuse", SPEncryptionCertificates: []string{sp.cert}})
	form := f.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert}).Base64

	login, err := f.verify(form)
	wantCode(t, "no key", login, err, ssogate.CodeAssertionEncrypted)
	// A key whose certificate is not the connection's is never tried, even though the Response
	// was encrypted to a certificate the connection has.
	login, err = f.verify(form, stranger.key)
	wantCode(t, "a key for another certificate", login, err, ssogate.CodeAssertionEncrypted)
	// A connection without SP encryption certificates takes no encrypted assertion, keys or not.
	plain := newEncFixture(t, ssogate.ConnectionConfig{ID: "plain"})
	r := plain.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert})
	login, err = plain.verify(r.Base64, sp.key)
	wantCode(t, "a connection without SP encryption certificates", login, err, ssogate.CodeAssertionEncrypted)
	// None of these refusals spent the assertion: the right key still logs in.
	if login, err := f.verify(form, stranger.key, sp.key); err != nil || login.Email != "carol@enc.example" {
		t.Errorf("with the right key after the refusals: %+v, %v", login, err)
	}

	// Triple DES, which the testing IdP can still write, is outside the accepted algorithms.
	r = f.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert, DataAlgorithm: "http://www.w3.org/2001/04/xmlenc#tripledes-cbc"})
	login, err = f.verify(r.Base64, sp.key)
	wantCode(t, "tripledes-cbc", login, err, ssogate.CodeEncryptionAlgorithm)

	// A closed key is a caller mistake, reported as such.
	closed := freshSPEncPair(t, "sp-enc.closed.test")
	_ = closed.key.Close()
	login, err = f.verify(f.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert}).Base64, sp.key, closed.key)
	wantCode(t, "a closed key", login, err, ssogate.CodeInvalidArgument)
}

// RSA-1_5 key transport is refused unless the connection opts in.
func TestEncryptedRSA15NeedsOptIn(t *testing.T) {
	sp := freshSPEncPair(t, "sp-enc.rsa15.test")
	strict := newEncFixture(t, ssogate.ConnectionConfig{ID: "strict", SPEncryptionCertificates: []string{sp.cert}})
	r := strict.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert, KeyTransport: rsa15})
	if !strings.Contains(r.XML, rsa15) {
		t.Fatalf("the Response does not use RSA-1_5:\n%s", r.XML)
	}
	login, err := strict.verify(r.Base64, sp.key)
	wantCode(t, "RSA-1_5 without AllowRSA15", login, err, ssogate.CodeEncryptionAlgorithm)

	legacy := newEncFixture(t, ssogate.ConnectionConfig{ID: "legacy", SPEncryptionCertificates: []string{sp.cert},
		AllowRSA15: true})
	if !legacy.conn.AllowRSA15() || strict.conn.AllowRSA15() {
		t.Errorf("AllowRSA15: %v with it, %v without", legacy.conn.AllowRSA15(), strict.conn.AllowRSA15())
	}
	r = legacy.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert, KeyTransport: rsa15})
	if login, err := legacy.verify(r.Base64, sp.key); err != nil || login.Email != "carol@enc.example" {
		t.Errorf("RSA-1_5 with AllowRSA15: %+v, %v", login, err)
	}
}

// Every key placement, key transport, data algorithm and sign mode IdPs use is accepted, and each
// knob reaches the document.
func TestEncryptedEveryProfile(t *testing.T) {
	sp := freshSPEncPair(t, "sp-enc.profiles.test")
	f := newEncFixture(t, ssogate.ConnectionConfig{ID: "profiles", SPEncryptionCertificates: []string{sp.cert}})
	placements := map[string]ssogate.TestKeyPlacement{
		"in-key-info":      ssogate.TestKeyPlacementInKeyInfo,
		"retrieval-method": ssogate.TestKeyPlacementRetrievalMethod,
		"carried-key-name": ssogate.TestKeyPlacementCarriedKeyName,
	}
	for pname, placement := range placements {
		for _, data := range []string{aes128GCM, aes256GCM, aes128CBC, aes256CBC} {
			for _, transport := range []string{rsaOAEPMGF1P, rsaOAEP11} {
				name := pname + "/" + data[strings.LastIndex(data, "#")+1:] + "/" + transport[strings.LastIndex(transport, "#")+1:]
				t.Run(name, func(t *testing.T) {
					r := f.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert, KeyTransport: transport,
						DataAlgorithm: data, KeyPlacement: placement})
					wantEncrypted(t, r.XML, "carol@enc.example")
					retrieval, carried := strings.Contains(r.XML, "RetrievalMethod"), strings.Contains(r.XML, "CarriedKeyName")
					if !strings.Contains(r.XML, `Algorithm="`+data+`"`) || !strings.Contains(r.XML, `Algorithm="`+transport+`"`) ||
						retrieval != (placement == ssogate.TestKeyPlacementRetrievalMethod) ||
						carried != (placement == ssogate.TestKeyPlacementCarriedKeyName) {
						t.Errorf("the knobs did not reach the document:\n%s", r.XML)
					}
					if login, err := f.verify(r.Base64, sp.key); err != nil || login.Email != "carol@enc.example" {
						t.Errorf("%+v, %v", login, err)
					}
				})
			}
		}
	}
	for _, sign := range []ssogate.TestSign{ssogate.TestSignBoth, ssogate.TestSignResponse, ssogate.TestSignAssertion} {
		r := f.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert, Sign: sign})
		if login, err := f.verify(r.Base64, sp.key); err != nil || login.Email != "carol@enc.example" {
			t.Errorf("sign mode %d: %+v, %v", sign, login, err)
		}
	}
	// Unsigned and encrypted is still unsigned.
	r := f.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert, Sign: ssogate.TestSignNone})
	login, err := f.verify(r.Base64, sp.key)
	wantCode(t, "encrypted but unsigned", login, err, ssogate.CodeSignatureMissing)
}

// The testing IdP refuses encryption knobs it cannot honour instead of sending the Response in clear.
func TestTestIdPEncryptionKnobRefusals(t *testing.T) {
	sp := freshSPEncPair(t, "sp-enc.knobs.test")
	f := newEncFixture(t, ssogate.ConnectionConfig{ID: "knobs", SPEncryptionCertificates: []string{sp.cert}})
	for name, p := range map[string]ssogate.TestResponseParams{
		"key transport without EncryptTo":  {KeyTransport: rsaOAEP11},
		"data algorithm without EncryptTo": {DataAlgorithm: aes128GCM},
		"placement without EncryptTo":      {KeyPlacement: ssogate.TestKeyPlacementCarriedKeyName},
		"unknown placement":                {EncryptTo: sp.cert, KeyPlacement: 7},
		"unknown data algorithm":           {EncryptTo: sp.cert, DataAlgorithm: "http://www.w3.org/2001/04/xmlenc#aes512-cbc"},
		"unknown key transport":            {EncryptTo: sp.cert, KeyTransport: "http://www.w3.org/2001/04/xmlenc#rsa-2_0"},
		"not a certificate":                {EncryptTo: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
	} {
		p.Now = t0
		if _, err := f.tidp.Response(f.conn, p); !errors.Is(err, ssogate.ErrInvalidArgument) {
			t.Errorf("%s: %v; want ErrInvalidArgument", name, err)
		}
	}
}

// Keys of 1024 to 2047 bits (test keys other projects publish) decrypt only for a connection that
// allows them, loaded with NewSPKeyLegacy; they never sign.
func TestEncryptedLegacySPKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "sp-enc.legacy.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: mustPKCS8(t, key)})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})

	if _, err := ssogate.NewSPKey(keyPEM, certPEM); !errors.Is(err, ssogate.ErrSPKeyInvalid) {
		t.Errorf("NewSPKey with 1024 bits: %v; want ErrSPKeyInvalid", err)
	}
	legacyKey, err := ssogate.NewSPKeyLegacy(keyPEM, certPEM)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, legacyKey)
	if _, err := ssogate.NewSPKeyLegacy([]byte("not a key"), certPEM); !errors.Is(err, ssogate.ErrSPKeyInvalid) {
		t.Errorf("NewSPKeyLegacy with garbage: %v; want ErrSPKeyInvalid", err)
	}

	tidp, idp := newTestIdP(t, ssogate.TestIdPConfig{})
	if _, err := ssogate.NewConnection(idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com",
		SPEncryptionCertificates: []string{string(certPEM)}}); !errors.Is(err, ssogate.ErrInvalidSetting) {
		t.Errorf("a 1024-bit certificate without AllowLegacySPKey: %v; want ErrInvalidSetting", err)
	}
	conn := newConn(t, idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "legacy",
		AllowIdPInitiated: true, SPEncryptionCertificates: []string{string(certPEM)}, AllowLegacySPKey: true})
	if !conn.AllowLegacySPKey() || conn.AllowRSA15() {
		t.Errorf("AllowLegacySPKey %v, AllowRSA15 %v", conn.AllowLegacySPKey(), conn.AllowRSA15())
	}
	r, err := tidp.Response(conn, ssogate.TestResponseParams{Now: t0, EncryptTo: string(certPEM)})
	if err != nil {
		t.Fatal(err)
	}
	cache, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, cache)
	login, err := ssogate.Verify(conn, r.Base64, ssogate.VerifyOptions{ReplayCache: cache, Now: t0,
		DecryptionKeys: []*ssogate.SPKey{legacyKey}})
	if err != nil || login.Email != "alice@example.com" {
		t.Errorf("decrypting with the legacy key: %+v, %v", login, err)
	}
	if _, err := ssogate.BeginSPLogin(conn, memoryStore(t), ssogate.SPLoginOptions{SPKey: legacyKey}); !errors.Is(err, ssogate.ErrSPKeyInvalid) {
		t.Errorf("signing with the legacy key: %v; want ErrSPKeyInvalid", err)
	}
}

// pemFingerprint is a PEM certificate's SHA-256 as IdP consoles show it ("AB:CD:...").
func pemFingerprint(t *testing.T, certPEM string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		t.Fatal("not PEM")
	}
	return fingerprint(block.Bytes) // interop_test.go
}

// The SP metadata publishes one encryption KeyDescriptor per certificate, each with the
// certificate and the algorithms the connection accepts.
func TestSPMetadataListsEncryptionCertificates(t *testing.T) {
	current := freshSPEncPair(t, "sp-enc.md-current.test")
	next := freshSPEncPair(t, "sp-enc.md-next.test")
	f := newEncFixture(t, ssogate.ConnectionConfig{ID: "md-enc", SPEncryptionCertificates: []string{current.cert, next.cert}})
	raw, err := f.conn.SPMetadata()
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		SP struct {
			Keys []struct {
				Use     string `xml:"use,attr"`
				Cert    string `xml:"KeyInfo>X509Data>X509Certificate"`
				Methods []struct {
					Algorithm string `xml:"Algorithm,attr"`
				} `xml:"EncryptionMethod"`
			} `xml:"KeyDescriptor"`
		} `xml:"SPSSODescriptor"`
	}
	if err := xml.Unmarshal(raw, &md); err != nil {
		t.Fatalf("SP metadata does not parse: %v", err)
	}
	var got []string
	for _, k := range md.SP.Keys {
		if k.Use != "encryption" {
			t.Errorf("KeyDescriptor use=%q; want only encryption ones (no SP signing certificate is set)", k.Use)
			continue
		}
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(k.Cert), ""))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fingerprint(der))
		var algs []string
		for _, m := range k.Methods {
			algs = append(algs, m.Algorithm)
		}
		if !strings.Contains(strings.Join(algs, " "), aes256GCM) || strings.Contains(strings.Join(algs, " "), rsa15) {
			t.Errorf("EncryptionMethod %v; want AES-256-GCM and no RSA-1_5 without AllowRSA15", algs)
		}
	}
	want := []string{pemFingerprint(t, current.cert), pemFingerprint(t, next.cert)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("encryption KeyDescriptors %v; want %v", got, want)
	}
	if fmt.Sprint(f.conn.SPEncryptionCertificateSHA256s()) != fmt.Sprint(want) || len(f.conn.SPEncryptionCertificates()) != 2 {
		t.Errorf("getters: %v, %d certificates", f.conn.SPEncryptionCertificateSHA256s(), len(f.conn.SPEncryptionCertificates()))
	}
	for i, c := range f.conn.SPEncryptionCertificates() {
		if pemFingerprint(t, c) != want[i] {
			t.Errorf("SPEncryptionCertificates()[%d] is another certificate", i)
		}
	}
	// The connection without SP encryption certificates publishes none.
	plain := newEncFixture(t, ssogate.ConnectionConfig{ID: "md-plain"})
	if raw, err := plain.conn.SPMetadata(); err != nil || strings.Contains(string(raw), `use="encryption"`) ||
		len(plain.conn.SPEncryptionCertificates()) != 0 {
		t.Errorf("plain SP metadata: %s, %v", raw, err)
	}
}

// ToJSON keeps the certificates and the settings, never a private key, and restores them.
func TestConnectionJSONKeepsEncryptionSettings(t *testing.T) {
	current := freshSPEncPair(t, "sp-enc.json-current.test")
	next := freshSPEncPair(t, "sp-enc.json-next.test")
	f := newEncFixture(t, ssogate.ConnectionConfig{ID: "json-enc", SPEncryptionCertificates: []string{current.cert, next.cert},
		AllowRSA15: true, AllowLegacySPKey: true})
	stored, err := f.conn.ToJSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), "PRIVATE KEY") {
		t.Errorf("the JSON holds a private key:\n%s", stored)
	}
	var doc struct {
		Certs    []string `json:"sp_encryption_certificates"`
		Settings struct {
			AllowRSA15       *bool `json:"allow_rsa_1_5"`
			AllowLegacySPKey *bool `json:"allow_legacy_sp_key"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(stored, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Certs) != 2 || pemFingerprint(t, doc.Certs[1]) != pemFingerprint(t, next.cert) ||
		doc.Settings.AllowRSA15 == nil || !*doc.Settings.AllowRSA15 ||
		doc.Settings.AllowLegacySPKey == nil || !*doc.Settings.AllowLegacySPKey {
		t.Errorf("JSON: %d certificates, settings %+v:\n%s", len(doc.Certs), doc.Settings, stored)
	}

	back, err := ssogate.ConnectionFromJSON(stored, ssogate.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if fmt.Sprint(back.SPEncryptionCertificateSHA256s()) != fmt.Sprint(f.conn.SPEncryptionCertificateSHA256s()) ||
		fmt.Sprint(back.SPEncryptionCertificates()) != fmt.Sprint(f.conn.SPEncryptionCertificates()) ||
		!back.AllowRSA15() || !back.AllowLegacySPKey() {
		t.Errorf("restored: %v, RSA-1_5 %v, legacy %v", back.SPEncryptionCertificateSHA256s(), back.AllowRSA15(),
			back.AllowLegacySPKey())
	}
	again, err := back.ToJSON()
	if err != nil || string(again) != string(stored) {
		t.Errorf("JSON changed across the round trip: %v\n%s\n%s", err, stored, again)
	}
	// The restored connection decrypts with the next key, as the original would.
	cache, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, cache)
	r := f.response(t, ssogate.TestResponseParams{EncryptTo: next.cert, KeyTransport: rsa15})
	login, err := ssogate.Verify(back, r.Base64, ssogate.VerifyOptions{ReplayCache: cache, PendingRequestIDs: []string{"_r1"},
		Now: t0, DecryptionKeys: []*ssogate.SPKey{next.key}})
	if err != nil || login.Email != "carol@enc.example" {
		t.Errorf("verifying with the restored connection: %+v, %v", login, err)
	}
}

// Keys are held for the whole call: closing one on another goroutine while logins use it gives
// either a login or ErrInvalidArgument (the key was closed), never a crash or another code. A key
// given twice and nil entries are fine.
func TestDecryptionKeysHeldAcrossTheCall(t *testing.T) {
	sp := committedSPEncPair(t)
	f := newEncFixture(t, ssogate.ConnectionConfig{ID: "held", SPEncryptionCertificates: []string{sp.cert}})
	if login, err := f.verify(f.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert}).Base64, nil, sp.key, sp.key); err != nil ||
		login.Email != "carol@enc.example" {
		t.Errorf("nil and a repeated key: %+v, %v", login, err)
	}

	keyPEM, err := os.ReadFile(filepath.Join(attacksDir(t), attackSPEncKey))
	if err != nil {
		t.Fatal(err)
	}
	doomed, err := ssogate.NewSPKey(keyPEM, []byte(sp.cert))
	if err != nil {
		t.Fatal(err)
	}
	var forms []string
	for i := 0; i < 24; i++ {
		forms = append(forms, f.response(t, ssogate.TestResponseParams{EncryptTo: sp.cert}).Base64)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, closed := 0, 0
	for i, form := range forms {
		wg.Add(1)
		go func(form string) {
			defer wg.Done()
			login, err := f.verify(form, doomed)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && login.Email == "carol@enc.example":
				ok++
			case errors.Is(err, ssogate.ErrInvalidArgument):
				closed++
			default:
				t.Errorf("unexpected %+v, %v", login, err)
			}
		}(form)
		if i == len(forms)/2 {
			_ = doomed.Close()
		}
	}
	wg.Wait()
	if ok+closed != len(forms) || closed == 0 {
		t.Errorf("%d logins and %d closed-key errors; want %d in all, some of them closed", ok, closed, len(forms))
	}
}

// The runner of the attack corpus honours sp_encryption and allow_rsa_1_5, and a context without
// them (an older manifest) means false: a small corpus of encrypted Responses made here proves it
// before the shared corpus has encrypted vectors of its own.
func TestAttackRunnerEncryptionContext(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{attackSPEncCert, attackSPEncKey} {
		b, err := os.ReadFile(filepath.Join(attacksDir(t), name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, attackSPEncCert))
	if err != nil {
		t.Fatal(err)
	}
	const entityID = "https://idp.runner.test.example/saml"
	tidp, err := ssogate.NewTestIdP(ssogate.TestIdPConfig{EntityID: entityID})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, tidp)
	if err := os.WriteFile(filepath.Join(dir, "idp-metadata.xml"), tidp.MetadataXML(), 0o600); err != nil {
		t.Fatal(err)
	}
	idp, err := ssogate.ImportIdPMetadata(tidp.MetadataXML(), ssogate.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, idp)
	// The Responses are made for the corpus's connection: its ACS URL and SP entity ID.
	shape := newConn(t, idp, ssogate.ConnectionConfig{ID: "c1", BaseURL: "https://app.example.com",
		SPEncryptionCertificates: []string{string(certPEM)}})
	if err := os.Mkdir(filepath.Join(dir, "responses"), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, transport string) string {
		r, err := tidp.Response(shape, ssogate.TestResponseParams{InResponseTo: "_req1", Now: t0,
			EncryptTo: string(certPEM), KeyTransport: transport})
		if err != nil {
			t.Fatal(err)
		}
		file := "responses/" + name + ".xml"
		if err := os.WriteFile(filepath.Join(dir, file), []byte(r.XML), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	oaep, old := write("encrypted-oaep", ""), write("encrypted-rsa-1_5", rsa15)
	// extra is appended after max_bytes, as the manifest writes the two keys.
	vector := func(name, expect, file, extra string) string {
		email := ""
		if expect == "OK" {
			email = "alice@example.com"
		}
		return fmt.Sprintf(`{"name": %q, "expect": %q, "email": %q, "file": %q, "form": false, "repeat": 1, `+
			`"context": {"now": %d, "acs_url": %q, "sp_entity_id": %q, "idp_entity_id": %q, "request_ids": ["_req1"], `+
			`"allow_idp_initiated": false, "allow_sha1": false, "clock_skew_seconds": 180, "email_attribute": "", `+
			`"allowed_domains": [], "max_bytes": 0%s}}`,
			name, expect, email, file, t0.Unix(), shape.ACSURL(), shape.SPEntityID(), entityID, extra)
	}
	lines := []string{
		vector("enc-ok", "OK", oaep, `, "sp_encryption": true, "allow_rsa_1_5": false`),
		vector("enc-no-key", "ASSERTION_ENCRYPTED", oaep, `, "sp_encryption": false, "allow_rsa_1_5": false`),
		vector("enc-older-manifest", "ASSERTION_ENCRYPTED", oaep, ``),
		vector("enc-rsa-1_5-refused", "ENCRYPTION_ALGORITHM", old, `, "sp_encryption": true, "allow_rsa_1_5": false`),
		vector("enc-rsa-1_5-allowed", "OK", old, `, "sp_encryption": true, "allow_rsa_1_5": true`),
	}
	manifest := "{\"vectors\": [\n" + strings.Join(lines, ",\n") + "\n]}\n"
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	vectors := attackVectors(t, dir)
	if len(vectors) != 5 || !vectors[0].Context.SPEncryption || vectors[2].Context.SPEncryption || !vectors[4].Context.AllowRSA15 {
		t.Fatalf("the manifest did not read back: %+v", vectors)
	}
	runAttackVectors(t, dir, vectors)
}
