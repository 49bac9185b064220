package ssogate

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"ssogate.dev/ssogate/internal/capi"
)

// SSOMode is an account's SSO mode.
type SSOMode int

const (
	// SSOModeMixed keeps password login for members who had a password before SSO; newcomers use SSO.
	SSOModeMixed SSOMode = 0
	// SSOModeEnforced requires SSO from everyone except break-glass members.
	SSOModeEnforced SSOMode = 1
)

// String is the mode's name in lower case ("mixed", "enforced"); "mixed" for other numbers.
func (m SSOMode) String() string {
	if name, ok := headerSSOModeName(m); ok {
		return strings.ToLower(name)
	}
	return "mixed"
}

// Role is a member's role in an account. Its zero value is RoleMember, the least privileged, so a
// struct literal that leaves Role out (a MemberSummary, a directory Member) never claims an owner.
// The numbers are this package's own; the C ABI's (owner 0, admin 1, member 2) are converted at the
// boundary.
type Role int

const (
	RoleMember Role = iota
	RoleAdmin
	RoleOwner
)

// cRole is r as the C ABI numbers it (ssogate_role); -1, which the library refuses with
// ErrInvalidArgument, for a value that is none of the three.
func cRole(r Role) int {
	switch r {
	case RoleOwner:
		return int(capi.SSOGATE_ROLE_OWNER)
	case RoleAdmin:
		return int(capi.SSOGATE_ROLE_ADMIN)
	case RoleMember:
		return int(capi.SSOGATE_ROLE_MEMBER)
	}
	return -1
}

// GateOutcomeKind is what Gate.Consume made of a response.
type GateOutcomeKind int

const (
	// GateOutcomeLogin: a member logged in; start a session for GateOutcome.Email.
	GateOutcomeLogin GateOutcomeKind = 0
	// GateOutcomePromptJoin: a newcomer may join (Just-in-Time); ask them, then call Gate.ConfirmJoin.
	GateOutcomePromptJoin GateOutcomeKind = 1
	// GateOutcomeJoinedByInvite: a pending invite was accepted; the member exists now. Start a session.
	GateOutcomeJoinedByInvite GateOutcomeKind = 2
	// GateOutcomeDenied: refused by the policy, by verification or by a store (see GateOutcome.Reason).
	GateOutcomeDenied GateOutcomeKind = 3
)

// String is the kind's stable name ("LOGIN", "PROMPT_JOIN", ...); "DENIED" for other numbers.
func (k GateOutcomeKind) String() string {
	if name, ok := headerGateOutcomeKindName(k); ok {
		return name
	}
	return "DENIED"
}

// Reason is a policy reason (ssogate_reason). Its String is the stable name, e.g. "MEMBER_DISABLED".
type Reason int

// ReasonNone: no policy reason (verification or a store refused the login).
const ReasonNone Reason = 0

func (r Reason) String() string { return capi.Ssogate_reason_name(int(r)) }

// Text is one sentence for the operator explaining the reason.
func (r Reason) Text() string { return capi.Ssogate_reason_text(int(r)) }

// GateOptions are the optional inputs of OpenGateWithOptions. Zero values mean the defaults.
type GateOptions struct {
	// Now freezes the clock of every call (tests and demos); zero means the system clock.
	Now time.Time
	// JoinTokenTTL is how long a PROMPT_JOIN's token waits for ConfirmJoin; 0 means 15 minutes.
	JoinTokenTTL time.Duration
	// MaxResponseBytes: decoded SAMLResponses larger than this are refused (CodeInputTooLarge);
	// 0 means 1 MiB.
	MaxResponseBytes uint64
	// OnMetadataEvent, when set, is called for every event of RefreshConnection, after its audit row
	// is written, on the refreshing goroutine.
	OnMetadataEvent func(connectionID string, event MetadataEvent)
	// MigrateOnOpen upgrades an older database schema (SQLite or PostgreSQL) while opening. Without it an
	// older schema is refused with CodeStoreSchemaOlder, and MigrateDatabase (or "ssogate db migrate
	// LOCATION") upgrades it as a deliberate step; an empty database always receives the current schema.
	MigrateOnOpen bool
}

