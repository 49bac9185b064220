"""SP-initiated login: send the browser to the IdP with an AuthnRequest, match the answer at the ACS.

::

    store = ssogate.RequestStore.open("sqlite:/var/lib/app/ssogate.db")   # or .memory(), redis://
    replay = ssogate.ReplayCache.open("sqlite:/var/lib/app/ssogate.db")

    # "Log in with SSO" handler
    req = ssogate.begin_sp_login(conn, store, return_to="/dashboard")
    return redirect(req.redirect_url, 303)          # or serve req.post_form_html (binding="post")

    # ACS handler (the IdP's cross-site POST: no cookie needed)
    login = ssogate.finish_sp_login(conn, store, form.get("RelayState", ""), form["SAMLResponse"],
                                 replay_cache=replay)
    start_session(login.email); return redirect(login.return_to or "/", 303)

The pending request lives in the store under the RelayState token, so the IdP's POST (which
browsers send without SameSite=Lax cookies) finds it. ``return_to`` is checked when the login
begins and never read from the IdP's POST.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Iterable, NamedTuple, Optional, Tuple, Union

from . import _enums, _ssogate
from ._codes import Code
from ._connection import Connection
from ._convert import BytesLike, Timestamp, to_bytes, to_datetime, to_unix
from ._errors import InvalidArgument
from ._verify import ReplayCache, SpKey, VerifiedLogin, _native_keys, _verified_login

__all__ = [
    "RequestStore",
    "ReplayCache",
    "SpKey",
    "SpLoginRequest",
    "PendingRequest",
    "FinishedSpLogin",
    "begin_sp_login",
    "finish_sp_login",
]

_BINDINGS = {"redirect": _enums.BINDING["HTTP_REDIRECT"], "post": _enums.BINDING["HTTP_POST"]}


class PendingRequest(NamedTuple):
    """One pending login as a :meth:`RequestStore.from_callables` store keeps it."""

    request_id: str
    connection_id: str
    return_to: str
    created_at: int
    expires_at: int


class RequestStore:
    """Where pending SP-initiated logins wait for the IdP's answer (thread-safe; share one).

    ``memory()`` for one process, ``open("sqlite:PATH")`` for the processes of one machine,
    ``open("redis://127.0.0.1:6379")`` for many nodes, or ``from_callables`` for your own storage.
    A store that cannot answer refuses the login (``StoreError``, ``Code.STORE_UNAVAILABLE``).
    """

    __slots__ = ("_native",)
    _native: Any

    def __init__(self) -> None:
        raise TypeError("use RequestStore.memory(), .open(location) or .from_callables(...)")

    @classmethod
    def _wrap(cls, native: Any) -> RequestStore:
        self = object.__new__(cls)
        self._native = native
        return self

    @classmethod
    def memory(cls) -> RequestStore:
        return cls._wrap(_ssogate.request_store_memory())

    @classmethod
    def open(cls, location: str) -> RequestStore:  # noqa: A003 - the natural name
        """``"memory:"``, ``"sqlite:PATH"``, ``"postgresql://..."`` or
        ``"redis://[USER:PASSWORD@]HOST:PORT[/DB]"``."""
        if not isinstance(location, str):
            raise TypeError(f"location must be str, got {type(location).__name__}")
        return cls._wrap(_ssogate.request_store_open(location))

    @classmethod
    def from_callables(
        cls,
        put: Callable[[str, PendingRequest], None],
        take: Callable[[str, int], Optional[PendingRequest]],
        take_by_request_id: Optional[Callable[[str, str, int], Optional[PendingRequest]]] = None,
    ) -> RequestStore:
        """A store over your own storage.

        ``put(token, request)`` stores it until ``request.expires_at``. ``take(token, now)`` removes
        and returns the request stored under token, atomically, or None; it returns None for a
        request whose ``expires_at <= now``, except that ``now`` may be the smallest int64, which asks
        for it whatever its expiry (ssogate then reports "expired" itself). ``take_by_request_id(
        connection_id, request_id, now)`` does the same by request ID, for IdPs that drop the
        RelayState; without it such responses are refused. A callable that raises makes the login
        fail closed (``STORE_UNAVAILABLE``).
        """

        def _put(token: str, request_id: str, connection_id: str, return_to: str, created: int, expires: int) -> None:
            put(token, PendingRequest(request_id, connection_id, return_to, created, expires))

        def _tuple(r: Optional[PendingRequest]) -> Optional[Tuple[str, str, str, int, int]]:
            return None if r is None else tuple(PendingRequest(*r))  # type: ignore[return-value]

        def _take(token: str, now: int) -> Optional[Tuple[str, str, str, int, int]]:
            return _tuple(take(token, now))

        _by_id = None
        if take_by_request_id is not None:
            by_id = take_by_request_id

            def _by_id(connection_id: str, request_id: str, now: int) -> Optional[Tuple[str, str, str, int, int]]:
                return _tuple(by_id(connection_id, request_id, now))

        return cls._wrap(_ssogate.request_store_from_callables(_put, _take, _by_id))

    def __repr__(self) -> str:
        return "RequestStore()"


# ReplayCache belongs to verification (ssogate/_verify.py); imported here because finish_sp_login takes one.


class SpLoginRequest(NamedTuple):
    """A begun login: send the browser to ``redirect_url`` (303) or serve ``post_form_html``."""

    request_id: str
    relay_state: str
    binding: str  # "redirect" or "post"
    destination: str
    redirect_url: Optional[str]
    post_form_html: Optional[str]
    xml: str
    is_signed: bool
    issued_at: _dt.datetime
    expires_at: _dt.datetime


class FinishedSpLogin(NamedTuple):
    """A finished SP-initiated login: the verified login and where to send the user now.

    Attribute reads fall through to ``login`` (``finished.email`` is ``finished.login.email``).
    """

    login: VerifiedLogin
    #: The return-to given to :func:`begin_sp_login`, as validated then; None when none was given or
    #: for an unsolicited (IdP-initiated) login.
    return_to: Optional[str]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.login, name)


def _flag(value: bool, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be bool, got {type(value).__name__}")
    return value


def begin_sp_login(
    connection: Connection,
    request_store: RequestStore,
    *,
    return_to: Optional[str] = None,
    binding: str = "redirect",
    sp_key: Optional[SpKey] = None,
    force_authn: bool = False,
    is_passive: bool = False,
    ttl_seconds: int = 600,
    now: Optional[Timestamp] = None,
) -> SpLoginRequest:
    """Begins an SP-initiated login and records it in ``request_store``.

    ``return_to``: a path on your service (``"/dashboard?tab=1"``) or an absolute URL whose origin is
    in the connection's ``allowed_return_origins``; anything else raises ``InvalidArgument``
    (``Code.RETURN_TO_NOT_ALLOWED``). ``binding``: ``"redirect"`` or ``"post"``. ``sp_key`` signs
    the request (required when the IdP wants signed requests: ``Code.SP_KEY_REQUIRED``).
    """
    if not isinstance(connection, Connection):
        raise TypeError(f"connection must be a Connection, got {type(connection).__name__}")
    if not isinstance(request_store, RequestStore):
        raise TypeError(f"request_store must be a RequestStore, got {type(request_store).__name__}")
    if binding not in _BINDINGS:
        raise InvalidArgument(Code.INVALID_ARGUMENT, f'binding must be "redirect" or "post", got {binding!r}')
    if return_to is not None and not isinstance(return_to, str):
        raise TypeError(f"return_to must be str, got {type(return_to).__name__}")
    if sp_key is not None and not isinstance(sp_key, SpKey):
        raise TypeError(f"sp_key must be an SpKey, got {type(sp_key).__name__}")
    if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int):
        raise TypeError(f"ttl_seconds must be int, got {type(ttl_seconds).__name__}")
    if not 1 <= ttl_seconds <= 86400:
        raise InvalidArgument(Code.INVALID_ARGUMENT, f"ttl_seconds must be 1..86400, got {ttl_seconds}")
    r = _ssogate.sp_login_begin(
        connection._native,
        request_store._native,
        return_to=return_to,
        sp_key=None if sp_key is None else sp_key._native,
        binding=_BINDINGS[binding],
        force_authn=_flag(force_authn, "force_authn"),
        is_passive=_flag(is_passive, "is_passive"),
        ttl_seconds=ttl_seconds,
        now=to_unix(now),
    )
    return _sp_login_request(r)


def finish_sp_login(
    connection: Connection,
    request_store: RequestStore,
    relay_state: Optional[str],
    saml_response: Union[str, BytesLike],
    *,
    replay_cache: ReplayCache,
    now: Optional[Timestamp] = None,
    decryption_keys: Iterable[SpKey] = (),
) -> FinishedSpLogin:
    """Verifies the IdP's answer posted to the ACS, with the RelayState posted beside it.

    The pending request is taken from ``request_store`` exactly once; the response must answer it.
    Refusals raise ``LoginRejected`` (``REQUEST_UNKNOWN``, ``REQUEST_EXPIRED``,
    ``REQUEST_CONNECTION_MISMATCH``, ``RELAY_STATE_INVALID`` and every verification code),
    ``SignatureError`` or ``StoreError``. ``relay_state`` None or "" when the IdP sent none.
    ``decryption_keys``: the SP encryption keys, for an encrypted assertion (as in ``verify_response``).
    """
    if not isinstance(connection, Connection):
        raise TypeError(f"connection must be a Connection, got {type(connection).__name__}")
    if not isinstance(request_store, RequestStore):
        raise TypeError(f"request_store must be a RequestStore, got {type(request_store).__name__}")
    if not isinstance(replay_cache, ReplayCache):
        raise TypeError(f"replay_cache must be a ReplayCache, got {type(replay_cache).__name__}")
    if relay_state is not None and not isinstance(relay_state, str):
        raise TypeError(f"relay_state must be str, got {type(relay_state).__name__}")
    login, return_to = _ssogate.sp_login_finish(
        connection._native,
        request_store._native,
        relay_state or "",
        to_bytes(saml_response, "saml_response"),
        replay=replay_cache._native,
        now=to_unix(now),
        decryption_keys=_native_keys(decryption_keys),
    )
    return FinishedSpLogin(_verified_login(login), return_to or None)


def _sp_login_request(r: Any) -> SpLoginRequest:
    """The extension's tuple for a begun login (begin_sp_login, Gate.begin_sp_login) as a SpLoginRequest."""
    request_id, relay_state, b, destination, url, html, xml, is_signed, issued, expires = r
    return SpLoginRequest(
        request_id=request_id,
        relay_state=relay_state,
        binding="post" if b == _enums.BINDING["HTTP_POST"] else "redirect",
        destination=destination,
        redirect_url=url or None,
        post_form_html=html or None,
        xml=xml,
        is_signed=is_signed,
        issued_at=to_datetime(issued),
        expires_at=to_datetime(expires),
    )
