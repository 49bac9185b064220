package ssogate

import (
	"strconv"
	"strings"
	"time"

	"ssogate.dev/ssogate/internal/capi"
)

// CheckStatus is the status of one check of an Explanation.
type CheckStatus int

// The statuses of a check, numbered as ssogate_check_status (TestCheckStatusMatchesC compares them).
const (
	// CheckPass: the check ran and passed.
	CheckPass CheckStatus = 0
	// CheckFail: the check ran and refused, with Check.Code.
	CheckFail CheckStatus = 1
	// CheckNotReached: the check did not run (an earlier one failed, or no readable replay cache).
	CheckNotReached CheckStatus = 2
)

// String is the stable name: "pass", "fail" or "not_reached".
func (s CheckStatus) String() string {
	switch s {
	case CheckPass:
		return "pass"
	case CheckFail:
		return "fail"
	case CheckNotReached:
		return "not_reached"
	}
	return "CheckStatus(" + strconv.Itoa(int(s)) + ")"
}

// Check is one check of an Explanation: its stable name, status, the code verification refuses with
// when it failed (CodeOK otherwise), and the values it compared.
type Check struct {
	Name     string
	Status   CheckStatus
	Code     Code
	Expected string // what the connection expects ("" when the check compares nothing)
	Got      string // what the response holds
	Detail   string // the refusal's operator message when it failed; a note or "" otherwise
}

// Hint is a likely cause in plain words, with a stable name ("signing_key_not_in_metadata",
// "acs_behind_proxy", "nameid_format_not_email", "clock_off", ...).
type Hint struct {
	Name string
	Text string
}

// Explanation says, check by check, how Verify decides on a SAMLResponse: every check in the order
// verification runs them, and hints. FirstFailure is the code Verify refuses the response with
// (CodeOK when it accepts). An Explanation is a plain value: nothing in it refers to C memory.
type Explanation struct {
	Checks       []Check
	Hints        []Hint
	FirstFailure Code
}

// OK reports whether Verify accepts the response.
func (x *Explanation) OK() bool { return x.FirstFailure == CodeOK }

// Check returns the check named name, or nil.
func (x *Explanation) Check(name string) *Check {
	for i := range x.Checks {
		if x.Checks[i].Name == name {
			return &x.Checks[i]
		}
	}
	return nil
}

// String is one line per check (expected and got below it), then the hints.
func (x *Explanation) String() string {
	var b strings.Builder
	for _, c := range x.Checks {
		b.WriteString(strings.ToUpper(c.Status.String()) + " " + c.Name)
		if c.Status == CheckFail {
			b.WriteString(" [" + c.Code.String() + "] " + c.Detail)
		}
		b.WriteString("\n")
		if c.Expected != "" || c.Got != "" {
			b.WriteString("    expected: " + c.Expected + "\n    got:      " + c.Got + "\n")
		}
	}
	for _, h := range x.Hints {
		b.WriteString("hint (" + h.Name + "): " + h.Text + "\n")
	}
	return b.String()
}

// ExplainOptions are the inputs of Explain: those of Verify, except that the replay cache is
// optional and only read, plus a second metadata of the IdP to compare the signing key with.
type ExplainOptions struct {
	VerifyOptions
	// CandidateMetadata, when set, is a second metadata of the same IdP (say, fetched from its
	// metadata URL just now). It is never trusted; the hints say whether it has the key the response
	// was signed with.
	CandidateMetadata *IdP
}

func readExplanation(h capi.Struct_SS_ssogate_explanation) *Explanation {
	x := &Explanation{FirstFailure: Code(capi.Ssogate_explanation_first_failure(h))}
	n := capi.Ssogate_explanation_check_count(h)
	for i := int64(0); i < n; i++ {
		x.Checks = append(x.Checks, Check{
			Name:     capi.Ssogate_explanation_check_name(h, i),
			Status:   CheckStatus(capi.Ssogate_explanation_check_status(h, i)),
			Code:     Code(capi.Ssogate_explanation_check_code(h, i)),
			Expected: capi.Ssogate_explanation_check_expected(h, i),
			Got:      capi.Ssogate_explanation_check_got(h, i),
			Detail:   capi.Ssogate_explanation_check_detail(h, i),
		})
	}
	for i := int64(0); i < capi.Ssogate_explanation_hint_count(h); i++ {
		x.Hints = append(x.Hints, Hint{Name: capi.Ssogate_explanation_hint_name(h, i),
			Text: capi.Ssogate_explanation_hint_text(h, i)})
	}
	return x
}