// Gate runs the whole SSO flow over its stores: admin calls, BeginSPLogin, Consume (verification +
// policy + directory update + audit row), ConfirmJoin, DecidePasswordLogin. It is safe for
// concurrent use; Close releases it (a finalizer does so otherwise).
type Gate struct {
	ref     *ref[capi.Struct_SS_ssogate_gate]
	onEvent func(connectionID string, event MetadataEvent)
}

// OpenGate opens a gate. location holds the directory: "sqlite:PATH" (the embedded default),
// "postgresql://USER:PASSWORD@HOST:PORT/DB[?sslmode=...]" (everything in one database shared by every
// node; also pool_max and statement_timeout_ms) or "memory:". shared holds the replay cache and pending
// requests: "" for the same store, or "redis://[USER:PASSWORD@]HOST:PORT[/DB]" so that several nodes
// share them.
func OpenGate(location, shared string) (*Gate, error) {
	return OpenGateWithOptions(location, shared, GateOptions{})
}

// MigrateDatabase brings the database at location ("sqlite:PATH" or "postgresql://...") to the schema
// this library writes, in one transaction, and returns the version it found (0: empty) and the version
// now. Back the database up first. CodeStoreSchemaNewer when a newer ssogate wrote it.
func MigrateDatabase(location string) (from, to int, err error) {
	e, err := newCError()
	if err != nil {
		return 0, 0, err
	}
	defer e.free()
	f, t := []int{0}, []int{0}
	if capi.Ssogate_db_migrate(location, f, t, e.h) != 0 {
		return 0, 0, e.failure("ssogate_db_migrate")
	}
	return f[0], t[0], nil
}

// OpenGateWithOptions is OpenGate with options.
func OpenGateWithOptions(location, shared string, opts GateOptions) (*Gate, error) {
	return makeGate("ssogate_gate_open", opts, func(o capi.Ssogate_gate_options, e capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_gate {
		return capi.Ssogate_gate_open(location, shared, o, e)
	})
}

// NewGate makes a gate over stores the caller made: a directory (OpenDirectory, or the host's own
// through NewDirectoryFromStore), a replay cache and a pending-request store, each of any kind
// (memory, SQLite, Redis, the host's). The gate shares them: the caller may Close its handles right
// after. opts are honoured as by OpenGateWithOptions.
func NewGate(dir *DirectoryHandle, replay *ReplayCache, requests *RequestStore, opts GateOptions) (*Gate, error) {
	if dir == nil || replay == nil || requests == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "NewGate: the directory, the replay cache and the request store are required"}
	}
	var g *Gate
	err := dir.ref.use("the directory", func(dh capi.Struct_SS_ssogate_directory) error {
		return replay.ref.use("the replay cache", func(rh capi.Struct_SS_ssogate_replay_cache) error {
			return requests.ref.use("the request store", func(qh capi.Struct_SS_ssogate_request_store) error {
				var err error
				g, err = makeGate("ssogate_gate_new", opts, func(o capi.Ssogate_gate_options, e capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_gate {
					return capi.Ssogate_gate_new(dh, rh, qh, o, e)
				})
				return err
			})
		})
	})
	return g, err
}

