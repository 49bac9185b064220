#!/bin/sh
# The ssogate command, end to end, on the Okta metadata from the interop corpus.
#   cli_test.sh SSOGATE_BINARY VECTORS_DIR
set -eu
ssogate=$1
md=$2/interop/metadata
now=1795824000   # 2026-11-28T00:00:00Z, the corpus date
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0

fail() { echo "FAIL: $*" >&2; echo "$passed passed, 1 failed"; exit 1; }
ok() { passed=$((passed + 1)); }
# contains FILE TEXT: FILE holds TEXT as a fixed string.
contains() { grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "'$2' not in $1"; }; ok; }
# status WANT CMD...: runs CMD with stdout/stderr in $tmp/out and $tmp/err; checks its exit code.
status() {
    want=$1; shift
    set +e; "$@" >"$tmp/out" 2>"$tmp/err"; got=$?; set -e
    [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err" >&2; fail "exit $got, wanted $want: $*"; }
    ok
}
# json_error FILE NAME EXIT [CODE]: FILE holds one {"error": {...}} object with this name, exit code and
# library code (null when CODE is not given: the command's own failures); prints nothing else.
json_error() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["error"], d
e = d["error"]
assert {"code", "name", "message", "exit_code"} <= set(e), e
assert e["name"] == sys.argv[2] and e["exit_code"] == int(sys.argv[3]), e
want = int(sys.argv[4]) if len(sys.argv) > 4 else None
assert e["code"] == want, e
assert e["message"], e
' "$@" || { cat "$1" >&2; fail "--json error object in $1: wanted $2, exit $3"; }
    ok
}

# The admin's Save screen, as text.
status 0 "$ssogate" idp import "$md/okta-1.xml" --base-url https://app.example.com --id okta-prod \
    --now "$now" --out "$tmp/conn.json"
contains "$tmp/out" "http://www.okta.com/exkppsa1qwuFV4D7z0h7"
contains "$tmp/out" "  HTTP-POST      https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml"
contains "$tmp/out" "  HTTP-Redirect  https://dev-513394.oktapreview.com/"
contains "$tmp/out" "D4:0D:F0:1C:CE:DE:49:D2:07:CB:6D:8A:BD:15:77:0A:4B:6E:CA:14:A8:54:48:C2:95:9A:98:F8:5D:C3:1E:D4"
contains "$tmp/out" "CN=dev-513394"
contains "$tmp/out" "2028-09-07T14:33:59Z"
contains "$tmp/out" "Paste these into your IdP:"
contains "$tmp/out" "Single sign on URL:           https://app.example.com/sso/saml/okta-prod/acs"
contains "$tmp/out" "Audience URI (SP Entity ID):  https://app.example.com/sso/saml/okta-prod"
contains "$tmp/conn.json" '"schema_version"'
[ ! -s "$tmp/err" ] || fail "stderr not empty on success"
ok

# The connection file gives back SP metadata with the same URLs.
status 0 "$ssogate" sp metadata "$tmp/conn.json"
contains "$tmp/out" "SPSSODescriptor"
contains "$tmp/out" 'Location="https://app.example.com/sso/saml/okta-prod/acs"'
contains "$tmp/out" 'entityID="https://app.example.com/sso/saml/okta-prod"'
cp "$tmp/out" "$tmp/sp-metadata.xml"
# sp metadata --json: the same XML, the connection and what to paste, in one object.
status 0 "$ssogate" sp metadata "$tmp/conn.json" --json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"sp_metadata", "connection", "paste_into_idp"}, d.keys()
assert d["sp_metadata"].strip() == open(sys.argv[2]).read().strip()
assert d["connection"]["id"] == "okta-prod", d["connection"]
assert d["connection"]["acs_url"] == "https://app.example.com/sso/saml/okta-prod/acs", d["connection"]
assert d["paste_into_idp"] == {"single_sign_on_url": "https://app.example.com/sso/saml/okta-prod/acs",
                               "audience_uri": "https://app.example.com/sso/saml/okta-prod"}, d
' "$tmp/out" "$tmp/sp-metadata.xml" || fail "sp metadata --json"
ok

# --json: one JSON object with the same facts.
status 0 "$ssogate" idp import "$md/okta-1.xml" --base-url https://app.example.com --id okta-prod --now "$now" --json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["idp"]["entity_id"] == "http://www.okta.com/exkppsa1qwuFV4D7z0h7", d["idp"]["entity_id"]
assert d["idp"]["certificates"][0]["sha256"].startswith("D4:0D:F0:1C"), d["idp"]["certificates"]
assert {e["binding"] for e in d["idp"]["sso"]} == {"HTTP-POST", "HTTP-Redirect"}, d["idp"]["sso"]
assert d["paste_into_idp"]["single_sign_on_url"] == "https://app.example.com/sso/saml/okta-prod/acs"
assert d["paste_into_idp"]["audience_uri"] == "https://app.example.com/sso/saml/okta-prod"
assert d["idp"]["warnings"] == []
' "$tmp/out" || fail "--json output"
ok

# An expired signing certificate is a warning, not a refusal.
status 0 "$ssogate" idp import "$md/adfs-1.xml" --base-url https://app.example.com --now "$now"
contains "$tmp/out" "WARN_CERT_EXPIRED"
contains "$tmp/out" "(EXPIRED)"

