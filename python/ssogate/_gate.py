"""The gate: verification, the account's membership policy, the directory and its audit log, in one object.

::

    gate = ssogate.Gate.open("sqlite:/var/lib/app/ssogate.db")          # once per process
    gate.create_account("acme", "Acme", verified_domains=["acme.com"])
    gate.add_connection("acme", conn)                                    # an ssogate.Connection

    # "Log in with SSO": send the browser to the IdP
    req = gate.begin_sp_login(conn.id, return_to="/dashboard")
    return redirect(req.redirect_url, 303)

    # the ACS: one call, one outcome
    out = gate.consume(conn_id, form["SAMLResponse"], form.get("RelayState"))
    if out.accepted:                       # LOGIN or JOINED_BY_INVITE
        sign_in(out.email); return redirect(out.return_to or "/")
    if out.kind == "PROMPT_JOIN":          # Just-in-Time: ask, then gate.confirm_join(out.join_token)
        ...
    log.info("SSO refused: %s: %s", out.reason, out.reason_text)
    return out.user_message, 403

What raises and what answers:

* :meth:`Gate.consume` never raises for a login attempt: a forged, expired, replayed or otherwise
  refused response, a policy refusal and a store that cannot answer are all a ``DENIED``
  :class:`GateOutcome` with a stable ``reason`` and an audit row. It raises only for caller errors
  (``TypeError`` for a wrong type) and on a closed gate.
* :meth:`Gate.decide_password_login`, :meth:`Gate.preview_enforcement` and
  :meth:`Gate.apply_sso_mode` answer with a decision (``allowed`` / ``applied`` and a reason); a
  refusal is not an exception. They raise ``NotFound`` for an unknown account.
* The admin calls (``create_account``, ``add_connection``, ``add_member``, ``invite``,
  ``add_break_glass``, ``set_connection_enabled``), :meth:`Gate.begin_sp_login` and
  :meth:`Gate.confirm_join` raise: ``InvalidArgument`` (bad input, or ``Code.POLICY_DENIED``),
  ``NotFound`` / ``StoreConflict`` (``StoreError`` subclasses), ``StoreError`` with
  ``Code.STORE_UNAVAILABLE`` when a store cannot answer.
* Every call on a gate after :meth:`Gate.close` raises ``InvalidArgument`` saying the gate is closed.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import TYPE_CHECKING, Any, Iterable, List, Mapping, NamedTuple, Optional, Tuple, Union

from . import _enums, _ssogate
from ._codes import Code
from ._connection import Connection
from ._convert import BytesLike, Timestamp, to_bytes, to_datetime, to_unix
from ._errors import InvalidArgument, StoreError
from ._login import SpLoginRequest, RequestStore, SpKey, _sp_login_request
from ._verify import ReplayCache, VerifiedLogin, _verified_login
from ._explain import Explanation, _candidate, _explanation
from ._idp import IdpMetadata
from ._verify import _request_ids

if TYPE_CHECKING:
    from ._directory import Directory, Member, NativeDirectory

__all__ = ["Gate", "GateOutcome", "Invite", "EnforcementPreview", "PasswordDecision", "AuditRow"]

# The API's strings for the header's enums (_enums.py, generated from ssogate.h).
_ROLES = {name.lower(): n for name, n in _enums.ROLE.items()}
_MODES = {name.lower(): n for name, n in _enums.SSO_MODE.items()}
_MODE_NAMES = {v: k for k, v in _MODES.items()}
_KINDS = {n: name for name, n in _enums.GATE_OUTCOME.items()}
_BINDINGS = {"redirect": _enums.BINDING["HTTP_REDIRECT"], "post": _enums.BINDING["HTTP_POST"]}


def _redacted(location: str) -> str:
    """The location with any password replaced by ***: postgresql://app:***@db/app."""
    return re.sub(r"^([a-z]+://[^:/@]*:)[^@]*@", r"\1***@", location)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, got {type(value).__name__}")
    return value


def _choice(value: Any, choices: Mapping[str, int], what: str) -> int:
    if value not in choices:
        names = ", ".join(repr(k) for k in choices)
        raise InvalidArgument(Code.INVALID_ARGUMENT, f"{what} must be one of {names}, got {value!r}")
    return int(choices[value])


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be bool, got {type(value).__name__}")
    return value


