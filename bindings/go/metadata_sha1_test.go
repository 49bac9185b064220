package ssogate_test

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"regexp"
	"strings"
	"testing"

	"ssogate.dev/ssogate"
)

// embeddedSignerPEM returns the certificate in the document's own ds:Signature KeyInfo. It proves
// self-consistency only: a real deployment pins the federation's key.
func embeddedSignerPEM(t *testing.T, doc []byte) []byte {
	t.Helper()
	sig := doc[bytes.Index(doc, []byte("<ds:Signature")):]
	m := regexp.MustCompile(`<(?:\w+:)?X509Certificate[^>]*>([^<]+)</(?:\w+:)?X509Certificate>`).FindSubmatch(sig)
	if m == nil {
		t.Fatal("no X509Certificate in the document's signature")
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(m[1])), ""))
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestSHA1SignedAggregateNeedsOptIn(t *testing.T) {
	// federation-1 (SWAMID) is signed with rsa-sha1: refused unless the caller opts in.
	raw := readVector(t, "metadata/federation-1.xml")
	opts := ssogate.ImportOptions{Now: testNow, EntityID: "https://idp.hig.se/idp/shibboleth",
		SignerPEM: embeddedSignerPEM(t, raw)}
	_, err := ssogate.ImportIdPMetadata(raw, opts)
	var e *ssogate.Error
	if !errors.As(err, &e) || e.Code != ssogate.CodeMetadataSignatureInvalid || !strings.Contains(e.Message, "SHA-1") {
		t.Fatalf("without AllowSHA1: err = %v; want METADATA_SIGNATURE_INVALID naming SHA-1", err)
	}
	opts.AllowSHA1 = true
	idp, err := ssogate.ImportIdPMetadata(raw, opts)
	if err != nil {
		t.Fatalf("with AllowSHA1: %v", err)
	}
	defer idp.Close()
	if !idp.SignatureVerified() || idp.EntityID() != opts.EntityID {
		t.Errorf("SignatureVerified = %v, EntityID = %q", idp.SignatureVerified(), idp.EntityID())
	}
}
