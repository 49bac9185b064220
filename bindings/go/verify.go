package ssogate

import (
	"strconv"
	"strings"
	"time"

	"ssogate.dev/ssogate/internal/capi"
)

// ReplayCacheOptions are the optional settings of a replay cache; the zero value is the default.
type ReplayCacheOptions struct {
	// Now freezes the clock that decides when a remembered assertion ID has expired and may be
	// forgotten; zero means the system clock. Tests that verify with a frozen VerifyOptions.Now set
	// it too, or an old test response would be forgotten at once and its replay not recognised.
	Now time.Time
	// MaxEntries bounds the live entries in all (default 1,000,000), in memory, SQLite and Redis alike;
	// beyond it logins are refused (ErrStoreUnavailable) rather than live entries forgotten.
	MaxEntries uint64
	// MaxEntriesPerConnection bounds the live entries of one connection (default a tenth of
	// MaxEntries), so that one connection's flood refuses only that connection's logins.
	MaxEntriesPerConnection uint64
}

// ReplayCache remembers assertion IDs until they expire, so that a SAMLResponse cannot be posted
// twice. It is safe for concurrent use; make one per process (memory) or share one store between
// processes (SQLite) or nodes (Redis). A cache that cannot answer makes Verify refuse the login
// with ErrStoreUnavailable. Close releases it (a finalizer does so otherwise).
type ReplayCache struct {
	ref *ref[capi.Struct_SS_ssogate_replay_cache]
}

