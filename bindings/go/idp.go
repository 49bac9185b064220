package ssogate

import (
	"encoding/pem"
	"fmt"
	"sync/atomic"
	"time"

	"ssogate.dev/ssogate/internal/capi"
)

// Binding is a SAML binding as the library names it (ssogate_binding).
type Binding int

// The bindings of ssogate.h, with the same numbers.
const (
	BindingOther        Binding = 0
	BindingHTTPRedirect Binding = 1
	BindingHTTPPost     Binding = 2
)

// String returns "HTTP-Redirect", "HTTP-POST" or "other".
func (b Binding) String() string {
	switch b {
	case BindingHTTPRedirect:
		return "HTTP-Redirect"
	case BindingHTTPPost:
		return "HTTP-POST"
	default:
		return "other"
	}
}

// Endpoint is one SingleSignOnService or SingleLogoutService of the IdP.
type Endpoint struct {
	Binding    Binding // BindingOther for SOAP, Artifact and the like
	BindingURI string  // the full binding URI as written
	Location   string
}

// Certificate is one signing certificate of the IdP. Every one listed is trusted, so key rollover
// works.
type Certificate struct {
	DER    []byte
	PEM    string
	SHA256 string // "AB:CD:...", upper-case hex with colons, as IdP consoles show it
	// Subject and Issuer are distinguished names on one line (RFC 2253).
	Subject   string
	Issuer    string
	NotBefore time.Time
	NotAfter  time.Time
	KeyType   string // "RSA", "EC", ...
	KeyBits   int
}

// Warning is something found on a successful import that an admin should be told about, such as a
// signing certificate that has expired (CodeWarnCertExpired).
type Warning struct {
	Code    Code
	Message string
}

// ImportOptions are the optional inputs of ImportIdPMetadata. The zero value takes one IdP from the
// document, without signature verification, with the default size cap and the system clock.
type ImportOptions struct {
	// EntityID selects one IdP from an aggregate (EntitiesDescriptor). Empty: the document must hold
	// exactly one IdP, otherwise ErrMetadataAmbiguous lists those present.
	EntityID string
	// SignerPEM, when set, is a PEM certificate the caller trusts: the metadata must then be signed
	// and verify with it (ErrMetadataUnsigned, ErrMetadataSignatureInvalid).
	SignerPEM []byte
	// Now is the clock for validUntil and certificate expiry; zero means the system clock. (So does
	// exactly the Unix epoch, which the C ABI uses as its "unset" value.)
	Now time.Time
	// MaxBytes caps the input size (ErrInputTooLarge); zero means the library default, 8 MiB.
	MaxBytes uint64
	// AllowSHA1 accepts an rsa-sha1 signature or sha1 digest on the metadata itself (some federations
	// still sign aggregates with SHA-1). False refuses them.
	AllowSHA1 bool
}

// IdP is imported metadata of one identity provider. Its getters read a copy taken on import, so
// they are cheap, safe from any goroutine, and keep working after Close; only NewConnection needs the
// underlying C object. Close releases it (a finalizer does so otherwise).
type IdP struct {
	own    *ref[capi.Struct_SS_ssogate_idp]        // set when this value owns the C IdP
	owner  *ref[capi.Struct_SS_ssogate_connection] // set when the C IdP is borrowed from a connection
	closed atomic.Bool

	entityID          string
	sso, slo          []Endpoint
	ssoURL            map[Binding]string
	certs             []Certificate
	nameIDFormats     []string
	wantSigned        bool
	validUntil        int64
	cacheDuration     string
	signatureVerified bool
	warnings          []Warning
	source            MetadataSource
	events            []MetadataEvent
}

