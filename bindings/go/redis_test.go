package ssogate_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"ssogate.dev/ssogate"
)

// startRedis starts Debian's redis-server on a free 127.0.0.1 port for one test and stops it by its
// pid when the test ends. It returns the store location ("redis://127.0.0.1:PORT/0").
func startRedis(t *testing.T) string {
	t.Helper()
	return "redis://" + startRedisWith(t, "") + "/0"
}

// startRedisWith starts redis-server with extra arguments; adminPassword, when not empty, is the
// default user's password (--requirepass), used for the readiness PING. It returns "127.0.0.1:PORT".
func startRedisWith(t *testing.T, adminPassword string, extra ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", t.TempDir()}
	if adminPassword != "" {
		args = append(args, "--requirepass", adminPassword)
	}
	cmd := exec.Command("/usr/bin/redis-server", append(args, extra...)...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			r := bufio.NewReader(c)
			if adminPassword != "" {
				fmt.Fprintf(c, "AUTH %s\r\n", adminPassword)
				_, _ = r.ReadString('\n')
			}
			fmt.Fprint(c, "PING\r\n")
			reply, _ := r.ReadString('\n')
			c.Close()
			if reply == "+PONG\r\n" {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The ACL line of docs/stores.md (after ACL SETUSER), PASSWORD to be filled in.
const redisACL = "ssogate on >PASSWORD resetkeys ~ssogate:* resetchannels -@all +ping +select +eval +exists +get " +
	"+set +del +hset +hmget +hgetall +hdel +hincrby +pexpire +pttl"

// A password with every character a location must percent-encode.
const redisPassword = "p@ss:w/rd#1%"

func startRedisWithACL(t *testing.T) string {
	t.Helper()
	user := strings.Fields(strings.Replace(redisACL, "PASSWORD", redisPassword, 1))
	return startRedisWith(t, "Adm1nPassw0rd", append([]string{"--user"}, user...)...)
}

func TestRedisACLUserGateLogsInAndRefusesAReplay(t *testing.T) {
	addr := startRedisWithACL(t)
	shared := "redis://ssogate:" + url.QueryEscape(redisPassword) + "@" + addr + "/3"
	idp, imported := newTestIdP(t, ssogate.TestIdPConfig{EntityID: "https://okta.test.example/exk1"})
	conn := newConn(t, imported, ssogate.ConnectionConfig{
		BaseURL: "https://app.example.com", ID: "okta", AllowIdPInitiated: true, JITProvisioning: true,
	})
	gate, err := ssogate.OpenGate("memory:", shared)
	if err != nil {
		t.Fatal(err)
	}
	defer gate.Close()
	if err := gate.CheckStores(); err != nil {
		t.Fatalf("the documented ACL user: %v", err)
	}
	if err := gate.CreateAccount("acme", "Acme", []string{"example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := gate.AddConnection("acme", conn, true); err != nil {
		t.Fatal(err)
	}
	if err := gate.AddMember("acme", "alice@example.com", ssogate.RoleMember, false); err != nil {
		t.Fatal(err)
	}
	f := &gateFixture{idp: idp, conn: conn, gate: gate}
	resp := f.response(t, "alice@example.com", "")
	out, err := gate.Consume("okta", resp, "")
	if err != nil {
		t.Fatal(err)
	}
	if !out.Accepted() {
		t.Fatalf("login refused: %s (%s)", out.ReasonName, out.ReasonText)
	}
	again, err := gate.Consume("okta", resp, "")
	if err != nil {
		t.Fatal(err)
	}
	expectOutcome(t, again, ssogate.GateOutcomeDenied, "REPLAYED")
}

func TestRedisWrongPasswordIsErrStoreAuthWithoutThePassword(t *testing.T) {
	addr := startRedisWithACL(t)
	gate, err := ssogate.OpenGate("memory:", "redis://ssogate:Wr0ngPass@"+addr+"/3")
	if err != nil {
		t.Fatal(err) // the connection is made at the first use
	}
	defer gate.Close()
	err = gate.CheckStores()
	var e *ssogate.Error
	if !errors.Is(err, ssogate.ErrStoreAuth) || !errors.As(err, &e) {
		t.Fatalf("CheckStores with a wrong password: %v; want ErrStoreAuth", err)
	}
	want := "Redis at " + addr + " refused the credentials of user 'ssogate'"
	if !strings.Contains(e.Message, want) || strings.Contains(e.Message, "Wr0ngPass") {
		t.Errorf("message %q: want %q and never the password", e.Message, want)
	}

	_, err = ssogate.OpenGate("memory:", "rediss://ssogate:Sup3rS3cret@"+addr)
	if !errors.Is(err, ssogate.ErrStoreLocation) || !errors.As(err, &e) {
		t.Fatalf("rediss://: %v; want ErrStoreLocation", err)
	}
	if !strings.Contains(e.Message, "stunnel or spiped") || strings.Contains(e.Message, "Sup3rS3cret") {
		t.Errorf("rediss:// message %q: want what to do instead, never the password", e.Message)
	}
}
