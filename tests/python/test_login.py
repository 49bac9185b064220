"""SP-initiated login through Python: the same scenarios as tests/core/login_test.cpp, to show that
the binding only translates (begin, the testing IdP answers, finish; every refusal with its code),
plus the Python-only parts (RequestStore.from_callables, argument checks)."""

from __future__ import annotations

import base64
import html
import re
import urllib.parse
import zlib
from pathlib import Path
from typing import Dict, Optional

import pytest

import ssogate
from ssogate.testing import TestIdp

T0 = 1767225600  # 2026-01-01T00:00:00Z
SSO = "https://idp.test.example/sso"


@pytest.fixture(scope="module")
def idp() -> TestIdp:
    return TestIdp(sso_url=SSO)


@pytest.fixture(scope="module")
def conn(idp: TestIdp) -> ssogate.Connection:
    meta = ssogate.import_idp_metadata(idp.metadata_xml)
    return ssogate.Connection.create(
        meta, base_url="https://app.example.com", id="c1", allowed_return_origins=["https://APP.example.com:443"]
    )


@pytest.fixture()
def store() -> ssogate.RequestStore:
    return ssogate.RequestStore.memory()


@pytest.fixture()
def replay() -> ssogate.ReplayCache:
    return ssogate.ReplayCache.memory(now=T0)


def _answer(idp: TestIdp, conn: ssogate.Connection, request_id: str, now: int = T0) -> str:
    return idp.response(conn, in_response_to=request_id, now=now).base64


def _inflate(saml_request: str) -> str:
    return zlib.decompress(base64.b64decode(saml_request), -15).decode()


def _query(url: str) -> Dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, strict_parsing=True))


def test_redirect_request_contents(conn: ssogate.Connection, store: ssogate.RequestStore) -> None:
    req = ssogate.begin_sp_login(conn, store, return_to="/dashboard?tab=1", now=T0, force_authn=True)
    assert req.binding == "redirect" and req.post_form_html is None and not req.is_signed
    assert req.redirect_url is not None and req.redirect_url.startswith(SSO + "?SAMLRequest=")
    q = _query(req.redirect_url)
    assert set(q) == {"SAMLRequest", "RelayState"}
    assert q["RelayState"] == req.relay_state
    xml = _inflate(q["SAMLRequest"])
    assert xml == req.xml
    assert f'ID="{req.request_id}"' in xml
    assert f'Destination="{SSO}"' in xml
    assert f'AssertionConsumerServiceURL="{conn.acs_url}"' in xml
    assert 'ForceAuthn="true"' in xml and "IsPassive" not in xml
    assert f"<saml:Issuer>{conn.sp_entity_id}</saml:Issuer>" in xml
    assert 'Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"' in xml
    assert int(req.expires_at.timestamp()) == T0 + 600 and int(req.issued_at.timestamp()) == T0


def test_post_form(conn: ssogate.Connection, store: ssogate.RequestStore) -> None:
    req = ssogate.begin_sp_login(conn, store, binding="post", now=T0)
    assert req.redirect_url is None and req.post_form_html is not None
    page = req.post_form_html
    assert f'action="{SSO}"' in page
    value = re.search(r'name="SAMLRequest" value="([^"]*)"', page)
    assert value is not None and base64.b64decode(html.unescape(value.group(1))).decode() == req.xml
    assert f'name="RelayState" value="{req.relay_state}"' in page
    assert "<noscript>" in page and "onload" not in page


def test_round_trip_returns_login_and_return_to(
    idp: TestIdp, conn: ssogate.Connection, store: ssogate.RequestStore, replay: ssogate.ReplayCache
) -> None:
    for binding in ("redirect", "post"):
        req = ssogate.begin_sp_login(conn, store, return_to="/projects/7", binding=binding, now=T0)
        done = ssogate.finish_sp_login(
            conn, store, req.relay_state, _answer(idp, conn, req.request_id), replay_cache=replay, now=T0
        )
        assert done.return_to == "/projects/7"
        assert done.email == "alice@example.com" == done.login.email
        assert done.in_response_to == req.request_id


def test_absolute_return_to_on_allowed_origin(
    idp: TestIdp, conn: ssogate.Connection, store: ssogate.RequestStore, replay: ssogate.ReplayCache
) -> None:
    assert conn.allowed_return_origins == ["https://app.example.com"]
    req = ssogate.begin_sp_login(conn, store, return_to="https://app.example.com/x?y=1", now=T0)
    done = ssogate.finish_sp_login(conn, store, req.relay_state, _answer(idp, conn, req.request_id),
                                replay_cache=replay, now=T0)
    assert done.return_to == "https://app.example.com/x?y=1"


