package ssogate

import (
	"fmt"
	"time"

	"ssogate.dev/ssogate/internal/capi"
)

// RequestStore holds pending SP-initiated logins: each AuthnRequest's ID, connection, return-to and
// expiry, keyed by the opaque RelayState token the browser carries to the IdP and back, so the IdP's
// cross-site POST needs no cookie. Each record is taken exactly once. Safe for concurrent use; Close
// releases it (a finalizer does so otherwise).
type RequestStore struct {
	ref *ref[capi.Struct_SS_ssogate_request_store]
}

// NewMemoryRequestStore makes a store for this process only (lost on restart, not shared by nodes).
func NewMemoryRequestStore() (*RequestStore, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	h := capi.Ssogate_request_store_new_memory(e.h)
	if h.Swigcptr() == 0 {
		return nil, e.failure("ssogate_request_store_new_memory")
	}
	return &RequestStore{ref: newRef(h, capi.Ssogate_request_store_free)}, nil
}

// OpenRequestStore opens a store at a location: "memory:", "sqlite:PATH" (the processes of one
// machine), "postgresql://..." or "redis://[USER:PASSWORD@]HOST:PORT[/DB]" (many nodes). A malformed location gives ErrStoreLocation; a
// Redis server that is down fails the first login instead, with ErrStoreUnavailable.
func OpenRequestStore(location string) (*RequestStore, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	h := capi.Ssogate_request_store_open(location, e.h)
	if h.Swigcptr() == 0 {
		return nil, e.failure("ssogate_request_store_open")
	}
	return &RequestStore{ref: newRef(h, capi.Ssogate_request_store_free)}, nil
}

// Close releases the store (closing its database or Redis connection). Safe to call more than once.
func (s *RequestStore) Close() error {
	s.ref.close()
	return nil
}

// SPKey is an SP key (RSA) and its certificate: it signs AuthnRequests (BeginSPLogin) and decrypts
// encrypted assertions (VerifyOptions.DecryptionKeys, Gate.AddDecryptionKey). Keep the key in your
// own secret store: ssogate never writes it into a connection or its JSON. Safe for concurrent use.
type SPKey struct {
	ref            *ref[capi.Struct_SS_ssogate_sp_key]
	certificatePEM string
}

// NewSPKey loads an unencrypted PEM private key and its PEM certificate. A key or certificate that
// cannot sign (encrypted, not RSA, under 2048 bits, another key's certificate) gives ErrSPKeyInvalid.
func NewSPKey(privateKeyPEM, certificatePEM []byte) (*SPKey, error) {
	return newSPKey("ssogate_sp_key_new", capi.Ssogate_sp_key_new, privateKeyPEM, certificatePEM)
}

// NewSPKeyLegacy loads an SP key as NewSPKey does but accepts RSA keys of 1024 bits or more, only to
// decrypt for a connection with AllowLegacySPKey (test keys other projects publish). Such a key never
// signs: BeginSPLogin refuses a key under 2048 bits with ErrSPKeyInvalid.
func NewSPKeyLegacy(privateKeyPEM, certificatePEM []byte) (*SPKey, error) {
	return newSPKey("ssogate_sp_key_new_legacy", capi.Ssogate_sp_key_new_legacy, privateKeyPEM, certificatePEM)
}

func newSPKey(call string, load func(string, string, capi.Struct_SS_ssogate_error) capi.Struct_SS_ssogate_sp_key,
	privateKeyPEM, certificatePEM []byte,
) (*SPKey, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	h := load(view(privateKeyPEM), view(certificatePEM), e.h)
	if h.Swigcptr() == 0 {
		return nil, e.failure(call)
	}
	k := &SPKey{ref: newRef(h, capi.Ssogate_sp_key_free)}
	k.certificatePEM = capi.Ssogate_sp_key_certificate_pem(h)
	return k, nil
}

// CertificatePEM is the certificate to give the IdP.
func (k *SPKey) CertificatePEM() string { return k.certificatePEM }

// Close releases the key. Safe to call more than once.
func (k *SPKey) Close() error {
	k.ref.close()
	return nil
}

