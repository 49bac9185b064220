"""The membership policy without a gate: the four decisions over facts from your own database.

:class:`ssogate.Gate` keeps accounts, members and invites in its store and decides with them. A host
that keeps those in its own database asks the same questions directly; the answers come from the
same C functions, so they are the gate's answers::

    account = ssogate.AccountSettings(sso_mode="mixed", verified_domains=["acme.com"])
    conn = ssogate.ConnectionSettings.of(connection)        # an ssogate.Connection, or fill it in
    row = db.member(account_id, login.email)                 # your table
    member = None if row is None else ssogate.MemberFacts(sso_linked=row.sso_linked, ...)

    d = ssogate.decide_sso_login(login.email, account=account, connection=conn, member=member,
                                 has_pending_invite=db.has_invite(account_id, login.email))
    if d.outcome == "LOGIN": ...            # d.link_identity: record that the member now uses SSO
    elif d.outcome == "DENY": log.info("%s: %s", d.reason, d.reason_text)

Every result carries ``reason``, the stable name of why (``"INVITE_REQUIRED"``), and
``reason_text``, a sentence for the operator. Refusals are results, not exceptions; exceptions are
for caller errors (``InvalidArgument`` for an unknown mode, role or status name).
"""

from __future__ import annotations

from typing import Any, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from . import _enums, _ssogate
from ._codes import Code
from ._connection import Connection
from ._errors import InvalidArgument
from ._gate import _MODES, _REASON_NUMBERS, _ROLES, EnforcementPreview, PasswordDecision, _choice, _flag, _preview, _text

__all__ = [
    "AccountSettings",
    "ConnectionSettings",
    "MemberFacts",
    "MemberSummary",
    "SsoDecision",
    "InviteDecision",
    "decide_sso_login",
    "decide_password_login",
    "decide_invite_acceptance",
    "preview_enforcement",
]

# The API's strings for the header's enums (_enums.py, generated from ssogate.h).
_STATUSES = {name.lower(): n for name, n in _enums.POLICY_MEMBER_STATUS.items()}
_JOINED_VIA = {name.lower(): n for name, n in _enums.POLICY_JOINED_VIA.items()}
_METHODS = {name.lower(): n for name, n in _enums.POLICY_INVITE_METHOD.items()}
_OUTCOMES = {n: name for name, n in _enums.SSO_OUTCOME.items()}


class AccountSettings(NamedTuple):
    """An account's settings; each decision reads only what it needs."""

    sso_mode: str = "mixed"  #: "mixed" or "enforced"
    verified_domains: Sequence[str] = ()  #: domains the account has proven it owns
    break_glass: Sequence[str] = ()  #: member emails that keep password login under enforcement


class ConnectionSettings(NamedTuple):
    """A connection's settings as the policy reads them."""

    id: str = ""
    enabled: bool = True
    jit_provisioning: bool = False
    allow_idp_initiated: bool = False
    allowed_domains: Sequence[str] = ()  #: empty: any domain

    @classmethod
    def of(cls, connection: Connection, *, enabled: bool = True) -> ConnectionSettings:
        """The settings of an :class:`ssogate.Connection` (whether it is enabled is yours to say)."""
        if not isinstance(connection, Connection):
            raise TypeError(f"connection must be a Connection, got {type(connection).__name__}")
        return cls(
            connection.id,
            _flag(enabled, "enabled"),
            connection.jit_provisioning,
            connection.allow_idp_initiated,
            tuple(connection.allowed_domains),
        )


class MemberFacts(NamedTuple):
    """What your directory knows about a member (pass ``member=None`` for a non-member)."""

    status: str = "active"  #: "active" or "disabled"
    role: str = "member"  #: "owner", "admin" or "member"
    joined_via: str = "password"  #: "password" (had one before SSO) or "sso"
    has_password: bool = False
    sso_linked: bool = False  #: has logged in through SSO at least once


class MemberSummary(NamedTuple):
    """One member of the account, for :func:`preview_enforcement`."""

    email: str
    role: str = "member"
    status: str = "active"
    sso_linked: bool = False


class SsoDecision(NamedTuple):
    """What a verified SSO login becomes."""

    outcome: str  #: "LOGIN", "JOIN_BY_INVITE", "PROMPT_JOIN" or "DENY"
    reason: str  #: MEMBER_LOGIN, FIRST_SSO_LOGIN, INVITE_PENDING, JIT_DOMAIN_MATCH, INVITE_REQUIRED, ...
    link_identity: bool  #: record that the member now logs in through SSO (first login, invite)
    detail: str  #: specifics for your audit log ("" when the reason says it all)

    @property
    def reason_text(self) -> str:
        return _ssogate.reason_text(_REASON_NUMBERS[self.reason])


class InviteDecision(NamedTuple):
    """May the invite be accepted this way?"""

    allowed: bool
    reason: str  #: INVITE_ACCEPTED_VIA_SSO, INVITE_PASSWORD_ALLOWED, INVITE_REQUIRES_SSO or INVITE_EMAIL_MISMATCH
    detail: str

    @property
    def reason_text(self) -> str:
        return _ssogate.reason_text(_REASON_NUMBERS[self.reason])