class Invite(NamedTuple):
    """An invite: mail the user a link with ``token``; their next SSO login joins the account."""

    token: str
    email: str
    expires_at: _dt.datetime


class EnforcementPreview(NamedTuple):
    """What switching to SSO Enforced does; ``applied`` and ``mode`` tell what apply_sso_mode did."""

    allowed: bool
    applied: bool
    mode: str  #: the account's mode after the call: "mixed" or "enforced"
    reason: str  #: ENFORCEMENT_SAFE, LOCKOUT_GUARD, FORCED or NO_ENABLED_CONNECTION
    detail: str
    losing_access: List[str]  #: members who have never logged in through SSO and would lose access
    break_glass: List[str]  #: break-glass members who keep password login


class PasswordDecision(NamedTuple):
    """May this email log in with a password? (The host still checks the password itself.)"""

    allowed: bool
    reason: str  #: PASSWORD_ALLOWED, BREAK_GLASS, NOT_A_MEMBER, NO_PASSWORD, SSO_REQUIRED, ...
    connection_id: Optional[str]  #: where to send a user who must use SSO

    @property
    def reason_text(self) -> str:
        return _ssogate.reason_text(_REASON_NUMBERS[self.reason])


class AuditRow(NamedTuple):
    seq: int
    time: _dt.datetime
    account_id: str
    connection_id: str
    email: str
    outcome: str  #: LOGIN, PROMPT_JOIN, JOINED_BY_INVITE, DENIED, JOIN_CONFIRMED, PASSWORD_REFUSED, ...
    reason: str  #: a policy reason name, an error code name, or "ADMIN"
    detail: str


class GateOutcome:
    """What :meth:`Gate.consume` made of a response.

    Attributes:
        kind: ``"LOGIN"``, ``"PROMPT_JOIN"``, ``"JOINED_BY_INVITE"`` or ``"DENIED"``.
        reason: the stable reason name: a policy reason (``"INVITE_REQUIRED"``) or, when
            verification or a store refused, the error code's name (``"REPLAYED"``).
        reason_text: for the operator (what rule, or what was expected and what came).
        user_message: safe to show the end user of a refused login ("" otherwise).
        error: ``None`` when the policy decided, else the :class:`Code` that refused the login.
        signature_verified: whether the response's signature had verified: ``True`` for accepted
            outcomes, policy decisions and refusals after verification (then :attr:`email` names
            who was refused); ``False`` when the refusal came before any signature verified, and
            then :attr:`email` is ``""`` (nothing the sender chose is recorded).
        email: the verified email (lower-cased); for a refusal after verification, who the signed
            assertion names (its address, else the NameID as stated); ``""`` otherwise.
        account_id, connection_id: where ("" when unknown).
        join_token: for ``PROMPT_JOIN``: give it to :meth:`Gate.confirm_join`.
        return_to: for SP-initiated logins, the address given to :meth:`Gate.begin_sp_login`.
        login: the :class:`VerifiedLogin` for accepted outcomes, else ``None``.
    """

    __slots__ = (
        "kind",
        "reason",
        "reason_text",
        "user_message",
        "error",
        "signature_verified",
        "email",
        "account_id",
        "connection_id",
        "join_token",
        "return_to",
        "login",
    )
    kind: str
    reason: str
    reason_text: str
    user_message: str
    error: Optional[Union[Code, int]]
    signature_verified: bool
    email: str
    account_id: str
    connection_id: str
    join_token: Optional[str]
    return_to: Optional[str]
    login: Optional[VerifiedLogin]

    def __init__(self) -> None:
        raise TypeError("GateOutcome objects come from Gate.consume()")

    @classmethod
    def _from_tuple(cls, t: Any) -> GateOutcome:
        (kind, _number, name, text, user_message, error, email, account, conn_id, token, return_to, login,
         signature_verified) = t
        self = object.__new__(cls)
        self.kind = _KINDS[kind]
        self.reason = name
        self.reason_text = text
        self.user_message = user_message
        if error == 0:
            self.error = None
        else:
            try:
                self.error = Code(error)
            except ValueError:
                self.error = int(error)
        self.signature_verified = bool(signature_verified)
        self.email = email
        self.account_id = account
        self.connection_id = conn_id
        self.join_token = token or None
        self.return_to = return_to or None
        self.login = None if login is None else _verified_login(login)
        return self

    @property
    def accepted(self) -> bool:
        """True for LOGIN and JOINED_BY_INVITE: start a session for :attr:`email`."""
        return self.kind in ("LOGIN", "JOINED_BY_INVITE")

    def __repr__(self) -> str:
        parts = [f"kind={self.kind!r}", f"reason={self.reason!r}", f"email={self.email!r}"]
        parts.append(f"connection_id={self.connection_id!r}")
        if self.join_token:
            parts.append("join_token=<hidden>")
        if self.return_to:
            parts.append(f"return_to={self.return_to!r}")
        return f"GateOutcome({', '.join(parts)})"


