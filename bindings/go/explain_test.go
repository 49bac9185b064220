package ssogate_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ssogate.dev/ssogate"
)

// explainAgrees checks the explain call's invariant against the outcome of Verify in the same state:
// the first failing check carries Verify's code and message, and every check passes when it accepts.
func explainAgrees(t *testing.T, x *ssogate.Explanation, verifyErr error) {
	t.Helper()
	if len(x.Checks) < 25 {
		t.Fatalf("%d checks:\n%s", len(x.Checks), x)
	}
	if verifyErr == nil {
		if !x.OK() {
			t.Fatalf("Verify accepts, the explanation says %s:\n%s", x.FirstFailure, x)
		}
		for _, c := range x.Checks {
			if c.Status != ssogate.CheckPass {
				t.Errorf("check %s is %s for an accepted response", c.Name, c.Status)
			}
		}
		return
	}
	var e *ssogate.Error
	if !errors.As(verifyErr, &e) {
		t.Fatalf("Verify: %v", verifyErr)
	}
	if x.FirstFailure != e.Code {
		t.Fatalf("Verify refuses with %s (%s), the explanation's first failure is %s:\n%s", e.Code, e.Message,
			x.FirstFailure, x)
	}
	for _, c := range x.Checks {
		if c.Status == ssogate.CheckFail {
			if c.Code != e.Code || c.Detail != e.Message {
				t.Errorf("first failing check %s: %s %q, Verify: %s %q", c.Name, c.Code, c.Detail, e.Code, e.Message)
			}
			return
		}
		if c.Status != ssogate.CheckPass {
			t.Fatalf("check %s is %s before the first failure", c.Name, c.Status)
		}
	}
	t.Fatalf("no failing check:\n%s", x)
}

// The response entries of the interop manifest (interopDir), the fields the explain test reads.
type interopResponse struct {
	File        string   `json:"file"`
	Kind        string   `json:"kind"`
	PolicyFlags []string `json:"policy_flags"`
	Certificate struct {
		File string `json:"file"`
	} `json:"certificate"`
	SPDecryptionKey *struct {
		File string `json:"file"`
	} `json:"sp_decryption_key"`
	Context        map[string]any `json:"context"`
	RejectVariants []struct {
		Change map[string]any `json:"change"`
	} `json:"reject_variants"`
}

func metadataForPEM(entityID string, pem []byte) []byte {
	text := string(pem)
	start := strings.Index(text, "-----BEGIN CERTIFICATE-----") + len("-----BEGIN CERTIFICATE-----")
	end := strings.Index(text, "-----END CERTIFICATE-----")
	der := strings.Join(strings.Fields(text[start:end]), "")
	return []byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + entityID + `">` +
		`<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
		`<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` +
		`<ds:X509Data><ds:X509Certificate>` + der + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
		`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.invalid/sso"/>` +
		`</md:IDPSSODescriptor></md:EntityDescriptor>`)
}

