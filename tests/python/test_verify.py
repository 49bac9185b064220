"""verify_response, the replay caches and ssogate.testing through Python: the login's values, the
refusal's two messages, the host's own store (a Python callable, called from verification threads
with the GIL taken back), and the testing IdP's output checked by xmlsec1's own CLI."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
from pathlib import Path
from typing import List, Set, Tuple

import pytest

import ssogate
from ssogate.testing import TestIdp

T0 = 1767225600  # 2026-01-01T00:00:00Z


@pytest.fixture(scope="module")
def idp() -> TestIdp:
    return TestIdp("https://idp.py.example/saml")


@pytest.fixture(scope="module")
def conn(idp: TestIdp) -> ssogate.Connection:
    meta = ssogate.import_idp_metadata(idp.metadata_xml)
    return ssogate.Connection.create(meta, base_url="https://app.example.com", id="py1")


def _verify(conn: ssogate.Connection, form: str, cache: ssogate.ReplayCache, ids=("_r1",), now=T0 + 5):
    return ssogate.verify_response(conn, form, replay_cache=cache, pending_request_ids=ids, now=now)


def test_login_carries_every_value(idp: TestIdp, conn: ssogate.Connection) -> None:
    r = idp.response(conn, now=T0, in_response_to="_r1", session_index="_s9", nameid="Bob@Example.COM",
                     attributes={"groups": ["admins", "dev"], "email": "bob@example.com"})
    login = _verify(conn, r.base64, ssogate.ReplayCache.memory(now=T0))
    assert login.email == "Bob@example.com"  # the domain lower-cased, the local part as sent
    assert login.nameid == "Bob@Example.COM"
    assert login.idp_entity_id == "https://idp.py.example/saml"
    assert login.connection_id == "py1"
    assert login.session_index == "_s9"
    assert login.in_response_to == "_r1"
    assert login.authn_instant == dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert login.session_not_on_or_after is None
    assert login.assertion_id in r.xml
    assert [a.name for a in login.attributes] == ["groups", "email"]
    assert login.attributes[0].values == ("admins", "dev")
    assert login.attributes[0].name_format == "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
    assert login.attribute_dict() == {"groups": ["admins", "dev"], "email": ["bob@example.com"]}


def test_str_bytes_and_pending_id_forms(idp: TestIdp, conn: ssogate.Connection) -> None:
    r = idp.response(conn, now=T0, in_response_to="_r2")
    assert _verify(conn, r.base64.encode(), ssogate.ReplayCache.memory(now=T0), ids="_r2").in_response_to == "_r2"
    r = idp.response(conn, now=T0, in_response_to="_r2")
    assert _verify(conn, r.base64, ssogate.ReplayCache.memory(now=T0), ids=["_a", "_r2"]).email
    with pytest.raises(ssogate.InvalidArgument):
        _verify(conn, r.base64, ssogate.ReplayCache.memory(now=T0), ids=["_a _r2"])
    with pytest.raises(TypeError):
        ssogate.verify_response(conn, r.base64, replay_cache=None, pending_request_ids=["_r2"])  # type: ignore[arg-type]


def test_refusal_has_operator_and_user_messages(idp: TestIdp, conn: ssogate.Connection) -> None:
    r = idp.response(conn, now=T0, in_response_to="_r1", audience="https://other.example/sp")
    with pytest.raises(ssogate.LoginRejected) as info:
        _verify(conn, r.base64, ssogate.ReplayCache.memory(now=T0))
    e = info.value
    assert e.code == ssogate.Code.AUDIENCE_MISMATCH
    assert conn.sp_entity_id in e.message and "other.example" in e.message
    assert e.user_message == (
        "Sign-in failed. Ask your administrator to check the SSO configuration (error AUDIENCE_MISMATCH)."
    )
    assert not isinstance(e, ValueError)


def test_replay_and_frozen_cache_clock(idp: TestIdp, conn: ssogate.Connection) -> None:
    form = idp.response(conn, now=T0, in_response_to="_r1").base64
    frozen = ssogate.ReplayCache.memory(now=T0)
    _verify(conn, form, frozen)
    with pytest.raises(ssogate.LoginRejected) as info:
        _verify(conn, form, frozen)
    assert info.value.code == ssogate.Code.REPLAYED
    # Refused after the signature verified: who the signed assertion names.
    assert info.value.signed_identity == "alice@example.com"
    unsigned = idp.response(conn, now=T0, in_response_to="_r1", nameid="ceo@example.com", sign="none").base64
    with pytest.raises(ssogate.SignatureError) as before:
        _verify(conn, unsigned, frozen)
    assert before.value.code == ssogate.Code.SIGNATURE_MISSING and before.value.signed_identity is None
    # A cache on the real clock forgets a response from January at once: why tests freeze it.
    real = ssogate.ReplayCache.memory()
    _verify(conn, form, real)
    _verify(conn, form, real)


def test_store_locations(tmp_path: Path, idp: TestIdp, conn: ssogate.Connection) -> None:
    location = f"sqlite:{tmp_path / 'replay.db'}"
    form = idp.response(conn, now=T0, in_response_to="_r1").base64
    _verify(conn, form, ssogate.ReplayCache.open(location, now=T0))
    # Another handle on the same file (another process, in real life) sees the first use.
    with pytest.raises(ssogate.LoginRejected) as info:
        _verify(conn, form, ssogate.ReplayCache.open(location, now=T0))
    assert info.value.code == ssogate.Code.REPLAYED
    assert repr(ssogate.ReplayCache.open("memory:")) == "ReplayCache(memory)"
    for bad in ("mysql://db", "sqlite:", "redis://"):
        with pytest.raises(ssogate.StoreError) as e:
            ssogate.ReplayCache.open(bad)
        assert e.value.code == ssogate.Code.STORE_LOCATION
    with pytest.raises(TypeError):
        ssogate.ReplayCache()


TEN_YEARS = 10 * 365 * 24 * 3600


@pytest.mark.parametrize("kind", ["memory", "sqlite", "redis"])
def test_one_connection_flooding_the_replay_cache_does_not_lock_out_another(
    kind: str, idp: TestIdp, conn: ssogate.Connection, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # One tenant's IdP mints ten-year assertions in a loop; the cache (50 entries, a share of 5 per
    # connection) refuses that tenant's logins once its share is used, and another tenant logs in.
    location = {"memory": "memory:", "sqlite": f"sqlite:{tmp_path / 'replay.db'}"}.get(kind) or request.getfixturevalue(
        "redis_url")
    cache = ssogate.ReplayCache.open(location, now=T0, max_entries=50)
    codes = []
    for _ in range(8):
        form = idp.response(conn, now=T0, in_response_to="_r1", not_on_or_after=T0 + TEN_YEARS,
                            subject_not_on_or_after=T0 + TEN_YEARS).base64
        try:
            _verify(conn, form, cache)
            codes.append("OK")
        except ssogate.StoreError as e:
            codes.append(e.code_name)
            assert "share" in e.message and "py1" in e.message
    assert codes == ["OK"] * 5 + ["STORE_UNAVAILABLE"] * 3
    other_idp = TestIdp("https://idp.other-tenant.example/saml")
    other = ssogate.Connection.create(ssogate.import_idp_metadata(other_idp.metadata_xml),
                                      base_url="https://app.example.com", id="py2")
    login = _verify(other, other_idp.response(other, now=T0, in_response_to="_r1").base64, cache)
    assert login.connection_id == "py2"


def test_replay_cache_limits_are_checked(idp: TestIdp, conn: ssogate.Connection) -> None:
    cache = ssogate.ReplayCache.memory(now=T0, max_entries=10, max_entries_per_connection=2)
    for _ in range(2):
        _verify(conn, idp.response(conn, now=T0, in_response_to="_r1").base64, cache)
    with pytest.raises(ssogate.StoreError) as info:
        _verify(conn, idp.response(conn, now=T0, in_response_to="_r1").base64, cache)
    assert info.value.code == ssogate.Code.STORE_UNAVAILABLE
    with pytest.raises(ValueError):
        ssogate.ReplayCache.memory(max_entries_per_connection=0)


def test_redis_down_fails_closed(idp: TestIdp, conn: ssogate.Connection) -> None:
    # Port 1 on the loopback: nothing listens, so the cache cannot answer and the login is refused.
    cache = ssogate.ReplayCache.open("redis://127.0.0.1:1/0", now=T0)
    form = idp.response(conn, now=T0, in_response_to="_r1").base64
    with pytest.raises(ssogate.StoreError) as info:
        _verify(conn, form, cache)
    assert info.value.code == ssogate.Code.STORE_UNAVAILABLE
    assert "temporarily unavailable" in info.value.user_message


def test_host_callable_store(idp: TestIdp, conn: ssogate.Connection) -> None:
    seen: Set[str] = set()
    calls: List[Tuple[str, int, str]] = []

    def insert_if_absent(key: str, expires_at: int) -> bool:
        calls.append((key, expires_at, threading.current_thread().name))
        if key in seen:
            return False
        seen.add(key)
        return True

    cache = ssogate.ReplayCache.from_callable(insert_if_absent)
    form = idp.response(conn, now=T0, in_response_to="_r1").base64
    login = _verify(conn, form, cache)
    assert len(calls) == 1 and login.assertion_id in calls[0][0] and calls[0][1] >= T0 + 300
    with pytest.raises(ssogate.LoginRejected) as info:
        _verify(conn, form, cache)
    assert info.value.code == ssogate.Code.REPLAYED


# The callable's exception goes to sys.unraisablehook (it cannot cross C); pytest reports that as a warning.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("behaviour", ["raises", "returns-none", "returns-int"])
def test_host_store_that_misbehaves_refuses_the_login(idp: TestIdp, conn: ssogate.Connection, behaviour: str) -> None:
    def broken(key: str, expires_at: int):  # type: ignore[no-untyped-def]
        if behaviour == "raises":
            raise ConnectionError("database is down")
        return None if behaviour == "returns-none" else 1

    form = idp.response(conn, now=T0, in_response_to="_r1").base64
    with pytest.raises(ssogate.StoreError) as info:
        _verify(conn, form, ssogate.ReplayCache.from_callable(broken))
    assert info.value.code == ssogate.Code.STORE_UNAVAILABLE


def test_threads_share_connection_and_callable_store(idp: TestIdp, conn: ssogate.Connection) -> None:
    # Verification releases the GIL and the callback takes it back: eight threads at once must
    # neither deadlock nor lose a record, and each response is accepted exactly once.
    lock = threading.Lock()
    seen: Set[str] = set()

    def insert_if_absent(key: str, expires_at: int) -> bool:
        with lock:
            if key in seen:
                return False
            seen.add(key)
            return True

    cache = ssogate.ReplayCache.from_callable(insert_if_absent)
    forms = [idp.response(conn, now=T0, in_response_to="_r1").base64 for _ in range(4)]
    results: List[str] = []

    def worker(form: str) -> None:
        for _ in range(2):
            try:
                _verify(conn, form, cache)
                results.append("ok")
            except ssogate.LoginRejected as e:
                results.append(e.code_name)

    threads = [threading.Thread(target=worker, args=(f,)) for f in forms for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == sorted(["ok"] * 4 + ["REPLAYED"] * 12)


def test_testing_idp_knobs(conn: ssogate.Connection) -> None:
    ec = TestIdp("https://idp.ec.example/saml", key_type="ec", sso_url="https://idp.ec.example/sso")
    assert "https://idp.ec.example/sso" in ec.metadata_xml
    assert "BEGIN CERTIFICATE" in ec.certificate_pem
    meta = ssogate.import_idp_metadata(ec.metadata_xml)
    assert meta.certificates[0].key_type == "EC"
    ec_conn = ssogate.Connection.create(meta, base_url="https://app.example.com", id="ec1", allow_idp_initiated=True)
    r = ec.response(ec_conn, sign="assertion", now=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                    status_message="hello", response_id="_resp-1", assertion_id="_asrt-1")
    assert "ecdsa-sha256" in r.xml and 'ID="_resp-1"' in r.xml and "hello" in r.xml
    login = ssogate.verify_response(ec_conn, r.base64, replay_cache=ssogate.ReplayCache.memory(now=T0), now=T0)
    assert login.assertion_id == "_asrt-1" and login.in_response_to == ""
    with pytest.raises(ValueError):
        TestIdp(key_type="dsa")
    with pytest.raises(TypeError):
        ec.response(ec_conn, colour="blue")
    with pytest.raises(ValueError):
        ec.response(ec_conn, sign="everything")
    assert repr(ec) == "TestIdp('https://idp.ec.example/saml')"


@pytest.mark.parametrize("sign", ["response", "assertion"])
def test_xmlsec1_cli_verifies_testing_idp_output(tmp_path: Path, idp: TestIdp, conn: ssogate.Connection,
                                                 sign: str) -> None:
    cert = tmp_path / "idp.pem"
    cert.write_text(idp.certificate_pem)
    doc = tmp_path / "response.xml"
    doc.write_text(idp.response(conn, sign=sign, in_response_to="_r1").xml, encoding="utf-8")
    # --enabled-key-data key-name: xmlsec1 must use the given certificate, not the KeyInfo.
    cmd = ["xmlsec1", "--verify", "--enabled-key-data", "key-name", "--pubkey-cert-pem", str(cert),
           "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response",
           "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", str(doc)]
    ok = subprocess.run(cmd, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout + ok.stderr
    # Control: the same command refuses a tampered copy.
    doc.write_text(doc.read_text(encoding="utf-8").replace("alice@example.com", "mallo@example.com"), encoding="utf-8")
    assert subprocess.run(cmd, capture_output=True, text=True).returncode != 0
