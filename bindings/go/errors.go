package ssogate

import (
	"fmt"

	"ssogate.dev/ssogate/internal/capi"
)

// Code is a stable result code of the C library (ssogate_code in ssogate.h). Numbers never change:
// 0 is success, 1-99 usage, 1xx XML and metadata (180-189 are warnings, never failures), 2xx
// signature, 3xx response and assertion conditions, 4xx state stores, 9xx internal. Match on the
// code or its String, never on the message.
type Code int

// The codes of ssogate.h, with the same numbers. A test checks every one against the C library.
const (
	CodeOK Code = 0
	// A NULL handle, an empty required string or an unknown value.
	CodeInvalidArgument Code = 1
	// An options struct whose struct_size is smaller than the first version of the struct.
	CodeOptionsSize Code = 2
	// A base URL, ACS URL, entity ID template or endpoint that is not an absolute http(s) URL.
	CodeInvalidURL Code = 3
	// A connection setting out of range (clock skew above 600 s, a malformed email domain).
	CodeInvalidSetting Code = 4
	// Connection JSON that does not parse or lacks a required field.
	CodeConnectionJSON Code = 5
	// Connection JSON written by a newer version of ssogate (its schema_version is unknown).
	CodeConnectionVersion Code = 6
	// A getter's index is past the end of its list.
	CodeIndexOutOfRange Code = 7
	// A login's return-to is neither a path on the service nor a URL whose origin the connection allows.
	CodeReturnToNotAllowed Code = 8
	// An SP signing key or certificate that does not parse, is not RSA of 2048 bits or more, or does not
	// match.
	CodeSPKeyInvalid Code = 9
	// The IdP wants signed AuthnRequests (WantAuthnRequestsSigned) and no SP signing key was given.
	CodeSPKeyRequired Code = 10
	// The membership policy refuses the call as things stand now (ConfirmJoin after an admin disabled the
	// connection, turned Just-in-Time provisioning off or removed the domain); the message names the reason.
	CodePolicyDenied Code = 11

	// The input is not well-formed XML.
	CodeXMLMalformed Code = 100
	// The input has a DOCTYPE or an entity declaration; refused before anything is expanded.
	CodeXMLDoctype Code = 101
	// The input is larger than the configured cap.
	CodeInputTooLarge Code = 102
	// The XML nests too deeply or has too many nodes.
	CodeXMLLimits Code = 103
	// Invalid base64 or character encoding.
	CodeEncodingInvalid Code = 104
	// One element carries more attributes or namespace declarations than the per-element cap (refused before
	// the parser does work that grows with their square).
	CodeXMLAttributeLimits Code = 105
	// The root element is not SAML 2.0 metadata (md:EntityDescriptor or md:EntitiesDescriptor).
	CodeMetadataNotSAML Code = 110
	// The entity has no IDPSSODescriptor (for example, an SP's metadata uploaded by mistake).
	CodeMetadataNoIdP Code = 111
	// The IDPSSODescriptor does not list the SAML 2.0 protocol.
	CodeMetadataNoSAML2 Code = 112
	// No SingleSignOnService with the HTTP-Redirect or HTTP-POST binding.
	CodeMetadataNoSSOEndpoint Code = 113
	// No signing certificate (KeyDescriptor use="signing" or without use).
	CodeMetadataNoSigningCert Code = 114
	// A certificate in the metadata does not parse.
	CodeMetadataBadCert Code = 115
	// A signing key is too weak (RSA below 2048 bits) or of an unsupported type.
	CodeMetadataWeakKey Code = 116
	// The metadata's validUntil has passed: download it again from the IdP.
	CodeMetadataExpired Code = 117
	// An aggregate (EntitiesDescriptor) holds several IdPs and no entityID was chosen.
	CodeMetadataAmbiguous Code = 118
	// The chosen entityID is not in the document.
	CodeMetadataEntityNotFound Code = 119
	// The metadata's own signature does not verify with the trusted certificate.
	CodeMetadataSignatureInvalid Code = 120
	// Signature verification was asked for, but the metadata is not signed.
	CodeMetadataUnsigned Code = 121
	// Other structural problems (missing entityID, an endpoint without Location, ...).
	CodeMetadataInvalid Code = 122

	// Warning: a signing certificate has expired (many IdPs still sign with it; rotate soon).
	CodeWarnCertExpired Code = 180
	// Warning: a signing certificate expires within 30 days.
	CodeWarnCertExpiresSoon Code = 181
	// Warning: a signing certificate is not valid yet.
	CodeWarnCertNotYetValid Code = 182

	// The Assertion is not covered by any signature (neither its own nor the Response's).
	CodeSignatureMissing Code = 200
	// A signature does not verify with any signing certificate from the IdP metadata (digest or signature
	// value mismatch, or another key).
	CodeSignatureInvalid Code = 201
	// A signature or digest algorithm outside the allow-list (SHA-1 without the allow_sha1 setting, HMAC,
	// unknown).
	CodeSignatureAlgorithm Code = 202
	// A signature does not have exactly one Reference whose URI is "#" + the ID of the element that holds the
	// signature.
	CodeSignatureReference Code = 203
	// A canonicalization method or transform other than enveloped-signature and exclusive c14n without
	// comments.
	CodeSignatureTransform Code = 204
	// A ds:Signature somewhere other than directly inside the Response or the Assertion (signature wrapping).
	CodeSignaturePlacement Code = 205
	// A ds:Signature whose structure is broken (no SignedInfo, SignatureMethod or SignatureValue, ...).
	CodeSignatureMalformed Code = 206
	// The same ID value appears on two elements (signature wrapping).
	CodeDuplicateID Code = 207

	// The document is not a SAML 2.0 samlp:Response, or a required Response attribute is missing or invalid.
	CodeResponseMalformed Code = 300
	// The Response or Assertion Version is not 2.0.
	CodeResponseVersion Code = 301
	// The Response IssueInstant is outside the allowed age window (maximum age plus clock skew).
	CodeIssueInstant Code = 302
	// The Response Destination is not the connection's ACS URL, or is missing on a signed Response.
	CodeDestinationMismatch Code = 303
	// The Response or Assertion Issuer is not the IdP's entityID from its metadata.
	CodeIssuerMismatch Code = 304
	// The IdP answered with a status other than Success (its StatusCode and StatusMessage are in the message).
	CodeStatusNotSuccess Code = 305
	// The Response carries an EncryptedAssertion, which this version cannot decrypt: turn assertion encryption
	// off at the IdP.
	CodeAssertionEncrypted Code = 306
	// The document does not contain exactly one Assertion (counting nested ones).
	CodeAssertionCount Code = 307
	// The Assertion lacks a required element or attribute (ID, IssueInstant, Issuer, Subject, ...) or has an
	// invalid one.
	CodeAssertionMalformed Code = 308
	// No bearer SubjectConfirmation with SubjectConfirmationData.
	CodeSubjectConfirmation Code = 309
	// The SubjectConfirmationData Recipient is not the connection's ACS URL.
	CodeRecipientMismatch Code = 310
	// The SubjectConfirmationData NotOnOrAfter has passed (or its NotBefore is in the future), with the clock
	// skew.
	CodeSubjectExpired Code = 311
	// The Conditions NotBefore is in the future, with the clock skew.
	CodeNotYetValid Code = 312
	// The Conditions NotOnOrAfter has passed, with the clock skew.
	CodeExpired Code = 313
	// An AudienceRestriction does not list the connection's SP entity ID.
	CodeAudienceMismatch Code = 314
	// InResponseTo is not one of the pending AuthnRequest IDs, or the Response and Assertion disagree on it.
	CodeInResponseToUnknown Code = 315
	// An unsolicited (IdP-initiated) Response, and the connection does not set allow_idp_initiated.
	CodeUnsolicitedNotAllowed Code = 316
	// The Assertion has no AuthnStatement (the Web SSO profile requires one).
	CodeAuthnStatementMissing Code = 317
	// The NameID format is not emailAddress (choose "EmailAddress" as Name ID format at the IdP).
	CodeNameIDFormat Code = 318
	// The NameID is missing, holds markup (comments, processing instructions), or is not a valid email
	// address.
	CodeNameIDInvalid Code = 319
	// The email address's domain is not among the connection's allowed domains.
	CodeEmailDomainNotAllowed Code = 320
	// The configured email attribute is missing or does not hold exactly one valid address.
	CodeEmailAttribute Code = 321
	// This Assertion was already used (replay).
	CodeReplayed Code = 322
	// The AuthnStatement's SessionNotOnOrAfter has passed, with the clock skew.
	CodeSessionExpired Code = 323
	// The Conditions hold a condition ssogate does not understand (SAML core 2.5.1.1: Indeterminate).
	CodeConditionUnknown Code = 324
	// A NotBefore that is not earlier than its NotOnOrAfter (Conditions or SubjectConfirmationData).
	CodeTimeWindowInvalid Code = 325
	// No pending login for this RelayState: unknown, already used, or removed long after it expired.
	CodeRequestUnknown Code = 330
	// The pending login's time to live (default 10 minutes) has passed.
	CodeRequestExpired Code = 331
	// The pending login belongs to another connection than the one whose ACS received the response.
	CodeRequestConnectionMismatch Code = 332
	// A RelayState that ssogate cannot have issued (too long, or characters outside base64url).
	CodeRelayStateInvalid Code = 333
	// The IdP's metadata has no SingleSignOnService for the requested binding.
	CodeBindingUnsupported Code = 334

	// A state store (replay cache, pending requests) could not answer; the login is refused (fail closed).
	CodeStoreUnavailable Code = 400
	// A store's file is not a database or its content is damaged (SQLite reported corruption).
	CodeStoreCorrupt Code = 401
	// The store was written by a newer ssogate (its schema_version is higher than this build knows).
	CodeStoreSchemaNewer Code = 402
	// The record already exists (a member of the account, a join token, a pending request token).
	CodeStoreConflict Code = 403
	// No such account, connection, member, invite or token (or the token was already used or expired).
	CodeNotFound Code = 404
	// A store location that is not "sqlite:PATH", "memory:" or "redis://HOST:PORT[/DB]".
	CodeStoreLocation Code = 405

	// A bug in ssogate or a dependency; the message has details.
	CodeInternal Code = 900
	// Memory allocation failed.
	CodeOutOfMemory Code = 901
)