def _list(value: Any, what: str) -> List[str]:
    # The C calls take a list as one string split at spaces and commas, so an item holding either
    # would silently become two: refuse it instead.
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{what} must be a list of str, not a single {type(value).__name__}")
    items = [_text(v, f"{what} item") for v in value]
    for item in items:
        if not item or " " in item or "," in item:
            raise InvalidArgument(
                Code.INVALID_ARGUMENT, f"{what} items must be non-empty, without spaces or commas, got {item!r}"
            )
    return items


def _account(account: Any) -> Tuple[int, List[str], List[str]]:
    return (
        _choice(account.sso_mode, _MODES, "sso_mode"),
        _list(account.verified_domains, "verified_domains"),
        _list(account.break_glass, "break_glass"),
    )


def _facts(member: Optional[Any], has_pending_invite: bool) -> Tuple[bool, int, int, int, bool, bool, bool]:
    pending = _flag(has_pending_invite, "has_pending_invite")
    if member is None:
        return (False, 0, _ROLES["member"], 0, False, False, pending)
    return (
        True,
        _choice(member.status, _STATUSES, "status"),
        _choice(member.role, _ROLES, "role"),
        _choice(member.joined_via, _JOINED_VIA, "joined_via"),
        _flag(member.has_password, "has_password"),
        _flag(member.sso_linked, "sso_linked"),
        pending,
    )


def decide_sso_login(
    email: str,
    *,
    account: AccountSettings = AccountSettings(),
    connection: ConnectionSettings = ConnectionSettings(),
    member: Optional[MemberFacts] = None,
    has_pending_invite: bool = False,
    unsolicited: bool = False,
) -> SsoDecision:
    """What the verified ``email``'s SSO login becomes (the SSO table of docs/policy.md).

    ``member``: None when the email is not a member of the account. ``has_pending_invite``: an
    unexpired invite for this email exists. ``unsolicited``: the response was IdP-initiated.
    """
    conn = (
        _text(connection.id, "connection.id"),
        _flag(connection.enabled, "connection.enabled"),
        _flag(connection.jit_provisioning, "connection.jit_provisioning"),
        _flag(connection.allow_idp_initiated, "connection.allow_idp_initiated"),
        _list(connection.allowed_domains, "allowed_domains"),
    )
    outcome, reason, link, detail = _ssogate.policy_decide_sso_login(
        _account(account),
        conn,
        _facts(member, has_pending_invite),
        _text(email, "email"),
        _flag(unsolicited, "unsolicited"),
    )
    return SsoDecision(_OUTCOMES[outcome], _ssogate.reason_name(reason), link, detail)


def decide_password_login(
    email: str,
    *,
    account: AccountSettings = AccountSettings(),
    member: Optional[MemberFacts] = None,
    sso_connection_id: Optional[str] = None,
) -> PasswordDecision:
    """May ``email`` log in with a password? (You still check the password itself.)

    ``sso_connection_id``: the account's enabled connection, returned as ``connection_id`` when the
    answer is to use SSO instead.
    """
    allowed, reason, conn_id = _ssogate.policy_decide_password_login(
        _account(account),
        _facts(member, False),
        _text(email, "email"),
        "" if sso_connection_id is None else _text(sso_connection_id, "sso_connection_id"),
    )
    return PasswordDecision(allowed, _ssogate.reason_name(reason), conn_id or None)


def decide_invite_acceptance(
    invited_email: str,
    *,
    account: AccountSettings = AccountSettings(),
    method: str,
    sso_email: Optional[str] = None,
) -> InviteDecision:
    """May the invite to ``invited_email`` be accepted with ``method`` ("sso" or "password")?

    ``sso_email``: the email the IdP verified, for ``method="sso"``.
    """
    allowed, reason, detail = _ssogate.policy_decide_invite_acceptance(
        _account(account),
        _text(invited_email, "invited_email"),
        _choice(method, _METHODS, "method"),
        "" if sso_email is None else _text(sso_email, "sso_email"),
    )
    return InviteDecision(allowed, _ssogate.reason_name(reason), detail)


def preview_enforcement(
    members: Iterable[MemberSummary],
    *,
    account: AccountSettings = AccountSettings(),
    has_enabled_connection: bool = True,
    force: bool = False,
) -> EnforcementPreview:
    """What switching the account to SSO Enforced would do, over your member list.

    ``mode`` is the account's; ``applied`` is always False (nothing is changed).
    """
    rows = [
        (
            _text(m.email, "member email"),
            _choice(m.role, _ROLES, "role"),
            _choice(m.status, _STATUSES, "status"),
            _flag(m.sso_linked, "sso_linked"),
        )
        for m in members
    ]
    return _preview(
        _ssogate.policy_preview_enforcement(
            _account(account), rows, _flag(has_enabled_connection, "has_enabled_connection"), _flag(force, "force")
        )
    )
