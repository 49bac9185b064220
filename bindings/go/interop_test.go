package ssogate_test

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"ssogate.dev/ssogate"
)

// The real-IdP corpus shared by the C, Python and Go tests (interopDir, vectors_test.go); its
// README explains the manifest.

// testNow is the clock of every test: the corpus' generation date, so that its expiry facts hold.
var testNow = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// The parts of manifest.json these tests read.
type manifest struct {
	Files []manifestFile `json:"files"`
}

type manifestFile struct {
	File  string `json:"file"`
	Kind  string `json:"kind"`
	Facts struct {
		RootElement   string          `json:"root_element"`
		IdPEntities   int             `json:"idp_entities"`
		ValidUntil    *string         `json:"valid_until"`
		CacheDuration *string         `json:"cache_duration"`
		Entities      []manifestEntry `json:"entity_details"`
	} `json:"facts"`
}

type manifestEntry struct {
	EntityID                string   `json:"entity_id"`
	Roles                   []string `json:"roles"`
	WantAuthnRequestsSigned *string  `json:"want_authn_requests_signed"`
	Keys                    []struct {
		Use      string `json:"use"`
		Subject  string `json:"subject"`
		NotAfter string `json:"not_after"`
		SHA256   string `json:"sha256"`
	} `json:"idp_key_descriptors"`
	NameIDFormats []string           `json:"nameid_formats"`
	SSO           []manifestEndpoint `json:"sso"`
	SLO           []manifestEndpoint `json:"slo"`
}

type manifestEndpoint struct {
	Binding  string `json:"binding"` // the last segment of the binding URI, e.g. "HTTP-POST"
	Location string `json:"location"`
}

func loadManifest(t *testing.T) []manifestFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(interopDir(t), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	var out []manifestFile
	for _, f := range m.Files {
		if strings.HasPrefix(f.File, "metadata/") {
			out = append(out, f)
		}
	}
	if len(out) != 20 {
		t.Fatalf("manifest lists %d metadata files, the corpus README says 20", len(out))
	}
	return out
}