# Refused input: exit 3 with the code name on stderr, or as JSON on stdout with --json.
status 3 "$ssogate" idp import "$md/google-1.xml" --base-url https://app.example.com --now "$now"
contains "$tmp/err" "error: METADATA_EXPIRED: "
status 3 "$ssogate" idp import "$md/federation-2.xml" --base-url https://app.example.com --now "$now" --json
python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["code"] == 118 and e["name"] == "METADATA_AMBIGUOUS" and "idp.umu.se" in e["message"], e
' "$tmp/out" || fail "--json error object"
ok
status 0 "$ssogate" idp import "$md/federation-2.xml" --base-url https://app.example.com --now "$now" \
    --entity-id https://idp.umu.se/saml2/idp/metadata.php
status 3 "$ssogate" idp import "$md/okta-1.xml" --base-url not-a-url --now "$now"
contains "$tmp/err" "error: INVALID_URL: "
printf '{"schema_version": 99}' >"$tmp/newer.json"
status 3 "$ssogate" sp metadata "$tmp/newer.json"
contains "$tmp/err" "error: CONNECTION_VERSION: "
status 3 "$ssogate" sp metadata "$tmp/newer.json" --json
json_error "$tmp/out" CONNECTION_VERSION 3 6

# Usage errors: exit 2.
status 2 "$ssogate"
status 2 "$ssogate" idp import "$md/okta-1.xml"                      # --base-url missing
status 2 "$ssogate" idp import "$md/okta-1.xml" --base-url https://app.example.com --now yesterday
status 2 "$ssogate" frobnicate
status 0 "$ssogate" --help
contains "$tmp/out" "Exit codes"

status 0 "$ssogate" version
grep -Eq '^ssogate [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" || fail "version output: $(cat "$tmp/out")"
ok
cp "$tmp/out" "$tmp/version.txt"
status 0 "$ssogate" --version
cmp -s "$tmp/out" "$tmp/version.txt" || fail "--version printed '$(cat "$tmp/out")', version '$(cat "$tmp/version.txt")'"
ok

# A file that is missing or unreadable: exit 1 (an I/O failure, as the help says), for every command
# that reads one, with --json as one object.
status 1 "$ssogate" idp import "$tmp/no-such-file.xml" --base-url https://app.example.com
contains "$tmp/err" "cannot read the metadata file $tmp/no-such-file.xml: No such file or directory"
status 1 "$ssogate" idp import "$tmp/no-such-file.xml" --base-url https://app.example.com --json
json_error "$tmp/out" FILE_UNREADABLE 1
contains "$tmp/out" "no-such-file.xml"
status 1 "$ssogate" sp metadata "$tmp/no-such-file.json"
contains "$tmp/err" "cannot read the connection file"
status 1 "$ssogate" sp metadata "$tmp/no-such-file.json" --json
json_error "$tmp/out" FILE_UNREADABLE 1
status 1 "$ssogate" verify "$tmp/no-such-file.json" "$tmp/no-such-file.b64" --json
json_error "$tmp/out" FILE_UNREADABLE 1
if [ "$(id -u)" != 0 ]; then   # root reads any file
    cp "$md/okta-1.xml" "$tmp/locked.xml"; chmod 000 "$tmp/locked.xml"
    status 1 "$ssogate" idp import "$tmp/locked.xml" --base-url https://app.example.com --json
    json_error "$tmp/out" FILE_UNREADABLE 1
    contains "$tmp/out" "Permission denied"
fi
status 1 "$ssogate" idp import "$tmp" --base-url https://app.example.com --json
json_error "$tmp/out" FILE_IS_DIRECTORY 1
status 1 "$ssogate" idp import "$md/okta-1.xml" --base-url https://app.example.com --out "$tmp/no-dir/c.json" --json
json_error "$tmp/out" FILE_UNWRITABLE 1

# A URL where a file is expected: the command reads files and says how to download one. (`idp import`
# fetches https URLs itself: below.)
status 1 "$ssogate" sp metadata "https://app.example.com/connection.json" --json
json_error "$tmp/out" FILE_IS_URL 1
status 1 "$ssogate" sp metadata "https://app.example.com/connection.json"
contains "$tmp/err" "is a URL: the ssogate command reads files"

# `idp import URL`: a real HTTPS host on 127.0.0.1 with its own test CA (tests/support/metadata_server.py).
# Refused before any connection: a private address, another scheme; 127.0.0.1 itself without --allow-network.
status 3 "$ssogate" idp import https://10.1.2.3/metadata.xml --base-url https://app.example.com --json
json_error "$tmp/out" METADATA_ADDRESS_BLOCKED 3 131
status 3 "$ssogate" idp import http://idp.example/metadata.xml --base-url https://app.example.com
contains "$tmp/err" "error: METADATA_URL_INVALID"
host=$tmp/host
mkdir "$host"
python3 "$(dirname "$0")/../support/metadata_server.py" "$host" >"$tmp/host.json" &
host_pid=$!
trap 'kill -9 $host_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -s "$tmp/host.json" ] && break; sleep 0.1; done
port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["https_port"])' "$tmp/host.json")
ca=$host/tls/ca.pem
cp "$md/okta-1.xml" "$host/okta.xml"
status 3 "$ssogate" idp import "https://127.0.0.1:$port/okta.xml" --base-url https://app.example.com --now "$now"
contains "$tmp/err" "error: METADATA_ADDRESS_BLOCKED"
contains "$tmp/err" "127.0.0.1 (loopback)"
status 0 "$ssogate" idp import "https://127.0.0.1:$port/okta.xml" --base-url https://app.example.com --id okta-url \
    --allow-network 127.0.0.1/32 --ca-file "$ca" --now "$now" --out "$tmp/url.json"
