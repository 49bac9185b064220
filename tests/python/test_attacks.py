"""The attack suite and the real-IdP responses through Python: the same files, the same codes as
the C++ tests (tests/core/attack_vectors_test.cpp, response_interop_test.cpp), proving the binding
only translates."""

from __future__ import annotations

import base64
from typing import Any, Dict, Optional, Set

import pytest

import ssogate

from _corpus import INTEROP
from _vectors import ATTACKS, attack_vectors, form_value, interop_responses, metadata_for_pem, unix

VECTORS = attack_vectors()
# The TEST SP encryption key of the encrypted vectors (published: it proves nothing anywhere else).
SP_ENC_CERT = (ATTACKS / "TEST-SP-ENC-CERT.pem").read_text(encoding="ascii")
SP_ENC_KEY = ssogate.SpKey((ATTACKS / "TEST-SP-ENC-KEY-DO-NOT-USE.pem").read_bytes(), SP_ENC_CERT)


@pytest.fixture(scope="module")
def attack_idp() -> ssogate.IdpMetadata:
    return ssogate.import_idp_metadata((ATTACKS / "idp-metadata.xml").read_bytes())


def _connection(idp: ssogate.IdpMetadata, c: Dict[str, Any]) -> ssogate.Connection:
    return ssogate.Connection.create(
        idp,
        id="c1",
        acs_url=c["acs_url"],
        sp_entity_id=c["sp_entity_id"],
        allow_idp_initiated=c["allow_idp_initiated"],
        allow_sha1=c["allow_sha1"],
        clock_skew_seconds=c["clock_skew_seconds"],
        email_attribute=c["email_attribute"] or None,
        allowed_domains=c["allowed_domains"],
        sp_encryption_certificates=[SP_ENC_CERT] if c.get("sp_encryption") else [],
        allow_rsa_1_5=c.get("allow_rsa_1_5", False),
    )


def _code(fn: Any) -> str:
    try:
        fn()
    except ssogate.Error as e:
        return e.code_name
    return "OK"


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_attack_vector_gets_its_code(attack_idp: ssogate.IdpMetadata, vector: Dict[str, Any]) -> None:
    c = vector["context"]
    conn = _connection(attack_idp, c)
    cache = ssogate.ReplayCache.memory(now=c["now"])  # frozen too, or the replay would be forgotten
    form = form_value(vector)

    def verify() -> ssogate.VerifiedLogin:
        return ssogate.verify_response(conn, form, replay_cache=cache, pending_request_ids=c["request_ids"],
                                       now=c["now"], max_bytes=c["max_bytes"] or None,
                                       decryption_keys=[SP_ENC_KEY] if c.get("sp_encryption") else [])

    for _ in range(vector["repeat"] - 1):
        verify()
    if vector["expect"] == "OK":
        login = verify()
        assert login.email == vector["email"]
        assert login.connection_id == "c1"
        assert login.idp_entity_id == c["idp_entity_id"]
        return
    with pytest.raises(ssogate.Error) as info:
        verify()
    assert info.value.code_name == vector["expect"], info.value.message
    assert vector["expect"] in info.value.user_message
    # Refusals of a login are never ValueError (a stray `except ValueError` must not swallow them).
    if 200 <= int(info.value.code) < 400:
        assert not isinstance(info.value, ValueError)


def test_attack_suite_covers_the_issue_list() -> None:
    names = {v["name"] for v in VECTORS}
    assert sum(n.startswith("xsw") for n in names) == 8
    assert {"replay", "nameid-comment-injection", "attacker-cert-in-keyinfo", "entity-bomb", "xxe",
            "hmac-sha1", "sha1-refused", "valid-sha1-allowed"} <= names
    assert {"enc-gcm-ciphertext-tampered", "enc-gcm-tag-tampered", "enc-cbc-ciphertext-tampered",
            "enc-wrong-sp-key", "enc-rsa-1_5-refused", "enc-retrieval-method-external", "enc-keyinfo-carries-key",
            "enc-unsigned", "enc-plus-plain-assertion", "enc-plain-plus-encrypted", "enc-for-another-sp",
            "enc-plaintext-doctype", "enc-plaintext-entity", "enc-plaintext-deep", "enc-plaintext-attributes",
            "enc-too-large"} <= names
    tampering = {v["expect"] for v in VECTORS if v["name"].endswith("-tampered") and v["name"].startswith("enc-")
                 and "signed-response" not in v["name"]}
    assert tampering == {"DECRYPTION_FAILED"}
    assert sum(v["expect"] == "OK" for v in VECTORS) >= 10