// makeGate converts opts and makes a gate with them; OpenGateWithOptions and NewGate share it.
func makeGate(call string, opts GateOptions, create func(capi.Ssogate_gate_options, capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_gate) (*Gate, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	o := capi.NewSsogate_gate_options()
	if o.Swigcptr() == 0 {
		return nil, &Error{Code: CodeOutOfMemory, Message: "allocating ssogate_gate_options failed"}
	}
	defer capi.DeleteSsogate_gate_options(o)
	if !opts.Now.IsZero() {
		o.SetNow(opts.Now.Unix())
	}
	if opts.JoinTokenTTL != 0 {
		if opts.JoinTokenTTL%time.Second != 0 || opts.JoinTokenTTL < time.Second {
			return nil, &Error{Code: CodeInvalidArgument,
				Message: fmt.Sprintf("JoinTokenTTL must be whole seconds, at least 1s, got %v", opts.JoinTokenTTL)}
		}
		o.SetJoin_token_ttl_seconds(int64(opts.JoinTokenTTL / time.Second))
	}
	o.SetMax_response_bytes(opts.MaxResponseBytes)
	if opts.MigrateOnOpen {
		o.SetMigrate_on_open(1)
	}
	h := create(o, e.h)
	if h.Swigcptr() == 0 {
		return nil, e.failure(call)
	}
	return &Gate{ref: newRef(h, capi.Ssogate_gate_free), onEvent: opts.OnMetadataEvent}, nil
}

// Close releases the gate; later calls fail with ErrInvalidArgument. Safe to call more than once.
func (g *Gate) Close() error {
	g.ref.close()
	return nil
}

// call runs one admin call that returns a code.
func (g *Gate) call(name string, f func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) int) error {
	e, err := newCError()
	if err != nil {
		return err
	}
	defer e.free()
	return g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
		if f(h, e.h) != int(CodeOK) {
			return e.failure(name)
		}
		return nil
	})
}

// CreateAccount creates an account with its verified email domains (ErrStoreConflict if it exists).
func (g *Gate) CreateAccount(id, name string, verifiedDomains []string) error {
	domains := strings.Join(verifiedDomains, " ")
	return g.call("ssogate_gate_create_account", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) int {
		return capi.Ssogate_gate_create_account(h, id, name, domains, e)
	})
}

// AddBreakGlass lets an owner or admin keep password login when SSO is enforced (an IdP outage
// cannot lock the account out). ErrNotFound when the email is not a member; ErrPolicyDenied when the
// member is not an active owner or admin. The name counts only while its member is an owner or admin
// (checked at every password login), and a new membership of the same email through the gate starts
// without it (see docs/policy.md).
func (g *Gate) AddBreakGlass(accountID, email string) error {
	return g.call("ssogate_gate_add_break_glass", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) int {
		return capi.Ssogate_gate_add_break_glass(h, accountID, email, e)
	})
}

// AddConnection saves conn for the account (again, to change its settings).
func (g *Gate) AddConnection(accountID string, conn *Connection, enabled bool) error {
	if conn == nil {
		return &Error{Code: CodeInvalidArgument, Message: "AddConnection: the connection is nil"}
	}
	return conn.ref.use("the connection", func(ch capi.Struct_SS_ssogate_connection) error {
		return g.call("ssogate_gate_add_connection", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) int {
			return capi.Ssogate_gate_add_connection(h, accountID, ch, boolInt(enabled), e)
		})
	})
}

// AddDecryptionKey gives the gate an SP encryption key for encrypted assertions. Each connection
// uses the keys whose certificate is one of its SPEncryptionCertificates, so one gate holds the keys
// of all its connections, and the current and next key during a rollover. The gate keeps its own
// reference: key may be closed afterwards. Adding a key the gate holds already does nothing. Safe
// beside concurrent Consume calls.
func (g *Gate) AddDecryptionKey(key *SPKey) error {
	if key == nil {
		return &Error{Code: CodeInvalidArgument, Message: "AddDecryptionKey: the key is nil"}
	}
	return key.ref.use("the SP key", func(kh capi.Struct_SS_ssogate_sp_key) error {
		return g.call("ssogate_gate_add_decryption_key", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) int {
			return capi.Ssogate_gate_add_decryption_key(h, kh, e)
		})
	})
}