contains "$tmp/out" "IdP entityID:  http://www.okta.com/exkppsa1qwuFV4D7z0h7"
contains "$tmp/url.json" "\"url\": \"https://127.0.0.1:$port/okta.xml\""
# Refresh: unchanged (304), then a broken document (exit 3, the last known good stays, the file records it).
status 0 "$ssogate" idp refresh "$tmp/url.json" --allow-network 127.0.0.1/32 --ca-file "$ca" --now "$now" --json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["applied"] is False and d["not_modified"] is True and d["error"] is None, d
assert d["consecutive_failures"] == 0 and d["next_refresh_at"].endswith("Z"), d
' "$tmp/out" || fail "idp refresh --json (unchanged)"
ok
printf '<md:EntityDescriptor' >"$host/okta.xml"
status 3 "$ssogate" idp refresh "$tmp/url.json" --allow-network 127.0.0.1/32 --ca-file "$ca" --now "$now"
contains "$tmp/out" "Refresh failed (XML_MALFORMED)"
contains "$tmp/out" "METADATA_REFRESH_FAILED:"
contains "$tmp/url.json" "\"consecutive_failures\": 1"
status 0 "$ssogate" sp metadata "$tmp/url.json" --now "$now"
contains "$tmp/out" 'entityID="https://app.example.com/sso/saml/okta-url"'
kill -9 $host_pid
wait $host_pid 2>/dev/null || true

# A web page saved from the browser instead of the metadata XML: said to be HTML, with where the XML is.
printf '<!DOCTYPE html>\n<html><head><title>Okta</title></head><body>metadata</body></html>\n' >"$tmp/page.html"
status 3 "$ssogate" idp import "$tmp/page.html" --base-url https://app.example.com
contains "$tmp/err" "error: METADATA_NOT_SAML: $tmp/page.html is an HTML page"
contains "$tmp/err" '"Identity Provider metadata" link'
status 3 "$ssogate" idp import "$tmp/page.html" --base-url https://app.example.com --json
json_error "$tmp/out" METADATA_NOT_SAML 3 110
contains "$tmp/out" "Identity Provider metadata"
printf '<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>\n' >"$tmp/page.xhtml"
status 3 "$ssogate" idp import "$tmp/page.xhtml" --base-url https://app.example.com --json
json_error "$tmp/out" METADATA_NOT_SAML 3 110

# Usage errors with --json: one object too (exit 2), and the text on stderr.
status 2 "$ssogate" idp import "$md/okta-1.xml" --json
json_error "$tmp/out" USAGE 2
contains "$tmp/err" "--base-url is required"
status 2 "$ssogate" verify --json
json_error "$tmp/out" USAGE 2

# The testing IdP end to end: a throwaway key, its metadata imported like a real IdP's, a signed
# Response for the connection, verified by `ssogate verify`.
idp=https://idp.cli.test/saml
status 0 "$ssogate" testing keygen --key "$tmp/k.pem" --cert "$tmp/c.pem" --entity-id "$idp"
contains "$tmp/out" "Test key written to $tmp/k.pem"
contains "$tmp/c.pem" "BEGIN CERTIFICATE"
contains "$tmp/k.pem" "PRIVATE KEY"
if grep -q "PRIVATE KEY" "$tmp/out" "$tmp/err"; then fail "keygen printed the key"; fi
ok
[ "$(stat -c %a "$tmp/k.pem")" = 600 ] || fail "key file mode $(stat -c %a "$tmp/k.pem"), wanted 600"
ok
status 0 "$ssogate" testing metadata --key "$tmp/k.pem" --cert "$tmp/c.pem" --entity-id "$idp" \
    --sso-url https://idp.cli.test/sso
cp "$tmp/out" "$tmp/test-idp.xml"
contains "$tmp/test-idp.xml" "entityID=\"$idp\""
status 0 "$ssogate" idp import "$tmp/test-idp.xml" --base-url https://app.example.com --id test-prod \
    --now "$now" --out "$tmp/test.json"
contains "$tmp/out" "IdP entityID:  $idp"

# The SP metadata says what the connection does: this IdP does not ask for signed AuthnRequests, so
# nothing is promised; one that does gets them signed (every login begun is), and the SP key's
# certificate given with --sp-cert is published as the signing KeyDescriptor.
status 0 "$ssogate" sp metadata "$tmp/test.json"
contains "$tmp/out" 'AuthnRequestsSigned="false"'
if grep -q "KeyDescriptor" "$tmp/out"; then fail "a KeyDescriptor without an SP certificate"; fi
ok
sed 's/WantAuthnRequestsSigned="false"/WantAuthnRequestsSigned="true"/' "$tmp/test-idp.xml" >"$tmp/wants-signed.xml"
contains "$tmp/wants-signed.xml" 'WantAuthnRequestsSigned="true"'
status 0 "$ssogate" testing keygen --key "$tmp/sp-k.pem" --cert "$tmp/sp-c.pem"
status 0 "$ssogate" idp import "$tmp/wants-signed.xml" --base-url https://app.example.com --id signed \
    --sp-cert "$tmp/sp-c.pem" --now "$now" --out "$tmp/signed.json"
