package ssogate_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"ssogate.dev/ssogate"
)

func TestErrorsAsAndIs(t *testing.T) {
	_, err := ssogate.ImportIdPMetadata([]byte("<md:EntityDescriptor"), ssogate.ImportOptions{Now: testNow})
	// A caller usually wraps the error on its way up; both forms must still match.
	wrapped := fmt.Errorf("saving the IdP of account 42: %w", err)
	for _, e := range []error{err, wrapped} {
		var se *ssogate.Error
		if !errors.As(e, &se) {
			t.Fatalf("errors.As(%v) found no *ssogate.Error", e)
		}
		if se.Code != ssogate.CodeXMLMalformed || se.Message == "" {
			t.Errorf("Code %s, Message %q; want XML_MALFORMED with a message", se.Code, se.Message)
		}
		if !errors.Is(e, ssogate.ErrXMLMalformed) || errors.Is(e, ssogate.ErrMetadataNotSAML) {
			t.Errorf("errors.Is picks the wrong sentinel for %v", e)
		}
	}
}

func TestImportRefusals(t *testing.T) {
	okta := readVector(t, "metadata/okta-1.xml")
	cases := []struct {
		name string
		xml  []byte
		opts ssogate.ImportOptions
		want error
	}{
		{"not XML", []byte("this is not xml"), ssogate.ImportOptions{}, ssogate.ErrXMLMalformed},
		{"DOCTYPE", []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`), ssogate.ImportOptions{},
			ssogate.ErrXMLDoctype},
		{"not SAML metadata", []byte(`<html xmlns="http://www.w3.org/1999/xhtml"/>`), ssogate.ImportOptions{},
			ssogate.ErrMetadataNotSAML},
		{"over MaxBytes", okta, ssogate.ImportOptions{MaxBytes: 100}, ssogate.ErrInputTooLarge},
		// The length travels with the bytes: were the input cut at its first NUL (a C string), these
		// would fit under the cap and import.
		{"bytes after a NUL", append(append([]byte{}, okta...), "\x00<!-- ten more -->"...),
			ssogate.ImportOptions{MaxBytes: uint64(len(okta) + 5)}, ssogate.ErrInputTooLarge},
		{"NUL inside the document", append(append([]byte{}, okta[:len(okta)/2]...), append([]byte{0}, okta[len(okta)/2:]...)...),
			ssogate.ImportOptions{}, ssogate.ErrXMLMalformed},
		{"empty", nil, ssogate.ImportOptions{}, nil},
		// Bounds checked before libxml2 does work that grows with their square.
		{"200 attributes on one element", withRootExtras(okta, 200, ` a%d=""`), ssogate.ImportOptions{},
			ssogate.ErrXMLAttributeLimits},
		{"100 namespace declarations on one element", withRootExtras(okta, 100, ` xmlns:p%d="urn:p"`),
			ssogate.ImportOptions{}, ssogate.ErrXMLAttributeLimits},
		// (okta-1 has no XML declaration of its own.)
		{"an encoding ssogate does not decode", append([]byte(`<?xml version="1.0" encoding="Shift_JIS"?>`), okta...),
			ssogate.ImportOptions{}, ssogate.ErrXMLMalformed},
	}
	for _, c := range cases {
		c.opts.Now = testNow
		idp, err := ssogate.ImportIdPMetadata(c.xml, c.opts)
		if err == nil {
			idp.Close()
			t.Errorf("%s: imported; want a refusal", c.name)
			continue
		}
		var se *ssogate.Error
		if !errors.As(err, &se) || se.Message == "" {
			t.Errorf("%s: err = %v; want an *ssogate.Error with a message", c.name, err)
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v; want %v", c.name, err, c.want)
		}
	}
	// Within the bounds, the same metadata with extra attributes imports.
	if idp, err := ssogate.ImportIdPMetadata(withRootExtras(okta, 20, ` a%d=""`), ssogate.ImportOptions{Now: testNow}); err != nil {
		t.Errorf("20 attributes: %v; want an import", err)
	} else {
		idp.Close()
	}
	// The same metadata without the NUL, under the same cap, does import.
	idp, err := ssogate.ImportIdPMetadata(okta, ssogate.ImportOptions{Now: testNow, MaxBytes: uint64(len(okta) + 5)})
	if err != nil {
		t.Fatal(err)
	}
	idp.Close()
}

// Messages are for operators: they name what was expected, and never echo a whole document.
func TestMessagesDoNotEchoTheDocument(t *testing.T) {
	doc := bytes.Repeat([]byte("<a>"), 10000)
	_, err := ssogate.ImportIdPMetadata(doc, ssogate.ImportOptions{Now: testNow})
	if err == nil {
		t.Fatal("imported 10000 unclosed elements")
	}
	if len(err.Error()) > 2000 || strings.Count(err.Error(), "<a>") > 10 {
		t.Errorf("message of %d bytes echoes the input: %.200q", len(err.Error()), err.Error())
	}
}

// okta-1 with `n` copies of `format` (given the copy's index) inserted in its root start tag.
func withRootExtras(doc []byte, n int, format string) []byte {
	tag := []byte("<md:EntityDescriptor")
	at := bytes.Index(doc, tag) + len(tag)
	var extra []byte
	for i := 0; i < n; i++ {
		extra = append(extra, fmt.Sprintf(format, i)...)
	}
	out := append([]byte{}, doc[:at]...)
	out = append(out, extra...)
	return append(out, doc[at:]...)
}
