"""Encrypted assertions through Python: SP encryption certificates on the connection, keys given to
verification (verify_response, finish_sp_login, the Gate), the testing IdP's encryption knobs, and
xmlsec1's command line as an independent peer that encrypts for us. The same library decides as in
tests/core/encrypted_verify_test.cpp; here the binding's translation is what is tested."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path
from typing import Tuple

import pytest

import ssogate
from ssogate.testing import TestIdp

from _vectors import ATTACKS

T0 = 1767225600  # 2026-01-01T00:00:00Z
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
OAEP_MGF1P = XENC + "rsa-oaep-mgf1p"
RSA_1_5 = XENC + "rsa-1_5"


@pytest.fixture(scope="module")
def idp() -> TestIdp:
    return TestIdp("https://okta.test.example/exk-enc")


@pytest.fixture(scope="module")
def sp_pem(sp_keypair: Tuple[Path, Path]) -> Tuple[bytes, str]:
    """The openssl-made SP key (PEM bytes) and certificate (PEM text)."""
    return sp_keypair[0].read_bytes(), sp_keypair[1].read_text()


@pytest.fixture(scope="module")
def sp_key(sp_pem: Tuple[bytes, str]) -> ssogate.SpKey:
    return ssogate.SpKey(*sp_pem)


def _conn(idp: TestIdp, certs: list, **settings: object) -> ssogate.Connection:
    return ssogate.Connection.create(ssogate.import_idp_metadata(idp.metadata_xml), base_url="https://app.example.com",
                                     id="c1", sp_encryption_certificates=certs, **settings)


def _code(fn) -> str:  # type: ignore[no-untyped-def]
    try:
        fn()
    except ssogate.Error as e:
        return e.code_name
    return "OK"


def test_connection_holds_certificates_never_keys(idp: TestIdp, sp_pem: Tuple[bytes, str]) -> None:
    next_idp = TestIdp("https://next-key.test.example")  # its RSA-2048 certificate serves as a next SP key
    conn = _conn(idp, [sp_pem[1], next_idp.certificate_pem])
    assert len(conn.sp_encryption_certificates) == 2
    assert conn.sp_encryption_certificates[1].startswith("-----BEGIN CERTIFICATE-----")
    assert all(re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", f) for f in conn.sp_encryption_certificate_sha256s)
    assert conn.allow_rsa_1_5 is False and conn.allow_legacy_sp_key is False
    md = conn.sp_metadata()
    assert md.count('use="encryption"') == 2
    assert XENC11 + "aes256-gcm" in md and OAEP_MGF1P in md and RSA_1_5 not in md
    text = conn.to_json()
    assert "PRIVATE KEY" not in text
    again = ssogate.Connection.from_json(text)
    assert again.sp_encryption_certificates == conn.sp_encryption_certificates
    legacy = _conn(idp, [sp_pem[1]], allow_rsa_1_5=True)
    assert legacy.allow_rsa_1_5 and RSA_1_5 in legacy.sp_metadata()
    assert ssogate.Connection.from_json(legacy.to_json()).allow_rsa_1_5


def test_bad_certificates_and_arguments_are_refused(idp: TestIdp, sp_key: ssogate.SpKey) -> None:
    with pytest.raises(ssogate.InvalidArgument) as info:
        _conn(idp, ["not a certificate"])
    assert info.value.code == ssogate.Code.INVALID_SETTING
    with pytest.raises(TypeError):
        _conn(idp, "-----BEGIN CERTIFICATE-----")  # a lone str, not a list
    conn = _conn(idp, [sp_key.certificate_pem])
    r = idp.response(conn, now=T0, in_response_to="_r1", encrypt_to=sp_key.certificate_pem)
    with pytest.raises(TypeError):
        ssogate.verify_response(conn, r.base64, replay_cache=ssogate.ReplayCache.memory(now=T0),
                                pending_request_ids="_r1", now=T0, decryption_keys=sp_key)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ssogate.verify_response(conn, r.base64, replay_cache=ssogate.ReplayCache.memory(now=T0),
                                pending_request_ids="_r1", now=T0, decryption_keys=["pem"])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        idp.response(conn, encrypt_to=sp_key.certificate_pem, key_placement="nowhere")
    with pytest.raises(TypeError):
        idp.response(conn, data_algorithm=XENC + "aes128-cbc")  # an algorithm without encryption


@pytest.mark.parametrize("transport", [OAEP_MGF1P, XENC11 + "rsa-oaep"])
@pytest.mark.parametrize("data", [XENC11 + "aes128-gcm", XENC11 + "aes256-gcm", XENC + "aes128-cbc",
                                  XENC + "aes256-cbc"])
@pytest.mark.parametrize("placement", ["in_key_info", "retrieval_method", "carried_key_name"])
def test_every_accepted_shape_verifies(idp: TestIdp, sp_key: ssogate.SpKey, transport: str, data: str,
                                       placement: str) -> None:
    conn = _conn(idp, [sp_key.certificate_pem])
    r = idp.response(conn, now=T0, in_response_to="_r1", encrypt_to=sp_key.certificate_pem, key_transport=transport,
                     data_algorithm=data, key_placement=placement)
    assert "EncryptedAssertion" in r.xml and "alice@example.com" not in r.xml
    assert transport in r.xml and data in r.xml
    login = ssogate.verify_response(conn, r.base64, replay_cache=ssogate.ReplayCache.memory(now=T0),
                                    pending_request_ids="_r1", now=T0, decryption_keys=[sp_key])
    assert login.email == "alice@example.com"


@pytest.mark.parametrize("sign", ["both", "response", "assertion"])
def test_every_signing_order_verifies_and_unsigned_does_not(idp: TestIdp, sp_key: ssogate.SpKey, sign: str) -> None:
    conn = _conn(idp, [sp_key.certificate_pem])

    def verify(s: str) -> str:
        r = idp.response(conn, now=T0, in_response_to="_r1", sign=s, encrypt_to=sp_key.certificate_pem)
        return _code(lambda: ssogate.verify_response(conn, r.base64, replay_cache=ssogate.ReplayCache.memory(now=T0),
                                                     pending_request_ids="_r1", now=T0, decryption_keys=[sp_key]))

    assert verify(sign) == "OK"
    assert verify("none") == "SIGNATURE_MISSING"


def test_refusals_have_their_codes(idp: TestIdp, sp_key: ssogate.SpKey) -> None:
    other = TestIdp("https://other-sp-key.test.example")
    other_key = ssogate.SpKey(other.private_key_pem, other.certificate_pem)
    conn = _conn(idp, [sp_key.certificate_pem])

    def code(keys: list, **knobs: object) -> str:
        r = idp.response(conn, now=T0, in_response_to="_r1", **knobs)  # type: ignore[arg-type]
        return _code(lambda: ssogate.verify_response(conn, r.base64, replay_cache=ssogate.ReplayCache.memory(now=T0),
                                                     pending_request_ids="_r1", now=T0, decryption_keys=keys))

    mine = {"encrypt_to": sp_key.certificate_pem}
    assert code([], **mine) == "ASSERTION_ENCRYPTED"  # no key given
    assert code([other_key], **mine) == "ASSERTION_ENCRYPTED"  # a key for a certificate the connection lacks
    assert code([sp_key], encrypt_to=other.certificate_pem, sign="assertion") == "DECRYPTION_FAILED"
    assert code([sp_key], key_transport=RSA_1_5, **mine) == "ENCRYPTION_ALGORITHM"
    assert code([sp_key], audience="https://other-sp.example", **mine) == "AUDIENCE_MISMATCH"
    # No SP encryption certificate at all: the message says what to do.
    plain = _conn(idp, [])
    r = idp.response(plain, now=T0, in_response_to="_r1", **mine)  # type: ignore[arg-type]
    with pytest.raises(ssogate.LoginRejected) as info:
        ssogate.verify_response(plain, r.base64, replay_cache=ssogate.ReplayCache.memory(now=T0),
                                pending_request_ids="_r1", now=T0, decryption_keys=[sp_key])
    assert info.value.code == ssogate.Code.ASSERTION_ENCRYPTED
    assert "turn off assertion encryption" in info.value.message
    # RSA-1_5 with the opt-in.
    legacy = _conn(idp, [sp_key.certificate_pem], allow_rsa_1_5=True)
    r = idp.response(legacy, now=T0, in_response_to="_r1", key_transport=RSA_1_5, **mine)  # type: ignore[arg-type]
    assert ssogate.verify_response(legacy, r.base64, replay_cache=ssogate.ReplayCache.memory(now=T0),
                                   pending_request_ids="_r1", now=T0, decryption_keys=[sp_key]).email


def test_tampering_gives_one_refusal_whatever_broke(idp: TestIdp, sp_key: ssogate.SpKey) -> None:
    conn = _conn(idp, [sp_key.certificate_pem])
    messages = set()
    for data in (XENC11 + "aes256-gcm", XENC + "aes256-cbc"):
        r = idp.response(conn, now=T0, in_response_to="_r1", sign="assertion", encrypt_to=sp_key.certificate_pem,
                         data_algorithm=data)
        values = re.findall(r"<xenc:CipherValue>([^<]*)</xenc:CipherValue>", r.xml)
        assert len(values) == 2  # the key's, then the data's
        for which, at in ((0, 5), (1, 40), (1, -1)):
            raw = bytearray(base64.b64decode(values[which]))
            raw[at] ^= 1
            xml = r.xml.replace(values[which], base64.b64encode(bytes(raw)).decode())
            with pytest.raises(ssogate.SignatureError) as info:
                ssogate.verify_response(conn, base64.b64encode(xml.encode()),
                                        replay_cache=ssogate.ReplayCache.memory(now=T0), pending_request_ids="_r1",
                                        now=T0, decryption_keys=[sp_key])
            assert info.value.code == ssogate.Code.DECRYPTION_FAILED
            messages.add((info.value.message, info.value.user_message))
    assert len(messages) == 1  # the same words for a bad key, tag, padding or garbled plain text


def test_rollover_and_legacy_keys(idp: TestIdp, sp_key: ssogate.SpKey) -> None:
    nxt = TestIdp("https://next-sp-key.test.example")
    next_key = ssogate.SpKey(nxt.private_key_pem, nxt.certificate_pem)
    conn = _conn(idp, [sp_key.certificate_pem, nxt.certificate_pem])
    for cert in (sp_key.certificate_pem, nxt.certificate_pem):
        r = idp.response(conn, now=T0, in_response_to="_r1", encrypt_to=cert)
        assert ssogate.verify_response(conn, r.base64, replay_cache=ssogate.ReplayCache.memory(now=T0),
                                       pending_request_ids="_r1", now=T0, decryption_keys=[sp_key, next_key]).email
    # A 1024-bit key: refused by SpKey, loaded by SpKey.legacy, which never signs requests.
    key_1024 = (ATTACKS.parent / "interop" / "responses" / "okta-3.sp-key.pem").read_bytes()
    cert_1024 = (ATTACKS.parent / "interop" / "responses" / "okta-3.sp-cert.pem").read_text()
    with pytest.raises(ssogate.InvalidArgument) as info:
        ssogate.SpKey(key_1024, cert_1024)
    assert info.value.code == ssogate.Code.SP_KEY_INVALID
    weak = ssogate.SpKey.legacy(key_1024, cert_1024)
    with pytest.raises(ssogate.InvalidArgument) as info:
        _conn(idp, [cert_1024])
    assert info.value.code == ssogate.Code.INVALID_SETTING
    conn_1024 = _conn(idp, [cert_1024], allow_legacy_sp_key=True)
    assert conn_1024.allow_legacy_sp_key
    with pytest.raises(ssogate.InvalidArgument) as info:
        ssogate.begin_sp_login(conn_1024, ssogate.RequestStore.memory(), sp_key=weak)
    assert info.value.code == ssogate.Code.SP_KEY_INVALID
    r = idp.response(conn_1024, now=T0, in_response_to="_r1", encrypt_to=cert_1024)
    assert ssogate.verify_response(conn_1024, r.base64, replay_cache=ssogate.ReplayCache.memory(now=T0),
                                   pending_request_ids="_r1", now=T0, decryption_keys=[weak]).email


def test_finish_sp_login_decrypts(idp: TestIdp, sp_key: ssogate.SpKey) -> None:
    conn = _conn(idp, [sp_key.certificate_pem])
    store = ssogate.RequestStore.memory()
    req = ssogate.begin_sp_login(conn, store, return_to="/after", now=T0)
    r = idp.response(conn, now=T0, in_response_to=req.request_id, encrypt_to=sp_key.certificate_pem)
    done = ssogate.finish_sp_login(conn, store, req.relay_state, r.base64,
                                   replay_cache=ssogate.ReplayCache.memory(now=T0), now=T0, decryption_keys=[sp_key])
    assert done.login.email == "alice@example.com"
    assert done.return_to == "/after"


def test_gate_holds_the_keys(idp: TestIdp, sp_key: ssogate.SpKey) -> None:
    gate = ssogate.Gate.open("memory:", now=T0)
    gate.create_account("acme", "Acme", ["example.com"])
    conn = _conn(idp, [sp_key.certificate_pem], allow_idp_initiated=True)
    gate.add_connection("acme", conn)
    gate.add_member("acme", "alice@example.com")
    first = gate.consume("c1", idp.response(conn, now=T0, encrypt_to=sp_key.certificate_pem).base64)
    assert not first.accepted and first.reason == "ASSERTION_ENCRYPTED"
    gate.add_decryption_key(sp_key)
    second = gate.consume("c1", idp.response(conn, now=T0, encrypt_to=sp_key.certificate_pem).base64)
    assert second.accepted and second.email == "alice@example.com"
    with pytest.raises(TypeError):
        gate.add_decryption_key("-----BEGIN PRIVATE KEY-----")  # type: ignore[arg-type]


def _xmlsec1_encrypt(tmp_path: Path, plain: str, cert: Path, data_algorithm: str, session_key: str) -> str:
    """xmlsec1's command line encrypts `plain` to `cert` (RSA-OAEP mgf1p key transport) into an
    EncryptedData of Type Element, the way an IdP built on xmlsec1 does."""
    template = tmp_path / "template.xml"
    template.write_text(
        f'<xenc:EncryptedData xmlns:xenc="{XENC}" Type="{XENC}Element">'
        f'<xenc:EncryptionMethod Algorithm="{data_algorithm}"/>'
        '<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey>'
        f'<xenc:EncryptionMethod Algorithm="{OAEP_MGF1P}"/>'
        "<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>"
        "<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>",
        encoding="utf-8",
    )
    data = tmp_path / "assertion.xml"
    data.write_text(plain, encoding="utf-8")
    out = subprocess.run(
        ["xmlsec1", "--encrypt", "--pubkey-cert-pem", str(cert), "--session-key", session_key,
         "--binary-data", str(data), str(template)],
        check=True, capture_output=True, text=True,
    ).stdout
    return out[out.index("<xenc:EncryptedData"):].strip()


@pytest.mark.parametrize("data_algorithm,session_key", [(XENC11 + "aes256-gcm", "aes-256"),
                                                        (XENC + "aes128-cbc", "aes-128")])
def test_xmlsec1_command_line_encrypts_for_us(tmp_path: Path, idp: TestIdp, sp_keypair: Tuple[Path, Path],
                                              sp_key: ssogate.SpKey, data_algorithm: str, session_key: str) -> None:
    conn = _conn(idp, [sp_key.certificate_pem])
    # The testing IdP signs the Assertion; xmlsec1 encrypts it; the Response stays unsigned.
    r = idp.response(conn, now=T0, in_response_to="_r1", sign="assertion")
    start = r.xml.index("<saml:Assertion")
    end = r.xml.index("</saml:Assertion>") + len("</saml:Assertion>")
    assertion = r.xml[start:end]
    if 'xmlns:saml="' not in assertion[: assertion.index(">")]:
        # Declare the prefix the Assertion inherited from the Response (exclusive c14n ignores where).
        assertion = assertion.replace("<saml:Assertion", '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"', 1)
    encrypted = _xmlsec1_encrypt(tmp_path, assertion, sp_keypair[1], data_algorithm, session_key)
    xml = r.xml[:start] + f"<saml:EncryptedAssertion>{encrypted}</saml:EncryptedAssertion>" + r.xml[end:]
    form = base64.b64encode(xml.encode())
    login = ssogate.verify_response(conn, form, replay_cache=ssogate.ReplayCache.memory(now=T0),
                                    pending_request_ids="_r1", now=T0, decryption_keys=[sp_key])
    assert login.email == "alice@example.com"
    # The same bytes with the last bit of the cipher text flipped: the one decryption refusal.
    tail = encrypted.rindex("</xenc:CipherValue>")
    value = encrypted[encrypted.rindex(">", 0, tail) + 1: tail]
    raw = bytearray(base64.b64decode(value))
    raw[-1] ^= 1
    broken = xml.replace(value, base64.b64encode(bytes(raw)).decode())
    with pytest.raises(ssogate.SignatureError) as info:
        ssogate.verify_response(conn, base64.b64encode(broken.encode()), replay_cache=ssogate.ReplayCache.memory(now=T0),
                                pending_request_ids="_r1", now=T0, decryption_keys=[sp_key])
    assert info.value.code == ssogate.Code.DECRYPTION_FAILED