// codeNames holds the stable name of every code, as ssogate_code_name spells it.
var codeNames = map[Code]string{
	CodeOK:                       "OK",
	CodeInvalidArgument:          "INVALID_ARGUMENT",
	CodeOptionsSize:              "OPTIONS_SIZE",
	CodeInvalidURL:               "INVALID_URL",
	CodeInvalidSetting:           "INVALID_SETTING",
	CodeConnectionJSON:           "CONNECTION_JSON",
	CodeConnectionVersion:        "CONNECTION_VERSION",
	CodeIndexOutOfRange:          "INDEX_OUT_OF_RANGE",
	CodeXMLMalformed:             "XML_MALFORMED",
	CodeXMLDoctype:               "XML_DOCTYPE",
	CodeInputTooLarge:            "INPUT_TOO_LARGE",
	CodeXMLLimits:                "XML_LIMITS",
	CodeEncodingInvalid:          "ENCODING_INVALID",
	CodeXMLAttributeLimits:       "XML_ATTRIBUTE_LIMITS",
	CodeMetadataNotSAML:          "METADATA_NOT_SAML",
	CodeMetadataNoIdP:            "METADATA_NO_IDP",
	CodeMetadataNoSAML2:          "METADATA_NO_SAML2",
	CodeMetadataNoSSOEndpoint:    "METADATA_NO_SSO_ENDPOINT",
	CodeMetadataNoSigningCert:    "METADATA_NO_SIGNING_CERT",
	CodeMetadataBadCert:          "METADATA_BAD_CERT",
	CodeMetadataWeakKey:          "METADATA_WEAK_KEY",
	CodeMetadataExpired:          "METADATA_EXPIRED",
	CodeMetadataAmbiguous:        "METADATA_AMBIGUOUS",
	CodeMetadataEntityNotFound:   "METADATA_ENTITY_NOT_FOUND",
	CodeMetadataSignatureInvalid: "METADATA_SIGNATURE_INVALID",
	CodeMetadataUnsigned:         "METADATA_UNSIGNED",
	CodeMetadataInvalid:          "METADATA_INVALID",
	CodeWarnCertExpired:          "WARN_CERT_EXPIRED",
	CodeWarnCertExpiresSoon:      "WARN_CERT_EXPIRES_SOON",
	CodeWarnCertNotYetValid:      "WARN_CERT_NOT_YET_VALID",
	CodeSignatureMissing:         "SIGNATURE_MISSING",
	CodeSignatureInvalid:         "SIGNATURE_INVALID",
	CodeSignatureAlgorithm:       "SIGNATURE_ALGORITHM",
	CodeSignatureReference:       "SIGNATURE_REFERENCE",
	CodeSignatureTransform:       "SIGNATURE_TRANSFORM",
	CodeSignaturePlacement:       "SIGNATURE_PLACEMENT",
	CodeSignatureMalformed:       "SIGNATURE_MALFORMED",
	CodeDuplicateID:              "DUPLICATE_ID",
	CodeResponseMalformed:        "RESPONSE_MALFORMED",
	CodeResponseVersion:          "RESPONSE_VERSION",
	CodeIssueInstant:             "ISSUE_INSTANT",
	CodeDestinationMismatch:      "DESTINATION_MISMATCH",
	CodeIssuerMismatch:           "ISSUER_MISMATCH",
	CodeStatusNotSuccess:         "STATUS_NOT_SUCCESS",
	CodeAssertionEncrypted:       "ASSERTION_ENCRYPTED",
	CodeAssertionCount:           "ASSERTION_COUNT",
	CodeAssertionMalformed:       "ASSERTION_MALFORMED",
	CodeSubjectConfirmation:      "SUBJECT_CONFIRMATION",
	CodeRecipientMismatch:        "RECIPIENT_MISMATCH",
	CodeSubjectExpired:           "SUBJECT_EXPIRED",
	CodeNotYetValid:              "NOT_YET_VALID",
	CodeExpired:                  "EXPIRED",
	CodeAudienceMismatch:         "AUDIENCE_MISMATCH",
	CodeInResponseToUnknown:      "IN_RESPONSE_TO_UNKNOWN",
	CodeUnsolicitedNotAllowed:    "UNSOLICITED_NOT_ALLOWED",
	CodeAuthnStatementMissing:    "AUTHN_STATEMENT_MISSING",
	CodeNameIDFormat:             "NAMEID_FORMAT",
	CodeNameIDInvalid:            "NAMEID_INVALID",
	CodeEmailDomainNotAllowed:    "EMAIL_DOMAIN_NOT_ALLOWED",
	CodeEmailAttribute:           "EMAIL_ATTRIBUTE",
	CodeReplayed:                 "REPLAYED",
	CodeSessionExpired:           "SESSION_EXPIRED",
	CodeConditionUnknown:         "CONDITION_UNKNOWN",
	CodeTimeWindowInvalid:        "TIME_WINDOW_INVALID",
	CodeStoreUnavailable:         "STORE_UNAVAILABLE",
	CodeStoreCorrupt:             "STORE_CORRUPT",
	CodeStoreSchemaNewer:         "STORE_SCHEMA_NEWER",
	CodeStoreConflict:            "STORE_CONFLICT",
	CodeNotFound:                 "NOT_FOUND",
	CodeStoreLocation:            "STORE_LOCATION",
	CodeInternal:                 "INTERNAL",
	CodeOutOfMemory:              "OUT_OF_MEMORY",

	// SP-initiated login.
	CodeReturnToNotAllowed:        "RETURN_TO_NOT_ALLOWED",
	CodeSPKeyInvalid:              "SP_KEY_INVALID",
	CodeSPKeyRequired:             "SP_KEY_REQUIRED",
	CodePolicyDenied:              "POLICY_DENIED",
	CodeRequestUnknown:            "REQUEST_UNKNOWN",
	CodeRequestExpired:            "REQUEST_EXPIRED",
	CodeRequestConnectionMismatch: "REQUEST_CONNECTION_MISMATCH",
	CodeRelayStateInvalid:         "RELAY_STATE_INVALID",
	CodeBindingUnsupported:        "BINDING_UNSUPPORTED",
}

