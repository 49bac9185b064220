package ssogate

// The signed identity of a refused login (ssogate_error_signed_identity) returns NULL when there is
// none, and SWIG's Go strings cannot tell NULL from "": this reads it through cgo instead.

/*
#cgo pkg-config: ssogate
#include <stdint.h>
#include <ssogate/ssogate.h>

// The handle travels as an integer so that no Go code converts a uintptr back to a pointer.
static const char *ssogate_go_signed_identity(uintptr_t err) {
    return ssogate_error_signed_identity((const ssogate_error *)err);
}
*/
import "C"

import "ssogate.dev/ssogate/internal/capi"

// signedIdentity returns the recorded refusal's signed identity and whether there is one.
func signedIdentity(e capi.Struct_SS_ssogate_error) (string, bool) {
	p := C.ssogate_go_signed_identity(C.uintptr_t(e.Swigcptr()))
	if p == nil {
		return "", false
	}
	return C.GoString(p), true
}
