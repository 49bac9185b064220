"""ssogate.testing_web.WebIdp over real HTTP (urllib, no browser): metadata, AuthnRequests by
HTTP-Redirect and HTTP-POST, the pick page, the app tile, refusals, escaping."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Dict, Iterator, Tuple

import pytest
from ssogate.testing_web import WebIdp

import ssogate

USERS = [{"email": "alice@acme.example", "attributes": {"firstName": "Alice", "groups": ["admins", "ops"]}}]


@pytest.fixture()
def idp() -> Iterator[WebIdp]:
    with WebIdp("Acme <b>Okta</b>", users=USERS) as web:
        yield web


@pytest.fixture()
def sp(idp: WebIdp) -> Tuple[ssogate.Gate, ssogate.Connection]:
    meta = ssogate.import_idp_metadata(urllib.request.urlopen(idp.metadata_url, timeout=10).read())
    conn = ssogate.Connection.create(meta, base_url="http://localhost:5000", id="acme-okta", allow_idp_initiated=True)
    gate = ssogate.Gate.open("memory:")
    gate.create_account("acme", "Acme", verified_domains=["acme.example"])
    gate.add_connection("acme", conn)
    gate.add_member("acme", "alice@acme.example")
    idp.set_app(conn.acs_url, conn.sp_entity_id)
    return gate, conn


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def post(url: str, form: Dict[str, str]) -> Tuple[int, str, Dict[str, str]]:
    data = urllib.parse.urlencode(form).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def hidden(page: str, name: str) -> str:
    m = re.search(rf"name={name} value='([^']*)'", page)
    assert m, f"no {name} in the page"
    return html.unescape(m.group(1))


def test_metadata_is_the_testing_idps_with_this_servers_urls(idp: WebIdp) -> None:
    meta = ssogate.import_idp_metadata(get(idp.metadata_url))
    assert meta.entity_id == idp.entity_id == f"{idp.url}/saml"
    assert meta.sso_url("redirect") == meta.sso_url("post") == f"{idp.url}/sso"


def test_sp_initiated_by_redirect_pick_page_then_auto_post(idp: WebIdp, sp: Tuple[ssogate.Gate, ssogate.Connection]) -> None:
    gate, conn = sp
    req = gate.begin_sp_login(conn.id, return_to="/dash")
    page = get(req.redirect_url)
    assert "alice@acme.example" in page and "(redirect binding)" in page
    assert "Acme &lt;b&gt;Okta&lt;/b&gt;" in page and "<b>Okta</b>" not in page
    status, auto, headers = post(f"{idp.url}/sso/answer", {"request": hidden(page, "request"), "binding": "redirect",
                                                            "relay_state": hidden(page, "relay_state"), "pick": "0"})
    assert status == 200 and f"action='{conn.acs_url}'" in auto
    assert "script-src 'sha256-" in headers["Content-Security-Policy"]
    out = gate.consume(conn.id, hidden(auto, "SAMLResponse"), hidden(auto, "RelayState"))
    assert out.accepted and out.email == "alice@acme.example" and out.return_to == "/dash"
    assert out.login.attribute_dict() == {"firstName": ["Alice"], "groups": ["admins", "ops"]}


def test_sp_initiated_by_post_with_a_typed_user_and_attributes(idp: WebIdp,
                                                              sp: Tuple[ssogate.Gate, ssogate.Connection]) -> None:
    gate, conn = sp
    gate.add_member("acme", "bob@acme.example")
    req = gate.begin_sp_login(conn.id, binding="post")
    saml = re.search(r'name="SAMLRequest" value="([^"]+)"', req.post_form_html).group(1)
    status, page, _ = post(f"{idp.url}/sso", {"SAMLRequest": saml, "RelayState": req.relay_state})
    assert status == 200 and "(post binding)" in page
    status, auto, _ = post(f"{idp.url}/sso/answer", {
        "request": hidden(page, "request"), "binding": "post", "relay_state": hidden(page, "relay_state"),
        "pick": "other", "email": "bob@acme.example", "attributes": "dept=R&D\ndept=Ops"})
    assert status == 200
    out = gate.consume(conn.id, hidden(auto, "SAMLResponse"), hidden(auto, "RelayState"))
    assert out.accepted and out.email == "bob@acme.example"
    assert out.login.attribute_dict() == {"dept": ["R&D", "Ops"]}


def test_the_app_tile_logs_in_idp_initiated(idp: WebIdp, sp: Tuple[ssogate.Gate, ssogate.Connection]) -> None:
    gate, conn = sp
    assert "id=open-app" in get(idp.url + "/")
    status, auto, _ = post(f"{idp.url}/tile", {"pick": "0"})
    assert status == 200 and "RelayState" not in auto
    out = gate.consume(conn.id, hidden(auto, "SAMLResponse"))
    assert out.accepted and out.login.in_response_to == ""
    assert idp.sent[-1][0] == "alice@acme.example"


def test_an_authn_request_for_another_app_is_refused_with_a_reason(idp: WebIdp,
                                                                   sp: Tuple[ssogate.Gate, ssogate.Connection]) -> None:
    gate, conn = sp
    req = gate.begin_sp_login(conn.id)
    idp.set_app("http://localhost:5000/other/acs", "http://localhost:5000/other")
    page = get(req.redirect_url)
    status, body, _ = post(f"{idp.url}/sso/answer", {"request": hidden(page, "request"), "binding": "redirect",
                                                      "pick": "0"})
    assert status == 400 and 'id=idp-error' in body


def test_the_admin_page_sets_the_app(idp: WebIdp) -> None:
    status, page, _ = post(f"{idp.url}/admin", {"acs_url": "http://localhost:1/acs", "sp_entity_id": "urn:sp"})
    assert status == 200 and "value='http://localhost:1/acs'" in page
    assert idp.app is not None and idp.app.sp_entity_id == "urn:sp"
    status, page, _ = post(f"{idp.url}/admin", {"acs_url": "not a url", "sp_entity_id": ""})
    assert status == 400 and "class=error" in page