# --------------------------------------------------------------------------- the interop corpus

# The code of each `reject` entry, with SHA-1 and IdP-initiated login allowed so that the entry's
# own reason is what refuses it (the same table as tests/core/response_interop_test.cpp).
REJECT_CODES = {
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
# Accepted by plain SAML, refused by an explicit ssogate rule (markup inside NameID).
STRICTER_THAN_SAML = {"google-3": "NAMEID_INVALID"}
UNSPECIFIED = {"", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"}

RESPONSES = interop_responses()


def _valid_email(address: str) -> bool:
    # Only to pick the expected code of nameid-format-not-email entries; the library is the judge.
    local, _, domain = address.partition("@")
    return bool(local) and "." in domain and " " not in address


class _Run:
    def __init__(self, entry: Dict[str, Any]) -> None:
        self.entry = entry
        self.form = base64.b64encode((INTEROP / entry["file"]).read_bytes())
        self.cert = INTEROP / entry["certificate"]["file"]
        # Encrypted responses: the SP key they were encrypted to (two published ones have 1024 bits,
        # accepted only as legacy keys) and its certificate, derived once and kept beside it.
        self.sp_key: Optional[ssogate.SpKey] = None
        self.sp_cert = ""
        self.give_key = True
        if "encrypted-assertion" in _flags(entry):
            key_file = INTEROP / entry["sp_decryption_key"]["file"]
            self.sp_cert = key_file.with_name(key_file.name.replace(".sp-key.pem", ".sp-cert.pem")).read_text()
            self.sp_key = ssogate.SpKey.legacy(key_file.read_bytes(), self.sp_cert)

    def code(self, ctx: Dict[str, Any], *, allow_sha1: bool, allow_idp_initiated: bool) -> str:
        now = unix(ctx["now"])
        try:
            idp = ssogate.import_idp_metadata(metadata_for_pem(ctx["idp_entity_id"], self.cert), now=now)
            conn = ssogate.Connection.create(
                idp, id="interop", acs_url=ctx["acs_url"], sp_entity_id=ctx["sp_entity_id"], clock_skew_seconds=0,
                allow_sha1=allow_sha1, allow_idp_initiated=allow_idp_initiated,
                sp_encryption_certificates=[self.sp_cert] if self.sp_key else [],
                allow_legacy_sp_key=self.sp_key is not None,
            )
            ids = [ctx["request_id"]] if ctx.get("request_id") else []
            keys = [self.sp_key] if self.sp_key and self.give_key else []
            login = ssogate.verify_response(conn, self.form, replay_cache=ssogate.ReplayCache.memory(now=now),
                                            pending_request_ids=ids, now=now, decryption_keys=keys)
        except ssogate.Error as e:
            return e.code_name
        assert login.nameid == self.entry["assertion"]["nameid"]
        assert login.assertion_id == self.entry["assertion"]["id"]
        return "OK"


def _flags(entry: Dict[str, Any]) -> Set[str]:
    return set(entry.get("policy_flags") or [])


def _expected(entry: Dict[str, Any], name: str) -> str:
    flags = _flags(entry)
    if entry["expect"] == "reject":
        return REJECT_CODES[name]
    if name in STRICTER_THAN_SAML:
        return STRICTER_THAN_SAML[name]
    if "no-authn-statement" in flags:
        return "AUTHN_STATEMENT_MISSING"
    if "nameid-format-not-email" in flags:
        fmt = entry["assertion"]["nameid_format"] or ""
        return "OK" if fmt in UNSPECIFIED and _valid_email(entry["assertion"]["nameid"]) else "NAMEID_FORMAT"
    return "OK"


@pytest.mark.parametrize("entry", RESPONSES, ids=[e["file"][10:-4] for e in RESPONSES])
def test_interop_response_gets_its_outcome(entry: Dict[str, Any]) -> None:
    name = entry["file"][10:-4]
    ctx = entry["context"]
    run = _Run(entry)
    if name == "oracle-oam-1":
        # A 1024-bit RSA IdP key cannot even be configured.
        with pytest.raises(ssogate.MetadataError) as info:
            ssogate.import_idp_metadata(metadata_for_pem(ctx["idp_entity_id"], run.cert))
        assert info.value.code_name == "METADATA_WEAK_KEY"
        return
    expected = _expected(entry, name)
    # Some contexts put `now` before the IssueInstant; ssogate refuses an IssueInstant in the future
    # (beyond the skew), then the response is checked at its IssueInstant (as the C++ test does).
    stamps = [entry[part]["issue_instant"] for part in ("response", "assertion")
              if (entry.get(part) or {}).get("issue_instant")]
    latest = max(stamps, key=unix)
    if unix(latest) > unix(ctx["now"]):
        early = run.code(ctx, allow_sha1=True, allow_idp_initiated=ctx["idp_initiated"])
        assert early == "ISSUE_INSTANT" or (expected != "OK" and early == expected)
        ctx = dict(ctx, now=latest)
    assert run.code(ctx, allow_sha1=True, allow_idp_initiated=ctx["idp_initiated"]) == expected
    if run.sp_key is not None:
        # Decrypted and checked like a posted Assertion (above); without the key, the refusal says so.
        run.give_key = False
        assert run.code(ctx, allow_sha1=True, allow_idp_initiated=ctx["idp_initiated"]) == "ASSERTION_ENCRYPTED"
        run.give_key = True

    if "sha1-signature" in _flags(entry) and entry["expect"] == "accept":
        strict = run.code(ctx, allow_sha1=False, allow_idp_initiated=ctx["idp_initiated"])
        assert strict == "SIGNATURE_ALGORITHM"
    if "unsolicited-idp-initiated" in _flags(entry) and entry["expect"] == "accept":
        strict = run.code(ctx, allow_sha1=True, allow_idp_initiated=False)
        assert strict == "UNSOLICITED_NOT_ALLOWED"

    for variant in entry.get("reject_variants") or []:
        change = variant["change"]
        c = dict(ctx)
        allow_unsolicited = ctx["idp_initiated"]
        if "now" in change:
            c["now"] = change["now"]
            codes = {"EXPIRED", "SUBJECT_EXPIRED", "NOT_YET_VALID", "ISSUE_INSTANT"}
        elif "sp_entity_id" in change:
            c["sp_entity_id"] = change["sp_entity_id"]
            codes = {"AUDIENCE_MISMATCH"}
        elif "acs_url" in change:
            c["acs_url"] = change["acs_url"]
            codes = {"DESTINATION_MISMATCH", "RECIPIENT_MISMATCH"}
        elif "idp_entity_id" in change:
            c["idp_entity_id"] = change["idp_entity_id"]
            codes = {"ISSUER_MISMATCH"}
        elif "request_id" in change:
            c["request_id"] = change["request_id"]
            codes = {"IN_RESPONSE_TO_UNKNOWN"}
        elif "allow_idp_initiated" in change:
            allow_unsolicited = change["allow_idp_initiated"]
            codes = {"UNSOLICITED_NOT_ALLOWED"}
        else:
            pytest.fail(f"unknown variant {change}")
        if expected != "OK":
            codes.add(expected)  # refused earlier for its own reason
        got = run.code(c, allow_sha1=True, allow_idp_initiated=allow_unsolicited)
        assert got in codes, f"variant {change}: {got}"


def test_interop_corpus_size() -> None:
    assert len(RESPONSES) == 36
    assert sum("encrypted-assertion" in _flags(e) for e in RESPONSES) == 6
    assert sum(len(e.get("reject_variants") or []) for e in RESPONSES) >= 100