// SPLoginOptions are the optional inputs of BeginSPLogin. The zero value is the default: HTTP-Redirect,
// unsigned, a 10-minute time to live, the system clock.
type SPLoginOptions struct {
	// ReturnTo is where to send the user after the login: a path on the service ("/dashboard") or an
	// absolute URL whose origin the connection allows (ConnectionConfig.AllowedReturnOrigins).
	// Anything else gives ErrReturnToNotAllowed. Empty: none.
	ReturnTo string
	// Binding is BindingHTTPRedirect (the default, also for BindingOther) or BindingHTTPPost.
	Binding Binding
	// SPKey signs the request; required when the IdP wants signed requests (ErrSPKeyRequired).
	SPKey *SPKey
	// ForceAuthn asks the IdP to authenticate the user again; IsPassive forbids it to interact.
	ForceAuthn, IsPassive bool
	// TTL is how long the request stays pending, whole seconds from 1 s to 24 h; 0 means 10 minutes.
	TTL time.Duration
	// Now is the clock (IssueInstant, expiry); zero means the system clock.
	Now time.Time
}

// SPLoginRequest is a begun login: redirect the browser to RedirectURL (303) or serve PostFormHTML.
type SPLoginRequest struct {
	RequestID    string
	RelayState   string
	Binding      Binding
	Destination  string
	RedirectURL  string // HTTP-Redirect; "" for POST
	PostFormHTML string // HTTP-POST; "" for Redirect
	XML          string
	Signed       bool
	IssuedAt     time.Time
	ExpiresAt    time.Time
}