contains "$tmp/out" "The IdP wants signed AuthnRequests"
contains "$tmp/out" "SP signing certificate:       SHA-256 "
status 0 "$ssogate" sp metadata "$tmp/signed.json"
contains "$tmp/out" 'AuthnRequestsSigned="true"'
contains "$tmp/out" '<md:KeyDescriptor use="signing">'
contains "$tmp/out" "$(grep -v CERTIFICATE "$tmp/sp-c.pem" | tr -d '\n' | cut -c1-60)"
status 0 "$ssogate" testing response "$tmp/test.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid alice@example.com --in-response-to _req1 --attribute groups=admins --attribute groups=dev \
    --attribute firstName=Alice --now "$now"
cp "$tmp/out" "$tmp/resp.b64"
status 0 "$ssogate" verify "$tmp/test.json" "$tmp/resp.b64" --now "$now" --request-id _req1
contains "$tmp/out" "Login verified"
contains "$tmp/out" "Email:           alice@example.com"
contains "$tmp/out" "IdP:             $idp"
contains "$tmp/out" "Connection:      test-prod"
contains "$tmp/out" "In response to:  _req1"
contains "$tmp/out" "groups: admins dev"
[ ! -s "$tmp/err" ] || fail "stderr not empty on a verified login"
ok

# --json, with the posted value on stdin: one object with the login.
status 0 sh -c '"$1" verify "$2" - --now "$3" --request-id _req1 --json <"$4"' sh "$ssogate" "$tmp/test.json" "$now" \
    "$tmp/resp.b64"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["login"]
assert d["email"] == "alice@example.com", d
assert d["nameid_format"] == "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", d
assert d["idp_entity_id"] == sys.argv[2] and d["connection_id"] == "test-prod", d
assert d["in_response_to"] == "_req1" and d["session_index"] and d["assertion_id"], d
assert {a["name"]: a["values"] for a in d["attributes"]} == {"groups": ["admins", "dev"], "firstName": ["Alice"]}, d
' "$tmp/out" "$idp" || fail "verify --json output"
ok

# What people paste instead of the posted value: the decoded XML, or the value still URL-encoded (or
# the whole form body). Each is recognised and the message says what to pass instead.
base64 -d "$tmp/resp.b64" >"$tmp/resp.xml"
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/resp.xml" --now "$now" --request-id _req1
contains "$tmp/err" "error: ENCODING_INVALID: RESPONSE $tmp/resp.xml holds XML (a decoded SAML Response)"
contains "$tmp/err" "base64 -w0 $tmp/resp.xml > response.b64"
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/resp.xml" --now "$now" --request-id _req1 --json
json_error "$tmp/out" ENCODING_INVALID 3 104
python3 -c 'import sys, urllib.parse; sys.stdout.write(urllib.parse.quote(open(sys.argv[1]).read().strip(), safe=""))' \
    "$tmp/resp.b64" >"$tmp/resp.urlenc"
contains "$tmp/resp.urlenc" "%3D"
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/resp.urlenc" --now "$now" --request-id _req1
contains "$tmp/err" "is URL-encoded (%2B, %2F or %3D)"
contains "$tmp/err" "urllib.parse.unquote"
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/resp.urlenc" --now "$now" --request-id _req1 --json
json_error "$tmp/out" ENCODING_INVALID 3 104
{ printf 'SAMLResponse='; cat "$tmp/resp.urlenc"; printf '&RelayState=abc'; } >"$tmp/body.txt"
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/body.txt" --now "$now" --request-id _req1
contains "$tmp/err" "is URL-encoded (a form body, SAMLResponse=...)"
# The decoding the message suggests gives a value that verifies.
decode=$(sed -n 's/.*decode it first, e.g. \(python3 -c .*\) < .*/\1/p' "$tmp/err")
[ -n "$decode" ] || fail "no decoding command in: $(cat "$tmp/err")"
ok
sh -c "$decode" <"$tmp/body.txt" >"$tmp/decoded.b64"
status 0 "$ssogate" verify "$tmp/test.json" "$tmp/decoded.b64" --now "$now" --request-id _req1
contains "$tmp/out" "Login verified"

# --xml prints the signed Response itself.
status 0 "$ssogate" testing response "$tmp/test.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid alice@example.com --now "$now" --sign assertion --xml
contains "$tmp/out" "<samlp:Response "
contains "$tmp/out" 'Destination="https://app.example.com/sso/saml/test-prod/acs"'
contains "$tmp/out" "<ds:SignatureValue>"

# Refusals: exit 3 with the core's code name and both messages.
status 0 "$ssogate" idp import "$tmp/test-idp.xml" --base-url https://app.example.com --id other --now "$now" \
    --out "$tmp/other.json"
