"""Metadata by URL, refresh with last-known-good, the events an admin must hear about, and manual set-up.

::

    idp = ssogate.import_idp_metadata_url("https://dev-123.okta.com/app/exk1/sso/saml/metadata")
    conn = ssogate.Connection.create(idp, base_url="https://app.example.com")
    ...
    # from the host's scheduler, at conn.idp.source.next_refresh_at:
    result = gate.refresh_connection(conn.id, on_event=notify_admins)

A URL is fetched over https with certificate verification, at most 8 MiB, within 10 seconds, following
at most 3 redirects and never from https to http. Since the URL comes from a tenant admin, a name that
resolves to a loopback, link-local, private or unique-local address is refused
(``METADATA_ADDRESS_BLOCKED``) unless its network is in ``allowed_networks`` (tests, on-premises IdPs).
Every refusal has its own code (``Code.METADATA_URL_INVALID`` ... ``Code.METADATA_TLS``) and message.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Callable, Iterable, List, Optional, Tuple, Union

from . import _ssogate
from ._codes import Code
from ._connection import Connection
from ._convert import Timestamp, to_datetime, to_unix
from ._errors import InvalidArgument
from ._idp import IdpMetadata

__all__ = [
    "MetadataEvent",
    "MetadataSource",
    "RefreshResult",
    "import_idp_metadata_url",
    "idp_from_settings",
    "refresh_connection",
]

#: ``fetch(url, if_none_match, if_modified_since) -> (status, body, etag, last_modified, location)``: a
#: host's own HTTP client for one GET without following redirects (the library follows them, with its rules).
FetchFunction = Callable[[str, str, str], Tuple[int, bytes, str, str, str]]


@dataclasses.dataclass(frozen=True)
class MetadataEvent:
    """Something about a connection's IdP metadata an admin must hear about (also an audit row)."""

    kind: str  #: SIGNING_KEY_ADDED, SIGNING_KEY_REMOVED, CERTIFICATE_EXPIRES_SOON, CERTIFICATE_EXPIRED,
    #: SSO_URL_CHANGED, METADATA_EXPIRED, METADATA_REFRESH_FAILED, ENTITY_ID_CHANGED or METADATA_UPDATED
    message: str  #: one sentence: what happened and what to do
    fingerprint: Optional[str] = None  #: key and certificate events: SHA-256 "AB:CD:..."
    not_after: Optional[_dt.datetime] = None  #: key and certificate events: the certificate's expiry
    old_value: Optional[str] = None  #: SSO_URL_CHANGED
    new_value: Optional[str] = None
    failures: int = 0  #: METADATA_REFRESH_FAILED, ENTITY_ID_CHANGED: consecutive failures
    error: Optional[Code] = None  #: METADATA_REFRESH_FAILED, ENTITY_ID_CHANGED: why


@dataclasses.dataclass(frozen=True)
class MetadataSource:
    """Where an IdP's metadata came from and how its refresh stands (``url`` None for a file)."""

    url: Optional[str]
    etag: Optional[str]
    last_modified: Optional[str]
    fetched_at: Optional[_dt.datetime]
    attempted_at: Optional[_dt.datetime]
    next_refresh_at: Optional[_dt.datetime]  #: when to call refresh next
    failures: int  #: consecutive failed refreshes
    last_error: Optional[Code]
    last_error_message: Optional[str]


@dataclasses.dataclass(frozen=True)
class RefreshResult:
    """What a refresh did. ``connection`` is the one to keep (and store: its JSON carries the state)."""

    connection: Connection
    applied: bool  #: a new document is in force
    not_modified: bool  #: the server had nothing newer
    error: Optional[Code]  #: why the last known good stayed; None on success
    error_message: Optional[str]
    events: List[MetadataEvent]

    @property
    def ok(self) -> bool:
        return self.error is None


def _code(n: int) -> Optional[Code]:
    if n == 0:
        return None
    try:
        return Code(n)
    except ValueError:
        return None


def _time(t: int) -> Optional[_dt.datetime]:
    return to_datetime(t) if t else None


def _event(t: tuple) -> MetadataEvent:
    _kind, name, message, fingerprint, not_after, old, new, failures, error = t
    return MetadataEvent(name, message, fingerprint or None, _time(not_after), old or None, new or None, failures,
                         _code(error))


def _source(native: _ssogate.Idp) -> MetadataSource:
    url, etag, last_modified, fetched, attempted, next_at, failures, code, error = _ssogate.idp_source(native)
    return MetadataSource(url or None, etag or None, last_modified or None, _time(fetched), _time(attempted),
                          _time(next_at), failures, _code(code), error or None)


