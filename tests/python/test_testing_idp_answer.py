"""The testing IdP answers an SP-initiated login from what begin_sp_login returned, so a host's test
suite runs begin -> IdP -> ACS without decoding the AuthnRequest by hand."""

from __future__ import annotations

import base64

import pytest

import ssogate
from ssogate.testing import TestIdp

T0 = 1767225600


@pytest.fixture(scope="module")
def idp() -> TestIdp:
    return TestIdp("https://idp.answer.test.example", sso_url="https://idp.answer.test.example/sso")


@pytest.fixture()
def conn(idp: TestIdp) -> ssogate.Connection:
    return ssogate.Connection.create(ssogate.import_idp_metadata(idp.metadata_xml), base_url="https://app.example.com",
                                     id="c1")


@pytest.mark.parametrize("binding", ["redirect", "post"])
def test_begin_answer_finish(idp: TestIdp, conn: ssogate.Connection, binding: str) -> None:
    store = ssogate.RequestStore.memory()
    req = ssogate.begin_sp_login(conn, store, return_to="/projects", binding=binding, now=T0)
    r = idp.answer(conn, req, now=T0, attributes={"groups": ["admins"]})
    assert r.relay_state == req.relay_state
    assert f'InResponseTo="{req.request_id}"' in r.xml
    done = ssogate.finish_sp_login(conn, store, r.relay_state, r.base64,
                                   replay_cache=ssogate.ReplayCache.memory(now=T0), now=T0)
    assert done.login.email == "alice@example.com"
    assert done.login.in_response_to == req.request_id
    assert done.return_to == "/projects"


def test_the_redirect_url_or_the_post_value_as_text(idp: TestIdp, conn: ssogate.Connection) -> None:
    store = ssogate.RequestStore.memory()
    req = ssogate.begin_sp_login(conn, store, now=T0)
    assert req.redirect_url is not None
    r = idp.answer(conn, req.redirect_url, now=T0)
    assert r.relay_state == req.relay_state  # read from the URL
    post = ssogate.begin_sp_login(conn, store, binding="post", now=T0)
    r = idp.answer(conn, base64.b64encode(post.xml.encode()).decode(), now=T0)
    assert r.relay_state == ""  # a POST form value carries no RelayState of its own
    assert f'InResponseTo="{post.request_id}"' in r.xml


def test_the_gate_flow(idp: TestIdp, conn: ssogate.Connection) -> None:
    with_gate = ssogate.Gate.open("memory:", now=T0)
    with_gate.create_account("acme", "Acme", ["example.com"])
    with_gate.add_connection("acme", conn)
    with_gate.add_member("acme", "alice@example.com")
    req = with_gate.begin_sp_login("c1", return_to="/home")
    r = idp.answer(conn, req, now=T0)
    out = with_gate.consume("c1", r.base64, r.relay_state)
    assert out.accepted and out.return_to == "/home"


def test_a_request_for_another_connection_is_refused(idp: TestIdp, conn: ssogate.Connection) -> None:
    other = ssogate.Connection.create(ssogate.import_idp_metadata(idp.metadata_xml),
                                      base_url="https://other.example.com", id="c2")
    req = ssogate.begin_sp_login(other, ssogate.RequestStore.memory(), now=T0)
    with pytest.raises(ssogate.InvalidArgument) as info:
        idp.answer(conn, req, now=T0)
    assert info.value.code == ssogate.Code.INVALID_ARGUMENT
    assert "Issuer" in info.value.message
    with pytest.raises(ssogate.InvalidArgument):
        idp.answer(conn, "https://idp.example/sso?SAMLRequest=%ZZ")
    with pytest.raises(TypeError):
        idp.answer(conn, req, in_response_to="_x")
    with pytest.raises(TypeError):
        idp.answer(conn, 42)  # type: ignore[arg-type]
