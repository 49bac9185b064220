package ssogate

import (
	"fmt"
	"strings"
	"time"

	"ssogate.dev/ssogate/internal/capi"
)

// FetchOptions say how a metadata URL is fetched. The zero value is the library's defaults: https only
// with certificate verification against the system's CAs, 8 MiB, 10 seconds, at most 3 redirects
// (never from https to http), and the address guard: a name that resolves to a loopback, link-local,
// private or unique-local address is refused (ErrMetadataAddressBlocked) unless its network is in
// AllowedNetworks.
type FetchOptions struct {
	// AllowedNetworks are addresses with an optional prefix ("10.20.0.0/16", "127.0.0.1", "::1") that
	// may be fetched from although the guard refuses their kind (tests, on-premises IdPs).
	AllowedNetworks []string
	// CAFile is a PEM file of CAs to trust instead of the system's.
	CAFile string
	// Timeout is the whole transfer's limit, 100ms..2m; 0 means 10 seconds.
	Timeout time.Duration
	// MaxBytes is the largest document, 1 KiB..64 MiB; 0 means 8 MiB.
	MaxBytes uint64
	// MaxRedirects is how many redirects are followed, 0..10; 0 means 3, a negative value none.
	MaxRedirects int
	// AllowHTTP also fetches plain http URLs (never reached from https by a redirect).
	AllowHTTP bool
	// ExpiryWarningDays: certificates expiring within this many days give a CERTIFICATE_EXPIRES_SOON
	// event; 0 means 30.
	ExpiryWarningDays int
	// Now freezes the clock (tests); zero means the system clock.
	Now time.Time
}

// MetadataEvent is something about a connection's IdP metadata an admin must hear about. Gate
// refreshes also write it to the audit log (Outcome: Kind, Reason: "METADATA").
type MetadataEvent struct {
	// Kind: SIGNING_KEY_ADDED, SIGNING_KEY_REMOVED, CERTIFICATE_EXPIRES_SOON, CERTIFICATE_EXPIRED,
	// SSO_URL_CHANGED, METADATA_EXPIRED, METADATA_REFRESH_FAILED, ENTITY_ID_CHANGED, METADATA_UPDATED.
	Kind    string
	Message string // one sentence: what happened and what to do
	// Fingerprint and NotAfter: key and certificate events (the certificate's SHA-256 and expiry).
	Fingerprint string
	NotAfter    time.Time
	// OldValue and NewValue: SSO_URL_CHANGED.
	OldValue, NewValue string
	// Failures and Error: METADATA_REFRESH_FAILED and ENTITY_ID_CHANGED (consecutive failures, why).
	Failures int
	Error    Code
}

// MetadataSource is where an IdP's metadata came from and how its refresh stands (URL "" for a file).
type MetadataSource struct {
	URL, ETag, LastModified string
	FetchedAt, AttemptedAt  time.Time
	// NextRefreshAt is when to call RefreshConnection next.
	NextRefreshAt    time.Time
	Failures         int
	LastError        Code
	LastErrorMessage string
}

// RefreshResult is what a refresh did. Connection is the one to keep (store its JSON: it carries the
// refresh state).
type RefreshResult struct {
	Connection  *Connection
	Applied     bool   // a new document is in force
	NotModified bool   // the server had nothing newer
	Err         *Error // why the last known good stayed; nil on success
	Events      []MetadataEvent
}

func readEvents(l capi.Struct_SS_ssogate_metadata_event_list) []MetadataEvent {
	n := capi.Ssogate_metadata_event_list_count(l)
	out := make([]MetadataEvent, 0, n)
	for i := int64(0); i < n; i++ {
		out = append(out, MetadataEvent{
			Kind:        capi.Ssogate_metadata_event_list_name(l, i),
			Message:     capi.Ssogate_metadata_event_list_message(l, i),
			Fingerprint: capi.Ssogate_metadata_event_list_fingerprint(l, i),
			NotAfter:    timeOrZero(capi.Ssogate_metadata_event_list_not_after(l, i)),
			OldValue:    capi.Ssogate_metadata_event_list_old_value(l, i),
			NewValue:    capi.Ssogate_metadata_event_list_new_value(l, i),
			Failures:    capi.Ssogate_metadata_event_list_failures(l, i),
			Error:       Code(capi.Ssogate_metadata_event_list_error_code(l, i)),
		})
	}
	return out
}