@pytest.mark.parametrize(
    "bad",
    ["//evil.com", "/\\evil.com", "https://evil.com", "javascript:alert(1)", "dashboard", "/a\nb",
     "https://app.example.com.evil.com/", "http://app.example.com/", "/a<b>"],
)
def test_return_to_refused(conn: ssogate.Connection, store: ssogate.RequestStore, bad: str) -> None:
    with pytest.raises(ssogate.InvalidArgument) as e:
        ssogate.begin_sp_login(conn, store, return_to=bad, now=T0)
    assert e.value.code == ssogate.Code.RETURN_TO_NOT_ALLOWED


def _finish_code(conn, store, relay_state, response, replay, now=T0) -> ssogate.Code:
    with pytest.raises(ssogate.Error) as e:
        ssogate.finish_sp_login(conn, store, relay_state, response, replay_cache=replay, now=now)
    return e.value.code


def test_refusals(idp: TestIdp, conn: ssogate.Connection, store: ssogate.RequestStore,
                  replay: ssogate.ReplayCache) -> None:
    req = ssogate.begin_sp_login(conn, store, now=T0)
    # Tampered RelayState: unknown, and the real request stays pending.
    tampered = req.relay_state[:5] + ("B" if req.relay_state[5] == "A" else "A") + req.relay_state[6:]
    assert _finish_code(conn, store, tampered, _answer(idp, conn, req.request_id), replay) == \
        ssogate.Code.REQUEST_UNKNOWN
    assert _finish_code(conn, store, "/dashboard", _answer(idp, conn, req.request_id), replay) == \
        ssogate.Code.RELAY_STATE_INVALID
    ssogate.finish_sp_login(conn, store, req.relay_state, _answer(idp, conn, req.request_id), replay_cache=replay, now=T0)
    # Used twice.
    with pytest.raises(ssogate.LoginRejected) as e:
        ssogate.finish_sp_login(conn, store, req.relay_state, _answer(idp, conn, req.request_id),
                             replay_cache=replay, now=T0)
    assert e.value.code == ssogate.Code.REQUEST_UNKNOWN
    # Expired.
    old = ssogate.begin_sp_login(conn, store, now=T0, ttl_seconds=60)
    assert _finish_code(conn, store, old.relay_state, _answer(idp, conn, old.request_id, T0 + 61), replay,
                        T0 + 61) == ssogate.Code.REQUEST_EXPIRED
    # Another connection's request.
    other = ssogate.Connection.create(conn.idp, base_url="https://app.example.com", id="c2")
    theirs = ssogate.begin_sp_login(other, store, now=T0)
    assert _finish_code(conn, store, theirs.relay_state, _answer(idp, conn, theirs.request_id), replay) == \
        ssogate.Code.REQUEST_CONNECTION_MISMATCH
    # A response to another request.
    a = ssogate.begin_sp_login(conn, store, now=T0)
    b = ssogate.begin_sp_login(conn, store, now=T0)
    assert _finish_code(conn, store, a.relay_state, _answer(idp, conn, b.request_id), replay) == \
        ssogate.Code.IN_RESPONSE_TO_UNKNOWN


def test_without_relay_state_found_by_in_response_to(
    idp: TestIdp, conn: ssogate.Connection, store: ssogate.RequestStore, replay: ssogate.ReplayCache
) -> None:
    req = ssogate.begin_sp_login(conn, store, return_to="/after", now=T0)
    done = ssogate.finish_sp_login(conn, store, None, _answer(idp, conn, req.request_id), replay_cache=replay, now=T0)
    assert done.return_to == "/after"
    assert _finish_code(conn, store, req.relay_state, _answer(idp, conn, req.request_id), replay) == \
        ssogate.Code.REQUEST_UNKNOWN


def test_missing_binding(idp: TestIdp, store: ssogate.RequestStore) -> None:
    md = idp.metadata_xml
    md = re.sub(r'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"[^>]*/>', "", md)
    c = ssogate.Connection.create(ssogate.import_idp_metadata(md), base_url="https://app.example.com")
    with pytest.raises(ssogate.LoginRejected) as e:
        ssogate.begin_sp_login(c, store)
    assert e.value.code == ssogate.Code.BINDING_UNSUPPORTED
    assert "HTTP-POST" in e.value.message
    assert ssogate.begin_sp_login(c, store, binding="post").post_form_html


