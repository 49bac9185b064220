"""The dashboard's web security, through Flask's test client (fast; no browser): CSRF, cookies, CSP,
open redirects, the upload limit, escaping, who may see what, and the refusal reference."""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.error
import urllib.request
from typing import Any, Tuple

import pytest
from ssogate.testing import TestIdp
from ssogate.testing import check_directory_contract

import ssogate
from conftest import OKTA_METADATA, LiveDashboard, csrf_of, dashboard
from directory import SqliteDirectory

ACS_PATH = re.compile(r'id="acs-url" value="http://localhost:5000([^"]+)"')


def sign_in_owner(client: Any, account: str = "acme") -> str:
    """Password login of the seeded owner; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    r = client.post("/login/password", data={"csrf_token": token, "email": f"owner@{account}.example",
                                             "password": f"{account}-owner-password"})
    assert r.status_code == 303 and r.headers["Location"] == f"/a/{account}/"
    return csrf_of(client.get(f"/a/{account}/").text)


def add_idp(client: Any, token: str, idp: TestIdp, account: str = "acme", **options: str) -> Tuple[str, str]:
    """Saves a connection for the testing IdP through the page; returns (connection id, ACS path)."""
    r = client.post(f"/a/{account}/settings/sso/new", data={"csrf_token": token, "description": "Okta",
                                                            "metadata_xml": idp.metadata_xml, **options})
    assert r.status_code == 303, r.text
    page = client.get(r.headers["Location"]).text
    acs = ACS_PATH.search(page).group(1)
    return acs.split("/")[3], acs


def connection(app: Any, conn_id: str) -> ssogate.Connection:
    return app.extensions["dashboard"].connection(conn_id)[1]


def last_audit(app: Any, account: str = "acme") -> ssogate.AuditRow:
    return app.extensions["dashboard"].gate.read_audit(account, newest_first=True, limit=1)[0]


# ---- the directory ----

def test_the_sqlite_directory_passes_the_directory_contract(tmp_path: Any) -> None:
    d = SqliteDirectory(str(tmp_path / "contract.db"))
    check_directory_contract(d)  # raises at the first check that fails
    assert d.find_account("nobody") is None


# ---- CSRF ----

def test_admin_forms_refuse_a_missing_or_forged_csrf_token(app: Any) -> None:
    c = app.test_client()
    token = sign_in_owner(c)
    for sent in ({}, {"csrf_token": "forged"}, {"csrf_token": token[:-1]}):
        r = c.post("/a/acme/settings/sso/mode", data={"mode": "enforced", "force": "on", **sent})
        assert r.status_code == 403 and "security token" in r.text
    assert app.extensions["dashboard"].account("acme").sso_mode == "mixed"
    # The real token works (here the lockout guard answers, which proves the form was let through).
    r = c.post("/a/acme/settings/sso/mode", data={"mode": "enforced", "csrf_token": token})
    assert r.status_code == 303 and "Not+switched" in r.headers["Location"]


def test_a_post_from_another_site_is_refused_even_with_the_token(app: Any) -> None:
    c = app.test_client()
    token = sign_in_owner(c)
    for headers in ({"Origin": "http://127.0.0.1:9999"}, {"Sec-Fetch-Site": "cross-site"}):
        r = c.post("/a/acme/settings/sso/mode", data={"mode": "enforced", "force": "on", "csrf_token": token},
                   headers=headers)
        assert r.status_code == 403 and "another site" in r.text
    r = c.post("/a/acme/settings/sso/mode", data={"mode": "enforced", "force": "on", "csrf_token": token},
               headers={"Origin": "http://localhost:5000", "Sec-Fetch-Site": "same-origin"})
    # Let through to the gate, which answers (no enabled IdP yet: nothing to enforce with).
    assert r.status_code == 303 and "Not+switched" in r.headers["Location"]


def test_the_acs_takes_the_idps_cross_site_post_without_a_csrf_token(app: Any) -> None:
    c = app.test_client()
    token = sign_in_owner(c)
    idp = TestIdp()
    conn_id, acs = add_idp(c, token, idp, allow_idp_initiated="on", provisioning="jit")
    r = app.test_client().post(acs, data={"SAMLResponse": idp.response(connection(app, conn_id),
                                                                      nameid="new@acme.example").base64},
                               headers={"Origin": "http://127.0.0.1:9999", "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 303 and r.headers["Location"] == "/join"


# ---- cookies and headers ----

def test_session_cookie_is_httponly_samesite_lax_and_secure_outside_localhost(tmp_path: Any) -> None:
    for base, secure in (("http://localhost:5000", False), ("https://dash.example.com", True)):
        a = dashboard.create_app(str(tmp_path / f"{secure}.db"), base)
        r = a.test_client().get("/login", base_url=base)
        cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure, cookie


def test_every_page_has_a_strict_csp(app: Any) -> None:
    r = app.test_client().get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in r.text  # the page's only script is a file


def test_the_post_binding_form_is_allowed_by_its_scripts_hash_and_nothing_else(app: Any) -> None:
    c = app.test_client()
    token = sign_in_owner(c)
    idp = TestIdp()
    conn_id, _ = add_idp(c, token, idp)
    r = c.post(f"/a/acme/settings/sso/{conn_id}", data={"csrf_token": token, "enabled": "on", "binding": "post",
                                                       "provisioning": "invite"})
    assert r.status_code == 303
    r = c.post("/sso/start", data={"csrf_token": token, "connection": conn_id})
    assert r.status_code == 200
    scripts = re.findall(r"<script>(.*?)</script>", r.text, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    csp = r.headers["Content-Security-Policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in csp
    assert "form-action 'self' https://idp.test.example" in csp  # the form posts to the IdP only
    # The IdP answers it, proving it is a real AuthnRequest.
    saml = re.search(r'name="SAMLRequest" value="([^"]+)"', r.text).group(1)
    relay = re.search(r'name="RelayState" value="([^"]+)"', r.text).group(1)
    answer = idp.answer(connection(app, conn_id), saml, nameid="owner@acme.example")
    r = app.test_client().post(f"/sso/saml/{conn_id}/acs", data={"SAMLResponse": answer.base64, "RelayState": relay})
    assert r.status_code == 303 and r.headers["Location"] == "/a/acme/"


# ---- open redirects ----

@pytest.mark.parametrize("value,kept", [
    ("/a/acme/audit?x=1", "/a/acme/audit?x=1"),
    ("https://evil.example/", None),
    ("//evil.example/", None),
    ("/\\evil.example", None),
    ("/\tevil", None),
    ("javascript:alert(1)", None),
    ("", None),
])
def test_safe_return_to(value: str, kept: Any) -> None:
    assert dashboard.safe_return_to(value) == kept


def test_an_off_site_return_to_never_becomes_a_redirect(app: Any) -> None:
    c = app.test_client()
    token = sign_in_owner(c)
    idp = TestIdp()
    conn_id, acs = add_idp(c, token, idp)
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        anon = app.test_client()
        t = csrf_of(anon.get(f"/login?return_to={evil}").text)
        # The password login ignores it...
        r = anon.post("/login/password", data={"csrf_token": t, "email": "owner@acme.example",
                                               "password": "acme-owner-password", "return_to": evil})
        assert r.headers["Location"] == "/a/acme/"
        # ...and so does SSO: the AuthnRequest carries no return_to, the ACS sends the user home.
        r = anon.post("/sso/start", data={"csrf_token": csrf_of(anon.get("/a/acme/").text), "connection": conn_id,
                                          "return_to": evil})
        assert r.status_code == 303
        answer = idp.answer(connection(app, conn_id), r.headers["Location"], nameid="owner@acme.example")
        r = anon.post(acs, data={"SAMLResponse": answer.base64, "RelayState": answer.relay_state})
        assert r.headers["Location"] == "/a/acme/"
    # A path on the service is kept through the IdP round trip.
    anon = app.test_client()
    t = csrf_of(anon.get("/login").text)
    r = anon.post("/sso/start", data={"csrf_token": t, "connection": conn_id, "return_to": "/a/acme/audit"})
    answer = idp.answer(connection(app, conn_id), r.headers["Location"], nameid="owner@acme.example")
    r = anon.post(acs, data={"SAMLResponse": answer.base64, "RelayState": answer.relay_state})
    assert r.headers["Location"] == "/a/acme/audit"


# ---- uploads ----

def test_an_oversized_upload_is_refused_before_it_is_read(app: Any) -> None:
    c = app.test_client()
    token = sign_in_owner(c)
    big = b"<x>" + b" " * (dashboard.MAX_UPLOAD + 1) + b"</x>"
    r = c.post("/a/acme/settings/sso/new", data={"csrf_token": token, "metadata": (__import__("io").BytesIO(big),
                                                                                   "metadata.xml")},
               content_type="multipart/form-data")
    assert r.status_code == 413 and "larger than 512 KB" in r.text
    assert app.extensions["dashboard"].connections("acme") == []


def test_an_oversized_upload_over_a_real_socket(live: LiveDashboard) -> None:
    req = urllib.request.Request(live.base_url.replace("localhost", "127.0.0.1") + "/a/acme/settings/sso/new",
                                 data=b"x" * (dashboard.MAX_UPLOAD * 3), method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 413


def test_the_real_okta_metadata_upload_shows_its_urls_and_certificate(app: Any) -> None:
    c = app.test_client()
    token = sign_in_owner(c)
    r = c.post("/a/acme/settings/sso/new", data={"csrf_token": token, "description": "Okta",
                                                 "metadata": (OKTA_METADATA.open("rb"), "metadata.xml")},
               content_type="multipart/form-data")
    page = c.get(r.headers["Location"]).text
    assert "http://www.okta.com/exkppsa1qwuFV4D7z0h7" in page
    assert "https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml" in page
    assert "2028-09-07" in page and 'id="acs-url"' in page and 'id="sp-entity-id"' in page


def test_refused_metadata_says_why(app: Any) -> None:
    c = app.test_client()
    token = sign_in_owner(c)
    r = c.post("/a/acme/settings/sso/new", data={"csrf_token": token,
                                                 "metadata_xml": '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'})
    assert r.status_code == 400 and 'id="form-error"' in r.text


# ---- escaping ----

def test_markup_in_a_description_or_an_attribute_is_escaped_everywhere(app: Any) -> None:
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    c = app.test_client()
    token = sign_in_owner(c)
    idp = TestIdp()
    conn_id, acs = add_idp(c, token, idp, description=evil)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
    pages = [c.get("/a/acme/settings/sso").text, c.get(f"/a/acme/settings/sso/{conn_id}").text]
    anon = app.test_client()
    pages.append(anon.post("/login", data={"csrf_token": csrf_of(anon.get("/login").text),
                                           "email": "owner@acme.example"}).text)
    response = idp.response(connection(app, conn_id), nameid="owner@acme.example", attributes={"displayName": evil},
                            in_response_to=None)
    r = anon.post(acs, data={"SAMLResponse": response.base64})
    assert r.status_code == 403  # IdP-initiated is off: refused, and the page is escaped too
    pages.append(r.text)
    c.post(f"/a/acme/settings/sso/{conn_id}", data={"csrf_token": token, "enabled": "on", "description": evil,
                                                   "allow_idp_initiated": "on", "provisioning": "invite"})
    response = idp.response(connection(app, conn_id), nameid="owner@acme.example", attributes={"displayName": evil})
    assert anon.post(acs, data={"SAMLResponse": response.base64}).status_code == 303
    pages.append(anon.get("/a/acme/").text)
    pages.append(c.get("/a/acme/audit").text)
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    for page in pages[:3] + pages[4:5]:
        assert escaped in page


# ---- who may see what ----

def test_members_and_other_tenants_cannot_reach_admin_pages(app: Any) -> None:
    globex = app.test_client()
    sign_in_owner(globex, "globex")
    for path in ("/a/acme/", "/a/acme/settings/sso", "/a/acme/audit"):
        r = globex.get(path)
        assert r.status_code == 403 and "another account" in r.text
    anon = app.test_client()
    r = anon.get("/a/acme/settings/sso")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?return_to=/a/acme/settings/sso")
    owner = app.test_client()
    token = sign_in_owner(owner)
    owner.post("/a/acme/members", data={"csrf_token": token, "email": "m@acme.example", "role": "member",
                                        "password": "pw", "action": "add"})
    member = app.test_client()
    t = csrf_of(member.get("/login").text)
    assert member.post("/login/password", data={"csrf_token": t, "email": "m@acme.example",
                                                "password": "pw"}).status_code == 303
    assert member.get("/a/acme/").status_code == 200
    r = member.get("/a/acme/settings/sso")
    assert r.status_code == 403 and "owners and admins" in r.text


def test_a_wrong_password_says_nothing_about_membership(app: Any) -> None:
    c = app.test_client()
    t = csrf_of(c.get("/login").text)
    a = c.post("/login/password", data={"csrf_token": t, "email": "owner@acme.example", "password": "nope"})
    b = c.post("/login/password", data={"csrf_token": t, "email": "nobody@acme.example", "password": "nope"})
    assert a.status_code == b.status_code == 401
    assert "Wrong email or password." in a.text and "Wrong email or password." in b.text


# ---- refusals ----

def test_a_refusal_shows_the_user_message_and_a_reference_the_admin_finds(app: Any) -> None:
    c = app.test_client()
    token = sign_in_owner(c)
    idp = TestIdp()
    conn_id, acs = add_idp(c, token, idp, allow_idp_initiated="on")
    r = app.test_client().post(acs, data={"SAMLResponse": idp.response(connection(app, conn_id),
                                                                      nameid="eve@acme.example").base64})
    assert r.status_code == 403
    ref = re.search(r'id="reference">(R-\d+)<', r.text).group(1)
    row = last_audit(app)
    assert ref == f"R-{row.seq}" and row.reason == "INVITE_REQUIRED" and row.email == "eve@acme.example"
    assert row.detail not in r.text  # the operator's message stays on the admin's side
    page = c.get(f"/a/acme/audit?ref={ref}").text
    assert page.count('class="audit-row"') == 1 and "INVITE_REQUIRED" in page and "eve@acme.example" in page
    # A forged response: refused before any signature verified, nobody named.
    forged = base64.b64encode(b"<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'/>").decode()
    r = app.test_client().post(acs, data={"SAMLResponse": forged})
    assert r.status_code == 403 and re.search(r'id="reference">R-\d+<', r.text)


def test_a_replayed_response_is_refused_and_signs_nobody_out(app: Any) -> None:
    c = app.test_client()
    token = sign_in_owner(c)
    idp = TestIdp()
    conn_id, acs = add_idp(c, token, idp, allow_idp_initiated="on")
    saml = idp.response(connection(app, conn_id), nameid="owner@acme.example").base64
    user = app.test_client()
    assert user.post(acs, data={"SAMLResponse": saml}).status_code == 303
    r = user.post(acs, data={"SAMLResponse": saml})
    assert r.status_code == 403 and last_audit(app).reason == "REPLAYED"
    assert user.get("/a/acme/").status_code == 200  # still signed in


def test_join_needs_the_prompt_and_its_csrf_token(app: Any) -> None:
    c = app.test_client()
    token = sign_in_owner(c)
    idp = TestIdp()
    conn_id, acs = add_idp(c, token, idp, allow_idp_initiated="on", provisioning="jit")
    user = app.test_client()
    r = user.post(acs, data={"SAMLResponse": idp.response(connection(app, conn_id), nameid="new@acme.example").base64})
    assert r.headers["Location"] == "/join"
    page = user.get("/join").text
    assert "Join Acme Inc.?" in page
    assert user.post("/join", data={"answer": "join"}).status_code == 403
    r = user.post("/join", data={"answer": "join", "csrf_token": csrf_of(page)})
    assert r.status_code == 303 and r.headers["Location"] == "/a/acme/"
    m = app.extensions["dashboard"].directory.find_member("acme", "new@acme.example")
    assert m is not None and m.joined_via == "sso"


def test_only_what_fits_in_the_cookie_is_kept_of_the_attributes() -> None:
    many = {f"group{i}": ["x" * 100] for i in range(40)}
    kept = dashboard.shown_attributes(many)
    assert 0 < len(kept) < 40 and list(kept) == [f"group{i}" for i in range(len(kept))]
    assert dashboard.shown_attributes({"firstName": ["Alice"]}) == {"firstName": ["Alice"]}
