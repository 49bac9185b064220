"""Verifying a SAMLResponse at the ACS, and the replay caches it records assertions in.

::

    replay = ssogate.ReplayCache.open("sqlite:/var/lib/app/ssogate.db")   # once per process
    try:
        login = ssogate.verify_response(conn, request.form["SAMLResponse"], replay_cache=replay,
                                        pending_request_ids=session.get("saml_request_ids", ()))
    except ssogate.Error as e:          # LoginRejected, SignatureError, MetadataError, StoreError
        log.warning("SSO refused: %s", e)       # the operator message: expected vs got
        return e.user_message, 403              # safe for the end user
    sign_in(login.email)

All checks live in the C library; this module only converts arguments and results.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Tuple, Union

from . import _ssogate
from ._codes import Code
from ._connection import Connection
from ._convert import BytesLike, Timestamp, to_bytes, to_datetime, to_max_bytes, to_unix
from ._errors import InvalidArgument

__all__ = ["Attribute", "VerifiedLogin", "ReplayCache", "verify_response"]


class Attribute(NamedTuple):
    """A SAML attribute from the signed Assertion."""

    name: str
    name_format: str  #: "" when absent
    friendly_name: str  #: "" when absent
    values: Tuple[str, ...]


class VerifiedLogin(NamedTuple):
    """A login that passed every check; every value comes from the signed Assertion."""

    email: str  #: local@domain, the domain lower-cased
    nameid: str
    nameid_format: str  #: "" when absent (unspecified)
    idp_entity_id: str
    connection_id: str
    assertion_id: str
    session_index: str  #: "" when absent
    authn_instant: _dt.datetime
    session_not_on_or_after: Optional[_dt.datetime]
    in_response_to: str  #: "" for an unsolicited (IdP-initiated) login
    attributes: Tuple[Attribute, ...]

    def attribute_dict(self) -> Dict[str, List[str]]:
        """``{name: [values]}``; values of attributes that share a name are joined in order."""
        out: Dict[str, List[str]] = {}
        for a in self.attributes:
            out.setdefault(a.name, []).extend(a.values)
        return out


class ReplayCache:
    """Remembers assertion IDs until they expire, so a SAMLResponse cannot be posted twice.

    Thread-safe: make one per process (or one shared store for many) and pass it to every
    :func:`verify_response`. A cache that cannot answer refuses the login (``StoreError``,
    ``Code.STORE_UNAVAILABLE``): it never lets one through unchecked.
    """

    __slots__ = ("_native", "_what")
    _native: Any
    _what: str

    def __init__(self) -> None:
        raise TypeError("use ReplayCache.memory(), ReplayCache.open(location) or ReplayCache.from_callable(fn)")

    @classmethod
    def _wrap(cls, native: Any, what: str) -> ReplayCache:
        self = object.__new__(cls)
        self._native = native
        self._what = what
        return self

    @classmethod
    def memory(
        cls,
        *,
        now: Optional[Timestamp] = None,
        max_entries: Optional[int] = None,
        max_entries_per_connection: Optional[int] = None,
    ) -> ReplayCache:
        """An in-memory cache for this process.

        ``now`` freezes the clock that forgets expired entries: tests that verify with a frozen
        ``now`` pass the same value, or an old test response is forgotten at once and its replay
        not recognised. ``max_entries`` (default 1,000,000) bounds the live entries in all and
        ``max_entries_per_connection`` (default a tenth of it) those of one connection; beyond them
        the cache refuses logins (``Code.STORE_UNAVAILABLE``) rather than forget live entries, and
        one connection's flood refuses only that connection's logins.
        """
        native = _ssogate.replay_cache_new_memory(
            to_unix(now), _positive(max_entries), _positive(max_entries_per_connection)
        )
        return cls._wrap(native, "memory")

    @classmethod
    def open(  # noqa: A003 - the usual name for "open a store at a location"
        cls,
        location: str,
        *,
        now: Optional[Timestamp] = None,
        max_entries: Optional[int] = None,
        max_entries_per_connection: Optional[int] = None,
    ) -> ReplayCache:
        """A cache at ``"memory:"``, ``"sqlite:PATH"``, ``"postgresql://..."`` or
        ``"redis://[USER:PASSWORD@]HOST:PORT[/DB]"``.

        The limits are those of :meth:`memory` and hold for every kind of location (in SQLite and
        Redis they are shared by every process that uses the store). A malformed location raises
        ``StoreError`` (``Code.STORE_LOCATION``). A Redis server that is down does not fail here:
        verification does, with ``Code.STORE_UNAVAILABLE``.
        """
        if not isinstance(location, str):
            raise TypeError(f"location must be str, got {type(location).__name__}")
        native = _ssogate.replay_cache_open_location(
            location, to_unix(now), _positive(max_entries), _positive(max_entries_per_connection)
        )
        return cls._wrap(native, location.split(":", 1)[0])

    @classmethod
    def from_callable(cls, insert_if_absent: Callable[[str, int], bool]) -> ReplayCache:
        """The host's own store: ``insert_if_absent(key, expires_at) -> bool``.

        It must record ``key`` until ``expires_at`` (Unix seconds) atomically and return True when
        the key was new, False when it was already there (a replay). It may be called from any
        thread. If it raises or returns anything but a bool, the login is refused with
        ``Code.STORE_UNAVAILABLE`` (the exception goes to ``sys.unraisablehook``).
        """
        if not callable(insert_if_absent):
            raise TypeError("insert_if_absent must be callable")
        return cls._wrap(_ssogate.replay_cache_from_callable(insert_if_absent), "callable")

    def __repr__(self) -> str:
        return f"ReplayCache({self._what})"


class SpKey:
    """An SP key (RSA, 2048 bits or more) and its certificate, both PEM: it signs AuthnRequests and
    decrypts encrypted assertions (``decryption_keys`` of :func:`ssogate.verify_response`).

    Keep the key in your own secret store: ssogate never writes it into a connection or its JSON.
    A key or certificate that cannot be used raises ``InvalidArgument`` with ``Code.SP_KEY_INVALID``.
    """

    __slots__ = ("_native",)
    _native: _ssogate.SpKey

    def __init__(self, private_key_pem: Union[str, BytesLike], certificate_pem: Union[str, BytesLike]) -> None:
        self._native = _ssogate.sp_key_new(
            to_bytes(private_key_pem, "private_key_pem"), to_bytes(certificate_pem, "certificate_pem")
        )

    @classmethod
    def legacy(cls, private_key_pem: Union[str, BytesLike], certificate_pem: Union[str, BytesLike]) -> SpKey:
        """A key of 1024 bits or more that only decrypts, for a connection with ``allow_legacy_sp_key``
        (test keys other projects publish). Beginning a login with it is refused (``SP_KEY_INVALID``)."""
        key = cls.__new__(cls)
        key._native = _ssogate.sp_key_new_legacy(
            to_bytes(private_key_pem, "private_key_pem"), to_bytes(certificate_pem, "certificate_pem")
        )
        return key

    @property
    def certificate_pem(self) -> str:
        return self._native.certificate_pem

    def __repr__(self) -> str:
        return "SpKey(<private key hidden>)"


def _native_keys(keys: Iterable[SpKey]) -> List[_ssogate.SpKey]:
    """The extension handles of the SP keys given for decryption (TypeError for anything else)."""
    if isinstance(keys, SpKey):
        raise TypeError("decryption_keys must be a list of SpKey, not one SpKey")
    out = []
    for k in keys:
        if not isinstance(k, SpKey):
            raise TypeError(f"decryption_keys must hold SpKey objects, got {type(k).__name__}")
        out.append(k._native)
    return out


def _positive(value: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected int, got {type(value).__name__}")
    if value <= 0:
        raise InvalidArgument(Code.INVALID_ARGUMENT, f"expected a positive number, got {value}")
    return value


def _request_ids(ids: Union[str, Iterable[str]]) -> List[str]:
    if isinstance(ids, str):
        ids = [ids]  # one ID, not its characters
    out = []
    for i in ids:
        if not isinstance(i, str):
            raise TypeError(f"pending_request_ids must hold str, got {type(i).__name__}")
        if any(c in i for c in " ,\t\r\n"):
            # The C ABI separates IDs with spaces and commas; an ID holding one cannot be an NCName.
            raise InvalidArgument(Code.INVALID_ARGUMENT, f"pending request ID {i[:80]!r} is not an XML NCName")
        out.append(i)
    return out


def verify_response(
    connection: Connection,
    saml_response: Union[str, BytesLike],
    *,
    replay_cache: ReplayCache,
    pending_request_ids: Union[str, Iterable[str]] = (),
    now: Optional[Timestamp] = None,
    max_bytes: Optional[int] = None,
    max_age_seconds: Optional[int] = None,
    decryption_keys: Iterable[SpKey] = (),
) -> VerifiedLogin:
    """Verifies the ``SAMLResponse`` form value posted to the connection's ACS URL.

    ``pending_request_ids`` are the AuthnRequest IDs this browser waits for (none: only an
    unsolicited login can pass, and only if the connection allows IdP-initiated login). ``now``
    freezes the clock (tests); ``max_bytes`` caps the decoded size (default 1 MiB);
    ``max_age_seconds`` is the oldest an IssueInstant may be (default 600). ``decryption_keys``
    are the SP encryption keys (:class:`SpKey`) for a Response with an EncryptedAssertion: only
    those whose certificate is one of the connection's ``sp_encryption_certificates`` are tried.

    Raises a :class:`ssogate.Error` subclass with the stable ``code``, the operator ``message`` and
    the end user's ``user_message``. The GIL is released while the library works.
    """
    if not isinstance(connection, Connection):
        raise TypeError(f"connection must be a Connection, got {type(connection).__name__}")
    if not isinstance(replay_cache, ReplayCache):
        raise TypeError(f"replay_cache must be a ReplayCache, got {type(replay_cache).__name__}")
    if max_age_seconds is not None:
        max_age_seconds = _positive(max_age_seconds)
    r = _ssogate.verify_response(
        connection._native,
        to_bytes(saml_response, "saml_response"),
        replay_cache._native,
        _request_ids(pending_request_ids),
        to_unix(now),
        to_max_bytes(max_bytes),
        max_age_seconds,
        _native_keys(decryption_keys),
    )
    return _verified_login(r)


def _verified_login(t: Any) -> VerifiedLogin:
    """The extension's tuple for a verified login (verify, finish_sp_login, the gate's outcome) as a VerifiedLogin."""
    (email, nameid, fmt, idp, conn_id, aid, session_index, authn_instant, until, irt, attrs) = t
    return VerifiedLogin(
        email=email,
        nameid=nameid,
        nameid_format=fmt,
        idp_entity_id=idp,
        connection_id=conn_id,
        assertion_id=aid,
        session_index=session_index,
        authn_instant=to_datetime(authn_instant),
        session_not_on_or_after=None if until is None else to_datetime(until),
        in_response_to=irt,
        attributes=tuple(Attribute(n, f, fr, tuple(v)) for (n, f, fr, v) in attrs),
    )
