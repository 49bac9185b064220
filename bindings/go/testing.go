package ssogate

import (
	"encoding/base64"
	"time"

	"ssogate.dev/ssogate/internal/capi"
)

// KeyType is the key a TestIdP makes.
type KeyType int

const (
	// KeyRSA2048 is an RSA key of 2048 bits (signatures rsa-sha256 by default).
	KeyRSA2048 KeyType = iota
	// KeyECP256 is an EC key on P-256 (signatures ecdsa-sha256 by default).
	KeyECP256
)

// TestSign says what a TestIdP signs. The zero value signs both the Response and the Assertion.
type TestSign int

const (
	TestSignBoth TestSign = iota
	TestSignResponse
	TestSignAssertion
	TestSignNone
)

// TestKeyPlacement says where an encrypting TestIdP puts the EncryptedKey. The zero value puts it
// inside the EncryptedData.
type TestKeyPlacement int

const (
	// TestKeyPlacementInKeyInfo: inside the EncryptedData's KeyInfo (AD FS, Shibboleth, PingFederate).
	TestKeyPlacementInKeyInfo TestKeyPlacement = iota
	// TestKeyPlacementRetrievalMethod: beside the EncryptedData, named by a ds:RetrievalMethod (Okta).
	TestKeyPlacementRetrievalMethod
	// TestKeyPlacementCarriedKeyName: beside the EncryptedData, named by KeyName and CarriedKeyName.
	TestKeyPlacementCarriedKeyName
)

// TestIdPConfig describes a new TestIdP; empty fields take the defaults noted.
type TestIdPConfig struct {
	EntityID string  // default "https://idp.test.example/saml"
	SSOURL   string  // the SSO URL its metadata publishes; default "https://idp.test.example/sso"
	KeyType  KeyType // default KeyRSA2048
}

// TestAttribute is an attribute for a test Response.
type TestAttribute struct {
	Name         string
	Values       []string
	NameFormat   string // "" for the basic format
	FriendlyName string // "" for none
}

// TestResponseParams are the knobs of one test Response. Zero values take the defaults; the
// pointer fields distinguish "default" (nil) from "leave it out" (a pointer to "").
type TestResponseParams struct {
	InResponseTo    string // "" gives an unsolicited Response
	Destination     *string
	Recipient       string // default: the ACS URL
	Audience        *string
	Issuer          string // default: the IdP's entityID
	NameID          string // default "alice@example.com"
	NameIDFormat    *string
	Status          string // default Success
	SubStatus       string
	StatusMessage   string
	SessionIndex    *string
	ResponseID      string // default: fresh and random
	AssertionID     string // default: fresh and random
	SignatureMethod string
	DigestMethod    string
	Attributes      []TestAttribute
	// Now is the IdP's clock (IssueInstant, AuthnInstant); zero means the system clock.
	Now                 time.Time
	IssueInstant        time.Time
	NotBefore           time.Time
	NotOnOrAfter        time.Time
	SubjectNotOnOrAfter time.Time
	OmitAuthnStatement  bool
	// Sign also decides the order with encryption: the Assertion is signed before it is encrypted,
	// the Response over the EncryptedAssertion.
	Sign TestSign
	// EncryptTo, a PEM certificate (RSA), encrypts the Assertion to it, as an IdP with assertion
	// encryption on does; "" leaves it in clear.
	EncryptTo string
	// KeyTransport is the key transport algorithm URI; "" for xmlenc rsa-oaep-mgf1p. Also xmlenc11
	// rsa-oaep and rsa-1_5.
	KeyTransport string
	// DataAlgorithm is the data encryption algorithm URI; "" for xmlenc11 aes256-gcm. Also
	// aes128-gcm (xmlenc11) and aes128-cbc, aes256-cbc (xmlenc).
	DataAlgorithm string
	// KeyPlacement is where the EncryptedKey goes.
	KeyPlacement TestKeyPlacement
	// AnswerRequest is an AuthnRequest as the IdP receives it: the Redirect URL, or the base64
	// SAMLRequest form value of HTTP-POST. It is parsed and checked against the connection (Issuer,
	// ACS URL, binding, Destination, signed when the IdP wants it), and the Response answers its ID
	// (leave InResponseTo empty). TestIdP.Answer fills it from an SPLoginRequest.
	AnswerRequest string
}