func readSource(h capi.Struct_SS_ssogate_idp) MetadataSource {
	return MetadataSource{
		URL:              capi.Ssogate_idp_source_url(h),
		ETag:             capi.Ssogate_idp_source_etag(h),
		LastModified:     capi.Ssogate_idp_source_last_modified(h),
		FetchedAt:        timeOrZero(capi.Ssogate_idp_source_fetched_at(h)),
		AttemptedAt:      timeOrZero(capi.Ssogate_idp_source_attempted_at(h)),
		NextRefreshAt:    timeOrZero(capi.Ssogate_idp_source_next_refresh_at(h)),
		Failures:         capi.Ssogate_idp_source_failures(h),
		LastError:        Code(capi.Ssogate_idp_source_last_error_code(h)),
		LastErrorMessage: capi.Ssogate_idp_source_last_error(h),
	}
}

// Source is where the metadata came from and how its refresh stands.
func (idp *IdP) Source() MetadataSource { return idp.source }

// Events are the events of the URL import that made this IdP (certificates expired or expiring).
func (idp *IdP) Events() []MetadataEvent { return append([]MetadataEvent(nil), idp.events...) }

// withFetcher runs f with a C fetcher built from opts.
func withFetcher(opts FetchOptions, f func(capi.Struct_SS_ssogate_fetcher, *cError) error) error {
	e, err := newCError()
	if err != nil {
		return err
	}
	defer e.free()
	h := capi.Ssogate_fetcher_new()
	if h.Swigcptr() == 0 {
		return &Error{Code: CodeOutOfMemory, Message: "ssogate_fetcher_new returned NULL"}
	}
	defer capi.Ssogate_fetcher_free(h)
	set := func(name string, rc int) error {
		if rc != int(CodeOK) {
			return e.failure(name)
		}
		return nil
	}
	steps := []func() error{
		func() error {
			return set("ssogate_fetcher_set_allowed_networks",
				capi.Ssogate_fetcher_set_allowed_networks(h, strings.Join(opts.AllowedNetworks, " "), e.h))
		},
		func() error {
			return set("ssogate_fetcher_set_ca_file", capi.Ssogate_fetcher_set_ca_file(h, opts.CAFile, e.h))
		},
		func() error {
			if opts.Timeout == 0 {
				return nil
			}
			return set("ssogate_fetcher_set_timeout_ms", capi.Ssogate_fetcher_set_timeout_ms(h, opts.Timeout.Milliseconds(), e.h))
		},
		func() error {
			if opts.MaxBytes == 0 {
				return nil
			}
			return set("ssogate_fetcher_set_max_bytes", capi.Ssogate_fetcher_set_max_bytes(h, opts.MaxBytes, e.h))
		},
		func() error {
			n := opts.MaxRedirects
			if n == 0 {
				return nil
			}
			if n < 0 {
				n = 0
			}
			return set("ssogate_fetcher_set_max_redirects", capi.Ssogate_fetcher_set_max_redirects(h, n, e.h))
		},
		func() error {
			allow := 0
			if opts.AllowHTTP {
				allow = 1
			}
			return set("ssogate_fetcher_set_allow_http", capi.Ssogate_fetcher_set_allow_http(h, allow, e.h))
		},
		func() error {
			if opts.ExpiryWarningDays == 0 {
				return nil
			}
			return set("ssogate_fetcher_set_expiry_warning_days",
				capi.Ssogate_fetcher_set_expiry_warning_days(h, opts.ExpiryWarningDays, e.h))
		},
		func() error {
			if opts.Now.IsZero() {
				return nil
			}
			return set("ssogate_fetcher_set_now", capi.Ssogate_fetcher_set_now(h, opts.Now.Unix(), e.h))
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return f(h, e)
}

func ownedIdP(h capi.Struct_SS_ssogate_idp) (*IdP, error) {
	idp := &IdP{own: newRef(h, capi.Ssogate_idp_free)}
	if err := idp.own.use("the IdP", idp.load); err != nil {
		idp.own.close()
		return nil, err
	}
	return idp, nil
}

// ImportIdPMetadataURL fetches and imports an IdP's metadata from an https URL an admin gave.
// opts.EntityID and opts.SignerPEM as for ImportIdPMetadata; a signer given here is pinned: every refresh
// must verify with it too. Refusals are *Error values with a 13x code for the fetch (ErrMetadataURLInvalid,
// ErrMetadataAddressBlocked, ErrMetadataFetchFailed, ErrMetadataFetchTimeout, ErrMetadataFetchTooLarge,
// ErrMetadataRedirectRefused, ErrMetadataHTTPStatus, ErrMetadataTLS) or a 1xx code for the document.
func ImportIdPMetadataURL(url string, opts ImportOptions, fetch FetchOptions) (*IdP, error) {
	var h capi.Struct_SS_ssogate_idp
	err := withFetcher(fetch, func(f capi.Struct_SS_ssogate_fetcher, e *cError) error {
		return withIdPOptions(opts.Now, opts.MaxBytes, opts.AllowSHA1, func(o capi.Ssogate_idp_options) error {
			h = capi.Ssogate_idp_import_url(url, opts.EntityID, view(opts.SignerPEM), o, f, e.h)
			if h.Swigcptr() == 0 {
				return e.failure("ssogate_idp_import_url")
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return ownedIdP(h)
}

// IdPFromSettings makes IdP metadata from the values an IdP's set-up page shows when there is no
// metadata file (Okta: "View SAML setup instructions"): its entity ID, its single sign-on URL and its
// signing certificate (PEM, or base64 DER). The same checks as ImportIdPMetadata apply.
func IdPFromSettings(entityID, ssoURL string, certificate []byte, opts ImportOptions) (*IdP, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	var h capi.Struct_SS_ssogate_idp
	err = withIdPOptions(opts.Now, opts.MaxBytes, opts.AllowSHA1, func(o capi.Ssogate_idp_options) error {
		h = capi.Ssogate_idp_from_settings(entityID, ssoURL, view(certificate), o, e.h)
		if h.Swigcptr() == 0 {
			return e.failure("ssogate_idp_from_settings")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ownedIdP(h)
}

func takeRefresh(r capi.Struct_SS_ssogate_refresh, e *cError) (*RefreshResult, error) {
	defer capi.Ssogate_refresh_free(r)
	ch := capi.Ssogate_refresh_connection(r, e.h)
	if ch.Swigcptr() == 0 {
		return nil, e.failure("ssogate_refresh_connection")
	}
	conn, err := wrapConnection(ch)
	if err != nil {
		return nil, err
	}
	out := &RefreshResult{
		Connection:  conn,
		Applied:     capi.Ssogate_refresh_applied(r) != 0,
		NotModified: capi.Ssogate_refresh_not_modified(r) != 0,
		Events:      readEvents(capi.Ssogate_refresh_events(r)),
	}
	if code := Code(capi.Ssogate_refresh_error_code(r)); code != CodeOK {
		out.Err = &Error{Code: code, Message: capi.Ssogate_refresh_error_message(r)}
	}
	return out, nil
}

// RefreshConnection refreshes a connection imported from a URL: a conditional GET, and a new document
// imported with the same checks, the pinned signer and the same entityID. A document that fails is not
// applied: the result's Connection keeps the last known good metadata and Err says why. The error
// return is for caller errors only (ErrInvalidArgument for a connection not imported from a URL).
func RefreshConnection(conn *Connection, fetch FetchOptions) (*RefreshResult, error) {
	if conn == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "RefreshConnection: conn is nil"}
	}
	var out *RefreshResult
	err := withFetcher(fetch, func(f capi.Struct_SS_ssogate_fetcher, e *cError) error {
		return conn.ref.use("the connection", func(h capi.Struct_SS_ssogate_connection) error {
			r := capi.Ssogate_connection_refresh(h, f, e.h)
			if r.Swigcptr() == 0 {
				return e.failure("ssogate_connection_refresh")
			}
			var err error
			out, err = takeRefresh(r, e)
			return err
		})
	})
	return out, err
}

// RefreshConnection refreshes the gate's stored connection and stores the result (the new metadata, or
// the last known good with its refresh state). Every event is written to the audit log, then passed to
// GateOptions.OnMetadataEvent. ErrNotFound for an unknown connection; a failed refresh is in the
// result's Err. Call it from a scheduler at the connection's IdP().Source().NextRefreshAt.
func (g *Gate) RefreshConnection(connectionID string, fetch FetchOptions) (*RefreshResult, error) {
	var out *RefreshResult
	err := withFetcher(fetch, func(f capi.Struct_SS_ssogate_fetcher, e *cError) error {
		return g.ref.use("the gate", func(h capi.Struct_SS_ssogate_gate) error {
			r := capi.Ssogate_gate_refresh_connection(h, connectionID, f, e.h)
			if r.Swigcptr() == 0 {
				return e.failure("ssogate_gate_refresh_connection")
			}
			var err error
			out, err = takeRefresh(r, e)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	if g.onEvent != nil {
		for _, ev := range out.Events {
			g.onEvent(connectionID, ev)
		}
	}
	return out, nil
}

// String is the event's kind and message.
func (e MetadataEvent) String() string { return fmt.Sprintf("%s: %s", e.Kind, e.Message) }