status 3 "$ssogate" verify "$tmp/other.json" "$tmp/resp.b64" --now "$now" --request-id _req1
contains "$tmp/err" "error: DESTINATION_MISMATCH: "
contains "$tmp/err" "end-user message: "
status 0 "$ssogate" idp import "$tmp/test-idp.xml" --base-url https://app.example.com --id test-prod --now "$now" \
    --sp-entity-id https://other.example.com/sp --out "$tmp/aud.json"
status 3 "$ssogate" verify "$tmp/aud.json" "$tmp/resp.b64" --now "$now" --request-id _req1
contains "$tmp/err" "error: AUDIENCE_MISMATCH: "
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/resp.b64" --now $((now + 600)) --request-id _req1
contains "$tmp/err" "error: SUBJECT_EXPIRED: "
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/resp.b64" --now $((now + 365 * 86400)) --request-id _req1
contains "$tmp/err" "error: ISSUE_INSTANT: "
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/resp.b64" --now "$now"
contains "$tmp/err" "error: IN_RESPONSE_TO_UNKNOWN: "
status 0 "$ssogate" testing response "$tmp/test.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid alice@example.com --in-response-to _req1 --now "$now" --sign none
cp "$tmp/out" "$tmp/unsigned.b64"
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/unsigned.b64" --now "$now" --request-id _req1 --json
python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["code"] == 200 and e["name"] == "SIGNATURE_MISSING", e
assert "trusted certificates: SHA-256 " in e["message"], e
assert "SIGNATURE_MISSING" in e["user_message"], e
' "$tmp/out" || fail "verify --json refusal"
ok
# A key from another test IdP: its signature does not verify with the imported certificate.
status 0 "$ssogate" testing keygen --key "$tmp/k2.pem" --cert "$tmp/c2.pem" --ec
status 0 "$ssogate" testing response "$tmp/test.json" --key "$tmp/k2.pem" --cert "$tmp/c2.pem" \
    --nameid alice@example.com --in-response-to _req1 --now "$now"
cp "$tmp/out" "$tmp/other-key.b64"
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/other-key.b64" --now "$now" --request-id _req1
contains "$tmp/err" "error: SIGNATURE_INVALID: "

# verify --explain: every check with its values, and the likely causes; exit 3 as verify refuses.
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/other-key.b64" --now "$now" --request-id _req1 --explain
contains "$tmp/out" "Verification refuses this response with SIGNATURE_INVALID."
contains "$tmp/out" "which is not in the metadata"
contains "$tmp/out" "[signing_key_not_in_metadata]"
contains "$tmp/out" "NOT REACHED   audience"
status 0 "$ssogate" testing metadata --key "$tmp/k2.pem" --cert "$tmp/c2.pem" --entity-id "$idp"
cp "$tmp/out" "$tmp/rotated-idp.xml"
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/other-key.b64" --now "$now" --request-id _req1 --explain \
    --compare-metadata "$tmp/rotated-idp.xml" --json
python3 -c '
import json, sys
x = json.load(open(sys.argv[1]))["explanation"]
assert x["result"] == "SIGNATURE_INVALID" and x["accepted"] is False, x["result"]
first = next(c for c in x["checks"] if c["status"] == "fail")
assert first["name"] == "signatures" and first["code"] == "SIGNATURE_INVALID", first
assert {"signing_key_not_in_metadata", "candidate_metadata_has_key"} <= {h["name"] for h in x["hints"]}, x["hints"]
assert x["checks"][-1] == {"name": "replay", "status": "not_reached", "code": None, "expected": "", "got": "",
                           "detail": ""}, x["checks"][-1]
' "$tmp/out" || fail "verify --explain --json"
ok
# An accepted response: every check passes but the replay check, which the command cannot look up.
status 0 "$ssogate" verify "$tmp/test.json" "$tmp/resp.b64" --now "$now" --request-id _req1 --explain
contains "$tmp/out" "Verification accepts this response."
contains "$tmp/out" "NOT REACHED   replay"
if grep -q "^  FAIL" "$tmp/out"; then fail "a failing check for an accepted response"; fi
ok
# Behind a proxy: the app's base URL is its internal address; the hint names the public one.
status 0 "$ssogate" idp import "$tmp/test-idp.xml" --base-url http://app.internal:8080 --id test-prod \
    --now "$now" --out "$tmp/internal.json"
status 3 "$ssogate" verify "$tmp/internal.json" "$tmp/resp.b64" --now "$now" --request-id _req1 --explain
contains "$tmp/out" "[acs_behind_proxy]"
contains "$tmp/out" "'https://app.example.com'"
status 2 "$ssogate" verify "$tmp/test.json" "$tmp/resp.b64" --compare-metadata "$tmp/rotated-idp.xml"
status 3 "$ssogate" testing metadata --key "$tmp/k2.pem" --cert "$tmp/c.pem"
contains "$tmp/err" "error: INVALID_ARGUMENT: test IdP: the key does not match the certificate"
status 2 "$ssogate" testing response "$tmp/test.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid alice@example.com --attribute novalue
status 2 "$ssogate" testing response "$tmp/test.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid alice@example.com --sign maybe
status 2 "$ssogate" verify "$tmp/test.json"