// withCandidate runs f with the C handle of idp, or NULL when idp is nil.
func withCandidate(idp *IdP, f func(capi.Struct_SS_ssogate_idp) error) error {
	if idp == nil {
		return f(capi.SwigcptrStruct_SS_ssogate_idp(0))
	}
	return idp.withHandle(f)
}

func checkRequestIDs(name string, ids []string) error {
	for _, id := range ids {
		if id == "" || strings.ContainsAny(id, " ,\t\r\n") {
			return &Error{Code: CodeInvalidArgument, Message: name + ": pending request ID " + quote(id) + " is not an XML NCName"}
		}
	}
	return nil
}

// Explain answers "why did this login fail?": it runs every check Verify runs on samlResponse, as a
// dry run that logs nobody in and records nothing (opts.ReplayCache, when set, is only read; no
// pending request is taken). The first failing check carries the code Verify refuses with. An error
// is returned only for unusable arguments.
func Explain(conn *Connection, samlResponse string, opts ExplainOptions) (*Explanation, error) {
	if conn == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "Explain: the connection is nil"}
	}
	if err := checkRequestIDs("Explain", opts.PendingRequestIDs); err != nil {
		return nil, err
	}
	ids := strings.Join(opts.PendingRequestIDs, " ")
	var x *Explanation
	err := withVerifyOptions("Explain", opts.VerifyOptions, func(o capi.Ssogate_verify_options, e *cError) error {
		return conn.ref.use("the connection", func(ch capi.Struct_SS_ssogate_connection) error {
			return withCandidate(opts.CandidateMetadata, func(ih capi.Struct_SS_ssogate_idp) error {
				run := func(rh capi.Struct_SS_ssogate_replay_cache) error {
					h := capi.Ssogate_explain_response(ch, samlResponse, ids, rh, ih, o, e.h)
					if h.Swigcptr() == 0 {
						return e.failure("ssogate_explain_response")
					}
					defer capi.Ssogate_explanation_free(h)
					x = readExplanation(h)
					return nil
				}
				if opts.ReplayCache == nil {
					return run(capi.SwigcptrStruct_SS_ssogate_replay_cache(0))
				}
				return opts.ReplayCache.ref.use("the replay cache", run)
			})
		})
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// GateExplainOptions are the optional inputs of (*Gate).Explain.
type GateExplainOptions struct {
	// PendingRequestIDs to compare InResponseTo with: for an SP-initiated login, the request ID the
	// RelayState named (the gate's pending requests are not looked up).
	PendingRequestIDs []string
	// CandidateMetadata as in ExplainOptions.
	CandidateMetadata *IdP
	// Now is the time to judge the response at (when it was posted); zero means the gate's clock.
	Now time.Time
}

// Explain is Explain for a response posted to the gate's stored connection, with the gate's
// decryption keys, size cap and maximum age. Read-only: the gate's replay cache, pending requests and
// RelayState are never touched, so the "replay" check is not reached. ErrNotFound for an unknown
// connection.
func (g *Gate) Explain(connectionID, samlResponse string, opts GateExplainOptions) (*Explanation, error) {
	if err := checkRequestIDs("Gate.Explain", opts.PendingRequestIDs); err != nil {
		return nil, err
	}
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	var now int64
	if !opts.Now.IsZero() {
		now = opts.Now.Unix()
	}
	var x *Explanation
	err = g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
		return withCandidate(opts.CandidateMetadata, func(ih capi.Struct_SS_ssogate_idp) error {
			xh := capi.Ssogate_gate_explain(h, connectionID, samlResponse, strings.Join(opts.PendingRequestIDs, " "), ih, now, e.h)
			if xh.Swigcptr() == 0 {
				return e.failure("ssogate_gate_explain")
			}
			defer capi.Ssogate_explanation_free(xh)
			x = readExplanation(xh)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}
