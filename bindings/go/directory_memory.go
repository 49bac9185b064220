package ssogate

import (
	"fmt"
	"maps"
	"sort"
	"sync"
	"time"
)

// MemoryDirectory is a Directory in this process's memory: the reference implementation to copy
// when writing one over your own database. The zero value is not ready; use NewMemoryDirectory.
//
// The transaction rule: one mutex makes every method atomic, and Apply puts the maps back as they
// were when an operation fails, which is the all-or-nothing a database transaction gives. In your
// database, Apply is BEGIN, one statement per operation (each precondition a WHERE clause: DELETE
// ... WHERE token = ? AND expires_at > ?, UPDATE members SET ... WHERE <every column> = <Before>, the
// row count telling whether it held), and COMMIT, or ROLLBACK at the first that did not hold.
type MemoryDirectory struct {
	mu          sync.Mutex
	accounts    map[string]Account
	connections map[string]ConnectionRecord
	members     map[memberKey]Member
	invites     map[memberKey]InviteRecord
	joinTokens  map[string]JoinToken
	audit       []AuditRow
}

// memberKey is the key of a member and of an invite: (account, NormalizeEmail(email)).
type memberKey struct{ account, email string }

// NewMemoryDirectory makes an empty directory.
func NewMemoryDirectory() *MemoryDirectory {
	return &MemoryDirectory{
		accounts:    map[string]Account{},
		connections: map[string]ConnectionRecord{},
		members:     map[memberKey]Member{},
		invites:     map[memberKey]InviteRecord{},
		joinTokens:  map[string]JoinToken{},
	}
}

func normalizeAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = NormalizeEmail(v)
	}
	return out
}

func memberKeyOf(accountID, email string) memberKey {
	return memberKey{accountID, NormalizeEmail(email)}
}

// notFound and conflict wrap the sentinels with a message for the operator.
func notFoundf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotFound, fmt.Sprintf(format, args...))
}

func conflictf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrStoreConflict, fmt.Sprintf(format, args...))
}

// requireAccount: callers hold mu.
func (d *MemoryDirectory) requireAccount(id string) error {
	if _, ok := d.accounts[id]; !ok {
		return notFoundf("no account with id %q", id)
	}
	return nil
}

// appendLocked gives the row the next sequence number: callers hold mu.
func (d *MemoryDirectory) appendLocked(row AuditRow) int64 {
	row.Seq = int64(len(d.audit)) + 1
	row.Email = NormalizeEmail(row.Email)
	d.audit = append(d.audit, row)
	return row.Seq
}

// PutAccount implements Directory.
func (d *MemoryDirectory) PutAccount(a Account) error {
	a.VerifiedDomains = normalizeAll(a.VerifiedDomains)
	a.BreakGlass = normalizeAll(a.BreakGlass)
	d.mu.Lock()
	defer d.mu.Unlock()
	a.Revision = 0
	if stored, ok := d.accounts[a.ID]; ok {
		a.Revision = stored.Revision + 1
	}
	d.accounts[a.ID] = a
	return nil
}

// bumpLocked moves the account's revision forward after a member change: callers hold mu.
func (d *MemoryDirectory) bumpLocked(accountID string) {
	if a, ok := d.accounts[accountID]; ok {
		a.Revision++
		d.accounts[accountID] = a
	}
}

// FindAccount implements Directory.
func (d *MemoryDirectory) FindAccount(id string) (*Account, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.accounts[id]
	if !ok {
		return nil, nil
	}
	// The slices are the directory's: hand out copies.
	a.VerifiedDomains = append([]string(nil), a.VerifiedDomains...)
	a.BreakGlass = append([]string(nil), a.BreakGlass...)
	return &a, nil
}

// PutConnection implements Directory.
func (d *MemoryDirectory) PutConnection(c ConnectionRecord) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.requireAccount(c.AccountID); err != nil {
		return err
	}
	d.connections[c.ID] = c
	return nil
}

