package ssogate

import (
	"fmt"
	"math"
	"time"

	"ssogate.dev/ssogate/internal/capi"
)

// ConnectionConfig describes a new connection: one IdP of an account. Empty strings leave a field to
// the library's default; the library checks every value and names the one it refuses.
type ConnectionConfig struct {
	// BaseURL is the service's base URL, e.g. "https://app.example.com". Required unless both ACSURL
	// and SPEntityID are set.
	BaseURL string
	// ID is the connection id; empty generates 128 random bits, URL-safe (22 characters).
	ID string
	// Description is for people ("Okta, production").
	Description string
	// ACSURL and SPEntityID, when set, are used as they are (for an IdP app that already exists)
	// instead of being derived from the templates.
	ACSURL     string
	SPEntityID string
	// Templates with {base} and {id}. Defaults: "{base}/sso/saml/{id}/acs" and "{base}/sso/saml/{id}".
	ACSURLTemplate     string
	SPEntityIDTemplate string
	// AllowedDomains are the email domains allowed to log in; none allows any domain.
	AllowedDomains []string
	// EmailAttribute takes the email from this SAML attribute instead of the NameID.
	EmailAttribute string
	// SPCertificatePEM is the certificate of the SP key logins are begun with: published in the SP
	// metadata, and a login begun with another key is refused (ErrSPKeyInvalid).
	SPCertificatePEM []byte
	// AllowIdPInitiated accepts unsolicited responses (login from the IdP's dashboard).
	AllowIdPInitiated bool
	// JITProvisioning prompts newcomers from allowed domains to join.
	JITProvisioning bool
	// ClockSkew is the tolerated clock difference with the IdP, whole seconds from 0 to 600. nil
	// keeps the library default (180 s); zero is a real setting (no tolerance), hence the pointer.
	ClockSkew *time.Duration
	// AllowSHA1 accepts SHA-1 signatures and digests (legacy IdPs).
	AllowSHA1 bool
	// AllowedReturnOrigins ("https://app.example.com") are the origins an SP-initiated login may
	// return to with an absolute URL; paths on the service are always allowed.
	AllowedReturnOrigins []string
	// SPEncryptionCertificates are the PEM certificates (RSA, 2048 bits or more) of the SP keys the
	// IdP encrypts assertions to: the current one and, during a key rollover, the next. The SP
	// metadata lists each as a KeyDescriptor use="encryption". The private keys never enter the
	// connection or its JSON: give them to VerifyOptions.DecryptionKeys or Gate.AddDecryptionKey.
	SPEncryptionCertificates []string
	// AllowRSA15 accepts RSA-1_5 (PKCS #1 v1.5) key transport in encrypted assertions. It is open to
	// padding-oracle attacks: turn it on only for an IdP that cannot use RSA-OAEP.
	AllowRSA15 bool
	// AllowLegacySPKey accepts SP encryption certificates and keys of 1024 to 2047 bits (test keys
	// other projects publish; see NewSPKeyLegacy).
	AllowLegacySPKey bool
}

// RestoreOptions are the optional inputs of ConnectionFromJSON, which imports the IdP metadata
// inside the JSON again. Zero values mean the system clock and the default size cap.
type RestoreOptions struct {
	Now      time.Time
	MaxBytes uint64
}

// Connection is one IdP of an account, with the ACS URL and SP entity ID to paste into the IdP. Its
// getters read a copy taken when it was made; ToJSON and SPMetadata ask the C object and fail after
// Close. Close releases it (a finalizer does so otherwise).
type Connection struct {
	ref *ref[capi.Struct_SS_ssogate_connection]
	idp *IdP

	id, description, acsURL, spEntityID, emailAttribute string
	spCertPEM, spCertSHA256                             string
	allowIdPInitiated, jitProvisioning, allowSHA1       bool
	authnRequestsSigned, allowRSA15, allowLegacySPKey   bool
	clockSkew                                           time.Duration
	allowedDomains                                      []string
	allowedReturnOrigins                                []string
	spEncryptionCerts, spEncryptionCertSHA256s          []string
}