def _join_token_ttl(value: Optional[int]) -> int:
    ttl = 0 if value is None else value
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
        raise InvalidArgument(Code.INVALID_ARGUMENT, f"join_token_ttl_seconds must be a positive int, got {ttl!r}")
    return ttl


def _preview(t: Any) -> EnforcementPreview:
    allowed, applied, mode, reason, detail, losing, glass = t
    return EnforcementPreview(
        allowed=allowed,
        applied=applied,
        mode=_MODE_NAMES[mode],
        reason=_ssogate.reason_name(reason),
        detail=detail,
        losing_access=list(losing),
        break_glass=list(glass),
    )


class Gate:
    """The whole SSO flow over a store: admin calls, ``begin_sp_login``, ``consume``, ``confirm_join``.

    Thread-safe: open one per process and share it. Calls that touch the store or verify a response
    release the GIL.
    """

    __slots__ = ("_handle", "_location", "__weakref__")
    _handle: Any
    _location: str

    def __init__(self) -> None:
        raise TypeError("use Gate.open(location) to make a Gate")

    @classmethod
    def open(  # noqa: A003 - the natural name
        cls,
        location: str = "memory:",
        shared: Optional[str] = None,
        *,
        now: Optional[Timestamp] = None,
        join_token_ttl_seconds: Optional[int] = None,
        check_shared: bool = True,
        migrate_on_open: bool = False,
    ) -> Gate:
        """Opens a gate.

        ``location``: ``"sqlite:PATH"`` (one file: directory, audit log, replay cache, pending
        requests), ``"postgresql://USER:PASSWORD@HOST:PORT/DB[?sslmode=...]"`` (the same in one
        PostgreSQL database, shared by every node; also ``pool_max``, ``statement_timeout_ms``) or
        ``"memory:"`` (tests). ``shared``: ``"redis://[USER:PASSWORD@]HOST:PORT[/DB]"`` to keep the
        replay cache and pending requests in Redis, shared by several nodes. ``now`` freezes the
        clock (tests and demos). ``migrate_on_open`` upgrades an older database schema while
        opening; without it an older schema raises ``StoreError`` (``Code.STORE_SCHEMA_OLDER``) and
        :func:`ssogate.migrate_database` (or ``ssogate db migrate LOCATION``) upgrades it.

        Raises ``StoreError``: ``Code.STORE_LOCATION`` for a location it cannot parse or open,
        ``Code.STORE_UNAVAILABLE`` when Redis does not answer a PING at once (the message names the
        address; ``check_shared=False`` skips the check, and logins are then refused until Redis
        answers). Close the gate with :meth:`close`, or use it as a context manager.
        """
        native = _ssogate.gate_open(
            _text(location, "location"),
            "" if shared is None else _text(shared, "shared"),
            to_unix(now) or 0,
            _join_token_ttl(join_token_ttl_seconds),
            _flag(migrate_on_open, "migrate_on_open"),
        )
        gate = cls._made(native, location)
        if shared is not None and _flag(check_shared, "check_shared"):
            # The library connects to Redis at the first login; a wrong address or a Redis that is
            # down would then refuse every login (fail closed). Said here, at start-up, instead.
            try:
                gate.check_stores()
            except StoreError as e:
                gate.close()
                raise StoreError(
                    e.code,
                    # The location is not repeated: it may hold a password (the core's message names
                    # the address and the user, never the password).
                    f"{e.message} (a gate with this shared location refuses every login until it answers; check "
                    "the address, the credentials and that the server runs, or pass check_shared=False to start "
                    "anyway)",
                ) from None
        return gate

    @classmethod
    def _made(cls, native: Any, location: str) -> Gate:
        self = object.__new__(cls)
        self._handle = native
        self._location = location
        return self

    @property
    def _native(self) -> Any:
        native = self._handle
        if native is None:
            raise InvalidArgument(
                Code.INVALID_ARGUMENT, f"{self!r} is closed: open a new one with Gate.open() to use the store again"
            )
        return native

    def close(self) -> None:
        """Releases the gate's stores (the SQLite file, the Redis connection). Closing twice is allowed.

        Calls already running finish first; every call after ``close`` raises ``InvalidArgument``.
        ``with ssogate.Gate.open(...) as gate:`` closes it at the end of the block.
        """
        self._handle = None

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> Gate:
        self._native  # noqa: B018 - a closed gate cannot be entered
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def with_stores(
        cls,
        directory: Union[Directory, NativeDirectory],
        replay_cache: ReplayCache,
        request_store: RequestStore,
        *,
        now: Optional[Timestamp] = None,
        join_token_ttl_seconds: Optional[int] = None,
    ) -> Gate:
        """A gate over stores you made: your own :class:`ssogate.Directory` (or
        ``Directory.open("sqlite:PATH")``), a :class:`ReplayCache` and a :class:`RequestStore`, each of
        any kind (memory, SQLite, Redis, your callables).

        The gate shares the stores; a store that cannot answer refuses the login with
        ``Code.STORE_UNAVAILABLE``. ``now`` and ``join_token_ttl_seconds`` as for :meth:`open`.
        """
        from ._directory import _native_directory  # _directory imports this module

        if not isinstance(replay_cache, ReplayCache):
            raise TypeError(f"replay_cache must be a ReplayCache, got {type(replay_cache).__name__}")
        if not isinstance(request_store, RequestStore):
            raise TypeError(f"request_store must be a RequestStore, got {type(request_store).__name__}")
        native_directory = _native_directory(directory)
        native = _ssogate.gate_new(
            native_directory, replay_cache._native, request_store._native, to_unix(now) or 0,
            _join_token_ttl(join_token_ttl_seconds),
        )
        return cls._made(native, f"with_stores({type(directory).__name__})")

    # ---- admin ----

    def create_account(self, account_id: str, name: str, verified_domains: Iterable[str] = ()) -> None:
        """Creates an account; ``StoreError`` (``Code.STORE_CONFLICT``) when it exists."""
        if isinstance(verified_domains, str):
            raise TypeError("verified_domains must be a list of domains, not a str")
        domains = [_text(d, "verified_domains item") for d in verified_domains]
        _ssogate.gate_create_account(self._native, _text(account_id, "account_id"), _text(name, "name"), domains)

    def add_break_glass(self, account_id: str, email: str) -> None:
        """This owner or admin keeps password login when SSO is enforced (an IdP outage cannot lock the account out).

        Raises ``NotFound`` when the email is not a member, ``InvalidArgument`` with
        ``Code.POLICY_DENIED`` when the member is not an active owner or admin. The name counts only while
        its member is an owner or admin (checked at every password login), and a new membership of the
        same email through the gate starts without it (see docs/policy.md).
        """
        _ssogate.gate_add_break_glass(self._native, _text(account_id, "account_id"), _text(email, "email"))

    def add_connection(self, account_id: str, connection: Connection, *, enabled: bool = True) -> None:
        """Saves the connection for the account; saving one with the same id again changes its settings.

        To change settings, save ``conn.with_settings(...)`` (or :meth:`update_connection`): it keeps
        the id and the URLs the IdP was given. Saving a connection under an existing id with another
        ACS URL or SP entity ID raises ``StoreConflict`` (the IdP would post to URLs the gate no
        longer knows), as does an id that belongs to another account; ``NotFound`` for an unknown
        account.
        """
        if not isinstance(connection, Connection):
            raise TypeError(f"connection must be a Connection, got {type(connection).__name__}")
        _ssogate.gate_add_connection(
            self._native, _text(account_id, "account_id"), connection._native, _flag(enabled, "enabled")
        )

    def update_connection(self, account_id: str, connection: Connection, **settings: Any) -> Connection:
        """Changes a saved connection's settings in one call and returns the connection saved.

        ``gate.update_connection("acme", conn, allow_idp_initiated=True)`` is
        ``gate.add_connection("acme", conn.with_settings(allow_idp_initiated=True))``: the id, the
        ACS URL and the SP entity ID stay; the keywords are those of
        :meth:`Connection.with_settings` (``idp=`` for refreshed metadata, ``enabled=`` to enable or
        disable it too). Keep the returned connection (``to_json()``) where you keep yours.
        """
        if not isinstance(connection, Connection):
            raise TypeError(f"connection must be a Connection, got {type(connection).__name__}")
        enabled = _flag(settings.pop("enabled", True), "enabled")
        updated = connection.with_settings(**settings)
        self.add_connection(account_id, updated, enabled=enabled)
        return updated

    def add_decryption_key(self, key: SpKey) -> None:
        """Gives the gate an SP encryption key for encrypted assertions.

        Each connection uses the keys whose certificate is one of its ``sp_encryption_certificates``,
        so one gate holds the keys of every connection (and the current and next key during a
        rollover). Adding a key the gate holds already does nothing. The key stays in memory only.
        """
        if not isinstance(key, SpKey):
            raise TypeError(f"key must be an SpKey, got {type(key).__name__}")
        _ssogate.gate_add_decryption_key(self._native, key._native)

    def set_connection_enabled(self, connection_id: str, enabled: bool) -> None:
        """Enables or disables a saved connection (a disabled one refuses logins: ``CONNECTION_DISABLED``).

        ``NotFound`` for an unknown connection."""
        _ssogate.gate_set_connection_enabled(
            self._native, _text(connection_id, "connection_id"), _flag(enabled, "enabled")
        )

    def add_member(self, account_id: str, email: str, *, role: str = "member", has_password: bool = False) -> None:
        """Adds a member. ``has_password``: they had a password before SSO (kept in Mixed mode).

        ``NotFound`` for an unknown account, ``StoreConflict`` when the email is a member already."""
        _ssogate.gate_add_member(
            self._native,
            _text(account_id, "account_id"),
            _text(email, "email"),
            _choice(role, _ROLES, "role"),
            _flag(has_password, "has_password"),
        )

    def remove_member(self, account_id: str, email: str) -> None:
        """Removes a member (and their break-glass name), audited ``MEMBER_REMOVED``.

        ``NotFound`` when the email is not a member. ``InvalidArgument`` with ``Code.POLICY_DENIED``
        (audited ``MEMBER_REMOVE_REFUSED``) when the account enforces SSO and the removal would leave it
        without an active owner or admin who has signed in through SSO: the lockout guard of
        :meth:`set_sso_mode`. Decided on the account's revision, so an enforcement or removal by another
        process meanwhile makes it decide again; ``StoreConflict`` when they kept changing under it."""
        _ssogate.gate_remove_member(self._native, _text(account_id, "account_id"), _text(email, "email"))

    def invite(self, account_id: str, email: str, *, role: str = "member", ttl_seconds: int = 7 * 86400) -> Invite:
        """Invites ``email``; their next SSO login joins the account as ``role``.

        ``NotFound`` for an unknown account; ``InvalidArgument`` for an invalid email or role."""
        if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int):
            raise TypeError(f"ttl_seconds must be int, got {type(ttl_seconds).__name__}")
        token, address, expires = _ssogate.gate_invite(
            self._native, _text(account_id, "account_id"), _text(email, "email"), _choice(role, _ROLES, "role"),
            ttl_seconds,
        )
        return Invite(token, address, to_datetime(expires))

    def preview_enforcement(self, account_id: str) -> EnforcementPreview:
        """What switching to SSO Enforced would do. Changes nothing."""
        return _preview(_ssogate.gate_preview_enforcement(self._native, _text(account_id, "account_id")))

    def apply_sso_mode(self, account_id: str, mode: str, *, force: bool = False) -> EnforcementPreview:
        """``"mixed"`` or ``"enforced"``. Enforcing applies only when the preview allows it (the
        lockout guard refuses until an admin has logged in through SSO, unless ``force``); check
        ``.applied``."""
        return _preview(
            _ssogate.gate_apply_sso_mode(
                self._native, _text(account_id, "account_id"), _choice(mode, _MODES, "mode"), _flag(force, "force")
            )
        )

    # ---- logins ----

    def begin_sp_login(
        self,
        connection_id: str,
        *,
        return_to: Optional[str] = None,
        binding: str = "redirect",
        sp_key: Optional[SpKey] = None,
        force_authn: bool = False,
        is_passive: bool = False,
        ttl_seconds: int = 600,
    ) -> SpLoginRequest:
        """Starts an SP-initiated login: redirect to ``redirect_url`` or serve ``post_form_html``.

        ``sp_key`` signs the AuthnRequest (required when the IdP wants signed requests). Raises
        (nothing is recorded): ``NotFound`` for an unknown connection, ``InvalidArgument`` with
        ``Code.RETURN_TO_NOT_ALLOWED`` for a ``return_to`` outside the service, ``Code.SP_KEY_REQUIRED``
        / ``Code.SP_KEY_INVALID`` for the key, ``StoreError`` when the request store cannot answer.
        """
        if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int):
            raise TypeError(f"ttl_seconds must be int, got {type(ttl_seconds).__name__}")
        if sp_key is not None and not isinstance(sp_key, SpKey):
            raise TypeError(f"sp_key must be an SpKey, got {type(sp_key).__name__}")
        r = _ssogate.gate_begin_sp_login(
            self._native,
            _text(connection_id, "connection_id"),
            "" if return_to is None else _text(return_to, "return_to"),
            None if sp_key is None else sp_key._native,
            _choice(binding, _BINDINGS, "binding"),
            _flag(force_authn, "force_authn"),
            _flag(is_passive, "is_passive"),
            ttl_seconds,
        )
        return _sp_login_request(r)

    def consume(
        self, connection_id: str, saml_response: Union[str, BytesLike], relay_state: Optional[str] = None
    ) -> GateOutcome:
        """The ACS: the form's SAMLResponse and RelayState. Always returns a :class:`GateOutcome`.

        Refusals are outcomes, never exceptions: a response that fails verification (``out.error``
        is its code), a policy refusal (``out.error`` is None) and a store that cannot answer
        (``STORE_UNAVAILABLE``) are all ``kind == "DENIED"``. Without a RelayState of this gate the
        response is IdP-initiated (started from the IdP's dashboard, as a login from the Okta
        dashboard is), refused with ``UNSOLICITED_NOT_ALLOWED`` unless the connection has
        ``allow_idp_initiated=True``. Raises only ``TypeError`` for wrong argument types, and on a
        closed gate.
        """
        if relay_state is not None and not isinstance(relay_state, str):
            raise TypeError(f"relay_state must be str, got {type(relay_state).__name__}")
        t = _ssogate.gate_consume(
            self._native, _text(connection_id, "connection_id"), to_bytes(saml_response, "saml_response"),
            relay_state or "",
        )
        return GateOutcome._from_tuple(t)

    def explain(
        self,
        connection_id: str,
        saml_response: Union[str, BytesLike],
        *,
        pending_request_ids: Union[str, Iterable[str]] = (),
        candidate_metadata: Optional[IdpMetadata] = None,
        now: Optional[Timestamp] = None,
    ) -> Explanation:
        """Why did this login fail? :func:`ssogate.explain` for a response posted to the stored
        connection, with this gate's decryption keys, size cap and maximum age.

        Read-only: the gate's replay cache, pending requests and RelayState are never touched (the
        ``"replay"`` check is not reached), so pass the request ID an SP-initiated login answers as
        ``pending_request_ids``. ``now``: the time it was posted (default: the gate's clock).
        ``NotFound`` for an unknown connection.
        """
        t = _ssogate.gate_explain(
            self._native,
            _text(connection_id, "connection_id"),
            to_bytes(saml_response, "saml_response"),
            _request_ids(pending_request_ids),
            _candidate(candidate_metadata),
            to_unix(now) or 0,
        )
        return _explanation(t)

    def confirm_join(self, join_token: str) -> Member:
        """After PROMPT_JOIN the user said yes: decides again with the settings of this moment, then
        creates the member and returns it (an :class:`ssogate.Member`: role ``"member"``, joined
        through SSO, linked). ``NotFound`` (a ``StoreError``, ``Code.NOT_FOUND``) when the token is
        unknown, already used or expired, ``StoreConflict`` when the email became a member meanwhile;
        ``InvalidArgument`` with ``Code.POLICY_DENIED`` (the message names the policy reason) when an
        admin meanwhile disabled the connection, turned JiT off, removed the domain or invited them.
        """
        t = _ssogate.gate_confirm_join_member(self._native, _text(join_token, "join_token"))
        return _member(t)

    def find_member(self, account_id: str, email: str) -> Optional[Member]:
        """The member ``email`` (any case) of the account, or None (also for an unknown account)."""
        t = _ssogate.gate_find_member(self._native, _text(account_id, "account_id"), _text(email, "email").strip())
        return None if t is None else _member(t)

    def list_members(self, account_id: str) -> List[Member]:
        """The account's members, ordered by email. ``NotFound`` for an unknown account."""
        return [_member(t) for t in _ssogate.gate_list_members(self._native, _text(account_id, "account_id"))]

    def refresh_connection(
        self, connection_id: str, *, on_event: Optional[Any] = None, **fetch_options: Any
    ) -> Any:
        """Refreshes a stored connection imported from a URL (:func:`ssogate.refresh_connection`) and stores
        the result: the new metadata, or the last known good with its refresh state. Every event is written
        to the audit log (outcome: the event's name, reason ``METADATA``) and then passed to
        ``on_event(connection_id, event)``. Returns a :class:`ssogate.RefreshResult`; a failed refresh is
        in it (``result.error``), not raised. ``NotFound`` for an unknown connection, ``InvalidArgument``
        for one not imported from a URL. Call it from your scheduler at
        ``gate``'s connection ``idp.source.next_refresh_at``; ``fetch_options`` as for
        :func:`ssogate.import_idp_metadata_url`."""
        from ._metadata import gate_refresh

        if on_event is not None and not callable(on_event):
            raise TypeError("on_event must be callable")
        return gate_refresh(self._native, _text(connection_id, "connection_id"), on_event, fetch_options)

    def check_stores(self) -> None:
        """One round trip to each store (directory, replay cache, pending requests). Raises
        ``StoreError`` (``Code.STORE_UNAVAILABLE``, naming the store and its address) when one does
        not answer; writes nothing. :meth:`open` calls it when given a ``shared`` store."""
        _ssogate.gate_check_stores(self._native)

    def decide_password_login(self, account_id: str, email: str) -> PasswordDecision:
        """May ``email`` log in with a password? A decision (``allowed``, ``reason``), audited; a
        refusal (``SSO_REQUIRED``, ``NOT_A_MEMBER``, ...) is not an exception. ``NotFound`` for an
        unknown account."""
        allowed, reason, conn_id = _ssogate.gate_decide_password_login(
            self._native, _text(account_id, "account_id"), _text(email, "email")
        )
        return PasswordDecision(allowed, _ssogate.reason_name(reason), conn_id or None)

    def read_audit(
        self,
        account_id: Optional[str] = None,
        *,
        after_seq: int = 0,
        before_seq: Optional[int] = None,
        limit: int = 1000,
        newest_first: bool = False,
        email: Optional[str] = None,
        outcome: Union[str, Iterable[str], None] = None,
        reason: Union[str, Iterable[str], None] = None,
        since: Optional[Timestamp] = None,
        until: Optional[Timestamp] = None,
    ) -> List[AuditRow]:
        """Audit rows, at most ``limit`` (0: 1000): oldest first, or the newest first with ``newest_first=True``.

        ``account_id`` None reads every account. Rows have ``after_seq < seq < before_seq``; the
        filters keep rows whose ``email`` is the given one (any case), whose ``outcome``
        (``"LOGIN"``, ``"DENIED"``, ``"PROMPT_JOIN"``, ``"JOIN_CONFIRMED"``, ...) or ``reason``
        (``"REPLAYED"``, ``"INVITE_REQUIRED"``, ...) is the given one or one of those given, and
        whose ``time`` is in ``since <= time < until``. To page back through the newest rows, pass
        the last row's ``seq`` as ``before_seq``.

        The library filters: a SQLite directory answers with one SQL statement. ``InvalidArgument``
        for an outcome or reason that is not a name (A-Z, 0-9, _) or a negative seq.
        """
        acc = "" if account_id is None else _text(account_id, "account_id")
        for value, what in ((after_seq, "after_seq"), (limit, "limit")):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidArgument(Code.INVALID_ARGUMENT, f"{what} must be a non-negative int, got {value!r}")
        if before_seq is not None and (isinstance(before_seq, bool) or not isinstance(before_seq, int) or before_seq <= 0):
            raise InvalidArgument(Code.INVALID_ARGUMENT, f"before_seq must be a positive int, got {before_seq!r}")
        outcomes = _names(outcome, "outcome")
        reasons = _names(reason, "reason")
        if outcomes is None or reasons is None:
            return []
        rows = _ssogate.gate_query_audit(
            self._native,
            acc,
            "" if email is None else _text(email, "email").strip(),
            outcomes,
            reasons,
            after_seq,
            before_seq or 0,
            _bound(since, "since"),
            _bound(until, "until"),
            _flag(newest_first, "newest_first"),
            limit,
        )
        return [_audit_row(t) for t in rows]

    def __repr__(self) -> str:
        return f"Gate({_redacted(self._location)!r}{', closed' if self._handle is None else ''})"