// String returns the stable name of the code ("METADATA_EXPIRED"), or "UNKNOWN" as C does.
func (c Code) String() string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	return "UNKNOWN"
}

// IsWarning reports whether c is one of the warning codes (180-189), which only ever accompany a
// successful import.
func (c Code) IsWarning() bool { return c >= 180 && c <= 189 }

// Error is a refusal from the library: a stable Code and an operator message saying what was expected
// and what came. Match it with errors.Is against the Err* sentinels, or errors.As to read both fields.
type Error struct {
	Code    Code
	Message string
	// UserMessage is safe to show the end user whose login failed: generic, it names the code for
	// their administrator and never echoes input. Set on errors from the library.
	UserMessage string
	// SignatureVerified is true for a refused login whose refusal came after the response's
	// signature verified (IdP-initiated not allowed, NameID format, email domain, replay, ...).
	// SignedIdentity is then who the signed assertion names: an address in its normalised form
	// (NormalizeEmail), else the NameID as stated ("" when it names nobody readable). Both are zero
	// when the refusal came before any signature verified (nothing the sender chose is reported) and
	// for every other error.
	SignatureVerified bool
	SignedIdentity    string
}

// Error formats the code's name and number, then the message.
func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("ssogate: %s (%d)", e.Code, int(e.Code))
	}
	return fmt.Sprintf("ssogate: %s (%d): %s", e.Code, int(e.Code), e.Message)
}