// NewConnection makes a connection for an imported IdP. Refusals are *Error values with
// CodeInvalidURL, CodeInvalidSetting or CodeInvalidArgument, naming the field.
func NewConnection(idp *IdP, cfg ConnectionConfig) (*Connection, error) {
	if idp == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "NewConnection: the IdP is nil"}
	}
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()

	params := capi.Ssogate_connection_params_new()
	if params.Swigcptr() == 0 {
		return nil, &Error{Code: CodeOutOfMemory, Message: "ssogate_connection_params_new returned NULL"}
	}
	defer capi.Ssogate_connection_params_free(params)

	type setter func(capi.Struct_SS_ssogate_connection_params, string, capi.Struct_SS_ssogate_error) int
	fields := []struct {
		value string
		set   setter
		call  string
	}{
		{cfg.BaseURL, capi.Ssogate_connection_params_set_base_url, "set_base_url"},
		{cfg.ID, capi.Ssogate_connection_params_set_id, "set_id"},
		{cfg.Description, capi.Ssogate_connection_params_set_description, "set_description"},
		{cfg.ACSURL, capi.Ssogate_connection_params_set_acs_url, "set_acs_url"},
		{cfg.SPEntityID, capi.Ssogate_connection_params_set_sp_entity_id, "set_sp_entity_id"},
		{cfg.ACSURLTemplate, capi.Ssogate_connection_params_set_acs_url_template, "set_acs_url_template"},
		{cfg.SPEntityIDTemplate, capi.Ssogate_connection_params_set_sp_entity_id_template,
			"set_sp_entity_id_template"},
		{cfg.EmailAttribute, capi.Ssogate_connection_params_set_email_attribute, "set_email_attribute"},
		{view(cfg.SPCertificatePEM), capi.Ssogate_connection_params_set_sp_certificate_pem,
			"set_sp_certificate_pem"},
	}
	for _, f := range fields {
		if f.value == "" {
			continue // unset: keep the library's default
		}
		if f.set(params, f.value, e.h) != int(CodeOK) {
			return nil, e.failure("ssogate_connection_params_" + f.call)
		}
	}
	// Every domain goes through, empty ones too: judging them is the library's job.
	for _, d := range cfg.AllowedDomains {
		if capi.Ssogate_connection_params_add_allowed_domain(params, d, e.h) != int(CodeOK) {
			return nil, e.failure("ssogate_connection_params_add_allowed_domain")
		}
	}

	for _, o := range cfg.AllowedReturnOrigins {
		if capi.Ssogate_connection_params_add_return_origin(params, o, e.h) != int(CodeOK) {
			return nil, e.failure("ssogate_connection_params_add_return_origin")
		}
	}
	for _, pem := range cfg.SPEncryptionCertificates {
		if capi.Ssogate_connection_params_add_sp_encryption_certificate(params, pem, e.h) != int(CodeOK) {
			return nil, e.failure("ssogate_connection_params_add_sp_encryption_certificate")
		}
	}

	opts := capi.NewSsogate_connection_options()
	if opts.Swigcptr() == 0 {
		return nil, &Error{Code: CodeOutOfMemory, Message: "allocating ssogate_connection_options failed"}
	}
	defer capi.DeleteSsogate_connection_options(opts)
	opts.SetAllow_idp_initiated(boolInt(cfg.AllowIdPInitiated))
	opts.SetJit_provisioning(boolInt(cfg.JITProvisioning))
	opts.SetAllow_sha1(boolInt(cfg.AllowSHA1))
	opts.SetAllow_rsa_1_5(boolInt(cfg.AllowRSA15))
	opts.SetAllow_legacy_sp_key(boolInt(cfg.AllowLegacySPKey))
	if cfg.ClockSkew != nil {
		secs, err := skewSeconds(*cfg.ClockSkew)
		if err != nil {
			return nil, err
		}
		opts.SetClock_skew_seconds(secs)
	}

	var h capi.Struct_SS_ssogate_connection
	err = idp.withHandle(func(ih capi.Struct_SS_ssogate_idp) error {
		h = capi.Ssogate_connection_new(ih, params, opts, e.h)
		if h.Swigcptr() == 0 {
			return e.failure("ssogate_connection_new")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return wrapConnection(h)
}

// ConnectionFromJSON restores a connection from ToJSON's output. Malformed JSON gives
// ErrConnectionJSON, JSON from a newer version of ssogate ErrConnectionVersion, and metadata that no
// longer imports (say, its validUntil has passed) the import's error.
func ConnectionFromJSON(data []byte, opts RestoreOptions) (*Connection, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()

	var h capi.Struct_SS_ssogate_connection
	err = withIdPOptions(opts.Now, opts.MaxBytes, false, func(o capi.Ssogate_idp_options) error {
		h = capi.Ssogate_connection_from_json(view(data), o, e.h)
		if h.Swigcptr() == 0 {
			return e.failure("ssogate_connection_from_json")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return wrapConnection(h)
}

// wrapConnection takes ownership of h and copies its settings and its IdP into Go values.
func wrapConnection(h capi.Struct_SS_ssogate_connection) (*Connection, error) {
	c := &Connection{ref: newRef(h, capi.Ssogate_connection_free)}
	// The IdP is borrowed from the connection: it holds the connection's ref, never the other way
	// round, and frees nothing itself.
	c.idp = &IdP{owner: c.ref}
	err := c.ref.use("the connection", func(h capi.Struct_SS_ssogate_connection) error {
		c.id = capi.Ssogate_connection_id(h)
		c.description = capi.Ssogate_connection_description(h)
		c.acsURL = capi.Ssogate_connection_acs_url(h)
		c.spEntityID = capi.Ssogate_connection_sp_entity_id(h)
		c.emailAttribute = capi.Ssogate_connection_email_attribute(h)
		c.allowIdPInitiated = capi.Ssogate_connection_allow_idp_initiated(h) != 0
		c.jitProvisioning = capi.Ssogate_connection_jit_provisioning(h) != 0
		c.allowSHA1 = capi.Ssogate_connection_allow_sha1(h) != 0
		c.spCertPEM = capi.Ssogate_connection_sp_certificate_pem(h)
		c.spCertSHA256 = capi.Ssogate_connection_sp_certificate_sha256(h)
		c.authnRequestsSigned = capi.Ssogate_connection_authn_requests_signed(h) != 0
		c.allowRSA15 = capi.Ssogate_connection_allow_rsa_1_5(h) != 0
		c.allowLegacySPKey = capi.Ssogate_connection_allow_legacy_sp_key(h) != 0
		c.clockSkew = time.Duration(capi.Ssogate_connection_clock_skew_seconds(h)) * time.Second
		for i := int64(0); i < capi.Ssogate_connection_allowed_domain_count(h); i++ {
			c.allowedDomains = append(c.allowedDomains, capi.Ssogate_connection_allowed_domain(h, i))
		}
		for i := int64(0); i < capi.Ssogate_connection_return_origin_count(h); i++ {
			c.allowedReturnOrigins = append(c.allowedReturnOrigins, capi.Ssogate_connection_return_origin(h, i))
		}
		for i := int64(0); i < capi.Ssogate_connection_sp_encryption_certificate_count(h); i++ {
			c.spEncryptionCerts = append(c.spEncryptionCerts, capi.Ssogate_connection_sp_encryption_certificate_pem(h, i))
			c.spEncryptionCertSHA256s = append(c.spEncryptionCertSHA256s,
				capi.Ssogate_connection_sp_encryption_certificate_sha256(h, i))
		}
		return c.idp.load(capi.Ssogate_connection_idp(h))
	})
	if err != nil {
		c.ref.close()
		return nil, err
	}
	return c, nil
}

// skewSeconds converts a Duration to the whole seconds the C ABI takes. A fraction cannot be passed
// on, so it is refused here; values past int32 are clamped, which the library's 0..600 check then
// refuses with its own message.
func skewSeconds(d time.Duration) (int, error) {
	if d%time.Second != 0 {
		return 0, &Error{Code: CodeInvalidSetting,
			Message: fmt.Sprintf("ClockSkew must be a whole number of seconds, got %v", d)}
	}
	s := int64(d / time.Second)
	if s > math.MaxInt32 {
		s = math.MaxInt32
	} else if s < math.MinInt32 {
		s = math.MinInt32
	}
	return int(s), nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Close releases the C object. It is safe to call more than once; the getters keep working, ToJSON
// and SPMetadata fail with ErrInvalidArgument.
func (c *Connection) Close() error {
	c.ref.close()
	return nil
}

// ID is the connection id.
func (c *Connection) ID() string { return c.id }

// Description is the description for people, "" when none was given.
func (c *Connection) Description() string { return c.description }

// ACSURL is the URL to paste into the IdP ("Single sign on URL" in Okta).
func (c *Connection) ACSURL() string { return c.acsURL }

// SPEntityID is the SP entity ID to paste into the IdP ("Audience URI (SP Entity ID)" in Okta).
func (c *Connection) SPEntityID() string { return c.spEntityID }

// EmailAttribute is the SAML attribute the email is read from, "" when it is the NameID.
func (c *Connection) EmailAttribute() string { return c.emailAttribute }

// AllowIdPInitiated reports whether unsolicited responses are accepted.
func (c *Connection) AllowIdPInitiated() bool { return c.allowIdPInitiated }

// JITProvisioning reports whether newcomers from allowed domains are prompted to join.
func (c *Connection) JITProvisioning() bool { return c.jitProvisioning }

// ClockSkew is the tolerated clock difference with the IdP.
func (c *Connection) ClockSkew() time.Duration { return c.clockSkew }

// AllowSHA1 reports whether SHA-1 signatures and digests are accepted.
func (c *Connection) AllowSHA1() bool { return c.allowSHA1 }

// AllowedDomains lists the email domains allowed to log in; empty allows any.
func (c *Connection) AllowedDomains() []string { return append([]string(nil), c.allowedDomains...) }

// AllowedReturnOrigins lists the origins an SP-initiated login may return to (normalised).
func (c *Connection) AllowedReturnOrigins() []string {
	return append([]string(nil), c.allowedReturnOrigins...)
}

// SPCertificatePEM is the SP signing certificate published in the SP metadata; "" when there is none.
func (c *Connection) SPCertificatePEM() string { return c.spCertPEM }

// SPCertificateSHA256 is that certificate's SHA-256 fingerprint ("AB:CD:..."), as IdP consoles show
// it; "" when there is none.
func (c *Connection) SPCertificateSHA256() string { return c.spCertSHA256 }

// AuthnRequestsSigned reports whether every login begun for this connection is signed: the IdP's
// metadata wants signed AuthnRequests (the SP metadata then says AuthnRequestsSigned="true").
func (c *Connection) AuthnRequestsSigned() bool { return c.authnRequestsSigned }

// SPEncryptionCertificates lists the SP encryption certificates (PEM, as the library re-encodes
// them), in the order given; empty when the connection takes no encrypted assertions.
func (c *Connection) SPEncryptionCertificates() []string {
	return append([]string(nil), c.spEncryptionCerts...)
}

// SPEncryptionCertificateSHA256s lists their SHA-256 fingerprints ("AB:CD:..."), in the same order.
func (c *Connection) SPEncryptionCertificateSHA256s() []string {
	return append([]string(nil), c.spEncryptionCertSHA256s...)
}

// AllowRSA15 reports whether RSA-1_5 key transport is accepted in encrypted assertions.
func (c *Connection) AllowRSA15() bool { return c.allowRSA15 }

// AllowLegacySPKey reports whether SP encryption keys of 1024 to 2047 bits are accepted.
func (c *Connection) AllowLegacySPKey() bool { return c.allowLegacySPKey }

// IdP is the connection's IdP. It shares the connection's C object: closing the connection makes
// NewConnection with this IdP fail, and closing this IdP frees nothing.
func (c *Connection) IdP() *IdP { return c.idp }

// ToJSON is the connection as JSON with a schema version, for the host to keep in its database and
// give back to ConnectionFromJSON.
func (c *Connection) ToJSON() ([]byte, error) {
	var out []byte
	err := c.ref.use("the connection", func(h capi.Struct_SS_ssogate_connection) error {
		out = []byte(capi.Ssogate_connection_to_json(h))
		return nil
	})
	return out, err
}

// SPMetadata is SAML 2.0 SP metadata (an SPSSODescriptor) for IdPs that import it. Its
// AuthnRequestsSigned is "true" when the IdP wants signed requests (every login begun for the
// connection is then signed; an unsigned one is refused), else "false"; the SP certificate, when
// set, is its signing KeyDescriptor, and each SP encryption certificate an encryption
// KeyDescriptor with the EncryptionMethod algorithms the connection accepts.
func (c *Connection) SPMetadata() ([]byte, error) {
	var out []byte
	err := c.ref.use("the connection", func(h capi.Struct_SS_ssogate_connection) error {
		out = []byte(capi.Ssogate_connection_sp_metadata(h))
		return nil
	})
	return out, err
}
