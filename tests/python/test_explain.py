"""ssogate.explain and Gate.explain: on every attack vector and every interop response (read as
test_attacks.py reads them), the first failing check carries the code verify_response refuses with,
and every check passes when it accepts; then the values, hints and immutability of the result."""

from __future__ import annotations

import base64
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import ssogate
from ssogate import testing

from _corpus import INTEROP
from _vectors import ATTACKS, attack_vectors, form_value, interop_responses, metadata_for_pem, unix

VECTORS = attack_vectors()
RESPONSES = interop_responses()
SP_ENC_CERT = (ATTACKS / "TEST-SP-ENC-CERT.pem").read_text(encoding="ascii")
SP_ENC_KEY = ssogate.SpKey((ATTACKS / "TEST-SP-ENC-KEY-DO-NOT-USE.pem").read_bytes(), SP_ENC_CERT)


def _verify_code(fn: Any) -> Tuple[str, str]:
    try:
        fn()
    except ssogate.Error as e:
        return e.code_name, e.message
    return "OK", ""


def _assert_agrees(x: ssogate.Explanation, code: str, message: str) -> None:
    assert x.first_failure.name == code, str(x)
    assert len(x.checks) >= 25
    if code == "OK":
        assert x.ok and x.first_failed_check is None
        assert all(c.status == "pass" for c in x.checks), str(x)
        return
    first = x.first_failed_check
    assert first is not None and first.code.name == code
    assert first.detail == message
    assert all(c.status == "pass" for c in x.checks[: x.checks.index(first)])


@pytest.fixture(scope="module")
def attack_idp() -> ssogate.IdpMetadata:
    return ssogate.import_idp_metadata((ATTACKS / "idp-metadata.xml").read_bytes())


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_explain_agrees_on_attack_vector(attack_idp: ssogate.IdpMetadata, vector: Dict[str, Any]) -> None:
    c = vector["context"]
    conn = ssogate.Connection.create(
        attack_idp, id="c1", acs_url=c["acs_url"], sp_entity_id=c["sp_entity_id"],
        allow_idp_initiated=c["allow_idp_initiated"], allow_sha1=c["allow_sha1"],
        clock_skew_seconds=c["clock_skew_seconds"], email_attribute=c["email_attribute"] or None,
        allowed_domains=c["allowed_domains"],
        sp_encryption_certificates=[SP_ENC_CERT] if c.get("sp_encryption") else [],
        allow_rsa_1_5=c.get("allow_rsa_1_5", False),
    )
    cache = ssogate.ReplayCache.memory(now=c["now"])
    form = form_value(vector)
    args: Dict[str, Any] = dict(pending_request_ids=c["request_ids"], now=c["now"], max_bytes=c["max_bytes"] or None,
                                decryption_keys=[SP_ENC_KEY] if c.get("sp_encryption") else [])
    for _ in range(vector["repeat"] - 1):
        ssogate.verify_response(conn, form, replay_cache=cache, **args)
    x = ssogate.explain(conn, form, replay_cache=cache, **args)
    assert x.first_failure.name == vector["expect"]
    code, message = _verify_code(lambda: ssogate.verify_response(conn, form, replay_cache=cache, **args))
    _assert_agrees(x, code, message)


def _interop_runs() -> Iterator[Tuple[str, Dict[str, Any], Dict[str, Any], bool, bool]]:
    for e in RESPONSES:
        name = e["file"][10:-4]
        if name == "oracle-oam-1":
            continue  # a 1024-bit IdP key cannot be configured
        changes: List[Dict[str, Any]] = [{}] + [v["change"] for v in e.get("reject_variants") or []]
        for i, change in enumerate(changes):
            for sha1 in (True, False):
                yield f"{name}-{i}-{'sha1' if sha1 else 'strict'}", e, change, sha1, "encrypted-assertion" in (
                    e.get("policy_flags") or [])


INTEROP_RUNS = list(_interop_runs())


@pytest.mark.parametrize("run", INTEROP_RUNS, ids=[r[0] for r in INTEROP_RUNS])
def test_explain_agrees_on_interop_response(run: Tuple[str, Dict[str, Any], Dict[str, Any], bool, bool]) -> None:
    _, e, change, sha1, encrypted = run
    ctx = dict(e["context"])
    ctx.update(change)
    unsolicited = ctx["idp_initiated"] if "allow_idp_initiated" not in change else change["allow_idp_initiated"]
    now = unix(ctx["now"])
    idp = ssogate.import_idp_metadata(metadata_for_pem(ctx["idp_entity_id"], INTEROP / e["certificate"]["file"]),
                                      now=now)
    keys: List[ssogate.SpKey] = []
    sp_cert = ""
    if encrypted:
        key_file = INTEROP / e["sp_decryption_key"]["file"]
        sp_cert = key_file.with_name(key_file.name.replace(".sp-key.pem", ".sp-cert.pem")).read_text()
        keys = [ssogate.SpKey.legacy(key_file.read_bytes(), sp_cert)]
    conn = ssogate.Connection.create(
        idp, id="interop", acs_url=ctx["acs_url"], sp_entity_id=ctx["sp_entity_id"], clock_skew_seconds=0,
        allow_sha1=sha1, allow_idp_initiated=unsolicited,
        sp_encryption_certificates=[sp_cert] if encrypted else [], allow_legacy_sp_key=encrypted,
    )
    form = base64.b64encode((INTEROP / e["file"]).read_bytes())
    cache = ssogate.ReplayCache.memory(now=now)
    args: Dict[str, Any] = dict(pending_request_ids=[ctx["request_id"]] if ctx.get("request_id") else [], now=now,
                                decryption_keys=keys)
    x = ssogate.explain(conn, form, replay_cache=cache, **args)
    code, message = _verify_code(lambda: ssogate.verify_response(conn, form, replay_cache=cache, **args))
    _assert_agrees(x, code, message)