// SetConnectionEnabled enables or disables a saved connection (ErrNotFound when unknown).
func (g *Gate) SetConnectionEnabled(connectionID string, enabled bool) error {
	return g.call("ssogate_gate_set_connection_enabled", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) int {
		return capi.Ssogate_gate_set_connection_enabled(h, connectionID, boolInt(enabled), e)
	})
}

// AddMember adds a member. hasPassword: they had a password before SSO (kept in Mixed mode).
func (g *Gate) AddMember(accountID, email string, role Role, hasPassword bool) error {
	return g.call("ssogate_gate_add_member", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) int {
		return capi.Ssogate_gate_add_member(h, accountID, email, cRole(role), boolInt(hasPassword), e)
	})
}

// RemoveMember removes a member (and their break-glass name), audited MEMBER_REMOVED. ErrNotFound
// when the email is not a member. An *Error with CodePolicyDenied (audited MEMBER_REMOVE_REFUSED) when
// the account enforces SSO and the removal would leave it without an active owner or admin who has
// signed in through SSO: the lockout guard of ApplySSOMode. Decided on the account's revision, so an
// enforcement or removal by another process meanwhile makes it decide again; ErrStoreConflict when
// they kept changing under it.
func (g *Gate) RemoveMember(accountID, email string) error {
	return g.call("ssogate_gate_remove_member", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) int {
		return capi.Ssogate_gate_remove_member(h, accountID, email, e)
	})
}

// Invite is an invitation: mail the user a link with Token; their next SSO login joins the account.
type Invite struct {
	Token     string
	Email     string
	ExpiresAt time.Time
}

// Invite invites email to the account with role, valid for ttl (whole seconds).
func (g *Gate) Invite(accountID, email string, role Role, ttl time.Duration) (*Invite, error) {
	if ttl%time.Second != 0 || ttl < time.Second {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("Invite: ttl must be whole seconds, at least 1s, got %v", ttl)}
	}
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	var out *Invite
	err = g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
		ih := capi.Ssogate_gate_invite(h, accountID, email, cRole(role), int64(ttl/time.Second), e.h)
		if ih.Swigcptr() == 0 {
			return e.failure("ssogate_gate_invite")
		}
		defer capi.Ssogate_invite_free(ih)
		out = &Invite{
			Token:     capi.Ssogate_invite_token(ih),
			Email:     capi.Ssogate_invite_email(ih),
			ExpiresAt: time.Unix(capi.Ssogate_invite_expires_at(ih), 0).UTC(),
		}
		return nil
	})
	return out, err
}

// EnforcementPreview is what switching to SSOModeEnforced does; Applied and Mode tell what
// ApplySSOMode did.
type EnforcementPreview struct {
	Allowed      bool
	Applied      bool
	Mode         SSOMode // the account's mode after the call
	Reason       Reason  // ENFORCEMENT_SAFE, LOCKOUT_GUARD, FORCED or NO_ENABLED_CONNECTION
	Detail       string
	LosingAccess []string // members who have never logged in through SSO and would lose access
	BreakGlass   []string // break-glass members who keep password login
}

func (g *Gate) enforcement(name string, f func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_enforcement) (*EnforcementPreview, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	var out *EnforcementPreview
	err = g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
		p := f(h, e.h)
		if p.Swigcptr() == 0 {
			return e.failure(name)
		}
		defer capi.Ssogate_enforcement_free(p)
		out = readEnforcement(p) // policy.go: shared with the pure PreviewEnforcement
		return nil
	})
	return out, err
}

// PreviewEnforcement tells what switching the account to SSOModeEnforced would do. It changes nothing.
func (g *Gate) PreviewEnforcement(accountID string) (*EnforcementPreview, error) {
	return g.enforcement("ssogate_gate_preview_enforcement", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_enforcement {
		return capi.Ssogate_gate_preview_enforcement(h, accountID, e)
	})
}