// NewMemoryReplayCache makes an in-memory cache for this process.
func NewMemoryReplayCache(opts ReplayCacheOptions) (*ReplayCache, error) {
	return newReplayCache("ssogate_replay_cache_new_memory", opts,
		func(o capi.Ssogate_replay_cache_options, e capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_replay_cache {
			return capi.Ssogate_replay_cache_new_memory(o, e)
		})
}

// OpenReplayCache opens a cache at "memory:", "sqlite:PATH", "postgresql://..." or
// "redis://[USER:PASSWORD@]HOST:PORT[/DB]". A malformed location gives ErrStoreLocation; a Redis server
// that is down does not fail here but in Verify.
func OpenReplayCache(location string, opts ReplayCacheOptions) (*ReplayCache, error) {
	return newReplayCache("ssogate_replay_cache_open", opts,
		func(o capi.Ssogate_replay_cache_options, e capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_replay_cache {
			return capi.Ssogate_replay_cache_open(location, o, e)
		})
}

func newReplayCache(call string, opts ReplayCacheOptions,
	make func(capi.Ssogate_replay_cache_options, capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_replay_cache,
) (*ReplayCache, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	o := capi.NewSsogate_replay_cache_options()
	if o.Swigcptr() == 0 {
		return nil, &Error{Code: CodeOutOfMemory, Message: "allocating ssogate_replay_cache_options failed"}
	}
	defer capi.DeleteSsogate_replay_cache_options(o)
	if !opts.Now.IsZero() {
		o.SetNow(opts.Now.Unix())
	}
	o.SetMax_entries(opts.MaxEntries)
	o.SetMax_entries_per_connection(opts.MaxEntriesPerConnection)
	h := make(o, e.h)
	if h.Swigcptr() == 0 {
		return nil, e.failure(call)
	}
	return &ReplayCache{ref: newRef(h, capi.Ssogate_replay_cache_free)}, nil
}

// Close releases the cache (and its database or Redis connection). Safe to call more than once;
// Verify with a closed cache fails with ErrInvalidArgument.
func (c *ReplayCache) Close() error {
	c.ref.close()
	return nil
}

// VerifyOptions are the inputs of Verify besides the connection and the form value.
type VerifyOptions struct {
	// ReplayCache records the assertion ID; required.
	ReplayCache *ReplayCache
	// PendingRequestIDs are the IDs of the AuthnRequests this browser is waiting for (from the
	// host's session). None: only an unsolicited login can pass, and only when the connection
	// allows IdP-initiated login.
	PendingRequestIDs []string
	// Now freezes the clock (tests); zero means the system clock.
	Now time.Time
	// MaxBytes caps the decoded Response (default 1 MiB).
	MaxBytes uint64
	// MaxAge is how old (or how far in the future) a Response's IssueInstant may be, plus the
	// connection's clock skew; whole seconds, zero for the default (10 minutes).
	MaxAge time.Duration
	// DecryptionKeys are the SP's encryption keys, for a Response with an EncryptedAssertion. Only
	// the keys whose certificate is one of the connection's SPEncryptionCertificates are tried, each
	// in turn (key rollover); nil entries are skipped. None: an encrypted Response is refused with
	// ErrAssertionEncrypted. The keys must stay open for the call.
	DecryptionKeys []*SPKey
}

// Attribute is a SAML attribute of a verified login.
type Attribute struct {
	Name         string
	NameFormat   string // "" when absent
	FriendlyName string // "" when absent
	Values       []string
}

// Login is a verified login: every value comes from the Assertion that a verified signature covers.
type VerifiedLogin struct {
	Email        string // local@domain, the domain lower-cased
	NameID       string
	NameIDFormat string // "" when absent (unspecified)
	IdPEntityID  string
	ConnectionID string
	AssertionID  string
	SessionIndex string // "" when absent
	AuthnInstant time.Time
	// SessionNotOnOrAfter is the zero time when the IdP did not set it.
	SessionNotOnOrAfter time.Time
	// InResponseTo is the AuthnRequest ID answered, "" for an unsolicited (IdP-initiated) login.
	InResponseTo string
	Attributes   []Attribute
}

// AttributeMap returns name -> values; the values of attributes that share a name are joined.
func (l *VerifiedLogin) AttributeMap() map[string][]string {
	out := make(map[string][]string, len(l.Attributes))
	for _, a := range l.Attributes {
		out[a.Name] = append(out[a.Name], a.Values...)
	}
	return out
}

// Verify checks the SAMLResponse form value posted to the connection's ACS URL and returns the
// verified login. A refusal is an *Error with a stable Code, an operator Message (what was expected
// and what came) and a UserMessage safe to show the person trying to log in.
func Verify(conn *Connection, samlResponse string, opts VerifyOptions) (*VerifiedLogin, error) {
	if conn == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "Verify: the connection is nil"}
	}
	if opts.ReplayCache == nil {
		return nil, &Error{Code: CodeInvalidArgument,
			Message: "Verify: VerifyOptions.ReplayCache is required; without one a replayed SAMLResponse would be accepted"}
	}
	for _, id := range opts.PendingRequestIDs {
		// The C ABI takes the IDs as one string separated by spaces or commas; an NCName has neither.
		if id == "" || strings.ContainsAny(id, " ,\t\r\n") {
			return nil, &Error{Code: CodeInvalidArgument, Message: "Verify: pending request ID " + quote(id) + " is not an XML NCName"}
		}
	}
	ids := strings.Join(opts.PendingRequestIDs, " ")

	var login *VerifiedLogin
	err := withVerifyOptions("Verify", opts, func(o capi.Ssogate_verify_options, e *cError) error {
		return conn.ref.use("the connection", func(ch capi.Struct_SS_ssogate_connection) error {
			return opts.ReplayCache.ref.use("the replay cache", func(rh capi.Struct_SS_ssogate_replay_cache) error {
				h := capi.Ssogate_verify_response(ch, samlResponse, ids, rh, o, e.h)
				if h.Swigcptr() == 0 {
					return e.failure("ssogate_verify_response")
				}
				defer capi.Ssogate_verified_login_free(h)
				login = readVerifiedLogin(h)
				return nil
			})
		})
	})
	if err != nil {
		return nil, err
	}
	return login, nil
}

// withVerifyOptions is what Verify and FinishSPLogin share: opts.MaxAge checked, opts as C verify
// options and an error object, both valid while run runs. `name` prefixes the messages.
func withVerifyOptions(name string, opts VerifyOptions, run func(o capi.Ssogate_verify_options, e *cError) error) error {
	if opts.MaxAge < 0 || opts.MaxAge%time.Second != 0 {
		return &Error{Code: CodeInvalidArgument,
			Message: name + ": MaxAge must be a non-negative whole number of seconds, got " + opts.MaxAge.String()}
	}
	e, err := newCError()
	if err != nil {
		return err
	}
	defer e.free()
	o := capi.NewSsogate_verify_options()
	if o.Swigcptr() == 0 {
		return &Error{Code: CodeOutOfMemory, Message: "allocating ssogate_verify_options failed"}
	}
	defer capi.DeleteSsogate_verify_options(o)
	if !opts.Now.IsZero() {
		o.SetNow(opts.Now.Unix())
	}
	if opts.MaxBytes != 0 {
		o.SetMax_bytes(opts.MaxBytes)
	}
	if opts.MaxAge != 0 {
		o.SetMax_age_seconds(int64(opts.MaxAge / time.Second))
	}
	if len(opts.DecryptionKeys) == 0 {
		return run(o, e)
	}
	if o.Alloc_decryption_keys(int64(len(opts.DecryptionKeys))) != int(CodeOK) {
		return &Error{Code: CodeOutOfMemory, Message: "allocating ssogate_verify_options.decryption_keys failed"}
	}
	// Deferred after DeleteSsogate_verify_options, so it runs first: the array belongs to the struct.
	defer o.Free_decryption_keys()
	return useSPKeys(opts.DecryptionKeys, make([]capi.Struct_SS_ssogate_sp_key, 0, len(opts.DecryptionKeys)),
		func(handles []capi.Struct_SS_ssogate_sp_key) error {
			for i, h := range handles {
				if o.Set_decryption_key(int64(i), h) != int(CodeOK) {
					return &Error{Code: CodeInternal, Message: name + ": setting decryption key " + strconv.Itoa(i) + " failed"}
				}
			}
			return run(o, e)
		})
}

// useSPKeys runs f with the C handles of keys (NULL for a nil key), every key held open and alive
// until f returns, so a Close on another goroutine waits for the call instead of freeing a key C
// is using. held is the handles of keys[:len(held)], already held; each level holds one more key.
func useSPKeys(keys []*SPKey, held []capi.Struct_SS_ssogate_sp_key, f func([]capi.Struct_SS_ssogate_sp_key) error) error {
	i := len(held)
	if i == len(keys) {
		return f(held)
	}
	k := keys[i]
	if k == nil {
		return useSPKeys(keys, append(held, capi.SwigcptrStruct_SS_ssogate_sp_key(0)), f)
	}
	// The same key given twice is held once: a second read lock could wait behind a Close that
	// waits for the first one.
	for j, earlier := range keys[:i] {
		if earlier == k {
			return useSPKeys(keys, append(held, held[j]), f)
		}
	}
	return k.ref.use("the decryption key", func(h capi.Struct_SS_ssogate_sp_key) error {
		return useSPKeys(keys, append(held, h), f)
	})
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80]
	}
	return "\"" + s + "\""
}

