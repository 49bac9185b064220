package ssogate_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"ssogate.dev/ssogate"
	"ssogate.dev/ssogate/internal/capi"
)

// codePairs (every Go Code beside its C enumerator) and enumRows (every other enum of the header as
// SWIG read it) are in codes_generated_test.go, written by scripts/gen_tables.py.

// enumValues is enumRows by enum, then by name.
func enumValues(enum string) map[string]int {
	out := map[string]int{}
	for _, r := range enumRows {
		if r.enum == enum {
			out[r.name] = r.value
		}
	}
	return out
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

// The Go constants and names of the header's other enums agree with C: the constants by number, and
// the String of each number with the header's name for it (SSO modes in lower case, as the package
// spells them).
func TestEnumsMatchC(t *testing.T) {
	kinds := enumValues("ssogate_gate_outcome_kinds")
	for _, p := range []struct {
		kind ssogate.GateOutcomeKind
		name string
	}{
		{ssogate.GateOutcomeLogin, "LOGIN"}, {ssogate.GateOutcomePromptJoin, "PROMPT_JOIN"},
		{ssogate.GateOutcomeJoinedByInvite, "JOINED_BY_INVITE"}, {ssogate.GateOutcomeDenied, "DENIED"},
	} {
		if c, ok := kinds[p.name]; !ok || int(p.kind) != c || p.kind.String() != p.name {
			t.Errorf("GateOutcomeKind %s: Go %d, C %d (known %v)", p.kind, int(p.kind), c, ok)
		}
	}
	if len(kinds) != 4 {
		t.Errorf("ssogate_gate_outcome_kinds has %d values; Go knows 4", len(kinds))
	}
	outcomes := enumValues("ssogate_sso_outcome")
	for _, p := range []struct {
		outcome ssogate.SSOOutcome
		name    string
	}{
		{ssogate.SSOOutcomeLogin, "LOGIN"}, {ssogate.SSOOutcomeJoinByInvite, "JOIN_BY_INVITE"},
		{ssogate.SSOOutcomePromptJoin, "PROMPT_JOIN"}, {ssogate.SSOOutcomeDeny, "DENY"},
	} {
		if c, ok := outcomes[p.name]; !ok || int(p.outcome) != c || p.outcome.String() != p.name {
			t.Errorf("SSOOutcome %s: Go %d, C %d (known %v)", p.outcome, int(p.outcome), c, ok)
		}
	}
	if len(outcomes) != 4 {
		t.Errorf("ssogate_sso_outcome has %d values; Go knows 4", len(outcomes))
	}
	modes := enumValues("ssogate_sso_mode")
	for _, p := range []struct {
		mode ssogate.SSOMode
		name string
	}{{ssogate.SSOModeMixed, "MIXED"}, {ssogate.SSOModeEnforced, "ENFORCED"}} {
		if c, ok := modes[p.name]; !ok || int(p.mode) != c || p.mode.String() != strings.ToLower(p.name) {
			t.Errorf("SSOMode %s: Go %d, C %d (known %v)", p.mode, int(p.mode), c, ok)
		}
	}
	if len(modes) != 2 {
		t.Errorf("ssogate_sso_mode has %d values; Go knows 2", len(modes))
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
	// uint32_t struct_size and six int32_t: allow_idp_initiated, jit_provisioning, clock_skew_seconds,
	// allow_sha1, allow_rsa_1_5, allow_legacy_sp_key.
	if got := connOpts.GetStruct_size(); got != 28 {
		t.Errorf("ssogate_connection_options struct_size = %d; want 28", got)
	}
	if connOpts.GetClock_skew_seconds() != 180 || connOpts.GetAllow_idp_initiated() != 0 ||
		connOpts.GetJit_provisioning() != 0 || connOpts.GetAllow_sha1() != 0 || connOpts.GetAllow_rsa_1_5() != 0 ||
		connOpts.GetAllow_legacy_sp_key() != 0 {
		t.Errorf("ssogate_connection_options defaults: skew %d, idp-initiated %d, jit %d, sha1 %d, rsa-1_5 %d, "+
			"legacy SP key %d; want 180, 0, 0, 0, 0, 0",
			connOpts.GetClock_skew_seconds(), connOpts.GetAllow_idp_initiated(), connOpts.GetJit_provisioning(),
			connOpts.GetAllow_sha1(), connOpts.GetAllow_rsa_1_5(), connOpts.GetAllow_legacy_sp_key())
	}
	verifyOpts := capi.NewSsogate_verify_options()
	defer capi.DeleteSsogate_verify_options(verifyOpts)
	if verifyOpts.GetDecryption_key_count() != 0 {
		t.Errorf("ssogate_verify_options decryption_key_count = %d; want 0 (no keys)", verifyOpts.GetDecryption_key_count())
	}
}

// The decryption-key array the SWIG interface adds to ssogate_verify_options (ssogate.i): its count
// follows the array, a slot past the end is refused, and freeing it twice is harmless.
func TestVerifyOptionsDecryptionKeyArray(t *testing.T) {
	o := capi.NewSsogate_verify_options()
	defer capi.DeleteSsogate_verify_options(o)
	defer o.Free_decryption_keys()
	null := capi.SwigcptrStruct_SS_ssogate_sp_key(0)
	if o.Alloc_decryption_keys(3) != int(ssogate.CodeOK) || o.GetDecryption_key_count() != 3 {
		t.Fatalf("Alloc_decryption_keys(3): count %d", o.GetDecryption_key_count())
	}
	if got := o.Set_decryption_key(2, null); got != int(ssogate.CodeOK) {
		t.Errorf("Set_decryption_key(2) = %d; want OK", got)
	}
	if got := o.Set_decryption_key(3, null); got != int(ssogate.CodeInvalidArgument) {
		t.Errorf("Set_decryption_key(3) on 3 slots = %d; want INVALID_ARGUMENT", got)
	}
	if o.Alloc_decryption_keys(0) != int(ssogate.CodeOK) || o.GetDecryption_key_count() != 0 {
		t.Errorf("Alloc_decryption_keys(0): count %d; want 0", o.GetDecryption_key_count())
	}
	if got := o.Set_decryption_key(0, null); got != int(ssogate.CodeInvalidArgument) {
		t.Errorf("Set_decryption_key(0) on no slots = %d; want INVALID_ARGUMENT", got)
	}
	o.Free_decryption_keys()
	o.Free_decryption_keys()
	if o.GetDecryption_key_count() != 0 {
		t.Errorf("count after Free_decryption_keys = %d; want 0", o.GetDecryption_key_count())
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