// ApplySSOMode sets the account's mode. Enforcing applies only when the preview allows it (the
// lockout guard refuses until an owner or admin has logged in through SSO, unless force); check
// Applied. A refusal is a decision, not an error.
func (g *Gate) ApplySSOMode(accountID string, mode SSOMode, force bool) (*EnforcementPreview, error) {
	return g.enforcement("ssogate_gate_apply_sso_mode", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_enforcement {
		return capi.Ssogate_gate_apply_sso_mode(h, accountID, int(mode), boolInt(force), e)
	})
}

// BeginSPLogin starts an SP-initiated login on a saved connection, with the gate's pending-request
// store. opts are as for the package-level BeginSPLogin; a zero opts.Now takes the gate's clock.
func (g *Gate) BeginSPLogin(connectionID string, opts SPLoginOptions) (*SPLoginRequest, error) {
	var out *SPLoginRequest
	err := beginSPLogin(opts, func(key capi.Struct_SS_ssogate_sp_key, o capi.Ssogate_sp_login_options, e *cError) error {
		return g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
			r := capi.Ssogate_gate_begin_sp_login(h, connectionID, opts.ReturnTo, key, o, e.h)
			if r.Swigcptr() == 0 {
				return e.failure("ssogate_gate_begin_sp_login")
			}
			defer capi.Ssogate_sp_login_request_free(r)
			out = spLoginRequestFrom(r)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GateOutcome is what Gate.Consume made of a response. Only GateOutcomeLogin and GateOutcomeJoinedByInvite let
// the user in (Accepted).
type GateOutcome struct {
	Kind GateOutcomeKind
	// Reason is the policy reason; ReasonNone when verification or a store refused (then Error is set).
	Reason Reason
	// ReasonName is the stable name: the policy reason's, or the error code's ("REPLAYED").
	ReasonName string
	// ReasonText is for the operator; UserMessage is safe to show the end user of a refusal.
	ReasonText, UserMessage string
	// Error is nil when the policy decided, else the *Error (code and message) that refused the login.
	Error error
	// SignatureVerified is true when the response's signature had verified: accepted outcomes, policy
	// decisions, and refusals after verification (then Email names who was refused). False when the
	// refusal came before any signature verified: Email is then "" (nothing the sender chose is
	// recorded, in the outcome or in its audit row).
	SignatureVerified bool
	// Email is the verified email (lower-cased); for a refusal after verification, who the signed
	// assertion names (its address, else the NameID as stated); "" otherwise.
	Email        string
	AccountID    string
	ConnectionID string
	JoinToken    string // GateOutcomePromptJoin: give it to ConfirmJoin
	ReturnTo     string // SP-initiated logins: the address given to BeginSPLogin
	// Login is the verified login for accepted outcomes, nil otherwise.
	Login *VerifiedLogin
}

// Accepted reports whether the user is let in (a login or an accepted invite).
func (o *GateOutcome) Accepted() bool {
	return o.Kind == GateOutcomeLogin || o.Kind == GateOutcomeJoinedByInvite
}

// Consume is the ACS: the SAMLResponse and RelayState form values ("" when none) posted for
// connectionID. Refused logins come back as a GateOutcome with Kind GateOutcomeDenied, not as an error;
// the error is for caller mistakes (an empty connection id, a closed gate).
func (g *Gate) Consume(connectionID, samlResponse, relayState string) (*GateOutcome, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	var out *GateOutcome
	err = g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
		oh := capi.Ssogate_gate_consume(h, connectionID, samlResponse, relayState, e.h)
		if oh.Swigcptr() == 0 {
			return e.failure("ssogate_gate_consume")
		}
		defer capi.Ssogate_gate_outcome_free(oh)
		out = &GateOutcome{
			Kind:              GateOutcomeKind(capi.Ssogate_gate_outcome_kind(oh)),
			Reason:            Reason(capi.Ssogate_gate_outcome_reason(oh)),
			ReasonName:        capi.Ssogate_gate_outcome_reason_name(oh),
			ReasonText:        capi.Ssogate_gate_outcome_reason_text(oh),
			UserMessage:       capi.Ssogate_gate_outcome_user_message(oh),
			SignatureVerified: capi.Ssogate_gate_outcome_signature_verified(oh) != 0,
			Email:             capi.Ssogate_gate_outcome_email(oh),
			AccountID:         capi.Ssogate_gate_outcome_account_id(oh),
			ConnectionID:      capi.Ssogate_gate_outcome_connection_id(oh),
			JoinToken:         capi.Ssogate_gate_outcome_join_token(oh),
			ReturnTo:          capi.Ssogate_gate_outcome_return_to(oh),
		}
		if code := Code(capi.Ssogate_gate_outcome_error_code(oh)); code != CodeOK {
			out.Error = &Error{Code: code, Message: out.ReasonText, UserMessage: out.UserMessage,
				SignatureVerified: out.SignatureVerified}
			if out.SignatureVerified {
				out.Error.(*Error).SignedIdentity = out.Email
			}
		}
		if lh := capi.Ssogate_gate_outcome_verified_login(oh); lh.Swigcptr() != 0 {
			out.Login = readVerifiedLogin(lh)
		}
		return nil
	})
	return out, err
}

// ConfirmJoin creates the member after GateOutcomePromptJoin, deciding again with the settings of this
// moment; ErrNotFound when the token is unknown, already used or expired, ErrStoreConflict when the
// email became a member meanwhile, ErrPolicyDenied (the message names the policy reason) when an admin
// meanwhile disabled the connection, turned JiT off, removed the domain or invited them.
func (g *Gate) ConfirmJoin(joinToken string) error {
	return g.call("ssogate_gate_confirm_join", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) int {
		return capi.Ssogate_gate_confirm_join(h, joinToken, e)
	})
}

