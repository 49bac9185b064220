module ssogate.dev/crossruntime

go 1.21

require ssogate.dev/ssogate v0.0.0

// The binding as a Go user of the repository's copy has it (docs/go.md): through a replace directive.
replace ssogate.dev/ssogate => ../../../bindings/go
