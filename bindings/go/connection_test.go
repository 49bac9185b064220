package ssogate_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ssogate.dev/ssogate"
)

func importOkta(t *testing.T) *ssogate.IdP {
	t.Helper()
	idp, err := ssogate.ImportIdPMetadata(readVector(t, "metadata/okta-1.xml"), ssogate.ImportOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Close() })
	return idp
}

// newTestIdP starts a testing IdP and imports its metadata, as an admin would upload it; both are
// closed when the test ends.
func newTestIdP(t *testing.T, cfg ssogate.TestIdPConfig) (*ssogate.TestIdP, *ssogate.IdP) {
	t.Helper()
	tidp, err := ssogate.NewTestIdP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tidp.Close() })
	imported, err := ssogate.ImportIdPMetadata(tidp.MetadataXML(), ssogate.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imported.Close() })
	return tidp, imported
}

func newConn(t *testing.T, idp *ssogate.IdP, cfg ssogate.ConnectionConfig) *ssogate.Connection {
	t.Helper()
	conn, err := ssogate.NewConnection(idp, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestConnectionDerivesURLs(t *testing.T) {
	idp := importOkta(t)
	conn := newConn(t, idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "okta-prod"})
	if got, want := conn.ACSURL(), "https://app.example.com/sso/saml/okta-prod/acs"; got != want {
		t.Errorf("ACSURL = %q; want %q", got, want)
	}
	if got, want := conn.SPEntityID(), "https://app.example.com/sso/saml/okta-prod"; got != want {
		t.Errorf("SPEntityID = %q; want %q", got, want)
	}
	// The safe defaults of the C library come through unchanged.
	if conn.ID() != "okta-prod" || conn.AllowIdPInitiated() || conn.JITProvisioning() || conn.AllowSHA1() ||
		conn.ClockSkew() != 180*time.Second || len(conn.AllowedDomains()) != 0 || conn.EmailAttribute() != "" {
		t.Errorf("defaults: id %q idp-initiated %v jit %v sha1 %v skew %v domains %q email attribute %q",
			conn.ID(), conn.AllowIdPInitiated(), conn.JITProvisioning(), conn.AllowSHA1(), conn.ClockSkew(),
			conn.AllowedDomains(), conn.EmailAttribute())
	}
	if got := conn.IdP().EntityID(); got != idp.EntityID() {
		t.Errorf("IdP().EntityID() = %q; want %q", got, idp.EntityID())
	}
}

func TestConnectionGeneratesIDs(t *testing.T) {
	idp := importOkta(t)
	a := newConn(t, idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com"})
	b := newConn(t, idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com"})
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
	if !urlSafe.MatchString(a.ID()) || !urlSafe.MatchString(b.ID()) || a.ID() == b.ID() {
		t.Errorf("generated ids %q, %q; want two different 22-character URL-safe ids", a.ID(), b.ID())
	}
	if want := "https://app.example.com/sso/saml/" + a.ID() + "/acs"; a.ACSURL() != want {
		t.Errorf("ACSURL = %q; want %q", a.ACSURL(), want)
	}
}

func TestConnectionSettings(t *testing.T) {
	idp := importOkta(t)
	zero := time.Duration(0)
	conn := newConn(t, idp, ssogate.ConnectionConfig{
		BaseURL:            "https://app.example.com",
		ID:                 "c1",
		Description:        "Okta, production",
		ACSURLTemplate:     "{base}/saml/{id}/consume",
		SPEntityIDTemplate: "{base}/saml/{id}/metadata",
		AllowedDomains:     []string{"example.com", "example.org"},
		EmailAttribute:     "email",
		AllowIdPInitiated:  true,
		JITProvisioning:    true,
		ClockSkew:          &zero,
		AllowSHA1:          true,
	})
	if conn.ACSURL() != "https://app.example.com/saml/c1/consume" ||
		conn.SPEntityID() != "https://app.example.com/saml/c1/metadata" {
		t.Errorf("templates: ACS %q, SP entity %q", conn.ACSURL(), conn.SPEntityID())
	}
	if conn.Description() != "Okta, production" || conn.EmailAttribute() != "email" ||
		!slices.Equal(conn.AllowedDomains(), []string{"example.com", "example.org"}) {
		t.Errorf("description %q, email attribute %q, domains %q", conn.Description(), conn.EmailAttribute(),
			conn.AllowedDomains())
	}
	// A zero skew is a setting of its own, not "use the default".
	if !conn.AllowIdPInitiated() || !conn.JITProvisioning() || !conn.AllowSHA1() || conn.ClockSkew() != 0 {
		t.Errorf("settings: idp-initiated %v jit %v sha1 %v skew %v", conn.AllowIdPInitiated(),
			conn.JITProvisioning(), conn.AllowSHA1(), conn.ClockSkew())
	}

	explicit := newConn(t, idp, ssogate.ConnectionConfig{
		ACSURL:     "https://legacy.example.com/saml/acs",
		SPEntityID: "urn:example:legacy-sp",
	})
	if explicit.ACSURL() != "https://legacy.example.com/saml/acs" || explicit.SPEntityID() != "urn:example:legacy-sp" {
		t.Errorf("explicit URLs: ACS %q, SP entity %q", explicit.ACSURL(), explicit.SPEntityID())
	}
}

func TestConnectionRefusals(t *testing.T) {
	idp := importOkta(t)
	skew := func(d time.Duration) *time.Duration { return &d }
	cases := []struct {
		name string
		cfg  ssogate.ConnectionConfig
		want error
	}{
		{"ftp base URL", ssogate.ConnectionConfig{BaseURL: "ftp://app.example.com"}, ssogate.ErrInvalidURL},
		{"relative base URL", ssogate.ConnectionConfig{BaseURL: "app.example.com"}, ssogate.ErrInvalidURL},
		{"skew above 600 s", ssogate.ConnectionConfig{BaseURL: "https://a.example", ClockSkew: skew(601 * time.Second)},
			ssogate.ErrInvalidSetting},
		{"negative skew", ssogate.ConnectionConfig{BaseURL: "https://a.example", ClockSkew: skew(-time.Second)},
			ssogate.ErrInvalidSetting},
		{"skew past int32", ssogate.ConnectionConfig{BaseURL: "https://a.example", ClockSkew: skew(1 << 62)},
			ssogate.ErrInvalidSetting},
		{"fractional skew", ssogate.ConnectionConfig{BaseURL: "https://a.example", ClockSkew: skew(1500 * time.Millisecond)},
			ssogate.ErrInvalidSetting},
		{"malformed domain", ssogate.ConnectionConfig{BaseURL: "https://a.example", AllowedDomains: []string{"not a domain"}},
			ssogate.ErrInvalidSetting},
		// Domains no address can have: refused when the connection is made, not at every login.
		{"IP address as domain", ssogate.ConnectionConfig{BaseURL: "https://a.example", AllowedDomains: []string{"127.0.0.1"}},
			ssogate.ErrInvalidSetting},
		{"single-label domain", ssogate.ConnectionConfig{BaseURL: "https://a.example", AllowedDomains: []string{"example"}},
			ssogate.ErrInvalidSetting},
	}
	for _, c := range cases {
		conn, err := ssogate.NewConnection(idp, c.cfg)
		if err == nil {
			conn.Close()
			t.Errorf("%s: accepted; want %v", c.name, c.want)
			continue
		}
		var e *ssogate.Error
		if !errors.Is(err, c.want) || !errors.As(err, &e) || e.Message == "" {
			t.Errorf("%s: err = %v; want %v with a message", c.name, err, c.want)
		}
	}

	// Without a base URL nothing can be derived; the library says which argument is missing.
	_, err := ssogate.NewConnection(idp, ssogate.ConnectionConfig{})
	var e *ssogate.Error
	if !errors.As(err, &e) || (e.Code != ssogate.CodeInvalidArgument && e.Code != ssogate.CodeInvalidURL) {
		t.Errorf("no base URL: err = %v; want INVALID_ARGUMENT or INVALID_URL", err)
	}
	if _, err := ssogate.NewConnection(nil, ssogate.ConnectionConfig{BaseURL: "https://a.example"}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("nil IdP: err = %v; want INVALID_ARGUMENT", err)
	}
}

func TestConnectionJSONRoundTrip(t *testing.T) {
	idp := importOkta(t)
	skew := 42 * time.Second
	conn := newConn(t, idp, ssogate.ConnectionConfig{
		BaseURL: "https://app.example.com", ID: "rt", Description: "round trip",
		AllowedDomains: []string{"example.com"}, EmailAttribute: "mail",
		AllowIdPInitiated: true, ClockSkew: &skew,
	})
	stored, err := conn.ToJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(stored, &doc); err != nil {
		t.Fatalf("ToJSON is not JSON: %v", err)
	}
	if v, ok := doc["schema_version"].(float64); !ok || v < 1 {
		t.Fatalf("schema_version = %v; want a positive number", doc["schema_version"])
	}

	back, err := ssogate.ConnectionFromJSON(stored, ssogate.RestoreOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	same := func(name string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: %v before, %v after the round trip", name, a, b)
		}
	}
	same("ID", conn.ID(), back.ID())
	same("Description", conn.Description(), back.Description())
	same("ACSURL", conn.ACSURL(), back.ACSURL())
	same("SPEntityID", conn.SPEntityID(), back.SPEntityID())
	same("AllowedDomains", conn.AllowedDomains(), back.AllowedDomains())
	same("EmailAttribute", conn.EmailAttribute(), back.EmailAttribute())
	same("AllowIdPInitiated", conn.AllowIdPInitiated(), back.AllowIdPInitiated())
	same("JITProvisioning", conn.JITProvisioning(), back.JITProvisioning())
	same("ClockSkew", conn.ClockSkew(), back.ClockSkew())
	same("IdP", conn.IdP().EntityID(), back.IdP().EntityID())
	same("IdP certificates", conn.IdP().Certificates()[0].SHA256, back.IdP().Certificates()[0].SHA256)
	again, err := back.ToJSON()
	if err != nil {
		t.Fatal(err)
	}
	same("JSON", string(stored), string(again))

	// JSON from a newer ssogate, and JSON that is not a connection, are refused with their codes.
	doc["schema_version"] = 999
	newer, _ := json.Marshal(doc)
	if _, err := ssogate.ConnectionFromJSON(newer, ssogate.RestoreOptions{Now: testNow}); !errors.Is(err, ssogate.ErrConnectionVersion) {
		t.Errorf("schema_version 999: err = %v; want CONNECTION_VERSION", err)
	}
	for _, bad := range []string{"{", `{"schema_version":1}`, "[1,2]"} {
		if _, err := ssogate.ConnectionFromJSON([]byte(bad), ssogate.RestoreOptions{Now: testNow}); !errors.Is(err, ssogate.ErrConnectionJSON) {
			t.Errorf("%q: err = %v; want CONNECTION_JSON", bad, err)
		}
	}
}

func TestSPMetadata(t *testing.T) {
	conn := newConn(t, importOkta(t), ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "md"})
	raw, err := conn.SPMetadata()
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		XMLName  xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
		EntityID string   `xml:"entityID,attr"`
		SP       struct {
			ACS []struct {
				Binding  string `xml:"Binding,attr"`
				Location string `xml:"Location,attr"`
			} `xml:"AssertionConsumerService"`
		} `xml:"SPSSODescriptor"`
	}
	if err := xml.Unmarshal(raw, &md); err != nil {
		t.Fatalf("SP metadata does not parse: %v", err)
	}
	if md.EntityID != conn.SPEntityID() {
		t.Errorf("entityID = %q; want %q", md.EntityID, conn.SPEntityID())
	}
	if len(md.SP.ACS) != 1 || md.SP.ACS[0].Location != conn.ACSURL() ||
		md.SP.ACS[0].Binding != "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" {
		t.Errorf("AssertionConsumerService = %+v; want one HTTP-POST at %s", md.SP.ACS, conn.ACSURL())
	}
}

func TestCloseIsIdempotentAndSafe(t *testing.T) {
	idp, err := ssogate.ImportIdPMetadata(readVector(t, "metadata/okta-1.xml"), ssogate.ImportOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ssogate.NewConnection(idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	entityID := idp.EntityID()

	// The connection keeps its own reference to the C IdP, so closing the IdP first is fine.
	for i := 0; i < 2; i++ {
		if err := idp.Close(); err != nil {
			t.Fatalf("IdP Close #%d: %v", i+1, err)
		}
	}
	if idp.EntityID() != entityID {
		t.Errorf("EntityID after Close = %q; want %q", idp.EntityID(), entityID)
	}
	if _, err := ssogate.NewConnection(idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com"}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("NewConnection with a closed IdP: err = %v; want INVALID_ARGUMENT", err)
	}
	if _, err := conn.ToJSON(); err != nil {
		t.Errorf("ToJSON after the IdP was closed: %v", err)
	}
	// The connection's own IdP can make more connections while the connection is open.
	sibling, err := ssogate.NewConnection(conn.IdP(), ssogate.ConnectionConfig{BaseURL: "https://other.example.com"})
	if err != nil {
		t.Fatalf("NewConnection with conn.IdP(): %v", err)
	}
	sibling.Close()

	for i := 0; i < 2; i++ {
		if err := conn.Close(); err != nil {
			t.Fatalf("Connection Close #%d: %v", i+1, err)
		}
	}
	if conn.IdP().EntityID() != entityID || conn.ACSURL() == "" {
		t.Errorf("getters after Close: IdP %q, ACS %q", conn.IdP().EntityID(), conn.ACSURL())
	}
	if _, err := conn.ToJSON(); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("ToJSON after Close: err = %v; want INVALID_ARGUMENT", err)
	}
	if _, err := conn.SPMetadata(); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("SPMetadata after Close: err = %v; want INVALID_ARGUMENT", err)
	}
	if _, err := ssogate.NewConnection(conn.IdP(), ssogate.ConnectionConfig{BaseURL: "https://app.example.com"}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("NewConnection with the IdP of a closed connection: err = %v; want INVALID_ARGUMENT", err)
	}
}

// One IdP shared by many goroutines, closed while they may still be using it: every call either
// works or reports the IdP closed, and nothing crashes (run with -race to check the locking too).
func TestSharedAcrossGoroutines(t *testing.T) {
	idp, err := ssogate.ImportIdPMetadata(readVector(t, "metadata/okta-2.xml"), ssogate.ImportOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	made, closedErrs := 0, 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				conn, err := ssogate.NewConnection(idp, ssogate.ConnectionConfig{
					BaseURL: "https://app.example.com", ID: fmt.Sprintf("g%d-%d", g, i)})
				mu.Lock()
				switch {
				case err == nil:
					made++
				case errors.Is(err, ssogate.ErrInvalidArgument) && strings.Contains(err.Error(), "closed"):
					closedErrs++
				default:
					t.Errorf("goroutine %d: %v", g, err)
				}
				mu.Unlock()
				if err == nil {
					if want := "https://app.example.com/sso/saml/" + fmt.Sprintf("g%d-%d", g, i) + "/acs"; conn.ACSURL() != want {
						t.Errorf("ACSURL = %q; want %q", conn.ACSURL(), want)
					}
					conn.Close()
				}
				if g == 0 && i == 10 {
					idp.Close()
				}
			}
		}(g)
	}
	wg.Wait()
	if made == 0 || closedErrs == 0 || made+closedErrs != 160 {
		t.Errorf("made %d connections and got %d closed errors; want both, 160 in all", made, closedErrs)
	}
}