// Is reports whether target is an *Error with the same code, so that a returned error matches the
// sentinel of its code whatever its message: errors.Is(err, ssogate.ErrMetadataExpired).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && e != nil && t != nil && t.Code == e.Code
}

// Sentinel errors, one per failure code, for errors.Is. They carry no message; the errors the
// library returns do.
var (
	ErrInvalidArgument   = sentinel(CodeInvalidArgument)
	ErrOptionsSize       = sentinel(CodeOptionsSize)
	ErrInvalidURL        = sentinel(CodeInvalidURL)
	ErrInvalidSetting    = sentinel(CodeInvalidSetting)
	ErrConnectionJSON    = sentinel(CodeConnectionJSON)
	ErrConnectionVersion = sentinel(CodeConnectionVersion)
	ErrIndexOutOfRange   = sentinel(CodeIndexOutOfRange)

	ErrReturnToNotAllowed = sentinel(CodeReturnToNotAllowed)
	ErrSPKeyInvalid       = sentinel(CodeSPKeyInvalid)
	ErrSPKeyRequired      = sentinel(CodeSPKeyRequired)
	ErrPolicyDenied       = sentinel(CodePolicyDenied)

	ErrXMLMalformed             = sentinel(CodeXMLMalformed)
	ErrXMLDoctype               = sentinel(CodeXMLDoctype)
	ErrInputTooLarge            = sentinel(CodeInputTooLarge)
	ErrXMLLimits                = sentinel(CodeXMLLimits)
	ErrEncodingInvalid          = sentinel(CodeEncodingInvalid)
	ErrXMLAttributeLimits       = sentinel(CodeXMLAttributeLimits)
	ErrMetadataNotSAML          = sentinel(CodeMetadataNotSAML)
	ErrMetadataNoIdP            = sentinel(CodeMetadataNoIdP)
	ErrMetadataNoSAML2          = sentinel(CodeMetadataNoSAML2)
	ErrMetadataNoSSOEndpoint    = sentinel(CodeMetadataNoSSOEndpoint)
	ErrMetadataNoSigningCert    = sentinel(CodeMetadataNoSigningCert)
	ErrMetadataBadCert          = sentinel(CodeMetadataBadCert)
	ErrMetadataWeakKey          = sentinel(CodeMetadataWeakKey)
	ErrMetadataExpired          = sentinel(CodeMetadataExpired)
	ErrMetadataAmbiguous        = sentinel(CodeMetadataAmbiguous)
	ErrMetadataEntityNotFound   = sentinel(CodeMetadataEntityNotFound)
	ErrMetadataSignatureInvalid = sentinel(CodeMetadataSignatureInvalid)
	ErrMetadataUnsigned         = sentinel(CodeMetadataUnsigned)
	ErrMetadataInvalid          = sentinel(CodeMetadataInvalid)

	ErrSignatureMissing   = sentinel(CodeSignatureMissing)
	ErrSignatureInvalid   = sentinel(CodeSignatureInvalid)
	ErrSignatureAlgorithm = sentinel(CodeSignatureAlgorithm)
	ErrSignatureReference = sentinel(CodeSignatureReference)
	ErrSignatureTransform = sentinel(CodeSignatureTransform)
	ErrSignaturePlacement = sentinel(CodeSignaturePlacement)
	ErrSignatureMalformed = sentinel(CodeSignatureMalformed)
	ErrDuplicateID        = sentinel(CodeDuplicateID)

	ErrResponseMalformed     = sentinel(CodeResponseMalformed)
	ErrResponseVersion       = sentinel(CodeResponseVersion)
	ErrIssueInstant          = sentinel(CodeIssueInstant)
	ErrDestinationMismatch   = sentinel(CodeDestinationMismatch)
	ErrIssuerMismatch        = sentinel(CodeIssuerMismatch)
	ErrStatusNotSuccess      = sentinel(CodeStatusNotSuccess)
	ErrAssertionEncrypted    = sentinel(CodeAssertionEncrypted)
	ErrAssertionCount        = sentinel(CodeAssertionCount)
	ErrAssertionMalformed    = sentinel(CodeAssertionMalformed)
	ErrSubjectConfirmation   = sentinel(CodeSubjectConfirmation)
	ErrRecipientMismatch     = sentinel(CodeRecipientMismatch)
	ErrSubjectExpired        = sentinel(CodeSubjectExpired)
	ErrNotYetValid           = sentinel(CodeNotYetValid)
	ErrExpired               = sentinel(CodeExpired)
	ErrAudienceMismatch      = sentinel(CodeAudienceMismatch)
	ErrInResponseToUnknown   = sentinel(CodeInResponseToUnknown)
	ErrUnsolicitedNotAllowed = sentinel(CodeUnsolicitedNotAllowed)
	ErrAuthnStatementMissing = sentinel(CodeAuthnStatementMissing)
	ErrNameIDFormat          = sentinel(CodeNameIDFormat)
	ErrNameIDInvalid         = sentinel(CodeNameIDInvalid)
	ErrEmailDomainNotAllowed = sentinel(CodeEmailDomainNotAllowed)
	ErrEmailAttribute        = sentinel(CodeEmailAttribute)
	ErrReplayed              = sentinel(CodeReplayed)
	ErrSessionExpired        = sentinel(CodeSessionExpired)
	ErrConditionUnknown      = sentinel(CodeConditionUnknown)
	ErrTimeWindowInvalid     = sentinel(CodeTimeWindowInvalid)

	ErrRequestUnknown            = sentinel(CodeRequestUnknown)
	ErrRequestExpired            = sentinel(CodeRequestExpired)
	ErrRequestConnectionMismatch = sentinel(CodeRequestConnectionMismatch)
	ErrRelayStateInvalid         = sentinel(CodeRelayStateInvalid)
	ErrBindingUnsupported        = sentinel(CodeBindingUnsupported)

	ErrStoreUnavailable = sentinel(CodeStoreUnavailable)
	ErrStoreCorrupt     = sentinel(CodeStoreCorrupt)
	ErrStoreSchemaNewer = sentinel(CodeStoreSchemaNewer)
	ErrStoreConflict    = sentinel(CodeStoreConflict)
	ErrNotFound         = sentinel(CodeNotFound)
	ErrStoreLocation    = sentinel(CodeStoreLocation)

	ErrInternal    = sentinel(CodeInternal)
	ErrOutOfMemory = sentinel(CodeOutOfMemory)
)

