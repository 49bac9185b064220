package ssogate_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"ssogate.dev/ssogate"
	"ssogate.dev/ssogate/internal/capi"
)

// SWIG turns C enum members into variables read from the library at start-up, so Go constants can
// only be checked against them at run time: this is that check.
var codePairs = []struct {
	goCode ssogate.Code
	cCode  capi.Enum_SS_ssogate_code
}{
	{ssogate.CodeOK, capi.SSOGATE_OK},
	{ssogate.CodeInvalidArgument, capi.SSOGATE_INVALID_ARGUMENT},
	{ssogate.CodeOptionsSize, capi.SSOGATE_OPTIONS_SIZE},
	{ssogate.CodeInvalidURL, capi.SSOGATE_INVALID_URL},
	{ssogate.CodeInvalidSetting, capi.SSOGATE_INVALID_SETTING},
	{ssogate.CodeConnectionJSON, capi.SSOGATE_CONNECTION_JSON},
	{ssogate.CodeConnectionVersion, capi.SSOGATE_CONNECTION_VERSION},
	{ssogate.CodeIndexOutOfRange, capi.SSOGATE_INDEX_OUT_OF_RANGE},
	{ssogate.CodeReturnToNotAllowed, capi.SSOGATE_RETURN_TO_NOT_ALLOWED},
	{ssogate.CodeSPKeyInvalid, capi.SSOGATE_SP_KEY_INVALID},
	{ssogate.CodeSPKeyRequired, capi.SSOGATE_SP_KEY_REQUIRED},
	{ssogate.CodePolicyDenied, capi.SSOGATE_POLICY_DENIED},
	{ssogate.CodeXMLMalformed, capi.SSOGATE_XML_MALFORMED},
	{ssogate.CodeXMLDoctype, capi.SSOGATE_XML_DOCTYPE},
	{ssogate.CodeInputTooLarge, capi.SSOGATE_INPUT_TOO_LARGE},
	{ssogate.CodeXMLLimits, capi.SSOGATE_XML_LIMITS},
	{ssogate.CodeEncodingInvalid, capi.SSOGATE_ENCODING_INVALID},
	{ssogate.CodeXMLAttributeLimits, capi.SSOGATE_XML_ATTRIBUTE_LIMITS},
	{ssogate.CodeMetadataNotSAML, capi.SSOGATE_METADATA_NOT_SAML},
	{ssogate.CodeMetadataNoIdP, capi.SSOGATE_METADATA_NO_IDP},
	{ssogate.CodeMetadataNoSAML2, capi.SSOGATE_METADATA_NO_SAML2},
	{ssogate.CodeMetadataNoSSOEndpoint, capi.SSOGATE_METADATA_NO_SSO_ENDPOINT},
	{ssogate.CodeMetadataNoSigningCert, capi.SSOGATE_METADATA_NO_SIGNING_CERT},
	{ssogate.CodeMetadataBadCert, capi.SSOGATE_METADATA_BAD_CERT},
	{ssogate.CodeMetadataWeakKey, capi.SSOGATE_METADATA_WEAK_KEY},
	{ssogate.CodeMetadataExpired, capi.SSOGATE_METADATA_EXPIRED},
	{ssogate.CodeMetadataAmbiguous, capi.SSOGATE_METADATA_AMBIGUOUS},
	{ssogate.CodeMetadataEntityNotFound, capi.SSOGATE_METADATA_ENTITY_NOT_FOUND},
	{ssogate.CodeMetadataSignatureInvalid, capi.SSOGATE_METADATA_SIGNATURE_INVALID},
	{ssogate.CodeMetadataUnsigned, capi.SSOGATE_METADATA_UNSIGNED},
	{ssogate.CodeMetadataInvalid, capi.SSOGATE_METADATA_INVALID},
	{ssogate.CodeWarnCertExpired, capi.SSOGATE_WARN_CERT_EXPIRED},
	{ssogate.CodeWarnCertExpiresSoon, capi.SSOGATE_WARN_CERT_EXPIRES_SOON},
	{ssogate.CodeWarnCertNotYetValid, capi.SSOGATE_WARN_CERT_NOT_YET_VALID},
	{ssogate.CodeSignatureMissing, capi.SSOGATE_SIGNATURE_MISSING},
	{ssogate.CodeSignatureInvalid, capi.SSOGATE_SIGNATURE_INVALID},
	{ssogate.CodeSignatureAlgorithm, capi.SSOGATE_SIGNATURE_ALGORITHM},
	{ssogate.CodeSignatureReference, capi.SSOGATE_SIGNATURE_REFERENCE},
	{ssogate.CodeSignatureTransform, capi.SSOGATE_SIGNATURE_TRANSFORM},
	{ssogate.CodeSignaturePlacement, capi.SSOGATE_SIGNATURE_PLACEMENT},
	{ssogate.CodeSignatureMalformed, capi.SSOGATE_SIGNATURE_MALFORMED},
	{ssogate.CodeDuplicateID, capi.SSOGATE_DUPLICATE_ID},
	{ssogate.CodeResponseMalformed, capi.SSOGATE_RESPONSE_MALFORMED},
	{ssogate.CodeResponseVersion, capi.SSOGATE_RESPONSE_VERSION},
	{ssogate.CodeIssueInstant, capi.SSOGATE_ISSUE_INSTANT},
	{ssogate.CodeDestinationMismatch, capi.SSOGATE_DESTINATION_MISMATCH},
	{ssogate.CodeIssuerMismatch, capi.SSOGATE_ISSUER_MISMATCH},
	{ssogate.CodeStatusNotSuccess, capi.SSOGATE_STATUS_NOT_SUCCESS},
	{ssogate.CodeAssertionEncrypted, capi.SSOGATE_ASSERTION_ENCRYPTED},
	{ssogate.CodeAssertionCount, capi.SSOGATE_ASSERTION_COUNT},
	{ssogate.CodeAssertionMalformed, capi.SSOGATE_ASSERTION_MALFORMED},
	{ssogate.CodeSubjectConfirmation, capi.SSOGATE_SUBJECT_CONFIRMATION},
	{ssogate.CodeRecipientMismatch, capi.SSOGATE_RECIPIENT_MISMATCH},
	{ssogate.CodeSubjectExpired, capi.SSOGATE_SUBJECT_EXPIRED},
	{ssogate.CodeNotYetValid, capi.SSOGATE_NOT_YET_VALID},
	{ssogate.CodeExpired, capi.SSOGATE_EXPIRED},
	{ssogate.CodeAudienceMismatch, capi.SSOGATE_AUDIENCE_MISMATCH},
	{ssogate.CodeInResponseToUnknown, capi.SSOGATE_IN_RESPONSE_TO_UNKNOWN},
	{ssogate.CodeUnsolicitedNotAllowed, capi.SSOGATE_UNSOLICITED_NOT_ALLOWED},
	{ssogate.CodeAuthnStatementMissing, capi.SSOGATE_AUTHN_STATEMENT_MISSING},
	{ssogate.CodeNameIDFormat, capi.SSOGATE_NAMEID_FORMAT},
	{ssogate.CodeNameIDInvalid, capi.SSOGATE_NAMEID_INVALID},
	{ssogate.CodeEmailDomainNotAllowed, capi.SSOGATE_EMAIL_DOMAIN_NOT_ALLOWED},
	{ssogate.CodeEmailAttribute, capi.SSOGATE_EMAIL_ATTRIBUTE},
	{ssogate.CodeReplayed, capi.SSOGATE_REPLAYED},
	{ssogate.CodeSessionExpired, capi.SSOGATE_SESSION_EXPIRED},
	{ssogate.CodeConditionUnknown, capi.SSOGATE_CONDITION_UNKNOWN},
	{ssogate.CodeTimeWindowInvalid, capi.SSOGATE_TIME_WINDOW_INVALID},
	{ssogate.CodeRequestUnknown, capi.SSOGATE_REQUEST_UNKNOWN},
	{ssogate.CodeRequestExpired, capi.SSOGATE_REQUEST_EXPIRED},
	{ssogate.CodeRequestConnectionMismatch, capi.SSOGATE_REQUEST_CONNECTION_MISMATCH},
	{ssogate.CodeRelayStateInvalid, capi.SSOGATE_RELAY_STATE_INVALID},
	{ssogate.CodeBindingUnsupported, capi.SSOGATE_BINDING_UNSUPPORTED},
	{ssogate.CodeStoreUnavailable, capi.SSOGATE_STORE_UNAVAILABLE},
	{ssogate.CodeStoreCorrupt, capi.SSOGATE_STORE_CORRUPT},
	{ssogate.CodeStoreSchemaNewer, capi.SSOGATE_STORE_SCHEMA_NEWER},
	{ssogate.CodeStoreConflict, capi.SSOGATE_STORE_CONFLICT},
	{ssogate.CodeNotFound, capi.SSOGATE_NOT_FOUND},
	{ssogate.CodeStoreLocation, capi.SSOGATE_STORE_LOCATION},
	{ssogate.CodeInternal, capi.SSOGATE_INTERNAL},
	{ssogate.CodeOutOfMemory, capi.SSOGATE_OUT_OF_MEMORY},
}