# --------------------------------------------------------------------------- values and hints

T0 = 1767225600


@pytest.fixture()
def idp_and_conn() -> Tuple[testing.TestIdp, ssogate.Connection]:
    idp = testing.TestIdp(entity_id="https://idp.test.example/saml")
    conn = ssogate.Connection.create(ssogate.import_idp_metadata(idp.metadata_xml), id="c1",
                                     base_url="https://app.example.com")
    return idp, conn


def test_a_rotated_key_and_the_metadata_that_has_it(idp_and_conn: Tuple[testing.TestIdp, ssogate.Connection]) -> None:
    idp, conn = idp_and_conn
    rotated = testing.TestIdp(entity_id=idp.entity_id)
    form = rotated.response(conn, in_response_to="_r1", now=T0).base64
    fresh = ssogate.import_idp_metadata(rotated.metadata_xml)
    x = ssogate.explain(conn, form, pending_request_ids=["_r1"], now=T0, candidate_metadata=fresh)
    assert x.first_failure == ssogate.Code.SIGNATURE_INVALID
    sig = x.check("signatures")
    assert sig is not None and sig.status == "fail" and "not in the metadata" in sig.got
    assert {"signing_key_not_in_metadata", "candidate_metadata_has_key"} <= {h.name for h in x.hints}
    assert x.check("replay") == x.checks[-1] and x.checks[-1].status == "not_reached"
    text = str(x)
    assert "FAIL        signatures [SIGNATURE_INVALID]" in text and "hint (signing_key_not_in_metadata)" in text
    # Immutable values: tuples all the way down.
    with pytest.raises(AttributeError):
        x.first_failure = ssogate.Code.OK  # type: ignore[misc]
    with pytest.raises(AttributeError):
        sig.status = "pass"  # type: ignore[misc]
    assert isinstance(x.checks, tuple) and isinstance(x.hints, tuple)


def test_explain_records_nothing(idp_and_conn: Tuple[testing.TestIdp, ssogate.Connection]) -> None:
    idp, conn = idp_and_conn
    form = idp.response(conn, in_response_to="_r1", now=T0).base64
    cache = ssogate.ReplayCache.memory(now=T0)
    for _ in range(3):
        assert ssogate.explain(conn, form, replay_cache=cache, pending_request_ids="_r1", now=T0).ok
    assert ssogate.verify_response(conn, form, replay_cache=cache, pending_request_ids="_r1", now=T0).email
    x = ssogate.explain(conn, form, replay_cache=cache, pending_request_ids="_r1", now=T0)
    assert x.first_failure == ssogate.Code.REPLAYED


def test_gate_explain_is_read_only(idp_and_conn: Tuple[testing.TestIdp, ssogate.Connection]) -> None:
    idp, conn = idp_and_conn
    gate = ssogate.Gate.open("memory:", now=T0)
    gate.create_account("acme", "Acme", verified_domains=["example.com"])
    gate.add_connection("acme", conn)
    form = idp.response(conn, in_response_to="_r9", now=T0).base64
    x = gate.explain(conn.id, form, pending_request_ids=["_r9"])
    assert x.ok, str(x)
    assert x.check("in_response_to").got == "Response _r9, SubjectConfirmationData _r9"  # type: ignore[union-attr]
    # Without the request ID: the InResponseTo check says which IDs it compared with.
    y = gate.explain(conn.id, form)
    assert y.first_failure == ssogate.Code.IN_RESPONSE_TO_UNKNOWN
    assert "request_unknown" in {h.name for h in y.hints}
    # An hour later: the clock hint says by how much.
    z = gate.explain(conn.id, form, pending_request_ids=["_r9"], now=T0 + 3600)
    assert z.first_failure == ssogate.Code.ISSUE_INSTANT
    assert any(h.name == "clock_off" and "about 3600 seconds apart" in h.text for h in z.hints), str(z)
    with pytest.raises(ssogate.NotFound):
        gate.explain("nope", form)