# What is read: a directory is said to be one (exit 1, an I/O problem); an endless input is read only up
# to the cap (exit 3, INPUT_TOO_LARGE, as JSON with --json); the metadata file has its cap too.
status 1 "$ssogate" verify "$tmp/test.json" "$tmp"
contains "$tmp/err" "RESPONSE $tmp is a directory"
status 3 timeout 60 "$ssogate" verify "$tmp/test.json" /dev/zero --now "$now" --json
python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["name"] == "INPUT_TOO_LARGE" and "stopped reading" in e["message"], e
' "$tmp/out" || fail "verify of /dev/zero"
ok
status 3 timeout 60 "$ssogate" idp import /dev/zero --base-url https://app.example.com
contains "$tmp/err" "INPUT_TOO_LARGE"

# A refusal quoting a long non-ASCII value: the JSON is printed (the message is cut on a character
# boundary), not an internal error.
issuer=$(python3 -c 'print("https://idp.cli.test/x" + "\u00e9" * 150)')
status 0 "$ssogate" testing response "$tmp/test.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid alice@example.com --in-response-to _req1 --now "$now" --entity-id "$issuer"
cp "$tmp/out" "$tmp/multibyte.b64"
status 3 "$ssogate" verify "$tmp/test.json" "$tmp/multibyte.b64" --now "$now" --request-id _req1 --json
python3 -c '
import json, sys
e = json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))["error"]
assert e["name"] == "ISSUER_MISMATCH", e
assert "\u00e9..." in e["message"] and "\ufffd" not in e["message"], e
' "$tmp/out" || fail "verify --json with a multibyte value"
ok

# Encrypted assertions. An SP encryption key pair is what `testing keygen` makes (RSA-2048); the
# connection keeps only the certificates (two: a key rollover), and the private key is given to
# `verify` per run, never written into the connection JSON.
status 0 "$ssogate" testing keygen --key "$tmp/enc-k.pem" --cert "$tmp/enc-c.pem"
fp1=$(sed -n 's/^  SHA-256  //p' "$tmp/out")
status 0 "$ssogate" testing keygen --key "$tmp/enc2-k.pem" --cert "$tmp/enc2-c.pem"
fp2=$(sed -n 's/^  SHA-256  //p' "$tmp/out")
[ "${#fp1}" -eq 95 ] && [ "${#fp2}" -eq 95 ] && [ "$fp1" != "$fp2" ] || fail "keygen fingerprints '$fp1' '$fp2'"
ok
status 0 "$ssogate" idp import "$tmp/test-idp.xml" --base-url https://app.example.com --id enc --now "$now" \
    --sp-encryption-cert "$tmp/enc-c.pem" --sp-encryption-cert "$tmp/enc2-c.pem" --out "$tmp/enc.json"
contains "$tmp/out" "SP encryption certificates (a key rollover"
contains "$tmp/out" "1. SHA-256 $fp1"
contains "$tmp/out" "2. SHA-256 $fp2"
contains "$tmp/out" "--decryption-key KEY.pem"
contains "$tmp/enc.json" '"sp_encryption_certificates"'
contains "$tmp/enc.json" "$(sed -n 6p "$tmp/enc2-c.pem")"
if grep -q "PRIVATE KEY" "$tmp/enc.json" "$tmp/out" "$tmp/err"; then fail "a private key in the connection or output"; fi
ok
status 0 "$ssogate" idp import "$tmp/test-idp.xml" --base-url https://app.example.com --id enc --now "$now" \
    --sp-encryption-cert "$tmp/enc-c.pem" --json
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["connection"]
assert c["sp_encryption_certificate_sha256s"] == [sys.argv[2]], c
assert c["allow_rsa_1_5"] is False and c["allow_legacy_sp_key"] is False, c
' "$tmp/out" "$fp1" || fail "idp import --json with an SP encryption certificate"
ok
# Help says where the private key goes.
status 0 "$ssogate" idp import --help
contains "$tmp/out" "--sp-encryption-cert"
tr -s ' \n' ' ' <"$tmp/out" >"$tmp/help.txt"
contains "$tmp/help.txt" "the private key never goes in the connection JSON"
status 0 "$ssogate" verify --help
tr -s ' \n' ' ' <"$tmp/out" >"$tmp/help.txt"
contains "$tmp/help.txt" "a connection JSON never holds a private key"

# The SP metadata publishes both certificates for encryption, with the algorithms accepted.
status 0 "$ssogate" sp metadata "$tmp/enc.json"
contains "$tmp/out" 'KeyDescriptor use="encryption"'
contains "$tmp/out" "EncryptionMethod"
contains "$tmp/out" "$(grep -v CERTIFICATE "$tmp/enc-c.pem" | tr -d '\n' | cut -c300-360)"
contains "$tmp/out" "$(grep -v CERTIFICATE "$tmp/enc2-c.pem" | tr -d '\n' | cut -c300-360)"
[ "$(grep -o 'KeyDescriptor use="encryption"' "$tmp/out" | wc -l)" -eq 2 ] || fail "two encryption KeyDescriptors"
ok

