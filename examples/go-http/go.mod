module example.com/ssogate-go-http

go 1.22

require ssogate.dev/ssogate v0.0.0

// The module is not published yet (docs/go.md): the repository's copy.
replace ssogate.dev/ssogate => ../../bindings/go
