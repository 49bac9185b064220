package ssogate_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ssogate.dev/ssogate"
)

// metadataHost is tests/support/metadata_server.py for one test: HTTPS and HTTP on 127.0.0.1 with its
// own test CA, serving the files of a temporary directory; killed by its pid when the test ends.
type metadataHost struct {
	dir, caFile string
	httpsPort   int
}

func startMetadataHost(t *testing.T) *metadataHost {
	t.Helper()
	script := filepath.Join(vectorDir(t, "../support"), "metadata_server.py")
	dir := t.TempDir()
	cmd := exec.Command("python3", script, dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", script, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("metadata_server.py did not start: %v", err)
	}
	var info struct {
		HTTPSPort int    `json:"https_port"`
		CAFile    string `json:"ca_file"`
	}
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatal(err)
	}
	return &metadataHost{dir: dir, caFile: info.CAFile, httpsPort: info.HTTPSPort}
}

func (h *metadataHost) url(path string) string {
	return "https://127.0.0.1:" + itoa(h.httpsPort) + "/" + path
}

func (h *metadataHost) put(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, name), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (h *metadataHost) options() ssogate.FetchOptions {
	return ssogate.FetchOptions{AllowedNetworks: []string{"127.0.0.1/32"}, CAFile: h.caFile}
}

func itoa(n int) string { return strconv.Itoa(n) }

const urlEntity = "https://idp.go-url-test.example/saml"

