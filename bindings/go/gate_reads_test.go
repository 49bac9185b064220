package ssogate_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"ssogate.dev/ssogate"
)

// Both built-in directories: memory (the library filters the audit log) and SQLite (one SQL statement).
func gateLocations(t *testing.T) map[string]string {
	return map[string]string{"memory": "memory:", "sqlite": "sqlite:" + filepath.Join(t.TempDir(), "gate.db")}
}

func TestGateQueryAudit(t *testing.T) {
	for name, location := range gateLocations(t) {
		t.Run(name, func(t *testing.T) {
			f := newGateFixture(t, location)
			if err := f.gate.AddMember("acme", "alice@example.com", ssogate.RoleMember, false); err != nil {
				t.Fatal(err)
			}
			b64 := f.response(t, "alice@example.com", "")
			for _, want := range []string{"FIRST_SSO_LOGIN", "REPLAYED"} {
				out, err := f.gate.Consume("okta", b64, "")
				if err != nil || out.ReasonName != want {
					t.Fatalf("consume: %v %+v, want %s", err, out, want)
				}
			}
			f.consume(t, "bob@example.com") // PROMPT_JOIN
			every, err := f.gate.QueryAudit(ssogate.AuditQuery{AccountID: "acme"})
			if err != nil || len(every) != 6 { // ACCOUNT_CREATED CONNECTION_SAVED MEMBER_ADDED LOGIN DENIED PROMPT_JOIN
				t.Fatalf("every row: %v %+v", err, every)
			}

			newest, err := f.gate.QueryAudit(ssogate.AuditQuery{AccountID: "acme", NewestFirst: true, Limit: 2})
			if err != nil || !reflect.DeepEqual(newest, []ssogate.AuditRow{every[5], every[4]}) {
				t.Fatalf("newest two: %v %+v", err, newest)
			}
			page, err := f.gate.QueryAudit(ssogate.AuditQuery{AccountID: "acme", NewestFirst: true, Limit: 2, BeforeSeq: newest[1].Seq})
			if err != nil || !reflect.DeepEqual(page, []ssogate.AuditRow{every[3], every[2]}) {
				t.Fatalf("the page before: %v %+v", err, page)
			}
			alice, err := f.gate.QueryAudit(ssogate.AuditQuery{Email: "ALICE@example.com", Outcomes: []string{"LOGIN", "DENIED"}})
			if err != nil || len(alice) != 2 || alice[1].Reason != "REPLAYED" {
				t.Fatalf("alice's logins: %v %+v", err, alice)
			}
			replayed, err := f.gate.QueryAudit(ssogate.AuditQuery{Reasons: []string{"REPLAYED"}})
			if err != nil || len(replayed) != 1 || replayed[0].Seq != every[4].Seq {
				t.Fatalf("by reason: %v %+v", err, replayed)
			}
			at := every[0].Time
			if rows, err := f.gate.QueryAudit(ssogate.AuditQuery{Since: at.Add(time.Hour)}); err != nil || len(rows) != 0 {
				t.Fatalf("since an hour later: %v %+v", err, rows)
			}
			if rows, err := f.gate.QueryAudit(ssogate.AuditQuery{Since: at.Add(-time.Hour), Until: at.Add(time.Hour)}); err != nil || len(rows) != 6 {
				t.Fatalf("within the hour: %v %+v", err, rows)
			}
			if rows, err := f.gate.QueryAudit(ssogate.AuditQuery{Outcomes: []string{}}); err != nil || len(rows) != 0 {
				t.Fatalf("an empty set of outcomes matches nothing: %v %+v", err, rows)
			}
			for _, bad := range []ssogate.AuditQuery{
				{Outcomes: []string{"LOGIN' OR '1'='1"}}, {Reasons: []string{"A,B"}}, {Outcomes: []string{"lower"}},
				{AfterSeq: -1}, {Limit: -1},
			} {
				_, err := f.gate.QueryAudit(bad)
				if !errors.Is(err, ssogate.ErrInvalidArgument) {
					t.Errorf("%+v: %v, want ErrInvalidArgument", bad, err)
				}
			}
		})
	}
}

func TestGateMembersAndConfirmJoinMember(t *testing.T) {
	for name, location := range gateLocations(t) {
		t.Run(name, func(t *testing.T) {
			f := newGateFixture(t, location)
			if err := f.gate.AddMember("acme", "Zed@example.com", ssogate.RoleAdmin, true); err != nil {
				t.Fatal(err)
			}
			out := f.consume(t, "amy@example.com")
			if out.Kind != ssogate.GateOutcomePromptJoin {
				t.Fatalf("%+v", out)
			}
			amy, err := f.gate.ConfirmJoinMember(out.JoinToken)
			if err != nil {
				t.Fatal(err)
			}
			if amy.Email != "amy@example.com" || amy.AccountID != "acme" || amy.Role != ssogate.RoleMember ||
				amy.JoinedVia != ssogate.JoinedViaSSO || !amy.SSOLinked || amy.HasPassword || amy.CreatedAt.IsZero() {
				t.Fatalf("joined member: %+v", amy)
			}
			if _, err := f.gate.ConfirmJoinMember(out.JoinToken); !errors.Is(err, ssogate.ErrNotFound) {
				t.Fatalf("the token again: %v, want ErrNotFound", err)
			}
			zed, err := f.gate.FindMember("acme", "ZED@example.com")
			if err != nil || zed == nil || zed.Role != ssogate.RoleAdmin || !zed.HasPassword ||
				zed.JoinedVia != ssogate.JoinedViaPassword || !zed.LastSSOLogin.IsZero() {
				t.Fatalf("zed: %v %+v", err, zed)
			}
			if m, err := f.gate.FindMember("acme", "nobody@example.com"); err != nil || m != nil {
				t.Fatalf("nobody: %v %+v", err, m)
			}
			all, err := f.gate.ListMembers("acme")
			if err != nil || !reflect.DeepEqual(all, []ssogate.Member{*amy, *zed}) {
				t.Fatalf("list: %v %+v", err, all)
			}
			if _, err := f.gate.ListMembers("no-such-account"); !errors.Is(err, ssogate.ErrNotFound) {
				t.Fatalf("unknown account: %v", err)
			}
		})
	}
}

func TestGateCheckStores(t *testing.T) {
	g, err := ssogate.OpenGate("memory:", "redis://127.0.0.1:1")
	if err != nil {
		t.Fatal(err) // Redis is reached lazily: opening succeeds
	}
	defer g.Close()
	err = g.CheckStores()
	if !errors.Is(err, ssogate.ErrStoreUnavailable) || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("a Redis that does not answer: %v", err)
	}
	up, err := ssogate.OpenGate("sqlite:"+filepath.Join(t.TempDir(), "g.db"), startRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	if err := up.CheckStores(); err != nil {
		t.Fatalf("stores that answer: %v", err)
	}
}
