"""The pure policy through Python: the main rows of each precedence table in
core/src/policy/policy.hpp (every row is tested in C++ and through C in tests/capi/policy_test.c),
to show the binding hands each fact to the right rule and the answer back unchanged."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest

import ssogate
from ssogate import AccountSettings, ConnectionSettings, MemberFacts, MemberSummary

ACCOUNT = AccountSettings(verified_domains=["example.com"], break_glass=["Owner@Example.com"])
ENFORCED = ACCOUNT._replace(sso_mode="enforced")
CONN = ConnectionSettings(id="conn1")
JIT = CONN._replace(jit_provisioning=True)
LINKED = MemberFacts(sso_linked=True)


# (kwargs for decide_sso_login beyond the defaults, email, outcome, reason, link_identity)
SSO_ROWS = [
    ("connection disabled", dict(connection=CONN._replace(enabled=False), member=LINKED), "alice@example.com",
     "DENY", "CONNECTION_DISABLED", False),
    ("unsolicited, IdP-initiated off", dict(member=LINKED, unsolicited=True), "alice@example.com",
     "DENY", "IDP_INITIATED_NOT_ALLOWED", False),
    ("unsolicited, IdP-initiated on", dict(connection=CONN._replace(allow_idp_initiated=True), member=LINKED,
                                           unsolicited=True), "alice@example.com", "LOGIN", "MEMBER_LOGIN", False),
    ("email without a domain", dict(member=LINKED), "alice", "DENY", "EMAIL_INVALID", False),
    ("connection domains apply to members", dict(connection=CONN._replace(allowed_domains=["corp.example"]),
                                                 member=LINKED), "alice@example.com", "DENY", "DOMAIN_NOT_ALLOWED",
     False),
    ("disabled member beats an invite", dict(member=MemberFacts(status="disabled"), has_pending_invite=True),
     "alice@example.com", "DENY", "MEMBER_DISABLED", False),
    ("linked member", dict(member=LINKED), "alice@example.com", "LOGIN", "MEMBER_LOGIN", False),
    ("first SSO login links", dict(member=MemberFacts(), has_pending_invite=True), "Alice@EXAMPLE.com",
     "LOGIN", "FIRST_SSO_LOGIN", True),
    ("pending invite", dict(connection=JIT, has_pending_invite=True), "guest@other.org",
     "JOIN_BY_INVITE", "INVITE_PENDING", True),
    ("JiT off", dict(), "bob@example.com", "DENY", "INVITE_REQUIRED", False),
    ("JiT without any domain list", dict(account=ACCOUNT._replace(verified_domains=[]), connection=JIT),
     "bob@anything.com", "DENY", "JIT_NO_DOMAINS", False),
    ("JiT outside the verified domains", dict(connection=JIT), "mallory@other.org", "DENY", "DOMAIN_NOT_ALLOWED",
     False),
    ("JiT outside both lists' intersection", dict(connection=JIT._replace(allowed_domains=["example.com", "partner.io"])),
     "x@partner.io", "DENY", "DOMAIN_NOT_ALLOWED", False),
    ("JiT domain match", dict(connection=JIT), "Bob@EXAMPLE.com", "PROMPT_JOIN", "JIT_DOMAIN_MATCH", False),
    ("JiT on the connection's list alone", dict(account=ACCOUNT._replace(verified_domains=()),
                                                connection=JIT._replace(allowed_domains=("corp.example",))),
     "x@corp.example", "PROMPT_JOIN", "JIT_DOMAIN_MATCH", False),
]


@pytest.mark.parametrize("name,kwargs,email,outcome,reason,link", SSO_ROWS, ids=[r[0] for r in SSO_ROWS])
def test_sso_login_rows(name: str, kwargs: Dict[str, Any], email: str, outcome: str, reason: str, link: bool) -> None:
    kwargs.setdefault("account", ACCOUNT)
    kwargs.setdefault("connection", CONN)
    d = ssogate.decide_sso_login(email, **kwargs)
    assert (d.outcome, d.reason, d.link_identity) == (outcome, reason, link), d.detail
    assert d.reason_text  # every reason has its sentence


def test_sso_detail_names_the_domain() -> None:
    d = ssogate.decide_sso_login("mallory@other.org", account=ACCOUNT, connection=JIT)
    assert "other.org" in d.detail and "example.com" in d.detail
    assert ssogate.decide_sso_login("bob@example.com", account=ACCOUNT, connection=JIT).detail == "domain example.com"


def test_connection_settings_of_a_connection() -> None:
    from ssogate.testing import TestIdp

    idp = ssogate.import_idp_metadata(TestIdp("https://okta.test.example/exk1").metadata_xml)
    conn = ssogate.Connection.create(idp, base_url="https://app.example.com", id="okta", jit_provisioning=True,
                                     allowed_domains=["example.com"])
    settings = ConnectionSettings.of(conn, enabled=False)
    assert settings == ConnectionSettings("okta", False, True, False, ("example.com",))
    assert ssogate.decide_sso_login("bob@example.com", account=ACCOUNT, connection=settings).reason == \
        "CONNECTION_DISABLED"
    assert ssogate.decide_sso_login("bob@example.com", account=ACCOUNT,
                                    connection=ConnectionSettings.of(conn)).outcome == "PROMPT_JOIN"


# (account, member, email, allowed, reason, connection_id)
PASSWORD_ROWS = [
    ("not a member", ACCOUNT, None, "nobody@example.com", False, "NOT_A_MEMBER", None),
    ("disabled, even break-glass", ENFORCED, MemberFacts(status="disabled", has_password=True), "owner@example.com",
     False, "MEMBER_DISABLED", None),
    ("no password", ACCOUNT, MemberFacts(), "alice@example.com", False, "NO_PASSWORD", "conn1"),
    ("enforced, break-glass", ENFORCED, MemberFacts(role="owner", has_password=True), "OWNER@example.com", True,
     "BREAK_GLASS", None),
    ("enforced", ENFORCED, MemberFacts(has_password=True), "alice@example.com", False, "SSO_REQUIRED", "conn1"),
    ("enforced, named break-glass but no longer an owner or admin", ENFORCED, MemberFacts(has_password=True),
     "owner@example.com", False, "SSO_REQUIRED", "conn1"),
    ("mixed, joined through SSO", ACCOUNT, MemberFacts(joined_via="sso", has_password=True), "alice@example.com",
     False, "SSO_ONLY_MEMBER", "conn1"),
    ("mixed, had a password", ACCOUNT, MemberFacts(has_password=True), "alice@example.com", True,
     "PASSWORD_ALLOWED", None),
]


@pytest.mark.parametrize("name,account,member,email,allowed,reason,conn_id", PASSWORD_ROWS,
                         ids=[r[0] for r in PASSWORD_ROWS])
def test_password_login_rows(name: str, account: AccountSettings, member: Optional[MemberFacts], email: str,
                             allowed: bool, reason: str, conn_id: Optional[str]) -> None:
    d = ssogate.decide_password_login(email, account=account, member=member, sso_connection_id="conn1")
    assert isinstance(d, ssogate.PasswordDecision)
    assert (d.allowed, d.reason, d.connection_id) == (allowed, reason, conn_id)


INVITE_ROWS = [
    ("sso as the invited email", "enforced", "sso", "GUEST@example.com", True, "INVITE_ACCEPTED_VIA_SSO"),
    ("sso as another email", "mixed", "sso", "mallory@example.com", False, "INVITE_EMAIL_MISMATCH"),
    ("password, enforced", "enforced", "password", None, False, "INVITE_REQUIRES_SSO"),
    ("password, mixed", "mixed", "password", None, True, "INVITE_PASSWORD_ALLOWED"),
]


@pytest.mark.parametrize("name,mode,method,sso_email,allowed,reason", INVITE_ROWS, ids=[r[0] for r in INVITE_ROWS])
def test_invite_rows(name: str, mode: str, method: str, sso_email: Optional[str], allowed: bool, reason: str) -> None:
    d = ssogate.decide_invite_acceptance("guest@example.com", account=AccountSettings(sso_mode=mode), method=method,
                                         sso_email=sso_email)
    assert (d.allowed, d.reason) == (allowed, reason)
    assert d.reason_text


MEMBERS = [
    MemberSummary("owner@example.com", role="owner"),
    MemberSummary("bob@example.com"),
    MemberSummary("gone@example.com", role="admin", status="disabled", sso_linked=True),
    MemberSummary("carol@example.com"),
]


@pytest.mark.parametrize(
    "name,members,has_connection,force,allowed,reason",
    [
        ("lockout guard", MEMBERS, True, False, False, "LOCKOUT_GUARD"),
        ("forced", MEMBERS, True, True, True, "FORCED"),
        ("no enabled connection, even forced", MEMBERS, False, True, False, "NO_ENABLED_CONNECTION"),
        ("an admin linked to SSO", MEMBERS + [MemberSummary("admin@example.com", role="admin", sso_linked=True)],
         True, False, True, "ENFORCEMENT_SAFE"),
    ],
)
def test_enforcement_rows(name: str, members: list, has_connection: bool, force: bool, allowed: bool,
                          reason: str) -> None:
    p = ssogate.preview_enforcement(members, account=ACCOUNT, has_enabled_connection=has_connection, force=force)
    assert isinstance(p, ssogate.EnforcementPreview)
    assert (p.allowed, p.reason, p.applied, p.mode) == (allowed, reason, False, "mixed")
    # Active, never linked, not break-glass, in input order; the disabled admin is nobody's concern.
    assert p.losing_access == ["bob@example.com", "carol@example.com"]
    assert p.break_glass == ["owner@example.com"]


def test_caller_errors() -> None:
    with pytest.raises(ssogate.InvalidArgument) as e:
        ssogate.decide_sso_login("a@example.com", account=AccountSettings(sso_mode="strict"))
    assert e.value.code == ssogate.Code.INVALID_ARGUMENT and "sso_mode" in str(e.value)
    with pytest.raises(ssogate.InvalidArgument):
        ssogate.decide_password_login("a@example.com", member=MemberFacts(role="root"))
    with pytest.raises(ssogate.InvalidArgument):
        ssogate.decide_invite_acceptance("a@example.com", method="magic-link")
    with pytest.raises(ssogate.InvalidArgument):
        ssogate.preview_enforcement([MemberSummary("a@example.com", status="gone")])
    # The C library refuses what the Python layer cannot see: an empty invited email.
    with pytest.raises(ssogate.InvalidArgument) as e:
        ssogate.decide_invite_acceptance("", method="sso", sso_email="a@example.com")
    assert "invited_email" in str(e.value)
    # A list item that the C list syntax would split in two.
    with pytest.raises(ssogate.InvalidArgument):
        ssogate.decide_sso_login("a@example.com", account=AccountSettings(verified_domains=["a.com,b.com"]))
    with pytest.raises(TypeError):
        ssogate.decide_sso_login("a@example.com", account=AccountSettings(verified_domains="example.com"))
    with pytest.raises(TypeError):
        ssogate.decide_sso_login("a@example.com", unsolicited=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ssogate.decide_sso_login(b"a@example.com")  # type: ignore[arg-type]
