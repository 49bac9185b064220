package ssogate

// The directory a gate decides with: the library's own (OpenDirectory) or the host's, over
// ssogate_directory_callbacks (NewDirectoryFromStore). As for the replay and pending-request stores,
// SWIG cannot turn Go funcs into C function pointers, so this file calls the C ABI through cgo: the
// callbacks are Go functions exported in directory_export.go, user_data is a runtime/cgo.Handle to a
// hostDirectory, and records cross the ABI as JSON ("directory records, schema 1").

/*
#cgo pkg-config: ssogate
#include <stdint.h>
#include <stdlib.h>
#include <ssogate/ssogate.h>

// Defined in Go (directory_export.go); cgo spells *C.char without const.
extern int ssogateGoDirPutAccount(void *, char *, size_t);
extern int ssogateGoDirFindAccount(void *, char *, size_t, ssogate_json_out *);
extern int ssogateGoDirPutConnection(void *, char *, size_t);
extern int ssogateGoDirFindConnection(void *, char *, size_t, ssogate_json_out *);
extern int ssogateGoDirListConnections(void *, char *, size_t, ssogate_json_out *);
extern int ssogateGoDirRemoveConnection(void *, char *, size_t);
extern int ssogateGoDirPutMember(void *, char *, size_t);
extern int ssogateGoDirFindMember(void *, char *, size_t, char *, size_t, ssogate_json_out *);
extern int ssogateGoDirListMembers(void *, char *, size_t, ssogate_json_out *);
extern int ssogateGoDirPutInvite(void *, char *, size_t);
extern int ssogateGoDirFindInvite(void *, char *, size_t, char *, size_t, int64_t, ssogate_json_out *);
extern int ssogateGoDirRevokeInvite(void *, char *, size_t, char *, size_t);
extern int ssogateGoDirPutJoinToken(void *, char *, size_t);
extern int ssogateGoDirFindJoinToken(void *, char *, size_t, int64_t, ssogate_json_out *);
extern int ssogateGoDirReadAudit(void *, char *, size_t, int64_t, uint64_t, ssogate_json_out *);
extern int ssogateGoDirApply(void *, char *, size_t, ssogate_json_out *);
extern void ssogateGoDirFree(void *);

typedef int (*ssogate_go_put_fn)(void *, const char *, size_t);
typedef int (*ssogate_go_find_fn)(void *, const char *, size_t, ssogate_json_out *);
typedef int (*ssogate_go_remove_fn)(void *, const char *, size_t);
typedef int (*ssogate_go_find2_fn)(void *, const char *, size_t, const char *, size_t, ssogate_json_out *);

// Handles travel as integers so that no Go code converts a uintptr back to a pointer. Every field
// is set: the struct has no _init, and struct_size says which ones this build knows.
static uintptr_t ssogate_go_directory_new(uintptr_t handle, uintptr_t err) {
    ssogate_directory_callbacks cb;
    cb.struct_size = sizeof cb;
    cb.user_data = (void *)handle;
    cb.put_account = (ssogate_go_put_fn)ssogateGoDirPutAccount;
    cb.find_account = (ssogate_go_find_fn)ssogateGoDirFindAccount;
    cb.put_connection = (ssogate_go_put_fn)ssogateGoDirPutConnection;
    cb.find_connection = (ssogate_go_find_fn)ssogateGoDirFindConnection;
    cb.list_connections = (ssogate_go_find_fn)ssogateGoDirListConnections;
    cb.remove_connection = (ssogate_go_remove_fn)ssogateGoDirRemoveConnection;
    cb.put_member = (ssogate_go_put_fn)ssogateGoDirPutMember;
    cb.find_member = (ssogate_go_find2_fn)ssogateGoDirFindMember;
    cb.list_members = (ssogate_go_find_fn)ssogateGoDirListMembers;
    cb.put_invite = (ssogate_go_put_fn)ssogateGoDirPutInvite;
    cb.find_invite = (int (*)(void *, const char *, size_t, const char *, size_t, int64_t,
                              ssogate_json_out *))ssogateGoDirFindInvite;
    cb.revoke_invite = (int (*)(void *, const char *, size_t, const char *, size_t))ssogateGoDirRevokeInvite;
    cb.put_join_token = (ssogate_go_put_fn)ssogateGoDirPutJoinToken;
    cb.find_join_token = (int (*)(void *, const char *, size_t, int64_t, ssogate_json_out *))ssogateGoDirFindJoinToken;
    cb.read_audit = (int (*)(void *, const char *, size_t, int64_t, uint64_t, ssogate_json_out *))ssogateGoDirReadAudit;
    cb.apply = (ssogate_go_find_fn)ssogateGoDirApply;
    cb.free_user_data = ssogateGoDirFree;
    return (uintptr_t)ssogate_directory_new_callbacks(&cb, (ssogate_error *)err);
}
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime/cgo"
	"time"
	"unsafe"

	"ssogate.dev/ssogate/internal/capi"
)

// NormalizeEmail returns the form every directory keys an email by (and a domain's form), computed
// by the library itself (ssogate_email_normalize): ASCII A-Z lower-cased, every other byte
// unchanged. strings.ToLower would also fold other scripts, and then a host's directory and the gate
// would disagree about who is who. Emails the gate passes to a directory are already in this form;
// use it where your own code writes or looks up an email. It does not check the address.
func NormalizeEmail(email string) string {
	if email == "" {
		return ""
	}
	b := []byte(email) // a copy: the C function rewrites its buffer in place
	C.ssogate_email_normalize((*C.char)(unsafe.Pointer(unsafe.SliceData(b))), C.size_t(len(b)))
	return string(b)
}

// MemberStatus is a member's status in an account.
type MemberStatus int

const (
	MemberActive MemberStatus = 0
	// MemberDisabled: disabled by an admin; refused through SSO and with a password.
	MemberDisabled MemberStatus = 1
)

// JoinedVia is how a member joined the account.
type JoinedVia int

const (
	// JoinedViaPassword: with a password, before SSO was set up (keeps password login in Mixed mode).
	JoinedViaPassword JoinedVia = 0
	// JoinedViaSSO: through SSO (an invite or Just-in-Time); SSO only.
	JoinedViaSSO JoinedVia = 1
)

// Account is an account (a customer of the host's product) and its SSO settings, as a Directory
// keeps it.
type Account struct {
	ID      string
	Name    string
	SSOMode SSOMode
	// VerifiedDomains are the account's email domains, lower-case.
	VerifiedDomains []string
	// BreakGlass are member emails (lower-case) that keep password login under enforcement.
	BreakGlass []string
	// Revision moves forward at every change to the account or its members; UpdateAccount compares
	// it. Read from the store (PutAccount ignores it).
	Revision int64
}

// ConnectionRecord is a saved connection.
type ConnectionRecord struct {
	ID        string
	AccountID string
	// JSON is the connection's JSON (Connection.ToJSON), kept verbatim.
	JSON    string
	Enabled bool
}

// Member is a member of an account; (AccountID, Email) is its key.
type Member struct {
	AccountID string
	Email     string // lower-case
	Role      Role
	Status    MemberStatus
	// HasPassword: the member had a password before SSO (kept in Mixed mode).
	HasPassword bool
	JoinedVia   JoinedVia
	SSOLinked   bool
	// LastSSOLogin is the zero Time when the member never logged in through SSO.
	LastSSOLogin time.Time
	CreatedAt    time.Time
}

// InviteRecord is a pending invite as a Directory stores it: at most one per (AccountID, Email),
// Token unique. (Invite is what Gate.Invite returns to the host.)
type InviteRecord struct {
	AccountID string
	Email     string // lower-case
	Role      Role
	Token     string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// JoinToken is issued with a GateOutcomePromptJoin; Gate.ConfirmJoin redeems it once.
type JoinToken struct {
	Token        string
	AccountID    string
	ConnectionID string
	Email        string // lower-case
	ExpiresAt    time.Time
}

// Directory is the host's own directory: accounts, connections, members, invites, join tokens and
// the append-only audit log, kept in the host's database, with ssogate's policy deciding over them.
// Give it to NewDirectoryFromStore, then NewGate. MemoryDirectory is the reference implementation.
//
// The rules, which are the library's (the same as for its memory and SQLite directories):
//
//   - "Absent" is a nil record (or an empty list) with a nil error, and only when the store knows it
//     is absent. When the store cannot answer, return any error (or panic): the call fails with
//     ErrStoreUnavailable and a login is refused, never let through.
//   - Where a method's comment says so, return ErrNotFound or ErrStoreConflict (errors.Is matches
//     them, so wrapping with %w is fine). Elsewhere they too mean "could not answer".
//   - Emails and domains arrive normalised (NormalizeEmail: ASCII A-Z lower-cased); keep and compare
//     them as they come, and put emails your own code writes (an admin screen, an import) through
//     NormalizeEmail.
//   - Times are whole seconds; a zero Time means "never" (Member.LastSSOLogin).
//   - A record that breaks the schema (a Role out of range, a member for another email than asked)
//     fails the call with ErrStoreCorrupt.
//   - Methods are called from any goroutine, several at once.
//   - Every write with effects arrives through Apply: operations the library computed (the member
//     row, the invite or join token to consume, the audit row), each with a precondition, applied in
//     order in ONE transaction of the host's store. The directory only stores; it holds no
//     membership rule. CheckDirectoryContract checks a directory against these rules.
type Directory interface {
	// PutAccount inserts or replaces the account (settings such as the SSO mode change through it).
	PutAccount(a Account) error
	// FindAccount returns the account, or nil.
	FindAccount(id string) (*Account, error)

	// PutConnection inserts or replaces the connection; ErrNotFound when its account does not exist.
	PutConnection(c ConnectionRecord) error
	// FindConnection returns the connection, or nil.
	FindConnection(id string) (*ConnectionRecord, error)
	// ListConnections returns the account's connections ordered by ID.
	ListConnections(accountID string) ([]ConnectionRecord, error)
	// RemoveConnection deletes the connection; ErrNotFound when there is none.
	RemoveConnection(id string) error

	// PutMember inserts or replaces the member (admin edits); ErrNotFound when its account does not
	// exist.
	PutMember(m Member) error
	// FindMember returns the member (accountID, email), or nil.
	FindMember(accountID, email string) (*Member, error)
	// ListMembers returns the account's members ordered by email.
	ListMembers(accountID string) ([]Member, error)

	// PutInvite inserts or replaces the invite of (AccountID, Email); ErrNotFound when the account
	// does not exist.
	PutInvite(i InviteRecord) error
	// FindInvite returns the invite of (accountID, email) if it is unexpired (ExpiresAt after now),
	// or nil.
	FindInvite(accountID, email string, now time.Time) (*InviteRecord, error)
	// RevokeInvite deletes the invite of (accountID, email); ErrNotFound when there is none.
	RevokeInvite(accountID, email string) error

	// PutJoinToken stores a new join token; ErrStoreConflict when one with this Token exists.
	PutJoinToken(t JoinToken) error
	// FindJoinToken returns the token if it is known, unused and unexpired (ExpiresAt after now), or
	// nil. It consumes nothing: ConfirmJoin reads it to decide again before redeeming it.
	FindJoinToken(token string, now time.Time) (*JoinToken, error)

	// ReadAudit returns rows with Seq > afterSeq, oldest first, at most limit; accountID "" means
	// every account.
	ReadAudit(accountID string, afterSeq int64, limit int) ([]AuditRow, error)

	// Apply applies the operations in order, in ONE transaction: each sees the effect of the earlier
	// ones; the first whose precondition does not hold returns its ErrNotFound / ErrStoreConflict,
	// and then nothing of the change may remain (an invite taken or a row appended earlier in the
	// same change included). It returns the Seq given to each AppendAudit row, in order: above 0 and
	// above every earlier row's. The audit log grows only through Apply.
	Apply(change []Operation) (seqs []int64, err error)
}

// Operation is one storage operation of a change (Directory.Apply): TakeInvite, TakeJoinToken,
// InsertMember, UpdateMember, AppendAudit, UpdateAccount or RemoveMember.
type Operation interface{ operation() }

// TakeInvite deletes the invite of (AccountID, Email) if it exists, its Token is Token and ExpiresAt
// is after Now; otherwise the change fails with ErrNotFound.
type TakeInvite struct {
	AccountID, Email, Token string
	Now                     time.Time
}

// TakeJoinToken deletes the join token if it exists and ExpiresAt is after Now; otherwise
// ErrNotFound.
type TakeJoinToken struct {
	Token string
	Now   time.Time
}

// InsertMember inserts the member: ErrNotFound when its account does not exist (checked first),
// ErrStoreConflict when the member exists.
type InsertMember struct{ Member Member }

// UpdateMember replaces the member with After only if the stored row equals Before in every field
// (a compare-and-swap: another writer's change is never overwritten): ErrNotFound when there is no
// such member, ErrStoreConflict when the stored row differs.
type UpdateMember struct{ Before, After Member }

// AppendAudit appends the row (its Seq is 0) under the next sequence number. No precondition.
type AppendAudit struct{ Entry AuditRow }

// UpdateAccount replaces the account with After only if its stored Revision still equals
// Before.Revision (a compare-and-swap): ErrNotFound when there is no such account, ErrStoreConflict
// when the revision moved. After.Revision is Before.Revision + 1; store it. After may equal Before but
// for the revision: the change then proves that nothing moved since the read. InsertMember,
// UpdateMember and RemoveMember move their account's Revision forward (+1) in the same transaction:
// that is what serialises the lockout guard against member changes made by other processes or nodes.
type UpdateAccount struct{ Before, After Account }

// RemoveMember deletes the member only if the stored row equals Before in every field: ErrNotFound
// when there is no such member, ErrStoreConflict when the stored row differs. It moves the account's
// Revision forward.
type RemoveMember struct{ Before Member }

func (TakeInvite) operation()    {}
func (TakeJoinToken) operation() {}
func (InsertMember) operation()  {}
func (UpdateMember) operation()  {}
func (AppendAudit) operation()   {}
func (UpdateAccount) operation() {}
func (RemoveMember) operation()  {}

// DirectoryHandle is a directory the library can use: one of its own (OpenDirectory) or the host's
// (NewDirectoryFromStore). Give it to NewGate, which shares it: Close the handle whenever it suits,
// gates made over it keep the directory. Safe for concurrent use.
type DirectoryHandle struct {
	ref *ref[capi.Struct_SS_ssogate_directory]
}

// OpenDirectory opens one of the library's directories: "memory:" (this process; tests) or
// "sqlite:PATH" (one file, WAL). Anything else gives ErrStoreLocation, "redis://..." included: the
// directory is the durable record and needs transactions, so it is never in Redis.
func OpenDirectory(location string) (*DirectoryHandle, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	h := capi.Ssogate_directory_open(location, e.h)
	if h.Swigcptr() == 0 {
		return nil, e.failure("ssogate_directory_open")
	}
	return &DirectoryHandle{ref: newRef(h, capi.Ssogate_directory_free)}, nil
}

// NewDirectoryFromStore makes a directory over the host's own. The library keeps d until the handle
// and every gate made over it are closed.
func NewDirectoryFromStore(d Directory) (*DirectoryHandle, error) {
	if d == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "NewDirectoryFromStore: the directory is nil"}
	}
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	handle := cgo.NewHandle(hostDirectory{d})
	p := C.ssogate_go_directory_new(C.uintptr_t(handle), C.uintptr_t(e.h.Swigcptr()))
	if p == 0 {
		handle.Delete() // not taken over: the library calls free_user_data only for a directory it made
		return nil, e.failure("ssogate_directory_new_callbacks")
	}
	h := capi.SwigcptrStruct_SS_ssogate_directory(uintptr(p))
	return &DirectoryHandle{ref: newRef[capi.Struct_SS_ssogate_directory](h, capi.Ssogate_directory_free)}, nil
}

// Close releases this handle; gates made over the directory keep it. Safe to call more than once.
func (d *DirectoryHandle) Close() error {
	d.ref.close()
	return nil
}

// ---- records as JSON ("directory records, schema 1"), the form they cross the C ABI in ----

// The enum names of the schema. A value outside an enum is sent under a name the library does not
// know, so that it refuses the record naming the field (ErrStoreCorrupt) instead of the binding
// guessing.
func ssoModeName(m SSOMode) string {
	switch m {
	case SSOModeMixed:
		return "mixed"
	case SSOModeEnforced:
		return "enforced"
	}
	return fmt.Sprintf("SSOMode(%d)", int(m))
}

func roleName(r Role) string {
	switch r {
	case RoleOwner:
		return "owner"
	case RoleAdmin:
		return "admin"
	case RoleMember:
		return "member"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

func statusName(s MemberStatus) string {
	switch s {
	case MemberActive:
		return "active"
	case MemberDisabled:
		return "disabled"
	}
	return fmt.Sprintf("MemberStatus(%d)", int(s))
}

func joinedViaName(v JoinedVia) string {
	switch v {
	case JoinedViaPassword:
		return "password"
	case JoinedViaSSO:
		return "sso"
	}
	return fmt.Sprintf("JoinedVia(%d)", int(v))
}

// parseName finds name among names (indexed by the enum's value).
// parseRole reads a record's "role" by name (the schema's names, not any numbering).
func parseRole(name string) (Role, error) {
	for _, r := range []Role{RoleMember, RoleAdmin, RoleOwner} {
		if roleName(r) == name {
			return r, nil
		}
	}
	return RoleMember, fmt.Errorf("the library sent %q as role; this binding knows owner, admin and member", name)
}

func parseName(field, name string, names ...string) (int, error) {
	for i, n := range names {
		if n == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("the library sent %q as %s; this binding knows %v", name, field, names)
}

// unix is the schema's form of a time: Unix seconds, 0 for the zero Time ("never").
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// fromUnix reverses unix.
func timeOrZero(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// strings never marshals as null: the schema wants an array.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type accountJSON struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	SSOMode         string   `json:"sso_mode"`
	VerifiedDomains []string `json:"verified_domains"`
	BreakGlass      []string `json:"break_glass"`
	Revision        int64    `json:"revision"`
}

func accountOut(a Account) accountJSON {
	return accountJSON{ID: a.ID, Name: a.Name, SSOMode: ssoModeName(a.SSOMode),
		VerifiedDomains: nonNil(a.VerifiedDomains), BreakGlass: nonNil(a.BreakGlass), Revision: a.Revision}
}

func (w accountJSON) record() (Account, error) {
	mode, err := parseName("sso_mode", w.SSOMode, "mixed", "enforced")
	return Account{ID: w.ID, Name: w.Name, SSOMode: SSOMode(mode), VerifiedDomains: w.VerifiedDomains,
		BreakGlass: w.BreakGlass, Revision: w.Revision}, err
}

type connectionJSON struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	JSON      string `json:"json"`
	Enabled   bool   `json:"enabled"`
}

func connectionOut(c ConnectionRecord) connectionJSON {
	return connectionJSON(c)
}

func (w connectionJSON) record() (ConnectionRecord, error) { return ConnectionRecord(w), nil }

type memberJSON struct {
	AccountID    string `json:"account_id"`
	Email        string `json:"email"`
	Role         string `json:"role"`
	Status       string `json:"status"`
	HasPassword  bool   `json:"has_password"`
	JoinedVia    string `json:"joined_via"`
	SSOLinked    bool   `json:"sso_linked"`
	LastSSOLogin int64  `json:"last_sso_login"`
	CreatedAt    int64  `json:"created_at"`
}

func memberOut(m Member) memberJSON {
	return memberJSON{AccountID: m.AccountID, Email: m.Email, Role: roleName(m.Role), Status: statusName(m.Status),
		HasPassword: m.HasPassword, JoinedVia: joinedViaName(m.JoinedVia), SSOLinked: m.SSOLinked,
		LastSSOLogin: unixOrZero(m.LastSSOLogin), CreatedAt: unixOrZero(m.CreatedAt)}
}

func (w memberJSON) record() (Member, error) {
	role, err1 := parseRole(w.Role)
	status, err2 := parseName("status", w.Status, "active", "disabled")
	via, err3 := parseName("joined_via", w.JoinedVia, "password", "sso")
	m := Member{AccountID: w.AccountID, Email: w.Email, Role: role, Status: MemberStatus(status),
		HasPassword: w.HasPassword, JoinedVia: JoinedVia(via), SSOLinked: w.SSOLinked,
		LastSSOLogin: timeOrZero(w.LastSSOLogin), CreatedAt: timeOrZero(w.CreatedAt)}
	return m, firstError(err1, err2, err3)
}

type inviteJSON struct {
	AccountID string `json:"account_id"`
	Email     string `json:"email"`
	Role      string `json:"role"`
	Token     string `json:"token"`
	CreatedAt int64  `json:"created_at"`
	ExpiresAt int64  `json:"expires_at"`
}

func inviteOut(i InviteRecord) inviteJSON {
	return inviteJSON{AccountID: i.AccountID, Email: i.Email, Role: roleName(i.Role), Token: i.Token,
		CreatedAt: unixOrZero(i.CreatedAt), ExpiresAt: unixOrZero(i.ExpiresAt)}
}

func (w inviteJSON) record() (InviteRecord, error) {
	role, err := parseRole(w.Role)
	return InviteRecord{AccountID: w.AccountID, Email: w.Email, Role: role, Token: w.Token,
		CreatedAt: timeOrZero(w.CreatedAt), ExpiresAt: timeOrZero(w.ExpiresAt)}, err
}

type joinTokenJSON struct {
	Token        string `json:"token"`
	AccountID    string `json:"account_id"`
	ConnectionID string `json:"connection_id"`
	Email        string `json:"email"`
	ExpiresAt    int64  `json:"expires_at"`
}

func joinTokenOut(t JoinToken) joinTokenJSON {
	return joinTokenJSON{Token: t.Token, AccountID: t.AccountID, ConnectionID: t.ConnectionID, Email: t.Email,
		ExpiresAt: unixOrZero(t.ExpiresAt)}
}

func (w joinTokenJSON) record() (JoinToken, error) {
	return JoinToken{Token: w.Token, AccountID: w.AccountID, ConnectionID: w.ConnectionID, Email: w.Email,
		ExpiresAt: timeOrZero(w.ExpiresAt)}, nil
}

type auditJSON struct {
	Seq          int64  `json:"seq"`
	Time         int64  `json:"time"`
	AccountID    string `json:"account_id"`
	ConnectionID string `json:"connection_id"`
	Email        string `json:"email"`
	Outcome      string `json:"outcome"`
	Reason       string `json:"reason"`
	Detail       string `json:"detail"`
}

func auditOut(r AuditRow) auditJSON {
	return auditJSON{Seq: r.Seq, Time: unixOrZero(r.Time), AccountID: r.AccountID, ConnectionID: r.ConnectionID,
		Email: r.Email, Outcome: r.Outcome, Reason: r.Reason, Detail: r.Detail}
}

func (w auditJSON) record() (AuditRow, error) {
	return AuditRow{Seq: w.Seq, Time: timeOrZero(w.Time), AccountID: w.AccountID, ConnectionID: w.ConnectionID,
		Email: w.Email, Outcome: w.Outcome, Reason: w.Reason, Detail: w.Detail}, nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// wire is a record's JSON form, which can turn back into the record.
type wire[T any] interface{ record() (T, error) }

// decode reads one record the library sent.
func decodeRecord[T any, W wire[T]](data []byte) (T, error) {
	var w W
	if err := json.Unmarshal(data, &w); err != nil {
		var zero T
		return zero, err
	}
	return w.record()
}

// one is a find's answer: nil (no record: the callback leaves its out parameter alone) or the
// record's JSON.
func oneJSON[T, W any](r *T, err error, out func(T) W) ([]byte, error) {
	if err != nil || r == nil {
		return nil, err
	}
	return json.Marshal(out(*r))
}

// many is a list's answer, always a JSON array.
func manyJSON[T, W any](rs []T, err error, out func(T) W) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	ws := make([]W, 0, len(rs))
	for _, r := range rs {
		ws = append(ws, out(r))
	}
	return json.Marshal(ws)
}

// hostDirectory translates between the callbacks' JSON and the host's Directory. Each method
// returns the JSON to answer with (nil for none) and the host's error.
type hostDirectory struct{ d Directory }

func (h hostDirectory) putAccount(data []byte) error {
	a, err := decodeRecord[Account, accountJSON](data)
	if err != nil {
		return err
	}
	return h.d.PutAccount(a)
}

func (h hostDirectory) findAccount(id string) ([]byte, error) {
	a, err := h.d.FindAccount(id)
	return oneJSON(a, err, accountOut)
}

func (h hostDirectory) putConnection(data []byte) error {
	c, err := decodeRecord[ConnectionRecord, connectionJSON](data)
	if err != nil {
		return err
	}
	return h.d.PutConnection(c)
}

func (h hostDirectory) findConnection(id string) ([]byte, error) {
	c, err := h.d.FindConnection(id)
	return oneJSON(c, err, connectionOut)
}

func (h hostDirectory) listConnections(accountID string) ([]byte, error) {
	cs, err := h.d.ListConnections(accountID)
	return manyJSON(cs, err, connectionOut)
}

func (h hostDirectory) putMember(data []byte) error {
	m, err := decodeRecord[Member, memberJSON](data)
	if err != nil {
		return err
	}
	return h.d.PutMember(m)
}

func (h hostDirectory) findMember(accountID, email string) ([]byte, error) {
	m, err := h.d.FindMember(accountID, email)
	return oneJSON(m, err, memberOut)
}

func (h hostDirectory) listMembers(accountID string) ([]byte, error) {
	ms, err := h.d.ListMembers(accountID)
	return manyJSON(ms, err, memberOut)
}

func (h hostDirectory) putInvite(data []byte) error {
	i, err := decodeRecord[InviteRecord, inviteJSON](data)
	if err != nil {
		return err
	}
	return h.d.PutInvite(i)
}

func (h hostDirectory) findInvite(accountID, email string, now time.Time) ([]byte, error) {
	i, err := h.d.FindInvite(accountID, email, now)
	return oneJSON(i, err, inviteOut)
}

func (h hostDirectory) putJoinToken(data []byte) error {
	t, err := decodeRecord[JoinToken, joinTokenJSON](data)
	if err != nil {
		return err
	}
	return h.d.PutJoinToken(t)
}

func (h hostDirectory) findJoinToken(token string, now time.Time) ([]byte, error) {
	t, err := h.d.FindJoinToken(token, now)
	return oneJSON(t, err, joinTokenOut)
}

func (h hostDirectory) readAudit(accountID string, afterSeq int64, limit uint64) ([]byte, error) {
	n := int(^uint(0) >> 1) // the library asks for "all" with a huge limit; cap it at the largest int
	if limit < uint64(n) {
		n = int(limit)
	}
	rows, err := h.d.ReadAudit(accountID, afterSeq, n)
	return manyJSON(rows, err, auditOut)
}

// opJSON is one operation of a "directory change, schema 1" as the library sends it.
type opJSON struct {
	Op        string          `json:"op"`
	AccountID string          `json:"account_id"`
	Email     string          `json:"email"`
	Token     string          `json:"token"`
	Now       int64           `json:"now"`
	Member    json.RawMessage `json:"member"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	Entry     json.RawMessage `json:"entry"`
}

func (w opJSON) operation() (Operation, error) {
	now := time.Unix(w.Now, 0).UTC()
	switch w.Op {
	case "take_invite":
		return TakeInvite{AccountID: w.AccountID, Email: w.Email, Token: w.Token, Now: now}, nil
	case "take_join_token":
		return TakeJoinToken{Token: w.Token, Now: now}, nil
	case "insert_member":
		m, err := decodeRecord[Member, memberJSON](w.Member)
		return InsertMember{Member: m}, err
	case "update_member":
		before, err1 := decodeRecord[Member, memberJSON](w.Before)
		after, err2 := decodeRecord[Member, memberJSON](w.After)
		return UpdateMember{Before: before, After: after}, firstError(err1, err2)
	case "append_audit":
		row, err := decodeRecord[AuditRow, auditJSON](w.Entry)
		return AppendAudit{Entry: row}, err
	case "update_account":
		before, err1 := decodeRecord[Account, accountJSON](w.Before)
		after, err2 := decodeRecord[Account, accountJSON](w.After)
		return UpdateAccount{Before: before, After: after}, firstError(err1, err2)
	case "remove_member":
		before, err := decodeRecord[Member, memberJSON](w.Before)
		return RemoveMember{Before: before}, err
	}
	return nil, fmt.Errorf("the library sent a directory operation this binding does not know: %q", w.Op)
}

func (h hostDirectory) apply(data []byte) ([]byte, error) {
	var ops []opJSON
	if err := json.Unmarshal(data, &ops); err != nil {
		return nil, err
	}
	change := make([]Operation, 0, len(ops))
	for _, w := range ops {
		op, err := w.operation()
		if err != nil {
			return nil, err
		}
		change = append(change, op)
	}
	seqs, err := h.d.Apply(change)
	if err != nil {
		return nil, err
	}
	if seqs == nil {
		seqs = []int64{}
	}
	return json.Marshal(seqs)
}