func metadataWith(sso string, certs ...[]byte) string {
	var keys strings.Builder
	for _, der := range certs {
		keys.WriteString(`<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` +
			base64.StdEncoding.EncodeToString(der) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
	}
	return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` +
		urlEntity + `"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` + keys.String() +
		`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="` + sso +
		`"/></md:IDPSSODescriptor></md:EntityDescriptor>`
}

func kinds(events []ssogate.MetadataEvent) string {
	var out []string
	for _, e := range events {
		out = append(out, e.Kind)
	}
	return strings.Join(out, ",")
}

func TestMetadataURLImportRefreshThroughTheGate(t *testing.T) {
	host := startMetadataHost(t)
	_, a := newTestIdP(t, ssogate.TestIdPConfig{EntityID: urlEntity})
	_, b := newTestIdP(t, ssogate.TestIdPConfig{EntityID: urlEntity})
	derA, derB := a.Certificates()[0].DER, b.Certificates()[0].DER
	host.put(t, "md.xml", metadataWith("https://idp.go-url-test.example/sso", derA))

	idp, err := ssogate.ImportIdPMetadataURL(host.url("md.xml"), ssogate.ImportOptions{}, host.options())
	if err != nil {
		t.Fatal(err)
	}
	src := idp.Source()
	if idp.EntityID() != urlEntity || src.URL != host.url("md.xml") || src.ETag == "" || !src.NextRefreshAt.After(src.FetchedAt) {
		t.Fatalf("imported: %s %+v", idp.EntityID(), src)
	}
	conn := newConn(t, idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com", ID: "rot"})

	var seen []string
	gate, err := ssogate.OpenGateWithOptions("memory:", "", ssogate.GateOptions{
		OnMetadataEvent: func(id string, e ssogate.MetadataEvent) { seen = append(seen, id+":"+e.Kind) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer gate.Close()
	if err := gate.CreateAccount("acme", "Acme", []string{"example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := gate.AddConnection("acme", conn, true); err != nil {
		t.Fatal(err)
	}
	r, err := gate.RefreshConnection("rot", host.options())
	if err != nil || r.Err != nil || !r.NotModified || len(r.Events) != 0 {
		t.Fatalf("unchanged: %v %+v", err, r)
	}
	host.put(t, "md.xml", metadataWith("https://idp.go-url-test.example/sso", derA, derB))
	r, err = gate.RefreshConnection("rot", host.options())
	if err != nil || !r.Applied || kinds(r.Events) != "METADATA_UPDATED,SIGNING_KEY_ADDED" {
		t.Fatalf("key added: %v %+v", err, r)
	}
	host.put(t, "md.xml", "<md:EntityDescriptor")
	r, err = gate.RefreshConnection("rot", host.options())
	if err != nil || r.Err == nil || r.Err.Code != ssogate.CodeXMLMalformed || r.Events[0].Kind != "METADATA_REFRESH_FAILED" ||
		r.Events[0].Failures != 1 || len(r.Connection.IdP().Certificates()) != 2 {
		t.Fatalf("a broken document keeps the last known good: %v %+v", err, r)
	}
	if strings.Join(seen, " ") != "rot:METADATA_UPDATED rot:SIGNING_KEY_ADDED rot:METADATA_REFRESH_FAILED" {
		t.Fatalf("listener saw %v", seen)
	}
	rows, err := gate.QueryAudit(ssogate.AuditQuery{Reasons: []string{"METADATA"}})
	if err != nil || len(rows) != 3 || rows[1].Outcome != "SIGNING_KEY_ADDED" {
		t.Fatalf("audit: %v %+v", err, rows)
	}
	if _, err := gate.RefreshConnection("nope", host.options()); !errors.Is(err, ssogate.ErrNotFound) {
		t.Fatalf("unknown connection: %v", err)
	}
	// The standalone refresh of the stored copy gives the same kind of result.
	stored, err := ssogate.RefreshConnection(r.Connection, host.options())
	if err != nil || stored.Err == nil || stored.Connection.IdP().Source().Failures != 2 {
		t.Fatalf("standalone refresh: %v %+v", err, stored)
	}
}

func TestMetadataURLRefusals(t *testing.T) {
	host := startMetadataHost(t)
	_, a := newTestIdP(t, ssogate.TestIdPConfig{EntityID: urlEntity})
	host.put(t, "md.xml", metadataWith("https://idp.go-url-test.example/sso", a.Certificates()[0].DER))
	strict := host.options()
	strict.AllowedNetworks = nil
	untrusted := host.options()
	untrusted.CAFile = ""
	for _, c := range []struct {
		url  string
		opts ssogate.FetchOptions
		want error
	}{
		{host.url("to-http/md.xml"), host.options(), ssogate.ErrMetadataRedirectRefused},
		{host.url("to-private"), host.options(), ssogate.ErrMetadataAddressBlocked},
		{host.url("status/404"), host.options(), ssogate.ErrMetadataHTTPStatus},
		{host.url("md.xml"), strict, ssogate.ErrMetadataAddressBlocked},
		{host.url("md.xml"), untrusted, ssogate.ErrMetadataTLS},
		{"http://127.0.0.1:1/md.xml", host.options(), ssogate.ErrMetadataURLInvalid},
	} {
		if _, err := ssogate.ImportIdPMetadataURL(c.url, ssogate.ImportOptions{}, c.opts); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.url, err, c.want)
		}
	}
}

func TestIdPFromSettings(t *testing.T) {
	idp, _ := newTestIdP(t, ssogate.TestIdPConfig{EntityID: urlEntity})
	manual, err := ssogate.IdPFromSettings(urlEntity, "https://idp.go-url-test.example/sso", []byte(idp.CertificatePEM()), ssogate.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := manual.SSOURL(ssogate.BindingHTTPPost); !ok || u != "https://idp.go-url-test.example/sso" || manual.Source().URL != "" {
		t.Fatalf("manual: %v %+v", u, manual.Source())
	}
	if _, err := ssogate.IdPFromSettings(urlEntity, "https://idp.go-url-test.example/sso", []byte("nope"), ssogate.ImportOptions{}); !errors.Is(err, ssogate.ErrMetadataBadCert) {
		t.Fatalf("bad certificate: %v", err)
	}
	conn := newConn(t, manual, ssogate.ConnectionConfig{BaseURL: "https://app.example.com"})
	if _, err := ssogate.RefreshConnection(conn, ssogate.FetchOptions{}); !errors.Is(err, ssogate.ErrInvalidArgument) {
		t.Fatalf("refresh without a URL: %v", err)
	}
}
