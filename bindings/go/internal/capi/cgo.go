// Package capi is the SWIG-generated, one-to-one view of libssogate's C ABI (ssogate/ssogate.h),
// made by `go build` from capi.swig. It is an implementation detail of ssogate.dev/ssogate: names,
// types and ownership rules are C's, so nothing outside this module should import it.
//
// The header and -lssogate come from pkg-config (ssogate.pc, installed by `cmake --install`): point
// PKG_CONFIG_PATH at <prefix>/lib/pkgconfig. Go hands the -I flags of pkg-config and of the CFLAGS
// below to swig as well. When ssogate is installed under /usr, pkg-config drops -I/usr/include, which
// swig (unlike a C compiler) does not search by default: set PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1.
package capi

// CFLAGS: where swig finds the language-neutral interface, bindings/swig/ssogate.i, that capi.swig
// includes.

// #cgo CFLAGS: -I${SRCDIR}/../../../swig
// #cgo pkg-config: ssogate
import "C"