// PasswordDecision says whether a password login is allowed (the host still checks the password).
type PasswordDecision struct {
	Allowed bool
	Reason  Reason
	// ConnectionID is the connection to send a user who must use SSO to ("" otherwise).
	ConnectionID string
}

// DecidePasswordLogin applies the account's SSO mode to a password login attempt (audited).
func (g *Gate) DecidePasswordLogin(accountID, email string) (*PasswordDecision, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	var out *PasswordDecision
	err = g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
		d := capi.Ssogate_gate_decide_password_login(h, accountID, email, e.h)
		if d.Swigcptr() == 0 {
			return e.failure("ssogate_gate_decide_password_login")
		}
		defer capi.Ssogate_password_decision_free(d)
		out = readPasswordDecision(d) // policy.go: shared with the pure DecidePasswordLogin
		return nil
	})
	return out, err
}

// AuditRow is one row of the append-only audit log.
type AuditRow struct {
	Seq          int64
	Time         time.Time
	AccountID    string
	ConnectionID string
	Email        string
	Outcome      string // LOGIN, PROMPT_JOIN, JOINED_BY_INVITE, DENIED, JOIN_CONFIRMED, PASSWORD_REFUSED, ...
	Reason       string // a policy reason name, an error code name, or "ADMIN"
	Detail       string
}

// ReadAudit returns rows with Seq > afterSeq, oldest first, at most limit (0: 1000). accountID ""
// reads every account.
func (g *Gate) ReadAudit(accountID string, afterSeq int64, limit int) ([]AuditRow, error) {
	if limit < 0 {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("ReadAudit: limit must not be negative, got %d", limit)}
	}
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	var rows []AuditRow
	err = g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
		a := capi.Ssogate_gate_read_audit(h, accountID, afterSeq, int64(limit), e.h)
		if a.Swigcptr() == 0 {
			return e.failure("ssogate_gate_read_audit")
		}
		defer capi.Ssogate_audit_free(a)
		rows = readAuditRows(a)
		return nil
	})
	return rows, err
}

