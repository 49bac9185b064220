package ssogate_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"ssogate.dev/ssogate"
)

// pgServer is tests/support/pg_server.py for one test: a private PostgreSQL server from Debian's
// binaries on 127.0.0.1 with a password, stopped by its pid when the test ends.
type pgServer struct {
	url, password string
	port          int
}

func startPostgres(t *testing.T) *pgServer {
	t.Helper()
	script := filepath.Join(vectorDir(t, "../support"), "pg_server.py")
	cmd := exec.Command("python3", script)
	// The server runs while its stdin is open: keep a pipe to it until the test ends.
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", script, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = in.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("pg_server.py did not start: %v", err)
	}
	var info struct {
		URL      string `json:"url"`
		Password string `json:"password"`
		Port     int    `json:"port"`
	}
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatal(err)
	}
	return &pgServer{url: info.URL, password: info.Password, port: info.Port}
}

// database makes a new, empty database on the server with psql and returns its location.
func (s *pgServer) database(t *testing.T, name string) string {
	t.Helper()
	cmd := exec.Command("psql", "-q", "-h", "127.0.0.1", "-p", itoa(s.port), "-U", "ssogate", "-d", "postgres",
		"-c", "CREATE DATABASE "+name)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+s.password)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("psql: %v: %s", err, out)
	}
	return strings.TrimSuffix(s.url, "/postgres") + "/" + name
}

func TestGateOverPostgreSQL(t *testing.T) {
	pg := startPostgres(t)
	f := newGateFixture(t, pg.database(t, "gate"))
	if err := f.gate.AddMember("acme", "alice@example.com", ssogate.RoleMember, false); err != nil {
		t.Fatal(err)
	}
	resp := f.response(t, "alice@example.com", "")
	out, err := f.gate.Consume("okta", resp, "")
	if err != nil {
		t.Fatal(err)
	}
	expectOutcome(t, out, ssogate.GateOutcomeLogin, "FIRST_SSO_LOGIN")
	again, err := f.gate.Consume("okta", resp, "")
	if err != nil {
		t.Fatal(err)
	}
	if again.Kind != ssogate.GateOutcomeDenied || again.ReasonName != "REPLAYED" {
		t.Fatalf("replay: %v %s", again.Kind, again.ReasonName)
	}
	// A second node over the same database sees the member, the audit rows and the spent assertion.
	other, err := ssogate.OpenGate(strings.TrimSuffix(pg.url, "/postgres")+"/gate", "")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	m, err := other.FindMember("acme", "alice@example.com")
	if err != nil || m == nil || !m.SSOLinked {
		t.Fatalf("member seen by the other node: %+v, %v", m, err)
	}
	third, err := other.Consume("okta", resp, "")
	if err != nil {
		t.Fatal(err)
	}
	if third.ReasonName != "REPLAYED" {
		t.Fatalf("replay on the other node: %s", third.ReasonName)
	}
	rows, err := other.ReadAudit("acme", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 3 {
		t.Fatalf("audit rows: %d", len(rows))
	}
}

func TestPostgreSQLWrongPasswordAndMigration(t *testing.T) {
	pg := startPostgres(t)
	bad := strings.Replace(pg.url, pg.password, "wrong-pass-77", 1)
	_, err := ssogate.OpenGate(bad, "")
	if !errors.Is(err, ssogate.ErrStoreAuth) {
		t.Fatalf("wrong password: %v; want ErrStoreAuth", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "127.0.0.1:"+itoa(pg.port)+"/postgres") || strings.Contains(msg, "wrong-pass-77") {
		t.Fatalf("message must name the server and not the password: %s", msg)
	}
	location := pg.database(t, "migrating")
	from, to, err := ssogate.MigrateDatabase(location)
	if err != nil || from != 0 || to < 3 {
		t.Fatalf("MigrateDatabase on an empty database: %d -> %d, %v", from, to, err)
	}
	from2, to2, err := ssogate.MigrateDatabase(location)
	if err != nil || from2 != to || to2 != to {
		t.Fatalf("MigrateDatabase again: %d -> %d, %v", from2, to2, err)
	}
	g, err := ssogate.OpenGateWithOptions(location, "", ssogate.GateOptions{MigrateOnOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	g.Close()
	if _, _, err := ssogate.MigrateDatabase("memory:"); !errors.Is(err, ssogate.ErrStoreLocation) {
		t.Fatalf("memory: has no schema: %v", err)
	}
}