// readVerifiedLogin copies every value out of a login handle (which the caller frees).
func readVerifiedLogin(h capi.Struct_SS_ssogate_verified_login) *VerifiedLogin {
	l := &VerifiedLogin{
		Email:        capi.Ssogate_verified_login_email(h),
		NameID:       capi.Ssogate_verified_login_nameid(h),
		NameIDFormat: capi.Ssogate_verified_login_nameid_format(h),
		IdPEntityID:  capi.Ssogate_verified_login_idp_entity_id(h),
		ConnectionID: capi.Ssogate_verified_login_connection_id(h),
		AssertionID:  capi.Ssogate_verified_login_assertion_id(h),
		SessionIndex: capi.Ssogate_verified_login_session_index(h),
		AuthnInstant: time.Unix(capi.Ssogate_verified_login_authn_instant(h), 0).UTC(),
		InResponseTo: capi.Ssogate_verified_login_in_response_to(h),
	}
	if t := capi.Ssogate_verified_login_session_not_on_or_after(h); t != 0 {
		l.SessionNotOnOrAfter = time.Unix(t, 0).UTC()
	}
	n := capi.Ssogate_verified_login_attribute_count(h)
	for i := int64(0); i < n; i++ {
		a := Attribute{
			Name:         capi.Ssogate_verified_login_attribute_name(h, i),
			NameFormat:   capi.Ssogate_verified_login_attribute_name_format(h, i),
			FriendlyName: capi.Ssogate_verified_login_attribute_friendly_name(h, i),
		}
		for j := int64(0); j < capi.Ssogate_verified_login_attribute_value_count(h, i); j++ {
			a.Values = append(a.Values, capi.Ssogate_verified_login_attribute_value(h, i, j))
		}
		l.Attributes = append(l.Attributes, a)
	}
	return l
}