// AuditQuery filters and orders a read of the audit log (Gate.QueryAudit). Zero values turn a filter
// off.
type AuditQuery struct {
	AccountID string   // one account's rows; "" = every account
	Email     string   // rows about this email, any case
	Outcomes  []string // rows whose Outcome is one of these ("LOGIN", "DENIED", ...)
	Reasons   []string // rows whose Reason is one of these ("REPLAYED", ...)
	AfterSeq  int64    // rows with Seq > AfterSeq
	// BeforeSeq: rows with Seq < BeforeSeq (0 = no bound). To page back from the newest rows, pass
	// the Seq of the last row read.
	BeforeSeq   int64
	Since       time.Time // rows with Time >= Since (zero = no bound)
	Until       time.Time // rows with Time < Until (zero = no bound)
	NewestFirst bool      // order by Seq descending; Limit then keeps the newest rows
	Limit       int       // at most this many rows; 0 = 1000
}

// QueryAudit returns the audit rows that match every filter of q, in its order. The library filters
// (a SQLite directory in one SQL statement). ErrInvalidArgument for an outcome or reason that is
// not a name (A-Z, 0-9, _) or a negative Seq or Limit. An empty non-nil Outcomes or Reasons matches no
// row.
func (g *Gate) QueryAudit(q AuditQuery) ([]AuditRow, error) {
	if q.Limit < 0 {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("QueryAudit: Limit must not be negative, got %d", q.Limit)}
	}
	if (q.Outcomes != nil && len(q.Outcomes) == 0) || (q.Reasons != nil && len(q.Reasons) == 0) {
		return []AuditRow{}, nil
	}
	for _, names := range [][]string{q.Outcomes, q.Reasons} {
		for _, n := range names {
			if n == "" || strings.ContainsAny(n, ", ") {
				return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("QueryAudit: %q is not a name such as LOGIN or REPLAYED", n)}
			}
		}
	}
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	c := capi.NewSsogate_audit_query()
	if c.Swigcptr() == 0 {
		return nil, &Error{Code: CodeOutOfMemory, Message: "allocating ssogate_audit_query failed"}
	}
	defer capi.DeleteSsogate_audit_query(c)
	defer c.Free_filters() // deferred after the delete, so it runs first
	for i, v := range []string{q.AccountID, q.Email, strings.Join(q.Outcomes, ","), strings.Join(q.Reasons, ",")} {
		if v != "" && c.Set_filter(i, v) != int(CodeOK) {
			return nil, &Error{Code: CodeOutOfMemory, Message: "copying an audit query filter failed"}
		}
	}
	c.SetAfter_seq(q.AfterSeq)
	c.SetBefore_seq(q.BeforeSeq)
	if !q.Since.IsZero() {
		c.SetSince(q.Since.Unix())
	}
	if !q.Until.IsZero() {
		c.SetUntil(q.Until.Unix())
	}
	if q.NewestFirst {
		c.SetNewest_first(1)
	}
	c.SetLimit(int64(q.Limit))
	var rows []AuditRow
	err = g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
		a := capi.Ssogate_gate_query_audit(h, c, e.h)
		if a.Swigcptr() == 0 {
			return e.failure("ssogate_gate_query_audit")
		}
		defer capi.Ssogate_audit_free(a)
		rows = readAuditRows(a)
		return nil
	})
	return rows, err
}

// ConfirmJoinMember is ConfirmJoin, returning the member it created (RoleMember, JoinedViaSSO, linked).
func (g *Gate) ConfirmJoinMember(joinToken string) (*Member, error) {
	return g.member("ssogate_gate_confirm_join_member", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_member {
		return capi.Ssogate_gate_confirm_join_member(h, joinToken, e)
	})
}

