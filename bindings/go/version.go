package ssogate

import "ssogate.dev/ssogate/internal/capi"

// Version is the version of the C library actually loaded, "MAJOR.MINOR.PATCH".
func Version() string { return capi.Ssogate_version_string() }

// VersionNumber is the version of the C library actually loaded, MAJOR*1000000 + MINOR*1000 + PATCH.
func VersionNumber() int { return capi.Ssogate_version_number() }
