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