// FindMember returns the member email (any case) of the account, or nil with a nil error when the
// account has no such member (or is unknown).
func (g *Gate) FindMember(accountID, email string) (*Member, error) {
	m, err := g.member("ssogate_gate_find_member", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_member {
		return capi.Ssogate_gate_find_member(h, accountID, email, e)
	})
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return m, err
}

// ListMembers returns the account's members, ordered by email; ErrNotFound for an unknown account.
func (g *Gate) ListMembers(accountID string) ([]Member, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	var out []Member
	err = g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
		l := capi.Ssogate_gate_list_members(h, accountID, e.h)
		if l.Swigcptr() == 0 {
			return e.failure("ssogate_gate_list_members")
		}
		defer capi.Ssogate_member_list_free(l)
		n := capi.Ssogate_member_list_count(l)
		out = make([]Member, 0, n)
		for i := int64(0); i < n; i++ {
			out = append(out, readMember(capi.Ssogate_member_list_get(l, i)))
		}
		return nil
	})
	return out, err
}

// CheckStores makes one round trip to each of the gate's stores (directory, replay cache, pending
// requests) and writes nothing: ErrStoreUnavailable, naming the store and its address, when one does
// not answer. OpenGate does not connect to Redis; call this after opening to fail at start rather
// than at the first login.
func (g *Gate) CheckStores() error {
	return g.call("ssogate_gate_check_stores", func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) int {
		return capi.Ssogate_gate_check_stores(h, e)
	})
}

func (g *Gate) member(name string, f func(h capi.Struct_SS_ssogate_gate, e capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_member) (*Member, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	var out *Member
	err = g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
		m := f(h, e.h)
		if m.Swigcptr() == 0 {
			return e.failure(name)
		}
		defer capi.Ssogate_member_free(m)
		v := readMember(m)
		out = &v
		return nil
	})
	return out, err
}

func readMember(m capi.Struct_SS_ssogate_member) Member {
	out := Member{
		AccountID:   capi.Ssogate_member_account_id(m),
		Email:       capi.Ssogate_member_email(m),
		Role:        goRole(capi.Ssogate_member_role(m)),
		Status:      MemberStatus(capi.Ssogate_member_status(m)),
		HasPassword: capi.Ssogate_member_has_password(m) != 0,
		JoinedVia:   JoinedVia(capi.Ssogate_member_joined_via(m)),
		SSOLinked:   capi.Ssogate_member_sso_linked(m) != 0,
		CreatedAt:   time.Unix(capi.Ssogate_member_created_at(m), 0).UTC(),
	}
	if t := capi.Ssogate_member_last_sso_login(m); t != 0 {
		out.LastSSOLogin = time.Unix(t, 0).UTC()
	}
	return out
}

// goRole is the C ABI's role number as this package's Role (the least privileged for an unknown one).
func goRole(r int) Role {
	switch r {
	case int(capi.SSOGATE_ROLE_OWNER):
		return RoleOwner
	case int(capi.SSOGATE_ROLE_ADMIN):
		return RoleAdmin
	}
	return RoleMember
}

func readAuditRows(a capi.Struct_SS_ssogate_audit) []AuditRow {
	n := capi.Ssogate_audit_count(a)
	rows := make([]AuditRow, 0, n)
	for i := int64(0); i < n; i++ {
		rows = append(rows, AuditRow{
			Seq:          capi.Ssogate_audit_seq(a, i),
			Time:         time.Unix(capi.Ssogate_audit_time(a, i), 0).UTC(),
			AccountID:    capi.Ssogate_audit_account_id(a, i),
			ConnectionID: capi.Ssogate_audit_connection_id(a, i),
			Email:        capi.Ssogate_audit_email(a, i),
			Outcome:      capi.Ssogate_audit_outcome(a, i),
			Reason:       capi.Ssogate_audit_reason(a, i),
			Detail:       capi.Ssogate_audit_detail(a, i),
		})
	}
	return rows
}