// sentinels maps each failure code to its sentinel; the tests check that none is missing.
var sentinels = map[Code]*Error{}

func sentinel(c Code) *Error {
	e := &Error{Code: c}
	sentinels[c] = e
	return e
}

// cError is one ssogate_error for one call. The C library never shares error state between calls
// or threads, and neither does this package: every call that can fail makes its own and frees it.
type cError struct {
	h capi.Struct_SS_ssogate_error
}

func newCError() (*cError, error) {
	h := capi.Ssogate_error_new()
	if h.Swigcptr() == 0 {
		return nil, &Error{Code: CodeOutOfMemory, Message: "ssogate_error_new returned NULL"}
	}
	return &cError{h: h}, nil
}

func (e *cError) free() { capi.Ssogate_error_free(e.h) }

// failure turns the recorded C error into a Go one; the message is copied before e is freed. A
// failing call that recorded no code is a library bug, reported as such instead of as success.
func (e *cError) failure(call string) *Error {
	code := Code(capi.Ssogate_error_code(e.h))
	if code == CodeOK {
		return &Error{Code: CodeInternal, Message: call + " failed but recorded no error code"}
	}
	out := &Error{Code: code, Message: capi.Ssogate_error_message(e.h), UserMessage: capi.Ssogate_error_user_message(e.h)}
	out.SignedIdentity, out.SignatureVerified = signedIdentity(e.h)
	return out
}
