// Package ssogate is the Go binding of libssogate, SAML 2.0 single sign-on for products with a web
// dashboard, from the service provider's side.
//
// The flow of an admin's "Save" screen:
//
//	idp, err := ssogate.ImportIdPMetadata(uploadedXML, ssogate.ImportOptions{})
//	if errors.Is(err, ssogate.ErrMetadataExpired) { ... ask for a fresh download ... }
//	conn, err := ssogate.NewConnection(idp, ssogate.ConnectionConfig{BaseURL: "https://app.example.com"})
//	fmt.Println(conn.ACSURL(), conn.SPEntityID()) // what the admin pastes back into the IdP
//	stored, err := conn.ToJSON()                   // keep it; ConnectionFromJSON restores it
//
// The package translates the stable C ABI (ssogate/ssogate.h) through a SWIG-generated layer; every
// rule lives in the C++ core, so Go, Python and C callers get the same answers and the same codes.
// Refusals are *Error values: match them with errors.Is against the Err* sentinels, or errors.As to
// read the Code and the operator Message.
//
// Encrypted assertions: put the certificates of the SP encryption keys in
// ConnectionConfig.SPEncryptionCertificates (the SP metadata publishes them for the IdP) and hand the
// private keys, loaded with NewSPKey from your own secret store, to each call in
// VerifyOptions.DecryptionKeys or once to Gate.AddDecryptionKey. Keys never enter a connection or
// its JSON.
//
// Objects are immutable and safe to share across goroutines. Each holds a C object: Close releases
// it as soon as you are done (a finalizer releases it otherwise).
//
// Building needs cgo (a C compiler), a 64-bit target, and the installed C library (libssogate and its
// ssogate.h, of the same major version and at least the minor version this module was made for),
// found by pkg-config as ssogate: set PKG_CONFIG_PATH to <prefix>/lib/pkgconfig for an install
// outside the standard places. SWIG is not needed; the module carries its generated wrapper.
package ssogate
