// Command crossruntime is the Go runner of the cross-runtime check: every case of the case file
// through the ssogate Go package, as a Go user calls it, one JSON line per case
// (tests/cross_runtime/README.md).
//
//	crossruntime CASES_FILE VECTORS_DIR OUTPUT_FILE
//
// Exit 0 when every case ran and its line was written, whatever the outcomes; 1 when the runner
// itself failed (the case file is not as the README says, a file cannot be read).
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"ssogate.dev/ssogate"
)

// kase is one case: its keys in order, the values of each (several for the repeatable keys).
type kase struct {
	input  string
	values map[string][]string
}

var knownKeys = map[string][]string{
	"import": {"input", "op", "metadata_file", "entity_id", "now"},
	"verify": {"input", "op", "idp_metadata_file", "idp_metadata_xml", "import_now", "connection_id", "acs_url",
		"sp_entity_id", "allow_idp_initiated", "allow_sha1", "clock_skew_seconds", "email_attribute", "allowed_domain",
		"sp_encryption_cert_file", "allow_rsa_1_5", "allow_legacy_sp_key", "response_file", "form", "now", "max_bytes",
		"request_id", "decryption_key_file", "decryption_cert_file", "decryption_key_legacy", "repeat"},
}

var repeatable = map[string]bool{"allowed_domain": true, "sp_encryption_cert_file": true, "request_id": true}

// caseError is a case file that is not as the README says: the runner stops.
type caseError struct{ msg string }

func (e *caseError) Error() string { return e.msg }

func fail(format string, args ...any) { panic(&caseError{fmt.Sprintf(format, args...)}) }

func readCases(path string) []kase {
	raw, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	var cases []kase
	var cur *kase
	for n, line := range strings.Split(string(raw), "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
			continue
		case line == "":
			cur = nil
			continue
		}
		key, value, ok := strings.Cut(line, "\t")
		if !ok {
			fail("%s:%d: no tab in %q", path, n+1, line)
		}
		if cur == nil {
			if key != "input" {
				fail("%s:%d: a case starts with %s, not input", path, n+1, key)
			}
			cases = append(cases, kase{input: value, values: map[string][]string{}})
			cur = &cases[len(cases)-1]
		}
		if _, seen := cur.values[key]; seen && !repeatable[key] {
			fail("%s:%d: %s repeated", path, n+1, key)
		}
		cur.values[key] = append(cur.values[key], value)
	}
	return cases
}

func (c kase) optional(key string) (string, bool) {
	v, ok := c.values[key]
	if !ok {
		return "", false
	}
	return v[0], true
}

func (c kase) str(key string) string {
	v, ok := c.optional(key)
	if !ok {
		fail("%s: no %s", c.input, key)
	}
	return v
}

func (c kase) integer(key string) int64 {
	n, err := strconv.ParseInt(c.str(key), 10, 64)
	if err != nil {
		fail("%s: %s: %v", c.input, key, err)
	}
	return n
}

func (c kase) flag(key string) bool {
	switch v := c.str(key); v {
	case "0":
		return false
	case "1":
		return true
	default:
		fail("%s: %s is %q, not 0 or 1", c.input, key, v)
		return false
	}
}