func TestCodesMatchC(t *testing.T) {
	seen := map[ssogate.Code]bool{}
	for _, p := range codePairs {
		if int(p.goCode) != int(p.cCode) {
			t.Errorf("%s: Go %d, C %d", p.goCode, int(p.goCode), int(p.cCode))
		}
		if c := capi.Ssogate_code_name(int(p.cCode)); p.goCode.String() != c {
			t.Errorf("code %d: Go name %q, C name %q", int(p.goCode), p.goCode.String(), c)
		}
		seen[p.goCode] = true
	}
	// A code added to the C header but not to Go shows up here: every number the library names must
	// have a Go constant with that name.
	for n := 0; n < 1000; n++ {
		name := capi.Ssogate_code_name(n)
		if name == "UNKNOWN" {
			if got := ssogate.Code(n).String(); got != "UNKNOWN" {
				t.Errorf("code %d: Go calls it %q, C does not know it", n, got)
			}
			continue
		}
		if !seen[ssogate.Code(n)] {
			t.Errorf("C code %d (%s) has no Go constant", n, name)
		}
	}
}

func TestBindingsMatchC(t *testing.T) {
	pairs := []struct {
		goBinding ssogate.Binding
		cBinding  capi.Enum_SS_ssogate_binding
	}{
		{ssogate.BindingOther, capi.SSOGATE_BINDING_OTHER},
		{ssogate.BindingHTTPRedirect, capi.SSOGATE_BINDING_HTTP_REDIRECT},
		{ssogate.BindingHTTPPost, capi.SSOGATE_BINDING_HTTP_POST},
	}
	for _, p := range pairs {
		if int(p.goBinding) != int(p.cBinding) {
			t.Errorf("%s: Go %d, C %d", p.goBinding, int(p.goBinding), int(p.cBinding))
		}
	}
}

