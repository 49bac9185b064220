/* The Go low-level package, bindings/go/internal/capi. scripts/gen-go-module.sh runs swig on this file
 * with the flags `go build` would use for a .swig file (-go -cgo -intgosize 64 -module capi) and
 * commits the output (capi.go, capi_wrap.c) into the module, so building the module needs neither
 * swig nor anything outside it: only the installed library, found through pkg-config.
 * Everything (typemaps, the header) comes from the language-neutral interface beside this file. */
%module capi
%include "ssogate.i"