// BeginSPLogin builds the AuthnRequest for conn and records it in store under a fresh RelayState
// token. Refusals: ErrReturnToNotAllowed, ErrBindingUnsupported (the IdP has no SSO endpoint for the
// binding), ErrSPKeyRequired, ErrSPKeyInvalid (the key's certificate is not the connection's SP
// certificate), ErrStoreUnavailable.
func BeginSPLogin(conn *Connection, store *RequestStore, opts SPLoginOptions) (*SPLoginRequest, error) {
	if conn == nil || store == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "BeginSPLogin: the connection and the store are required"}
	}
	var out *SPLoginRequest
	err := beginSPLogin(opts, func(key capi.Struct_SS_ssogate_sp_key, o capi.Ssogate_sp_login_options, e *cError) error {
		return conn.ref.use("the connection", func(ch capi.Struct_SS_ssogate_connection) error {
			return store.ref.use("the request store", func(sh capi.Struct_SS_ssogate_request_store) error {
				h := capi.Ssogate_sp_login_begin(ch, sh, opts.ReturnTo, key, o, e.h)
				if h.Swigcptr() == 0 {
					return e.failure("ssogate_sp_login_begin")
				}
				defer capi.Ssogate_sp_login_request_free(h)
				out = spLoginRequestFrom(h)
				return nil
			})
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// beginSPLogin is what BeginSPLogin and Gate.BeginSPLogin share: opts as C login options, an error object,
// and the SP key's handle (NULL without one), all valid while begin runs.
func beginSPLogin(opts SPLoginOptions, begin func(key capi.Struct_SS_ssogate_sp_key, o capi.Ssogate_sp_login_options, e *cError) error) error {
	e, err := newCError()
	if err != nil {
		return err
	}
	defer e.free()
	o := capi.NewSsogate_sp_login_options()
	if o.Swigcptr() == 0 {
		return &Error{Code: CodeOutOfMemory, Message: "allocating ssogate_sp_login_options failed"}
	}
	defer capi.DeleteSsogate_sp_login_options(o)
	if opts.Binding == BindingHTTPPost {
		o.SetBinding(int(BindingHTTPPost))
	}
	o.SetForce_authn(boolInt(opts.ForceAuthn))
	o.SetIs_passive(boolInt(opts.IsPassive))
	if opts.TTL != 0 {
		if opts.TTL%time.Second != 0 || opts.TTL < time.Second || opts.TTL > 24*time.Hour {
			return &Error{Code: CodeInvalidArgument,
				Message: fmt.Sprintf("TTL must be whole seconds from 1s to 24h, got %v", opts.TTL)}
		}
		o.SetTtl_seconds(int64(opts.TTL / time.Second))
	}
	if !opts.Now.IsZero() {
		o.SetNow(opts.Now.Unix())
	}
	call := func(key capi.Struct_SS_ssogate_sp_key) error { return begin(key, o, e) }
	if opts.SPKey == nil {
		return call(capi.SwigcptrStruct_SS_ssogate_sp_key(0))
	}
	return opts.SPKey.ref.use("the SP key", call)
}

// spLoginRequestFrom copies a C login request into Go values.
func spLoginRequestFrom(h capi.Struct_SS_ssogate_sp_login_request) *SPLoginRequest {
	return &SPLoginRequest{
		RequestID:    capi.Ssogate_sp_login_request_id(h),
		RelayState:   capi.Ssogate_sp_login_request_relay_state(h),
		Binding:      Binding(capi.Ssogate_sp_login_request_binding(h)),
		Destination:  capi.Ssogate_sp_login_request_destination(h),
		RedirectURL:  capi.Ssogate_sp_login_request_redirect_url(h),
		PostFormHTML: capi.Ssogate_sp_login_request_post_form_html(h),
		XML:          capi.Ssogate_sp_login_request_xml(h),
		Signed:       capi.Ssogate_sp_login_request_is_signed(h) != 0,
		IssuedAt:     time.Unix(capi.Ssogate_sp_login_request_issued_at(h), 0).UTC(),
		ExpiresAt:    time.Unix(capi.Ssogate_sp_login_request_expires_at(h), 0).UTC(),
	}
}

// FinishedSPLogin is a login finished at the ACS: the verified login and where to send the user.
type FinishedSPLogin struct {
	*VerifiedLogin
	// ReturnTo is the return-to given to BeginSPLogin, as validated then; "" when none was given or
	// for an unsolicited (IdP-initiated) login. It never comes from the IdP's POST.
	ReturnTo string
}

// FinishSPLogin verifies the SAMLResponse posted to the ACS together with the RelayState posted beside
// it ("" when the IdP sent none). The pending request is taken from store exactly once and the
// response must answer it. opts.ReplayCache is required; opts.PendingRequestIDs must be empty (the
// store supplies the request). Refusals: ErrRequestUnknown, ErrRequestExpired,
// ErrRequestConnectionMismatch, ErrRelayStateInvalid, and every error of Verify.
func FinishSPLogin(conn *Connection, store *RequestStore, relayState, samlResponse string, opts VerifyOptions) (*FinishedSPLogin, error) {
	if conn == nil || store == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "FinishSPLogin: the connection and the store are required"}
	}
	if opts.ReplayCache == nil {
		return nil, &Error{Code: CodeInvalidArgument,
			Message: "FinishSPLogin: VerifyOptions.ReplayCache is required; without one a replayed SAMLResponse would be accepted"}
	}
	if len(opts.PendingRequestIDs) != 0 {
		return nil, &Error{Code: CodeInvalidArgument,
			Message: "FinishSPLogin: PendingRequestIDs must be empty; the pending request comes from the store"}
	}
	var out *FinishedSPLogin
	err := withVerifyOptions("FinishSPLogin", opts, func(o capi.Ssogate_verify_options, e *cError) error {
		return conn.ref.use("the connection", func(ch capi.Struct_SS_ssogate_connection) error {
			return store.ref.use("the request store", func(sh capi.Struct_SS_ssogate_request_store) error {
				return opts.ReplayCache.ref.use("the replay cache", func(rh capi.Struct_SS_ssogate_replay_cache) error {
					h := capi.Ssogate_sp_login_finish(ch, sh, relayState, samlResponse, rh, o, e.h)
					if h.Swigcptr() == 0 {
						return e.failure("ssogate_sp_login_finish")
					}
					defer capi.Ssogate_verified_login_free(h)
					out = &FinishedSPLogin{VerifiedLogin: readVerifiedLogin(h), ReturnTo: capi.Ssogate_verified_login_return_to(h)}
					return nil
				})
			})
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