// selfSigned is an RSA-2048 key and its self-signed certificate, as PEM.
func selfSigned(t *testing.T, cn string) (keyPEM, certPEM []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: mustPKCS8(t, key)}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func mustPKCS8(t *testing.T, key *rsa.PrivateKey) []byte {
	t.Helper()
	b, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The SP metadata says what the connection does: an IdP that wants signed AuthnRequests gets them
// signed (an unsigned one is refused), so AuthnRequestsSigned is "true", with the SP certificate as
// the signing KeyDescriptor; a key with another certificate is refused before anything is sent.
func TestSPMetadataSaysWhatTheConnectionDoes(t *testing.T) {
	md, err := os.ReadFile(filepath.Join(vectorDir(t, "metadata"), "minimal-idp.xml"))
	if err != nil {
		t.Fatal(err)
	}
	wants, err := ssogate.ImportIdPMetadata(md, ssogate.ImportOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	defer wants.Close()
	if !wants.WantAuthnRequestsSigned() {
		t.Fatal("minimal-idp.xml no longer wants signed requests")
	}
	keyPEM, certPEM := selfSigned(t, "sp.ssogate.test")
	conn := newConn(t, wants, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "signed",
		SPCertificatePEM: certPEM})
	raw, err := conn.SPMetadata()
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		SP struct {
			AuthnRequestsSigned string `xml:"AuthnRequestsSigned,attr"`
			Keys                []struct {
				Use string `xml:"use,attr"`
			} `xml:"KeyDescriptor"`
		} `xml:"SPSSODescriptor"`
	}
	if err := xml.Unmarshal(raw, &parsed); err != nil {
		t.Fatal(err)
	}
	if parsed.SP.AuthnRequestsSigned != "true" || len(parsed.SP.Keys) != 1 || parsed.SP.Keys[0].Use != "signing" {
		t.Errorf("SP metadata: %+v", parsed.SP)
	}
	store, err := ssogate.NewMemoryRequestStore()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	good, err := ssogate.NewSPKey(keyPEM, certPEM)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	if req, err := ssogate.BeginSPLogin(conn, store, ssogate.SPLoginOptions{SPKey: good}); err != nil || !req.Signed {
		t.Errorf("with the published key: %+v, %v", req, err)
	}
	otherKey, otherCert := selfSigned(t, "other.ssogate.test")
	other, err := ssogate.NewSPKey(otherKey, otherCert)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := ssogate.BeginSPLogin(conn, store, ssogate.SPLoginOptions{SPKey: other}); !errors.Is(err, ssogate.ErrSPKeyInvalid) {
		t.Errorf("with another key: %v; want ErrSPKeyInvalid", err)
	}

	// Okta's metadata does not ask: nothing is promised.
	plain := newConn(t, importOkta(t), ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "plain"})
	if raw, err := plain.SPMetadata(); err != nil || !strings.Contains(string(raw), `AuthnRequestsSigned="false"`) {
		t.Errorf("plain SP metadata: %s, %v", raw, err)
	}
}