// ImportIdPMetadata imports IdP metadata, the bytes as the admin uploaded them. Refusals are *Error
// values with a 1xx code and a message that tells the admin what to do.
func ImportIdPMetadata(xml []byte, opts ImportOptions) (*IdP, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()

	var h capi.Struct_SS_ssogate_idp
	err = withIdPOptions(opts.Now, opts.MaxBytes, opts.AllowSHA1, func(o capi.Ssogate_idp_options) error {
		h = capi.Ssogate_idp_import(view(xml), opts.EntityID, view(opts.SignerPEM), o, e.h)
		if h.Swigcptr() == 0 {
			return e.failure("ssogate_idp_import")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ownedIdP(h)
}

// withIdPOptions runs f with a C options struct filled from the Go values (zero keeps the default).
func withIdPOptions(now time.Time, maxBytes uint64, allowSHA1 bool, f func(capi.Ssogate_idp_options) error) error {
	o := capi.NewSsogate_idp_options()
	if o.Swigcptr() == 0 {
		return &Error{Code: CodeOutOfMemory, Message: "allocating ssogate_idp_options failed"}
	}
	defer capi.DeleteSsogate_idp_options(o)
	if maxBytes != 0 {
		o.SetMax_bytes(maxBytes)
	}
	if !now.IsZero() {
		o.SetNow(now.Unix())
	}
	if allowSHA1 {
		o.SetAllow_sha1(1)
	}
	return f(o)
}

// load copies everything the C IdP holds into Go values.
func (idp *IdP) load(h capi.Struct_SS_ssogate_idp) error {
	idp.entityID = capi.Ssogate_idp_entity_id(h)
	idp.wantSigned = capi.Ssogate_idp_want_authn_requests_signed(h) != 0
	idp.validUntil = capi.Ssogate_idp_valid_until(h)
	idp.cacheDuration = capi.Ssogate_idp_cache_duration(h)
	idp.signatureVerified = capi.Ssogate_idp_signature_verified(h) != 0
	idp.source = readSource(h)
	idp.events = readEvents(capi.Ssogate_idp_events(h))

	for i := int64(0); i < capi.Ssogate_idp_sso_count(h); i++ {
		idp.sso = append(idp.sso, Endpoint{
			Binding:    Binding(capi.Ssogate_idp_sso_binding(h, i)),
			BindingURI: capi.Ssogate_idp_sso_binding_uri(h, i),
			Location:   capi.Ssogate_idp_sso_location(h, i),
		})
	}
	for i := int64(0); i < capi.Ssogate_idp_slo_count(h); i++ {
		idp.slo = append(idp.slo, Endpoint{
			Binding:    Binding(capi.Ssogate_idp_slo_binding(h, i)),
			BindingURI: capi.Ssogate_idp_slo_binding_uri(h, i),
			Location:   capi.Ssogate_idp_slo_location(h, i),
		})
	}
	// Which endpoint counts as "the" SSO URL of a binding is the library's rule; ask it rather than
	// pick from the list here. NULL comes through SWIG as "", and a location is never empty.
	idp.ssoURL = make(map[Binding]string, 3)
	for _, b := range []Binding{BindingOther, BindingHTTPRedirect, BindingHTTPPost} {
		if url := capi.Ssogate_idp_sso_url(h, int(b)); url != "" {
			idp.ssoURL[b] = url
		}
	}
	for i := int64(0); i < capi.Ssogate_idp_nameid_format_count(h); i++ {
		idp.nameIDFormats = append(idp.nameIDFormats, capi.Ssogate_idp_nameid_format(h, i))
	}
	for i := int64(0); i < capi.Ssogate_idp_cert_count(h); i++ {
		c := Certificate{
			PEM:       capi.Ssogate_idp_cert_pem(h, i),
			SHA256:    capi.Ssogate_idp_cert_sha256(h, i),
			Subject:   capi.Ssogate_idp_cert_subject(h, i),
			Issuer:    capi.Ssogate_idp_cert_issuer(h, i),
			NotBefore: time.Unix(capi.Ssogate_idp_cert_not_before(h, i), 0).UTC(),
			NotAfter:  time.Unix(capi.Ssogate_idp_cert_not_after(h, i), 0).UTC(),
			KeyType:   capi.Ssogate_idp_cert_key_type(h, i),
			KeyBits:   capi.Ssogate_idp_cert_key_bits(h, i),
		}
		// The SWIG module leaves out the DER getter (see ssogate.i); the PEM is the same bytes.
		block, _ := pem.Decode([]byte(c.PEM))
		if block == nil || block.Type != "CERTIFICATE" {
			return &Error{Code: CodeInternal, Message: fmt.Sprintf(
				"certificate %d of %s: expected a PEM CERTIFICATE block from ssogate_idp_cert_pem", i, idp.entityID)}
		}
		c.DER = block.Bytes
		idp.certs = append(idp.certs, c)
	}
	for i := int64(0); i < capi.Ssogate_idp_warning_count(h); i++ {
		idp.warnings = append(idp.warnings, Warning{
			Code:    Code(capi.Ssogate_idp_warning_code(h, i)),
			Message: capi.Ssogate_idp_warning_message(h, i),
		})
	}
	return nil
}

// withHandle runs f with the C IdP, owned or borrowed from a connection.
func (idp *IdP) withHandle(f func(capi.Struct_SS_ssogate_idp) error) error {
	if idp.closed.Load() {
		return &Error{Code: CodeInvalidArgument, Message: "the IdP was closed"}
	}
	if idp.own != nil {
		return idp.own.use("the IdP", f)
	}
	return idp.owner.use("the connection this IdP belongs to", func(c capi.Struct_SS_ssogate_connection) error {
		return f(capi.Ssogate_connection_idp(c))
	})
}

// Close releases the C object. It is safe to call more than once; the getters keep working, and
// connections already made from this IdP keep their own reference to it.
func (idp *IdP) Close() error {
	idp.closed.Store(true)
	if idp.own != nil {
		idp.own.close()
	}
	return nil
}

// EntityID is the IdP's entityID.
func (idp *IdP) EntityID() string { return idp.entityID }

// SSOEndpoints lists the SingleSignOnService endpoints in document order.
func (idp *IdP) SSOEndpoints() []Endpoint { return append([]Endpoint(nil), idp.sso...) }

// SLOEndpoints lists the SingleLogoutService endpoints in document order.
func (idp *IdP) SLOEndpoints() []Endpoint { return append([]Endpoint(nil), idp.slo...) }

// SSOURL is the first SSO location with binding b; ok is false when the IdP has none.
func (idp *IdP) SSOURL(b Binding) (url string, ok bool) {
	url, ok = idp.ssoURL[b]
	return url, ok
}

// Certificates lists the signing certificates in document order.
func (idp *IdP) Certificates() []Certificate {
	out := make([]Certificate, len(idp.certs))
	for i, c := range idp.certs {
		c.DER = append([]byte(nil), c.DER...)
		out[i] = c
	}
	return out
}

// NameIDFormats lists the NameIDFormat values in document order.
func (idp *IdP) NameIDFormats() []string { return append([]string(nil), idp.nameIDFormats...) }

// WantAuthnRequestsSigned reports the IdP's WantAuthnRequestsSigned.
func (idp *IdP) WantAuthnRequestsSigned() bool { return idp.wantSigned }

// ValidUntil is the metadata's validUntil; ok is false when it has none.
func (idp *IdP) ValidUntil() (t time.Time, ok bool) {
	if idp.validUntil == 0 {
		return time.Time{}, false
	}
	return time.Unix(idp.validUntil, 0).UTC(), true
}

// CacheDuration is the metadata's cacheDuration as written (e.g. "PT5H"), "" when absent.
func (idp *IdP) CacheDuration() string { return idp.cacheDuration }

// SignatureVerified reports whether the metadata's signature was verified with ImportOptions.SignerPEM.
func (idp *IdP) SignatureVerified() bool { return idp.signatureVerified }

// Warnings lists what the import found that an admin should be shown (e.g. an expired certificate).
func (idp *IdP) Warnings() []Warning { return append([]Warning(nil), idp.warnings...) }