def test_sp_key(sp_keypair, idp_keypair, conn: ssogate.Connection, store: ssogate.RequestStore) -> None:
    key, cert = sp_keypair
    sp = ssogate.SpKey(key.read_bytes(), cert.read_text())
    assert "BEGIN CERTIFICATE" in sp.certificate_pem and "hidden" in repr(sp)
    req = ssogate.begin_sp_login(conn, store, sp_key=sp, now=T0)
    assert req.is_signed
    assert set(_query(req.redirect_url or "")) == {"SAMLRequest", "RelayState", "SigAlg", "Signature"}
    with pytest.raises(ssogate.InvalidArgument) as e:
        ssogate.SpKey(key.read_bytes(), idp_keypair[1].read_bytes())  # another key's certificate
    assert e.value.code == ssogate.Code.SP_KEY_INVALID
    assert "-----BEGIN" not in e.value.message  # never quotes the key


# The broken store's exception is reported as "unraisable" (it cannot cross the C callback); the
# login is refused all the same, which is what is asserted.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_callable_store(idp: TestIdp, conn: ssogate.Connection, replay: ssogate.ReplayCache) -> None:
    table: Dict[str, ssogate.PendingRequest] = {}

    def put(token: str, request: ssogate.PendingRequest) -> None:
        table[token] = request

    def take(token: str, now: int) -> Optional[ssogate.PendingRequest]:
        r = table.pop(token, None)
        return None if r is None or r.expires_at <= now else r

    def take_by_request_id(connection_id: str, request_id: str, now: int) -> Optional[ssogate.PendingRequest]:
        for token, r in list(table.items()):
            if r.connection_id == connection_id and r.request_id == request_id:
                return take(token, now)
        return None

    store = ssogate.RequestStore.from_callables(put, take, take_by_request_id)
    req = ssogate.begin_sp_login(conn, store, return_to="/cb", now=T0)
    assert table[req.relay_state] == ssogate.PendingRequest(req.request_id, "c1", "/cb", T0, T0 + 600)
    done = ssogate.finish_sp_login(conn, store, req.relay_state, _answer(idp, conn, req.request_id),
                                replay_cache=replay, now=T0)
    assert done.return_to == "/cb" and not table

    # A store that raises fails closed.
    def broken(*_args: object) -> None:
        raise RuntimeError("database is down")

    down = ssogate.RequestStore.from_callables(broken, broken)
    with pytest.raises(ssogate.StoreError) as e:
        ssogate.begin_sp_login(conn, down)
    assert e.value.code == ssogate.Code.STORE_UNAVAILABLE


def test_store_locations(tmp_path: Path, idp: TestIdp, conn: ssogate.Connection,
                         replay: ssogate.ReplayCache) -> None:
    store = ssogate.RequestStore.open(f"sqlite:{tmp_path / 's.db'}")
    req = ssogate.begin_sp_login(conn, store, return_to="/sqlite", now=T0)
    # A second handle on the same file (another process of the same machine) finds it.
    again = ssogate.RequestStore.open(f"sqlite:{tmp_path / 's.db'}")
    done = ssogate.finish_sp_login(conn, again, req.relay_state, _answer(idp, conn, req.request_id),
                                replay_cache=replay, now=T0)
    assert done.return_to == "/sqlite"
    with pytest.raises(ssogate.StoreError) as e:
        ssogate.RequestStore.open("mysql://db")
    assert e.value.code == ssogate.Code.STORE_LOCATION


def test_argument_checks(conn: ssogate.Connection, store: ssogate.RequestStore) -> None:
    with pytest.raises(ssogate.InvalidArgument):
        ssogate.begin_sp_login(conn, store, binding="artifact")
    with pytest.raises(ssogate.InvalidArgument):
        ssogate.begin_sp_login(conn, store, ttl_seconds=0)
    with pytest.raises(TypeError):
        ssogate.begin_sp_login(conn, "memory:")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ssogate.RequestStore()


def test_testing_idp_kept_across_runs() -> None:
    # A key and certificate saved from one testing IdP make the same IdP again: its responses verify
    # against the metadata imported from the first.
    first = TestIdp("https://kept.example/idp", key_type="ec")
    again = TestIdp.from_pem(first.private_key_pem, first.certificate_pem, "https://kept.example/idp")
    assert again.certificate_pem == first.certificate_pem
    assert again.private_key_pem == first.private_key_pem
    assert again.metadata_xml == first.metadata_xml
    idp = ssogate.import_idp_metadata(first.metadata_xml)
    conn = ssogate.Connection.create(idp, base_url="https://app.example.com", id="kept", allow_idp_initiated=True)
    login = ssogate.verify_response(conn, again.response(conn, nameid="kim@example.com").base64,
                                    replay_cache=ssogate.ReplayCache.memory())
    assert login.email == "kim@example.com"
    other = TestIdp("https://kept.example/idp")
    with pytest.raises(ssogate.InvalidArgument):
        TestIdp.from_pem(other.private_key_pem, first.certificate_pem)
