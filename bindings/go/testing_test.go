package ssogate_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"ssogate.dev/ssogate"
)

func TestTestIdPKnobs(t *testing.T) {
	tidp, conn := testIdPConnection(t,
		ssogate.TestIdPConfig{EntityID: "https://idp.ec.example/saml", SSOURL: "https://idp.ec.example/sso", KeyType: ssogate.KeyECP256},
		ssogate.ConnectionConfig{ID: "ec1", AllowIdPInitiated: true})
	if tidp.EntityID() != "https://idp.ec.example/saml" || !strings.Contains(tidp.CertificatePEM(), "BEGIN CERTIFICATE") ||
		!strings.Contains(string(tidp.MetadataXML()), "https://idp.ec.example/sso") {
		t.Errorf("idp %s", tidp.MetadataXML())
	}
	if k := conn.IdP().Certificates()[0].KeyType; k != "EC" {
		t.Errorf("key type %s", k)
	}
	empty := ""
	r, err := tidp.Response(conn, ssogate.TestResponseParams{Sign: ssogate.TestSignAssertion, Now: t0, Destination: &empty,
		ResponseID: "_resp-1", AssertionID: "_asrt-1", StatusMessage: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.XML, "ecdsa-sha256") || strings.Contains(r.XML, "Destination=") || !strings.Contains(r.XML, `ID="_resp-1"`) {
		t.Errorf("xml %s", r.XML)
	}
	cache, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, cache)
	login, err := ssogate.Verify(conn, r.Base64, ssogate.VerifyOptions{ReplayCache: cache, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if login.AssertionID != "_asrt-1" || login.InResponseTo != "" {
		t.Errorf("login %+v", login)
	}
	// Each knob reaches the document: a refusal with its own code proves it.
	other := "https://other.example/sp"
	for want, p := range map[ssogate.Code]ssogate.TestResponseParams{
		ssogate.CodeAudienceMismatch:      {Audience: &other, Now: t0},
		ssogate.CodeStatusNotSuccess:      {Status: "urn:oasis:names:tc:SAML:2.0:status:Responder", Now: t0},
		ssogate.CodeAuthnStatementMissing: {OmitAuthnStatement: true, Now: t0},
		ssogate.CodeSignatureMissing:      {Sign: ssogate.TestSignNone, Now: t0},
		ssogate.CodeSubjectExpired:        {SubjectNotOnOrAfter: t0.Add(-time.Hour), Now: t0},
		ssogate.CodeIssuerMismatch:        {Issuer: "https://evil.example/idp", Now: t0},
	} {
		r, err := tidp.Response(conn, p)
		if err != nil {
			t.Fatal(err)
		}
		var e *ssogate.Error
		if _, err := ssogate.Verify(conn, r.Base64, ssogate.VerifyOptions{ReplayCache: cache, Now: t0}); !errors.As(err, &e) || e.Code != want {
			t.Errorf("want %s, got %v", want, err)
		}
	}
	if _, err := tidp.Response(conn, ssogate.TestResponseParams{Sign: ssogate.TestSign(9)}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("bad sign: %v", err)
	}
	if _, err := tidp.Response(conn, ssogate.TestResponseParams{Attributes: []ssogate.TestAttribute{{Name: "", Values: []string{"x"}}}}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("empty attribute name: %v", err)
	}
	_ = tidp.Close()
	if _, err := tidp.Response(conn, ssogate.TestResponseParams{}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("closed IdP: %v", err)
	}
}

// A key and certificate kept from one TestIdP make the same IdP again: its Responses verify against the
// metadata of the first, and its certificate can be an SP certificate whose fingerprint the
// connection shows.
func TestTestIdPFromPEM(t *testing.T) {
	first, err := ssogate.NewTestIdP(ssogate.TestIdPConfig{EntityID: "https://kept.example/idp"})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, first)
	if !strings.Contains(first.PrivateKeyPEM(), "BEGIN PRIVATE KEY") {
		t.Fatalf("key %q", first.PrivateKeyPEM())
	}
	again, err := ssogate.NewTestIdPFromPEM(first.PrivateKeyPEM(), first.CertificatePEM(),
		ssogate.TestIdPConfig{EntityID: "https://kept.example/idp"})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, again)
	if again.CertificatePEM() != first.CertificatePEM() || string(again.MetadataXML()) != string(first.MetadataXML()) {
		t.Error("the kept IdP differs from the first")
	}
	idp, err := ssogate.ImportIdPMetadata(first.MetadataXML(), ssogate.ImportOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, idp)
	conn, err := ssogate.NewConnection(idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "kept",
		AllowIdPInitiated: true, SPCertificatePEM: []byte(first.CertificatePEM())})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, conn)
	if fp := idp.Certificates()[0].SHA256; conn.SPCertificateSHA256() != fp || !strings.Contains(conn.SPCertificatePEM(), "BEGIN CERTIFICATE") {
		t.Errorf("SP certificate %q, want the fingerprint %q", conn.SPCertificateSHA256(), fp)
	}
	if conn.AuthnRequestsSigned() {
		t.Error("the test IdP's metadata does not want signed requests")
	}
	r, err := again.Response(conn, ssogate.TestResponseParams{Now: t0, NameID: "kim@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	cache, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, cache)
	if login, err := ssogate.Verify(conn, r.Base64, ssogate.VerifyOptions{ReplayCache: cache, Now: t0}); err != nil ||
		login.Email != "kim@example.com" {
		t.Fatalf("login %+v, %v", login, err)
	}
	other, err := ssogate.NewTestIdP(ssogate.TestIdPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, other)
	_, err = ssogate.NewTestIdPFromPEM(other.PrivateKeyPEM(), first.CertificatePEM(), ssogate.TestIdPConfig{})
	if !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Errorf("a key of another IdP: %v", err)
	}
}