func (c kase) check() {
	known, ok := knownKeys[c.str("op")]
	if !ok {
		fail("%s: unknown op %s", c.input, c.str("op"))
	}
	for key := range c.values {
		if !contains(known, key) {
			fail("%s: unknown key %s", c.input, key)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func readVector(vectors, rel string) []byte {
	b, err := os.ReadFile(filepath.Join(vectors, filepath.FromSlash(rel)))
	if err != nil {
		fail("%v", err)
	}
	return b
}

func runImport(c kase, vectors string) (map[string]any, error) {
	opts := ssogate.ImportOptions{Now: time.Unix(c.integer("now"), 0)}
	opts.EntityID, _ = c.optional("entity_id")
	idp, err := ssogate.ImportIdPMetadata(readVector(vectors, c.str("metadata_file")), opts)
	if err != nil {
		return nil, err
	}
	defer idp.Close()
	certs := []string{}
	for _, cert := range idp.Certificates() {
		certs = append(certs, cert.SHA256)
	}
	warnings := []string{}
	for _, w := range idp.Warnings() {
		warnings = append(warnings, w.Code.String())
	}
	return map[string]any{"entity_id": idp.EntityID(), "certificates": certs, "warnings": warnings}, nil
}

func runVerify(c kase, vectors string) (map[string]any, error) {
	var xml []byte
	if inline, ok := c.optional("idp_metadata_xml"); ok {
		xml = []byte(inline)
	} else {
		xml = readVector(vectors, c.str("idp_metadata_file"))
	}
	idp, err := ssogate.ImportIdPMetadata(xml, ssogate.ImportOptions{Now: time.Unix(c.integer("import_now"), 0)})
	if err != nil {
		return nil, err
	}
	defer idp.Close()
	skew := time.Duration(c.integer("clock_skew_seconds")) * time.Second
	cfg := ssogate.ConnectionConfig{
		ID: c.str("connection_id"), ACSURL: c.str("acs_url"), SPEntityID: c.str("sp_entity_id"),
		AllowIdPInitiated: c.flag("allow_idp_initiated"), AllowSHA1: c.flag("allow_sha1"), ClockSkew: &skew,
		AllowedDomains: c.values["allowed_domain"], AllowRSA15: c.flag("allow_rsa_1_5"),
		AllowLegacySPKey: c.flag("allow_legacy_sp_key"),
	}
	cfg.EmailAttribute, _ = c.optional("email_attribute")
	for _, file := range c.values["sp_encryption_cert_file"] {
		cfg.SPEncryptionCertificates = append(cfg.SPEncryptionCertificates, string(readVector(vectors, file)))
	}
	conn, err := ssogate.NewConnection(idp, cfg)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var keys []*ssogate.SPKey
	if keyFile, ok := c.optional("decryption_key_file"); ok {
		load := ssogate.NewSPKey
		if c.flag("decryption_key_legacy") {
			load = ssogate.NewSPKeyLegacy
		}
		key, err := load(readVector(vectors, keyFile), readVector(vectors, c.str("decryption_cert_file")))
		if err != nil {
			return nil, err
		}
		defer key.Close()
		keys = append(keys, key)
	}
	return verify(c, vectors, conn, keys)
}

// verify posts the response `repeat` times with one replay cache frozen at `now`; the last attempt
// is the outcome.
func verify(c kase, vectors string, conn *ssogate.Connection, keys []*ssogate.SPKey) (map[string]any, error) {
	body := readVector(vectors, c.str("response_file"))
	form := string(body)
	if !c.flag("form") {
		form = base64.StdEncoding.EncodeToString(body)
	}
	now := time.Unix(c.integer("now"), 0)
	cache, err := ssogate.NewMemoryReplayCache(ssogate.ReplayCacheOptions{Now: now})
	if err != nil {
		fail("%s: replay cache: %v", c.input, err)
	}
	defer cache.Close()
	opts := ssogate.VerifyOptions{ReplayCache: cache, PendingRequestIDs: c.values["request_id"], Now: now,
		MaxBytes: uint64(c.integer("max_bytes")), DecryptionKeys: keys}
	repeat := c.integer("repeat")
	if repeat < 1 {
		fail("%s: repeat %d", c.input, repeat)
	}
	var login *ssogate.VerifiedLogin
	for i := int64(0); i < repeat; i++ {
		login, err = ssogate.Verify(conn, form, opts)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"email": login.Email, "nameid": login.NameID, "assertion_id": login.AssertionID,
		"idp_entity_id": login.IdPEntityID}, nil
}

func runCase(c kase, vectors string) map[string]any {
	c.check()
	var facts map[string]any
	var err error
	if c.str("op") == "import" {
		facts, err = runImport(c, vectors)
	} else {
		facts, err = runVerify(c, vectors)
	}
	if err != nil {
		var se *ssogate.Error
		if !errors.As(err, &se) {
			fail("%s: not an ssogate error: %v", c.input, err)
		}
		return map[string]any{"input": c.input, "outcome": "REFUSED", "code": se.Code.String()}
	}
	line := map[string]any{"input": c.input, "outcome": "OK", "code": "OK"}
	for k, v := range facts {
		line[k] = v
	}
	return line
}

func run(args []string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(*caseError)
			if !ok {
				panic(r)
			}
			err = ce
		}
	}()
	cases := readCases(args[0])
	out, err := os.Create(args[2])
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	for _, c := range cases {
		b, err := json.Marshal(runCase(c, args[1]))
		if err != nil {
			return err
		}
		w.Write(append(b, '\n'))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "cross-runtime Go runner: %d cases -> %s\n", len(cases), args[2])
	return nil
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: crossruntime CASES_FILE VECTORS_DIR OUTPUT_FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "cross-runtime Go runner: %v\n", err)
		os.Exit(1)
	}
}
