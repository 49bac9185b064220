#!/usr/bin/env python3
"""The cross-runtime data set: every input of the shared vectors as a fully-resolved case, and the
outcome expected for it. Standard library only.

The inputs and their expectations come from the manifests (tests/vectors/attacks/manifest.json and
tests/vectors/interop/manifest.json). Where a manifest records a fact rather than ssogate's code (an
interop response is "accept" or "reject", with policy flags), the rule that turns the fact into the
code is written here, once, for every runtime. The runners read only the case file this module
writes (README.md describes it): every clock, flag and path is decided here, so that a runner
translates calls and decides nothing.

    python3 cases.py --vectors tests/vectors -o cases.txt
"""

from __future__ import annotations

import argparse
import calendar
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

# The clock of every interop metadata import: 2026-11-28T00:00:00Z, the day the corpus was assembled,
# so that expiry findings do not change as time passes.
METADATA_NOW = 1795824000
# A certificate expiring within this many days of the import clock is reported as expiring soon.
EXPIRES_SOON_DAYS = 30

# Interop metadata refused at import, with their codes.
METADATA_REFUSED = {
    "google-1": "METADATA_EXPIRED",  # validUntil 2021-01-03
    "shibboleth-3": "METADATA_EXPIRED",  # validUntil 2017-04-22
    "simplesamlphp-1": "METADATA_WEAK_KEY",  # RSA-1024 signing key
    "federation-1": "METADATA_AMBIGUOUS",  # an aggregate, no entityID chosen
    "federation-2": "METADATA_AMBIGUOUS",
}
# Aggregates imported with a chosen entityID: the IdP that imports, and the refusals for others.
AGGREGATE_CHOICES: Sequence[Tuple[str, str, str]] = (
    ("federation-1", "https://idp.hig.se/idp/shibboleth", "OK"),
    ("federation-2", "https://idp.umu.se/saml2/idp/metadata.php", "OK"),
    ("federation-1", "https://idp.protectnetwork.org/protectnetwork-idp", "METADATA_WEAK_KEY"),  # RSA-512
    ("federation-1", "https://idp.secure.su.se/identity", "METADATA_NO_SAML2"),  # SAML 1.x only
    ("federation-1", "https://order.kib.ki.se/shibboleth", "METADATA_NO_IDP"),  # an SP
    ("federation-2", "https://idp.example.org/not-in-the-file", "METADATA_ENTITY_NOT_FOUND"),
)