// The SWIG constructors of the options structs (ssogate.i) call the C _init functions with sizeof,
// so a fresh struct already carries its size and the library's defaults.
func TestOptionsConstructorsInit(t *testing.T) {
	idpOpts := capi.NewSsogate_idp_options()
	defer capi.DeleteSsogate_idp_options(idpOpts)
	// uint32_t struct_size, padding, uint64_t max_bytes, int64_t now, int32_t allow_sha1, padding.
	if got := idpOpts.GetStruct_size(); got != 32 {
		t.Errorf("ssogate_idp_options struct_size = %d; want 32", got)
	}
	if idpOpts.GetAllow_sha1() != 0 {
		t.Errorf("ssogate_idp_options allow_sha1 = %d; want 0 (SHA-1 refused)", idpOpts.GetAllow_sha1())
	}
	if idpOpts.GetNow() != 0 {
		t.Errorf("ssogate_idp_options now = %d; want 0 (the system clock)", idpOpts.GetNow())
	}
	connOpts := capi.NewSsogate_connection_options()
	defer capi.DeleteSsogate_connection_options(connOpts)
	if got := connOpts.GetStruct_size(); got != 20 {
		t.Errorf("ssogate_connection_options struct_size = %d; want 20", got)
	}
	if connOpts.GetClock_skew_seconds() != 180 || connOpts.GetAllow_idp_initiated() != 0 ||
		connOpts.GetJit_provisioning() != 0 || connOpts.GetAllow_sha1() != 0 {
		t.Errorf("ssogate_connection_options defaults: skew %d, idp-initiated %d, jit %d, sha1 %d; want 180, 0, 0, 0",
			connOpts.GetClock_skew_seconds(), connOpts.GetAllow_idp_initiated(), connOpts.GetJit_provisioning(),
			connOpts.GetAllow_sha1())
	}
}

func TestVersionMatchesHeader(t *testing.T) {
	want := fmt.Sprintf("%d.%d.%d", capi.SSOGATE_VERSION_MAJOR, capi.SSOGATE_VERSION_MINOR, capi.SSOGATE_VERSION_PATCH)
	if got := ssogate.Version(); got != want {
		t.Errorf("Version() = %q; the header SWIG read says %q", got, want)
	}
	if got := ssogate.VersionNumber(); got != capi.SSOGATE_VERSION_NUMBER {
		t.Errorf("VersionNumber() = %d; the header says %d", got, capi.SSOGATE_VERSION_NUMBER)
	}
}

func TestSentinelsMatchTheirCodes(t *testing.T) {
	// Every failure code (not OK, not a warning) has its sentinel, and only those.
	for _, p := range codePairs {
		s, ok := ssogate.Sentinels[p.goCode]
		if wantOne := p.goCode != ssogate.CodeOK && !p.goCode.IsWarning(); ok != wantOne {
			t.Errorf("%s: has a sentinel = %v; want %v", p.goCode, ok, wantOne)
			continue
		}
		if !ok {
			continue
		}
		if s.Code != p.goCode || s.Message != "" {
			t.Errorf("sentinel of %s is %+v", p.goCode, s)
		}
		// A returned error matches its own sentinel and no other.
		returned := &ssogate.Error{Code: p.goCode, Message: "expected x, got y"}
		for code, other := range ssogate.Sentinels {
			if got := errors.Is(returned, other); got != (code == p.goCode) {
				t.Errorf("errors.Is(%s error, %s sentinel) = %v", p.goCode, code, got)
			}
		}
		if !strings.Contains(returned.Error(), p.goCode.String()) || !strings.Contains(returned.Error(), "expected x, got y") {
			t.Errorf("Error() = %q; want the code name and the message", returned.Error())
		}
	}
	if ssogate.ErrMetadataExpired.Code != ssogate.CodeMetadataExpired || ssogate.Sentinels[ssogate.CodeMetadataExpired] != ssogate.ErrMetadataExpired {
		t.Error("ErrMetadataExpired is not the registered sentinel of METADATA_EXPIRED")
	}
}