// TestResponse is a signed test Response.
type TestResponse struct {
	Base64 string // the SAMLResponse form value
	XML    string
	// RelayState to post with it: what AnswerRequest read from a Redirect URL ("" otherwise; Answer
	// sets the request's own).
	RelayState string
}

// TestIdP is an IdP for tests: its own key and self-signed certificate, its metadata, and signed
// Responses with the knobs a test needs. Use it to test an ACS handler end to end; nothing it
// signs proves anything to a real SP. Safe for concurrent use; Close releases it.
type TestIdP struct {
	ref                                 *ref[capi.Struct_SS_ssogate_test_idp]
	entityID, certPEM, keyPEM, metadata string
}

// NewTestIdP makes a TestIdP with a fresh key.
func NewTestIdP(cfg TestIdPConfig) (*TestIdP, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	key := capi.SSOGATE_KEY_TYPE_RSA_2048
	if cfg.KeyType == KeyECP256 {
		key = capi.SSOGATE_KEY_TYPE_EC_P256
	} else if cfg.KeyType != KeyRSA2048 {
		return nil, &Error{Code: CodeInvalidArgument, Message: "NewTestIdP: unknown KeyType"}
	}
	h := capi.Ssogate_test_idp_new(cfg.EntityID, cfg.SSOURL, int(key), e.h)
	if h.Swigcptr() == 0 {
		return nil, e.failure("ssogate_test_idp_new")
	}
	return wrapTestIdP(h), nil
}

// NewTestIdPFromPEM makes the TestIdP of a key and certificate kept from an earlier one
// (PrivateKeyPEM, CertificatePEM), so that its metadata stays the same across runs; cfg.KeyType is
// ignored. A key that does not match the certificate gives CodeInvalidArgument.
func NewTestIdPFromPEM(keyPEM, certPEM string, cfg TestIdPConfig) (*TestIdP, error) {
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	h := capi.Ssogate_test_idp_from_pem(cfg.EntityID, cfg.SSOURL, keyPEM, certPEM, e.h)
	if h.Swigcptr() == 0 {
		return nil, e.failure("ssogate_test_idp_from_pem")
	}
	return wrapTestIdP(h), nil
}

func wrapTestIdP(h capi.Struct_SS_ssogate_test_idp) *TestIdP {
	return &TestIdP{ref: newRef(h, capi.Ssogate_test_idp_free),
		entityID: capi.Ssogate_test_idp_entity_id(h),
		certPEM:  capi.Ssogate_test_idp_certificate_pem(h),
		keyPEM:   capi.Ssogate_test_idp_private_key_pem(h),
		metadata: capi.Ssogate_test_idp_metadata_xml(h)}
}

// Close releases the IdP; Response fails afterwards.
func (t *TestIdP) Close() error {
	t.ref.close()
	return nil
}

// EntityID is the IdP's entityID.
func (t *TestIdP) EntityID() string { return t.entityID }

// CertificatePEM is its signing certificate.
func (t *TestIdP) CertificatePEM() string { return t.certPEM }

// PrivateKeyPEM is its private key: a throwaway for tests, never for a real IdP.
func (t *TestIdP) PrivateKeyPEM() string { return t.keyPEM }

// MetadataXML is its IdP metadata, for ImportIdPMetadata.
func (t *TestIdP) MetadataXML() []byte { return []byte(t.metadata) }