// An RSA public exponent of 1, 2 or 3 is refused at import: with e = 1 anyone could forge any login.
func TestWeakRSAPublicExponentIsRefused(t *testing.T) {
	dir := vectorDir(t, "metadata")
	for _, e := range []string{"1", "2", "3"} {
		raw, err := os.ReadFile(filepath.Join(dir, "rsa-e"+e+"-idp.xml"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = ssogate.ImportIdPMetadata(raw, ssogate.ImportOptions{Now: testNow})
		var se *ssogate.Error
		if !errors.Is(err, ssogate.ErrMetadataWeakKey) || !errors.As(err, &se) ||
			!strings.Contains(se.Message, "public exponent "+e+" ") {
			t.Errorf("e=%s: %v", e, err)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "rsa-e65537-idp.xml"))
	if err != nil {
		t.Fatal(err)
	}
	idp, err := ssogate.ImportIdPMetadata(raw, ssogate.ImportOptions{Now: testNow})
	if err != nil {
		t.Fatalf("e=65537: %v", err)
	}
	idp.Close()
}

func readVector(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(interopDir(t), file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// refusals are the metadata files that must not import, with the sentinel of their code.
var refusals = map[string]error{
	"metadata/google-1.xml":        ssogate.ErrMetadataExpired,   // validUntil 2021-01-03
	"metadata/shibboleth-3.xml":    ssogate.ErrMetadataExpired,   // validUntil 2017-04-22
	"metadata/simplesamlphp-1.xml": ssogate.ErrMetadataWeakKey,   // RSA-1024 signing key
	"metadata/federation-1.xml":    ssogate.ErrMetadataAmbiguous, // 39 IdPs, none chosen
	"metadata/federation-2.xml":    ssogate.ErrMetadataAmbiguous, // 10 IdPs, none chosen
}

// opensslTime parses the manifest's not_after, as `openssl x509 -enddate` prints it.
func opensslTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse("Jan _2 15:04:05 2006 MST", s)
	if err != nil {
		t.Fatalf("not_after %q: %v", s, err)
	}
	return tm.UTC()
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

func TestInteropMetadata(t *testing.T) {
	for _, f := range loadManifest(t) {
		f := f
		t.Run(strings.TrimSuffix(filepath.Base(f.File), ".xml"), func(t *testing.T) {
			t.Parallel()
			raw := readVector(t, f.File)
			idp, err := ssogate.ImportIdPMetadata(raw, ssogate.ImportOptions{Now: testNow})
			if want, refused := refusals[f.File]; refused {
				if err == nil {
					idp.Close()
					t.Fatalf("imported %s; want %v", idp.EntityID(), want)
				}
				if !errors.Is(err, want) {
					t.Fatalf("err = %v; want %v", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			defer idp.Close()
			checkAgainstManifest(t, idp, f)
		})
	}
}

func checkAgainstManifest(t *testing.T, idp *ssogate.IdP, f manifestFile) {
	t.Helper()
	var entry *manifestEntry
	for i, e := range f.Facts.Entities {
		if slices.Contains(e.Roles, "IDPSSODescriptor") {
			entry = &f.Facts.Entities[i]
			break
		}
	}
	if entry == nil {
		t.Fatalf("manifest has no IdP entity for %s", f.File)
	}
	if got := idp.EntityID(); got != entry.EntityID {
		t.Errorf("EntityID = %q; want %q", got, entry.EntityID)
	}
	wantSigned := entry.WantAuthnRequestsSigned != nil && *entry.WantAuthnRequestsSigned == "true"
	if got := idp.WantAuthnRequestsSigned(); got != wantSigned {
		t.Errorf("WantAuthnRequestsSigned = %v; want %v", got, wantSigned)
	}
	if idp.SignatureVerified() {
		t.Errorf("SignatureVerified = true without a signer certificate")
	}

	validUntil, ok := idp.ValidUntil()
	if f.Facts.ValidUntil == nil {
		if ok {
			t.Errorf("ValidUntil = %v; the document has none", validUntil)
		}
	} else {
		want, err := time.Parse(time.RFC3339, *f.Facts.ValidUntil)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || !validUntil.Equal(want.Truncate(time.Second)) {
			t.Errorf("ValidUntil = %v, %v; want %v", validUntil, ok, want)
		}
	}
	wantCache := ""
	if f.Facts.CacheDuration != nil {
		wantCache = *f.Facts.CacheDuration
	}
	if got := idp.CacheDuration(); got != wantCache {
		t.Errorf("CacheDuration = %q; want %q", got, wantCache)
	}

	checkEndpoints(t, "SSO", idp.SSOEndpoints(), entry.SSO)
	checkEndpoints(t, "SLO", idp.SLOEndpoints(), entry.SLO)
	for _, b := range []ssogate.Binding{ssogate.BindingHTTPRedirect, ssogate.BindingHTTPPost} {
		want := ""
		for _, e := range entry.SSO {
			if e.Binding == b.String() {
				want = e.Location
				break
			}
		}
		got, ok := idp.SSOURL(b)
		if got != want || ok != (want != "") {
			t.Errorf("SSOURL(%v) = %q, %v; want %q", b, got, ok, want)
		}
	}

	wantFormats := entry.NameIDFormats
	if gotFormats := idp.NameIDFormats(); !slices.Equal(gotFormats, wantFormats) &&
		!(len(gotFormats) == 0 && len(wantFormats) == 0) {
		t.Errorf("NameIDFormats = %q; want %q", gotFormats, wantFormats)
	}

	// KeyDescriptors without use count as signing; encryption-only keys are not listed.
	certs := idp.Certificates()
	var signing []int
	for i, k := range entry.Keys {
		if k.Use != "encryption" {
			signing = append(signing, i)
		}
	}
	if len(certs) != len(signing) {
		t.Fatalf("%d certificates; manifest has %d signing keys", len(certs), len(signing))
	}
	expired, expiresSoon := false, false
	for i, c := range certs {
		k := entry.Keys[signing[i]]
		if c.SHA256 != k.SHA256 {
			t.Errorf("cert %d SHA256 = %s; want %s", i, c.SHA256, k.SHA256)
		}
		wantAfter := opensslTime(t, k.NotAfter)
		if !c.NotAfter.Equal(wantAfter) {
			t.Errorf("cert %d NotAfter = %v; want %v", i, c.NotAfter, wantAfter)
		}
		checkDER(t, i, c)
		if !wantAfter.After(testNow) {
			expired = true
		} else if wantAfter.Before(testNow.Add(30 * 24 * time.Hour)) {
			expiresSoon = true
		}
	}
	codes := map[ssogate.Code]bool{}
	for _, w := range idp.Warnings() {
		if !w.Code.IsWarning() || w.Message == "" {
			t.Errorf("warning %d (%s) %q: want a 18x code and a message", int(w.Code), w.Code, w.Message)
		}
		codes[w.Code] = true
	}
	if codes[ssogate.CodeWarnCertExpired] != expired {
		t.Errorf("WARN_CERT_EXPIRED present = %v; a signing certificate expired = %v", !expired, expired)
	}
	if codes[ssogate.CodeWarnCertExpiresSoon] != expiresSoon {
		t.Errorf("WARN_CERT_EXPIRES_SOON present = %v; one expires within 30 days = %v", !expiresSoon, expiresSoon)
	}
}

func checkEndpoints(t *testing.T, what string, got []ssogate.Endpoint, want []manifestEndpoint) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s endpoints = %+v; manifest has %+v", what, got, want)
		return
	}
	for i, e := range got {
		uri := e.BindingURI
		if short := uri[strings.LastIndex(uri, ":")+1:]; short != want[i].Binding || e.Location != want[i].Location {
			t.Errorf("%s endpoint %d = %s %s; want %s %s", what, i, uri, e.Location, want[i].Binding, want[i].Location)
		}
		wantBinding := ssogate.BindingOther
		switch uri {
		case "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect":
			wantBinding = ssogate.BindingHTTPRedirect
		case "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST":
			wantBinding = ssogate.BindingHTTPPost
		}
		if e.Binding != wantBinding {
			t.Errorf("%s endpoint %d binding = %v; want %v for %s", what, i, e.Binding, wantBinding, uri)
		}
	}
}

// checkDER checks the DER bytes (decoded in Go from the library's PEM) against the library's own
// fingerprint and dates, and the key facts against Go's X.509 parser.
func checkDER(t *testing.T, i int, c ssogate.Certificate) {
	t.Helper()
	if got := fingerprint(c.DER); got != c.SHA256 {
		t.Errorf("cert %d: SHA-256 of DER = %s; the library says %s", i, got, c.SHA256)
	}
	x, err := x509.ParseCertificate(c.DER)
	if err != nil {
		t.Errorf("cert %d: DER does not parse: %v", i, err)
		return
	}
	if !x.NotAfter.Equal(c.NotAfter) || !x.NotBefore.Equal(c.NotBefore) {
		t.Errorf("cert %d: validity %v..%v; DER says %v..%v", i, c.NotBefore, c.NotAfter, x.NotBefore, x.NotAfter)
	}
	if pub, ok := x.PublicKey.(*rsa.PublicKey); ok {
		if c.KeyType != "RSA" || c.KeyBits != pub.N.BitLen() {
			t.Errorf("cert %d: key %s %d; DER says RSA %d", i, c.KeyType, c.KeyBits, pub.N.BitLen())
		}
	}
	if c.Subject == "" || c.Issuer == "" {
		t.Errorf("cert %d: empty subject %q or issuer %q", i, c.Subject, c.Issuer)
	}
}

// An IdP of an aggregate, as read by encoding/xml for the test's own bookkeeping.
type aggregateIdP struct {
	EntityID  string
	Protocols string
	SSO       []string   // binding URIs
	SignKeys  [][]string // base64 certificates per signing KeyDescriptor
}

func aggregateIdPs(t *testing.T, raw []byte) []aggregateIdP {
	t.Helper()
	var doc struct {
		Entities []struct {
			EntityID string `xml:"entityID,attr"`
			IdP      *struct {
				Protocols string `xml:"protocolSupportEnumeration,attr"`
				Keys      []struct {
					Use   string   `xml:"use,attr"`
					Certs []string `xml:"KeyInfo>X509Data>X509Certificate"`
				} `xml:"KeyDescriptor"`
				SSO []struct {
					Binding string `xml:"Binding,attr"`
				} `xml:"SingleSignOnService"`
			} `xml:"IDPSSODescriptor"`
		} `xml:"EntityDescriptor"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var out []aggregateIdP
	for _, e := range doc.Entities {
		if e.IdP == nil {
			continue
		}
		a := aggregateIdP{EntityID: e.EntityID, Protocols: e.IdP.Protocols}
		for _, s := range e.IdP.SSO {
			a.SSO = append(a.SSO, s.Binding)
		}
		for _, k := range e.IdP.Keys {
			if k.Use != "encryption" {
				a.SignKeys = append(a.SignKeys, k.Certs)
			}
		}
		out = append(out, a)
	}
	return out
}

// rsa2048IdP picks an IdP of the aggregate that the library must accept: SAML 2.0, a Redirect or
// POST SSO endpoint, and every signing key RSA-2048.
func rsa2048IdP(t *testing.T, idps []aggregateIdP) string {
	t.Helper()
	for _, a := range idps {
		if !strings.Contains(a.Protocols, "urn:oasis:names:tc:SAML:2.0:protocol") || len(a.SignKeys) == 0 ||
			!slices.ContainsFunc(a.SSO, func(b string) bool {
				return b == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" ||
					b == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
			}) {
			continue
		}
		good := true
		for _, certs := range a.SignKeys {
			for _, b64 := range certs {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
				if err != nil {
					good = false
					continue
				}
				x, err := x509.ParseCertificate(der)
				if err != nil {
					good = false
					continue
				}
				pub, ok := x.PublicKey.(*rsa.PublicKey)
				good = good && ok && pub.N.BitLen() == 2048
			}
		}
		if good {
			return a.EntityID
		}
	}
	t.Fatal("no IdP with only RSA-2048 signing keys in the aggregate")
	return ""
}

func TestFederationAggregates(t *testing.T) {
	for _, file := range []string{"metadata/federation-1.xml", "metadata/federation-2.xml"} {
		file := file
		t.Run(strings.TrimSuffix(filepath.Base(file), ".xml"), func(t *testing.T) {
			t.Parallel()
			raw := readVector(t, file)
			idps := aggregateIdPs(t, raw)

			_, err := ssogate.ImportIdPMetadata(raw, ssogate.ImportOptions{Now: testNow})
			var e *ssogate.Error
			if !errors.As(err, &e) || e.Code != ssogate.CodeMetadataAmbiguous {
				t.Fatalf("without EntityID: err = %v; want METADATA_AMBIGUOUS", err)
			}
			// The admin is told which IdPs there are to choose from.
			if !strings.Contains(e.Message, idps[0].EntityID) {
				t.Errorf("ambiguity message %q does not list %s", e.Message, idps[0].EntityID)
			}

			chosen := rsa2048IdP(t, idps)
			idp, err := ssogate.ImportIdPMetadata(raw, ssogate.ImportOptions{EntityID: chosen, Now: testNow})
			if err != nil {
				t.Fatalf("EntityID %s: %v", chosen, err)
			}
			defer idp.Close()
			if idp.EntityID() != chosen {
				t.Errorf("EntityID = %q; want %q", idp.EntityID(), chosen)
			}
			certs := idp.Certificates()
			if len(certs) == 0 {
				t.Fatal("no certificates")
			}
			for i, c := range certs {
				if c.KeyType != "RSA" || c.KeyBits != 2048 {
					t.Errorf("cert %d: %s %d; want RSA 2048", i, c.KeyType, c.KeyBits)
				}
				checkDER(t, i, c)
			}

			_, err = ssogate.ImportIdPMetadata(raw, ssogate.ImportOptions{
				EntityID: "https://not-in-this-aggregate.example/idp", Now: testNow})
			if !errors.Is(err, ssogate.ErrMetadataEntityNotFound) {
				t.Errorf("unknown EntityID: err = %v; want METADATA_ENTITY_NOT_FOUND", err)
			}
		})
	}
}

func TestADFSExpiredCertificateWarning(t *testing.T) {
	idp, err := ssogate.ImportIdPMetadata(readVector(t, "metadata/adfs-1.xml"), ssogate.ImportOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	defer idp.Close()
	warnings := idp.Warnings()
	if !slices.ContainsFunc(warnings, func(w ssogate.Warning) bool { return w.Code == ssogate.CodeWarnCertExpired }) {
		t.Fatalf("warnings = %+v; want WARN_CERT_EXPIRED (its signing certificate expired in 2017)", warnings)
	}
}

func TestSignedMetadata(t *testing.T) {
	// entra-1 is signed (RSA-SHA256) by its own signing certificate, which it also lists.
	raw := readVector(t, "metadata/entra-1.xml")
	plain, err := ssogate.ImportIdPMetadata(raw, ssogate.ImportOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	signer := []byte(plain.Certificates()[0].PEM)
	plain.Close()

	idp, err := ssogate.ImportIdPMetadata(raw, ssogate.ImportOptions{Now: testNow, SignerPEM: signer})
	if err != nil {
		t.Fatalf("with its signer: %v", err)
	}
	defer idp.Close()
	if !idp.SignatureVerified() {
		t.Error("SignatureVerified = false with the right signer")
	}

	okta, err := ssogate.ImportIdPMetadata(readVector(t, "metadata/okta-1.xml"), ssogate.ImportOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	defer okta.Close()
	wrong := []byte(okta.Certificates()[0].PEM)
	if _, err := ssogate.ImportIdPMetadata(raw, ssogate.ImportOptions{Now: testNow, SignerPEM: wrong}); !errors.Is(err, ssogate.ErrMetadataSignatureInvalid) {
		t.Errorf("another signer: err = %v; want METADATA_SIGNATURE_INVALID", err)
	}
	if _, err := ssogate.ImportIdPMetadata(readVector(t, "metadata/okta-1.xml"), ssogate.ImportOptions{Now: testNow, SignerPEM: signer}); !errors.Is(err, ssogate.ErrMetadataUnsigned) {
		t.Errorf("unsigned metadata with a signer: err = %v; want METADATA_UNSIGNED", err)
	}
}
