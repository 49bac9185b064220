// Package capi is the SWIG-generated, one-to-one view of libssogate's C ABI (ssogate/ssogate.h). It is
// an implementation detail of ssogate.dev/ssogate: names, types and ownership rules are C's, so
// nothing outside this module should import it.
//
// capi.go and capi_wrap.c are SWIG's output, committed (scripts/gen-go-module.sh makes them from
// bindings/swig in the repository, and a test checks that they match a fresh SWIG run), so building
// the module needs no swig: only cgo, a C compiler and the installed library.
//
// The header and -lssogate come from pkg-config (ssogate.pc, installed by `cmake --install`): when
// ssogate is installed under another prefix than /usr or /usr/local, point PKG_CONFIG_PATH at
// <prefix>/lib/pkgconfig (or lib/<multiarch>/pkgconfig).
package capi

// #cgo pkg-config: ssogate
import "C"