# An encrypted Response: the NameID is not in the clear, and verify decrypts it with the key.
status 0 "$ssogate" testing response "$tmp/enc.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid erin@example.com --in-response-to _req1 --now "$now" --encrypt-to "$tmp/enc-c.pem" --xml
contains "$tmp/out" "EncryptedAssertion"
if grep -q "erin@example.com" "$tmp/out"; then fail "the encrypted Response shows the NameID"; fi
ok
status 0 "$ssogate" testing response "$tmp/enc.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid erin@example.com --in-response-to _req1 --now "$now" --encrypt-to "$tmp/enc-c.pem"
cp "$tmp/out" "$tmp/enc.b64"
status 0 "$ssogate" verify "$tmp/enc.json" "$tmp/enc.b64" --now "$now" --request-id _req1 \
    --decryption-key "$tmp/enc-k.pem" --decryption-cert "$tmp/enc-c.pem"
contains "$tmp/out" "Login verified"
contains "$tmp/out" "Email:           erin@example.com"
[ ! -s "$tmp/err" ] || fail "stderr not empty on a verified encrypted login"
ok
# Rollover: a Response encrypted to the next key verifies when both pairs are given, in any order.
status 0 "$ssogate" testing response "$tmp/enc.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid erin@example.com --in-response-to _req1 --now "$now" --encrypt-to "$tmp/enc2-c.pem" \
    --key-placement retrieval-method --data-algorithm http://www.w3.org/2001/04/xmlenc#aes128-cbc
cp "$tmp/out" "$tmp/enc2.b64"
# (The options before the positionals: each takes one file, so none takes CONNECTION or RESPONSE.)
status 0 "$ssogate" verify --decryption-key "$tmp/enc-k.pem" --decryption-cert "$tmp/enc-c.pem" \
    --decryption-key "$tmp/enc2-k.pem" --decryption-cert "$tmp/enc2-c.pem" \
    "$tmp/enc.json" "$tmp/enc2.b64" --now "$now" --request-id _req1 --json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["login"]
assert d["email"] == "erin@example.com" and d["connection_id"] == "enc", d
' "$tmp/out" || fail "verify --json of an encrypted Response"
ok
# Without the key: refused, and the message says what is missing.
status 3 "$ssogate" verify "$tmp/enc.json" "$tmp/enc.b64" --now "$now" --request-id _req1
contains "$tmp/err" "error: ASSERTION_ENCRYPTED: "
contains "$tmp/err" "$fp1"
contains "$tmp/err" "$fp2"
status 3 "$ssogate" verify "$tmp/enc.json" "$tmp/enc.b64" --now "$now" --request-id _req1 --json
python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["name"] == "ASSERTION_ENCRYPTED" and "ASSERTION_ENCRYPTED" in e["user_message"], e
' "$tmp/out" || fail "verify --json without the decryption key"
ok
# Only the key of the other certificate: it cannot decrypt what was encrypted to the first.
status 3 "$ssogate" verify "$tmp/enc.json" "$tmp/enc.b64" --now "$now" --request-id _req1 \
    --decryption-key "$tmp/enc2-k.pem" --decryption-cert "$tmp/enc2-c.pem"
contains "$tmp/err" "error: DECRYPTION_FAILED: "
# A key whose certificate the connection does not list is not tried.
status 3 "$ssogate" verify "$tmp/enc.json" "$tmp/enc.b64" --now "$now" --request-id _req1 \
    --decryption-key "$tmp/k.pem" --decryption-cert "$tmp/c.pem"
contains "$tmp/err" "error: ASSERTION_ENCRYPTED: "
# A key with another key's certificate: refused when loaded, naming the files.
status 3 "$ssogate" verify "$tmp/enc.json" "$tmp/enc.b64" --now "$now" --request-id _req1 \
    --decryption-key "$tmp/enc-k.pem" --decryption-cert "$tmp/enc2-c.pem"
contains "$tmp/err" "error: SP_KEY_INVALID: --decryption-key $tmp/enc-k.pem with --decryption-cert $tmp/enc2-c.pem: "
# Keys and certificates that do not pair up, and encryption options without --encrypt-to: usage errors.
status 2 "$ssogate" verify "$tmp/enc.json" "$tmp/enc.b64" --now "$now" --request-id _req1 \
    --decryption-key "$tmp/enc-k.pem"
contains "$tmp/err" "go in pairs: got 1 key(s) and 0 certificate(s)"
status 2 "$ssogate" verify "$tmp/enc.json" "$tmp/enc.b64" --now "$now" --request-id _req1 \
    --decryption-key "$tmp/enc-k.pem" "$tmp/enc2-k.pem" --decryption-cert "$tmp/enc-c.pem" "$tmp/enc2-c.pem"
status 2 "$ssogate" verify "$tmp/enc.json" "$tmp/enc.b64" --now "$now" --request-id _req1 \
    --decryption-key "$tmp/enc-k.pem" --decryption-cert "$tmp/enc-c.pem" --decryption-cert "$tmp/enc2-c.pem"
status 2 "$ssogate" testing response "$tmp/enc.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid erin@example.com --key-transport http://www.w3.org/2001/04/xmlenc#rsa-1_5
status 2 "$ssogate" testing response "$tmp/enc.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid erin@example.com --encrypt-to "$tmp/enc-c.pem" --key-placement elsewhere
status 3 "$ssogate" testing response "$tmp/enc.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid erin@example.com --encrypt-to "$tmp/enc-c.pem" --data-algorithm http://example.com/rot13
contains "$tmp/err" "error: INVALID_ARGUMENT: "

