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

// The Code constants (CodeOK, CodeInvalidArgument, ...), their names and the Err* sentinels are in
// codes_generated.go, written by scripts/gen_tables.py from ssogate.h.

// String returns the stable name of the code ("METADATA_EXPIRED"), or "UNKNOWN" as C does.
func (c Code) String() string {
	if name, ok := codeName(c); ok {
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