def _audit_row(t: Any) -> AuditRow:
    seq, time, a, c, e, o, r, d = t
    return AuditRow(seq, to_datetime(time), a, c, e, o, r, d)


def _names(value: Union[str, Iterable[str], None], what: str) -> Optional[str]:
    """One name or several as the library's list ("A,B"); the library checks each is a name."""
    if value is None:
        return ""
    names = [value] if isinstance(value, str) else [_text(v, f"{what} item") for v in value]
    for n in names:
        if not n or "," in n or " " in n:
            raise InvalidArgument(Code.INVALID_ARGUMENT, f"{what} {n!r} is not a name such as LOGIN or REPLAYED")
    if not names:
        return None  # rows whose outcome is one of none: no rows
    return ",".join(names)


def _bound(value: Optional[Timestamp], what: str) -> int:
    if value is None:
        return 0
    t = to_unix(value)
    if t is None or t <= 0:
        raise InvalidArgument(Code.INVALID_ARGUMENT, f"{what} must be after 1970-01-01, got {value!r}")
    return t


_ROLE_NAMES = {n: name.lower() for name, n in _enums.ROLE.items()}
_STATUS_NAMES = {n: name.lower() for name, n in _enums.POLICY_MEMBER_STATUS.items()}
_JOINED_NAMES = {n: name.lower() for name, n in _enums.POLICY_JOINED_VIA.items()}