# Interop responses the manifest marks "reject": the code of each, with SHA-1 and IdP-initiated login
# allowed so that the response's own defect is what refuses it.
INTEROP_REJECT_CODES = {
    "okta-5": "SIGNATURE_INVALID",
    "okta-6": "SIGNATURE_INVALID",
    "okta-7": "SIGNATURE_ALGORITHM",
    "entra-2": "SIGNATURE_INVALID",
    "google-4": "SIGNATURE_INVALID",
    "onelogin-5": "SIGNATURE_INVALID",
    "onelogin-6": "SIGNATURE_INVALID",
    "onelogin-7": "DESTINATION_MISMATCH",
    "onelogin-8": "AUDIENCE_MISMATCH",
    "onelogin-9": "SIGNATURE_MISSING",
    "onelogin-10": "ASSERTION_COUNT",
    "onelogin-11": "ASSERTION_COUNT",
}
# Accepted by plain SAML, refused by an explicit ssogate rule (markup inside the NameID).
INTEROP_STRICTER_THAN_SAML = {"google-3": "NAMEID_INVALID"}
# An IdP signing key too weak to configure: the metadata import step refuses it.
INTEROP_IDP_REFUSED = {"oracle-oam-1": "METADATA_WEAK_KEY"}
UNSPECIFIED_FORMATS = {"", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"}
# The codes a reject_variant of the manifest may give, by the context key it changes.
VARIANT_CODES = {
    "now": {"EXPIRED", "SUBJECT_EXPIRED", "NOT_YET_VALID", "ISSUE_INSTANT"},
    "sp_entity_id": {"AUDIENCE_MISMATCH"},
    "acs_url": {"DESTINATION_MISMATCH", "RECIPIENT_MISMATCH"},
    "idp_entity_id": {"ISSUER_MISMATCH"},
    "request_id": {"IN_RESPONSE_TO_UNKNOWN"},
    "allow_idp_initiated": {"UNSOLICITED_NOT_ALLOWED"},
}

# The keys of an OK line, by op (README.md, "The output file").
OK_KEYS = {
    "verify": ("email", "nameid", "assertion_id", "idp_entity_id"),
    "import": ("entity_id", "certificates", "warnings"),
}


@dataclass(frozen=True)
class Expectation:
    """What the manifests say about one input: the codes allowed (one, except where a manifest names a
    family), and the facts of a success the manifests record (absent when they record none)."""

    codes: FrozenSet[str]
    facts: Dict[str, object] = field(default_factory=dict)
    # For imports: each warning code the clock implies, mapped to whether it must be present.
    warnings: Dict[str, bool] = field(default_factory=dict)


@dataclass
class Case:
    input: str
    op: str
    fields: List[Tuple[str, str]]
    expect: Expectation


def iso_time(text: str) -> int:
    """'2028-07-19T17:28:34.000Z' -> Unix seconds."""
    return calendar.timegm(time.strptime(text.rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S"))


def openssl_time(text: str) -> int:
    """'Sep  7 14:33:59 2028 GMT' (as `openssl x509 -enddate` prints it) -> Unix seconds."""
    return calendar.timegm(time.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y GMT"))


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _stem(path: str) -> str:
    return path.split("/")[-1].rsplit(".", 1)[0]


# --------------------------------------------------------------------------- attack vectors


def attack_cases(vectors: Path) -> List[Case]:
    manifest = json.loads((vectors / "attacks" / "manifest.json").read_text(encoding="utf-8"))
    cases = []
    for v in manifest["vectors"]:
        c = v["context"]
        f: List[Tuple[str, str]] = [
            ("idp_metadata_file", "attacks/" + manifest["idp_metadata"]),
            ("import_now", str(c["now"])),
            ("connection_id", "c1"),
            ("acs_url", c["acs_url"]),
            ("sp_entity_id", c["sp_entity_id"]),
            ("allow_idp_initiated", _flag(c["allow_idp_initiated"])),
            ("allow_sha1", _flag(c["allow_sha1"])),
            ("clock_skew_seconds", str(c["clock_skew_seconds"])),
        ]
        if c["email_attribute"]:
            f.append(("email_attribute", c["email_attribute"]))
        f += [("allowed_domain", d) for d in c["allowed_domains"]]
        if c.get("sp_encryption"):
            f.append(("sp_encryption_cert_file", "attacks/TEST-SP-ENC-CERT.pem"))
        f += [
            ("allow_rsa_1_5", _flag(c.get("allow_rsa_1_5", False))),
            ("allow_legacy_sp_key", "0"),
            ("response_file", "attacks/" + v["file"]),
            ("form", _flag(v["form"])),
            ("now", str(c["now"])),
            ("max_bytes", str(c["max_bytes"])),
        ]
        f += [("request_id", r) for r in c["request_ids"]]
        if c.get("sp_encryption"):
            f += [
                ("decryption_key_file", "attacks/TEST-SP-ENC-KEY-DO-NOT-USE.pem"),
                ("decryption_cert_file", "attacks/TEST-SP-ENC-CERT.pem"),
                ("decryption_key_legacy", "0"),
            ]
        f.append(("repeat", str(v["repeat"])))
        facts: Dict[str, object] = {}
        if v["expect"] == "OK":
            facts = {"email": v["email"], "idp_entity_id": c["idp_entity_id"]}
        cases.append(Case("attacks/" + v["name"], "verify", f, Expectation(frozenset({v["expect"]}), facts)))
    return cases


# --------------------------------------------------------------------------- interop metadata


def _signing_keys(details: Dict) -> List[Dict]:
    # KeyDescriptors without `use` count as signing.
    return [k for k in details["idp_key_descriptors"] if k["use"] in ("signing", "(unspecified)")]


def _metadata_ok(details: Dict) -> Expectation:
    keys = _signing_keys(details)
    not_after = [openssl_time(k["not_after"]) for k in keys]
    soon = METADATA_NOW + EXPIRES_SOON_DAYS * 86400
    return Expectation(
        frozenset({"OK"}),
        {"entity_id": details["entity_id"], "certificates": [k["sha256"] for k in keys]},
        {
            "WARN_CERT_EXPIRED": any(t < METADATA_NOW for t in not_after),
            "WARN_CERT_EXPIRES_SOON": any(METADATA_NOW <= t < soon for t in not_after),
        },
    )


def metadata_cases(vectors: Path, manifest: Dict) -> List[Case]:
    entries = [e for e in manifest["files"] if e["file"].startswith("metadata/")]
    by_name = {_stem(e["file"]): e for e in entries}
    cases = []
    for e in entries:
        name = _stem(e["file"])
        if name in METADATA_REFUSED:
            expect = Expectation(frozenset({METADATA_REFUSED[name]}))
        else:
            (details,) = [d for d in e["facts"]["entity_details"] if "IDPSSODescriptor" in d["roles"]]
            expect = _metadata_ok(details)
        f = [("metadata_file", "interop/" + e["file"]), ("now", str(METADATA_NOW))]
        cases.append(Case("interop/metadata/" + name, "import", f, expect))
    for name, entity_id, code in AGGREGATE_CHOICES:
        e = by_name[name]
        if code == "OK":
            # The manifest records no per-entity facts for an aggregate: the entityID is the one fact.
            expect = Expectation(frozenset({"OK"}), {"entity_id": entity_id})
        else:
            expect = Expectation(frozenset({code}))
        f = [("metadata_file", "interop/" + e["file"]), ("entity_id", entity_id), ("now", str(METADATA_NOW))]
        cases.append(Case(f"interop/metadata/{name}@{entity_id}", "import", f, expect))
    return cases


# --------------------------------------------------------------------------- interop responses


def metadata_for_pem(entity_id: str, pem: str) -> str:
    """Minimal IdP metadata, on one line, around the first certificate of a PEM file."""
    lines = pem.splitlines()
    start = lines.index("-----BEGIN CERTIFICATE-----")
    end = lines.index("-----END CERTIFICATE-----", start)
    der_b64 = "".join(lines[start + 1 : end])
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="' + entity_id + '">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        "<ds:X509Data><ds:X509Certificate>" + der_b64 + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        "</md:KeyDescriptor>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        'Location="https://idp.invalid/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
    )


def _valid_email(address: str) -> bool:
    # Only to choose the expected code of nameid-format-not-email entries; the library is the judge.
    local, _, domain = address.partition("@")
    return bool(local) and "." in domain and " " not in address


def interop_expected(entry: Dict, name: str) -> str:
    """The code of an interop response at its context, SHA-1 allowed."""
    flags = set(entry.get("policy_flags") or [])
    if name in INTEROP_IDP_REFUSED:
        return INTEROP_IDP_REFUSED[name]
    if entry["expect"] == "reject":
        return INTEROP_REJECT_CODES[name]
    if name in INTEROP_STRICTER_THAN_SAML:
        return INTEROP_STRICTER_THAN_SAML[name]
    if "no-authn-statement" in flags:
        return "AUTHN_STATEMENT_MISSING"
    if "nameid-format-not-email" in flags:
        fmt = entry["assertion"]["nameid_format"] or ""
        return "OK" if fmt in UNSPECIFIED_FORMATS and _valid_email(entry["assertion"]["nameid"]) else "NAMEID_FORMAT"
    return "OK"


def _response_fields(
    vectors: Path, entry: Dict, ctx: Dict, *, allow_sha1: bool, allow_idp_initiated: bool, give_key: bool
) -> List[Tuple[str, str]]:
    encrypted = "encrypted-assertion" in (entry.get("policy_flags") or [])
    now = ctx["now"]
    pem = (vectors / "interop" / entry["certificate"]["file"]).read_text(encoding="ascii")
    f: List[Tuple[str, str]] = [
        ("idp_metadata_xml", metadata_for_pem(ctx["idp_entity_id"], pem)),
        ("import_now", str(now)),
        ("connection_id", "interop"),
        ("acs_url", ctx["acs_url"]),
        ("sp_entity_id", ctx["sp_entity_id"]),
        ("allow_idp_initiated", _flag(allow_idp_initiated)),
        ("allow_sha1", _flag(allow_sha1)),
        ("clock_skew_seconds", "0"),
    ]
    key_file = cert_file = ""
    if encrypted:
        # The SP key the response was encrypted to, and its certificate kept beside it. Two of these
        # published keys have 1024 bits: loaded as legacy keys, for a connection that allows them.
        key_file = "interop/" + entry["sp_decryption_key"]["file"]
        cert_file = key_file.replace(".sp-key.pem", ".sp-cert.pem")
        f.append(("sp_encryption_cert_file", cert_file))
    f += [
        ("allow_rsa_1_5", "0"),
        ("allow_legacy_sp_key", _flag(encrypted)),
        ("response_file", "interop/" + entry["file"]),
        ("form", "0"),
        ("now", str(now)),
        ("max_bytes", "0"),
    ]
    if ctx.get("request_id"):
        f.append(("request_id", ctx["request_id"]))
    if encrypted and give_key:
        f += [("decryption_key_file", key_file), ("decryption_cert_file", cert_file), ("decryption_key_legacy", "1")]
    f.append(("repeat", "1"))
    return f


def response_cases(vectors: Path, manifest: Dict) -> List[Case]:
    cases = []
    for entry in manifest["files"]:
        if entry.get("kind") != "saml-response":
            continue
        name = _stem(entry["file"])
        base = "interop/responses/" + name
        flags = set(entry.get("policy_flags") or [])
        expected = interop_expected(entry, name)
        ctx = dict(entry["context"], now=iso_time(entry["context"]["now"]))
        unsolicited = bool(ctx["idp_initiated"])
        facts: Dict[str, object] = {}
        if expected == "OK":
            facts = {"nameid": entry["assertion"]["nameid"], "assertion_id": entry["assertion"]["id"]}

        def add(suffix: str, codes: Iterable[str], c: Dict, *, sha1: bool = True, idp_init: bool = unsolicited,
                key: bool = True, ok_facts: Optional[Dict[str, object]] = None) -> None:
            f = _response_fields(vectors, entry, c, allow_sha1=sha1, allow_idp_initiated=idp_init, give_key=key)
            cases.append(Case(base + suffix, "verify", f, Expectation(frozenset(codes), ok_facts or {})))

        if name in INTEROP_IDP_REFUSED:
            # Refused at the import step whatever the context: a variant would only repeat it.
            add("", {expected}, ctx)
            continue
        # Some contexts put `now` before the IssueInstant, which ssogate refuses as in the future;
        # then the response is also checked at its latest IssueInstant, and every variant from there.
        stamps = [entry[p]["issue_instant"] for p in ("response", "assertion")
                  if (entry.get(p) or {}).get("issue_instant")]
        latest = max(iso_time(s) for s in stamps)
        if latest > ctx["now"]:
            add("#at-context-now", {"ISSUE_INSTANT"} | ({expected} - {"OK"}), ctx)
            ctx["now"] = latest
        add("", {expected}, ctx, ok_facts=facts)
        if "encrypted-assertion" in flags:
            add("#no-decryption-key", {"ASSERTION_ENCRYPTED"}, ctx, key=False)
        if "sha1-signature" in flags and entry["expect"] == "accept":
            add("#sha1-not-allowed", {"SIGNATURE_ALGORITHM"}, ctx, sha1=False)
        if "unsolicited-idp-initiated" in flags and entry["expect"] == "accept":
            add("#idp-initiated-not-allowed", {"UNSOLICITED_NOT_ALLOWED"}, ctx, idp_init=False)
        for i, variant in enumerate(entry.get("reject_variants") or [], 1):
            ((key, value),) = variant["change"].items()
            c = dict(ctx)
            idp_init = unsolicited
            if key == "now":
                c["now"] = iso_time(value)
            elif key == "allow_idp_initiated":
                idp_init = bool(value)
            elif key in ("sp_entity_id", "acs_url", "idp_entity_id", "request_id"):
                c[key] = value
            else:
                raise ValueError(f"{entry['file']}: unknown reject_variant change {key!r}")
            # A response refused for its own reason may be refused for it before the variant's.
            add(f"#variant{i}:{key}", VARIANT_CODES[key] | ({expected} - {"OK"}), c, idp_init=idp_init)
    return cases


# --------------------------------------------------------------------------- the whole set


def all_cases(vectors: Path) -> List[Case]:
    interop = json.loads((vectors / "interop" / "manifest.json").read_text(encoding="utf-8"))
    cases = attack_cases(vectors) + metadata_cases(vectors, interop) + response_cases(vectors, interop)
    names = [c.input for c in cases]
    if len(set(names)) != len(names):
        raise ValueError("duplicate input names: " + ", ".join(sorted({n for n in names if names.count(n) > 1})))
    return cases


def write_cases(cases: Sequence[Case], out) -> None:
    out.write("# ssogate cross-runtime cases (tests/cross_runtime/README.md); generated by cases.py: do not edit.\n")
    for case in cases:
        out.write("\n")
        for key, value in [("input", case.input), ("op", case.op)] + case.fields:
            if "\t" in value or "\n" in value or "\r" in value:
                raise ValueError(f"{case.input}: the value of {key} holds a tab or line break")
            out.write(f"{key}\t{value}\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--vectors", type=Path, default=here.parent / "vectors", help="the tests/vectors directory")
    p.add_argument("-o", "--output", type=Path, help="the case file to write (default: stdout)")
    args = p.parse_args(argv)
    cases = all_cases(args.vectors)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with args.output.open("w", encoding="utf-8", newline="\n") as out:
            write_cases(cases, out)
    else:
        write_cases(cases, sys.stdout)
    print(f"cases.py: {len(cases)} cases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