// FindConnection implements Directory.
func (d *MemoryDirectory) FindConnection(id string) (*ConnectionRecord, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.connections[id]
	if !ok {
		return nil, nil
	}
	return &c, nil
}

// ListConnections implements Directory.
func (d *MemoryDirectory) ListConnections(accountID string) ([]ConnectionRecord, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []ConnectionRecord
	for _, c := range d.connections {
		if c.AccountID == accountID {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// RemoveConnection implements Directory.
func (d *MemoryDirectory) RemoveConnection(id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.connections[id]; !ok {
		return notFoundf("no connection with id %q", id)
	}
	delete(d.connections, id)
	return nil
}

// PutMember implements Directory.
func (d *MemoryDirectory) PutMember(m Member) error {
	m.Email = NormalizeEmail(m.Email)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.requireAccount(m.AccountID); err != nil {
		return err
	}
	d.members[memberKeyOf(m.AccountID, m.Email)] = m
	return nil
}

// FindMember implements Directory.
func (d *MemoryDirectory) FindMember(accountID, email string) (*Member, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	m, ok := d.members[memberKeyOf(accountID, email)]
	if !ok {
		return nil, nil
	}
	return &m, nil
}

// ListMembers implements Directory.
func (d *MemoryDirectory) ListMembers(accountID string) ([]Member, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Member
	for k, m := range d.members {
		if k.account == accountID {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return out, nil
}

// PutInvite implements Directory. A token already used by another email's invite is refused (the
// library draws 256 random bits per token, so this guards against a broken caller, not chance; the
// C ABI has no conflict answer for put_invite, so it reaches the library as "could not answer").
func (d *MemoryDirectory) PutInvite(i InviteRecord) error {
	i.Email = NormalizeEmail(i.Email)
	k := memberKeyOf(i.AccountID, i.Email)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.requireAccount(i.AccountID); err != nil {
		return err
	}
	for other, inv := range d.invites {
		if inv.Token == i.Token && other != k {
			return conflictf("an invite with this token already exists for another email")
		}
	}
	d.invites[k] = i
	return nil
}

// FindInvite implements Directory.
func (d *MemoryDirectory) FindInvite(accountID, email string, now time.Time) (*InviteRecord, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.invites[memberKeyOf(accountID, email)]
	if !ok || !i.ExpiresAt.After(now) {
		return nil, nil
	}
	return &i, nil
}

// RevokeInvite implements Directory.
func (d *MemoryDirectory) RevokeInvite(accountID, email string) error {
	k := memberKeyOf(accountID, email)
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.invites[k]; !ok {
		return notFoundf("no invite for %s in account %s", k.email, accountID)
	}
	delete(d.invites, k)
	return nil
}

// PutJoinToken implements Directory.
func (d *MemoryDirectory) PutJoinToken(t JoinToken) error {
	t.Email = NormalizeEmail(t.Email)
	d.mu.Lock()
	defer d.mu.Unlock()
	// One transaction (or a unique key on the token): the check and the insert.
	if _, ok := d.joinTokens[t.Token]; ok {
		return conflictf("this join token already exists")
	}
	d.joinTokens[t.Token] = t
	return nil
}

// FindJoinToken implements Directory.
func (d *MemoryDirectory) FindJoinToken(token string, now time.Time) (*JoinToken, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.joinTokens[token]
	if !ok || !t.ExpiresAt.After(now) {
		return nil, nil
	}
	return &t, nil
}

// ReadAudit implements Directory.
func (d *MemoryDirectory) ReadAudit(accountID string, afterSeq int64, limit int) ([]AuditRow, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []AuditRow
	for _, r := range d.audit {
		if len(out) >= limit {
			break
		}
		if r.Seq > afterSeq && (accountID == "" || r.AccountID == accountID) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Apply implements Directory: the operations in order under the mutex, the maps put back when one
// fails.
func (d *MemoryDirectory) Apply(change []Operation) ([]int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	invites, tokens, members, audit := maps.Clone(d.invites), maps.Clone(d.joinTokens), maps.Clone(d.members), len(d.audit)
	accounts := maps.Clone(d.accounts)
	var seqs []int64
	for _, op := range change {
		seq, err := d.applyLocked(op)
		if err != nil {
			d.invites, d.joinTokens, d.members, d.audit = invites, tokens, members, d.audit[:audit]
			d.accounts = accounts
			return nil, err
		}
		if seq != 0 {
			seqs = append(seqs, seq)
		}
	}
	return seqs, nil
}

// applyLocked applies one operation and returns the seq of an appended row (else 0): callers hold mu.
func (d *MemoryDirectory) applyLocked(op Operation) (int64, error) {
	switch o := op.(type) {
	case TakeInvite:
		k := memberKeyOf(o.AccountID, o.Email)
		inv, ok := d.invites[k]
		if !ok || inv.Token != o.Token || !inv.ExpiresAt.After(o.Now) {
			return 0, notFoundf("no pending invite for %s in account %s", k.email, o.AccountID)
		}
		delete(d.invites, k)
	case TakeJoinToken:
		t, ok := d.joinTokens[o.Token]
		if !ok || !t.ExpiresAt.After(o.Now) {
			return 0, notFoundf("the join token is unknown, already used or expired")
		}
		delete(d.joinTokens, o.Token)
	case InsertMember:
		m := o.Member
		m.Email = NormalizeEmail(m.Email)
		if err := d.requireAccount(m.AccountID); err != nil {
			return 0, err
		}
		k := memberKeyOf(m.AccountID, m.Email)
		if _, exists := d.members[k]; exists {
			return 0, conflictf("%s is already a member of account %s", m.Email, m.AccountID)
		}
		d.members[k] = m
		d.bumpLocked(m.AccountID)
	case UpdateMember:
		k := memberKeyOf(o.Before.AccountID, o.Before.Email)
		stored, ok := d.members[k]
		if !ok {
			return 0, notFoundf("no member %s in account %s", k.email, k.account)
		}
		before := o.Before
		before.Email = k.email
		if !sameMember(stored, before) {
			return 0, conflictf("the member %s in account %s changed since it was read", k.email, k.account)
		}
		after := o.After
		after.Email = k.email
		d.members[k] = after
		d.bumpLocked(k.account)
	case RemoveMember:
		k := memberKeyOf(o.Before.AccountID, o.Before.Email)
		stored, ok := d.members[k]
		if !ok {
			return 0, notFoundf("no member %s in account %s", k.email, k.account)
		}
		before := o.Before
		before.Email = k.email
		if !sameMember(stored, before) {
			return 0, conflictf("the member %s in account %s changed since it was read", k.email, k.account)
		}
		delete(d.members, k)
		d.bumpLocked(k.account)
	case UpdateAccount:
		stored, ok := d.accounts[o.Before.ID]
		if !ok {
			return 0, notFoundf("no account with id %q", o.Before.ID)
		}
		if stored.Revision != o.Before.Revision {
			return 0, conflictf("the account %s or one of its members changed since it was read", o.Before.ID)
		}
		after := o.After
		after.VerifiedDomains = normalizeAll(after.VerifiedDomains)
		after.BreakGlass = normalizeAll(after.BreakGlass)
		after.Revision = stored.Revision + 1
		d.accounts[stored.ID] = after
	case AppendAudit:
		return d.appendLocked(o.Entry), nil
	default:
		return 0, fmt.Errorf("unknown directory operation %T", op)
	}
	return 0, nil
}

// sameMember compares every field; times by instant (a Time's location is not part of the row).
func sameMember(a, b Member) bool {
	return a.AccountID == b.AccountID && a.Email == b.Email && a.Role == b.Role && a.Status == b.Status &&
		a.HasPassword == b.HasPassword && a.JoinedVia == b.JoinedVia && a.SSOLinked == b.SSOLinked &&
		a.LastSSOLogin.Equal(b.LastSSOLogin) && a.CreatedAt.Equal(b.CreatedAt)
}