def _member(t: Any) -> Member:
    from ._directory import Member  # _directory imports this module

    account_id, email, role, status, has_password, joined_via, sso_linked, last_sso_login, created_at = t
    return Member(
        account_id=account_id,
        email=email,
        role=_ROLE_NAMES[role],
        status=_STATUS_NAMES[status],
        has_password=has_password,
        joined_via=_JOINED_NAMES[joined_via],
        sso_linked=sso_linked,
        last_sso_login=to_datetime(last_sso_login) if last_sso_login else None,
        created_at=to_datetime(created_at),
    )


# Reason names back to numbers, for PasswordDecision.reason_text.
_REASON_NUMBERS = {name: n for name, n in _enums.REASON.items() if name != "NONE"}


def migrate_database(location: str) -> Tuple[int, int]:
    """Brings the database at ``location`` (``sqlite:PATH`` or ``postgresql://...``) to the schema
    this library writes, in one transaction; returns ``(version found, version now)`` (found 0: the
    database was empty). Back the database up first. Raises ``StoreError``
    (``Code.STORE_SCHEMA_NEWER`` when a newer ssogate wrote it; ``Code.STORE_LOCATION`` for a
    location without a schema)."""
    found, now = _ssogate.db_migrate(_text(location, "location"))
    return found, now