// Every interop response, with its manifest context and each reject variant, SHA-1 allowed or not:
// the explanation agrees with Verify.
func TestExplainInteropResponses(t *testing.T) {
	dir := interopDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Files []interopResponse `json:"files"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	responses, runs := 0, 0
	for _, f := range m.Files {
		if f.Kind != "saml-response" {
			continue
		}
		responses++
		name := strings.TrimSuffix(strings.TrimPrefix(f.File, "responses/"), ".xml")
		if name == "oracle-oam-1" {
			continue // a 1024-bit IdP key cannot be configured
		}
		changes := []map[string]any{{}}
		for _, v := range f.RejectVariants {
			changes = append(changes, v.Change)
		}
		for i, change := range changes {
			for _, sha1 := range []bool{true, false} {
				runs++
				t.Run(name+"/"+string(rune('a'+i))+map[bool]string{true: "/sha1", false: "/strict"}[sha1], func(t *testing.T) {
					explainInteropRun(t, dir, f, change, sha1)
				})
			}
		}
	}
	if responses != 36 || runs < 200 {
		t.Errorf("%d responses, %d runs", responses, runs)
	}
}

func explainInteropRun(t *testing.T, dir string, f interopResponse, change map[string]any, sha1 bool) {
	ctx := map[string]any{}
	for k, v := range f.Context {
		ctx[k] = v
	}
	for k, v := range change {
		ctx[k] = v
	}
	str := func(k string) string { s, _ := ctx[k].(string); return s }
	now, err := time.Parse(time.RFC3339, str("now"))
	if err != nil {
		t.Fatal(err)
	}
	unsolicited, _ := ctx["idp_initiated"].(bool)
	if v, ok := change["allow_idp_initiated"].(bool); ok {
		unsolicited = v
	}
	pem, err := os.ReadFile(filepath.Join(dir, f.Certificate.File))
	if err != nil {
		t.Fatal(err)
	}
	idp, err := ssogate.ImportIdPMetadata(metadataForPEM(str("idp_entity_id"), pem), ssogate.ImportOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, idp)
	cfg := ssogate.ConnectionConfig{ID: "interop", ACSURL: str("acs_url"), SPEntityID: str("sp_entity_id"),
		AllowSHA1: sha1, AllowIdPInitiated: unsolicited}
	zero := time.Duration(0)
	cfg.ClockSkew = &zero
	var keys []*ssogate.SPKey
	if f.SPDecryptionKey != nil {
		keyPEM, err := os.ReadFile(filepath.Join(dir, f.SPDecryptionKey.File))
		if err != nil {
			t.Fatal(err)
		}
		certPEM, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(f.SPDecryptionKey.File, ".sp-key.pem")+".sp-cert.pem"))
		if err != nil {
			t.Fatal(err)
		}
		key, err := ssogate.NewSPKeyLegacy(keyPEM, certPEM)
		if err != nil {
			t.Fatal(err)
		}
		mustClose(t, key)
		keys = []*ssogate.SPKey{key}
		cfg.SPEncryptionCertificates = []string{string(certPEM)}
		cfg.AllowLegacySPKey = true
	}
	conn, err := ssogate.NewConnection(idp, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, conn)
	cache, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, cache)
	body, err := os.ReadFile(filepath.Join(dir, f.File))
	if err != nil {
		t.Fatal(err)
	}
	form := base64.StdEncoding.EncodeToString(body)
	opts := ssogate.VerifyOptions{ReplayCache: cache, Now: now, DecryptionKeys: keys}
	if id := str("request_id"); id != "" {
		opts.PendingRequestIDs = []string{id}
	}
	x, err := ssogate.Explain(conn, form, ssogate.ExplainOptions{VerifyOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	_, verr := ssogate.Verify(conn, form, opts)
	explainAgrees(t, x, verr)
}

// The gate's explanation: read-only, over the stored connection, and the hints of a rotated key.
func TestGateExplain(t *testing.T) {
	tidp, conn := testIdPConnection(t, ssogate.TestIdPConfig{}, ssogate.ConnectionConfig{ID: "okta", AllowIdPInitiated: true})
	gate, err := ssogate.OpenGateWithOptions("memory:", "", ssogate.GateOptions{Now: t0})
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
	r, err := tidp.Response(conn, ssogate.TestResponseParams{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // explaining twice: nothing was consumed
		x, err := gate.Explain("okta", r.Base64, ssogate.GateExplainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !x.OK() || x.Check("replay").Status != ssogate.CheckNotReached || x.Check("audience").Status != ssogate.CheckPass {
			t.Fatalf("explanation:\n%s", x)
		}
	}
	if out, err := gate.Consume("okta", r.Base64, ""); err != nil || out.Error != nil {
		t.Fatalf("consume after explain: %v %+v", err, out)
	}

	rotated, err := ssogate.NewTestIdP(ssogate.TestIdPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, rotated)
	fresh, err := ssogate.ImportIdPMetadata(rotated.MetadataXML(), ssogate.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, fresh)
	r2, err := rotated.Response(conn, ssogate.TestResponseParams{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	x, err := gate.Explain("okta", r2.Base64, ssogate.GateExplainOptions{CandidateMetadata: fresh})
	if err != nil {
		t.Fatal(err)
	}
	if x.FirstFailure != ssogate.CodeSignatureInvalid || !errors.Is(&ssogate.Error{Code: x.FirstFailure}, ssogate.ErrSignatureInvalid) {
		t.Fatalf("explanation:\n%s", x)
	}
	hints := map[string]bool{}
	for _, h := range x.Hints {
		hints[h.Name] = true
	}
	if !hints["signing_key_not_in_metadata"] || !hints["candidate_metadata_has_key"] {
		t.Errorf("hints %v:\n%s", hints, x)
	}
	if !strings.Contains(x.Check("signatures").Got, "not in the metadata") {
		t.Errorf("signatures got %q", x.Check("signatures").Got)
	}
	if _, err := gate.Explain("nope", r2.Base64, ssogate.GateExplainOptions{}); !errors.Is(err, ssogate.ErrNotFound) {
		t.Errorf("unknown connection: %v", err)
	}
	if _, err := gate.Explain("okta", r2.Base64, ssogate.GateExplainOptions{PendingRequestIDs: []string{"a b"}}); err == nil {
		t.Errorf("a request ID with a space was taken")
	}
	if ssogate.CheckNotReached.String() != "not_reached" || ssogate.CheckFail.String() != "fail" {
		t.Errorf("status names")
	}
}

func TestCheckStatusMatchesC(t *testing.T) {
	c := enumValues("ssogate_check_status")
	for _, p := range []struct {
		status ssogate.CheckStatus
		name   string
	}{{ssogate.CheckPass, "PASS"}, {ssogate.CheckFail, "FAIL"}, {ssogate.CheckNotReached, "NOT_REACHED"}} {
		if v, ok := c[p.name]; !ok || v != int(p.status) || p.status.String() != strings.ToLower(p.name) {
			t.Errorf("CheckStatus %s: Go %d, C %d (known %v)", p.status, int(p.status), v, ok)
		}
	}
	if len(c) != 3 {
		t.Errorf("ssogate_check_status has %d values; Go knows 3", len(c))
	}
}