def _fetcher(
    allowed_networks: Union[str, Iterable[str]] = (),
    ca_file: Optional[str] = None,
    timeout: Optional[float] = None,
    max_bytes: Optional[int] = None,
    max_redirects: Optional[int] = None,
    allow_http: bool = False,
    expiry_warning_days: Optional[int] = None,
    now: Optional[Timestamp] = None,
    fetch: Optional[FetchFunction] = None,
) -> _ssogate.Fetcher:
    networks = allowed_networks if isinstance(allowed_networks, str) else " ".join(allowed_networks)
    if fetch is not None and not callable(fetch):
        raise TypeError("fetch must be callable")
    timeout_ms = 0 if timeout is None else int(round(float(timeout) * 1000))
    if timeout is not None and timeout_ms <= 0:
        raise InvalidArgument(Code.INVALID_SETTING, f"timeout must be positive seconds, got {timeout!r}")

    def call(url: str, inm: str, ims: str) -> Tuple[int, bytes, str, str, str]:
        assert fetch is not None
        status, body, etag, last_modified, location = fetch(url, inm, ims)
        return int(status), bytes(body), etag or "", last_modified or "", location or ""

    return _ssogate.make_fetcher(
        networks, ca_file or "", timeout_ms, int(max_bytes or 0), -1 if max_redirects is None else int(max_redirects),
        bool(allow_http), int(expiry_warning_days or 0), to_unix(now) or 0, None if fetch is None else call,
    )


def import_idp_metadata_url(
    url: str,
    *,
    entity_id: Optional[str] = None,
    signer_pem: Optional[str] = None,
    allow_sha1: bool = False,
    **fetch_options: object,
) -> IdpMetadata:
    """Fetches and imports an IdP's metadata from an https URL.

    ``entity_id`` picks an IdP from an aggregate; ``signer_pem`` pins a certificate the document must be
    signed with, now and on every refresh. ``fetch_options``: ``allowed_networks`` (CIDRs allowed although
    private, e.g. ``["10.20.0.0/16"]``), ``ca_file``, ``timeout`` (seconds), ``max_bytes``,
    ``max_redirects``, ``allow_http``, ``expiry_warning_days`` (30), ``now`` (a frozen clock) and
    ``fetch`` (your own HTTP client, see ``FetchFunction``).

    Raises ``InvalidArgument`` / ``ssogate.Error`` with a 13x code for the fetch (``METADATA_URL_INVALID``,
    ``METADATA_ADDRESS_BLOCKED``, ``METADATA_FETCH_FAILED``, ``METADATA_FETCH_TIMEOUT``,
    ``METADATA_FETCH_TOO_LARGE``, ``METADATA_REDIRECT_REFUSED``, ``METADATA_HTTP_STATUS``, ``METADATA_TLS``)
    or a 1xx code for the document, as :func:`import_idp_metadata`. The result's ``source`` holds the URL
    and ``events`` the certificates expired or expiring.
    """
    native = _ssogate.import_idp_url(str(url), entity_id or "", signer_pem or "", bool(allow_sha1),
                                     _fetcher(**fetch_options))  # type: ignore[arg-type]
    return IdpMetadata._from_native(native)


def idp_from_settings(entity_id: str, sso_url: str, certificate: Union[str, bytes]) -> IdpMetadata:
    """IdP metadata from the values an IdP's set-up page shows when there is no metadata file (Okta:
    "View SAML setup instructions"): its entity ID ("Identity Provider Issuer"), its single sign-on URL and
    its signing certificate (PEM, or base64 DER). The same checks as a file import apply."""
    cert = certificate.decode("ascii", "replace") if isinstance(certificate, bytes) else str(certificate)
    return IdpMetadata._from_native(_ssogate.idp_from_settings(str(entity_id), str(sso_url), cert))


def _result(t: tuple) -> RefreshResult:
    native, applied, not_modified, code, message, events = t
    return RefreshResult(Connection._from_native(native), applied, not_modified, _code(code), message or None,
                         [_event(e) for e in events])


def refresh_connection(connection: Connection, **fetch_options: object) -> RefreshResult:
    """Refreshes a connection imported from a URL: a conditional GET, and the new document imported with
    the same checks, the pinned signer and the same entityID. A document that fails is not applied: the
    result's connection keeps the last known good metadata and ``error`` says why. Store
    ``result.connection`` (its JSON carries the refresh state). ``InvalidArgument`` for a connection not
    imported from a URL. ``fetch_options`` as for :func:`import_idp_metadata_url`."""
    if not isinstance(connection, Connection):
        raise TypeError(f"connection must be a Connection, got {type(connection).__name__}")
    return _result(_ssogate.connection_refresh(connection._native,
                                               _fetcher(**fetch_options)))  # type: ignore[arg-type]


def gate_refresh(gate_native: object, connection_id: str,
                 on_event: Optional[Callable[[str, MetadataEvent], None]],
                 fetch_options: dict) -> RefreshResult:
    result = _result(_ssogate.gate_refresh_connection(gate_native, connection_id, _fetcher(**fetch_options)))
    if on_event is not None:
        for e in result.events:
            on_event(connection_id, e)
    return result