// Response signs a Response for conn (its ACS URL and SP entity ID) with the knobs of p.
func (t *TestIdP) Response(conn *Connection, p TestResponseParams) (*TestResponse, error) {
	if conn == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "TestIdP.Response: the connection is nil"}
	}
	e, err := newCError()
	if err != nil {
		return nil, err
	}
	defer e.free()
	params := capi.Ssogate_test_response_params_new()
	if params.Swigcptr() == 0 {
		return nil, &Error{Code: CodeOutOfMemory, Message: "ssogate_test_response_params_new returned NULL"}
	}
	defer capi.Ssogate_test_response_params_free(params)

	type setter func(capi.Struct_SS_ssogate_test_response_params, string, capi.Struct_SS_ssogate_error) int
	set := func(value string, f setter) bool { return value == "" || f(params, value, e.h) == int(CodeOK) }
	setOpt := func(value *string, f setter) bool { return value == nil || f(params, *value, e.h) == int(CodeOK) }
	setTime := func(value time.Time, f func(capi.Struct_SS_ssogate_test_response_params, int64, capi.Struct_SS_ssogate_error) int) bool {
		return value.IsZero() || f(params, value.Unix(), e.h) == int(CodeOK)
	}
	sign := map[TestSign]capi.Enum_SS_ssogate_test_sign{TestSignBoth: capi.SSOGATE_TEST_SIGN_BOTH,
		TestSignResponse: capi.SSOGATE_TEST_SIGN_RESPONSE, TestSignAssertion: capi.SSOGATE_TEST_SIGN_ASSERTION,
		TestSignNone: capi.SSOGATE_TEST_SIGN_NONE}
	signValue, known := sign[p.Sign]
	if !known {
		return nil, &Error{Code: CodeInvalidArgument, Message: "TestIdP.Response: unknown Sign value"}
	}
	placement := map[TestKeyPlacement]capi.Enum_SS_ssogate_test_key_placement{
		TestKeyPlacementInKeyInfo:       capi.SSOGATE_TEST_KEY_PLACEMENT_IN_KEY_INFO,
		TestKeyPlacementRetrievalMethod: capi.SSOGATE_TEST_KEY_PLACEMENT_RETRIEVAL_METHOD,
		TestKeyPlacementCarriedKeyName:  capi.SSOGATE_TEST_KEY_PLACEMENT_CARRIED_KEY_NAME,
	}
	placementValue, known := placement[p.KeyPlacement]
	if !known {
		return nil, &Error{Code: CodeInvalidArgument, Message: "TestIdP.Response: unknown KeyPlacement value"}
	}
	// Without EncryptTo the other encryption knobs would be dropped and the Response go out in clear:
	// a test meant to check, say, RSA-1_5 would then pass for the wrong reason.
	if p.EncryptTo == "" && (p.KeyTransport != "" || p.DataAlgorithm != "" || p.KeyPlacement != TestKeyPlacementInKeyInfo) {
		return nil, &Error{Code: CodeInvalidArgument,
			Message: "TestIdP.Response: KeyTransport, DataAlgorithm and KeyPlacement need EncryptTo (the SP certificate)"}
	}
	if p.AnswerRequest != "" && p.InResponseTo != "" {
		return nil, &Error{Code: CodeInvalidArgument,
			Message: "TestIdP.Response: AnswerRequest sets InResponseTo from the request; leave InResponseTo empty"}
	}
	ok := true
	err = conn.ref.use("the connection", func(ch capi.Struct_SS_ssogate_connection) error {
		ok = capi.Ssogate_test_response_params_set_connection(params, ch, e.h) == int(CodeOK)
		if ok && p.AnswerRequest != "" {
			ok = capi.Ssogate_test_response_params_answer_request(params, ch, p.AnswerRequest, e.h) == int(CodeOK)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ok = ok && set(p.InResponseTo, capi.Ssogate_test_response_params_set_in_response_to) &&
		setOpt(p.Destination, capi.Ssogate_test_response_params_set_destination) &&
		set(p.Recipient, capi.Ssogate_test_response_params_set_recipient) &&
		setOpt(p.Audience, capi.Ssogate_test_response_params_set_audience) &&
		set(p.Issuer, capi.Ssogate_test_response_params_set_issuer) &&
		set(p.NameID, capi.Ssogate_test_response_params_set_nameid) &&
		setOpt(p.NameIDFormat, capi.Ssogate_test_response_params_set_nameid_format) &&
		set(p.Status, capi.Ssogate_test_response_params_set_status) &&
		set(p.SubStatus, capi.Ssogate_test_response_params_set_sub_status) &&
		set(p.StatusMessage, capi.Ssogate_test_response_params_set_status_message) &&
		setOpt(p.SessionIndex, capi.Ssogate_test_response_params_set_session_index) &&
		set(p.ResponseID, capi.Ssogate_test_response_params_set_response_id) &&
		set(p.AssertionID, capi.Ssogate_test_response_params_set_assertion_id) &&
		set(p.SignatureMethod, capi.Ssogate_test_response_params_set_signature_method) &&
		set(p.DigestMethod, capi.Ssogate_test_response_params_set_digest_method) &&
		setTime(p.Now, capi.Ssogate_test_response_params_set_now) &&
		setTime(p.IssueInstant, capi.Ssogate_test_response_params_set_issue_instant) &&
		setTime(p.NotBefore, capi.Ssogate_test_response_params_set_not_before) &&
		setTime(p.NotOnOrAfter, capi.Ssogate_test_response_params_set_not_on_or_after) &&
		setTime(p.SubjectNotOnOrAfter, capi.Ssogate_test_response_params_set_subject_not_on_or_after) &&
		capi.Ssogate_test_response_params_set_authn_statement(params, boolInt(!p.OmitAuthnStatement), e.h) == int(CodeOK) &&
		capi.Ssogate_test_response_params_set_sign(params, int(signValue), e.h) == int(CodeOK)
	if p.EncryptTo != "" {
		ok = ok && capi.Ssogate_test_response_params_set_encryption(params, p.EncryptTo, p.KeyTransport,
			p.DataAlgorithm, int(placementValue), e.h) == int(CodeOK)
	}
	for _, a := range p.Attributes {
		for _, v := range a.Values {
			ok = ok && capi.Ssogate_test_response_params_add_attribute(params, a.Name, a.NameFormat, a.FriendlyName, v, e.h) == int(CodeOK)
		}
	}
	if !ok {
		return nil, e.failure("ssogate_test_response_params_set_*")
	}
	var out *TestResponse
	err = t.ref.use("the test IdP", func(h capi.Struct_SS_ssogate_test_idp) error {
		r := capi.Ssogate_test_response_new(h, params, e.h)
		if r.Swigcptr() == 0 {
			return e.failure("ssogate_test_response_new")
		}
		defer capi.Ssogate_test_response_free(r)
		out = &TestResponse{Base64: capi.Ssogate_test_response_base64(r), XML: capi.Ssogate_test_response_xml(r),
			RelayState: capi.Ssogate_test_response_params_relay_state(params)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Answer answers an SP-initiated login as the IdP would: req is what BeginSPLogin (or
// Gate.BeginSPLogin) returned; p holds the other knobs (leave InResponseTo and AnswerRequest empty).
// Post the result's Base64 with its RelayState to the ACS.
func (t *TestIdP) Answer(conn *Connection, req *SPLoginRequest, p TestResponseParams) (*TestResponse, error) {
	if req == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "TestIdP.Answer: the request is nil"}
	}
	if req.Binding == BindingHTTPPost {
		p.AnswerRequest = base64.StdEncoding.EncodeToString([]byte(req.XML))
	} else {
		p.AnswerRequest = req.RedirectURL
	}
	r, err := t.Response(conn, p)
	if err != nil {
		return nil, err
	}
	if r.RelayState == "" {
		r.RelayState = req.RelayState
	}
	return r, nil
}

// CheckDirectoryContract runs the directory contract over dir (ssogate_test_directory_contract):
// the checks every directory passes, the library's memory and SQLite ones included: every read and
// plain write, each Apply operation's precondition and error, all-or-nothing changes, increasing
// audit seqs. Use it in the tests of your own Directory, over NewDirectoryFromStore.
//
// The directory must start empty, and the checks WRITE test data to it (accounts named
// "contract-..."): for tests only. It returns nil when every check passed; at the first failure an
// *Error with CodeStoreCorrupt and a message naming the check ("directory contract, update_member:
// ..."), or the directory's own error when it could not answer.
func CheckDirectoryContract(dir *DirectoryHandle) error {
	e, err := newCError()
	if err != nil {
		return err
	}
	defer e.free()
	return dir.ref.use("the directory", func(h capi.Struct_SS_ssogate_directory) error {
		if capi.Ssogate_test_directory_contract(h, e.h) != 0 {
			return e.failure("ssogate_test_directory_contract")
		}
		return nil
	})
}
