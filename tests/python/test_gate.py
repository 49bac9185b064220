"""The gate through Python: the main scenarios of tests/core/gate_test.cpp with the testing IdP, to
show the binding only translates (every rule is the C library's)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import ssogate
from ssogate.testing import TestIdp


@pytest.fixture()
def gate(conn: ssogate.Connection) -> ssogate.Gate:
    g = ssogate.Gate.open("memory:")
    g.create_account("acme", "Acme", verified_domains=["example.com"])
    g.add_connection("acme", conn)
    return g


def consume(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection, email: str) -> ssogate.GateOutcome:
    return gate.consume(conn.id, idp.response(conn, nameid=email).base64)


def test_member_login_links_then_logs_in(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection) -> None:
    gate.add_member("acme", "alice@example.com", role="admin", has_password=True)
    out = consume(gate, idp, conn, "alice@example.com")
    assert (out.kind, out.reason, out.accepted, out.error) == ("LOGIN", "FIRST_SSO_LOGIN", True, None)
    assert out.email == "alice@example.com" and out.account_id == "acme" and out.connection_id == "okta"
    assert isinstance(out.login, ssogate.VerifiedLogin)
    assert out.login.email == "alice@example.com"
    assert "FIRST_SSO_LOGIN" in repr(out)
    assert consume(gate, idp, conn, "alice@example.com").reason == "MEMBER_LOGIN"


def test_replay_is_denied_with_its_code(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection) -> None:
    gate.add_member("acme", "alice@example.com")
    response = idp.response(conn, nameid="alice@example.com").base64
    assert gate.consume("okta", response).accepted
    again = gate.consume("okta", response)
    assert (again.kind, again.reason, again.error) == ("DENIED", "REPLAYED", ssogate.Code.REPLAYED)
    assert again.login is None and again.user_message
    assert gate.read_audit("acme")[-1].reason == "REPLAYED"
    # Refused after the signature verified: the outcome and the audit row say who it was for.
    assert again.signature_verified and again.email == "alice@example.com"
    assert gate.read_audit("acme")[-1].email == "alice@example.com"
    # Refused before any signature verified: nothing the sender wrote, and marked so.
    forged = gate.consume("okta", idp.response(conn, nameid="ceo@example.com", sign="none").base64)
    assert (forged.kind, forged.reason, forged.signature_verified, forged.email) == (
        "DENIED", "SIGNATURE_MISSING", False, "")
    row = gate.read_audit("acme")[-1]
    assert row.email == "" and "before any signature was verified" in row.detail


def test_invite_then_jit_prompt_and_join(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection) -> None:
    invite = gate.invite("acme", "Bob@example.com", role="admin", ttl_seconds=3600)
    assert invite.email == "bob@example.com" and len(invite.token) == 22
    out = consume(gate, idp, conn, "bob@example.com")
    assert (out.kind, out.reason) == ("JOINED_BY_INVITE", "INVITE_PENDING")
    assert out.accepted and out.login is not None

    out = consume(gate, idp, conn, "carol@example.com")
    assert (out.kind, out.reason, out.accepted, out.login) == ("PROMPT_JOIN", "JIT_DOMAIN_MATCH", False, None)
    assert out.join_token and "hidden" in repr(out) and out.join_token not in repr(out)
    gate.confirm_join(out.join_token)
    with pytest.raises(ssogate.StoreError) as e:
        gate.confirm_join(out.join_token)
    assert e.value.code == ssogate.Code.NOT_FOUND
    assert consume(gate, idp, conn, "carol@example.com").reason == "MEMBER_LOGIN"

    denied = consume(gate, idp, conn, "eve@elsewhere.example.net")
    assert (denied.kind, denied.reason, denied.error) == ("DENIED", "DOMAIN_NOT_ALLOWED", None)


def test_confirm_join_decides_again(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection) -> None:
    out = consume(gate, idp, conn, "carol@example.com")
    assert out.kind == "PROMPT_JOIN"
    gate.set_connection_enabled("okta", False)  # the admin acts while Carol reads the prompt
    with pytest.raises(ssogate.Error) as e:
        gate.confirm_join(out.join_token)
    assert e.value.code == ssogate.Code.POLICY_DENIED and "CONNECTION_DISABLED" in str(e.value)
    row = gate.read_audit("acme")[-1]
    assert (row.outcome, row.reason, row.email) == ("JOIN_REFUSED", "CONNECTION_DISABLED", "carol@example.com")
    gate.set_connection_enabled("okta", True)
    gate.confirm_join(out.join_token)  # the refusal left the token unused
    assert gate.read_audit("acme")[-1].outcome == "JOIN_CONFIRMED"


def test_invite_required_without_jit(idp: TestIdp) -> None:
    imported = ssogate.import_idp_metadata(idp.metadata_xml)
    conn = ssogate.Connection.create(imported, base_url="https://app.example.com", id="strict")
    gate = ssogate.Gate.open("memory:")
    gate.create_account("acme", "Acme", verified_domains=["example.com"])
    gate.add_connection("acme", conn)
    gate.add_member("acme", "alice@example.com")
    # IdP-initiated is off for this connection: verification refuses it.
    out = gate.consume("strict", idp.response(conn, nameid="alice@example.com").base64)
    assert (out.reason, out.error) == ("UNSOLICITED_NOT_ALLOWED", ssogate.Code.UNSOLICITED_NOT_ALLOWED)
    # SP-initiated works; a newcomer without an invite is refused by the policy.
    req = gate.begin_sp_login("strict", return_to="/dash")
    answer = idp.response(conn, nameid="dave@example.com", in_response_to=req.request_id).base64
    out = gate.consume("strict", answer, req.relay_state)
    assert (out.kind, out.reason) == ("DENIED", "INVITE_REQUIRED")
    assert out.return_to == "/dash"


def test_sp_initiated_login(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection) -> None:
    gate.add_member("acme", "alice@example.com")
    req = gate.begin_sp_login("okta", return_to="/dashboard")
    assert isinstance(req, ssogate.SpLoginRequest)
    assert req.redirect_url and req.redirect_url.startswith("https://idp.test.example/sso?SAMLRequest=")
    answer = idp.response(conn, nameid="alice@example.com", in_response_to=req.request_id).base64
    out = gate.consume("okta", answer, req.relay_state)
    assert out.accepted and out.return_to == "/dashboard"
    assert out.login is not None and out.login.in_response_to == req.request_id
    post = gate.begin_sp_login("okta", binding="post")
    assert post.post_form_html and post.redirect_url is None
    with pytest.raises(ssogate.InvalidArgument) as e:
        gate.begin_sp_login("okta", return_to="https://evil.example.net/")
    assert e.value.code == ssogate.Code.RETURN_TO_NOT_ALLOWED


def test_sp_initiated_login_signed_with_sp_key(
    gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection, sp_keypair: tuple[Path, Path]
) -> None:
    key, cert = sp_keypair
    sp = ssogate.SpKey(key.read_bytes(), cert.read_bytes())
    gate.add_member("acme", "bob@example.com")
    req = gate.begin_sp_login("okta", return_to="/signed", sp_key=sp)
    assert req.is_signed
    assert req.redirect_url and "&SigAlg=" in req.redirect_url and "&Signature=" in req.redirect_url
    unsigned = gate.begin_sp_login("okta")
    assert not unsigned.is_signed and unsigned.redirect_url and "Signature=" not in unsigned.redirect_url
    answer = idp.response(conn, nameid="bob@example.com", in_response_to=req.request_id).base64
    out = gate.consume("okta", answer, req.relay_state)
    assert out.accepted and out.return_to == "/signed"
    with pytest.raises(TypeError):
        gate.begin_sp_login("okta", sp_key="not a key")  # type: ignore[arg-type]


def test_password_and_enforcement(gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection) -> None:
    gate.add_member("acme", "owner@example.com", role="owner", has_password=True)
    gate.add_member("acme", "pat@example.com", has_password=True)
    gate.add_break_glass("acme", "owner@example.com")
    assert gate.decide_password_login("acme", "pat@example.com") == (True, "PASSWORD_ALLOWED", None)

    preview = gate.preview_enforcement("acme")
    assert (preview.allowed, preview.reason) == (False, "LOCKOUT_GUARD")
    assert preview.losing_access == ["pat@example.com"] and preview.break_glass == ["owner@example.com"]
    refused = gate.apply_sso_mode("acme", "enforced")
    assert (refused.applied, refused.mode) == (False, "mixed")
    forced = gate.apply_sso_mode("acme", "enforced", force=True)
    assert (forced.applied, forced.mode, forced.reason) == (True, "enforced", "FORCED")

    d = gate.decide_password_login("acme", "pat@example.com")
    assert (d.allowed, d.reason, d.connection_id) == (False, "SSO_REQUIRED", "okta")
    assert "enforces SSO" in d.reason_text
    assert gate.decide_password_login("acme", "owner@example.com").reason == "BREAK_GLASS"
    with pytest.raises(ssogate.InvalidArgument):
        gate.apply_sso_mode("acme", "strict")


def test_break_glass_is_for_owners_and_admins_who_are_members_now(gate: ssogate.Gate) -> None:
    # Named in advance, then added with a password: refused when named, so never BREAK_GLASS.
    with pytest.raises(ssogate.NotFound) as e:
        gate.add_break_glass("acme", "newbie@example.com")
    assert "owners or admins" in e.value.message
    gate.add_member("acme", "newbie@example.com", has_password=True)
    with pytest.raises(ssogate.InvalidArgument) as bad:
        gate.add_break_glass("acme", "newbie@example.com")
    assert bad.value.code == ssogate.Code.POLICY_DENIED and "role member" in bad.value.message
    gate.add_member("acme", "boss@example.com", role="admin", has_password=True)
    gate.add_break_glass("acme", "boss@example.com")
    gate.apply_sso_mode("acme", "enforced", force=True)
    assert gate.decide_password_login("acme", "newbie@example.com").reason == "SSO_REQUIRED"
    assert gate.decide_password_login("acme", "boss@example.com").reason == "BREAK_GLASS"


def test_remove_member_keeps_a_linked_owner_on_an_enforced_account(
    gate: ssogate.Gate, idp: TestIdp, conn: ssogate.Connection
) -> None:
    gate.add_member("acme", "alice@example.com", role="owner", has_password=True)
    gate.add_member("acme", "pat@example.com", has_password=True)
    assert consume(gate, idp, conn, "alice@example.com").reason == "FIRST_SSO_LOGIN"
    assert gate.apply_sso_mode("acme", "enforced").applied
    # Alice is the only owner who signed in through SSO: removing her would lock the account out.
    with pytest.raises(ssogate.InvalidArgument) as refused:
        gate.remove_member("acme", "alice@example.com")
    assert refused.value.code == ssogate.Code.POLICY_DENIED and "LOCKOUT_GUARD" in refused.value.message
    assert gate.find_member("acme", "alice@example.com") is not None
    assert gate.read_audit("acme")[-1].outcome == "MEMBER_REMOVE_REFUSED"
    gate.remove_member("acme", "Pat@Example.com")
    assert gate.find_member("acme", "pat@example.com") is None
    assert (gate.read_audit("acme")[-1].outcome, gate.read_audit("acme")[-1].email) == (
        "MEMBER_REMOVED", "pat@example.com")
    with pytest.raises(ssogate.NotFound):
        gate.remove_member("acme", "pat@example.com")
    # Mixed again: the last owner may go.
    gate.apply_sso_mode("acme", "mixed")
    gate.remove_member("acme", "alice@example.com")
    assert gate.list_members("acme") == []


def test_audit_rows_and_admin_errors(gate: ssogate.Gate) -> None:
    with pytest.raises(ssogate.StoreError) as e:
        gate.create_account("acme", "again")
    assert e.value.code == ssogate.Code.STORE_CONFLICT
    with pytest.raises(ssogate.InvalidArgument):
        gate.add_member("acme", "x@example.com", role="king")
    with pytest.raises(TypeError):
        gate.create_account("b", "B", verified_domains="example.com")
    for domain in ("127.0.0.1", "example"):
        with pytest.raises(ssogate.InvalidArgument) as bad:
            gate.create_account("b", "B", verified_domains=[domain])
        assert bad.value.code == ssogate.Code.INVALID_SETTING and f'"{domain}"' in bad.value.message
    assert gate.read_audit("b") == []  # nothing was saved
    rows = gate.read_audit("acme")
    assert [r.outcome for r in rows] == ["ACCOUNT_CREATED", "CONNECTION_SAVED"]
    assert gate.read_audit(after_seq=rows[-1].seq) == []
    with pytest.raises(ssogate.StoreError) as e:
        ssogate.Gate.open("mysql://db")
    assert e.value.code == ssogate.Code.STORE_LOCATION


def test_threads_share_one_sqlite_gate(tmp_path: Path, idp: TestIdp, conn: ssogate.Connection) -> None:
    gate = ssogate.Gate.open(f"sqlite:{tmp_path / 'gate.db'}")
    gate.create_account("acme", "Acme", verified_domains=["example.com"])
    gate.add_connection("acme", conn)
    responses = []
    for t in range(4):
        gate.add_member("acme", f"user{t}@example.com")
        responses.append([idp.response(conn, nameid=f"user{t}@example.com").base64 for _ in range(5)])
    results: list[str] = []

    def work(batch: list[str]) -> None:
        for r in batch:
            results.append(gate.consume("okta", r).kind)

    threads = [threading.Thread(target=work, args=(b,)) for b in responses]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == ["LOGIN"] * 20
    assert sum(1 for r in gate.read_audit("acme") if r.outcome == "LOGIN") == 20