# RSA-1_5 key transport: refused unless the connection opts in with --allow-rsa-1-5.
status 0 "$ssogate" testing response "$tmp/enc.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid erin@example.com --in-response-to _req1 --now "$now" --encrypt-to "$tmp/enc-c.pem" \
    --key-transport http://www.w3.org/2001/04/xmlenc#rsa-1_5
cp "$tmp/out" "$tmp/rsa15.b64"
status 3 "$ssogate" verify "$tmp/enc.json" "$tmp/rsa15.b64" --now "$now" --request-id _req1 \
    --decryption-key "$tmp/enc-k.pem" --decryption-cert "$tmp/enc-c.pem"
contains "$tmp/err" "error: ENCRYPTION_ALGORITHM: "
status 0 "$ssogate" idp import "$tmp/test-idp.xml" --base-url https://app.example.com --id enc --now "$now" \
    --sp-encryption-cert "$tmp/enc-c.pem" --allow-rsa-1-5 --out "$tmp/enc15.json"
contains "$tmp/out" "RSA-1_5 key transport accepted"
status 0 "$ssogate" verify "$tmp/enc15.json" "$tmp/rsa15.b64" --now "$now" --request-id _req1 \
    --decryption-key "$tmp/enc-k.pem" --decryption-cert "$tmp/enc-c.pem"
contains "$tmp/out" "Email:           erin@example.com"

# A 1024-bit SP key (a test key another project published): only with --allow-legacy-sp-key, for the
# certificate in the connection and for the key given to verify.
legacy_key=$2/interop/responses/okta-3.sp-key.pem
legacy_cert=$2/interop/responses/okta-3.sp-cert.pem
status 3 "$ssogate" idp import "$tmp/test-idp.xml" --base-url https://app.example.com --id legacy --now "$now" \
    --sp-encryption-cert "$legacy_cert"
contains "$tmp/err" "error: INVALID_SETTING: "
status 0 "$ssogate" idp import "$tmp/test-idp.xml" --base-url https://app.example.com --id legacy --now "$now" \
    --sp-encryption-cert "$legacy_cert" --allow-legacy-sp-key --out "$tmp/legacy.json"
contains "$tmp/out" "SP encryption keys under 2048 bits accepted (--allow-legacy-sp-key)"
status 0 "$ssogate" testing response "$tmp/legacy.json" --key "$tmp/k.pem" --cert "$tmp/c.pem" \
    --nameid erin@example.com --in-response-to _req1 --now "$now" --encrypt-to "$legacy_cert"
cp "$tmp/out" "$tmp/legacy.b64"
status 0 "$ssogate" verify "$tmp/legacy.json" "$tmp/legacy.b64" --now "$now" --request-id _req1 \
    --decryption-key "$legacy_key" --decryption-cert "$legacy_cert"
contains "$tmp/out" "Email:           erin@example.com"
status 3 "$ssogate" verify "$tmp/enc.json" "$tmp/enc.b64" --now "$now" --request-id _req1 \
    --decryption-key "$legacy_key" --decryption-cert "$legacy_cert"
contains "$tmp/err" "error: SP_KEY_INVALID: "

# `db migrate`: a SQLite file and a real PostgreSQL server (tests/support/pg_server.py, 127.0.0.1).
status 0 "$ssogate" db migrate "sqlite:$tmp/gate.db"
contains "$tmp/out" "created schema version"
status 0 "$ssogate" db migrate "sqlite:$tmp/gate.db" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["from"] == d["to"] >= 3, d' "$tmp/out" ||
    fail "db migrate --json on a current file"
ok
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("INSERT INTO schema_version VALUES (99)"); c.commit()' \
    "$tmp/gate.db"
status 3 "$ssogate" db migrate "sqlite:$tmp/gate.db" --json
json_error "$tmp/out" STORE_SCHEMA_NEWER 3 402
status 3 "$ssogate" db migrate memory:
contains "$tmp/err" "error: STORE_LOCATION"
mkfifo "$tmp/pg.in"
python3 "$(dirname "$0")/../support/pg_server.py" <"$tmp/pg.in" >"$tmp/pg.json" &
pg_pid=$!
exec 9>"$tmp/pg.in"  # the server stops when this closes (at exit)
trap 'exec 9>&-; wait $pg_pid 2>/dev/null || true; kill -9 $host_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 300); do [ -s "$tmp/pg.json" ] && break; sleep 0.1; done
pg_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$tmp/pg.json")
status 0 "$ssogate" db migrate "$pg_url"
contains "$tmp/out" "created schema version"
status 0 "$ssogate" db migrate "$pg_url"
contains "$tmp/out" "already at schema version"
bad_url=$(echo "$pg_url" | sed 's/test-password-not-secret/wrong-secret-42/')
status 3 "$ssogate" db migrate "$bad_url" --json
json_error "$tmp/out" STORE_AUTH 3 406
grep -q wrong-secret-42 "$tmp/out" && fail "the password is in the error"
ok

echo "$passed passed, 0 failed"
